/*-------------------------------------------------------------------------
 *
 * limit_check.c
 *	  Spending and velocity limits inside fintech.pay: which limits apply
 *	  to a payment, whether it fits them (exactly, under any concurrency),
 *	  and counting it.
 *
 * The model.  A limit caps, per scope key (the payer or payee account, or
 * the party of either), the amount and/or the number of the completed and
 * held payments whose time (payments.created_at) lies in a sliding window
 * (period) before now, counting the payments made since the limit was
 * created.  The payments themselves are the record: what a key's window
 * holds exactly is read from fintech.payments (indexes on payer and
 * payee with created_at), and a held payment rejected later stops
 * counting by its status alone.  fintech.limit_slots keeps, per key, what
 * the payments counted there add up to -- an upper bound of the window
 * (payments that left it, or were rejected after review, are still in
 * it) that lets a payment which fits pass with one HOT update of a
 * counter and no other write.
 *
 * Slots: a payer-side limit has one slot per key -- its payments are
 * serialised by the payer's account anyway.  A payee-side limit (payee,
 * payee_party) may split a key into FT_LIMIT_SLOTS: the cap is divided
 * into budgets, one per slot, that sum to the cap, and a payment that fits
 * the budget of a free slot is counted there without waiting for the
 * others -- so a flash sale of many buyers paying one merchant does not
 * queue on one row.  A key starts with one slot holding the whole cap
 * (most payees are never contended for); the first payment that finds it
 * busy and another slot free splits it (the payments queued behind it
 * then find it split and take one free slot each: check_one).  A payment that finds no free slot
 * with room locks every slot (the exact total), decides on the total, and
 * gives the slots new budgets: what each holds plus an even share of the
 * room left.  Since budgets always sum to the cap and each slot stays
 * within its budget, no interleaving passes more than the cap; since a
 * refusal is only ever decided on the exact total with every slot locked,
 * none refuses a payment that fits.
 *
 * The common case runs no statement (count_fast, limit_slots.c): the
 * payment is counted in a slot whose stored numbers leave room -- they
 * still include payments that left the window, so this is only ever too
 * cautious.  When
 * they leave no room, the exact path reads the window from the payments
 * and writes the slots anew (all of it in slot 0, the others empty, the
 * budgets re-divided).  A payment concurrent with create_limit may be
 * left out of the slots but read by the exact path: again too cautious.
 *
 * Locks.  A slot is guarded by a lock of the advisory kind whose fourth
 * field no SQL can build (FINTECH_LOCK_LIMITS; pg_locks shows classid =
 * the limit's id, objid = a hash of key and slot), taken in this order:
 * limits by id, slots by number; a free slot is only ever taken without
 * waiting (and given back at once when it has no room, before the
 * payment waits for all of them).  A payment waits for a slot of a limit
 * only holding none of its other slots (one busy slot, chosen at random),
 * or holding slot 0 alone or with the slots below the one it waits for
 * (the exact path; a key found not split yet first waits for slot 0 only,
 * then tries the others without waiting).  In the global order of payments.c they
 * come after the parties (2) and held payments (4), before holds (5) and
 * accounts (6); nothing that holds a slot waits for a party
 * or a payment.  The statements run in the caller's READ COMMITTED
 * snapshot after the lock, so they see what every earlier holder wrote
 * (its slot counts and its payment row, committed before the lock was
 * free); under REPEATABLE READ a concurrent count is a serialization
 * failure (the exact path writes every slot an earlier holder wrote).
 *
 * Decide apart from write: the room condition of count_fast, limit_fits_total and
 * limit_rebalance decide on the numbers read; count_fast and count_read
 * write (a payment is counted as it is checked: a later refusal in its
 * transaction, by another limit or by the ledger, takes it back with
 * ft_limits_take_back, the slots still locked).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "common/int.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "fintech.h"
#include "limit.h"
#include "spi_plan.h"

#define FINTECH_LOCK_LIMITS	0x4656	/* "FV": a class SQL advisory locks never use */

enum
{
	P_ACCOUNTS,
	P_WIN_PAYER,
	P_WIN_PAYEE,
	P_WIN_PAYER_PARTY,
	P_WIN_PAYEE_PARTY,
	P_COUNT,
	P_TAKE_BACK,
	P_REVIEW,
	P_AWAITING,
	NPLANS
};

/* what a window holds: the completed and held payments after $2 */
#define WINDOW_SUM \
	"SELECT LEAST(coalesce(pg_catalog.sum(p.amount), 0), 9223372036854775807)::pg_catalog.int8," \
	" LEAST(pg_catalog.count(*), 2147483647)::pg_catalog.int4 FROM fintech.payments p" \
	" WHERE p.created_at OPERATOR(pg_catalog.>) $2" \
	"   AND p.status OPERATOR(pg_catalog.=) ANY ('{completed,held}'::pg_catalog.text[])"
/* the accounts of party $1 (in currency $3, if not NULL) */
#define PARTY_ACCOUNTS \
	" ANY (ARRAY(SELECT a.code FROM fintech.accounts a" \
	"  WHERE a.party_id OPERATOR(pg_catalog.=) $1::pg_catalog.int8" \
	"    AND ($3 IS NULL OR a.currency OPERATOR(pg_catalog.=) $3)))"

static const FintechPlanDef plan_defs[NPLANS] = {
	/* what decides which limits apply: the accounts' currency and party */
	[P_ACCOUNTS] = {"SELECT a.code, a.currency, a.party_id::pg_catalog.text FROM fintech.accounts a"
		" WHERE a.code OPERATOR(pg_catalog.=) $1 OR a.code OPERATOR(pg_catalog.=) $2", 2, {TEXTOID, TEXTOID}},
	/*
	 * the exact window of a key, read from the payments themselves
	 * (indexes payments_payer_time, payments_payee_time): an account's
	 * payments are in its currency, a party's are filtered by it ($3)
	 */
	[P_WIN_PAYER] = {WINDOW_SUM " AND p.payer OPERATOR(pg_catalog.=) $1", 2, {TEXTOID, TIMESTAMPTZOID}},
	[P_WIN_PAYEE] = {WINDOW_SUM " AND p.payee OPERATOR(pg_catalog.=) $1", 2, {TEXTOID, TIMESTAMPTZOID}},
	[P_WIN_PAYER_PARTY] = {WINDOW_SUM " AND p.payer OPERATOR(pg_catalog.=)" PARTY_ACCOUNTS,
	3, {TEXTOID, TIMESTAMPTZOID, TEXTOID}},
	[P_WIN_PAYEE_PARTY] = {WINDOW_SUM " AND p.payee OPERATOR(pg_catalog.=)" PARTY_ACCOUNTS,
	3, {TEXTOID, TIMESTAMPTZOID, TEXTOID}},
	/* write slots' totals and budgets (the exact path) */
	[P_COUNT] = {"INSERT INTO fintech.limit_slots AS s"
		"  (limit_id, scope_key, slot, used_amount, used_count, budget_amount, budget_count)"
		" SELECT $1, $2, x.slot, x.ua, x.uc, x.ba, x.bc"
		" FROM ROWS FROM (pg_catalog.unnest($3::pg_catalog.int4[]), pg_catalog.unnest($4::pg_catalog.int8[]),"
		"                 pg_catalog.unnest($5::pg_catalog.int4[]), pg_catalog.unnest($6::pg_catalog.int8[]),"
		"                 pg_catalog.unnest($7::pg_catalog.int4[])) AS x(slot, ua, uc, ba, bc)"
		" ON CONFLICT (limit_id, scope_key, slot) DO UPDATE"
		"   SET used_amount = excluded.used_amount, used_count = excluded.used_count,"
		"       budget_amount = excluded.budget_amount, budget_count = excluded.budget_count",
	7, {INT8OID, TEXTOID, INT4ARRAYOID, INT8ARRAYOID, INT4ARRAYOID, INT8ARRAYOID, INT4ARRAYOID}},
	/* take back what a payment counted in slots (their locks held) */
	[P_TAKE_BACK] = {"UPDATE fintech.limit_slots s"
		"  SET used_amount = s.used_amount OPERATOR(pg_catalog.-) x.a,"
		"      used_count = s.used_count OPERATOR(pg_catalog.-) 1"
		" FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.int8[]), pg_catalog.unnest($2::pg_catalog.text[]),"
		"                 pg_catalog.unnest($3::pg_catalog.int4[]), pg_catalog.unnest($4::pg_catalog.int8[]))"
		"   AS x(id, k, slot, a)"
		" WHERE s.limit_id OPERATOR(pg_catalog.=) x.id AND s.scope_key OPERATOR(pg_catalog.=) x.k"
		"   AND s.slot OPERATOR(pg_catalog.=) x.slot", 4,
	{INT8ARRAYOID, TEXTARRAYOID, INT4ARRAYOID, INT8ARRAYOID}},
	[P_REVIEW] = {"INSERT INTO fintech.payment_reviews (payment_id, limit_id, limit_name)"
		" VALUES ($1, $2, $3)", 3, {INT8OID, INT8OID, TEXTOID}},
	[P_AWAITING] = {"SELECT 1 FROM fintech.payment_reviews r WHERE r.payment_id OPERATOR(pg_catalog.=) $1"
		" AND r.decision IS NULL", 1, {INT8OID}},
};

FT_DEFINE_PLANS(plans, plan_defs);

/* ------------------------------------------------------------------------
 * Locks
 * ------------------------------------------------------------------------
 */

static void
slot_locktag(LOCKTAG *tag, int64 limit_id, const char *key, int slot)
{
	uint32		h = hash_combine(hash_bytes((const unsigned char *) key, (int) strlen(key)),
								 (uint32) slot);

	SET_LOCKTAG_ADVISORY(*tag, MyDatabaseId, (uint32) limit_id, h, FINTECH_LOCK_LIMITS);
}

/* takes a slot's lock (till the end of the transaction); false: busy and !wait */
static bool
lock_slot(int64 limit_id, const char *key, int slot, bool wait)
{
	LOCKTAG		tag;

	slot_locktag(&tag, limit_id, key, slot);
	return LockAcquire(&tag, ExclusiveLock, false, !wait) != LOCKACQUIRE_NOT_AVAIL;
}

static void
unlock_slot(int64 limit_id, const char *key, int slot)
{
	LOCKTAG		tag;

	slot_locktag(&tag, limit_id, key, slot);
	LockRelease(&tag, ExclusiveLock, false);
}

/* ------------------------------------------------------------------------
 * Deciding
 * ------------------------------------------------------------------------
 */

/* slot i's share of cap when the cap is split evenly over n slots */
static int64
even_share(int64 cap, int n, int i)
{
	return cap / n + (i < cap % n ? 1 : 0);
}

/* does the payment fit the cap, all slots counted? */
static bool
limit_fits_total(const SpendLimit *st, int64 amount)
{
	int64		a = 0,
				c = 0;

	/* (a review limit's window may hold more than its cap: checked sums) */
	for (int i = 0; i < st->nslots; i++)
	{
		if (pg_add_s64_overflow(a, st->nums->used_amount[i], &a))
			return false;
		c += st->nums->used_count[i];
	}
	if (st->max_amount > 0 && (pg_add_s64_overflow(a, amount, &a) || a > st->max_amount))
		return false;
	if (st->max_count > 0 && c + 1 > st->max_count)
		return false;
	return true;
}

/*
 * New budgets once the payment is counted in slot k: what each slot holds
 * plus an even share of the room left (they sum to the cap again).
 */
static void
limit_rebalance(SpendLimit *st, int k, int64 amount)
{
	int64		a = 0,
				c = 0;

	for (int i = 0; i < st->nslots; i++)
	{
		a += st->nums->used_amount[i] + (i == k ? amount : 0);
		c += st->nums->used_count[i] + (i == k ? 1 : 0);
	}
	for (int i = 0; i < st->nslots; i++)
	{
		st->nums->budget_amount[i] = st->max_amount > 0
			? st->nums->used_amount[i] + (i == k ? amount : 0) + even_share(st->max_amount - a, st->nslots, i)
			: 0;
		st->nums->budget_count[i] = st->max_count > 0
			? st->nums->used_count[i] + (i == k ? 1 : 0) + (int32) even_share(st->max_count - c, st->nslots, i)
			: 0;
	}
	st->rebalance = true;
}

/* ------------------------------------------------------------------------
 * Reading a key's window, counting a payment
 * ------------------------------------------------------------------------
 */

/* payments at or before it are not in st's window (nor those made before the limit) */
static TimestampTz
window_cutoff(const SpendLimit *st)
{
	TimestampTz cutoff = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_mi_interval,
																 TimestampTzGetDatum(st->at),
																 IntervalPGetDatum(&st->period)));

	return Max(cutoff, st->created_at - 1);
}

/*
 * What st's window holds, exactly (every slot locked: every payment
 * counted in one has committed or rolled back), read from the payments:
 * all of it in slot 0, the others empty.  A single slot keeps the whole
 * cap as its budget; the caller re-divides a split key's.
 */
static void
read_window(SpendLimit *st)
{
	Datum		v[3];
	char		n[4] = "   ";
	int			plan;
	bool		isnull;

	v[0] = CStringGetTextDatum(st->key);
	v[1] = TimestampTzGetDatum(window_cutoff(st));
	v[2] = st->currency ? CStringGetTextDatum(st->currency) : (Datum) 0;
	n[2] = st->currency ? ' ' : 'n';
	plan = strcmp(st->scope, "payer") == 0 ? P_WIN_PAYER
		: strcmp(st->scope, "payee") == 0 ? P_WIN_PAYEE
		: strcmp(st->scope, "payer_party") == 0 ? P_WIN_PAYER_PARTY
		: P_WIN_PAYEE_PARTY;
	ft_run_plan(&plans, plan, v, n, false, 0);
	FT_CHECK(SPI_processed == 1);
	if (st->nums == NULL)
		st->nums = palloc(sizeof(SlotNumbers));
	memset(st->nums, 0, sizeof(SlotNumbers));
	st->nums->used_amount[0] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	st->nums->used_count[0] = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	if (st->max_amount == 0)
		st->nums->used_amount[0] = 0;		/* a count-only limit adds no amounts */
	st->nums->budget_amount[0] = st->max_amount;
	st->nums->budget_count[0] = st->max_count;
}

/* the amount a limit counts of a payment (a count-only limit: none) */
#define COUNTED(st, amount)	((st)->max_amount > 0 ? (amount) : 0)

/* what trying a slot showed */
typedef enum SlotTry
{
	TRY_COUNTED,				/* counted there */
	TRY_FULL,					/* its stored numbers leave no room */
	TRY_UNSPLIT,				/* a slot > 0 without a row: the key is not split */
	TRY_BUSY					/* every slot tried was busy */
} SlotTry;

/*
 * Slot k is locked: the payment is counted there if it fits the slot's
 * budget by the stored numbers (TRY_COUNTED); else nothing is written.
 * The caller has checked that the payment fits the whole cap (slot 0 of a
 * new key is created with it).
 */
static SlotTry
count_fast(SpendLimit *st, int k, int64 amount)
{
	bool		found;

	if (!ft_slot_count_fast(st->id, st->key, k, COUNTED(st, amount), st->max_amount == 0,
							st->max_count == 0, st->max_amount, st->max_count, &found))
		return found ? TRY_FULL : TRY_UNSPLIT;
	st->slot = k;
	st->fits = true;
	st->counted = true;
	return TRY_COUNTED;
}

/*
 * Tries the slots without waiting, until one is free: slot 0 first
 * (from_zero; a key nobody contends for has only that one), then the
 * others from one chosen at random (a flash sale's payments do not all
 * try the same busy slots first).  The payment is counted in the first
 * free slot if it has room; a free slot without room (or without a row)
 * is given back unless it is slot 0, nothing of ours written in it.
 * TRY_BUSY: every slot tried was busy, *busy one of them at random
 * (waiters spread over them).
 */
static SlotTry
try_free_slots(SpendLimit *st, int64 amount, bool from_zero, int *busy)
{
	int			others = st->nslots - 1;
	int			start = others > 0 ? (int) (random() % others) : 0;
	int			nbusy = 0;

	*busy = -1;
	for (int j = from_zero ? -1 : 0; j < others; j++)
	{
		int			k = j < 0 ? 0 : 1 + (start + j) % others;
		SlotTry		t;

		if (!lock_slot(st->id, st->key, k, st->nslots == 1))
		{
			if (random() % ++nbusy == 0)
				*busy = k;
			continue;
		}
		t = count_fast(st, k, amount);
		if (t != TRY_COUNTED && k > 0)
			unlock_slot(st->id, st->key, k);
		return t;
	}
	return TRY_BUSY;
}

/*
 * Counts the payment in st->slot by the numbers read (every slot locked):
 * writes the totals of the slots, the payment's added, and their budgets
 * (one slot, or all of a split key).
 */
static void
count_read(SpendLimit *st, int64 amount)
{
	Datum		v[7];
	Datum		slots[FT_LIMIT_SLOTS];
	Datum		ua[FT_LIMIT_SLOTS];
	Datum		uc[FT_LIMIT_SLOTS];
	Datum		ba[FT_LIMIT_SLOTS];
	Datum		bc[FT_LIMIT_SLOTS];
	int			m = 0;

	for (int i = 0; i < st->nslots; i++)
	{
		int64		used = st->nums->used_amount[i];

		/* the payment's slot, and every slot when budgets changed */
		if (i != st->slot && !st->rebalance)
			continue;
		if (i == st->slot && pg_add_s64_overflow(used, COUNTED(st, amount), &used))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("the window of limit \"%s\" for %s would hold more than a bigint",
							st->name, st->key)));
		slots[m] = Int32GetDatum(i);
		ua[m] = Int64GetDatum(used);
		uc[m] = Int32GetDatum(st->nums->used_count[i] + (i == st->slot ? 1 : 0));
		ba[m] = Int64GetDatum(st->nums->budget_amount[i]);
		bc[m] = Int32GetDatum(st->nums->budget_count[i]);
		m++;
	}
	v[0] = Int64GetDatum(st->id);
	v[1] = CStringGetTextDatum(st->key);
	v[2] = PointerGetDatum(construct_array(slots, m, INT4OID, 4, true, TYPALIGN_INT));
	v[3] = PointerGetDatum(construct_array(ua, m, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	v[4] = PointerGetDatum(construct_array(uc, m, INT4OID, 4, true, TYPALIGN_INT));
	v[5] = PointerGetDatum(construct_array(ba, m, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	v[6] = PointerGetDatum(construct_array(bc, m, INT4OID, 4, true, TYPALIGN_INT));
	if (ft_run_plan(&plans, P_COUNT, v, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not count a payment in limit " INT64_FORMAT, st->id);
	st->counted = true;
}

/*
 * Decides whether the payment fits limit st and counts it when it does
 * (or when st is a review limit: a held payment counts), locking what
 * makes that exact: a slot with room, else every slot.
 */
static void
check_one(SpendLimit *st, int64 amount)
{
	/* more than the whole cap never fits: decided on the exact total */
	if (st->max_amount == 0 || amount <= st->max_amount)
	{
		/*
		 * A slot with room, without waiting: slot 0 first (a key nobody
		 * contends for has only that one), then the others.  When every
		 * slot was busy, wait for one of them (holding no slot of this
		 * limit: no cycle).
		 */
		int			busy;
		SlotTry		t = try_free_slots(st, amount, true, &busy);

		if (t == TRY_BUSY)
		{
			(void) lock_slot(st->id, st->key, busy, true);
			t = count_fast(st, busy, amount);
			if (t != TRY_COUNTED && busy > 0)
				unlock_slot(st->id, st->key, busy);
		}
		if (t == TRY_COUNTED)
			return;

		/*
		 * A key not split yet, whose slot 0 another payment holds: the
		 * exact path below splits it.  When a flash sale starts, every
		 * payment to the merchant finds it so and queues for slot 0, the
		 * first lock of that path; the first one splits the key, and each
		 * of the others, once it has slot 0, finds it split and looks for
		 * a free slot again (giving slot 0 back) instead of locking all 32
		 * and writing them anew, one payment after the other.
		 */
		if (t == TRY_UNSPLIT)
		{
			(void) lock_slot(st->id, st->key, 0, true);
			if (ft_slot_exists(st->id, st->key, st->nslots - 1))
			{
				if (try_free_slots(st, amount, false, &busy) == TRY_COUNTED)
				{
					unlock_slot(st->id, st->key, 0);
					return;
				}
				if (count_fast(st, 0, amount) == TRY_COUNTED)
					return;
			}
		}
	}

	/* the exact total: every slot, in order, then the window's payments */
	for (int i = 0; i < st->nslots; i++)
		(void) lock_slot(st->id, st->key, i, true);
	read_window(st);
	st->fits = limit_fits_total(st, amount);
	st->slot = 0;
	if (!st->fits)
	{
		if (!st->review)
			return;
		/*
		 * Over a review limit the payment is held, and held payments count:
		 * the window goes over the cap.  No slot may then take a payment
		 * on its own budget (budgets 0) until a payment that fits the exact
		 * total gives them new ones.
		 */
		if (st->nslots > 1)
		{
			for (int i = 0; i < st->nslots; i++)
				st->nums->budget_amount[i] = st->nums->budget_count[i] = 0;
			st->rebalance = true;
		}
	}
	else if (st->nslots > 1)
		limit_rebalance(st, st->slot, COUNTED(st, amount));
	count_read(st, amount);
}

/*
 * fintech.limits, locked (which takes in the invalidations that tell
 * limit_cache.c the limits changed); InvalidOid before ALTER EXTENSION
 * UPDATE to 0.6.0 (a newer library on older SQL): no limits then.
 */
static Oid
limits_relid(void)
{
	return RangeVarGetRelid(makeRangeVar("fintech", "limits", -1), AccessShareLock, true);
}

/*
 * Whether any limit was ever created: a ledger that never had one
 * (fintech.limits has no blocks; its rows are never deleted) skips the
 * query, as pay does for parties.
 */
static bool
limits_exist(void)
{
	Oid			relid = limits_relid();
	Relation	rel;
	BlockNumber nblocks;

	if (!OidIsValid(relid))
		return false;
	rel = table_open(relid, NoLock);
	nblocks = RelationGetNumberOfBlocks(rel);
	table_close(rel, NoLock);
	return nblocks > 0;
}

/* is held payment payment_id waiting for the review a limit asked for? */
bool
ft_limits_awaiting_review(int64 payment_id)
{
	Datum		v[1];

	if (!limits_exist())
		return false;
	v[0] = Int64GetDatum(payment_id);
	ft_run_plan(&plans, P_AWAITING, v, NULL, true, 0);
	return SPI_processed > 0;
}

/*
 * what ft_limit_accounts reads, read with a statement (an accounts table
 * not shaped as this library made it)
 */
static void
accounts_by_statement(const char *payer, const char *payee, LimitAccounts *la)
{
	Datum		v[2];

	memset(la, 0, sizeof(*la));
	v[0] = CStringGetTextDatum(payer);
	v[1] = CStringGetTextDatum(payee);
	ft_run_plan(&plans, P_ACCOUNTS, v, NULL, true, 0);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *code = SPI_getvalue(tup, desc, 1);

		if (strcmp(code, payer) == 0)
		{
			la->payer_currency = SPI_getvalue(tup, desc, 2);
			la->payer_party = SPI_getvalue(tup, desc, 3);
		}
		if (strcmp(code, payee) == 0)
			la->payee_party = SPI_getvalue(tup, desc, 3);
	}
}

void
ft_limits_check(const char *payer, const char *payee, int64 amount, LimitCheck *lc)
{
	Oid			relid;
	const ActiveLimit *al;
	int			nl;
	bool		need_accounts = false;
	char	   *payer_currency = NULL;
	char	   *payer_party = NULL;
	char	   *payee_party = NULL;

	memset(lc, 0, sizeof(*lc));
	lc->at = GetCurrentTimestamp();
	lc->amount = amount;
	lc->verdict = LIMIT_PASS;

	relid = limits_relid();
	if (!OidIsValid(relid))
		return;
	nl = ft_active_limits(relid, &al);
	if (nl == 0)
		return;
	/* the accounts are read only when a limit has a currency or a party scope */
	for (int i = 0; i < nl; i++)
		if (al[i].currency != NULL || strcmp(al[i].scope, "payer_party") == 0 ||
			strcmp(al[i].scope, "payee_party") == 0)
			need_accounts = true;
	if (need_accounts)
	{
		LimitAccounts la;

		if (!ft_limit_accounts(payer, payee, &la))
			accounts_by_statement(payer, payee, &la);
		payer_currency = la.payer_currency;
		payer_party = la.payer_party;
		payee_party = la.payee_party;
	}
	lc->limits = palloc0(sizeof(SpendLimit) * nl);
	ft_slots_open();
	for (int r = 0; r < nl; r++)
	{
		const ActiveLimit *l = &al[r];
		SpendLimit *st = &lc->limits[lc->n];

		CHECK_FOR_INTERRUPTS();
		/* a limit in another currency than the payer's does not apply */
		if (l->currency != NULL && (payer_currency == NULL || strcmp(l->currency, payer_currency) != 0))
			continue;
		st->key = strcmp(l->scope, "payer") == 0 ? pstrdup(payer)
			: strcmp(l->scope, "payee") == 0 ? pstrdup(payee)
			: strcmp(l->scope, "payer_party") == 0 ? payer_party
			: payee_party;
		if (st->key == NULL)
			continue;			/* a party scope, and the account has none */
		st->id = l->id;
		st->name = pstrdup(l->name);
		st->scope = pstrdup(l->scope);
		st->review = l->review;
		st->max_amount = l->max_amount;
		st->max_count = l->max_count;
		st->currency = l->currency ? pstrdup(l->currency) : NULL;
		/* the window (computed only when it is read exactly) */
		st->period = l->period;
		st->created_at = l->created_at;
		st->at = lc->at;
		st->nslots = strncmp(st->scope, "payee", 5) == 0 ? FT_LIMIT_SLOTS : 1;
		lc->n++;

		check_one(st, amount);
		if (st->fits)
			continue;
		/* the first reject limit decides; else the first review limit */
		if (!st->review)
		{
			lc->verdict = LIMIT_REJECT;
			lc->deciding = st;
			break;				/* no need to look further */
		}
		if (lc->verdict == LIMIT_PASS)
		{
			lc->verdict = LIMIT_REVIEW;
			lc->deciding = st;
		}
	}
	ft_slots_close();
	if (lc->verdict == LIMIT_PASS)
		return;
	{
		SpendLimit *st = lc->deciding;
		StringInfoData buf;

		initStringInfo(&buf);
		appendStringInfo(&buf, "payment of " INT64_FORMAT " exceeds limit \"%s\" (%s %s:",
						 amount, st->name, st->scope, st->key);
		if (st->max_amount > 0)
			appendStringInfo(&buf, " at most " INT64_FORMAT, st->max_amount);
		if (st->max_count > 0)
			appendStringInfo(&buf, "%s at most %d payments", st->max_amount > 0 ? "," : "",
							 st->max_count);
		appendStringInfoString(&buf, " in its window)");
		lc->message = buf.data;
	}
	/* a rejected payment counts nowhere: take back what the others counted */
	if (lc->verdict == LIMIT_REJECT)
		ft_limits_take_back(lc);
}

void
ft_limits_open_review(LimitCheck *lc, int64 payment_id)
{
	Datum		v[3];

	FT_CHECK(lc->verdict == LIMIT_REVIEW && lc->deciding != NULL);
	v[0] = Int64GetDatum(payment_id);
	v[1] = Int64GetDatum(lc->deciding->id);
	v[2] = CStringGetTextDatum(lc->deciding->name);
	if (ft_run_plan(&plans, P_REVIEW, v, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not open the review of payment " INT64_FORMAT, payment_id);
}

void
ft_limits_take_back(LimitCheck *lc)
{
	Datum		v[4];
	Datum	   *ids = palloc(sizeof(Datum) * (lc->n + 1));
	Datum	   *keys = palloc(sizeof(Datum) * (lc->n + 1));
	Datum	   *slots = palloc(sizeof(Datum) * (lc->n + 1));
	Datum	   *amounts = palloc(sizeof(Datum) * (lc->n + 1));
	int			m = 0;

	for (int i = 0; i < lc->n; i++)
	{
		SpendLimit *st = &lc->limits[i];

		if (!st->counted)
			continue;
		ids[m] = Int64GetDatum(st->id);
		keys[m] = CStringGetTextDatum(st->key);
		slots[m] = Int32GetDatum(st->slot);
		amounts[m] = Int64GetDatum(COUNTED(st, lc->amount));
		st->counted = false;
		m++;
	}
	if (m == 0)
		return;
	v[0] = PointerGetDatum(construct_array(ids, m, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	v[1] = PointerGetDatum(construct_array(keys, m, TEXTOID, -1, false, TYPALIGN_INT));
	v[2] = PointerGetDatum(construct_array(slots, m, INT4OID, 4, true, TYPALIGN_INT));
	v[3] = PointerGetDatum(construct_array(amounts, m, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	if (ft_run_plan(&plans, P_TAKE_BACK, v, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not take a payment back from its limits");
}
