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

-- screening v2, the matching engine: birth dates of listed entities (the
-- lists' loaders fill them), explanations kept on alerts, screen_name's
-- attributes, explain_match, the shared index's status
-- (added empty, then filled and constrained: no "missing value" in the
-- catalog, so a binary-upgrade dump equals a fresh install's)
ALTER TABLE fintech.sanctions_entities ADD COLUMN birth_dates pg_catalog.text[];
UPDATE fintech.sanctions_entities SET birth_dates = '{}';
ALTER TABLE fintech.sanctions_entities ALTER COLUMN birth_dates SET DEFAULT '{}',
    ALTER COLUMN birth_dates SET NOT NULL;
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

/* ------------------------------------------------------------------------
 * Metrics
 * ------------------------------------------------------------------------ */

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
