-- privileges: least privilege by default and separation of duties.
-- Nothing of the extension is granted to PUBLIC; roles get their rights
-- only from fintech.grant_<duty>() and lose them with fintech.revoke_all();
-- application and compliance never meet in one role; the trigger
-- functions refuse every use but their own.
\set VERBOSITY default
\set SHOW_CONTEXT never

-- every function and relation of the extension (a catalog query: a new
-- object is checked without touching this test)
CREATE TEMP VIEW ext_objects AS
  SELECT d.classid, d.objid, pg_describe_object(d.classid, d.objid, 0) AS object,
         CASE WHEN d.classid = 'pg_proc'::regclass THEN 'function' ELSE 'relation' END AS kind,
         coalesce(p.proname, c.relname) AS name,
         coalesce(p.proacl, c.relacl) AS acl
    FROM pg_depend d
    LEFT JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
    LEFT JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
   WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
     AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'fintech')
     AND (p.oid IS NOT NULL OR c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f'));
SELECT kind, count(*) > 0 AS some FROM ext_objects GROUP BY 1 ORDER BY 1;

-- ====================================================================
-- PUBLIC holds nothing: no EXECUTE, no SELECT, nothing (a NULL acl is the
-- default, which gives EXECUTE on a function to PUBLIC); nor the schema
-- ====================================================================
SELECT object, coalesce(acl::text, 'default') AS acl FROM ext_objects
 WHERE acl IS NULL OR EXISTS (SELECT FROM aclexplode(acl) a WHERE a.grantee = 0)
 ORDER BY 1;
SELECT count(*) AS public_schema_rights
  FROM pg_namespace n, aclexplode(n.nspacl) a WHERE n.nspname = 'fintech' AND a.grantee = 0;

-- a role with no grants: nothing, and 42501 when it tries
CREATE ROLE regress_nobody;
SELECT count(*) FILTER (WHERE kind = 'function' AND has_function_privilege('regress_nobody', objid, 'EXECUTE'))
     + count(*) FILTER (WHERE kind = 'relation'
                          AND has_table_privilege('regress_nobody', objid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER'))
       AS rights_of_nobody
  FROM ext_objects;
SET ROLE regress_nobody;
SELECT fintech.version();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.transfer('a', 'b', 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) FROM fintech.worker_status;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
-- USAGE on the schema alone (what 0.3.0 documented) gives nothing either
GRANT USAGE ON SCHEMA fintech TO regress_nobody;
SET ROLE regress_nobody;
SELECT fintech.version();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.transfer('a', 'b', 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.load_sanctions_ofac('1,"X"', list => 'NOBODY');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.get_worker_status();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) FROM fintech.accounts;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) FROM fintech.audit_log;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) FROM fintech.screening_status;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT nextval('fintech.entries_id_seq');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
REVOKE USAGE ON SCHEMA fintech FROM regress_nobody;

-- ====================================================================
-- each helper grants exactly its duty: the matrix
-- ====================================================================
CREATE ROLE regress_app;
CREATE ROLE regress_compliance;
CREATE ROLE regress_auditor;
CREATE ROLE regress_monitor;
CREATE ROLE regress_operator;
SELECT fintech.grant_application('regress_app'), fintech.grant_compliance('regress_compliance'),
       fintech.grant_auditor('regress_auditor'), fintech.grant_monitoring('regress_monitor'),
       fintech.grant_operator('regress_operator');
-- granting again changes nothing
SELECT fintech.grant_application('regress_app');
CREATE FUNCTION pg_temp.can(r text, kind text, objid oid) RETURNS text LANGUAGE sql AS $$
  SELECT CASE WHEN CASE kind WHEN 'function' THEN has_function_privilege(r, objid, 'EXECUTE')
                             ELSE has_table_privilege(r, objid, 'SELECT') END
              THEN 'x' ELSE '' END $$;
SELECT o.object, pg_temp.can('regress_app', o.kind, o.objid) AS app, pg_temp.can('regress_compliance', o.kind, o.objid) AS compl,
       pg_temp.can('regress_auditor', o.kind, o.objid) AS audit, pg_temp.can('regress_monitor', o.kind, o.objid) AS monit,
       pg_temp.can('regress_operator', o.kind, o.objid) AS oper, pg_temp.can('regress_nobody', o.kind, o.objid) AS nobody
  FROM ext_objects o WHERE o.object NOT LIKE 'sequence %' ORDER BY o.kind, o.object;
-- the matrix is fintech.duty_privileges, no more, no less (every overload
-- of a listed function, SELECT only, never a write, never a sequence)
SELECT r.duty, o.object, dp.name IS NOT NULL AS listed,
       CASE o.kind WHEN 'function' THEN has_function_privilege(r.role, o.objid, 'EXECUTE')
                   ELSE has_table_privilege(r.role, o.objid, 'SELECT') END AS granted
  FROM (VALUES ('application', 'regress_app'), ('compliance', 'regress_compliance'),
               ('auditor', 'regress_auditor'), ('monitoring', 'regress_monitor'),
               ('operator', 'regress_operator')) AS r(duty, role)
 CROSS JOIN ext_objects o
  LEFT JOIN fintech.duty_privileges dp ON dp.duty = r.duty AND dp.kind = o.kind AND dp.name = o.name
 WHERE (dp.name IS NOT NULL) IS DISTINCT FROM
       CASE o.kind WHEN 'function' THEN has_function_privilege(r.role, o.objid, 'EXECUTE')
                   ELSE has_table_privilege(r.role, o.objid, 'SELECT') END
    OR (o.kind = 'relation'
        AND has_table_privilege(r.role, o.objid, 'INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER'))
    OR (o.object LIKE 'sequence %' AND has_sequence_privilege(r.role, o.objid, 'USAGE, SELECT, UPDATE'))
 ORDER BY 1, 2;
-- every duty uses schema fintech; every listed object exists
SELECT r, has_schema_privilege(r, 'fintech', 'USAGE') AS usage,
       has_schema_privilege(r, 'fintech', 'CREATE') AS "create"
  FROM unnest('{regress_app, regress_compliance, regress_auditor, regress_monitor, regress_operator, regress_nobody}'::text[]) r;
SELECT dp.duty, dp.kind, dp.name FROM fintech.duty_privileges dp
 WHERE NOT EXISTS (SELECT FROM ext_objects o WHERE o.kind = dp.kind AND o.name = dp.name);
-- what no duty gets: the owner's alone
SELECT o.object FROM ext_objects o
 WHERE o.object NOT LIKE 'sequence %'
   AND NOT EXISTS (SELECT FROM fintech.duty_privileges dp WHERE dp.kind = o.kind AND dp.name = o.name)
 ORDER BY 1;

-- ====================================================================
-- the duties at work
-- ====================================================================
SELECT fintech.open_account('priv_bank', 'USD', kind => 'asset', min_balance => NULL) > 0 AS opened;
SELECT fintech.open_account('priv_alice', 'USD') > 0 AS opened;
-- the application moves money and reads the ledger ...
SET ROLE regress_app;
SELECT fintech.transfer('priv_bank', 'priv_alice', 1000) > 0 AS transferred;
SELECT fintech.balance('priv_alice'), fintech.available_balance('priv_alice');
SELECT status FROM fintech.pay('priv-1', 'priv_alice', 'priv_bank', 100);
SELECT fintech.create_party('Priv Customer') > 0 AS party_created;
SELECT count(*) >= 0 AS reads_alerts FROM fintech.screening_alerts;
-- ... but cannot load a list, decide an alert, rescreen, seal, verify,
-- run a job, read the log or the lists, or attach audit triggers (42501)
SELECT fintech.load_sanctions_ofac('1,"X"', list => 'APP');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.resolve_alert(1, 'cleared', 'mine');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.rescreen_parties();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.seal_audit();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.verify_audit();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.run_job('heartbeat');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) FROM fintech.audit_log;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) FROM fintech.sanctions_names;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.get_worker_status();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.audit_table('fintech.accounts');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- nor give itself more
SELECT fintech.grant_compliance('regress_app');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
GRANT EXECUTE ON FUNCTION fintech.resolve_alert(bigint, text, text) TO regress_app;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
-- monitoring reads worker_status (the view calls get_worker_status with
-- the reader's rights), screening_status and check_ledger, and moves nothing
SET ROLE regress_monitor;
SELECT count(*) > 1 AS sees_jobs FROM fintech.worker_status;
SELECT count(*) >= 0 AS sees_lists FROM fintech.screening_status;
SELECT bool_and(ok) AS ledger_ok FROM fintech.check_ledger();
SELECT fintech.transfer('priv_bank', 'priv_alice', 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.run_job('heartbeat');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) FROM fintech.accounts;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
-- the auditor verifies and reads the log, and changes nothing
SET ROLE regress_auditor;
SELECT count(*) >= 0 AS digest_read FROM fintech.audit_digest();
SELECT count(*) > 0 AS reads_log FROM fintech.audit_log;
SELECT fintech.seal_audit();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.transfer('priv_bank', 'priv_alice', 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
-- the operator seals and runs jobs
SET ROLE regress_operator;
SELECT fintech.seal_audit() >= 0 AS sealed;
-- run_job is the operator's: the call gets past the privilege check (the
-- jobs of this cluster run in another database: not 42501)
SELECT fintech.run_job('heartbeat') >= 0 AS ran;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM fintech.verify_audit();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
SET ROLE regress_auditor;
SELECT ok FROM fintech.verify_audit();
RESET ROLE;
-- compliance loads lists and decides, but moves no money
SET ROLE regress_compliance;
SELECT fintech.load_sanctions_ofac(E'1,"PRIVILEGED, Person",individual,"T",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n',
                                   list => 'PRIV') AS listed;
SELECT fintech.rescreen_parties() >= 0 AS rescreened;
SELECT list, entities FROM fintech.screening_status WHERE list = 'PRIV';
SELECT fintech.pay('priv-2', 'priv_alice', 'priv_bank', 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) FROM fintech.accounts;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;

-- ====================================================================
-- separation of duties: application and compliance never meet in one
-- role, directly or through membership, in either direction (42501)
-- ====================================================================
SELECT fintech.grant_compliance('regress_app');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.grant_application('regress_compliance');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a member of the application role cannot be made compliance ...
CREATE ROLE regress_app_member IN ROLE regress_app;
SELECT fintech.grant_compliance('regress_app_member');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- ... even without INHERIT (it can still SET ROLE regress_app)
ALTER ROLE regress_app_member NOINHERIT;
SELECT fintech.grant_compliance('regress_app_member');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- and a member of the compliance role cannot be made application
CREATE ROLE regress_compliance_member IN ROLE regress_compliance;
SELECT fintech.grant_application('regress_compliance_member');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a group whose member is an application role: granting it compliance
-- would give the member both
CREATE ROLE regress_group;
GRANT regress_group TO regress_app;
SELECT fintech.grant_compliance('regress_group');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
REVOKE regress_group FROM regress_app;
GRANT regress_group TO regress_compliance;
SELECT fintech.grant_application('regress_group');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- other duties combine freely with either
SELECT fintech.grant_monitoring('regress_app'), fintech.grant_auditor('regress_compliance');
-- after revoke_all, the role is nobody, and may take the other duty
SELECT fintech.revoke_all('regress_app');
SELECT count(*) FILTER (WHERE pg_temp.can('regress_app', o.kind, o.objid) <> '') AS rights_left,
       has_schema_privilege('regress_app', 'fintech', 'USAGE') AS usage_left
  FROM ext_objects o;
SET ROLE regress_app;
SELECT fintech.transfer('priv_bank', 'priv_alice', 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
REVOKE regress_app FROM regress_app_member;
SELECT fintech.grant_compliance('regress_app');
SELECT pg_temp.can('regress_app', o.kind, o.objid) AS resolve_alert FROM ext_objects o WHERE name = 'resolve_alert';
-- revoke_all also takes back what was granted by hand
GRANT EXECUTE ON FUNCTION fintech.seal_audit() TO regress_nobody;
GRANT SELECT ON fintech.accounts TO regress_nobody;
SELECT fintech.revoke_all('regress_nobody');
SELECT count(*) FILTER (WHERE pg_temp.can('regress_nobody', o.kind, o.objid) <> '') AS rights_left FROM ext_objects o;

-- ====================================================================
-- only a superuser or the extension's owner may call the helpers (42501)
-- ====================================================================
SET ROLE regress_operator;
SELECT fintech.grant_application('regress_nobody');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.revoke_all('regress_app');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
-- even when given EXECUTE on them by mistake: they run with the caller's
-- rights (SECURITY INVOKER) and check the caller first
GRANT EXECUTE ON FUNCTION fintech.grant_application(regrole), fintech.apply_duty(text, regrole)
  TO regress_operator;
SET ROLE regress_operator;
SELECT fintech.grant_application('regress_nobody');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.apply_duty('compliance', 'regress_operator');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
REVOKE EXECUTE ON FUNCTION fintech.grant_application(regrole), fintech.apply_duty(text, regrole)
  FROM regress_operator;
-- bad arguments
SELECT fintech.grant_application(NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.grant_application(0);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.grant_application('no_such_role');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.apply_duty('superuser', 'regress_nobody');
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- ====================================================================
-- trigger functions: nobody but the owner may use them, and they refuse
-- every use but their own (39P01), never crash
-- ====================================================================
CREATE ROLE regress_tables;
GRANT CREATE ON SCHEMA public TO regress_tables;
SELECT fintech.grant_application('regress_tables');
SET ROLE regress_tables;
CREATE TABLE regress_own (x int);
CREATE TRIGGER boom AFTER INSERT ON regress_own
  FOR EACH STATEMENT EXECUTE FUNCTION fintech.audit_trigger();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
CREATE TRIGGER boom BEFORE UPDATE ON regress_own
  FOR EACH ROW EXECUTE FUNCTION fintech.refuse_change();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DROP TABLE regress_own;
RESET ROLE;
SELECT fintech.revoke_all('regress_tables');
REVOKE CREATE ON SCHEMA public FROM regress_tables;

-- as superuser: the crash of issue 16 (a statement trigger has no row)
CREATE TABLE regress_boom (x int);
CREATE TRIGGER boom AFTER INSERT ON regress_boom
  FOR EACH STATEMENT EXECUTE FUNCTION fintech.audit_trigger();
INSERT INTO regress_boom VALUES (1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DROP TRIGGER boom ON regress_boom;
-- a row trigger, but BEFORE
CREATE TRIGGER fintech_audit BEFORE INSERT ON regress_boom
  FOR EACH ROW EXECUTE FUNCTION fintech.audit_trigger();
INSERT INTO regress_boom VALUES (1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DROP TRIGGER fintech_audit ON regress_boom;
-- AFTER ROW, but not a trigger fintech.audit_table() made
CREATE TRIGGER my_audit AFTER INSERT ON regress_boom
  FOR EACH ROW EXECUTE FUNCTION fintech.audit_trigger();
INSERT INTO regress_boom VALUES (1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DROP TRIGGER my_audit ON regress_boom;
-- audit_table's names, at the wrong level
CREATE TRIGGER fintech_audit AFTER UPDATE ON regress_boom
  FOR EACH STATEMENT EXECUTE FUNCTION fintech.audit_trigger();
UPDATE regress_boom SET x = 2;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DROP TRIGGER fintech_audit ON regress_boom;
CREATE TRIGGER fintech_audit_truncate BEFORE TRUNCATE ON regress_boom
  FOR EACH STATEMENT EXECUTE FUNCTION fintech.audit_trigger();
TRUNCATE regress_boom;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DROP TRIGGER fintech_audit_truncate ON regress_boom;
-- on a view (INSTEAD OF)
CREATE VIEW regress_boom_v AS SELECT x FROM regress_boom;
CREATE TRIGGER fintech_audit INSTEAD OF INSERT ON regress_boom_v
  FOR EACH ROW EXECUTE FUNCTION fintech.audit_trigger();
INSERT INTO regress_boom_v VALUES (1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DROP VIEW regress_boom_v;
-- called as a plain function
SELECT fintech.audit_trigger();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- the way it is made for still works
SELECT fintech.audit_table('regress_boom');
INSERT INTO regress_boom VALUES (3);
TRUNCATE regress_boom;
SELECT operation, new_row FROM fintech.audit_log
 WHERE table_name = 'public.regress_boom' ORDER BY id;

-- refuse_change: on a table that is not fintech's history
CREATE TRIGGER immutable_row BEFORE UPDATE OR DELETE ON regress_boom
  FOR EACH ROW EXECUTE FUNCTION fintech.refuse_change();
INSERT INTO regress_boom VALUES (4);
UPDATE regress_boom SET x = 5;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DROP TRIGGER immutable_row ON regress_boom;
-- on fintech's history, but as a statement trigger, AFTER, or on INSERT
BEGIN;
CREATE TRIGGER regress_wrong BEFORE UPDATE ON fintech.entries
  FOR EACH STATEMENT EXECUTE FUNCTION fintech.refuse_change();
UPDATE fintech.entries SET description = 'x' WHERE false;
ROLLBACK;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
BEGIN;
CREATE TRIGGER regress_wrong AFTER UPDATE ON fintech.accounts
  FOR EACH ROW EXECUTE FUNCTION fintech.refuse_change();
UPDATE fintech.accounts SET metadata = metadata WHERE code = 'priv_alice';
ROLLBACK;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
BEGIN;
CREATE TRIGGER regress_wrong BEFORE INSERT ON fintech.entries
  FOR EACH ROW EXECUTE FUNCTION fintech.refuse_change();
INSERT INTO fintech.entries (type) VALUES ('standard');
ROLLBACK;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- the right kind of trigger on a table of fintech that is not history
BEGIN;
CREATE TRIGGER regress_wrong BEFORE UPDATE ON fintech.currencies
  FOR EACH ROW EXECUTE FUNCTION fintech.refuse_change();
UPDATE fintech.currencies SET minor_units = 2 WHERE code = 'USD';
ROLLBACK;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- and where it belongs, it still says LD007
UPDATE fintech.entries SET description = 'rewritten';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
TRUNCATE fintech.audit_log;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DROP TABLE regress_boom;

-- clean up: revoke_all, then the roles can go
SELECT fintech.revoke_all(r::regrole)
  FROM unnest('{regress_app, regress_compliance, regress_auditor, regress_monitor, regress_operator,
               regress_group}'::text[]) r;
DROP ROLE regress_app_member, regress_compliance_member, regress_group, regress_app, regress_compliance,
          regress_auditor, regress_monitor, regress_operator, regress_nobody, regress_tables;
SELECT bool_and(ok) AS ledger_ok FROM fintech.check_ledger();

-- the README's example (Installing), as written there
CREATE ROLE shop_app LOGIN;           -- the payment application
CREATE ROLE kyc_officer LOGIN;        -- compliance: lists, alerts, rescreening
SELECT fintech.grant_application('shop_app');
SELECT fintech.grant_compliance('kyc_officer');
-- also: fintech.grant_auditor, fintech.grant_monitoring, fintech.grant_operator,
-- fintech.revoke_all
SELECT has_function_privilege('shop_app', 'fintech.pay(text, text, text, bigint, text, jsonb)', 'EXECUTE') AS app_pays,
       has_function_privilege('shop_app', 'fintech.resolve_alert(bigint, text, text)', 'EXECUTE') AS app_resolves,
       has_function_privilege('kyc_officer', 'fintech.resolve_alert(bigint, text, text)', 'EXECUTE') AS officer_resolves,
       has_function_privilege('kyc_officer', 'fintech.transfer(text, text, bigint, text, jsonb, interval, text)', 'EXECUTE') AS officer_transfers;
SELECT fintech.revoke_all('shop_app'), fintech.revoke_all('kyc_officer');
DROP ROLE shop_app, kyc_officer;
