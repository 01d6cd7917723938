-- test/bench/capture.sql — a card authorisation and its capture in one
-- statement: a hold of 1 between two random wallets, then post_pending
-- (the baseline of capture_key.sql; test/bench/keys.sh)
\set a random(1, 10000)
\set b 1 + (:a + random(0, 9998)) % 10000
SELECT fintech.post_pending(fintech.transfer(debit_account => 'w' || :a, credit_account => 'w' || :b,
                                             amount => 1, pending_for => '1 hour'));
