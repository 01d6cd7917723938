-- test/bench/plain_transfer.sql — baseline for transfer.sql: the same writes
-- done by hand in plain SQL, sent as ONE statement (one round trip, like
-- every other workload): a data-modifying CTE that inserts the entry,
-- updates the two account rows in id order (no deadlocks) with the
-- min_balance check, and inserts the two postings carrying the balance
-- after them.  The VALUES rows are evaluated in order, so the lower id is
-- updated (and locked) first; a failed limit check leaves balance_after
-- NULL, which bench_plain.postings refuses (NOT NULL): the whole statement
-- fails.  Accounting signs as in fintech.postings: debit > 0; for these
-- liability wallets a debit lowers the balance (delta -1) and a credit
-- raises it (delta +1).  The two wallets differ (one row cannot be updated
-- twice in one statement), as in transfer.sql.
\set a random(1, 10000)
\set b 1 + (:a + random(0, 9998)) % 10000
\set lo least(:a, :b)
\set hi greatest(:a, :b)
\set dlo case when :lo = :a then -1 else 1 end
\set dhi case when :hi = :b then 1 else -1 end
\set alo -1 * :dlo
\set ahi -1 * :dhi
WITH e AS (
  INSERT INTO bench_plain.entries (description) VALUES ('transfer') RETURNING id
), lo AS (
  UPDATE bench_plain.accounts SET balance = balance + :dlo
   WHERE id = :lo AND balance + :dlo >= min_balance RETURNING balance
), hi AS (
  UPDATE bench_plain.accounts SET balance = balance + :dhi
   WHERE id = :hi AND balance + :dhi >= min_balance RETURNING balance
)
INSERT INTO bench_plain.postings (entry_id, leg, account_id, amount, balance_after)
VALUES ((SELECT id FROM e), 1, :lo, :alo, (SELECT balance FROM lo)),
       ((SELECT id FROM e), 2, :hi, :ahi, (SELECT balance FROM hi));
