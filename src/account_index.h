/*-------------------------------------------------------------------------
 *
 * account_index.h
 *	  Direct reads of fintech.accounts through its unique index on code
 *	  (account_index.c), for the hot paths that skip a statement
 *	  (limit_accounts.c, posting_lock_write.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_ACCOUNT_INDEX_H
#define FINTECH_ACCOUNT_INDEX_H

#include "access/genam.h"
#include "executor/tuptable.h"
#include "utils/rel.h"
#include "utils/snapshot.h"

/* idx is the index this library created on rel: btree, unique, valid, on code alone */
extern bool ft_account_code_index_ok(Relation rel, Relation idx, AttrNumber code_att);

/* the account with that code visible to snap, into slot; false if none */
extern bool ft_account_by_code(Relation rel, Relation idx, const char *code, Snapshot snap,
							   TupleTableSlot *slot);

/* the same on a scan kept for the next probe (*scan NULL: begun here; end it with index_endscan) */
extern bool ft_account_by_code_kept(Relation rel, Relation idx, const char *code, Snapshot snap,
									TupleTableSlot *slot, IndexScanDesc *scan);

/* the same, and the heap TID the code's index entry points at (*root) */
extern bool ft_account_by_code_root(Relation rel, Relation idx, const char *code, Snapshot snap,
									TupleTableSlot *slot, IndexScanDesc *scan, ItemPointer root);

#endif							/* FINTECH_ACCOUNT_INDEX_H */
