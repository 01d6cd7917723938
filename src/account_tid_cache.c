/*-------------------------------------------------------------------------
 *
 * account_tid_cache.c
 *	  A backend's memory of where an account's row is: for a code, the
 *	  heap TID that fintech.accounts' unique code index points at (the
 *	  root of the row's HOT chain), learnt from the index probes of a
 *	  batch's accounts (posting_lock_write.c's lock_writer_probe), so that
 *	  the next probe of the same code in this backend reads the row from
 *	  the heap without descending the code index.
 *
 * Why it is right whatever happened to the row meanwhile: the remembered
 * TID is only a place to look.  A probe follows the HOT chain there as an
 * index fetch follows it (heap_hot_search_buffer in the probe's snapshot,
 * after the same opportunistic prune), and takes what it finds only if it
 * is a version visible in that snapshot whose code is the one asked for:
 * the code index is unique, so a snapshot sees at most one row with a
 * code, and that version is the one the index probe would have returned.
 * Anything else -- nothing visible there (the row was updated out of its
 * HOT chain, deleted, or the line pointer was reclaimed), a different
 * code (the slot reused by another row, another code with the same hash,
 * the code changed), a TID past the table's end (a rewrite), a code
 * stored out of line -- is a miss, and the caller probes the index as
 * before and remembers what it found.  Not used in SERIALIZABLE transactions: the
 * index probe's predicate lock on the code's index page is part of what
 * SSI checks, and the heap read alone does not take it.
 *
 * The table's size is the caller's (nblocks, read once while it holds a
 * lock that keeps the table from being truncated: RowExclusiveLock).
 * Memory: at most CACHE_MAX entries of a few bytes each (keyed by the
 * code's hash, not the code); when full it is emptied and starts again.
 *
 * Locks: none of its own; the heap page is pinned and share-locked for
 * the read, as an index fetch does.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/xact.h"
#include "common/hashfn.h"
#include "storage/bufmgr.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "account_tid_cache.h"

/* entries kept at most (a few MB); then emptied */
#define CACHE_MAX	65536

typedef struct
{
	uint32		hash;			/* key: hash_bytes of the code */
	ItemPointerData root;
} TidEntry;

static HTAB *tids = NULL;

static uint32
code_hash(const char *code)
{
	return hash_bytes((const unsigned char *) code, (int) strlen(code));
}

static void
cache_create(void)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(uint32);
	ctl.entrysize = sizeof(TidEntry);
	ctl.hcxt = TopMemoryContext;
	tids = hash_create("fintech account tids", 1024, &ctl,
					   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

void
ft_acct_tid_remember(const char *code, ItemPointer root)
{
	uint32		h = code_hash(code);
	TidEntry   *e;

	if (!ItemPointerIsValid(root))
		return;
	if (tids == NULL)
		cache_create();
	else if (hash_get_num_entries(tids) >= CACHE_MAX)
	{
		hash_destroy(tids);
		cache_create();
	}
	e = hash_search(tids, &h, HASH_ENTER, NULL);
	e->root = *root;
}

void
ft_acct_tid_forget(const char *code)
{
	uint32		h = code_hash(code);

	if (tids != NULL)
		(void) hash_search(tids, &h, HASH_REMOVE, NULL);
}

bool
ft_acct_tid_probe(Relation rel, BlockNumber nblocks, AttrNumber code_att, Oid code_coll,
				  const char *code, Snapshot snap, ItemPointer found)
{
	uint32		h;
	TidEntry   *e;
	ItemPointerData tid;
	Buffer		buf;
	HeapTupleData tup;
	bool		all_dead;
	bool		ok = false;

	if (tids == NULL || IsolationIsSerializable())
		return false;
	h = code_hash(code);
	e = hash_search(tids, &h, HASH_FIND, NULL);
	if (e == NULL || ItemPointerGetBlockNumber(&e->root) >= nblocks)
		return false;
	tid = e->root;
	/* as heapam_index_fetch_tuple reads the version an index entry points at */
	buf = ReadBuffer(rel, ItemPointerGetBlockNumber(&tid));
	heap_page_prune_opt(rel, buf);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	if (heap_hot_search_buffer(&tid, rel, buf, snap, &tup, &all_dead, true))
	{
		bool		isnull;
		Datum		d = heap_getattr(&tup, code_att, RelationGetDescr(rel), &isnull);

		/* the code as the statement's code = $1 compares it (texteq, the column's collation) */
		ok = !isnull && !VARATT_IS_EXTERNAL(DatumGetPointer(d)) &&
			DatumGetBool(DirectFunctionCall2Coll(texteq, code_coll, d,
												 CStringGetTextDatum(code)));
		if (ok)
			*found = tup.t_self;
	}
	LockBuffer(buf, BUFFER_LOCK_UNLOCK);
	ReleaseBuffer(buf);
	return ok;
}
