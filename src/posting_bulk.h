/*-------------------------------------------------------------------------
 *
 * posting_bulk.h
 *	  The posting engine's direct writes (posting_bulk.c): the queued rows
 *	  of its entries written straight into the heap and indexes, no SQL
 *	  statement.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_POSTING_BULK_H
#define FINTECH_POSTING_BULK_H

#include "access/htup.h"
#include "executor/tuptable.h"
#include "nodes/execnodes.h"
#include "utils/relcache.h"

#include "posting.h"

#pragma GCC visibility push(hidden)

/*
 * Write b's rows into fintech.<relname>, whose live columns must be cols
 * (b's columns, in order): heap_multi_insert, index entries, AFTER ROW
 * INSERT triggers fired as the INSERT statement fires them.  Empties b.
 * False, writing nothing, when the table has something only the SQL
 * statement reproduces (see posting_bulk.c); the caller then uses SQL.
 */
extern bool bulk_insert(const char *relname, const char *const *cols, RowBuf *b);

/*
 * Write every dirty account's folded state by heap_update of its locked
 * row version (an account whose locked version is not its latest: with
 * SQL).  False, writing nothing, when fintech.accounts has an UPDATE
 * trigger other than the audit trigger or a foreign key check.
 */
extern bool bulk_update_accounts(Ledger *L);

/*
 * May fintech.accounts' folded state be written by heap_update, its
 * triggers unfired: a plain table without row security, whose only UPDATE
 * triggers are the audit trigger and foreign key checks (also used by
 * posting_lock_write.c)
 */
extern bool bulk_accounts_direct_ok(Relation rel);

#pragma GCC visibility pop

/*
 * The index entries of a version that is not heap-only (posting_bulk.c's
 * account updates, posting_lock_write.c's): state made on first use, kept
 * in the caller's VersionIndexer (zeroed at first), ended by bulk_index_close
 */
typedef struct VersionIndexer
{
	ResultRelInfo *rri;
	EState	   *estate;
	TupleTableSlot *slot;
	bool		same_keys;		/* the table's index keys never read the state */
} VersionIndexer;

extern void bulk_index_version(Relation rel, HeapTuple tup, VersionIndexer *vi);
extern void bulk_index_close(VersionIndexer *vi);

#endif							/* FINTECH_POSTING_BULK_H */
