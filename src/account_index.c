/*-------------------------------------------------------------------------
 *
 * account_index.c
 *	  Direct reads of fintech.accounts through its unique index on code,
 *	  shared by the paths that read or lock an account without a statement
 *	  (limit_accounts.c, posting_lock_write.c): the check that the index
 *	  is the one this library created, and the probe for one code (or for
 *	  many codes in a row, on one index scan kept between them; also
 *	  saying where the code's index entry points, for account_tid_cache.c).
 *
 * Locks: none of its own; the caller opens the table and the index with
 * the lock its statement would take.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/tableam.h"
#include "catalog/pg_am.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"

#include "account_index.h"

bool
ft_account_code_index_ok(Relation rel, Relation idx, AttrNumber code_att)
{
	return code_att != InvalidAttrNumber &&
		idx->rd_index->indrelid == RelationGetRelid(rel) &&
		idx->rd_rel->relam == BTREE_AM_OID &&
		idx->rd_index->indisunique && idx->rd_index->indisvalid &&
		idx->rd_index->indnkeyatts == 1 &&
		idx->rd_index->indkey.values[0] == code_att &&
		RelationGetIndexPredicate(idx) == NIL;
}

/*
 * The slot keeps the version's buffer pinned until it is cleared (so that
 * a caller about to update it does not see it pruned away meanwhile).
 */
bool
ft_account_by_code(Relation rel, Relation idx, const char *code, Snapshot snap,
				   TupleTableSlot *slot)
{
	IndexScanDesc scan = NULL;
	bool		found = ft_account_by_code_kept(rel, idx, code, snap, slot, &scan);

	index_endscan(scan);
	return found;
}

/*
 * The same probe on a scan kept for the next one (*scan: NULL at the
 * first, begun here; the caller ends it with index_endscan): a caller
 * probing many codes in a row (a batch's accounts, posting_lock_write.c)
 * begins and ends one scan instead of one per code, some 1,400
 * instructions a probe.  Each probe may come with its own snapshot: the
 * scan's is replaced before the rescan, which is where an index scan
 * starts to use it (the btree search and the heap fetch read
 * xs_snapshot at each call; nothing keeps the previous one).
 */
bool
ft_account_by_code_kept(Relation rel, Relation idx, const char *code, Snapshot snap,
						TupleTableSlot *slot, IndexScanDesc *scan)
{
	ItemPointerData root;

	return ft_account_by_code_root(rel, idx, code, snap, slot, scan, &root);
}

/*
 * ft_account_by_code_kept that also says where the code's index entry
 * points (*root: the first heap TID of the row's HOT chain; the fetch
 * moves the scan's own TID on to the visible member of the chain, so it
 * is copied before): what account_tid_cache.c remembers.
 */
bool
ft_account_by_code_root(Relation rel, Relation idx, const char *code, Snapshot snap,
						TupleTableSlot *slot, IndexScanDesc *scan, ItemPointer root)
{
	ScanKeyData sk;
	ItemPointer tid;
	bool		found = false;

	ScanKeyEntryInitialize(&sk, 0, 1, BTEqualStrategyNumber, InvalidOid,
						   idx->rd_indcollation[0], F_TEXTEQ, CStringGetTextDatum(code));
	if (*scan == NULL)
		*scan = index_beginscan(rel, idx, snap, 1, 0);
	else
		(*scan)->xs_snapshot = snap;
	index_rescan(*scan, &sk, 1, NULL, 0);
	/* index_getnext_slot's loop, the entry's TID copied before the fetch moves it */
	while (!found)
	{
		if (!(*scan)->xs_heap_continue)
		{
			if ((tid = index_getnext_tid(*scan, ForwardScanDirection)) == NULL)
				break;
			*root = *tid;
		}
		found = index_fetch_heap(*scan, slot);
	}

	/*
	 * the scan's own pin on the heap page goes now, as index_endscan let it
	 * go: a caller may wait for the row's lock next, and a pin held through
	 * that wait would hold up a VACUUM of the page (the slot's pin is the
	 * caller's to drop)
	 */
	table_index_fetch_reset((*scan)->xs_heapfetch);
	return found;
}
