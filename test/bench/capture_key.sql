-- test/bench/capture_key.sql — capture.sql with a fresh idempotency key on
-- both calls (the authorisation and the capture; test/bench/keys.sh)
\set a random(1, 10000)
\set b 1 + (:a + random(0, 9998)) % 10000
\set k random(1, 1000000000000000000)
SELECT fintech.post_pending(fintech.transfer(debit_account => 'w' || :a, credit_account => 'w' || :b,
                                             amount => 1, pending_for => '1 hour',
                                             idempotency_key => 'auth-' || :client_id || '-' || :k),
                            idempotency_key => 'cap-' || :client_id || '-' || :k);
