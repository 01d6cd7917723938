/*-------------------------------------------------------------------------
 *
 * limit_cache.c
 *	  The active spending limits, kept in backend memory: fintech.pay
 *	  reads them at every payment, and they change only by create_limit
 *	  and drop_limit.
 *
 * The list is read from fintech.limits once and kept until a relcache
 * invalidation of that table: create_limit and drop_limit send one
 * (ft_limits_changed), which every backend receives after their commit,
 * when it next locks the table (pay does, in ft_limits_check).  A payment
 * whose snapshot does not see a limit yet does not check it, as when the
 * list was read with its own SELECT.  Invalidations that arrive while the
 * list is being read leave it marked stale (a counter, not a flag).
 *
 * No locks of its own; reading runs one SELECT through SPI.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "fintech.h"
#include "limit.h"
#include "spi_plan.h"
#include "relcache_inval.h"

enum
{
	P_ACTIVE,
	NPLANS
};

static const FintechPlanDef plan_defs[NPLANS] = {
	[P_ACTIVE] = {"SELECT l.id, l.name, l.scope, l.action, l.max_amount, l.max_count, l.period,"
		" l.created_at, l.currency FROM fintech.limits l WHERE l.dropped_at IS NULL ORDER BY l.id",
	0, {InvalidOid}},
};

FT_DEFINE_PLANS(plans, plan_defs);

static MemoryContext cache_cxt = NULL;
static ActiveLimit *cached = NULL;
static int	ncached = 0;
static Oid	cached_relid = InvalidOid;
static uint64 inval_count = 0;	/* invalidations seen */
static uint64 loaded_at = 0;	/* inval_count when the list was read */
static bool loaded = false;

static void
limits_inval(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == cached_relid)
		inval_count++;
}

int
ft_active_limits(Oid relid, const ActiveLimit **out)
{
	uint64		start;

	if (!loaded || relid != cached_relid || inval_count != loaded_at)
	{
		/* (before the read: an invalidation during it is counted) */
		ft_relcache_callback(limits_inval, (Datum) 0);
		if (cache_cxt == NULL)
			cache_cxt = AllocSetContextCreate(TopMemoryContext, "fintech active limits",
											  ALLOCSET_SMALL_SIZES);
		loaded = false;
		MemoryContextReset(cache_cxt);
		cached = NULL;
		ncached = 0;
		cached_relid = relid;
		start = inval_count;
		ft_run_plan(&plans, P_ACTIVE, NULL, NULL, true, 0);
		if (SPI_processed > 0)
			cached = MemoryContextAllocZero(cache_cxt, sizeof(ActiveLimit) * SPI_processed);
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			HeapTuple	tup = SPI_tuptable->vals[r];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			ActiveLimit *l = &cached[r];
			MemoryContext old = MemoryContextSwitchTo(cache_cxt);
			bool		isnull;
			Datum		d;

			l->id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
			l->name = SPI_getvalue(tup, desc, 2);
			l->scope = SPI_getvalue(tup, desc, 3);
			l->review = strcmp(SPI_getvalue(tup, desc, 4), "review") == 0;
			d = SPI_getbinval(tup, desc, 5, &isnull);
			l->max_amount = isnull ? 0 : DatumGetInt64(d);
			d = SPI_getbinval(tup, desc, 6, &isnull);
			l->max_count = isnull ? 0 : DatumGetInt32(d);
			memcpy(&l->period, DatumGetIntervalP(SPI_getbinval(tup, desc, 7, &isnull)),
				   sizeof(Interval));
			l->created_at = DatumGetTimestampTz(SPI_getbinval(tup, desc, 8, &isnull));
			l->currency = SPI_getvalue(tup, desc, 9);
			MemoryContextSwitchTo(old);
		}
		ncached = (int) SPI_processed;
		loaded_at = start;
		loaded = true;
	}
	*out = cached;
	return ncached;
}

void
ft_limits_changed(void)
{
	Oid			relid = RangeVarGetRelid(makeRangeVar("fintech", "limits", -1), NoLock, false);

	CacheInvalidateRelcacheByRelid(relid);
}
