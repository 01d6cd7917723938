/*-------------------------------------------------------------------------
 *
 * entries.c
 *	  Posting entries from SQL: legs (fintech.debit, fintech.credit),
 *	  balanced N-leg entries (fintech.post), transfers (fintech.transfer,
 *	  the hot path) and the transfer that returns its refusal instead of
 *	  raising it (fintech_transfer_record, for fintech.pay).
 *
 * Model.  A posting's amount is signed the accounting way (debit > 0,
 * credit < 0), so the postings of an entry sum to zero per currency.
 * Arguments are checked here, before anything is locked; the entry is then
 * posted by the engine (posting.c), which may defer a leg (deferral.c).
 *
 * Locking: the entry's accounts, in code order (posting_lock.c); nothing
 * else.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "account_code.h"
#include "entries.h"
#include "ledger.h"
#include "ledger_args.h"
#include "ledger_keys.h"
#include "posting.h"

/*
 * fintech_transfer_record: a transfer whose refusal is returned, not raised
 * (for fintech.pay, which records business refusals).  The caller has
 * connected to SPI.  Returns the entry id, or 0 with res->sqlstate and
 * res->message set.
 */
int64
fintech_transfer_record(const char *debit, const char *credit, int64 amount,
						text *description, Jsonb *metadata, bool hold,
						FintechRefusal *res, const char **debit_currency)
{
	EntrySpec	e;
	Leg			legs[2];
	int64		entry_id;

	spec_init(&e, hold ? "pending" : "standard");
	spec_transfer(&e, legs, (char *) debit, (char *) credit, amount);
	e.description = description;
	e.hold_forever = hold;
	if (metadata)
		e.metadata = metadata;
	entry_id = record_one(&e, true, res);
	if (debit_currency)
		*debit_currency = entry_id != 0 && legs[0].acct ? legs[0].acct->currency : NULL;
	return entry_id;
}

static Datum
make_leg(FunctionCallInfo fcinfo, const char *side)
{
	char	   *account = arg_code(fcinfo, 0, "account");
	int64		amount = arg_amount(fcinfo, 1, "amount");
	TupleDesc	desc;
	Datum		v[3];
	bool		n[3] = {false, false, false};

	/* only a CREATE FUNCTION that declares it otherwise gets here */
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("return type of %s() must be fintech.leg", side)));
	desc = BlessTupleDesc(desc);
	v[0] = CStringGetTextDatum(account);
	v[1] = CStringGetTextDatum(side);
	v[2] = Int64GetDatum(amount);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, v, n)));
}

PG_FUNCTION_INFO_V1(fintech_debit);
Datum
fintech_debit(PG_FUNCTION_ARGS)
{
	return make_leg(fcinfo, "debit");
}

PG_FUNCTION_INFO_V1(fintech_credit);
Datum
fintech_credit(PG_FUNCTION_ARGS)
{
	return make_leg(fcinfo, "credit");
}

/* legs from a fintech.leg[] argument, validated */
static Leg *
legs_from_array(ArrayType *arr, int *nlegs)
{
	Oid			elemtype = ARR_ELEMTYPE(arr);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	Leg		   *legs;

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, elemtype, typlen, typbyval, typalign, &elems, &nulls, &n);
	legs = palloc0(sizeof(Leg) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		HeapTupleHeader th;
		bool		isnull;
		Datum		d;
		char	   *side;
		int64		amount;

		CHECK_FOR_INTERRUPTS();
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("leg %d is NULL", i + 1)));
		th = DatumGetHeapTupleHeader(elems[i]);
		d = GetAttributeByNum(th, 1, &isnull);
		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("leg %d: account must not be NULL", i + 1)));
		legs[i].code = TextDatumGetCString(d);
		if (!code_plain(legs[i].code))
			legs[i].code = fintech_account_code(legs[i].code, psprintf("leg %d: account", i + 1));
		d = GetAttributeByNum(th, 2, &isnull);
		side = isnull ? NULL : TextDatumGetCString(d);
		if (side == NULL || (strcmp(side, "debit") != 0 && strcmp(side, "credit") != 0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("leg %d: side must be 'debit' or 'credit'", i + 1),
					 errhint("Build legs with fintech.debit() and fintech.credit().")));
		d = GetAttributeByNum(th, 3, &isnull);
		amount = isnull ? 0 : DatumGetInt64(d);
		if (amount <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("leg %d: amount must be positive, not %s", i + 1,
							isnull ? "NULL" : psprintf(INT64_FORMAT, amount))));
		legs[i].amount = side[0] == 'd' ? amount : -amount;
	}
	if (n < 2)
		ereport(ERROR,
				(errcode(LD001),
				 errmsg("an entry needs at least 2 legs, got %d", n)));
	*nlegs = n;
	return legs;
}

/*
 * The options of post and transfer, from argument n on (description,
 * metadata, pending_for: a hold, idempotency_key), then post the entry
 * (or replay it: ledger_keys.c); returns its id.
 */
static Datum
post_with_options(FunctionCallInfo fcinfo, EntrySpec *e, int n, LedgerKey *k)
{
	int64		id;

	e->description = PG_ARGISNULL(n) ? NULL : PG_GETARG_TEXT_P(n);
	e->metadata = arg_metadata(fcinfo, n + 1);
	e->pending_for = arg_pending_for(fcinfo, n + 2);
	if (e->pending_for)
		e->type = "pending";
	ledger_key_entry(k, e);

	SPI_connect();
	if (ledger_key_claim(k))
	{
		SPI_finish();
		PG_RETURN_INT64(k->entry_id);
	}
	e->preset_id = k->entry_id;
	id = post_one(e, true);
	SPI_finish();
	PG_RETURN_INT64(id);
}

PG_FUNCTION_INFO_V1(fintech_post);
/* fintech.post(legs, description, metadata, pending_for, idempotency_key) */
Datum
fintech_post(PG_FUNCTION_ARGS)
{
	EntrySpec	e;
	LedgerKey	k;

	spec_init(&e, "standard");
	e.legs = legs_from_array(arg_array(fcinfo, 0, "legs"), &e.nlegs);
	ledger_key_init(&k, fcinfo, 4, "post");
	return post_with_options(fcinfo, &e, 1, &k);
}

PG_FUNCTION_INFO_V1(fintech_transfer);
/* fintech.transfer(debit_account, credit_account, amount, description, metadata, pending_for,
 *					 idempotency_key) */
Datum
fintech_transfer(PG_FUNCTION_ARGS)
{
	char	   *debit = arg_code(fcinfo, 0, "debit_account");
	char	   *credit = arg_code(fcinfo, 1, "credit_account");
	int64		amount = arg_amount(fcinfo, 2, "amount");
	EntrySpec	e;
	Leg			legs[2];
	LedgerKey	k;

	spec_init(&e, "standard");
	spec_transfer(&e, legs, debit, credit, amount);
	ledger_key_init(&k, fcinfo, 6, "transfer");
	return post_with_options(fcinfo, &e, 3, &k);
}
