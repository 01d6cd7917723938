-- test/bench/pay_nolim.sql — pay.sql between two random USD wallets, to
-- which no limit applies; run beside pay_3lim.sql in ONE pgbench run
-- (test/bench/limits_mixed.sh, docs/benchmarks.md)
\set a random(1, 10000)
\set b random(1, 10000)
\set k random(1, 1000000000000000000)
SELECT payment_id FROM fintech.pay(idempotency_key => 'mix-n-' || :client_id || '-' || :k,
                                   payer => 'w' || :a, payee => 'w' || :b, amount => 1);
