/*-------------------------------------------------------------------------
 *
 * payments.c
 *	  Idempotent payments: fintech.pay(), the idempotency keys and the job
 *	  that prunes them (fintech.idempotency_retention).
 *
 * A key is claimed by inserting it into fintech.idempotency_keys with ON
 * CONFLICT DO NOTHING.  PostgreSQL makes a second inserter of the same key
 * wait for the first one's transaction: when that commits, the second
 * finds the key taken and replays the payment it names; when it rolls back,
 * the second one's insert goes through and it executes.  So there is
 * exactly one payment per key under any concurrency, and no unique
 * violation ever reaches the caller (in REPEATABLE READ or SERIALIZABLE a
 * key claimed by a transaction the snapshot cannot see is a serialization
 * failure, 40001, to be retried like any other).
 *
 * The key, the payment and its ledger entry are written in the caller's
 * transaction: they commit or roll back together.  Business refusals
 * (LD002, LD003) are recorded as a rejected payment and replayed; invalid
 * input raises and leaves nothing behind.
 *
 * Global lock order, followed by pay, resolve_alert, rescreening and the
 * jobs (payments.c and parties.c carry the same list):
 *   1. the idempotency key (pay: its insert waits for a concurrent claimant)
 *   2. parties, in id order: FOR SHARE by pay (the parties it screens),
 *      FOR NO KEY UPDATE by resolve_alert (one party) and rescreening
 *   3. that party's alerts (resolve_alert)
 *   4. held payments, in id order (FOR UPDATE, when a status change
 *      resolves them; their other party is share-locked then, as in 2)
 *   4a. spending-limit slots, by limit id and slot (limit_check.c: pay,
 *      and a held payment's rejection, which releases its count)
 *   5. holds (FOR NO KEY UPDATE: post/void, expiry, a held payment)
 *   6. accounts, in byte order of their codes (the ledger: FOR NO KEY
 *      UPDATE, or FOR KEY SHARE for a deferred credit)
 * An application may lock accounts (6) before it calls pay, which then
 * waits for parties (2): that inversion cannot deadlock, because nothing
 * waits for an account, payment or hold while it holds a party.
 * resolve_alert first waits for the accounts a status change will lock
 * holding nothing (each locked alone and released at once), then, in a
 * subtransaction, locks the party, takes 3-5 under a short lock_timeout
 * (100 ms, at most half of deadlock_timeout) and the accounts (6) NOWAIT,
 * and starts over when one is busy (55P03, or 40P01 among resolutions);
 * rescreening locks parties only, with SKIP LOCKED, and waits for a busy
 * one only while it holds none; the expiry and fold jobs lock 5-6 only
 * (SKIP LOCKED, a 100 ms lock_timeout, below the default deadlock_timeout
 * of 1 s), never a party.  The sealer locks only fintech.audit_head
 * (audit_seal.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "common/sha2.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "storage/bufmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "fintech.h"
#include "account_code.h"
#include "entries.h"
#include "events.h"
#include "holds.h"
#include "immutable.h"
#include "payments.h"
#include "spi_plan.h"
#include "canon.h"
#include "jobs.h"
#include "metrics.h"
#include "ledger_keys.h"
#include "limit.h"

#define KEY_MAXCHARS	255
#define PRUNE_BATCH		10000

/* GUC fintech.idempotency_retention, an interval */
static char *retention_string = NULL;
static Interval retention;

static int64 prune_keys_job(bool *again);

/* ------------------------------------------------------------------------
 * The request and its hash
 * ------------------------------------------------------------------------
 */

typedef struct PayRequest
{
	char	   *key;
	char	   *payer;
	char	   *payee;
	int64		amount;
	char	   *reference;		/* NULL: none */
	Jsonb	   *metadata;
	char	   *metadata_text;
	uint8		hash[PG_SHA256_DIGEST_LENGTH];
} PayRequest;

/*
 * The request's hash: SHA-256 of payer, payee, amount, reference and
 * metadata (jsonb text, which is canonical), each "<bytes>:<text>" or "N".
 */
static void
request_hash(PayRequest *r)
{
	StringInfoData buf;

	initStringInfo(&buf);
	fintech_canon_field(&buf, r->payer);
	fintech_canon_field(&buf, r->payee);
	fintech_canon_field(&buf, psprintf(INT64_FORMAT, r->amount));
	fintech_canon_field(&buf, r->reference);
	fintech_canon_field(&buf, r->metadata_text);
	fintech_sha256(buf.data, buf.len, r->hash);
}

/* ------------------------------------------------------------------------
 * Saved plans
 * ------------------------------------------------------------------------
 */

enum
{
	P_CLAIM,
	P_INSERT,
	P_REPLAY,
	P_PARTIES,
	P_ACCOUNTS,
	P_HELD,
	P_RESOLVE,
	P_CURRENCY,
	NPLANS
};

static const FintechPlanDef plan_defs[NPLANS] = {
	[P_CLAIM] = {"INSERT INTO fintech.idempotency_keys (key, payment_id) VALUES ($1, $2)"
		" ON CONFLICT (key) DO NOTHING", 2, {TEXTOID, INT8OID}},
	[P_INSERT] = {"INSERT INTO fintech.payments (id, idempotency_key, payer, payee, amount, reference,"
		" metadata, status, reason, message, entry_id, request_hash)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)", 12,
	{INT8OID, TEXTOID, TEXTOID, TEXTOID, INT8OID, TEXTOID, JSONBOID, TEXTOID, TEXTOID, TEXTOID,
	INT8OID, BYTEAOID}},
	[P_REPLAY] = {"SELECT p.id, p.status, p.reason, p.entry_id, p.request_hash, p.payer, p.payee,"
		" p.amount, p.reference, p.metadata::pg_catalog.text"
		" FROM fintech.idempotency_keys k JOIN fintech.payments p ON p.id OPERATOR(pg_catalog.=) k.payment_id"
		" WHERE k.key OPERATOR(pg_catalog.=) $1", 1, {TEXTOID}},
	/* the parties of two accounts, share-locked against a status change */
	[P_PARTIES] = {"SELECT pt.id, pt.status, pt.name FROM fintech.parties pt"
		" WHERE pt.id OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT a.party_id FROM fintech.accounts a"
		"   WHERE a.code OPERATOR(pg_catalog.=) $1 OR a.code OPERATOR(pg_catalog.=) $2))"
		" ORDER BY pt.id FOR SHARE OF pt", 2, {TEXTOID, TEXTOID}},
	[P_ACCOUNTS] = {"SELECT $1 FROM fintech.accounts WHERE code OPERATOR(pg_catalog.=) $1"
		" UNION ALL SELECT $2 FROM fintech.accounts WHERE code OPERATOR(pg_catalog.=) $2",
	2, {TEXTOID, TEXTOID}},
	[P_HELD] = {"SELECT p.id, p.entry_id, p.payer, p.payee FROM fintech.payments p"
		" WHERE p.status OPERATOR(pg_catalog.=) 'held'"
		"   AND (p.payer OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT code FROM fintech.accounts"
		"          WHERE party_id OPERATOR(pg_catalog.=) $1))"
		"     OR p.payee OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT code FROM fintech.accounts"
		"          WHERE party_id OPERATOR(pg_catalog.=) $1)))"
		" ORDER BY p.id FOR UPDATE OF p", 1, {INT8OID}},
	[P_CURRENCY] = {"SELECT currency FROM fintech.accounts WHERE code OPERATOR(pg_catalog.=) $1",
	1, {TEXTOID}},
	[P_RESOLVE] = {"UPDATE fintech.payments SET status = $2, reason = $3, message = $4,"
		" resolved_at = pg_catalog.clock_timestamp(), resolved_entry_id = $5"
		" WHERE id OPERATOR(pg_catalog.=) $1", 5, {INT8OID, TEXTOID, TEXTOID, TEXTOID, INT8OID}},
};

FT_DEFINE_PLANS(plans, plan_defs);

/* ------------------------------------------------------------------------
 * fintech.pay
 * ------------------------------------------------------------------------
 */

/* an account's currency, NULL when there is no such account */
static const char *
payer_currency(const char *code)
{
	Datum		v[1] = {CStringGetTextDatum(code)};

	if (ft_run_plan(&plans, P_CURRENCY, v, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the currency of account \"%s\"", code);
	return SPI_processed == 1 ?
		SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1) : NULL;
}

/* what differs between the stored request (replay row) and this one */
static char *
request_differences(HeapTuple tup, TupleDesc desc, PayRequest *r)
{
	StringInfoData buf;
	char	   *payer = SPI_getvalue(tup, desc, 6);
	char	   *payee = SPI_getvalue(tup, desc, 7);
	char	   *amount = SPI_getvalue(tup, desc, 8);
	char	   *reference = SPI_getvalue(tup, desc, 9);
	char	   *metadata = SPI_getvalue(tup, desc, 10);
	char	   *mine = psprintf(INT64_FORMAT, r->amount);

	initStringInfo(&buf);
#define DIFF(name, old, new) \
	do { \
		if ((old) == NULL ? (new) != NULL : ((new) == NULL || strcmp((old), (new)) != 0)) \
			appendStringInfo(&buf, "%s%s %s, not %s", buf.len ? "; " : "", (name), \
							 (old) ? (old) : "NULL", (new) ? (new) : "NULL"); \
	} while (0)
	DIFF("payer", payer, r->payer);
	DIFF("payee", payee, r->payee);
	DIFF("amount", amount, mine);
	DIFF("reference", reference, r->reference);
	DIFF("metadata", metadata, r->metadata_text);
#undef DIFF
	return buf.len ? buf.data : "the request hash differs";
}

/*
 * The sanctions state of a payment between two accounts: SCREEN_BLOCKED if
 * a party of either is blocked (*why names it), SCREEN_REVIEW if one is
 * under review, else SCREEN_CLEAR.  Share-locks the parties, so their
 * status cannot change (fintech.resolve_alert, rescreening) before this
 * transaction ends.
 */
ScreenState
payment_screening(const char *payer, const char *payee, char **why)
{
	Datum		v[2] = {CStringGetTextDatum(payer), CStringGetTextDatum(payee)};
	ScreenState state = SCREEN_CLEAR;
	Relation	parties;
	BlockNumber nblocks;

	/*
	 * A ledger without parties (an empty fintech.parties has no blocks; rows
	 * are never deleted, so it never becomes empty again) skips the query:
	 * no account can name a party then.
	 */
	parties = table_open(RangeVarGetRelid(makeRangeVar("fintech", "parties", -1),
										  AccessShareLock, false), NoLock);
	nblocks = RelationGetNumberOfBlocks(parties);
	table_close(parties, NoLock);
	if (nblocks == 0)
		return SCREEN_CLEAR;

	ft_run_plan(&plans, P_PARTIES, v, NULL, false, 0);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *status = SPI_getvalue(tup, desc, 2);

		if (strcmp(status, "blocked") == 0 && state != SCREEN_BLOCKED)
		{
			state = SCREEN_BLOCKED;
			*why = psprintf("party %s (%s) is blocked by sanctions screening",
							SPI_getvalue(tup, desc, 1), SPI_getvalue(tup, desc, 3));
		}
		else if (strcmp(status, "review") == 0 && state == SCREEN_CLEAR)
			state = SCREEN_REVIEW;
	}
	if (state == SCREEN_BLOCKED)
	{
		/* unknown accounts are bad input, raised before any refusal */
		ft_run_plan(&plans, P_ACCOUNTS, v, NULL, false, 0);
		if (SPI_processed < 2)
			ereport(ERROR,
					(errcode(ERRCODE_LD009),
					 errmsg("account %s does not exist",
							SPI_processed == 1 && strcmp(SPI_getvalue(SPI_tuptable->vals[0],
																	   SPI_tuptable->tupdesc, 1), payer) == 0
							? payee : payer)));
	}
	return state;
}

PG_FUNCTION_INFO_V1(fintech_pay);
/*
 * fintech.pay(idempotency_key, payer, payee, amount, reference, metadata)
 *	  RETURNS TABLE(payment_id, status, reason, entry_id, replayed)
 */
Datum
fintech_pay(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	PayRequest	r;
	int64		payment_id;
	Datum		out[5];
	bool		outnull[5] = {false, false, true, true, false};
	Datum		v[12];
	char		n[13] = "            ";
	bool		claimed = false;

	/* invalid input raises before anything is written */
	memset(&r, 0, sizeof(r));
	r.key = fintech_text_arg(fcinfo, 0, "idempotency_key", 0, KEY_MAXCHARS);
	r.payer = fintech_text_arg(fcinfo, 1, "payer", 0, 0);
	r.payer = fintech_account_code(r.payer, "payer");
	r.payee = fintech_text_arg(fcinfo, 2, "payee", 0, 0);
	r.payee = fintech_account_code(r.payee, "payee");
	fintech_arg_not_null(fcinfo, 3, "amount");
	r.amount = PG_GETARG_INT64(3);
	if (r.amount <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("amount must be positive, not " INT64_FORMAT, r.amount)));
	r.reference = PG_ARGISNULL(4) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(4));
	if (PG_ARGISNULL(5))
		r.metadata = fintech_empty_object();
	else
		r.metadata = PG_GETARG_JSONB_P(5);
	if (!JB_ROOT_IS_OBJECT(r.metadata))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("metadata must be a JSON object")));
	r.metadata_text = JsonbToCString(NULL, &r.metadata->root, VARSIZE(r.metadata));
	request_hash(&r);

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();

	/* claim the key; a concurrent claimant waits here for us (or we for it) */
	payment_id = nextval_internal(RangeVarGetRelid(makeRangeVar("fintech", "payments_id_seq", -1),
												   NoLock, false), false);
	v[0] = CStringGetTextDatum(r.key);
	v[1] = Int64GetDatum(payment_id);
	for (int attempt = 0;; attempt++)
	{
		if (ft_run_plan(&plans, P_CLAIM, v, NULL, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "could not claim idempotency key");
		claimed = SPI_processed == 1;
		if (claimed)
			break;
		ft_run_plan(&plans, P_REPLAY, v, NULL, false, 0);
		if (SPI_processed == 1)
			break;				/* taken: replay below */
		/* pruned between the two statements: claim again */
		if (attempt >= 3)
			elog(ERROR, "idempotency key \"%s\" is taken but has no payment", r.key);
	}
	if (!claimed)
	{
		/* taken by a committed payment: replay it, if it is the same request */
		HeapTuple	tup;
		TupleDesc	desc;
		bool		isnull;
		bytea	   *stored;

		tup = SPI_tuptable->vals[0];
		desc = SPI_tuptable->tupdesc;
		stored = DatumGetByteaPP(SPI_getbinval(tup, desc, 5, &isnull));
		if (isnull || VARSIZE_ANY_EXHDR(stored) != PG_SHA256_DIGEST_LENGTH ||
			memcmp(VARDATA_ANY(stored), r.hash, PG_SHA256_DIGEST_LENGTH) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_LD005),
					 errmsg("idempotency key \"%s\" was already used for a different request", r.key),
					 errdetail("%s.", request_differences(tup, desc, &r)),
					 errhint("Use a new key for a new payment; retry with the same request to get the first result.")));
		out[0] = SPI_getbinval(tup, desc, 1, &outnull[0]);
		out[1] = SPI_getbinval(tup, desc, 2, &outnull[1]);
		out[2] = SPI_getbinval(tup, desc, 3, &outnull[2]);
		out[3] = SPI_getbinval(tup, desc, 4, &outnull[3]);
		out[4] = BoolGetDatum(true);
		ft_metric_inc(FT_M_PAYMENT_REPLAYS);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, out, outnull);
		SPI_finish();
		return (Datum) 0;
	}

	/* the key is ours: execute */
	{
		FintechRefusal refusal;
		int64		entry_id = 0;
		const char *status = "completed";
		char	   *reason = NULL;
		ScreenState screening = payment_screening(r.payer, r.payee, &refusal.message);
		LimitCheck	limits;
		char	   *held_why = NULL;
		const char *currency = NULL;

		if (screening == SCREEN_BLOCKED)
		{
			/* refused at once: nothing moves */
			refusal.sqlstate = ERRCODE_LD006;
			refusal.detail = NULL;
		}
		else
		{
			/* spending and velocity limits (limit_check.c) */
			ft_limits_check(r.payer, r.payee, r.amount, &limits);
			if (limits.verdict == LIMIT_REJECT)
			{
				refusal.sqlstate = ERRCODE_LD010;
				refusal.message = limits.message;
				refusal.detail = NULL;
			}
			else
			{
				/* a party under review, or a review limit: the amount is only reserved */
				bool		hold = screening == SCREEN_REVIEW || limits.verdict == LIMIT_REVIEW;

				entry_id = fintech_transfer_record(r.payer, r.payee, r.amount,
												   r.reference ? cstring_to_text(r.reference) : NULL,
												   r.metadata, hold, &refusal, &currency);
				if (hold)
					status = "held";
				if (refusal.sqlstate != 0)
					ft_limits_take_back(&limits);	/* refused: counts nowhere */
				else
				{
					if (limits.verdict == LIMIT_REVIEW)
					{
						ft_limits_open_review(&limits, payment_id);
						held_why = limits.message;
					}
				}
			}
		}
		if (refusal.sqlstate != 0)
		{
			/* business refusals are recorded; anything else is bad input */
			if (refusal.sqlstate != ERRCODE_LD002 &&
				refusal.sqlstate != ERRCODE_LD003 &&
				refusal.sqlstate != ERRCODE_LD006 &&
				refusal.sqlstate != ERRCODE_LD010)
				ereport(ERROR,
						(errcode(refusal.sqlstate),
						 errmsg_internal("%s", refusal.message ? refusal.message : "payment refused"),
						 refusal.detail ? errdetail_internal("%s", refusal.detail) : 0));
			status = "rejected";
			reason = pstrdup(unpack_sql_state(refusal.sqlstate));
			ft_metric_refusal(refusal.sqlstate);
		}

		v[0] = Int64GetDatum(payment_id);
		v[1] = CStringGetTextDatum(r.key);
		v[2] = CStringGetTextDatum(r.payer);
		v[3] = CStringGetTextDatum(r.payee);
		v[4] = Int64GetDatum(r.amount);
		v[5] = r.reference ? CStringGetTextDatum(r.reference) : (Datum) 0;
		n[5] = r.reference ? ' ' : 'n';
		v[6] = JsonbPGetDatum(r.metadata);
		v[7] = CStringGetTextDatum(status);
		v[8] = reason ? CStringGetTextDatum(reason) : (Datum) 0;
		n[8] = reason ? ' ' : 'n';
		if (refusal.sqlstate == 0)
			refusal.message = held_why;
		v[9] = refusal.message ? CStringGetTextDatum(refusal.message) : (Datum) 0;
		n[9] = refusal.message ? ' ' : 'n';
		v[10] = Int64GetDatum(entry_id);
		n[10] = entry_id ? ' ' : 'n';
		v[11] = PointerGetDatum(fintech_hash_bytea(r.hash));
		if (ft_run_plan(&plans, P_INSERT, v, n, false, 0) != SPI_OK_INSERT || SPI_processed != 1)
			elog(ERROR, "could not record payment " INT64_FORMAT, payment_id);
		if (ft_events_on())
		{
			PaymentEvent pe = {payment_id, status, r.key, r.payer, r.payee, r.amount,
			currency, reason, entry_id, 0};

			/* a refused payment moved nothing: its payer's currency is read */
			if (entry_id == 0)
				pe.currency = payer_currency(r.payer);
			ft_event_payment(&pe);
		}
		ft_metric_payment(status, false);

		out[0] = Int64GetDatum(payment_id);
		out[1] = CStringGetTextDatum(status);
		out[2] = reason ? CStringGetTextDatum(reason) : (Datum) 0;
		outnull[2] = reason == NULL;
		out[3] = Int64GetDatum(entry_id);
		outnull[3] = entry_id == 0;
		out[4] = BoolGetDatum(false);
		outnull[0] = outnull[1] = outnull[4] = false;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, out, outnull);
	}
	SPI_finish();
	return (Datum) 0;
}

/* ------------------------------------------------------------------------
 * Held payments
 * ------------------------------------------------------------------------
 */

static void
resolve_payment(int64 payment_id, const char *status, int sqlstate, const char *message,
				int64 entry_id)
{
	Datum		v[5];
	char		n[6] = "     ";
	volatile int ret = 0;

	v[0] = Int64GetDatum(payment_id);
	v[1] = CStringGetTextDatum(status);
	v[2] = sqlstate ? CStringGetTextDatum(unpack_sql_state(sqlstate)) : (Datum) 0;
	n[2] = sqlstate ? ' ' : 'n';
	v[3] = message ? CStringGetTextDatum(message) : (Datum) 0;
	n[3] = message ? ' ' : 'n';
	v[4] = Int64GetDatum(entry_id);
	n[4] = entry_id ? ' ' : 'n';
	/* the one change a payment ever sees */
	fintech_internal_write = FT_WRITE_PAYMENT;
	PG_TRY();
	{
		ret = ft_run_plan(&plans, P_RESOLVE, v, n, false, 0);
	}
	PG_FINALLY();
	{
		fintech_internal_write = FT_WRITE_NONE;
	}
	PG_END_TRY();
	if (ret != SPI_OK_UPDATE || SPI_processed != 1)
		elog(ERROR, "could not resolve payment " INT64_FORMAT, payment_id);
	ft_event_row(FT_EV_PAYMENT, payment_id, 0);
	ft_metric_payment(status, true);
}

/*
 * fintech_release_held_payments: after the status of a party changed (its
 * row locked by the caller), resolves the held payments it takes part in:
 * a blocked party's are voided and rejected (LD006); those whose parties
 * are all clear now are posted (completed; or, if posting is refused now,
 * e.g. LD003 for a frozen account, voided and rejected with that reason);
 * a payment whose other party is still under review stays held.  Returns
 * the number of payments resolved.  The caller has connected to SPI.
 */
int64
fintech_release_held_payments(int64 party_id)
{
	Datum		v[1] = {Int64GetDatum(party_id)};
	int64		n = 0;
	uint64		nheld;
	int64	   *ids;
	int64	   *holds;
	char	  **payers;
	char	  **payees;

	ft_run_plan(&plans, P_HELD, v, NULL, false, 0);
	nheld = SPI_processed;
	ids = palloc(sizeof(int64) * Max(nheld, 1));
	holds = palloc(sizeof(int64) * Max(nheld, 1));
	payers = palloc(sizeof(char *) * Max(nheld, 1));
	payees = palloc(sizeof(char *) * Max(nheld, 1));
	for (uint64 i = 0; i < nheld; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;

		ids[i] = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		holds[i] = DatumGetInt64(SPI_getbinval(tup, desc, 2, &isnull));
		FT_CHECK(!isnull);
		payers[i] = SPI_getvalue(tup, desc, 3);
		payees[i] = SPI_getvalue(tup, desc, 4);
	}

	for (uint64 i = 0; i < nheld; i++)
	{
		char	   *why = NULL;
		ScreenState state = payment_screening(payers[i], payees[i], &why);

		CHECK_FOR_INTERRUPTS();
		/* one a review limit holds waits for its review, unless refused */
		if (state == SCREEN_CLEAR && ft_limits_awaiting_review(ids[i]))
			continue;
		n += settle_held_payment(ids[i], holds[i], state, why);
	}
	return n;
}

/*
 * A held payment (its row locked, its parties share-locked: state is
 * theirs) is settled as its parties' state says: posted when all are clear
 * (or rejected with the ledger's refusal), rejected (LD006) when one is
 * blocked, left held while one is under review.  Returns 1 if it was
 * resolved.  The caller has connected to SPI.
 */
int
settle_held_payment(int64 payment_id, int64 hold, ScreenState state, const char *why)
{
	FintechRefusal refusal;
	int64		entry;

	if (state == SCREEN_REVIEW)
		return 0;
	if (state == SCREEN_CLEAR)
	{
		entry = fintech_resolve_held_payment(hold, true, &refusal);
		if (refusal.sqlstate == 0)
		{
			resolve_payment(payment_id, "completed", 0, NULL, entry);
			return 1;
		}
		return reject_held_payment(payment_id, hold, refusal.sqlstate, refusal.message);
	}
	return reject_held_payment(payment_id, hold, ERRCODE_LD006, why);
}

/*
 * Rejects a held payment (row locked): its reservation is released and it
 * no longer counts toward limits (they count completed and held payments).
 * Returns 1.
 */
int
reject_held_payment(int64 payment_id, int64 hold, int sqlstate, const char *message)
{
	FintechRefusal vres;
	int64		entry;

	entry = fintech_resolve_held_payment(hold, false, &vres);
	FT_CHECK(vres.sqlstate == 0);
	resolve_payment(payment_id, "rejected", sqlstate, message, entry);
	return 1;
}

/* ------------------------------------------------------------------------
 * Pruning keys
 * ------------------------------------------------------------------------
 */

/*
 * prune_idempotency_keys job: forget keys older than
 * fintech.idempotency_retention (the payments stay).  A key whose payment
 * is still held is kept until the payment is resolved: a retry must not
 * pay twice while the first payment may still go through.  The ledger's
 * keys (ledger_keys.c) are pruned in the same run, with the same retention.
 */
static int64
prune_keys_job(bool *again)
{
	Oid			types[1] = {TIMESTAMPTZOID};
	Datum		v[1];
	int			ret;
	int64		n;

	v[0] = DirectFunctionCall2(timestamptz_mi_interval,
							   TimestampTzGetDatum(GetCurrentTimestamp()),
							   IntervalPGetDatum(&retention));
	SPI_connect();
	/*
	 * The oldest keys first, in the order of idempotency_keys_age, each
	 * key's payment looked up by its primary key (a subquery, which the
	 * planner cannot turn into a join).  As a join, with statistics taken
	 * before the last prune (they then promise many due keys), the planner
	 * hashed the whole payments table every run to find the few due keys
	 * of held payments.
	 */
	ret = SPI_execute_with_args("DELETE FROM fintech.idempotency_keys WHERE ctid OPERATOR(pg_catalog.=) ANY (ARRAY("
								" SELECT k.ctid FROM fintech.idempotency_keys k"
								"  WHERE k.created_at OPERATOR(pg_catalog.<) $1"
								"    AND coalesce((SELECT p.status FROM fintech.payments p"
								"          WHERE p.id OPERATOR(pg_catalog.=) k.payment_id)"
								"        OPERATOR(pg_catalog.<>) 'held', true)"
								"  ORDER BY k.created_at LIMIT " CppAsString2(PRUNE_BATCH) "))",
								1, types, v, NULL, false, 0);
	if (ret != SPI_OK_DELETE)
		elog(ERROR, "could not prune idempotency keys: %s", SPI_result_code_string(ret));
	n = (int64) SPI_processed;
	*again = n == PRUNE_BATCH;
	{
		/* and the ledger's keys (ledger_keys.c), with the same retention */
		int64		nl = ledger_keys_prune(v[0], PRUNE_BATCH);

		*again = *again || nl == PRUNE_BATCH;
		n += nl;
	}
	SPI_finish();
	return n;
}

/* ------------------------------------------------------------------------
 * GUCs and module initialisation
 * ------------------------------------------------------------------------
 */

static void
assign_retention(const char *newval, void *extra)
{
	memcpy(&retention, extra, sizeof(Interval));
}

void
PaymentsInit(void)
{
	DefineCustomStringVariable("fintech.idempotency_retention",
							   "How long idempotency keys are kept at least (an interval).",
							   "The background worker forgets older keys; their payments stay.",
							   &retention_string,
							   "7 days",
							   PGC_SIGHUP,
							   0,
							   fintech_check_interval_guc, assign_retention, NULL);
	fintech_define_job("prune_idempotency_keys", "fintech.prune_keys_interval",
					   "How often the background worker forgets idempotency keys older than "
					   "fintech.idempotency_retention.",
					   60000, prune_keys_job);
}
