-- test/bench/pay_flash.sql — a flash sale: fintech.pay with a fresh key
-- from a random wallet to the one merchant 'w1'
\set a random(2, 10000)
\set k random(1, 1000000000000000000)
SELECT payment_id FROM fintech.pay(idempotency_key => 'flash-' || :client_id || '-' || :k,
                                   payer => 'w' || :a, payee => 'w1', amount => 1);
