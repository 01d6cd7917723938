-- extension: control-file facts, CREATE/DROP EXTENSION, the fixed schema,
-- the pgcrypto requirement, the reserved GUC prefix and default privileges.
-- (pg_regress has already run CREATE EXTENSION pgcrypto, fintech.)

-- the control file
SELECT name, default_version, comment
  FROM pg_available_extensions WHERE name = 'fintech';
SELECT version, superuser, trusted, relocatable, schema, requires
  FROM pg_available_extension_versions WHERE name = 'fintech' ORDER BY version;
SELECT e.extversion, n.nspname AS schema, e.extrelocatable,
       fintech.version() = e.extversion AS library_matches_sql
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname = 'fintech';

-- every object of the extension, all in schema fintech
SELECT pg_describe_object(classid, objid, objsubid) AS member
  FROM pg_depend
 WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'fintech')
 ORDER BY 1;

-- not relocatable, and only ever in schema fintech
ALTER EXTENSION fintech SET SCHEMA public;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DROP EXTENSION fintech;
CREATE SCHEMA regress_elsewhere;
CREATE EXTENSION fintech SCHEMA regress_elsewhere;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DROP SCHEMA regress_elsewhere;

-- DROP EXTENSION removed every object and left pgcrypto alone.  The schema
-- that CREATE EXTENSION made for it stays, empty: PostgreSQL never makes an
-- extension's own schema one of its members (DROP SCHEMA fintech if wanted).
SELECT (SELECT count(*) FROM pg_class WHERE relnamespace = 'fintech'::regnamespace)
     + (SELECT count(*) FROM pg_proc WHERE pronamespace = 'fintech'::regnamespace)
     + (SELECT count(*) FROM pg_type WHERE typnamespace = 'fintech'::regnamespace)
       AS objects_left_in_schema;
SELECT count(*) AS functions FROM pg_proc WHERE probin LIKE '%fintech%';
SELECT extname FROM pg_extension ORDER BY 1;
DROP SCHEMA fintech;

-- pgcrypto is required: CASCADE installs it
DROP EXTENSION pgcrypto;
CREATE EXTENSION fintech;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
CREATE EXTENSION fintech CASCADE;
SELECT e.extname, n.nspname AS schema
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace ORDER BY 1;
DROP EXTENSION pgcrypto;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- and CREATE EXTENSION again is an error, IF NOT EXISTS a no-op
CREATE EXTENSION fintech;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
CREATE EXTENSION IF NOT EXISTS fintech;

-- GUCs: defined whether preloaded or not; the prefix is reserved
SELECT name, vartype, unit, context, boot_val, min_val, max_val
  FROM pg_settings WHERE name LIKE 'fintech.%' ORDER BY name;
SET fintech.no_such_setting = 1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SET fintech.heartbeat_interval = '1s';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SET fintech.database = 'postgres';
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- privileges: PUBLIC cannot use the schema, and USAGE alone gives nothing
-- (from 0.4.0 nothing is executable or readable by PUBLIC); a role gets its
-- rights from the helpers (privileges.sql has the whole model)
CREATE ROLE regress_fintech_app;
SET ROLE regress_fintech_app;
SELECT fintech.version();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
GRANT USAGE ON SCHEMA fintech TO regress_fintech_app;
SET ROLE regress_fintech_app;
SELECT fintech.version();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) FROM fintech.worker_status;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.run_job('heartbeat');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT fintech.grant_monitoring('regress_fintech_app');
SET ROLE regress_fintech_app;
SELECT fintech.version() IS NOT NULL AS version_ok;
SELECT count(*) > 1 AS sees_status FROM fintech.worker_status;
SELECT fintech.run_job('heartbeat');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT fintech.revoke_all('regress_fintech_app');
DROP ROLE regress_fintech_app;
