/*-------------------------------------------------------------------------
 *
 * ofac.c
 *	  fintech.load_sanctions_ofac(sdn_csv, alt_csv, add_csv, list): a
 *	  sanctions list in the US Treasury's legacy CSV format (OFAC SDN)
 *	  written into the sanctions tables, replacing the list.  The files'
 *	  format, what is loaded from them and the parse errors are described
 *	  in ofac_parse.c, which parses and checks everything in memory before
 *	  anything is written.
 *
 * Errors (SQLSTATE 22023, nothing loaded): NULL sdn_csv; a NULL, empty or
 * longer than 255 bytes list; anything ofac_parse.c refuses.
 *
 * Loading replaces the list in the caller's transaction.  Loads are
 * serialised (all lists of the database, not only one list's) by a lock
 * that no SQL can take (lock_loads), held to the end of the transaction,
 * taken after the files are checked; the list's row is then read FOR
 * UPDATE.
 * Entities are upserted by (list, source_uid), keeping their ids (alerts
 * point at them), with listed = true and version = the new version; the
 * list's entities missing from the new sdn.csv get listed = false and the
 * new version (kept, never deleted; ones already unlisted are left
 * alone).  The list's sanctions_names rows are all deleted and inserted
 * again.  The sanctions_lists row gets version old + 1 (1 the first
 * time), generation nextval('fintech.sanctions_generation'), the entity
 * and name counts, loaded_at clock_timestamp(), loaded_by session_user,
 * and source_hash = SHA-256 of canon(sdn_csv) || canon(alt_csv) ||
 * canon(add_csv), canon(x) being "<length in bytes>:" followed by x, or
 * "N" for NULL (fintech's usual canonical field).  Every write is one
 * set-based statement over arrays (saved plans).  Returns the number of
 * entities listed after the load.
 *
 * Memory and time: the inputs are detoasted and parsed into a memory
 * context of the call, deleted before returning; the parse holds about
 * what it loads (ofac_parse.c), the statements' arrays hold it again, and
 * the hash reads the inputs in place.  Building the arrays checks for a
 * cancel per entity and name.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/pg_list.h"
#include "storage/lock.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "fintech.h"
#include "ofac_parse.h"
#include "spi_plan.h"
#include "canon.h"

#define LIST_MAXBYTES	255

/* ------------------------------------------------------------------------
 * Writing the list
 * ------------------------------------------------------------------------
 */

enum
{
	P_VERSION,
	P_ENTITIES,
	P_UNLIST,
	P_DELETE_NAMES,
	P_INSERT_NAMES,
	P_LIST,
	NPLANS
};

static const FintechPlanDef plan_defs[NPLANS] = {
	[P_VERSION] = {"SELECT version FROM fintech.sanctions_lists"
		" WHERE list OPERATOR(pg_catalog.=) $1 FOR UPDATE", 1, {TEXTOID}},
	/* $6 and $9 hold each entity's programs and countries as array literals */
	[P_ENTITIES] = {"INSERT INTO fintech.sanctions_entities AS e"
		" (list, source_uid, name, kind, programs, title, remarks, countries, listed, version)"
		" SELECT $1, u.uid, u.name, u.kind, u.programs::pg_catalog.text[], u.title, u.remarks,"
		"        u.countries::pg_catalog.text[], true, $2"
		"   FROM ROWS FROM (pg_catalog.unnest($3), pg_catalog.unnest($4), pg_catalog.unnest($5),"
		"                   pg_catalog.unnest($6), pg_catalog.unnest($7), pg_catalog.unnest($8),"
		"                   pg_catalog.unnest($9))"
		"        AS u(uid, name, kind, programs, title, remarks, countries)"
		" ON CONFLICT (list, source_uid) DO UPDATE"
		" SET name = EXCLUDED.name, kind = EXCLUDED.kind, programs = EXCLUDED.programs,"
		"     title = EXCLUDED.title, remarks = EXCLUDED.remarks, countries = EXCLUDED.countries,"
		"     listed = true, version = EXCLUDED.version", 9,
	{TEXTOID, INT8OID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
	TEXTARRAYOID, TEXTARRAYOID}},
	[P_UNLIST] = {"UPDATE fintech.sanctions_entities SET listed = false, version = $2"
		" WHERE list OPERATOR(pg_catalog.=) $1 AND listed"
		"   AND version OPERATOR(pg_catalog.<>) $2", 2, {TEXTOID, INT8OID}},
	[P_DELETE_NAMES] = {"DELETE FROM fintech.sanctions_names WHERE list OPERATOR(pg_catalog.=) $1",
	1, {TEXTOID}},
	[P_INSERT_NAMES] = {"INSERT INTO fintech.sanctions_names (entity_id, list, name, name_type, source_uid)"
		" SELECT e.id, $1, u.name, u.name_type, u.source_uid"
		"   FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4),"
		"                   pg_catalog.unnest($5)) WITH ORDINALITY"
		"        AS u(uid, name, name_type, source_uid, ord)"
		"   JOIN fintech.sanctions_entities e ON e.list OPERATOR(pg_catalog.=) $1"
		"    AND e.source_uid OPERATOR(pg_catalog.=) u.uid"
		"  ORDER BY u.ord", 5, {TEXTOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID}},
	[P_LIST] = {"INSERT INTO fintech.sanctions_lists AS l"
		" (list, version, generation, entities, names, source_hash)"
		" VALUES ($1, $2, pg_catalog.nextval('fintech.sanctions_generation'::pg_catalog.regclass),"
		"         $3, $4, $5)"
		" ON CONFLICT (list) DO UPDATE"
		" SET version = EXCLUDED.version, generation = EXCLUDED.generation,"
		"     entities = EXCLUDED.entities, names = EXCLUDED.names,"
		"     source_hash = EXCLUDED.source_hash, loaded_at = EXCLUDED.loaded_at,"
		"     loaded_by = EXCLUDED.loaded_by", 5, {TEXTOID, INT8OID, INT4OID, INT4OID, BYTEAOID}},
};

FT_DEFINE_PLANS(plans, plan_defs);

/* text[] of n C strings, NULL elements allowed */
static Datum
text_array(char **vals, int n)
{
	Datum	   *elems = palloc(Max(n, 1) * sizeof(Datum));
	bool	   *nulls = palloc(Max(n, 1) * sizeof(bool));
	int			dims[1] = {n};
	int			lbs[1] = {1};

	for (int i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		nulls[i] = vals[i] == NULL;
		elems[i] = nulls[i] ? (Datum) 0 : CStringGetTextDatum(vals[i]);
	}
	return PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs,
											  TEXTOID, -1, false, TYPALIGN_INT));
}

/* the text[] literal of a list of C strings: {"a","b"} */
static char *
array_literal(List *l)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	foreach(lc, l)
	{
		CHECK_FOR_INTERRUPTS();
		if (foreach_current_index(lc) > 0)
			appendStringInfoChar(&buf, ',');
		appendStringInfoChar(&buf, '"');
		for (const char *c = lfirst(lc); *c; c++)
		{
			if (*c == '"' || *c == '\\')
				appendStringInfoChar(&buf, '\\');
			appendStringInfoChar(&buf, *c);
		}
		appendStringInfoChar(&buf, '"');
	}
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

/*
 * Hashes "<length in bytes>:<bytes>", or "N" for NULL, straight from the
 * input (no copy of it is made).
 */
static void
canon_input(pg_cryptohash_ctx *ctx, text *t)
{
	char		head[16];
	int			n;

	if (t == NULL)
		n = snprintf(head, sizeof(head), "N");
	else
		n = snprintf(head, sizeof(head), "%d:", (int) VARSIZE_ANY_EXHDR(t));
	if (pg_cryptohash_update(ctx, (const uint8 *) head, n) < 0 ||
		(t != NULL &&
		 pg_cryptohash_update(ctx, (const uint8 *) VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)) < 0))
		elog(ERROR, "could not compute SHA-256: %s", pg_cryptohash_error(ctx));
}

/*
 * Serialises the loads: an exclusive lock, to the end of the transaction,
 * on a lock tag no SQL can name.  It is an advisory-lock tag (database,
 * oid of fintech.sanctions_lists, 0) of class FINTECH_LOCK_LOADS: the
 * pg_advisory_* functions only make classes 1 and 2 (their int8 and
 * int4-pair keys), so no role can take, hold or queue for this one (the
 * way Citus keeps its advisory locks apart).  Not the advisory lock on
 * hashtext() keys of 0.3.0, which any role could hold forever; and not a
 * lock on the table either: in PostgreSQL 15 a role with no grants at all
 * can queue for ShareUpdateExclusiveLock on any table by oid
 * (brin_summarize_new_values() on one of its indexes locks before it
 * checks), and one with USAGE on the schema by COMMENT ON or CREATE
 * TRIGGER.  One load at a time in a database, whatever the list: loads
 * are rare and short.  pg_locks shows it as an advisory lock with
 * classid the table's oid, objid 0 and objsubid FINTECH_LOCK_LOADS (18004).
 */
#define FINTECH_LOCK_LOADS	0x4654	/* "FT" */

static void
lock_loads(void)
{
	Oid			nsp = get_namespace_oid("fintech", false);
	Oid			rel = get_relname_relid("sanctions_lists", nsp);
	LOCKTAG		tag;

	if (!OidIsValid(rel))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table fintech.sanctions_lists does not exist")));
	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, rel, 0, FINTECH_LOCK_LOADS);
	(void) LockAcquire(&tag, ExclusiveLock, false, false);
}

/*
 * A write of the load that did not do what it must (statement result rc,
 * expected ok; rows written, expected rows, or any when rows < 0).  The
 * load's own statements cannot cause it: only a rule or trigger someone
 * added to one of the sanctions tables can.  what and the list name the
 * message: "could not <what> sanctions list "<list>"".
 */
static void
check_write(int rc, int ok, int64 rows, const char *what, const char *table,
			const char *list)
{
	if (rc == ok && (rows < 0 || SPI_processed == (uint64) rows))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("could not %s sanctions list \"%s\"", what, list),
			 rc != ok ?
			 errdetail("The statement on %s returned %s, expected %s.", table,
					   SPI_result_code_string(rc), SPI_result_code_string(ok)) :
			 errdetail("The statement on %s wrote " UINT64_FORMAT " rows, expected " INT64_FORMAT ".",
					   table, SPI_processed, rows),
			 errhint("A rule or trigger on %s must not change what a load writes.", table)));
}

PG_FUNCTION_INFO_V1(fintech_load_sanctions_ofac);
/*
 * fintech.load_sanctions_ofac(sdn_csv, alt_csv, add_csv, list) RETURNS bigint
 */
Datum
fintech_load_sanctions_ofac(PG_FUNCTION_ARGS)
{
	MemoryContext loadcxt;
	MemoryContext oldcxt;
	text	   *sdn;
	text	   *alt;
	text	   *add;
	char	   *list;
	OfacData	d;
	int			nnames;
	int64		version;
	int64		listed;
	uint8		hash[PG_SHA256_DIGEST_LENGTH];
	Datum		ent_args[9];
	Datum		name_args[5];
	Datum		v[5];

	fintech_arg_not_null(fcinfo, 0, "sdn_csv");
	fintech_arg_not_null(fcinfo, 3, "list");

	loadcxt = AllocSetContextCreate(CurrentMemoryContext, "fintech OFAC load",
									ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(loadcxt);

	list = text_to_cstring(PG_GETARG_TEXT_PP(3));
	if (list[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("list must not be empty")));
	if (strlen(list) > LIST_MAXBYTES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("list name is %zu bytes long, the limit is %d",
						strlen(list), LIST_MAXBYTES)));

	/* detoasted here, so they go with loadcxt */
	sdn = PG_GETARG_TEXT_PP(0);
	alt = PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_PP(1);
	add = PG_ARGISNULL(2) ? NULL : PG_GETARG_TEXT_PP(2);

	/* parse and check everything before writing anything */
	ft_ofac_parse(&d, sdn, alt, add);
	nnames = d.nentities + d.naliases;

	{
		pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);

		if (ctx == NULL || pg_cryptohash_init(ctx) < 0)
			elog(ERROR, "could not compute SHA-256: %s", pg_cryptohash_error(ctx));
		canon_input(ctx, sdn);
		canon_input(ctx, alt);
		canon_input(ctx, add);
		if (pg_cryptohash_final(ctx, hash, PG_SHA256_DIGEST_LENGTH) < 0)
			elog(ERROR, "could not compute SHA-256: %s", pg_cryptohash_error(ctx));
		pg_cryptohash_free(ctx);
	}

	/* the statements' arrays */
	{
		int			n = d.nentities;
		char	  **uids = palloc(nnames * sizeof(char *));
		char	  **names = palloc(n * sizeof(char *));
		char	  **kinds = palloc(n * sizeof(char *));
		char	  **programs = palloc(n * sizeof(char *));
		char	  **titles = palloc(n * sizeof(char *));
		char	  **remarks = palloc(n * sizeof(char *));
		char	  **countries = palloc(n * sizeof(char *));
		char	  **nnames_v = palloc(nnames * sizeof(char *));
		char	  **ntypes = palloc(nnames * sizeof(char *));
		char	  **nuids = palloc(nnames * sizeof(char *));

		for (int i = 0; i < n; i++)
		{
			OfacEntity *e = &d.entities[i];

			CHECK_FOR_INTERRUPTS();
			uids[i] = psprintf(INT64_FORMAT, e->ent_num);
			names[i] = e->name;
			kinds[i] = unconstify(char *, e->kind);
			programs[i] = array_literal(e->programs);
			titles[i] = e->title;
			remarks[i] = e->remarks;
			countries[i] = array_literal(e->countries);
			/* the primary names, then the aliases in alt.csv order */
			nnames_v[i] = e->name;
			ntypes[i] = "primary";
			nuids[i] = NULL;
		}
		ent_args[2] = text_array(uids, n);
		ent_args[3] = text_array(names, n);
		ent_args[4] = text_array(kinds, n);
		ent_args[5] = text_array(programs, n);
		ent_args[6] = text_array(titles, n);
		ent_args[7] = text_array(remarks, n);
		ent_args[8] = text_array(countries, n);

		for (int i = 0; i < d.naliases; i++)
		{
			OfacAlias  *a = &d.aliases[i];

			CHECK_FOR_INTERRUPTS();
			uids[n + i] = uids[a->entity];
			nnames_v[n + i] = a->name;
			ntypes[n + i] = unconstify(char *, a->type);
			nuids[n + i] = psprintf(INT64_FORMAT, a->alt_num);
		}
		name_args[1] = text_array(uids, nnames);
		name_args[2] = text_array(nnames_v, nnames);
		name_args[3] = text_array(ntypes, nnames);
		name_args[4] = text_array(nuids, nnames);
	}

	SPI_connect();

	/* one load at a time; then the list's current version */
	lock_loads();
	v[0] = CStringGetTextDatum(list);
	if (ft_run_plan(&plans, P_VERSION, v, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read sanctions list \"%s\"", list);
	if (SPI_processed == 0)
		version = 1;
	else
	{
		bool		isnull;

		version = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
											  1, &isnull)) + 1;
	}

	/* entities: upsert the listed ones, unlist the others */
	ent_args[0] = v[0];
	ent_args[1] = Int64GetDatum(version);
	check_write(ft_run_plan(&plans, P_ENTITIES, ent_args, NULL, false, 0), SPI_OK_INSERT,
				d.nentities, "write the entities of", "fintech.sanctions_entities", list);
	listed = d.nentities;
	v[1] = Int64GetDatum(version);
	check_write(ft_run_plan(&plans, P_UNLIST, v, NULL, false, 0), SPI_OK_UPDATE,
				-1, "unlist the dropped entities of", "fintech.sanctions_entities", list);

	/* names: all of them again */
	check_write(ft_run_plan(&plans, P_DELETE_NAMES, v, NULL, false, 0), SPI_OK_DELETE,
				-1, "delete the names of", "fintech.sanctions_names", list);
	name_args[0] = v[0];
	check_write(ft_run_plan(&plans, P_INSERT_NAMES, name_args, NULL, false, 0), SPI_OK_INSERT,
				nnames, "write the names of", "fintech.sanctions_names", list);

	/* the list's row: version, generation, counts, hash */
	v[1] = Int64GetDatum(version);
	v[2] = Int32GetDatum(d.nentities);
	v[3] = Int32GetDatum(nnames);
	v[4] = PointerGetDatum(fintech_hash_bytea(hash));
	check_write(ft_run_plan(&plans, P_LIST, v, NULL, false, 0), SPI_OK_INSERT,
				1, "record", "fintech.sanctions_lists", list);

	SPI_finish();
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(loadcxt);
	PG_RETURN_INT64(listed);
}
