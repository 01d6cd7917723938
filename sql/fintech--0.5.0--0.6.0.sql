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
    request_hash pg_catalog.bytea NOT NULL,   -- SHA-256 of the request's canonical form
    entry_id     pg_catalog.int8 NOT NULL,    -- the entry the first call wrote
    created_at   pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);
-- for the pruning job; BRIN: keys arrive in created_at order, and a write pays
-- next to nothing for it
CREATE INDEX ledger_keys_age ON fintech.ledger_keys USING brin (created_at);
COMMENT ON TABLE fintech.ledger_keys IS
  'Idempotency keys of ledger writes within their retention, each naming its entry';
SELECT pg_catalog.pg_extension_config_dump('fintech.ledger_keys', '');

-- statements: an account's postings in seq order, a page per index range
CREATE INDEX postings_account_seq ON fintech.postings (account_id, seq);

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
-- its page query's (generic) plan must walk postings (account_id, seq) in
-- order and stop after max_rows, never read an account's history and sort it
SET enable_sort = off
AS 'MODULE_PATHNAME', 'fintech_statement';

INSERT INTO fintech.duty_privileges (duty, kind, name) VALUES
    ('application', 'function', 'sweep'), ('application', 'function', 'statement');

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
