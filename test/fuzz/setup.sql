-- test/fuzz/setup.sql — run by test/fuzz/sqlsmith.sh as the superuser, from
-- the tree's root (for test/data/ofac), in a throwaway cluster: the
-- extension, a small sanctions slice and some ledger, parties and payments
-- so the functions have data, then the roles the fuzzers run as:
--   fuzz_app     an application role, given its rights the way the checkout
--                documents (fintech.grant_application when it exists, else
--                USAGE on schema fintech, which before 0.4.0 made the whole
--                API executable through PUBLIC)
--   fuzz_nobody  a role with no grants at all
-- and the schema fuzz_smith that narrows sqlsmith's view of pg_proc.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
CREATE EXTENSION fintech CASCADE;

\set sdn `cat test/data/ofac/sdn.csv`
\set alt `cat test/data/ofac/alt.csv`
\set add `cat test/data/ofac/add.csv`
SELECT fintech.load_sanctions_ofac(:'sdn', :'alt', :'add') AS entities_loaded;

-- accounts of every kind, an asset and a liability near the int64 minimum
SELECT fintech.open_account(code => 'bank', currency => 'USD', kind => 'asset', min_balance => NULL);
SELECT fintech.open_account(code => 'alice', currency => 'USD');
SELECT fintech.open_account(code => 'bob', currency => 'USD');
SELECT fintech.open_account(code => 'fees', currency => 'USD', kind => 'income');
SELECT fintech.open_account(code => 'eur_wallet', currency => 'EUR');
SELECT fintech.open_account(code => 'eur_bank', currency => 'EUR', kind => 'asset', min_balance => NULL);
SELECT fintech.open_account(code => 'edge', currency => 'USD', kind => 'asset',
                            min_balance => -9223372036854775807);
SELECT fintech.open_account(code => 'edge_src', currency => 'USD', kind => 'liability',
                            min_balance => NULL);
SELECT fintech.open_account(code => 'frozen', currency => 'USD');
SELECT fintech.transfer('bank', 'alice', 1000000, 'top-up');
SELECT fintech.transfer('eur_bank', 'eur_wallet', 50000, 'top-up');
-- edge and edge_src 2,000,000 above the int64 minimum (edge's limit is 1
-- above it); in two steps: one transfer of the sum is refused with 22003
SELECT fintech.transfer('edge_src', 'edge', 4611686018427387904, 'to the edge');
SELECT fintech.transfer('edge_src', 'edge', 4611686018427387904 - 2000000, 'to the edge');
SELECT fintech.post(ARRAY[fintech.debit('alice', 2530), fintech.credit('bob', 2500),
                          fintech.credit('fees', 30)], 'dinner');
SELECT fintech.transfer('alice', 'bob', 5000, 'hold', pending_for => '7 days');
SELECT fintech.transfer('alice', 'bob', 700, 'hold 2', pending_for => '1 hour');
SELECT fintech.reverse(fintech.transfer('alice', 'bob', 100, 'to reverse'), 'reversal');
SELECT fintech.freeze_account('frozen');

-- parties: one clean, one on the list (an open alert), payments of each kind
SELECT fintech.create_party('Alice Johnson', country => 'US', external_ref => 'cust-1');
SELECT fintech.create_party('Nicolas Maduro Moros', country => 'VE', external_ref => 'cust-77') AS party \gset
SELECT fintech.open_account(code => 'nm_wallet', currency => 'USD', party_id => :party);
SELECT status FROM fintech.pay('order-1', 'alice', 'bob', 1200, 'order 1');
SELECT status FROM fintech.pay('order-2', 'alice', 'bob', 100000000, 'too much');
SELECT status FROM fintech.pay('order-3', 'alice', 'nm_wallet', 1500, 'held');

-- the roles
CREATE ROLE fuzz_app LOGIN;
CREATE ROLE fuzz_nobody LOGIN;
DO $$
BEGIN
  IF to_regprocedure('fintech.grant_application(regrole)') IS NOT NULL THEN
    PERFORM fintech.grant_application('fuzz_app');
    RAISE WARNING 'fuzz_app: rights from fintech.grant_application';
  ELSE
    GRANT USAGE ON SCHEMA fintech TO fuzz_app;
    RAISE WARNING 'fuzz_app: USAGE on schema fintech (no fintech.grant_application here)';
  END IF;
END $$;
-- Keep every fuzzed statement short; also for a server that would ignore
-- sqlsmith's own SET.
ALTER ROLE fuzz_app SET statement_timeout = '2s';
ALTER ROLE fuzz_app SET lock_timeout = '1s';
ALTER ROLE fuzz_app SET idle_in_transaction_session_timeout = '10s';
ALTER ROLE fuzz_nobody SET statement_timeout = '2s';
ALTER ROLE fuzz_nobody SET lock_timeout = '1s';
-- both may create temp tables and objects in public (PG 15: public is no
-- longer writable by default; an attacker would use a schema of its own)
CREATE SCHEMA fuzz_own AUTHORIZATION fuzz_app;
GRANT TEMP ON DATABASE postgres TO fuzz_app, fuzz_nobody;

-- sqlsmith reads the catalog through unqualified names (pg_proc,
-- pg_namespace): with search_path = fuzz_smith, ..., pg_catalog it sees
-- this view instead, i.e. fintech's functions the role may execute and a
-- few builtins that make arguments, so that most generated calls land in
-- fintech rather than in the 3,000 builtins.
CREATE SCHEMA fuzz_smith;
GRANT USAGE ON SCHEMA fuzz_smith TO fuzz_app;
CREATE VIEW fuzz_smith.pg_proc AS
  SELECT p.* FROM pg_catalog.pg_proc p
   WHERE pg_catalog.has_function_privilege('fuzz_app', p.oid, 'EXECUTE')
     AND (p.pronamespace = 'fintech'::regnamespace
          OR (p.pronamespace = 'pg_catalog'::regnamespace
              AND p.proname IN ('repeat', 'lpad', 'chr', 'concat', 'upper', 'normalize',
                                'int8', 'int4', 'abs', 'now', 'make_interval', 'to_jsonb',
                                'jsonb_build_object', 'jsonb_build_array', 'decode', 'sha256',
                                'array_fill', 'string_to_array', 'count', 'max', 'min',
                                'array_agg', 'string_agg', 'jsonb_agg', 'int8larger',
                                'int8smaller', 'int8mi', 'int8pl', 'bool')));
GRANT SELECT ON fuzz_smith.pg_proc TO fuzz_app;

-- a table of edge values for sqlsmith's column references
CREATE TABLE fuzz_smith.edge (
  i8 bigint, i4 int, t text, j jsonb, iv interval, ts timestamptz, b bytea, r real,
  ta text[], ia bigint[], code text);
INSERT INTO fuzz_smith.edge VALUES
  (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (9223372036854775807, 2147483647, '', '{}', '178000000 years', 'infinity', '', 'NaN',
   '{}', '{}', 'alice'),
  (-9223372036854775808, -2147483648, repeat('x', 5000), '[1,[2,[3]]]', '-178000000 years',
   '-infinity', '\x00ff', '-Infinity', '{{a,b},{c,d}}', '{{1,2},{3,4}}', 'bob'),
  (-1, 0, U&'cafe\0301', '{"a": null}', '1 microsecond', '2000-01-01', '\xdeadbeef', 1.5,
   ARRAY['alice', NULL], ARRAY[1, NULL], 'edge'),
  (0, -1, U&'\202E\200Btab	nl' || E'\n', '"x"', '-1 day', now(), NULL, 0, ARRAY['bank', 'bank'],
   ARRAY[9223372036854775807, 9223372036854775807], 'nm_wallet'),
  (1, 1, 'Nicolas Maduro Moros', 'null', '0', now() - interval '1 year', NULL, 1e30,
   ARRAY['alice', 'bob', 'fees'], ARRAY[-9223372036854775808], 'frozen'),
  (9223372036854775806, 1000000, repeat(U&'a\0301', 2000), '[]', '7 days', NULL, NULL, -0.5,
   ARRAY[repeat('y', 300)], ARRAY[100, 200, 300], 'eur_wallet');
GRANT USAGE ON SCHEMA fuzz_smith TO fuzz_nobody;
GRANT SELECT ON fuzz_smith.edge TO fuzz_app, fuzz_nobody;

-- objects of the application role's own, to attach fintech's triggers to
SET ROLE fuzz_app;
CREATE TABLE fuzz_own.t1 (id int, x text);
CREATE TABLE fuzz_own.t2 (id int PRIMARY KEY, x text NOT NULL DEFAULT '');
CREATE VIEW fuzz_own.v1 AS SELECT id, x FROM fuzz_own.t1;
CREATE TABLE fuzz_own.pt (id int, x text) PARTITION BY RANGE (id);
CREATE TABLE fuzz_own.pt1 PARTITION OF fuzz_own.pt FOR VALUES FROM (0) TO (10);
CREATE TABLE fuzz_own.pt2 PARTITION OF fuzz_own.pt FOR VALUES FROM (10) TO (100);
RESET ROLE;

-- the ledger's invariants, callable by the fuzzing role after each statement
-- (as the superuser: an application role need not be able to run
-- check_ledger itself); FZ001 names the broken check
CREATE FUNCTION fuzz_smith.ledger_ok() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT * FROM fintech.check_ledger() WHERE ok IS NOT TRUE LOOP
    RAISE EXCEPTION USING ERRCODE = 'FZ001',
      MESSAGE = format('check_ledger: %s: %s', r.check_name, r.detail);
  END LOOP;
END $$;
REVOKE ALL ON FUNCTION fuzz_smith.ledger_ok() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION fuzz_smith.ledger_ok() TO fuzz_app;
