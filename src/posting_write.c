/*-------------------------------------------------------------------------
 *
 * posting_write.c
 *	  The posting engine's writes: an accepted entry applied to its
 *	  accounts in memory and queued as rows (write_entry), then everything
 *	  written at the end of the call with a handful of bulk statements
 *	  (ledger_finish): the entries, postings, pending legs, holds, hold
 *	  resolutions, and the accounts' new balances, held amounts and last
 *	  sequence numbers.
 *
 * Rows are collected column by column (RowBuf).  Entries and postings
 * are written straight into the heap and the indexes (posting_bulk.c's
 * bulk_insert, which fires their AFTER ROW triggers as the INSERT would)
 * for every call, a transfer as well as a batch: for one entry of two legs
 * that is about 44,000 instructions less than the two statements.  The
 * rest, and entries and postings when a table is not as installed (a
 * trigger or row security the direct path does not reproduce), are
 * written with one statement per table whose parameters are arrays
 * (unnest), or, for the usual one entry of two legs, with a statement
 * whose parameters are the rows' values; all are saved plans, nothing is
 * re-planned per call.  An account the call locked with a lock statement
 * is updated straight as well (a HOT heap_update of the locked version,
 * bulk_update_accounts); a batch's events are collected and written with
 * its rows.
 *
 * Locking: takes no locks of its own.  It writes only what the call has
 * locked: the accounts (FOR NO KEY UPDATE; a deferred posting only under
 * FOR KEY SHARE, without touching its account's row) and the holds it
 * resolves (locked by holds.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "events.h"
#include "ledger.h"
#include "metrics.h"
#include "posting.h"
#include "posting_bulk.h"
#include "posting_write.h"
#include "spi_plan.h"
#include "relcache_inval.h"

static const Oid entries_types[] = {INT8OID, TEXTOID, INT8OID, TEXTOID, JSONBOID, TIMESTAMPTZOID};
static const Oid postings_types[] = {INT8OID, INT4OID, INT8OID, INT8OID, INT8OID, INT8OID, TIMESTAMPTZOID};
static const Oid pending_legs_types[] = {INT8OID, INT4OID, INT8OID, INT8OID};
static const Oid holds_types[] = {INT8OID, TIMESTAMPTZOID, INT8OID};
static const Oid hold_updates_types[] = {INT8OID, TEXTOID, INT8OID, INT8OID, TIMESTAMPTZOID};
static const Oid account_update_types[] = {INT8OID, INT8OID, INT8OID, INT8OID, INT8OID};
/* fintech.events: event_id (NULL until ordered), kind, occurred_at, payload, write_seq */
static const Oid events_types[] = {INT8OID, TEXTOID, TIMESTAMPTZOID, JSONOID, INT8OID};
static const char *const events_cols[] = {"event_id", "kind", "occurred_at", "payload", "write_seq"};
/* the columns of the bulk statements, in order (the direct writes, posting_bulk.c) */
static const char *const entries_cols[] = {"id", "type", "related_id", "description", "metadata", "created_at"};
static const char *const postings_cols[] = {"entry_id", "leg", "account_id", "amount", "seq", "balance_after", "posted_at"};

enum
{
	P_INS_ENTRIES,
	P_INS_ENTRY1,
	P_INS_POSTINGS2,
	P_INS_POSTINGS,
	P_INS_PENDING_LEGS,
	P_INS_HOLDS,
	P_UPD_HOLDS,
	P_UPD_ACCOUNTS,
	P_UPD_ACCOUNTS_MANY,
	NPLANS
};

static const FintechPlanDef plan_defs[NPLANS] = {
	[P_INS_ENTRIES] = {"INSERT INTO fintech.entries (id, type, related_id, description, metadata, created_at)"
		" SELECT * FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.int8[]), pg_catalog.unnest($2::pg_catalog.text[]), pg_catalog.unnest($3::pg_catalog.int8[]), pg_catalog.unnest($4::pg_catalog.text[]), pg_catalog.unnest($5::pg_catalog.jsonb[]), pg_catalog.unnest($6::pg_catalog.timestamptz[]))",
	6, {INT8ARRAYOID, TEXTARRAYOID, INT8ARRAYOID, TEXTARRAYOID, JSONBARRAYOID, TIMESTAMPTZARRAYOID}},
	[P_INS_ENTRY1] = {"INSERT INTO fintech.entries (id, type, related_id, description, metadata, created_at)"
		" VALUES ($1, $2, $3, $4, $5, $6)", 6, {INT8OID, TEXTOID, INT8OID, TEXTOID, JSONBOID, TIMESTAMPTZOID}},
	[P_INS_POSTINGS2] = {"INSERT INTO fintech.postings (entry_id, leg, account_id, amount, seq, balance_after, posted_at)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7), ($8, $9, $10, $11, $12, $13, $14)", 14,
	{INT8OID, INT4OID, INT8OID, INT8OID, INT8OID, INT8OID, TIMESTAMPTZOID,
	INT8OID, INT4OID, INT8OID, INT8OID, INT8OID, INT8OID, TIMESTAMPTZOID}},
	[P_INS_POSTINGS] = {"INSERT INTO fintech.postings (entry_id, leg, account_id, amount, seq, balance_after, posted_at)"
		" SELECT * FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.int8[]), pg_catalog.unnest($2::pg_catalog.int4[]), pg_catalog.unnest($3::pg_catalog.int8[]), pg_catalog.unnest($4::pg_catalog.int8[]), pg_catalog.unnest($5::pg_catalog.int8[]), pg_catalog.unnest($6::pg_catalog.int8[]), pg_catalog.unnest($7::pg_catalog.timestamptz[]))",
	7, {INT8ARRAYOID, INT4ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, TIMESTAMPTZARRAYOID}},
	[P_INS_PENDING_LEGS] = {"INSERT INTO fintech.pending_legs (entry_id, leg, account_id, amount)"
		" SELECT * FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.int8[]), pg_catalog.unnest($2::pg_catalog.int4[]), pg_catalog.unnest($3::pg_catalog.int8[]), pg_catalog.unnest($4::pg_catalog.int8[]))", 4, {INT8ARRAYOID, INT4ARRAYOID, INT8ARRAYOID, INT8ARRAYOID}},
	[P_INS_HOLDS] = {"INSERT INTO fintech.holds (entry_id, expires_at, amount)"
		" SELECT * FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.int8[]), pg_catalog.unnest($2::pg_catalog.timestamptz[]), pg_catalog.unnest($3::pg_catalog.int8[]))",
	3, {INT8ARRAYOID, TIMESTAMPTZARRAYOID, INT8ARRAYOID}},
	[P_UPD_HOLDS] = {"UPDATE fintech.holds h SET status = u.status, resolved_entry_id = u.entry,"
		" resolved_amount = u.amount, resolved_at = u.at"
		" FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.int8[]), pg_catalog.unnest($2::pg_catalog.text[]), pg_catalog.unnest($3::pg_catalog.int8[]), pg_catalog.unnest($4::pg_catalog.int8[]), pg_catalog.unnest($5::pg_catalog.timestamptz[])) AS u(hold, status, entry, amount, at)"
		" WHERE h.entry_id OPERATOR(pg_catalog.=) u.hold",
	5, {INT8ARRAYOID, TEXTARRAYOID, INT8ARRAYOID, INT8ARRAYOID, TIMESTAMPTZARRAYOID}},
	[P_UPD_ACCOUNTS] = {"UPDATE fintech.accounts SET balance = $2, pending_out = $3, pending_in = $4, last_seq = $5"
		" WHERE id OPERATOR(pg_catalog.=) $1", 5, {INT8OID, INT8OID, INT8OID, INT8OID, INT8OID}},
	[P_UPD_ACCOUNTS_MANY] = {"UPDATE fintech.accounts a SET balance = u.balance, pending_out = u.pending_out,"
		" pending_in = u.pending_in, last_seq = u.last_seq"
		" FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.int8[]), pg_catalog.unnest($2::pg_catalog.int8[]),"
		" pg_catalog.unnest($3::pg_catalog.int8[]), pg_catalog.unnest($4::pg_catalog.int8[]),"
		" pg_catalog.unnest($5::pg_catalog.int8[])) AS u(id, balance, pending_out, pending_in, last_seq)"
		" WHERE a.id OPERATOR(pg_catalog.=) u.id",
	5, {INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID}},
};

FT_DEFINE_PLANS(plans, plan_defs);

/*
 * Row buffers and bulk statements
 */

static void
rowbuf_init(RowBuf *b, int ncols, const Oid *types)
{
	memset(b, 0, sizeof(*b));
	b->ncols = ncols;
	b->types = types;
}

static void
rowbuf_add(RowBuf *b, const Datum *vals, const bool *nulls)
{
	if (b->nrows == b->cap)
	{
		int			newcap = b->cap == 0 ? 4 : b->cap * 2;

		if (b->vals == NULL)
		{
			b->vals = palloc0(sizeof(Datum *) * b->ncols);
			b->nulls = palloc0(sizeof(bool *) * b->ncols);
			for (int c = 0; c < b->ncols; c++)
			{
				b->vals[c] = palloc(sizeof(Datum) * newcap);
				b->nulls[c] = palloc(sizeof(bool) * newcap);
			}
		}
		else
			for (int c = 0; c < b->ncols; c++)
			{
				b->vals[c] = repalloc(b->vals[c], sizeof(Datum) * newcap);
				b->nulls[c] = repalloc(b->nulls[c], sizeof(bool) * newcap);
			}
		b->cap = newcap;
	}
	for (int c = 0; c < b->ncols; c++)
	{
		b->vals[c][b->nrows] = vals[c];
		b->nulls[c][b->nrows] = nulls ? nulls[c] : false;
	}
	b->nrows++;
}

/*
 * Write the buffered rows: with the plan for exactly that many rows, whose
 * parameters are the rows' values one after the other (rows_plan, when
 * rows_plan_nrows == nrows), or else with the plan whose parameters are the
 * buffer's columns as arrays.
 */
static void
rowbuf_flush(RowBuf *b, int which, int expect, int rows_plan, int rows_plan_nrows)
{
	Datum	   *params;
	int			ret;

	if (b->nrows == 0)
		return;
	if (b->nrows == rows_plan_nrows)
	{
		int			n = b->nrows * b->ncols;
		char	   *nulls = palloc(n + 1);

		params = palloc(sizeof(Datum) * n);
		/* only for a few rows (rows_plan_nrows) */
		for (int r = 0; r < b->nrows; r++)
			for (int c = 0; c < b->ncols; c++)
			{
				params[r * b->ncols + c] = b->vals[c][r];
				nulls[r * b->ncols + c] = b->nulls[c][r] ? 'n' : ' ';
			}
		nulls[n] = '\0';
		FT_CHECK(plan_defs[rows_plan].nargs == n);
		ret = ft_run_plan(&plans, rows_plan, params, nulls, false, 0);
		if (ret != expect || SPI_processed != (uint64) b->nrows)
			elog(ERROR, "\"%s\" wrote " UINT64_FORMAT " rows, expected %d",
				 plan_defs[rows_plan].sql, SPI_processed, b->nrows);
		b->nrows = 0;
		return;
	}
	params = palloc(sizeof(Datum) * b->ncols);
	for (int c = 0; c < b->ncols; c++)
	{
		int16		typlen;
		bool		typbyval;
		char		typalign;
		int			dims[1] = {b->nrows};
		int			lbs[1] = {1};

		get_typlenbyvalalign(b->types[c], &typlen, &typbyval, &typalign);
		params[c] = PointerGetDatum(construct_md_array(b->vals[c], b->nulls[c], 1, dims, lbs,
													   b->types[c], typlen, typbyval, typalign));
	}
	ret = ft_run_plan(&plans, which, params, NULL, false, 0);
	if (ret != expect || SPI_processed != (uint64) b->nrows)
		elog(ERROR, "\"%s\" wrote " UINT64_FORMAT " rows, expected %d",
			 plan_defs[which].sql, SPI_processed, b->nrows);
	b->nrows = 0;
}

/*
 * An accepted entry: its id, its effects on the accounts in memory, and its
 * rows queued (the entry; postings, or pending legs and a hold; the hold it
 * resolves).  A posting to an account only share-locked (deferred) gets no
 * seq, balance_after or posted_at.
 */
/* a batch's event row, kept for ledger_finish (FtEventCollect) */
static void
collect_event(const char *kind, text *payload, int64 write_seq, void *arg)
{
	Ledger	   *L = (Ledger *) arg;
	Datum		v[5];
	bool		n[5] = {true, false, false, false, false};

	v[0] = (Datum) 0;
	v[1] = CStringGetTextDatum(kind);
	v[2] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());	/* now(), as a row written at once */
	v[3] = PointerGetDatum(payload);
	v[4] = Int64GetDatum(write_seq);
	rowbuf_add(&L->events, v, n);
}

/*
 * The events collected: with the other rows of the batch in one
 * heap_multi_insert when the table is as installed, else one by one
 */
static void
write_events(Ledger *L)
{
	RowBuf	   *b = &L->events;

	if (b->nrows == 0 || bulk_insert("events", events_cols, b))
		return;
	for (int i = 0; i < b->nrows; i++)
	{
		CHECK_FOR_INTERRUPTS();
		ft_event_append_row(TextDatumGetCString(b->vals[1][i]), (text *) DatumGetPointer(b->vals[3][i]),
							DatumGetInt64(b->vals[4][i]));
	}
	b->nrows = 0;
}

void
write_entry(Ledger *L, EntrySpec *e, Effect *effects, int neffects)
{
	bool		pending = entry_pending(e);

	e->entry_id = e->preset_id ? e->preset_id : nextval_internal(L->entries_seq, false);
	ft_metric_entry(e->type, e->one_currency);
	{
		Datum		v[6];
		bool		n[6] = {false, false, e->related_id == 0, e->description == NULL, false, false};

		v[0] = Int64GetDatum(e->entry_id);
		v[1] = CStringGetTextDatum(e->type);
		v[2] = Int64GetDatum(e->related_id);
		v[3] = PointerGetDatum(e->description);
		v[4] = JsonbPGetDatum(e->metadata);
		v[5] = TimestampTzGetDatum(L->stamp);
		rowbuf_add(&L->entries, v, n);
	}
	for (int l = 0; l < e->nlegs; l++)
	{
		Acct	   *a = e->legs[l].acct;

		CHECK_FOR_INTERRUPTS();
		if (pending)
		{
			Datum		v[4] = {Int64GetDatum(e->entry_id), Int32GetDatum(l + 1),
			Int64GetDatum(a->id), Int64GetDatum(e->legs[l].amount)};

			rowbuf_add(&L->pending_legs, v, NULL);
		}
		else if (a->lock == ACCT_LOCKED)
		{
			Datum		v[7];

			a->balance = add64(a->balance, mul64(e->legs[l].amount, a->sign));
			a->last_seq = add64(a->last_seq, 1);
			a->dirty = true;
			v[0] = Int64GetDatum(e->entry_id);
			v[1] = Int32GetDatum(l + 1);
			v[2] = Int64GetDatum(a->id);
			v[3] = Int64GetDatum(e->legs[l].amount);
			v[4] = Int64GetDatum(a->last_seq);
			v[5] = Int64GetDatum(a->balance);
			v[6] = TimestampTzGetDatum(L->stamp);
			rowbuf_add(&L->postings, v, NULL);
		}
		else
		{
			Datum		v[7] = {Int64GetDatum(e->entry_id), Int32GetDatum(l + 1),
			Int64GetDatum(a->id), Int64GetDatum(e->legs[l].amount), 0, 0, 0};
			bool		nulls[7] = {false, false, false, false, true, true, true};

			rowbuf_add(&L->postings, v, nulls);
		}
	}
	for (int i = 0; i < neffects; i++)
	{
		Effect	   *f = &effects[i];
		Acct	   *a = f->acct;

		CHECK_FOR_INTERRUPTS();
		if (f->res_out || f->rel_out || f->res_in || f->rel_in)
		{
			int128		new_out = (int128) a->pending_out - f->rel_out + f->res_out;
			int128		new_in = (int128) a->pending_in - f->rel_in + f->res_in;

			/* checked above for locked accounts; a release never grows them */
			if (new_out < 0 || new_in < 0 || new_out > PG_INT64_MAX || new_in > PG_INT64_MAX)
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("account %s: held amounts %s out, %s in are out of range for bigint",
								a->code, i128_str(new_out), i128_str(new_in))));
			a->pending_out = (int64) new_out;
			a->pending_in = (int64) new_in;
			a->dirty = true;
		}
	}
	if (pending)
	{
		Datum		v[3];
		bool		n[3] = {false, false, e->nlegs != 2};

		v[0] = Int64GetDatum(e->entry_id);
		if (e->hold_forever)
			v[1] = TimestampTzGetDatum(DT_NOEND);
		else
			v[1] = DirectFunctionCall2(timestamptz_pl_interval, TimestampTzGetDatum(L->stamp),
									   IntervalPGetDatum(e->pending_for));
		v[2] = Int64GetDatum(e->nlegs == 2 ? Abs(e->legs[0].amount) : 0);
		rowbuf_add(&L->holds, v, n);
	}
	if (e->resolve_hold)
	{
		Datum		v[5];
		bool		n[5] = {false, false, false, e->resolve_amount == 0, false};

		v[0] = Int64GetDatum(e->resolve_hold);
		v[1] = CStringGetTextDatum(e->resolve_status);
		v[2] = Int64GetDatum(e->entry_id);
		v[3] = Int64GetDatum(e->resolve_amount);
		v[4] = TimestampTzGetDatum(L->stamp);
		rowbuf_add(&L->hold_updates, v, n);
	}
	if (L->bulk)
		ft_event_entry_collect(e, collect_event, L);
	else
		ft_event_entry(e);
}

/*
 * The OID of fintech.entries_id_seq, looked up by name once per backend
 * (some 1,200 instructions a call) and forgotten on an invalidation of the
 * sequence (a DROP, a RENAME) or of every relation, or on any change of a
 * schema (a RENAME of fintech invalidates no relation).
 */
static Oid	entries_seq_oid = InvalidOid;

static void
entries_seq_rel_inval(Datum arg, Oid relid)
{
	if (!OidIsValid(relid) || relid == entries_seq_oid)
		entries_seq_oid = InvalidOid;
}

static void
entries_seq_nsp_inval(Datum arg, int cacheid, uint32 hashvalue)
{
	entries_seq_oid = InvalidOid;
}

static Oid
entries_seq(void)
{
	static bool callbacks = false;
	Oid			seq;

	if (!callbacks)
	{
		ft_relcache_callback(entries_seq_rel_inval, (Datum) 0);
		CacheRegisterSyscacheCallback(NAMESPACEOID, entries_seq_nsp_inval, (Datum) 0);
		callbacks = true;
	}
	if (OidIsValid(entries_seq_oid))
		return entries_seq_oid;
	seq = RangeVarGetRelid(makeRangeVar("fintech", "entries_id_seq", -1), NoLock, false);
	entries_seq_oid = seq;
	return seq;
}

void
ledger_writer_init(Ledger *L)
{
	L->entries_seq = entries_seq();
	rowbuf_init(&L->entries, lengthof(entries_types), entries_types);
	rowbuf_init(&L->postings, lengthof(postings_types), postings_types);
	rowbuf_init(&L->pending_legs, lengthof(pending_legs_types), pending_legs_types);
	rowbuf_init(&L->holds, lengthof(holds_types), holds_types);
	rowbuf_init(&L->hold_updates, lengthof(hold_updates_types), hold_updates_types);
	rowbuf_init(&L->events, lengthof(events_types), events_types);
}

/* an account's row of P_UPD_ACCOUNTS(_MANY): id, balance, pending_out, pending_in, last_seq */
static inline void
account_row(Acct *a, Datum *v)
{
	v[0] = Int64GetDatum(a->id);
	v[1] = Int64GetDatum(a->balance);
	v[2] = Int64GetDatum(a->pending_out);
	v[3] = Int64GetDatum(a->pending_in);
	v[4] = Int64GetDatum(a->last_seq);
}

void
write_account(Acct *a)
{
	Datum		v[5];

	account_row(a, v);
	if (ft_run_plan(&plans, P_UPD_ACCOUNTS, v, NULL, false, 0) != SPI_OK_UPDATE || SPI_processed != 1)
		elog(ERROR, "could not update locked account " INT64_FORMAT, a->id);
	/* a new row version, whose place this does not know */
	ItemPointerSetInvalid(&a->tid);
}

Acct *
take_dirty(Ledger *L, int i)
{
	Acct	   *a = &L->accts[i];

	CHECK_FOR_INTERRUPTS();
	if (!a->dirty)
		return NULL;
	FT_CHECK(a->lock == ACCT_LOCKED);
	a->dirty = false;
	return a;
}

/* write everything applied in memory */
void
ledger_finish(Ledger *L)
{
	int			ndirty = 0;

	/*
	 * entries and postings straight into the heap, where that is the same
	 * as the INSERT (posting_bulk.c; else the statements below write them):
	 * for every call, not only batches -- a transfer's entry then costs no
	 * INSERT statement and its audit row no trigger event; a batch's
	 * events too
	 */
	(void) bulk_insert("entries", entries_cols, &L->entries);
	(void) bulk_insert("postings", postings_cols, &L->postings);
	if (L->bulk)
		write_events(L);
	rowbuf_flush(&L->entries, P_INS_ENTRIES, SPI_OK_INSERT, P_INS_ENTRY1, 1);
	rowbuf_flush(&L->postings, P_INS_POSTINGS, SPI_OK_INSERT, P_INS_POSTINGS2, 2);
	rowbuf_flush(&L->pending_legs, P_INS_PENDING_LEGS, SPI_OK_INSERT, -1, -1);
	rowbuf_flush(&L->holds, P_INS_HOLDS, SPI_OK_INSERT, -1, -1);
	rowbuf_flush(&L->hold_updates, P_UPD_HOLDS, SPI_OK_UPDATE, -1, -1);

	/*
	 * An account locked by its update (posting_lock.c) holds what that
	 * update wrote: written again only if the call left it otherwise (such
	 * an entry moves no held amounts: prewrite_choose).
	 */
	if (L->prewrite)
		for (int i = 0; i < L->naccts; i++)
		{
			Acct	   *a = &L->accts[i];

			if (a->prewritten)
				a->dirty = a->balance != a->pre_balance || a->last_seq != a->pre_last_seq;
		}

	/*
	 * the accounts: one statement per account, or one for many (batches);
	 * none when every account was written by its locking update (a
	 * transfer between two accounts the session did not use lately): then
	 * fintech.accounts is not even opened
	 */
	for (int i = 0; i < L->naccts; i++)
		ndirty += L->accts[i].dirty;
	if (ndirty > 0 && !bulk_update_accounts(L))
	{
		RowBuf		accts;
		int			nested;

		rowbuf_init(&accts, lengthof(account_update_types), account_update_types);
		for (int i = 0; i < L->naccts; i++)
		{
			Acct	   *a = take_dirty(L, i);

			if (a == NULL)
				continue;
			if (ndirty <= 4)
			{
				/* a transfer or a small entry: the plan with one row of parameters */
				write_account(a);
			}
			else
			{
				Datum		v[5];

				account_row(a, v);
				rowbuf_add(&accts, v, NULL);
			}
		}
		if (accts.nrows > 0)
		{
			/* many: one UPDATE joining the arrays to the accounts by primary key */
			nested = NewGUCNestLevel();
			(void) set_config_option("enable_hashjoin", "off", PGC_USERSET, PGC_S_SESSION,
									 GUC_ACTION_SAVE, true, 0, false);
			(void) set_config_option("enable_mergejoin", "off", PGC_USERSET, PGC_S_SESSION,
									 GUC_ACTION_SAVE, true, 0, false);
			(void) set_config_option("enable_seqscan", "off", PGC_USERSET, PGC_S_SESSION,
									 GUC_ACTION_SAVE, true, 0, false);
			rowbuf_flush(&accts, P_UPD_ACCOUNTS_MANY, SPI_OK_UPDATE, -1, -1);
			AtEOXact_GUC(true, nested);
		}
	}
}
