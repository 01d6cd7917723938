-- test/bench/events_off_transfer.sql — transfer.sql with fintech.events = off for this
-- call only (set_config(..., true) lasts to the end of the statement's
-- transaction); run beside its twin in ONE pgbench run (docs/benchmarks.md,
-- "Events ... one run")
\set a random(1, 10000)
\set b 1 + (:a + random(0, 9998)) % 10000
SELECT pg_catalog.set_config('fintech.events', 'off', true), fintech.transfer(debit_account => 'w' || :a, credit_account => 'w' || :b, amount => 1);
