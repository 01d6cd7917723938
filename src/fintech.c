/*-------------------------------------------------------------------------
 *
 * fintech.c
 *	  Module entry point: _PG_init, the GUCs that are not owned by a single
 *	  part (fintech.database), and fintech.version().
 *
 * Loaded through shared_preload_libraries, _PG_init also sets up shared
 * memory and registers the background worker launcher (see worker.c).
 * Loaded any other way (CREATE EXTENSION, LOAD) it stays quiet: every SQL
 * function works, only the automatic jobs are absent.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "fintech.h"

PG_MODULE_MAGIC;

/* PostgreSQL 15's fmgr.h does not declare it yet */
extern PGDLLEXPORT void _PG_init(void);

bool		fintech_preloaded = false;
char	   *fintech_database = NULL;
FintechInternalWrite fintech_internal_write = FT_WRITE_NONE;

void
_PG_init(void)
{
	fintech_preloaded = process_shared_preload_libraries_in_progress;

	/*
	 * PGC_SIGHUP rather than PGC_POSTMASTER: a postmaster-only GUC cannot be
	 * defined by a library loaded after startup, and we want the same GUCs
	 * whether preloaded or not.  On a change the launcher exits and the
	 * postmaster starts it again, connected to the new database.
	 */
	DefineCustomStringVariable("fintech.database",
							   "Database in which the fintech background worker runs its jobs.",
							   "Changing it restarts the launcher.",
							   &fintech_database,
							   "postgres",
							   PGC_SIGHUP,
							   0,
							   NULL, NULL, NULL);

	WorkerInit();
	LedgerInit();
	AuditInit();
	PaymentsInit();

	MarkGUCPrefixReserved("fintech");
}

PG_FUNCTION_INFO_V1(fintech_version);

/*
 * fintech.version(): the version of the loaded library, which may differ
 * from pg_extension.extversion until ALTER EXTENSION fintech UPDATE.
 */
Datum
fintech_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(FINTECH_VERSION));
}
