-- limits: spending and velocity limits checked inside fintech.pay;
-- create_limit, drop_limit, review_payment and every refusal.
\set VERBOSITY default

SELECT fintech.open_account(code => 'lim_bank', currency => 'USD', kind => 'asset', min_balance => NULL) > 0 AS ok;
SELECT fintech.open_account(code => 'lim_alice', currency => 'USD') > 0 AS ok;
SELECT fintech.open_account(code => 'lim_bob', currency => 'USD') > 0 AS ok;
SELECT fintech.open_account(code => 'lim_shop', currency => 'USD') > 0 AS ok;
SELECT fintech.open_account(code => 'lim_mall', currency => 'USD') > 0 AS ok;
SELECT fintech.open_account(code => 'lim_eur', currency => 'EUR', min_balance => NULL) > 0 AS ok;
SELECT fintech.open_account(code => 'lim_eur_shop', currency => 'EUR') > 0 AS ok;
SELECT fintech.transfer(debit_account => 'lim_bank', credit_account => a, amount => 100000) > 0 AS funded
  FROM unnest('{lim_alice, lim_bob}'::text[]) a;

-- a payment's outcome in one line
CREATE FUNCTION try_pay(k text, payer text, payee text, amount bigint)
RETURNS text LANGUAGE sql AS $$
  SELECT p.status || coalesce(' ' || p.reason, '') || CASE WHEN p.replayed THEN ' (replayed)' ELSE '' END
    FROM fintech.pay(k, payer, payee, amount) p
$$;

-- an error's SQLSTATE, message and detail, payment ids left out (they
-- depend on the tests before this one)
CREATE FUNCTION show_error(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    msg text;
    det text;
BEGIN
    EXECUTE stmt;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
    RETURN SQLSTATE || ': ' || regexp_replace(msg, 'payment -?[0-9]+', 'payment N')
           || coalesce(' (' || nullif(det, '') || ')', '');
END
$$;

-- ====================================================================
-- create_limit: what it refuses
-- ====================================================================
SELECT fintech.create_limit('bad', 'everyone', '1 day', max_amount => 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.create_limit('bad', 'payer', '1 day', max_amount => 10, action => 'warn');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.create_limit('bad', 'payer', '0 seconds', max_amount => 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.create_limit('bad', 'payer', '-1 day', max_amount => 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.create_limit('bad', 'payer', NULL, max_amount => 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.create_limit('bad', 'payer', '1 day');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.create_limit('bad', 'payer', '1 day', max_amount => 0);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.create_limit('bad', 'payer', '1 day', max_count => -1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.create_limit('bad', 'payer', '1 day', max_amount => 10, currency => 'XXQ');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.create_limit('  ', 'payer', '1 day', max_amount => 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.create_limit(NULL, 'payer', '1 day', max_amount => 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) AS limits FROM fintech.limits;

-- ====================================================================
-- an amount cap per payer: what fits passes, the rest is rejected (LD010)
-- and replays as rejected; nothing moves for a rejected payment
-- ====================================================================
SELECT fintech.create_limit('alice daily', 'payer', '1 day', max_amount => 1000) > 0 AS created;
SELECT fintech.create_limit('alice daily', 'payee', '1 hour', max_count => 3);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT try_pay('a1', 'lim_alice', 'lim_shop', 400), try_pay('a2', 'lim_alice', 'lim_shop', 400);
SELECT try_pay('a3', 'lim_alice', 'lim_shop', 300);
SELECT status, reason, message, entry_id IS NULL AS nothing_moved
  FROM fintech.payments WHERE idempotency_key = 'a3';
SELECT try_pay('a3', 'lim_alice', 'lim_shop', 300);
-- exactly what is left fits
SELECT try_pay('a4', 'lim_alice', 'lim_shop', 200);
SELECT try_pay('a5', 'lim_alice', 'lim_shop', 1);
-- another payer is not affected
SELECT try_pay('b1', 'lim_bob', 'lim_shop', 900);
SELECT fintech.balance('lim_alice') AS alice, fintech.balance('lim_shop') AS shop;
-- the limit's state: one slot for a payer-side limit (no other row is
-- written: the payments are the record of the window)
SELECT s.scope_key, s.slot, s.used_amount, s.used_count, s.budget_amount
  FROM fintech.limit_slots s JOIN fintech.limits l ON l.id = s.limit_id WHERE l.name = 'alice daily';

-- ====================================================================
-- drop_limit: pay no longer checks it; the name can be used again
-- ====================================================================
SELECT fintech.drop_limit('alice daily');
SELECT try_pay('a6', 'lim_alice', 'lim_shop', 500);
SELECT fintech.drop_limit('alice daily');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.drop_limit(NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT name, dropped_at IS NOT NULL AS dropped FROM fintech.limits ORDER BY id;
SELECT count(*) AS slots_left FROM fintech.limit_slots;

-- ====================================================================
-- a count cap in a sliding window: payments leave it as time passes
-- ====================================================================
SELECT fintech.create_limit('bob velocity', 'payer', '2 seconds', max_count => 2) > 0 AS created;
SELECT try_pay('v1', 'lim_bob', 'lim_shop', 5), try_pay('v2', 'lim_bob', 'lim_shop', 5),
       try_pay('v3', 'lim_bob', 'lim_shop', 5);
SELECT pg_sleep(2.5);
SELECT try_pay('v4', 'lim_bob', 'lim_shop', 5), try_pay('v5', 'lim_bob', 'lim_shop', 5),
       try_pay('v6', 'lim_bob', 'lim_shop', 5);
-- the payments that left the window were forgotten when it was next read
-- exactly (v4): the slot counts v4 and v5
SELECT s.used_count FROM fintech.limit_slots s JOIN fintech.limits l ON l.id = s.limit_id
 WHERE l.name = 'bob velocity';
SELECT fintech.drop_limit('bob velocity');

-- ====================================================================
-- a payee cap may be split into slots: each payment counts in one,
-- and the total never passes the cap
-- ====================================================================
SELECT fintech.create_limit('mall hourly', 'payee', '1 hour', max_amount => 1000, max_count => 9) > 0 AS created;
SELECT string_agg(try_pay('m' || i, CASE WHEN i % 2 = 0 THEN 'lim_alice' ELSE 'lim_bob' END, 'lim_mall', 100), ', ')
  FROM generate_series(1, 11) i;
SELECT sum(used_amount) AS used, sum(used_count) AS payments, sum(budget_amount) AS budgets,
       sum(budget_count) AS count_budgets, count(*) AS slots
  FROM fintech.limit_slots s JOIN fintech.limits l ON l.id = s.limit_id WHERE l.name = 'mall hourly';
-- one more fits by amount (100 left) but not by count (9 reached)
SELECT try_pay('m12', 'lim_alice', 'lim_mall', 50);
SELECT fintech.drop_limit('mall hourly');

-- ====================================================================
-- party scopes count every account of the party; a limit in another
-- currency does not apply
-- ====================================================================
SELECT fintech.create_party('Quuxbar Limitcheck Zyxw', kind => 'entity') AS party \gset
SELECT fintech.open_account(code => 'lim_p1', currency => 'USD', party_id => :party) > 0 AS ok;
SELECT fintech.open_account(code => 'lim_p2', currency => 'USD', party_id => :party) > 0 AS ok;
SELECT fintech.transfer(debit_account => 'lim_bank', credit_account => a, amount => 1000) > 0 AS funded
  FROM unnest('{lim_p1, lim_p2}'::text[]) a;
SELECT fintech.create_limit('holding', 'payer_party', '1 day', max_amount => 500) > 0 AS created;
SELECT fintech.create_limit('euro only', 'payer_party', '1 day', max_amount => 1, currency => 'EUR') > 0 AS created;
SELECT try_pay('p1', 'lim_p1', 'lim_shop', 300), try_pay('p2', 'lim_p2', 'lim_shop', 300),
       try_pay('p3', 'lim_p2', 'lim_shop', 200);
-- an account without a party is not in a party scope
SELECT try_pay('p4', 'lim_alice', 'lim_shop', 600);
-- the same decisions when fintech.accounts' code index is not the one the
-- library made: the accounts are then read by a statement (rolled back)
BEGIN;
ALTER INDEX fintech.accounts_code_key RENAME TO accounts_code_key_regress;
SELECT try_pay('p5', 'lim_p1', 'lim_shop', 1), try_pay('p6', 'lim_alice', 'lim_shop', 1);
ROLLBACK;
SELECT fintech.drop_limit('holding'), fintech.drop_limit('euro only');

-- ====================================================================
-- review: the payment is held (its amount reserved) until reviewed
-- ====================================================================
SELECT fintech.create_limit('large', 'payer', '1 day', max_amount => 1000, action => 'review') > 0 AS created;
SELECT try_pay('r1', 'lim_bob', 'lim_shop', 800);
SELECT payment_id AS r2 FROM fintech.pay('r2', 'lim_bob', 'lim_shop', 700) \gset
SELECT status, reason, message FROM fintech.payments WHERE id = :r2;
SELECT fintech.balance('lim_bob') - fintech.available_balance('lim_bob') AS reserved;
SELECT limit_name, decision FROM fintech.payment_reviews WHERE payment_id = :r2;
-- held payments count: another one goes to review too
SELECT payment_id AS r3 FROM fintech.pay('r3', 'lim_bob', 'lim_shop', 100) \gset
SELECT status FROM fintech.payments WHERE id = :r3;
-- approve: completed; a retry replays it as completed
SELECT fintech.review_payment(:r2, 'approve', 'customer called, known purchase');
SELECT status, reason, resolved_entry_id IS NOT NULL AS posted FROM fintech.payments WHERE id = :r2;
SELECT try_pay('r2', 'lim_bob', 'lim_shop', 700);
SELECT decision, reason, decided_by = session_user AS by_me FROM fintech.payment_reviews WHERE payment_id = :r2;
-- reject: LD010, the reservation released, and it no longer counts
SELECT fintech.review_payment(:r3, 'reject', 'looks like structuring');
SELECT status, reason, message FROM fintech.payments WHERE id = :r3;
SELECT fintech.balance('lim_bob') - fintech.available_balance('lim_bob') AS reserved;
-- (its slot still counts it, an upper bound; the window read exactly from
-- the payments does not)
SELECT s.used_amount FROM fintech.limit_slots s JOIN fintech.limits l ON l.id = s.limit_id
 WHERE l.name = 'large' AND s.scope_key = 'lim_bob';
SELECT try_pay('r3', 'lim_bob', 'lim_shop', 100);

-- review_payment: what it refuses
SELECT show_error(format('SELECT fintech.review_payment(%s, %L, %L)', :r2, 'approve', 'again'));
SELECT show_error(format('SELECT fintech.review_payment(%s, %L, %L)',
                         (SELECT id FROM fintech.payments WHERE idempotency_key = 'a1'), 'approve', 'x'));
SELECT show_error('SELECT fintech.review_payment(-1, ''approve'', ''x'')');
SELECT show_error(format('SELECT fintech.review_payment(%s, %L, %L)', :r2, 'maybe', 'x'));
SELECT show_error(format('SELECT fintech.review_payment(%s, %L, NULL)', :r2, 'approve'));
SELECT show_error('SELECT fintech.review_payment(NULL, ''approve'', ''x'')');

-- a payee review limit (split into slots): once the window is over the cap,
-- no slot lets a payment through on its own budget
SELECT fintech.open_account(code => 'lim_mall2', currency => 'USD') > 0 AS ok;
SELECT fintech.create_limit('payee review', 'payee', '1 day', max_amount => 800, action => 'review') > 0 AS created;
SELECT string_agg(try_pay('pr' || i, 'lim_alice', 'lim_mall2', 100), ', ') FROM generate_series(1, 9) i;
SELECT try_pay('pr10', 'lim_alice', 'lim_mall2', 1);
SELECT sum(s.used_amount) AS used, sum(s.budget_amount) AS budgets
  FROM fintech.limit_slots s JOIN fintech.limits l ON l.id = s.limit_id WHERE l.name = 'payee review';
SELECT fintech.drop_limit('payee review');

-- a reject limit and a review limit: the reject decides
SELECT fintech.create_limit('hard cap', 'payer', '1 day', max_amount => 500) > 0 AS created;
SELECT try_pay('r4', 'lim_bob', 'lim_shop', 1000);
SELECT fintech.drop_limit('hard cap'), fintech.drop_limit('large');

-- the active limits are read again after each change: 20 reads in one
-- session, each registering the cache's invalidation function again
-- (relcache_inval.c keeps it once; an entry per read would run out of
-- its 16 slots and fail the payment)
DO $$
BEGIN
  FOR i IN 1..20 LOOP
    PERFORM fintech.create_limit('again ' || i, 'payer', '1 day', max_amount => 1000000);
    PERFORM try_pay('rr' || i, 'lim_bob', 'lim_shop', 1);
    PERFORM fintech.drop_limit('again ' || i);
  END LOOP;
END
$$;
SELECT status, count(*) FROM fintech.payments WHERE idempotency_key LIKE 'rr%' GROUP BY status;

-- the ledger still balances
SELECT bool_and(ok) AS ledger_ok FROM fintech.check_ledger();

-- events and metrics: a rejected payment, a held one and its review
SELECT fintech.create_consumer('lim_feed');
SELECT fintech.create_limit('evented', 'payer', '1 day', max_amount => 100, action => 'review') > 0 AS created;
SELECT fintech.create_limit('evented hard', 'payer', '1 day', max_amount => 300) > 0 AS created;
SELECT try_pay('ev1', 'lim_eur', 'lim_eur_shop', 400), try_pay('ev2', 'lim_eur', 'lim_eur_shop', 150);
SELECT fintech.review_payment((SELECT id FROM fintech.payments WHERE idempotency_key = 'ev2'), 'reject', 'no');
SELECT kind, payload ->> 'status' AS status, payload ->> 'reason' AS reason, payload ->> 'idempotency_key' AS key
  FROM fintech.read_events('lim_feed') WHERE kind LIKE 'payment.%' ORDER BY event_id;
SELECT fintech.drop_consumer('lim_feed');
SELECT fintech.drop_limit('evented'), fintech.drop_limit('evented hard');
SELECT value > 0 AS refusals_counted FROM fintech.metrics
 WHERE metric = 'fintech_refusals_total' AND labels ->> 'sqlstate' = 'LD010';
