/*-------------------------------------------------------------------------
 *
 * audit_log.c
 *	  fintech.audit_log written straight into its heap and indexes, with no
 *	  SQL statement per row: the rows the capture trigger appends, and the
 *	  three columns (seq, row_hash, chain_hash) the sealer fills in.
 *
 * An append writes the row's one index entry itself when the table's
 * indexes are the install script's (the row, seq NULL, belongs only in
 * audit_log_unsealed), and so does the sealer's new version of a row (seq
 * set: only in audit_log_seq, with its unique check); both go through the
 * executor's insertion when the indexes are anything else; which it is, and that the columns are the expected
 * ones, is decided once per invalidation of the table, not per row.  A
 * batch's entries (audit_log_append_many) are one row that lists them all
 * (entry_ids, from 0.6.0 on: one heap insert, one index entry and, later,
 * one sealer update and one leaf for the whole batch); before the update to
 * 0.6.0 one row per entry, with one heap_multi_insert.
 *
 * Locks: RowExclusiveLock on fintech.audit_log, held to the end of the
 * transaction (and what nextval takes on its id sequence).  An append
 * needs nothing else: writers share no counter and no lock.  Only the
 * sealer updates rows, and only while it holds the head of the chain
 * (fintech.audit_head FOR UPDATE, see audit_seal.c), so no two sealers
 * write the same rows.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/toast_compression.h"
#include "access/toast_internals.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "storage/bufmgr.h"
#include "utils/array.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "audit_log.h"
#include "canon.h"
#include "relcache_inval.h"

static const char *const audit_log_columns[] = {
	"id", "table_name", "operation", "old_row", "new_row", "txid", "session_role",
	"calling_role", "changed_at", "seq", "row_hash", "chain_hash", "entry_id", "entry_ids"
};
/*
 * 0-based attribute indexes of the columns written apart (canon.h's
 * AUDIT_ENTRY_COL and AUDIT_ENTRIES_COL are 1-based column numbers)
 */
#define SEQ_ATT			9	/* seq, then row_hash, chain_hash */
#define ENTRY_ATT		(AUDIT_ENTRY_COL - 1)
#define ENTRIES_ATT		(AUDIT_ENTRIES_COL - 1)
/* entry_ids of this many bytes or more are compressed (128 entries) */
#define ENTRY_IDS_COMPRESS_MIN 1024

/*
 * The OIDs of fintech.audit_log and its id sequence, looked up once per
 * backend (the capture trigger runs for every changed row) and forgotten
 * when either relation is invalidated (DROP EXTENSION, ALTER TABLE).
 */
static Oid	audit_log_relid = InvalidOid;
static Oid	audit_log_seqid = InvalidOid;

/*
 * What an append knows of the table since its last invalidation (an index
 * created or dropped, ALTER TABLE, the update to 0.5.0 adding entry_id or
 * to 0.6.0 adding entry_ids): whether it has no entry_id yet (-1: not
 * looked at), whether it has entry_ids (-1: not looked at), whether its
 * columns were checked, and whether its indexes are the install script's
 * two (1: the row's entry goes straight into audit_log_unsealed; 0:
 * through the executor; -1: not looked at).
 */
static int	legacy_known = -1;
static int	batched_known = -1;
static bool columns_checked = false;
static int	indexes_known = -1;
static Oid	unsealed_idx = InvalidOid;
static Oid	sealed_idx = InvalidOid;	/* audit_log_seq, when indexes_known */

static void
audit_oids_inval(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == audit_log_relid || relid == audit_log_seqid)
	{
		audit_log_relid = audit_log_seqid = InvalidOid;
		legacy_known = batched_known = indexes_known = -1;
		columns_checked = false;
	}
}

/*
 * fintech.audit_log opened for writing straight into its heap and indexes,
 * by the capture trigger (inserts) and the sealer (updates).
 */
typedef struct AuditWriter
{
	Relation	rel;
	EState	   *estate;
	ResultRelInfo *rri;
	TupleTableSlot *slot;
} AuditWriter;

/* look up fintech.audit_log and its id sequence (cached) */
static void
audit_log_lookup(void)
{
	if (!OidIsValid(audit_log_relid) || !OidIsValid(audit_log_seqid))
	{
		Oid			nsp = get_namespace_oid("fintech", false);
		Oid			relid = get_relname_relid("audit_log", nsp);
		Oid			seq = get_relname_relid("audit_log_id_seq", nsp);

		if (!OidIsValid(relid) || !OidIsValid(seq))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("fintech.audit_log or its id sequence is missing")));
		ft_relcache_callback(audit_oids_inval, (Datum) 0);
		audit_log_relid = relid;
		audit_log_seqid = seq;
	}
}

/*
 * The log's tables are still those of a version before 0.5.0 (the library
 * was updated, ALTER EXTENSION fintech UPDATE not run yet): audit_log has
 * no entry_id, audit_head no chain_seq, there is no tree.  Capture then
 * logs entries by their image and the sealer extends the old hash chain,
 * as that version did, until the update.
 */
bool
ft_audit_log_legacy(void)
{
	bool		legacy;

	audit_log_lookup();
	if (legacy_known >= 0)
		return legacy_known;
	legacy = get_attnum(audit_log_relid, "entry_id") == InvalidAttrNumber;
	/* (the lookup may have run an invalidation: then ask again next time) */
	if (OidIsValid(audit_log_relid))
		legacy_known = legacy;
	return legacy;
}

/*
 * The log has entry_ids (updated to 0.6.0): a batch's entries are then one
 * row, and the sealer, the tree and the verifier read that column.
 */
bool
ft_audit_log_batched(void)
{
	bool		batched;

	audit_log_lookup();
	if (batched_known >= 0)
		return batched_known;
	batched = get_attnum(audit_log_relid, "entry_ids") != InvalidAttrNumber;
	if (OidIsValid(audit_log_relid))
		batched_known = batched;
	return batched;
}

/* the table's columns are those this file writes (its owner can alter it) */
static void
check_columns(TupleDesc desc)
{
	int			ncols = desc->natts;

	/*
	 * a refusal, not an internal error (before 0.5.0 it had no entry_id,
	 * before 0.6.0 no entry_ids, the last columns)
	 */
	if (ncols != lengthof(audit_log_columns) && ncols != AUDIT_ENTRY_COL - 1 &&
		ncols != AUDIT_ENTRY_COL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("fintech.audit_log has %d columns, expected %d",
						desc->natts, (int) lengthof(audit_log_columns))));
	for (int i = 0; i < ncols; i++)
		if (strcmp(NameStr(TupleDescAttr(desc, i)->attname), audit_log_columns[i]) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("column %d of fintech.audit_log is not %s",
							i + 1, audit_log_columns[i])));
	if (ncols >= AUDIT_ENTRIES_COL &&
		TupleDescAttr(desc, ENTRIES_ATT)->atttypid != INT8ARRAYOID)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("column %d of fintech.audit_log (entry_ids) is not of type int8[]",
						AUDIT_ENTRIES_COL)));
}

/* open fintech.audit_log and check that it has the columns this file writes */
static void
audit_writer_open(AuditWriter *w, Oid *seqid)
{
	TupleDesc	desc;

	audit_log_lookup();
	if (seqid)
		*seqid = audit_log_seqid;
	w->rel = table_open(audit_log_relid, RowExclusiveLock);
	desc = RelationGetDescr(w->rel);
	check_columns(desc);
	w->estate = CreateExecutorState();
	w->rri = makeNode(ResultRelInfo);
	InitResultRelInfo(w->rri, w->rel, 1, NULL, 0);
	ExecOpenIndices(w->rri, false);
	w->slot = MakeSingleTupleTableSlot(desc, &TTSOpsHeapTuple);
}

/*
 * The index entries of tup, just written to the heap at tup->t_self (each
 * index whose predicate it satisfies: audit_log_unsealed for a captured
 * row, audit_log_seq for a sealed one)
 */
static void
audit_writer_index(AuditWriter *w, HeapTuple tup)
{
	ExecStoreHeapTuple(tup, w->slot, false);
	/* update = false: that hint needs a range table this has not */
	(void) ExecInsertIndexTuples(w->rri, w->slot, w->estate, false, false, NULL, NIL);
	ExecClearTuple(w->slot);
	ResetPerTupleExprContext(w->estate);
}

static void
audit_writer_close(AuditWriter *w)
{
	ExecCloseIndices(w->rri);
	ExecDropSingleTupleTableSlot(w->slot);
	FreeExecutorState(w->estate);
	table_close(w->rel, NoLock);
}

/*
 * Between audit_log_hold() and audit_log_release() (a batch's entries,
 * when their capture goes through the trigger: posting_bulk.c) the
 * executor's writer, used when the table's indexes are not the install
 * script's, stays open from the first append on, instead of being opened
 * and closed for each row.
 */
static int	held_depth = 0;
static MemoryContext held_cxt = NULL;	/* the outermost holder's: outlives each trigger call */
static AuditWriter held_writer;
static bool held_open = false;

void
audit_log_hold(void)
{
	if (held_depth++ == 0)
	{
		held_cxt = CurrentMemoryContext;
		held_open = false;
	}
}

void
audit_log_release(bool close)
{
	Assert(held_depth > 0);
	if (--held_depth > 0)
		return;
	/* (after an error the transaction's abort releases what it held) */
	if (held_open && close)
		audit_writer_close(&held_writer);
	held_open = false;
	held_cxt = NULL;
}

/* is pred (an index predicate, implicit AND list) exactly "att <type>" of a column? */
static bool
is_null_test(List *pred, AttrNumber att, NullTestType type)
{
	NullTest   *t;

	if (list_length(pred) != 1 || !IsA(linitial(pred), NullTest))
		return false;
	t = linitial(pred);
	return t->nulltesttype == type && !t->argisrow && IsA(t->arg, Var) &&
		((Var *) t->arg)->varattno == att;
}

/*
 * The table's indexes are the install script's: audit_log_seq, a unique
 * btree on (seq) WHERE seq IS NOT NULL, and audit_log_unsealed, a btree on
 * (changed_at, id) WHERE seq IS NULL.  A captured row (seq NULL) then has
 * exactly one index entry, (changed_at, id) in audit_log_unsealed.
 */
static bool
indexes_are_known(Relation rel)
{
	List	   *indexes = RelationGetIndexList(rel);
	Oid			nsp = RelationGetNamespace(rel);
	Oid			seq_idx = get_relname_relid("audit_log_seq", nsp);
	Oid			unsealed = get_relname_relid("audit_log_unsealed", nsp);
	bool		known = list_length(indexes) == 2 && OidIsValid(seq_idx) && OidIsValid(unsealed) &&
		list_member_oid(indexes, seq_idx) && list_member_oid(indexes, unsealed);

	list_free(indexes);
	if (known)
	{
		Relation	idx = index_open(seq_idx, AccessShareLock);

		known = idx->rd_rel->relam == BTREE_AM_OID &&
			is_null_test(RelationGetIndexPredicate(idx), SEQ_ATT + 1, IS_NOT_NULL);
		index_close(idx, AccessShareLock);
	}
	if (known)
	{
		Relation	idx = index_open(unsealed, AccessShareLock);
		int2vector *keys = &idx->rd_index->indkey;

		known = idx->rd_rel->relam == BTREE_AM_OID && idx->rd_index->indnatts == 2 &&
			idx->rd_index->indnkeyatts == 2 && keys->values[0] == 9 && keys->values[1] == 1 &&
			RelationGetIndexExpressions(idx) == NIL &&
			is_null_test(RelationGetIndexPredicate(idx), SEQ_ATT + 1, IS_NULL);
		index_close(idx, AccessShareLock);
	}
	unsealed_idx = known ? unsealed : InvalidOid;
	sealed_idx = known ? seq_idx : InvalidOid;
	return known;
}

/*
 * count captured rows into fintech.audit_log: v/n are table_name ..
 * calling_role (n[i] == 'n': NULL), the same for every row, entry_ids[i]
 * each row's entry (0: none); ids[i] gets each row's id.  With one_row
 * (and count > 1, and a table that has entry_ids), a single row instead,
 * entry_id NULL and entry_ids the count entries in their order; ids[0]
 * gets its id.  Written straight
 * into the heap (one heap_multi_insert for more than one row) and, with
 * the install script's indexes, straight into audit_log_unsealed; else
 * each row's index entries through the executor.  audit_log has no
 * triggers on INSERT and no constraints besides NOT NULL, which the values
 * here satisfy.
 */
static void
append_rows(Datum *v, const char *n, const int64 *entry_ids, int count, int64 *ids,
			bool one_row)
{
	Oid			relid;
	Oid			seqid;
	Relation	rel;
	TupleDesc	desc;
	Datum		values[lengthof(audit_log_columns)];
	bool		nulls[lengthof(audit_log_columns)];
	HeapTuple  *tups = palloc(sizeof(HeapTuple) * count);
	bool		direct;

	/* the cached OIDs, copied: table_open accepts invalidations, which reset them */
	audit_log_lookup();
	relid = audit_log_relid;
	seqid = audit_log_seqid;
	rel = table_open(relid, RowExclusiveLock);
	desc = RelationGetDescr(rel);
	if (!columns_checked)
	{
		check_columns(desc);
		columns_checked = true;
	}
	if (indexes_known < 0)
		indexes_known = indexes_are_known(rel);
	direct = indexes_known > 0 && OidIsValid(unsealed_idx);

	memset(nulls, true, sizeof(nulls));
	for (int i = 0; i < 7; i++)
	{
		values[i + 1] = v[i];
		nulls[i + 1] = n[i] == 'n';
	}
	/*
	 * The transaction id first, then the clock: the seal job's horizon
	 * (audit_seal.c) is no later than the start of every transaction that
	 * has an id when it looks, so a row whose transaction had none then is
	 * captured after the look, however long building the rows below takes
	 * (every value's nextval, a batch's compression).  The heap insert
	 * would assign the id anyway; most captures already have one.
	 */
	(void) GetCurrentTransactionId();
	values[8] = TimestampTzGetDatum(GetCurrentTimestamp());
	nulls[0] = nulls[8] = false;
	if (one_row && count > 1 && desc->natts >= AUDIT_ENTRIES_COL)
	{
		/*
		 * The batch's row: its entries as an int8[] (8 bytes each).  A
		 * long one is LZ4-compressed here where the server has LZ4
		 * (about half the size for ids of one batch); entry_ids has
		 * STORAGE EXTERNAL, so the toaster moves it out of line as it is,
		 * where the sealer's update of the row does not copy it, and
		 * never compresses it with pglz, which took 13 million
		 * instructions for the 8 kB of a batch of 1,000 (callgrind): more
		 * than the 1,000 audit rows it replaces.
		 */
		Datum	   *elems = palloc(sizeof(Datum) * count);
		Datum		arr;

		for (int r = 0; r < count; r++)
			elems[r] = Int64GetDatum(entry_ids[r]);
		arr = PointerGetDatum(construct_array(elems, count, INT8OID, 8, FLOAT8PASSBYVAL,
											  TYPALIGN_DOUBLE));
#ifdef USE_LZ4
		if (VARSIZE(DatumGetPointer(arr)) >= ENTRY_IDS_COMPRESS_MIN)
		{
			Datum		c = toast_compress_datum(arr, TOAST_LZ4_COMPRESSION);

			if (DatumGetPointer(c) != NULL)
				arr = c;
		}
#endif
		values[ENTRIES_ATT] = arr;
		nulls[ENTRIES_ATT] = false;
		pfree(elems);
		count = 1;
		entry_ids = NULL;
	}
	for (int r = 0; r < count; r++)
	{
		CHECK_FOR_INTERRUPTS();
		ids[r] = nextval_internal(seqid, false);
		values[0] = Int64GetDatum(ids[r]);
		nulls[ENTRY_ATT] = true;
		if (entry_ids && entry_ids[r] != 0 && desc->natts >= AUDIT_ENTRY_COL)
		{
			values[ENTRY_ATT] = Int64GetDatum(entry_ids[r]);
			nulls[ENTRY_ATT] = false;
		}
		tups[r] = heap_form_tuple(desc, values, nulls);
	}

	if (count == 1)
		simple_heap_insert(rel, tups[0]);
	else
	{
		TupleTableSlot **slots = palloc(sizeof(TupleTableSlot *) * count);
		TupleDesc	slotdesc = CreateTupleDescCopy(desc);

		/* (slots on a copy of the descriptor: see posting_bulk.c) */
		for (int r = 0; r < count; r++)
		{
			slots[r] = MakeSingleTupleTableSlot(slotdesc, &TTSOpsHeapTuple);
			ExecStoreHeapTuple(tups[r], slots[r], false);
		}
		table_multi_insert(rel, slots, count, GetCurrentCommandId(true), 0, NULL);
		for (int r = 0; r < count; r++)
		{
			tups[r]->t_self = slots[r]->tts_tid;
			ExecDropSingleTupleTableSlot(slots[r]);
		}
		pfree(slots);
	}

	if (direct)
	{
		Relation	idx = index_open(unsealed_idx, RowExclusiveLock);
		IndexInfo  *ii = makeNode(IndexInfo);	/* (a btree does not read it) */
		Datum		key[2];
		bool		keynull[2] = {false, false};

		key[0] = values[8];
		for (int r = 0; r < count; r++)
		{
			CHECK_FOR_INTERRUPTS();
			key[1] = Int64GetDatum(ids[r]);
			(void) index_insert(idx, key, keynull, &tups[r]->t_self, rel,
								UNIQUE_CHECK_NO, false, ii);
		}
		index_close(idx, NoLock);
	}
	else
	{
		AuditWriter w;

		if (held_depth > 0 && !held_open)
		{
			MemoryContext old = MemoryContextSwitchTo(held_cxt);

			audit_writer_open(&held_writer, NULL);
			MemoryContextSwitchTo(old);
			held_open = true;
		}
		if (held_depth > 0)
			w = held_writer;
		else
			audit_writer_open(&w, NULL);
		for (int r = 0; r < count; r++)
		{
			CHECK_FOR_INTERRUPTS();
			audit_writer_index(&w, tups[r]);
		}
		if (held_depth == 0)
			audit_writer_close(&w);
	}
	for (int r = 0; r < count; r++)
		heap_freetuple(tups[r]);
	pfree(tups);
	table_close(rel, NoLock);
}

int64
audit_log_append(Datum *v, const char *n, int64 entry_id)
{
	int64		id;

	append_rows(v, n, &entry_id, 1, &id, false);
	return id;
}

void
audit_log_append_many(Datum *v, const char *n, const int64 *entry_ids, int count)
{
	int64	   *ids = palloc(sizeof(int64) * count);

	if (count > 0)
		append_rows(v, n, entry_ids, count, ids, true);
	pfree(ids);
}

/*
 * audit_log_seal: write seq, row_hash and chain_hash into the n rows at tids (unsealed,
 * committed, read by the caller after it locked the head of the chain).
 * Straight into the heap: only sealers change audit rows, one at a time,
 * and the row trigger that refuses everyone else's UPDATEs would lock each
 * row first (a WAL record per row).  The new version is formed from the old
 * one with only the three columns filled in; fintech.audit_log's fillfactor
 * leaves room for it on the same page, where PostgreSQL logs only the bytes
 * that changed, not the whole captured row again.
 */
void
audit_log_seal(uint64 n, ItemPointerData *tids, Datum *seqs, Datum *rowhs, Datum *chains)
{
	AuditWriter w;
	TupleDesc	desc;
	int			seqcol = SEQ_ATT;
	Snapshot	snap = GetLatestSnapshot();
	Datum	   *values;
	bool	   *nulls;
	int			seq_index = -1;

	Assert(strcmp(audit_log_columns[seqcol], "seq") == 0);
	audit_writer_open(&w, NULL);
	desc = RelationGetDescr(w.rel);

	/*
	 * With the install script's indexes a sealed version (seq set) belongs
	 * in audit_log_seq alone: its entry goes straight in, with the unique
	 * check the executor's insertion makes, instead of through
	 * ExecInsertIndexTuples, which tests both partial indexes' predicates
	 * for each row (some 4,000 instructions a row); any other set of
	 * indexes goes through the executor
	 */
	if (indexes_known < 0)
		indexes_known = indexes_are_known(w.rel);
	if (indexes_known > 0 && OidIsValid(sealed_idx))
		for (int i = 0; i < w.rri->ri_NumIndices; i++)
			if (RelationGetRelid(w.rri->ri_IndexRelationDescs[i]) == sealed_idx &&
				w.rri->ri_IndexRelationInfo[i]->ii_ReadyForInserts)
				seq_index = i;
	values = palloc(sizeof(Datum) * desc->natts);
	nulls = palloc(sizeof(bool) * desc->natts);
	for (uint64 r = 0; r < n; r++)
	{
		HeapTupleData old;
		HeapTuple	tup;
		Buffer		buf;

		CHECK_FOR_INTERRUPTS();
		old.t_self = tids[r];
		/*
		 * Only a change that bypassed the immutability trigger (a superuser's
		 * session_replication_role = replica) can get here first
		 */
		if (!heap_fetch(w.rel, snap, &old, &buf, false))
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("audit row (%u,%u) vanished while it was sealed",
							ItemPointerGetBlockNumber(&old.t_self),
							ItemPointerGetOffsetNumber(&old.t_self))));
		heap_deform_tuple(&old, desc, values, nulls);
		if (!nulls[seqcol])
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("audit row " INT64_FORMAT " was sealed by someone else",
							DatumGetInt64(values[0]))));
		values[seqcol] = seqs[r];
		values[seqcol + 1] = rowhs[r];
		nulls[seqcol] = nulls[seqcol + 1] = false;
		if (chains)
		{
			values[seqcol + 2] = chains[r];
			nulls[seqcol + 2] = false;
		}
		tup = heap_form_tuple(desc, values, nulls);
		ReleaseBuffer(buf);		/* values pointed into the page until here */
		simple_heap_update(w.rel, &old.t_self, tup);
		if (!HeapTupleIsHeapOnly(tup) && seq_index >= 0)
		{
			bool		keynull = false;

			(void) index_insert(w.rri->ri_IndexRelationDescs[seq_index], &values[seqcol],
								&keynull, &tup->t_self, w.rel, UNIQUE_CHECK_YES, false,
								w.rri->ri_IndexRelationInfo[seq_index]);
		}
		else if (!HeapTupleIsHeapOnly(tup))
			audit_writer_index(&w, tup);
		heap_freetuple(tup);
	}
	audit_writer_close(&w);
	/* what follows (the head's UPDATE, the next batch) sees these rows */
	CommandCounterIncrement();
}
