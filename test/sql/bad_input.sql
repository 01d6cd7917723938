-- bad_input: every function of the design fed NULLs, empty strings, huge
-- and negative numbers, over-long strings, unknown ids, wrong currencies,
-- malformed jsonb and malformed CSV.  Each call must fail with its
-- documented SQLSTATE and change nothing (a fingerprint of every table of
-- the extension, taken before and after each call, must not change).
-- Then a generated regression over random leg arrays: every accepted entry
-- balances, every refused one leaves no trace.
\set VERBOSITY terse

CREATE TABLE bad_calls (n serial, call text, expected text);
CREATE TABLE bad_results (n int, call text, expected text, got text, unchanged boolean);

-- what the extension's tables hold (counts and sums, not ids: a failed
-- call may still have taken a sequence value)
CREATE FUNCTION fingerprint() RETURNS text LANGUAGE sql AS $$
  SELECT concat_ws('|',
    (SELECT count(*) || ':' || coalesce(sum(balance), 0) || ':' || coalesce(sum(pending_out), 0) || ':' ||
            coalesce(sum(pending_in), 0) || ':' || string_agg(status || blocked::text, ',' ORDER BY code)
       FROM fintech.accounts),
    (SELECT count(*) FROM fintech.entries), (SELECT count(*) FROM fintech.postings),
    (SELECT count(*) FROM fintech.pending_legs),
    (SELECT count(*) || ':' || string_agg(status, ',' ORDER BY entry_id) FROM fintech.holds),
    (SELECT count(*) || ':' || string_agg(status, ',' ORDER BY id) FROM fintech.payments),
    (SELECT count(*) FROM fintech.idempotency_keys),
    (SELECT count(*) || ':' || string_agg(status, ',' ORDER BY id) FROM fintech.parties),
    (SELECT count(*) || ':' || string_agg(status, ',' ORDER BY id) FROM fintech.screening_alerts),
    (SELECT string_agg(list || version, ',' ORDER BY list) FROM fintech.sanctions_lists),
    (SELECT count(*) FROM fintech.sanctions_names),
    (SELECT count(*) FROM fintech.currencies),
    (SELECT count(*) FROM fintech.audit_log))
$$;

-- a little state to point at
SELECT fintech.open_account('bi_bank', 'USD', kind => 'asset', min_balance => NULL) > 0 AS opened;
SELECT fintech.open_account('bi_a', 'USD') > 0 AS opened;
SELECT fintech.open_account('bi_eur', 'EUR') > 0 AS opened;
SELECT fintech.transfer('bi_bank', 'bi_a', 1000) > 0 AS funded;
SELECT fintech.transfer('bi_bank', 'bi_a', 100, pending_for => '1 hour') AS bi_hold \gset
SELECT fintech.transfer('bi_bank', 'bi_a', 1) AS bi_entry \gset
SELECT fintech.create_party('Bad Input Person') AS bi_party \gset
-- accounts at the bigint edge: bi_edge (asset, min_balance -9223372036854775807)
-- and bi_edge_src (liability, no lower limit) both at -9223372036854775800;
-- bi_edge_f a liability without limits
SELECT fintech.open_account('bi_edge', 'USD', kind => 'asset', min_balance => -9223372036854775807) > 0 AS opened;
SELECT fintech.open_account('bi_edge_src', 'USD', min_balance => NULL) > 0 AS opened;
SELECT fintech.open_account('bi_edge_f', 'USD', min_balance => NULL) > 0 AS opened;
SELECT fintech.transfer('bi_edge_src', 'bi_edge', 9223372036854775800) > 0 AS at_the_edge;
SELECT fintech.open_account(U&'bi_caf\00E9', 'USD') > 0 AS opened;

-- transfer_batch refuses a bad item on its own (its SQLSTATE in error):
-- raise the first item's, so that it fits this table
CREATE FUNCTION batch_item_error(d text[], c text[], a bigint[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  e text;
BEGIN
  SELECT error INTO e FROM fintech.transfer_batch(d, c, a) ORDER BY idx LIMIT 1;
  IF e IS NOT NULL THEN
    RAISE EXCEPTION 'item 1: %', e USING ERRCODE = e;
  END IF;
END $$;

INSERT INTO bad_calls (call, expected) VALUES
  -- open_account
  ($$SELECT fintech.open_account(NULL, 'USD')$$, '22023'),
  ($$SELECT fintech.open_account('', 'USD')$$, '22023'),
  ($$SELECT fintech.open_account(repeat('x', 256), 'USD')$$, '22023'),
  ($$SELECT fintech.open_account('bi_new', NULL)$$, '22023'),
  ($$SELECT fintech.open_account('bi_new', 'XYZ')$$, '22023'),
  ($$SELECT fintech.open_account('bi_new', 'USD', kind => 'cash')$$, '22023'),
  ($$SELECT fintech.open_account('bi_new', 'USD', kind => NULL)$$, '22023'),
  ($$SELECT fintech.open_account('bi_new', 'USD', min_balance => 10, max_balance => 5)$$, '22023'),
  ($$SELECT fintech.open_account('bi_new', 'USD', min_balance => 1)$$, '22023'),
  ($$SELECT fintech.open_account('bi_new', 'USD', min_balance => NULL, max_balance => -1)$$, '22023'),
  ($$SELECT fintech.open_account('bi_new', 'USD', min_balance => 9223372036854775807, max_balance => NULL)$$, '22023'),
  ($$SELECT fintech.open_account('bi_new', 'USD', metadata => '[1, 2]')$$, '22023'),
  ($$SELECT fintech.open_account('bi_new', 'USD', metadata => '"text"')$$, '22023'),
  ($$SELECT fintech.open_account('bi_new', 'USD', party_id => -1)$$, 'LD009'),
  ($$SELECT fintech.open_account('bi_a', 'USD')$$, '23505'),
  -- codes: NFC-normalised (the same account in either form), no control or format characters
  ($$SELECT fintech.open_account(U&'bi\0007x', 'USD')$$, '22023'),
  ($$SELECT fintech.open_account(E'bi\nx', 'USD')$$, '22023'),
  ($$SELECT fintech.open_account(U&'bi\0085x', 'USD')$$, '22023'),
  ($$SELECT fintech.open_account(U&'bi\00ADx', 'USD')$$, '22023'),
  ($$SELECT fintech.open_account(U&'bi\200Bx', 'USD')$$, '22023'),
  ($$SELECT fintech.open_account(U&'bi\202Ex', 'USD')$$, '22023'),
  ($$SELECT fintech.open_account(U&'bi\2066x', 'USD')$$, '22023'),
  ($$SELECT fintech.open_account(U&'bi\FEFFx', 'USD')$$, '22023'),
  ($$SELECT fintech.open_account(U&'bi\+013439x', 'USD')$$, '22023'),
  ($$SELECT fintech.open_account(U&'bi\+0E0041x', 'USD')$$, '22023'),
  ($$SELECT fintech.open_account(repeat(U&'e\0301', 200), 'USD')$$, '22023'),
  ($$SELECT fintech.open_account(repeat(U&'\00E9', 600), 'USD')$$, '22023'),
  ($$SELECT fintech.open_account(U&'bi_cafe\0301', 'USD')$$, '23505'),
  -- freeze / unfreeze / close
  ($$SELECT fintech.freeze_account(NULL)$$, '22023'),
  ($$SELECT fintech.freeze_account('nope')$$, 'LD009'),
  ($$SELECT fintech.freeze_account(E'bi_a\t')$$, '22023'),
  ($$SELECT fintech.unfreeze_account('')$$, '22023'),
  ($$SELECT fintech.close_account('nope')$$, 'LD009'),
  ($$SELECT fintech.close_account('bi_a')$$, 'LD002'),
  -- legs
  ($$SELECT fintech.debit(NULL, 1)$$, '22023'),
  ($$SELECT fintech.debit('bi_a', NULL)$$, '22023'),
  ($$SELECT fintech.credit('bi_a', 0)$$, '22023'),
  ($$SELECT fintech.credit('bi_a', -5)$$, '22023'),
  ($$SELECT fintech.debit(U&'bi\200Ba', 5)$$, '22023'),
  -- post
  ($$SELECT fintech.post(NULL)$$, '22023'),
  ($$SELECT fintech.post(ARRAY[]::fintech.leg[])$$, 'LD001'),
  ($$SELECT fintech.post(ARRAY[fintech.debit('bi_bank', 5)])$$, 'LD001'),
  ($$SELECT fintech.post(ARRAY[fintech.debit('bi_bank', 5), fintech.credit('bi_a', 4)])$$, 'LD001'),
  -- several currencies are allowed in post; each must balance on its own
  ($$SELECT fintech.post(ARRAY[fintech.debit('bi_bank', 5), fintech.credit('bi_eur', 5)])$$, 'LD001'),
  ($$SELECT fintech.post(ARRAY[fintech.debit('bi_bank', 5), fintech.credit('nope', 5)])$$, 'LD009'),
  ($$SELECT fintech.post(ARRAY[fintech.debit('bi_bank', 9223372036854775807), fintech.debit('bi_bank', 9223372036854775807), fintech.credit('bi_a', 1)])$$, '22003'),
  ($$SELECT fintech.post(ARRAY[fintech.debit('bi_bank', 5), fintech.credit('bi_a', 5)], metadata => '[]')$$, '22023'),
  ($$SELECT fintech.post(ARRAY[fintech.debit('bi_bank', 5), fintech.credit('bi_a', 5)], pending_for => '-1 hour')$$, '22023'),
  ($$SELECT fintech.post(ARRAY[fintech.debit('bi_bank', 5), fintech.credit('bi_a', 5)], pending_for => '0')$$, '22023'),
  ($$SELECT fintech.post(ARRAY[ROW('bi_a', 'sideways', 5)::fintech.leg, fintech.credit('bi_bank', 5)])$$, '22023'),
  ($$SELECT fintech.post(ARRAY[ROW('bi_a', 'debit', -5)::fintech.leg, fintech.credit('bi_bank', -5)])$$, '22023'),
  ($$SELECT fintech.post(ARRAY[ROW(NULL, 'debit', 5)::fintech.leg, fintech.credit('bi_bank', 5)])$$, '22023'),
  ($$SELECT fintech.post(ARRAY[ROW(U&'bi\202Ea', 'debit', 5)::fintech.leg, fintech.credit('bi_bank', 5)])$$, '22023'),
  ($$SELECT fintech.post(ARRAY[fintech.debit('bi_bank', 5), NULL])$$, '22023'),
  ($$SELECT fintech.post(ARRAY[[fintech.debit('bi_bank', 5), fintech.credit('bi_a', 5)]])$$, '22023'),
  ($$SELECT fintech.post(ARRAY[[fintech.debit('bi_bank', 5)], [fintech.credit('bi_a', 5)]])$$, '22023'),
  ($$SELECT fintech.post(ARRAY[fintech.debit('bi_bank', 5), fintech.credit('bi_a', 5)], pending_for => '1000000 years')$$, '22023'),
  ($$SELECT fintech.post(ARRAY[fintech.debit('bi_bank', 5), fintech.credit('bi_a', 5)], pending_for => '178000000 years')$$, '22023'),
  -- overflow: a leg's partial balance passes the edge though the entry's net does not
  ($$SELECT fintech.post(ARRAY[fintech.debit('bi_edge_src', 100), fintech.credit('bi_edge_src', 100), fintech.debit('bi_edge_f', 1), fintech.credit('bi_edge_f', 1)])$$, '22003'),
  -- transfer
  ($$SELECT fintech.transfer(NULL, 'bi_a', 1)$$, '22023'),
  ($$SELECT fintech.transfer('bi_bank', '', 1)$$, '22023'),
  ($$SELECT fintech.transfer('bi_bank', 'bi_a', NULL)$$, '22023'),
  ($$SELECT fintech.transfer('bi_bank', 'bi_a', 0)$$, '22023'),
  ($$SELECT fintech.transfer('bi_bank', 'bi_a', -1)$$, '22023'),
  ($$SELECT fintech.transfer('bi_bank', 'nope', 1)$$, 'LD009'),
  ($$SELECT fintech.transfer('bi_bank', 'bi_eur', 1)$$, 'LD004'),
  ($$SELECT fintech.transfer('bi_a', 'bi_bank', 1000000)$$, 'LD002'),
  ($$SELECT fintech.transfer('bi_a', 'bi_bank', 9223372036854775807)$$, 'LD002'),
  ($$SELECT fintech.transfer('bi_bank', 'bi_a', 1, metadata => 'null')$$, '22023'),
  ($$SELECT fintech.transfer(U&'bi\200Bbank', 'bi_a', 1)$$, '22023'),
  ($$SELECT fintech.transfer('bi_bank', 'bi_a', 1, pending_for => '1000000 years')$$, '22023'),
  ($$SELECT fintech.transfer('bi_bank', 'bi_a', 1, pending_for => '1 month -31 days')$$, '22023'),
  -- overflow at the edge: the limit refuses first (LD002); without a limit, the range (22003)
  ($$SELECT fintech.transfer('bi_edge_src', 'bi_edge', 100, pending_for => '1 hour')$$, 'LD002'),
  ($$SELECT fintech.transfer('bi_edge_src', 'bi_edge', 8)$$, 'LD002'),
  ($$SELECT fintech.transfer('bi_edge_src', 'bi_edge_f', 100, pending_for => '1 hour')$$, '22003'),
  ($$SELECT fintech.transfer('bi_edge_src', 'bi_edge_f', 100)$$, '22003'),
  -- transfer_batch
  ($$SELECT * FROM fintech.transfer_batch(NULL, ARRAY['bi_a'], ARRAY[1::bigint])$$, '22023'),
  ($$SELECT * FROM fintech.transfer_batch(ARRAY['bi_bank'], ARRAY['bi_a', 'bi_a'], ARRAY[1::bigint])$$, '22023'),
  ($$SELECT * FROM fintech.transfer_batch(ARRAY['bi_bank'], ARRAY['bi_a'], ARRAY[1::bigint], ARRAY['a', 'b'])$$, '22023'),
  ($$SELECT * FROM fintech.transfer_batch(ARRAY[['bi_bank']], ARRAY['bi_a'], ARRAY[1::bigint])$$, '22023'),
  ($$SELECT * FROM fintech.transfer_batch(ARRAY['bi_bank'], ARRAY[['bi_a']], ARRAY[1::bigint])$$, '22023'),
  ($$SELECT * FROM fintech.transfer_batch(ARRAY['bi_bank'], ARRAY['bi_a'], ARRAY[[1::bigint]])$$, '22023'),
  ($$SELECT * FROM fintech.transfer_batch(ARRAY['bi_bank'], ARRAY['bi_a'], ARRAY[1::bigint], ARRAY[['d']])$$, '22023'),
  ($$SELECT * FROM fintech.transfer_batch(ARRAY[['bi_bank', 'bi_bank'], ['bi_bank', 'bi_bank']], ARRAY['bi_a', 'bi_a', 'bi_a', 'bi_a'], ARRAY[1, 1, 1, 1]::bigint[])$$, '22023'),
  -- one bad item: refused on its own, with its SQLSTATE
  ($$SELECT batch_item_error(ARRAY[NULL], ARRAY['bi_a'], ARRAY[1::bigint])$$, '22023'),
  ($$SELECT batch_item_error(ARRAY['bi_bank'], ARRAY[NULL], ARRAY[1::bigint])$$, '22023'),
  ($$SELECT batch_item_error(ARRAY['bi_bank'], ARRAY['bi_a'], ARRAY[NULL::bigint])$$, '22023'),
  ($$SELECT batch_item_error(ARRAY[U&'bi\202Ebank'], ARRAY['bi_a'], ARRAY[1::bigint])$$, '22023'),
  ($$SELECT batch_item_error(ARRAY[''], ARRAY['bi_a'], ARRAY[1::bigint])$$, '22023'),
  ($$SELECT batch_item_error(ARRAY['bi_edge_src'], ARRAY['bi_edge'], ARRAY[100::bigint])$$, 'LD002'),
  ($$SELECT batch_item_error(ARRAY['bi_edge_src'], ARRAY['bi_edge_f'], ARRAY[100::bigint])$$, '22003'),
  -- holds
  ($$SELECT fintech.post_pending(NULL)$$, '22023'),
  ($$SELECT fintech.post_pending(-1)$$, 'LD009'),
  ($$SELECT fintech.post_pending(:bi_entry)$$, 'LD008'),
  ($$SELECT fintech.post_pending(:bi_hold, 101)$$, 'LD008'),
  ($$SELECT fintech.post_pending(:bi_hold, 0)$$, '22023'),
  ($$SELECT fintech.post_pending(:bi_hold, -1)$$, '22023'),
  ($$SELECT fintech.void_pending(NULL)$$, '22023'),
  ($$SELECT fintech.void_pending(-1)$$, 'LD009'),
  ($$SELECT fintech.void_pending(:bi_entry)$$, 'LD008'),
  -- reverse
  ($$SELECT fintech.reverse(NULL)$$, '22023'),
  ($$SELECT fintech.reverse(-1)$$, 'LD009'),
  -- balances
  ($$SELECT fintech.balance(NULL)$$, '22023'),
  ($$SELECT fintech.balance('nope')$$, 'LD009'),
  ($$SELECT fintech.balance(U&'bi_a\2066')$$, '22023'),
  ($$SELECT fintech.available_balance('')$$, '22023'),
  ($$SELECT fintech.balance_at('nope', now())$$, 'LD009'),
  ($$SELECT fintech.balance_at('bi_a', NULL)$$, '22023'),
  -- pay
  ($$SELECT * FROM fintech.pay(NULL, 'bi_a', 'bi_bank', 1)$$, '22023'),
  ($$SELECT * FROM fintech.pay('', 'bi_a', 'bi_bank', 1)$$, '22023'),
  ($$SELECT * FROM fintech.pay(repeat('k', 256), 'bi_a', 'bi_bank', 1)$$, '22023'),
  ($$SELECT * FROM fintech.pay('bi-k', NULL, 'bi_bank', 1)$$, '22023'),
  ($$SELECT * FROM fintech.pay('bi-k', 'bi_a', repeat('c', 256), 1)$$, '22023'),
  ($$SELECT * FROM fintech.pay('bi-k', 'bi_a', 'bi_bank', 0)$$, '22023'),
  ($$SELECT * FROM fintech.pay('bi-k', 'bi_a', 'bi_bank', -3)$$, '22023'),
  ($$SELECT * FROM fintech.pay('bi-k', 'nope', 'bi_bank', 1)$$, 'LD009'),
  ($$SELECT * FROM fintech.pay('bi-k', 'bi_a', 'bi_eur', 1)$$, 'LD004'),
  ($$SELECT * FROM fintech.pay('bi-k', U&'bi\202Ea', 'bi_bank', 1)$$, '22023'),
  ($$SELECT * FROM fintech.pay('bi-k', 'bi_a', U&'bi\FEFFbank', 1)$$, '22023'),
  ($$SELECT * FROM fintech.pay('bi-k', 'bi_a', 'bi_bank', 1, metadata => '[1]')$$, '22023'),
  -- sanctions lists
  ($$SELECT fintech.load_sanctions_ofac(NULL)$$, '22023'),
  ($$SELECT fintech.load_sanctions_ofac('')$$, '22023'),
  ($$SELECT fintech.load_sanctions_ofac('1,"X"')$$, '22023'),
  ($$SELECT fintech.load_sanctions_ofac('1,"X,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ')$$, '22023'),
  ($$SELECT fintech.load_sanctions_ofac('x,"X",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ')$$, '22023'),
  ($$SELECT fintech.load_sanctions_ofac('1,"X",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ', '2,1,"aka","Y",-0- ')$$, '22023'),
  ($$SELECT fintech.load_sanctions_ofac('1,"X",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ', list => '')$$, '22023'),
  ($$SELECT fintech.load_sanctions_ofac('1,"X",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ', list => NULL)$$, '22023'),
  ($$SELECT fintech.load_sanctions_ofac('1,"X",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ', list => repeat('l', 256))$$, '22023'),
  -- screening
  ($$SELECT * FROM fintech.screen_name(NULL)$$, '22023'),
  ($$SELECT * FROM fintech.screen_name('')$$, '22023'),
  ($$SELECT * FROM fintech.screen_name('x', 2)$$, '22023'),
  ($$SELECT * FROM fintech.screen_name('x', 0.85, -1)$$, '22023'),
  ($$SELECT fintech.create_party(NULL)$$, '22023'),
  ($$SELECT fintech.create_party('')$$, '22023'),
  ($$SELECT fintech.create_party('x', kind => 'robot')$$, '22023'),
  ($$SELECT fintech.create_party(repeat('n', 1001))$$, '22023'),
  ($$SELECT fintech.resolve_alert(NULL, 'cleared', 'r')$$, '22023'),
  ($$SELECT fintech.resolve_alert(-1, 'cleared', 'r')$$, 'LD009'),
  ($$SELECT fintech.resolve_alert(-1, 'maybe', 'r')$$, '22023'),
  ($$SELECT fintech.resolve_alert(-1, 'cleared', '')$$, '22023'),
  -- audit and jobs
  ($$SELECT fintech.audit_table(NULL)$$, '22023'),
  ($$SELECT fintech.audit_table('fintech.audit_log')$$, '22023'),
  ($$SELECT fintech.audit_table('pg_class')$$, '42501'),
  ($$SELECT fintech.verify_audit_digest(NULL, NULL)$$, '22023'),
  ($$SELECT fintech.run_job(NULL)$$, '22023'),
  ($$SELECT fintech.run_job('no_such_job')$$, '22023');

SELECT set_config('bi.entry', :'bi_entry', false) IS NOT NULL AS set,
       set_config('bi.hold', :'bi_hold', false) IS NOT NULL AS set;

DO $$
DECLARE
  c record;
  before text;
  got text;
BEGIN
  FOR c IN SELECT * FROM bad_calls ORDER BY n LOOP
    before := fingerprint();
    BEGIN
      EXECUTE replace(replace(c.call, ':bi_entry', current_setting('bi.entry')),
                      ':bi_hold', current_setting('bi.hold'));
      got := 'ok';
    EXCEPTION WHEN OTHERS THEN
      got := SQLSTATE;
    END;
    INSERT INTO bad_results VALUES (c.n, c.call, c.expected, got, fingerprint() = before);
  END LOOP;
END $$;

-- every call refused as documented, nothing changed
SELECT count(*) AS calls, count(*) FILTER (WHERE got = expected) AS as_documented,
       count(*) FILTER (WHERE unchanged) AS changed_nothing
  FROM bad_results;
SELECT n, call, expected, got, unchanged FROM bad_results
 WHERE got IS DISTINCT FROM expected OR NOT unchanged ORDER BY n;
SELECT expected AS sqlstate, count(*) FROM bad_results GROUP BY 1 ORDER BY 1;

-- ====================================================================
-- generated: 400 random leg arrays (fixed seed) over six accounts (some
-- with a lower limit), two currencies, random sides and amounts (a few
-- zero, negative and huge ones), most made to balance by their last leg,
-- posted one by one: every accepted entry balances per currency, every
-- refused one leaves no trace
-- ====================================================================
SELECT fintech.open_account('fz_' || i, CASE WHEN i <= 4 THEN 'USD' ELSE 'EUR' END,
                            min_balance => CASE WHEN i % 2 = 0 THEN NULL ELSE 0 END) > 0 AS opened
  FROM generate_series(1, 6) i;
SELECT setseed(0.42);
CREATE TABLE fuzz_results (n int, got text, legs int, unchanged boolean, balanced boolean);
DO $$
DECLARE
  legs fintech.leg[];
  nlegs int;
  amt bigint;
  net numeric;
  r float8;
  naccts int;
  before text;
  got text;
  eid bigint;
BEGIN
  FOR n IN 1..400 LOOP
    legs := ARRAY[]::fintech.leg[];
    nlegs := 1 + floor(random() * 4)::int;
    naccts := CASE WHEN random() < 0.8 THEN 4 ELSE 6 END;   -- USD only, or both currencies
    FOR k IN 1..nlegs LOOP
      r := random();
      amt := CASE WHEN r < 0.02 THEN 0
                  WHEN r < 0.04 THEN -1
                  WHEN r < 0.06 THEN 9223372036854775807
                  ELSE 1 + floor(random() * 50)::bigint END;
      legs := legs || ROW('fz_' || (1 + floor(random() * naccts)::int),
                          CASE WHEN random() < 0.5 THEN 'debit' ELSE 'credit' END, amt)::fintech.leg;
    END LOOP;
    -- most of them made to balance: the last leg mirrors the sum
    IF random() < 0.8 AND nlegs > 1 THEN
      SELECT sum(CASE WHEN l.side = 'debit' THEN l.amount ELSE -l.amount END::numeric) INTO net
        FROM unnest(legs[1:nlegs - 1]) l;
      IF net <> 0 AND abs(net) <= 9223372036854775807 THEN
        legs[nlegs] := ROW(legs[nlegs].account, CASE WHEN net > 0 THEN 'credit' ELSE 'debit' END,
                           abs(net)::bigint);
      END IF;
    END IF;
    before := fingerprint();
    BEGIN
      eid := fintech.post(legs, description => 'fuzz ' || n);
      got := 'ok';
    EXCEPTION WHEN OTHERS THEN
      got := SQLSTATE;
      eid := NULL;
    END;
    INSERT INTO fuzz_results VALUES (n, got, nlegs, fingerprint() = before,
      CASE WHEN eid IS NULL THEN NULL ELSE
        (SELECT bool_and(s = 0) FROM (SELECT sum(p.amount) AS s FROM fintech.postings p
           JOIN fintech.accounts a ON a.id = p.account_id WHERE p.entry_id = eid GROUP BY a.currency) x) END);
  END LOOP;
END $$;
SELECT got, count(*) FROM fuzz_results GROUP BY 1 ORDER BY 1;
SELECT count(*) FILTER (WHERE got = 'ok' AND balanced) AS accepted_and_balanced,
       count(*) FILTER (WHERE got = 'ok' AND NOT coalesce(balanced, false)) AS accepted_unbalanced,
       count(*) FILTER (WHERE got <> 'ok' AND unchanged) AS refused_without_trace,
       count(*) FILTER (WHERE got <> 'ok' AND NOT unchanged) AS refused_with_trace,
       count(*) FILTER (WHERE got = 'ok' AND unchanged) AS accepted_without_effect
  FROM fuzz_results;
SELECT check_name, ok FROM fintech.check_ledger() WHERE NOT ok;

DROP TABLE fuzz_results, bad_results, bad_calls;
DROP FUNCTION fingerprint(), batch_item_error(text[], text[], bigint[]);
