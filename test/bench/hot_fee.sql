-- test/bench/hot_fee.sql — a transfer that also credits the one shared 'fee'
-- account (every client writes to it: the hot-account path)
\set a random(1, 10000)
\set b random(1, 10000)
SELECT fintech.post(legs => ARRAY[fintech.debit('w' || :a, 2), fintech.credit('w' || :b, 1), fintech.credit('fee', 1)]);
