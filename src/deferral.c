/*-------------------------------------------------------------------------
 *
 * deferral.c
 *	  Deferred postings: which legs may skip their account's row lock, and
 *	  folding such postings into their accounts afterwards (under the row
 *	  lock, by the next posting whose limit check needs them, by
 *	  close_account, or by the fold_postings job).
 *
 * A leg that moves an account in a direction it has no limit on (a credit
 * to a wallet without max_balance, to a fee account...) cannot be refused
 * for funds.  When such an account is locked by another transaction, and
 * the fold job is running, the leg does not wait for that row lock: it
 * takes a FOR KEY SHARE lock (which only conflicts with
 * freeze/unfreeze/close) and writes its posting with seq, balance_after and
 * posted_at still NULL.  Whoever holds the account's row lock next folds
 * such postings into the account (the fold job, or a posting whose limit
 * check needs them), giving them their place in the account's history.
 * balance() and available_balance() count them at once.
 *
 * Which accounts are tried is decided before locking, from a per-backend
 * cache of the accounts' immutable attributes (sign, which limits exist):
 * only accounts used by DEFER_MIN_USES of this backend's last 64 posting
 * calls, so a one-off posting never pays for the extra statements.
 *
 * Locking: the fold takes nothing of its own (the caller holds the
 * account's row lock, FOR NO KEY UPDATE or FOR UPDATE).  The fold job
 * locks one account at a time, in code order, each in a subtransaction
 * under a short lock_timeout (ledger.h), keeping the locks it got until it
 * commits, and leaves a busy account for its next run.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "port/pg_bitutils.h"
#include "utils/hsearch.h"

#include "deferral.h"
#include "immutable.h"
#include "jobs.h"
#include "ledger.h"
#include "posting.h"
#include "posting_lock.h"
#include "posting_write.h"
#include "spi_plan.h"

/*
 * Deferral skips the limit check and the balance, so it is only used far
 * from the bigint edges: a deferred change of at most DEFER_MAX_NET on an
 * account whose balance is within +-DEFER_MAX_BALANCE.  Folding such postings could overflow only after
 * 2^22 maximal deferred postings pile up unfolded; the fold itself is
 * checked (22003) even then.
 */
#define DEFER_MAX_NET		(INT64CONST(1) << 40)
#define DEFER_MAX_BALANCE	(INT64CONST(1) << 62)
#define FOLD_BATCH			32
#define FOLD_MAX_ROWS		5000	/* an account's postings folded by one run of the job */
#define DEFER_CACHE_KEYLEN	64
#define DEFER_CACHE_MAX		65536
/* an account is tried for deferral once used by this many of the last 64 calls */
#define DEFER_MIN_USES		3

/* code -> immutable account attributes, to decide on deferral before locking */
typedef struct DeferCacheEntry
{
	char		code[DEFER_CACHE_KEYLEN];
	uint64		recent;			/* bit i: used by the call i calls ago */
	uint64		last_call;		/* ledger_calls at the last use */
	int64		id;
	int			sign;
	bool		has_min;
	bool		has_max;
} DeferCacheEntry;

static HTAB *defer_cache = NULL;

/* posting calls in this backend, the clock of DeferCacheEntry.recent */
static uint64 ledger_calls = 0;

enum
{
	P_UNFOLDED,
	P_FOLD_ONE,
	NPLANS
};

static const FintechPlanDef plan_defs[NPLANS] = {
	/*
	 * $2: at most that many (NULL: all).  Planned at each run (once per
	 * account folded): a plan made while fintech.postings was empty would
	 * read the whole table for every fold until autovacuum analysed it.
	 */
	[P_UNFOLDED] = {"SELECT entry_id, leg, amount FROM fintech.postings"
		" WHERE account_id OPERATOR(pg_catalog.=) $1 AND seq IS NULL ORDER BY entry_id, leg LIMIT $2",
	2, {INT8OID, INT8OID}, true},
	/*
	 * By primary key alone: with "AND seq IS NULL" here the planner may
	 * take postings_unfolded (account_id) WHERE seq IS NULL, whose
	 * predicate that clause implies, and read the whole backlog for each
	 * row.  It did, whenever the statistics were taken with no backlog
	 * (the usual case): folding n postings read n^2/2 index entries, and
	 * a hot account's fold never caught up again.  The row was read
	 * unfolded under the account's lock, which every fold takes, and
	 * refuse_change() refuses a second fold.
	 */
	[P_FOLD_ONE] = {"UPDATE fintech.postings SET seq = $3, balance_after = $4, posted_at = $5"
		" WHERE entry_id OPERATOR(pg_catalog.=) $1 AND leg OPERATOR(pg_catalog.=) $2",
	5, {INT8OID, INT4OID, INT8OID, INT8OID, TIMESTAMPTZOID}},
};

FT_DEFINE_PLANS(plans, plan_defs);

static DeferCacheEntry *
defer_cache_lookup(const char *code)
{
	if (defer_cache == NULL || strlen(code) >= DEFER_CACHE_KEYLEN)
		return NULL;
	return hash_search(defer_cache, code, HASH_FIND, NULL);
}

void
defer_cache_remember(Acct *a)
{
	DeferCacheEntry *e;
	bool		found;

	if (strlen(a->code) >= DEFER_CACHE_KEYLEN)
		return;
	if (defer_cache == NULL || hash_get_num_entries(defer_cache) >= DEFER_CACHE_MAX)
	{
		HASHCTL		ctl;

		if (defer_cache)
			hash_destroy(defer_cache);
		ctl.keysize = DEFER_CACHE_KEYLEN;
		ctl.entrysize = sizeof(DeferCacheEntry);
		defer_cache = hash_create("fintech account attributes", 1024, &ctl,
								  HASH_ELEM | HASH_STRINGS);
	}
	e = hash_search(defer_cache, a->code, HASH_ENTER, &found);
	if (!found || ledger_calls - e->last_call >= 64)
		e->recent = 0;
	else
		e->recent <<= (ledger_calls - e->last_call);
	e->recent |= 1;
	e->last_call = ledger_calls;
	e->id = a->id;
	e->sign = a->sign;
	e->has_min = a->has_min;
	e->has_max = a->has_max;
}

/* how many of the last 64 posting calls of this backend used the account */
static int
recent_uses(DeferCacheEntry *c)
{
	uint64		shift = ledger_calls - c->last_call;

	return shift >= 64 ? 0 : pg_popcount64(c->recent << shift);
}

bool
account_recently_used(const char *code)
{
	DeferCacheEntry *c = defer_cache_lookup(code);

	/* ledger_calls already counts the current call (defer_choose) */
	return c != NULL && ledger_calls - c->last_call <= 64;
}

/* can a posted change of net (normal direction) be deferred on this account? */
static inline bool
deferrable(int64 net, bool has_min, bool has_max)
{
	return (net > 0 && !has_max) || (net < 0 && !has_min);
}

/*
 * May the entry's posted change on this account (defer_net, debits > 0)
 * be deferred, given its sign and limits?  With the balance read from the
 * row (balance_known), only far from the bigint edges (DEFER_MAX_BALANCE).
 */
static bool
net_deferrable(int128 defer_net, int sign, bool has_min, bool has_max,
			   bool balance_known, int64 balance)
{
	int128		net = defer_net * sign;

	if (net > DEFER_MAX_NET || net < -DEFER_MAX_NET)
		return false;
	if (balance_known && (balance > DEFER_MAX_BALANCE || balance < -DEFER_MAX_BALANCE))
		return false;
	return deferrable((int64) net, has_min, has_max);
}

/* may the entry's posted change on this account still be deferred? */
bool
still_deferrable(Acct *a, EntrySpec *e)
{
	return net_deferrable(a->defer_net, a->sign, a->has_min, a->has_max, true, a->balance);
}

void
defer_choose(Ledger *L, EntrySpec *specs, int nspecs, bool allow_defer)
{
	ledger_calls++;

	/*
	 * Deferral: only for a single posted entry, only when the fold job runs,
	 * and only for accounts whose (cached, immutable) limits allow it.
	 */
	if (!allow_defer || nspecs != 1 || specs[0].pending_for != NULL ||
		specs[0].hold_forever || specs[0].nrelease != 0)
		return;
	/* each account's net change, in one pass over the legs */
	for (int l = 0; l < specs[0].nlegs; l++)
	{
		CHECK_FOR_INTERRUPTS();
		if (specs[0].legs[l].acct)
			specs[0].legs[l].acct->defer_net += specs[0].legs[l].amount;
	}
	for (int i = 0; i < L->naccts; i++)
	{
		Acct	   *a = &L->accts[i];
		DeferCacheEntry *c = defer_cache_lookup(a->code);

		CHECK_FOR_INTERRUPTS();
		if (c == NULL || recent_uses(c) < DEFER_MIN_USES)
			continue;
		a->try_defer = net_deferrable(a->defer_net, c->sign, c->has_min, c->has_max, false, 0);
		L->allow_defer |= a->try_defer;
	}
	if (L->allow_defer && !fintech_job_active("fold_postings"))
	{
		L->allow_defer = false;
		for (int i = 0; i < L->naccts; i++)
			L->accts[i].try_defer = false;
	}
}

/*
 * fold_account: give the account's committed deferred postings their place
 * in its history (seq, balance_after, posted_at), under our row lock.
 */
int64
fold_account(Ledger *L, Acct *a)
{
	return fold_account_some(L, a, 0);
}

/*
 * The first `max` of them (0: all), in entry order; the account counts as
 * folded only when none is left.  The job folds at most FOLD_MAX_ROWS of
 * an account per run: a hot account's backlog in one run held the
 * launcher, and every other job, for as long as it took, while the
 * backlog grew behind it (measured: over 60 s, a build with the internal
 * checks on a busy machine).
 */
int64
fold_account_some(Ledger *L, Acct *a, int64 max)
{
	Datum		args[2] = {Int64GetDatum(a->id), Int64GetDatum(max)};
	SPITupleTable *tt;
	uint64		n;

	FT_CHECK(a->lock == ACCT_LOCKED);
	ft_run_plan(&plans, P_UNFOLDED, args, max > 0 ? NULL : " n", false, 0);
	tt = SPI_tuptable;
	n = SPI_processed;
	a->folded = max == 0 || n < (uint64) max;
	if (n == 0)
		return 0;

	fintech_internal_write = FT_WRITE_FOLD;
	PG_TRY();
	{
		for (uint64 r = 0; r < n; r++)
		{
			Datum		v[5];
			int64		amount = get_int8(tt->vals[r], tt->tupdesc, 3, NULL);
			bool		isnull;

			int128		nb = (int128) a->balance + (int128) amount * a->sign;

			CHECK_FOR_INTERRUPTS();
			/* deferral is kept far from the edges (DEFER_MAX_*): not expected */
			if (nb < PG_INT64_MIN || nb > PG_INT64_MAX)
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("account %s: balance out of range for bigint while folding deferred postings",
								a->code),
						 errdetail("Balance " INT64_FORMAT ", deferred posting of entry " INT64_FORMAT
								   " moves it by " INT64_FORMAT ".", a->balance,
								   get_int8(tt->vals[r], tt->tupdesc, 1, NULL), amount * a->sign)));
			a->balance = (int64) nb;
			a->last_seq = add64(a->last_seq, 1);
			v[0] = SPI_getbinval(tt->vals[r], tt->tupdesc, 1, &isnull);
			v[1] = SPI_getbinval(tt->vals[r], tt->tupdesc, 2, &isnull);
			v[2] = Int64GetDatum(a->last_seq);
			v[3] = Int64GetDatum(a->balance);
			v[4] = TimestampTzGetDatum(L->stamp);
			if (ft_run_plan(&plans, P_FOLD_ONE, v, NULL, false, 0) != SPI_OK_UPDATE || SPI_processed != 1)
				elog(ERROR, "deferred posting of account %s changed while folding it", a->code);
		}
	}
	PG_FINALLY();
	{
		fintech_internal_write = FT_WRITE_NONE;
	}
	PG_END_TRY();
	a->dirty = true;
	return (int64) n;
}

/* fold one account's deferred postings; the argument is its code */
static int64
fold_one(void *arg)
{
	EntrySpec	e;
	Leg			leg;
	Ledger		L;
	int64		rows = 0;

	spec_init(&e, "standard");
	memset(&leg, 0, sizeof(leg));
	leg.code = (char *) arg;
	e.nrelease = 1;
	e.release = &leg;
	ledger_begin(&L, &e, 1, true, false);
	if (L.accts[0].found)
		rows = fold_account_some(&L, &L.accts[0], FOLD_MAX_ROWS);
	ledger_finish(&L);
	return rows;
}

/*
 * fold_postings job: fold deferred postings, one subtransaction per account,
 * FOLD_BATCH accounts per run; an account whose row stays locked is left
 * for the next run.  The locks of the folded accounts are kept until the
 * job commits, so the accounts are taken in code order like everywhere.
 */
int64
fold_postings_job(bool *again)
{
	int64		rows = 0;
	int			n;
	char	  **codes;
	bool		more = false;

	SPI_connect();
	job_lock_timeout();
	/*
	 * The accounts with deferred postings, one index probe each: a DISTINCT
	 * over postings_unfolded read every deferred posting at every run, and
	 * a hot account's backlog is what the job exists to shrink.
	 */
	ft_run_select("WITH RECURSIVE u(id, n) AS ("
				  " SELECT (SELECT account_id FROM fintech.postings WHERE seq IS NULL"
				  "          ORDER BY account_id LIMIT 1), 1"
				  " UNION ALL"
				  " SELECT (SELECT account_id FROM fintech.postings"
				  "          WHERE seq IS NULL AND account_id OPERATOR(pg_catalog.>) u.id"
				  "          ORDER BY account_id LIMIT 1), u.n + 1"
				  "   FROM u WHERE u.id IS NOT NULL AND u.n < " CppAsString2(FOLD_BATCH) ")"
				  " SELECT a.code FROM fintech.accounts a JOIN u ON a.id OPERATOR(pg_catalog.=) u.id"
				  " ORDER BY a.code COLLATE \"C\"", 0, NULL, NULL);
	n = (int) SPI_processed;
	codes = palloc(sizeof(char *) * Max(n, 1));
	for (int i = 0; i < n; i++)
		codes[i] = get_text(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
	for (int i = 0; i < n; i++)
	{
		int64		folded;

		CHECK_FOR_INTERRUPTS();
		folded = run_in_subxact(fold_one, codes[i]);

		if (folded > 0)
			rows += folded;
		if (folded >= FOLD_MAX_ROWS)
			more = true;		/* that account has more: the next run at once */
	}
	SPI_finish();
	*again = n == FOLD_BATCH || more;
	return rows;
}
