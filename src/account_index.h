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

#include "executor/tuptable.h"
#include "utils/rel.h"
#include "utils/snapshot.h"

/* idx is the index this library created on rel: btree, unique, valid, on code alone */
extern bool ft_account_code_index_ok(Relation rel, Relation idx, AttrNumber code_att);

/* the account with that code visible to snap, into slot; false if none */
extern bool ft_account_by_code(Relation rel, Relation idx, const char *code, Snapshot snap,
							   TupleTableSlot *slot);

#endif							/* FINTECH_ACCOUNT_INDEX_H */
