-- test/bench/plain_history.sql — gives the plain baseline's ledger as much
-- history as fintech's: entries (and two postings each, on random
-- accounts) are added to bench_plain until it has as many entries as
-- fintech.entries, so that the two ledgers' tables and indexes (the
-- account-history indexes above all, whose leaf pages every transfer
-- touches at random) are of the same size when their transfers are
-- compared.  A benchmark that runs fintech's workloads more often than the
-- plain ones (run.sh) otherwise compares ledgers of different sizes.
-- Load test/bench/setup.sql first; run it before each measured run
-- (docs/benchmarks.md, "Session 14: a transfer's CPU under concurrency"):
--   psql -X -v ON_ERROR_STOP=1 -f test/bench/plain_history.sql
WITH want AS (
  SELECT (SELECT count(*) FROM fintech.entries) - (SELECT count(*) FROM bench_plain.entries) AS n
), e AS (
  INSERT INTO bench_plain.entries (description)
  SELECT 'transfer' FROM want, generate_series(1, greatest(want.n, 0))
  RETURNING id
)
INSERT INTO bench_plain.postings (entry_id, leg, account_id, amount, balance_after)
SELECT e.id, l, 1 + (random() * 9999)::int, CASE l WHEN 1 THEN 1 ELSE -1 END, 1000000
  FROM e, generate_series(1, 2) l;
