-- test/demo.sql — what fintech shows today (run by test/demo.sh in a
-- throwaway preloaded cluster; each feature adds its part here).
\pset pager off
\pset null '(null)'
\set ON_ERROR_STOP on

\echo
\echo '== 1. CREATE EXTENSION fintech CASCADE (pgcrypto comes along)'
CREATE EXTENSION fintech CASCADE;
SELECT e.extname, e.extversion, n.nspname AS schema, e.extrelocatable AS relocatable
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname IN ('fintech', 'pgcrypto') ORDER BY 1;
SELECT fintech.version() AS library_version;
-- a consumer of this demo's events, read at the end (section "Events")
SELECT fintech.create_consumer('demo_feed');

\echo
\echo '== 2. The background worker: one launcher, connected to fintech.database'
-- it polls for the extension once a second; give it up to 30 s
DO $$
BEGIN
  FOR i IN 1..300 LOOP
    PERFORM FROM fintech.worker_status
      WHERE job = 'heartbeat' AND runs > 0;
    EXIT WHEN FOUND;
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;
SELECT job, state, pid, database, "interval", runs, errors, last_error
  FROM fintech.worker_status;
SELECT pid, backend_type, datname, wait_event_type, wait_event
  FROM pg_stat_activity WHERE backend_type = 'fintech launcher';

\echo
\echo '== 3. Run a job now and wait for it (fintech.run_job)'
SELECT fintech.run_job('heartbeat') AS rows_handled;
SELECT job, state, runs, rows_handled, last_duration < interval '1 s' AS quick
  FROM fintech.worker_status WHERE job = 'heartbeat';

\echo
\echo '== 4. The ledger: accounts (a wallet is a liability of the platform, the bank an asset)'
SELECT fintech.open_account(code => 'bank', currency => 'USD', kind => 'asset', min_balance => NULL) AS bank,
       fintech.open_account(code => 'alice', currency => 'USD') AS alice,
       fintech.open_account(code => 'bob', currency => 'USD') AS bob,
       fintech.open_account(code => 'fees', currency => 'USD', kind => 'income') AS fees;

\echo
\echo '-- alice tops up 100.00, pays bob 25.00 with a 0.30 fee in one balanced 3-leg entry'
SELECT fintech.transfer(debit_account => 'bank', credit_account => 'alice', amount => 10000,
                        description => 'top-up') AS top_up;
SELECT fintech.post(legs => ARRAY[fintech.debit('alice', 2530), fintech.credit('bob', 2500),
                                  fintech.credit('fees', 30)],
                    description => 'dinner, with fee') AS payment;
SELECT e.id AS entry, e.description, a.code AS account, p.amount AS "amount (debit>0)",
       p.balance_after
  FROM fintech.entries e JOIN fintech.postings p ON p.entry_id = e.id
  JOIN fintech.accounts a ON a.id = p.account_id ORDER BY e.id, p.leg;

\echo
\echo '-- limits hold: alice cannot spend more than she has (LD002)'
\set ON_ERROR_STOP off
SELECT fintech.transfer(debit_account => 'alice', credit_account => 'bob', amount => 100000);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set ON_ERROR_STOP on

\echo
\echo '-- a card hold of 50.00 reserves funds at once; 42.00 is captured, the rest released'
SELECT fintech.transfer(debit_account => 'alice', credit_account => 'bob', amount => 5000,
                        pending_for => '7 days', description => 'card authorisation') AS hold \gset
SELECT fintech.balance('alice') AS posted, fintech.available_balance('alice') AS available;
SELECT fintech.post_pending(entry_id => :hold, amount => 4200) AS capture \gset
\echo capture entry :capture
SELECT fintech.balance('alice') AS posted, fintech.available_balance('alice') AS available;

\echo
\echo '-- refunding the capture is a reversal entry, never an edit; history cannot be changed (LD007)'
SELECT fintech.reverse(entry_id => :capture, description => 'refund') AS refund;
\set ON_ERROR_STOP off
UPDATE fintech.postings SET amount = 1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set ON_ERROR_STOP on

\echo
\echo '-- a batch: each item posted or refused on its own'
SELECT * FROM fintech.transfer_batch(debit_accounts  => ARRAY['alice', 'alice', 'bob'],
                                     credit_accounts => ARRAY['bob', 'nobody', 'alice'],
                                     amounts         => ARRAY[100, 100, 100000]);

SELECT code, kind, fintech.balance(code) AS balance, fintech.available_balance(code) AS available
  FROM fintech.accounts ORDER BY id;
SELECT * FROM fintech.check_ledger();

\echo
\echo '== 5. An idempotent payment: the client retries, nothing moves twice'
SELECT * FROM fintech.pay(idempotency_key => 'order-17', payer => 'alice', payee => 'bob',
                          amount => 1200, reference => 'order 17');
\echo '-- the retry (same key, same request) replays the first result'
SELECT * FROM fintech.pay(idempotency_key => 'order-17', payer => 'alice', payee => 'bob',
                          amount => 1200, reference => 'order 17');
SELECT idempotency_key, count(*) AS payments, fintech.balance('alice') AS alice, fintech.balance('bob') AS bob
  FROM fintech.payments GROUP BY 1;
\echo '-- the same key for another amount is refused (LD005)'
\set ON_ERROR_STOP off
SELECT * FROM fintech.pay(idempotency_key => 'order-17', payer => 'alice', payee => 'bob', amount => 9999,
                          reference => 'order 17');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set ON_ERROR_STOP on
\echo '-- a payment the balance cannot cover is recorded as rejected, and replayed as such'
SELECT * FROM fintech.pay('order-18', 'alice', 'bob', 1000000);
SELECT * FROM fintech.pay('order-18', 'alice', 'bob', 1000000);

\echo
\echo '== 6. Sanctions screening: the OFAC SDN list (a slice of it, test/data/ofac), fuzzy matching'
\set sdn `cat test/data/ofac/sdn.csv`
\set alt `cat test/data/ofac/alt.csv`
\set add `cat test/data/ofac/add.csv`
SELECT fintech.load_sanctions_ofac(:'sdn', :'alt', :'add') AS entities_loaded;
SELECT list, version, entities, names FROM fintech.sanctions_lists;
\echo '-- reordered, accented, a typo, a title, a company suffix written out: still found'
SELECT q AS screened, matched_name, round(score::numeric, 3) AS score, programs
  FROM unnest(ARRAY['Nicolás Maduro Moros', 'MADURO, Nicolas', 'Dr Ayman al-Zawahri',
                    'Banco Nacional de Cuba, Sociedad Anonima', 'Osama bin Laden']) q,
       LATERAL fintech.screen_name(q, max_results => 1);
\echo '-- a lone surname or an ordinary customer is not a match'
SELECT q AS screened, count(s.*) AS matches
  FROM unnest(ARRAY['Maduro', 'Alice Johnson', 'Blue Harbor Logistics LLC']) q
  LEFT JOIN LATERAL fintech.screen_name(q) s ON true GROUP BY q;

\echo
\echo '-- two roles, each with its own duty: nothing in fintech is granted to PUBLIC, the helpers grant'
CREATE ROLE demo_app;
CREATE ROLE demo_compliance;
SELECT fintech.grant_application('demo_app'), fintech.grant_compliance('demo_compliance');
\echo '-- and no role may hold both (42501)'
\set ON_ERROR_STOP off
SELECT fintech.grant_compliance('demo_app');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set ON_ERROR_STOP on
SET ROLE demo_app;

\echo
\echo '-- the application: a new customer hits the list: the party is under review, with an alert'
SELECT fintech.create_party('Nicolas Maduro Moros', country => 'VE', external_ref => 'cust-77') AS party \gset
SELECT id, name, status FROM fintech.parties WHERE id = :party;
SELECT id AS alert FROM fintech.screening_alerts WHERE party_id = :party \gset
SELECT matched_name, round(score::numeric, 3) AS score, status
  FROM fintech.screening_alerts WHERE party_id = :party;
SELECT fintech.open_account(code => 'nm_wallet', currency => 'USD', party_id => :party) > 0 AS opened;
\echo '-- alice pays that customer: the payment is held, the amount reserved'
SELECT payment_id, status, reason, replayed
  FROM fintech.pay(idempotency_key => 'order-9', payer => 'alice', payee => 'nm_wallet', amount => 1500);
SELECT fintech.balance('alice') AS alice_balance, fintech.available_balance('alice') AS alice_available;
\echo '-- the application cannot clear its own customer (42501) ...'
\set ON_ERROR_STOP off
SELECT fintech.resolve_alert(:alert, 'cleared', 'a good customer');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set ON_ERROR_STOP on
\echo '-- ... the compliance officer confirms the match: the party is blocked, the payment voided and rejected (LD006)'
SET ROLE demo_compliance;
SELECT fintech.resolve_alert(:alert, 'confirmed', 'date of birth and passport match the listing');
SET ROLE demo_app;
SELECT id, name, status FROM fintech.parties WHERE id = :party;
SELECT status, reason, message FROM fintech.payments WHERE idempotency_key = 'order-9';
SELECT fintech.balance('alice') AS alice_balance, fintech.available_balance('alice') AS alice_available;
\echo '-- and any later payment to a blocked party is refused at once, nothing moved'
SELECT status, reason FROM fintech.pay(idempotency_key => 'order-10', payer => 'alice', payee => 'nm_wallet', amount => 100);
\echo '-- its account is blocked in the ledger itself: no transfer moves money in or out (LD006)'
\set ON_ERROR_STOP off
SELECT fintech.transfer(debit_account => 'alice', credit_account => 'nm_wallet', amount => 100);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set ON_ERROR_STOP on

\echo
\echo '-- another customer with a similar name is cleared: the held payment goes through'
SELECT fintech.create_party('Nicolas Maduro', external_ref => 'cust-78') AS party2 \gset
SELECT fintech.open_account(code => 'nm2_wallet', currency => 'USD', party_id => :party2) > 0 AS opened;
SELECT status FROM fintech.pay(idempotency_key => 'order-11', payer => 'alice', payee => 'nm2_wallet', amount => 700);
SET ROLE demo_compliance;
SELECT fintech.resolve_alert(id, 'cleared', 'different person: born 1988 in Lyon')
  FROM fintech.screening_alerts WHERE party_id = :party2;
SET ROLE demo_app;
SELECT p.status AS party, y.status AS payment, fintech.balance('nm2_wallet') AS nm2_balance
  FROM fintech.parties p, fintech.payments y WHERE p.id = :party2 AND y.idempotency_key = 'order-11';

RESET ROLE;

\echo
\echo '== 7. The audit log: every change above was logged by a C trigger, in the same transaction'
SELECT table_name, operation, count(*) AS rows FROM fintech.audit_log GROUP BY 1, 2 ORDER BY 1, 2;
\echo '-- (a ledger entry is one row naming it: its legs are in the ledger''s append-only tables)'
\echo '-- the background sealer numbers them and makes them the leaves of an RFC 9162 Merkle tree'
DO $$
BEGIN
  FOR i IN 1..100 LOOP
    PERFORM FROM fintech.audit_log WHERE seq IS NULL;
    EXIT WHEN NOT FOUND;
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;
SELECT count(*) AS audit_rows, count(seq) AS sealed FROM fintech.audit_log;
SELECT * FROM fintech.verify_audit();

\echo
\echo '-- publish the root somewhere the database administrators cannot write (here: a psql variable)'
SELECT tree_size AS published_size, encode(root_hash, 'hex') AS published_root FROM fintech.audit_root() \gset
\echo published: size :published_size, root :published_root

\echo
\echo '-- an outside auditor checks proofs with RFC 9162''s algorithms, here 40 lines of PL/pgSQL and pgcrypto, no fintech code'
CREATE FUNCTION pg_temp.node(l bytea, r bytea) RETURNS bytea LANGUAGE sql
  AS $$ SELECT public.digest('\x01'::bytea || l || r, 'sha256') $$;
-- RFC 9162 2.1.3.2: verifying an inclusion proof
CREATE FUNCTION pg_temp.verify_inclusion(idx bigint, size bigint, leaf bytea, path bytea[], root bytea)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE fn bigint := idx; sn bigint := size - 1; r bytea := leaf; p bytea;
BEGIN
  IF idx >= size THEN RETURN false; END IF;
  FOREACH p IN ARRAY coalesce(path, '{}') LOOP
    IF sn = 0 THEN RETURN false; END IF;
    IF fn % 2 = 1 OR fn = sn THEN
      r := pg_temp.node(p, r);
      WHILE fn % 2 = 0 AND fn <> 0 LOOP fn := fn >> 1; sn := sn >> 1; END LOOP;
    ELSE
      r := pg_temp.node(r, p);
    END IF;
    fn := fn >> 1; sn := sn >> 1;
  END LOOP;
  RETURN sn = 0 AND r = root;
END $$;
-- RFC 9162 2.1.4.2: verifying a consistency proof
CREATE FUNCTION pg_temp.verify_consistency(size1 bigint, size2 bigint, root1 bytea, root2 bytea, path bytea[])
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE fn bigint := size1 - 1; sn bigint := size2 - 1; fr bytea; sr bytea; c bytea; i int := 1;
BEGIN
  IF size1 = size2 THEN RETURN coalesce(cardinality(path), 0) = 0 AND root1 = root2; END IF;
  IF size1 < 1 OR size1 > size2 OR coalesce(cardinality(path), 0) = 0 THEN RETURN false; END IF;
  IF size1 & (size1 - 1) = 0 THEN path := root1 || path; END IF;   -- a power of two: root1 first
  WHILE fn % 2 = 1 LOOP fn := fn >> 1; sn := sn >> 1; END LOOP;
  fr := path[1]; sr := path[1];
  FOR i IN 2 .. cardinality(path) LOOP
    c := path[i];
    IF sn = 0 THEN RETURN false; END IF;
    IF fn % 2 = 1 OR fn = sn THEN
      fr := pg_temp.node(c, fr); sr := pg_temp.node(c, sr);
      WHILE fn % 2 = 0 AND fn <> 0 LOOP fn := fn >> 1; sn := sn >> 1; END LOOP;
    ELSE
      sr := pg_temp.node(sr, c);
    END IF;
    fn := fn >> 1; sn := sn >> 1;
  END LOOP;
  RETURN fr = root1 AND sr = root2 AND sn = 0;
END $$;

\echo '-- prove that one row, the confirmed alert''s resolution, is in the published log'
SELECT seq AS proved_seq FROM fintech.audit_log
 WHERE table_name = 'fintech.screening_alerts' AND operation = 'UPDATE' ORDER BY seq LIMIT 1 \gset
SELECT p.seq, p.tree_size, cardinality(p.path) AS path_hashes,
       pg_temp.verify_inclusion(p.seq - 1, p.tree_size, p.leaf_hash, p.path,
                                decode(:'published_root', 'hex')) AS proof_leads_to_published_root
  FROM fintech.audit_inclusion_proof(seq => :proved_seq, tree_size => :published_size) p;

\echo
\echo '-- more work; then prove to the auditor that today''s log only grew from the published one'
SELECT status FROM fintech.pay(idempotency_key => 'order-12', payer => 'alice', payee => 'bob', amount => 150);
SELECT fintech.seal_audit() > 0 AS sealed_more;
SELECT c.old_size, c.new_size, cardinality(c.path) AS path_hashes,
       pg_temp.verify_consistency(c.old_size, c.new_size, decode(:'published_root', 'hex'),
                                  (SELECT root_hash FROM fintech.audit_root(c.new_size)), c.path) AS log_only_grew
  FROM fintech.audit_consistency_proof(old_size => :published_size) c;

\echo
\echo '-- a superuser edits history behind the triggers back: verify_audit names the row, its proof fails'
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE fintech.audit_log SET calling_role = 'someone_else' WHERE seq = :proved_seq;
SELECT ok, first_bad_seq, detail FROM fintech.verify_audit();
SELECT pg_temp.verify_inclusion(p.seq - 1, p.tree_size, p.leaf_hash, p.path,
                                decode(:'published_root', 'hex')) AS proof_leads_to_published_root
  FROM fintech.audit_inclusion_proof(seq => :proved_seq, tree_size => :published_size) p;
ROLLBACK;
SELECT ok AS verifies_again FROM fintech.verify_audit();

\echo
\echo '-- the cleared customer asks to be forgotten (GDPR art. 17): personal values leave the database,'
\echo '-- the log keeps its salted commitments, so every root and proof issued before still verifies'
SELECT fintech.erase_party(party_id => :party2, reason => 'customer request 2026-12-05') AS log_rows_redacted;
SELECT id, name, status FROM fintech.parties WHERE id = :party2;
SELECT (SELECT count(*) FROM fintech.audit_log
          WHERE old_row::text LIKE '%cust-78%' OR new_row::text LIKE '%cust-78%') AS in_log_rows,
       (SELECT count(*) FROM fintech.audit_personal WHERE value::text LIKE '%cust-78%') AS in_audit_personal;
SELECT fintech.seal_audit() > 0 AS erasure_logged_and_sealed;
SELECT p.seq, pg_temp.verify_inclusion(p.seq - 1, p.tree_size, p.leaf_hash, p.path,
                                       decode(:'published_root', 'hex')) AS proof_leads_to_published_root
  FROM fintech.audit_inclusion_proof(seq => :proved_seq, tree_size => :published_size) p;
SELECT ok, detail FROM fintech.verify_audit();
\echo '-- the blocked customer cannot be erased: sanctions records are kept (LD011)'
\set ON_ERROR_STOP off
SELECT fintech.erase_party(party_id => :party, reason => 'customer request');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set ON_ERROR_STOP on

\echo
\echo '== Events: a consumer reads what this demo changed, in commit order (docs/integrating.md)'
SELECT kind, count(*) AS events, min(event_id) AS first_event
  FROM fintech.read_events('demo_feed', 10000) GROUP BY kind ORDER BY min(event_id);
\echo '-- the payments, as a webhook service sees them (ids, accounts, amounts; nothing personal)'
SELECT event_id, kind, payload ->> 'idempotency_key' AS key, payload ->> 'payer' AS payer,
       payload ->> 'payee' AS payee, payload ->> 'amount' AS amount, payload ->> 'currency' AS currency,
       payload ->> 'reason' AS reason
  FROM fintech.read_events('demo_feed', 10000) WHERE kind LIKE 'payment.%' ORDER BY event_id;
\echo '-- until acknowledged, the same events come again; then they are done'
SELECT fintech.ack_events('demo_feed', (SELECT max(event_id) FROM fintech.read_events('demo_feed', 10000)))
       AS acknowledged;
SELECT count(*) AS left_to_read FROM fintech.read_events('demo_feed');
SELECT fintech.drop_consumer('demo_feed');
\echo '== Ledger additions (0.6.0): every write safe to retry, sweeps, statements'
\echo '-- a card authorisation of 30.00; the capture of 25.00 is posted, but its reply is lost on the way back ...'
SELECT fintech.transfer(debit_account => 'alice', credit_account => 'bob', amount => 3000, pending_for => '7 days',
                        description => 'card authorisation 2', idempotency_key => 'auth-9001') AS hold2 \gset
SELECT fintech.post_pending(entry_id => :hold2, amount => 2500, idempotency_key => 'capture-9001') AS capture2 \gset
\echo '-- ... so the client sends the capture again, with the same key: the same entry, nothing posted twice'
SELECT fintech.post_pending(entry_id => :hold2, amount => 2500, idempotency_key => 'capture-9001') = :capture2
       AS same_capture;
SELECT count(*) AS captures_of_the_hold FROM fintech.entries WHERE related_id = :hold2 AND type = 'post_pending';
SELECT fintech.balance('alice') AS posted, fintech.available_balance('alice') AS available;
\echo '-- without a key the retry would be refused: the hold is posted already (LD008)'
\set ON_ERROR_STOP off
SELECT fintech.post_pending(entry_id => :hold2, amount => 2500);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\echo '-- the same key for another amount is refused (LD005)'
SELECT fintech.post_pending(entry_id => :hold2, amount => 2600, idempotency_key => 'capture-9001');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set ON_ERROR_STOP on
\echo '-- bob settles: sweep all he has to the bank, in one transfer decided under the row locks'
SELECT entry_id IS NOT NULL AS posted, amount
  FROM fintech.sweep(debit_account => 'bob', credit_account => 'bank', description => 'settlement',
                     idempotency_key => 'settle-bob-1');
SELECT entry_id, amount FROM fintech.sweep(debit_account => 'bob', credit_account => 'bank') AS nothing_left;
SELECT fintech.balance('bob') AS bob;
\echo '-- alice''s statement, three postings a page (keyset pagination: the next page starts after the last seq)'
SELECT seq, amount, balance_after, description FROM fintech.statement('alice', max_rows => 3);
SELECT seq, amount, balance_after, description FROM fintech.statement('alice', after_seq => 3, max_rows => 3);
