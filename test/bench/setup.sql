-- test/bench/setup.sql — the data the benchmarks run on (loaded by
-- test/bench/run.sh into a fresh database; see docs/benchmarks.md).
--
--   fintech:     'bank' (asset, no lower limit), wallets 'w1'..'w10000'
--                (liability, min_balance 0) funded with 1,000,000 each
--                through fintech.transfer_batch, and 'fee' (income)
--   bench_plain: the baselines' own plain tables: the same ledger written
--                by hand (accounts/entries/postings), the same transfer as
--                a PL/pgSQL function, and a bare table for the commit floor
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
    balance_after bigint NOT NULL,   -- plain_transfer.sql's limit check
    PRIMARY KEY (entry_id, leg)
);
CREATE INDEX ON bench_plain.postings (account_id);
INSERT INTO bench_plain.accounts (id, code, balance, min_balance)
SELECT i, 'w' || i, 1000000, 0 FROM generate_series(1, 10000) i;

-- the "external PL/pgSQL ledger": the same transfer as one server-side
-- function, as an application team would write it beside its tables (one
-- round trip, plans cached by PL/pgSQL; no audit trail, no idempotency)
CREATE FUNCTION bench_plain.transfer(debit_code text, credit_code text, amount bigint)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  d bench_plain.accounts;
  c bench_plain.accounts;
  e bigint;
BEGIN
  IF amount IS NULL OR amount <= 0 THEN
    RAISE EXCEPTION 'amount must be positive' USING ERRCODE = '22023';
  END IF;
  -- lock both accounts in code order (no deadlocks between transfers)
  IF debit_code < credit_code THEN
    SELECT * INTO d FROM bench_plain.accounts WHERE code = debit_code FOR UPDATE;
    SELECT * INTO c FROM bench_plain.accounts WHERE code = credit_code FOR UPDATE;
  ELSE
    SELECT * INTO c FROM bench_plain.accounts WHERE code = credit_code FOR UPDATE;
    SELECT * INTO d FROM bench_plain.accounts WHERE code = debit_code FOR UPDATE;
  END IF;
  IF d.id IS NULL OR c.id IS NULL THEN
    RAISE EXCEPTION 'unknown account' USING ERRCODE = 'LD009';
  END IF;
  -- liability wallets: a debit lowers the balance
  IF d.min_balance IS NOT NULL AND d.balance - amount < d.min_balance THEN
    RAISE EXCEPTION 'insufficient funds in %', debit_code USING ERRCODE = 'LD002';
  END IF;
  INSERT INTO bench_plain.entries (description) VALUES ('transfer') RETURNING id INTO e;
  UPDATE bench_plain.accounts SET balance = balance - amount WHERE id = d.id;
  UPDATE bench_plain.accounts SET balance = balance + amount WHERE id = c.id;
  INSERT INTO bench_plain.postings (entry_id, leg, account_id, amount, balance_after)
  VALUES (e, 1, d.id, amount, d.balance - amount),
         (e, 2, c.id, -amount, CASE WHEN c.id = d.id THEN d.balance ELSE c.balance + amount END);
  RETURN e;
END $$;

-- the commit floor: one row into a bare table per transaction
CREATE TABLE bench_plain.floor (
    id bigserial PRIMARY KEY,
    v  bigint
);

VACUUM ANALYZE;
