-- payments: fintech.pay with idempotency keys; every status and error.
\set VERBOSITY default

SELECT fintech.open_account(code => 'pay_bank', currency => 'USD', kind => 'asset', min_balance => NULL) > 0 AS ok;
SELECT fintech.open_account(code => 'pay_alice', currency => 'USD') > 0 AS ok;
SELECT fintech.open_account(code => 'pay_shop', currency => 'USD') > 0 AS ok;
SELECT fintech.open_account(code => 'pay_eur', currency => 'EUR') > 0 AS ok;
SELECT fintech.transfer(debit_account => 'pay_bank', credit_account => 'pay_alice', amount => 1000) > 0 AS funded;

-- a compact view of one payment
CREATE FUNCTION show_payment(k text) RETURNS TABLE(status text, reason text, amount bigint,
    reference text, metadata jsonb, has_entry boolean, payments_for_key bigint)
LANGUAGE sql AS $$
  SELECT p.status, p.reason, p.amount, p.reference, p.metadata, p.entry_id IS NOT NULL,
         (SELECT count(*) FROM fintech.payments q WHERE q.idempotency_key = k)
    FROM fintech.payments p WHERE p.idempotency_key = k
$$;

-- ====================================================================
-- first call executes; a retry replays and moves nothing
-- ====================================================================
SELECT payment_id AS p1, status, reason, entry_id AS e1, replayed
  FROM fintech.pay(idempotency_key => 'k1', payer => 'pay_alice', payee => 'pay_shop', amount => 250,
                   reference => 'order 17', metadata => '{"order": 17}') \gset
SELECT :'status' AS status, :'replayed' AS replayed;
SELECT fintech.balance('pay_alice') AS alice, fintech.balance('pay_shop') AS shop;
SELECT * FROM show_payment('k1');
-- the entry carries the reference and metadata
SELECT description, metadata FROM fintech.entries WHERE id = :e1;
-- retry: same row, replayed, nothing moves
SELECT payment_id = :p1 AS same_payment, status, reason, entry_id = :e1 AS same_entry, replayed
  FROM fintech.pay(idempotency_key => 'k1', payer => 'pay_alice', payee => 'pay_shop', amount => 250,
                   reference => 'order 17', metadata => '{"order": 17}');
SELECT fintech.balance('pay_alice') AS alice, fintech.balance('pay_shop') AS shop;
-- jsonb is compared by value: key order and spacing do not matter
SELECT replayed FROM fintech.pay('k1', 'pay_alice', 'pay_shop', 250, 'order 17', '{ "order" :17 }');

-- ====================================================================
-- same key, different request: LD005 naming the key and what differs
-- ====================================================================
SELECT * FROM fintech.pay('k1', 'pay_alice', 'pay_shop', 251, 'order 17', '{"order": 17}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.pay('k1', 'pay_alice', 'pay_bank', 250, 'order 18', '{"order": 17}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.pay('k1', 'pay_alice', 'pay_shop', 250, NULL, '{"order": 17}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.pay('k1', 'pay_alice', 'pay_shop', 250, 'order 17', '{"order": 18}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.pay('k1', 'pay_shop', 'pay_alice', 250, 'order 17', '{"order": 17}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) AS payments_for_k1 FROM fintech.payments WHERE idempotency_key = 'k1';

-- ====================================================================
-- business refusals are recorded (rejected, reason = SQLSTATE) and replayed
-- ====================================================================
SELECT status, reason, entry_id IS NULL AS no_entry, replayed
  FROM fintech.pay('k2', 'pay_alice', 'pay_shop', 100000);
SELECT status, reason, message FROM fintech.payments WHERE idempotency_key = 'k2';
SELECT status, reason, replayed FROM fintech.pay('k2', 'pay_alice', 'pay_shop', 100000);
-- LD003: a frozen account
SELECT fintech.freeze_account('pay_shop');
SELECT status, reason, replayed FROM fintech.pay('k3', 'pay_alice', 'pay_shop', 10);
SELECT fintech.unfreeze_account('pay_shop');
-- the replay returns the recorded refusal, even though it would pass now
SELECT status, reason, replayed FROM fintech.pay('k3', 'pay_alice', 'pay_shop', 10);
SELECT fintech.balance('pay_alice') AS alice_unchanged;

-- ====================================================================
-- invalid input raises and records nothing
-- ====================================================================
SELECT count(*) AS payments_before FROM fintech.payments \gset
SELECT count(*) AS keys_before FROM fintech.idempotency_keys \gset
SELECT * FROM fintech.pay('k4', 'pay_alice', 'nobody', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.pay('k4', 'nobody', 'pay_shop', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.pay('k4', 'pay_alice', 'pay_eur', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.pay('k4', 'pay_alice', 'pay_shop', 0);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.pay('k4', 'pay_alice', 'pay_shop', -5);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.pay('k4', 'pay_alice', 'pay_shop', NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.pay(NULL, 'pay_alice', 'pay_shop', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.pay('', 'pay_alice', 'pay_shop', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.pay(repeat('k', 256), 'pay_alice', 'pay_shop', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.pay('k4', NULL, 'pay_shop', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.pay('k4', 'pay_alice', 'pay_shop', 10, metadata => '[1]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT (SELECT count(*) FROM fintech.payments) = :payments_before AS no_payment_recorded,
       (SELECT count(*) FROM fintech.idempotency_keys) = :keys_before AS no_key_kept;
-- the key is still free: a valid call with it executes
SELECT status, replayed FROM fintech.pay('k4', 'pay_alice', 'pay_shop', 10);
-- a key of exactly 255 characters is fine
SELECT status FROM fintech.pay(repeat('k', 255), 'pay_alice', 'pay_shop', 1);

-- ====================================================================
-- inside a larger transaction: the payment commits or rolls back with it
-- ====================================================================
BEGIN;
SELECT status, replayed FROM fintech.pay('k5', 'pay_alice', 'pay_shop', 5);
SELECT status, replayed FROM fintech.pay('k5', 'pay_alice', 'pay_shop', 5);
ROLLBACK;
SELECT count(*) AS k5_after_rollback FROM fintech.payments WHERE idempotency_key = 'k5';
SELECT status, replayed FROM fintech.pay('k5', 'pay_alice', 'pay_shop', 5);
-- an error after pay in the same savepoint takes the payment with it
BEGIN;
SAVEPOINT s;
SELECT status FROM fintech.pay('k6', 'pay_alice', 'pay_shop', 5);
SELECT 1 / 0;
ROLLBACK TO SAVEPOINT s;
SELECT status, replayed FROM fintech.pay('k6', 'pay_alice', 'pay_shop', 5);
COMMIT;
SELECT count(*) AS k6_payments FROM fintech.payments WHERE idempotency_key = 'k6';

-- ====================================================================
-- payments are immutable (LD007), audited, readable, not writable
-- ====================================================================
UPDATE fintech.payments SET amount = 1 WHERE idempotency_key = 'k1';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DELETE FROM fintech.payments WHERE idempotency_key = 'k1';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
TRUNCATE fintech.payments;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT operation, new_row ->> 'status' AS status, new_row ->> 'idempotency_key' AS key
  FROM fintech.audit_log WHERE table_name = 'fintech.payments' ORDER BY id LIMIT 3;
CREATE ROLE regress_pay_app;
SELECT fintech.grant_application('regress_pay_app');
SET ROLE regress_pay_app;
SELECT status, replayed FROM fintech.pay('k1', 'pay_alice', 'pay_shop', 250, 'order 17', '{"order": 17}');
SELECT count(*) > 0 AS app_reads_payments FROM fintech.payments;
INSERT INTO fintech.payments (idempotency_key, payer, payee, amount, metadata, status, request_hash)
VALUES ('forged', 'a', 'b', 1, '{}', 'completed', '\x00');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DELETE FROM fintech.idempotency_keys;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) FROM fintech.idempotency_keys;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT fintech.revoke_all('regress_pay_app');
DROP ROLE regress_pay_app;
SELECT p.proname, p.prosecdef, p.proconfig FROM pg_proc p
 WHERE p.pronamespace = 'fintech'::regnamespace AND p.proname = 'pay';

-- the retention setting
SHOW fintech.idempotency_retention;
SELECT bool_and(ok) AS ledger_ok FROM fintech.check_ledger();
DROP FUNCTION show_payment(text);
