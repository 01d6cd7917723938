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

/* ------------------------------------------------------------------------
 * Events
 * ------------------------------------------------------------------------ */

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

/* ------------------------------------------------------------------------
 * Spending and velocity limits
 * ------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------
 * Card vault
 * ------------------------------------------------------------------------ */

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
