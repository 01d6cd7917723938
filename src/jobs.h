/*-------------------------------------------------------------------------
 *
 * jobs.h
 *	  Background jobs (jobs.c): how a part defines its jobs, and what it may
 *	  ask of the job framework while one runs or before it relies on one.
 *
 * A job is a C function that the launcher calls inside a transaction of its
 * own, with a snapshot pushed, in the database named by fintech.database,
 * and only once extension fintech exists there.  It returns the number of
 * rows it handled, and sets *again when it stopped early with more work left
 * (it is then called again at once instead of after its interval).  An
 * ERROR it raises is logged, recorded in fintech.worker_status and the
 * launcher goes on.
 *
 * Each module defines its jobs from its XxxInit(), called by _PG_init in
 * every process, so the registry is the same everywhere.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_JOBS_H
#define FINTECH_JOBS_H

#include "fmgr.h"

#define FINTECH_MAX_JOBS	16
#define FINTECH_JOB_NAMELEN 32

typedef int64 (*FintechJobFunc) (bool *again);

/* fintech.run_job(job, wait) and fintech.get_worker_status() */
extern PGDLLEXPORT Datum fintech_run_job(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum fintech_worker_status(PG_FUNCTION_ARGS);

/* called only from inside fintech.so: not exported, called directly */
#pragma GCC visibility push(hidden)

extern void fintech_define_job(const char *name, const char *guc_name,
							   const char *guc_description,
							   int default_interval_ms,
							   FintechJobFunc func);
/*
 * A job's note on its current run (NULL: none), shown in the detail of its
 * row of fintech.worker_status until its next run, e.g. why it did nothing
 */
extern void fintech_job_note(const char *note);

/* is the named job scheduled by a launcher running in this database? */
extern bool fintech_job_active(const char *name);

/* raises 55000 with a HINT when no background worker can run */
extern void fintech_require_worker(const char *what);

/* The registry as the launcher reads it: identical in every process. */
typedef struct FintechJob
{
	char		name[FINTECH_JOB_NAMELEN];
	const char *guc_name;
	int			interval_ms;	/* the GUC's variable; 0 = only on request */
	FintechJobFunc func;
} FintechJob;

extern FintechJob fintech_jobs[FINTECH_MAX_JOBS];
extern int	fintech_njobs;

#pragma GCC visibility pop

#endif							/* FINTECH_JOBS_H */
