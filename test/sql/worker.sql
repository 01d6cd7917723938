-- worker: the background worker framework on a preloaded server.
-- The launcher works in fintech.database (not this test database), so this
-- test checks what holds on any preloaded server; test/t/001_launcher.pl
-- drives the launcher itself.

-- wait up to 30 s for the launcher to have connected
DO $$
BEGIN
  FOR i IN 1..300 LOOP
    PERFORM FROM fintech.worker_status
      WHERE job = 'launcher' AND state IN ('running', 'waiting for extension');
    EXIT WHEN FOUND;
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;

SELECT job,
       state IN ('running', 'waiting for extension') AS connected,
       pid > 0 AS has_pid,
       database = current_setting('fintech.database') AS in_fintech_database,
       runs >= 1 AS started,
       last_run <= now() AS started_in_past
  FROM fintech.worker_status WHERE job = 'launcher';

-- it is the process pg_stat_activity shows as the fintech launcher
SELECT a.backend_type, a.application_name,
       a.datname = current_setting('fintech.database') AS in_fintech_database
  FROM pg_stat_activity a
 WHERE a.pid = (SELECT pid FROM fintech.worker_status WHERE job = 'launcher');

-- one row per job, after the launcher's, each with the interval in force
-- (the detail may say more before it: the vault's job says whether a key
-- file is set)
SELECT job, "interval" = current_setting(substring(detail from 'interval set by (fintech\.[a-z_]+)'))::interval
         AS interval_is_setting,
       substring(detail from 'interval set by fintech\.[a-z_]+') AS detail
  FROM fintech.worker_status WHERE job <> 'launcher' ORDER BY job;
SELECT (array_agg(job))[1] AS first_row FROM fintech.worker_status;

\d fintech.worker_status

-- run_job: argument errors come first, then where the job would run
SELECT fintech.run_job('no_such_job');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.run_job(NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.run_job('heartbeat', wait => NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.run_job(job => 'heartbeat', wait => false);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
