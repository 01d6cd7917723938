/*
 * fintech 0.3.0 -> 0.4.0: hardening (ALTER EXTENSION fintech UPDATE).
 *
 * Released: never edited again (only this comment was, when the install
 * script of the current version became sql/fintech.sql).  A fresh install
 * runs that script; test/t/011_upgrade.pl proves that an update through
 * this file ends in the same objects.
 */
\echo Use "ALTER EXTENSION fintech UPDATE TO '0.4.0'" to load this file. \quit

/* ------------------------------------------------------------------------
 * Ledger bounds
 * ------------------------------------------------------------------------ */

/*
 * From 0.4.0 account codes are NFC-normalised and may not hold control or
 * format characters (Unicode Cc, Cf): every function normalises the code it
 * is given before looking it up.  Codes stored before are not rewritten (a
 * code is an external key the application and other systems hold): an
 * account whose stored code is not NFC, or holds such a character, can no
 * longer be reached by code: say so (a WARNING with their number).
 */
DO $fintech_ledger_codes$
DECLARE
  n pg_catalog.int8;
BEGIN
  IF pg_catalog.getdatabaseencoding() OPERATOR(pg_catalog.=) 'UTF8' THEN
    EXECUTE $q$SELECT pg_catalog.count(*) FROM fintech.accounts
                WHERE code IS NOT NFC NORMALIZED
                   OR code OPERATOR(pg_catalog.~) E'[\\x01-\\x1f\\x7f-\\x9f\\u00ad\\u0600-\\u0605\\u061c\\u06dd\\u070f\\u0890\\u0891\\u08e2\\u180e\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb\\U000110bd\\U000110cd\\U00013430-\\U0001343f\\U0001bca0-\\U0001bca3\\U0001d173-\\U0001d17a\\U000e0001\\U000e0020-\\U000e007f]'$q$
      INTO n;
    IF n OPERATOR(pg_catalog.>) 0 THEN
      RAISE WARNING 'fintech: % account code(s) are not in Unicode NFC or contain control or format characters; from 0.4.0 they cannot be looked up by code', n
        USING HINT = 'They are the accounts whose code IS NOT NFC NORMALIZED or holds a character of Unicode category Cc or Cf; they stay readable by id.';
    END IF;
  END IF;
END
$fintech_ledger_codes$;

/* ------------------------------------------------------------------------
 * Screening bounds
 * ------------------------------------------------------------------------ */

-- Names are at most 1,000 characters from 0.4.0 on (the C code): a longer
-- name to screen is 22023 and a load with a longer listed name is refused.
-- Names stored before are kept; say which ones are matched on their first
-- 1,000 characters only (listed names, until their list is loaded again;
-- parties, at every rescreening, with a WARNING).
DO $$
DECLARE
  listed pg_catalog.int8;
  parties pg_catalog.int8;
BEGIN
  SELECT pg_catalog.count(*) INTO listed FROM fintech.sanctions_names
   WHERE pg_catalog.char_length(name) OPERATOR(pg_catalog.>) 1000;
  SELECT pg_catalog.count(*) INTO parties FROM fintech.parties
   WHERE pg_catalog.char_length(name) OPERATOR(pg_catalog.>) 1000;
  IF listed OPERATOR(pg_catalog.>) 0 THEN
    RAISE WARNING '% listed name(s) are longer than 1000 characters: they are matched on their first 1000', listed
      USING HINT = 'Load their lists again: from 0.4.0 on a load refuses such names, naming the line.';
  END IF;
  IF parties OPERATOR(pg_catalog.>) 0 THEN
    RAISE WARNING '% party name(s) are longer than 1000 characters: they are rescreened on their first 1000', parties;
  END IF;
END
$$;

/* ------------------------------------------------------------------------
 * Audit sealing and lock order
 * ------------------------------------------------------------------------ */
-- No SQL changes: sealing and verification are bounded by bytes and the
-- global lock order is followed inside the C functions (seal_audit,
-- verify_audit, verify_audit_digest, resolve_alert, rescreen_parties keep
-- their signatures); worker_status shows a job's note in its detail.

/* ------------------------------------------------------------------------
 * Privileges: least by default, separation of duties (keep this section
 * last: it revokes from PUBLIC everything defined above)
 * ------------------------------------------------------------------------ */

/*
 * Which duty may use what.  The one list of the rights each duty gets:
 * the grant_* helpers grant from it, the separation-of-duties check reads
 * it, and a later feature adds its functions here (a row per duty).  An
 * object is named without its schema (always fintech) and, for a
 * function, without arguments: every overload of the name is meant.
 * Functions get EXECUTE, relations (tables, views) SELECT.  Anything of
 * the extension not listed is the owner's alone: the trigger functions,
 * audit_table (it attaches triggers: a schema change, the DBA's) and the
 * helpers themselves.
 */
CREATE TABLE fintech.duty_privileges (
    duty    pg_catalog.text NOT NULL
            CHECK (duty IN ('application', 'compliance', 'auditor', 'monitoring', 'operator')),
    kind    pg_catalog.text NOT NULL CHECK (kind IN ('function', 'relation')),
    name    pg_catalog.text NOT NULL,
    PRIMARY KEY (duty, kind, name)
);
COMMENT ON TABLE fintech.duty_privileges IS
  'The rights fintech.grant_<duty>() gives: EXECUTE on each function (every overload of the name), SELECT on each relation';

INSERT INTO fintech.duty_privileges (duty, kind, name)
SELECT d.duty, d.kind, n.name
  FROM (VALUES
    ('application', 'function', '{version, open_account, freeze_account, unfreeze_account, close_account,
                                  debit, credit, post, transfer, transfer_batch, post_pending,
                                  void_pending, reverse, balance, available_balance, balance_at,
                                  pay, create_party, screen_name}'),
    ('application', 'relation', '{currencies, accounts, entries, postings, pending_legs, holds,
                                  payments, parties, screening_alerts}'),
    -- compliance: lists, alert decisions and rescreening; it may screen a
    -- name by hand, but never move money
    ('compliance',  'function', '{version, load_sanctions_ofac, resolve_alert, rescreen_parties,
                                  screen_name}'),
    ('compliance',  'relation', '{sanctions_lists, sanctions_entities, sanctions_names, parties,
                                  screening_alerts, screening_status}'),
    ('auditor',     'function', '{version, verify_audit, audit_digest, verify_audit_digest}'),
    ('auditor',     'relation', '{audit_log, audit_head}'),
    -- worker_status calls get_worker_status() with the reader's rights
    ('monitoring',  'function', '{version, get_worker_status, check_ledger}'),
    ('monitoring',  'relation', '{worker_status, screening_status}'),
    ('operator',    'function', '{version, run_job, seal_audit}')
  ) AS d(duty, kind, names)
  CROSS JOIN LATERAL pg_catalog.unnest(d.names::pg_catalog.text[]) AS n(name);

/*
 * fintech.apply_duty(duty, role): the work of the helpers (duty 'revoke':
 * revoke_all).  Only a
 * superuser or the extension's owner may call it; they are SECURITY
 * INVOKER on purpose: the GRANTs run with the caller's own rights, so
 * nothing here can give more than the caller could give by hand.
 */
CREATE FUNCTION fintech.apply_duty(duty pg_catalog.text, role pg_catalog.regrole)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY INVOKER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    nsp     pg_catalog.oid := 'fintech'::pg_catalog.regnamespace;
    owner   pg_catalog.oid;
    rival   pg_catalog.text;
    who     pg_catalog.text;
    via     pg_catalog.text;
    obj     record;
    missing pg_catalog.text;
BEGIN
    SELECT e.extowner INTO owner FROM pg_catalog.pg_extension e WHERE e.extname = 'fintech';
    IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)
       AND (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) <> owner THEN
        RAISE EXCEPTION 'permission denied to grant or revoke fintech rights: role % is neither a superuser nor the owner of extension fintech',
                        pg_catalog.quote_ident(current_user::pg_catalog.text)
              USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF role IS NULL OR role = 0 THEN
        RAISE EXCEPTION 'role must name a role (got %)', coalesce(role::pg_catalog.text, 'NULL')
              USING ERRCODE = 'invalid_parameter_value';
    END IF;

    IF duty = 'revoke' THEN
        -- everything of the extension, listed or granted by hand, and the schema
        FOR obj IN
            SELECT CASE WHEN d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                        THEN pg_catalog.format('FUNCTION %s', d.objid::pg_catalog.regprocedure)
                        WHEN c.relkind = 'S'
                        THEN pg_catalog.format('SEQUENCE %s', d.objid::pg_catalog.regclass)
                        ELSE pg_catalog.format('TABLE %s', d.objid::pg_catalog.regclass) END AS what
              FROM pg_catalog.pg_depend d
              LEFT JOIN pg_catalog.pg_class c
                     ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.oid = d.objid
             WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
               AND d.refobjid = (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname = 'fintech')
               AND d.deptype = 'e'
               AND (d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                    OR (c.oid IS NOT NULL AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')))
             ORDER BY 1
        LOOP
            EXECUTE pg_catalog.format('REVOKE ALL ON %s FROM %s CASCADE', obj.what, role);
        END LOOP;
        EXECUTE pg_catalog.format('REVOKE ALL ON SCHEMA fintech FROM %s CASCADE', role);
        RETURN;
    END IF;

    IF NOT EXISTS (SELECT 1 FROM fintech.duty_privileges p WHERE p.duty = apply_duty.duty) THEN
        RAISE EXCEPTION 'no such duty: %', duty USING ERRCODE = 'invalid_parameter_value';
    END IF;

    /*
     * Separation of duties: application and compliance never meet in one
     * role.  A right "of the other duty" is one only the other duty gets
     * (both read parties and alerts).  The new rights would reach every
     * role that is a member of this one (and the role itself); none of
     * them may reach, directly or through any role it is a member of, a
     * right of the other duty.  Superusers and the owner have everything
     * anyway and are left out.
     */
    rival := CASE duty WHEN 'application' THEN 'compliance' WHEN 'compliance' THEN 'application' END;
    IF rival IS NOT NULL THEN
        WITH other AS (
            SELECT p.kind, p.name FROM fintech.duty_privileges p WHERE p.duty = rival
            EXCEPT
            SELECT p.kind, p.name FROM fintech.duty_privileges p WHERE p.duty = apply_duty.duty
        ), holders AS (
            SELECT a.grantee
              FROM other o
              JOIN pg_catalog.pg_proc f ON o.kind = 'function' AND f.proname = o.name
                                       AND f.pronamespace = nsp
             CROSS JOIN LATERAL pg_catalog.aclexplode(f.proacl) a
             WHERE a.privilege_type = 'EXECUTE' AND a.grantee <> f.proowner
            UNION
            SELECT a.grantee
              FROM other o
              JOIN pg_catalog.pg_class c ON o.kind = 'relation' AND c.relname = o.name
                                        AND c.relnamespace = nsp
             CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) a
             WHERE a.privilege_type = 'SELECT' AND a.grantee <> c.relowner
        )
        SELECT u.rolname, h.rolname INTO who, via
          FROM pg_catalog.pg_roles u, pg_catalog.pg_roles h
         WHERE h.oid IN (SELECT holders.grantee FROM holders WHERE holders.grantee <> 0)
           AND NOT u.rolsuper AND u.oid <> owner
           AND pg_catalog.pg_has_role(u.oid, role, 'MEMBER')
           AND pg_catalog.pg_has_role(u.oid, h.oid, 'MEMBER')
         ORDER BY u.rolname <> role::pg_catalog.text, u.rolname, h.rolname <> u.rolname, h.rolname
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'cannot grant % rights to role %: role % holds % rights%',
                            duty, role, pg_catalog.quote_ident(who), rival,
                            CASE WHEN who = via THEN ''
                                 ELSE pg_catalog.format(' through its membership in role %s',
                                                        pg_catalog.quote_ident(via)) END
                  USING ERRCODE = 'insufficient_privilege',
                        HINT = pg_catalog.format('Application and compliance are separate duties: no role may hold both. '
                                                 'Use two roles, or take the %s rights back first (fintech.revoke_all()).',
                                                 rival);
        END IF;
    END IF;

    -- every listed object must exist: a stale list is a bug, not a no-op
    SELECT pg_catalog.string_agg(p.name, ', ' ORDER BY p.name) INTO missing
      FROM fintech.duty_privileges p
     WHERE p.duty = apply_duty.duty
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_proc f
                        WHERE p.kind = 'function' AND f.proname = p.name AND f.pronamespace = nsp)
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c
                        WHERE p.kind = 'relation' AND c.relname = p.name AND c.relnamespace = nsp);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'fintech.duty_privileges names objects that do not exist: %', missing
              USING ERRCODE = 'undefined_object';
    END IF;

    EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA fintech TO %s', role);
    FOR obj IN
        SELECT pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO %s', f.oid::pg_catalog.regprocedure, role) AS stmt
          FROM fintech.duty_privileges p
          JOIN pg_catalog.pg_proc f ON f.proname = p.name AND f.pronamespace = nsp
         WHERE p.duty = apply_duty.duty AND p.kind = 'function'
        UNION ALL
        SELECT pg_catalog.format('GRANT SELECT ON TABLE %s TO %s', c.oid::pg_catalog.regclass, role)
          FROM fintech.duty_privileges p
          JOIN pg_catalog.pg_class c ON c.relname = p.name AND c.relnamespace = nsp
         WHERE p.duty = apply_duty.duty AND p.kind = 'relation'
        ORDER BY 1
    LOOP
        EXECUTE obj.stmt;
    END LOOP;
END
$fn$;


CREATE FUNCTION fintech.grant_application(role pg_catalog.regrole)
RETURNS void
LANGUAGE sql VOLATILE SECURITY INVOKER SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT fintech.apply_duty('application', role);
END;
COMMENT ON FUNCTION fintech.grant_application(pg_catalog.regrole) IS
  'Give a role the application rights: ledger writes, pay, create_party, screen_name, balances; read the ledger, payments, parties, alerts';

CREATE FUNCTION fintech.grant_compliance(role pg_catalog.regrole)
RETURNS void
LANGUAGE sql VOLATILE SECURITY INVOKER SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT fintech.apply_duty('compliance', role);
END;
COMMENT ON FUNCTION fintech.grant_compliance(pg_catalog.regrole) IS
  'Give a role the compliance rights: load lists, resolve alerts, rescreen; read everything screening';

CREATE FUNCTION fintech.grant_auditor(role pg_catalog.regrole)
RETURNS void
LANGUAGE sql VOLATILE SECURITY INVOKER SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT fintech.apply_duty('auditor', role);
END;
COMMENT ON FUNCTION fintech.grant_auditor(pg_catalog.regrole) IS
  'Give a role the auditor rights: verify the audit chain, digests; read the audit log';

CREATE FUNCTION fintech.grant_monitoring(role pg_catalog.regrole)
RETURNS void
LANGUAGE sql VOLATILE SECURITY INVOKER SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT fintech.apply_duty('monitoring', role);
END;
COMMENT ON FUNCTION fintech.grant_monitoring(pg_catalog.regrole) IS
  'Give a role the monitoring rights: worker_status, screening_status, check_ledger';

CREATE FUNCTION fintech.grant_operator(role pg_catalog.regrole)
RETURNS void
LANGUAGE sql VOLATILE SECURITY INVOKER SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT fintech.apply_duty('operator', role);
END;
COMMENT ON FUNCTION fintech.grant_operator(pg_catalog.regrole) IS
  'Give a role the operator rights: run_job, seal_audit';

CREATE FUNCTION fintech.revoke_all(role pg_catalog.regrole)
RETURNS void
LANGUAGE sql VOLATILE SECURITY INVOKER SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT fintech.apply_duty('revoke', role);
END;
COMMENT ON FUNCTION fintech.revoke_all(pg_catalog.regrole) IS
  'Take back every right on fintech''s objects and schema from a role';

/*
 * Nothing for PUBLIC: no function (the trigger functions, the helpers and
 * audit_table included: they stay the owner's), no table, view or
 * sequence.  The schema itself was never usable by PUBLIC.
 */
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA fintech FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA fintech FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA fintech FROM PUBLIC;
REVOKE ALL ON SCHEMA fintech FROM PUBLIC;

/*
 * The update keeps every deployment working: each role that could use
 * schema fintech before (USAGE granted to it; superusers and the owner
 * need nothing) keeps the application rights, with a NOTICE naming it.  A
 * role that held compliance rights granted by hand (the 0.3.0 README's
 * recipe) gets the compliance rights instead, and one that would hold both
 * (through membership) keeps only its USAGE, with a WARNING: the owner
 * decides.  On a fresh install no role has USAGE yet and nothing happens.
 */
DO $update$
DECLARE
    r       record;
    owner   pg_catalog.oid := (SELECT e.extowner FROM pg_catalog.pg_extension e WHERE e.extname = 'fintech');
    cmm     pg_catalog.text := pg_catalog.current_setting('client_min_messages');
    duty    pg_catalog.text;
BEGIN
    /*
     * An extension script runs with client_min_messages raised to at least
     * WARNING, which would swallow the NOTICEs below: lowered to NOTICE
     * here (unless the caller asked for less than warnings) and put back.
     */
    IF cmm = 'warning' THEN
        PERFORM pg_catalog.set_config('client_min_messages', 'notice', true);
    END IF;
    FOR r IN
        SELECT DISTINCT g.oid::pg_catalog.regrole AS role, g.rolname
          FROM pg_catalog.pg_namespace n
         CROSS JOIN LATERAL pg_catalog.aclexplode(n.nspacl) a
          JOIN pg_catalog.pg_roles g ON g.oid = a.grantee
         WHERE n.nspname = 'fintech' AND a.privilege_type = 'USAGE'
           AND NOT g.rolsuper AND g.oid <> owner
         ORDER BY g.rolname
    LOOP
        -- compliance rights granted to the role itself by hand: a compliance role
        IF EXISTS (SELECT 1
                     FROM fintech.duty_privileges p
                     JOIN pg_catalog.pg_proc f ON f.proname = p.name
                                              AND f.pronamespace = 'fintech'::pg_catalog.regnamespace
                    CROSS JOIN LATERAL pg_catalog.aclexplode(f.proacl) a
                    WHERE p.duty = 'compliance' AND p.kind = 'function'
                      AND NOT EXISTS (SELECT 1 FROM fintech.duty_privileges q
                                       WHERE q.duty = 'application' AND q.kind = 'function' AND q.name = p.name)
                      AND a.grantee = r.role AND a.privilege_type = 'EXECUTE') THEN
            duty := 'compliance';
        ELSE
            duty := 'application';
        END IF;
        BEGIN
            PERFORM fintech.apply_duty(duty, r.role);
            IF duty = 'application' THEN
                RAISE NOTICE 'fintech 0.4.0: role % could use schema fintech and keeps the application rights (fintech.grant_application)',
                             r.role;
            ELSE
                RAISE NOTICE 'fintech 0.4.0: role % held compliance rights and keeps the compliance rights (fintech.grant_compliance)',
                             r.role;
            END IF;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE WARNING 'fintech 0.4.0: role % could use schema fintech but would hold both application and compliance rights: it keeps only USAGE on the schema',
                          r.role
                  USING HINT = 'Give it its rights with fintech.grant_application() or fintech.grant_compliance() after fintech.revoke_all().';
        END;
    END LOOP;
    PERFORM pg_catalog.set_config('client_min_messages', cmm, true);
END
$update$;

/*
 * GRANT and REVOKE inside an extension script are recorded as the
 * objects' initial privileges (pg_init_privs), which pg_dump leaves out:
 * the roles' rights (those granted just above, and any granted by hand
 * before the update) would be lost by a dump and restore.  The initial
 * privileges are a fresh install's: the owner's alone.
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
