/*-------------------------------------------------------------------------
 *
 * jobs.c
 *	  The registry of background jobs and the SQL over it.  The parts
 *	  define their jobs with fintech_define_job() from _PG_init;
 *	  fintech.run_job() asks the launcher (launcher.c) to run one now and
 *	  waits for the run; fintech.worker_status shows what the launcher
 *	  reports.  For the parts: fintech_job_note() (from a running job),
 *	  fintech_job_active() and fintech_require_worker().
 *
 * Locks: the launcher's shared memory (launcher.h) is read and written
 * under its LWLock, held only to copy fields, never across a wait;
 * run_job() sleeps on its condition variable, broadcast when a run ends.
 * The registry is filled by _PG_init and does not change after it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/dbcommands.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/wait_event.h"

#include "fintech.h"
#include "jobs.h"
#include "launcher.h"

/* The registry: identical in every process, filled by _PG_init. */
FintechJob	fintech_jobs[FINTECH_MAX_JOBS];
int			fintech_njobs = 0;

/* wait event of run_job(): a named one from PostgreSQL 17 on, "Extension" before */
static uint32 wait_event_run_job = PG_WAIT_EXTENSION;

/* ------------------------------------------------------------------------
 * Registration
 * ------------------------------------------------------------------------
 */

/* the index of the named job in the registry, -1 if none */
static int
find_job(const char *name)
{
	for (int i = 0; i < fintech_njobs; i++)
		if (strcmp(fintech_jobs[i].name, name) == 0)
			return i;
	return -1;
}

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

	if (fintech_njobs >= FINTECH_MAX_JOBS)
		elog(ERROR, "too many fintech jobs (at most %d)", FINTECH_MAX_JOBS);
	FT_CHECK(strlen(name) < FINTECH_JOB_NAMELEN);
	FT_CHECK(find_job(name) < 0);

	job = &fintech_jobs[fintech_njobs];
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
	fintech_njobs++;
}

/*
 * fintech_job_note: what the running job wants worker_status to say about
 * this run (e.g. "sealing waits for pid N"); cleared when its next run
 * starts.  Does nothing outside a job run.
 */
void
fintech_job_note(const char *note)
{
	if (fintech_current_job < 0 || fintech_shared == NULL)
		return;
	LWLockAcquire(fintech_shared->lock, LW_EXCLUSIVE);
	strlcpy(fintech_shared->jobs[fintech_current_job].note, note ? note : "", JOB_ERROR_LEN);
	LWLockRelease(fintech_shared->lock);
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

	if (!fintech_preloaded || fintech_shared == NULL || (i = find_job(name)) < 0)
		return false;
	if (mydb == NULL)
	{
		char	   *db = get_database_name(MyDatabaseId);

		if (db == NULL)
			return false;
		mydb = MemoryContextStrdup(TopMemoryContext, db);
	}
	LWLockAcquire(fintech_shared->lock, LW_SHARED);
	active = fintech_shared->state == LAUNCHER_RUNNING &&
		fintech_shared->jobs[i].interval_ms > 0 &&
		strcmp(fintech_shared->database, mydb) == 0;
	LWLockRelease(fintech_shared->lock);
	return active;
}

/*
 * fintech_require_worker: for SQL functions that only make sense with a
 * background worker.
 */
void
fintech_require_worker(const char *what)
{
	if (!fintech_preloaded || fintech_shared == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s needs the fintech background worker", what),
				 errdetail("fintech is not loaded through shared_preload_libraries, so no background worker runs."),
				 errhint("Add fintech to shared_preload_libraries in postgresql.conf and restart the server.")));
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

	fintech_arg_not_null(fcinfo, 0, "job");
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	wait = PG_ARGISNULL(1) ? true : PG_GETARG_BOOL(1);

	i = find_job(name);
	if (i < 0)
	{
		StringInfoData known;

		initStringInfo(&known);
		for (int j = 0; j < fintech_njobs; j++)
			appendStringInfo(&known, "%s%s", j > 0 ? ", " : "", fintech_jobs[j].name);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown fintech job \"%s\"", name),
				 errhint("Known jobs: %s.", known.data)));
	}

	fintech_require_worker("fintech.run_job()");

	dbname = get_database_name(MyDatabaseId);
	js = &fintech_shared->jobs[i];

	LWLockAcquire(fintech_shared->lock, LW_EXCLUSIVE);
	pid = fintech_shared->pid;
	latch = fintech_shared->latch;
	strlcpy(launcher_db, fintech_shared->database, NAMEDATALEN);
	gen = 0;
	if (pid != 0 && strcmp(launcher_db, dbname) == 0)
		gen = ++js->requested;
	LWLockRelease(fintech_shared->lock);

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

	ConditionVariablePrepareToSleep(&fintech_shared->cv);
	for (;;)
	{
		bool		done;

		LWLockAcquire(fintech_shared->lock, LW_SHARED);
		done = js->served >= gen;
		refused = js->refused;
		failed = js->last_failed;
		rows = js->last_rows;
		sqlstate = js->last_sqlstate;
		strlcpy(message, js->last_error, JOB_ERROR_LEN);
		LWLockRelease(fintech_shared->lock);
		if (done)
			break;
		/* wakes on a broadcast, or each second to look again */
		(void) ConditionVariableTimedSleep(&fintech_shared->cv, 1000, wait_event_run_job);
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
	bool		have_worker = fintech_preloaded && fintech_shared != NULL;
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
		LWLockAcquire(fintech_shared->lock, LW_SHARED);
		memcpy(&snap, fintech_shared, sizeof(FintechShared));
		LWLockRelease(fintech_shared->lock);
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
	for (int i = 0; i < fintech_njobs; i++)
	{
		JobStatus  *js = &snap.jobs[i];
		int			interval = launched ? js->interval_ms : fintech_jobs[i].interval_ms;
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
		values[0] = CStringGetTextDatum(fintech_jobs[i].name);
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
										 ? psprintf("%s; interval set by %s", js->note, fintech_jobs[i].guc_name)
										 : psprintf("interval set by %s", fintech_jobs[i].guc_name));
		nulls[14] = false;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}

	return (Datum) 0;
}
