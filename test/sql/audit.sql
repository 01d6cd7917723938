-- audit: capture by the C trigger, sealing, verification, digests, the
-- pgcrypto recomputation of the chain, tampering, immutability.
-- (No background sealer works in this database: seal_audit() does it.)
\set VERBOSITY default

-- seal what the earlier tests left, so the rows below start a clean stretch
SELECT fintech.seal_audit() >= 0 AS sealed_earlier_rows;
SELECT coalesce(max(seq), 0) AS base FROM fintech.audit_log \gset

-- ====================================================================
-- audit_table
-- ====================================================================
CREATE TABLE regress_orders (
    id int PRIMARY KEY, customer text, amount numeric(12, 2), ordered_at timestamptz,
    due date, took interval, ratio float8, raw bytea, price money, tags text[], doc jsonb, note text);
SELECT fintech.audit_table('regress_orders');
SELECT fintech.audit_table(tbl => 'regress_orders');   -- again: a no-op
SELECT tgname, tgtype FROM pg_trigger WHERE tgrelid = 'regress_orders'::regclass ORDER BY 1;
SELECT fintech.audit_table('regress_no_such_table');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
CREATE VIEW regress_orders_view AS SELECT * FROM regress_orders;
SELECT fintech.audit_table('regress_orders_view');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.audit_table('fintech.audit_log');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- the tree's own table, and the legs (logged with their entries)
SELECT fintech.audit_table('fintech.audit_tree');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.audit_table('fintech.postings');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.audit_table(NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- the ledger's own tables are audited from CREATE EXTENSION on
SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE t.tgname = 'fintech_audit' AND c.relnamespace = 'fintech'::regnamespace ORDER BY 1;

-- ====================================================================
-- capture: one row per changed row, in the writer's transaction
-- ====================================================================
SET TimeZone = 'UTC';
INSERT INTO regress_orders VALUES
  (1, 'alice', 10.50, '2026-01-02 03:04:05.678+00', '2026-02-01', '1 day 2 hours', 0.1,
   '\x00ff', 12.34, '{a,b}', '{"k": [1, 2.50]}', NULL),
  (2, 'bob', 20, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'x');
UPDATE regress_orders SET amount = amount + 1 WHERE id = 1;
DELETE FROM regress_orders WHERE id = 2;
BEGIN;
INSERT INTO regress_orders (id, customer) VALUES (3, 'rolled back');
ROLLBACK;
SELECT id - (SELECT min(id) FROM fintech.audit_log WHERE table_name = 'public.regress_orders') AS n,
       table_name, operation, old_row ->> 'id' AS old_id, new_row ->> 'id' AS new_id,
       old_row ->> 'amount' AS old_amount, new_row ->> 'amount' AS new_amount,
       session_role = current_user AS by_me, calling_role = current_user AS called_by_me, seq
  FROM fintech.audit_log WHERE table_name = 'public.regress_orders' ORDER BY id;
-- NULLs are kept as JSON null; the row is complete
SELECT new_row FROM fintech.audit_log
 WHERE table_name = 'public.regress_orders' AND operation = 'INSERT' AND new_row ->> 'id' = '2';
-- the canonical jsonb does not depend on the writer's settings
SELECT new_row FROM fintech.audit_log
 WHERE table_name = 'public.regress_orders' AND operation = 'INSERT' AND new_row ->> 'id' = '1';
SET TimeZone = 'America/New_York';
SET DateStyle = 'SQL, DMY';
SET IntervalStyle = 'sql_standard';
SET extra_float_digits = 0;
SET bytea_output = 'escape';
SET lc_monetary = 'C';
INSERT INTO regress_orders VALUES
  (11, 'alice', 10.50, '2026-01-01 22:04:05.678-05', '2026-02-01', '1 day 2 hours', 0.1,
   '\x00ff', 12.34, '{a,b}', '{"k": [1, 2.50]}', NULL);
RESET TimeZone; RESET DateStyle; RESET IntervalStyle; RESET extra_float_digits; RESET bytea_output;
RESET lc_monetary;
SELECT a.new_row - 'id' = b.new_row - 'id' AS same_content_same_json
  FROM fintech.audit_log a, fintech.audit_log b
 WHERE a.table_name = 'public.regress_orders' AND a.new_row ->> 'id' = '1' AND a.operation = 'INSERT'
   AND b.table_name = 'public.regress_orders' AND b.new_row ->> 'id' = '11';
-- wide rows (TOASTed values) are captured whole
UPDATE regress_orders SET note = repeat('0123456789', 20000) WHERE id = 1;
SELECT length(new_row ->> 'note') AS note_length FROM fintech.audit_log
 WHERE table_name = 'public.regress_orders' AND operation = 'UPDATE' ORDER BY id DESC LIMIT 1;
-- TRUNCATE is audited (one row, no row images)
CREATE TABLE regress_scratch (v int);
SELECT fintech.audit_table('regress_scratch');
INSERT INTO regress_scratch VALUES (1), (2);
TRUNCATE regress_scratch;
SELECT operation, old_row, new_row FROM fintech.audit_log
 WHERE table_name = 'public.regress_scratch' ORDER BY id;
-- who: the session user, and the role that called the SECURITY DEFINER API
CREATE ROLE regress_audit_app;
SELECT fintech.grant_application('regress_audit_app');
SELECT fintech.open_account(code => 'audit_a', currency => 'USD', kind => 'asset', min_balance => NULL) > 0 AS opened;
SELECT fintech.open_account(code => 'audit_b', currency => 'USD') > 0 AS opened;
SET ROLE regress_audit_app;
SELECT fintech.transfer(debit_account => 'audit_a', credit_account => 'audit_b', amount => 5) AS t \gset
RESET ROLE;
-- (one row for the entry, which names it: its legs are in its leaf, the
-- accounts' new balances are derivable and not logged)
SELECT DISTINCT table_name, calling_role, session_role = current_user AS session_is_me,
       entry_id = :t AS names_the_entry, new_row IS NULL AS no_copy
  FROM fintech.audit_log WHERE txid = (SELECT txid FROM fintech.audit_log WHERE entry_id = :t)
 ORDER BY 1;
SELECT fintech.audit_entry_image(:t) - 'created_at' AS entry_leaf_image;
-- an application role writing an audited table of its own is audited,
-- though it has no privilege at all on fintech.audit_log
SELECT fintech.revoke_all('regress_audit_app');
GRANT INSERT, UPDATE ON regress_scratch TO regress_audit_app;
SET ROLE regress_audit_app;
INSERT INTO regress_scratch VALUES (7);
SELECT count(*) FROM fintech.audit_log;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT operation, new_row, calling_role FROM fintech.audit_log
 WHERE table_name = 'public.regress_scratch' ORDER BY id DESC LIMIT 1;
REVOKE ALL ON regress_scratch FROM regress_audit_app;
DROP ROLE regress_audit_app;
-- nothing is sealed until the sealer runs
SELECT count(*) > 0 AS unsealed, count(seq) AS sealed FROM fintech.audit_log WHERE seq > :base OR seq IS NULL;

-- ====================================================================
-- sealing, verification, digests
-- ====================================================================
SELECT fintech.seal_audit() AS newly_sealed \gset
SELECT :newly_sealed > 10 AS sealed_them, fintech.seal_audit() AS again;
SELECT count(*) AS unsealed FROM fintech.audit_log WHERE seq IS NULL;
SELECT min(seq) = 1 AND max(seq) = count(*) AS gapless FROM fintech.audit_log;
SELECT ok, rows_checked = (SELECT count(*) FROM fintech.audit_log) AS all_checked, first_bad_seq
  FROM fintech.verify_audit();
SELECT seq = (SELECT max(seq) FROM fintech.audit_log) AS is_head, octet_length(chain_hash) AS hash_bytes
  FROM fintech.audit_digest();
SELECT d.seq AS head_seq, d.chain_hash AS head_hash FROM fintech.audit_digest() d \gset
SELECT fintech.verify_audit_digest(seq => :head_seq, chain_hash => :'head_hash') AS head_ok;
SELECT fintech.verify_audit_digest(:head_seq - 1, :'head_hash') AS wrong_position;
SELECT fintech.verify_audit_digest(:head_seq, '\x00') AS wrong_hash;
SELECT fintech.verify_audit_digest(:head_seq + 1, :'head_hash') AS beyond_the_head;
SELECT fintech.verify_audit_digest(NULL, :'head_hash');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a published head stays verifiable as the chain grows
INSERT INTO regress_orders (id, customer) VALUES (4, 'later');
SELECT fintech.seal_audit() AS sealed_later;
SELECT fintech.verify_audit_digest(:head_seq, :'head_hash') AS old_head_still_ok;

-- ====================================================================
-- independent recomputation with pgcrypto (docs/audit.md's query): every
-- leaf hash, and the root of the RFC 9162 Merkle tree over them
-- ====================================================================
CREATE FUNCTION regress_canon(l fintech.audit_log) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT coalesce(octet_length(l.id::text) || ':' || l.id::text, 'N')
      || coalesce(octet_length(l.table_name) || ':' || l.table_name, 'N')
      || coalesce(octet_length(l.operation) || ':' || l.operation, 'N')
      || coalesce(octet_length(l.old_row::text) || ':' || l.old_row::text, 'N')
      || coalesce(octet_length(n.new_row::text) || ':' || n.new_row::text, 'N')
      || coalesce(octet_length(l.txid::text) || ':' || l.txid::text, 'N')
      || coalesce(octet_length(l.session_role) || ':' || l.session_role, 'N')
      || coalesce(octet_length(l.calling_role) || ':' || l.calling_role, 'N')
      || coalesce(octet_length(to_char(l.changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')) || ':'
                  || to_char(l.changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), 'N')
      || octet_length(l.seq::text) || ':' || l.seq::text
    FROM (SELECT coalesce(l.new_row, fintech.audit_entry_image(l.entry_id),
                          (SELECT jsonb_agg(fintech.audit_entry_image(e.id) ORDER BY e.n)
                             FROM unnest(l.entry_ids) WITH ORDINALITY AS e(id, n)))) AS n(new_row)
$$;
CREATE FUNCTION regress_leaf(l fintech.audit_log) RETURNS bytea LANGUAGE sql STABLE AS $$
  SELECT digest('\x00'::bytea || convert_to(regress_canon(l), 'UTF8'), 'sha256')
$$;
-- MTH(D[lo:lo+n]): split at the largest power of two below n
CREATE FUNCTION regress_mth(lo bigint, n bigint) RETURNS bytea LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN n = 0 THEN digest('', 'sha256')
    WHEN n = 1 THEN (SELECT regress_leaf(l) FROM fintech.audit_log l WHERE l.seq = lo + 1)
    ELSE (SELECT digest('\x01'::bytea || regress_mth(lo, k) || regress_mth(lo + k, n - k), 'sha256')
            FROM (SELECT max(p) AS k FROM generate_series(0, 62) g, LATERAL (SELECT 1::bigint << g) x(p)
                   WHERE p < n) s)
  END
$$;
SELECT count(*) AS recomputed,
       bool_and(regress_leaf(l) = l.row_hash) AS every_leaf_hash_matches,
       (SELECT regress_mth(0, count(*)) FROM fintech.audit_log WHERE seq IS NOT NULL)
         = (SELECT d.chain_hash FROM fintech.audit_digest() d) AS root_matches_audit_digest,
       (SELECT ok FROM fintech.verify_audit()) AS verify_audit_agrees
  FROM fintech.audit_log l WHERE l.seq IS NOT NULL;

-- ====================================================================
-- append-only: LD007 for everyone, the owner included
-- ====================================================================
UPDATE fintech.audit_log SET operation = 'INSERT' WHERE seq = 1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE fintech.audit_log SET seq = NULL WHERE seq = 1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DELETE FROM fintech.audit_log WHERE seq = 1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
TRUNCATE fintech.audit_log;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE fintech.audit_head SET last_seq = 0;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DELETE FROM fintech.audit_head;
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- ====================================================================
-- tampering by a superuser with the triggers switched off: verify_audit
-- names the first bad position
-- ====================================================================
SELECT :head_seq - 5 AS victim \gset
-- edit the content of a sealed row
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE fintech.audit_log SET new_row = jsonb_set(coalesce(new_row, '{}'), '{amount}', '1000000')
 WHERE seq = :victim;
SELECT ok, first_bad_seq - :victim AS at_victim, detail ~ 'was changed' AS says_changed FROM fintech.verify_audit();
ROLLBACK;
-- edit it and recompute its leaf hash too: the stored tree disagrees (the
-- subtree of 16 rows holding it, or the root)
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE fintech.audit_log SET calling_role = 'nobody' WHERE seq = :victim;
UPDATE fintech.audit_log l SET row_hash = regress_leaf(l) WHERE seq = :victim;
SELECT ok, detail ~ '(stored tree node|root recorded)' AS says_tree FROM fintech.verify_audit();
ROLLBACK;
-- delete a row
BEGIN;
SET LOCAL session_replication_role = replica;
DELETE FROM fintech.audit_log WHERE seq = :victim;
SELECT ok, first_bad_seq - :victim AS at_victim, detail ~ 'missing' AS says_missing FROM fintech.verify_audit();
ROLLBACK;
-- delete the last rows (the head remembers where the chain ended)
BEGIN;
SET LOCAL session_replication_role = replica;
DELETE FROM fintech.audit_log WHERE seq > :victim;
SELECT ok, first_bad_seq - :victim AS after_victim, detail ~ 'removed' AS says_removed FROM fintech.verify_audit();
ROLLBACK;
-- insert a forged row into the chain, shifting the rest
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE fintech.audit_log SET seq = -seq WHERE seq >= :victim;
UPDATE fintech.audit_log SET seq = -seq + 1 WHERE seq < 0;
INSERT INTO fintech.audit_log (table_name, operation, new_row, txid, session_role, calling_role, seq, row_hash, chain_hash)
SELECT 'public.regress_orders', 'INSERT', '{"id": 99}', '1', 'postgres', 'postgres', :victim,
       digest('forged', 'sha256'), digest('forged', 'sha256');
SELECT ok, first_bad_seq - :victim AS at_victim FROM fintech.verify_audit();
ROLLBACK;
-- append a forged row after the head
BEGIN;
SET LOCAL session_replication_role = replica;
INSERT INTO fintech.audit_log (table_name, operation, new_row, txid, session_role, calling_role, seq, row_hash, chain_hash)
SELECT 'public.regress_orders', 'INSERT', '{"id": 98}', '1', 'postgres', 'postgres', max(seq) + 1, NULL, NULL
  FROM fintech.audit_log;
SELECT ok, first_bad_seq - (SELECT max(seq) FROM fintech.audit_log) AS at_forged FROM fintech.verify_audit();
ROLLBACK;
-- swap two rows
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE fintech.audit_log SET seq = -1 WHERE seq = :victim;
UPDATE fintech.audit_log SET seq = :victim WHERE seq = :victim + 2;
UPDATE fintech.audit_log SET seq = :victim + 2 WHERE seq = -1;
SELECT ok, first_bad_seq - :victim AS at_victim, detail ~ 'was changed' AS says_moved FROM fintech.verify_audit();
ROLLBACK;
-- everything rolled back: the chain verifies again
SELECT ok, first_bad_seq FROM fintech.verify_audit();

-- a backlog of more than one batch (5,000 rows): seal_audit() takes it in
-- batches, each after the last row of the one before, and one final pass
CREATE TABLE regress_backlog (id int PRIMARY KEY, v text);
SELECT fintech.audit_table('regress_backlog');
INSERT INTO regress_backlog SELECT i, 'v' || i FROM generate_series(1, 12345) i;
SELECT count(*) AS unsealed FROM fintech.audit_log WHERE seq IS NULL;
SELECT fintech.seal_audit() AS sealed;
SELECT count(*) AS unsealed FROM fintech.audit_log WHERE seq IS NULL;
-- in capture order, gapless, and the chain verifies
SELECT count(*) AS out_of_order FROM (
  SELECT seq - lag(seq) OVER (ORDER BY changed_at, id) AS step
    FROM fintech.audit_log WHERE table_name = 'public.regress_backlog') s
 WHERE step <> 1;
SELECT ok, rows_checked = (SELECT max(seq) FROM fintech.audit_log) AS all_checked
  FROM fintech.verify_audit();
-- captured images of 256 bytes or more are stored compressed, read back whole
INSERT INTO regress_backlog VALUES (0, repeat('abc', 200));
SELECT pg_column_size(new_row) < 300 AS compressed, new_row->>'v' = repeat('abc', 200) AS whole
  FROM fintech.audit_log WHERE table_name = 'public.regress_backlog' AND new_row->>'id' = '0';
SELECT fintech.seal_audit() AS sealed;
SELECT ok FROM fintech.verify_audit();
DROP TABLE regress_backlog;
SELECT fintech.seal_audit() AS sealed;

-- the images of ledger entries, which the sealer writes as jsonb_out
-- would without building the jsonb (audit_entry.c): their leaf hashes
-- against the SQL recomputation from fintech.audit_entry_image(), for
-- strings that JSON escapes, nested metadata, pending legs, related ids
SELECT fintech.open_account('regress_img_a', 'USD', kind => 'asset', min_balance => NULL) > 0 AS a,
       fintech.open_account('regress_img_b', 'USD') > 0 AS b;
SELECT fintech.transfer('regress_img_a', 'regress_img_b', 7,
         description => E'quote " backslash \\ slash / newline \n tab \t bell \x01 e\u0301 \u20ac \U0001F600',
         metadata => '{"k": [1, 2.50, 1e3, -0.0, "x\"y\\z", null, true], "nested": {"z": {}, "a": []}, "": "", "long key name": 12345678901234567890}')
       AS img_t \gset
SELECT fintech.transfer('regress_img_a', 'regress_img_b', 3, pending_for => '1 hour',
                        description => '') AS img_h \gset
SELECT fintech.post_pending(:img_h) AS img_p \gset
SELECT fintech.reverse(:img_t, description => 'back') AS img_r \gset
SELECT fintech.seal_audit() > 0 AS sealed;
SELECT count(*) AS entry_rows, bool_and(regress_leaf(l) = l.row_hash) AS leaf_hashes_match,
       count(*) FILTER (WHERE fintech.audit_entry_image(l.entry_id) ? 'pending_legs'
                          AND fintech.audit_entry_image(l.entry_id) -> 'pending_legs' <> 'null') AS with_pending_legs,
       count(*) FILTER (WHERE fintech.audit_entry_image(l.entry_id) -> 'related_id' <> 'null') AS with_related_id
  FROM fintech.audit_log l WHERE l.entry_id IN (:img_t, :img_h, :img_p, :img_r);
SELECT ok FROM fintech.verify_audit();

-- a batch's entries are one audit row (entry_ids, in item order) and one
-- leaf, whose new_row is the array of their images: its leaf hash against
-- the SQL recomputation, its inclusion proof against the root; refused
-- items leave no entry and no place in the array
SELECT coalesce(max(id), 0) AS img_audit0 FROM fintech.audit_log \gset
SELECT count(*) FILTER (WHERE entry_id IS NOT NULL) AS batch_posted,
       count(*) FILTER (WHERE error IS NOT NULL) AS batch_refused
  FROM fintech.transfer_batch('{regress_img_a, regress_img_a, nope, regress_img_b}',
                              '{regress_img_b, regress_img_b, regress_img_b, regress_img_a}',
                              '{11, 12, 13, 2}',
                              descriptions => ARRAY[E'tab \t quote "', NULL, 'x', '€']);
SELECT fintech.seal_audit() > 0 AS sealed;
SELECT l.seq AS batch_seq FROM fintech.audit_log l WHERE l.id > :img_audit0 AND l.entry_ids IS NOT NULL \gset
SELECT cardinality(l.entry_ids) AS entries, l.entry_id, l.new_row,
       l.entry_ids = (SELECT array_agg(e.id ORDER BY e.id) FROM fintech.entries e
                       WHERE e.id > :img_r) AS lists_the_batch_in_order,
       regress_leaf(l) = l.row_hash AS leaf_hash_matches,
       regress_canon(l) = convert_from(fintech.audit_leaf_data(l.seq), 'UTF8') AS same_leaf_data,
       (SELECT jsonb_agg(x -> 'legs' -> 0 -> 2) FROM jsonb_array_elements(
          (SELECT jsonb_agg(fintech.audit_entry_image(e.id) ORDER BY e.n)
             FROM unnest(l.entry_ids) WITH ORDINALITY AS e(id, n))) x) AS amounts
  FROM fintech.audit_log l WHERE l.seq = :batch_seq;
SELECT p.leaf_hash = l.row_hash AS proof_from_the_sealed_leaf, array_length(p.path, 1) > 0 AS has_path
  FROM fintech.audit_inclusion_proof(:batch_seq) p JOIN fintech.audit_log l ON l.seq = :batch_seq;
SELECT ok FROM fintech.verify_audit();
-- tampering with one entry of the batch (its leg, behind the triggers'
-- back) breaks that batch's leaf: verify_audit names it, its proof no
-- longer starts from the sealed leaf
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE fintech.postings SET amount = amount * 10
 WHERE entry_id = (SELECT entry_ids[2] FROM fintech.audit_log WHERE seq = :batch_seq);
SELECT ok, first_bad_seq = :batch_seq AS at_the_batch, detail ~ 'was changed' AS says_changed
  FROM fintech.verify_audit();
SELECT p.leaf_hash = l.row_hash AS proof_from_the_sealed_leaf
  FROM fintech.audit_inclusion_proof(:batch_seq) p JOIN fintech.audit_log l ON l.seq = :batch_seq;
ROLLBACK;
-- an entry dropped from the array, two swapped, or its description edited
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE fintech.audit_log SET entry_ids = entry_ids[1:2] WHERE seq = :batch_seq;
SELECT ok, first_bad_seq = :batch_seq AS at_the_batch FROM fintech.verify_audit();
ROLLBACK;
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE fintech.audit_log SET entry_ids = ARRAY[entry_ids[2], entry_ids[1], entry_ids[3]] WHERE seq = :batch_seq;
SELECT ok, first_bad_seq = :batch_seq AS at_the_batch FROM fintech.verify_audit();
ROLLBACK;
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE fintech.entries SET description = 'edited'
 WHERE id = (SELECT entry_ids[3] FROM fintech.audit_log WHERE seq = :batch_seq);
SELECT ok, first_bad_seq = :batch_seq AS at_the_batch FROM fintech.verify_audit();
ROLLBACK;
-- an entry of the batch removed from the array altogether: the entry has
-- no audit row any more
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE fintech.audit_log l SET entry_ids = entry_ids[1:2] WHERE seq = :batch_seq;
UPDATE fintech.audit_log l SET row_hash = regress_leaf(l) WHERE seq = :batch_seq;
SELECT ok, detail ~ '(stored tree node|root recorded|has no audit row)' AS caught FROM fintech.verify_audit();
ROLLBACK;
SELECT ok FROM fintech.verify_audit();

-- the sealer reads audit_log's columns by position and its unsealed rows
-- through audit_log_unsealed: altered, it refuses (55000) instead of
-- sealing from another index or other columns
BEGIN;
DROP INDEX fintech.audit_log_unsealed;
CREATE INDEX audit_log_unsealed ON fintech.audit_log (changed_at, id) WHERE seq IS NULL AND id > 0;
SELECT fintech.seal_audit();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
ALTER TABLE fintech.audit_log ADD COLUMN regress_extra int;
SELECT fintech.seal_audit();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
DROP INDEX fintech.audit_log_unsealed;
CREATE INDEX audit_log_unsealed ON fintech.audit_log (changed_at DESC, id) WHERE seq IS NULL;
SELECT fintech.seal_audit();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
ROLLBACK;
SELECT fintech.seal_audit() >= 0 AS seals_again;

-- ====================================================================
-- fintech.accounts: an UPDATE is captured when it names a column other
-- than the folded state (balance, pending_out, pending_in, last_seq); the
-- ledger's balance updates queue no trigger event at all
-- ====================================================================
SELECT pg_get_triggerdef(oid) AS accounts_capture_trigger FROM pg_trigger
 WHERE tgrelid = 'fintech.accounts'::regclass AND tgname = 'fintech_audit';
-- every live column is named but the folded state
SELECT array_agg(a.attname ORDER BY a.attname) AS not_named
  FROM pg_attribute a JOIN pg_trigger t ON t.tgrelid = a.attrelid AND t.tgname = 'fintech_audit'
 WHERE a.attrelid = 'fintech.accounts'::regclass AND a.attnum > 0 AND NOT a.attisdropped
   AND a.attnum <> ALL (t.tgattr);
SELECT coalesce(max(id), 0) AS acc0 FROM fintech.audit_log \gset
-- balance-only changes: a transfer, a hold and its capture, a superuser's
-- UPDATE of the folded state (with the same values) -- only the entries
SELECT fintech.transfer('audit_a', 'audit_b', 3) IS NOT NULL AS posted;
SELECT fintech.post_pending(fintech.transfer('audit_a', 'audit_b', 2, pending_for => '1 hour'))
       IS NOT NULL AS captured;
UPDATE fintech.accounts SET balance = balance, last_seq = last_seq WHERE code = 'audit_b';
-- another column named but not changed: the trigger fires, logs nothing
UPDATE fintech.accounts SET status = status, balance = balance WHERE code = 'audit_b';
SELECT table_name, operation, count(*) FROM fintech.audit_log WHERE id > :acc0
 GROUP BY 1, 2 ORDER BY 1, 2;
-- a change of another column is logged, balance and all, and one rolled
-- back is not
SELECT fintech.freeze_account('audit_b');
BEGIN;
SELECT fintech.unfreeze_account('audit_b');
ROLLBACK;
UPDATE fintech.accounts SET metadata = '{"tier": 2}' WHERE code = 'audit_b';
SELECT operation, old_row ->> 'status' AS old_status, new_row ->> 'status' AS new_status,
       new_row -> 'metadata' AS new_metadata, (new_row ->> 'balance')::int8 = a.balance AS with_balance
  FROM fintech.audit_log l, fintech.accounts a
 WHERE l.id > :acc0 AND l.table_name = 'fintech.accounts' AND a.code = 'audit_b' ORDER BY l.id;
-- a column added since the trigger was made: capture refuses until
-- audit_table makes it again, then an UPDATE of the column is logged
BEGIN;
ALTER TABLE fintech.accounts ADD COLUMN regress_note text;
SELECT fintech.freeze_account('audit_a');
ROLLBACK;
BEGIN;
ALTER TABLE fintech.accounts ADD COLUMN regress_note text;
SELECT fintech.audit_table('fintech.accounts');
SELECT pg_get_triggerdef(oid) ~ 'regress_note' AS names_it FROM pg_trigger
 WHERE tgrelid = 'fintech.accounts'::regclass AND tgname = 'fintech_audit';
UPDATE fintech.accounts SET regress_note = 'noted' WHERE code = 'audit_b';
SELECT operation, old_row ->> 'regress_note' AS old_note, new_row ->> 'regress_note' AS new_note
  FROM fintech.audit_log WHERE id > :acc0 ORDER BY id DESC LIMIT 1;
ROLLBACK;
-- an index of its own on fintech.audit_log: each captured row's entries
-- go through the executor, the new index's too
SELECT fintech.unfreeze_account('audit_b');
BEGIN;
CREATE INDEX regress_audit_by_table ON fintech.audit_log (table_name, id);
SELECT fintech.transfer('audit_a', 'audit_b', 1) AS t2 \gset
SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT entry_id FROM fintech.audit_log
 WHERE table_name = 'fintech.entries' AND id > 0 ORDER BY table_name DESC, id DESC LIMIT 1;
SELECT entry_id = :t2 AS found_by_its_index FROM fintech.audit_log
 WHERE table_name = 'fintech.entries' AND id > :acc0 ORDER BY table_name DESC, id DESC LIMIT 1;
ROLLBACK;
-- and the sealer's new versions too (with the install script's indexes
-- only audit_log_seq's entry is written, straight: audit_log.c)
SELECT fintech.transfer('audit_a', 'audit_b', 1) > 0 AS unsealed_one;
SELECT count(*) AS n_entry_rows FROM fintech.audit_log WHERE table_name = 'fintech.entries' \gset
BEGIN;
CREATE INDEX regress_audit_by_table ON fintech.audit_log (table_name, id);
SELECT fintech.seal_audit() > 0 AS sealed;
SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM fintech.audit_log
 WHERE table_name = 'fintech.entries' AND id > 0 AND seq IS NOT NULL;
SELECT count(*) = :n_entry_rows AS sealed_found_by_its_index FROM fintech.audit_log
 WHERE table_name = 'fintech.entries' AND id > 0 AND seq IS NOT NULL;
ROLLBACK;
SELECT fintech.seal_audit() > 0 AS sealed;
SELECT ok FROM fintech.verify_audit();
SELECT bool_and(ok) AS ledger_ok FROM fintech.check_ledger();

DROP FUNCTION regress_mth(bigint, bigint);
DROP FUNCTION regress_leaf(fintech.audit_log);
DROP FUNCTION regress_canon(fintech.audit_log);
DROP VIEW regress_orders_view;
DROP TABLE regress_orders, regress_scratch;
