/*
 * fintech 0.1.0 — install script.
 *
 * Everything lives in schema fintech (created by CREATE EXTENSION from the
 * control file) and is qualified; nothing depends on the caller's
 * search_path.
 */
\echo Use "CREATE EXTENSION fintech CASCADE" to load this file. \quit

/* ------------------------------------------------------------------------
 * Module
 * ------------------------------------------------------------------------ */

CREATE FUNCTION fintech.version()
RETURNS pg_catalog.text
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'fintech_version';

COMMENT ON FUNCTION fintech.version() IS
  'Version of the loaded fintech library (pg_extension.extversion is the SQL objects'' version)';

/* ------------------------------------------------------------------------
 * Background worker framework (worker.c)
 * ------------------------------------------------------------------------ */

CREATE FUNCTION fintech.get_worker_status(
    OUT job pg_catalog.text,
    OUT state pg_catalog.text,
    OUT pid pg_catalog.int4,
    OUT database pg_catalog.text,
    OUT "interval" pg_catalog.interval,
    OUT runs pg_catalog.int8,
    OUT errors pg_catalog.int8,
    OUT last_run pg_catalog.timestamptz,
    OUT last_duration pg_catalog.interval,
    OUT rows_handled pg_catalog.int8,
    OUT total_rows pg_catalog.int8,
    OUT next_run pg_catalog.timestamptz,
    OUT last_error pg_catalog.text,
    OUT last_error_at pg_catalog.timestamptz,
    OUT detail pg_catalog.text)
RETURNS SETOF record
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'fintech_worker_status';

CREATE VIEW fintech.worker_status AS
  SELECT * FROM fintech.get_worker_status();

COMMENT ON VIEW fintech.worker_status IS
  'The fintech launcher (first row) and each background job: state, interval, runs, last run, rows handled, last error';

CREATE FUNCTION fintech.run_job(job pg_catalog.text, wait pg_catalog.bool DEFAULT true)
RETURNS pg_catalog.int8
LANGUAGE C VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'fintech_run_job';

COMMENT ON FUNCTION fintech.run_job(pg_catalog.text, pg_catalog.bool) IS
  'Ask the fintech launcher to run a job now; with wait, return the rows it handled';

/* ------------------------------------------------------------------------
 * Privileges: nothing for PUBLIC beyond what PostgreSQL grants by default
 * (and schema fintech is not usable by PUBLIC at all).  Running jobs on
 * demand is for the owner and whoever it grants it to.
 * ------------------------------------------------------------------------ */

REVOKE ALL ON FUNCTION fintech.run_job(pg_catalog.text, pg_catalog.bool) FROM PUBLIC;
