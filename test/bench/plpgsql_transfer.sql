-- test/bench/plpgsql_transfer.sql — baseline for transfer.sql: the same
-- transfer through a hand-written PL/pgSQL function over plain tables
-- (bench_plain.transfer in setup.sql), one call per transaction, between
-- two different random wallets
\set a random(1, 10000)
\set b 1 + (:a + random(0, 9998)) % 10000
SELECT bench_plain.transfer('w' || :a, 'w' || :b, 1);
