-- test/bench/transfer.sql — one fintech.transfer between two random wallets
\set a random(1, 10000)
\set b random(1, 10000)
SELECT fintech.transfer(debit_account => 'w' || :a, credit_account => 'w' || :b, amount => 1);
