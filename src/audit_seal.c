/*-------------------------------------------------------------------------
 *
 * audit_seal.c
 *	  The sealer of the audit trail: fintech.seal_audit() and the seal_audit
 *	  job, which link captured rows into the hash chain, in batches, and
 *	  move its head (fintech.audit_head).
 *
 * Sealing.  The sealer (fintech.seal_audit() or the seal_audit job) locks
 * the single row of fintech.audit_head, which serialises sealers, reads
 * the unsealed rows its snapshot sees (committed ones only: rows of
 * aborted transactions are never visible, rows of transactions that commit
 * later are sealed by a later run) in the order they were captured
 * (changed_at, the clock at capture: of two changes to the same row, the
 * later one was captured after the earlier one committed), and gives each
 * its place: seq (gapless
 * from 1), row_hash = SHA-256 of the row's canonical form, chain_hash =
 * SHA-256(previous chain_hash || row_hash).  Those three columns are
 * written once, from NULL; the captured content is never rewritten.
 * A batch is bounded by bytes as well as rows (SEAL_BATCH_BYTES): rows are
 * read as stored and hashed one at a time, so sealing a backlog of huge
 * rows costs about three times its largest row in memory, not the sum.
 *
 * Locks.  The head row is the only lock of the chain, and only sealers
 * take it (seal_audit() is an operator's right).  The job never waits for
 * it: when seal_audit() is held open in another transaction, the job
 * seals nothing and names that backend in fintech.worker_status.  It
 * cannot be otherwise: the rows such a transaction sealed are not
 * committed, and the chain continues from them.  Audit rows of open
 * transactions are invisible to the sealer, which seals the committed
 * rows around them and those rows after they commit (later in the chain,
 * in their capture order).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/detoast.h"
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "nodes/primnodes.h"
#include "storage/itemptr.h"
#include "utils/backend_status.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "fintech.h"
#include "immutable.h"
#include "audit_entry.h"
#include "audit_log.h"
#include "audit_seal.h"
#include "audit_tree.h"
#include "canon.h"
#include "jobs.h"

/*
 * One batch of the sealer (one transaction of the job; seal_audit() seals
 * a backlog in as many batches as it takes) ends at SEAL_BATCH rows or once
 * it holds SEAL_BATCH_BYTES of row images (detoasted size, counted before
 * a row is read), whichever comes first; a single row larger than the
 * budget is sealed alone.  Rows are read SEAL_FETCH at a time as stored
 * (their images stay TOAST pointers until hashed, one at a time), so a
 * batch's memory is a few kB per row plus what hashing its largest row
 * takes (see audit_row_hash in canon.c), not the sum of its images.
 */
#define SEAL_BATCH 5000
#define SEAL_BATCH_BYTES (4 * 1024 * 1024)
#define SEAL_FETCH 64
/*
 * A batch's row (entry_ids) counts toward SEAL_BATCH_BYTES as this many
 * bytes per entry (about an image's size: a batch of 1,000 transfers is
 * ~200 kB of leaf data), so one batch of the sealer stands for ~20,000
 * entries at most; a fetch stops taking rows once its entries reach
 * ENTRY_IMAGES_MAX (audit_entry.h), whose images it reads at once.
 */
#define ENTRY_IMAGE_BYTES 200

/* where a batch of seal_audit() ended: (changed_at, id) of its last row */
typedef struct SealKey
{
	Datum		changed_at;
	Datum		id;
} SealKey;

/*
 * Who holds the head of the chain, for the job's report: the backend whose
 * transaction locked the head row (its xmax), or a general note when it
 * cannot be named (several lockers, or one already gone).
 */
static char *
head_holder(void)
{
	if (SPI_execute("SELECT a.pid, a.usename, a.xact_start::pg_catalog.text"
					" FROM fintech.audit_head h"
					" JOIN pg_catalog.pg_locks l ON l.locktype OPERATOR(pg_catalog.=) 'transactionid'"
					"  AND l.mode OPERATOR(pg_catalog.=) 'ExclusiveLock' AND l.granted"
					"  AND l.transactionid OPERATOR(pg_catalog.=) h.xmax"
					" LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid OPERATOR(pg_catalog.=) l.pid"
					" LIMIT 1", true, 0) != SPI_OK_SELECT || SPI_processed != 1)
		return pstrdup("sealing waits: fintech.audit_head is locked by another transaction");
	return psprintf("sealing waits: fintech.audit_head is locked by pid %s (role %s, transaction started %s),"
					" a transaction that called fintech.seal_audit() and has not ended; rows captured"
					" since are sealed when it commits or rolls back",
					SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1),
					SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2),
					SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3));
}

/*
 * The unsealed rows are read straight from the partial index
 * audit_log_unsealed (changed_at, id) WHERE seq IS NULL, in its order
 * (capture order), and their heap tuples as stored (images stay TOAST
 * pointers until hashed): what "SELECT ... WHERE seq IS NULL ORDER BY
 * changed_at, id" did through SPI, without a plan, a portal and a copy of
 * each row into a tuple table.  The table's columns must be those the
 * canonical form reads by position (AUDIT_COLS), and the index that one.
 */
static const char *const seal_columns[] = {
	"id", "table_name", "operation", "old_row", "new_row", "txid", "session_role",
	"calling_role", "changed_at", "seq", "row_hash", "chain_hash", "entry_id", "entry_ids"
};
#define COL_ID			1
#define COL_CHANGED_AT	NCANON
#define COL_SEQ			(NCANON + 1)

typedef struct UnsealedScan
{
	Relation	rel;
	Relation	index;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	Snapshot	snap;
	const SealKey *after;
	MemoryContext cxt;			/* the scan's: what the index AM allocates
								 * as it goes (btree's killed items) lives
								 * as long as the scan */
} UnsealedScan;

static void
not_as_expected(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("%s is not as fintech created it", what),
			 errdetail("The sealer reads fintech.audit_log's columns id .. entry_ids in their order, "
					   "through the index audit_log_unsealed (changed_at, id) WHERE seq IS NULL.")));
}

/* is the index's predicate exactly "seq IS NULL"? */
static bool
predicate_is_unsealed(Relation index)
{
	List	   *pred = RelationGetIndexPredicate(index);
	NullTest   *nt;

	if (list_length(pred) != 1 || !IsA(linitial(pred), NullTest))
		return false;
	nt = linitial_node(NullTest, pred);
	return nt->nulltesttype == IS_NULL && !nt->argisrow && IsA(nt->arg, Var) &&
		((Var *) nt->arg)->varattno == COL_SEQ;
}

/*
 * Open the scan of the unsealed rows in a fresh snapshot (taken after the
 * head was locked: it sees the last sealer's work), from the start or
 * after a key.
 */
static void
unsealed_begin(UnsealedScan *us, const SealKey *after)
{
	Oid			nsp = get_namespace_oid("fintech", false);
	Oid			relid = get_relname_relid("audit_log", nsp);
	Oid			indexid = get_relname_relid("audit_log_unsealed", nsp);
	TupleDesc	desc;
	Form_pg_index ind;
	ScanKeyData key;

	if (!OidIsValid(relid) || !OidIsValid(indexid))
		not_as_expected("fintech.audit_log");
	us->rel = table_open(relid, AccessShareLock);
	desc = RelationGetDescr(us->rel);
	/*
	 * 14 columns, 13 before the update to 0.6.0 (no entry_ids), 12 before
	 * the update to 0.5.0 (no entry_id)
	 */
	if (desc->natts != lengthof(seal_columns) && desc->natts != lengthof(seal_columns) - 1 &&
		desc->natts != lengthof(seal_columns) - 2)
		not_as_expected("fintech.audit_log");
	for (int i = 0; i < desc->natts; i++)
		if (TupleDescAttr(desc, i)->attisdropped ||
			strcmp(NameStr(TupleDescAttr(desc, i)->attname), seal_columns[i]) != 0)
			not_as_expected("fintech.audit_log");
	/* the columns read here by value */
	if (TupleDescAttr(desc, COL_ID - 1)->atttypid != INT8OID ||
		TupleDescAttr(desc, COL_CHANGED_AT - 1)->atttypid != TIMESTAMPTZOID ||
		TupleDescAttr(desc, COL_SEQ - 1)->atttypid != INT8OID ||
		(desc->natts >= AUDIT_ENTRY_COL &&
		 TupleDescAttr(desc, AUDIT_ENTRY_COL - 1)->atttypid != INT8OID) ||
		(desc->natts >= AUDIT_ENTRIES_COL &&
		 TupleDescAttr(desc, AUDIT_ENTRIES_COL - 1)->atttypid != INT8ARRAYOID))
		not_as_expected("fintech.audit_log");
	us->index = index_open(indexid, AccessShareLock);
	ind = us->index->rd_index;
	/* its order is the capture order: both keys ascending, a B-tree */
	if (ind->indrelid != relid || ind->indnatts != 2 || us->index->rd_rel->relam != BTREE_AM_OID ||
		ind->indkey.values[0] != COL_CHANGED_AT || ind->indkey.values[1] != COL_ID ||
		us->index->rd_indoption[0] != 0 || us->index->rd_indoption[1] != 0 ||
		!predicate_is_unsealed(us->index))
		not_as_expected("fintech.audit_log_unsealed");

	/* what SPI does for a statement that may write: a fresh snapshot */
	CommandCounterIncrement();
	us->snap = RegisterSnapshot(GetTransactionSnapshot());
	us->after = after;
	us->cxt = CurrentMemoryContext;
	us->slot = table_slot_create(us->rel, NULL);
	if (after)
	{
		/* (changed_at, id) > after: changed_at >= here, the rest below */
		us->scan = index_beginscan(us->rel, us->index, us->snap, 1, 0);
		ScanKeyInit(&key, 1, BTGreaterEqualStrategyNumber, F_TIMESTAMPTZ_GE, after->changed_at);
		index_rescan(us->scan, &key, 1, NULL, 0);
	}
	else
	{
		us->scan = index_beginscan(us->rel, us->index, us->snap, 0, 0);
		index_rescan(us->scan, NULL, 0, NULL, 0);
	}
}

/*
 * What the sealer needs of a row besides its content, read from the
 * scan's slot (which deforms the row once) rather than from the copy
 */
typedef struct UnsealedRow
{
	HeapTuple	tup;			/* the row as stored, copied */
	Datum		id;				/* int8, by value */
	Datum		changed_at;		/* timestamptz, by value */
	int64		entry_id;		/* 0: none */
	int64	   *entry_ids;		/* a batch's entries (entry_ids), in `into` */
	int			nentries;		/* how many (0: not a batch's row) */
	Size		image_bytes;	/* old_row and new_row once detoasted, or
								 * the estimated size of its entries' images */
} UnsealedRow;

/* the next unsealed row into *row, copied into memory context `into`; false at the end */
static bool
unsealed_next(UnsealedScan *us, MemoryContext into, UnsealedRow *row)
{
	MemoryContext old = MemoryContextSwitchTo(us->cxt);
	TupleTableSlot *slot = us->slot;
	bool		found = false;

	while (index_getnext_slot(us->scan, ForwardScanDirection, slot))
	{
		int			natts = slot->tts_tupleDescriptor->natts;

		slot_getallattrs(slot);
		/* the predicate's promise, checked: a sealed version is never resealed */
		if (!slot->tts_isnull[COL_SEQ - 1])
			continue;
		if (us->after &&
			DatumGetTimestampTz(slot->tts_values[COL_CHANGED_AT - 1]) ==
			DatumGetTimestampTz(us->after->changed_at) &&
			DatumGetInt64(slot->tts_values[COL_ID - 1]) <= DatumGetInt64(us->after->id))
			continue;
		row->id = slot->tts_values[COL_ID - 1];
		row->changed_at = slot->tts_values[COL_CHANGED_AT - 1];
		row->entry_id = natts >= AUDIT_ENTRY_COL && !slot->tts_isnull[AUDIT_ENTRY_COL - 1]
			? DatumGetInt64(slot->tts_values[AUDIT_ENTRY_COL - 1]) : 0;
		row->image_bytes = 0;
		for (int col = 4; col <= 5; col++)	/* old_row, new_row */
			if (!slot->tts_isnull[col - 1])
				row->image_bytes += toast_raw_datum_size(slot->tts_values[col - 1]);
		MemoryContextSwitchTo(into);
		row->entry_ids = NULL;
		row->nentries = 0;
		if (natts >= AUDIT_ENTRIES_COL && !slot->tts_isnull[AUDIT_ENTRIES_COL - 1])
		{
			row->nentries = ft_entry_ids_array(slot->tts_values[AUDIT_ENTRIES_COL - 1],
											   &row->entry_ids);
			row->image_bytes += (Size) row->nentries * ENTRY_IMAGE_BYTES;
		}
		row->tup = ExecCopySlotHeapTuple(slot);
		found = true;
		break;
	}
	MemoryContextSwitchTo(old);
	return found;
}

static void
unsealed_end(UnsealedScan *us)
{
	ExecDropSingleTupleTableSlot(us->slot);
	index_endscan(us->scan);
	UnregisterSnapshot(us->snap);
	index_close(us->index, AccessShareLock);
	table_close(us->rel, NoLock);	/* held to the end of the transaction */
}

/*
 * Seal up to `limit` committed, unsealed rows, and no more than
 * SEAL_BATCH_BYTES of row images (at least one row); returns how many.
 * *more is set when the batch ended at a limit.  With after, only rows
 * captured after that key are read (the next batch of one seal_audit()
 * call: within one transaction the index entries of the rows it sealed are
 * not yet dead, and reading from the start each time would make a large
 * backlog quadratic); *last is set to the key of the last row sealed.
 * wait = false (the job): when another transaction holds the head, seal
 * nothing and set *held_by to a report naming it.
 */
static int64
seal_some(int64 limit, bool *more, bool wait, const SealKey *after, SealKey *last,
		  char **held_by)
{
	int			ret;
	int64		last_seq,
				first_seq,
				chain_seq;
	bool		isnull;
	uint8		root[MERKLE_HASH];
	uint8		(*leaves)[MERKLE_HASH];
	/* not updated to 0.5.0 yet: extend the old hash chain (prev: its head) */
	bool		legacy = ft_audit_log_legacy();
	uint8		prev[MERKLE_HASH];
	bool		has_prev = false;
	Datum	   *chains = NULL;
	uint64		n = 0;
	Size		bytes = 0;
	UnsealedScan us;
	TupleDesc	desc;
	MemoryContext per_fetch;
	ItemPointerData *tids;
	Datum	   *seqs,
			   *rowhs;
	Oid			htypes[2] = {INT8OID, BYTEAOID};
	Datum		hv[2];
	Datum		last_id = 0,
				last_at = 0;
	bool		done = false;

	/*
	 * One sealer at a time: the head row is the chain's lock.  The job does
	 * not wait for it (the other jobs run in the same launcher): another
	 * sealer is at work, it will try again on its next run.  Only a sealer
	 * (seal_audit(), an operator's right) can lock the head; one left open
	 * in a transaction is named in worker_status (held_by).
	 */
	*more = false;
	for (int attempt = 0;; attempt++)
	{
		ret = SPI_execute(wait
						  ? (legacy ? "SELECT last_seq, last_hash FROM fintech.audit_head FOR UPDATE"
							 : "SELECT last_seq, chain_seq FROM fintech.audit_head FOR UPDATE")
						  : (legacy ? "SELECT last_seq, last_hash FROM fintech.audit_head FOR UPDATE SKIP LOCKED"
							 : "SELECT last_seq, chain_seq FROM fintech.audit_head FOR UPDATE SKIP LOCKED"),
						  false, 0);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "could not read fintech.audit_head");
		/* its primary key keeps one row, unless its owner dropped it */
		if (SPI_processed > 1)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("fintech.audit_head must have at most one row")));
		if (SPI_processed == 1 || attempt > 0)
			break;

		/*
		 * No head yet, or (the job) a head locked by another: the first
		 * seal creates it (CREATE EXTENSION does not, so that pg_dump's
		 * copy of it restores without a conflict).
		 */
		if (!wait)
		{
			if (SPI_execute("SELECT 1 FROM fintech.audit_head", true, 0) != SPI_OK_SELECT)
				elog(ERROR, "could not read fintech.audit_head");
			if (SPI_processed > 0)
			{
				if (held_by)
					*held_by = head_holder();
				return 0;		/* another sealer holds it */
			}
		}
		if (SPI_execute("INSERT INTO fintech.audit_head DEFAULT VALUES ON CONFLICT DO NOTHING",
						false, 0) != SPI_OK_INSERT)
			elog(ERROR, "could not create the head of the audit chain");
	}
	if (SPI_processed == 0)
	{
		/* deleted since the INSERT above, bypassing its trigger */
		if (wait)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("fintech.audit_head has no row")));
		if (held_by)
			*held_by = head_holder();
		return 0;				/* another sealer holds it */
	}
	last_seq = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	if (legacy)
	{
		chain_seq = 0;
		has_prev = audit_get_hash(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, prev);
	}
	else
		chain_seq = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	first_seq = last_seq;
	SPI_freetuptable(SPI_tuptable);

	/*
	 * Hash the rows in capture order, SEAL_FETCH at a time (the entries of
	 * a fetch are read at once), then write them all.  Each fetch's row
	 * copies are freed before the next: TOAST pointers, a few hundred
	 * bytes a row, whatever the size of the images.
	 */
	unsealed_begin(&us, after);
	desc = RelationGetDescr(us.rel);
	per_fetch = AllocSetContextCreate(CurrentMemoryContext, "fintech seal fetch",
									  ALLOCSET_DEFAULT_SIZES);
	tids = palloc(sizeof(ItemPointerData) * limit);
	seqs = palloc(sizeof(Datum) * limit);
	rowhs = palloc(sizeof(Datum) * limit);
	leaves = palloc(sizeof(*leaves) * limit);
	if (legacy)
		chains = palloc(sizeof(Datum) * limit);
	while (!done)
	{
		UnsealedRow rows[SEAL_FETCH];
		EntryIdList eids = {0};
		int			fetched = 0;
		EntryImages *images = NULL;
		MemoryContext outer = MemoryContextSwitchTo(per_fetch);

		MemoryContextReset(per_fetch);
		while (fetched < SEAL_FETCH && (int64) (n + fetched) < limit && eids.n < ENTRY_IMAGES_MAX)
		{
			UnsealedRow *row = &rows[fetched];

			CHECK_FOR_INTERRUPTS();
			if (!unsealed_next(&us, per_fetch, row))
			{
				done = true;
				break;
			}
			if (!legacy)
				ft_entry_ids_add(&eids, row->entry_id, row->entry_ids, row->nentries);
			fetched++;
		}
		/* the fetch's ledger entries, read at once, in the same snapshot */
		if (eids.n > 0)
			images = ft_entry_images_of(eids.ids, eids.n, us.snap);
		MemoryContextSwitchTo(outer);
		for (int r = 0; r < fetched; r++)
		{
			HeapTuple	tup = rows[r].tup;
			Size		size = rows[r].image_bytes;

			CHECK_FOR_INTERRUPTS();
			if (n > 0 && bytes + size > SEAL_BATCH_BYTES)
			{
				/* the budget is spent: this row starts the next batch */
				*more = true;
				done = true;
				break;
			}
			bytes += size;
			if (legacy)
			{
				/* leaves[n]: the row hash, then prev: the chain hash */
				audit_row_hash(tup, desc, leaves[n]);
				audit_chain_hash(prev, has_prev, leaves[n], prev);
				has_prev = true;
				chains[n] = PointerGetDatum(fintech_hash_bytea(prev));
			}
			else
				audit_leaf_hash(tup, desc, last_seq + 1, images, leaves[n]);
			last_seq++;
			tids[n] = tup->t_self;
			seqs[n] = Int64GetDatum(last_seq);
			rowhs[n] = PointerGetDatum(fintech_hash_bytea(leaves[n]));
			/* both by value (int8, timestamptz): they outlive the rows */
			last_id = rows[r].id;
			last_at = rows[r].changed_at;
			if ((int64) ++n == limit)
			{
				*more = true;
				done = true;
				break;
			}
		}
	}
	MemoryContextDelete(per_fetch);
	unsealed_end(&us);
	if (n == 0)
		return 0;

	fintech_internal_write = FT_WRITE_SEAL;
	PG_TRY();
	{
		audit_log_seal(n, tids, seqs, rowhs, chains);
		if (legacy)
			memcpy(root, prev, MERKLE_HASH);
		else
			ft_tree_append(chain_seq, first_seq, (int64) n, (const uint8 (*)[MERKLE_HASH]) leaves,
						   false, root);
		hv[0] = Int64GetDatum(last_seq);
		hv[1] = PointerGetDatum(fintech_hash_bytea(root));
		ret = SPI_execute_with_args("UPDATE fintech.audit_head SET last_seq = $1, last_hash = $2",
									2, htypes, hv, NULL, false, 0);
		if (ret != SPI_OK_UPDATE || SPI_processed != 1)
			elog(ERROR, "could not move the head of the audit chain");
	}
	PG_FINALLY();
	{
		fintech_internal_write = FT_WRITE_NONE;
	}
	PG_END_TRY();
	if (last)
	{
		last->id = last_id;
		last->changed_at = last_at;
	}
	return (int64) n;
}

PG_FUNCTION_INFO_V1(fintech_seal_audit);
/* fintech.seal_audit(): seal every committed row now; rows newly chained */
Datum
fintech_seal_audit(PG_FUNCTION_ARGS)
{
	int64		total = 0;
	bool		more;
	SealKey		last = {0, 0};
	bool		bounded = false;

	/*
	 * A large backlog is sealed in batches, each in its own SPI connection
	 * (SPI allocates in its procedure context, freed by SPI_finish), each
	 * reading after the last row of the one before.  When a batch comes
	 * back short, one more pass from the start picks up rows of
	 * transactions that committed meanwhile with an earlier capture time.
	 */
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		SPI_connect();
		total += seal_some(SEAL_BATCH, &more, true, bounded ? &last : NULL, &last, NULL);
		SPI_finish();
		if (more)
			bounded = true;
		else if (bounded)
			bounded = false;
		else
			break;
	}
	PG_RETURN_INT64(total);
}

/*
 * Where the job reads from.  The index of unsealed rows keeps an entry for
 * the old version of every row sealed, until no snapshot can see that
 * version any more; a snapshot held open anywhere (pg_dump's, for the
 * whole dump) keeps them all, and a scan from the start steps over each of
 * them on every run (measured: 0.17 s a run after 15 s of writes, 0.80 s
 * after 75 s, growing for as long as the snapshot stays).
 *
 * So each run first takes a horizon, a capture time (changed_at) before
 * which no row that its snapshot cannot see can lie: such a row belongs
 * to a transaction that either had a transaction id when the horizon was
 * taken (its rows were captured after that transaction started: the
 * horizon is no later than the oldest such start) or took its first one
 * since (its rows were captured after the horizon was taken: audit_log.c
 * takes the transaction id before it reads the clock; SEAL_MARGIN_MS
 * covers the wall clock stepping back, as NTP may).  Every row the run can see from where it starts reading is
 * sealed when it reaches the end of the index; so the next run starts at
 * this run's horizon (or where this one started, if it stopped early: a
 * batch's limit, the head held by another sealer).  Prepared transactions,
 * and backends whose start time is not tracked (track_activities off),
 * leave no horizon: the next run reads from the start.  A run from the
 * start also comes at least every SEAL_RESCAN_MS, and no more often than
 * twenty times what the last one took: it seals, later in the chain, any
 * row the horizon missed all the same (a clock stepped back further than
 * the margin).  The position lives in
 * the launcher's memory: a new launcher starts from the start.
 */
#define SEAL_MARGIN_MS	2000
#define SEAL_RESCAN_MS	60000

static TimestampTz job_from = DT_NOBEGIN;	/* where the next run reads from */
static TimestampTz job_last_full = 0;	/* when the last run from the start began */
static long job_full_ms = 0;			/* and how long it took */

/* the horizon (DT_NOBEGIN: none); taken before the run's snapshots */
static TimestampTz
seal_horizon(void)
{
	TimestampTz horizon;
	int			nbackends;

	if (SPI_execute("SELECT 1 FROM pg_catalog.pg_prepared_xacts LIMIT 1", true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read pg_prepared_xacts");
	if (SPI_processed > 0)
		return DT_NOBEGIN;
	/* the backends as they are now, not as read earlier in this transaction */
	pgstat_clear_backend_activity_snapshot();
	horizon = GetCurrentTimestamp();
	nbackends = pgstat_fetch_stat_numbackends();
	for (int i = 1; i <= nbackends; i++)
	{
		LocalPgBackendStatus *b = pgstat_fetch_stat_local_beentry(i);

		if (b == NULL || !TransactionIdIsValid(b->backend_xid))
			continue;
		if (b->backendStatus.st_xact_start_timestamp == 0)
			return DT_NOBEGIN;
		horizon = Min(horizon, b->backendStatus.st_xact_start_timestamp);
	}
	return TimestampTzPlusMilliseconds(horizon, -SEAL_MARGIN_MS);
}

/*
 * After a run that read from job_from (full: from the start, begun at
 * `now`): the next run starts at `next`, the run's horizon, or earlier
 * where the run left rows it could see unsealed.
 */
static void
seal_job_done(bool full, TimestampTz now, TimestampTz next)
{
	if (full)
	{
		long		secs;
		int			usecs;

		TimestampDifference(now, GetCurrentTimestamp(), &secs, &usecs);
		job_last_full = now;
		job_full_ms = secs * 1000 + usecs / 1000;
	}
	job_from = next;
}

/*
 * the seal_audit job: one batch (SEAL_BATCH rows or SEAL_BATCH_BYTES) per
 * transaction, the next one at once while there are more, so the other
 * jobs of the launcher get their turn between two batches.  It waits for
 * nothing an application can hold: the head row only a sealer locks (and
 * the job skips it then, naming the holder in worker_status), audit rows
 * are read under MVCC (rows of a transaction still open are skipped and
 * sealed after it commits, at the end of the chain), and the relation
 * locks it takes (RowExclusiveLock on audit_log, AccessShareLock on
 * audit_head) conflict only with the table owner's DDL.
 */
static int64
seal_job(bool *again)
{
	int64		n;
	char	   *held_by = NULL;
	TimestampTz now = GetCurrentTimestamp();
	TimestampTz horizon;
	bool		full;
	SealKey		from;
	SealKey		last = {0, 0};
	Oid			types[1] = {TIMESTAMPTZOID};

	if (job_last_full == 0 ||
		now >= TimestampTzPlusMilliseconds(job_last_full, Max(SEAL_RESCAN_MS, 20 * job_full_ms)))
		job_from = DT_NOBEGIN;
	full = job_from == DT_NOBEGIN;
	from.changed_at = TimestampTzGetDatum(job_from);
	from.id = Int64GetDatum(PG_INT64_MIN);	/* every row captured at job_from too */

	SPI_connect();
	horizon = seal_horizon();

	/*
	 * Nothing committed to seal: do not even lock the head.  Locking it
	 * writes a lock record and commits a transaction id, so an idle
	 * cluster's job wrote WAL and waited for a flush every second.  A row
	 * that commits after this look is sealed by the next run.  In the
	 * order of audit_log_unsealed, so that the look is that index's first
	 * entry whatever the statistics say: without the ORDER BY, statistics
	 * taken while many rows were unsealed (a backlog, a restore) made the
	 * planner scan the whole table for its first unsealed row, once a
	 * second, every row of the log sealed (62 ms at 500,000 rows).
	 */
	if (SPI_execute_with_args("SELECT 1 FROM fintech.audit_log WHERE seq IS NULL"
							  " AND changed_at OPERATOR(pg_catalog.>=) $1 ORDER BY changed_at, id LIMIT 1",
							  1, types, &from.changed_at, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read fintech.audit_log");
	if (SPI_processed == 0)
	{
		fintech_job_note(NULL);
		SPI_finish();
		*again = false;
		seal_job_done(full, now, horizon);
		return 0;
	}
	/* SKIP LOCKED can still wait when it follows an update chain: bound it */
	(void) set_config_option("lock_timeout", "1000", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
	n = seal_some(SEAL_BATCH, again, false, full ? NULL : &from, &last, &held_by);
	fintech_job_note(held_by);
	SPI_finish();
	if (held_by != NULL)		/* nothing read: again from where it started */
		horizon = Min(horizon, job_from);
	else if (*again)			/* stopped at a limit: after the last row sealed */
		horizon = Min(horizon, DatumGetTimestampTz(last.changed_at));
	seal_job_done(full, now, horizon);
	return n;
}

/* the seal_audit job (called by _PG_init) */
void
AuditInit(void)
{
	fintech_define_job("seal_audit", "fintech.seal_interval",
					   "How often the background worker links new audit rows into the hash chain.",
					   1000, seal_job);
}

