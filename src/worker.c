/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  The background worker framework.
 *
 * Owns the launcher (one per cluster, registered when fintech is in
 * shared_preload_libraries, connected to fintech.database), the registry of
 * jobs that the other parts add with fintech_define_job(), the shared memory
 * in which the launcher reports on them, and the SQL over it:
 * fintech.worker_status (view), fintech.run_job(), and the built-in
 * "heartbeat" job.
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
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/condition_variable.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "fintech.h"

/* seconds the postmaster waits before starting an exited launcher again */
#define LAUNCHER_RESTART_SECS	1
/* how often a launcher waiting for CREATE EXTENSION looks again */
#define EXTENSION_POLL_MS		1000
/* longest sleep between two looks at the clock */
#define LAUNCHER_MAX_SLEEP_MS	60000
/* longest back-off after failed attempts to connect to fintech.database */
#define CONNECT_BACKOFF_MAX_MS	60000
#define JOB_ERROR_LEN			512

/* The registry: identical in every process, filled by _PG_init. */
typedef struct FintechJob
{
	char		name[FINTECH_JOB_NAMELEN];
	const char *guc_name;
	int			interval_ms;	/* the GUC's variable; 0 = only on request */
	FintechJobFunc func;
} FintechJob;

static FintechJob jobs[FINTECH_MAX_JOBS];
static int	njobs = 0;

typedef enum LauncherState
{
	LAUNCHER_STOPPED = 0,		/* no launcher process */
	LAUNCHER_STARTING,			/* started, connecting to its database */
	LAUNCHER_WAITING,			/* connected; extension fintech not there */
	LAUNCHER_RUNNING			/* running jobs */
} LauncherState;

/* What the launcher reports about one job; guarded by FintechShared.lock. */
typedef struct JobStatus
{
	int			interval_ms;	/* interval in force in the launcher */
	bool		running;
	bool		last_failed;
	TimestampTz last_start;
	TimestampTz last_end;
	TimestampTz next_run;		/* 0: not scheduled */
	int64		last_rows;
	int64		total_rows;
	int64		runs;
	int64		errors;
	TimestampTz last_error_at;
	int			last_sqlstate;
	char		last_error[JOB_ERROR_LEN];
	uint64		requested;		/* run_job() requests so far */
	uint64		served;			/* requests answered (by a run or refusal) */
	bool		refused;		/* the last answer was a refusal */
	char		note[JOB_ERROR_LEN];	/* fintech_job_note() of the last run */
} JobStatus;

typedef struct FintechShared
{
	LWLock	   *lock;
	ConditionVariable cv;		/* broadcast when a job run ends */
	pid_t		pid;			/* launcher's pid, 0 when none */
	Latch	   *latch;			/* launcher's latch, to wake it */
	LauncherState state;
	TimestampTz started_at;
	int64		starts;			/* launcher starts since shmem init */
	int			connect_failures;	/* consecutive failed connects */
	char		database[NAMEDATALEN];
	JobStatus	jobs[FINTECH_MAX_JOBS];
} FintechShared;

static FintechShared *shared = NULL;

/* the job running in this process (the launcher), -1 between runs */
static int	current_job = -1;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* wait events: named ones from PostgreSQL 17 on, "Extension" before */
static uint32 wait_event_main = PG_WAIT_EXTENSION;
static uint32 wait_event_run_job = PG_WAIT_EXTENSION;

static void fintech_shmem_request(void);
static void fintech_shmem_startup(void);
static void launcher_connect(void);
static void launcher_on_exit(int code, Datum arg);
static void launcher_reload(void);
static long launcher_tick(MemoryContext loopcxt);
static bool extension_installed(void);
static bool run_job_once(int i, MemoryContext loopcxt);
static void refuse_pending_requests(void);
static void job_error_context(void *arg);
static int	find_job(const char *name);
static int64 heartbeat_job(bool *again);

/* ------------------------------------------------------------------------
 * Registration
 * ------------------------------------------------------------------------
 */

/*
 * fintech_define_job: register a job and define its interval GUC
 * (milliseconds, PGC_SIGHUP, 0 = run only when asked by fintech.run_job()).
 * Called from the parts' XxxInit() during _PG_init.
 */
void
fintech_define_job(const char *name, const char *guc_name,
				   const char *guc_description, int default_interval_ms,
				   FintechJobFunc func)
{
	FintechJob *job;

	if (njobs >= FINTECH_MAX_JOBS)
		elog(ERROR, "too many fintech jobs (at most %d)", FINTECH_MAX_JOBS);
	FT_CHECK(strlen(name) < FINTECH_JOB_NAMELEN);
	FT_CHECK(find_job(name) < 0);

	job = &jobs[njobs];
	strlcpy(job->name, name, FINTECH_JOB_NAMELEN);
	job->guc_name = guc_name;
	job->func = func;
	DefineCustomIntVariable(guc_name,
							guc_description,
							"0 runs the job only when fintech.run_job() asks for it.",
							&job->interval_ms,
							default_interval_ms,
							0, INT_MAX,
							PGC_SIGHUP,
							GUC_UNIT_MS,
							NULL, NULL, NULL);
	njobs++;
}

/*
 * fintech_job_note: what the running job wants worker_status to say about
 * this run (e.g. "sealing waits for pid N"); cleared when its next run
 * starts.  Does nothing outside a job run.
 */
void
fintech_job_note(const char *note)
{
	if (current_job < 0 || shared == NULL)
		return;
	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	strlcpy(shared->jobs[current_job].note, note ? note : "", JOB_ERROR_LEN);
	LWLockRelease(shared->lock);
}

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

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = fintech_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = fintech_shmem_startup;

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
fintech_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(FintechShared)));
	RequestNamedLWLockTranche("fintech", 1);
}

static void
fintech_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	shared = ShmemInitStruct("fintech", sizeof(FintechShared), &found);
	if (!found)
	{
		memset(shared, 0, sizeof(FintechShared));
		shared->lock = &(GetNamedLWLockTranche("fintech"))->lock;
		ConditionVariableInit(&shared->cv);
	}
	LWLockRelease(AddinShmemInitLock);
}

static int
find_job(const char *name)
{
	for (int i = 0; i < njobs; i++)
		if (strcmp(jobs[i].name, name) == 0)
			return i;
	return -1;
}

/*
 * fintech_job_active: true when a launcher runs the job on a schedule in
 * this database.  A hint for callers that rely on the job to finish what
 * they start (deferred postings rely on the fold job).
 */
bool
fintech_job_active(const char *name)
{
	static char *mydb = NULL;
	int			i;
	bool		active;

	if (!fintech_preloaded || shared == NULL || (i = find_job(name)) < 0)
		return false;
	if (mydb == NULL)
	{
		char	   *db = get_database_name(MyDatabaseId);

		if (db == NULL)
			return false;
		mydb = MemoryContextStrdup(TopMemoryContext, db);
	}
	LWLockAcquire(shared->lock, LW_SHARED);
	active = shared->state == LAUNCHER_RUNNING &&
		shared->jobs[i].interval_ms > 0 &&
		strcmp(shared->database, mydb) == 0;
	LWLockRelease(shared->lock);
	return active;
}

/*
 * fintech_require_worker: for SQL functions that only make sense with a
 * background worker.
 */
void
fintech_require_worker(const char *what)
{
	if (!fintech_preloaded || shared == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s needs the fintech background worker", what),
				 errdetail("fintech is not loaded through shared_preload_libraries, so no background worker runs."),
				 errhint("Add fintech to shared_preload_libraries in postgresql.conf and restart the server.")));
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

	if (shared == NULL)
		elog(FATAL, "fintech launcher started without its shared memory");

	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	shared->pid = MyProcPid;
	shared->latch = MyLatch;
	shared->state = LAUNCHER_STARTING;
	shared->started_at = now;
	shared->starts++;
	/* failures to reach another database do not delay this one */
	if (strcmp(shared->database, fintech_database) != 0)
		shared->connect_failures = 0;
	strlcpy(shared->database, fintech_database, NAMEDATALEN);
	failures = shared->connect_failures++;	/* undone once connected */
	LWLockRelease(shared->lock);

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
				LWLockAcquire(shared->lock, LW_EXCLUSIVE);
				renamed = strcmp(shared->database, fintech_database) != 0;
				strlcpy(shared->database, fintech_database, NAMEDATALEN);
				LWLockRelease(shared->lock);
				if (renamed)
					break;		/* a new name: try it at once */
			}
		}
	}

	BackgroundWorkerInitializeConnection(fintech_database, NULL, 0);
	pgstat_report_appname("fintech launcher");
	/* jobs run as superuser: nothing of theirs resolves through user schemas */
	SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);

	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	shared->connect_failures = 0;
	shared->state = LAUNCHER_WAITING;
	/* publish the intervals and schedule every enabled job for now */
	for (int i = 0; i < njobs; i++)
	{
		JobStatus  *js = &shared->jobs[i];

		js->interval_ms = jobs[i].interval_ms;
		js->running = false;
		js->next_run = js->interval_ms > 0 ? now : 0;
	}
	LWLockRelease(shared->lock);

	ereport(LOG,
			(errmsg("fintech launcher started in database \"%s\"", fintech_database)));
}

static void
launcher_on_exit(int code, Datum arg)
{
	LWLockReleaseAll();
	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	if (shared->pid == MyProcPid)
	{
		shared->pid = 0;
		shared->latch = NULL;
		shared->state = LAUNCHER_STOPPED;
		for (int i = 0; i < njobs; i++)
			shared->jobs[i].running = false;
	}
	LWLockRelease(shared->lock);
	ConditionVariableBroadcast(&shared->cv);
}

/* After SIGHUP: apply new intervals at once; a new database needs a restart. */
static void
launcher_reload(void)
{
	TimestampTz now = GetCurrentTimestamp();

	if (strcmp(fintech_database, shared->database) != 0)
	{
		ereport(LOG,
				(errmsg("fintech launcher: fintech.database changed from \"%s\" to \"%s\"; restarting",
						shared->database, fintech_database)));
		proc_exit(1);			/* the postmaster starts us again */
	}

	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	for (int i = 0; i < njobs; i++)
	{
		JobStatus  *js = &shared->jobs[i];
		int			interval = jobs[i].interval_ms;

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
	LWLockRelease(shared->lock);
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

	LWLockAcquire(shared->lock, LW_SHARED);
	state = shared->state;
	LWLockRelease(shared->lock);

	if (state != LAUNCHER_RUNNING)
	{
		bool		installed = extension_installed();

		MemoryContextSwitchTo(loopcxt);
		if (!installed)
		{
			refuse_pending_requests();
			return EXTENSION_POLL_MS;
		}
		LWLockAcquire(shared->lock, LW_EXCLUSIVE);
		shared->state = LAUNCHER_RUNNING;
		LWLockRelease(shared->lock);
		ereport(LOG,
				(errmsg("fintech launcher: extension fintech found in database \"%s\"; running jobs",
						fintech_database)));
	}

	for (int i = 0; i < njobs; i++)
	{
		JobStatus  *js = &shared->jobs[i];
		bool		due;

		CHECK_FOR_INTERRUPTS();
		now = GetCurrentTimestamp();
		LWLockAcquire(shared->lock, LW_SHARED);
		due = (js->next_run != 0 && js->next_run <= now) ||
			js->requested > js->served;
		LWLockRelease(shared->lock);

		if (due && !run_job_once(i, loopcxt))
		{
			/* the extension is gone: wait for it again */
			LWLockAcquire(shared->lock, LW_EXCLUSIVE);
			shared->state = LAUNCHER_WAITING;
			LWLockRelease(shared->lock);
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
	LWLockAcquire(shared->lock, LW_SHARED);
	for (int i = 0; i < njobs; i++)
	{
		JobStatus  *js = &shared->jobs[i];

		if (js->requested > js->served)
			wake = now;
		else if (js->next_run != 0 && js->next_run < wake)
			wake = js->next_run;
	}
	LWLockRelease(shared->lock);

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

	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	for (int i = 0; i < njobs; i++)
	{
		JobStatus  *js = &shared->jobs[i];

		if (js->requested > js->served)
		{
			js->served = js->requested;
			js->refused = true;
			any = true;
		}
	}
	LWLockRelease(shared->lock);
	if (any)
		ConditionVariableBroadcast(&shared->cv);
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
	FintechJob *job = &jobs[i];
	JobStatus  *js = &shared->jobs[i];
	uint64		serving;
	TimestampTz start = GetCurrentTimestamp();
	TimestampTz end;
	ErrorContextCallback errcb;
	volatile bool installed = true;
	volatile bool failed = false;
	volatile int64 rows = 0;
	bool		again = false;
	ErrorData  *edata = NULL;

	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	js->running = true;
	js->note[0] = '\0';
	serving = js->requested;
	LWLockRelease(shared->lock);
	current_job = i;

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
	current_job = -1;
	MemoryContextSwitchTo(loopcxt);
	pgstat_report_activity(STATE_IDLE, NULL);
	pgstat_report_stat(false);

	end = GetCurrentTimestamp();
	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
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
	LWLockRelease(shared->lock);
	ConditionVariableBroadcast(&shared->cv);

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
 * but before ALTER EXTENSION fintech UPDATE.
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
	if (SPI_processed != 1)
		elog(ERROR, "extension fintech disappeared during the heartbeat");
	installed = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	if (installed == NULL || strcmp(installed, FINTECH_VERSION) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension fintech in database \"%s\" is version %s, but the loaded library is version %s",
						get_database_name(MyDatabaseId),
						installed ? installed : "(null)", FINTECH_VERSION),
				 errhint("Run ALTER EXTENSION fintech UPDATE in that database.")));
	SPI_finish();
	return 0;
}

/* ------------------------------------------------------------------------
 * SQL functions
 * ------------------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(fintech_run_job);

/*
 * fintech.run_job(job text, wait boolean DEFAULT true) RETURNS bigint
 *
 * Asks the launcher to run a job now.  With wait, returns the rows handled
 * by that run (raising the job's own error if it failed); without, NULL.
 */
Datum
fintech_run_job(PG_FUNCTION_ARGS)
{
	char	   *name;
	bool		wait;
	int			i;
	char	   *dbname;
	JobStatus  *js;
	uint64		gen;
	Latch	   *latch;
	pid_t		pid;
	char		launcher_db[NAMEDATALEN];
	bool		refused;
	bool		failed;
	int64		rows;
	int			sqlstate;
	char		message[JOB_ERROR_LEN];

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("job must not be NULL")));
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	wait = PG_ARGISNULL(1) ? true : PG_GETARG_BOOL(1);

	i = find_job(name);
	if (i < 0)
	{
		StringInfoData known;

		initStringInfo(&known);
		for (int j = 0; j < njobs; j++)
			appendStringInfo(&known, "%s%s", j > 0 ? ", " : "", jobs[j].name);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown fintech job \"%s\"", name),
				 errhint("Known jobs: %s.", known.data)));
	}

	fintech_require_worker("fintech.run_job()");

	dbname = get_database_name(MyDatabaseId);
	js = &shared->jobs[i];

	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	pid = shared->pid;
	latch = shared->latch;
	strlcpy(launcher_db, shared->database, NAMEDATALEN);
	gen = 0;
	if (pid != 0 && strcmp(launcher_db, dbname) == 0)
		gen = ++js->requested;
	LWLockRelease(shared->lock);

	if (pid == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the fintech launcher is not running"),
				 errdetail("It starts after recovery ends, and again %d s after it exits.",
						   LAUNCHER_RESTART_SECS),
				 errhint("See fintech.worker_status and the server log.")));
	if (gen == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("fintech jobs run in database \"%s\", not in \"%s\"",
						launcher_db, dbname),
				 errhint("Call fintech.run_job() in database \"%s\", or set fintech.database = '%s' and reload.",
						 launcher_db, dbname)));

	SetLatch(latch);
	if (!wait)
		PG_RETURN_NULL();

#if PG_VERSION_NUM >= 170000
	if (wait_event_run_job == PG_WAIT_EXTENSION)
		wait_event_run_job = WaitEventExtensionNew("FintechRunJob");
#endif

	ConditionVariablePrepareToSleep(&shared->cv);
	for (;;)
	{
		bool		done;

		LWLockAcquire(shared->lock, LW_SHARED);
		done = js->served >= gen;
		refused = js->refused;
		failed = js->last_failed;
		rows = js->last_rows;
		sqlstate = js->last_sqlstate;
		strlcpy(message, js->last_error, JOB_ERROR_LEN);
		LWLockRelease(shared->lock);
		if (done)
			break;
		/* wakes on a broadcast, or each second to look again */
		(void) ConditionVariableTimedSleep(&shared->cv, 1000, wait_event_run_job);
	}
	ConditionVariableCancelSleep();

	if (refused)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the fintech launcher did not find extension fintech in database \"%s\"",
						launcher_db),
				 errhint("Commit CREATE EXTENSION fintech before asking for a job.")));
	if (failed)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("fintech job \"%s\" failed: %s", name, message)));

	PG_RETURN_INT64(rows);
}

PG_FUNCTION_INFO_V1(fintech_worker_status);

static Datum
interval_from_us(int64 us)
{
	Interval   *iv = palloc0(sizeof(Interval));

	iv->time = us;
	return IntervalPGetDatum(iv);
}

/*
 * fintech.get_worker_status(): one row for the launcher, then one per job;
 * the view fintech.worker_status shows it.
 */
Datum
fintech_worker_status(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	FintechShared snap;
	bool		have_worker = fintech_preloaded && shared != NULL;
	bool		launched;		/* a launcher has published its status */
	bool		in_recovery = RecoveryInProgress();
	const char *launcher_state;
	char	   *launcher_detail;

#define NCOLS 15
	Datum		values[NCOLS];
	bool		nulls[NCOLS];

	InitMaterializedSRF(fcinfo, 0);

	if (have_worker)
	{
		LWLockAcquire(shared->lock, LW_SHARED);
		memcpy(&snap, shared, sizeof(FintechShared));
		LWLockRelease(shared->lock);
	}
	else
		memset(&snap, 0, sizeof(FintechShared));
	launched = have_worker && snap.starts > 0;

	if (!have_worker)
	{
		launcher_state = "not preloaded";
		launcher_detail = pstrdup("fintech is not in shared_preload_libraries: no background worker runs");
	}
	else if (snap.pid == 0)
	{
		launcher_state = "stopped";
		launcher_detail = in_recovery
			? pstrdup("the server is in recovery: the launcher starts after promotion")
			: psprintf("no launcher process: the postmaster starts one %d s after an exit; see the server log",
					   LAUNCHER_RESTART_SECS);
	}
	else if (snap.state == LAUNCHER_STARTING)
	{
		launcher_state = "starting";
		launcher_detail = snap.connect_failures > 1
			? psprintf("connecting to database \"%s\" after %d failed attempt(s); see the server log",
					   snap.database, snap.connect_failures - 1)
			: psprintf("connecting to database \"%s\"", snap.database);
	}
	else if (snap.state == LAUNCHER_WAITING)
	{
		launcher_state = "waiting for extension";
		launcher_detail = psprintf("extension fintech does not exist in database \"%s\"",
								   snap.database);
	}
	else
	{
		launcher_state = "running";
		launcher_detail = NULL;
	}

	/* the launcher's row */
	memset(nulls, true, sizeof(nulls));
	values[0] = CStringGetTextDatum("launcher");
	nulls[0] = false;
	values[1] = CStringGetTextDatum(launcher_state);
	nulls[1] = false;
	if (snap.pid != 0)
	{
		values[2] = Int32GetDatum(snap.pid);
		nulls[2] = false;
	}
	if (launched)
	{
		values[3] = CStringGetTextDatum(snap.database);
		nulls[3] = false;
		values[5] = Int64GetDatum(snap.starts);
		nulls[5] = false;
		values[7] = TimestampTzGetDatum(snap.started_at);
		nulls[7] = false;
	}
	else if (fintech_database)
	{
		values[3] = CStringGetTextDatum(fintech_database);
		nulls[3] = false;
	}
	if (launcher_detail)
	{
		values[14] = CStringGetTextDatum(launcher_detail);
		nulls[14] = false;
	}
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);

	/* one row per job */
	for (int i = 0; i < njobs; i++)
	{
		JobStatus  *js = &snap.jobs[i];
		int			interval = launched ? js->interval_ms : jobs[i].interval_ms;
		const char *state;

		if (!have_worker)
			state = "not preloaded";
		else if (snap.pid == 0)
			state = "stopped";
		else if (snap.state != LAUNCHER_RUNNING)
			state = "waiting";
		else if (js->running)
			state = "running";
		else if (js->last_failed)
			state = "failed";
		else if (interval == 0)
			state = "on request";
		else
			state = "idle";

		memset(nulls, true, sizeof(nulls));
		values[0] = CStringGetTextDatum(jobs[i].name);
		nulls[0] = false;
		values[1] = CStringGetTextDatum(state);
		nulls[1] = false;
		values[4] = interval_from_us((int64) interval * 1000);
		nulls[4] = false;
		if (launched)
		{
			values[5] = Int64GetDatum(js->runs);
			nulls[5] = false;
			values[6] = Int64GetDatum(js->errors);
			nulls[6] = false;
			values[9] = Int64GetDatum(js->last_rows);
			nulls[9] = js->runs == 0;
			values[10] = Int64GetDatum(js->total_rows);
			nulls[10] = false;
		}
		if (launched && js->runs > 0)
		{
			values[7] = TimestampTzGetDatum(js->last_start);
			nulls[7] = false;
			values[8] = interval_from_us(js->last_end - js->last_start);
			nulls[8] = false;
		}
		if (launched && snap.pid != 0 && snap.state == LAUNCHER_RUNNING &&
			js->next_run != 0)
		{
			values[11] = TimestampTzGetDatum(js->next_run);
			nulls[11] = false;
		}
		if (launched && js->errors > 0)
		{
			values[12] = CStringGetTextDatum(js->last_error);
			nulls[12] = false;
			values[13] = TimestampTzGetDatum(js->last_error_at);
			nulls[13] = false;
		}
		values[14] = CStringGetTextDatum(launched && js->note[0] != '\0'
										 ? psprintf("%s; interval set by %s", js->note, jobs[i].guc_name)
										 : psprintf("interval set by %s", jobs[i].guc_name));
		nulls[14] = false;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}

	return (Datum) 0;
}
