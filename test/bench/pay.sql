-- test/bench/pay.sql — one fintech.pay with a fresh idempotency key between
-- two random wallets (the same writes as transfer.sql, plus the key and the
-- payment row)
\set a random(1, 10000)
\set b random(1, 10000)
\set k random(1, 1000000000000000000)
SELECT payment_id FROM fintech.pay(idempotency_key => 'bench-' || :client_id || '-' || :k,
                                   payer => 'w' || :a, payee => 'w' || :b, amount => 1);
