/*-------------------------------------------------------------------------
 *
 * limit_check.c
 *	  Spending and velocity limits inside fintech.pay: which limits apply
 *	  to a payment, whether it fits them (exactly, under any concurrency),
 *	  and counting it.
 *
 * The model.  A limit caps, per scope key (the payer or payee account, or
 * the party of either), the amount and/or the number of the completed and
 * held payments whose time lies in a sliding window (period) before now.
 * What a key's window holds is kept in fintech.limit_slots, and the
 * payments it counts in fintech.limit_usage (one row per payment and
 * limit, deleted when it leaves the window or when a held payment is
 * rejected; deleting it is how it stops counting).
 *
 * Slots: a payer-side limit has one slot per key -- its payments are
 * serialised by the payer's account anyway.  A payee-side limit (payee,
 * payee_party) may split a key into FT_LIMIT_SLOTS: the cap is divided
 * into budgets, one per slot, that sum to the cap, and a payment that fits
 * the budget of a free slot is counted there without waiting for the
 * others -- so a flash sale of many buyers paying one merchant does not
 * queue on one row.  A key starts with one slot holding the whole cap
 * (most payees are never contended for); the first payment that finds it
 * busy and another slot free splits it.  A payment that finds no free slot
 * with room locks every slot (the exact total), decides on the total, and
 * gives the slots new budgets: what each holds plus an even share of the
 * room left.  Since budgets always sum to the cap and each slot stays
 * within its budget, no interleaving passes more than the cap; since a
 * refusal is only ever decided on the exact total with every slot locked,
 * none refuses a payment that fits.
 *
 * The common case is one statement (P_FAST, P_FAST_FIRST): the payment is
 * counted in a slot whose stored numbers leave room -- they still include
 * payments that left the window, so this is only ever too cautious; the
 * exact path forgets those.
 *
 * Locks.  A slot is guarded by a lock of the advisory kind whose fourth
 * field no SQL can build (FINTECH_LOCK_LIMITS; pg_locks shows classid =
 * the limit's id, objid = a hash of key and slot), taken in this order:
 * limits by id, slots by number; a free slot is only ever taken without
 * waiting (and given back at once when it has no room, before the
 * payment waits for all of them).  In the global order of payments.c they
 * come after the parties (2) and held payments (4), before holds (5) and
 * accounts (6); a held payment's rejection (ft_limits_release) takes them
 * after its payment row, and nothing that holds a slot waits for a party
 * or a payment.  The statements run in the caller's READ COMMITTED
 * snapshot after the lock, so they see what every earlier holder wrote;
 * under REPEATABLE READ a concurrent count is a serialization failure.
 *
 * Decide apart from write: P_FAST's room condition, limit_fits_total and
 * limit_rebalance decide on the numbers read; count_fast and count_read
 * write (a payment is counted as it is checked: a later refusal, by
 * another limit or by the ledger, takes it back with ft_limits_release).
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
	P_LIMITS,
	P_READ,
	P_COUNT,
	P_FAST,
	P_FAST_FIRST,
	P_USAGE_OF,
	P_RELEASE,
	P_REVIEW,
	P_AWAITING,
	NPLANS
};

static const FintechPlanDef plan_defs[NPLANS] = {
	/* the limits that apply to a payment, each with its scope key */
	[P_LIMITS] = {"SELECT l.id, l.name, l.scope, l.action, l.max_amount, l.max_count,"
		" $3 OPERATOR(pg_catalog.-) l.period,"
		" CASE l.scope WHEN 'payer' THEN $1 WHEN 'payee' THEN $2"
		"  WHEN 'payer_party' THEN (SELECT a.party_id::pg_catalog.text FROM fintech.accounts a"
		"                            WHERE a.code OPERATOR(pg_catalog.=) $1)"
		"  ELSE (SELECT a.party_id::pg_catalog.text FROM fintech.accounts a"
		"         WHERE a.code OPERATOR(pg_catalog.=) $2) END"
		" FROM fintech.limits l"
		" WHERE l.dropped_at IS NULL AND (l.currency IS NULL OR l.currency OPERATOR(pg_catalog.=)"
		"  (SELECT a.currency FROM fintech.accounts a WHERE a.code OPERATOR(pg_catalog.=) $1))"
		" ORDER BY l.id", 3, {TEXTOID, TEXTOID, TIMESTAMPTZOID}},
	/*
	 * a key's slots (one, or all: $3 = -1), less the payments that left
	 * the window (time <= $4); read only: a slot given back unused keeps
	 * nothing of ours
	 */
	[P_READ] = {"SELECT s.slot, s.used_amount OPERATOR(pg_catalog.-) coalesce(g.a, 0),"
		"        s.used_count OPERATOR(pg_catalog.-) coalesce(g.c, 0),"
		"        s.budget_amount, s.budget_count"
		" FROM fintech.limit_slots s LEFT JOIN"
		"  (SELECT u.slot, pg_catalog.count(*)::pg_catalog.int4 AS c,"
		"          pg_catalog.sum(u.amount)::pg_catalog.int8 AS a FROM fintech.limit_usage u"
		"    WHERE u.limit_id OPERATOR(pg_catalog.=) $1 AND u.scope_key OPERATOR(pg_catalog.=) $2"
		"      AND ($3 OPERATOR(pg_catalog.<) 0 OR u.slot OPERATOR(pg_catalog.=) $3)"
		"      AND u.at OPERATOR(pg_catalog.<=) $4 GROUP BY u.slot) g ON g.slot OPERATOR(pg_catalog.=) s.slot"
		" WHERE s.limit_id OPERATOR(pg_catalog.=) $1 AND s.scope_key OPERATOR(pg_catalog.=) $2"
		"   AND ($3 OPERATOR(pg_catalog.<) 0 OR s.slot OPERATOR(pg_catalog.=) $3)",
	4, {INT8OID, TEXTOID, INT4OID, TIMESTAMPTZOID}},
	/*
	 * count the payment in slot $3: forget what left the window in the
	 * slots written, and write their totals (as read, the payment added)
	 * and budgets
	 */
	[P_COUNT] = {"WITH gone AS (DELETE FROM fintech.limit_usage u"
		"  WHERE u.limit_id OPERATOR(pg_catalog.=) $1 AND u.scope_key OPERATOR(pg_catalog.=) $2"
		"    AND u.slot OPERATOR(pg_catalog.=) ANY ($7) AND u.at OPERATOR(pg_catalog.<=) $10),"
		" u AS (INSERT INTO fintech.limit_usage (limit_id, scope_key, slot, at, payment_id, amount)"
		"  VALUES ($1, $2, $3, $4, $5, $6))"
		" INSERT INTO fintech.limit_slots AS s"
		"  (limit_id, scope_key, slot, used_amount, used_count, budget_amount, budget_count)"
		" SELECT $1, $2, x.slot, x.ua, x.uc, x.ba, x.bc"
		" FROM ROWS FROM (pg_catalog.unnest($7::pg_catalog.int4[]), pg_catalog.unnest($8::pg_catalog.int8[]),"
		"                 pg_catalog.unnest($9::pg_catalog.int4[]), pg_catalog.unnest($11::pg_catalog.int8[]),"
		"                 pg_catalog.unnest($12::pg_catalog.int4[])) AS x(slot, ua, uc, ba, bc)"
		" ON CONFLICT (limit_id, scope_key, slot) DO UPDATE"
		"   SET used_amount = excluded.used_amount, used_count = excluded.used_count,"
		"       budget_amount = excluded.budget_amount, budget_count = excluded.budget_count",
	12, {INT8OID, TEXTOID, INT4OID, TIMESTAMPTZOID, INT8OID, INT8OID, INT4ARRAYOID, INT8ARRAYOID,
	INT4ARRAYOID, TIMESTAMPTZOID, INT8ARRAYOID, INT4ARRAYOID}},
	/*
	 * the common case in one statement: count the payment in slot $3 if
	 * it fits the slot's budget by the numbers stored (payments that left
	 * the window still in them: only ever too cautious)
	 */
	[P_FAST] = {"WITH s AS (UPDATE fintech.limit_slots"
		"  SET used_amount = used_amount OPERATOR(pg_catalog.+) $6,"
		"      used_count = used_count OPERATOR(pg_catalog.+) 1"
		"  WHERE limit_id OPERATOR(pg_catalog.=) $1 AND scope_key OPERATOR(pg_catalog.=) $2"
		"    AND slot OPERATOR(pg_catalog.=) $3"
		"    AND ($7 OR used_amount OPERATOR(pg_catalog.<=) (budget_amount OPERATOR(pg_catalog.-) $6))"
		"    AND ($8 OR used_count OPERATOR(pg_catalog.<) budget_count)"
		"  RETURNING slot)"
		" INSERT INTO fintech.limit_usage (limit_id, scope_key, slot, at, payment_id, amount)"
		" SELECT $1, $2, s.slot, $4, $5, $6 FROM s", 8,
	{INT8OID, TEXTOID, INT4OID, TIMESTAMPTZOID, INT8OID, INT8OID, BOOLOID, BOOLOID}},
	/*
	 * the same in slot 0, which the first payment of a key creates with
	 * the whole cap as its budget ($9, $10): a key nobody contends for
	 * keeps one slot.  (When the budget leaves no room the row stays
	 * locked by ON CONFLICT: the caller keeps slot 0's lock too.)
	 */
	[P_FAST_FIRST] = {"WITH s AS (INSERT INTO fintech.limit_slots AS l"
		"  (limit_id, scope_key, slot, used_amount, used_count, budget_amount, budget_count)"
		"  VALUES ($1, $2, $3, $6, 1, $9, $10)"
		"  ON CONFLICT (limit_id, scope_key, slot) DO UPDATE"
		"  SET used_amount = l.used_amount OPERATOR(pg_catalog.+) $6,"
		"      used_count = l.used_count OPERATOR(pg_catalog.+) 1"
		"  WHERE ($7 OR l.used_amount OPERATOR(pg_catalog.<=) (l.budget_amount OPERATOR(pg_catalog.-) $6))"
		"    AND ($8 OR l.used_count OPERATOR(pg_catalog.<) l.budget_count)"
		"  RETURNING l.slot)"
		" INSERT INTO fintech.limit_usage (limit_id, scope_key, slot, at, payment_id, amount)"
		" SELECT $1, $2, s.slot, $4, $5, $6 FROM s", 10,
	{INT8OID, TEXTOID, INT4OID, TIMESTAMPTZOID, INT8OID, INT8OID, BOOLOID, BOOLOID, INT8OID, INT4OID}},
	/* where a payment is counted */
	[P_USAGE_OF] = {"SELECT u.limit_id, u.scope_key, u.slot FROM fintech.limit_usage u"
		" WHERE u.payment_id OPERATOR(pg_catalog.=) $1"
		" ORDER BY u.limit_id, u.scope_key, u.slot", 1, {INT8OID}},
	/* stop counting it in one slot */
	[P_RELEASE] = {"WITH gone AS (DELETE FROM fintech.limit_usage u"
		"  WHERE u.payment_id OPERATOR(pg_catalog.=) $1 AND u.limit_id OPERATOR(pg_catalog.=) $2"
		"    AND u.scope_key OPERATOR(pg_catalog.=) $3 AND u.slot OPERATOR(pg_catalog.=) $4"
		"  RETURNING u.amount)"
		" UPDATE fintech.limit_slots s"
		"  SET used_amount = s.used_amount OPERATOR(pg_catalog.-)"
		"        (SELECT coalesce(pg_catalog.sum(gone.amount), 0)::pg_catalog.int8 FROM gone),"
		"      used_count = s.used_count OPERATOR(pg_catalog.-)"
		"        (SELECT pg_catalog.count(*)::pg_catalog.int4 FROM gone)"
		" WHERE s.limit_id OPERATOR(pg_catalog.=) $2 AND s.scope_key OPERATOR(pg_catalog.=) $3"
		"   AND s.slot OPERATOR(pg_catalog.=) $4", 4, {INT8OID, INT8OID, TEXTOID, INT4OID}},
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
		if (pg_add_s64_overflow(a, st->used_amount[i], &a))
			return false;
		c += st->used_count[i];
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
		a += st->used_amount[i] + (i == k ? amount : 0);
		c += st->used_count[i] + (i == k ? 1 : 0);
	}
	for (int i = 0; i < st->nslots; i++)
	{
		st->budget_amount[i] = st->max_amount > 0
			? st->used_amount[i] + (i == k ? amount : 0) + even_share(st->max_amount - a, st->nslots, i)
			: 0;
		st->budget_count[i] = st->max_count > 0
			? st->used_count[i] + (i == k ? 1 : 0) + (int32) even_share(st->max_count - c, st->nslots, i)
			: 0;
	}
	st->rebalance = true;
}

/* ------------------------------------------------------------------------
 * Reading a key's slots
 * ------------------------------------------------------------------------
 */

/* reads slot `slot` (-1: all) of st after forgetting what left the window */
static void
read_slots(SpendLimit *st, int slot)
{
	Datum		v[4];

	v[0] = Int64GetDatum(st->id);
	v[1] = CStringGetTextDatum(st->key);
	v[2] = Int32GetDatum(slot);
	v[3] = TimestampTzGetDatum(st->cutoff);
	/*
	 * A slot without a row holds nothing and has no budget; a key without
	 * rows has all of the cap in slot 0 (as P_FAST_FIRST creates it).
	 */
	for (int i = 0; i < st->nslots; i++)
	{
		if (slot >= 0 && i != slot)
			continue;
		st->used_amount[i] = 0;
		st->used_count[i] = 0;
		st->budget_amount[i] = 0;
		st->budget_count[i] = 0;
	}
	ft_run_plan(&plans, P_READ, v, NULL, false, 0);
	if (SPI_processed == 0 && slot <= 0)
	{
		st->budget_amount[0] = st->max_amount;
		st->budget_count[0] = st->max_count;
	}
	/* (each total at most the cap, or for a count cap at most max_count) */
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int			i = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		Datum		d;

		FT_CHECK(i >= 0 && i < st->nslots);
		st->used_amount[i] = DatumGetInt64(SPI_getbinval(tup, desc, 2, &isnull));
		st->used_count[i] = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));
		d = SPI_getbinval(tup, desc, 4, &isnull);
		if (!isnull)
			st->budget_amount[i] = DatumGetInt64(d);
		d = SPI_getbinval(tup, desc, 5, &isnull);
		if (!isnull)
			st->budget_count[i] = DatumGetInt32(d);
	}
}

/* the amount a limit counts of a payment (a count-only limit: none) */
#define COUNTED(st, amount)	((st)->max_amount > 0 ? (amount) : 0)

/*
 * Slot k is locked: the payment is counted there if it fits the slot's
 * budget by the stored numbers (true); else nothing is written.  The
 * caller has checked that the payment fits the whole cap (slot 0 of a
 * new key is created with it).
 */
static bool
count_fast(SpendLimit *st, int k, int64 amount, int64 payment_id, TimestampTz at)
{
	Datum		v[10];

	v[0] = Int64GetDatum(st->id);
	v[1] = CStringGetTextDatum(st->key);
	v[2] = Int32GetDatum(k);
	v[3] = TimestampTzGetDatum(at);
	v[4] = Int64GetDatum(payment_id);
	v[5] = Int64GetDatum(COUNTED(st, amount));
	v[6] = BoolGetDatum(st->max_amount == 0);
	v[7] = BoolGetDatum(st->max_count == 0);
	v[8] = Int64GetDatum(st->max_amount);
	v[9] = Int32GetDatum(st->max_count);
	if (ft_run_plan(&plans, k == 0 ? P_FAST_FIRST : P_FAST, v, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not count payment " INT64_FORMAT " in limit " INT64_FORMAT,
			 payment_id, st->id);
	if (SPI_processed == 0)
		return false;
	st->slot = k;
	st->fits = true;
	return true;
}

/*
 * Counts the payment in st->slot by the numbers read (every slot locked,
 * or the one slot): forgets what left the window in the slots written,
 * writes their totals and, when they changed, every slot's budget.
 */
static void
count_read(SpendLimit *st, int64 amount, int64 payment_id, TimestampTz at)
{
	Datum		v[12];
	Datum		slots[FT_LIMIT_SLOTS];
	Datum		ua[FT_LIMIT_SLOTS];
	Datum		uc[FT_LIMIT_SLOTS];
	Datum		ba[FT_LIMIT_SLOTS];
	Datum		bc[FT_LIMIT_SLOTS];
	int			m = 0;

	for (int i = 0; i < st->nslots; i++)
	{
		int64		used = st->used_amount[i];

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
		uc[m] = Int32GetDatum(st->used_count[i] + (i == st->slot ? 1 : 0));
		ba[m] = Int64GetDatum(st->budget_amount[i]);
		bc[m] = Int32GetDatum(st->budget_count[i]);
		m++;
	}
	v[0] = Int64GetDatum(st->id);
	v[1] = CStringGetTextDatum(st->key);
	v[2] = Int32GetDatum(st->slot);
	v[3] = TimestampTzGetDatum(at);
	v[4] = Int64GetDatum(payment_id);
	v[5] = Int64GetDatum(COUNTED(st, amount));
	v[6] = PointerGetDatum(construct_array(slots, m, INT4OID, 4, true, TYPALIGN_INT));
	v[7] = PointerGetDatum(construct_array(ua, m, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	v[8] = PointerGetDatum(construct_array(uc, m, INT4OID, 4, true, TYPALIGN_INT));
	v[9] = TimestampTzGetDatum(st->cutoff);
	v[10] = PointerGetDatum(construct_array(ba, m, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	v[11] = PointerGetDatum(construct_array(bc, m, INT4OID, 4, true, TYPALIGN_INT));
	if (ft_run_plan(&plans, P_COUNT, v, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not count payment " INT64_FORMAT " in limit " INT64_FORMAT,
			 payment_id, st->id);
}

/*
 * Decides whether the payment fits limit st and counts it when it does
 * (or when st is a review limit: a held payment counts), locking what
 * makes that exact: a slot with room, else every slot.
 */
static void
check_one(SpendLimit *st, int64 amount, int64 payment_id, TimestampTz at)
{
	/* more than the whole cap never fits: decided on the exact total */
	if (st->max_amount == 0 || amount <= st->max_amount)
	{
		/*
		 * A slot with room, in slot order without waiting: slot 0 first
		 * (a key nobody contends for has only that one), then the others.
		 * A free slot without room (or without a row: not split yet)
		 * sends the payment to the exact total at once, which re-divides
		 * the cap; slot 0 is kept then (P_FAST_FIRST left its row locked),
		 * any other slot given back, nothing of ours written in it.  When
		 * every slot was busy, wait for one of them, chosen at random so
		 * that waiters spread (holding no slot of this limit: no cycle).
		 */
		int			busy = -1;
		int			nbusy = 0;
		bool		tried = false;

		for (int k = 0; k < st->nslots && !tried; k++)
		{
			bool		wait = st->nslots == 1;

			if (!lock_slot(st->id, st->key, k, wait))
			{
				/* one of the busy slots at random: waiters spread over them */
				if (random() % ++nbusy == 0)
					busy = k;
				continue;
			}
			if (count_fast(st, k, amount, payment_id, at))
				return;
			if (k > 0)
				unlock_slot(st->id, st->key, k);
			tried = true;
		}
		if (!tried && busy >= 0)
		{
			(void) lock_slot(st->id, st->key, busy, true);
			if (count_fast(st, busy, amount, payment_id, at))
				return;
			if (busy > 0)
				unlock_slot(st->id, st->key, busy);
		}
	}

	/* the exact total: every slot, in order, less what left the window */
	for (int i = 0; i < st->nslots; i++)
		(void) lock_slot(st->id, st->key, i, true);
	read_slots(st, -1);
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
				st->budget_amount[i] = st->budget_count[i] = 0;
			st->rebalance = true;
		}
	}
	else if (st->nslots > 1)
	{
		/* the slot with the most room keeps the payment */
		for (int i = 1; i < st->nslots; i++)
			if (st->budget_amount[i] - st->used_amount[i] >
				st->budget_amount[st->slot] - st->used_amount[st->slot])
				st->slot = i;
		limit_rebalance(st, st->slot, COUNTED(st, amount));
	}
	count_read(st, amount, payment_id, at);
}

/*
 * Whether any limit was ever created: a ledger that never had one
 * (fintech.limits has no blocks; its rows are never deleted) skips the
 * queries, as pay does for parties.  Before ALTER EXTENSION UPDATE to
 * 0.6.0 (a newer library on older SQL) the table does not exist: no
 * limits either.
 */
static bool
limits_exist(void)
{
	Oid			relid = RangeVarGetRelid(makeRangeVar("fintech", "limits", -1),
										 AccessShareLock, true);
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

void
ft_limits_check(const char *payer, const char *payee, int64 amount, int64 payment_id,
				LimitCheck *lc)
{
	Datum		v[3];
	SPITupleTable *tt;
	uint64		n;

	memset(lc, 0, sizeof(*lc));
	lc->at = GetCurrentTimestamp();
	lc->verdict = LIMIT_PASS;

	if (!limits_exist())
		return;
	v[0] = CStringGetTextDatum(payer);
	v[1] = CStringGetTextDatum(payee);
	v[2] = TimestampTzGetDatum(lc->at);
	ft_run_plan(&plans, P_LIMITS, v, NULL, true, 0);
	n = SPI_processed;
	if (n == 0)
		return;
	tt = SPI_tuptable;
	lc->limits = palloc0(sizeof(SpendLimit) * n);
	for (uint64 r = 0; r < n; r++)
	{
		HeapTuple	tup = tt->vals[r];
		TupleDesc	desc = tt->tupdesc;
		SpendLimit *st = &lc->limits[lc->n];
		bool		isnull;
		Datum		d;

		CHECK_FOR_INTERRUPTS();
		st->key = SPI_getvalue(tup, desc, 8);
		if (st->key == NULL)
			continue;			/* a party scope, and the account has none */
		st->id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		st->name = SPI_getvalue(tup, desc, 2);
		st->scope = SPI_getvalue(tup, desc, 3);
		st->review = strcmp(SPI_getvalue(tup, desc, 4), "review") == 0;
		d = SPI_getbinval(tup, desc, 5, &isnull);
		st->max_amount = isnull ? 0 : DatumGetInt64(d);
		d = SPI_getbinval(tup, desc, 6, &isnull);
		st->max_count = isnull ? 0 : DatumGetInt32(d);
		st->cutoff = DatumGetTimestampTz(SPI_getbinval(tup, desc, 7, &isnull));
		st->nslots = strncmp(st->scope, "payee", 5) == 0 ? FT_LIMIT_SLOTS : 1;
		lc->n++;

		check_one(st, amount, payment_id, lc->at);
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
		ft_limits_release(payment_id);
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
ft_limits_release(int64 payment_id)
{
	Datum		v[4];
	uint64		n;
	int64	   *ids;
	char	  **keys;
	int32	   *slots;

	v[0] = Int64GetDatum(payment_id);
	ft_run_plan(&plans, P_USAGE_OF, v, NULL, false, 0);
	n = SPI_processed;
	if (n == 0)
		return;
	ids = palloc(sizeof(int64) * n);
	keys = palloc(sizeof(char *) * n);
	slots = palloc(sizeof(int32) * n);
	for (uint64 i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;

		ids[i] = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		keys[i] = SPI_getvalue(tup, desc, 2);
		slots[i] = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));
	}
	for (uint64 i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		(void) lock_slot(ids[i], keys[i], slots[i], true);
		v[1] = Int64GetDatum(ids[i]);
		v[2] = CStringGetTextDatum(keys[i]);
		v[3] = Int32GetDatum(slots[i]);
		if (ft_run_plan(&plans, P_RELEASE, v, NULL, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "could not release payment " INT64_FORMAT " from limit " INT64_FORMAT,
				 payment_id, ids[i]);
	}
}
