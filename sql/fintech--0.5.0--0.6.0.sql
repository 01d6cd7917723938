/*
 * fintech 0.5.0 -> 0.6.0: screening v2 (every list, every script,
 * fail-closed, one shared index), events and metrics, ledger additions
 * (safe retries, sweeps, statements), spending and velocity limits, the
 * card vault.  Released: never edited again once 0.6.0 ships.
 *
 * Each part has a section of its own below; the privileges part stays
 * last (it revokes from PUBLIC what the parts above defined and gives
 * existing duty holders the new rights).
 */
\echo Use "ALTER EXTENSION fintech UPDATE TO '0.6.0'" to load this file. \quit

SET LOCAL search_path = pg_catalog, pg_temp;

/* ------------------------------------------------------------------------
 * Screening v2
 * ------------------------------------------------------------------------ */

-- (added without a default, then filled: a fresh install has no "missing
-- value" for the column either, and pg_dump --binary-upgrade shows none)
ALTER TABLE fintech.sanctions_entities ADD COLUMN birth_dates pg_catalog.text[];
UPDATE fintech.sanctions_entities SET birth_dates = '{}';
ALTER TABLE fintech.sanctions_entities ALTER COLUMN birth_dates SET DEFAULT '{}',
                                       ALTER COLUMN birth_dates SET NOT NULL;
ALTER TABLE fintech.parties ADD COLUMN birth_date pg_catalog.date;
-- the rescreening reads its batches in (screened_generation, id) order:
-- with the generation alone, each batch of 500 read and sorted every due
-- party (a whole-table sort per batch, quadratic in the parties)
DROP INDEX fintech.parties_screened;
CREATE INDEX parties_screened ON fintech.parties (screened_generation, id);

DROP FUNCTION fintech.create_party(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text);
CREATE FUNCTION fintech.create_party(name pg_catalog.text, country pg_catalog.text DEFAULT NULL,
                                     kind pg_catalog.text DEFAULT 'individual',
                                     external_ref pg_catalog.text DEFAULT NULL,
                                     birth_date pg_catalog.date DEFAULT NULL)
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_create_party';

CREATE FUNCTION fintech.load_sanctions_un(xml pg_catalog.text, list pg_catalog.text DEFAULT 'UN-SC')
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_load_sanctions_un';
COMMENT ON FUNCTION fintech.load_sanctions_un(pg_catalog.text, pg_catalog.text) IS
  'Replace a sanctions list with the UN Security Council Consolidated List XML; returns the entities listed';

CREATE FUNCTION fintech.load_sanctions_ftm(jsonl pg_catalog.text, list pg_catalog.text)
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_load_sanctions_ftm';
COMMENT ON FUNCTION fintech.load_sanctions_ftm(pg_catalog.text, pg_catalog.text) IS
  'Replace a sanctions list with FollowTheMoney entities as JSON lines (OpenSanctions); returns the entities listed';

CREATE OR REPLACE VIEW fintech.screening_status AS
  SELECT l.list, l.version, l.entities, l.names, l.loaded_at, l.loaded_by,
         (SELECT pg_catalog.count(*) FROM fintech.parties p
           WHERE p.screened_generation OPERATOR(pg_catalog.<) l.generation) AS parties_due,
         pg_catalog.now() OPERATOR(pg_catalog.-) l.loaded_at AS age,
         pg_catalog.now() OPERATOR(pg_catalog.-) l.loaded_at OPERATOR(pg_catalog.>)
           COALESCE(NULLIF(pg_catalog.current_setting('fintech.sanctions_max_age', true), ''),
                    '8 days')::pg_catalog.interval AS stale
    FROM fintech.sanctions_lists l;
COMMENT ON VIEW fintech.screening_status IS
  'Each sanctions list: its last load, the parties not yet rescreened against it, its age and whether it is stale (older than fintech.sanctions_max_age)';

INSERT INTO fintech.duty_privileges (duty, kind, name) VALUES
  ('compliance', 'function', 'load_sanctions_un'),
  ('compliance', 'function', 'load_sanctions_ftm');
-- screening v2, the matching engine: birth dates of listed entities (the
-- lists' loaders fill them), explanations kept on alerts, screen_name's
-- attributes, explain_match, the shared index's status
ALTER TABLE fintech.screening_alerts ADD COLUMN explanation pg_catalog.jsonb;

DROP FUNCTION fintech.screen_name(pg_catalog.text, pg_catalog.float4, pg_catalog.int4);
CREATE FUNCTION fintech.screen_name(name pg_catalog.text, min_score pg_catalog.float4 DEFAULT 0.85,
                                    max_results pg_catalog.int4 DEFAULT 10,
                                    country pg_catalog.text DEFAULT NULL,
                                    birth_date pg_catalog.date DEFAULT NULL,
                                    kind pg_catalog.text DEFAULT NULL)
RETURNS TABLE(entity_id pg_catalog.int8, list pg_catalog.text, source_uid pg_catalog.text,
              matched_name pg_catalog.text, score pg_catalog.float4, programs pg_catalog.text[])
LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_screen_name';

CREATE FUNCTION fintech.explain_match(name pg_catalog.text, entity_id pg_catalog.int8,
                                      country pg_catalog.text DEFAULT NULL,
                                      birth_date pg_catalog.date DEFAULT NULL,
                                      kind pg_catalog.text DEFAULT NULL)
RETURNS pg_catalog.jsonb
LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_explain_match';
COMMENT ON FUNCTION fintech.explain_match(pg_catalog.text, pg_catalog.int8, pg_catalog.text,
                                          pg_catalog.date, pg_catalog.text) IS
  'Why a name matches a listed entity: the listed name, each token pair and its similarity, each penalty; the score is screen_name''s';

CREATE FUNCTION fintech.screening_index()
RETURNS TABLE(shared pg_catalog.bool, generation pg_catalog.int8, entities pg_catalog.int4,
              names pg_catalog.int4, bytes pg_catalog.int8, builds pg_catalog.int8,
              builds_here pg_catalog.int8)
LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_screening_index';
COMMENT ON FUNCTION fintech.screening_index() IS
  'The matching index this session uses: shared or its own, its generation and size, index builds for this database since the server started and in this session';

-- (screening v2)
INSERT INTO fintech.duty_privileges (duty, kind, name) VALUES
    ('application', 'function', 'explain_match'),
    ('compliance',  'function', 'explain_match'),
    ('compliance',  'function', 'screening_index'),
    ('monitoring',  'function', 'screening_index');

/* ------------------------------------------------------------------------
 * Events
 * ------------------------------------------------------------------------ */

/*
 * Written by the changing transaction with event_id NULL; a reader (the
 * sequencer in read_events, create_consumer and the prune job) numbers the
 * committed ones in commit order: event_id is the order consumers read in,
 * write_seq only the order of writing.
 */
CREATE TABLE fintech.events (
    event_id    pg_catalog.int8,                        -- NULL until put in commit order
    kind        pg_catalog.text NOT NULL CHECK (kind IN (
                  'entry.posted', 'entry.reversed', 'hold.created', 'hold.posted', 'hold.voided',
                  'hold.expired', 'payment.completed', 'payment.held', 'payment.rejected',
                  'party.review', 'party.clear', 'party.blocked', 'alert.opened', 'alert.resolved',
                  'party.erased')),
    occurred_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),  -- its transaction's start
    payload     pg_catalog.json NOT NULL,                -- the JSON text, as in the WAL message (read_events: jsonb)
    write_seq   pg_catalog.int8 GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME fintech.events_write_seq) NOT NULL
);
-- partial indexes: a writer inserts into the second one only (a NULL in a
-- plain index on event_id would be one more entry on one hot page)
CREATE UNIQUE INDEX events_in_order ON fintech.events (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX events_unordered ON fintech.events (write_seq) WHERE event_id IS NULL;
COMMENT ON TABLE fintech.events IS
  'Events written by the transactions that changed ledger entries, holds, payments, parties, alerts; read with fintech.read_events in event_id (commit) order';

CREATE TABLE fintech.event_consumers (
    name        pg_catalog.text PRIMARY KEY,
    acked_up_to pg_catalog.int8 NOT NULL,               -- the last event_id acknowledged
    created_at  pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    acked_at    pg_catalog.timestamptz
);
COMMENT ON TABLE fintech.event_consumers IS
  'Each consumer of fintech.events and the position it acknowledged';

-- the sequencer's lock and the last event_id given; no row until the first
-- sequencer run (a row inserted here would clash with pg_dump's copy)
CREATE TABLE fintech.event_order (
    id            pg_catalog.int4 PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    last_event_id pg_catalog.int8 NOT NULL DEFAULT 0
);
COMMENT ON TABLE fintech.event_order IS
  'The last event_id given to a committed event (its row is the sequencer''s lock)';

SELECT pg_catalog.pg_extension_config_dump('fintech.events', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.events_write_seq', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.event_consumers', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.event_order', '');

CREATE FUNCTION fintech.create_consumer(name pg_catalog.text)
RETURNS void
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_create_consumer';
COMMENT ON FUNCTION fintech.create_consumer(pg_catalog.text) IS
  'Create an event consumer: it receives the events committed after its creation (23505 if it exists)';

CREATE FUNCTION fintech.read_events(consumer pg_catalog.text, max_events pg_catalog.int4 DEFAULT 100)
RETURNS TABLE(event_id pg_catalog.int8, kind pg_catalog.text, occurred_at pg_catalog.timestamptz,
              payload pg_catalog.jsonb)
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_read_events';
COMMENT ON FUNCTION fintech.read_events(pg_catalog.text, pg_catalog.int4) IS
  'The consumer''s unacknowledged events in commit order, at most max_events (the same again until ack_events)';

CREATE FUNCTION fintech.ack_events(consumer pg_catalog.text, up_to pg_catalog.int8)
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_ack_events';
COMMENT ON FUNCTION fintech.ack_events(pg_catalog.text, pg_catalog.int8) IS
  'Acknowledge the consumer''s events up to event_id up_to; returns how many were newly acknowledged';

CREATE FUNCTION fintech.drop_consumer(name pg_catalog.text)
RETURNS void
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_drop_consumer';
COMMENT ON FUNCTION fintech.drop_consumer(pg_catalog.text) IS
  'Drop an event consumer (its unacknowledged events become prunable)';

-- (events and metrics)
INSERT INTO fintech.duty_privileges (duty, kind, name) VALUES
  ('operator', 'function', 'create_consumer'),
  ('operator', 'function', 'read_events'),
  ('operator', 'function', 'ack_events'),
  ('operator', 'function', 'drop_consumer'),
  ('operator', 'relation', 'events'),
  ('operator', 'relation', 'event_consumers');

REVOKE ALL ON SEQUENCE fintech.events_write_seq FROM PUBLIC;

/* ------------------------------------------------------------------------
 * Metrics
 * ------------------------------------------------------------------------ */

CREATE FUNCTION fintech.metric_counters(
    OUT metric pg_catalog.text,
    OUT labels pg_catalog.jsonb,
    OUT value pg_catalog.float8,
    OUT kind pg_catalog.text,
    OUT help pg_catalog.text)
RETURNS SETOF record
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'fintech_metric_counters';

COMMENT ON FUNCTION fintech.metric_counters() IS
  'The counters of fintech.metrics (shared memory: transfers, entries, payments, refusals, screening latency, jobs)';

/*
 * Events not yet acknowledged, per consumer: committed events above the
 * consumer's position, and committed events not yet numbered (every
 * consumer still has them ahead).  Read only when the events tables exist.
 */
CREATE FUNCTION fintech.metric_events(
    OUT metric pg_catalog.text,
    OUT labels pg_catalog.jsonb,
    OUT value pg_catalog.float8,
    OUT kind pg_catalog.text,
    OUT help pg_catalog.text)
RETURNS SETOF record
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF pg_catalog.to_regclass('fintech.event_consumers') IS NULL
       OR pg_catalog.to_regclass('fintech.events') IS NULL THEN
        RETURN;
    END IF;
    -- each count from a partial index of fintech.events (numbered, unnumbered)
    RETURN QUERY EXECUTE
        'SELECT ''fintech_events_unacknowledged''::pg_catalog.text,
                pg_catalog.jsonb_build_object(''consumer'', c.name),
                ((SELECT pg_catalog.count(*) FROM fintech.events e
                   WHERE e.event_id OPERATOR(pg_catalog.>) c.acked_up_to) OPERATOR(pg_catalog.+) u.n)::pg_catalog.float8,
                ''gauge''::pg_catalog.text,
                ''Committed events a consumer has not acknowledged yet''::pg_catalog.text
           FROM fintech.event_consumers c,
                (SELECT pg_catalog.count(*) AS n FROM fintech.events e WHERE e.event_id IS NULL) u';
END
$fn$;

COMMENT ON FUNCTION fintech.metric_events() IS
  'The events gauge of fintech.metrics: committed events not yet acknowledged, per consumer';

-- open alerts, counted and aged from an index of their own
CREATE INDEX screening_alerts_open ON fintech.screening_alerts (created_at) WHERE status = 'open';

/*
 * The gauges, read from the tables when the view is read, each from a
 * partial index (a scrape costs little however long the history is).
 * SECURITY DEFINER: a monitoring role sees the numbers, never the rows.
 */
CREATE FUNCTION fintech.metric_gauges(
    OUT metric pg_catalog.text,
    OUT labels pg_catalog.jsonb,
    OUT value pg_catalog.float8,
    OUT kind pg_catalog.text,
    OUT help pg_catalog.text)
RETURNS SETOF record
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT g.metric, '{}'::pg_catalog.jsonb, g.value, 'gauge', g.help
    FROM (SELECT pg_catalog.count(*) AS n, pg_catalog.min(a.created_at) AS oldest
            FROM fintech.screening_alerts a WHERE a.status OPERATOR(pg_catalog.=) 'open') s,
         LATERAL (VALUES
           ('fintech_alerts_open', s.n::pg_catalog.float8,
            'Screening alerts waiting for a decision (resolve_alert)'),
           ('fintech_alerts_open_oldest_seconds',
            COALESCE(pg_catalog.date_part('epoch', pg_catalog.now() OPERATOR(pg_catalog.-) s.oldest), 0),
            'Age in seconds of the oldest open screening alert (0: none)')) AS g(metric, value, help)
  UNION ALL
  SELECT g.metric, '{}'::pg_catalog.jsonb, g.value, 'gauge', g.help
    FROM (SELECT pg_catalog.count(*) AS n, pg_catalog.min(p.created_at) AS oldest
            FROM fintech.payments p WHERE p.status OPERATOR(pg_catalog.=) 'held') s,
         LATERAL (VALUES
           ('fintech_payments_held', s.n::pg_catalog.float8,
            'Payments held while a party is under review'),
           ('fintech_payments_held_oldest_seconds',
            COALESCE(pg_catalog.date_part('epoch', pg_catalog.now() OPERATOR(pg_catalog.-) s.oldest), 0),
            'Age in seconds of the oldest held payment (0: none)')) AS g(metric, value, help)
  UNION ALL
  SELECT 'fintech_holds_open', '{}'::pg_catalog.jsonb, pg_catalog.count(*)::pg_catalog.float8, 'gauge',
         'Pending entries (holds) neither posted, voided nor expired'
    FROM fintech.holds h WHERE h.status OPERATOR(pg_catalog.=) 'open'
  UNION ALL
  SELECT g.metric, '{}'::pg_catalog.jsonb, g.value, 'gauge', g.help
    FROM (SELECT pg_catalog.count(*) AS n, pg_catalog.min(l.changed_at) AS oldest
            FROM fintech.audit_log l WHERE l.seq IS NULL) s,
         LATERAL (VALUES
           ('fintech_audit_unsealed_rows', s.n::pg_catalog.float8,
            'Audit log rows not yet sealed into the Merkle tree'),
           ('fintech_audit_unsealed_oldest_seconds',
            COALESCE(pg_catalog.date_part('epoch', pg_catalog.now() OPERATOR(pg_catalog.-) s.oldest), 0),
            'Age in seconds of the oldest unsealed audit log row (0: none)')) AS g(metric, value, help)
$fn$;

COMMENT ON FUNCTION fintech.metric_gauges() IS
  'The gauges of fintech.metrics: open alerts, held payments, open holds, unsealed audit rows (and the age of the oldest of each)';

CREATE VIEW fintech.metrics AS
  SELECT c.metric, c.labels, c.value, c.kind, c.help FROM fintech.metric_counters() c
  UNION ALL
  SELECT g.metric, g.labels, g.value, g.kind, g.help FROM fintech.metric_gauges() g
  UNION ALL
  SELECT e.metric, e.labels, e.value, e.kind, e.help FROM fintech.metric_events() e;

COMMENT ON VIEW fintech.metrics IS
  'Counters and gauges for monitoring (Prometheus names): metric, labels, value, kind (counter or gauge), help';

INSERT INTO fintech.duty_privileges (duty, kind, name) VALUES
    ('monitoring', 'function', 'metric_counters'),
    ('monitoring', 'function', 'metric_events'),
    ('monitoring', 'function', 'metric_gauges'),
    ('monitoring', 'relation', 'metrics');

COMMENT ON FUNCTION fintech.grant_monitoring(pg_catalog.regrole) IS
  'Give a role the monitoring rights: worker_status, screening_status, check_ledger, metrics';


/* ------------------------------------------------------------------------
 * Ledger additions: safe retries, sweeps, statements
 * ------------------------------------------------------------------------ */

-- an optional idempotency key, last: the old signatures go, the new ones
-- take the old calls unchanged (the key defaults to NULL); the Privileges
-- part below gives their duty holders EXECUTE again
DROP FUNCTION fintech.post(fintech.leg[], pg_catalog.text, pg_catalog.jsonb, pg_catalog.interval);
CREATE FUNCTION fintech.post(
    legs fintech.leg[], description pg_catalog.text DEFAULT NULL,
    metadata pg_catalog.jsonb DEFAULT '{}', pending_for pg_catalog.interval DEFAULT NULL,
    idempotency_key pg_catalog.text DEFAULT NULL)
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_post';

DROP FUNCTION fintech.transfer(pg_catalog.text, pg_catalog.text, pg_catalog.int8, pg_catalog.text,
                               pg_catalog.jsonb, pg_catalog.interval);
CREATE FUNCTION fintech.transfer(
    debit_account pg_catalog.text, credit_account pg_catalog.text, amount pg_catalog.int8,
    description pg_catalog.text DEFAULT NULL, metadata pg_catalog.jsonb DEFAULT '{}',
    pending_for pg_catalog.interval DEFAULT NULL, idempotency_key pg_catalog.text DEFAULT NULL)
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_transfer';

DROP FUNCTION fintech.transfer_batch(pg_catalog.text[], pg_catalog.text[], pg_catalog.int8[],
                                     pg_catalog.text[]);
CREATE FUNCTION fintech.transfer_batch(
    debit_accounts pg_catalog.text[], credit_accounts pg_catalog.text[],
    amounts pg_catalog.int8[], descriptions pg_catalog.text[] DEFAULT NULL,
    idempotency_keys pg_catalog.text[] DEFAULT NULL)
RETURNS TABLE(idx pg_catalog.int4, entry_id pg_catalog.int8, error pg_catalog.text)
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_transfer_batch';

DROP FUNCTION fintech.post_pending(pg_catalog.int8, pg_catalog.int8);
CREATE FUNCTION fintech.post_pending(entry_id pg_catalog.int8, amount pg_catalog.int8 DEFAULT NULL,
                                     idempotency_key pg_catalog.text DEFAULT NULL)
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_post_pending';

DROP FUNCTION fintech.void_pending(pg_catalog.int8);
CREATE FUNCTION fintech.void_pending(entry_id pg_catalog.int8,
                                     idempotency_key pg_catalog.text DEFAULT NULL)
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_void_pending';

DROP FUNCTION fintech.reverse(pg_catalog.int8, pg_catalog.text);
CREATE FUNCTION fintech.reverse(entry_id pg_catalog.int8, description pg_catalog.text DEFAULT NULL,
                                idempotency_key pg_catalog.text DEFAULT NULL)
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_reverse';

-- every ledger write may carry an idempotency key (fintech.pay's keys are
-- fintech.idempotency_keys): claimed with the id its entry takes,
-- forgotten after fintech.idempotency_retention
CREATE TABLE fintech.ledger_keys (
    key          pg_catalog.text PRIMARY KEY,
    function     pg_catalog.text NOT NULL,    -- transfer, post, post_pending, void_pending, reverse, sweep
    request_hash pg_catalog.bytea NOT NULL,   -- first 16 bytes of the SHA-256 of the request's canonical form
    entry_id     pg_catalog.int8 NOT NULL,    -- the entry the first call wrote
    created_at   pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);
-- no index on created_at: the pruning job (a background batch) scans the
-- table; a key's write is its row and its primary key entry only (a BRIN
-- index cost every write a summary update once the pruned pages were
-- reused, for a scan that then read every range anyway)
COMMENT ON TABLE fintech.ledger_keys IS
  'Idempotency keys of ledger writes within their retention, each naming its entry';
SELECT pg_catalog.pg_extension_config_dump('fintech.ledger_keys', '');

-- an account's history in seq order, by bucket: the 32 consecutive postings
-- of an account in a bucket (seq >> 5; src/statement.h's
-- FT_SEQ_BUCKET_BITS) share one key, so B-tree deduplication keeps them in
-- one posting list: an index several times smaller than one on
-- (account_id, seq), whose every entry would be distinct (fewer pages for a
-- checkpoint cycle's first changes to image).  Statements read a page per
-- bucket range, then sort its rows by seq; balance_at and the statements'
-- time windows search it by posted_at, which does not decrease with seq
-- (stamped under the account's row lock; check_ledger checks it), so one
-- index per posting serves both
CREATE INDEX postings_account_seq ON fintech.postings
  (account_id, (seq OPERATOR(pg_catalog.>>) 5));
-- (by time, the postings_account_seq search above: one index less to write per posting)
DROP INDEX fintech.postings_account_time;

CREATE FUNCTION fintech.sweep(
    debit_account pg_catalog.text, credit_account pg_catalog.text,
    max_amount pg_catalog.int8 DEFAULT NULL, description pg_catalog.text DEFAULT NULL,
    metadata pg_catalog.jsonb DEFAULT '{}', idempotency_key pg_catalog.text DEFAULT NULL)
RETURNS TABLE(entry_id pg_catalog.int8, amount pg_catalog.int8)
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_sweep';

CREATE FUNCTION fintech.statement(
    account pg_catalog.text, after_seq pg_catalog.int8 DEFAULT 0,
    max_rows pg_catalog.int4 DEFAULT 100,
    from_time pg_catalog.timestamptz DEFAULT '-infinity',
    to_time pg_catalog.timestamptz DEFAULT 'infinity')
RETURNS TABLE(seq pg_catalog.int8, entry_id pg_catalog.int8, posted_at pg_catalog.timestamptz,
              amount pg_catalog.int8, balance_after pg_catalog.int8,
              description pg_catalog.text, metadata pg_catalog.jsonb)
LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_statement';

INSERT INTO fintech.duty_privileges (duty, kind, name) VALUES
    ('application', 'function', 'sweep'), ('application', 'function', 'statement');

/* ------------------------------------------------------------------------
 * Spending and velocity limits
 * ------------------------------------------------------------------------ */
CREATE TABLE fintech.limits (
    id          pg_catalog.int8 GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name        pg_catalog.text NOT NULL,
    scope       pg_catalog.text NOT NULL
                CHECK (scope IN ('payer', 'payee', 'payer_party', 'payee_party')),
    period      pg_catalog.interval NOT NULL,
    max_amount  pg_catalog.int8 CHECK (max_amount > 0),
    max_count   pg_catalog.int4 CHECK (max_count > 0),
    currency    pg_catalog.text REFERENCES fintech.currencies (code),
    action      pg_catalog.text NOT NULL CHECK (action IN ('reject', 'review')),
    created_at  pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    created_by  pg_catalog.text NOT NULL DEFAULT pg_catalog.session_user(),
    dropped_at  pg_catalog.timestamptz,            -- fintech.drop_limit: pay no longer reads it
    dropped_by  pg_catalog.text,
    CHECK (max_amount IS NOT NULL OR max_count IS NOT NULL)
);
CREATE UNIQUE INDEX limits_name ON fintech.limits (name) WHERE dropped_at IS NULL;
COMMENT ON TABLE fintech.limits IS
  'Spending and velocity limits checked by fintech.pay (fintech.create_limit, drop_limit)';

/*
 * Each (limit, scope key) has one slot (payer scopes) or up to 32 (payee
 * scopes, so that many payers can pay one payee at once): a slot's
 * budget is its share of the cap, and what it counted, an upper bound of
 * what the window holds (payments that left it, or were rejected after
 * review, are forgotten when the window is next read exactly, from
 * fintech.payments).  Derived state, not audited: the payments prove it.
 * No foreign key: its check would share-lock the limit's row at every
 * new key, from every payment at once.
 */
CREATE TABLE fintech.limit_slots (
    limit_id      pg_catalog.int8 NOT NULL,         -- fintech.limits (never deleted)
    scope_key     pg_catalog.text NOT NULL,
    slot          pg_catalog.int4 NOT NULL,
    used_amount   pg_catalog.int8 NOT NULL DEFAULT 0,
    used_count    pg_catalog.int4 NOT NULL DEFAULT 0,
    budget_amount pg_catalog.int8,
    budget_count  pg_catalog.int4,
    PRIMARY KEY (limit_id, scope_key, slot)
) WITH (fillfactor = 50);
COMMENT ON TABLE fintech.limit_slots IS
  'Per limit and scope key: what the sliding window holds (at most), in slots (see docs/limits.md)';

-- a window read exactly: the payments of a payer or payee in a time range
CREATE INDEX payments_payer_time ON fintech.payments (payer, created_at);
CREATE INDEX payments_payee_time ON fintech.payments (payee, created_at);

-- payments sent to review by a limit, and the decision
CREATE TABLE fintech.payment_reviews (
    payment_id  pg_catalog.int8 PRIMARY KEY,
    limit_id    pg_catalog.int8 NOT NULL,
    limit_name  pg_catalog.text NOT NULL,
    opened_at   pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    decision    pg_catalog.text CHECK (decision IN ('approve', 'reject')),
    reason      pg_catalog.text,
    decided_by  pg_catalog.text,
    decided_at  pg_catalog.timestamptz
);
COMMENT ON TABLE fintech.payment_reviews IS
  'Payments held by a review limit, and the decision of fintech.review_payment';

SELECT pg_catalog.pg_extension_config_dump('fintech.limits', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.limits_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.limit_slots', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.payment_reviews', '');

CREATE FUNCTION fintech.create_limit(name pg_catalog.text, scope pg_catalog.text,
                                     period pg_catalog.interval,
                                     max_amount pg_catalog.int8 DEFAULT NULL,
                                     max_count pg_catalog.int4 DEFAULT NULL,
                                     currency pg_catalog.text DEFAULT NULL,
                                     action pg_catalog.text DEFAULT 'reject')
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_create_limit';
COMMENT ON FUNCTION fintech.create_limit(pg_catalog.text, pg_catalog.text, pg_catalog.interval,
                                         pg_catalog.int8, pg_catalog.int4, pg_catalog.text, pg_catalog.text) IS
  'A spending or velocity limit checked by fintech.pay: reject (LD010) or send to review what exceeds it';

CREATE FUNCTION fintech.drop_limit(name pg_catalog.text)
RETURNS void
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_drop_limit';
COMMENT ON FUNCTION fintech.drop_limit(pg_catalog.text) IS
  'Drop a limit: pay no longer checks it (payments it holds for review stay held until reviewed)';

CREATE FUNCTION fintech.review_payment(payment_id pg_catalog.int8, decision pg_catalog.text,
                                       reason pg_catalog.text)
RETURNS void
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_review_payment';
COMMENT ON FUNCTION fintech.review_payment(pg_catalog.int8, pg_catalog.text, pg_catalog.text) IS
  'Approve or reject a payment a review limit holds (LD008 if it is not held for review)';

SELECT fintech.audit_table(t)
  FROM (VALUES ('fintech.limits'::pg_catalog.regclass), ('fintech.payment_reviews')) AS own(t);

INSERT INTO fintech.duty_privileges (duty, kind, name) VALUES
  ('compliance', 'function', 'create_limit'),
  ('compliance', 'function', 'drop_limit'),
  ('compliance', 'function', 'review_payment'),
  ('compliance', 'relation', 'limits'),
  ('compliance', 'relation', 'payment_reviews'),
  ('application', 'relation', 'limits'),
  ('application', 'relation', 'payment_reviews'),
  ('auditor', 'relation', 'limits'),
  ('auditor', 'relation', 'payment_reviews');

REVOKE ALL ON SEQUENCE fintech.limits_id_seq FROM PUBLIC;

/* ------------------------------------------------------------------------
 * Card vault
 * ------------------------------------------------------------------------ */

-- one row per card: its token, the PAN's lookup hash and the PAN sealed
CREATE TABLE fintech.vault_cards (
    token      pg_catalog.text PRIMARY KEY,         -- the PAN's length and last four; fails Luhn
    lookup     pg_catalog.bytea NOT NULL UNIQUE,    -- HMAC-SHA256 of the PAN (a key derived from the file's)
    key_id     pg_catalog.bytea NOT NULL,           -- the key it is sealed under (8 bytes derived from it)
    iv         pg_catalog.bytea NOT NULL,
    ciphertext pg_catalog.bytea NOT NULL,           -- AES-256-CBC of the PAN (pgcrypto)
    tag        pg_catalog.bytea NOT NULL,           -- HMAC-SHA256 over token, IV and ciphertext
    created_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    sealed_at  pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);
CREATE INDEX vault_cards_key ON fintech.vault_cards (key_id);
COMMENT ON TABLE fintech.vault_cards IS
  'The card vault: one row per card (token, lookup hash, the card number AES-256 encrypted); never a card number or a key';

-- every detokenization: who, when, which token (never the card number)
CREATE TABLE fintech.vault_access (
    id          pg_catalog.int8 GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    accessed_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    accessed_by pg_catalog.text NOT NULL,           -- the calling role
    token       pg_catalog.text NOT NULL
);
CREATE INDEX vault_access_token ON fintech.vault_access (token);
COMMENT ON TABLE fintech.vault_access IS
  'Each call of detokenize_card: role, time, token (audited: every row is in the verifiable log)';

SELECT pg_catalog.pg_extension_config_dump('fintech.vault_cards', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.vault_access', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.vault_access_id_seq', '');

SELECT fintech.audit_table('fintech.vault_access');

CREATE FUNCTION fintech.tokenize_card(pan pg_catalog.text)
RETURNS pg_catalog.text
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_tokenize_card';
COMMENT ON FUNCTION fintech.tokenize_card(pg_catalog.text) IS
  'The token of a card number (12-19 digits, Luhn-valid): its length and last four digits, random, the same for the same card';

CREATE FUNCTION fintech.detokenize_card(token pg_catalog.text)
RETURNS pg_catalog.text
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_detokenize_card';
COMMENT ON FUNCTION fintech.detokenize_card(pg_catalog.text) IS
  'The card number of a token; granted to nobody by default, refused to application roles, each call recorded in fintech.vault_access';

CREATE FUNCTION fintech.rotate_vault_key()
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_rotate_vault_key';
COMMENT ON FUNCTION fintech.rotate_vault_key() IS
  'Re-encrypt every card under the current key of fintech.vault_key_file (the rotate_vault_key job); returns the cards that were under older keys';

-- the rights of the card vault's duties (detokenize_card: nobody's)
INSERT INTO fintech.duty_privileges (duty, kind, name) VALUES
  ('application', 'function', 'tokenize_card'),
  ('operator', 'function', 'rotate_vault_key'),
  ('auditor', 'relation', 'vault_access');

REVOKE ALL ON SEQUENCE fintech.vault_access_id_seq FROM PUBLIC;

/* ------------------------------------------------------------------------
 * Audit capture: an UPDATE of fintech.accounts that names only its folded
 * state (balance, pending_out, pending_in, last_seq: every posting's) queues
 * no trigger event.  audit_table makes the capture trigger again with
 * UPDATE OF every other column.
 * ------------------------------------------------------------------------ */

SELECT fintech.audit_table('fintech.accounts');

/* ------------------------------------------------------------------------
 * Audit log: the entries of a batch (a transfer_batch chunk) are one row,
 * entry_ids in their order, one leaf whose new_row is the jsonb array of
 * their audit_entry_image.  Rows captured before keep entry_id, one per
 * entry, and verify as they were.
 * ------------------------------------------------------------------------ */

ALTER TABLE fintech.audit_log ADD COLUMN entry_ids pg_catalog.int8[];
-- out of line as written (compressed by the capture with LZ4 where the server
-- has it): never pglz, which costs more than the rows it replaces, and the
-- sealer's update of the row does not copy it
ALTER TABLE fintech.audit_log ALTER COLUMN entry_ids SET STORAGE EXTERNAL;
COMMENT ON COLUMN fintech.audit_log.entry_ids IS
  'The ledger entries one call wrote, in order (one row for all): the leaf''s new_row is the jsonb array of their fintech.audit_entry_image';

/* ------------------------------------------------------------------------
 * Privileges (keep this part last)
 * ------------------------------------------------------------------------ */

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA fintech FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA fintech FROM PUBLIC;

/*
 * Roles that hold a duty get its new rights.  A role holds a duty when it
 * may execute every function that belongs to that duty alone and that
 * anyone may execute (the new ones have no grantee yet): what
 * grant_<duty>() gave it.  A role with only
 * some of them (granted by hand) is left as it is.
 */
DO $do$
DECLARE
    r record;
BEGIN
    FOR r IN
        WITH duty_fn AS (
            SELECT p.duty, f.oid, f.proowner, f.proacl
              FROM fintech.duty_privileges p
              JOIN pg_catalog.pg_proc f ON f.proname OPERATOR(pg_catalog.=) p.name
                                       AND f.pronamespace OPERATOR(pg_catalog.=) 'fintech'::pg_catalog.regnamespace
             WHERE p.kind OPERATOR(pg_catalog.=) 'function'),
        -- the evidence: functions of one duty only (not version, screen_name)
        own_fn AS (
            SELECT d.* FROM duty_fn d
             WHERE NOT EXISTS (SELECT 1 FROM duty_fn o WHERE o.oid OPERATOR(pg_catalog.=) d.oid
                                                       AND o.duty OPERATOR(pg_catalog.<>) d.duty)),
        grants AS (
            SELECT d.duty, d.oid, a.grantee
              FROM own_fn d CROSS JOIN LATERAL pg_catalog.aclexplode(d.proacl) AS a
             WHERE a.privilege_type OPERATOR(pg_catalog.=) 'EXECUTE'
               AND a.grantee OPERATOR(pg_catalog.<>) d.proowner AND a.grantee OPERATOR(pg_catalog.<>) 0)
        SELECT DISTINCT c.duty, c.grantee::pg_catalog.regrole AS role
          FROM grants c
         WHERE NOT EXISTS (
                 SELECT 1 FROM own_fn d
                  WHERE d.duty OPERATOR(pg_catalog.=) c.duty
                    AND EXISTS (SELECT 1 FROM grants g WHERE g.duty OPERATOR(pg_catalog.=) d.duty
                                                          AND g.oid OPERATOR(pg_catalog.=) d.oid)
                    AND NOT EXISTS (SELECT 1 FROM grants g WHERE g.duty OPERATOR(pg_catalog.=) d.duty
                                                              AND g.oid OPERATOR(pg_catalog.=) d.oid
                                                              AND g.grantee OPERATOR(pg_catalog.=) c.grantee))
         ORDER BY 1, 2
    LOOP
        BEGIN
            PERFORM fintech.apply_duty(r.duty, r.role);
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE WARNING 'fintech 0.6.0: role % holds % rights but did not get the new ones: %',
                          r.role, r.duty, SQLERRM;
        END;
    END LOOP;
END
$do$;

/*
 * GRANTs in an extension script are recorded as initial privileges, which
 * pg_dump leaves out: the members' initial privileges are a fresh
 * install's, the owner's alone (as the update to 0.4.0 did).
 */
UPDATE pg_catalog.pg_init_privs i
   SET initprivs = ARRAY(SELECT x FROM pg_catalog.unnest(i.initprivs) AS x
                          WHERE (SELECT a.grantee FROM pg_catalog.aclexplode(ARRAY[x]) AS a LIMIT 1)
                                OPERATOR(pg_catalog.=) m.owner)
  FROM (SELECT d.classid, d.objid,
               CASE WHEN d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                    THEN (SELECT f.proowner FROM pg_catalog.pg_proc f WHERE f.oid = d.objid)
                    ELSE (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = d.objid) END
          FROM pg_catalog.pg_depend d
         WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.deptype = 'e'
           AND d.refobjid = (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname = 'fintech')
           AND d.classid IN ('pg_catalog.pg_proc'::pg_catalog.regclass, 'pg_catalog.pg_class'::pg_catalog.regclass)
       ) AS m(classid, objid, owner)
 WHERE i.classoid = m.classid AND i.objoid = m.objid AND i.privtype = 'e';
-- the schema too (the GRANT USAGE of apply_duty above), as 0.4.1 fixed it
UPDATE pg_catalog.pg_init_privs i
   SET initprivs = ARRAY(SELECT x FROM pg_catalog.unnest(i.initprivs) AS x
                          WHERE (SELECT a.grantee FROM pg_catalog.aclexplode(ARRAY[x]) AS a LIMIT 1)
                                OPERATOR(pg_catalog.=) n.nspowner)
  FROM pg_catalog.pg_namespace n
 WHERE n.nspname = 'fintech'
   AND i.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND i.objoid = n.oid
   AND i.objsubid = 0 AND i.privtype = 'e';
