/*-------------------------------------------------------------------------
 *
 * ledger_keys.c
 *	  Idempotency of the ledger's writes: the optional idempotency_key of
 *	  transfer, post, post_pending, void_pending, reverse and sweep, and
 *	  the per-item keys of transfer_batch (fintech.ledger_keys).
 *
 * A key is claimed straight in fintech.ledger_keys' heap and primary key
 * (no SQL statement: a statement's executor cost more than the rest of
 * the claim together; docs/benchmarks.md).  The claim first looks the key
 * up with a dirty snapshot: a row of a transaction in progress makes it
 * wait for that transaction's end (as a unique index makes a second
 * inserter wait), then look again; a committed row is a replay (the same
 * SHA-256 of the request's canonical form: the function and every
 * argument, description and metadata included; the row keeps its first
 * 16 bytes) or LD005 (another request).  With no row, it inserts one
 * naming the id its entry will take (from fintech.entries_id_seq) and
 * adds the key to the primary key without waiting (UNIQUE_CHECK_PARTIAL):
 * when two calls get there at once, exactly one of them finds no other
 * entry; the other one deletes its row again and waits as above.  So
 * there is exactly one entry per key under any concurrency; in REPEATABLE
 * READ or SERIALIZABLE a key claimed by a transaction the snapshot cannot
 * see is a serialization failure (40001), as for INSERT ... ON CONFLICT.
 *
 * The key row is written in the caller's transaction, with the entry: a
 * refusal raises and takes the claim with it (only pay records refusals).
 * Keys are forgotten after fintech.idempotency_retention by the
 * prune_idempotency_keys job (payments.c calls ledger_keys_prune).
 *
 * Locking: the key comes first in the global lock order (payments.c),
 * before holds and accounts; nothing is locked when a call claims it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/nbtree.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "fintech.h"
#include "canon.h"
#include "ledger_keys.h"
#include "relcache_inval.h"

/* fintech.ledger_keys: key, function, request_hash, entry_id, created_at */
#define KEYS_NATTS 5

/*
 * request_hash keeps the first 16 bytes of the SHA-256: it tells one
 * key's requests apart (a chance collision: 2^-128), and each byte less
 * is a byte less of WAL on every keyed write
 */
#define KEYS_HASH_BYTES 16

/*
 * The keys older than $1 in pages [$3, $4), $2 at most: a TID range scan.
 * Planned at each run, with its values, not kept: a plan kept from while
 * the table was a page or two scans it whole.
 */
#define PRUNE_SQL "DELETE FROM fintech.ledger_keys WHERE ctid OPERATOR(pg_catalog.=) ANY (ARRAY(" \
	" SELECT k.ctid FROM fintech.ledger_keys k" \
	"  WHERE k.ctid OPERATOR(pg_catalog.>=) $3 AND k.ctid OPERATOR(pg_catalog.<) $4" \
	"    AND k.created_at OPERATOR(pg_catalog.<) $1 LIMIT $2))"

/*
 * The table, its primary key and the entries' id sequence, cached; an
 * invalidation resets them, and table_open accepts invalidations: callers
 * use a copy.
 */
typedef struct KeysOids
{
	Oid			rel;
	Oid			pkey;
	Oid			seq;
} KeysOids;

static KeysOids keys_cache;

static void
keys_oids_inval(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == keys_cache.rel || relid == keys_cache.pkey ||
		relid == keys_cache.seq)
		keys_cache.rel = InvalidOid;
}

static KeysOids
keys_oids(void)
{
	Oid			nsp;

	if (OidIsValid(keys_cache.rel))
		return keys_cache;
	nsp = get_namespace_oid("fintech", false);
	ft_relcache_callback(keys_oids_inval, (Datum) 0);
	keys_cache.seq = get_relname_relid("entries_id_seq", nsp);
	keys_cache.pkey = get_relname_relid("ledger_keys_pkey", nsp);
	keys_cache.rel = get_relname_relid("ledger_keys", nsp);
	if (!OidIsValid(keys_cache.rel) || !OidIsValid(keys_cache.pkey) || !OidIsValid(keys_cache.seq))
	{
		keys_cache.rel = InvalidOid;
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("fintech.ledger_keys, its primary key or fintech.entries_id_seq is missing")));
	}
	return keys_cache;
}

/*
 * The table and its primary key, opened; the table's owner can alter it:
 * a refusal, not an internal error.  *others: it has more indexes than its
 * primary key (one added by hand), which the executor's insertion serves.
 */
static Relation
keys_open(const KeysOids *o, Relation *pkey, bool *others)
{
	Relation	rel = table_open(o->rel, RowExclusiveLock);
	List	   *indexes;

	*pkey = index_open(o->pkey, RowExclusiveLock);
	if (RelationGetDescr(rel)->natts != KEYS_NATTS ||
		(*pkey)->rd_rel->relam != BTREE_AM_OID || !(*pkey)->rd_index->indisunique ||
		(*pkey)->rd_index->indnkeyatts != 1 || (*pkey)->rd_index->indkey.values[0] != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("fintech.ledger_keys does not have the columns and primary key it was created with")));
	indexes = RelationGetIndexList(rel);
	*others = list_length(indexes) != 1;
	list_free(indexes);
	return rel;
}

/*
 * Look the key up with a dirty snapshot (rows of transactions in progress
 * too).  Returns false when no live row has it; true with the row in slot,
 * after waiting for the transaction that inserts or deletes it, if any
 * (then *waited: look again).
 */
static bool
keys_probe(Relation rel, Relation pkey, Datum key, TupleTableSlot *slot, bool *waited)
{
	SnapshotData dirty;
	ScanKeyData sk;
	IndexScanDesc scan;
	bool		found;

	*waited = false;
	InitDirtySnapshot(dirty);
	ScanKeyEntryInitialize(&sk, 0, 1, BTEqualStrategyNumber, InvalidOid,
						   pkey->rd_indcollation[0], F_TEXTEQ, key);
	scan = index_beginscan(rel, pkey, &dirty, 1, 0);
	index_rescan(scan, &sk, 1, NULL, 0);
	found = index_getnext_slot(scan, ForwardScanDirection, slot);
	index_endscan(scan);
	if (found && (TransactionIdIsValid(dirty.xmin) || TransactionIdIsValid(dirty.xmax)))
	{
		/* claimed (or pruned) by a transaction in progress: its outcome decides */
		XactLockTableWait(TransactionIdIsValid(dirty.xmin) ? dirty.xmin : dirty.xmax,
						  rel, &slot->tts_tid, XLTW_InsertIndex);
		*waited = true;
	}
	return found;
}

/*
 * Insert the claim; false when the primary key holds the key already (a
 * concurrent claim got there first: ours is deleted again).  The key's
 * index entry is made without waiting (UNIQUE_CHECK_PARTIAL): of two
 * concurrent inserters exactly one finds no other entry, and the other
 * one then waits for it in keys_probe().
 */
static bool
keys_insert(Relation rel, Relation pkey, bool others, Datum *values, ItemPointer tid)
{
	bool		nulls[KEYS_NATTS] = {false};
	HeapTuple	tup = heap_form_tuple(RelationGetDescr(rel), values, nulls);
	bool		unique;

	heap_insert(rel, tup, GetCurrentCommandId(true), 0, NULL);
	*tid = tup->t_self;
	unique = index_insert(pkey, &values[0], &nulls[0], &tup->t_self, rel,
						  UNIQUE_CHECK_PARTIAL, false, makeNode(IndexInfo));
	if (others)
	{
		/* the indexes beside the primary key, by the executor */
		EState	   *estate = CreateExecutorState();
		ResultRelInfo *rri = makeNode(ResultRelInfo);
		TupleTableSlot *slot = MakeSingleTupleTableSlot(RelationGetDescr(rel), &TTSOpsHeapTuple);
		List	   *indexes;

		InitResultRelInfo(rri, rel, 1, NULL, 0);
		ExecOpenIndices(rri, false);
		for (int i = 0; i < rri->ri_NumIndices; i++)
			if (rri->ri_IndexRelationDescs[i] == pkey)
			{
				/* done above: out of the executor's list */
				index_close(rri->ri_IndexRelationDescs[i], NoLock);
				rri->ri_NumIndices--;
				rri->ri_IndexRelationDescs[i] = rri->ri_IndexRelationDescs[rri->ri_NumIndices];
				rri->ri_IndexRelationInfo[i] = rri->ri_IndexRelationInfo[rri->ri_NumIndices];
				break;
			}
		ExecStoreHeapTuple(tup, slot, false);
		indexes = ExecInsertIndexTuples(rri, slot, estate, false, false, NULL, NIL);
		list_free(indexes);
		ExecCloseIndices(rri);
		ExecDropSingleTupleTableSlot(slot);
		FreeExecutorState(estate);
	}
	heap_freetuple(tup);
	if (!unique)
	{
		CommandCounterIncrement();
		simple_heap_delete(rel, tid);
	}
	return unique;
}

void
ledger_key_start(LedgerKey *k, char *key, const char *function)
{
	memset(k, 0, sizeof(*k));
	k->key = key;
	k->function = function;
	if (key == NULL)
		return;
	initStringInfo(&k->canon);
	fintech_canon_field(&k->canon, function);
}

void
ledger_key_init(LedgerKey *k, FunctionCallInfo fcinfo, int n, const char *function)
{
	/* a function created before the key existed has no argument n */
	char	   *key = PG_NARGS() > n
		? fintech_text_arg(fcinfo, n, "idempotency_key", FT_ARG_OPTIONAL, LEDGER_KEY_MAXCHARS)
		: NULL;

	ledger_key_start(k, key, function);
}

void
ledger_key_field(LedgerKey *k, const char *value)
{
	if (k->key)
		fintech_canon_field(&k->canon, value);
}

void
ledger_key_int(LedgerKey *k, int64 value, bool isnull)
{
	if (k->key)
		fintech_canon_field(&k->canon, isnull ? NULL : psprintf(INT64_FORMAT, value));
}

void
ledger_key_entry(LedgerKey *k, const EntrySpec *e)
{
	if (k->key == NULL)
		return;
	ledger_key_int(k, e->nlegs, false);
	for (int i = 0; i < e->nlegs; i++)
	{
		ledger_key_field(k, e->legs[i].code);
		ledger_key_int(k, e->legs[i].amount, false);
	}
	ledger_key_field(k, e->description ? text_to_cstring(e->description) : NULL);
	ledger_key_field(k, JsonbToCString(NULL, &e->metadata->root, VARSIZE(e->metadata)));
	ledger_key_field(k, e->pending_for
					 ? DatumGetCString(DirectFunctionCall1(interval_out,
														   IntervalPGetDatum(e->pending_for)))
					 : NULL);
}

/* LD005: the key names another request */
static void
key_reused(LedgerKey *k, const char *function)
{
	if (strcmp(function, k->function) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_LD005),
				 errmsg("idempotency key \"%s\" was already used for a different request", k->key),
				 errdetail("It was used by fintech.%s (entry " INT64_FORMAT "), not fintech.%s.",
						   function, k->entry_id, k->function),
				 errhint("Use a new key for a new request; retry with the same request to get the first result.")));
	ereport(ERROR,
			(errcode(ERRCODE_LD005),
			 errmsg("idempotency key \"%s\" was already used for a different request", k->key),
			 errdetail("It was used by fintech.%s (entry " INT64_FORMAT ") with other arguments.",
					   function, k->entry_id),
			 errhint("Use a new key for a new request; retry with the same request to get the first result.")));
}

/*
 * The key is taken by a committed row (in slot): a replay of the same
 * request, or LD005.  In REPEATABLE READ or SERIALIZABLE a row the
 * transaction's snapshot cannot see is a serialization failure (as for
 * INSERT ... ON CONFLICT).
 */
static void
key_taken(LedgerKey *k, Relation rel, TupleTableSlot *slot, const uint8 *hash)
{
	bool		isnull;
	char	   *function;
	bytea	   *stored;

	if (IsolationUsesXactSnapshot() &&
		!table_tuple_satisfies_snapshot(rel, slot, GetActiveSnapshot()))
	{
		TransactionId xmin;
		bool		isnull2;
		Datum		d = slot_getsysattr(slot, MinTransactionIdAttributeNumber, &isnull2);

		xmin = DatumGetTransactionId(d);
		if (!TransactionIdIsCurrentTransactionId(xmin))
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("could not serialize access due to concurrent update"),
					 errdetail("Idempotency key \"%s\" was claimed by a transaction this one cannot see.",
							   k->key)));
	}
	function = TextDatumGetCString(slot_getattr(slot, 2, &isnull));
	stored = DatumGetByteaPP(slot_getattr(slot, 3, &isnull));
	k->entry_id = DatumGetInt64(slot_getattr(slot, 4, &isnull));
	if (strcmp(function, k->function) != 0 ||
		VARSIZE_ANY_EXHDR(stored) != KEYS_HASH_BYTES ||
		memcmp(VARDATA_ANY(stored), hash, KEYS_HASH_BYTES) != 0)
		key_reused(k, function);
	k->replay = true;
}

bool
ledger_key_claim(LedgerKey *k)
{
	uint8		hash[PG_SHA256_DIGEST_LENGTH];
	Datum		v[KEYS_NATTS];
	KeysOids	o;
	Relation	rel;
	Relation	pkey;
	bool		others;
	TupleTableSlot *slot;

	if (k->key == NULL)
		return false;
	fintech_sha256(k->canon.data, k->canon.len, hash);
	o = keys_oids();
	rel = keys_open(&o, &pkey, &others);
	slot = table_slot_create(rel, NULL);
	v[0] = CStringGetTextDatum(k->key);
	v[1] = CStringGetTextDatum(k->function);
	v[2] = PointerGetDatum(palloc(VARHDRSZ + KEYS_HASH_BYTES));
	SET_VARSIZE(DatumGetPointer(v[2]), VARHDRSZ + KEYS_HASH_BYTES);
	memcpy(VARDATA(DatumGetPointer(v[2])), hash, KEYS_HASH_BYTES);
	v[3] = (Datum) 0;
	v[4] = TimestampTzGetDatum(GetCurrentTimestamp());	/* clock_timestamp() */
	for (;;)
	{
		bool		waited;

		CHECK_FOR_INTERRUPTS();
		if (keys_probe(rel, pkey, v[0], slot, &waited))
		{
			if (waited)
				continue;		/* the other transaction ended: look again */
			key_taken(k, rel, slot, hash);
			break;
		}
		if (v[3] == (Datum) 0)
		{
			k->entry_id = nextval_internal(o.seq, false);
			v[3] = Int64GetDatum(k->entry_id);
		}
		if (keys_insert(rel, pkey, others, v, &k->tid))
			break;				/* ours */
	}
	ExecDropSingleTupleTableSlot(slot);
	index_close(pkey, NoLock);
	table_close(rel, NoLock);
	return k->replay;
}

void
ledger_key_release(LedgerKey *k)
{
	Relation	rel;

	if (k->key == NULL || k->replay)
		return;
	rel = table_open(keys_oids().rel, RowExclusiveLock);
	/* the claim was made by this command (keys_insert) */
	CommandCounterIncrement();
	simple_heap_delete(rel, &k->tid);
	table_close(rel, NoLock);
}

/*
 * Pruning sweeps the table a slice at a time.  fintech.ledger_keys has no
 * index on created_at (every keyed write would pay for one), so finding
 * the old keys is a scan; scanning the whole table on every run would read
 * it once a minute when nothing is due (a week of keys: gigabytes).  Each
 * run reads the next SWEEP_SLICE pages or more (1/SWEEP_RUNS of the table
 * when that is more), from where the last run stopped, wrapping at the
 * end: a key is forgotten within SWEEP_RUNS runs after its retention ends,
 * and a table of up to SWEEP_SLICE pages (8 MB) is read whole every run.
 * A slice that has more old keys than a batch is taken up again by the
 * next call.  The position lives in the process that runs the job (the
 * launcher), and starts at the first page again when it restarts.
 */
#define SWEEP_SLICE 1024
#define SWEEP_RUNS	60

static BlockNumber sweep_next = 0;

static Datum
page_tid(BlockNumber block)
{
	ItemPointer tid = palloc(sizeof(ItemPointerData));

	ItemPointerSet(tid, block, 0);	/* before the page's first item */
	return PointerGetDatum(tid);
}

int64
ledger_keys_prune(Datum cutoff, int batch)
{
	Oid			relid = get_relname_relid("ledger_keys", get_namespace_oid("fintech", false));
	Relation	rel;
	BlockNumber nblocks;
	BlockNumber budget;
	bool		wrapped = false;
	int64		deleted = 0;
	Oid			prune_types[4] = {TIMESTAMPTZOID, INT4OID, TIDOID, TIDOID};

	if (!OidIsValid(relid))
		return 0;				/* not updated to 0.6.0 yet: no ledger keys */
	rel = table_open(relid, AccessShareLock);
	nblocks = RelationGetNumberOfBlocks(rel);
	table_close(rel, AccessShareLock);
	budget = Max(SWEEP_SLICE, nblocks / SWEEP_RUNS);
	while (budget > 0 && deleted < batch)
	{
		BlockNumber chunk;
		Datum		v[4];
		int64		want = batch - deleted;

		CHECK_FOR_INTERRUPTS();
		if (sweep_next >= nblocks)
		{
			if (wrapped || nblocks == 0)
				break;			/* the whole table read in this call */
			sweep_next = 0;
			wrapped = true;
		}
		chunk = Min(Min(budget, SWEEP_SLICE), nblocks - sweep_next);
		v[0] = cutoff;
		v[1] = Int32GetDatum((int32) want);
		v[2] = page_tid(sweep_next);
		v[3] = page_tid(sweep_next + chunk);
		if (SPI_execute_with_args(PRUNE_SQL, 4, prune_types, v, NULL, false, 0) != SPI_OK_DELETE)
			elog(ERROR, "could not prune ledger idempotency keys");
		deleted += (int64) SPI_processed;
		/* a chunk that filled the batch may have more: the next call reads it again */
		if ((int64) SPI_processed < want)
			sweep_next += chunk;
		budget -= chunk;
	}
	return deleted;
}
