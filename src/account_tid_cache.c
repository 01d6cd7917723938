/*-------------------------------------------------------------------------
 *
 * account_tid_cache.c
 *	  Where an account's row is, so that the probes of a batch's accounts
 *	  (posting_lock_write.c's lock_writer_probe) read it from the heap
 *	  without descending fintech.accounts' unique code index:
 *
 *	  - shared (with shared_preload_libraries): for a code, the version
 *	    the last direct update of the account wrote and the one it
 *	    replaced (published by posting_bulk.c and posting_lock_write.c,
 *	    which update accounts); a probe starts there and follows the
 *	    row's update chain forward (a few versions at most) to the
 *	    version its snapshot sees.  Shared because the backend that wrote
 *	    an account last is rarely the one that reads it next: while a
 *	    snapshot keeps old versions (a pg_dump's, or batches queued on
 *	    each other's rows, which hold theirs while they wait), the index
 *	    holds an entry for every version that left its page, and an index
 *	    probe fetches them all, in TID order, before the live one
 *	    (docs/benchmarks.md, session 20);
 *	  - this backend's: for a code, the heap TID that the code index
 *	    points at (the root of the row's HOT chain), learnt from its own
 *	    index probes.
 *
 * Why it is right whatever happened to the row meanwhile: a remembered
 * TID is only a place to look.  A probe takes a version only if it is
 * visible in the probe's snapshot and its code is the one asked for: the
 * code index is unique, so a snapshot sees at most one row with a code,
 * and that version is the one the index probe would have returned.  It
 * follows a HOT chain as an index fetch does (heap_hot_search_buffer,
 * after the same opportunistic prune), and an update chain as
 * heap_get_latest_tid does (each next version's xmin must be the updater
 * of the one before, else the slot was reused).  Anything else --
 * nothing visible there (the row updated out of its HOT chain, the line
 * pointer reclaimed, more versions than a probe follows), a different
 * code (the slot reused by another row, another code in the same cache
 * slot, the code changed), a TID past the table's end (a rewrite), a
 * code stored out of line -- is a miss, and the caller probes the index
 * as before and remembers what it found.  Not used in SERIALIZABLE
 * transactions: the index probe's predicate lock on the code's index page
 * is part of what SSI checks, and the heap read alone does not take it.
 *
 * The table's size is the caller's (*nblocks, read while it holds a lock
 * that keeps the table from being truncated: RowExclusiveLock), read
 * again only for a version past it.
 * Memory: the shared part is SHARED_BUCKETS x SHARED_WAYS slots of two
 * 8-byte words (1 MB), one code a slot, a later code evicting an
 * earlier one; this backend's part at most CACHE_MAX entries of a few
 * bytes each (keyed by the code's hash, not the code), emptied when full.
 *
 * Locks: none of its own.  A slot's two words are written and read as
 * 64-bit atomics, each on its own: a reader may see one writer's version
 * beside another's, which the checks above make harmless.  The heap page
 * is pinned and share-locked for each read, as an index fetch does.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/xact.h"
#include "common/hashfn.h"
#include "port/atomics.h"
#include "storage/bufmgr.h"
#include "utils/snapmgr.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "account_tid_cache.h"
#include "fintech.h"
#include "shmem.h"

/* entries kept at most (a few MB); then emptied */
#define CACHE_MAX	65536

typedef struct
{
	uint32		hash;			/* key: hash_bytes of the code */
	ItemPointerData root;
} TidEntry;

static HTAB *tids = NULL;

/*
 * Shared slots: SHARED_BUCKETS buckets (a power of two) of SHARED_WAYS
 * slots, one code a slot, the bucket picked by the code hash's low bits.
 * A code takes its own slot in its bucket again, else an empty one, else
 * evicts one (round robin per backend): so two codes sharing a bucket do
 * not evict each other as they would sharing one slot (with 10,000
 * accounts in 65,536 single slots, 7.5 % of a batch's probes missed so,
 * docs/benchmarks.md, session 21).  A bucket is one 64-byte cache line.
 * MAX_HOPS: versions a probe follows at most.
 */
#define SHARED_WAYS		4
#define SHARED_BUCKETS	16384
#define MAX_HOPS		8

/*
 * A slot: the last version written and the one it replaced, each packed
 * as block (32 bits), offset (16) and the code hash's top 16 bits (the
 * tag).  0: empty (offset 0 is invalid).
 */
typedef struct
{
	pg_atomic_uint64 cur;
	pg_atomic_uint64 prev;
} SharedSlot;

static SharedSlot *shared_slots = NULL;
static uint32 evict_next = 0;

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
ft_acct_tid_shmem_register(void)
{
	if (fintech_preloaded)
		ft_shmem_register("fintech account tids", sizeof(SharedSlot) * SHARED_BUCKETS * SHARED_WAYS, false,
						  (void **) &shared_slots, NULL);
}

static uint64
pack(ItemPointer tid, uint32 h)
{
	return ((uint64) ItemPointerGetBlockNumber(tid) << 32) |
		((uint64) ItemPointerGetOffsetNumber(tid) << 16) | (h >> 16);
}

/* the TID packed in w if it is one and tagged with h */
static bool
unpack(uint64 w, uint32 h, ItemPointer tid)
{
	OffsetNumber off = (OffsetNumber) ((w >> 16) & 0xFFFF);

	if (off == InvalidOffsetNumber || (w & 0xFFFF) != (h >> 16))
		return false;
	ItemPointerSet(tid, (BlockNumber) (w >> 32), off);
	return true;
}

/* the first slot of h's bucket */
static SharedSlot *
bucket_of(uint32 h)
{
	return &shared_slots[(h & (SHARED_BUCKETS - 1)) * SHARED_WAYS];
}

/* the first slot of bucket b whose last version is tagged with h (*cur), else NULL */
static SharedSlot *
own_slot(SharedSlot *b, uint32 h, ItemPointer cur)
{
	for (int i = 0; i < SHARED_WAYS; i++)
		if (unpack(pg_atomic_read_u64(&b[i].cur), h, cur))
			return &b[i];
	return NULL;
}

/* the code's slot in bucket b, else an empty one, else the next to evict */
static SharedSlot *
slot_for(SharedSlot *b, uint32 h)
{
	ItemPointerData tid;
	SharedSlot *own = own_slot(b, h, &tid);

	if (own != NULL)
		return own;
	for (int i = 0; i < SHARED_WAYS; i++)
		if (pg_atomic_read_u64(&b[i].cur) == 0)
			return &b[i];
	return &b[evict_next++ % SHARED_WAYS];
}

void
ft_acct_tid_publish(const char *code, ItemPointer old_version, ItemPointer new_version)
{
	uint32		h;
	SharedSlot *slot;

	if (shared_slots == NULL)
		return;
	h = code_hash(code);
	slot = slot_for(bucket_of(h), h);
	pg_atomic_write_u64(&slot->prev, pack(old_version, h));
	pg_atomic_write_u64(&slot->cur, pack(new_version, h));
}

void
ft_acct_tid_remember(const char *code, ItemPointer root, ItemPointer version)
{
	uint32		h = code_hash(code);
	TidEntry   *e;
	SharedSlot *slot;

	if (!ItemPointerIsValid(root))
		return;
	/*
	 * The version found goes into the shared part too (the probe missed
	 * there: the code had no slot, after a restart, or its slot led to no
	 * version this snapshot sees, after a rewrite of the table moved every
	 * row): else every batch that probes the account before its next
	 * update would miss it as well.  Should an update publish a later
	 * version meanwhile and this overwrite it, a probe follows the chain
	 * forward from this one.
	 */
	if (shared_slots != NULL)
	{
		slot = slot_for(bucket_of(h), h);
		pg_atomic_write_u64(&slot->prev, 0);
		pg_atomic_write_u64(&slot->cur, pack(version, h));
	}
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

/* code's column of tup equals code, as the statement's code = $1 compares them */
static bool
has_code(HeapTuple tup, Relation rel, AttrNumber code_att, Oid code_coll, const char *code)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, code_att, RelationGetDescr(rel), &isnull);

	/* (texteq, the column's collation) */
	return !isnull && !VARATT_IS_EXTERNAL(DatumGetPointer(d)) &&
		DatumGetBool(DirectFunctionCall2Coll(texteq, code_coll, d, CStringGetTextDatum(code)));
}

/*
 * Is block blk inside rel?  *nblocks is its size as the caller last read
 * it, under a lock that keeps rel from being truncated (RowExclusiveLock):
 * a block past it is checked against the size read again (the table grew
 * meanwhile), so that a caller reads the size once, not once a probe
 * (an lseek each).
 */
static bool
block_inside(Relation rel, BlockNumber *nblocks, BlockNumber blk)
{
	if (blk < *nblocks)
		return true;
	*nblocks = RelationGetNumberOfBlocks(rel);
	return blk < *nblocks;
}

/*
 * From the version at start, forward along the row's update chain (at most
 * MAX_HOPS versions, across pages), the version visible in snap: *found
 * and true if its code is code.  As heap_get_latest_tid follows a chain:
 * a line pointer that is not a tuple ends it (a redirect only where it
 * starts), and so does a version whose xmin is not the updater of the one
 * before.
 */
static bool
follow(Relation rel, BlockNumber *nblocks, AttrNumber code_att, Oid code_coll,
	   const char *code, Snapshot snap, ItemPointer start, ItemPointer found)
{
	ItemPointerData tid = *start;
	TransactionId prior_xmax = InvalidTransactionId;
	Buffer		buf = InvalidBuffer;
	bool		ok = false;

	for (int hop = 0; hop < MAX_HOPS; hop++)
	{
		BlockNumber blk = ItemPointerGetBlockNumber(&tid);
		OffsetNumber off = ItemPointerGetOffsetNumber(&tid);
		Page		page;
		ItemId		lp;
		HeapTupleData tup;

		if (!block_inside(rel, nblocks, blk))
			break;
		if (!BufferIsValid(buf) || BufferGetBlockNumber(buf) != blk)
		{
			if (BufferIsValid(buf))
				UnlockReleaseBuffer(buf);
			buf = ReadBuffer(rel, blk);
			if (hop == 0)
				heap_page_prune_opt(rel, buf);
			LockBuffer(buf, BUFFER_LOCK_SHARE);
		}
		page = BufferGetPage(buf);
		if (off < FirstOffsetNumber || off > PageGetMaxOffsetNumber(page))
			break;
		lp = PageGetItemId(page, off);
		if (ItemIdIsRedirected(lp) && hop == 0)
		{
			off = ItemIdGetRedirect(lp);
			lp = PageGetItemId(page, off);
		}
		if (!ItemIdIsNormal(lp))
			break;
		tup.t_data = (HeapTupleHeader) PageGetItem(page, lp);
		tup.t_len = ItemIdGetLength(lp);
		tup.t_tableOid = RelationGetRelid(rel);
		ItemPointerSet(&tup.t_self, blk, off);
		if (TransactionIdIsValid(prior_xmax) &&
			!TransactionIdEquals(prior_xmax, HeapTupleHeaderGetXmin(tup.t_data)))
			break;
		if (HeapTupleSatisfiesVisibility(&tup, snap, buf))
		{
			ok = has_code(&tup, rel, code_att, code_coll, code);
			if (ok)
				*found = tup.t_self;
			break;
		}
		/* no later version: never updated, only locked, or deleted */
		if ((tup.t_data->t_infomask & HEAP_XMAX_INVALID) ||
			HEAP_XMAX_IS_LOCKED_ONLY(tup.t_data->t_infomask) ||
			ItemPointerEquals(&tup.t_self, &tup.t_data->t_ctid))
			break;
		prior_xmax = HeapTupleHeaderGetUpdateXid(tup.t_data);
		tid = tup.t_data->t_ctid;
	}
	if (BufferIsValid(buf))
		UnlockReleaseBuffer(buf);
	return ok;
}

/* the two versions of the code's slot in its bucket, the later first */
static bool
shared_probe(Relation rel, BlockNumber *nblocks, AttrNumber code_att, Oid code_coll,
			 const char *code, uint32 h, Snapshot snap, ItemPointer found)
{
	SharedSlot *b;
	ItemPointerData tid;

	if (shared_slots == NULL)
		return false;
	b = bucket_of(h);
	for (int i = 0; i < SHARED_WAYS; i++)
	{
		if (!unpack(pg_atomic_read_u64(&b[i].cur), h, &tid))
			continue;
		if (follow(rel, nblocks, code_att, code_coll, code, snap, &tid, found))
			return true;
		/* (the last writer not committed yet: the version it replaced is the one seen) */
		if (unpack(pg_atomic_read_u64(&b[i].prev), h, &tid) &&
			follow(rel, nblocks, code_att, code_coll, code, snap, &tid, found))
			return true;
	}
	return false;
}

/*
 * For a lock in READ COMMITTED of the version at *tid, which a probe found
 * some time before (a batch probes all its accounts, then waits for some
 * of them in turn): the version the last update of the code's row wrote,
 * in *tid, when it is a later one that no committed transaction has
 * updated (the latest, or one being updated).  Locking it directly is
 * what the lock's own walk along the update chain would reach, one heap
 * fetch a version later; in a queue of batches a row is updated several
 * times between one batch's probe and its lock.  It is taken only if its
 * inserter committed (not this transaction, nor one in progress) and its
 * code is the one asked for: a live version, which no prune can remove
 * before the lock reads it again.  *nblocks: rel's size as the caller
 * knows it, read again for a version past it.
 */
bool
ft_acct_tid_latest(Relation rel, BlockNumber *nblocks, AttrNumber code_att, Oid code_coll,
				   const char *code, ItemPointer tid)
{
	uint32		h;
	ItemPointerData cur;
	Buffer		buf;
	ItemId		lp;
	HeapTupleData tup;
	SnapshotData dirty;
	bool		ok = false;

	if (shared_slots == NULL)
		return false;
	h = code_hash(code);
	if (own_slot(bucket_of(h), h, &cur) == NULL || ItemPointerEquals(&cur, tid))
		return false;
	if (!block_inside(rel, nblocks, ItemPointerGetBlockNumber(&cur)))
		return false;
	buf = ReadBuffer(rel, ItemPointerGetBlockNumber(&cur));
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	if (ItemPointerGetOffsetNumber(&cur) <= PageGetMaxOffsetNumber(BufferGetPage(buf)))
	{
		lp = PageGetItemId(BufferGetPage(buf), ItemPointerGetOffsetNumber(&cur));
		if (ItemIdIsNormal(lp))
		{
			tup.t_data = (HeapTupleHeader) PageGetItem(BufferGetPage(buf), lp);
			tup.t_len = ItemIdGetLength(lp);
			tup.t_tableOid = RelationGetRelid(rel);
			tup.t_self = cur;
			InitDirtySnapshot(dirty);
			ok = !TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tup.t_data)) &&
				HeapTupleSatisfiesVisibility(&tup, &dirty, buf) &&
				!TransactionIdIsValid(dirty.xmin) &&
				has_code(&tup, rel, code_att, code_coll, code);
		}
	}
	UnlockReleaseBuffer(buf);
	if (ok)
		*tid = cur;
	return ok;
}

bool
ft_acct_tid_probe(Relation rel, BlockNumber *nblocks, AttrNumber code_att, Oid code_coll,
				  const char *code, Snapshot snap, ItemPointer found)
{
	uint32		h;
	TidEntry   *e;
	ItemPointerData tid;
	Buffer		buf;
	HeapTupleData tup;
	bool		all_dead;
	bool		ok = false;

	if (IsolationIsSerializable())
		return false;
	h = code_hash(code);
	if (shared_probe(rel, nblocks, code_att, code_coll, code, h, snap, found))
		return true;
	if (tids == NULL)
		return false;
	e = hash_search(tids, &h, HASH_FIND, NULL);
	if (e == NULL || !block_inside(rel, nblocks, ItemPointerGetBlockNumber(&e->root)))
		return false;
	tid = e->root;
	/* as heapam_index_fetch_tuple reads the version an index entry points at */
	buf = ReadBuffer(rel, ItemPointerGetBlockNumber(&tid));
	heap_page_prune_opt(rel, buf);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	if (heap_hot_search_buffer(&tid, rel, buf, snap, &tup, &all_dead, true))
	{
		ok = has_code(&tup, rel, code_att, code_coll, code);
		if (ok)
			*found = tup.t_self;
	}
	LockBuffer(buf, BUFFER_LOCK_UNLOCK);
	ReleaseBuffer(buf);
	return ok;
}
