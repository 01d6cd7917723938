/*-------------------------------------------------------------------------
 *
 * ledger_args.c
 *	  The ledger's SQL arguments, checked before anything is read or
 *	  locked: NULL, range and form, each refused with 22023 naming the
 *	  argument (an account code through fintech_account_code).
 *
 * Locking: none.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/datetime.h"

#include "fintech.h"
#include "account_code.h"
#include "ledger.h"
#include "ledger_args.h"

char *
arg_text(FunctionCallInfo fcinfo, int n, const char *what)
{
	fintech_arg_not_null(fcinfo, n, what);
	return text_to_cstring(PG_GETARG_TEXT_PP(n));
}

char *
arg_code(FunctionCallInfo fcinfo, int n, const char *what)
{
	return fintech_account_code(arg_text(fcinfo, n, what), what);
}

int64
arg_amount(FunctionCallInfo fcinfo, int n, const char *what)
{
	int64		amount;

	fintech_arg_not_null(fcinfo, n, what);
	amount = PG_GETARG_INT64(n);
	if (amount <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be positive, not " INT64_FORMAT, what, amount)));
	return amount;
}

Jsonb *
arg_metadata(FunctionCallInfo fcinfo, int n)
{
	Jsonb	   *j;

	if (PG_ARGISNULL(n))
		return fintech_empty_object();
	j = PG_GETARG_JSONB_P(n);
	if (!JB_ROOT_IS_OBJECT(j))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("metadata must be a JSON object")));
	return j;
}

Interval *
arg_pending_for(FunctionCallInfo fcinfo, int n)
{
	Interval   *iv;
	Interval	zero;
	TimestampTz now,
				deadline;
	int128		up = 0,
				down = 0;

	if (PG_ARGISNULL(n))
		return NULL;
	iv = PG_GETARG_INTERVAL_P(n);
	memset(&zero, 0, sizeof(zero));
	if (DatumGetInt32(DirectFunctionCall2(interval_cmp, IntervalPGetDatum(iv),
										  IntervalPGetDatum(&zero))) <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pending_for must be a positive interval")));

	/*
	 * The deadline is the time of posting + pending_for, computed by
	 * timestamptz_pl_interval (months, then days, then time).  Bound every
	 * step of that in 128 bits first (a month is at most 31 days, a day at
	 * most 25 hours across a DST change), with a year to spare for the wait
	 * between now and the posting, so that computing it cannot fail; then
	 * it must lie after now (a month minus days can be shorter than it looks).
	 */
	now = GetCurrentTimestamp();
	{
		int128		parts[3] = {(int128) iv->month * 31 * USECS_PER_DAY,
		(int128) iv->day * 25 * USECS_PER_HOUR, iv->time};

		for (int i = 0; i < 3; i++)
		{
			if (parts[i] > 0)
				up += parts[i];
			else
				down += parts[i];
		}
	}
	if ((int128) now + up + 366 * USECS_PER_DAY >= END_TIMESTAMP || (int128) now + down < MIN_TIMESTAMP)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pending_for %s gives no representable deadline",
						DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(iv)))),
				 errdetail("The deadline (the time of posting plus pending_for) must be a timestamp"
						   " before the year 294276.")));
	deadline = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
													   TimestampTzGetDatum(now),
													   IntervalPGetDatum(iv)));
	if (deadline <= now)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pending_for %s gives a deadline that is not in the future",
						DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(iv)))),
				 errdetail("Now plus pending_for is %s.", format_ts(deadline))));
	return iv;
}

int64
arg_id(FunctionCallInfo fcinfo, int n, const char *what)
{
	fintech_arg_not_null(fcinfo, n, what);
	return PG_GETARG_INT64(n);
}

/* an array argument: not NULL, at most one dimension (22023 otherwise) */
ArrayType *
arg_array(FunctionCallInfo fcinfo, int n, const char *what)
{
	ArrayType  *arr;

	fintech_arg_not_null(fcinfo, n, what);
	arr = PG_GETARG_ARRAYTYPE_P(n);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array, not %d-dimensional", what, ARR_NDIM(arr)),
				 errhint("Pass a flat array: ARRAY[a, b, c], not ARRAY[[a, b], [c, d]].")));
	return arr;
}
