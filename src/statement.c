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
 * window [from_time, to_time) is turned into a range of seq first, with
 * the (account_id, posted_at, seq) index (a posting's posted_at is
 * stamped under its account's row lock, so an account's postings are in
 * the same order by seq and by posted_at), and the rows are also filtered
 * on posted_at, so the result is exact even if the clock stepped back.
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
	NPLANS
};

static const FintechPlanDef plan_defs[NPLANS] = {
	[P_ACCOUNT] = {"SELECT id, kind FROM fintech.accounts WHERE code OPERATOR(pg_catalog.=) $1",
	1, {TEXTOID}},
	/* $1 account, $2 after_seq, $3 from_time, $4 to_time, $5 max_rows, $6 sign */
	[P_PAGE] = {"SELECT p.seq, p.entry_id, p.posted_at, p.amount OPERATOR(pg_catalog.*) $6,"
		" p.balance_after, e.description, e.metadata"
		" FROM fintech.postings p JOIN fintech.entries e ON e.id OPERATOR(pg_catalog.=) p.entry_id"
		" WHERE p.account_id OPERATOR(pg_catalog.=) $1"
		"   AND p.seq OPERATOR(pg_catalog.>) pg_catalog.int8larger($2, COALESCE("
		"       (SELECT f.seq OPERATOR(pg_catalog.-) 1 FROM fintech.postings f"
		"         WHERE f.account_id OPERATOR(pg_catalog.=) $1 AND f.posted_at OPERATOR(pg_catalog.>=) $3"
		"         ORDER BY f.posted_at, f.seq LIMIT 1), 9223372036854775807))"
		"   AND p.seq OPERATOR(pg_catalog.<=) COALESCE("
		"       (SELECT t.seq FROM fintech.postings t"
		"         WHERE t.account_id OPERATOR(pg_catalog.=) $1 AND t.posted_at OPERATOR(pg_catalog.<) $4"
		"         ORDER BY t.posted_at DESC, t.seq DESC LIMIT 1), 0)"
		"   AND p.posted_at OPERATOR(pg_catalog.>=) $3 AND p.posted_at OPERATOR(pg_catalog.<) $4"
		" ORDER BY p.seq LIMIT $5", 6,
	{INT8OID, INT8OID, TIMESTAMPTZOID, TIMESTAMPTZOID, INT4OID, INT8OID}},
};

FT_DEFINE_PLANS(plans, plan_defs);

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
	Datum		v[6];
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
	v[0] = Int64GetDatum(get_int8(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, NULL));
	v[5] = Int64GetDatum(kind_sign(get_text(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2)));
	v[1] = Int64GetDatum(after);
	v[2] = PG_GETARG_DATUM(3);
	v[3] = PG_GETARG_DATUM(4);
	v[4] = Int32GetDatum(max_rows);
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
