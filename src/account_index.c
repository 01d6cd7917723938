/*-------------------------------------------------------------------------
 *
 * account_index.c
 *	  Direct reads of fintech.accounts through its unique index on code,
 *	  shared by the paths that read or lock an account without a statement
 *	  (limit_accounts.c, posting_lock_write.c): the check that the index
 *	  is the one this library created, and the probe for one code.
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
	ScanKeyData sk;
	IndexScanDesc scan;
	bool		found;

	ScanKeyEntryInitialize(&sk, 0, 1, BTEqualStrategyNumber, InvalidOid,
						   idx->rd_indcollation[0], F_TEXTEQ, CStringGetTextDatum(code));
	scan = index_beginscan(rel, idx, snap, 1, 0);
	index_rescan(scan, &sk, 1, NULL, 0);
	found = index_getnext_slot(scan, ForwardScanDirection, slot);
	index_endscan(scan);
	return found;
}
