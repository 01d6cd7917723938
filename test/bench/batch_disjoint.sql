-- test/bench/batch_disjoint.sql — batch.sql's fintech.transfer_batch of
-- 1,000 transfers of 1, between random wallets of the client's own slice of
-- 300 (client c: w(300c + 1) .. w(300c + 300)), so that concurrent batches
-- share no account: up to 33 clients over setup.sql's 10,000 wallets.  The
-- counterpart of batch.sql, whose batches of random wallets all share
-- accounts and so run one at a time (docs/benchmarks.md, "Session 23").
\set base 300 * :client_id
SELECT count(*) FILTER (WHERE t.error IS NULL) AS ok
  FROM (SELECT array_agg('w' || (:base + 1 + floor(random() * 300))::int) d,
               array_agg('w' || (:base + 1 + floor(random() * 300))::int) c,
               array_agg(1::bigint) a
          FROM generate_series(1, 1000)) s,
       fintech.transfer_batch(debit_accounts => s.d, credit_accounts => s.c, amounts => s.a) t;
