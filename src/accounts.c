/*-------------------------------------------------------------------------
 *
 * accounts.c
 *	  Accounts: opening one, freezing, unfreezing and closing it, and its
 *	  balances -- posted (fintech.balance), available (posted minus live
 *	  outgoing holds) and at a point in time (fintech.balance_at).
 *
 * Model.  An account's balance is kept in its normal direction
 * (debit-normal: asset, expense; credit-normal: liability, equity,
 * income).  accounts.balance is the posted balance, pending_out/pending_in
 * the amounts that open holds take out of / bring into the account; the
 * balances count committed deferred postings (deferral.c) at once.
 *
 * Locking: a status change or a close locks the one account FOR UPDATE
 * (lock_one_account), which also waits for deferred postings in flight
 * (they hold FOR KEY SHARE); opening an account share-locks its party
 * (FOR KEY SHARE), before the account exists.  Balances only read.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/jsonb.h"

#include "accounts.h"
#include "deferral.h"
#include "holds.h"
#include "ledger.h"
#include "ledger_args.h"
#include "posting.h"
#include "posting_lock.h"
#include "posting_write.h"
#include "spi_plan.h"
#include "statement.h"

enum
{
	P_UNFOLDED_SUM,
	P_BALANCE_AT,
	NPLANS
};

static const FintechPlanDef plan_defs[NPLANS] = {
	[P_UNFOLDED_SUM] = {"SELECT a.id, a.kind, a.balance, a.pending_out, a.pending_in,"
		" (SELECT pg_catalog.sum(p.amount) FROM fintech.postings p"
		"   WHERE p.account_id OPERATOR(pg_catalog.=) a.id AND p.seq IS NULL)::pg_catalog.int8"
		" FROM fintech.accounts a WHERE a.code OPERATOR(pg_catalog.=) $1", 1, {TEXTOID}},
	[P_BALANCE_AT] = {"SELECT a.id, a.last_seq FROM fintech.accounts a WHERE a.code OPERATOR(pg_catalog.=) $1",
	1, {TEXTOID}},
};

FT_DEFINE_PLANS(plans, plan_defs);

static const char *const kinds[] = {"asset", "liability", "equity", "income", "expense"};

PG_FUNCTION_INFO_V1(fintech_open_account);
/* fintech.open_account(code, currency, kind, min_balance, max_balance, party_id, metadata) */
Datum
fintech_open_account(PG_FUNCTION_ARGS)
{
	char	   *code = arg_code(fcinfo, 0, "code");
	char	   *currency = arg_text(fcinfo, 1, "currency");
	char	   *kind = arg_text(fcinfo, 2, "kind");
	Jsonb	   *metadata = arg_metadata(fcinfo, 6);
	bool		kind_ok = false;
	Oid			types[7] = {TEXTOID, TEXTOID, TEXTOID, INT8OID, INT8OID, INT8OID, JSONBOID};
	Datum		v[7];
	char		n[7] = {' ', ' ', ' ', ' ', ' ', ' ', ' '};
	int			ret;
	int64		id;

	for (int i = 0; i < lengthof(kinds); i++)
		kind_ok |= strcmp(kind, kinds[i]) == 0;
	if (!kind_ok)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid account kind \"%s\"", kind),
				 errhint("The kind is one of asset, liability, equity, income, expense.")));
	if (!PG_ARGISNULL(3) && !PG_ARGISNULL(4) && PG_GETARG_INT64(3) > PG_GETARG_INT64(4))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_balance " INT64_FORMAT " is above max_balance " INT64_FORMAT,
						PG_GETARG_INT64(3), PG_GETARG_INT64(4))));
	/*
	 * A new account's balance is 0: limits that exclude it would make the
	 * account break its own limits from the start (check_ledger reports it).
	 */
	if ((!PG_ARGISNULL(3) && PG_GETARG_INT64(3) > 0) ||
		(!PG_ARGISNULL(4) && PG_GETARG_INT64(4) < 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("limits of account %s exclude its opening balance 0: min_balance %s, max_balance %s",
						code,
						PG_ARGISNULL(3) ? "NULL" : psprintf(INT64_FORMAT, PG_GETARG_INT64(3)),
						PG_ARGISNULL(4) ? "NULL" : psprintf(INT64_FORMAT, PG_GETARG_INT64(4))),
				 errhint("min_balance must be 0 or below and max_balance 0 or above (NULL: no limit).")));

	SPI_connect();
	v[0] = CStringGetTextDatum(currency);
	ft_run_select("SELECT 1 FROM fintech.currencies WHERE code OPERATOR(pg_catalog.=) $1", 1, types, v);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown currency \"%s\"", currency),
				 errhint("Currencies are the ISO 4217 codes in fintech.currencies; the owner may add more.")));
	if (!PG_ARGISNULL(5))
	{
		int64		party = PG_GETARG_INT64(5);

		v[0] = Int64GetDatum(party);
		ft_run_select("SELECT status, name FROM fintech.parties WHERE id OPERATOR(pg_catalog.=) $1"
				" FOR KEY SHARE", 1, &types[5], v);
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(LD009),
					 errmsg("party " INT64_FORMAT " does not exist", party),
					 errhint("Parties are created with fintech.create_party().")));
		if (strcmp(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1), "blocked") == 0)
			ereport(ERROR,
					(errcode(LD006),
					 errmsg("party " INT64_FORMAT " (%s) is blocked by sanctions screening",
							party, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2)),
					 errdetail("An alert on this party was confirmed; no account may be opened for it.")));
	}
	v[0] = CStringGetTextDatum(code);
	v[1] = CStringGetTextDatum(currency);
	v[2] = CStringGetTextDatum(kind);
	for (int i = 3; i <= 5; i++)
	{
		v[i] = PG_ARGISNULL(i) ? (Datum) 0 : PG_GETARG_DATUM(i);
		n[i] = PG_ARGISNULL(i) ? 'n' : ' ';
	}
	v[6] = JsonbPGetDatum(metadata);
	ret = SPI_execute_with_args("INSERT INTO fintech.accounts"
								" (code, currency, kind, min_balance, max_balance, party_id, metadata)"
								" VALUES ($1, $2, $3, $4, $5, $6, $7)"
								" ON CONFLICT (code) DO NOTHING RETURNING id",
								7, types, v, n, false, 0);
	if (ret != SPI_OK_INSERT_RETURNING)
		elog(ERROR, "SPI_execute_with_args failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("account %s already exists", code)));
	id = get_int8(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, NULL);
	SPI_finish();
	PG_RETURN_INT64(id);
}

static void
set_status(Acct *a, const char *status)
{
	Oid			types[2] = {INT8OID, TEXTOID};
	Datum		v[2] = {Int64GetDatum(a->id), CStringGetTextDatum(status)};
	Oid			accounts = get_relname_relid("accounts", get_namespace_oid("fintech", false));

	/*
	 * closed_at: when the account was closed (fintech.personal_data_retention
	 * counts from it); absent until ALTER EXTENSION fintech UPDATE to 0.5.0
	 */
	if (SPI_execute_with_args(get_attnum(accounts, "closed_at") != InvalidAttrNumber
							  ? "UPDATE fintech.accounts SET status = $2, closed_at = CASE WHEN $2 OPERATOR(pg_catalog.=) 'closed'"
							  " THEN pg_catalog.clock_timestamp() END WHERE id OPERATOR(pg_catalog.=) $1"
							  : "UPDATE fintech.accounts SET status = $2 WHERE id OPERATOR(pg_catalog.=) $1",
							  2, types, v, NULL, false, 0) != SPI_OK_UPDATE || SPI_processed != 1)
		elog(ERROR, "could not set the status of account %s", a->code);
}

static void
change_status(FunctionCallInfo fcinfo, const char *from, const char *to)
{
	char	   *code = arg_code(fcinfo, 0, "code");
	Acct	   *a;

	SPI_connect();
	a = lock_one_account(code);
	if (strcmp(a->status, "closed") == 0)
		ereport(ERROR,
				(errcode(LD003),
				 errmsg("account %s is closed", code)));
	if (strcmp(a->status, from) == 0)
		set_status(a, to);
	SPI_finish();
}

PG_FUNCTION_INFO_V1(fintech_freeze_account);
Datum
fintech_freeze_account(PG_FUNCTION_ARGS)
{
	change_status(fcinfo, "active", "frozen");
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(fintech_unfreeze_account);
Datum
fintech_unfreeze_account(PG_FUNCTION_ARGS)
{
	change_status(fcinfo, "frozen", "active");
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(fintech_close_account);
/* close at zero balance without open holds; closing a closed account is a no-op */
Datum
fintech_close_account(PG_FUNCTION_ARGS)
{
	char	   *code = arg_code(fcinfo, 0, "code");
	Ledger		L;
	Acct	   *a;

	SPI_connect();
	a = lock_one_account(code);
	if (strcmp(a->status, "closed") != 0)
	{
		memset(&L, 0, sizeof(L));
		L.stamp = GetCurrentTimestamp();
		fold_account(&L, a);
		load_expired(&L, a);
		if (a->balance != 0)
			ereport(ERROR,
					(errcode(LD002),
					 errmsg("account %s: balance " INT64_FORMAT ", not 0", code, a->balance),
					 errhint("Move the balance out before closing the account.")));
		if (a->pending_out - a->expired_out != 0 || a->pending_in - a->expired_in != 0)
			ereport(ERROR,
					(errcode(LD002),
					 errmsg("account %s has open holds: " INT64_FORMAT " out, " INT64_FORMAT " in",
							code, a->pending_out - a->expired_out, a->pending_in - a->expired_in),
					 errhint("Post or void the holds before closing the account.")));
		if (a->dirty)
			write_account(a);
		set_status(a, "closed");
	}
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * Balances
 */

/*
 * Posted balance including committed deferred postings; with available,
 * minus the live outgoing holds.
 */
static int64
current_balance(const char *code, bool available)
{
	Datum		v[1] = {CStringGetTextDatum(code)};
	HeapTuple	tup;
	TupleDesc	desc;
	Acct		a;
	bool		isnull;
	int64		unfolded;
	int128		result;

	ft_run_plan(&plans, P_UNFOLDED_SUM, v, NULL, true, 1);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(LD009),
				 errmsg("account %s does not exist", code)));
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	memset(&a, 0, sizeof(a));
	a.id = get_int8(tup, desc, 1, NULL);
	a.sign = kind_sign(get_text(tup, desc, 2));
	a.balance = get_int8(tup, desc, 3, NULL);
	a.pending_out = get_int8(tup, desc, 4, NULL);
	a.pending_in = get_int8(tup, desc, 5, NULL);
	unfolded = get_int8(tup, desc, 6, &isnull);
	result = (int128) a.balance + (int128) unfolded * a.sign;
	if (available && a.pending_out > 0)
	{
		Ledger		L;

		memset(&L, 0, sizeof(L));
		L.stamp = GetCurrentTimestamp();
		load_expired(&L, &a);
		result -= (int128) a.pending_out - a.expired_out;
	}
	/* the ledger keeps these within bigint (apply_entry); a fold may not have yet */
	if (result < PG_INT64_MIN || result > PG_INT64_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("account %s: %s %s out of range for bigint", code,
						available ? "available balance" : "balance", i128_str(result)),
				 errdetail("Posted balance " INT64_FORMAT ", deferred postings %s"
						   ", held out " INT64_FORMAT ".", a.balance, i128_str((int128) unfolded * a.sign),
						   available ? a.pending_out - a.expired_out : 0)));
	return (int64) result;
}

/* fintech.balance(account) or, with available, fintech.available_balance(account) */
static Datum
balance_of(FunctionCallInfo fcinfo, bool available)
{
	char	   *code = arg_code(fcinfo, 0, "account");
	int64		result;

	SPI_connect();
	result = current_balance(code, available);
	SPI_finish();
	PG_RETURN_INT64(result);
}

PG_FUNCTION_INFO_V1(fintech_balance);
Datum
fintech_balance(PG_FUNCTION_ARGS)
{
	return balance_of(fcinfo, false);
}

PG_FUNCTION_INFO_V1(fintech_available_balance);
Datum
fintech_available_balance(PG_FUNCTION_ARGS)
{
	return balance_of(fcinfo, true);
}

PG_FUNCTION_INFO_V1(fintech_balance_at);
/* balance after exactly the postings stamped <= at: a binary search of its history (statement.c) */
Datum
fintech_balance_at(PG_FUNCTION_ARGS)
{
	char	   *code = arg_code(fcinfo, 0, "account");
	Datum		v[1];
	int64		result;

	fintech_arg_not_null(fcinfo, 1, "at");
	v[0] = CStringGetTextDatum(code);
	SPI_connect();
	ft_run_plan(&plans, P_BALANCE_AT, v, NULL, true, 1);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(LD009),
				 errmsg("account %s does not exist", code)));
	(void) seq_at_time(code, get_int8(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, NULL),
					   get_int8(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, NULL),
					   PG_GETARG_TIMESTAMPTZ(1), false, &result);
	SPI_finish();
	PG_RETURN_INT64(result);
}
