/*-------------------------------------------------------------------------
 *
 * posting_bulk.c
 *	  The posting engine's direct writes: the rows it queued
 *	  (posting_write.c) written straight into the heap and the indexes,
 *	  without an SQL statement, as audit_log.c and events.c write theirs --
 *	  entries and postings for every call (a transfer's two postings as a
 *	  batch's thousands), a batch's events, and every account the call
 *	  locked with a lock statement (bulk_update_accounts).
 *
 *	  - entries and postings: heap_multi_insert (one WAL record per page
 *	    instead of one per row; NOT NULL checked on the values, the
 *	    table's CHECK constraints by ExecConstraints as the INSERT checks
 *	    them), then each row's index entries, and each
 *	    row's AFTER ROW INSERT triggers queued and fired when the rows are
 *	    written, as the INSERT statement fires them -- except the audit
 *	    trigger of fintech.entries when it is the only one: then the
 *	    chunk's audit row, one for all its entries (entry_ids), is
 *	    written right after it by audit_capture.c (no trigger event per
 *	    entry);
 *	  - accounts: each dirty account's folded state (balance, pending_out,
 *	    pending_in, last_seq) by heap_update of the row version the call
 *	    locked (posting_lock.c returns its ctid): a HOT update, no index
 *	    entry; the new version is a copy of the locked one with those four
 *	    int8 columns overwritten in place.  Its triggers are not fired: the only UPDATE triggers this
 *	    path accepts on fintech.accounts are the audit trigger, which logs
 *	    nothing for a change of the folded state alone (it is derivable,
 *	    docs/audit.md), and the foreign keys' checks, which skip a row whose
 *	    keys did not change.
 *
 * Each function first checks that the direct write is the same as the SQL
 * statement's: a plain table, no row security, exactly the columns
 * expected, no trigger the path does not reproduce (a BEFORE, INSTEAD OF
 * or statement trigger, a transition table, another UPDATE trigger on
 * accounts), and for the accounts' update no CHECK constraint (the
 * inserts check theirs, ExecConstraints).  Otherwise it writes nothing
 * and returns false, and the caller writes with SQL (posting_write.c).  An account whose locked row
 * version is no longer the latest (not expected: the call holds its row
 * lock) is written with SQL as well.
 *
 * What bulk_insert finds out about a table (its OID, its columns' map,
 * its indexes' IndexInfo with their predicates and expressions compiled)
 * is kept for the backend's next calls by posting_bulk_rel.c, which says
 * when it is forgotten; no relation stays open between calls.
 *
 * Locking: RowExclusiveLock on the tables written (what an INSERT or
 * UPDATE takes) and on their indexes (those of an insert held to the end
 * of the transaction when posting_bulk_rel.c keeps them; otherwise
 * released at the end of the write, as the executor does); the accounts'
 * rows are already locked FOR NO KEY UPDATE by the call (posting_lock.c),
 * whose lock order is unchanged.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/index.h"
#include "catalog/pg_class.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "storage/bufmgr.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/relcache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "account_tid_cache.h"
#include "audit_capture.h"
#include "audit_log.h"
#include "ledger.h"
#include "posting.h"
#include "posting_bulk.h"
#include "posting_bulk_rel.h"
#include "posting_write.h"

/*
 * rows per heap_multi_insert (as COPY); also the most entries one audit
 * row (one leaf) stands for, which bounds a leaf's size
 */
#define BULK_CHUNK 1000
/* up to this many rows, the slots pin the relation's descriptor (bulk_insert) */
#define FEW_ROWS 8

/* the folded state's columns of fintech.accounts, after its id */
static const char *const account_cols[] = {"id", "balance", "pending_out", "pending_in", "last_seq"};

/* a relation of schema fintech, opened for writing */
static Relation
open_fintech(const char *relname)
{
	Oid			relid = get_relname_relid(relname, get_namespace_oid("fintech", false));

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table fintech.%s does not exist", relname)));
	return table_open(relid, RowExclusiveLock);
}

/* a plain table without row security: written straight as SQL would */
static bool
plain_table(Relation rel)
{
	return rel->rd_rel->relkind == RELKIND_RELATION && !rel->rd_rel->relrowsecurity;
}

/*
 * an executor state with the table as its one result relation, indexes
 * open (from br's kept state when there is one)
 */
static ResultRelInfo *
result_rel(Relation rel, BulkRel *br, EState **estate)
{
	ResultRelInfo *rri = makeNode(ResultRelInfo);

	*estate = CreateExecutorState();
	/* no range table: 0, so that no error path looks one up */
	InitResultRelInfo(rri, rel, 0, NULL, 0);
	bulk_rel_open_indexes(rri, br);
	(*estate)->es_opened_result_relations = lappend((*estate)->es_opened_result_relations, rri);
	return rri;
}

/* and closed: the slots the triggers made, the indexes, any trigger target relation */
static void
result_rel_close(EState *estate)
{
	ExecResetTupleTable(estate->es_tupleTable, false);
	ExecCloseResultRelations(estate);
	FreeExecutorState(estate);
}

bool
bulk_insert(const char *relname, const char *const *cols, RowBuf *b)
{
	Relation	rel;
	TupleDesc	desc;
	TupleDesc	slotdesc;
	TriggerDesc *td;
	int		   *map;
	EState	   *estate;
	ResultRelInfo *rri;
	TupleTableSlot **slots;
	Datum	   *values;
	bool	   *isnull;
	CommandId	cid;
	bool		not_null;
	bool		check_exprs;
	bool		direct_audit;
	bool		capture = false;
	BulkRel    *br;
	bool		cols_ok;

	if (b->nrows == 0)
		return true;
	br = bulk_rel(relname);
	rel = br ? bulk_rel_open(br, relname) : open_fintech(relname);
	desc = RelationGetDescr(rel);
	td = rel->trigdesc;
	if (br != NULL)
		cols_ok = bulk_rel_learn(br, rel, cols, b, &map);
	else
	{
		map = palloc(sizeof(int) * Max(desc->natts, 1));
		cols_ok = bulk_columns_match(desc, cols, b, map);
	}
	if (!plain_table(rel) || !cols_ok ||
		(td && (td->trig_insert_before_row || td->trig_insert_instead_row ||
				td->trig_insert_before_statement || td->trig_insert_after_statement ||
				td->trig_insert_new_table)))
	{
		table_close(rel, NoLock);
		return false;
	}

	/* the audit rows of the new rows written here, without a trigger event each */
	direct_audit = ft_audit_insert_direct(rel, &capture);

	rri = result_rel(rel, br, &estate);
	/*
	 * NOT NULL is checked on the row's values as they are laid out;
	 * ExecConstraints (which deforms the row again to check it) runs for a
	 * row that breaks it, to raise its error, and for every row when the
	 * table has CHECK constraints
	 */
	not_null = desc->constr && desc->constr->has_not_null;
	check_exprs = desc->constr && desc->constr->num_check > 0;
	cid = GetCurrentCommandId(true);
	values = palloc(sizeof(Datum) * desc->natts);
	isnull = palloc(sizeof(bool) * desc->natts);
	slots = palloc(sizeof(TupleTableSlot *) * Min(b->nrows, BULK_CHUNK));
	/*
	 * the slots of many rows on a copy of the descriptor, not
	 * reference-counted: a thousand slots pinning the relation's own would
	 * each be remembered, and forgotten by a linear search, by the resource
	 * owner; a transfer's few pin it (cheaper than the copy)
	 */
	slotdesc = b->nrows <= FEW_ROWS ? desc : CreateTupleDescCopy(desc);
	for (int i = 0; i < Min(b->nrows, BULK_CHUNK); i++)
		slots[i] = MakeSingleTupleTableSlot(slotdesc, &TTSOpsHeapTuple);

	AfterTriggerBeginQuery();
	for (int start = 0; start < b->nrows; start += BULK_CHUNK)
	{
		int			n = Min(BULK_CHUNK, b->nrows - start);

		for (int i = 0; i < n; i++)
		{
			bool		null_broken = false;

			CHECK_FOR_INTERRUPTS();
			for (int a = 0; a < desc->natts; a++)
			{
				int			c = map[a];

				values[a] = c < 0 ? (Datum) 0 : b->vals[c][start + i];
				isnull[a] = c < 0 ? true : b->nulls[c][start + i];
				null_broken |= not_null && isnull[a] && TupleDescAttr(desc, a)->attnotnull;
			}
			ExecClearTuple(slots[i]);
			ExecStoreHeapTuple(heap_form_tuple(desc, values, isnull), slots[i], true);
			if (null_broken || check_exprs)
				ExecConstraints(rri, slots[i], estate);
		}
		table_multi_insert(rel, slots, n, cid, 0, NULL);
		for (int i = 0; i < n; i++)
		{
			List	   *recheck;

			CHECK_FOR_INTERRUPTS();
			recheck = ExecInsertIndexTuples(rri, slots[i], estate, false, false, NULL, NIL);
			if (!direct_audit)
				ExecARInsertTriggers(estate, rri, slots[i], recheck, NULL);
			list_free(recheck);
			ResetPerTupleExprContext(estate);
		}
		if (capture)
			ft_audit_capture_inserted(rel, slots, n);
	}
	/*
	 * the queued AFTER ROW triggers fire here, as at the end of an INSERT
	 * (the audit trigger's writer kept open for all of them)
	 */
	audit_log_hold();
	PG_TRY();
	{
		AfterTriggerEndQuery(estate);
	}
	PG_CATCH();
	{
		audit_log_release(false);
		PG_RE_THROW();
	}
	PG_END_TRY();
	audit_log_release(true);

	for (int i = 0; i < Min(b->nrows, BULK_CHUNK); i++)
		ExecDropSingleTupleTableSlot(slots[i]);
	bulk_rel_close_indexes(rri, br);
	result_rel_close(estate);
	table_close(rel, NoLock);
	b->nrows = 0;
	CommandCounterIncrement();
	return true;
}

/*
 * The UPDATE triggers of fintech.accounts are only those this path may
 * leave unfired: the audit trigger (nothing to log for the folded state)
 * and the foreign keys' checks (keys unchanged).
 */
static bool
account_triggers_ok(Relation rel)
{
	TriggerDesc *td = rel->trigdesc;
	Oid			audit_fn;

	if (td == NULL)
		return true;
	if (td->trig_update_before_row || td->trig_update_instead_row ||
		td->trig_update_before_statement || td->trig_update_after_statement ||
		td->trig_update_old_table || td->trig_update_new_table)
		return false;
	audit_fn = ft_audit_trigger_fn();
	for (int i = 0; i < td->numtriggers; i++)
	{
		Trigger    *t = &td->triggers[i];

		if (!TRIGGER_FOR_UPDATE(t->tgtype))
			continue;
		if (t->tgisinternal && t->tgfoid == F_RI_FKEY_CHECK_UPD)
			continue;
		if (OidIsValid(audit_fn) && t->tgfoid == audit_fn && TRIGGER_FOR_ROW(t->tgtype) &&
			TRIGGER_FOR_AFTER(t->tgtype) && strcmp(t->tgname, "fintech_audit") == 0)
			continue;
		return false;
	}
	return true;
}

/* attribute numbers (1-based) of account_cols, all int8; false if any is missing */
static bool
account_attnums(TupleDesc desc, AttrNumber *attnums)
{
	for (int c = 0; c < lengthof(account_cols); c++)
	{
		attnums[c] = InvalidAttrNumber;
		for (int i = 0; i < desc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);

			if (!att->attisdropped && att->atttypid == INT8OID &&
				strcmp(NameStr(att->attname), account_cols[c]) == 0)
				attnums[c] = i + 1;
		}
		if (attnums[c] == InvalidAttrNumber)
			return false;
	}
	return true;
}

/*
 * Whether a new version that differs from the old only in the folded
 * state's columns has every index key of the old: no index reads one of
 * those columns (INDEX_ATTR_BITMAP_ALL: key columns, expressions and
 * predicates of every index), none is an exclusion constraint, and every
 * unique index is checked at once (not DEFERRABLE).
 */
static bool
keys_unchanged(ResultRelInfo *rri)
{
	Relation	rel = rri->ri_RelationDesc;
	AttrNumber	attnums[lengthof(account_cols)];
	Bitmapset  *indexed;
	bool		ok;

	if (!account_attnums(RelationGetDescr(rel), attnums))
		return false;
	indexed = RelationGetIndexAttrBitmap(rel, INDEX_ATTR_BITMAP_ALL);
	ok = true;
	for (int c = 1; c < lengthof(account_cols) && ok; c++)
		ok = !bms_is_member(attnums[c] - FirstLowInvalidHeapAttributeNumber, indexed);
	bms_free(indexed);
	for (int i = 0; i < rri->ri_NumIndices && ok; i++)
	{
		Relation	ind = rri->ri_IndexRelationDescs[i];

		ok = rri->ri_IndexRelationInfo[i]->ii_ExclusionOps == NULL &&
			(!ind->rd_index->indisunique || ind->rd_index->indimmediate);
	}
	return ok;
}

/*
 * The index entries of a version whose keys are the old version's
 * (keys_unchanged): what ExecInsertIndexTuples gives each index (the same
 * predicate test and index datums), without the uniqueness check, and
 * with the hint that the update left the key as it was.  The check would
 * find nothing: the old version, which this transaction holds locked, had
 * the same key and was the only live row with it, and a concurrent insert
 * of that key waits for this transaction on the old version's entry, as
 * it does now.  Skipping it matters while a snapshot keeps old versions:
 * the check fetches every version the index holds for the key, and under
 * a long snapshot (a pg_dump's, or other batches queued on these rows)
 * that grew with every batch (docs/benchmarks.md, session 20).  The hint
 * lets the btree delete those entries from a full page (bottom-up
 * deletion) once no snapshot needs them, instead of splitting it.
 */
static void
insert_same_keys(ResultRelInfo *rri, TupleTableSlot *slot, EState *estate)
{
	ExprContext *econtext = GetPerTupleExprContext(estate);

	econtext->ecxt_scantuple = slot;
	for (int i = 0; i < rri->ri_NumIndices; i++)
	{
		Relation	ind = rri->ri_IndexRelationDescs[i];
		IndexInfo  *ii = rri->ri_IndexRelationInfo[i];
		Datum		values[INDEX_MAX_KEYS];
		bool		isnull[INDEX_MAX_KEYS];

		if (ind == NULL || !ii->ii_ReadyForInserts)
			continue;
		if (ii->ii_Predicate != NIL)
		{
			if (ii->ii_PredicateState == NULL)
				ii->ii_PredicateState = ExecPrepareQual(ii->ii_Predicate, estate);
			if (!ExecQual(ii->ii_PredicateState, econtext))
				continue;
		}
		FormIndexDatum(ii, slot, estate, values, isnull);
		index_insert(ind, values, isnull, &slot->tts_tid, rri->ri_RelationDesc,
					 UNIQUE_CHECK_NO, true, ii);
	}
}

/*
 * A new version that is not heap-only (not a HOT update): every index gets
 * it, as the executor's update gives them (insert_same_keys when the keys
 * are unchanged, as they are on the table as installed).  The executor
 * state and the slot are made on the first call (*rri NULL) and kept for
 * the next ones; bulk_index_close ends them.
 */
void
bulk_index_version(Relation rel, HeapTuple tup, VersionIndexer *vi)
{
	if (vi->rri == NULL)
	{
		vi->rri = result_rel(rel, NULL, &vi->estate);
		vi->slot = MakeSingleTupleTableSlot(RelationGetDescr(rel), &TTSOpsHeapTuple);
		vi->same_keys = keys_unchanged(vi->rri);
	}
	ExecStoreHeapTuple(tup, vi->slot, false);
	if (vi->same_keys)
		insert_same_keys(vi->rri, vi->slot, vi->estate);
	else
		list_free(ExecInsertIndexTuples(vi->rri, vi->slot, vi->estate, false, false, NULL, NIL));
	ExecClearTuple(vi->slot);
	ResetPerTupleExprContext(vi->estate);
}

void
bulk_index_close(VersionIndexer *vi)
{
	if (vi->rri == NULL)
		return;
	ExecDropSingleTupleTableSlot(vi->slot);
	result_rel_close(vi->estate);
	memset(vi, 0, sizeof(*vi));
}

/*
 * The new version of an account: a copy of old with the folded state's
 * columns (attnums[1..], int8, fixed-width) overwritten where they lie.
 * The same row as heap_modify_tuple forms from old with those columns
 * replaced (the other columns' bytes, toasted or not, as they were), for
 * some 3,500 instructions less; NULL when one of them is NULL or not
 * stored in old (a column added after the row was written: its value is
 * the column's default, not in the row), and the caller uses
 * heap_modify_tuple.
 */
static HeapTuple
with_folded_state(HeapTuple old, TupleDesc desc, const AttrNumber *attnums, const int64 *state)
{
	HeapTupleHeader hdr = old->t_data;
	char	   *tp = (char *) hdr + hdr->t_hoff;
	bool		hasnulls = HeapTupleHasNulls(old);
	int			natts = HeapTupleHeaderGetNatts(hdr);
	uint32		off = 0;
	uint32		at[lengthof(account_cols)] = {0};
	int			maxatt = 0;
	HeapTuple	tup;

	for (int c = 1; c < lengthof(account_cols); c++)
		maxatt = Max(maxatt, attnums[c]);
	if (maxatt > natts)
		return NULL;
	/* the columns' offsets, as heap_deform_tuple walks the row */
	for (int i = 0; i < maxatt; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		bool		ours = false;

		for (int c = 1; c < lengthof(account_cols); c++)
			ours |= attnums[c] == i + 1;
		if (hasnulls && att_isnull(i, hdr->t_bits))
		{
			if (ours)
				return NULL;
			continue;
		}
		off = att_align_pointer(off, att->attalign, att->attlen, tp + off);
		for (int c = 1; c < lengthof(account_cols); c++)
			if (attnums[c] == i + 1)
				at[c] = off;
		off = att_addlength_pointer(off, att->attlen, tp + off);
	}
	tup = heap_copytuple(old);
	for (int c = 1; c < lengthof(account_cols); c++)
	{
		FT_CHECK(TupleDescAttr(desc, attnums[c] - 1)->attlen == sizeof(int64));
		memcpy((char *) tup->t_data + tup->t_data->t_hoff + at[c], &state[c - 1], sizeof(int64));
	}
	return tup;
}

/*
 * One locked account's folded state, by heap_update of its locked row
 * version; false when that version is not the account's latest (the
 * caller then writes it with SQL).
 */
static bool
update_account(Relation rel, const AttrNumber *attnums, Acct *a, CommandId cid,
			   VersionIndexer *vi)
{
	TupleDesc	desc = RelationGetDescr(rel);
	HeapTupleData old;
	Buffer		buf;
	HeapTuple	tup;
	const int64 state[] = {a->balance, a->pending_out, a->pending_in, a->last_seq};
	TM_FailureData tmfd;
	LockTupleMode lockmode;
	bool		isnull;

	if (!ItemPointerIsValid(&a->tid))
		return false;
	old.t_self = a->tid;
	if (!heap_fetch(rel, SnapshotAny, &old, &buf, false))
		return false;
	if (DatumGetInt64(heap_getattr(&old, attnums[0], desc, &isnull)) != a->id || isnull ||
		!ItemPointerEquals(&old.t_self, &old.t_data->t_ctid))
	{
		ReleaseBuffer(buf);
		return false;
	}
	tup = with_folded_state(&old, desc, attnums, state);
	if (tup == NULL)
	{
		Datum	   *values = palloc0(sizeof(Datum) * desc->natts);
		bool	   *nulls = palloc0(sizeof(bool) * desc->natts);
		bool	   *repl = palloc0(sizeof(bool) * desc->natts);

		for (int c = 1; c < lengthof(account_cols); c++)
		{
			values[attnums[c] - 1] = Int64GetDatum(state[c - 1]);
			repl[attnums[c] - 1] = true;
		}
		tup = heap_modify_tuple(&old, desc, values, nulls, repl);
	}
	ReleaseBuffer(buf);
	if (heap_update(rel, &a->tid, tup, cid, InvalidSnapshot, true, &tmfd, &lockmode) != TM_Ok)
		return false;
	if (!HeapTupleIsHeapOnly(tup))
		bulk_index_version(rel, tup, vi);
	ft_acct_tid_publish(a->code, &a->tid, &tup->t_self);
	a->tid = tup->t_self;
	return true;
}

bool
bulk_accounts_direct_ok(Relation rel)
{
	return plain_table(rel) && account_triggers_ok(rel);
}

bool
bulk_update_accounts(Ledger *L)
{
	Relation	rel = open_fintech("accounts");
	AttrNumber	attnums[lengthof(account_cols)];
	CommandId	cid;
	VersionIndexer vi = {0};

	/*
	 * (a CHECK constraint: the UPDATE statement checks it, heap_update
	 * does not; as the locking update's direct path, posting_lock_write.c,
	 * the statement then writes)
	 */
	if (!plain_table(rel) || !account_triggers_ok(rel) ||
		(RelationGetDescr(rel)->constr && RelationGetDescr(rel)->constr->num_check > 0) ||
		!account_attnums(RelationGetDescr(rel), attnums))
	{
		table_close(rel, NoLock);
		return false;
	}
	cid = GetCurrentCommandId(true);
	for (int i = 0; i < L->naccts; i++)
	{
		Acct	   *a = take_dirty(L, i);

		if (a != NULL && !update_account(rel, attnums, a, cid, &vi))
			write_account(a);
	}
	bulk_index_close(&vi);
	table_close(rel, NoLock);
	CommandCounterIncrement();
	return true;
}
