/*-------------------------------------------------------------------------
 *
 * limit_slots.c
 *	  The common case of a spending limit: count a payment in one row of
 *	  fintech.limit_slots when the numbers stored there leave room, by
 *	  direct heap and index access -- no SQL statement, since this runs for
 *	  every limit of every payment.
 *
 * A row that fits is updated in place of an UPDATE statement (used_amount
 * and used_count only: no indexed column changes, so the update is HOT
 * when the page has room, and the table's fillfactor leaves it; the page
 * is pruned only when it runs short of room, see find_slot); slot 0 of
 * a key without a row is inserted with the whole cap as its budget.  The
 * row is looked up in the caller's snapshot rules: in READ COMMITTED the
 * latest committed version (SnapshotSelf: the caller holds the slot's
 * lock, so every earlier writer has committed -- what a new MVCC snapshot
 * would show, without building one per limit); in REPEATABLE READ or
 * SERIALIZABLE the transaction's snapshot, and a row another transaction
 * wrote since is a serialization failure (40001), as the UPDATE statement
 * would raise.  The table and its primary key are opened once per
 * payment (ft_slots_open .. ft_slots_close), not per limit.
 *
 * Locks: the caller holds the slot's advisory lock (limit_check.c, where
 * the lock order is), so no other payment writes the row meanwhile;
 * drop_limit may delete it: then it is not found, and the caller reads the
 * window exactly.  The table and its primary key are locked
 * RowExclusiveLock, as an UPDATE locks them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "common/int.h"
#include "nodes/makefuncs.h"
#include "storage/bufmgr.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/snapmgr.h"

#include "fintech.h"
#include "limit.h"

/* the columns of fintech.limit_slots */
enum
{
	A_LIMIT_ID = 1,
	A_SCOPE_KEY,
	A_SLOT,
	A_USED_AMOUNT,
	A_USED_COUNT,
	A_BUDGET_AMOUNT,
	A_BUDGET_COUNT,
	NATTS = A_BUDGET_COUNT
};

/* fintech.limit_slots as opened for one payment's limits */
static struct
{
	Relation	rel;
	Relation	idx;
	IndexInfo  *ii;
} slots;

void
ft_slots_open(void)
{
	Oid			relid = RangeVarGetRelid(makeRangeVar("fintech", "limit_slots", -1),
										 RowExclusiveLock, false);

	/* (what an aborted payment left here was released with its transaction) */
	slots.rel = table_open(relid, NoLock);
	if (RelationGetDescr(slots.rel)->natts != NATTS ||
		!OidIsValid(RelationGetPrimaryKeyIndex(slots.rel)))
		elog(ERROR, "fintech.limit_slots does not have the columns of this library");
	slots.idx = index_open(RelationGetPrimaryKeyIndex(slots.rel), RowExclusiveLock);
	slots.ii = NULL;			/* built at the first insert */
}

void
ft_slots_close(void)
{
	if (slots.rel == NULL)
		return;
	index_close(slots.idx, NoLock);
	table_close(slots.rel, NoLock);
	memset(&slots, 0, sizeof(slots));
}

static void
serialization_failure(int64 limit_id, const char *key)
{
	ereport(ERROR,
			(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
			 errmsg("could not serialize access due to a concurrent payment counted by limit " INT64_FORMAT " for %s",
					limit_id, key),
			 errhint("Retry the transaction.")));
}

/*
 * Room a slot row's page keeps for new versions of its rows: below it, a
 * lookup prunes the page (see find_slot).  A version is under 100 bytes.
 */
#define SLOT_PAGE_ROOM		(BLCKSZ / 16)

/*
 * The row of (limit_id, key, slot) visible to snap, into values/nulls.
 *
 * The row is fetched through the index by hand, not with
 * index_getnext_slot, for one reason: when to prune the page.  The index
 * fetch prunes a page at every read once it has less free space than its
 * fillfactor leaves -- and a slot page always has, since its rows fill it
 * to the fillfactor and every payment adds a version: each lookup then
 * pruned the whole page (some 60 rows) to reclaim one version.  Here a
 * page is pruned only when it has less than SLOT_PAGE_ROOM left, which
 * leaves room for the next HOT updates and prunes a page once per some 40
 * versions instead.
 */
static bool
find_slot(Snapshot snap, int64 limit_id, Datum key, int slot,
		  ItemPointer tid, Datum *values, bool *nulls)
{
	Relation	rel = slots.rel;
	Relation	idx = slots.idx;
	ScanKeyData sk[3];
	IndexScanDesc scan;
	ItemPointer ip;
	bool		found = false;

	ScanKeyInit(&sk[0], 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(limit_id));
	ScanKeyEntryInitialize(&sk[1], 0, 2, BTEqualStrategyNumber, InvalidOid,
						   idx->rd_indcollation[1], F_TEXTEQ, key);
	ScanKeyInit(&sk[2], 3, BTEqualStrategyNumber, F_INT4EQ, Int32GetDatum(slot));
	scan = index_beginscan(rel, idx, snap, 3, 0);
	index_rescan(scan, sk, 3, NULL, 0);
	/* (every index entry of the key: older ones may lead to dead chains) */
	while (!found && (ip = index_getnext_tid(scan, ForwardScanDirection)) != NULL)
	{
		ItemPointerData t = *ip;
		Buffer		buf = ReadBuffer(rel, ItemPointerGetBlockNumber(&t));
		HeapTupleData tup;
		bool		all_dead;

		if (PageGetHeapFreeSpace(BufferGetPage(buf)) < SLOT_PAGE_ROOM)
			heap_page_prune_opt(rel, buf);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		found = heap_hot_search_buffer(&t, rel, buf, snap, &tup, &all_dead, true);
		if (found && values != NULL)
		{
			heap_deform_tuple(&tup, RelationGetDescr(rel), values, nulls);
			values[A_SCOPE_KEY - 1] = key;	/* (the page's copy goes with the lock) */
			*tid = t;
		}
		LockBuffer(buf, BUFFER_LOCK_UNLOCK);
		ReleaseBuffer(buf);
	}
	index_endscan(scan);
	return found;
}

/* an index entry for a new row version (an insert, or an update that is not HOT) */
static void
index_row(HeapTuple tup, Datum *values)
{
	Datum		iv[3] = {values[A_LIMIT_ID - 1], values[A_SCOPE_KEY - 1], values[A_SLOT - 1]};
	bool		in[3] = {false, false, false};

	if (slots.ii == NULL)
		slots.ii = BuildIndexInfo(slots.idx);
	(void) index_insert(slots.idx, iv, in, &tup->t_self, slots.rel, UNIQUE_CHECK_YES, false,
						slots.ii);
}

/* decides: does a payment of amount fit the slot's budgets (its row)? */
static bool
slot_has_room(const Datum *values, const bool *nulls, int64 amount, bool amount_free,
			  bool count_free)
{
	int64		room;

	if (!amount_free &&
		(nulls[A_BUDGET_AMOUNT - 1] ||
		 pg_sub_s64_overflow(DatumGetInt64(values[A_BUDGET_AMOUNT - 1]), amount, &room) ||
		 DatumGetInt64(values[A_USED_AMOUNT - 1]) > room))
		return false;
	if (!count_free &&
		(nulls[A_BUDGET_COUNT - 1] ||
		 DatumGetInt32(values[A_USED_COUNT - 1]) >= DatumGetInt32(values[A_BUDGET_COUNT - 1])))
		return false;
	return true;
}

bool
ft_slot_count_fast(int64 limit_id, const char *key, int slot, int64 amount,
				   bool amount_free, bool count_free, int64 first_amount, int32 first_count,
				   bool *found)
{
	Relation	rel = slots.rel;
	Snapshot	snap;
	Datum		values[NATTS];
	bool		nulls[NATTS];
	ItemPointerData tid;
	Datum		keyd = CStringGetTextDatum(key);
	bool		fits = false;
	bool		xact_snapshot = IsolationUsesXactSnapshot();
	HeapTuple	tup;

	FT_CHECK(rel != NULL);
	snap = xact_snapshot ? RegisterSnapshot(GetTransactionSnapshot()) : SnapshotSelf;

	*found = find_slot(snap, limit_id, keyd, slot, &tid, values, nulls);
	if (*found)
	{
		int64		used = DatumGetInt64(values[A_USED_AMOUNT - 1]);
		int32		count = DatumGetInt32(values[A_USED_COUNT - 1]);

		fits = slot_has_room(values, nulls, amount, amount_free, count_free);
		if (fits && !pg_add_s64_overflow(used, amount, &used) && count < PG_INT32_MAX)
		{
			TM_FailureData tmfd;
			LockTupleMode lockmode;
			TM_Result	res;

			values[A_USED_AMOUNT - 1] = Int64GetDatum(used);
			values[A_USED_COUNT - 1] = Int32GetDatum(count + 1);
			tup = heap_form_tuple(RelationGetDescr(rel), values, nulls);
			res = heap_update(rel, &tid, tup, GetCurrentCommandId(true), InvalidSnapshot, true,
							  &tmfd, &lockmode);
			if (res == TM_Ok)
			{
				if (!HeapTupleIsHeapOnly(tup))
					index_row(tup, values);
			}
			else if (res == TM_Updated || res == TM_Deleted)
			{
				/* written since our snapshot: (RC) dropped meanwhile */
				if (xact_snapshot)
					serialization_failure(limit_id, key);
				fits = false;
			}
			else
				elog(ERROR, "could not count a payment in limit " INT64_FORMAT " (%d)",
					 limit_id, (int) res);
		}
		else
			fits = false;		/* (an overflow: the exact path says so) */
	}
	else if (slot == 0)
	{
		/* the first payment of a key: slot 0 with the whole cap */
		if (xact_snapshot && find_slot(SnapshotSelf, limit_id, keyd, slot, NULL, NULL, NULL))
			serialization_failure(limit_id, key);
		memset(nulls, 0, sizeof(nulls));
		values[A_LIMIT_ID - 1] = Int64GetDatum(limit_id);
		values[A_SCOPE_KEY - 1] = keyd;
		values[A_SLOT - 1] = Int32GetDatum(0);
		values[A_USED_AMOUNT - 1] = Int64GetDatum(amount);
		values[A_USED_COUNT - 1] = Int32GetDatum(1);
		values[A_BUDGET_AMOUNT - 1] = Int64GetDatum(first_amount);
		values[A_BUDGET_COUNT - 1] = Int32GetDatum(first_count);
		tup = heap_form_tuple(RelationGetDescr(rel), values, nulls);
		simple_heap_insert(rel, tup);
		index_row(tup, values);
		fits = true;
		*found = true;
	}
	if (xact_snapshot)
		UnregisterSnapshot(snap);
	if (fits)
		CommandCounterIncrement();
	return fits;
}

bool
ft_slot_exists(int64 limit_id, const char *key, int slot)
{
	FT_CHECK(slots.rel != NULL);
	return find_slot(SnapshotSelf, limit_id, CStringGetTextDatum(key), slot, NULL, NULL, NULL);
}
