/*-------------------------------------------------------------------------
 *
 * launcher.c
 *	  The background worker that runs the jobs (jobs.c).
 *
 * Owns the launcher (one per cluster, registered when fintech is in
 * shared_preload_libraries, connected to fintech.database), its
 * scheduling of the jobs, the shared memory in which it reports on them
 * (launcher.h; fintech.worker_status and fintech.run_job() in jobs.c read
 * it), and the built-in "heartbeat" job.
 *
 * The launcher follows src/test/modules/worker_spi: SIGHUP rereads the
 * configuration (a changed job interval takes effect at once, a changed
 * fintech.database restarts the launcher), SIGTERM terminates it through
 * die(), it waits on its latch with WL_EXIT_ON_PM_DEATH, and the postmaster
 * starts it again LAUNCHER_RESTART_SECS after it exits.  Each job runs in a
 * transaction of its own; an ERROR is logged, recorded and the loop goes
 * on.  Until extension fintech exists in its database the launcher only
 * polls for it and runs nothing.
 *
 * Locks: FintechShared.lock (launcher.h) is held only to read or write
 * the shared state, never across a job's run or a wait; a job takes its
 * own locks in its own transaction.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/wait_event.h"

#include "fintech.h"
#include "jobs.h"
#include "launcher.h"
#include "screening_guard.h"
#include "shmem.h"

/* how often a launcher waiting for CREATE EXTENSION looks again */
#define EXTENSION_POLL_MS		1000
/* longest sleep between two looks at the clock */
#define LAUNCHER_MAX_SLEEP_MS	60000
/* longest back-off after failed attempts to connect to fintech.database */
#define CONNECT_BACKOFF_MAX_MS	60000

FintechShared *fintech_shared = NULL;

/* the job running in this process (the launcher), -1 between runs */
int			fintech_current_job = -1;


/* wait event: a named one from PostgreSQL 17 on, "Extension" before */
static uint32 wait_event_main = PG_WAIT_EXTENSION;

static void fintech_shmem_init(void *ptr);
static void launcher_connect(void);
static void launcher_on_exit(int code, Datum arg);
static void launcher_reload(void);
static long launcher_tick(MemoryContext loopcxt);
static bool extension_installed(void);
static bool run_job_once(int i, MemoryContext loopcxt);
static void refuse_pending_requests(void);
static void job_error_context(void *arg);
static int64 heartbeat_job(bool *again);

/* ------------------------------------------------------------------------
 * Registration and shared memory
 * ------------------------------------------------------------------------
 */

void
WorkerInit(void)
{
	BackgroundWorker worker;

	fintech_define_job("heartbeat", "fintech.heartbeat_interval",
					   "How often the launcher checks that it can work in fintech.database "
					   "and that the installed extension matches the loaded library.",
					   10000, heartbeat_job);

	if (!fintech_preloaded)
		return;

	ft_shmem_register("fintech", sizeof(FintechShared), true,
					  (void **) &fintech_shared, fintech_shmem_init);

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	/* never on a standby: jobs write */
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = LAUNCHER_RESTART_SECS;
	strlcpy(worker.bgw_library_name, "fintech", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, "fintech_launcher_main", BGW_MAXLEN);
	strlcpy(worker.bgw_name, "fintech launcher", BGW_MAXLEN);
	strlcpy(worker.bgw_type, "fintech launcher", BGW_MAXLEN);
	RegisterBackgroundWorker(&worker);
}

static void
fintech_shmem_init(void *ptr)
{
	FintechShared *fs = (FintechShared *) ptr;

	fs->lock = &(GetNamedLWLockTranche("fintech"))->lock;
	ConditionVariableInit(&fs->cv);
}

/* ------------------------------------------------------------------------
 * The launcher
 * ------------------------------------------------------------------------
 */

void
fintech_launcher_main(Datum main_arg)
{
	MemoryContext loopcxt;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	/*
	 * Read the configuration files once more.  The postmaster may have forked
	 * us just before it reloaded them, and a SIGHUP that reached us before
	 * the handler above was installed was ignored (a background worker starts
	 * with SIGHUP ignored): without this, a new fintech.database written in
	 * that window would go unnoticed until the next reload.
	 */
	ProcessConfigFile(PGC_SIGHUP);

#if PG_VERSION_NUM >= 170000
	wait_event_main = WaitEventExtensionNew("FintechLauncherMain");
#endif

	launcher_connect();

	loopcxt = AllocSetContextCreate(TopMemoryContext, "fintech launcher",
									ALLOCSET_DEFAULT_SIZES);
	for (;;)
	{
		long		timeout;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
			launcher_reload();
		}

		MemoryContextReset(loopcxt);
		MemoryContextSwitchTo(loopcxt);
		timeout = launcher_tick(loopcxt);

		(void) WaitLatch(MyLatch,
						 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 timeout, wait_event_main);
		ResetLatch(MyLatch);
	}
}

/*
 * Announce ourselves in shared memory and connect to fintech.database.
 *
 * A connection to a database that does not exist ends in FATAL, and the
 * postmaster restarts us after LAUNCHER_RESTART_SECS.  So that a wrong
 * fintech.database does not fill the log every second, each further attempt
 * first waits longer (doubling up to CONNECT_BACKOFF_MAX_MS); a reload
 * (perhaps fixing the name) cuts the wait short.
 */
static void
launcher_connect(void)
{
	int			failures;
	TimestampTz now = GetCurrentTimestamp();

	if (fintech_shared == NULL)
		elog(FATAL, "fintech launcher started without its shared memory");

	LWLockAcquire(fintech_shared->lock, LW_EXCLUSIVE);
	fintech_shared->pid = MyProcPid;
	fintech_shared->latch = MyLatch;
	fintech_shared->state = LAUNCHER_STARTING;
	fintech_shared->started_at = now;
	fintech_shared->starts++;
	/* failures to reach another database do not delay this one */
	if (strcmp(fintech_shared->database, fintech_database) != 0)
		fintech_shared->connect_failures = 0;
	strlcpy(fintech_shared->database, fintech_database, NAMEDATALEN);
	failures = fintech_shared->connect_failures++;	/* undone once connected */
	LWLockRelease(fintech_shared->lock);

	before_shmem_exit(launcher_on_exit, (Datum) 0);

	if (failures > 0)
	{
		long		backoff = Min((long) 1000 << Min(failures - 1, 6),
								  CONNECT_BACKOFF_MAX_MS);
		TimestampTz until = TimestampTzPlusMilliseconds(now, backoff);

		ereport(LOG,
				(errmsg("fintech launcher: %d failed attempt(s) to connect to database \"%s\"; next attempt in %ld ms",
						failures, fintech_database, backoff)));
		while ((now = GetCurrentTimestamp()) < until)
		{
			(void) WaitLatch(MyLatch,
							 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 TimestampDifferenceMilliseconds(now, until),
							 wait_event_main);
			ResetLatch(MyLatch);
			CHECK_FOR_INTERRUPTS();
			if (ConfigReloadPending)
			{
				bool		renamed;

				ConfigReloadPending = false;
				ProcessConfigFile(PGC_SIGHUP);
				LWLockAcquire(fintech_shared->lock, LW_EXCLUSIVE);
				renamed = strcmp(fintech_shared->database, fintech_database) != 0;
				strlcpy(fintech_shared->database, fintech_database, NAMEDATALEN);
				LWLockRelease(fintech_shared->lock);
				if (renamed)
					break;		/* a new name: try it at once */
			}
		}
	}

	BackgroundWorkerInitializeConnection(fintech_database, NULL, 0);
	pgstat_report_appname("fintech launcher");
	/* jobs run as superuser: nothing of theirs resolves through user schemas */
	SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);

	LWLockAcquire(fintech_shared->lock, LW_EXCLUSIVE);
	fintech_shared->connect_failures = 0;
	fintech_shared->state = LAUNCHER_WAITING;
	/* publish the intervals and schedule every enabled job for now */
	for (int i = 0; i < fintech_njobs; i++)
	{
		JobStatus  *js = &fintech_shared->jobs[i];

		js->interval_ms = fintech_jobs[i].interval_ms;
		js->running = false;
		js->next_run = js->interval_ms > 0 ? now : 0;
	}
	LWLockRelease(fintech_shared->lock);

	ereport(LOG,
			(errmsg("fintech launcher started in database \"%s\"", fintech_database)));
}

static void
launcher_on_exit(int code, Datum arg)
{
	LWLockReleaseAll();
	LWLockAcquire(fintech_shared->lock, LW_EXCLUSIVE);
	if (fintech_shared->pid == MyProcPid)
	{
		fintech_shared->pid = 0;
		fintech_shared->latch = NULL;
		fintech_shared->state = LAUNCHER_STOPPED;
		for (int i = 0; i < fintech_njobs; i++)
			fintech_shared->jobs[i].running = false;
	}
	LWLockRelease(fintech_shared->lock);
	ConditionVariableBroadcast(&fintech_shared->cv);
}

/* After SIGHUP: apply new intervals at once; a new database needs a restart. */
static void
launcher_reload(void)
{
	TimestampTz now = GetCurrentTimestamp();

	if (strcmp(fintech_database, fintech_shared->database) != 0)
	{
		ereport(LOG,
				(errmsg("fintech launcher: fintech.database changed from \"%s\" to \"%s\"; restarting",
						fintech_shared->database, fintech_database)));
		proc_exit(1);			/* the postmaster starts us again */
	}

	LWLockAcquire(fintech_shared->lock, LW_EXCLUSIVE);
	for (int i = 0; i < fintech_njobs; i++)
	{
		JobStatus  *js = &fintech_shared->jobs[i];
		int			interval = fintech_jobs[i].interval_ms;

		if (interval == js->interval_ms)
			continue;
		js->interval_ms = interval;
		if (interval == 0)
			js->next_run = 0;
		else if (js->last_end == 0)
			js->next_run = now;
		else
			js->next_run = TimestampTzPlusMilliseconds(js->last_end, interval);
	}
	LWLockRelease(fintech_shared->lock);
}

/*
 * One pass: run every job that is due or asked for, then return how long
 * to sleep (ms) before the next one is due.
 */
static long
launcher_tick(MemoryContext loopcxt)
{
	TimestampTz now;
	TimestampTz wake;
	LauncherState state;

	LWLockAcquire(fintech_shared->lock, LW_SHARED);
	state = fintech_shared->state;
	LWLockRelease(fintech_shared->lock);

	if (state != LAUNCHER_RUNNING)
	{
		bool		installed = extension_installed();

		MemoryContextSwitchTo(loopcxt);
		if (!installed)
		{
			refuse_pending_requests();
			return EXTENSION_POLL_MS;
		}
		LWLockAcquire(fintech_shared->lock, LW_EXCLUSIVE);
		fintech_shared->state = LAUNCHER_RUNNING;
		LWLockRelease(fintech_shared->lock);
		ereport(LOG,
				(errmsg("fintech launcher: extension fintech found in database \"%s\"; running jobs",
						fintech_database)));
	}

	for (int i = 0; i < fintech_njobs; i++)
	{
		JobStatus  *js = &fintech_shared->jobs[i];
		bool		due;

		CHECK_FOR_INTERRUPTS();
		now = GetCurrentTimestamp();
		LWLockAcquire(fintech_shared->lock, LW_SHARED);
		due = (js->next_run != 0 && js->next_run <= now) ||
			js->requested > js->served;
		LWLockRelease(fintech_shared->lock);

		if (due && !run_job_once(i, loopcxt))
		{
			/* the extension is gone: wait for it again */
			LWLockAcquire(fintech_shared->lock, LW_EXCLUSIVE);
			fintech_shared->state = LAUNCHER_WAITING;
			LWLockRelease(fintech_shared->lock);
			ereport(LOG,
					(errmsg("fintech launcher: extension fintech no longer exists in database \"%s\"; waiting for it",
							fintech_database)));
			refuse_pending_requests();
			return EXTENSION_POLL_MS;
		}
	}

	/* sleep until the earliest scheduled run */
	now = GetCurrentTimestamp();
	wake = TimestampTzPlusMilliseconds(now, LAUNCHER_MAX_SLEEP_MS);
	LWLockAcquire(fintech_shared->lock, LW_SHARED);
	for (int i = 0; i < fintech_njobs; i++)
	{
		JobStatus  *js = &fintech_shared->jobs[i];

		if (js->requested > js->served)
			wake = now;
		else if (js->next_run != 0 && js->next_run < wake)
			wake = js->next_run;
	}
	LWLockRelease(fintech_shared->lock);

	return wake <= now ? 0 : TimestampDifferenceMilliseconds(now, wake);
}

static bool
extension_installed(void)
{
	bool		installed;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	installed = OidIsValid(get_extension_oid("fintech", true));
	CommitTransactionCommand();
	return installed;
}

/* Answer pending run_job() requests with a refusal (no extension). */
static void
refuse_pending_requests(void)
{
	bool		any = false;

	LWLockAcquire(fintech_shared->lock, LW_EXCLUSIVE);
	for (int i = 0; i < fintech_njobs; i++)
	{
		JobStatus  *js = &fintech_shared->jobs[i];

		if (js->requested > js->served)
		{
			js->served = js->requested;
			js->refused = true;
			any = true;
		}
	}
	LWLockRelease(fintech_shared->lock);
	if (any)
		ConditionVariableBroadcast(&fintech_shared->cv);
}

static void
job_error_context(void *arg)
{
	errcontext("fintech background job \"%s\"", ((FintechJob *) arg)->name);
}

/*
 * Run job i once in a transaction of its own.  Returns false, having run
 * nothing, when extension fintech does not exist in this database.
 */
static bool
run_job_once(int i, MemoryContext loopcxt)
{
	FintechJob *job = &fintech_jobs[i];
	JobStatus  *js = &fintech_shared->jobs[i];
	uint64		serving;
	TimestampTz start = GetCurrentTimestamp();
	TimestampTz end;
	ErrorContextCallback errcb;
	volatile bool installed = true;
	volatile bool failed = false;
	volatile int64 rows = 0;
	bool		again = false;
	ErrorData  *edata = NULL;

	LWLockAcquire(fintech_shared->lock, LW_EXCLUSIVE);
	js->running = true;
	js->note[0] = '\0';
	serving = js->requested;
	LWLockRelease(fintech_shared->lock);
	fintech_current_job = i;

	PG_TRY();
	{
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		PushActiveSnapshot(GetTransactionSnapshot());
		pgstat_report_activity(STATE_RUNNING, job->name);

		errcb.callback = job_error_context;
		errcb.arg = job;
		errcb.previous = error_context_stack;
		error_context_stack = &errcb;

		if (OidIsValid(get_extension_oid("fintech", true)))
			rows = job->func(&again);
		else
			installed = false;

		error_context_stack = errcb.previous;
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(loopcxt);
		EmitErrorReport();
		edata = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();
		failed = true;
	}
	PG_END_TRY();
	fintech_current_job = -1;
	MemoryContextSwitchTo(loopcxt);
	pgstat_report_activity(STATE_IDLE, NULL);
	pgstat_report_stat(false);

	end = GetCurrentTimestamp();
	LWLockAcquire(fintech_shared->lock, LW_EXCLUSIVE);
	js->running = false;
	if (installed)
	{
		js->last_start = start;
		js->last_end = end;
		js->runs++;
		js->last_failed = failed;
		if (failed)
		{
			js->errors++;
			js->last_rows = 0;
			js->last_error_at = end;
			js->last_sqlstate = edata->sqlerrcode;
			strlcpy(js->last_error, edata->message ? edata->message : "(no message)",
					JOB_ERROR_LEN);
		}
		else
		{
			js->last_rows = rows;
			js->total_rows += rows;
			js->last_success = end;
		}
		if (!failed && again)
			js->next_run = end;
		else if (js->interval_ms > 0)
			js->next_run = TimestampTzPlusMilliseconds(end, js->interval_ms);
		else
			js->next_run = 0;
		if (serving > js->served)
		{
			js->served = serving;
			js->refused = false;
		}
	}
	LWLockRelease(fintech_shared->lock);
	ConditionVariableBroadcast(&fintech_shared->cv);

	return installed;
}

/* ------------------------------------------------------------------------
 * The built-in job
 * ------------------------------------------------------------------------
 */

/*
 * heartbeat: proves that the launcher can run a transaction in its database,
 * and fails (visibly, in fintech.worker_status) when the extension there is
 * not the version of the loaded library, e.g. after installing a new build
 * but before ALTER EXTENSION fintech UPDATE, or while a sanctions list is
 * stale (older than fintech.sanctions_max_age, screening_guard.c).
 */
static int64
heartbeat_job(bool *again)
{
	int			ret;
	char	   *installed;

	SPI_connect();
	ret = SPI_execute("SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'fintech'",
					  true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(ret));
	/* a DROP EXTENSION that committed since the launcher looked */
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("extension fintech disappeared during the heartbeat")));
	installed = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	if (installed == NULL || strcmp(installed, FINTECH_VERSION) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension fintech in database \"%s\" is version %s, but the loaded library is version %s",
						get_database_name(MyDatabaseId),
						installed ? installed : "(null)", FINTECH_VERSION),
				 errhint("Run ALTER EXTENSION fintech UPDATE in that database.")));
	ft_sanctions_staleness_check();
	SPI_finish();
	return 0;
}
