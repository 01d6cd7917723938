-- ledger_edges: a property test at the int64 edges (issue 16).
--
-- Seven accounts with limits at and near the bigint edges (and one with a
-- tiny window) are driven by 400 random steps (fixed seed): transfers, holds
-- in both directions, full and partial post_pending, void_pending,
-- reverse, multi-leg posts whose legs (or their sum) pass the edge, and
-- transfer_batch.  Amounts are drawn towards the edges: 1, 2^62, 2^63-1,
-- and the distance of an account's balance or available balance to its
-- limit or to the bigint edge, plus or minus one.
--
-- After every step: check_ledger() is all ok, balance() and
-- available_balance() of every account answer and agree with the stored
-- state, and the step's outcome is the one a model predicts.  The model
-- (m_expect, exact numeric arithmetic) is the rule of 0.4.0: per account
-- of the entry, a limit that refuses gives LD002 (limits are checked against
-- balance - held out and balance + held in, only in the direction the
-- entry moves); otherwise a balance, held amount, available balance or
-- balance + held in that would leave bigint gives 22003; a limit refusal
-- on any account wins over a range refusal on another.  An entry whose
-- debits of one currency do not fit in bigint is 22003 before that.
-- transfer_batch must give item by item what the same transfers give one
-- by one.
\set VERBOSITY terse

-- the case of the issue: an asset at -9223372036854775800 with min_balance
-- -9223372036854775807 cannot hold 100 more (LD002, even though the other
-- account would leave bigint too: the limit is the answer), and its
-- available balance stays right
SELECT fintech.open_account('eg_rep_a', 'USD', kind => 'asset', min_balance => -9223372036854775807) > 0 AS opened;
SELECT fintech.open_account('eg_rep_l', 'USD', kind => 'liability', min_balance => NULL) > 0 AS opened;
SELECT fintech.transfer('eg_rep_l', 'eg_rep_a', 9223372036854775800) > 0 AS moved;
SELECT fintech.transfer('eg_rep_l', 'eg_rep_a', 100, pending_for => '1 hour');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- without a limit in the way, the range is what refuses: eg_rep_l has no
-- lower limit, but its available balance must stay a bigint
SELECT fintech.open_account('eg_rep_f', 'USD', min_balance => NULL) > 0 AS opened;
SELECT fintech.transfer('eg_rep_l', 'eg_rep_f', 100, pending_for => '1 hour');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.transfer('eg_rep_a', 'eg_rep_l', 100, pending_for => '1 hour') > 0 AS held_the_other_way;
SELECT fintech.transfer('eg_rep_l', 'eg_rep_a', 7) > 0 AS to_the_limit;
SELECT fintech.balance('eg_rep_a'), fintech.available_balance('eg_rep_a'),
       fintech.balance('eg_rep_l'), fintech.available_balance('eg_rep_l');
SELECT check_name, ok FROM fintech.check_ledger() WHERE NOT ok;

SELECT fintech.open_account('eg_a_min', 'USD', kind => 'asset', min_balance => -9223372036854775807) > 0 AS opened;
SELECT fintech.open_account('eg_a_max', 'USD', kind => 'asset', min_balance => NULL, max_balance => 9223372036854775807) > 0 AS opened;
SELECT fintech.open_account('eg_a_free', 'USD', kind => 'asset', min_balance => NULL) > 0 AS opened;
SELECT fintech.open_account('eg_l_min', 'USD', kind => 'liability', min_balance => -9223372036854775808) > 0 AS opened;
SELECT fintech.open_account('eg_l_max', 'USD', kind => 'liability', min_balance => 0, max_balance => 9223372036854775807) > 0 AS opened;
SELECT fintech.open_account('eg_l_free', 'USD', kind => 'liability', min_balance => NULL) > 0 AS opened;
SELECT fintech.open_account('eg_l_box', 'USD', kind => 'liability', min_balance => -5, max_balance => 5) > 0 AS opened;

-- account codes are NFC: U&'caf\00E9' and U&'cafe\0301' are one account,
-- reached by every function in either form (the ASCII fast path aside)
SELECT fintech.open_account(U&'eg_cafe\0301', 'USD') > 0 AS opened;
SELECT code = U&'eg_caf\00E9' AS stored_nfc, octet_length(code) FROM fintech.accounts WHERE code LIKE 'eg\_caf%';
SELECT fintech.open_account(U&'eg_caf\00E9', 'USD');
SELECT fintech.transfer('eg_rep_a', U&'eg_caf\00E9', 5, pending_for => '1 hour') > 0 AS held;
SELECT fintech.post(ARRAY[fintech.debit('eg_rep_f', 3), ROW(U&'eg_cafe\0301', 'credit', 3)::fintech.leg]) > 0 AS posted;
SELECT error FROM fintech.transfer_batch(ARRAY['eg_rep_f', 'eg_rep_f'], ARRAY[U&'eg_cafe\0301', U&'eg_caf\00E9'],
                                         ARRAY[1, 1]::bigint[]);
SELECT status, payment_id > 0 AS paid FROM fintech.pay('eg-nfc-1', U&'eg_cafe\0301', 'eg_rep_f', 2);
SELECT status, replayed FROM fintech.pay('eg-nfc-1', U&'eg_caf\00E9', 'eg_rep_f', 2);  -- the same request: a replay
SELECT fintech.balance(U&'eg_cafe\0301'), fintech.available_balance(U&'eg_caf\00E9'),
       fintech.balance_at(U&'eg_cafe\0301', 'infinity');
SELECT fintech.freeze_account(U&'eg_cafe\0301');
SELECT status FROM fintech.accounts WHERE code = U&'eg_caf\00E9';
SELECT fintech.unfreeze_account(U&'eg_caf\00E9');

CREATE TYPE m_eff AS (code text, net numeric, part numeric, res_out numeric, res_in numeric,
                      rel_out numeric, rel_in numeric);

-- the model: the SQLSTATE an entry with these per-account effects must get ('ok' if none)
CREATE FUNCTION m_expect(effs m_eff[]) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  f m_eff;
  a record;
  b numeric;
  nb numeric;
  new_out numeric;
  new_in numeric;
  down boolean;
  up boolean;
  lim boolean := false;
  rng boolean := false;
  lo numeric := -9223372036854775808;
  hi numeric := 9223372036854775807;
BEGIN
  FOREACH f IN ARRAY effs LOOP
    SELECT * INTO a FROM fintech.accounts WHERE code = f.code;
    b := fintech.balance(f.code);
    nb := b + f.net;
    new_out := a.pending_out - f.rel_out + f.res_out;
    new_in := a.pending_in - f.rel_in + f.res_in;
    down := f.net < 0 OR f.res_out > 0;
    up := f.net > 0 OR f.res_in > 0;
    IF (down AND nb - new_out < a.min_balance) OR (up AND nb + new_in > a.max_balance) THEN
      lim := true;
    ELSIF nb NOT BETWEEN lo AND hi OR b + f.part NOT BETWEEN lo AND hi
       OR (f.res_out > 0 AND new_out > hi) OR (f.res_in > 0 AND new_in > hi)
       OR (down AND nb - new_out < lo) OR (up AND nb + new_in > hi) THEN
      rng := true;
    END IF;
  END LOOP;
  RETURN CASE WHEN lim THEN 'LD002' WHEN rng THEN '22003' ELSE 'ok' END;
END $$;

CREATE FUNCTION m_sign(acct text) RETURNS int LANGUAGE sql AS $$
  SELECT CASE WHEN kind IN ('asset', 'expense') THEN 1 ELSE -1 END FROM fintech.accounts WHERE code = acct
$$;

-- a two-leg entry (debit d, credit c, amount x): posted, or held
CREATE FUNCTION m_transfer(d text, c text, x numeric, hold boolean) RETURNS m_eff[] LANGUAGE sql AS $$
  SELECT ARRAY[
    CASE WHEN hold THEN ROW(d, 0, 0, greatest(-x * m_sign(d), 0), greatest(x * m_sign(d), 0), 0, 0)::m_eff
         ELSE ROW(d, x * m_sign(d), x * m_sign(d), 0, 0, 0, 0)::m_eff END,
    CASE WHEN hold THEN ROW(c, 0, 0, greatest(x * m_sign(c), 0), greatest(-x * m_sign(c), 0), 0, 0)::m_eff
         ELSE ROW(c, -x * m_sign(c), -x * m_sign(c), 0, 0, 0, 0)::m_eff END]
$$;

-- posting p of the hold (debit d, credit c, amount x): release all, post p
CREATE FUNCTION m_post_hold(d text, c text, x numeric, p numeric) RETURNS m_eff[] LANGUAGE sql AS $$
  SELECT ARRAY[
    ROW(d, p * m_sign(d), p * m_sign(d), 0, 0, greatest(-x * m_sign(d), 0), greatest(x * m_sign(d), 0))::m_eff,
    ROW(c, -p * m_sign(c), -p * m_sign(c), 0, 0, greatest(x * m_sign(c), 0), greatest(-x * m_sign(c), 0))::m_eff]
$$;

CREATE TABLE eg_holds (entry_id bigint, d text, c text, x bigint, open boolean);
CREATE TABLE eg_posted (entry_id bigint, d text, c text, x bigint, reversed boolean);
CREATE TABLE eg_steps (n int, op text, got text, expected text, checks_ok boolean, balances_ok boolean,
                       near_edge int);

-- after each step: check_ledger() all ok, balance() and available_balance()
-- answer and agree with the stored state; how many accounts are within 1000
-- of a bigint edge or of a limit (so the walk is seen to reach them)
CREATE FUNCTION eg_record(n int, op text, got text, expected text) RETURNS void LANGUAGE sql AS $$
  INSERT INTO eg_steps
  SELECT n, op, got, expected,
         NOT EXISTS (SELECT FROM fintech.check_ledger() WHERE NOT ok),
         (SELECT bool_and(fintech.balance(code) = balance
                          AND fintech.available_balance(code) = balance - pending_out)
            FROM fintech.accounts WHERE code LIKE 'eg\_%'),
         (SELECT count(*) FROM fintech.accounts a, LATERAL (VALUES (a.balance::numeric),
                   (a.balance::numeric - a.pending_out), (a.balance::numeric + a.pending_in)) v(x)
           WHERE code NOT LIKE 'eg\_rep\_%' AND code LIKE 'eg\_%'
             AND (x < -9223372036854775808 + 1000 OR x > 9223372036854775807 - 1000
                  OR abs(x - a.min_balance) < 1000 AND a.min_balance < -1000
                  OR abs(a.max_balance - x) < 1000 AND a.max_balance > 1000))
$$;

-- an amount towards an edge, for debit d / credit c
CREATE FUNCTION eg_amount(d text, c text) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE
  r float8 := random();
  acct text := CASE WHEN random() < 0.5 THEN d ELSE c END;
  a record;
  b numeric;
  x numeric;
BEGIN
  SELECT * INTO a FROM fintech.accounts WHERE code = acct;
  b := fintech.balance(acct);
  x := CASE
    WHEN r < 0.10 THEN 1
    WHEN r < 0.20 THEN 4611686018427387904
    WHEN r < 0.30 THEN 9223372036854775807
    WHEN r < 0.40 THEN 1 + floor(random() * 1000)
    WHEN r < 0.50 THEN b - a.pending_out - coalesce(a.min_balance, -9223372036854775808)
    WHEN r < 0.60 THEN coalesce(a.max_balance, 9223372036854775807) - b - a.pending_in
    WHEN r < 0.70 THEN abs(b)
    WHEN r < 0.80 THEN 9223372036854775807 - abs(b)
    WHEN r < 0.90 THEN abs(b - a.pending_out)
    ELSE a.pending_out + a.pending_in + 1 END;
  x := x + (floor(random() * 3) - 1);       -- -1, 0 or +1
  RETURN least(greatest(x, 1), 9223372036854775807);
END $$;

SELECT setseed(0.16);
DO $$
DECLARE
  accts text[] := ARRAY['eg_a_min', 'eg_a_max', 'eg_a_free', 'eg_l_min', 'eg_l_max', 'eg_l_free', 'eg_l_box'];
  op text;
  d text;
  c text;
  x numeric;
  x2 numeric;
  p numeric;
  h record;
  e record;
  expected text;
  got text;
  eid bigint;
  r float8;
  bd text[];
  bc text[];
  ba bigint[];
  one text[];
  batch text[];
BEGIN
  FOR n IN 1..400 LOOP
    d := accts[1 + floor(random() * 7)::int];
    c := accts[1 + floor(random() * 7)::int];
    IF c = d THEN c := accts[1 + (array_position(accts, d) % 7)]; END IF;
    r := random();
    expected := NULL;
    eid := NULL;
    BEGIN
      IF r < 0.30 THEN
        op := 'transfer';
        x := eg_amount(d, c);
        expected := m_expect(m_transfer(d, c, x, false));
        eid := fintech.transfer(d, c, x::bigint);
        INSERT INTO eg_posted VALUES (eid, d, c, x, false);
      ELSIF r < 0.50 THEN
        op := 'hold';
        x := eg_amount(d, c);
        expected := m_expect(m_transfer(d, c, x, true));
        eid := fintech.transfer(d, c, x::bigint, pending_for => '1 hour');
        INSERT INTO eg_holds VALUES (eid, d, c, x, true);
      ELSIF r < 0.62 THEN
        SELECT * INTO h FROM eg_holds WHERE open ORDER BY random() LIMIT 1;
        IF h IS NULL THEN CONTINUE; END IF;
        IF random() < 0.5 THEN
          op := 'post_pending';
          p := h.x;
          expected := m_expect(m_post_hold(h.d, h.c, h.x, p));
          eid := fintech.post_pending(h.entry_id);
        ELSE
          op := 'post_pending partial';
          p := greatest(1, least(h.x, eg_amount(h.d, h.c)));
          expected := m_expect(m_post_hold(h.d, h.c, h.x, p));
          eid := fintech.post_pending(h.entry_id, p::bigint);
        END IF;
        UPDATE eg_holds SET open = false WHERE entry_id = h.entry_id;
        INSERT INTO eg_posted VALUES (eid, h.d, h.c, p, false);
      ELSIF r < 0.70 THEN
        op := 'void_pending';
        SELECT * INTO h FROM eg_holds WHERE open ORDER BY random() LIMIT 1;
        IF h IS NULL THEN CONTINUE; END IF;
        expected := 'ok';                     -- a release is always allowed
        eid := fintech.void_pending(h.entry_id);
        UPDATE eg_holds SET open = false WHERE entry_id = h.entry_id;
      ELSIF r < 0.80 THEN
        op := 'reverse';
        SELECT * INTO e FROM eg_posted WHERE NOT reversed ORDER BY random() LIMIT 1;
        IF e IS NULL THEN CONTINUE; END IF;
        expected := m_expect(m_transfer(e.c, e.d, e.x, false));
        eid := fintech.reverse(e.entry_id);
        UPDATE eg_posted SET reversed = true WHERE entry_id = e.entry_id;
      ELSIF r < 0.90 THEN
        -- two debits of d and one credit of c: the legs, or their sum, may pass the edge
        op := 'post 3 legs';
        x := eg_amount(d, c);
        x2 := eg_amount(d, c);
        expected := CASE WHEN x + x2 > 9223372036854775807 THEN '22003' ELSE
          m_expect(ARRAY[ROW(d, (x + x2) * m_sign(d), x * m_sign(d), 0, 0, 0, 0)::m_eff,
                         ROW(c, -(x + x2) * m_sign(c), -(x + x2) * m_sign(c), 0, 0, 0, 0)::m_eff]) END;
        eid := fintech.post(ARRAY[fintech.debit(d, x::bigint), fintech.debit(d, x2::bigint),
                                  fintech.credit(c, least(x + x2, 9223372036854775807)::bigint)]);
      ELSE
        -- a batch of three: item by item what the same transfers give one by one
        op := 'transfer_batch';
        bd := ARRAY[d, c, d];
        bc := ARRAY[c, d, c];
        ba := ARRAY[eg_amount(d, c)::bigint, eg_amount(d, c)::bigint, eg_amount(d, c)::bigint];
        one := ARRAY[]::text[];
        BEGIN
          FOR i IN 1..3 LOOP
            BEGIN
              PERFORM fintech.transfer(bd[i], bc[i], ba[i]);
              one := one || 'ok'::text;
            EXCEPTION WHEN OTHERS THEN
              one := one || SQLSTATE;
            END;
          END LOOP;
          RAISE EXCEPTION USING ERRCODE = 'P0004';   -- undo the one-by-one run
        EXCEPTION WHEN assert_failure THEN
          NULL;
        END;
        SELECT array_agg(coalesce(error, 'ok') ORDER BY idx) INTO batch
          FROM fintech.transfer_batch(bd, bc, ba);
        expected := array_to_string(one, ',');
        got := array_to_string(batch, ',');
        PERFORM eg_record(n, op, got, expected);
        CONTINUE;
      END IF;
      got := 'ok';
    EXCEPTION WHEN OTHERS THEN
      got := SQLSTATE;
    END;
    PERFORM eg_record(n, op, got, expected);
  END LOOP;
END $$;

-- every step as the model says, check_ledger() ok and the balances right after each
SELECT count(*) AS steps, count(*) FILTER (WHERE got = expected) AS as_modelled,
       count(*) FILTER (WHERE checks_ok) AS check_ledger_ok,
       count(*) FILTER (WHERE balances_ok) AS balances_ok,
       count(*) FILTER (WHERE near_edge > 0) AS steps_near_an_edge
  FROM eg_steps;
SELECT n, op, got, expected, checks_ok, balances_ok FROM eg_steps
 WHERE got IS DISTINCT FROM expected OR NOT checks_ok OR NOT balances_ok ORDER BY n;
-- what the walk did (and that it met every kind of outcome)
SELECT op, got, count(*) FROM eg_steps GROUP BY 1, 2 ORDER BY 1, 2;
SELECT code, balance, pending_out, pending_in, fintech.available_balance(code) AS available
  FROM fintech.accounts WHERE code LIKE 'eg\_%' ORDER BY code;

-- the update from 0.3.0 does not rewrite stored codes: it warns about the
-- accounts that can no longer be reached by code (not NFC, or with a Cc/Cf
-- character; written here straight into the table, as 0.3.0 allowed them)
\set regress_db :DBNAME
CREATE DATABASE ledger_edges_upgrade;
\c ledger_edges_upgrade
SET client_min_messages = warning;
CREATE EXTENSION pgcrypto;
CREATE EXTENSION fintech VERSION '0.3.0';
INSERT INTO fintech.accounts (code, currency, kind)
  VALUES (U&'up_cafe\0301', 'USD', 'liability'), (U&'up_x\202Ey', 'USD', 'liability'),
         (U&'up_tag\+0E0041', 'USD', 'liability'), (U&'up_caf\00E9', 'USD', 'liability'),
         ('up_plain', 'USD', 'liability');
ALTER EXTENSION fintech UPDATE TO '0.4.0';
SELECT count(*) AS accounts, count(*) FILTER (WHERE code IS NFC NORMALIZED) AS nfc FROM fintech.accounts;
SELECT fintech.balance('up_plain'), fintech.balance(U&'up_cafe\0301');
\c :regress_db
DROP DATABASE ledger_edges_upgrade;

DROP TABLE eg_steps, eg_holds, eg_posted;
DROP FUNCTION eg_record(int, text, text, text), eg_amount(text, text), m_post_hold(text, text, numeric, numeric),
  m_transfer(text, text, numeric, boolean), m_sign(text), m_expect(m_eff[]);
DROP TYPE m_eff;

-- the direct writer's checks of fintech.accounts are kept for the session's
-- next calls (posting_lock_write.c) and forgotten when the table changes:
-- a CHECK constraint added after this session's first transfer holds for
-- the next one (le_cache_b, not used before, is locked by its update; the
-- direct update would not check it, the statement does)
SELECT fintech.open_account(code => 'le_cache_bank', currency => 'USD', kind => 'asset',
                            min_balance => NULL) > 0 AS bank,
       fintech.open_account(code => 'le_cache_a', currency => 'USD') > 0 AS a,
       fintech.open_account(code => 'le_cache_b', currency => 'USD') > 0 AS b;
SELECT fintech.transfer('le_cache_bank', 'le_cache_a', 5) > 0 AS directly;
BEGIN;
ALTER TABLE fintech.accounts ADD CONSTRAINT regress_cap CHECK (code <> 'le_cache_b' OR balance <= 3) NOT VALID;
SELECT fintech.transfer('le_cache_bank', 'le_cache_b', 5) > 0 AS over_the_cap;
ROLLBACK;
SELECT fintech.transfer('le_cache_bank', 'le_cache_b', 5) > 0 AS without_it;
SELECT code, balance FROM fintech.accounts WHERE code LIKE 'le\_cache\_%' ORDER BY code;
-- an account the session used lately (le_cache_bank) is locked first and
-- its folded state written at the end (posting_bulk.c): with a CHECK
-- constraint that is the UPDATE statement, which checks it
BEGIN;
ALTER TABLE fintech.accounts ADD CONSTRAINT regress_bank_cap CHECK (code <> 'le_cache_bank' OR balance <= 12) NOT VALID;
SELECT fintech.transfer('le_cache_bank', 'le_cache_a', 5) > 0 AS over_the_bank_cap;
ROLLBACK;
SELECT code, balance FROM fintech.accounts WHERE code = 'le_cache_bank';
