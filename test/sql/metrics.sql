-- metrics: fintech.metrics, its counters (shared memory, counted at
-- commit, per database) and gauges (read from the tables)
\set VERBOSITY terse
\set SHOW_CONTEXT never

-- the shape: every row named fintech_*, a kind, a help text; counters on
SELECT count(*) FILTER (WHERE metric !~ '^fintech_[a-z_]+$') AS bad_names,
       count(*) FILTER (WHERE kind NOT IN ('counter', 'gauge')) AS bad_kinds,
       count(*) FILTER (WHERE coalesce(help, '') = '') AS no_help,
       count(*) FILTER (WHERE jsonb_typeof(labels) <> 'object') AS bad_labels,
       count(*) FILTER (WHERE value IS NULL OR value < 0) AS bad_values
  FROM fintech.metrics;
SELECT value AS counters_enabled FROM fintech.metrics WHERE metric = 'fintech_counters_enabled';
-- each (metric, labels) once
SELECT metric, labels, count(*) FROM fintech.metrics GROUP BY 1, 2 HAVING count(*) > 1;
-- every metric the design names is there
SELECT m AS missing FROM unnest(ARRAY['fintech_transfers_total', 'fintech_entries_total',
         'fintech_payments_total', 'fintech_payment_replays_total', 'fintech_held_payments_resolved_total',
         'fintech_screening_seconds_bucket', 'fintech_screening_seconds_sum',
         'fintech_screening_seconds_count', 'fintech_alerts_open', 'fintech_payments_held',
         'fintech_holds_open', 'fintech_audit_unsealed_rows', 'fintech_audit_unsealed_oldest_seconds']) AS m
 WHERE NOT EXISTS (SELECT FROM fintech.metrics x WHERE x.metric = m);

-- the counters that moved since the last snapshot (jobs and latency aside)
CREATE TEMP TABLE snap (metric text, labels jsonb, value float8);
CREATE FUNCTION pg_temp.moved() RETURNS TABLE (metric text, labels jsonb, delta float8)
LANGUAGE sql AS $$
  SELECT n.metric, n.labels, n.value - coalesce(o.value, 0)
    FROM fintech.metrics n LEFT JOIN snap o ON o.metric = n.metric AND o.labels = n.labels
   WHERE n.kind = 'counter' AND n.value <> coalesce(o.value, 0)
     AND n.metric NOT LIKE 'fintech_job%' AND n.metric NOT LIKE 'fintech_screening_seconds%'
   ORDER BY n.metric, n.labels::text
$$;
CREATE FUNCTION pg_temp.snap() RETURNS void LANGUAGE sql AS $$
  DELETE FROM snap; INSERT INTO snap SELECT metric, labels, value FROM fintech.metrics
$$;

SELECT fintech.open_account('met_cash', 'EUR', 'asset', min_balance => NULL) > 0 AS opened;
SELECT fintech.open_account('met_alice', 'EUR', 'liability') > 0 AS opened;
SELECT fintech.open_account('met_bob', 'EUR', 'liability') > 0 AS opened;
SELECT pg_temp.snap();

-- committed transfers count; a refusal counts by its SQLSTATE
SELECT fintech.transfer('met_cash', 'met_alice', 1000) > 0 AS ok;
SELECT fintech.transfer('met_alice', 'met_bob', 100) > 0 AS ok;
SELECT fintech.transfer('met_alice', 'met_bob', 100000);   -- LD002
SELECT fintech.transfer('met_alice', 'met_nobody', 1);      -- LD009
SELECT fintech.transfer('met_alice', 'met_bob', 0);         -- 22023
SELECT * FROM pg_temp.moved();
SELECT pg_temp.snap();

-- a rolled back transaction counts nothing; a rolled back savepoint drops its share
BEGIN;
SELECT fintech.transfer('met_alice', 'met_bob', 1) > 0 AS ok;
ROLLBACK;
BEGIN;
SELECT fintech.transfer('met_alice', 'met_bob', 1) > 0 AS ok;
SAVEPOINT s1;
SELECT fintech.transfer('met_alice', 'met_bob', 1) > 0 AS ok;
SAVEPOINT s2;
SELECT fintech.transfer('met_alice', 'met_bob', 1) > 0 AS ok;
RELEASE s2;
ROLLBACK TO s1;
SAVEPOINT s3;
SELECT fintech.transfer('met_alice', 'met_bob', 1) > 0 AS ok;
RELEASE s3;
-- not counted before the commit
SELECT count(*) AS moved_before_commit FROM pg_temp.moved();
COMMIT;
SELECT * FROM pg_temp.moved();
SELECT pg_temp.snap();

-- a refusal caught by the caller's handler is not reported, so not counted;
-- the work of the block that caught it is
DO $$
BEGIN
    PERFORM fintech.transfer('met_alice', 'met_bob', 1);
    BEGIN
        PERFORM fintech.transfer('met_alice', 'met_bob', 100000);
    EXCEPTION WHEN sqlstate 'LD002' THEN NULL;
    END;
END
$$;
SELECT * FROM pg_temp.moved();
SELECT pg_temp.snap();

-- holds, their ends, reversals: entries by type
SELECT fintech.transfer('met_alice', 'met_bob', 10, pending_for => '1 hour') AS h1 \gset
SELECT fintech.transfer('met_alice', 'met_bob', 20, pending_for => '1 hour') AS h2 \gset
SELECT fintech.transfer('met_alice', 'met_bob', 30, pending_for => '1 hour') AS h3 \gset
SELECT fintech.post_pending(:h1) > 0 AS posted;
SELECT fintech.void_pending(:h2) > 0 AS voided;
SELECT fintech.reverse(fintech.transfer('met_alice', 'met_bob', 5)) > 0 AS reversed;
SELECT * FROM pg_temp.moved();
SELECT pg_temp.snap();
-- gauge: open holds, as the table says
SELECT (SELECT value FROM fintech.metrics WHERE metric = 'fintech_holds_open')
     = (SELECT count(*) FROM fintech.holds WHERE status = 'open') AS holds_gauge_agrees,
       (SELECT value FROM fintech.metrics WHERE metric = 'fintech_holds_open') >= 1 AS holds_open;
SELECT fintech.void_pending(:h3) > 0 AS voided;
SELECT pg_temp.snap();

-- transfer_batch: accepted items are transfers, refused ones refusals
SELECT idx, entry_id IS NOT NULL AS posted, error
  FROM fintech.transfer_batch(ARRAY['met_alice', 'met_alice', 'met_alice', NULL],
                              ARRAY['met_bob', 'met_nobody', 'met_bob', 'met_bob'],
                              ARRAY[1, 1, 1000000, 1]);
SELECT * FROM pg_temp.moved();
SELECT pg_temp.snap();

-- pay: by status, replays, refusals recorded (LD002) and raised (LD005)
SELECT status, replayed FROM fintech.pay('met-k1', 'met_alice', 'met_bob', 7);
SELECT status, replayed FROM fintech.pay('met-k1', 'met_alice', 'met_bob', 7);
SELECT status, reason, replayed FROM fintech.pay('met-k2', 'met_alice', 'met_bob', 10000000);
SELECT status FROM fintech.pay('met-k1', 'met_alice', 'met_bob', 8);
SELECT * FROM pg_temp.moved();
SELECT pg_temp.snap();
SELECT (SELECT value FROM fintech.metrics WHERE metric = 'fintech_payments_held')
     = (SELECT count(*) FROM fintech.payments WHERE status = 'held') AS held_gauge_agrees,
       (SELECT value FROM fintech.metrics WHERE metric = 'fintech_alerts_open')
     = (SELECT count(*) FROM fintech.screening_alerts WHERE status = 'open') AS alerts_gauge_agrees;

-- history is immutable: LD007 from the trigger counts as a refusal too
UPDATE fintech.entries SET description = 'x' WHERE id = :h1;
SELECT * FROM pg_temp.moved();
SELECT pg_temp.snap();

-- screening: a call is counted at once, in its latency bucket
SELECT value AS screened_before FROM fintech.metrics WHERE metric = 'fintech_screening_seconds_count' \gset
SELECT count(*) >= 0 AS screened FROM fintech.screen_name('Nobody At All', 0.9, 5);
-- a call refused (a name too long) counts as a refusal, not as a screening;
-- the next call is timed again
SELECT count(*) FROM fintech.screen_name(repeat('x', 1001), 0.9, 5);
SELECT count(*) >= 0 AS screened FROM fintech.screen_name('Nobody Else', 0.9, 5);
SELECT value - :screened_before AS screening_calls
  FROM fintech.metrics WHERE metric = 'fintech_screening_seconds_count';
-- buckets are cumulative, and the +Inf bucket is the count
SELECT bool_and(b.value <= c.value) AS buckets_below_count,
       max(b.value) FILTER (WHERE b.labels->>'le' = '+Inf') = max(c.value) AS inf_is_count,
       count(*) AS buckets
  FROM fintech.metrics b, fintech.metrics c
 WHERE b.metric = 'fintech_screening_seconds_bucket' AND c.metric = 'fintech_screening_seconds_count';
SELECT bool_and(coalesce(v >= lag, true)) AS cumulative
  FROM (SELECT value AS v, lag(value) OVER (ORDER BY (CASE WHEN labels->>'le' = '+Inf' THEN 'Infinity' ELSE labels->>'le' END)::float8) AS lag
          FROM fintech.metrics WHERE metric = 'fintech_screening_seconds_bucket') s;

-- the refused call counted by its SQLSTATE
SELECT * FROM pg_temp.moved();
SELECT pg_temp.snap();

-- the audit gauges: rows waiting for the sealer, and the age of the oldest
SELECT (SELECT value FROM fintech.metrics WHERE metric = 'fintech_audit_unsealed_rows')
     = (SELECT count(*) FROM fintech.audit_log WHERE seq IS NULL) AS unsealed_agrees;
SELECT fintech.seal_audit() >= 0 AS sealed;
SELECT value AS unsealed_after_seal FROM fintech.metrics WHERE metric IN
       ('fintech_audit_unsealed_rows', 'fintech_audit_unsealed_oldest_seconds') ORDER BY metric;

-- events: a row per consumer (none without the events tables)
SELECT count(*) = coalesce((xpath('/row/n/text()', query_to_xml(
         CASE WHEN to_regclass('fintech.event_consumers') IS NULL THEN 'SELECT 0 AS n'
              ELSE 'SELECT count(*) AS n FROM fintech.event_consumers' END, false, true, '')))[1]::text::int, -1)
       AS a_row_per_consumer
  FROM fintech.metrics WHERE metric = 'fintech_events_unacknowledged';

-- jobs are shown only in the launcher's database (fintech.database), not here
SELECT current_database() = current_setting('fintech.database') AS launcher_db,
       count(*) AS job_rows FROM fintech.metrics WHERE metric LIKE 'fintech_job%';

-- fintech.metrics = off: this session counts nothing (a superuser's setting)
SET fintech.metrics = off;
SELECT fintech.transfer('met_alice', 'met_bob', 1) > 0 AS ok;
SELECT fintech.transfer('met_alice', 'met_nobody', 1);
SELECT value AS counters_enabled FROM fintech.metrics WHERE metric = 'fintech_counters_enabled';
SELECT * FROM pg_temp.moved();
RESET fintech.metrics;

-- the monitoring duty reads the view; the application duty may not
CREATE ROLE regress_met_monitor;
CREATE ROLE regress_met_app;
SELECT fintech.grant_monitoring('regress_met_monitor'), fintech.grant_application('regress_met_app');
SET ROLE regress_met_monitor;
SELECT count(*) > 40 AS sees_metrics, count(DISTINCT kind) AS kinds FROM fintech.metrics;
SELECT count(*) >= 0 AS reads_events_gauge FROM fintech.metric_events();
SELECT count(*) FROM fintech.holds;
RESET ROLE;
SET ROLE regress_met_app;
SELECT count(*) FROM fintech.metrics;
SELECT count(*) FROM fintech.metric_counters();
RESET ROLE;
-- the monitoring role cannot turn counting off
SET ROLE regress_met_monitor;
SET fintech.metrics = off;
RESET ROLE;
SELECT fintech.revoke_all('regress_met_monitor'), fintech.revoke_all('regress_met_app');
DROP ROLE regress_met_monitor;
DROP ROLE regress_met_app;
