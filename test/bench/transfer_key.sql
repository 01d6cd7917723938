-- test/bench/transfer_key.sql — transfer.sql with a fresh idempotency key
-- per call (baseline: transfer.sql; test/bench/keys.sh)
\set a random(1, 10000)
\set b 1 + (:a + random(0, 9998)) % 10000
\set k random(1, 1000000000000000000)
SELECT fintech.transfer(debit_account => 'w' || :a, credit_account => 'w' || :b, amount => 1,
                        idempotency_key => 'bench-' || :client_id || '-' || :k);
