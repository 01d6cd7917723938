-- test/bench/pgledger_setup.sql — the pgledger workload's data, loaded by
-- run.sh after pgledger's own SQL (its vendor/scoville-pgsql-ulid/*.sql and
-- pgledger.sql, unchanged, into the schema "pgledger"; see
-- docs/benchmarks.md): an account 'bank' that may go negative, wallets
-- 'w1'..'w10000' that may not, each funded with 1,000,000 through one
-- pgledger_create_transfers call, and pgledger.bench_ids mapping the
-- wallet number to pgledger's generated account id (what an application
-- would keep beside it).  Runs with search_path = pgledger, public.
\set ON_ERROR_STOP on
SET client_min_messages = warning;

CREATE TABLE bench_ids (
    i  int PRIMARY KEY,
    id text NOT NULL
);
INSERT INTO bench_ids (i, id)
SELECT 0, id FROM pgledger_create_account(name => 'bank', currency => 'USD');
INSERT INTO bench_ids (i, id)
SELECT i, (pgledger_create_account(name => 'w' || i, currency => 'USD',
                                   allow_negative_balance => false)).id
  FROM generate_series(1, 10000) i;

SELECT count(*) AS wallets_funded
  FROM pgledger_create_transfers(
         transfer_requests => (SELECT array_agg(ROW(b.id, w.id, 1000000)::transfer_request ORDER BY w.i)
                                 FROM bench_ids w, bench_ids b
                                WHERE w.i > 0 AND b.i = 0));
DO $$
BEGIN
  IF (SELECT count(*) FROM pgledger_accounts WHERE name LIKE 'w%' AND balance = 1000000) <> 10000 THEN
    RAISE EXCEPTION 'bench setup: not every pgledger wallet was funded';
  END IF;
END $$;
VACUUM ANALYZE;
