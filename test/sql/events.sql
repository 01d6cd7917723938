-- events: every kind written by the transaction that made the change, the
-- consumer API (create_consumer, read_events, ack_events, drop_consumer),
-- redelivery until acknowledged, every error, the switch, pruning.
\set VERBOSITY default

-- an error as SQLSTATE and message, numbers masked (ids depend on earlier tests)
CREATE FUNCTION ev_try(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE sql;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, '[0-9]+', 'N', 'g');
END
$$;

-- the consumer's events, ids as offsets from the first one it reads
-- (entry, payment, party, alert and erasure ids left out of the payload)
CREATE FUNCTION ev_show(consumer text, max_events int DEFAULT 100)
RETURNS TABLE(n bigint, kind text, payload jsonb) LANGUAGE sql AS $$
  SELECT e.event_id - first_value(e.event_id) OVER (ORDER BY e.event_id), e.kind,
         e.payload - '{entry_id,payment_id,party_id,alert_id,entity_id,hold_entry_id,reversed_entry_id,resolved_entry_id,erasure_id,alert_ids,score,resolved_by}'::text[]
    FROM fintech.read_events(consumer, max_events) e ORDER BY e.event_id
$$;

-- acknowledge everything the consumer has: how many
CREATE FUNCTION ev_ack_all(consumer text) RETURNS bigint LANGUAGE sql AS $$
  SELECT fintech.ack_events(consumer, coalesce((SELECT max(event_id) FROM fintech.read_events(consumer, 10000)), 0))
$$;

SELECT fintech.open_account(code => 'ev_bank', currency => 'USD', kind => 'asset', min_balance => NULL) > 0 AS ok;
SELECT fintech.open_account(code => 'ev_alice', currency => 'USD') > 0 AS ok;
SELECT fintech.open_account(code => 'ev_shop', currency => 'USD') > 0 AS ok;

-- ====================================================================
-- create_consumer: it receives what commits after its creation
-- ====================================================================
SELECT fintech.transfer('ev_bank', 'ev_alice', 1000) > 0 AS before_the_consumer;
SELECT fintech.create_consumer('regress');
SELECT count(*) AS events_before_creation FROM fintech.read_events('regress');
-- a second one of the same name: 23505
SELECT fintech.create_consumer('regress');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- bad names: 22023
SELECT ev_try($$SELECT fintech.create_consumer(NULL)$$);
SELECT ev_try($$SELECT fintech.create_consumer('  ')$$);
SELECT ev_try($$SELECT fintech.create_consumer(repeat('c', 201))$$);

-- ====================================================================
-- ledger entries and holds
-- ====================================================================
SELECT fintech.transfer('ev_alice', 'ev_shop', 250) AS e1 \gset
SELECT * FROM ev_show('regress');
-- read again: the same event, until acknowledged
SELECT * FROM ev_show('regress');
SELECT ev_ack_all('regress') AS acknowledged;
SELECT ev_ack_all('regress') AS acknowledged_again;
SELECT count(*) AS left_after_ack FROM fintech.read_events('regress');

-- a rolled-back change has no event
BEGIN;
SELECT fintech.transfer('ev_alice', 'ev_shop', 7) > 0 AS moved;
ROLLBACK;
SELECT count(*) AS after_rollback FROM fintech.read_events('regress');

-- holds: created, posted (partly), voided; a reversal (hold.expired, written
-- by the expiry job, and pruning are in test/t/020_events_cdc.pl)
SELECT fintech.transfer('ev_alice', 'ev_shop', 100, pending_for => '1 hour') AS h1 \gset
SELECT fintech.post_pending(:h1, 60) > 0 AS posted;
SELECT fintech.transfer('ev_alice', 'ev_shop', 30, pending_for => '1 hour') AS h2 \gset
SELECT fintech.void_pending(:h2) > 0 AS voided;
SELECT fintech.reverse(:e1) > 0 AS reversed;
SELECT * FROM ev_show('regress');
-- the ids name what they resolve
SELECT e.kind, (e.payload ->> 'hold_entry_id')::bigint = :h1 AS names_h1,
       (e.payload ->> 'reversed_entry_id')::bigint = :e1 AS names_e1
  FROM fintech.read_events('regress') e
 WHERE e.kind IN ('hold.posted', 'entry.reversed') ORDER BY e.event_id;
-- transactions' events in order: max_events reads a prefix
SELECT n, kind FROM ev_show('regress', 2);
SELECT ev_ack_all('regress') AS acknowledged;

-- ====================================================================
-- payments, parties, alerts, erasure
-- ====================================================================
SELECT fintech.load_sanctions_ofac(
  E'1,"QUARVENDAL, Ostrik",individual,"T",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
  || E'2,"MERIDVANE, Tolvar",individual,"T",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n',
  list => 'REGRESS-EVENTS') AS listed;
SELECT fintech.create_party('Ostrik Quarvendal', country => 'DE') AS p_review \gset
SELECT fintech.create_party('Tolvar Meridvane') AS p_block \gset
SELECT fintech.create_party('Evelyn Plainname', external_ref => 'regress-ev-plain') AS p_plain \gset
SELECT fintech.open_account(code => 'ev_rev', currency => 'USD', party_id => :p_review) > 0 AS ok;
SELECT fintech.open_account(code => 'ev_blk', currency => 'USD', party_id => :p_block) > 0 AS ok;
SELECT fintech.transfer('ev_bank', 'ev_rev', 500) > 0 AS funded;
SELECT status FROM fintech.pay('ev-k1', 'ev_alice', 'ev_shop', 40);
SELECT status, reason FROM fintech.pay('ev-k2', 'ev_alice', 'ev_shop', 1000000);
SELECT status FROM fintech.pay('ev-k3', 'ev_rev', 'ev_shop', 70);
-- a replay writes nothing
SELECT replayed FROM fintech.pay('ev-k1', 'ev_alice', 'ev_shop', 40);
SELECT id AS a_review FROM fintech.screening_alerts WHERE party_id = :p_review \gset
SELECT id AS a_block FROM fintech.screening_alerts WHERE party_id = :p_block \gset
SELECT fintech.resolve_alert(:a_review, 'cleared', 'not the listed person');
SELECT fintech.resolve_alert(:a_block, 'confirmed', 'the listed person');
SELECT fintech.erase_party(:p_plain, 'customer request') >= 0 AS erased;
SELECT * FROM ev_show('regress');
-- the payment events name their payment, the party events their party
SELECT count(*) FILTER (WHERE e.kind LIKE 'payment.%'
                         AND (e.payload ->> 'payment_id')::bigint IN (SELECT id FROM fintech.payments
                                                                      WHERE idempotency_key LIKE 'ev-k%')) AS payments_named,
       count(*) FILTER (WHERE e.kind LIKE 'party.%'
                         AND (e.payload ->> 'party_id')::bigint IN (:p_review, :p_block, :p_plain)) AS parties_named
  FROM fintech.read_events('regress') e;
-- never a personal value: no name, no external reference
SELECT count(*) AS events_with_names FROM fintech.events
 WHERE payload::text ~ '(Quarvendal|Meridvane|Plainname|regress-ev-plain)';
SELECT ev_ack_all('regress') AS acknowledged;

-- ====================================================================
-- ack_events and read_events: errors
-- ====================================================================
SELECT ev_try($$SELECT fintech.read_events('nobody')$$);
SELECT ev_try($$SELECT fintech.ack_events('nobody', 1)$$);
SELECT ev_try($$SELECT fintech.drop_consumer('nobody')$$);
SELECT ev_try($$SELECT fintech.read_events(NULL)$$);
SELECT ev_try($$SELECT fintech.read_events('regress', 0)$$);
SELECT ev_try($$SELECT fintech.read_events('regress', 10001)$$);
SELECT ev_try($$SELECT fintech.read_events('regress', NULL)$$);
SELECT ev_try($$SELECT fintech.ack_events('regress', NULL)$$);
SELECT ev_try($$SELECT fintech.ack_events('regress', -1)$$);
-- beyond the last event in order: nothing read can be that far
SELECT ev_try(format('SELECT fintech.ack_events(%L, %s)', 'regress',
                     (SELECT last_event_id + 1 FROM fintech.event_order)));
-- an old position: nothing newly acknowledged
SELECT fintech.ack_events('regress', 0) AS acked_old;
\set VERBOSITY default
SELECT fintech.read_events('nobody');
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- ====================================================================
-- the switch (superuser only): off writes no event
-- ====================================================================
SET fintech.events = off;
SELECT fintech.transfer('ev_alice', 'ev_shop', 1) > 0 AS moved_silently;
RESET fintech.events;
SELECT fintech.transfer('ev_alice', 'ev_shop', 2) > 0 AS moved;
SELECT n, kind, payload -> 'legs' -> 0 ->> 'amount' AS amount FROM ev_show('regress');
SELECT ev_ack_all('regress') AS acknowledged;
-- the WAL message is written only where a decoder can read it: with
-- wal_level = logical (test/t/020_events_cdc.pl decodes them); below it,
-- none (the row alone).  pg_walinspect lists the records of one transfer.
CREATE EXTENSION IF NOT EXISTS pg_walinspect;
SELECT pg_current_wal_insert_lsn() AS ev_lsn0 \gset
SELECT fintech.transfer('ev_alice', 'ev_shop', 3) > 0 AS moved;
SELECT count(*) FILTER (WHERE resource_manager = 'LogicalMessage') AS ev_messages,
       count(*) FILTER (WHERE resource_manager = 'Heap') AS ev_heap
  FROM pg_get_wal_records_info(:'ev_lsn0', pg_current_wal_flush_lsn()) \gset
SELECT (:ev_messages = 1) = (current_setting('wal_level') = 'logical') AS message_iff_logical,
       :ev_messages <= 1 AS at_most_one, :ev_heap > 0 AS saw_its_rows;
DROP EXTENSION pg_walinspect;
SELECT ev_ack_all('regress') AS acknowledged;
CREATE ROLE regress_ev_user;
SET ROLE regress_ev_user;
SET fintech.events = off;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP ROLE regress_ev_user;

-- ====================================================================
-- rights: the operator duty consumes; an application role's changes write
-- events (through the API) but it cannot read them
-- ====================================================================
CREATE ROLE regress_ev_operator;
CREATE ROLE regress_ev_app;
SELECT fintech.grant_operator('regress_ev_operator'), fintech.grant_application('regress_ev_app');
SET ROLE regress_ev_operator;
SELECT fintech.create_consumer('regress_op');
SELECT count(*) AS op_reads FROM fintech.read_events('regress_op');
RESET ROLE;
SET ROLE regress_ev_app;
SELECT fintech.transfer('ev_alice', 'ev_shop', 5) > 0 AS app_moved;
SELECT fintech.read_events('regress');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) FROM fintech.events;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.create_consumer('regress_app');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
SET ROLE regress_ev_operator;
SELECT kind, payload -> 'legs' -> 0 ->> 'amount' AS amount FROM fintech.read_events('regress_op');
SELECT count(*) > 0 AS operator_reads_the_table FROM fintech.events;
SELECT fintech.drop_consumer('regress_op');
RESET ROLE;
SELECT ev_ack_all('regress') AS acknowledged;
SELECT fintech.revoke_all('regress_ev_operator'), fintech.revoke_all('regress_ev_app');
DROP ROLE regress_ev_operator;
DROP ROLE regress_ev_app;

-- ====================================================================
-- two consumers, drop_consumer
-- ====================================================================
SELECT fintech.create_consumer('regress_late');
SELECT fintech.transfer('ev_alice', 'ev_shop', 3) > 0 AS moved;
SELECT fintech.transfer('ev_alice', 'ev_shop', 4) > 0 AS moved;
SELECT count(*) AS regress_has, (SELECT count(*) FROM fintech.read_events('regress_late')) AS late_has
  FROM fintech.read_events('regress');
SELECT ev_ack_all('regress') AS acknowledged;
SELECT fintech.drop_consumer('regress_late');
SELECT ev_try($$SELECT fintech.read_events('regress_late')$$);
SELECT fintech.drop_consumer('regress');
SELECT count(*) AS consumers FROM fintech.event_consumers WHERE name LIKE 'regress%';

-- ====================================================================
-- the row's payload is the JSON text jsonb prints for it (the WAL
-- message's content, byte for byte): values JSON escapes included
-- ====================================================================
SELECT fintech.create_consumer('regress_text');
SELECT status FROM fintech.pay(E'ev-k5 "quoted" back\\slash tab\t end', 'ev_alice', 'ev_shop', 6);
-- (read once first: the numbering, by this call, is seen by the next statement)
SELECT count(*) AS read FROM fintech.read_events('regress_text');
SELECT r.kind, r.payload ->> 'idempotency_key' = E'ev-k5 "quoted" back\\slash tab\t end' AS key_kept,
       e.payload::text = r.payload::text AS row_is_jsonb_text, pg_typeof(e.payload) AS stored_as
  FROM fintech.read_events('regress_text') r JOIN fintech.events e USING (event_id)
 ORDER BY r.event_id;
SELECT e.payload::text ~ '"ev-k5 \\"quoted\\" back\\\\slash tab\\t end"' AS escaped
  FROM fintech.events e WHERE e.kind = 'payment.completed' ORDER BY e.write_seq DESC LIMIT 1;
SELECT ev_ack_all('regress_text') AS acknowledged;

-- ====================================================================
-- an owner who changes fintech.events' shape gets a refusal naming it
-- (55000), not an internal error; nothing is written
-- ====================================================================
BEGIN;
ALTER TABLE fintech.events ALTER COLUMN payload TYPE jsonb USING payload::jsonb;
SELECT ev_try($$SELECT fintech.transfer('ev_alice', 'ev_shop', 1)$$);
ROLLBACK;
BEGIN;
ALTER TABLE fintech.events ADD COLUMN regress_extra int;
SELECT ev_try($$SELECT fintech.transfer('ev_alice', 'ev_shop', 1)$$);
ROLLBACK;
SELECT fintech.drop_consumer('regress_text');

-- ====================================================================
-- no consumer, no rows: with no consumer a change writes no row of
-- fintech.events (a consumer receives only what commits after its
-- creation, so nobody could read it); one created later gets the rows
-- of what commits after it
-- ====================================================================
SELECT count(*) AS consumers FROM fintech.event_consumers;
CREATE TEMP TABLE ev_rows AS SELECT count(*) AS n FROM fintech.events;
SELECT fintech.transfer('ev_alice', 'ev_shop', 1) IS NOT NULL AS transferred;
SELECT (SELECT count(*) FROM fintech.events) - n AS rows_without_consumer FROM ev_rows;
SELECT fintech.create_consumer('regress_again');
SELECT fintech.transfer('ev_alice', 'ev_shop', 2) IS NOT NULL AS transferred;
SELECT (SELECT count(*) FROM fintech.events) - n AS rows_with_consumer FROM ev_rows;
SELECT kind, payload -> 'legs' -> 0 ->> 'amount' AS amount FROM fintech.read_events('regress_again');
SELECT fintech.drop_consumer('regress_again');
