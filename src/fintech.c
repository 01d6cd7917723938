/*-------------------------------------------------------------------------
 *
 * fintech.c
 *	  Module entry point: _PG_init, the GUCs that are not owned by a single
 *	  part (fintech.database), and fintech.version(); two helpers for
 *	  the SQL functions of every part: text arguments, '{}' as jsonb; and
 *	  the check of an interval GUC that a job subtracts from now().
 *
 * Loaded through shared_preload_libraries, _PG_init also sets up shared
 * memory and registers the background worker launcher (see launcher.c).
 * Loaded any other way (CREATE EXTENSION, LOAD) it stays quiet: every SQL
 * function works, only the automatic jobs are absent.
 *
 * In every backend that loads the library _PG_init installs the DDL guard
 * (guard.c, a ProcessUtility hook); with shared_preload_libraries, the
 * documented setup, that is every backend.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mb/pg_wchar.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "audit_seal.h"
#include "erasure.h"
#include "events.h"
#include "launcher.h"
#include "fintech.h"
#include "ledger.h"
#include "metrics.h"
#include "parties.h"
#include "payments.h"
#include "vault.h"

PG_MODULE_MAGIC;

/* PostgreSQL 15's fmgr.h does not declare it yet */
extern PGDLLEXPORT void _PG_init(void);

bool		fintech_preloaded = false;
char	   *fintech_database = NULL;

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
	ScreeningInit();
	PartiesInit();
	ErasureInit();
	EventsInit();
	VaultInit();
	GuardInit();
	MetricsInit();

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

/* '{}' as jsonb, built once per backend */
Jsonb *
fintech_empty_object(void)
{
	static Jsonb *empty = NULL;

	if (empty == NULL)
	{
		Jsonb	   *j = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("{}")));

		empty = MemoryContextAlloc(TopMemoryContext, VARSIZE(j));
		memcpy(empty, j, VARSIZE(j));
	}
	return empty;
}

void
fintech_arg_not_null(FunctionCallInfo fcinfo, int n, const char *what)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be NULL", what)));
}

/*
 * fintech_text_arg: text argument n as a C string.  NULL raises 22023
 * unless FT_ARG_OPTIONAL (then NULL is returned); an empty string (with
 * FT_ARG_NOT_BLANK also one of only blanks) raises 22023, and so does one
 * longer than maxchars characters (0: no limit).
 */
char *
fintech_text_arg(FunctionCallInfo fcinfo, int n, const char *what, int flags, int maxchars)
{
	char	   *s;
	int			len;

	if (PG_ARGISNULL(n) && (flags & FT_ARG_OPTIONAL))
		return NULL;
	fintech_arg_not_null(fcinfo, n, what);
	s = text_to_cstring(PG_GETARG_TEXT_PP(n));
	if (s[0] == '\0' || ((flags & FT_ARG_NOT_BLANK) && strspn(s, " \t\r\n") == strlen(s)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be empty", what)));
	if (maxchars > 0 && (len = pg_mbstrlen(s)) > maxchars)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s is %d characters long, the limit is %d", what, len, maxchars)));
	return s;
}

/*
 * fintech_check_interval_guc: the check hook of an interval GUC that a job
 * subtracts from now() (a retention): it must parse, not be negative and
 * give a timestamp; *extra gets the Interval.
 */
bool
fintech_check_interval_guc(char **newval, void **extra, GucSource source)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	Interval   *iv = NULL;
	Interval	zero;

	/* parsing and date arithmetic only: an error leaves nothing to clean up */
	PG_TRY();
	{
		iv = DatumGetIntervalP(DirectFunctionCall3(interval_in, CStringGetDatum(*newval),
												   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
		/* the job computes now() - retention: that must be a timestamp */
		(void) DirectFunctionCall2(timestamptz_mi_interval,
								   TimestampTzGetDatum(GetCurrentTimestamp()),
								   IntervalPGetDatum(iv));
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(oldcxt);
		FlushErrorState();
		iv = NULL;
	}
	PG_END_TRY();
	if (iv == NULL)
	{
		GUC_check_errdetail("\"%s\" is not an interval that can be subtracted from now().", *newval);
		return false;
	}
	memset(&zero, 0, sizeof(zero));
	if (DatumGetInt32(DirectFunctionCall2(interval_cmp, IntervalPGetDatum(iv),
										  IntervalPGetDatum(&zero))) < 0)
	{
		GUC_check_errdetail("The interval must not be negative.");
		return false;
	}
	*extra = malloc(sizeof(Interval));	/* freed by the GUC machinery with free() */
	if (*extra == NULL)
		return false;
	memcpy(*extra, iv, sizeof(Interval));
	return true;
}
