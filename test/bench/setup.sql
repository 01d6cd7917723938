-- test/bench/setup.sql — the data the benchmarks run on (loaded by
-- test/bench/run.sh into a fresh database; see BENCHMARKS.md).
--
--   fintech:     'bank' (asset, no lower limit), wallets 'w1'..'w10000'
--                (liability, min_balance 0) funded with 1,000,000 each
--                through fintech.transfer_batch, and 'fee' (income)
--   bench_plain: the baselines' own plain tables: the same ledger written
--                by hand (accounts/entries/postings), and a bare table for
--                the commit floor
\set ON_ERROR_STOP on
SET client_min_messages = warning;

CREATE EXTENSION IF NOT EXISTS fintech CASCADE;

SELECT fintech.open_account(code => 'bank', currency => 'USD', kind => 'asset',
                            min_balance => NULL) IS NOT NULL AS bank_opened;
SELECT count(fintech.open_account(code => 'w' || i, currency => 'USD')) AS wallets_opened
  FROM generate_series(1, 10000) i;
SELECT fintech.open_account(code => 'fee', currency => 'USD', kind => 'income')
       IS NOT NULL AS fee_opened;

-- one transfer_batch call funds every wallet (all 10,000 must succeed)
SELECT count(*) AS wallets_funded
  FROM (SELECT array_agg('bank'::text) d, array_agg('w' || i) c,
               array_agg(1000000::bigint) a
          FROM generate_series(1, 10000) i) s,
       fintech.transfer_batch(debit_accounts => s.d, credit_accounts => s.c,
                              amounts => s.a) t
 WHERE t.error IS NULL;
DO $$
BEGIN
  IF (SELECT count(*) FROM fintech.accounts
       WHERE code LIKE 'w%' AND balance = 1000000) <> 10000 THEN
    RAISE EXCEPTION 'bench setup: not every wallet was funded';
  END IF;
END $$;

-- the baselines: plain tables, shaped like the ledger's hot ones
DROP SCHEMA IF EXISTS bench_plain CASCADE;
CREATE SCHEMA bench_plain;
CREATE TABLE bench_plain.accounts (
    id          bigint PRIMARY KEY,
    code        text UNIQUE,
    balance     bigint NOT NULL,
    min_balance bigint
) WITH (fillfactor = 50);
CREATE TABLE bench_plain.entries (
    id          bigserial PRIMARY KEY,
    description text,
    created_at  timestamptz DEFAULT now()
);
CREATE TABLE bench_plain.postings (
    entry_id      bigint,
    leg           int,
    account_id    bigint,
    amount        bigint,
    balance_after bigint,
    PRIMARY KEY (entry_id, leg)
);
CREATE INDEX ON bench_plain.postings (account_id);
INSERT INTO bench_plain.accounts (id, code, balance, min_balance)
SELECT i, 'w' || i, 1000000, 0 FROM generate_series(1, 10000) i;

-- the commit floor: one row into a bare table per transaction
CREATE TABLE bench_plain.floor (
    id bigserial PRIMARY KEY,
    v  bigint
);

VACUUM ANALYZE;
