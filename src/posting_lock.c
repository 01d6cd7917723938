/*-------------------------------------------------------------------------
 *
 * posting_lock.c
 *	  The first step of a posting call: its accounts, sorted by code,
 *	  deduplicated, linked to the legs, and locked -- all of them, up front,
 *	  before any entry is checked.
 *
 * Lock order: a hold before its accounts, accounts in code order, and
 * accounts last of all, after parties, alerts and payments (the global
 * order in payments.c and parties.c); the jobs lock holds and accounts
 * only, with SKIP LOCKED and lock_timeout (holds.c, deferral.c).
 *
 * Accounts are locked FOR NO KEY UPDATE in byte order of their codes (the
 * order of strcmp; the statements' ORDER BY code COLLATE "C"), each by a
 * direct probe and tuple lock that does what the statement P_LOCK does
 * (posting_lock_write.c's lock_writer_lock; a run of several accounts, as
 * a batch's, is probed first, all in one snapshot as the statement reads
 * it, and then locked account by account: lock_run), or by that
 * statement, one per run of accounts, where the table is not as installed;
 * for one entry whose refusal raises (ledger_begin_one), each account is
 * instead locked by the update that writes the entry's change to it, one
 * account at a time in the same order (the same lock, FOR NO KEY UPDATE,
 * without a separate lock record in the WAL): a direct heap_update
 * (posting_lock_write.c), or where the table is not as installed or the
 * update meets something unusual the UPDATE statement P_LOCK_WRITE, whose
 * waits and results the direct update reproduces; the entry is then
 * decided against the state before that change, and a refusal's error
 * undoes it (ledger_finish writes the account again if the entry did not
 * apply exactly that change);
 * an account tried for deferral (deferral.c) first with SKIP LOCKED, and
 * when it is busy FOR KEY SHARE, at its own place in that order, directly
 * too (lock_deferrable; the statements P_LOCK_SKIP and P_LOCK_SHARE where
 * the direct lock cannot settle it).  One
 * account alone (status changes, close) is locked FOR UPDATE, which also
 * waits for deferred postings in flight.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "deferral.h"
#include "ledger.h"
#include "posting.h"
#include "posting_lock.h"
#include "posting_lock_write.h"
#include "posting_write.h"
#include "spi_plan.h"

/* from this many accounts on, lock them with P_LOCK_MANY */
#define LOCK_MANY_MIN		32

/*
 * Locking by the update (P_LOCK_WRITE): entries of at most this many
 * accounts (one statement each), a change of at most PREWRITE_MAX_NET per
 * account, applied only to a balance within +-PREWRITE_MAX_BALANCE, so that
 * the update itself cannot overflow (any other account is locked as usual).
 */
#define PREWRITE_MAX_ACCTS	4
#define PREWRITE_MAX_NET	(INT64CONST(1) << 40)
#define PREWRITE_MAX_BALANCE "4611686018427387904"

/* ctid last: the locked version, for the batch path's direct update (posting_bulk.c) */
#define ACCT_COLS "id, code, currency, kind, status, min_balance, max_balance, " \
	"balance, pending_out, pending_in, last_seq, blocked, ctid"

enum
{
	P_LOCK,
	P_LOCK_MANY,
	P_LOCK_SKIP,
	P_LOCK_SHARE,
	P_LOCK_ONE,
	P_LOCK_WRITE,
	NPLANS
};

static const FintechPlanDef plan_defs[NPLANS] = {
	[P_LOCK] = {"SELECT " ACCT_COLS " FROM fintech.accounts WHERE code OPERATOR(pg_catalog.=) ANY ($1)"
		" ORDER BY code COLLATE \"C\" FOR NO KEY UPDATE", 1, {TEXTARRAYOID}},

	/*
	 * P_LOCK for many codes (LOCK_MANY_MIN): a join with the unnested codes.
	 * "code = ANY ($1)" became, with a custom plan for a large array, a seq
	 * scan testing every row against the whole array (quadratic); this is
	 * one index probe per code.
	 */
	[P_LOCK_MANY] = {"SELECT " ACCT_COLS " FROM fintech.accounts"
		" WHERE code OPERATOR(pg_catalog.=) ANY (SELECT pg_catalog.unnest($1::pg_catalog.text[]))"
		" ORDER BY code COLLATE \"C\" FOR NO KEY UPDATE OF accounts", 1, {TEXTARRAYOID}},
	[P_LOCK_SKIP] = {"SELECT " ACCT_COLS " FROM fintech.accounts WHERE code OPERATOR(pg_catalog.=) ANY ($1)"
		" ORDER BY code COLLATE \"C\" FOR NO KEY UPDATE SKIP LOCKED", 1, {TEXTARRAYOID}},
	[P_LOCK_SHARE] = {"SELECT " ACCT_COLS " FROM fintech.accounts WHERE code OPERATOR(pg_catalog.=) ANY ($1)"
		" ORDER BY code COLLATE \"C\" FOR KEY SHARE", 1, {TEXTARRAYOID}},
	[P_LOCK_ONE] = {"SELECT " ACCT_COLS " FROM fintech.accounts WHERE code OPERATOR(pg_catalog.=) $1"
		" FOR UPDATE", 1, {TEXTOID}},
	/* $2: the legs' sum (debit > 0), $3: how many legs; the sign is kind_sign()'s */
	[P_LOCK_WRITE] = {"UPDATE fintech.accounts SET balance = balance OPERATOR(pg_catalog.+)"
		" CASE WHEN kind OPERATOR(pg_catalog.=) ANY ('{asset,expense}'::pg_catalog.text[]) THEN $2"
		" ELSE OPERATOR(pg_catalog.-) $2 END, last_seq = last_seq OPERATOR(pg_catalog.+) $3"
		" WHERE code OPERATOR(pg_catalog.=) $1"
		" AND balance OPERATOR(pg_catalog.>=) -" PREWRITE_MAX_BALANCE "::pg_catalog.int8"
		" AND balance OPERATOR(pg_catalog.<=) " PREWRITE_MAX_BALANCE "::pg_catalog.int8"
		" AND last_seq OPERATOR(pg_catalog.<=) " PREWRITE_MAX_BALANCE "::pg_catalog.int8"
		" RETURNING " ACCT_COLS, 3, {TEXTOID, INT8OID, INT8OID}},
};

FT_DEFINE_PLANS(plans, plan_defs);

/* bsearch's comparison: a code (the key) against an account */
static int
code_acct_cmp(const void *key, const void *acct)
{
	return strcmp((const char *) key, ((const Acct *) acct)->code);
}

static int
code_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static Acct *
find_acct(Ledger *L, const char *code)
{
	return bsearch(code, L->accts, L->naccts, sizeof(Acct), code_acct_cmp);
}

static void
fill_acct(Acct *a, HeapTuple tup, TupleDesc desc)
{
	bool		isnull;

	a->found = true;
	a->id = get_int8(tup, desc, 1, NULL);
	a->currency = get_text(tup, desc, 3);
	a->kind = get_text(tup, desc, 4);
	a->sign = kind_sign(a->kind);
	a->status = get_text(tup, desc, 5);
	a->min_balance = get_int8(tup, desc, 6, &isnull);
	a->has_min = !isnull;
	a->max_balance = get_int8(tup, desc, 7, &isnull);
	a->has_max = !isnull;
	a->balance = get_int8(tup, desc, 8, NULL);
	a->pending_out = get_int8(tup, desc, 9, NULL);
	a->pending_in = get_int8(tup, desc, 10, NULL);
	a->last_seq = get_int8(tup, desc, 11, NULL);
	a->blocked = DatumGetBool(SPI_getbinval(tup, desc, 12, &isnull));
	a->tid = *(ItemPointer) DatumGetPointer(SPI_getbinval(tup, desc, 13, &isnull));
}

/* lock the still unlocked accounts accts[from..to) with the given plan */
static void
lock_range(Ledger *L, int from, int to, int which, AcctLock mode)
{
	Datum	   *codes = palloc(sizeof(Datum) * (to - from));
	int			n = 0;
	Datum		param;

	for (int i = from; i < to; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (L->accts[i].lock == ACCT_UNLOCKED || mode == ACCT_LOCKED)
			codes[n++] = CStringGetTextDatum(L->accts[i].code);
	}
	if (n == 0)
		return;
	if (which == P_LOCK && n >= LOCK_MANY_MIN)
		which = P_LOCK_MANY;
	param = PointerGetDatum(construct_array(codes, n, TEXTOID, -1, false, TYPALIGN_INT));
	ft_run_plan(&plans, which, &param, NULL, false, 0);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		char	   *code = get_text(tup, SPI_tuptable->tupdesc, 2);
		Acct	   *a = find_acct(L, code);

		CHECK_FOR_INTERRUPTS();
		FT_CHECK(a != NULL);
		fill_acct(a, tup, SPI_tuptable->tupdesc);
		a->lock = mode;
		defer_cache_remember(a);
	}
}

/* the call's direct writer, opened at its first use (*tried set); NULL: none */
static LockWriter *
writer(LockWriter **w, bool *tried)
{
	if (!*tried)
	{
		*tried = true;
		*w = lock_writer_open();
	}
	return *w;
}

/*
 * Lock accts[from..to) FOR NO KEY UPDATE, in code order, each by a direct
 * probe and tuple lock (posting_lock_write.c's lock_writer_lock: what
 * P_LOCK does for it, without the statement's executor, some 20,000
 * instructions an account less); an account the direct lock cannot settle
 * gets the statement P_LOCK of its own, at its place in the order.
 * Without a direct writer (the table not as installed): P_LOCK for the run.
 *
 * A run of several accounts is probed first, all in one snapshot, before
 * the first lock (lock_writer_probe, as P_LOCK reads the run in one
 * snapshot): the probes (an index descent and a heap fetch an account,
 * three quarters of the cost of locking it) are then not part of the
 * time the call holds the locks of the accounts before.  A batch that has
 * to wait for another batch's account (random batches share some, and
 * the first shared one comes early in the order, so the later batch
 * waits for nearly the whole of the earlier one) has done them before
 * the wait, and after it locks the rest without them; so two batches run
 * apart by less than before.  The locks are taken in the same order and
 * wait in the same places.
 */
static void
lock_run(Ledger *L, int from, int to, LockWriter **w, bool *tried)
{
	if (writer(w, tried) == NULL)
	{
		lock_range(L, from, to, P_LOCK, ACCT_LOCKED);
		return;
	}
	if (to - from > 1)
		lock_writer_probe(*w, &L->accts[from], to - from);
	for (int i = from; i < to; i++)
	{
		Acct	   *a = &L->accts[i];
		LockWriteResult res;

		CHECK_FOR_INTERRUPTS();
		res = lock_writer_lock(*w, a);
		if (res == LW_STATEMENT)
			lock_range(L, i, i + 1, P_LOCK, ACCT_LOCKED);
		else if (res == LW_DONE)
		{
			a->lock = ACCT_LOCKED;
			defer_cache_remember(a);
		}
	}
	lock_writer_probe_end(*w);
}

/*
 * Lock account i by the update that writes the entry's change to it, and
 * take back that change in memory: the entry is decided against the state
 * before it.  The update is done directly (posting_lock_write.c: an index
 * probe and heap_update, the same lock, waits and result as the statement
 * P_LOCK_WRITE, without the statement's executor start-up and end), or
 * with P_LOCK_WRITE when the table is not as installed (*w stays NULL) or
 * something unusual happened (a serialization failure to raise, a row
 * deleted meanwhile).  An account the update does not find (none, or a
 * balance too near the bigint edges) is locked as usual, and so is an
 * account this backend used in one of its last 64 calls: such an account
 * may be contended, and an UPDATE that waited for a row updated meanwhile
 * queues again for the newer version, so a later waiter can overtake it;
 * a lock keeps the waiters in order (heap_lock_tuple follows the update
 * chain without queueing again; lock_run).  The direct update waits as the
 * UPDATE statement does (heap_update, then the latest version locked as
 * EvalPlanQual locks it), so the same rule applies to it.
 *
 * *w: the call's direct writer, opened at its first use (*tried set).
 */
static void
lock_by_update(Ledger *L, int i, LockWriter **w, bool *tried)
{
	Acct	   *a = &L->accts[i];
	LockWriteResult res = LW_STATEMENT;

	if (a->lock != ACCT_UNLOCKED)
		return;
	if (account_recently_used(a->code))
	{
		lock_run(L, i, i + 1, w, tried);
		return;
	}
	if (writer(w, tried) != NULL)
		res = lock_writer_update(*w, a);
	if (res == LW_STATEMENT)
	{
		Datum		v[3];

		v[0] = CStringGetTextDatum(a->code);
		v[1] = Int64GetDatum(a->pre_net);
		v[2] = Int64GetDatum(a->pre_legs);
		ft_run_plan(&plans, P_LOCK_WRITE, v, NULL, false, 0);
		res = SPI_processed == 0 ? LW_NONE : LW_DONE;
		if (res == LW_DONE)
		{
			FT_CHECK(SPI_processed == 1);
			fill_acct(a, SPI_tuptable->vals[0], SPI_tuptable->tupdesc);
		}
	}
	if (res == LW_NONE)
	{
		lock_run(L, i, i + 1, w, tried);
		return;
	}
	a->lock = ACCT_LOCKED;
	a->prewritten = true;
	a->pre_balance = a->balance;
	a->pre_last_seq = a->last_seq;
	/* within the bounds of P_LOCK_WRITE: cannot overflow */
	a->balance -= a->pre_net * a->sign;
	a->last_seq -= a->pre_legs;
	defer_cache_remember(a);
}

/*
 * Account i, tried for deferral: which (P_LOCK_SKIP, FOR NO KEY UPDATE
 * SKIP LOCKED; P_LOCK_SHARE, FOR KEY SHARE) done directly, as lock_run
 * does P_LOCK (lock_writer_lock_as: the same mode, wait policy and
 * outcome, without the statement's executor and its probe of the code
 * index, which reads every kept version of a hot account's row while a
 * snapshot is held); the statement when the direct lock cannot settle it
 * or there is no direct writer.  Skipped (locked by another) or no such
 * row: left unlocked, as the statement leaves it.
 */
static void
lock_deferrable(Ledger *L, int i, LockWriter **w, bool *tried, int which)
{
	Acct	   *a = &L->accts[i];
	bool		share = which == P_LOCK_SHARE;
	AcctLock	mode = share ? ACCT_SHARED : ACCT_LOCKED;
	LockWriteResult res = LW_STATEMENT;

	if (writer(w, tried) != NULL)
		res = lock_writer_lock_as(*w, a, share ? LockTupleKeyShare : LockTupleNoKeyExclusive,
								  share ? LockWaitBlock : LockWaitSkip);
	if (res == LW_STATEMENT)
		lock_range(L, i, i + 1, which, mode);
	else if (res == LW_DONE)
	{
		a->lock = mode;
		defer_cache_remember(a);
	}
}

/*
 * Lock every account, strictly in the (byte) order of their codes: a run of
 * accounts that must be locked is locked with one statement (which locks in
 * ORDER BY order); an account tried for deferral gets statements of its
 * own, at its place in the order.  Every lock wait, including the waits
 * that SKIP LOCKED itself can do when it follows a row's update chain,
 * therefore happens in code order, and two calls cannot deadlock.
 */
static void
lock_in_order(Ledger *L, EntrySpec *spec)
{
	int			i = 0;
	LockWriter *w = NULL;
	bool		tried = false;

	while (i < L->naccts)
	{
		Acct	   *a = &L->accts[i];

		CHECK_FOR_INTERRUPTS();
		if (!a->try_defer)
		{
			int			j = i;

			while (j < L->naccts && !L->accts[j].try_defer)
				j++;
			if (L->prewrite)
				for (int k = i; k < j; k++)
					lock_by_update(L, k, &w, &tried);
			else
				lock_run(L, i, j, &w, &tried);
			i = j;
			continue;
		}
		lock_deferrable(L, i, &w, &tried, P_LOCK_SKIP);
		if (a->lock == ACCT_UNLOCKED)
		{
			lock_deferrable(L, i, &w, &tried, P_LOCK_SHARE);
			/* the authoritative attributes must still allow deferral */
			if (a->lock == ACCT_SHARED && !still_deferrable(a, spec))
				lock_range(L, i, i + 1, P_LOCK, ACCT_LOCKED);
		}
		i++;
	}
	lock_writer_close(w);
}

/*
 * May one entry whose refusal raises lock its accounts by their update?
 * A posted entry (no hold, nothing released or resolved) of a few
 * accounts, each moved by a small amount; each account's change is summed
 * into pre_net and pre_legs.
 */
static bool
prewrite_choose(Ledger *L, EntrySpec *e)
{
	if (entry_pending(e) || e->nrelease != 0 || e->resolve_hold != 0 ||
		e->nlegs == 0 || L->naccts > PREWRITE_MAX_ACCTS)
		return false;
	for (int l = 0; l < e->nlegs; l++)
	{
		Acct	   *a = e->legs[l].acct;
		int128		net;

		CHECK_FOR_INTERRUPTS();
		if (a == NULL)
			return false;
		net = (int128) a->pre_net + e->legs[l].amount;
		if (net > PREWRITE_MAX_NET || net < -PREWRITE_MAX_NET)
			return false;
		a->pre_net = (int64) net;
		a->pre_legs++;
	}
	return true;
}

/*
 * ledger_begin: set up the accounts of the given entries, sorted and
 * deduplicated, and lock them.
 */
static void
begin(Ledger *L, EntrySpec *specs, int nspecs, bool raise, bool allow_defer, bool prewrite)
{
	int			n = 0;
	int			cap = 0;
	char	  **codes;

	memset(L, 0, sizeof(*L));
	L->raise = raise;
	for (int s = 0; s < nspecs; s++)
		cap += specs[s].nlegs + specs[s].nrelease;
	/* the codes are sorted as pointers: an Acct is too big to move around */
	codes = palloc(sizeof(char *) * Max(cap, 1));
	for (int s = 0; s < nspecs; s++)
	{
		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < specs[s].nlegs; i++)
			if (specs[s].legs[i].code)
				codes[n++] = specs[s].legs[i].code;
		for (int i = 0; i < specs[s].nrelease; i++)
			codes[n++] = specs[s].release[i].code;
	}
	if (n > 1)
	{
		int			w = 1;

		/* O(n log n); qsort itself is not interruptible, but 10^6 codes take well under 1 s */
		qsort(codes, n, sizeof(char *), code_cmp);
		for (int r = 1; r < n; r++)
		{
			CHECK_FOR_INTERRUPTS();
			if (strcmp(codes[r], codes[w - 1]) != 0)
				codes[w++] = codes[r];
		}
		n = w;
	}
	L->accts = palloc0(sizeof(Acct) * Max(n, 1));
	for (int i = 0; i < n; i++)
		L->accts[i].code = codes[i];
	pfree(codes);
	L->naccts = n;
	for (int s = 0; s < nspecs; s++)
	{
		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < specs[s].nlegs; i++)
			if (specs[s].legs[i].code)
				specs[s].legs[i].acct = find_acct(L, specs[s].legs[i].code);
		for (int i = 0; i < specs[s].nrelease; i++)
			specs[s].release[i].acct = find_acct(L, specs[s].release[i].code);
	}

	defer_choose(L, specs, nspecs, allow_defer);
	L->prewrite = prewrite && nspecs == 1 && prewrite_choose(L, specs);
	lock_in_order(L, specs);
	L->stamp = GetCurrentTimestamp();
	ledger_writer_init(L);
}

void
ledger_begin(Ledger *L, EntrySpec *specs, int nspecs, bool raise, bool allow_defer)
{
	begin(L, specs, nspecs, raise, allow_defer, false);
}

/* one entry, refusals raise: its accounts may be locked by their update */
void
ledger_begin_one(Ledger *L, EntrySpec *e, bool allow_defer)
{
	begin(L, e, 1, true, allow_defer, true);
}

/* lock one account FOR UPDATE (waits for deferred postings in flight) */
Acct *
lock_one_account(const char *code)
{
	Datum		v[1] = {CStringGetTextDatum(code)};
	Acct	   *a = palloc0(sizeof(Acct));

	ft_run_plan(&plans, P_LOCK_ONE, v, NULL, false, 0);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(LD009),
				 errmsg("account %s does not exist", code)));
	a->code = pstrdup(code);
	fill_acct(a, SPI_tuptable->vals[0], SPI_tuptable->tupdesc);
	a->lock = ACCT_LOCKED;
	return a;
}
