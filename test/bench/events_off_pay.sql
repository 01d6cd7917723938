-- test/bench/events_off_pay.sql — pay.sql with fintech.events = off for this call
-- only; run beside its twin in ONE pgbench run (docs/benchmarks.md)
\set a random(1, 10000)
\set b random(1, 10000)
\set k random(1, 1000000000000000000)
SELECT pg_catalog.set_config('fintech.events', 'off', true), (fintech.pay(idempotency_key => 'bench-off-' || :client_id || '-' || :k, payer => 'w' || :a, payee => 'w' || :b, amount => 1)).payment_id;
