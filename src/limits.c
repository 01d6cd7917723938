/*-------------------------------------------------------------------------
 *
 * limits.c
 *	  The SQL functions of spending and velocity limits:
 *	  fintech.create_limit, fintech.drop_limit and fintech.review_payment.
 *	  The check inside fintech.pay is limit_check.c's.
 *
 * A limit is never deleted: drop_limit marks it dropped (pay no longer
 * reads it) and forgets what its slots counted, so a payment that read it
 * before the drop still writes rows that name a limit that exists.
 *
 * review_payment follows the global lock order of payments.c: the
 * payment's parties (FOR SHARE), then the payment and its review (FOR
 * UPDATE), then limit slots, the hold and the accounts.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "fintech.h"
#include "limit.h"
#include "payments.h"
#include "spi_plan.h"

#define LIMIT_NAME_MAXCHARS	200
#define REASON_MAXCHARS		1000

enum
{
	P_CURRENCY,
	P_CREATE,
	P_DROP,
	P_FORGET,
	P_PAYMENT,
	P_LOCK_REVIEW,
	P_DECIDE,
	NPLANS
};

static const FintechPlanDef plan_defs[NPLANS] = {
	[P_CURRENCY] = {"SELECT 1 FROM fintech.currencies WHERE code OPERATOR(pg_catalog.=) $1", 1, {TEXTOID}},
	[P_CREATE] = {"INSERT INTO fintech.limits (name, scope, period, max_amount, max_count, currency, action)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7)"
		" ON CONFLICT (name) WHERE dropped_at IS NULL DO NOTHING RETURNING id", 7,
	{TEXTOID, TEXTOID, INTERVALOID, INT8OID, INT4OID, TEXTOID, TEXTOID}},
	[P_DROP] = {"UPDATE fintech.limits SET dropped_at = pg_catalog.clock_timestamp(),"
		" dropped_by = pg_catalog.session_user()"
		" WHERE name OPERATOR(pg_catalog.=) $1 AND dropped_at IS NULL RETURNING id", 1, {TEXTOID}},
	[P_FORGET] = {"DELETE FROM fintech.limit_slots WHERE limit_id OPERATOR(pg_catalog.=) $1", 1, {INT8OID}},
	[P_PAYMENT] = {"SELECT p.payer, p.payee FROM fintech.payments p WHERE p.id OPERATOR(pg_catalog.=) $1",
	1, {INT8OID}},
	[P_LOCK_REVIEW] = {"SELECT p.status, p.entry_id, r.decision, r.limit_name"
		" FROM fintech.payments p LEFT JOIN fintech.payment_reviews r"
		"   ON r.payment_id OPERATOR(pg_catalog.=) p.id"
		" WHERE p.id OPERATOR(pg_catalog.=) $1 FOR UPDATE OF p", 1, {INT8OID}},
	[P_DECIDE] = {"UPDATE fintech.payment_reviews SET decision = $2, reason = $3,"
		" decided_by = pg_catalog.session_user(), decided_at = pg_catalog.clock_timestamp()"
		" WHERE payment_id OPERATOR(pg_catalog.=) $1 AND decision IS NULL", 3, {INT8OID, TEXTOID, TEXTOID}},
};

FT_DEFINE_PLANS(plans, plan_defs);

/* one of the words allowed, else 22023 naming them */
static void
check_word(const char *what, const char *value, const char *const *allowed, const char *hint)
{
	for (int i = 0; allowed[i] != NULL; i++)
		if (strcmp(value, allowed[i]) == 0)
			return;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid %s \"%s\"", what, value),
			 errhint("%s", hint)));
}

PG_FUNCTION_INFO_V1(fintech_create_limit);
/*
 * fintech.create_limit(name, scope, period, max_amount, max_count, currency,
 *						 action) RETURNS bigint
 */
Datum
fintech_create_limit(PG_FUNCTION_ARGS)
{
	static const char *const scopes[] = {"payer", "payee", "payer_party", "payee_party", NULL};
	static const char *const actions[] = {"reject", "review", NULL};
	char	   *name = fintech_text_arg(fcinfo, 0, "name", FT_ARG_NOT_BLANK, LIMIT_NAME_MAXCHARS);
	char	   *scope = fintech_text_arg(fcinfo, 1, "scope", 0, 100);
	char	   *currency = fintech_text_arg(fcinfo, 5, "currency", FT_ARG_OPTIONAL, 100);
	char	   *action = fintech_text_arg(fcinfo, 6, "action", 0, 100);
	Interval   *period;
	Interval	zero;
	Datum		v[7];
	char		n[8] = "       ";
	bool		isnull;
	int64		id;

	check_word("limit scope", scope, scopes,
			   "The scope is payer, payee (the account), payer_party or payee_party.");
	check_word("limit action", action, actions, "The action is reject or review.");
	fintech_arg_not_null(fcinfo, 2, "period");
	period = PG_GETARG_INTERVAL_P(2);
	memset(&zero, 0, sizeof(zero));
	if (DatumGetInt32(DirectFunctionCall2(interval_cmp, IntervalPGetDatum(period),
										  IntervalPGetDatum(&zero))) <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the period of limit \"%s\" must be positive, not %s", name,
						DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(period)))),
				 errhint("The period is the sliding window the limit counts payments in, e.g. '1 day'.")));
	if (PG_ARGISNULL(3) && PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("limit \"%s\" caps nothing", name),
				 errhint("Give max_amount, max_count or both.")));
	if (!PG_ARGISNULL(3) && PG_GETARG_INT64(3) <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_amount of limit \"%s\" must be positive, not " INT64_FORMAT, name,
						PG_GETARG_INT64(3))));
	if (!PG_ARGISNULL(4) && PG_GETARG_INT32(4) <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_count of limit \"%s\" must be positive, not %d", name,
						PG_GETARG_INT32(4))));

	SPI_connect();
	if (currency != NULL)
	{
		v[0] = CStringGetTextDatum(currency);
		ft_run_plan(&plans, P_CURRENCY, v, NULL, true, 0);
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown currency \"%s\"", currency),
					 errhint("Currencies are the codes in fintech.currencies.")));
	}
	v[0] = CStringGetTextDatum(name);
	v[1] = CStringGetTextDatum(scope);
	v[2] = IntervalPGetDatum(period);
	v[3] = PG_ARGISNULL(3) ? (Datum) 0 : Int64GetDatum(PG_GETARG_INT64(3));
	n[3] = PG_ARGISNULL(3) ? 'n' : ' ';
	v[4] = PG_ARGISNULL(4) ? (Datum) 0 : Int32GetDatum(PG_GETARG_INT32(4));
	n[4] = PG_ARGISNULL(4) ? 'n' : ' ';
	v[5] = currency ? CStringGetTextDatum(currency) : (Datum) 0;
	n[5] = currency ? ' ' : 'n';
	v[6] = CStringGetTextDatum(action);
	if (ft_run_plan(&plans, P_CREATE, v, n, false, 0) != SPI_OK_INSERT_RETURNING)
		elog(ERROR, "could not create limit");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("limit \"%s\" already exists", name),
				 errhint("Drop it first (fintech.drop_limit) to replace it.")));
	id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	ft_limits_changed();
	SPI_finish();
	PG_RETURN_INT64(id);
}

PG_FUNCTION_INFO_V1(fintech_drop_limit);
/* fintech.drop_limit(name) */
Datum
fintech_drop_limit(PG_FUNCTION_ARGS)
{
	char	   *name = fintech_text_arg(fcinfo, 0, "name", 0, LIMIT_NAME_MAXCHARS);
	Datum		v[1];
	bool		isnull;

	SPI_connect();
	v[0] = CStringGetTextDatum(name);
	if (ft_run_plan(&plans, P_DROP, v, NULL, false, 0) != SPI_OK_UPDATE_RETURNING)
		elog(ERROR, "could not drop limit");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_LD009),
				 errmsg("limit \"%s\" does not exist", name)));
	v[0] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	ft_run_plan(&plans, P_FORGET, v, NULL, false, 0);
	ft_limits_changed();
	SPI_finish();
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(fintech_review_payment);
/* fintech.review_payment(payment_id, decision, reason) */
Datum
fintech_review_payment(PG_FUNCTION_ARGS)
{
	static const char *const decisions[] = {"approve", "reject", NULL};
	int64		payment_id;
	char	   *decision;
	char	   *reason;
	Datum		v[3];
	char	   *payer;
	char	   *payee;
	char	   *status;
	char	   *decided;
	char	   *limit_name;
	char	   *why = NULL;
	ScreenState state;
	HeapTuple	tup;
	TupleDesc	desc;
	bool		isnull;
	int64		hold;

	fintech_arg_not_null(fcinfo, 0, "payment_id");
	payment_id = PG_GETARG_INT64(0);
	decision = fintech_text_arg(fcinfo, 1, "decision", 0, 100);
	check_word("review decision", decision, decisions, "The decision is approve or reject.");
	reason = fintech_text_arg(fcinfo, 2, "reason", FT_ARG_NOT_BLANK, REASON_MAXCHARS);

	SPI_connect();
	v[0] = Int64GetDatum(payment_id);
	ft_run_plan(&plans, P_PAYMENT, v, NULL, true, 0);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_LD009),
				 errmsg("payment " INT64_FORMAT " does not exist", payment_id)));
	payer = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	payee = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);

	/* lock order: parties, then the payment */
	state = payment_screening(payer, payee, &why);
	ft_run_plan(&plans, P_LOCK_REVIEW, v, NULL, false, 0);
	FT_CHECK(SPI_processed == 1);
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	status = SPI_getvalue(tup, desc, 1);
	hold = DatumGetInt64(SPI_getbinval(tup, desc, 2, &isnull));
	decided = SPI_getvalue(tup, desc, 3);
	limit_name = SPI_getvalue(tup, desc, 4);
	if (limit_name == NULL || strcmp(status, "held") != 0 || decided != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_LD008),
				 errmsg("payment " INT64_FORMAT " is not held for review", payment_id),
				 limit_name == NULL
				 ? errdetail("Its status is %s; no limit sent it to review.", status)
				 : decided != NULL
				 ? errdetail("It was reviewed already (%s); its status is %s.", decided, status)
				 : errdetail("Its status is %s.", status),
				 errhint("Only a payment a review limit holds can be reviewed, once.")));
	FT_CHECK(!isnull);

	v[1] = CStringGetTextDatum(decision);
	v[2] = CStringGetTextDatum(reason);
	if (ft_run_plan(&plans, P_DECIDE, v, NULL, false, 0) != SPI_OK_UPDATE || SPI_processed != 1)
		elog(ERROR, "could not record the review of payment " INT64_FORMAT, payment_id);

	if (strcmp(decision, "reject") == 0)
		(void) reject_held_payment(payment_id, hold, ERRCODE_LD010,
								   psprintf("rejected in review (limit \"%s\"): %s", limit_name, reason));
	else
		(void) settle_held_payment(payment_id, hold, state, why);	/* held on while a party is under review */
	SPI_finish();
	PG_RETURN_VOID();
}
