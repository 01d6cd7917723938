-- nopreload: fintech created in a server that does not preload it
-- (make installcheck-nopreload runs this in a temporary instance).
-- Loading the library is quiet, every SQL function works, and what needs
-- the background worker says so with 55000 and a HINT.

SHOW shared_preload_libraries;
SELECT fintech.version() = extversion AS library_matches_sql
  FROM pg_extension WHERE extname = 'fintech';

-- the view says that no worker runs
SELECT job, state, pid, runs, last_run, "interval", detail
  FROM fintech.worker_status;

-- run_job needs the worker
SELECT fintech.run_job('heartbeat');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT fintech.run_job('heartbeat', wait => false);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- but a bad argument is still reported as such
SELECT fintech.run_job('no_such_job');
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- GUCs exist without preloading, and the prefix is still reserved
SHOW fintech.database;
SHOW fintech.heartbeat_interval;
SET fintech.no_such_setting = 1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- DROP and CREATE work the same
DROP EXTENSION fintech;
CREATE EXTENSION fintech;
SELECT count(*) AS rows FROM fintech.worker_status;

-- the ledger works without the worker (holds expire by the clock; nothing
-- is deferred, every posting takes its account's row lock)
SELECT fintech.open_account(code => 'np_bank', currency => 'USD', kind => 'asset', min_balance => NULL);
SELECT fintech.open_account(code => 'np_alice', currency => 'USD');
SELECT fintech.transfer(debit_account => 'np_bank', credit_account => 'np_alice', amount => 100);
SELECT fintech.transfer(debit_account => 'np_alice', credit_account => 'np_bank', amount => 30,
                        pending_for => '1 hour') AS hold \gset
SELECT fintech.balance('np_alice'), fintech.available_balance('np_alice');
SELECT fintech.post_pending(:hold) > :hold AS posted;
SELECT fintech.balance('np_alice'), fintech.available_balance('np_alice');
SELECT count(*) AS deferred_postings FROM fintech.postings WHERE seq IS NULL;
SELECT bool_and(ok) AS ledger_ok FROM fintech.check_ledger();

-- the audit trail works without the worker: seal_audit() seals
SELECT count(*) > 0 AS captured, count(seq) AS sealed FROM fintech.audit_log;
SELECT fintech.seal_audit() > 0 AS sealed_now;
SELECT ok, detail ~ 'sealed rows verified' AS verified FROM fintech.verify_audit();

-- payments work without the worker (keys are simply kept longer)
SELECT status, replayed FROM fintech.pay('np-1', 'np_alice', 'np_bank', 10);
SELECT status, replayed FROM fintech.pay('np-1', 'np_alice', 'np_bank', 10);

-- screening works without the worker: rescreening by rescreen_parties()
-- (no list yet: the party is created unscreened, screening_required off)
SET fintech.screening_required = off;
SELECT fintech.create_party('Nicolas Maduro Moros') AS np_party \gset
RESET fintech.screening_required;
SELECT status FROM fintech.parties WHERE id = :np_party;
SELECT fintech.load_sanctions_ofac(
  E'1,"MADURO MOROS, Nicolas",individual,"TEST",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n',
  list => 'NP') AS loaded;
SELECT matched_name, round(score::numeric, 3) AS score FROM fintech.screen_name('Nicolas Maduro');
SELECT fintech.rescreen_parties() AS alerts_raised;
SELECT status FROM fintech.parties WHERE id = :np_party;

-- metrics without the worker: no shared memory, so no counters (only
-- fintech_counters_enabled = 0); the gauges are read from the tables
SELECT metric, value FROM fintech.metrics WHERE kind = 'counter' OR metric = 'fintech_counters_enabled';
SELECT metric, value FROM fintech.metrics
 WHERE metric IN ('fintech_payments_held', 'fintech_holds_open', 'fintech_alerts_open') ORDER BY 1;
-- without shared memory each session builds its own matching index
SELECT shared, builds IS NULL AS no_server_count, builds_here > 0 AS built_here
  FROM fintech.screening_index();
