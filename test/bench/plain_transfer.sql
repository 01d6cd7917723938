-- test/bench/plain_transfer.sql — baseline for transfer.sql: the same writes
-- done by hand in plain SQL, in one transaction: an entry, the two account
-- rows updated in id order (no deadlocks) with the min_balance check, and
-- two postings carrying the balance after them.  Accounting signs as in
-- fintech.postings: debit > 0; for these liability wallets a debit lowers
-- the balance (delta -1) and a credit raises it (delta +1).  The deltas are
-- computed by pgbench so that every query parameter has a known type.
\set a random(1, 10000)
\set b random(1, 10000)
\set lo least(:a, :b)
\set hi greatest(:a, :b)
\set dlo case when :lo = :a then -1 else 1 end
\set dhi case when :hi = :b then 1 else -1 end
\set alo -1 * :dlo
\set ahi -1 * :dhi
BEGIN;
INSERT INTO bench_plain.entries (description) VALUES ('transfer') RETURNING id AS entry_id \gset
UPDATE bench_plain.accounts SET balance = balance + :dlo
 WHERE id = :lo AND balance + :dlo >= min_balance RETURNING balance AS bal_lo \gset
UPDATE bench_plain.accounts SET balance = balance + :dhi
 WHERE id = :hi AND balance + :dhi >= min_balance RETURNING balance AS bal_hi \gset
INSERT INTO bench_plain.postings (entry_id, leg, account_id, amount, balance_after)
VALUES (:entry_id, 1, :lo, :alo, :bal_lo), (:entry_id, 2, :hi, :ahi, :bal_hi);
COMMIT;
