/*-------------------------------------------------------------------------
 *
 * audit_log.c
 *	  fintech.audit_log written straight into its heap and indexes, with no
 *	  SQL statement per row: the rows the capture trigger appends, and the
 *	  three columns (seq, row_hash, chain_hash) the sealer fills in.
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

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "commands/sequence.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "audit_log.h"

static const char *const audit_log_columns[] = {
	"id", "table_name", "operation", "old_row", "new_row", "txid", "session_role",
	"calling_role", "changed_at", "seq", "row_hash", "chain_hash", "entry_id"
};
#define AUDIT_SEQ_COL		9	/* 0-based: seq, then row_hash, chain_hash */
#define AUDIT_ENTRY_COL		12

/*
 * The OIDs of fintech.audit_log and its id sequence, looked up once per
 * backend (the capture trigger runs for every changed row) and forgotten
 * when either relation is invalidated (DROP EXTENSION, ALTER TABLE).
 */
static Oid	audit_log_relid = InvalidOid;
static Oid	audit_log_seqid = InvalidOid;

static void
audit_oids_inval(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == audit_log_relid || relid == audit_log_seqid)
		audit_log_relid = audit_log_seqid = InvalidOid;
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
	static bool callback_registered = false;

	if (!OidIsValid(audit_log_relid) || !OidIsValid(audit_log_seqid))
	{
		Oid			nsp = get_namespace_oid("fintech", false);
		Oid			relid = get_relname_relid("audit_log", nsp);
		Oid			seq = get_relname_relid("audit_log_id_seq", nsp);

		if (!OidIsValid(relid) || !OidIsValid(seq))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("fintech.audit_log or its id sequence is missing")));
		if (!callback_registered)
		{
			CacheRegisterRelcacheCallback(audit_oids_inval, (Datum) 0);
			callback_registered = true;
		}
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
	audit_log_lookup();
	return get_attnum(audit_log_relid, "entry_id") == InvalidAttrNumber;
}

/* open fintech.audit_log and check that it has the columns this file writes */
static void
audit_writer_open(AuditWriter *w, Oid *seqid)
{
	TupleDesc	desc;
	int			ncols;

	audit_log_lookup();
	if (seqid)
		*seqid = audit_log_seqid;
	w->rel = table_open(audit_log_relid, RowExclusiveLock);
	desc = RelationGetDescr(w->rel);
	/*
	 * the table's owner can alter it: a refusal, not an internal error
	 * (before 0.5.0 it had no entry_id, the last column)
	 */
	ncols = desc->natts;
	if (ncols != lengthof(audit_log_columns) && ncols != AUDIT_ENTRY_COL)
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
 * audit_log_append: one captured row into fintech.audit_log; v/n are
 * table_name .. calling_role (n[i] == 'n': NULL), the row images as they
 * are to be stored.  Written straight into the heap and its indexes (no SQL
 * statement per audit row: the trigger runs once per changed row of every
 * audited table); audit_log has no triggers on INSERT and no constraints
 * besides NOT NULL, which the values here satisfy.  Returns the row's id.
 */
/*
 * Between audit_log_hold() and audit_log_release() (a batch's entries,
 * posting_bulk.c) the writer stays open from the first append on, instead
 * of being opened and closed for each row.
 */
static int	held_depth = 0;
static MemoryContext held_cxt = NULL;	/* the outermost holder's: outlives each trigger call */
static AuditWriter held_writer;
static Oid	held_seqid;
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

int64
audit_log_append(Datum *v, const char *n, int64 entry_id)
{
	AuditWriter w;
	Oid			seqid;
	Datum		values[lengthof(audit_log_columns)];
	bool		nulls[lengthof(audit_log_columns)];
	HeapTuple	tup;

	if (held_depth > 0 && !held_open)
	{
		MemoryContext old = MemoryContextSwitchTo(held_cxt);

		audit_writer_open(&held_writer, &held_seqid);
		MemoryContextSwitchTo(old);
		held_open = true;
	}
	if (held_depth > 0)
	{
		w = held_writer;
		seqid = held_seqid;
	}
	else
		audit_writer_open(&w, &seqid);
	memset(nulls, true, sizeof(nulls));
	values[0] = Int64GetDatum(nextval_internal(seqid, false));
	nulls[0] = false;
	for (int i = 0; i < 7; i++)
	{
		values[i + 1] = v[i];
		nulls[i + 1] = n[i] == 'n';
	}
	values[8] = TimestampTzGetDatum(GetCurrentTimestamp());
	nulls[8] = false;
	if (entry_id != 0 && RelationGetDescr(w.rel)->natts > AUDIT_ENTRY_COL)
	{
		values[AUDIT_ENTRY_COL] = Int64GetDatum(entry_id);
		nulls[AUDIT_ENTRY_COL] = false;
	}

	tup = heap_form_tuple(RelationGetDescr(w.rel), values, nulls);
	simple_heap_insert(w.rel, tup);
	audit_writer_index(&w, tup);
	if (held_depth == 0)
		audit_writer_close(&w);
	return DatumGetInt64(values[0]);
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
	int			seqcol = AUDIT_SEQ_COL;
	Snapshot	snap = GetLatestSnapshot();
	Datum	   *values;
	bool	   *nulls;

	Assert(strcmp(audit_log_columns[seqcol], "seq") == 0);
	audit_writer_open(&w, NULL);
	desc = RelationGetDescr(w.rel);
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
		if (!HeapTupleIsHeapOnly(tup))
			audit_writer_index(&w, tup);
		heap_freetuple(tup);
	}
	audit_writer_close(&w);
	/* what follows (the head's UPDATE, the next batch) sees these rows */
	CommandCounterIncrement();
}
