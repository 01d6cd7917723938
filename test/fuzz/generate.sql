-- test/fuzz/generate.sql — phase 2 of test/fuzz/sqlsmith.sh: print one
-- statement per line that calls every fintech.* function with edge-case
-- arguments (NULLs, int32/int64 edges, empty, huge and odd strings,
-- multi-dimensional and non-1-based arrays, extreme intervals and
-- timestamps, odd jsonb and legs), plus attempts to misuse the trigger
-- functions and a few known-heavy probes.
--
-- Run as the superuser after setup.sql with psql -At and these variables:
--   seed     0 .. 1, for setseed (the random combinations)
--   combos   random combinations per function
--   mode     rollback: every statement in BEGIN ... ROLLBACK, so that each is
--            reproducible on top of setup.sql alone;
--            commit: autocommit random combinations and transaction shapes
--            only, so that the state moves on (the jobs and
--            check_ledger/verify_audit look at it after)
-- After each statement fuzz_smith.ledger_ok() (setup.sql) runs check_ledger()
-- and raises FZ001 if a check fails.
-- Every line starts with /* fz N */ so that the runner can tell which
-- statement a crashed session was running.  Values are SQL expressions: big
-- ones are built by the server (repeat(), array_fill()), lines stay short.
\set ON_ERROR_STOP on
SET search_path = pg_catalog;   -- format_type() then qualifies fintech's types
SELECT setseed(:seed) \g /dev/null

CREATE TEMP TABLE fz_edge (type regtype, val text, heavy bool DEFAULT false);
INSERT INTO fz_edge (type, val) VALUES
  ('bigint', 'NULL'), ('bigint', '0'), ('bigint', '-1'), ('bigint', '1'),
  ('bigint', '9223372036854775807'), ('bigint', '(-9223372036854775807 - 1)'),
  ('bigint', '9223372036854775806'), ('bigint', '-9223372036854775807'),
  ('bigint', '4611686018427387904'), ('bigint', '2147483648'),
  ('integer', 'NULL'), ('integer', '0'), ('integer', '-1'), ('integer', '1'),
  ('integer', '2147483647'), ('integer', '(-2147483647 - 1)'),
  ('real', 'NULL'), ('real', '''NaN'''), ('real', '''Infinity'''), ('real', '''-Infinity'''),
  ('real', '0'), ('real', '-1'), ('real', '1'), ('real', '1.0000001'), ('real', '1e-45'),
  ('real', '3.4e38'),
  ('text', 'NULL'), ('text', ''''''), ('text', ''' '''), ('text', '''alice'''),
  ('text', '''bob'''), ('text', '''nm_wallet'''), ('text', '''frozen'''), ('text', '''edge'''),
  ('text', '''nobody'''), ('text', '''USD'''), ('text', '''EUR'''), ('text', '''XXX'''),
  ('text', '''usd'''), ('text', '''asset'''), ('text', '''liability'''), ('text', '''equity'''),
  ('text', '''income'''), ('text', '''expense'''), ('text', '''entity'''), ('text', '''bogus'''),
  ('text', '''confirmed'''), ('text', '''cleared'''), ('text', '''OFAC-SDN'''),
  ('text', '''heartbeat'''), ('text', '''seal_audit'''), ('text', '''launcher'''),
  ('text', '''Nicolas Maduro Moros'''), ('text', '''order-1'''), ('text', '''order-3'''),
  ('text', 'U&''\202Ealice'''), ('text', 'U&''ali\200Bce'''), ('text', 'E''al\x01ice'''),
  ('text', 'E''a\nb'''), ('text', 'U&''cafe\0301'''), ('text', 'U&''caf\00E9'''),
  ('text', '''%'''), ('text', '''_'''), ('text', '''\'''), ('text', ''''''''''),
  ('text', '''a;b'''), ('text', 'chr(65533)'), ('text', 'U&''\+01F600'''),
  ('text', 'repeat(''x'', 17)'), ('text', 'repeat(''x'', 1001)'),
  ('text', 'E''1,"X",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- '''),
  ('text', 'E''"'''), ('text', 'E''1,"unterminated'''), ('text', 'E''\r\n\r\n\x1a'''),
  ('interval', 'NULL'), ('interval', '''0'''), ('interval', '''-1 day'''),
  ('interval', '''1 microsecond'''), ('interval', '''-1 microsecond'''),
  ('interval', '''1 month'''), ('interval', '''178000000 years'''),
  ('interval', '''-178000000 years'''), ('interval', '''1000000 years'''),
  ('interval', '''2147483647 days'''), ('interval', '''-2147483648 days'''),
  ('interval', '''9223372036854775807 microseconds'''),
  ('interval', '''-9223372036854775807 microseconds'''),
  ('timestamp with time zone', 'NULL'), ('timestamp with time zone', '''infinity'''),
  ('timestamp with time zone', '''-infinity'''), ('timestamp with time zone', '''4713-01-01 BC'''),
  ('timestamp with time zone', '''294276-12-31 23:59:59+00'''),
  ('timestamp with time zone', '''epoch'''), ('timestamp with time zone', 'now()'),
  ('jsonb', 'NULL'), ('jsonb', '''{}'''), ('jsonb', '''[]'''), ('jsonb', '''null'''),
  ('jsonb', '''"x"'''), ('jsonb', '''1e308'''), ('jsonb', '''{"a": {"b": [1, {"c": null}]}}'''),
  ('jsonb', '''{"":"", "\u00e9\u202e": 1}'''),
  ('bytea', 'NULL'), ('bytea', '''\x'''), ('bytea', '''\x00'''),
  ('bytea', 'decode(repeat(''00'', 32), ''hex'')'), ('bytea', 'decode(repeat(''ff'', 33), ''hex'')'),
  ('boolean', 'NULL'), ('boolean', 'true'), ('boolean', 'false'),
  ('regclass', 'NULL'), ('regclass', '''fuzz_own.t1'''), ('regclass', '''fuzz_own.v1'''),
  ('regclass', '''fuzz_own.pt'''), ('regclass', '''fintech.accounts'''),
  ('regclass', '''fintech.audit_log'''), ('regclass', '''fintech.worker_status'''),
  ('regclass', '''pg_catalog.pg_class'''), ('regclass', '''fuzz_smith.edge'''), ('regclass', '0'),
  ('text[]', 'NULL'), ('text[]', '''{}'''), ('text[]', '''{NULL}'''), ('text[]', 'ARRAY[''alice'']'),
  ('text[]', 'ARRAY[''alice'', ''bob'']'), ('text[]', '''{{alice,bob},{bob,alice}}'''),
  ('text[]', '''[5:6]={alice,bob}'''), ('text[]', '''[-2147483648:-2147483648]={alice}'''),
  ('text[]', 'array_fill(''alice''::text, ARRAY[1000])'),
  ('bigint[]', 'NULL'), ('bigint[]', '''{}'''), ('bigint[]', '''{NULL}'''), ('bigint[]', '''{1}'''),
  ('bigint[]', '''{1,2}'''), ('bigint[]', '''{{1,2},{3,4}}'''), ('bigint[]', '''[0:1]={1,2}'''),
  ('bigint[]', '''{9223372036854775807,9223372036854775807}'''),
  ('bigint[]', '''{-9223372036854775808}'''), ('bigint[]', 'array_fill(1::bigint, ARRAY[1000])'),
  ('fintech.leg[]', 'NULL'), ('fintech.leg[]', '''{}'''), ('fintech.leg[]', 'ARRAY[NULL::fintech.leg]'),
  ('fintech.leg[]', 'ARRAY[ROW(NULL, NULL, NULL)::fintech.leg, ROW(NULL, NULL, NULL)::fintech.leg]'),
  ('fintech.leg[]', 'ARRAY[fintech.debit(''alice'', 100)]'),
  ('fintech.leg[]', 'ARRAY[[fintech.debit(''alice'', 1), fintech.credit(''bob'', 1)], [fintech.debit(''alice'', 1), fintech.credit(''bob'', 1)]]'),
  ('fintech.leg[]', '(''[3:4]={"(alice,debit,1)","(bob,credit,1)"}'')::fintech.leg[]'),
  ('fintech.leg[]', 'ARRAY[ROW(''alice'', ''sideways'', 1)::fintech.leg, ROW(''bob'', ''credit'', 1)::fintech.leg]'),
  ('fintech.leg[]', 'ARRAY[ROW(''alice'', ''debit'', 0)::fintech.leg, ROW(''bob'', ''credit'', 0)::fintech.leg]'),
  ('fintech.leg[]', 'ARRAY[ROW(''alice'', ''debit'', -5)::fintech.leg, ROW(''bob'', ''credit'', -5)::fintech.leg]'),
  ('fintech.leg[]', 'ARRAY[ROW(''bank'', ''debit'', 9223372036854775807)::fintech.leg, ROW(''bank'', ''debit'', 9223372036854775807)::fintech.leg, ROW(''bob'', ''credit'', 9223372036854775807)::fintech.leg, ROW(''bob'', ''credit'', 9223372036854775807)::fintech.leg]'),
  ('fintech.leg[]', 'ARRAY[ROW(''edge'', ''credit'', 9223372036854775807)::fintech.leg, ROW(''bank'', ''debit'', 9223372036854775807)::fintech.leg]'),
  ('fintech.leg[]', 'ARRAY[ROW(''alice'', ''debit'', (-9223372036854775807 - 1))::fintech.leg, ROW(''bob'', ''credit'', (-9223372036854775807 - 1))::fintech.leg]'),
  ('fintech.leg[]', 'ARRAY[fintech.debit(''alice'', 1), fintech.credit(''alice'', 1)]'),
  ('fintech.leg[]', 'ARRAY[fintech.debit(''alice'', 1), fintech.credit(''eur_wallet'', 1)]'),
  ('fintech.leg[]', 'ARRAY[fintech.debit(''alice'', 1), fintech.credit(''nm_wallet'', 1)]'),
  ('fintech.leg[]', 'ARRAY[fintech.debit(''frozen'', 1), fintech.credit(''bob'', 1)]'),
  ('fintech.leg[]', 'ARRAY(SELECT CASE WHEN i % 2 = 0 THEN fintech.debit(''alice'', 1) ELSE fintech.credit(''bob'', 1) END FROM generate_series(1, 1000) i)');
-- heavy values: once per argument, never in the random combinations
INSERT INTO fz_edge (type, val, heavy) VALUES
  ('text', 'repeat(''x'', 1000000)', true),
  ('text', 'repeat(U&''a\0301'', 5000)', true),
  ('text', 'repeat(''Maduro '', 20000)', true),
  ('jsonb', '(''['' || repeat(''['', 5000) || repeat('']'', 5000) || '']'')::jsonb', true),
  ('jsonb', '(SELECT jsonb_object_agg(i::text, repeat(''v'', 100)) FROM generate_series(1, 20000) i)', true),
  ('bytea', 'decode(repeat(''ab'', 1000000), ''hex'')', true),
  ('text[]', 'array_fill(''''::text, ARRAY[100000])', true),
  ('bigint[]', 'array_fill(NULL::bigint, ARRAY[100000])', true);

-- a valid value for a parameter, by function and name, else by name, else by type
CREATE TEMP TABLE fz_base (fn text, arg text, val text);
INSERT INTO fz_base VALUES
  ('open_account', 'code', '''fz_new'''), ('open_account', 'kind', '''liability'''),
  ('create_party', 'kind', '''individual'''), ('create_party', 'name', '''Alice Johnson'''),
  ('screen_name', 'name', '''Nicolas Maduro'''),
  ('load_sanctions_ofac', 'sdn_csv', 'E''1,"X",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- '''),
  ('load_sanctions_ofac', 'list', '''FUZZ'''),
  ('post_pending', 'amount', '100'),
  ('verify_audit_digest', 'seq', '1'),
  (NULL, 'code', '''alice'''), (NULL, 'account', '''alice'''), (NULL, 'debit_account', '''alice'''),
  (NULL, 'credit_account', '''bob'''), (NULL, 'payer', '''alice'''), (NULL, 'payee', '''bob'''),
  (NULL, 'currency', '''USD'''), (NULL, 'amount', '100'), (NULL, 'min_balance', 'NULL'),
  (NULL, 'max_balance', 'NULL'), (NULL, 'party_id', 'NULL'), (NULL, 'metadata', '''{}'''),
  (NULL, 'description', '''fuzz'''), (NULL, 'pending_for', 'NULL'), (NULL, 'reference', '''fuzz'''),
  (NULL, 'idempotency_key', '''fz-key'''), (NULL, 'decision', '''cleared'''),
  (NULL, 'reason', '''fuzz'''), (NULL, 'job', '''heartbeat'''), (NULL, 'wait', 'false'),
  (NULL, 'tbl', '''fuzz_own.t1'''), (NULL, 'at', 'now()'), (NULL, 'min_score', '0.85'),
  (NULL, 'max_results', '5'), (NULL, 'country', '''US'''), (NULL, 'external_ref', '''ext-1'''),
  (NULL, 'chain_hash', 'decode(repeat(''00'', 32), ''hex'')'), (NULL, 'alt_csv', 'NULL'),
  (NULL, 'add_csv', 'NULL'), (NULL, 'descriptions', 'NULL'),
  (NULL, 'debit_accounts', 'ARRAY[''alice'', ''alice'']'),
  (NULL, 'credit_accounts', 'ARRAY[''bob'', ''nobody'']'), (NULL, 'amounts', 'ARRAY[100, 100]::bigint[]'),
  (NULL, 'legs', 'ARRAY[fintech.debit(''alice'', 100), fintech.credit(''bob'', 100)]'),
  -- ids as they are right after setup.sql: an open hold, an open alert
  (NULL, 'entry_id', (SELECT max(entry_id)::text FROM fintech.holds WHERE status = 'open')),
  (NULL, 'alert_id', (SELECT max(id)::text FROM fintech.screening_alerts WHERE status = 'open'));

-- the callable functions and their input parameters
CREATE TEMP TABLE fz_arg AS
SELECT p.oid AS fn, p.proname::text AS fname, p.proretset, a.pos, a.name, a.type
  FROM pg_proc p
  CROSS JOIN LATERAL (
    SELECT i AS pos, coalesce(p.proargnames[i], 'arg' || i) AS name,
           coalesce(p.proallargtypes[i], p.proargtypes[i - 1])::regtype AS type
      FROM generate_series(1, coalesce(cardinality(p.proallargtypes), p.pronargs)) i
     WHERE p.proargmodes IS NULL OR p.proargmodes[i] IN ('i', 'b')) a
 WHERE p.pronamespace = 'fintech'::regnamespace AND p.prorettype <> 'trigger'::regtype;
CREATE TEMP TABLE fz_fn AS
SELECT p.oid AS fn, p.proname::text AS fname, p.proretset
  FROM pg_proc p
 WHERE p.pronamespace = 'fintech'::regnamespace AND p.prorettype <> 'trigger'::regtype;

-- a call of fn with args (an array of SQL expressions in parameter order)
CREATE FUNCTION pg_temp.fz_call(fn oid, args text[]) RETURNS text LANGUAGE sql AS $$
  SELECT CASE WHEN p.proretset THEN 'SELECT count(*) FROM ' ELSE 'SELECT ' END
         || p.oid::regproc::text || '('
         || coalesce((SELECT string_agg('(' || args[t.r] || ')::' || format_type(t.type, NULL), ', '
                                        ORDER BY t.r)
                        FROM (SELECT a.type, row_number() OVER (ORDER BY a.pos) AS r
                                FROM fz_arg a WHERE a.fn = p.oid) t), '')
         || ')' || CASE WHEN p.proretset THEN '' ELSE ' IS NULL' END
    FROM pg_proc p WHERE p.oid = fn
$$;
CREATE FUNCTION pg_temp.fz_base_of(f text, n text, t regtype) RETURNS text LANGUAGE sql AS $$
  SELECT coalesce((SELECT val FROM fz_base WHERE fn = f AND arg = n),
                  (SELECT val FROM fz_base WHERE fn IS NULL AND arg = n),
                  (SELECT val FROM fz_edge WHERE type = t AND val <> 'NULL' AND NOT heavy LIMIT 1),
                  'NULL')
$$;

CREATE TEMP TABLE fz_stmt (n serial, sql text);

-- 1. every argument of every function through every edge value of its type,
--    the others valid; plus the function with all arguments NULL
INSERT INTO fz_stmt (sql)
SELECT pg_temp.fz_call(f.fn, ARRAY(
         SELECT CASE WHEN o.pos = a.pos THEN e.val ELSE pg_temp.fz_base_of(o.fname, o.name, o.type) END
           FROM fz_arg o WHERE o.fn = f.fn ORDER BY o.pos))
  FROM fz_fn f JOIN fz_arg a ON a.fn = f.fn JOIN fz_edge e ON e.type = a.type
 WHERE :'mode' = 'rollback'
 ORDER BY f.fname, a.pos, e.val;
INSERT INTO fz_stmt (sql)
SELECT pg_temp.fz_call(f.fn, ARRAY(SELECT 'NULL' FROM fz_arg o WHERE o.fn = f.fn ORDER BY o.pos))
  FROM fz_fn f WHERE :'mode' = 'rollback' ORDER BY f.fname;

-- 2. random combinations (light values only)
INSERT INTO fz_stmt (sql)
SELECT pg_temp.fz_call(f.fn, ARRAY(
         SELECT CASE WHEN random() < 0.3 THEN pg_temp.fz_base_of(o.fname, o.name, o.type)
                     ELSE (SELECT e.val FROM fz_edge e WHERE e.type = o.type AND NOT e.heavy
                            ORDER BY random() + 0 * k LIMIT 1) END
           FROM fz_arg o WHERE o.fn = f.fn ORDER BY o.pos))
  FROM fz_fn f CROSS JOIN generate_series(1, :combos) k
 WHERE EXISTS (SELECT FROM fz_arg o WHERE o.fn = f.fn)
 ORDER BY k, f.fname;

-- 3. the trigger functions: called directly, attached to a table of the
--    role's own at every level and timing, with arguments, to a view, to a
--    partitioned table; and audit_table on the role's own tables
INSERT INTO fz_stmt (sql)
SELECT s FROM (
  SELECT 'SELECT ' || p.oid::regproc::text || '()' AS s, p.proname, 0 AS k
    FROM pg_proc p WHERE p.pronamespace = 'fintech'::regnamespace AND p.prorettype = 'trigger'::regtype
  UNION ALL
  SELECT format('CREATE TEMP TABLE fz_t(id int, x text); CREATE TRIGGER fz %s ON fz_t %s EXECUTE FUNCTION %s(%s); '
                'INSERT INTO fz_t VALUES (1, ''a''); UPDATE fz_t SET x = ''b''; DELETE FROM fz_t; TRUNCATE fz_t',
                w.spec, l.lvl, p.oid::regproc, a.args), p.proname, 1
    FROM pg_proc p,
         (VALUES ('AFTER INSERT OR UPDATE OR DELETE'), ('BEFORE INSERT OR UPDATE OR DELETE'),
                 ('AFTER TRUNCATE'), ('BEFORE TRUNCATE')) w(spec),
         (VALUES ('FOR EACH STATEMENT'), ('FOR EACH ROW')) l(lvl),
         (VALUES (''), ('''x'''), ('''id'', ''x'', ''y'', ''z''')) a(args)
   WHERE p.pronamespace = 'fintech'::regnamespace AND p.prorettype = 'trigger'::regtype
     AND NOT (w.spec LIKE '%TRUNCATE' AND l.lvl = 'FOR EACH ROW')
  UNION ALL
  SELECT format('CREATE TEMP TABLE fz_t(id int, x text); CREATE TRIGGER fz AFTER INSERT ON fz_t '
                'REFERENCING NEW TABLE AS nt FOR EACH %s EXECUTE FUNCTION %s(); INSERT INTO fz_t VALUES (1, ''a'')',
                l.lvl, p.oid::regproc), p.proname, 2
    FROM pg_proc p, (VALUES ('STATEMENT'), ('ROW')) l(lvl)
   WHERE p.pronamespace = 'fintech'::regnamespace AND p.prorettype = 'trigger'::regtype
  UNION ALL
  SELECT format('CREATE TEMP TABLE fz_t(id int, x text); CREATE CONSTRAINT TRIGGER fz AFTER INSERT OR UPDATE ON fz_t '
                'DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION %s(); INSERT INTO fz_t VALUES (1, ''a''); '
                'UPDATE fz_t SET x = NULL; SET CONSTRAINTS ALL IMMEDIATE', p.oid::regproc), p.proname, 3
    FROM pg_proc p
   WHERE p.pronamespace = 'fintech'::regnamespace AND p.prorettype = 'trigger'::regtype
  UNION ALL
  SELECT format('CREATE TRIGGER fz INSTEAD OF INSERT OR UPDATE OR DELETE ON fuzz_own.v1 FOR EACH ROW '
                'EXECUTE FUNCTION %s(); INSERT INTO fuzz_own.v1 VALUES (1, ''a''); UPDATE fuzz_own.v1 SET x = ''b''; '
                'DELETE FROM fuzz_own.v1', p.oid::regproc), p.proname, 4
    FROM pg_proc p
   WHERE p.pronamespace = 'fintech'::regnamespace AND p.prorettype = 'trigger'::regtype
  UNION ALL
  SELECT format('CREATE TRIGGER fz AFTER INSERT OR UPDATE OR DELETE ON fuzz_own.pt FOR EACH %s '
                'EXECUTE FUNCTION %s(); INSERT INTO fuzz_own.pt VALUES (1, ''a''), (15, ''b''); '
                'UPDATE fuzz_own.pt SET id = id + 10; DELETE FROM fuzz_own.pt', l.lvl, p.oid::regproc), p.proname, 5
    FROM pg_proc p, (VALUES ('STATEMENT'), ('ROW')) l(lvl)
   WHERE p.pronamespace = 'fintech'::regnamespace AND p.prorettype = 'trigger'::regtype
  UNION ALL
  SELECT format('SELECT fintech.audit_table(%L); INSERT INTO %s VALUES (1, ''a''); UPDATE %s SET x = NULL; '
                'DELETE FROM %s; TRUNCATE %s', t, t, t, t, t), 'audit_table', 6
    FROM (VALUES ('fuzz_own.t1'), ('fuzz_own.pt'), ('fuzz_own.t2')) v(t)
) q WHERE :'mode' = 'rollback' ORDER BY k, proname, s;

-- 4. heavy probes, sized to run well past statement_timeout when the work is
--    quadratic or not cancellable: each must end within statement_timeout +
--    1 s (the report lists those that do not as overruns)
INSERT INTO fz_stmt (sql)
SELECT s FROM (VALUES
  ('SELECT count(*) FROM fintech.screen_name(repeat(U&''\0301'', 50000))'),
  ('SELECT count(*) FROM fintech.screen_name(repeat(''Maduro '', 100000))'),
  ('SELECT fintech.post(ARRAY(SELECT CASE WHEN i % 2 = 0 THEN fintech.debit(''alice'', 1) ELSE fintech.credit(''bob'', 1) END FROM generate_series(1, 60000) i)) IS NULL'),
  ('SELECT count(*) FROM fintech.transfer_batch(array_fill(''alice''::text, ARRAY[60000]), array_fill(''bob''::text, ARRAY[60000]), array_fill(1::bigint, ARRAY[60000]))'),
  ('SELECT fintech.load_sanctions_ofac(E''1,"A'' || repeat(U&''\0301'', 100000) || E''",individual,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- '', NULL, NULL, ''FUZZ'') IS NULL'),
  ('SELECT fintech.load_sanctions_ofac((SELECT string_agg(i || '',"NAME '' || i || E''",individual,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- '', E''\r\n'') FROM generate_series(1, 60000) i), NULL, NULL, ''FUZZ'') IS NULL'),
  ('SELECT fintech.load_sanctions_ofac(E''1,"ONE",individual,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- '', NULL, (SELECT string_agg(''1,'' || i || E'',"Street '' || i || ''","City","Country",-0- '', E''\r\n'') FROM generate_series(1, 40000) i), ''FUZZ'') IS NULL'),
  ('SELECT fintech.load_sanctions_ofac(E''1,"ONE",individual,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- '', (SELECT string_agg(''1,'' || i || E'',"aka","ALIAS '' || i || ''",-0- '', E''\r\n'') FROM generate_series(1, 40000) i), NULL, ''FUZZ'') IS NULL'),
  ('SELECT fintech.create_party(repeat(''Nicolas Maduro '', 50000)) IS NULL')
) v(s) WHERE :'mode' = 'rollback';

-- 5. transaction shapes: 2 to 5 ledger operations in one transaction, some
--    undone by an exception block (a subtransaction rolled back, with or
--    without an error of the operation's own), so that state fintech keeps
--    in memory during a transaction meets rolled-back subtransactions
CREATE TEMP TABLE fz_op (op text);
INSERT INTO fz_op VALUES
  ('fintech.transfer(''alice'', ''bob'', 100, ''t'')'),
  ('fintech.transfer(''bob'', ''alice'', 50, ''t'')'),
  ('fintech.transfer(''alice'', ''bob'', 999999999, ''too much'')'),
  ('fintech.transfer(''alice'', ''bob'', 300, ''hold'', pending_for => ''1 day'')'),
  ('fintech.transfer(''bob'', ''alice'', 20, ''hold'', pending_for => ''1 microsecond'')'),
  ('fintech.post_pending((SELECT max(entry_id) FROM fintech.holds WHERE status = ''open''), 10)'),
  ('fintech.post_pending((SELECT min(entry_id) FROM fintech.holds WHERE status = ''open''))'),
  ('fintech.void_pending((SELECT max(entry_id) FROM fintech.holds WHERE status = ''open''))'),
  ('fintech.reverse((SELECT max(id) FROM fintech.entries), ''undo'')'),
  ('fintech.reverse((SELECT min(id) FROM fintech.entries), ''undo'')'),
  ('fintech.post(ARRAY[fintech.debit(''alice'', 7), fintech.credit(''bob'', 5), fintech.credit(''fees'', 2)])'),
  ('fintech.post(ARRAY[fintech.debit(''alice'', 7), fintech.credit(''bob'', 7)], pending_for => ''1 hour'')'),
  ('fintech.transfer_batch(ARRAY[''alice'', ''bob'', ''alice''], ARRAY[''bob'', ''alice'', ''nobody''], ARRAY[10, 10000000, 10]::bigint[])'),
  ('fintech.transfer(''edge_src'', ''edge'', 1999999, ''to the limit'')'),
  ('fintech.transfer(''edge_src'', ''edge'', 2000000, ''past the limit'')'),
  ('fintech.transfer(''edge_src'', ''edge'', 1999992, ''near the limit'')'),
  ('fintech.transfer(''edge'', ''edge_src'', 9223372036854775807, ''the other way'')'),
  ('fintech.transfer(''edge'', ''alice'', 100, ''hold at the edge'', pending_for => ''1 day'')'),
  ('fintech.transfer(''alice'', ''edge'', 100, ''hold at the edge'', pending_for => ''1 day'')'),
  ('fintech.transfer(''edge_src'', ''edge'', 1000000, ''hold at the edge'', pending_for => ''1 day'')'),
  ('fintech.transfer(''edge'', ''edge_src'', 1000000, ''hold at the edge'', pending_for => ''1 day'')'),
  ('fintech.pay(''fzk-1'', ''alice'', ''bob'', 10)'),
  ('fintech.pay(''fzk-1'', ''alice'', ''bob'', 11)'),
  ('fintech.pay(''fzk-2'', ''alice'', ''nm_wallet'', 10)'),
  ('fintech.resolve_alert((SELECT max(id) FROM fintech.screening_alerts WHERE status = ''open''), ''cleared'', ''fz'')'),
  ('fintech.resolve_alert((SELECT max(id) FROM fintech.screening_alerts WHERE status = ''open''), ''confirmed'', ''fz'')'),
  ('fintech.create_party(''Nicolas Maduro'')'),
  ('fintech.freeze_account(''bob'')'),
  ('fintech.unfreeze_account(''bob'')'),
  ('fintech.unfreeze_account(''frozen'')'),
  ('fintech.close_account(''fees'')'),
  ('fintech.open_account(''fz_x'', ''USD'')'),
  ('fintech.open_account(''fz_y'', ''USD'', ''asset'', -9223372036854775807, 9223372036854775807)'),
  ('fintech.transfer(''fz_y'', ''alice'', 9223372036854775807, ''edge'')'),
  ('fintech.seal_audit()'),
  ('fintech.rescreen_parties()'),
  ('fintech.available_balance(''alice'')');
INSERT INTO fz_stmt (sql)
SELECT 'DO $fz$ BEGIN ' || string_agg(
         CASE WHEN r < 0.35 THEN 'PERFORM ' || op || '; '
              WHEN r < 0.65 THEN 'BEGIN PERFORM ' || op || '; EXCEPTION WHEN OTHERS THEN NULL; END; '
              ELSE 'BEGIN PERFORM ' || op || '; RAISE EXCEPTION ''undo''; EXCEPTION WHEN OTHERS THEN NULL; END; ' END,
         '' ORDER BY i) || 'END $fz$'
  FROM (SELECT k, i, random() AS r,
               (SELECT op FROM fz_op ORDER BY random() + 0 * k + 0 * i LIMIT 1) AS op
          FROM generate_series(1, 10 * :combos) k,
               LATERAL generate_series(1, 2 + (random() * 3)::int + 0 * k) i) q
 GROUP BY k ORDER BY k;

-- and every ordered pair of the operations near the int64 edges
INSERT INTO fz_stmt (sql)
SELECT format('DO $fz$ BEGIN PERFORM %s; PERFORM %s; END $fz$', a.op, b.op)
  FROM fz_op a, fz_op b
 WHERE a.op ~ '(edge|fz_y)' AND b.op ~ '(edge|fz_y)' AND :'mode' = 'rollback'
 ORDER BY a.op, b.op;

SELECT format('/* fz %s */ ', n)
       || CASE WHEN :'mode' = 'rollback' THEN 'BEGIN; ' || sql || '; SELECT fuzz_smith.ledger_ok(); ROLLBACK;'
               ELSE sql || '; SELECT fuzz_smith.ledger_ok();' END
  FROM fz_stmt ORDER BY n;
