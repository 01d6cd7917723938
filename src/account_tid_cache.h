/*-------------------------------------------------------------------------
 *
 * account_tid_cache.h
 *	  Where accounts' rows are (code -> a version of the row: shared, the
 *	  last ones written; this backend's, the TID the code index points
 *	  at), for the batch probes (account_tid_cache.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_ACCOUNT_TID_CACHE_H
#define FINTECH_ACCOUNT_TID_CACHE_H

#include "storage/itemptr.h"
#include "utils/rel.h"
#include "utils/snapshot.h"

/* the shared part's memory, asked for while the library is preloaded */
extern void ft_acct_tid_shmem_register(void);

/* an account's row was updated directly: old_version replaced by new_version */
extern void ft_acct_tid_publish(const char *code, ItemPointer old_version,
								ItemPointer new_version);

/*
 * The code's row is reached from root (what its index entry points at);
 * version: the version of it an index probe found
 */
extern void ft_acct_tid_remember(const char *code, ItemPointer root,
								 ItemPointer version);

/* nothing is known of the code's row any more */
extern void ft_acct_tid_forget(const char *code);

/*
 * The version of the code's row visible to snap, found from the
 * remembered TID: *found and true; false (a miss) when there is none to
 * take, and the caller probes the index.  *nblocks: rel's size as the
 * caller last read it (0: not yet), under a lock that prevents its
 * truncation; read again for a version past it.
 */
extern bool ft_acct_tid_probe(Relation rel, BlockNumber *nblocks, AttrNumber code_att,
							  Oid code_coll, const char *code, Snapshot snap,
							  ItemPointer found);

/*
 * READ COMMITTED, before locking the version at *tid that a probe found:
 * the latest version of the code's row instead, when the shared table
 * knows a later one (true, in *tid).  *nblocks: rel's size, read again
 * for a version past it.
 */
extern bool ft_acct_tid_latest(Relation rel, BlockNumber *nblocks, AttrNumber code_att,
							   Oid code_coll, const char *code, ItemPointer tid);

#endif							/* FINTECH_ACCOUNT_TID_CACHE_H */
