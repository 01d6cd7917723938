/*-------------------------------------------------------------------------
 *
 * rescreen.c
 *	  Rescreening after a sanctions list load: fintech.rescreen_parties()
 *	  and the rescreen_parties job.
 *
 * Every load takes a new generation; a party whose screened_generation is
 * below the highest one is due.  Both take the due parties in batches of
 * RESCREEN_BATCH in the order of the index parties_screened
 * (screened_generation, id), screen each (parties.c raises its alerts and
 * puts a clear party under review) and record the batch in one statement.
 *
 * Locks: the batch's parties, FOR NO KEY UPDATE SKIP LOCKED (step 2 of the
 * global lock order in parties.c and payments.c): a party in use by a
 * payment in flight is left for later.  rescreen_parties() waits for a
 * busy party only while it holds none (ft_lock_alone); the job never waits.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "countries.h"
#include "fintech.h"
#include "events.h"
#include "jobs.h"
#include "parties.h"
#include "screening.h"
#include "screening_guard.h"
#include "spi_plan.h"

#define NAME_MAXCHARS	FINTECH_NAME_MAXCHARS
#define RESCREEN_BATCH	500

enum
{
	P_DUE,
	P_DUE_0_5,
	P_SCREENED,
	NPLANS
};

/*
 * One batch of the parties due, skipping those other transactions hold
 * (both callers: see fintech_rescreen_parties), after the key
 * ($2, $3) where the previous batch of the same call ended: read in the
 * order of the index parties_screened (screened_generation, id), each
 * batch starts where the last one stopped.  From the start instead, every
 * batch of one rescreen_parties() call would step over the index entries
 * of the rows the earlier batches updated (dead only once the call
 * commits): quadratic in the parties.
 */
#define DUE_SQL(birth) "SELECT id, name, status, country, kind, " birth ", screened_generation" \
	" FROM fintech.parties" \
	" WHERE screened_generation OPERATOR(pg_catalog.<) $1" \
	" AND (screened_generation, id) OPERATOR(pg_catalog.>) ($2, $3)" \
	" ORDER BY screened_generation, id LIMIT " CppAsString2(RESCREEN_BATCH) \
	" FOR NO KEY UPDATE SKIP LOCKED"

static const FintechPlanDef plan_defs[NPLANS] = {
	[P_DUE] = {DUE_SQL("birth_date"), 3, {INT8OID, INT8OID, INT8OID}},
	/* an extension not yet updated to 0.6.0: parties have no birth_date */
	[P_DUE_0_5] = {DUE_SQL("NULL::pg_catalog.date"), 3, {INT8OID, INT8OID, INT8OID}},
	/* a batch of rescreened parties: ids, generations, statuses */
	[P_SCREENED] = {"UPDATE fintech.parties p SET screened_generation = u.generation,"
		" screened_at = pg_catalog.clock_timestamp(), status = u.status"
		" FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.int8[]), pg_catalog.unnest($2::pg_catalog.int8[]),"
		"                 pg_catalog.unnest($3::pg_catalog.text[])) AS u(id, generation, status)"
		" WHERE p.id OPERATOR(pg_catalog.=) u.id", 3, {INT8ARRAYOID, INT8ARRAYOID, TEXTARRAYOID}},
};

FT_DEFINE_PLANS(plans, plan_defs);

/*
 * create_party refuses names over NAME_MAXCHARS characters (and
 * fintech_screen would, with 22023); a longer name written into the table
 * otherwise (before 0.4.0, or by its owner) is rescreened on its first
 * NAME_MAXCHARS characters with a WARNING, rather than failing the batch
 * for good and holding up every party due after it.
 */
static char *
clip_name(int64 party_id, char *name)
{
	int			len = strlen(name);
	int			clip;

	if (len <= NAME_MAXCHARS)
		return name;
	clip = pg_mbcharcliplen(name, len, NAME_MAXCHARS);
	if (clip == len)
		return name;
	ereport(WARNING,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("party " INT64_FORMAT " has a name of %d characters, rescreened on its first %d",
					party_id, pg_mbstrlen_with_len(name, len), NAME_MAXCHARS),
			 errhint("Names are screened up to %d characters.", NAME_MAXCHARS)));
	return pnstrdup(name, clip);
}

/*
 * Where the batches of one call have got to: the key (screened_generation,
 * id) of the last party read, for the generation they screen against (a
 * load in between starts them from the beginning again).
 */
typedef struct RescreenPos
{
	int64		generation;
	int64		after_generation;
	int64		after_id;
} RescreenPos;

#define RESCREEN_POS_START {-1, PG_INT64_MIN, PG_INT64_MIN}

/*
 * Rescreens one batch of due parties after *pos, and moves *pos past it;
 * returns the number of parties (and adds the alerts raised to *alerts).
 * Parties locked by others are left for later.
 */
static int64
rescreen_batch(int64 *alerts, RescreenPos *pos)
{
	int64		generation = fintech_screening_generation();
	Datum		v[3];
	uint64		n;
	int64	   *ids;
	char	  **names;
	char	  **statuses;
	ScreenAttrs *attrs;
	Datum	   *gens;
	Datum	   *new_status;
	bool	   *changed;

	if (pos->generation != generation)
	{
		pos->generation = generation;
		pos->after_generation = PG_INT64_MIN;
		pos->after_id = PG_INT64_MIN;
	}
	v[0] = Int64GetDatum(generation);
	v[1] = Int64GetDatum(pos->after_generation);
	v[2] = Int64GetDatum(pos->after_id);
	ft_run_plan(&plans, ft_screening_v2_schema() ? P_DUE : P_DUE_0_5, v, NULL, false, 0);
	n = SPI_processed;
	ids = palloc(sizeof(int64) * Max(n, 1));
	names = palloc(sizeof(char *) * Max(n, 1));
	statuses = palloc(sizeof(char *) * Max(n, 1));
	attrs = palloc(sizeof(ScreenAttrs) * Max(n, 1));
	for (uint64 i = 0; i < n; i++)
	{
		bool		isnull;
		Datum		birth;

		CHECK_FOR_INTERRUPTS();
		ids[i] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		names[i] = clip_name(ids[i], SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2));
		statuses[i] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3);
		/* the party's attributes: a country written before 0.6.0 that is no code is left out */
		attrs[i].country = ft_country_alpha2(SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 4));
		attrs[i].kind = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 5);
		birth = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 6, &isnull);
		attrs[i].has_birth_date = !isnull;
		attrs[i].birth_date = isnull ? 0 : DatumGetDateADT(birth);
	}
	if (n > 0)
	{
		bool		isnull;

		/* the next batch starts after the last party read */
		pos->after_id = ids[n - 1];
		pos->after_generation =
			DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[n - 1], SPI_tuptable->tupdesc, 7, &isnull));
	}
	gens = palloc(sizeof(Datum) * Max(n, 1));
	new_status = palloc(sizeof(Datum) * Max(n, 1));
	changed = palloc(sizeof(bool) * Max(n, 1));
	for (uint64 i = 0; i < n; i++)
	{
		int64		raised = ft_party_raise_alerts(ids[i], names[i], &attrs[i], &generation);
		const char *status = statuses[i];

		CHECK_FOR_INTERRUPTS();
		*alerts += raised;
		/* new alerts put a clear party under review; blocked stays blocked */
		if (raised > 0 && strcmp(status, "clear") == 0)
			status = "review";
		gens[i] = Int64GetDatum(generation);
		new_status[i] = CStringGetTextDatum(status);
		changed[i] = strcmp(status, statuses[i]) != 0;
	}
	/* the batch's parties screened: one statement (a party's row events after it) */
	if (n > 0)
	{
		Datum	   *id_datums = palloc(sizeof(Datum) * n);

		for (uint64 i = 0; i < n; i++)
			id_datums[i] = Int64GetDatum(ids[i]);
		v[0] = PointerGetDatum(construct_array(id_datums, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		v[1] = PointerGetDatum(construct_array(gens, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		v[2] = PointerGetDatum(construct_array(new_status, n, TEXTOID, -1, false, TYPALIGN_INT));
		if (ft_run_plan(&plans, P_SCREENED, v, NULL, false, 0) != SPI_OK_UPDATE || SPI_processed != n)
			elog(ERROR, "could not record the rescreening of " UINT64_FORMAT " parties", n);
		for (uint64 i = 0; i < n; i++)
			if (changed[i])
				ft_event_row(FT_EV_PARTY, ids[i], 0);
	}
	return (int64) n;
}

/*
 * Wait, holding nothing of this call, until the first due party that
 * another transaction holds is free: locked alone in a subtransaction that
 * is rolled back at once.  False when no party is due.
 */
static bool
wait_for_due_party(int64 generation)
{
	return ft_lock_alone("SELECT id FROM fintech.parties"
						 " WHERE screened_generation OPERATOR(pg_catalog.<) $1"
						 " ORDER BY screened_generation, id LIMIT 1 FOR NO KEY UPDATE",
						 INT8OID, Int64GetDatum(generation));
}

PG_FUNCTION_INFO_V1(fintech_rescreen_parties);
/*
 * fintech.rescreen_parties(): every due party, now; returns the alerts
 * raised.  Batches skip parties locked by other transactions (a payment in
 * flight share-locks its parties): waiting for one while holding the
 * parties of earlier batches could close a cycle with a transaction that
 * pays across those parties in another order.  So it waits for a busy
 * party only while it holds none; once it has rescreened some, the busy
 * ones are left (NOTICE) to the rescreen_parties job or a later call.
 */
Datum
fintech_rescreen_parties(PG_FUNCTION_ARGS)
{
	int64		alerts = 0;
	int64		rescreened = 0;
	RescreenPos pos = RESCREEN_POS_START;

	ft_screening_required_check();
	SPI_connect();
	for (;;)
	{
		int64		n;
		int64		generation;

		CHECK_FOR_INTERRUPTS();
		n = rescreen_batch(&alerts, &pos);
		rescreened += n;
		if (n > 0)
			continue;
		generation = fintech_screening_generation();
		if (rescreened == 0)
		{
			/* nothing held yet: wait for a busy party, then take it */
			if (!wait_for_due_party(generation))
				break;
			continue;
		}
		{
			Oid			types[1] = {INT8OID};
			Datum		v[1] = {Int64GetDatum(generation)};
			bool		isnull;
			int64		busy;

			if (SPI_execute_with_args("SELECT pg_catalog.count(*) FROM fintech.parties"
									  " WHERE screened_generation OPERATOR(pg_catalog.<) $1",
									  1, types, v, NULL, false, 0) != SPI_OK_SELECT)
				elog(ERROR, "could not count the parties due");
			busy = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
			if (busy > 0)
				ereport(NOTICE,
						(errmsg(INT64_FORMAT " due parties are in use by other transactions and were not rescreened",
								busy),
						 errhint("The rescreen_parties job rescreens them once they are free; or call fintech.rescreen_parties() again.")));
		}
		break;
	}
	SPI_finish();
	PG_RETURN_INT64(alerts);
}

/*
 * rescreen_parties job: one batch per run; rows handled = parties
 * rescreened.  Its runs go on from where the last one stopped (the
 * position lives in the launcher), so that while an older snapshot keeps
 * the earlier batches' index entries from being marked dead (a long
 * transaction anywhere), each run does not step over all of them again.
 * A run that finds less than a batch has reached the end: the next one
 * starts from the beginning, and takes the parties that were locked when
 * their batch passed.
 */
static RescreenPos job_pos = RESCREEN_POS_START;

static int64
rescreen_job(bool *again)
{
	int64		alerts = 0;
	int64		n;

	SPI_connect();
	n = rescreen_batch(&alerts, &job_pos);
	SPI_finish();
	*again = n == RESCREEN_BATCH;
	if (!*again)
		job_pos = (RescreenPos) RESCREEN_POS_START;
	return n;
}

/* the rescreen_parties job (called from PartiesInit) */
void
RescreenInit(void)
{
	fintech_define_job("rescreen_parties", "fintech.rescreen_interval",
					   "How often the background worker rescreens parties due after a sanctions "
					   "list was loaded (in batches of " CppAsString2(RESCREEN_BATCH) ").",
					   1000, rescreen_job);
}
