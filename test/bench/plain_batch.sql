-- test/bench/plain_batch.sql — baseline for batch.sql: 1,000 transfers of 1
-- between random wallets written by hand into the plain tables of
-- setup.sql, as ONE statement (one round trip, like batch.sql's one call).
-- It is the least plain SQL can do for the same rows, not a ledger:
--   - entry ids are taken up front (nextval), so the postings can name them;
--   - the accounts a batch touches are locked first, in id order (the
--     MATERIALIZED CTE: two concurrent batches then cannot deadlock), and
--     each is updated ONCE by its net change;
--   - the balance check is on the net change only (fintech.transfer_batch
--     checks every transfer in order and refuses the one that would
--     overdraw); these wallets hold 1,000,000 each and never fail it;
--   - balance_after of each posting is the locked balance plus the running
--     sum of the account's legs in the batch's order (a window function).
-- Accounting signs as plain_transfer.sql: liability wallets, a debit
-- lowers the balance.  run.sh counts a call as 1,000 transfers.
WITH t AS (
  SELECT nextval('bench_plain.entries_id_seq') AS id,
         (1 + floor(random() * 10000))::int AS d, (1 + floor(random() * 10000))::int AS c
    FROM generate_series(1, 1000)
), legs AS (
  SELECT id, 1 AS leg, d AS acct, -1 AS delta FROM t
  UNION ALL SELECT id, 2, c, 1 FROM t
), net AS (
  SELECT acct, sum(delta) AS s FROM legs GROUP BY acct
), locked AS MATERIALIZED (
  SELECT a.id FROM bench_plain.accounts a
   WHERE a.id IN (SELECT acct FROM net) ORDER BY a.id FOR NO KEY UPDATE
), upd AS (
  UPDATE bench_plain.accounts a SET balance = a.balance + n.s
    FROM net n JOIN locked l ON l.id = n.acct
   WHERE a.id = n.acct AND a.balance + n.s >= a.min_balance
  RETURNING a.id, a.balance - n.s AS start
), e AS (
  INSERT INTO bench_plain.entries (id, description) SELECT id, 'transfer' FROM t
)
INSERT INTO bench_plain.postings (entry_id, leg, account_id, amount, balance_after)
SELECT l.id, l.leg, l.acct, -l.delta,
       u.start + sum(l.delta) OVER (PARTITION BY l.acct ORDER BY l.id, l.leg)
  FROM legs l JOIN upd u ON u.id = l.acct;
