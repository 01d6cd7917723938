-- test/demo.sql — what fintech shows today (run by test/demo.sh in a
-- throwaway preloaded cluster; each feature adds its part here).
\pset pager off
\pset null '(null)'
\set ON_ERROR_STOP on

\echo
\echo '== 1. CREATE EXTENSION fintech CASCADE (pgcrypto comes along)'
CREATE EXTENSION fintech CASCADE;
SELECT e.extname, e.extversion, n.nspname AS schema, e.extrelocatable AS relocatable
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname IN ('fintech', 'pgcrypto') ORDER BY 1;
SELECT fintech.version() AS library_version;

\echo
\echo '== 2. The background worker: one launcher, connected to fintech.database'
-- it polls for the extension once a second; give it up to 30 s
DO $$
BEGIN
  FOR i IN 1..300 LOOP
    PERFORM FROM fintech.worker_status
      WHERE job = 'heartbeat' AND runs > 0;
    EXIT WHEN FOUND;
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;
SELECT job, state, pid, database, "interval", runs, errors, last_error
  FROM fintech.worker_status;
SELECT pid, backend_type, datname, wait_event_type, wait_event
  FROM pg_stat_activity WHERE backend_type = 'fintech launcher';

\echo
\echo '== 3. Run a job now and wait for it (fintech.run_job)'
SELECT fintech.run_job('heartbeat') AS rows_handled;
SELECT job, state, runs, rows_handled, last_duration < interval '1 s' AS quick
  FROM fintech.worker_status WHERE job = 'heartbeat';
