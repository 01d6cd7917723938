/*-------------------------------------------------------------------------
 *
 * launcher.h
 *	  The background worker launcher (launcher.c): the shared memory in
 *	  which it reports on itself and on each job, read by the SQL
 *	  functions of jobs.c, and its entry points.
 *
 * Locks: FintechShared.lock guards every field of FintechShared (and of
 * its JobStatus entries); it is held only to read or write them, never
 * across a wait or while a job runs.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_LAUNCHER_H
#define FINTECH_LAUNCHER_H

#include "storage/condition_variable.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "utils/timestamp.h"

#include "jobs.h"

/* seconds the postmaster waits before starting an exited launcher again */
#define LAUNCHER_RESTART_SECS	1
#define JOB_ERROR_LEN			512

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
	TimestampTz last_success;	/* end of the last run without an error */
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

/* called only from inside fintech.so: not exported, called directly */
#pragma GCC visibility push(hidden)

/* the launcher's shared memory; NULL unless fintech is preloaded */
extern FintechShared *fintech_shared;

/* the job running in this process (the launcher), -1 between runs */
extern int	fintech_current_job;

#pragma GCC visibility pop

/*
 * registers the launcher and its shared memory when preloaded, and the
 * built-in heartbeat job (called from _PG_init)
 */
extern void WorkerInit(void);

/* background worker entry point (named in the bgworker registration) */
extern PGDLLEXPORT void fintech_launcher_main(Datum main_arg) pg_attribute_noreturn();

#endif							/* FINTECH_LAUNCHER_H */
