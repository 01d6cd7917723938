/*-------------------------------------------------------------------------
 *
 * erasure.c
 *	  Erasure of personal data (GDPR art. 17) that keeps the audit log
 *	  verifiable: fintech.erase_party(), fintech.erase_audited_row(), the
 *	  legal holds that refuse an erasure (LD011), the record of each
 *	  erasure (fintech.erasures) and the job that erases parties after
 *	  fintech.personal_data_retention.
 *
 * Erasing deletes the values and salts in fintech.audit_personal (the log
 * keeps their commitments: no leaf, root or proof changes, see personal.c)
 * and scrubs the live rows (fintech.parties, fintech.screening_alerts;
 * for a user table the application does it).  The scrub is itself a
 * captured change whose old image commits to the values: those are
 * erased too, by the same call.
 *
 * Locks: erase_party locks the party's row (FOR UPDATE) and then decides
 * on a snapshot taken after the lock: pay share-locks the parties of its
 * accounts and resolve_alert updates its party, so a payment held or an
 * alert confirmed by a transaction the erasure waited for is seen (LD011),
 * and a concurrent erasure of the same party finds nothing left.  Nothing
 * else is locked beyond the rows written (isolation erasure_hold_race).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "fintech.h"
#include "erasure.h"
#include "events.h"
#include "jobs.h"
#include "personal.h"
#include "spi_plan.h"

/* parties the retention job erases per transaction */
#define RETENTION_BATCH 100

enum
{
	P_LOCK_PARTY,
	P_HOLDS,
	P_FORGET_PARTY,
	P_SCRUB_PARTY,
	P_SCRUB_PARTY_BIRTH,
	P_SCRUB_ALERTS,
	P_RECORD,
	P_LIST,
	P_FORGET_ROW,
	P_ERASED_BEFORE,
	P_DUE
};
static const FintechPlanDef erasure_plan_defs[] = {
	[P_LOCK_PARTY] = {"SELECT status FROM fintech.parties WHERE id OPERATOR(pg_catalog.=) $1 FOR UPDATE", 1, {INT8OID}},
	/* what holds a party: blocked, its open alerts, its held payments */
	[P_HOLDS] = {"SELECT p.status OPERATOR(pg_catalog.=) 'blocked',"
		"  (SELECT pg_catalog.string_agg(a.id::pg_catalog.text, ', ' ORDER BY a.id) FROM fintech.screening_alerts a"
		"    WHERE a.party_id OPERATOR(pg_catalog.=) p.id AND a.status OPERATOR(pg_catalog.=) 'open'),"
		"  (SELECT pg_catalog.string_agg(y.id::pg_catalog.text, ', ' ORDER BY y.id) FROM fintech.payments y"
		"    WHERE y.status OPERATOR(pg_catalog.=) 'held' AND EXISTS (SELECT FROM fintech.accounts c"
		"      WHERE c.party_id OPERATOR(pg_catalog.=) p.id AND c.code OPERATOR(pg_catalog.=) ANY (ARRAY[y.payer, y.payee])))"
		" FROM fintech.parties p WHERE p.id OPERATOR(pg_catalog.=) $1", 1, {INT8OID}},
	/* the logged values of the party's rows and of its alerts' rows: log rows redacted */
	[P_FORGET_PARTY] = {"WITH d AS (DELETE FROM fintech.audit_personal"
		"  WHERE (tbl OPERATOR(pg_catalog.=) $2 AND row_key OPERATOR(pg_catalog.=) pg_catalog.jsonb_build_object('id', $1))"
		"     OR (tbl OPERATOR(pg_catalog.=) $3 AND row_key OPERATOR(pg_catalog.=) ANY (ARRAY("
		"         SELECT pg_catalog.jsonb_build_object('id', a.id) FROM fintech.screening_alerts a"
		"          WHERE a.party_id OPERATOR(pg_catalog.=) $1)))"
		"  RETURNING audit_id)"
		" SELECT pg_catalog.count(DISTINCT audit_id) FROM d", 3, {INT8OID, REGCLASSOID, REGCLASSOID}},
	[P_SCRUB_PARTY] = {"UPDATE fintech.parties SET name = '" PERSONAL_PLACEHOLDER "', external_ref = NULL,"
		" erased_at = pg_catalog.clock_timestamp() WHERE id OPERATOR(pg_catalog.=) $1", 1, {INT8OID}},
	[P_SCRUB_PARTY_BIRTH] = {"UPDATE fintech.parties SET name = '" PERSONAL_PLACEHOLDER "', external_ref = NULL,"
		" birth_date = NULL, erased_at = pg_catalog.clock_timestamp() WHERE id OPERATOR(pg_catalog.=) $1", 1, {INT8OID}},
	[P_SCRUB_ALERTS] = {"WITH s AS (UPDATE fintech.screening_alerts SET party_name = '" PERSONAL_PLACEHOLDER "'"
		"  WHERE party_id OPERATOR(pg_catalog.=) $1 AND party_name OPERATOR(pg_catalog.<>) '" PERSONAL_PLACEHOLDER "')"
		" SELECT pg_catalog.array_agg(a.id ORDER BY a.id) FROM fintech.screening_alerts a"
		"  WHERE a.party_id OPERATOR(pg_catalog.=) $1", 1, {INT8OID}},
	[P_RECORD] = {"INSERT INTO fintech.erasures (erased_by, reason, table_name, primary_key, alert_ids, columns, log_rows)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id", 7,
		{TEXTOID, TEXTOID, TEXTOID, JSONBOID, INT8ARRAYOID, TEXTARRAYOID, INT8OID}},
	[P_LIST] = {"SELECT columns FROM fintech.audit_personal_columns WHERE tbl OPERATOR(pg_catalog.=) $1", 1, {REGCLASSOID}},
	[P_FORGET_ROW] = {"WITH d AS (DELETE FROM fintech.audit_personal"
		"  WHERE tbl OPERATOR(pg_catalog.=) $1 AND row_key OPERATOR(pg_catalog.=) $2 RETURNING audit_id)"
		" SELECT pg_catalog.count(*), pg_catalog.count(DISTINCT audit_id) FROM d", 2, {REGCLASSOID, JSONBOID}},
	[P_ERASED_BEFORE] = {"SELECT FROM fintech.erasures WHERE table_name OPERATOR(pg_catalog.=) $1"
		" AND primary_key OPERATOR(pg_catalog.=) $2 LIMIT 1", 2, {TEXTOID, JSONBOID}},
	/* parties due for erasure: see docs/operations.md */
	[P_DUE] = {"SELECT p.id FROM fintech.parties p"
		" WHERE p.erased_at IS NULL AND p.status OPERATOR(pg_catalog.<>) 'blocked'"
		"   AND EXISTS (SELECT FROM fintech.accounts a WHERE a.party_id OPERATOR(pg_catalog.=) p.id)"
		"   AND NOT EXISTS (SELECT FROM fintech.accounts a WHERE a.party_id OPERATOR(pg_catalog.=) p.id"
		"        AND (a.status OPERATOR(pg_catalog.<>) 'closed' OR a.closed_at IS NULL"
		"             OR a.closed_at OPERATOR(pg_catalog.>=) $1))"
		"   AND NOT EXISTS (SELECT FROM fintech.screening_alerts s WHERE s.party_id OPERATOR(pg_catalog.=) p.id"
		"        AND s.status OPERATOR(pg_catalog.=) 'open')"
		" ORDER BY p.id LIMIT " CppAsString2(RETENTION_BATCH), 1, {TIMESTAMPTZOID}},
};
FT_DEFINE_PLANS(plans, erasure_plan_defs);

static Oid
fintech_relid(const char *name)
{
	return get_relname_relid(name, get_namespace_oid("fintech", false));
}

/* the role outside any SECURITY DEFINER function: who asked */
static Datum
caller_name(void)
{
	char	   *who = GetUserNameFromId(GetOuterUserId(), true);

	return CStringGetTextDatum(who ? who : "?");
}

/* ------------------------------------------------------------------------
 * Parties
 * ------------------------------------------------------------------------
 */

/*
 * Decide: lock the party and say what holds it (NULL: nothing).  LD009 if
 * there is no such party.
 */
static char *
party_hold(int64 party_id)
{
	Datum		v[1] = {Int64GetDatum(party_id)};
	HeapTuple	t;
	TupleDesc	d;
	bool		blocked,
				isnull;
	StringInfoData why;

	ft_run_plan(&plans, P_LOCK_PARTY, v, NULL, false, 0);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_LD009),
				 errmsg("party " INT64_FORMAT " does not exist", party_id)));
	/* a snapshot taken after the lock: what a transaction that held the party committed */
	ft_run_plan(&plans, P_HOLDS, v, NULL, false, 0);
	t = SPI_tuptable->vals[0];
	d = SPI_tuptable->tupdesc;
	initStringInfo(&why);
	blocked = DatumGetBool(SPI_getbinval(t, d, 1, &isnull));
	if (blocked)
		appendStringInfoString(&why, "it is blocked by sanctions screening");
	(void) SPI_getbinval(t, d, 2, &isnull);
	if (!isnull)
		appendStringInfo(&why, "%sit has open screening alerts (ids %s)", why.len ? "; " : "",
						 SPI_getvalue(t, d, 2));
	(void) SPI_getbinval(t, d, 3, &isnull);
	if (!isnull)
		appendStringInfo(&why, "%sit has held payments (ids %s)", why.len ? "; " : "",
						 SPI_getvalue(t, d, 3));
	return why.len > 0 ? why.data : NULL;
}

/* Write: erase a party the caller locked and found free of holds; log rows redacted */
static int64
erase_party_write(int64 party_id, Datum reason)
{
	Datum		v[7];
	char		n[7] = {' ', ' ', ' ', ' ', ' ', ' ', ' '};
	bool		isnull;
	int64		redacted;
	Datum		alerts;
	Oid			parties = fintech_relid("parties");
	bool		birth = get_attnum(parties, "birth_date") != InvalidAttrNumber;
	Datum		cols[3] = {CStringGetTextDatum("name"), CStringGetTextDatum("external_ref"),
	CStringGetTextDatum("birth_date")};

	v[0] = Int64GetDatum(party_id);
	v[1] = ObjectIdGetDatum(parties);
	v[2] = ObjectIdGetDatum(fintech_relid("screening_alerts"));
	ft_run_plan(&plans, P_FORGET_PARTY, v, NULL, false, 0);
	redacted = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));

	ft_run_plan(&plans, birth ? P_SCRUB_PARTY_BIRTH : P_SCRUB_PARTY, v, NULL, false, 0);
	ft_run_plan(&plans, P_SCRUB_ALERTS, v, NULL, false, 0);
	alerts = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (!isnull)
		alerts = PointerGetDatum(DatumGetArrayTypePCopy(alerts));
	n[4] = isnull ? 'n' : ' ';
	/* the scrub's own audit rows committed to the values in their old images */
	ft_run_plan(&plans, P_FORGET_PARTY, v, NULL, false, 0);

	v[0] = caller_name();
	v[1] = reason;
	v[2] = CStringGetTextDatum("fintech.parties");
	v[3] = DirectFunctionCall1(jsonb_in, CStringGetDatum(psprintf("{\"id\": " INT64_FORMAT "}", party_id)));
	v[4] = alerts;
	v[5] = PointerGetDatum(construct_array(cols, birth ? 3 : 2, TEXTOID, -1, false, TYPALIGN_INT));
	v[6] = Int64GetDatum(redacted);
	if (ft_run_plan(&plans, P_RECORD, v, n, false, 0) != SPI_OK_INSERT_RETURNING)
		elog(ERROR, "could not record the erasure of party " INT64_FORMAT, party_id);
	ft_event_row(FT_EV_ERASED, party_id, 0);
	return redacted;
}

static Datum
reason_arg(FunctionCallInfo fcinfo, int n)
{
	return CStringGetTextDatum(fintech_text_arg(fcinfo, n, "reason", FT_ARG_NOT_BLANK, 1000));
}

PG_FUNCTION_INFO_V1(fintech_erase_party);
/* fintech.erase_party(party_id bigint, reason text) RETURNS bigint: log rows redacted */
Datum
fintech_erase_party(PG_FUNCTION_ARGS)
{
	int64		party_id;
	Datum		reason;
	char	   *hold;
	int64		redacted;

	fintech_arg_not_null(fcinfo, 0, "party_id");
	party_id = PG_GETARG_INT64(0);
	reason = reason_arg(fcinfo, 1);
	SPI_connect();
	hold = party_hold(party_id);
	if (hold != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_LD011),
				 errmsg("party " INT64_FORMAT " is under a legal hold: %s", party_id, hold),
				 errdetail("Sanctions records are kept while a party has an open alert or a held payment, or is blocked."),
				 errhint("Resolve the alerts and payments first; a blocked party's data is kept.")));
	redacted = erase_party_write(party_id, reason);
	SPI_finish();
	PG_RETURN_INT64(redacted);
}

/* ------------------------------------------------------------------------
 * Rows of user tables
 * ------------------------------------------------------------------------
 */

/* primary_key must be an object of exactly the table's key columns (22023) */
static void
check_key(Relation rel, const char *qname, Jsonb *key)
{
	int			nkeys;
	char	  **keys = ft_personal_key_columns(rel, &nkeys);
	StringInfoData names;

	initStringInfo(&names);
	for (int i = 0; i < nkeys; i++)
		appendStringInfo(&names, "%s%s", i ? ", " : "", keys[i]);
	if (nkeys == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("table %s has no primary key", qname)));
	if (!JB_ROOT_IS_OBJECT(key) || JB_ROOT_COUNT(key) != nkeys)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("primary_key must be a JSON object of the primary key of %s: %s", qname, names.data)));
	for (int i = 0; i < nkeys; i++)
	{
		JsonbValue *v = getKeyJsonValueFromContainer(&key->root, keys[i], strlen(keys[i]), NULL);

		if (v == NULL || v->type == jbvNull)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("primary_key must be a JSON object of the primary key of %s: %s", qname, names.data),
					 errdetail("Key column \"%s\" is missing or null.", keys[i])));
	}
}

PG_FUNCTION_INFO_V1(fintech_erase_audited_row);
/*
 * fintech.erase_audited_row(tbl regclass, primary_key jsonb, reason text)
 * RETURNS bigint: the personal values logged of one row of a user table
 * are erased; log rows redacted.
 */
Datum
fintech_erase_audited_row(PG_FUNCTION_ARGS)
{
	Oid			relid;
	Jsonb	   *key;
	Datum		reason;
	Relation	rel;
	char	   *qname;
	Datum		v[7];
	char		n[7] = {' ', ' ', ' ', ' ', 'n', ' ', ' '};
	bool		isnull;
	int64		values,
				redacted;
	Datum		columns;

	fintech_arg_not_null(fcinfo, 0, "tbl");
	fintech_arg_not_null(fcinfo, 1, "primary_key");
	relid = PG_GETARG_OID(0);
	key = PG_GETARG_JSONB_P(1);
	reason = reason_arg(fcinfo, 2);
	if (relid == fintech_relid("parties") || relid == fintech_relid("screening_alerts"))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the personal data of parties is erased with fintech.erase_party()")));
	rel = try_table_open(relid, AccessShareLock);
	if (rel == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	qname = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
									   RelationGetRelationName(rel));
	SPI_connect();
	v[0] = ObjectIdGetDatum(relid);
	ft_run_plan(&plans, P_LIST, v, NULL, true, 0);
	columns = SPI_processed == 1 ? SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)
		: (Datum) 0;
	if (SPI_processed == 0 || ArrayGetNItems(ARR_NDIM(DatumGetArrayTypeP(columns)),
											 ARR_DIMS(DatumGetArrayTypeP(columns))) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("table %s has no personal columns", qname),
				 errhint("Name them with fintech.audit_table('%s', personal_columns => ...).", qname)));
	columns = PointerGetDatum(DatumGetArrayTypePCopy(columns));
	check_key(rel, qname, key);
	table_close(rel, AccessShareLock);

	v[1] = JsonbPGetDatum(key);
	ft_run_plan(&plans, P_FORGET_ROW, v, NULL, false, 0);
	values = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	redacted = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	if (values == 0)
	{
		Datum		e[2] = {CStringGetTextDatum(qname), JsonbPGetDatum(key)};

		/* a new snapshot: an erasure of the row that this DELETE waited for is seen */
		ft_run_plan(&plans, P_ERASED_BEFORE, e, NULL, false, 1);
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_LD009),
					 errmsg("the audit log holds no personal value of the row of %s with primary key %s",
							qname, JsonbToCString(NULL, &key->root, VARSIZE(key))),
					 errhint("primary_key is written as in the row's log images (fintech.audit_log)."),
					 errdetail("No such row was captured with a personal value, and none was erased before.")));
	}
	v[0] = caller_name();
	v[1] = reason;
	v[2] = CStringGetTextDatum(qname);
	v[3] = JsonbPGetDatum(key);
	v[4] = (Datum) 0;
	v[5] = columns;
	v[6] = Int64GetDatum(redacted);
	if (ft_run_plan(&plans, P_RECORD, v, n, false, 0) != SPI_OK_INSERT_RETURNING)
		elog(ERROR, "could not record the erasure of a row of %s", qname);
	SPI_finish();
	PG_RETURN_INT64(redacted);
}

/* ------------------------------------------------------------------------
 * fintech.personal_data_retention and its job
 * ------------------------------------------------------------------------
 */

static char *retention_string = NULL;
static Interval *retention = NULL;	/* NULL: never */

static bool
check_personal_retention(char **newval, void **extra, GucSource source)
{
	if (*newval == NULL || (*newval)[0] == '\0')
		return true;			/* never */
	return fintech_check_interval_guc(newval, extra, source);
}

static void
assign_personal_retention(const char *newval, void *extra)
{
	retention = extra;
}

/* the job: erase the parties due, RETENTION_BATCH per transaction */
static int64
retention_job(bool *again)
{
	Datum		v[1];
	SPITupleTable *due;
	uint64		ndue;
	int64		erased = 0;
	Datum		reason;

	*again = false;
	if (retention == NULL)
		return 0;
	v[0] = DirectFunctionCall2(timestamptz_mi_interval,
							   TimestampTzGetDatum(GetCurrentTimestamp()),
							   IntervalPGetDatum(retention));
	reason = CStringGetTextDatum(psprintf("fintech.personal_data_retention: every account closed for longer than %s",
										  retention_string));
	SPI_connect();
	ft_run_plan(&plans, P_DUE, v, NULL, false, 0);
	due = SPI_tuptable;
	ndue = SPI_processed;
	for (uint64 i = 0; i < ndue; i++)
	{
		bool		isnull;
		int64		party_id = DatumGetInt64(SPI_getbinval(due->vals[i], due->tupdesc, 1, &isnull));

		CHECK_FOR_INTERRUPTS();
		/* a payment held since the query is a hold too: that party waits for the next run */
		if (party_hold(party_id) != NULL)
			continue;
		(void) erase_party_write(party_id, reason);
		erased++;
	}
	SPI_finish();
	*again = ndue == RETENTION_BATCH && erased > 0;
	return erased;
}

void
ErasureInit(void)
{
	DefineCustomStringVariable("fintech.personal_data_retention",
							   "How long the personal data of a party is kept after its last account was closed "
							   "(an interval; empty: kept until erased by hand).",
							   "When set, the erase_personal_data job erases the name, external_ref and birth "
							   "date of every party whose accounts have all been closed for longer than this, "
							   "from fintech.parties, its screening alerts and the audit log (as "
							   "fintech.erase_party() does), unless the party is under a legal hold: an open "
							   "screening alert, a held payment, or blocked by sanctions screening.  Parties "
							   "without accounts are left alone.  Each erasure is recorded in fintech.erasures.",
							   &retention_string,
							   NULL,
							   PGC_SIGHUP,
							   0,
							   check_personal_retention, assign_personal_retention, NULL);
	fintech_define_job("erase_personal_data", "fintech.erase_interval",
					   "How often the background worker erases the personal data of parties kept for longer "
					   "than fintech.personal_data_retention (in batches of " CppAsString2(RETENTION_BATCH) ").",
					   3600000, retention_job);
}
