-- ledger_additions: idempotency keys on the ledger's writes, sweep and
-- statement (0.6.0).  Entry ids depend on the tests run before: results
-- are compared, not printed.
\set VERBOSITY terse

SELECT fintech.open_account('la_bank', 'EUR', 'asset', min_balance => NULL) > 0 AS opened;
SELECT fintech.open_account('la_w1', 'EUR') > 0 AS opened;
SELECT fintech.open_account('la_w2', 'EUR') > 0 AS opened;
SELECT fintech.open_account('la_usd', 'USD') > 0 AS opened;
CREATE TEMP TABLE n AS SELECT (SELECT count(*) FROM fintech.entries) AS entries;
CREATE FUNCTION pg_temp.new_entries() RETURNS bigint LANGUAGE sql
  AS $$ SELECT (SELECT count(*) FROM fintech.entries) - (SELECT entries FROM n) $$;

-- ====================================================================
-- transfer: a retry returns the first entry and writes nothing
-- ====================================================================
SELECT fintech.transfer('la_bank', 'la_w1', 1000, 'top-up', '{"ref": 1}', idempotency_key => 'la-t1') AS t1 \gset
SELECT fintech.transfer('la_bank', 'la_w1', 1000, 'top-up', '{"ref": 1}', idempotency_key => 'la-t1') = :t1 AS same_entry;
SELECT pg_temp.new_entries() AS entries, fintech.balance('la_w1') AS w1;
SELECT function, entry_id = :t1 AS names_it FROM fintech.ledger_keys WHERE key = 'la-t1';
-- the same key for another request: LD005, whatever differs
SELECT fintech.transfer('la_bank', 'la_w1', 1001, 'top-up', '{"ref": 1}', idempotency_key => 'la-t1');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.transfer('la_bank', 'la_w1', 1000, 'top-up!', '{"ref": 1}', idempotency_key => 'la-t1');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.transfer('la_bank', 'la_w1', 1000, 'top-up', '{"ref": 2}', idempotency_key => 'la-t1');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.transfer('la_bank', 'la_w2', 1000, 'top-up', '{"ref": 1}', idempotency_key => 'la-t1');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.transfer('la_bank', 'la_w1', 1000, 'top-up', '{"ref": 1}', '1 day', idempotency_key => 'la-t1');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- another function with the key: LD005, naming the first (ids masked)
DO $$
DECLARE
    msg text;
    detail text;
BEGIN
    PERFORM fintech.void_pending((SELECT entry_id FROM fintech.ledger_keys WHERE key = 'la-t1'), 'la-t1');
EXCEPTION WHEN SQLSTATE 'LD005' THEN
    GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
    RAISE NOTICE 'LD005: % (%)', msg, regexp_replace(detail, '[0-9]+', 'N');
END $$;
SELECT pg_temp.new_entries() AS entries;
-- metadata is compared as jsonb: key order and spacing do not matter
SELECT fintech.transfer('la_bank', 'la_w1', 5, NULL, '{"a": 1, "b": 2}', idempotency_key => 'la-t2') AS t2 \gset
SELECT fintech.transfer('la_bank', 'la_w1', 5, NULL, '{"b":2,"a":1}', idempotency_key => 'la-t2') = :t2 AS same_entry;
-- no key (NULL): every call posts
SELECT fintech.transfer('la_bank', 'la_w1', 5, idempotency_key => NULL)
     <> fintech.transfer('la_bank', 'la_w1', 5, idempotency_key => NULL) AS two_entries;
-- pay's length rules: 1 to 255 characters
SELECT fintech.transfer('la_bank', 'la_w1', 5, idempotency_key => '');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.transfer('la_bank', 'la_w1', 5, idempotency_key => repeat('k', 256));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.transfer('la_bank', 'la_w1', 5, idempotency_key => repeat('é', 255)) > 0 AS key_of_255_characters;
-- a refusal raises and is not recorded: the key stays free
SELECT fintech.transfer('la_w2', 'la_w1', 50, idempotency_key => 'la-t3');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) AS recorded FROM fintech.ledger_keys WHERE key = 'la-t3';
SELECT fintech.transfer('la_bank', 'la_w2', 50) > 0 AS funded;
SELECT fintech.transfer('la_w2', 'la_w1', 50, idempotency_key => 'la-t3') > 0 AS posted_after_all;
SELECT fintech.balance('la_w2') AS w2;
-- bad input raises before the key is looked at (no LD005 for a bad retry)
SELECT fintech.transfer('la_bank', 'la_w1', 0, idempotency_key => 'la-t1');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- the key is claimed in the caller's transaction: rolled back, it is free
BEGIN;
SELECT fintech.transfer('la_bank', 'la_w1', 7, idempotency_key => 'la-t4') > 0 AS posted;
ROLLBACK;
SELECT count(*) AS recorded FROM fintech.ledger_keys WHERE key = 'la-t4';
-- keys of pay and of the ledger are separate
SELECT fintech.transfer('la_bank', 'la_w1', 7, idempotency_key => 'la-pay') > 0 AS posted;
SELECT status FROM fintech.pay('la-pay', 'la_w1', 'la_w2', 7);

-- ====================================================================
-- post
-- ====================================================================
SELECT fintech.post(ARRAY[fintech.debit('la_bank', 30), fintech.credit('la_w1', 20), fintech.credit('la_w2', 10)],
                    'split', idempotency_key => 'la-p1') AS p1 \gset
SELECT fintech.post(ARRAY[fintech.debit('la_bank', 30), fintech.credit('la_w1', 20), fintech.credit('la_w2', 10)],
                    'split', idempotency_key => 'la-p1') = :p1 AS same_entry;
SELECT fintech.post(ARRAY[fintech.debit('la_bank', 30), fintech.credit('la_w2', 10), fintech.credit('la_w1', 20)],
                    'split', idempotency_key => 'la-p1');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a transfer and the same legs through post are different requests
SELECT fintech.post(ARRAY[fintech.debit('la_bank', 1000), fintech.credit('la_w1', 1000)],
                    'top-up', '{"ref": 1}', idempotency_key => 'la-t1');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a pending entry (a card authorisation) with a key
SELECT fintech.post(ARRAY[fintech.debit('la_w1', 100), fintech.credit('la_w2', 100)], 'auth', NULL, '1 day',
                    'la-p2') AS hold1 \gset
SELECT fintech.post(ARRAY[fintech.debit('la_w1', 100), fintech.credit('la_w2', 100)], 'auth', NULL, '1 day',
                    'la-p2') = :hold1 AS same_hold;
SELECT count(*) AS holds FROM fintech.holds WHERE entry_id = :hold1;

-- ====================================================================
-- post_pending (a capture), void_pending (a release), reverse (a refund)
-- ====================================================================
SELECT fintech.post_pending(:hold1, 60, 'la-c1') AS cap1 \gset
SELECT fintech.post_pending(:hold1, 60, 'la-c1') = :cap1 AS same_capture;
SELECT status, resolved_amount FROM fintech.holds WHERE entry_id = :hold1;
-- without the key the retry is refused: the hold is posted already
\set VERBOSITY sqlstate
SELECT fintech.post_pending(:hold1, 60);
\set VERBOSITY terse
SELECT fintech.post_pending(:hold1, 61, 'la-c1');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.post_pending(:hold1, NULL, 'la-c1');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a refused capture is not recorded
\set VERBOSITY sqlstate
SELECT fintech.post_pending(:hold1, NULL, 'la-c2');
\set VERBOSITY terse
SELECT count(*) AS recorded FROM fintech.ledger_keys WHERE key = 'la-c2';
SELECT fintech.transfer('la_w1', 'la_w2', 40, pending_for => '1 day') AS hold2 \gset
SELECT fintech.void_pending(:hold2, 'la-v1') AS void1 \gset
SELECT fintech.void_pending(:hold2, 'la-v1') = :void1 AS same_void;
\set VERBOSITY sqlstate
SELECT fintech.void_pending(:hold2, 'la-v2');
\set VERBOSITY terse
SELECT fintech.void_pending(:hold1, 'la-v1');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.reverse(:cap1, 'refund', 'la-r1') AS rev1 \gset
SELECT fintech.reverse(:cap1, 'refund', 'la-r1') = :rev1 AS same_reversal;
SELECT fintech.reverse(:cap1, NULL, 'la-r1');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set VERBOSITY sqlstate
SELECT fintech.reverse(:cap1, 'refund', 'la-r2');
\set VERBOSITY terse
SELECT count(*) AS reversals FROM fintech.entries WHERE related_id = :cap1 AND type = 'reversal';

-- ====================================================================
-- transfer_batch: a key per item
-- ====================================================================
SELECT fintech.balance('la_w2') AS w2_before \gset
CREATE TEMP TABLE b1 AS
SELECT * FROM fintech.transfer_batch('{la_bank, la_bank, la_w2, la_bank}', '{la_w2, la_w2, la_w1, nope}',
                                     '{1, 2, 1000000, 3}', '{a, b, c, d}', '{la-b1, NULL, la-b3, la-b4}');
SELECT idx, entry_id IS NOT NULL AS posted, error FROM b1 ORDER BY idx;
-- resent: the keyed items return their entries, the refused ones are tried again
CREATE TEMP TABLE b2 AS
SELECT * FROM fintech.transfer_batch('{la_bank, la_bank, la_w2, la_bank}', '{la_w2, la_w2, la_w1, nope}',
                                     '{1, 2, 1000000, 3}', '{a, b, c, d}', '{la-b1, NULL, la-b3, la-b4}');
SELECT b2.idx, b2.entry_id IS NOT DISTINCT FROM b1.entry_id AS same_entry, b2.error
  FROM b2 JOIN b1 USING (idx) ORDER BY idx;
SELECT fintech.balance('la_w2') - :w2_before AS w2_moved;
SELECT key FROM fintech.ledger_keys WHERE key LIKE 'la-b%' ORDER BY key;
-- a batch item and a transfer with the same arguments are the same request
SELECT fintech.transfer('la_bank', 'la_w2', 1, 'a', idempotency_key => 'la-b1') = (SELECT entry_id FROM b1 WHERE idx = 1)
       AS same_entry;
SELECT error FROM fintech.transfer_batch('{la_bank}', '{la_w2}', '{9}', '{a}', '{la-b1}');
SELECT error FROM fintech.transfer_batch('{la_bank}', '{la_w1}', '{1}', '{a}', '{la-p1}');
-- argument errors refuse the whole batch (22023)
SELECT * FROM fintech.transfer_batch('{la_bank, la_bank}', '{la_w2, la_w2}', '{1, 1}', NULL, '{la-b5, la-b5}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.transfer_batch('{la_bank, la_bank}', '{la_w2, la_w2}', '{1, 1}', NULL, '{la-b5}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.transfer_batch('{la_bank}', '{la_w2}', '{1}', NULL, ARRAY['']);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.transfer_batch('{la_bank}', '{la_w2}', '{1}', NULL, ARRAY[repeat('k', 256)]);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- an invalid item is refused on its own and its key stays free
SELECT error FROM fintech.transfer_batch('{la_bank}', '{la_w2}', '{0}', NULL, '{la-b6}');
SELECT count(*) AS recorded FROM fintech.ledger_keys WHERE key = 'la-b6';

-- ====================================================================
-- sweep
-- ====================================================================
SELECT fintech.open_account('la_s1', 'EUR', min_balance => -50) > 0 AS opened;
SELECT fintech.open_account('la_s2', 'EUR', max_balance => 500) > 0 AS opened;
SELECT fintech.open_account('la_free', 'EUR', min_balance => NULL) > 0 AS opened;
SELECT fintech.transfer('la_bank', 'la_s1', 1000) > 0 AS funded;
-- a hold takes 100 out: available above min_balance (an overdraft of 50)
-- is 1000 - 100 + 50 = 950, capped by max_amount, then by la_s2's max_balance
SELECT fintech.transfer('la_s1', 'la_w1', 100, pending_for => '1 day') AS hold3 \gset
SELECT entry_id IS NOT NULL AS posted, amount FROM fintech.sweep('la_s1', 'la_w2', 200, 'sweep');
SELECT entry_id IS NOT NULL AS posted, amount FROM fintech.sweep('la_s1', 'la_s2', NULL, 'to the limit');
SELECT fintech.balance('la_s1') AS s1, fintech.available_balance('la_s1') AS s1_available, fintech.balance('la_s2') AS s2;
SELECT fintech.void_pending(:hold3) > 0 AS released;
SELECT entry_id IS NOT NULL AS posted, amount FROM fintech.sweep('la_s1', 'la_w2');
SELECT fintech.balance('la_s1') AS s1;
-- nothing available: (NULL, 0), no entry
SELECT count(*) AS entries_before FROM fintech.entries \gset
SELECT entry_id, amount FROM fintech.sweep('la_s1', 'la_w2');
SELECT count(*) - :entries_before AS new_entries FROM fintech.entries;
-- with a key: a retry returns the first sweep, even after more money came in
SELECT fintech.transfer('la_bank', 'la_s1', 300) > 0 AS funded;
SELECT entry_id AS sw1, amount FROM fintech.sweep('la_s1', 'la_w2', NULL, 'close', '{"batch": 7}', 'la-s1') \gset
SELECT :amount AS amount;
SELECT fintech.transfer('la_bank', 'la_s1', 40) > 0 AS funded;
SELECT entry_id = :sw1 AS same_entry, amount FROM fintech.sweep('la_s1', 'la_w2', NULL, 'close', '{"batch": 7}', 'la-s1');
SELECT * FROM fintech.sweep('la_s1', 'la_w2', 5, 'close', '{"batch": 7}', 'la-s1');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a sweep that moved nothing does not spend its key
SELECT fintech.open_account('la_s3', 'EUR') > 0 AS opened;
SELECT entry_id, amount FROM fintech.sweep('la_s3', 'la_w1', NULL, NULL, '{}', 'la-s2');
SELECT count(*) AS recorded FROM fintech.ledger_keys WHERE key = 'la-s2';
-- a debit account without a lower limit needs max_amount
SELECT * FROM fintech.sweep('la_free', 'la_w2');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.transfer('la_free', 'la_w2', 1) > 0 AS overdrawn;
SELECT entry_id IS NOT NULL AS posted, amount FROM fintech.sweep('la_free', 'la_w2', 25);
SELECT fintech.balance('la_free') AS free;
-- refusals, as a transfer's
SELECT * FROM fintech.sweep('la_s1', 'la_s1');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.sweep('la_s1', 'la_w2', 0);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.sweep('la_s1', 'nope');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.sweep('la_s1', 'la_usd');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.sweep(NULL, 'la_w2');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.freeze_account('la_s1');
SELECT * FROM fintech.sweep('la_s1', 'la_w2');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.unfreeze_account('la_s1');
SELECT * FROM fintech.sweep('la_s1', 'la_w2', NULL, NULL, '[]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- to the credit account's max_balance: la_s2 is full
SELECT fintech.transfer('la_bank', 'la_s1', 10) > 0 AS funded;
SELECT entry_id, amount FROM fintech.sweep('la_s1', 'la_s2');

-- ====================================================================
-- statement
-- ====================================================================
SELECT fintech.open_account('la_st', 'EUR') > 0 AS opened;
SELECT fintech.open_account('la_st_asset', 'EUR', 'asset', min_balance => NULL) > 0 AS opened;
SELECT fintech.transfer('la_st_asset', 'la_st', i, 'deposit ' || i, jsonb_build_object('i', i)) > 0 AS posted
  FROM generate_series(1, 5) i;
SELECT fintech.transfer('la_st', 'la_bank', 4, 'fee') > 0 AS posted;
-- in the account's own sign convention: a liability's deposits are positive
SELECT seq, amount, balance_after, description, metadata FROM fintech.statement('la_st');
SELECT seq, amount, balance_after, description FROM fintech.statement('la_st_asset');
-- keyset pagination: the next page starts after the last seq seen
SELECT seq, amount FROM fintech.statement('la_st', 0, 2);
SELECT seq, amount FROM fintech.statement('la_st', 2, 2);
SELECT seq, amount FROM fintech.statement('la_st', 4, 2);
SELECT seq, amount FROM fintech.statement('la_st', 6, 2);
-- every entry of the statement is the account's, in order, once
SELECT count(*) = 6 AND bool_and(s.entry_id = p.entry_id) AS matches_postings
  FROM fintech.statement('la_st', 0, 100) s
  JOIN fintech.postings p ON p.seq = s.seq
 WHERE p.account_id = (SELECT id FROM fintech.accounts WHERE code = 'la_st');
-- a time window [from_time, to_time)
SELECT posted_at AS t3 FROM fintech.statement('la_st', 2, 1) \gset
SELECT posted_at AS t5 FROM fintech.statement('la_st', 4, 1) \gset
SELECT seq FROM fintech.statement('la_st', from_time => :'t3', to_time => :'t5');
SELECT seq FROM fintech.statement('la_st', 3, 100, :'t3', :'t5');
SELECT seq FROM fintech.statement('la_st', from_time => :'t5');
SELECT seq FROM fintech.statement('la_st', to_time => :'t3');
SELECT count(*) AS none FROM fintech.statement('la_st', from_time => 'infinity');
SELECT count(*) AS none FROM fintech.statement('la_st', 6);
-- a new account has an empty statement
SELECT fintech.open_account('la_st_empty', 'EUR') > 0 AS opened;
SELECT count(*) AS none FROM fintech.statement('la_st_empty');
-- a longer history, over six buckets of the account index (32 postings
-- a bucket: postings_account_seq is on (account_id, seq >> 5)), some
-- postings sharing a stamp (a batch): every page, every time window and
-- balance_at at every stamp (and just before and after it) equal the
-- account's postings read directly
SELECT fintech.open_account('la_long', 'EUR') > 0 AS opened;
SELECT count(*) AS posted FROM fintech.transfer_batch(
  (SELECT array_agg('la_st_asset'::text) FROM generate_series(1, 40)),
  (SELECT array_agg('la_long'::text) FROM generate_series(1, 40)),
  (SELECT array_agg(i::bigint) FROM generate_series(1, 40) i)) WHERE error IS NULL;
SELECT count(fintech.transfer('la_st_asset', 'la_long', i)) AS posted FROM generate_series(1, 130) i;
CREATE TEMP TABLE la_long AS
SELECT p.seq, p.posted_at, p.balance_after FROM fintech.postings p
  JOIN fintech.accounts a ON a.id = p.account_id WHERE a.code = 'la_long';
SELECT count(*) AS pages,
       count(*) FILTER (WHERE (SELECT array_agg(s.seq) FROM fintech.statement('la_long', a, m) s)
         IS DISTINCT FROM (SELECT array_agg(seq ORDER BY seq) FROM la_long WHERE seq > a AND seq <= a + m)) AS wrong
  FROM generate_series(0, 171) a, (VALUES (1), (31), (32), (33), (100)) r(m);
WITH t AS (SELECT DISTINCT posted_at + d AS t FROM la_long,
             (VALUES (interval '-1 microsecond'), (interval '0'), (interval '1 microsecond')) v(d)
            WHERE seq % 10 = 1
           UNION VALUES ('-infinity'::timestamptz), ('infinity'))
SELECT bool_and((SELECT array_agg(s.seq) FROM fintech.statement('la_long', a, m, f.t, g.t) s)
         IS NOT DISTINCT FROM (SELECT array_agg(seq ORDER BY seq) FROM
           (SELECT seq FROM la_long WHERE seq > a AND posted_at >= f.t AND posted_at < g.t
             ORDER BY seq LIMIT m) w)) AS windows_agree
  FROM t f, t g, (VALUES (0), (20)) x(a), (VALUES (7), (100)) r(m) WHERE f.t <= g.t;
SELECT bool_and(fintech.balance_at('la_long', t) =
         COALESCE((SELECT balance_after FROM la_long WHERE posted_at <= t ORDER BY seq DESC LIMIT 1), 0))
         AS balance_at_agrees
  FROM (SELECT posted_at + d AS t FROM la_long,
          (VALUES (interval '-1 microsecond'), (interval '0'), (interval '1 microsecond')) v(d)
        UNION ALL VALUES ('-infinity'::timestamptz), ('infinity')) t;
-- refusals
SELECT * FROM fintech.statement('nope');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.statement('la_st', -1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.statement('la_st', 0, 0);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.statement('la_st', 0, 10001);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.statement('la_st', NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.statement('la_st', 0, 10, NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- the ledger is consistent after all of it
SELECT bool_and(ok) AS ledger_ok FROM fintech.check_ledger();
