-- test/bench/transfer.sql — one fintech.transfer between two different
-- random wallets (b is drawn among the 9,999 others, as in the baselines)
\set a random(1, 10000)
\set b 1 + (:a + random(0, 9998)) % 10000
SELECT fintech.transfer(debit_account => 'w' || :a, credit_account => 'w' || :b, amount => 1);
