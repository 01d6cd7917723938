/*-------------------------------------------------------------------------
 *
 * sweep.c
 *	  fintech.sweep(): "move whatever is available, up to max_amount" as
 *	  one transfer, decided under the accounts' row locks, so no other
 *	  transaction can change the amount between the read and the write.
 *
 * The amount is the least of max_amount and, for each of the two
 * accounts, the room its limit leaves in the direction the transfer moves
 * it (a debit lowers a credit-normal account's balance: its min_balance
 * counts, minus what its live holds take out; a credit raises it: its
 * max_balance counts, plus what live holds bring in), after its deferred
 * postings are folded and its expired holds discounted, exactly as the
 * posting engine would see them.  The entry is then posted by the engine
 * (posting.c), which checks it like any transfer.  Nothing to move:
 * (NULL, 0), no entry.
 *
 * Locking: the idempotency key first (ledger_keys.c), then both accounts
 * FOR NO KEY UPDATE in code order (posting_lock.c; no deferral).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "deferral.h"
#include "holds.h"
#include "ledger.h"
#include "ledger_args.h"
#include "ledger_keys.h"
#include "posting.h"
#include "posting_lock.h"
#include "posting_write.h"
#include "spi_plan.h"
#include "sweep.h"

enum
{
	P_AMOUNT,
	NPLANS
};

static const FintechPlanDef plan_defs[NPLANS] = {
	/* a transfer's amount: its debit leg */
	[P_AMOUNT] = {"SELECT pg_catalog.max(amount) FROM fintech.postings"
		" WHERE entry_id OPERATOR(pg_catalog.=) $1", 1, {INT8OID}},
};

FT_DEFINE_PLANS(plans, plan_defs);

/*
 * How much an account can move by in direction dir (+1 up, -1 down, in
 * its normal direction) within its limit, or its bigint range when it has
 * no limit that way (*limited false).  Folds its deferred postings and
 * reads its expired holds first, as a refusal would.
 */
static int128
room(Ledger *L, Acct *a, int dir, bool *limited)
{
	if (!a->folded)
		fold_account(L, a);
	if (!a->expired_known)
		load_expired(L, a);
	if (dir < 0)
	{
		int128		avail = (int128) a->balance - ((int128) a->pending_out - a->expired_out);

		*limited = a->has_min;
		return avail - (a->has_min ? a->min_balance : PG_INT64_MIN);
	}
	else
	{
		int128		reach = (int128) a->balance + ((int128) a->pending_in - a->expired_in);

		*limited = a->has_max;
		return (a->has_max ? a->max_balance : PG_INT64_MAX) - reach;
	}
}

PG_FUNCTION_INFO_V1(fintech_sweep);
/*
 * fintech.sweep(debit_account, credit_account, max_amount, description, metadata,
 *				 idempotency_key)
 *	  RETURNS TABLE(entry_id, amount)
 */
Datum
fintech_sweep(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *debit = arg_code(fcinfo, 0, "debit_account");
	char	   *credit = arg_code(fcinfo, 1, "credit_account");
	int64		max_amount = PG_ARGISNULL(2) ? 0 : arg_amount(fcinfo, 2, "max_amount");
	EntrySpec	e;
	Leg			legs[2];
	LedgerKey	k;
	Ledger		L;
	Acct	   *d,
			   *c;
	int128		amount;
	Datum		out[2];
	bool		outnull[2] = {false, false};

	if (strcmp(debit, credit) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot sweep account %s into itself", debit)));
	spec_init(&e, "standard");
	spec_transfer(&e, legs, debit, credit, 1);
	e.description = PG_ARGISNULL(3) ? NULL : PG_GETARG_TEXT_P(3);
	e.metadata = arg_metadata(fcinfo, 4);
	ledger_key_init(&k, fcinfo, 5, "sweep");
	ledger_key_field(&k, debit);
	ledger_key_field(&k, credit);
	ledger_key_int(&k, max_amount, max_amount == 0);
	ledger_key_field(&k, e.description ? text_to_cstring(e.description) : NULL);
	ledger_key_field(&k, JsonbToCString(NULL, &e.metadata->root, VARSIZE(e.metadata)));

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	if (ledger_key_claim(&k))
	{
		Datum		v[1] = {Int64GetDatum(k.entry_id)};

		/* a fresh snapshot: the first call may have committed after ours began */
		ft_run_plan(&plans, P_AMOUNT, v, NULL, false, 1);
		out[0] = Int64GetDatum(k.entry_id);
		out[1] = Int64GetDatum(get_int8(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, NULL));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, out, outnull);
		SPI_finish();
		return (Datum) 0;
	}
	e.preset_id = k.entry_id;

	ledger_begin(&L, &e, 1, true, false);
	d = legs[0].acct;
	c = legs[1].acct;
	if (!d->found || !c->found || strcmp(d->status, "active") != 0 ||
		strcmp(c->status, "active") != 0 || d->blocked || c->blocked ||
		strcmp(d->currency, c->currency) != 0)
		amount = 1;				/* refused below, as the transfer would be */
	else
	{
		bool		d_limited,
					c_limited;
		int128		d_room = room(&L, d, d->sign, &d_limited);
		int128		c_room = room(&L, c, -c->sign, &c_limited);

		if (!d_limited && max_amount == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("sweep from account %s needs max_amount: the account has no %s",
							debit, d->sign < 0 ? "min_balance" : "max_balance"),
					 errhint("Pass max_amount, or give the account a limit.")));
		amount = max_amount ? max_amount : PG_INT64_MAX;
		amount = Min(amount, Min(d_room, c_room));
	}

	if (amount <= 0)
	{
		/* nothing to move: no entry, and the key is not spent */
		ledger_finish(&L);
		ledger_key_release(&k);
		SPI_finish();
		outnull[0] = true;
		out[1] = Int64GetDatum(0);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, out, outnull);
		return (Datum) 0;
	}
	legs[0].amount = (int64) amount;
	legs[1].amount = -(int64) amount;
	apply_entry(&L, &e);
	ledger_finish(&L);
	SPI_finish();
	out[0] = Int64GetDatum(e.entry_id);
	out[1] = Int64GetDatum((int64) amount);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, out, outnull);
	return (Datum) 0;
}
