/*-------------------------------------------------------------------------
 *
 * parties.c
 *	  Parties and their screening: fintech.create_party() and
 *	  fintech.resolve_alert(); rescreening after a list load is
 *	  rescreen.c's, with the screening of one party (raising its alerts)
 *	  and the waiting lock helper shared from here.
 *
 * A party is screened when it is created and again whenever a sanctions
 * list is (re)loaded: every load takes a new generation, and a party whose
 * screened_generation is below the highest one is due.  Each match at or
 * above fintech.screening_threshold raises one alert per (party, entity),
 * ever: an open one is not raised twice and a cleared one is not raised
 * again.  The party's status follows its alerts: blocked if one is
 * confirmed, else review if one is open, else clear.  When the status
 * changes, the party's held payments are resolved (payments.c).
 *
 * fintech.pay share-locks the parties it screens, so a status change waits
 * for payments in flight and they see the new status after.
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
 * subtransaction, locks the party, takes 3-5 (and 4a) under a short lock_timeout
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

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "storage/proc.h"
#include "utils/resowner.h"

#include "countries.h"
#include "fintech.h"
#include "events.h"
#include "parties.h"
#include "payments.h"
#include "screening.h"
#include "screening_guard.h"
#include "spi_plan.h"
#include "jobs.h"

#define NAME_MAXCHARS	FINTECH_NAME_MAXCHARS
#define REF_MAXCHARS	255
#define MAX_ALERTS		100		/* matches considered per screening */

/* ------------------------------------------------------------------------
 * Saved plans
 * ------------------------------------------------------------------------
 */
enum
{
	P_INSERT_PARTY,
	P_INSERT_ALERT,
	P_INSERT_ALERT_EXPL,
	P_LOCK_PARTY,
	P_ALERTED,
	P_ALERT,
	P_LOCK_ALERT,
	P_UPDATE_ALERT,
	P_ALERT_STATE,
	P_SET_STATUS,
	P_INSERT_PARTY_0_5,
	P_BLOCK_ACCOUNTS,
	NPLANS
};

static const FintechPlanDef plan_defs[NPLANS] = {
	[P_INSERT_PARTY] = {"INSERT INTO fintech.parties (name, country, kind, external_ref, status,"
		" screened_generation, birth_date) VALUES ($1, $2, $3, $4, 'clear', $5, $6)"
		" ON CONFLICT (external_ref) DO NOTHING RETURNING id", 6,
	{TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT8OID, DATEOID}},
	[P_INSERT_ALERT] = {"INSERT INTO fintech.screening_alerts (party_id, entity_id, score, party_name,"
		" matched_name, generation) VALUES ($1, $2, $3, $4, $5, $6)"
		" ON CONFLICT (party_id, entity_id) DO NOTHING", 6,
	{INT8OID, INT8OID, FLOAT4OID, TEXTOID, TEXTOID, INT8OID}},
	/* (0.6.0: with the explanation, once the update added its column) */
	[P_INSERT_ALERT_EXPL] = {"INSERT INTO fintech.screening_alerts (party_id, entity_id, score, party_name,"
		" matched_name, generation, explanation) VALUES ($1, $2, $3, $4, $5, $6, $7)"
		" ON CONFLICT (party_id, entity_id) DO NOTHING", 7,
	{INT8OID, INT8OID, FLOAT4OID, TEXTOID, TEXTOID, INT8OID, JSONBOID}},
	[P_LOCK_PARTY] = {"SELECT name, status FROM fintech.parties WHERE id OPERATOR(pg_catalog.=) $1"
		" FOR NO KEY UPDATE", 1, {INT8OID}},
	[P_ALERTED] = {"SELECT entity_id FROM fintech.screening_alerts"
		" WHERE party_id OPERATOR(pg_catalog.=) $1", 1, {INT8OID}},
	[P_ALERT] = {"SELECT party_id FROM fintech.screening_alerts WHERE id OPERATOR(pg_catalog.=) $1",
	1, {INT8OID}},
	[P_LOCK_ALERT] = {"SELECT status, resolved_by, resolved_at::pg_catalog.text"
		" FROM fintech.screening_alerts WHERE id OPERATOR(pg_catalog.=) $1 FOR UPDATE", 1, {INT8OID}},
	[P_UPDATE_ALERT] = {"UPDATE fintech.screening_alerts SET status = $2, resolved_by = $3,"
		" resolution_reason = $4, resolved_at = pg_catalog.clock_timestamp()"
		" WHERE id OPERATOR(pg_catalog.=) $1", 4, {INT8OID, TEXTOID, TEXTOID, TEXTOID}},
	[P_ALERT_STATE] = {"SELECT CASE WHEN pg_catalog.bool_or(status OPERATOR(pg_catalog.=) 'confirmed')"
		" THEN 'blocked' WHEN pg_catalog.bool_or(status OPERATOR(pg_catalog.=) 'open') THEN 'review'"
		" ELSE 'clear' END FROM fintech.screening_alerts WHERE party_id OPERATOR(pg_catalog.=) $1",
	1, {INT8OID}},
	[P_SET_STATUS] = {"UPDATE fintech.parties SET status = $2 WHERE id OPERATOR(pg_catalog.=) $1",
	2, {INT8OID, TEXTOID}},
	[P_INSERT_PARTY_0_5] = {"INSERT INTO fintech.parties (name, country, kind, external_ref, status,"
		" screened_generation) VALUES ($1, $2, $3, $4, 'clear', $5)"
		" ON CONFLICT (external_ref) DO NOTHING RETURNING id", 5,
	{TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT8OID}},
	[P_BLOCK_ACCOUNTS] = {"UPDATE fintech.accounts SET blocked = true"
		" WHERE party_id OPERATOR(pg_catalog.=) $1 AND NOT blocked", 1, {INT8OID}},
};

FT_DEFINE_PLANS(plans, plan_defs);

/* ------------------------------------------------------------------------
 * Screening one party
 * ------------------------------------------------------------------------
 */

/*
 * Raises an alert for each match of name at or above the threshold (none
 * for a pair alerted before), with the index the caller's
 * fintech_screening_generation() found current.  Returns the number of
 * new alerts.
 */
int64
ft_party_raise_alerts(int64 party_id, const char *name, const ScreenAttrs *attrs, int64 *generation)
{
	FintechMatch *m;
	int			n = fintech_screen(name, attrs, (float4) fintech_screening_threshold, MAX_ALERTS,
								   &m, generation, true);
	int64		raised = 0;
	Datum		pv[1] = {Int64GetDatum(party_id)};
	int64	   *alerted = NULL;
	uint64		nalerted = 0;

	/*
	 * the pairs alerted before get no new alert (the insert's ON CONFLICT
	 * says the same): leave them out before their explanation is worked out
	 */
	if (n > 0)
	{
		ft_run_plan(&plans, P_ALERTED, pv, NULL, true, 0);
		nalerted = SPI_processed;
		alerted = palloc(Max(nalerted, 1) * sizeof(int64));
		for (uint64 k = 0; k < nalerted; k++)
		{
			bool		isnull;

			alerted[k] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[k], SPI_tuptable->tupdesc,
													 1, &isnull));
		}
	}
	for (int i = 0; i < n; i++)
	{
		Datum		v[7];
		bool		before = false;

		for (uint64 k = 0; k < nalerted && !before; k++)
			before = alerted[k] == m[i].entity_id;
		if (before)
			continue;
		v[0] = Int64GetDatum(party_id);
		v[1] = Int64GetDatum(m[i].entity_id);
		v[2] = Float4GetDatum(m[i].score);
		v[3] = CStringGetTextDatum(name);
		v[4] = CStringGetTextDatum(m[i].matched_name);
		v[5] = Int64GetDatum(*generation);
		v[6] = JsonbPGetDatum(fintech_screen_explanation(name, attrs, &m[i]));
		if (ft_run_plan(&plans, ft_has_column("screening_alerts", "explanation") ?
						P_INSERT_ALERT_EXPL : P_INSERT_ALERT, v, NULL, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "could not insert alert for party " INT64_FORMAT, party_id);
		raised += SPI_processed;
		if (SPI_processed > 0) ft_event_row(FT_EV_ALERT_OF, party_id, m[i].entity_id);
	}
	return raised;
}

/* the status a party's alerts give it */
static char *
status_from_alerts(int64 party_id)
{
	Datum		v[1] = {Int64GetDatum(party_id)};

	ft_run_plan(&plans, P_ALERT_STATE, v, NULL, false, 0);
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

/* ------------------------------------------------------------------------
 * fintech.create_party(name, country, kind, external_ref, birth_date)
 * ------------------------------------------------------------------------
 */
PG_FUNCTION_INFO_V1(fintech_create_party);
Datum
fintech_create_party(PG_FUNCTION_ARGS)
{
	char	   *name = fintech_text_arg(fcinfo, 0, "name", FT_ARG_NOT_BLANK, NAME_MAXCHARS);
	char	   *country_arg = fintech_text_arg(fcinfo, 1, "country", FT_ARG_OPTIONAL | FT_ARG_NOT_BLANK,
											 100);
	const char *country = country_arg ? ft_country_arg(country_arg, "country") : NULL;
	char	   *kind = fintech_text_arg(fcinfo, 2, "kind", FT_ARG_NOT_BLANK, 100);
	char	   *ref = fintech_text_arg(fcinfo, 3, "external_ref", FT_ARG_OPTIONAL | FT_ARG_NOT_BLANK,
									 REF_MAXCHARS);
	/* (birth_date: 0.6.0's SQL; an extension not yet updated calls with four) */
	bool		has_birth = PG_NARGS() > 4 && !PG_ARGISNULL(4);
	Datum		v[6];
	char		n[7] = "      ";
	int64		id;
	int64		generation;
	bool		isnull;
	ScreenAttrs attrs;

	if (strcmp(kind, "individual") != 0 && strcmp(kind, "entity") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid party kind \"%s\"", kind),
				 errhint("The kind is individual or entity.")));
	fintech_check_name(name, "party name");
	ft_screening_required_check();

	SPI_connect();
	/* the generation the party is screened against: the index's */
	generation = fintech_screening_generation();
	v[0] = CStringGetTextDatum(name);
	v[1] = country ? CStringGetTextDatum(country) : (Datum) 0;
	n[1] = country ? ' ' : 'n';
	v[2] = CStringGetTextDatum(kind);
	v[3] = ref ? CStringGetTextDatum(ref) : (Datum) 0;
	n[3] = ref ? ' ' : 'n';
	v[4] = Int64GetDatum(generation);
	v[5] = has_birth ? PG_GETARG_DATUM(4) : (Datum) 0;
	n[5] = has_birth ? ' ' : 'n';
	if (ft_run_plan(&plans, ft_screening_v2_schema() ? P_INSERT_PARTY : P_INSERT_PARTY_0_5,
					v, n, false, 0) != SPI_OK_INSERT_RETURNING)
		elog(ERROR, "could not insert party");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("a party with external_ref \"%s\" already exists", ref)));
	id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));

	attrs.country = country;
	attrs.has_birth_date = has_birth;
	attrs.birth_date = has_birth ? PG_GETARG_DATEADT(4) : 0;
	attrs.kind = kind;
	if (ft_party_raise_alerts(id, name, &attrs, &generation) > 0)
	{
		v[0] = Int64GetDatum(id);
		v[1] = CStringGetTextDatum("review");
		ft_run_plan(&plans, P_SET_STATUS, v, NULL, false, 0);
	}
	ft_event_row(FT_EV_PARTY, id, 0);
	SPI_finish();
	PG_RETURN_INT64(id);
}

/* ------------------------------------------------------------------------
 * fintech.resolve_alert(alert_id, decision, reason)
 * ------------------------------------------------------------------------
 */
/*
 * Would resolving alert_id with decision change its party's status?  Read
 * without locks (a guess: resolve_try() decides under the party's lock).
 */
static bool
status_may_change(int64 party_id, int64 alert_id, const char *decision)
{
	Oid			types[3] = {INT8OID, INT8OID, TEXTOID};
	Datum		v[3] = {Int64GetDatum(party_id), Int64GetDatum(alert_id), CStringGetTextDatum(decision)};

	if (SPI_execute_with_args("SELECT p.status OPERATOR(pg_catalog.<>)"
							  " (SELECT CASE WHEN pg_catalog.bool_or(x.s OPERATOR(pg_catalog.=) 'confirmed') THEN 'blocked'"
							  "  WHEN pg_catalog.bool_or(x.s OPERATOR(pg_catalog.=) 'open') THEN 'review' ELSE 'clear' END"
							  "  FROM (SELECT CASE WHEN a.id OPERATOR(pg_catalog.=) $2 AND a.status OPERATOR(pg_catalog.=) 'open'"
							  "    THEN $3 ELSE a.status END AS s FROM fintech.screening_alerts a"
							  "   WHERE a.party_id OPERATOR(pg_catalog.=) p.id) x)"
							  " FROM fintech.parties p WHERE p.id OPERATOR(pg_catalog.=) $1",
							  3, types, v, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the alerts of party " INT64_FORMAT, party_id);
	return SPI_processed == 1 &&
		strcmp(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1), "t") == 0;
}

/*
 * The accounts (alias a) that a status change of party $1 locks: the
 * party's own (blocked when it is) and both accounts of its held payments
 * (posted or voided)
 */
#define STATUS_CHANGE_ACCOUNTS \
	"a.code OPERATOR(pg_catalog.=) ANY (ARRAY(" \
	" WITH mine AS (SELECT code FROM fintech.accounts WHERE party_id OPERATOR(pg_catalog.=) $1)," \
	" held AS (SELECT p.payer, p.payee FROM fintech.payments p" \
	"   WHERE p.status OPERATOR(pg_catalog.=) 'held'" \
	"     AND (p.payer OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT code FROM mine))" \
	"       OR p.payee OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT code FROM mine))))" \
	" SELECT code FROM mine UNION SELECT payer FROM held UNION SELECT payee FROM held))"

/*
 * Run one row-locking query (one parameter) in a subtransaction that is
 * rolled back at once: it waits until the rows are free, then holds
 * nothing.  True when the query found a row.
 */
bool
ft_lock_alone(const char *sql, Oid type, Datum value)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	bool		found = false;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		if (SPI_execute_with_args(sql, 1, &type, &value, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not run a row-locking query");
		found = SPI_processed > 0;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(oldcxt);
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		PG_RE_THROW();
	}
	PG_END_TRY();
	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(oldcxt);
	CurrentResourceOwner = oldowner;
	return found;
}

/*
 * Wait, holding nothing of this call, until no other transaction holds an
 * account that a status change of party_id locks: the party's accounts and
 * both accounts of its held payments.  Each is locked alone in a
 * subtransaction rolled back at once, so no lock is held while waiting for
 * the next (the caller may hold accounts out of code order): the party is
 * locked next, and accounts are never waited for while it is held.
 */
static void
wait_for_accounts(int64 party_id)
{
	Oid			types[1] = {INT8OID};
	Datum		v[1] = {Int64GetDatum(party_id)};
	uint64		n;
	Datum	   *codes;

	if (SPI_execute_with_args("SELECT code FROM fintech.accounts a WHERE " STATUS_CHANGE_ACCOUNTS,
							  1, types, v, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the accounts of party " INT64_FORMAT, party_id);
	n = SPI_processed;
	codes = palloc(sizeof(Datum) * Max(n, 1));
	for (uint64 i = 0; i < n; i++)
	{
		bool		isnull;

		codes[i] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);
	}
	for (uint64 i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		ft_lock_alone("SELECT 1 FROM fintech.accounts WHERE code OPERATOR(pg_catalog.=) $1"
					  " FOR NO KEY UPDATE", TEXTOID, codes[i]);
	}
}

/*
 * Resolve the alert in a subtransaction: the party first (waiting as long
 * as it takes, holding nothing else), then the rest under a short
 * lock_timeout, and when the party's status changes, every account that
 * change locks, NOWAIT, in code order, before anything else (no account is
 * ever waited for while the party is held: an application may hold one
 * and wait for the party in pay).  The short lock_timeout is below
 * deadlock_timeout: a wait among resolutions and jobs ends here, not in a
 * deadlock error elsewhere.  Returns false, having changed and kept
 * nothing (the party's lock included), when a lock after the party's was
 * busy (55P03, or 40P01 when the detector chose this one); the caller waits
 * holding nothing and tries again.  Any other error is raised.
 */
#define RESOLVE_TRY_LOCK_MS 100

static bool
resolve_try(int64 alert_id, int64 party_id, const char *decision, const char *reason)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	volatile bool trying = false;
	bool		done = false;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		Datum		v[4];
		char	   *old_status;
		char	   *new_status;
		char	   *status;

		/* the party first, then its alert (the lock order of this file) */
		v[0] = Int64GetDatum(party_id);
		ft_run_plan(&plans, P_LOCK_PARTY, v, NULL, false, 0);
		FT_CHECK(SPI_processed == 1);
		old_status = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);

		/* from here on no long wait while the party is held (restored at release) */
		trying = true;
		(void) set_config_option("lock_timeout",
								 psprintf("%d", Max(1, Min(RESOLVE_TRY_LOCK_MS, DeadlockTimeout / 2))),
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
		v[0] = Int64GetDatum(alert_id);
		ft_run_plan(&plans, P_LOCK_ALERT, v, NULL, false, 0);
		FT_CHECK(SPI_processed == 1);
		status = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		if (strcmp(status, "open") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_LD008),
					 errmsg("alert " INT64_FORMAT " is already %s", alert_id, status),
					 errdetail("It was %s by %s at %s.", status,
							   SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2),
							   SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3)),
					 errhint("A resolution is final; a cleared party and entity are not alerted again.")));

		v[0] = Int64GetDatum(alert_id);
		v[1] = CStringGetTextDatum(decision);
		v[2] = CStringGetTextDatum(GetUserNameFromId(GetOuterUserId(), false));
		v[3] = CStringGetTextDatum(reason);
		ft_run_plan(&plans, P_UPDATE_ALERT, v, NULL, false, 0);
		ft_event_row(FT_EV_ALERT, alert_id, 0);

		new_status = status_from_alerts(party_id);
		if (strcmp(new_status, old_status) != 0)
		{
			Oid			types[1] = {INT8OID};

			/* the accounts this change locks, never waited for here */
			v[0] = Int64GetDatum(party_id);
			if (SPI_execute_with_args("SELECT a.code FROM fintech.accounts a WHERE " STATUS_CHANGE_ACCOUNTS
									  " ORDER BY a.code COLLATE \"C\" FOR NO KEY UPDATE NOWAIT",
									  1, types, v, NULL, false, 0) != SPI_OK_SELECT)
				elog(ERROR, "could not lock the accounts of party " INT64_FORMAT, party_id);

			v[0] = Int64GetDatum(party_id);
			v[1] = CStringGetTextDatum(new_status);
			ft_run_plan(&plans, P_SET_STATUS, v, NULL, false, 0);
			ft_event_row(FT_EV_PARTY, party_id, 0);
			/* a blocked party's accounts take no more postings (final) */
			if (strcmp(new_status, "blocked") == 0)
			{
				v[0] = Int64GetDatum(party_id);
				ft_run_plan(&plans, P_BLOCK_ACCOUNTS, v, NULL, false, 0);
			}
			fintech_release_held_payments(party_id);
		}
		trying = false;
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		done = true;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		if (!trying || (edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE &&
						edata->sqlerrcode != ERRCODE_T_R_DEADLOCK_DETECTED))
			ReThrowError(edata);
		FreeErrorData(edata);
	}
	PG_END_TRY();
	return done;
}

PG_FUNCTION_INFO_V1(fintech_resolve_alert);
/*
 * fintech.resolve_alert(alert_id, decision, reason).  Follows the global
 * lock order (header comment) even when the caller's transaction already
 * holds account locks: a status change first waits, holding nothing, for
 * the accounts it will lock, then locks the party and tries the rest
 * without a long wait, starting over if that fails.
 */
Datum
fintech_resolve_alert(PG_FUNCTION_ARGS)
{
	int64		alert_id;
	char	   *decision = fintech_text_arg(fcinfo, 1, "decision", FT_ARG_NOT_BLANK, 100);
	char	   *reason = fintech_text_arg(fcinfo, 2, "reason", FT_ARG_NOT_BLANK, 10000);
	Datum		v[1];
	int64		party_id;
	bool		isnull;

	fintech_arg_not_null(fcinfo, 0, "alert_id");
	alert_id = PG_GETARG_INT64(0);
	if (strcmp(decision, "cleared") != 0 && strcmp(decision, "confirmed") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid decision \"%s\" for alert " INT64_FORMAT, decision, alert_id),
				 errhint("The decision is cleared (a false match) or confirmed (a true match).")));

	SPI_connect();
	v[0] = Int64GetDatum(alert_id);
	ft_run_plan(&plans, P_ALERT, v, NULL, false, 0);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_LD009),
				 errmsg("alert " INT64_FORMAT " does not exist", alert_id)));
	party_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));

	for (int attempt = 0;; attempt++)
	{
		CHECK_FOR_INTERRUPTS();
		/* a resolution that changes no status locks no account: no wait */
		if (attempt > 0 || status_may_change(party_id, alert_id, decision))
			wait_for_accounts(party_id);
		if (resolve_try(alert_id, party_id, decision, reason))
			break;
	}
	SPI_finish();
	PG_RETURN_VOID();
}

/* the screening guard's GUCs and the rescreen job (called from _PG_init) */
void
PartiesInit(void)
{
	ScreeningGuardInit();
	RescreenInit();
}
