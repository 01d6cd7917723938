-- test/sql/batch_bulk.sql: transfer_batch's direct writes (posting_bulk.c):
-- rows, balances, balance_after, audit rows and triggers the same as the
-- SQL statements would give; a batch that fails leaves nothing.
SET client_min_messages = warning;
SELECT fintech.open_account(code => 'bb_bank', currency => 'EUR', kind => 'asset',
                            min_balance => NULL) IS NOT NULL AS bank;
SELECT count(fintech.open_account(code => 'bb_w' || i, currency => 'EUR')) AS wallets
  FROM generate_series(1, 3) i;
SELECT fintech.open_account(code => 'bb_usd', currency => 'USD') IS NOT NULL AS usd;
SELECT coalesce(max(id), 0) AS entry0 FROM fintech.entries \gset
SELECT coalesce(max(id), 0) AS audit0 FROM fintech.audit_log \gset
-- a consumer sees the batch's events (collected, written with its rows)
SELECT fintech.create_consumer('bb_events');

-- one account many times (bb_w1 eight times), refusals in between: LD009,
-- LD002 (bb_w3 has nothing yet), LD004, 22023; balance_after runs in item order
SELECT idx, entry_id IS NOT NULL AS posted, error
  FROM fintech.transfer_batch(
         '{bb_bank, bb_bank, bb_w1, nope, bb_w3, bb_bank, bb_w1, bb_w1, bb_w1, bb_usd, bb_bank, bb_w2}',
         '{bb_w1, bb_w1, bb_w2, bb_w1, bb_w1, bb_w1, bb_w3, bb_w2, bb_w3, bb_w1, NULL, bb_w1}',
         '{100, 50, 30, 1, 5, 7, 10, 20, 1, 1, 1, 4}')
 ORDER BY idx;

-- the postings of each account in seq order: balance_after is the running sum
SELECT a.code, p.seq, p.amount, p.balance_after,
       p.balance_after = sum(p.amount * CASE WHEN a.kind = 'asset' THEN 1 ELSE -1 END)
                           OVER (PARTITION BY a.id ORDER BY p.seq) AS running_sum_ok
  FROM fintech.postings p JOIN fintech.accounts a ON a.id = p.account_id
 WHERE p.entry_id > :entry0
 ORDER BY a.code, p.seq;
SELECT code, balance, last_seq FROM fintech.accounts WHERE code LIKE 'bb_%' ORDER BY code;
-- the entries in item order, one audit row for them all (entry_ids in item
-- order, entry_id NULL), nothing for the balances
SELECT count(*) AS entries,
       (SELECT array_agg(id ORDER BY id) FROM fintech.entries WHERE id > :entry0)
         = (SELECT entry_ids FROM fintech.audit_log WHERE id > :audit0) AS one_audit_row_lists_them,
       (SELECT entry_id IS NULL AND new_row IS NULL FROM fintech.audit_log WHERE id > :audit0)
         AS by_reference
  FROM fintech.entries e
 WHERE e.id > :entry0;
SELECT table_name, count(*) FROM fintech.audit_log WHERE id > :audit0 GROUP BY 1 ORDER BY 1;
-- one entry.posted event per posted item, in item order, the same payload a
-- transfer writes (the legs' accounts, amounts and currency); nth_entry
-- counts the entries written since entry0, not ids: an id another session
-- took meanwhile (a job's rolled back, or still in progress) is a gap
SELECT (SELECT count(*) FROM fintech.entries x
         WHERE x.id > :entry0 AND x.id <= (e.payload ->> 'entry_id')::bigint) AS nth_entry, e.kind,
       e.payload -> 'legs' AS legs, e.payload ->> 'currency' AS currency
  FROM fintech.read_events('bb_events') e ORDER BY e.event_id;
-- a table not shaped as installed (a column added): the rows go one by one,
-- and the one-by-one writer refuses the shape (55000), as for a transfer
BEGIN;
ALTER TABLE fintech.events ADD COLUMN bb_extra int;
SELECT count(*) FROM fintech.transfer_batch('{bb_bank}', '{bb_w2}', '{1}');
ROLLBACK;
-- constraints added to the tables hold for the direct writes as for the
-- INSERT: a NOT NULL on a column the batch leaves NULL (an item without a
-- description; the rows already there filled in first, with the immutable
-- trigger off) refuses the row (23502, the column named), an item with a
-- description passes, and a CHECK constraint is checked on every row
-- (23514: the second item's posting)
\set VERBOSITY terse
BEGIN;
SET LOCAL session_replication_role = replica;
WITH u AS (UPDATE fintech.entries SET description = '' WHERE description IS NULL RETURNING 1)
SELECT count(*) > 0 AS filled FROM u;
RESET session_replication_role;
ALTER TABLE fintech.entries ALTER COLUMN description SET NOT NULL;
SAVEPOINT s;
SELECT count(*) FROM fintech.transfer_batch('{bb_bank}', '{bb_w2}', '{1}');
ROLLBACK TO s;
SELECT count(*) AS described FROM fintech.transfer_batch('{bb_bank}', '{bb_w2}', '{1}', descriptions => '{described}');
ROLLBACK;
BEGIN;
ALTER TABLE fintech.postings ADD CONSTRAINT bb_small CHECK (abs(amount) < 100) NOT VALID;
SELECT count(*) FROM fintech.transfer_batch('{bb_bank,bb_bank}', '{bb_w2,bb_w2}', '{1,100}');
ROLLBACK;
\set VERBOSITY default
SELECT fintech.drop_consumer('bb_events');
-- with no consumer left, a batch writes no event rows at all (nobody could
-- read them: a consumer receives what commits after its creation)
SELECT count(*) AS consumers FROM fintech.event_consumers;
BEGIN;
CREATE TEMP TABLE bb_ev AS SELECT count(*) AS n FROM fintech.events;
SELECT count(*) FROM fintech.transfer_batch('{bb_bank,bb_bank}', '{bb_w2,bb_w2}', '{1,1}');
SELECT (SELECT count(*) FROM fintech.events) - n AS rows_without_consumer FROM bb_ev;
ROLLBACK;

-- a batch that fails after its rows are written (an AFTER ROW trigger of
-- the entries raises, fired from the direct path) leaves nothing behind
CREATE FUNCTION bb_boom() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.description = 'boom' THEN
    RAISE EXCEPTION 'boom' USING ERRCODE = 'P0001';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER bb_boom AFTER INSERT ON fintech.entries FOR EACH ROW EXECUTE FUNCTION bb_boom();
SELECT coalesce(max(id), 0) AS entry1 FROM fintech.entries \gset
SELECT count(*) FROM fintech.transfer_batch('{bb_bank, bb_bank, bb_bank}', '{bb_w2, bb_w2, bb_w2}',
                                            '{1, 1, 1}', '{ok, boom, ok}');
SELECT (SELECT count(*) FROM fintech.entries WHERE id > :entry1) AS entries,
       (SELECT count(*) FROM fintech.postings WHERE entry_id > :entry1) AS postings,
       (SELECT balance FROM fintech.accounts WHERE code = 'bb_w2') AS w2_balance;
DROP TRIGGER bb_boom ON fintech.entries;

-- a trigger the direct path does not reproduce: the SQL statements write,
-- and the trigger sees every row (BEFORE ROW on postings, UPDATE on accounts)
CREATE TABLE bb_seen (tbl text, n int);
CREATE FUNCTION bb_seen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO public.bb_seen VALUES (TG_TABLE_NAME, 1);
  RETURN NEW;
END $$;
CREATE TRIGGER bb_seen BEFORE INSERT ON fintech.postings FOR EACH ROW EXECUTE FUNCTION bb_seen();
CREATE TRIGGER bb_seen AFTER UPDATE ON fintech.accounts FOR EACH ROW EXECUTE FUNCTION bb_seen();
SELECT count(*) FILTER (WHERE error IS NULL) AS posted
  FROM fintech.transfer_batch('{bb_bank, bb_bank, bb_w1}', '{bb_w2, bb_w3, bb_w2}', '{2, 3, 4}');
-- a single transfer writes its entry and postings straight too, and so
-- falls back to the statements the same way (2 more postings seen)
SELECT fintech.transfer('bb_bank', 'bb_w2', 1) IS NOT NULL AS transferred;
SELECT tbl, sum(n) FROM bb_seen GROUP BY tbl ORDER BY tbl;
DROP TRIGGER bb_seen ON fintech.postings;
DROP TRIGGER bb_seen ON fintech.accounts;
DROP TABLE bb_seen;
DROP FUNCTION bb_seen();
DROP FUNCTION bb_boom();
SELECT code, balance, last_seq FROM fintech.accounts WHERE code LIKE 'bb_%' ORDER BY code;

-- the entries' audit rows are written by the batch path itself, without a
-- trigger event each: the rows the trigger writes for a single transfer
SELECT coalesce(max(id), 0) AS audit1 FROM fintech.audit_log \gset
BEGIN;
SELECT fintech.transfer('bb_bank', 'bb_w1', 1) IS NOT NULL AS single;
SELECT count(*) AS batch FROM fintech.transfer_batch('{bb_bank, bb_bank}', '{bb_w2, bb_w3}', '{1, 1}');
SELECT count(*) AS audit_rows,
       count(DISTINCT (table_name, operation, old_row IS NULL, new_row IS NULL, txid, session_role,
                       calling_role, seq IS NULL)) AS alike,
       bool_and(txid = pg_current_xact_id()) AS this_transaction,
       count(entry_id) AS entries_named, sum(cardinality(entry_ids)) AS entries_listed
  FROM fintech.audit_log WHERE id > :audit1;
COMMIT;
-- a batch larger than a chunk (1,000 entries): one audit row per chunk, in
-- order, every entry in exactly one; sealed, each is one leaf, and the log
-- verifies (rolled back: the balances below stay as they are)
BEGIN;
SELECT coalesce(max(id), 0) AS entry3 FROM fintech.entries \gset
SELECT coalesce(max(id), 0) AS audit3 FROM fintech.audit_log \gset
SELECT count(*) FILTER (WHERE error IS NULL) AS big_batch
  FROM fintech.transfer_batch((SELECT array_agg('bb_bank'::text) FROM generate_series(1, 2500)),
                              (SELECT array_agg('bb_w' || (1 + i % 3)) FROM generate_series(1, 2500) i),
                              (SELECT array_agg(1::bigint) FROM generate_series(1, 2500)));
SELECT cardinality(entry_ids) AS entries, entry_id
  FROM fintech.audit_log WHERE id > :audit3 ORDER BY id;
SELECT (SELECT array_agg(u.e ORDER BY l.id, u.n)
          FROM fintech.audit_log l, unnest(l.entry_ids) WITH ORDINALITY AS u(e, n)
         WHERE l.id > :audit3)
       = (SELECT array_agg(id ORDER BY id) FROM fintech.entries WHERE id > :entry3) AS each_entry_once_in_order;
SELECT fintech.seal_audit() >= 3 AS sealed;
SELECT ok, detail ~ '^[0-9]+ sealed rows verified' AS verified FROM fintech.verify_audit();
ROLLBACK;
-- a rolled-back batch leaves no audit row
BEGIN;
SELECT count(*) AS batch FROM fintech.transfer_batch('{bb_bank}', '{bb_w2}', '{1}');
ROLLBACK;
SELECT count(*) AS audit_rows FROM fintech.audit_log WHERE id > :audit1;
-- the capture trigger as PostgreSQL fires it: not when disabled or under
-- session_replication_role = replica, only then when enabled for replicas
SELECT coalesce(max(id), 0) AS audit2 FROM fintech.audit_log \gset
BEGIN;
ALTER TABLE fintech.entries DISABLE TRIGGER fintech_audit;
SELECT count(*) AS batch FROM fintech.transfer_batch('{bb_bank}', '{bb_w2}', '{1}');
SELECT count(*) AS audit_rows FROM fintech.audit_log WHERE id > :audit2;
ROLLBACK;
BEGIN;
SET LOCAL session_replication_role = replica;
SELECT count(*) AS batch FROM fintech.transfer_batch('{bb_bank}', '{bb_w2}', '{1}');
SELECT count(*) AS audit_rows FROM fintech.audit_log WHERE id > :audit2;
ROLLBACK;
BEGIN;
ALTER TABLE fintech.entries ENABLE REPLICA TRIGGER fintech_audit;
SELECT count(*) AS batch FROM fintech.transfer_batch('{bb_bank}', '{bb_w2}', '{1}');
SELECT count(*) AS audit_rows FROM fintech.audit_log WHERE id > :audit2;
SET LOCAL session_replication_role = replica;
SELECT entry_id AS replica_entry FROM fintech.transfer_batch('{bb_bank}', '{bb_w2}', '{1}') \gset
SELECT count(*) AS audit_rows, bool_and(entry_id = :replica_entry) AS names_it
  FROM fintech.audit_log WHERE id > :audit2;
ROLLBACK;

-- a single transfer locks each account by the update that writes its change,
-- without a statement (posting_lock_write.c); with an index on balance that
-- update is not HOT, and the new versions get their entries in every index
-- (found below by an index scan of each)
SELECT fintech.open_account('bb_x1', 'USD', kind => 'asset', min_balance => NULL) IS NOT NULL AS opened,
       fintech.open_account('bb_x2', 'USD') IS NOT NULL AS opened_too,
       fintech.open_account('bb_y1', 'USD', kind => 'asset', min_balance => NULL) IS NOT NULL AS opened_y,
       fintech.open_account('bb_y2', 'USD') IS NOT NULL AS opened_y_too;
CREATE INDEX bb_balance ON fintech.accounts (balance);
SELECT fintech.transfer('bb_x1', 'bb_x2', 7777) IS NOT NULL AS transferred;
BEGIN;
SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT code FROM fintech.accounts WHERE balance = ANY ('{7777,-7777}');
SELECT code, balance, last_seq FROM fintech.accounts WHERE balance = ANY ('{7777,-7777}') ORDER BY code;
EXPLAIN (COSTS OFF) SELECT code FROM fintech.accounts WHERE code = ANY ('{bb_x1,bb_x2}');
SELECT code, balance, last_seq FROM fintech.accounts WHERE code = ANY ('{bb_x1,bb_x2}') ORDER BY code;
COMMIT;
DROP INDEX fintech.bb_balance;
-- in a read-only transaction the UPDATE statement runs instead, and
-- refuses as it always did (heap_update would not)
\set VERBOSITY terse
BEGIN READ ONLY;
SELECT fintech.transfer('bb_y1', 'bb_y2', 1);
ROLLBACK;
\set VERBOSITY default

-- twelve batches of 1,000 in one transaction: 12,000 entries, more than
-- one fetch of the sealer reads images for at once (ENTRY_IMAGES_MAX,
-- 8,192): the rows past it have their entries read when they are hashed,
-- and every batch's leaf still proves out
SELECT fintech.open_account('bb_many', 'USD', kind => 'asset', min_balance => NULL) IS NOT NULL AS opened,
       fintech.open_account('bb_m1', 'USD') IS NOT NULL AND fintech.open_account('bb_m2', 'USD') IS NOT NULL AS opened_too;
SELECT count(*) AS accepted
  FROM generate_series(1, 12) i,
       LATERAL fintech.transfer_batch(
         debit_accounts => array_fill('bb_many'::text, ARRAY[1000 + 0 * i]),
         credit_accounts => (SELECT array_agg('bb_m' || (1 + g % 2)) FROM generate_series(1, 1000) g),
         amounts => array_fill(1::int8, ARRAY[1000])) t
 WHERE t.error IS NULL;
SELECT count(*) AS batch_rows, sum(cardinality(entry_ids)) AS entries
  FROM fintech.audit_log
 WHERE table_name = 'fintech.entries' AND cardinality(entry_ids) = 1000
   AND txid = (SELECT max(txid) FROM fintech.audit_log);
SELECT fintech.seal_audit() >= 0 AS sealed;
SELECT ok, detail ~ '^[0-9]+ sealed rows verified' AS verified FROM fintech.verify_audit();

-- what the direct insert keeps of a table's indexes between calls
-- (posting_bulk.c's BulkRel) is forgotten when they change: an index made
-- after this session's transfers gets the next one's entries (a unique
-- partial index that a second transfer of 4321 breaks), so does one whose
-- predicate calls a function that is not built in (opened per call, as
-- the executor does), and a dropped one is no longer written
SELECT fintech.transfer('bb_x1', 'bb_x2', 4321) IS NOT NULL AS transferred;
CREATE UNIQUE INDEX bb_once ON fintech.postings (amount) WHERE amount = 4321;
\set VERBOSITY terse
SELECT fintech.transfer('bb_x1', 'bb_x2', 4321);
\set VERBOSITY default
DROP INDEX fintech.bb_once;
CREATE FUNCTION bb_is_4321(bigint) RETURNS boolean LANGUAGE plpgsql IMMUTABLE
  AS $$BEGIN RETURN $1 = 4321; END$$;
CREATE UNIQUE INDEX bb_once_fn ON fintech.postings (amount) WHERE bb_is_4321(amount);
\set VERBOSITY terse
SELECT fintech.transfer('bb_x1', 'bb_x2', 4321);
\set VERBOSITY default
DROP INDEX fintech.bb_once_fn;
CREATE INDEX bb_fn ON fintech.postings (amount) WHERE bb_is_4321(amount);
SELECT fintech.transfer('bb_x1', 'bb_x2', 4321) IS NOT NULL AS transferred_again,
       fintech.transfer('bb_x1', 'bb_x2', 4321) IS NOT NULL AS and_again;
DROP INDEX fintech.bb_fn;
DROP FUNCTION bb_is_4321(bigint);
SELECT fintech.transfer('bb_x1', 'bb_x2', 4321) IS NOT NULL AS without_it;
SELECT count(*) AS postings_of_4321 FROM fintech.postings WHERE amount = 4321;

-- a batch probes an account first where this backend found its row before
-- (account_tid_cache.c), and takes that version only if it is visible and
-- has the code: after a code moved to another row, and after the table was
-- rewritten (the remembered places now hold other accounts' rows, or
-- nothing), each item still goes to the account with its code
SELECT count(fintech.open_account(code => 'bb_c' || i, currency => 'EUR')) AS opened
  FROM generate_series(1, 4) i;
SELECT count(*) AS accepted
  FROM fintech.transfer_batch('{bb_bank, bb_bank, bb_bank, bb_bank}',
                              '{bb_c1, bb_c2, bb_c3, bb_c4}', '{1, 2, 3, 4}')
 WHERE error IS NULL;
UPDATE fintech.accounts SET code = 'bb_tmp' WHERE code = 'bb_c1';
UPDATE fintech.accounts SET code = 'bb_c1' WHERE code = 'bb_c2';
UPDATE fintech.accounts SET code = 'bb_c2' WHERE code = 'bb_tmp';
SELECT count(*) AS accepted
  FROM fintech.transfer_batch('{bb_bank, bb_bank, bb_bank, bb_bank}',
                              '{bb_c1, bb_c2, bb_c3, bb_c4}', '{10, 20, 30, 40}')
 WHERE error IS NULL;
SELECT code, balance, last_seq FROM fintech.accounts WHERE code LIKE 'bb_c%' ORDER BY code;
VACUUM FULL fintech.accounts;
SELECT count(*) AS accepted
  FROM fintech.transfer_batch('{bb_bank, bb_bank, bb_bank, bb_bank, bb_c4}',
                              '{bb_c1, bb_c2, bb_c3, bb_c4, bb_c1}', '{100, 200, 300, 400, 1}')
 WHERE error IS NULL;
SELECT code, balance, last_seq FROM fintech.accounts
 WHERE code LIKE 'bb_c%' OR code = 'bb_bank' ORDER BY code;

-- an update out of its page gives the new version its index entries
-- without the uniqueness check only when no index reads the columns it
-- changes (posting_bulk.c, keys_unchanged): a unique index on the balance
-- is still checked (113 + 108: bb_c2's balance)
CREATE UNIQUE INDEX bb_balance_once ON fintech.accounts (balance) WHERE code LIKE 'bb_c%';
\set VERBOSITY terse
SELECT count(*) FROM fintech.transfer_batch('{bb_bank}', '{bb_c1}', '{108}');
\set VERBOSITY default
SELECT count(*) AS accepted FROM fintech.transfer_batch('{bb_bank}', '{bb_c1}', '{5}')
 WHERE error IS NULL;
DROP INDEX fintech.bb_balance_once;

-- the direct insert releases an index's lock when it is done with it, as
-- the executor does at the end of a statement (posting_bulk_rel.c): in the
-- caller's transaction a transfer leaves only the locks of the tables it
-- wrote and of the index it probed (a backend has 16 fast-path lock slots;
-- holding entries' and postings' six index locks too put fintech.pay past
-- them, session 16)
BEGIN;
SELECT fintech.transfer('bb_bank', 'bb_c3', 1) > 0 AS transferred;
SELECT c.relname, l.mode
  FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
 WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation'
   AND c.relnamespace = 'fintech'::regnamespace
 ORDER BY c.relname, l.mode;
COMMIT;

-- the ledger and the log still prove out
SELECT bool_and(ok) AS ledger_ok FROM fintech.check_ledger();
SELECT fintech.seal_audit() >= 0 AS sealed;
SELECT ok FROM fintech.verify_audit();
