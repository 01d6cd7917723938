-- test/bench/pay_3lim.sql — the same payment between two random EUR wallets,
-- which limits_mixed.sh's three EUR limits apply to; run beside
-- pay_nolim.sql in ONE pgbench run (docs/benchmarks.md)
\set a random(1, 10000)
\set b random(1, 10000)
\set k random(1, 1000000000000000000)
SELECT payment_id FROM fintech.pay(idempotency_key => 'mix-l-' || :client_id || '-' || :k,
                                   payer => 'e' || :a, payee => 'e' || :b, amount => 1);
