/*-------------------------------------------------------------------------
 *
 * posting_lock_write.c
 *	  Locking an account by the update that writes an entry's change to it
 *	  (posting_lock.c's lock_by_update), done directly: the account's row
 *	  found by a probe of fintech.accounts' unique index on code, its new
 *	  version (balance + the change in the kind's direction, last_seq + the
 *	  legs) written by heap_update, without an SQL statement.  It does what
 *	  the statement P_LOCK_WRITE does (posting_lock.c) and returns what its
 *	  RETURNING returned (the new version's values and ctid), so that the
 *	  caller decides the entry as before; it saves the statement's executor
 *	  start-up and end (some 30,000 instructions an account).  And locking
 *	  an account without writing it (lock_writer_lock): the statement P_LOCK
 *	  (SELECT ... FOR NO KEY UPDATE) for one code, done the same way; for a
 *	  run of accounts (a batch's) the probes of all of them first, in one
 *	  snapshot, then the locks (lock_writer_probe; a code probed before in
 *	  this backend read first where its row was, account_tid_cache.c).
 *
 * What the statement does, and this file as well:
 *	  - the snapshot: before the probe the command counter is advanced and
 *	    a new snapshot taken (GetTransactionSnapshot: a fresh one in READ
 *	    COMMITTED, the transaction's in REPEATABLE READ and SERIALIZABLE),
 *	    as SPI does for each statement of a volatile function; the counter
 *	    is advanced again after the write, so that what follows sees it
 *	    (lock_writer_probe: once before the run's probes, and once after
 *	    its locks, as around the one statement P_LOCK of the run);
 *	  - the row lock: heap_update of non-key columns takes the tuple lock
 *	    LockTupleNoKeyExclusive (FOR NO KEY UPDATE), waiting (wait = true)
 *	    as the statement's update waits, in the same code order; the wait
 *	    honours lock_timeout, statement_timeout and a cancel (the lock
 *	    manager's);
 *	  - a row updated by a transaction that committed meanwhile
 *	    (TM_Updated) in READ COMMITTED: the latest version is locked
 *	    (table_tuple_lock with TUPLE_LOCK_FLAG_FIND_LAST_VERSION, the
 *	    executor's EvalPlanQual step for an UPDATE), the statement's
 *	    conditions rechecked on it (the code, the bounds) and the update
 *	    redone from it;
 *	  - anything else unusual (REPEATABLE READ's serialization failure,
 *	    a row deleted, or modified by this transaction, an invisible
 *	    version): nothing is written here, and the caller runs the
 *	    statement, which raises or returns what it always did;
 *	  - triggers: the only UPDATE triggers accepted on fintech.accounts are
 *	    those posting_bulk.c accepts for its direct update of the same
 *	    columns (bulk_accounts_direct_ok): the audit trigger, which logs
 *	    nothing for a change of the folded state alone (balance,
 *	    pending_out, pending_in, last_seq: derivable, docs/audit.md; as
 *	    installed it is an UPDATE OF the other columns, which the
 *	    statement does not even fire for these two), and
 *	    the foreign keys' checks, which skip a row whose keys did not
 *	    change; so not firing them is what the statement's firing did;
 *	  - indexes: none of the changed columns is indexed, so the update is
 *	    normally HOT; when it is not (no room on the page) the new version
 *	    gets its index entries, as the executor gives them.
 *
 * Neither in a read-only transaction nor during recovery (the statement
 * refuses those).  The table must be as installed (a plain heap table without row
 * security, no CHECK constraint or generated column, the columns of
 * ACCT_COLS of their types, the unique btree index on code alone), else
 * lock_writer_open returns NULL and the caller uses the statement.  What
 * it found out about the table is kept for the backend's next calls until
 * an invalidation of the table, its code index or a schema (lw_cache).
 *
 * Locks: fintech.accounts and its indexes RowExclusiveLock (an UPDATE's);
 * the row lock as above.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "account_index.h"
#include "account_tid_cache.h"
#include "ledger.h"
#include "posting.h"
#include "posting_bulk.h"
#include "posting_lock_write.h"
#include "relcache_inval.h"

/* the statement's bound (posting_lock.c's PREWRITE_MAX_BALANCE) */
#define LW_MAX_BALANCE		(INT64CONST(1) << 62)

/* ACCT_COLS without ctid, in its order */
enum
{
	C_ID, C_CODE, C_CURRENCY, C_KIND, C_STATUS, C_MIN, C_MAX,
	C_BALANCE, C_PENDING_OUT, C_PENDING_IN, C_LAST_SEQ, C_BLOCKED, NCOLS
};

static const struct
{
	const char *name;
	Oid			type;
}			cols[NCOLS] = {
	[C_ID] = {"id", INT8OID},
	[C_CODE] = {"code", TEXTOID},
	[C_CURRENCY] = {"currency", TEXTOID},
	[C_KIND] = {"kind", TEXTOID},
	[C_STATUS] = {"status", TEXTOID},
	[C_MIN] = {"min_balance", INT8OID},
	[C_MAX] = {"max_balance", INT8OID},
	[C_BALANCE] = {"balance", INT8OID},
	[C_PENDING_OUT] = {"pending_out", INT8OID},
	[C_PENDING_IN] = {"pending_in", INT8OID},
	[C_LAST_SEQ] = {"last_seq", INT8OID},
	[C_BLOCKED] = {"blocked", BOOLOID},
};

struct LockWriter
{
	Relation	rel;
	Relation	idx;
	AttrNumber	att[NCOLS];
	Oid			code_coll;		/* the code column's collation */
	TupleTableSlot *slot;
	IndexScanDesc scan;			/* lock_writer_lock's probes, one scan for all */
	/*
	 * lock_writer_probe's results for probed[0..nprobed): the version each
	 * code's probe found (invalid: none), in the registered snapshot
	 * probe_snap; an account locked from its probe has its entry reset
	 */
	Acct	   *probed;
	int			nprobed;
	ItemPointerData *probe_tid;
	Snapshot	probe_snap;
	BlockNumber nblocks;		/* the table's size as last read (0: not yet) */
	/*
	 * the version new_version read, deformed once (its text columns point
	 * into the version the slot keeps pinned), then with the new balance
	 * and last_seq: what fill_from returns
	 */
	Datum	   *values;
	bool	   *nulls;
	/* for a version that is not heap-only: the indexes, opened when needed */
	VersionIndexer ix;
};

/* the table's columns by name, of the expected types; false if one is missing */
static bool
find_columns(TupleDesc desc, AttrNumber *att)
{
	for (int c = 0; c < NCOLS; c++)
		att[c] = InvalidAttrNumber;
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute a = TupleDescAttr(desc, i);

		if (a->attisdropped)
			continue;
		if (a->attgenerated)
			return false;		/* would have to be computed again */
		for (int c = 0; c < NCOLS; c++)
			if (strcmp(NameStr(a->attname), cols[c].name) == 0)
			{
				if (a->atttypid != cols[c].type)
					return false;
				att[c] = i + 1;
			}
	}
	for (int c = 0; c < NCOLS; c++)
		if (att[c] == InvalidAttrNumber)
			return false;
	return true;
}

/*
 * What lock_writer_open found out about the table, kept for the backend's
 * next calls (each posting call opens the writer): the two OIDs by name
 * and the checks of the table and the index as installed (the columns
 * found by name, some 6,000 instructions a call).  Forgotten on any
 * invalidation of either relation (an ALTER TABLE, a trigger, an index, a
 * DROP or RENAME: committed by another backend, seen when this one locks
 * the table, or this transaction's own, seen at its next command) and on
 * any change of a schema (a RENAME of fintech, which invalidates no
 * relation).  Whether the triggers allow the direct update is asked each
 * time (bulk_accounts_direct_ok: it depends on functions too).
 */
static struct
{
	bool		valid;			/* relid, idxid found */
	bool		checked;		/* ok, att, code_coll known */
	bool		ok;
	Oid			relid;
	Oid			idxid;
	AttrNumber	att[NCOLS];
	Oid			code_coll;
	uint64		gen;			/* invalidations seen */
}			lw_cache;

static void
lw_cache_reset(void)
{
	lw_cache.valid = lw_cache.checked = false;
	lw_cache.gen++;
}

static void
lw_rel_inval(Datum arg, Oid relid)
{
	if (!OidIsValid(relid) || relid == lw_cache.relid || relid == lw_cache.idxid)
		lw_cache_reset();
}

static void
lw_nsp_inval(Datum arg, int cacheid, uint32 hashvalue)
{
	lw_cache_reset();
}

LockWriter *
lock_writer_open(void)
{
	static bool callbacks = false;
	LockWriter *w;
	TupleDesc	desc;
	bool		ok;
	uint64		gen;

	/*
	 * a read-only transaction or a standby: the statement raises what it
	 * always raised (heap_update itself does not check)
	 */
	if (XactReadOnly || RecoveryInProgress())
		return NULL;
	if (!callbacks)
	{
		ft_relcache_callback(lw_rel_inval, (Datum) 0);
		CacheRegisterSyscacheCallback(NAMESPACEOID, lw_nsp_inval, (Datum) 0);
		callbacks = true;
	}
	w = palloc0(sizeof(LockWriter));
	for (;;)
	{
		if (!lw_cache.valid)
		{
			Oid			nsp = get_namespace_oid("fintech", false);
			Oid			relid = get_relname_relid("accounts", nsp);
			Oid			idxid = get_relname_relid("accounts_code_key", nsp);

			if (!OidIsValid(relid) || !OidIsValid(idxid))
				return NULL;
			lw_cache_reset();
			lw_cache.relid = relid;
			lw_cache.idxid = idxid;
			lw_cache.valid = true;
		}
		gen = lw_cache.gen;
		w->rel = table_open(lw_cache.relid, RowExclusiveLock);
		w->idx = index_open(lw_cache.idxid, RowExclusiveLock);
		/* an invalidation seen while locking them: look them up again */
		if (gen == lw_cache.gen)
			break;
		index_close(w->idx, RowExclusiveLock);
		table_close(w->rel, RowExclusiveLock);
	}
	desc = RelationGetDescr(w->rel);
	if (lw_cache.checked)
	{
		ok = lw_cache.ok;
		memcpy(w->att, lw_cache.att, sizeof(w->att));
		w->code_coll = lw_cache.code_coll;
	}
	else
	{
		ok = w->rel->rd_rel->relam == HEAP_TABLE_AM_OID &&
			!(desc->constr && desc->constr->num_check > 0) && find_columns(desc, w->att) &&
			ft_account_code_index_ok(w->rel, w->idx, w->att[C_CODE]);
		if (ok)
			w->code_coll = TupleDescAttr(desc, w->att[C_CODE] - 1)->attcollation;
		/* kept unless an invalidation came meanwhile */
		if (gen == lw_cache.gen)
		{
			lw_cache.ok = ok;
			memcpy(lw_cache.att, w->att, sizeof(w->att));
			lw_cache.code_coll = w->code_coll;
			lw_cache.checked = true;
		}
	}
	if (!ok || !bulk_accounts_direct_ok(w->rel))
	{
		index_close(w->idx, NoLock);
		table_close(w->rel, NoLock);
		return NULL;
	}
	w->slot = table_slot_create(w->rel, NULL);
	w->values = palloc(sizeof(Datum) * desc->natts);
	w->nulls = palloc(sizeof(bool) * desc->natts);
	return w;
}

void
lock_writer_close(LockWriter *w)
{
	if (w == NULL)
		return;
	lock_writer_probe_end(w);
	ExecDropSingleTupleTableSlot(w->slot);
	if (w->scan)
		index_endscan(w->scan);
	bulk_index_close(&w->ix);
	index_close(w->idx, NoLock);
	table_close(w->rel, NoLock);
}

/*
 * a column of the version deformed into w->values; the NOT NULL ones as
 * the statement reads them
 */
static Datum
col(LockWriter *w, int c, bool *isnull)
{
	*isnull = w->nulls[w->att[c] - 1];
	return w->values[w->att[c] - 1];
}

static char *
col_text(LockWriter *w, int c)
{
	bool		isnull;
	Datum		d = col(w, c, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/* a version's columns into w->values, w->nulls (one pass over the tuple) */
static void
deform(LockWriter *w, HeapTuple tup)
{
	heap_deform_tuple(tup, RelationGetDescr(w->rel), w->values, w->nulls);
}

/* the statements' code = $1 on the deformed version, in the column's collation */
static bool
has_code(LockWriter *w, const char *code)
{
	bool		isnull;
	Datum		d = col(w, C_CODE, &isnull);

	return !isnull && DatumGetBool(DirectFunctionCall2Coll(texteq, w->code_coll, d,
														   CStringGetTextDatum(code)));
}

/*
 * The statement's WHERE on a version (the code, the bounds), and if it
 * holds, the new version: balance + net in the kind's direction (CASE WHEN
 * kind = ANY ('{asset,expense}') THEN net ELSE -net END), last_seq + legs.
 * NULL if the version does not qualify (the statement updates no row).
 */
static HeapTuple
new_version(LockWriter *w, HeapTuple old, const char *code, int64 net, int legs)
{
	bool		isnull;
	Datum		d;
	int64		balance,
				last_seq;
	char	   *kind;

	deform(w, old);
	if (!has_code(w, code))
		return NULL;
	d = col(w, C_BALANCE, &isnull);
	if (isnull)
		return NULL;
	balance = DatumGetInt64(d);
	d = col(w, C_LAST_SEQ, &isnull);
	if (isnull)
		return NULL;
	last_seq = DatumGetInt64(d);
	if (balance < -LW_MAX_BALANCE || balance > LW_MAX_BALANCE || last_seq > LW_MAX_BALANCE)
		return NULL;
	/* within the bounds, and |net| <= 2^40 (posting_lock.c): cannot overflow */
	kind = col_text(w, C_KIND);
	balance += (kind != NULL && kind_sign(kind) > 0) ? net : -net;
	last_seq += legs;
	w->values[w->att[C_BALANCE] - 1] = Int64GetDatum(balance);
	w->values[w->att[C_LAST_SEQ] - 1] = Int64GetDatum(last_seq);
	/* (heap_update sets the new version's header, its table and its place) */
	return heap_form_tuple(RelationGetDescr(w->rel), w->values, w->nulls);
}

/*
 * what RETURNING ACCT_COLS gave, into a (as posting_lock.c's fill_acct):
 * the version deformed into w->values, at tid
 */
static void
fill_from(LockWriter *w, Acct *a, ItemPointer tid)
{
	bool		isnull;

	a->found = true;
	a->id = DatumGetInt64(col(w, C_ID, &isnull));
	a->currency = col_text(w, C_CURRENCY);
	a->kind = col_text(w, C_KIND);
	a->sign = kind_sign(a->kind);
	a->status = col_text(w, C_STATUS);
	a->min_balance = DatumGetInt64(col(w, C_MIN, &isnull));
	a->has_min = !isnull;
	if (isnull)
		a->min_balance = 0;
	a->max_balance = DatumGetInt64(col(w, C_MAX, &isnull));
	a->has_max = !isnull;
	if (isnull)
		a->max_balance = 0;
	a->balance = DatumGetInt64(col(w, C_BALANCE, &isnull));
	a->pending_out = DatumGetInt64(col(w, C_PENDING_OUT, &isnull));
	a->pending_in = DatumGetInt64(col(w, C_PENDING_IN, &isnull));
	a->last_seq = DatumGetInt64(col(w, C_LAST_SEQ, &isnull));
	a->blocked = DatumGetBool(col(w, C_BLOCKED, &isnull));
	a->tid = *tid;
}

/*
 * The version of code's row visible to snap, into w->slot: from where the
 * account's last direct update left it (account_tid_cache.c: one heap
 * read while a snapshot keeps many versions of a hot account's row), else
 * by the code index, as the statement finds it.
 */
static bool
find_account(LockWriter *w, const char *code, Snapshot snap)
{
	ItemPointerData tid;

	if (ft_acct_tid_probe(w->rel, &w->nblocks, w->att[C_CODE], w->code_coll,
						  code, snap, &tid) &&
		table_tuple_fetch_row_version(w->rel, &tid, snap, w->slot))
		return true;
	return ft_account_by_code_kept(w->rel, w->idx, code, snap, w->slot, &w->scan);
}

/*
 * The start of a step that reads the account as a statement would: a new
 * command and a fresh snapshot (as SPI before a statement of a volatile
 * function), the account found in it (its version in w->slot); false when
 * it is not there.  step_end closes the step, found or not.
 */
static bool
step_begin(LockWriter *w, Acct *a, Snapshot *snap, CommandId *cid)
{
	CommandCounterIncrement();
	PushActiveSnapshot(GetTransactionSnapshot());
	*snap = GetActiveSnapshot();
	*cid = GetCurrentCommandId(true);
	return find_account(w, a->code, *snap);
}

static void
step_end(LockWriter *w)
{
	ExecClearTuple(w->slot);
	PopActiveSnapshot();
	/* as SPI after a statement: what follows sees the write */
	CommandCounterIncrement();
}

LockWriteResult
lock_writer_update(LockWriter *w, Acct *a)
{
	LockWriteResult res = LW_STATEMENT;
	CommandId	cid;
	Snapshot	snap;
	HeapTuple	newtup = NULL;
	ItemPointerData tid;

	if (!step_begin(w, a, &snap, &cid))
	{
		res = LW_NONE;
		goto out;
	}
	tid = w->slot->tts_tid;
	newtup = new_version(w, ExecFetchSlotHeapTuple(w->slot, false, NULL), a->code,
						 a->pre_net, a->pre_legs);
	if (newtup == NULL)
	{
		res = LW_NONE;
		goto out;
	}
	for (;;)
	{
		TM_FailureData tmfd;
		LockTupleMode lockmode;
		TM_Result	r;

		CHECK_FOR_INTERRUPTS();
		r = heap_update(w->rel, &tid, newtup, cid, InvalidSnapshot, true, &tmfd, &lockmode);
		if (r == TM_Ok)
			break;
		/*
		 * Updated by a transaction that committed: in READ COMMITTED the
		 * statement goes on with the latest version, locked; in the other
		 * levels it raises a serialization failure, and so does the
		 * statement the caller runs when this returns LW_STATEMENT.
		 */
		if (r != TM_Updated || IsolationUsesXactSnapshot() ||
			ItemPointerEquals(&tid, &tmfd.ctid))
			goto out;
		ExecClearTuple(w->slot);
		r = table_tuple_lock(w->rel, &tid, snap, w->slot, cid, lockmode, LockWaitBlock,
							 TUPLE_LOCK_FLAG_FIND_LAST_VERSION, &tmfd);
		/* deleted, or reached a version this transaction wrote: the statement decides */
		if (r != TM_Ok)
			goto out;
		tid = w->slot->tts_tid;
		heap_freetuple(newtup);
		newtup = new_version(w, ExecFetchSlotHeapTuple(w->slot, false, NULL), a->code,
							 a->pre_net, a->pre_legs);
		if (newtup == NULL)
		{
			/* the latest version no longer qualifies: the statement updates no row */
			res = LW_NONE;
			goto out;
		}
	}
	if (!HeapTupleIsHeapOnly(newtup))
		bulk_index_version(w->rel, newtup, &w->ix);
	ft_acct_tid_publish(a->code, &tid, &newtup->t_self);
	/* the new version: the old one's columns, still pinned in w->slot, and the two written */
	fill_from(w, a, &newtup->t_self);
	res = LW_DONE;

out:
	if (newtup)
		heap_freetuple(newtup);
	step_end(w);
	return res;
}

/*
 * Probe the codes of accts[0..n) (those not locked yet) in one snapshot,
 * before any of them is locked: the version each code has in it, for
 * lock_writer_lock to lock next, in code order.  A batch locks its
 * accounts so (posting_lock.c's lock_run): its probes, an index descent
 * and a heap fetch each, are no longer done while the call already holds
 * the locks of the accounts before, so a batch that waits for another
 * one's account has probed the accounts after it already, and once the
 * lock is granted goes on with the locks alone.  It is what the statement
 * P_LOCK does for a run of accounts: one snapshot for the whole run, each
 * row then locked in order, the latest version of a row updated meanwhile
 * found and locked (READ COMMITTED).  The snapshot stays registered until
 * lock_writer_probe_end (or lock_writer_close): it keeps this backend's
 * xmin at or below its own, so no version it found can be pruned away
 * before it is locked (a version visible in it was updated, if at all, by
 * a transaction not yet committed when it was taken).
 *
 * A code this backend has probed before is looked up first where its row
 * was (account_tid_cache.c: the TID its index entry points at, the HOT
 * chain followed in the same snapshot, the code checked on the version
 * found), without the index descent (some 7,000 instructions an account
 * less); a miss probes the index as before and remembers what it found.
 * The version found either way is the same.
 */
void
lock_writer_probe(LockWriter *w, Acct *accts, int n)
{
	ItemPointerData root;

	lock_writer_probe_end(w);
	CommandCounterIncrement();
	w->probe_snap = RegisterSnapshot(GetTransactionSnapshot());
	w->probed = accts;
	w->nprobed = n;
	w->probe_tid = palloc(sizeof(ItemPointerData) * Max(n, 1));
	/* (w->nblocks: no truncation while the table is locked RowExclusiveLock, lock_writer_open) */
	for (int i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		ItemPointerSetInvalid(&w->probe_tid[i]);
		if (accts[i].lock != ACCT_UNLOCKED)
			continue;
		/* where this backend found the row before, else the code index */
		if (ft_acct_tid_probe(w->rel, &w->nblocks, w->att[C_CODE], w->code_coll, accts[i].code,
							  w->probe_snap, &w->probe_tid[i]))
			continue;
		if (ft_account_by_code_root(w->rel, w->idx, accts[i].code, w->probe_snap, w->slot,
									&w->scan, &root))
		{
			w->probe_tid[i] = w->slot->tts_tid;
			ft_acct_tid_remember(accts[i].code, &root, &w->probe_tid[i]);
		}
		else
			ft_acct_tid_forget(accts[i].code);
		ExecClearTuple(w->slot);
	}
}

/* lock_writer_probe's results forgotten, its snapshot let go */
void
lock_writer_probe_end(LockWriter *w)
{
	if (w->probe_snap == NULL)
		return;
	UnregisterSnapshot(w->probe_snap);
	/* as after the statement P_LOCK */
	CommandCounterIncrement();
	w->probe_snap = NULL;
	pfree(w->probe_tid);
	w->probe_tid = NULL;
	w->probed = NULL;
	w->nprobed = 0;
}

/* the version lock_writer_probe found for a, if it did (then forgotten) */
static bool
take_probed(LockWriter *w, Acct *a, ItemPointer tid)
{
	ptrdiff_t	i = a - w->probed;

	if (w->probed == NULL || i < 0 || i >= w->nprobed || !ItemPointerIsValid(&w->probe_tid[i]))
		return false;
	*tid = w->probe_tid[i];
	ItemPointerSetInvalid(&w->probe_tid[i]);
	return true;
}

/*
 * The statement P_LOCK of posting_lock.c for one account (SELECT ... FOR
 * NO KEY UPDATE), done directly: a probe of the code index in a fresh
 * snapshot, then table_tuple_lock as the executor's LockRows node calls it
 * (nodeLockRows.c: the same mode, wait policy and flags; in READ COMMITTED
 * the latest version of a row updated meanwhile is found and locked, and
 * its code checked again, as EvalPlanQual checks the statement's WHERE).
 * The probes of one call share one index scan (LockWriter.scan, ended by
 * lock_writer_close), each with its own snapshot as before.
 * Anything else (REPEATABLE READ's serialization failure, a row deleted or
 * modified by this very command, a version whose code changed):
 * LW_STATEMENT, and the caller runs the statement, which raises or returns
 * what it always did.  LW_NONE: no visible row has the code.
 */
LockWriteResult
lock_writer_lock(LockWriter *w, Acct *a)
{
	return lock_writer_lock_as(w, a, LockTupleNoKeyExclusive, LockWaitBlock);
}

LockWriteResult
lock_writer_lock_as(LockWriter *w, Acct *a, LockTupleMode mode, LockWaitPolicy wait)
{
	LockWriteResult res = LW_STATEMENT;
	Snapshot	snap;
	CommandId	cid;
	TM_FailureData tmfd;
	TM_Result	r;
	ItemPointerData tid;
	HeapTuple	tup;
	int			flags = TUPLE_LOCK_FLAG_LOCK_UPDATE_IN_PROGRESS;

	if (!IsolationUsesXactSnapshot())
		flags |= TUPLE_LOCK_FLAG_FIND_LAST_VERSION;
	if (take_probed(w, a, &tid))
	{
		/*
		 * probed in lock_writer_probe's snapshot, after its command counter;
		 * in READ COMMITTED, a later version written since is locked
		 * directly (the lock would follow the row's updates to it)
		 */
		if (!IsolationUsesXactSnapshot())
			(void) ft_acct_tid_latest(w->rel, &w->nblocks, w->att[C_CODE], w->code_coll,
									  a->code, &tid);
		snap = w->probe_snap;
		cid = GetCurrentCommandId(true);
		r = table_tuple_lock(w->rel, &tid, snap, w->slot, cid, mode, wait, flags, &tmfd);
		if (r != TM_Ok)
		{
			ExecClearTuple(w->slot);
			return r == TM_WouldBlock ? LW_SKIPPED : LW_STATEMENT;
		}
		tup = ExecFetchSlotHeapTuple(w->slot, false, NULL);
		deform(w, tup);
		if (tmfd.traversed && !has_code(w, a->code))
			res = LW_STATEMENT;
		else
		{
			fill_from(w, a, &tup->t_self);
			res = LW_DONE;
		}
		ExecClearTuple(w->slot);
		return res;
	}

	if (!step_begin(w, a, &snap, &cid))
	{
		res = LW_NONE;
		goto out;
	}
	tid = w->slot->tts_tid;
	ExecClearTuple(w->slot);
	r = table_tuple_lock(w->rel, &tid, snap, w->slot, cid, mode, wait, flags, &tmfd);
	if (r == TM_WouldBlock)
		res = LW_SKIPPED;
	if (r != TM_Ok)
		goto out;
	tup = ExecFetchSlotHeapTuple(w->slot, false, NULL);
	deform(w, tup);
	if (tmfd.traversed && !has_code(w, a->code))
		goto out;
	fill_from(w, a, &tup->t_self);
	res = LW_DONE;

out:
	step_end(w);
	return res;
}
