/*-------------------------------------------------------------------------
 *
 * screening_guard.c
 *	  Screening fails closed, and an old list is visible:
 *
 *	- fintech.screening_required (bool, default on, superuser only):
 *	  while it is on and no sanctions list is loaded (fintech.sanctions_lists
 *	  has no row in the caller's snapshot), screen_name, create_party and
 *	  rescreen_parties raise 55000 with a hint to load a list, instead of
 *	  finding nothing and calling everyone clear.  Off is for platforms
 *	  that do not screen at all.
 *	- fintech.sanctions_max_age (an interval, default '8 days', superuser
 *	  only): a list loaded longer ago than that is stale.
 *	  fintech.screening_status shows each list's age and stale; the
 *	  heartbeat job fails (55000, visible in fintech.worker_status) while a
 *	  list is stale.  The worker reads the setting from the server's
 *	  configuration (postgresql.conf, ALTER SYSTEM, ALTER DATABASE), the
 *	  view from the reading session.
 *
 * Locks: AccessShareLock on fintech.sanctions_lists (a read).  The
 * staleness check connects to SPI itself (nested in the caller's
 * connection, if any); the other reads the table directly.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "fintech.h"
#include "name_index.h"
#include "screening_guard.h"
#include "spi_plan.h"

static bool screening_required = true;
static char *max_age_string = NULL;
static Interval *max_age = NULL;

enum
{
	P_STALE,
	NPLANS
};

static const FintechPlanDef plan_defs[NPLANS] = {
	[P_STALE] = {"SELECT list, pg_catalog.date_trunc('second', pg_catalog.now() OPERATOR(pg_catalog.-) loaded_at)::pg_catalog.text,"
		" (SELECT pg_catalog.count(*) FROM fintech.sanctions_lists s WHERE s.loaded_at OPERATOR(pg_catalog.<) $1)"
		" FROM fintech.sanctions_lists WHERE loaded_at OPERATOR(pg_catalog.<) $1"
		" ORDER BY loaded_at, list LIMIT 1", 1, {TIMESTAMPTZOID}},
};

FT_DEFINE_PLANS(plans, plan_defs);

void
ft_screening_required_check(void)
{
	int64		sig[FT_SIG_LEN];

	if (!screening_required)
		return;
	/* (the lists' signature counts them: no statement to plan on a session's first call) */
	ft_lists_signature(sig);
	if (sig[0] == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("no sanctions list is loaded"),
				 errdetail("Screening fails closed: with no list, nobody would be found."),
				 errhint("Load a list (fintech.load_sanctions_ofac, load_sanctions_un or load_sanctions_ftm); "
						 "a platform that does not screen sets fintech.screening_required = off.")));
}

void
ft_sanctions_staleness_check(void)
{
	Datum		v[1];
	char	   *list = NULL;
	char	   *age = NULL;
	char	   *count = NULL;

	if (max_age == NULL)
		return;
	v[0] = DirectFunctionCall2(timestamptz_mi_interval,
							   TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()),
							   IntervalPGetDatum(max_age));
	SPI_connect();
	if (ft_run_plan(&plans, P_STALE, v, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read fintech.sanctions_lists");
	if (SPI_processed > 0)
	{
		list = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		age = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
		count = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
	}
	SPI_finish();
	if (list != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("sanctions list \"%s\" is stale: loaded %s ago, fintech.sanctions_max_age is %s",
						list, age, max_age_string),
				 errdetail("%s list(s) are older than fintech.sanctions_max_age (fintech.screening_status).",
						   count),
				 errhint("Load the list's current publication, or raise fintech.sanctions_max_age.")));
}

bool
ft_screening_v2_schema(void)
{
	Oid			nsp = get_namespace_oid("fintech", true);
	Oid			rel = OidIsValid(nsp) ? get_relname_relid("parties", nsp) : InvalidOid;

	return OidIsValid(rel) && get_attnum(rel, "birth_date") != InvalidAttrNumber;
}

static bool
check_max_age(char **newval, void **extra, GucSource source)
{
	return fintech_check_interval_guc(newval, extra, source);
}

static void
assign_max_age(const char *newval, void *extra)
{
	max_age = extra;
}

void
ScreeningGuardInit(void)
{
	DefineCustomBoolVariable("fintech.screening_required",
							 "Refuse to screen while no sanctions list is loaded.",
							 "On (the default), screen_name, create_party and rescreen_parties raise "
							 "55000 while fintech.sanctions_lists is empty, instead of finding no match. "
							 "Off: a platform that does not screen creates parties as clear.",
							 &screening_required,
							 true,
							 PGC_SUSET, 0,
							 NULL, NULL, NULL);
	DefineCustomStringVariable("fintech.sanctions_max_age",
							   "Age after which a loaded sanctions list is stale (an interval).",
							   "fintech.screening_status reports each list's age and whether it is stale; "
							   "the heartbeat job fails while a list is stale.",
							   &max_age_string,
							   "8 days",
							   PGC_SUSET, 0,
							   check_max_age, assign_max_age, NULL);
}
