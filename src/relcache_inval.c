/*-------------------------------------------------------------------------
 *
 * relcache_inval.c
 *	  fintech's one relcache invalidation callback: each part that keeps
 *	  what it learnt of a relation between calls (OIDs, column maps,
 *	  indexes' IndexInfo) registers its function here, and one callback
 *	  registered with PostgreSQL calls them all.
 *
 * Why one: PostgreSQL 15 keeps room for ten relcache callbacks a backend
 * (MAX_RELCACHE_CALLBACKS in utils/cache/inval.c) for the server and every
 * loaded library together, and a backend that asks for an eleventh ends
 * with FATAL "out of relcache_callback_list slots".  The server takes
 * two or three of them (plans, types, logical decoding's relfilenode
 * map); fintech's parts alone would take nine, and another extension in
 * the same backend would then end sessions.  Here they take one.
 *
 * Memory: a fixed array of FT_RELCACHE_FNS functions, process-local.  No
 * locks, no database access; the functions are called from
 * LocalExecuteInvalidationMessage, where they must only forget things
 * (never open a relation or run a query).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "relcache_inval.h"

/* room for every part of fintech that keeps relation state, with spare */
#define FT_RELCACHE_FNS 16

typedef struct RelcacheFn
{
	RelcacheCallbackFunction fn;
	Datum		arg;
} RelcacheFn;

static RelcacheFn relcache_fns[FT_RELCACHE_FNS];
static int	nrelcache_fns = 0;

/* the callback PostgreSQL calls: every registered function, in order */
static void
relcache_dispatch(Datum arg, Oid relid)
{
	for (int i = 0; i < nrelcache_fns; i++)
		relcache_fns[i].fn(relcache_fns[i].arg, relid);
}

void
ft_relcache_callback(RelcacheCallbackFunction fn, Datum arg)
{
	/* a part registers where it first caches, however often it gets there */
	for (int i = 0; i < nrelcache_fns; i++)
		if (relcache_fns[i].fn == fn && relcache_fns[i].arg == arg)
			return;
	/* a programming error (a new part over the array's room), not user input */
	if (nrelcache_fns == FT_RELCACHE_FNS)
		elog(ERROR, "fintech: no room for another relcache callback (%d)", FT_RELCACHE_FNS);
	if (nrelcache_fns == 0)
		CacheRegisterRelcacheCallback(relcache_dispatch, (Datum) 0);
	relcache_fns[nrelcache_fns].fn = fn;
	relcache_fns[nrelcache_fns].arg = arg;
	nrelcache_fns++;
}
