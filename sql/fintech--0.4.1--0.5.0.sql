/*
 * fintech 0.4.1 -> 0.5.0: the verifiable log (audit trail v2) and erasure
 * of personal data.  Released: never edited again once 0.5.0 ships.
 *
 * See docs/audit.md: the sealed audit rows become the leaves of an RFC 9162
 * Merkle tree; the rows sealed before this update (the hash chain of
 * 0.3.0 to 0.4.1) are its first leaves, and their chain digests keep
 * verifying.
 */
\echo Use "ALTER EXTENSION fintech UPDATE TO '0.5.0'" to load this file. \quit

SET LOCAL search_path = pg_catalog, pg_temp;

/* ------------------------------------------------------------------------
 * The verifiable log: a Merkle tree over the sealed rows (RFC 9162)
 * ------------------------------------------------------------------------ */

ALTER TABLE fintech.audit_log ADD COLUMN entry_id pg_catalog.int8;
COMMENT ON TABLE fintech.audit_log IS
  'One row per logged change (append-only): the leaves of the Merkle tree; seq and row_hash set once by the sealer';

-- (no default while added: a fast default would differ from a fresh
-- install's column; audit_tree_build() below fills in the one row)
ALTER TABLE fintech.audit_head ADD COLUMN chain_seq pg_catalog.int8;
ALTER TABLE fintech.audit_head ALTER COLUMN chain_seq SET DEFAULT 0;
COMMENT ON TABLE fintech.audit_head IS 'The size and root of the audit log''s Merkle tree';

CREATE TABLE fintech.audit_tree (
    node pg_catalog.int8 PRIMARY KEY,
    hash pg_catalog.bytea NOT NULL
);
COMMENT ON TABLE fintech.audit_tree IS
  'Hashes of the complete subtrees of the audit log''s Merkle tree (append-only)';
CREATE TRIGGER immutable_row BEFORE UPDATE OR DELETE ON fintech.audit_tree
  FOR EACH ROW EXECUTE FUNCTION fintech.refuse_change();
CREATE TRIGGER immutable_truncate BEFORE TRUNCATE ON fintech.audit_tree
  FOR EACH STATEMENT EXECUTE FUNCTION fintech.refuse_change();
SELECT pg_catalog.pg_extension_config_dump('fintech.audit_tree', '');

/*
 * Postings and pending legs are logged with their entry from now on (the
 * entry's leaf holds its legs); their rows captured before the update stay
 * in the log as they are.
 */
DROP TRIGGER fintech_audit ON fintech.postings;
DROP TRIGGER fintech_audit_truncate ON fintech.postings;
DROP TRIGGER fintech_audit ON fintech.pending_legs;
DROP TRIGGER fintech_audit_truncate ON fintech.pending_legs;

/*
 * The leaf of a ledger entry: the entry and its legs, read from the
 * ledger's append-only tables when the log row that names it (entry_id) is
 * sealed, proved or verified.  A posting's seq, balance_after and
 * posted_at are left out: they are its account's folded state (set when the
 * posting is folded), which fintech.check_ledger() proves.  Plain SQL on
 * purpose: an auditor can run it, and docs/audit.md shows it.
 */
CREATE FUNCTION fintech.audit_entry_image(entry_id pg_catalog.int8)
RETURNS pg_catalog.jsonb
LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
  SELECT pg_catalog.jsonb_build_object(
           'id', e.id, 'type', e.type, 'related_id', e.related_id,
           'description', e.description, 'metadata', e.metadata,
           'created_at', pg_catalog.to_char(pg_catalog.timezone('UTC', e.created_at),
                                            'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
           'legs', (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(p.leg, p.account_id, p.amount)
                                                ORDER BY p.leg)
                      FROM fintech.postings p WHERE p.entry_id OPERATOR(pg_catalog.=) e.id),
           'pending_legs', (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(l.leg, l.account_id, l.amount)
                                                        ORDER BY l.leg)
                              FROM fintech.pending_legs l WHERE l.entry_id OPERATOR(pg_catalog.=) e.id))
    FROM fintech.entries e
   WHERE e.id OPERATOR(pg_catalog.=) audit_entry_image.entry_id
$fn$;
COMMENT ON FUNCTION fintech.audit_entry_image(pg_catalog.int8) IS
  'The new_row of a ledger entry''s leaf: the entry and its legs, as jsonb';

CREATE FUNCTION fintech.audit_root(tree_size pg_catalog.int8 DEFAULT NULL)
RETURNS TABLE(tree_size pg_catalog.int8, root_hash pg_catalog.bytea)
LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_audit_root';
COMMENT ON FUNCTION fintech.audit_root(pg_catalog.int8) IS
  'Root of the audit log''s Merkle tree (RFC 9162) of tree_size leaves (NULL: all sealed rows)';

CREATE FUNCTION fintech.audit_inclusion_proof(seq pg_catalog.int8, tree_size pg_catalog.int8 DEFAULT NULL)
RETURNS TABLE(seq pg_catalog.int8, tree_size pg_catalog.int8, leaf_hash pg_catalog.bytea,
              path pg_catalog.bytea[])
LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_audit_inclusion_proof';
COMMENT ON FUNCTION fintech.audit_inclusion_proof(pg_catalog.int8, pg_catalog.int8) IS
  'RFC 9162 inclusion proof of the sealed row seq in the tree of tree_size leaves; leaf_hash from the row as it is now';

CREATE FUNCTION fintech.audit_consistency_proof(old_size pg_catalog.int8, new_size pg_catalog.int8 DEFAULT NULL)
RETURNS TABLE(old_size pg_catalog.int8, new_size pg_catalog.int8, path pg_catalog.bytea[])
LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_audit_consistency_proof';
COMMENT ON FUNCTION fintech.audit_consistency_proof(pg_catalog.int8, pg_catalog.int8) IS
  'RFC 9162 consistency proof: the tree of new_size leaves extends the tree of old_size leaves';

CREATE FUNCTION fintech.audit_leaf_data(seq pg_catalog.int8)
RETURNS pg_catalog.bytea
LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_audit_leaf_data';
COMMENT ON FUNCTION fintech.audit_leaf_data(pg_catalog.int8) IS
  'The leaf data of the sealed row seq: its canonical form (leaf hash = sha256(0x00 || leaf data))';

INSERT INTO fintech.duty_privileges (duty, kind, name)
SELECT 'auditor', d.kind, n.name
  FROM (VALUES
    ('function', '{audit_root, audit_inclusion_proof, audit_consistency_proof, audit_leaf_data,
                   audit_entry_image}'),
    ('relation', '{audit_tree, entries, postings, pending_legs}')
  ) AS d(kind, names)
  CROSS JOIN LATERAL pg_catalog.unnest(d.names::pg_catalog.text[]) AS n(name);

/* ------------------------------------------------------------------------
 * Erasure of personal data (0.5.0): see the same part of sql/fintech.sql.
 * It comes before the tree is built over the old chain's rows: their
 * leaves are their images with the personal values committed.
 * What only the update does: audit_table gets its personal_columns
 * argument (a new signature: dropped and created again, keeping the roles
 * it was granted to), accounts closed before the update get their
 * closed_at from the log, and the personal values logged before the
 * update become commitments.
 * ------------------------------------------------------------------------ */

-- Erasure of personal data (0.5.0)

DO $erase$
DECLARE
    grantees pg_catalog.text[];
    r        pg_catalog.text;
BEGIN
    SELECT pg_catalog.array_agg(a.grantee::pg_catalog.regrole::pg_catalog.text) INTO grantees
      FROM pg_catalog.pg_proc p CROSS JOIN LATERAL pg_catalog.aclexplode(p.proacl) a
     WHERE p.oid = 'fintech.audit_table(pg_catalog.regclass)'::pg_catalog.regprocedure
       AND a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner AND a.grantee <> 0;
    DROP FUNCTION fintech.audit_table(pg_catalog.regclass);
    CREATE FUNCTION fintech.audit_table(tbl pg_catalog.regclass,
                                        personal_columns pg_catalog.text[] DEFAULT NULL)
    RETURNS void
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'fintech_audit_table_personal';
    REVOKE ALL ON FUNCTION fintech.audit_table(pg_catalog.regclass, pg_catalog.text[]) FROM PUBLIC;
    -- a role the owner granted it to by hand keeps it, as its own right (not
    -- an initial privilege, which pg_dump would leave out)
    FOREACH r IN ARRAY coalesce(grantees, '{}') LOOP
        EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION fintech.audit_table(pg_catalog.regclass, pg_catalog.text[]) TO %s', r);
    END LOOP;
    UPDATE pg_catalog.pg_init_privs i
       SET initprivs = ARRAY(SELECT x FROM pg_catalog.unnest(i.initprivs) AS x
                              WHERE (SELECT a.grantee FROM pg_catalog.aclexplode(ARRAY[x]) AS a LIMIT 1)
                                    OPERATOR(pg_catalog.=) p.proowner)
      FROM pg_catalog.pg_proc p
     WHERE p.oid = 'fintech.audit_table(pg_catalog.regclass, pg_catalog.text[])'::pg_catalog.regprocedure
       AND i.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND i.objoid = p.oid AND i.objsubid = 0;
END
$erase$;

-- when an account was closed (close_account): fintech.personal_data_retention counts from it
ALTER TABLE fintech.accounts ADD COLUMN closed_at pg_catalog.timestamptz;
-- when the party's personal data was erased (fintech.erase_party)
ALTER TABLE fintech.parties ADD COLUMN erased_at pg_catalog.timestamptz;

-- the personal columns of audited tables, set by fintech.audit_table();
-- fintech's own (parties, screening_alerts) are built in
CREATE TABLE fintech.audit_personal_columns (
    tbl     pg_catalog.regclass PRIMARY KEY,
    columns pg_catalog.text[] NOT NULL,
    set_at  pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);
COMMENT ON TABLE fintech.audit_personal_columns IS
  'The personal columns of audited tables, set by fintech.audit_table(tbl, personal_columns)';

-- the personal values the audit log commits to, until erased
CREATE TABLE fintech.audit_personal (
    audit_id    pg_catalog.int8 NOT NULL,               -- fintech.audit_log.id
    image       pg_catalog.text NOT NULL CHECK (image IN ('old', 'new')),
    column_name pg_catalog.text NOT NULL,
    tbl         pg_catalog.regclass NOT NULL,           -- the audited table
    row_key     pg_catalog.jsonb,                       -- the row's primary key
    commitment  pg_catalog.bytea NOT NULL,              -- SHA-256(salt || value #>> '{}')
    salt        pg_catalog.bytea NOT NULL,              -- 16 random bytes
    value       pg_catalog.jsonb NOT NULL,
    PRIMARY KEY (audit_id, image, column_name)
);
CREATE INDEX audit_personal_row ON fintech.audit_personal (tbl, row_key);
COMMENT ON TABLE fintech.audit_personal IS
  'Personal values of logged row images: the image holds {"commitment": hex(SHA-256(salt || value #>> ''{}''))}; erasure deletes the row';

-- one row per erasure: who, when, why, what (never the values)
CREATE TABLE fintech.erasures (
    id          pg_catalog.int8 GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    erased_at   pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    erased_by   pg_catalog.text NOT NULL,               -- the calling role
    reason      pg_catalog.text NOT NULL,
    table_name  pg_catalog.text NOT NULL,               -- fintech.parties or the user table
    primary_key pg_catalog.jsonb NOT NULL,              -- {"id": <party id>} or the row's key
    alert_ids   pg_catalog.int8[],                      -- a party's screening alerts scrubbed
    columns     pg_catalog.text[] NOT NULL,             -- the personal columns erased
    log_rows    pg_catalog.int8 NOT NULL                -- audit rows redacted
);
CREATE INDEX erasures_row ON fintech.erasures (table_name, primary_key);
COMMENT ON TABLE fintech.erasures IS
  'Each erasure of personal data (erase_party, erase_audited_row, the retention job): who, when, why, what; never the values';

SELECT pg_catalog.pg_extension_config_dump('fintech.audit_personal_columns', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.audit_personal', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.erasures', '');
SELECT pg_catalog.pg_extension_config_dump('fintech.erasures_id_seq', '');

SELECT fintech.audit_table('fintech.erasures');

CREATE FUNCTION fintech.erase_party(party_id pg_catalog.int8, reason pg_catalog.text)
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_erase_party';
COMMENT ON FUNCTION fintech.erase_party(pg_catalog.int8, pg_catalog.text) IS
  'Erase a party''s personal data from parties, its screening alerts and the audit log (LD011 under a legal hold); returns the log rows redacted';

CREATE FUNCTION fintech.erase_audited_row(tbl pg_catalog.regclass, primary_key pg_catalog.jsonb,
                                          reason pg_catalog.text)
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_erase_audited_row';
COMMENT ON FUNCTION fintech.erase_audited_row(pg_catalog.regclass, pg_catalog.jsonb, pg_catalog.text) IS
  'Erase the personal values the audit log holds of one row of a user table; returns the log rows redacted';

INSERT INTO fintech.duty_privileges (duty, kind, name) VALUES
  ('compliance', 'function', 'erase_party'),
  ('compliance', 'function', 'erase_audited_row'),
  ('compliance', 'relation', 'audit_personal'),
  ('compliance', 'relation', 'erasures'),
  ('auditor', 'relation', 'audit_personal'),
  ('auditor', 'relation', 'audit_personal_columns'),
  ('auditor', 'relation', 'erasures');

REVOKE ALL ON FUNCTION fintech.erase_party(pg_catalog.int8, pg_catalog.text),
                       fintech.erase_audited_row(pg_catalog.regclass, pg_catalog.jsonb, pg_catalog.text)
  FROM PUBLIC;
REVOKE ALL ON TABLE fintech.audit_personal_columns, fintech.audit_personal, fintech.erasures FROM PUBLIC;
REVOKE ALL ON SEQUENCE fintech.erasures_id_seq FROM PUBLIC;

-- an account closed before the update: closed when the log says so (else now)
WITH closed AS (
    SELECT (l.new_row OPERATOR(pg_catalog.->>) 'id')::pg_catalog.int8 AS id,
           pg_catalog.max(l.changed_at) AS closed_at
      FROM fintech.audit_log l
     WHERE l.table_name OPERATOR(pg_catalog.=) 'fintech.accounts' AND l.operation OPERATOR(pg_catalog.=) 'UPDATE'
       AND l.new_row OPERATOR(pg_catalog.->>) 'status' OPERATOR(pg_catalog.=) 'closed'
       AND l.old_row OPERATOR(pg_catalog.->>) 'status' OPERATOR(pg_catalog.<>) 'closed'
     GROUP BY 1)
UPDATE fintech.accounts a
   SET closed_at = coalesce((SELECT c.closed_at FROM closed c WHERE c.id OPERATOR(pg_catalog.=) a.id),
                            pg_catalog.now())
 WHERE a.status OPERATOR(pg_catalog.=) 'closed';

-- the personal values logged before the update (party names in the rows of
-- parties and screening_alerts, sealed or not) become commitments; a sealed
-- row keeps its row_hash and chain_hash, which verify_audit() checks with
-- the values put back
ALTER TABLE fintech.audit_log DISABLE TRIGGER immutable_row;
CREATE FUNCTION fintech.personal_commit_logged()
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'fintech_personal_commit_logged';
SELECT fintech.personal_commit_logged();
DROP FUNCTION fintech.personal_commit_logged();
ALTER TABLE fintech.audit_log ENABLE TRIGGER immutable_row;

/*
 * The rows already sealed (the hash chain of 0.3.0 to 0.4.1) become the
 * tree's first leaves: their leaf hashes (their row_hash is the chain's)
 * and the tree over them are computed here, once, in C (about as long as
 * verify_audit() takes over them).  The head then records where the chain
 * ends; its digests keep verifying (verify_audit_digest).
 */
CREATE FUNCTION fintech.audit_tree_build()
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'fintech_audit_tree_build';
SELECT fintech.audit_tree_build();
DROP FUNCTION fintech.audit_tree_build();
ALTER TABLE fintech.audit_head ALTER COLUMN chain_seq SET NOT NULL;

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
            RAISE WARNING 'fintech 0.5.0: role % holds % rights but did not get the new ones: %',
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
