/*-------------------------------------------------------------------------
 *
 * holds.c
 *	  Holds: pending entries, which reserve money (pending_out/pending_in
 *	  of their accounts, fintech.pending_legs) until they are posted
 *	  (fintech.post_pending, in full or for less), voided
 *	  (fintech.void_pending) or expire (the expire_holds job).  The hold of
 *	  a held payment never expires and is resolved only through its payment
 *	  (fintech_resolve_held_payment, from payments.c).
 *
 * A hold past its deadline stops counting at once (load_expired: the
 * limit checks and available_balance leave it out) and is released by
 * the job, EXPIRE_BATCH at a time, with an expire_pending entry.
 *
 * Lock order: a hold before its accounts (FOR NO KEY UPDATE on the hold,
 * then the accounts in code order, posting_lock.c).  The expiry job locks
 * holds with SKIP LOCKED and its accounts under a short lock_timeout, in a
 * subtransaction (ledger.h), and leaves a busy batch for its next run.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "holds.h"
#include "ledger.h"
#include "ledger_args.h"
#include "ledger_keys.h"
#include "posting.h"
#include "posting_lock.h"
#include "posting_write.h"
#include "spi_plan.h"

#define EXPIRE_BATCH		200

enum
{
	P_EXPIRED,
	P_HOLD_LEGS,
	P_LOCK_HOLD,
	P_ENTRY_TYPE,
	NPLANS
};

static const FintechPlanDef plan_defs[NPLANS] = {
	/* per expired-but-open hold on the account: its net effect there (debit > 0) */
	[P_EXPIRED] = {"SELECT pg_catalog.sum(l.amount)::pg_catalog.int8 FROM fintech.holds h"
		" JOIN fintech.pending_legs l ON l.entry_id OPERATOR(pg_catalog.=) h.entry_id"
		" WHERE h.status OPERATOR(pg_catalog.=) 'open' AND h.expires_at OPERATOR(pg_catalog.<=) $2"
		" AND l.account_id OPERATOR(pg_catalog.=) $1 GROUP BY h.entry_id",
	2, {INT8OID, TIMESTAMPTZOID}},
	/* a pending entry's legs, in order (capture and release: saved, they run per call) */
	[P_HOLD_LEGS] = {"SELECT a.code, l.amount FROM fintech.pending_legs l"
		" JOIN fintech.accounts a ON a.id OPERATOR(pg_catalog.=) l.account_id"
		" WHERE l.entry_id OPERATOR(pg_catalog.=) $1 ORDER BY l.leg", 1, {INT8OID}},
	[P_LOCK_HOLD] = {"SELECT status, expires_at, amount FROM fintech.holds"
		" WHERE entry_id OPERATOR(pg_catalog.=) $1 FOR NO KEY UPDATE", 1, {INT8OID}},
	[P_ENTRY_TYPE] = {"SELECT type FROM fintech.entries WHERE id OPERATOR(pg_catalog.=) $1", 1, {INT8OID}},
};

FT_DEFINE_PLANS(plans, plan_defs);

/* the part of pending_out/pending_in held by holds past their deadline */
void
load_expired(Ledger *L, Acct *a)
{
	Datum		v[2];

	a->expired_known = true;
	a->expired_out = a->expired_in = 0;
	if (a->pending_out == 0 && a->pending_in == 0)
		return;
	v[0] = Int64GetDatum(a->id);
	v[1] = TimestampTzGetDatum(L->stamp);
	ft_run_plan(&plans, P_EXPIRED, v, NULL, false, 0);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		int64		net = mul64(get_int8(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, NULL), a->sign);

		CHECK_FOR_INTERRUPTS();
		if (net < 0)
			a->expired_out = add64(a->expired_out, -net);
		else
			a->expired_in = add64(a->expired_in, net);
	}
}

/* the legs of a pending entry, from fintech.pending_legs */
static Leg *
load_hold_legs(int64 entry_id, int *nlegs)
{
	Datum		v[1] = {Int64GetDatum(entry_id)};
	Leg		   *legs;

	if (ft_run_plan(&plans, P_HOLD_LEGS, v, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the legs of pending entry " INT64_FORMAT, entry_id);
	legs = palloc0(sizeof(Leg) * Max(SPI_processed, 1));
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		CHECK_FOR_INTERRUPTS();
		legs[r].code = get_text(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1);
		legs[r].amount = get_int8(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2, NULL);
	}
	*nlegs = (int) SPI_processed;
	return legs;
}

/*
 * Lock the hold of a pending entry and check that it is open and within its
 * deadline (LD008 otherwise, LD009 when there is no such entry).
 */
static int64
lock_open_hold(int64 entry_id, const char *action, bool internal)
{
	Datum		v[1] = {Int64GetDatum(entry_id)};
	char	   *status;
	TimestampTz expires_at;
	bool		isnull;
	int64		amount;

	if (ft_run_plan(&plans, P_LOCK_HOLD, v, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not lock the hold of entry " INT64_FORMAT, entry_id);
	if (SPI_processed == 0)
	{
		if (ft_run_plan(&plans, P_ENTRY_TYPE, v, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not read entry " INT64_FORMAT, entry_id);
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(LD009),
					 errmsg("entry " INT64_FORMAT " does not exist", entry_id)));
		ereport(ERROR,
				(errcode(LD008),
				 errmsg("cannot %s entry " INT64_FORMAT ": it is not a pending entry (type %s)",
						action, entry_id, get_text(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1))));
	}
	status = get_text(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	expires_at = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	amount = get_int8(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull);
	if (strcmp(status, "open") != 0)
		ereport(ERROR,
				(errcode(LD008),
				 errmsg("cannot %s entry " INT64_FORMAT ": the hold is already %s",
						action, entry_id, status)));
	if (TIMESTAMP_IS_NOEND(expires_at) && !internal)
		ereport(ERROR,
				(errcode(LD008),
				 errmsg("cannot %s entry " INT64_FORMAT ": it holds a payment under sanctions review",
						action, entry_id),
				 errhint("The payment is posted or voided when its party's alerts are resolved (fintech.resolve_alert).")));
	if (expires_at <= GetCurrentTimestamp())
		ereport(ERROR,
				(errcode(LD008),
				 errmsg("cannot %s entry " INT64_FORMAT ": the hold has expired", action, entry_id),
				 errdetail("It expired at %s.", format_ts(expires_at))));
	return isnull ? 0 : amount;
}

/*
 * The entry that posts (or, with void, releases) hold: locks the hold,
 * checks it is open, and fills e.  amount > 0 posts only that much of a
 * two-leg hold.  Holds of held payments (which never expire) are resolved
 * only through the payment (internal).
 */
static void
build_resolution(EntrySpec *e, int64 hold, bool post, int64 amount, bool internal)
{
	const char *action = post ? "post" : "void";
	int64		held = lock_open_hold(hold, action, internal);
	int			n;

	spec_init(e, post ? "post_pending" : "void_pending");
	e->related_id = hold;
	e->release = load_hold_legs(hold, &e->nrelease);
	e->description = cstring_to_text(psprintf("%s of pending entry " INT64_FORMAT, action, hold));
	e->resolve_hold = hold;
	e->resolve_status = post ? "posted" : "voided";
	if (!post)
		return;
	n = e->nrelease;
	e->legs = palloc(sizeof(Leg) * n);
	memcpy(e->legs, e->release, sizeof(Leg) * n);
	e->nlegs = n;
	if (amount > 0)
	{
		if (n != 2)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cannot partially post entry " INT64_FORMAT ": it has %d legs", hold, n),
					 errdetail("Only a two-leg hold can be posted for a smaller amount.")));
		if (amount > held)
			ereport(ERROR,
					(errcode(LD008),
					 errmsg("cannot post " INT64_FORMAT " of entry " INT64_FORMAT ": only " INT64_FORMAT " is held",
							amount, hold, held)));
		for (int i = 0; i < 2; i++)
			e->legs[i].amount = e->legs[i].amount > 0 ? amount : -amount;
	}
	e->resolve_amount = amount > 0 ? amount : held;
}

PG_FUNCTION_INFO_V1(fintech_post_pending);
/* fintech.post_pending(entry_id, amount DEFAULT NULL, idempotency_key DEFAULT NULL) */
Datum
fintech_post_pending(PG_FUNCTION_ARGS)
{
	int64		hold = arg_id(fcinfo, 0, "entry_id");
	int64		amount = PG_ARGISNULL(1) ? 0 : arg_amount(fcinfo, 1, "amount");
	EntrySpec	e;
	LedgerKey	k;

	ledger_key_init(&k, fcinfo, 2, "post_pending");
	ledger_key_int(&k, hold, false);
	ledger_key_int(&k, amount, amount == 0);
	SPI_connect();
	if (ledger_key_claim(&k))
	{
		SPI_finish();
		PG_RETURN_INT64(k.entry_id);
	}
	build_resolution(&e, hold, true, amount, false);
	e.preset_id = k.entry_id;
	post_one(&e, false);
	SPI_finish();
	PG_RETURN_INT64(e.entry_id);
}

PG_FUNCTION_INFO_V1(fintech_void_pending);
/* fintech.void_pending(entry_id, idempotency_key DEFAULT NULL) */
Datum
fintech_void_pending(PG_FUNCTION_ARGS)
{
	int64		hold = arg_id(fcinfo, 0, "entry_id");
	EntrySpec	e;
	LedgerKey	k;

	ledger_key_init(&k, fcinfo, 1, "void_pending");
	ledger_key_int(&k, hold, false);
	SPI_connect();
	if (ledger_key_claim(&k))
	{
		SPI_finish();
		PG_RETURN_INT64(k.entry_id);
	}
	build_resolution(&e, hold, false, 0, false);
	e.preset_id = k.entry_id;
	post_one(&e, false);
	SPI_finish();
	PG_RETURN_INT64(e.entry_id);
}

/*
 * fintech_resolve_held_payment: posts (post) or voids the never-expiring
 * hold of a held payment.  Posting is checked like any entry; its refusal
 * is returned (0, res set), and the hold is then left open.  The caller
 * has connected to SPI.
 */
int64
fintech_resolve_held_payment(int64 hold, bool post, FintechRefusal *res)
{
	EntrySpec	e;

	build_resolution(&e, hold, post, 0, true);
	return record_one(&e, false, res);
}

/* release a batch of expired holds; the argument is the clock to use */
static int64
expire_batch(void *arg)
{
	Oid			types[1] = {TIMESTAMPTZOID};
	Datum		v[1] = {TimestampTzGetDatum(*(TimestampTz *) arg)};
	int			nholds;
	int64	   *ids;
	EntrySpec  *specs;
	Ledger		L;

	ft_run_select("SELECT entry_id FROM fintech.holds"
				  " WHERE status OPERATOR(pg_catalog.=) 'open'"
				  " AND expires_at OPERATOR(pg_catalog.<=) $1"
				  " ORDER BY expires_at LIMIT " CppAsString2(EXPIRE_BATCH)
				  " FOR NO KEY UPDATE SKIP LOCKED", 1, types, v);
	nholds = (int) SPI_processed;
	if (nholds == 0)
		return 0;
	ids = palloc(sizeof(int64) * nholds);
	for (int i = 0; i < nholds; i++)
		ids[i] = get_int8(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, NULL);
	specs = palloc(sizeof(EntrySpec) * nholds);
	for (int i = 0; i < nholds; i++)
	{
		EntrySpec  *e = &specs[i];

		CHECK_FOR_INTERRUPTS();
		spec_init(e, "expire_pending");
		e->related_id = ids[i];
		e->release = load_hold_legs(ids[i], &e->nrelease);
		e->description = cstring_to_text(psprintf("expiry of pending entry " INT64_FORMAT, ids[i]));
		e->resolve_hold = ids[i];
		e->resolve_status = "expired";
	}
	ledger_begin(&L, specs, nholds, true, false);
	for (int i = 0; i < nholds; i++)
	{
		CHECK_FOR_INTERRUPTS();
		apply_entry(&L, &specs[i]);
	}
	ledger_finish(&L);
	return nholds;
}

/*
 * expire_holds job: release holds past their deadline, EXPIRE_BATCH at a
 * time, each with an expire_pending entry.  A batch whose accounts are
 * busy is left for the next run (expired holds stop counting at their
 * deadline anyway).
 */
int64
expire_holds_job(bool *again)
{
	TimestampTz now = GetCurrentTimestamp();
	int64		n;

	SPI_connect();
	job_lock_timeout();
	n = run_in_subxact(expire_batch, &now);
	SPI_finish();
	*again = n == EXPIRE_BATCH;
	return Max(n, 0);
}
