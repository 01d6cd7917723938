-- test/fuzz/report.sql — the findings of test/fuzz/sqlsmith.sh, read from
-- the server's CSV log (run by the superuser with psql variables
-- load = a script that COPYs the CSV files into fz_log, files = a regex
-- alternation of fintech's C file names, timeout_s = statement_timeout in
-- seconds).  Each statement printed is a reproducer: run it as fuzz_app
-- after test/fuzz/setup.sql.
\set ON_ERROR_STOP on
\pset footer off
CREATE TEMP TABLE fz_log (log_time timestamptz(3), user_name text, database_name text,
  process_id int, connection_from text, session_id text, session_line_num bigint,
  command_tag text, session_start_time timestamptz, virtual_transaction_id text,
  transaction_id bigint, error_severity text, sql_state_code text, message text,
  detail text, hint text, internal_query text, internal_query_pos int, context text,
  query text, query_pos int, location text, application_name text, backend_type text,
  leader_pid int, query_id bigint);
\i :load
CREATE INDEX ON fz_log (session_id, session_line_num);
ANALYZE fz_log;
CREATE TEMP VIEW fz_phase AS
  SELECT *,
         -- raised by fintech's own C code ("function, ledger.c:123")
         coalesce(location ~ (', ' || :'files' || ':[0-9]+$'), false) AS in_fintech,
         error_severity IN ('ERROR', 'FATAL', 'PANIC') AS is_error,
         CASE WHEN application_name = 'sqlsmith::schema' THEN '1a sqlsmith reading the catalog'
              WHEN application_name LIKE 'sqlsmith%' THEN '1 sqlsmith (fuzz_app)'
              WHEN application_name = 'fz_gen_app' THEN '2 edge calls (fuzz_app)'
              WHEN application_name = 'fz_gen_nobody' THEN '3 edge calls (fuzz_nobody)'
              WHEN application_name = 'fz_gen_commit' THEN '4 committed calls (fuzz_app)'
              WHEN backend_type = 'postmaster' THEN '0 postmaster'
              WHEN backend_type LIKE 'fintech%' THEN '5 fintech workers'
              ELSE '6 other (setup, checks)' END AS phase,
         lead(log_time) OVER w AS next_time, lead(sql_state_code) OVER w AS next_code
    FROM fz_log
  WINDOW w AS (PARTITION BY session_id ORDER BY session_line_num);
-- the statements that ended (their next log line) more than 1 s after statement_timeout
CREATE TEMP VIEW fz_overrun AS
  SELECT phase, round(extract(epoch FROM next_time - log_time)::numeric, 1) AS seconds,
         next_code AS ended_with, substr(message, 12) AS statement
    FROM fz_phase
   WHERE message LIKE 'statement: %' AND user_name IN ('fuzz_app', 'fuzz_nobody')
     AND next_time - log_time > make_interval(secs => :timeout_s + 1);

\echo
\echo '== statements and errors by phase'
SELECT phase,
       count(*) FILTER (WHERE message LIKE 'statement: %'
                          AND message !~* '^statement: (BEGIN|ROLLBACK|COMMIT|SET )') AS statements,
       count(*) FILTER (WHERE message LIKE 'statement: %'
                          AND message ~ 'fintech\.[a-z_]+\(') AS "calling fintech",
       count(*) FILTER (WHERE is_error) AS errors
  FROM fz_phase GROUP BY phase ORDER BY phase;
\echo
\echo '== errors by SQLSTATE class and phase (codes seen)'
SELECT phase, left(sql_state_code, 2) AS class, count(*) AS errors,
       string_agg(DISTINCT sql_state_code, ' ') AS codes
  FROM fz_phase WHERE is_error GROUP BY 1, 2 ORDER BY 1, 2;
\echo
\echo '== SQLSTATEs raised by fintech code (location in its C files)'
SELECT sql_state_code, count(*) AS errors, string_agg(DISTINCT left(phase, 1), ',') AS phases,
       min(regexp_replace(location, '^.*, ', '')) AS "a location", left(min(message), 80) AS "an example"
  FROM fz_phase WHERE in_fintech AND is_error GROUP BY 1 ORDER BY 1;
\echo
\echo '== errors PostgreSQL raised inside fintech calls (in its SQL statements, casts, arithmetic): not fintech''s own errcodes'
SELECT sql_state_code, count(*) AS errors, string_agg(DISTINCT left(phase, 1), ',') AS phases,
       left(min(message), 70) AS "an example",
       left((array_agg(coalesce(query, '') ORDER BY length(query)))[1], 300) AS "shortest statement"
  FROM fz_phase
 WHERE is_error AND NOT in_fintech AND query ~ 'fintech\.[a-z_]+\('
   AND sql_state_code NOT IN ('42501', '25P02', '57014', '42883', '42804', '42846', '42725', '42809', '428C9')
   AND (context ~ '(SQL statement|fintech)' OR internal_query IS NOT NULL
        OR sql_state_code ~ '^(22|23|2B|40|53|54|55|XX)')
 GROUP BY 1 ORDER BY 1;
\echo
\echo '== CRASHES (a server process terminated by a signal or an exception; DETAIL: what it ran)'
SELECT log_time, message, left(detail, 4000) AS detail
  FROM fz_log WHERE message ~ '(terminated by (signal|exception)|was terminated)' ORDER BY log_time;
\echo
\echo '== INTERNAL ERRORS (SQLSTATE class XX, or PANIC): each message and location once, with a statement that raised it'
SELECT sql_state_code, message, location, count(*) AS n, string_agg(DISTINCT user_name, ',') AS roles,
       (array_agg(left(coalesce(query, context, ''), 4000) ORDER BY log_time))[1] AS "a statement"
  FROM fz_phase WHERE sql_state_code LIKE 'XX%' OR error_severity = 'PANIC'
 GROUP BY 1, 2, 3 ORDER BY bool_or(in_fintech) DESC, min(log_time);
\echo
\echo '== OVERRUNS: statements that ended more than 1 s after statement_timeout'
SELECT phase, seconds, ended_with, left(statement, 4000) AS statement FROM fz_overrun ORDER BY seconds DESC;
\echo
\echo '== BROKEN INVARIANTS: check_ledger() failed after a statement (FZ001 from fuzz_smith.ledger_ok()), first time per check'
CREATE TEMP TABLE fz_broken_all AS
  SELECT phase, e.message, e.log_time, substring(e.message FROM '^check_ledger: ([^:]+):') AS check_name,
         (SELECT substr(s.message, 12) FROM fz_log s
           WHERE s.session_id = e.session_id AND s.session_line_num < e.session_line_num
             AND s.message LIKE 'statement: %' AND s.message NOT LIKE '%ledger_ok()%'
             AND s.message !~* '^statement: (BEGIN|ROLLBACK|COMMIT)'
           ORDER BY s.session_line_num DESC LIMIT 1) AS statement
    FROM fz_phase e WHERE e.sql_state_code = 'FZ001';
-- one row per phase, check and the fintech functions the statement called
CREATE TEMP TABLE fz_broken AS
  SELECT DISTINCT ON (phase, check_name, calls) *, count(*) OVER (PARTITION BY phase, check_name, calls) AS n
    FROM (SELECT *, array_to_string(ARRAY(SELECT m[1] FROM regexp_matches(statement, 'fintech\.([a-z_]+)\(', 'g') m), ',') AS calls
            FROM fz_broken_all) b
   -- committed calls: once broken, it stays broken; only the first counts
   WHERE phase NOT LIKE '4%'
      OR log_time = (SELECT min(x.log_time) FROM fz_broken_all x
                      WHERE x.phase = b.phase AND x.check_name = b.check_name)
   ORDER BY phase, check_name, calls, log_time;
SELECT phase, n, left(message, 300) AS message, left(statement, 4000) AS "the statement before (first of n)"
  FROM fz_broken ORDER BY log_time;
\echo
\echo '== fintech background workers: errors'
SELECT backend_type, sql_state_code, count(*) AS errors, left(min(message), 100) AS "an example"
  FROM fz_phase WHERE backend_type LIKE 'fintech%' AND is_error GROUP BY 1, 2 ORDER BY 1, 2;
\echo
\echo '== findings'
SELECT (SELECT count(*) FROM fz_log WHERE message ~ '(terminated by (signal|exception)|was terminated)') AS crashes,
       (SELECT count(*) FROM fz_log WHERE sql_state_code LIKE 'XX%' OR error_severity = 'PANIC') AS internal,
       (SELECT count(*) FROM fz_overrun) AS overruns,
       (SELECT count(*) FROM fz_broken) AS broken \gset fz_
\echo crashes :fz_crashes, internal errors :fz_internal, overruns :fz_overruns, broken invariants :fz_broken
