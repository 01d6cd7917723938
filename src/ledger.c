/*-------------------------------------------------------------------------
 *
 * ledger.c
 *	  The double-entry ledger: accounts, balanced N-leg entries, limits,
 *	  holds (pending entries), reversals, balances and the ledger's own
 *	  consistency check, plus the two background jobs that keep it tidy
 *	  (expiring holds, folding deferred postings).
 *
 * Model.  A posting's amount is signed the accounting way (debit > 0,
 * credit < 0), so the postings of an entry sum to zero per currency.  An
 * account's balance is kept in its normal direction (debit-normal: asset,
 * expense; credit-normal: liability, equity, income).  accounts.balance is
 * the posted balance, pending_out/pending_in the amounts that open holds
 * take out of / bring into the account.
 *
 * The posting engine (Ledger) applies one or many entries in a single
 * call: it locks every account involved up front, in one statement, in
 * byte order of their codes (so entries touching the same accounts in any
 * order cannot deadlock), checks each entry against the locked state in
 * memory, and writes everything at the end with a handful of bulk
 * statements (saved plans; nothing is re-planned per call).
 *
 * Deferred postings.  A leg that moves an account in a direction it has no
 * limit on (a credit to a wallet without max_balance, to a fee account...)
 * cannot be refused for funds.  When such an account is locked by another
 * transaction, and the fold job is running, the leg does not wait for that
 * row lock: it takes a FOR KEY SHARE lock (which only conflicts with
 * freeze/unfreeze/close) and writes its posting with seq, balance_after and
 * posted_at still NULL.  Whoever holds the account's row lock next folds
 * such postings into the account (the fold job, or a posting whose limit
 * check needs them), giving them their place in the account's history.
 * balance() and available_balance() count them at once.
 *
 * Lock order: a hold before its accounts, accounts in code order, and
 * accounts last of all, after parties, alerts and payments (the global
 * order in payments.c and parties.c); the jobs here lock holds and
 * accounts only, with SKIP LOCKED and lock_timeout.
 *
 * Bounds.  Every sum of money is formed in 128 bits and an entry is
 * refused unless each account's balance (after every leg), held amounts,
 * available balance (posted - held out) and posted + held in stay within
 * bigint: LD002 where a limit refuses, else 22003 (apply_entry).  Checking
 * an entry is O(n log n) in its legs, a batch in its items, and every loop
 * over them calls CHECK_FOR_INTERRUPTS.  Account codes are looked up and
 * stored in NFC, without control or format characters
 * (fintech_account_code).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "commands/trigger.h"
#include "common/unicode_norm.h"
#include "mb/pg_wchar.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "port/pg_bitutils.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/guc.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "fintech.h"
#include "account_code.h"
#include "accounts.h"
#include "check_ledger.h"
#include "deferral.h"
#include "entries.h"
#include "holds.h"
#include "immutable.h"
#include "ledger.h"
#include "ledger_args.h"
#include "posting.h"
#include "posting_lock.h"
#include "posting_write.h"
#include "reversal.h"
#include "spi_plan.h"
#include "transfer_batch.h"

static const Oid entries_types[] = {INT8OID, TEXTOID, INT8OID, TEXTOID, JSONBOID, TIMESTAMPTZOID};
static const Oid postings_types[] = {INT8OID, INT4OID, INT8OID, INT8OID, INT8OID, INT8OID, TIMESTAMPTZOID};
static const Oid pending_legs_types[] = {INT8OID, INT4OID, INT8OID, INT8OID};
static const Oid holds_types[] = {INT8OID, TIMESTAMPTZOID, INT8OID};
static const Oid hold_updates_types[] = {INT8OID, TEXTOID, INT8OID, INT8OID, TIMESTAMPTZOID};
static const Oid account_update_types[] = {INT8OID, INT8OID, INT8OID, INT8OID, INT8OID};

/* ------------------------------------------------------------------------
 * Saved plans
 * ------------------------------------------------------------------------
 */

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

/* ------------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------------
 */

void
ledger_overflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("amount out of range for bigint")));
}

/* a 128-bit integer in decimal, for messages */
char *
i128_str(int128 v)
{
	char		buf[48];
	char	   *p = buf + sizeof(buf) - 1;
	uint128		u = v < 0 ? -(uint128) v : (uint128) v;

	*p = '\0';
	do
	{
		*--p = '0' + (int) (u % 10);
		u /= 10;
	} while (u > 0);
	if (v < 0)
		*--p = '-';
	return pstrdup(p);
}

/* ------------------------------------------------------------------------
 * Row buffers and bulk statements
 * ------------------------------------------------------------------------
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

/* ------------------------------------------------------------------------
 * Checking and applying one entry
 * ------------------------------------------------------------------------
 */

/* a refusal: raised in raise mode, recorded (false returned) otherwise */
static bool
refuse(Ledger *L, EntrySpec *e, int sqlstate, const char *detail, const char *fmt,...)
pg_attribute_printf(5, 6);

static bool
refuse(Ledger *L, EntrySpec *e, int sqlstate, const char *detail, const char *fmt,...)
{
	StringInfoData buf;

	/* in record mode the message is kept only when asked for */
	if (!L->raise && !L->keep_messages)
	{
		e->sqlstate = sqlstate;
		return false;
	}
	initStringInfo(&buf);
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&buf, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	if (L->raise)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg_internal("%s", buf.data),
				 detail ? errdetail_internal("%s", detail) : 0));
	e->message = buf.data;
	e->detail = detail;
	e->sqlstate = sqlstate;
	return false;
}

/* the effect of the entry being checked on account a (one per account) */
static Effect *
effect_of(Ledger *L, Effect *effects, int *neffects, Acct *a)
{
	if (a->eff_gen != L->gen)
	{
		a->eff_gen = L->gen;
		a->eff_idx = (*neffects)++;
		memset(&effects[a->eff_idx], 0, sizeof(Effect));
		effects[a->eff_idx].acct = a;
	}
	return &effects[a->eff_idx];
}

/* legs of an entry ordered by currency, then leg order (balance check) */
static int
leg_currency_cmp(const void *x, const void *y)
{
	const Leg  *a = *(Leg *const *) x;
	const Leg  *b = *(Leg *const *) y;
	int			c = strcmp(a->acct->currency, b->acct->currency);

	if (c != 0)
		return c;
	return a < b ? -1 : a > b ? 1 : 0;
}

/*
 * Each currency of the entry must balance, and its debits (= its credits)
 * must be a bigint: O(n log n) in the legs (one pass when they share a
 * currency).  Of several currencies at fault, the one whose first leg
 * comes first is reported.
 */
static bool
check_currencies(Ledger *L, EntrySpec *e)
{
	Leg		  **order;
	int			n = e->nlegs;
	bool		one = true;
	const Leg  *bad = NULL;
	int128		bad_debits = 0,
				bad_credits = 0;

	for (int i = 1; i < n && one; i++)
	{
		CHECK_FOR_INTERRUPTS();
		one = strcmp(e->legs[i].acct->currency, e->legs[0].acct->currency) == 0;
	}
	order = palloc(sizeof(Leg *) * Max(n, 1));
	for (int i = 0; i < n; i++)
		order[i] = &e->legs[i];
	if (!one)
		qsort(order, n, sizeof(Leg *), leg_currency_cmp);
	for (int i = 0; i < n;)
	{
		int			j = i;
		int128		debits = 0,
					credits = 0;

		CHECK_FOR_INTERRUPTS();
		for (; j < n && (one || strcmp(order[j]->acct->currency, order[i]->acct->currency) == 0); j++)
		{
			if (order[j]->amount > 0)
				debits += order[j]->amount;
			else
				credits -= order[j]->amount;
		}
		/* order[i] is the run's first leg */
		if ((debits != credits || debits > PG_INT64_MAX || credits > PG_INT64_MAX) &&
			(bad == NULL || order[i] < bad))
		{
			bad = order[i];
			bad_debits = debits;
			bad_credits = credits;
		}
		i = j;
	}
	pfree(order);
	if (bad == NULL)
		return true;
	if (bad_debits > PG_INT64_MAX || bad_credits > PG_INT64_MAX)
		return refuse(L, e, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
					  "The debits and the credits of each currency of an entry must each sum to a bigint.",
					  "entry out of range in %s: debits %s, credits %s, the limit is " INT64_FORMAT,
					  bad->acct->currency, i128_str(bad_debits), i128_str(bad_credits), PG_INT64_MAX);
	return refuse(L, e, LD001, NULL,
				  "entry does not balance in %s: debits " INT64_FORMAT " != credits " INT64_FORMAT,
				  bad->acct->currency, (int64) bad_debits, (int64) bad_credits);
}

/*
 * What an entry does to one locked account, exactly: 0 when it is
 * allowed; -1/+1 when min_balance/max_balance refuses it (LD002); 2 when a
 * balance after one of its legs, 3 when the held amounts, 4 when the
 * available balance (posted - held out) and 5 when posted + held in would
 * leave bigint (22003).  Only a change the entry makes is held against it:
 * an entry that moves nothing in a direction is not refused for it.  The
 * limits come first: where a limit refuses, that is the answer (with a
 * limit the bigint edge on its side cannot be reached).  Computed in 128
 * bits, so no check can itself overflow.
 */
static int
limit_state(Acct *a, Effect *f, int128 *new_out, int128 *new_in)
{
	int128		balance = a->balance;
	int128		new_balance = balance + f->net;
	bool		down = f->net < 0 || f->res_out > 0;
	bool		up = f->net > 0 || f->res_in > 0;
	int128		live_out,
				live_in;

	*new_out = (int128) a->pending_out - f->rel_out + f->res_out;
	*new_in = (int128) a->pending_in - f->rel_in + f->res_in;
	live_out = *new_out - a->expired_out;
	live_in = *new_in - a->expired_in;
	if (a->has_min && down && new_balance - live_out < a->min_balance)
		return -1;
	if (a->has_max && up && new_balance + live_in > a->max_balance)
		return 1;
	if (balance + f->run_min < PG_INT64_MIN || balance + f->run_max > PG_INT64_MAX)
		return 2;
	if ((f->res_out > 0 && *new_out > PG_INT64_MAX) || (f->res_in > 0 && *new_in > PG_INT64_MAX))
		return 3;
	if (down && new_balance - live_out < PG_INT64_MIN)
		return 4;
	if (up && new_balance + live_in > PG_INT64_MAX)
		return 5;
	return 0;
}

/* check one entry against the locked state; on success apply it in memory */
bool
apply_entry(Ledger *L, EntrySpec *e)
{
	Effect	   *effects = palloc(sizeof(Effect) * (e->nlegs + e->nrelease + 1));
	int			neffects = 0;
	bool		pending = e->pending_for != NULL || e->hold_forever;

	e->sqlstate = 0;
	e->entry_id = 0;
	L->gen++;

	/* accounts exist */
	for (int i = 0; i < e->nlegs; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (!e->legs[i].acct->found)
			return refuse(L, e, LD009, NULL, "account %s does not exist", e->legs[i].code);
	}
	for (int i = 0; i < e->nrelease; i++)
		FT_CHECK(e->release[i].acct->found);

	/* currencies */
	if (e->one_currency && e->nlegs == 2 &&
		strcmp(e->legs[0].acct->currency, e->legs[1].acct->currency) != 0)
		return refuse(L, e, LD004, NULL,
					  "currency mismatch: account %s is in %s, account %s is in %s",
					  e->legs[0].code, e->legs[0].acct->currency,
					  e->legs[1].code, e->legs[1].acct->currency);
	if (!check_currencies(L, e))
		return false;

	/* per-account effects, in one pass over the legs */
	for (int i = 0; i < e->nlegs; i++)
	{
		Acct	   *a = e->legs[i].acct;
		Effect	   *f = effect_of(L, effects, &neffects, a);

		CHECK_FOR_INTERRUPTS();
		f->posts = true;
		f->net += (int128) e->legs[i].amount * a->sign;
		f->run_min = Min(f->run_min, f->net);
		f->run_max = Max(f->run_max, f->net);
	}
	for (int i = 0; i < neffects && pending; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (effects[i].net < 0)
			effects[i].res_out = -effects[i].net;
		else
			effects[i].res_in = effects[i].net;
		effects[i].net = effects[i].run_min = effects[i].run_max = 0;
	}
	for (int i = 0; i < e->nrelease; i++)
	{
		Acct	   *a = e->release[i].acct;
		Effect	   *f = effect_of(L, effects, &neffects, a);

		CHECK_FOR_INTERRUPTS();
		f->releases = true;
		f->rel_net += (int128) e->release[i].amount * a->sign;
	}
	for (int i = 0; i < neffects; i++)
	{
		Effect	   *f = &effects[i];

		CHECK_FOR_INTERRUPTS();
		if (!f->releases)
			continue;
		if (f->rel_net < 0)
			f->rel_out = -f->rel_net;
		else
			f->rel_in = f->rel_net;
	}

	/* status */
	for (int i = 0; i < neffects; i++)
	{
		Acct	   *a = effects[i].acct;

		CHECK_FOR_INTERRUPTS();
		if ((effects[i].posts) && strcmp(a->status, "active") != 0)
			return refuse(L, e, LD003, NULL, "account %s is %s", a->code, a->status);
	}

	/* sanctions: a blocked party's money does not move (a release still does) */
	for (int i = 0; i < neffects; i++)
	{
		Acct	   *a = effects[i].acct;

		CHECK_FOR_INTERRUPTS();
		if (effects[i].posts && a->blocked)
			return refuse(L, e, LD006, NULL,
						  "account %s belongs to a party blocked by sanctions screening", a->code);
	}

	/*
	 * Limits and bigint range.  A limit that refuses is the answer even when
	 * another account of the entry would also leave bigint: first every
	 * account's state (after folding and expiry, which may help), then the
	 * first limit refusal, else the first range refusal.
	 */
	{
		int			refused = -1;

		for (int i = 0; i < neffects; i++)
		{
			Effect	   *f = &effects[i];
			Acct	   *a = f->acct;
			int128		new_out,
						new_in;

			CHECK_FOR_INTERRUPTS();
			if (a->lock != ACCT_LOCKED)
			{
				FT_CHECK(a->lock == ACCT_SHARED && !pending && f->rel_out == 0 && f->rel_in == 0);
				continue;
			}
			for (;;)
			{
				int			state = limit_state(a, f, &new_out, &new_in);

				if (state == 0)
					break;
				/* before refusing: deferred postings and expired holds may help */
				if (!a->folded && fold_account(L, a) > 0)
					continue;
				if (!a->expired_known)
				{
					load_expired(L, a);
					if (a->expired_out > 0 || a->expired_in > 0)
						continue;
				}
				if (refused < 0 || ((state == 1 || state == -1) &&
									effects[refused].state != 1 && effects[refused].state != -1))
				{
					refused = i;
					f->state = state;
				}
				break;
			}
		}
		if (refused >= 0)
		{
			Effect	   *f = &effects[refused];
			Acct	   *a = f->acct;
			int128		new_out,
						new_in;
			int128		held_out,
						held_in,
						take,
						give;

			(void) limit_state(a, f, &new_out, &new_in);
			held_out = (int128) a->pending_out - a->expired_out;
			held_in = (int128) a->pending_in - a->expired_in;
			take = pending ? f->res_out : -f->net;
			give = pending ? f->res_in : f->net;
			switch (f->state)
			{
				case -1:
					return refuse(L, e, LD002,
								  psprintf("The entry takes %s out; min_balance is " INT64_FORMAT
										   ", posted balance " INT64_FORMAT ", held %s.",
										   i128_str(take), a->min_balance, a->balance,
										   i128_str(held_out)),
								  "account %s: available balance %s < %s",
								  a->code, i128_str(a->balance - held_out),
								  i128_str(take + a->min_balance));
				case 1:
					return refuse(L, e, LD002,
								  psprintf("Posted balance " INT64_FORMAT ", incoming holds %s.",
										   a->balance, i128_str(held_in)),
								  "account %s: balance %s + %s would exceed max_balance " INT64_FORMAT,
								  a->code, i128_str(a->balance + held_in), i128_str(give),
								  a->max_balance);
				case 2:
					return refuse(L, e, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
								  psprintf("Posted balance " INT64_FORMAT "; the entry's legs move it by %s"
										   " (at least %s, at most %s along the way).",
										   a->balance, i128_str(f->net), i128_str(f->run_min),
										   i128_str(f->run_max)),
								  "account %s: balance out of range for bigint", a->code);
				case 3:
					return refuse(L, e, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
								  psprintf("Held out " INT64_FORMAT " + %s, held in " INT64_FORMAT " + %s.",
										   a->pending_out, i128_str(f->res_out),
										   a->pending_in, i128_str(f->res_in)),
								  "account %s: held amount out of range for bigint", a->code);
				case 4:
					return refuse(L, e, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
								  psprintf("Posted balance " INT64_FORMAT ", held out %s; the entry takes %s out.",
										   a->balance, i128_str(held_out), i128_str(take)),
								  "account %s: available balance %s out of range for bigint",
								  a->code, i128_str(a->balance + f->net - (new_out - a->expired_out)));
				default:
					return refuse(L, e, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
								  psprintf("Posted balance " INT64_FORMAT ", held in %s; the entry brings %s in.",
										   a->balance, i128_str(held_in), i128_str(give)),
								  "account %s: balance plus incoming holds %s out of range for bigint",
								  a->code, i128_str(a->balance + f->net + (new_in - a->expired_in)));
			}
		}
	}

	/* accepted: apply */
	e->entry_id = nextval_internal(L->entries_seq, false);
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
	return true;
}

void
ledger_writer_init(Ledger *L)
{
	L->entries_seq = RangeVarGetRelid(makeRangeVar("fintech", "entries_id_seq", -1), NoLock, false);
	rowbuf_init(&L->entries, lengthof(entries_types), entries_types);
	rowbuf_init(&L->postings, lengthof(postings_types), postings_types);
	rowbuf_init(&L->pending_legs, lengthof(pending_legs_types), pending_legs_types);
	rowbuf_init(&L->holds, lengthof(holds_types), holds_types);
	rowbuf_init(&L->hold_updates, lengthof(hold_updates_types), hold_updates_types);
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
}

/* write everything applied in memory */
void
ledger_finish(Ledger *L)
{
	rowbuf_flush(&L->entries, P_INS_ENTRIES, SPI_OK_INSERT, P_INS_ENTRY1, 1);
	rowbuf_flush(&L->postings, P_INS_POSTINGS, SPI_OK_INSERT, P_INS_POSTINGS2, 2);
	rowbuf_flush(&L->pending_legs, P_INS_PENDING_LEGS, SPI_OK_INSERT, -1, -1);
	rowbuf_flush(&L->holds, P_INS_HOLDS, SPI_OK_INSERT, -1, -1);
	rowbuf_flush(&L->hold_updates, P_UPD_HOLDS, SPI_OK_UPDATE, -1, -1);

	/* the accounts: one statement per account, or one for many (batches) */
	{
		RowBuf		accts;
		int			ndirty = 0;
		int			nested;

		for (int i = 0; i < L->naccts; i++)
			ndirty += L->accts[i].dirty;
		rowbuf_init(&accts, lengthof(account_update_types), account_update_types);
		for (int i = 0; i < L->naccts; i++)
		{
			Acct	   *a = &L->accts[i];

			CHECK_FOR_INTERRUPTS();
			if (!a->dirty)
				continue;
			FT_CHECK(a->lock == ACCT_LOCKED);
			a->dirty = false;
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

/* post one entry, raising any refusal; returns the entry id */
int64
post_one(EntrySpec *e, bool allow_defer)
{
	Ledger		L;

	ledger_begin(&L, e, 1, true, allow_defer);
	apply_entry(&L, e);
	ledger_finish(&L);
	return e->entry_id;
}

/* posts one entry in record mode: its refusal is returned in res, not raised */
int64
record_one(EntrySpec *e, bool allow_defer, FintechRefusal *res)
{
	Ledger		L;

	ledger_begin(&L, e, 1, false, allow_defer);
	L.keep_messages = true;
	apply_entry(&L, e);
	ledger_finish(&L);
	res->sqlstate = e->sqlstate;
	res->message = e->message;
	res->detail = e->detail;
	return e->entry_id;
}

void
spec_init(EntrySpec *e, const char *type)
{
	memset(e, 0, sizeof(*e));
	e->type = type;
	e->metadata = fintech_empty_object();
}

void
spec_transfer(EntrySpec *e, Leg *legs, char *debit, char *credit, int64 amount)
{
	legs[0].code = debit;
	legs[0].amount = amount;
	legs[0].acct = NULL;
	legs[1].code = credit;
	legs[1].amount = -amount;
	legs[1].acct = NULL;
	e->legs = legs;
	e->nlegs = 2;
	e->one_currency = true;
}

/* how long a job waits for a lock before leaving the work for its next run */
#define JOB_LOCK_TIMEOUT_MS "100"

/* run fn(arg) in a subtransaction; -1 when it gave up on a busy lock */
int64
run_in_subxact(SubxactFunc fn, void *arg)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	int64		result = -1;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		result = fn(arg);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		if (edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
			PG_RE_THROW();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		result = -1;
	}
	PG_END_TRY();
	return result;
}

void
job_lock_timeout(void)
{
	(void) set_config_option("lock_timeout", JOB_LOCK_TIMEOUT_MS, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
}

/* ------------------------------------------------------------------------
 * Module initialisation
 * ------------------------------------------------------------------------
 */

void
LedgerInit(void)
{
	fintech_define_job("expire_holds", "fintech.expire_holds_interval",
					   "How often the background worker releases holds past their deadline.",
					   1000, expire_holds_job);
	fintech_define_job("fold_postings", "fintech.fold_interval",
					   "How often the background worker folds deferred postings into their accounts; "
					   "0 also turns deferral off (every posting waits for its account's row lock).",
					   200, fold_postings_job);
}
