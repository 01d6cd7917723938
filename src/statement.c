/*-------------------------------------------------------------------------
 *
 * statement.c
 *	  fintech.statement(): an account's postings in the order of its
 *	  history (postings.seq), a page of at most max_rows after after_seq
 *	  (keyset pagination: the next page starts after the last seq seen).
 *
 * Each page is one index range scan of fintech.postings by account and
 * seq bucket (postings_account_seq, on (account_id, seq >> bits):
 * statement.h), bounded to the max_rows seqs the page can hold -- an
 * account's postings are numbered 1, 2, ... without a hole, as
 * check_ledger() checks -- then a sort of those rows by seq; so it reads
 * at most max_rows + 2 * (2^bits - 1) postings (the two partial buckets at
 * its ends) whatever the account's history.  The time window
 * [from_time, to_time) is turned into a range of seq first, by a search
 * over the same index (seq_at_time: a posting's posted_at is stamped
 * under its account's row lock, so an account's postings are in the same
 * order by seq and by posted_at -- check_ledger() checks it), the
 * account's last bucket first (backwards: "now" reads one row), then
 * bucket by bucket and inside the last one, and the rows are also filtered on posted_at.  fintech.balance_at() uses the same search (accounts.c).
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
	P_TAIL,
	P_BUCKET,
	NPLANS
};

static const FintechPlanDef plan_defs[NPLANS] = {
	[P_ACCOUNT] = {"SELECT id, kind, last_seq FROM fintech.accounts WHERE code OPERATOR(pg_catalog.=) $1",
	1, {TEXTOID}},
	/*
	 * $1 account, $2 first seq - 1, $3 from_time, $4 to_time, $5 max_rows,
	 * $6 sign, $7 last seq (at most $2 + $5): the buckets of ($2, $7]
	 */
	[P_PAGE] = {"SELECT p.seq, p.entry_id, p.posted_at, p.amount OPERATOR(pg_catalog.*) $6,"
		" p.balance_after, e.description, e.metadata"
		" FROM fintech.postings p JOIN fintech.entries e ON e.id OPERATOR(pg_catalog.=) p.entry_id"
		" WHERE p.account_id OPERATOR(pg_catalog.=) $1"
		"   AND " FT_SEQ_BUCKET("p.") " OPERATOR(pg_catalog.>=) ($2 OPERATOR(pg_catalog.>>) "
		CppAsString2(FT_SEQ_BUCKET_BITS) ")"
		"   AND " FT_SEQ_BUCKET("p.") " OPERATOR(pg_catalog.<=) ($7 OPERATOR(pg_catalog.>>) "
		CppAsString2(FT_SEQ_BUCKET_BITS) ")"
		"   AND p.seq OPERATOR(pg_catalog.>) $2 AND p.seq OPERATOR(pg_catalog.<=) $7"
		"   AND p.posted_at OPERATOR(pg_catalog.>=) $3 AND p.posted_at OPERATOR(pg_catalog.<) $4"
		" ORDER BY p.seq LIMIT $5", 7,
	{INT8OID, INT8OID, TIMESTAMPTZOID, TIMESTAMPTZOID, INT4OID, INT8OID, INT8OID}},
	/* one posting of an account's history: an index probe of its bucket */
	[P_POSTING] = {"SELECT posted_at, balance_after FROM fintech.postings"
		" WHERE account_id OPERATOR(pg_catalog.=) $1"
		"   AND " FT_SEQ_BUCKET("") " OPERATOR(pg_catalog.=) ($2 OPERATOR(pg_catalog.>>) "
		CppAsString2(FT_SEQ_BUCKET_BITS) ")"
		"   AND seq OPERATOR(pg_catalog.=) $2",
	2, {INT8OID, INT8OID}},
	/*
	 * the postings ($2, $3] of the account's last bucket (that of $3, its
	 * last posting), read backwards: a bucket's index entries are in the
	 * order of the rows' places in the table, where an account's postings
	 * are appended as its seq grows, so the first row is usually $3.  The
	 * bucket is bounded by a range, not by "=": a column equal to a
	 * constant needs no order, and the scan would run forwards.
	 */
	[P_TAIL] = {"SELECT seq, posted_at, balance_after FROM fintech.postings"
		" WHERE account_id OPERATOR(pg_catalog.=) $1"
		"   AND " FT_SEQ_BUCKET("") " OPERATOR(pg_catalog.>=) ($3 OPERATOR(pg_catalog.>>) "
		CppAsString2(FT_SEQ_BUCKET_BITS) ")"
		"   AND " FT_SEQ_BUCKET("") " OPERATOR(pg_catalog.<=) ($3 OPERATOR(pg_catalog.>>) "
		CppAsString2(FT_SEQ_BUCKET_BITS) ")"
		"   AND seq OPERATOR(pg_catalog.>) $2 AND seq OPERATOR(pg_catalog.<=) $3"
		" ORDER BY " FT_SEQ_BUCKET("") " DESC",
	3, {INT8OID, INT8OID, INT8OID}},
	/* the postings ($2, $3] of one bucket (that of $3), in no order */
	[P_BUCKET] = {"SELECT seq, posted_at, balance_after FROM fintech.postings"
		" WHERE account_id OPERATOR(pg_catalog.=) $1"
		"   AND " FT_SEQ_BUCKET("") " OPERATOR(pg_catalog.=) ($3 OPERATOR(pg_catalog.>>) "
		CppAsString2(FT_SEQ_BUCKET_BITS) ")"
		"   AND seq OPERATOR(pg_catalog.>) $2 AND seq OPERATOR(pg_catalog.<=) $3",
	3, {INT8OID, INT8OID, INT8OID}},
};

FT_DEFINE_PLANS(plans, plan_defs);

static void no_posting(const char *code, int64 seq) pg_attribute_noreturn();

static void
no_posting(const char *code, int64 seq)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("account %s has no posting with seq " INT64_FORMAT, code, seq),
			 errhint("fintech.check_ledger() reports what is wrong with its postings.")));
}

/* posted_at and balance_after of the account's posting seq (1..last_seq) */
static TimestampTz
posting_at(const char *code, int64 account_id, int64 seq, int64 *balance_after)
{
	Datum		v[2] = {Int64GetDatum(account_id), Int64GetDatum(seq)};
	bool		isnull;
	Datum		at;

	/* count 1: the scan of the bucket stops at the posting */
	ft_run_plan(&plans, P_POSTING, v, NULL, true, 1);
	if (SPI_processed == 0)
		no_posting(code, seq);
	at = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (balance_after)
		*balance_after = get_int8(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, NULL);
	return isnull ? DT_NOEND : DatumGetTimestampTz(at);
}

/* a bucket's rows as scan_bucket reads them: posted_at, balance_after, seen, by seq - first */
typedef struct BucketRows
{
	int64		first;
	TimestampTz at[1 << FT_SEQ_BUCKET_BITS];
	int64		b[1 << FT_SEQ_BUCKET_BITS];
	bool		seen[1 << FT_SEQ_BUCKET_BITS];
} BucketRows;

/* the rows of SPI_tuptable (seq, posted_at, balance_after) into r */
static void
take_rows(BucketRows *r)
{
	for (uint64 k = 0; k < SPI_processed; k++)
	{
		int64		i = get_int8(SPI_tuptable->vals[k], SPI_tuptable->tupdesc, 1, NULL) - r->first;
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[k], SPI_tuptable->tupdesc, 2, &isnull);

		/* the queries keep seq in (lo, hi]: i in [0, n) */
		r->at[i] = isnull ? DT_NOEND : DatumGetTimestampTz(d);
		r->b[i] = get_int8(SPI_tuptable->vals[k], SPI_tuptable->tupdesc, 3, NULL);
		r->seen[i] = true;
	}
}

/*
 * Postings *lo + 1 .. hi of one bucket (those after hi do not qualify):
 * one read of the bucket, then *lo and *bal move up over the postings
 * that qualify, in seq order, up to the first that does not.  The
 * search's last step, and its first (tail: hi is the account's last
 * posting), where the bucket is read backwards and a first row that is
 * hi and qualifies ends the read: the common "now" reads one row.
 */
static void
scan_bucket(const char *code, int64 account_id, int64 *lo, int64 hi, TimestampTz t, bool strict,
			int64 *bal, bool tail)
{
	int			n = (int) (hi - *lo);
	Datum		v[3] = {Int64GetDatum(account_id), Int64GetDatum(*lo), Int64GetDatum(hi)};
	BucketRows	r = {0};

	r.first = *lo + 1;
	Assert(n > 0 && n <= (1 << FT_SEQ_BUCKET_BITS));
	Assert((r.first >> FT_SEQ_BUCKET_BITS) == (hi >> FT_SEQ_BUCKET_BITS));
	if (!tail)
	{
		ft_run_plan(&plans, P_BUCKET, v, NULL, true, 0);
		take_rows(&r);
	}
	else
	{
		Portal		portal = ft_open_cursor(&plans, P_TAIL, v, NULL, true);

		SPI_cursor_fetch(portal, true, 1);
		take_rows(&r);
		if (r.seen[n - 1] && (strict ? r.at[n - 1] < t : r.at[n - 1] <= t))
		{
			/* hi, the last, qualifies: so does every posting before it */
			SPI_cursor_close(portal);
			*lo = hi;
			*bal = r.b[n - 1];
			return;
		}
		SPI_cursor_fetch(portal, true, FETCH_ALL);
		take_rows(&r);
		SPI_cursor_close(portal);
	}
	for (int i = 0; i < n; i++)
	{
		if (!r.seen[i])
			no_posting(code, r.first + i);
		if (strict ? r.at[i] >= t : r.at[i] > t)
			break;
		*lo = r.first + i;
		*bal = r.b[i];
	}
}

/*
 * The last of the account's postings 1..last_seq stamped before t
 * (strict) or at t at the latest: its seq (0: none) and balance_after (0:
 * none).  posted_at does not decrease with seq, so a binary search.  A
 * probe reads its posting's bucket in the index, then its rows until the
 * posting, so the search probes first postings of buckets (usually the
 * first row of theirs) until it is down to one bucket, which it reads in
 * one go.  It starts with the account's last bucket, read backwards
 * (the common "now": its first row, the last posting, qualifies, and the
 * read ends there; reading the whole bucket cost balance_at(now()) 22 %
 * more instructions once the index had buckets, docs/benchmarks.md).
 */
int64
seq_at_time(const char *code, int64 account_id, int64 last_seq, TimestampTz t, bool strict,
			int64 *balance_after)
{
	int64		lo = 0,
				hi = last_seq,
				bal = 0;

	ft_check_seq_bucket();
	if (last_seq > 0)
	{
		/* the last bucket's postings, from its first (seq 1 in bucket 0) to last_seq */
		int64		start = Max((last_seq >> FT_SEQ_BUCKET_BITS) << FT_SEQ_BUCKET_BITS, 1);

		lo = start - 1;
		scan_bucket(code, account_id, &lo, last_seq, t, strict, &bal, true);
		if (lo >= start)
			hi = lo;			/* the last qualifying one is in the bucket */
		else
		{
			lo = 0;				/* none of the bucket qualifies */
			hi = start - 1;
		}
	}
	/* invariant: lo qualifies (0 always does), every seq > hi does not */
	while (lo < hi)
	{
		int64		blo = lo >> FT_SEQ_BUCKET_BITS,
					bhi = hi >> FT_SEQ_BUCKET_BITS;
		int64		mid,
					b;
		TimestampTz at;

		CHECK_FOR_INTERRUPTS();
		if (blo == bhi)
		{
			scan_bucket(code, account_id, &lo, hi, t, strict, &bal, false);
			break;
		}
		/* the first posting of a bucket after lo's, up to hi's */
		mid = (blo + (bhi - blo + 1) / 2) << FT_SEQ_BUCKET_BITS;
		at = posting_at(code, account_id, mid, &b);
		if (strict ? at < t : at <= t)
		{
			lo = mid;
			bal = b;
		}
		else
			hi = mid - 1;
	}
	if (balance_after)
		*balance_after = lo == 0 ? 0 : bal;	/* bal: lo's, from the read that chose it */
	return lo;
}

void
ft_check_seq_bucket(void)
{
#ifdef FINTECH_CHECKS
	/* pg_get_indexdef's form of the index's second column */
	const char *want = "((seq >> " CppAsString2(FT_SEQ_BUCKET_BITS) "))";
	char	   *def;

	if (SPI_execute("SELECT pg_catalog.pg_get_indexdef("
					"'fintech.postings_account_seq'::pg_catalog.regclass)", true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "fintech internal check failed: cannot read postings_account_seq's definition");
	def = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	if (def == NULL || strstr(def, want) == NULL)
		elog(ERROR, "fintech internal check failed: postings_account_seq is \"%s\", not on %s "
			 "(FT_SEQ_BUCKET_BITS, src/statement.h)", def ? def : "", want);
#endif
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
	ft_check_seq_bucket();
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
		int64		first,
					last;

		v[0] = Int64GetDatum(id);
		v[5] = Int64GetDatum(kind_sign(get_text(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2)));

		/* the window's seq range: after the last posting before from, up to the last before to */
		first = Max(after, TIMESTAMP_IS_NOBEGIN(from) ? 0 :
					seq_at_time(code, id, last_seq, from, true, NULL));
		last = TIMESTAMP_IS_NOEND(to) ? last_seq : seq_at_time(code, id, last_seq, to, true, NULL);
		/* and of it, the max_rows postings a page holds (both are >= 0: no overflow) */
		if (last - first > max_rows)
			last = first + max_rows;
		v[1] = Int64GetDatum(first);
		v[6] = Int64GetDatum(last);
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
