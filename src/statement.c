/*-------------------------------------------------------------------------
 *
 * statement.c
 *	  fintech.statement(): an account's postings in the order of its
 *	  history (postings.seq), a page of at most max_rows after after_seq
 *	  (keyset pagination: the next page starts after the last seq seen).
 *
 * Each page is one index range scan of fintech.postings (account_id,
 * seq), so it costs O(max_rows) whatever the account's history.  The
 * plan is generic (spi_plan.h) and its LIMIT a parameter, for which the
 * planner would rather sort a bitmap scan of the account's whole history:
 * fintech.statement() runs with enable_sort = off (its CREATE FUNCTION),
 * which leaves the ordered index scan as the only plan worth having.  The time
 * window [from_time, to_time) is turned into a range of seq first, by a
 * binary search over the same index (seq_at_time: a posting's posted_at
 * is stamped under its account's row lock, so an account's postings are
 * in the same order by seq and by posted_at -- check_ledger() checks it),
 * O(log^2 n) in the account's postings, and the rows are also filtered
 * on posted_at.  fintech.balance_at() uses the same search (accounts.c).
 * Amounts are in the account's own sign convention (its normal
 * direction: what raises its balance is positive), as balance_after is.
 * A deferred posting (seq NULL) shows up once it is folded (fold_interval).
 *
 * Locking: none (a read; its snapshot is the calling statement's).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "ledger.h"
#include "ledger_args.h"
#include "spi_plan.h"
#include "statement.h"

/* the most rows one page may ask for */
#define STATEMENT_MAX_ROWS 10000

enum
{
	P_ACCOUNT,
	P_PAGE,
	P_POSTING,
	NPLANS
};

static const FintechPlanDef plan_defs[NPLANS] = {
	[P_ACCOUNT] = {"SELECT id, kind, last_seq FROM fintech.accounts WHERE code OPERATOR(pg_catalog.=) $1",
	1, {TEXTOID}},
	/* $1 account, $2 first seq - 1, $3 from_time, $4 to_time, $5 max_rows, $6 sign, $7 last seq */
	[P_PAGE] = {"SELECT p.seq, p.entry_id, p.posted_at, p.amount OPERATOR(pg_catalog.*) $6,"
		" p.balance_after, e.description, e.metadata"
		" FROM fintech.postings p JOIN fintech.entries e ON e.id OPERATOR(pg_catalog.=) p.entry_id"
		" WHERE p.account_id OPERATOR(pg_catalog.=) $1"
		"   AND p.seq OPERATOR(pg_catalog.>) $2 AND p.seq OPERATOR(pg_catalog.<=) $7"
		"   AND p.posted_at OPERATOR(pg_catalog.>=) $3 AND p.posted_at OPERATOR(pg_catalog.<) $4"
		" ORDER BY p.seq LIMIT $5", 7,
	{INT8OID, INT8OID, TIMESTAMPTZOID, TIMESTAMPTZOID, INT4OID, INT8OID, INT8OID}},
	/* one posting of an account's history: an index probe of (account_id, seq) */
	[P_POSTING] = {"SELECT posted_at, balance_after FROM fintech.postings"
		" WHERE account_id OPERATOR(pg_catalog.=) $1 AND seq OPERATOR(pg_catalog.=) $2",
	2, {INT8OID, INT8OID}},
};

FT_DEFINE_PLANS(plans, plan_defs);

/* posted_at and balance_after of the account's posting seq (1..last_seq) */
static TimestampTz
posting_at(const char *code, int64 account_id, int64 seq, int64 *balance_after)
{
	Datum		v[2] = {Int64GetDatum(account_id), Int64GetDatum(seq)};
	bool		isnull;
	Datum		at;

	ft_run_plan(&plans, P_POSTING, v, NULL, true, 1);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("account %s has no posting with seq " INT64_FORMAT, code, seq),
				 errhint("fintech.check_ledger() reports what is wrong with its postings.")));
	at = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (balance_after)
		*balance_after = get_int8(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, NULL);
	return isnull ? DT_NOEND : DatumGetTimestampTz(at);
}

/*
 * The last of the account's postings 1..last_seq stamped before t
 * (strict) or at t at the latest: its seq (0: none) and balance_after (0:
 * none).  posted_at does not decrease with seq, so a binary search: the
 * last posting first (the common "now"), then O(log n) index probes.
 */
int64
seq_at_time(const char *code, int64 account_id, int64 last_seq, TimestampTz t, bool strict,
			int64 *balance_after)
{
	int64		lo = 0,
				hi = last_seq,
				bal = 0;

	if (last_seq > 0)
	{
		TimestampTz at = posting_at(code, account_id, last_seq, &bal);

		if (strict ? at < t : at <= t)
			lo = last_seq;
		else
			hi = last_seq - 1;
	}
	/* invariant: lo qualifies (0 always does), every seq > hi does not */
	while (lo < hi)
	{
		int64		mid = lo + (hi - lo + 1) / 2;
		int64		b;
		TimestampTz at = posting_at(code, account_id, mid, &b);

		CHECK_FOR_INTERRUPTS();
		if (strict ? at < t : at <= t)
		{
			lo = mid;
			bal = b;
		}
		else
			hi = mid - 1;
	}
	if (balance_after)
		*balance_after = lo == 0 ? 0 : bal;	/* bal: lo's, from the probe that chose it */
	return lo;
}

PG_FUNCTION_INFO_V1(fintech_statement);
/*
 * fintech.statement(account, after_seq, max_rows, from_time, to_time)
 *	  RETURNS TABLE(seq, entry_id, posted_at, amount, balance_after, description, metadata)
 */
Datum
fintech_statement(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *code = arg_code(fcinfo, 0, "account");
	int64		after;
	int32		max_rows;
	Datum		v[7];
	Datum		acct = CStringGetTextDatum(code);
	uint64		n;

	fintech_arg_not_null(fcinfo, 1, "after_seq");
	after = PG_GETARG_INT64(1);
	if (after < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("after_seq must not be negative, not " INT64_FORMAT, after)));
	fintech_arg_not_null(fcinfo, 2, "max_rows");
	max_rows = PG_GETARG_INT32(2);
	if (max_rows < 1 || max_rows > STATEMENT_MAX_ROWS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_rows must be between 1 and %d, not %d", STATEMENT_MAX_ROWS, max_rows),
				 errhint("Page through a longer history with after_seq.")));
	fintech_arg_not_null(fcinfo, 3, "from_time");
	fintech_arg_not_null(fcinfo, 4, "to_time");

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	ft_run_plan(&plans, P_ACCOUNT, &acct, NULL, true, 1);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(LD009),
				 errmsg("account %s does not exist", code)));
	{
		int64		id = get_int8(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, NULL);
		int64		last_seq = get_int8(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, NULL);
		TimestampTz from = PG_GETARG_TIMESTAMPTZ(3);
		TimestampTz to = PG_GETARG_TIMESTAMPTZ(4);

		v[0] = Int64GetDatum(id);
		v[5] = Int64GetDatum(kind_sign(get_text(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2)));
		/* the window's seq range: after the last posting before from, up to the last before to */
		v[1] = Int64GetDatum(Max(after, TIMESTAMP_IS_NOBEGIN(from) ? 0 :
								 seq_at_time(code, id, last_seq, from, true, NULL)));
		v[6] = Int64GetDatum(TIMESTAMP_IS_NOEND(to) ? last_seq :
							 seq_at_time(code, id, last_seq, to, true, NULL));
		v[2] = TimestampTzGetDatum(from);
		v[3] = TimestampTzGetDatum(to);
		v[4] = Int32GetDatum(max_rows);
	}
	ft_run_plan(&plans, P_PAGE, v, NULL, true, 0);
	n = SPI_processed;
	for (uint64 r = 0; r < n; r++)
	{
		Datum		out[7];
		bool		outnull[7];

		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < 7; i++)
			out[i] = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, i + 1, &outnull[i]);
		/* tuplestore_putvalues copies the values (out of SPI's memory) */
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, out, outnull);
	}
	SPI_finish();
	return (Datum) 0;
}
