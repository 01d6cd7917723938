/*-------------------------------------------------------------------------
 *
 * sanctions_load.c
 *	  Writing a sanctions list, parsed in memory by its loader (ofac.c:
 *	  OFAC SDN CSV; un_load.c: the UN Security Council XML; ftm_load.c:
 *	  FollowTheMoney JSON lines), into the sanctions tables, replacing the
 *	  list; and what the loaders share: the list argument, the source hash,
 *	  the entities' countries (ISO alpha-2, countries.c) and birth dates.
 *
 * Loading replaces the list in the caller's transaction.  Loads are
 * serialised (all lists of the database, not only one list's) by a lock
 * that no SQL can take (lock_loads), held to the end of the transaction,
 * taken after the input is checked; the list's row is then read FOR
 * UPDATE.
 * Entities are upserted by (list, source_uid), keeping their ids (alerts
 * point at them), with listed = true and version = the new version; the
 * list's entities missing from the new input get listed = false and the
 * new version (kept, never deleted; ones already unlisted are left
 * alone).  The list's sanctions_names rows are all deleted and inserted
 * again.  The sanctions_lists row gets version old + 1 (1 the first
 * time), generation nextval('fintech.sanctions_generation'), the entity
 * and name counts, loaded_at clock_timestamp(), loaded_by session_user,
 * and source_hash (the loader's: SHA-256 of canon(input 1) || canon(input
 * 2) ..., canon(x) being "<length in bytes>:" followed by x, or "N" for
 * NULL, fintech's usual canonical field).  Every write is one set-based
 * statement over arrays (saved plans).  Other lists are not touched.
 *
 * Countries: each entity's are ISO 3166-1 alpha-2 codes, distinct, in the
 * order the list gives them; a country name countries.c does not know is
 * left out, and the load says which ones in a NOTICE (the first
 * UNKNOWN_SHOWN distinct names, and how many values more: no list of them
 * grows with the input).  Birth dates are
 * strings 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD', as precise as the list
 * gives them, distinct, in list order (sanctions_entities.birth_dates;
 * not written while the installed extension predates 0.6.0).
 *
 * Memory and time: the loaders parse into a memory context of the call;
 * the statements' arrays are built there too.  Building them checks for
 * a cancel per entity and name.
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

#include "canon.h"
#include "countries.h"
#include "fintech.h"
#include "sanctions_load.h"
#include "screening_guard.h"
#include "spi_plan.h"

#define LIST_MAXBYTES	255
#define UNKNOWN_SHOWN	10		/* unknown country names a load's NOTICE names */

/* ------------------------------------------------------------------------
 * The parsed list
 * ------------------------------------------------------------------------
 */

void
ft_sanctions_init(SanctionsData *d)
{
	memset(d, 0, sizeof(*d));
	d->maxentities = 1024;
	d->entities = palloc(d->maxentities * sizeof(SanctionsEntity));
	d->maxnames = 2048;
	d->names = palloc(d->maxnames * sizeof(SanctionsName));
}

SanctionsEntity *
ft_sanctions_add_entity(SanctionsData *d)
{
	SanctionsEntity *e;

	if (d->nentities == d->maxentities)
	{
		d->maxentities *= 2;
		d->entities = repalloc_huge(d->entities, d->maxentities * sizeof(SanctionsEntity));
	}
	e = &d->entities[d->nentities++];
	memset(e, 0, sizeof(*e));
	return e;
}

void
ft_sanctions_add_name(SanctionsData *d, int entity, const char *type, char *name, char *uid)
{
	SanctionsName *n;

	if (d->nnames == d->maxnames)
	{
		d->maxnames *= 2;
		d->names = repalloc_huge(d->names, d->maxnames * sizeof(SanctionsName));
	}
	n = &d->names[d->nnames++];
	n->entity = entity;
	n->type = type;
	n->name = name;
	n->uid = uid;
}

void
ft_sanctions_add_name_once(SanctionsData *d, int entity, const char *type, char *name)
{
	for (int i = d->nnames - 1; i >= 0 && d->names[i].entity == entity; i--)
		if (strcmp(d->names[i].name, name) == 0)
			return;
	ft_sanctions_add_name(d, entity, type, name, NULL);
}

static bool
has_string(List *l, const char *s)
{
	ListCell   *lc;

	foreach(lc, l)
		if (strcmp(lfirst(lc), s) == 0)
		return true;
	return false;
}

void
ft_sanctions_add_country(SanctionsData *d, SanctionsEntity *e, const char *country, bool codes)
{
	const char *code = ft_country_code(country, codes);

	if (code != NULL && code[0] == '\0')
		return;					/* "undetermined": no country */
	if (code == NULL)
	{
		/* the first few distinct names are named; the others only counted (no list grows) */
		if (has_string(d->unknown_countries, country))
			return;
		if (list_length(d->unknown_countries) < UNKNOWN_SHOWN)
			d->unknown_countries = lappend(d->unknown_countries, pstrdup(country));
		else
			d->unknown_more++;
		return;
	}
	if (!has_string(e->countries, code))
		e->countries = lappend(e->countries, unconstify(char *, code));
}

void
ft_sanctions_add_birth_date(SanctionsEntity *e, const char *date)
{
	if (!has_string(e->birth_dates, date))
		e->birth_dates = lappend(e->birth_dates, pstrdup(date));
}

bool
ft_sanctions_add_year_range(SanctionsEntity *e, int from, int to)
{
	if (!ft_valid_ymd(from, 0, 0) || !ft_valid_ymd(to, 0, 0) || to < from || to - from >= 100)
		return false;
	for (int y = from; y <= to; y++)
	{
		char		buf[8];

		snprintf(buf, sizeof(buf), "%04d", y);
		ft_sanctions_add_birth_date(e, buf);
	}
	return true;
}

bool
ft_valid_ymd(int y, int m, int d)
{
	static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (y < 1000 || y > 9999 || m < 0 || m > 12 || d < 0)
		return false;
	if (m == 0)
		return d == 0;
	if (d > days[m - 1])
		return false;
	/* 29 February of a year that is not a leap year */
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return false;
	return true;
}

bool
ft_birth_date_string(const char *s, bool with_time, char *out)
{
	size_t		len = strlen(s);
	int			y = 0,
				m = 0,
				d = 0;

#define DIGITS2(p) (isdigit((unsigned char) (p)[0]) && isdigit((unsigned char) (p)[1]))
	if (len < 4 || !DIGITS2(s) || !DIGITS2(s + 2))
		return false;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	if (len >= 7 && s[4] == '-' && DIGITS2(s + 5))
		m = (s[5] - '0') * 10 + (s[6] - '0');
	if (m > 0 && len >= 10 && s[7] == '-' && DIGITS2(s + 8))
		d = (s[8] - '0') * 10 + (s[9] - '0');
#undef DIGITS2
	if (!(len == 4 || (len == 7 && m > 0) || (len == 10 && d > 0) ||
		  (with_time && len > 10 && d > 0 && s[10] == 'T')))
		return false;
	if ((len > 4 && m == 0) || !ft_valid_ymd(y, m, d))
		return false;
	if (d > 0)
		snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
	else if (m > 0)
		snprintf(out, 11, "%04d-%02d", y, m);
	else
		snprintf(out, 11, "%04d", y);
	return true;
}

char *
ft_sanctions_list_arg(FunctionCallInfo fcinfo, int argno)
{
	char	   *list;

	fintech_arg_not_null(fcinfo, argno, "list");
	list = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	if (list[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("list must not be empty")));
	if (strlen(list) > LIST_MAXBYTES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("list name is %zu bytes long, the limit is %d",
						strlen(list), LIST_MAXBYTES)));
	return list;
}

/*
 * Hashes "<length in bytes>:<bytes>", or "N" for NULL, of each input,
 * straight from the input (no copy of it is made).
 */
void
ft_sanctions_hash(text **inputs, int n, uint8 *hash)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);

	if (ctx == NULL || pg_cryptohash_init(ctx) < 0)
		elog(ERROR, "could not compute SHA-256: %s", pg_cryptohash_error(ctx));
	for (int i = 0; i < n; i++)
	{
		text	   *t = inputs[i];
		char		head[16];
		int			len;

		if (t == NULL)
			len = snprintf(head, sizeof(head), "N");
		else
			len = snprintf(head, sizeof(head), "%d:", (int) VARSIZE_ANY_EXHDR(t));
		if (pg_cryptohash_update(ctx, (const uint8 *) head, len) < 0 ||
			(t != NULL &&
			 pg_cryptohash_update(ctx, (const uint8 *) VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)) < 0))
			elog(ERROR, "could not compute SHA-256: %s", pg_cryptohash_error(ctx));
	}
	if (pg_cryptohash_final(ctx, hash, PG_SHA256_DIGEST_LENGTH) < 0)
		elog(ERROR, "could not compute SHA-256: %s", pg_cryptohash_error(ctx));
	pg_cryptohash_free(ctx);
}

/* ------------------------------------------------------------------------
 * Writing the list
 * ------------------------------------------------------------------------
 */

enum
{
	P_VERSION,
	P_ENTITIES,
	P_ENTITIES_0_5,
	P_UNLIST,
	P_DELETE_NAMES,
	P_INSERT_NAMES,
	P_LIST,
	NPLANS
};

/* the upsert of the entities, with or without the birth_dates column */
#define ENTITIES_SQL(col, val, set) \
	"INSERT INTO fintech.sanctions_entities AS e" \
	" (list, source_uid, name, kind, programs, title, remarks, countries," col " listed, version)" \
	" SELECT $1, u.uid, u.name, u.kind, u.programs::pg_catalog.text[], u.title, u.remarks," \
	"        u.countries::pg_catalog.text[]," val " true, $2" \
	"   FROM ROWS FROM (pg_catalog.unnest($3), pg_catalog.unnest($4), pg_catalog.unnest($5)," \
	"                   pg_catalog.unnest($6), pg_catalog.unnest($7), pg_catalog.unnest($8)," \
	"                   pg_catalog.unnest($9), pg_catalog.unnest($10))" \
	"        AS u(uid, name, kind, programs, title, remarks, countries, birth_dates)" \
	" ON CONFLICT (list, source_uid) DO UPDATE" \
	" SET name = EXCLUDED.name, kind = EXCLUDED.kind, programs = EXCLUDED.programs," \
	"     title = EXCLUDED.title, remarks = EXCLUDED.remarks, countries = EXCLUDED.countries," \
	set " listed = true, version = EXCLUDED.version"
#define ENTITIES_TYPES \
	{TEXTOID, INT8OID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, \
	 TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID}

static const FintechPlanDef plan_defs[NPLANS] = {
	[P_VERSION] = {"SELECT version FROM fintech.sanctions_lists"
		" WHERE list OPERATOR(pg_catalog.=) $1 FOR UPDATE", 1, {TEXTOID}},
	/*
	 * $6, $9 and $10 hold each entity's programs, countries and birth dates
	 * as array literals; P_ENTITIES_0_5 is for an extension not yet updated
	 * to 0.6.0 (no birth_dates column: $10 unused)
	 */
	[P_ENTITIES] = {ENTITIES_SQL(" birth_dates,", " u.birth_dates::pg_catalog.text[],",
								 " birth_dates = EXCLUDED.birth_dates,"), 10, ENTITIES_TYPES},
	[P_ENTITIES_0_5] = {ENTITIES_SQL("", "", ""), 10, ENTITIES_TYPES},
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

/*
 * The text[] literal of a list of C strings: {"a","b"}, written in buf (one
 * for all entities: a StringInfo of its own each made 1 kB per literal,
 * tens of MB for the SDN list) and copied out at its length.
 */
static char *
array_literal(List *l, StringInfo buf)
{
	ListCell   *lc;

	if (l == NIL)
		return "{}";
	resetStringInfo(buf);
	appendStringInfoChar(buf, '{');
	foreach(lc, l)
	{
		CHECK_FOR_INTERRUPTS();
		if (foreach_current_index(lc) > 0)
			appendStringInfoChar(buf, ',');
		appendStringInfoChar(buf, '"');
		for (const char *c = lfirst(lc); *c; c++)
		{
			if (*c == '"' || *c == '\\')
				appendStringInfoChar(buf, '\\');
			appendStringInfoChar(buf, *c);
		}
		appendStringInfoChar(buf, '"');
	}
	appendStringInfoChar(buf, '}');
	return pnstrdup(buf->data, buf->len);
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

/* the NOTICE naming the country names of the list that map to no code */
static void
notice_unknown_countries(const char *list, List *unknown, int64 more)
{
	StringInfoData buf;
	ListCell   *lc;

	if (unknown == NIL)
		return;
	initStringInfo(&buf);
	foreach(lc, unknown)
		appendStringInfo(&buf, "%s\"%s\"", foreach_current_index(lc) > 0 ? ", " : "",
						 (char *) lfirst(lc));
	if (more > 0)
		appendStringInfo(&buf, ", and " INT64_FORMAT " more", more);
	ereport(NOTICE,
			(errmsg("%d country name%s of sanctions list \"%s\" left out: %s",
					list_length(unknown), list_length(unknown) == 1 ? "" : "s", list, buf.data),
			 errdetail("They are not ISO 3166-1 countries fintech knows a code for.")));
}

int64
ft_sanctions_write(const char *list, SanctionsData *d, const uint8 *hash)
{
	int			n = d->nentities;
	int			nn = d->nnames;
	int64		version;
	Datum		ent_args[10];
	Datum		name_args[5];
	Datum		v[5];

	/* the statements' arrays */
	{
		char	  **uids = palloc(Max(n, 1) * sizeof(char *));
		char	  **names = palloc(Max(n, 1) * sizeof(char *));
		char	  **kinds = palloc(Max(n, 1) * sizeof(char *));
		char	  **programs = palloc(Max(n, 1) * sizeof(char *));
		char	  **titles = palloc(Max(n, 1) * sizeof(char *));
		char	  **remarks = palloc(Max(n, 1) * sizeof(char *));
		char	  **countries = palloc(Max(n, 1) * sizeof(char *));
		char	  **births = palloc(Max(n, 1) * sizeof(char *));
		char	  **nuids = palloc(Max(nn, 1) * sizeof(char *));
		char	  **nnames = palloc(Max(nn, 1) * sizeof(char *));
		char	  **ntypes = palloc(Max(nn, 1) * sizeof(char *));
		char	  **nsrc = palloc(Max(nn, 1) * sizeof(char *));
		StringInfoData lit;

		initStringInfo(&lit);

		for (int i = 0; i < n; i++)
		{
			SanctionsEntity *e = &d->entities[i];

			CHECK_FOR_INTERRUPTS();
			uids[i] = e->uid;
			names[i] = e->name;
			kinds[i] = unconstify(char *, e->kind);
			programs[i] = array_literal(e->programs, &lit);
			titles[i] = e->title;
			remarks[i] = e->remarks;
			countries[i] = array_literal(e->countries, &lit);
			births[i] = array_literal(e->birth_dates, &lit);
		}
		ent_args[2] = text_array(uids, n);
		ent_args[3] = text_array(names, n);
		ent_args[4] = text_array(kinds, n);
		ent_args[5] = text_array(programs, n);
		ent_args[6] = text_array(titles, n);
		ent_args[7] = text_array(remarks, n);
		ent_args[8] = text_array(countries, n);
		ent_args[9] = text_array(births, n);

		for (int i = 0; i < nn; i++)
		{
			SanctionsName *a = &d->names[i];

			CHECK_FOR_INTERRUPTS();
			nuids[i] = d->entities[a->entity].uid;
			nnames[i] = a->name;
			ntypes[i] = unconstify(char *, a->type);
			nsrc[i] = a->uid;
		}
		name_args[1] = text_array(nuids, nn);
		name_args[2] = text_array(nnames, nn);
		name_args[3] = text_array(ntypes, nn);
		name_args[4] = text_array(nsrc, nn);
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
	check_write(ft_run_plan(&plans, ft_screening_v2_schema() ? P_ENTITIES : P_ENTITIES_0_5,
							ent_args, NULL, false, 0), SPI_OK_INSERT,
				n, "write the entities of", "fintech.sanctions_entities", list);
	v[1] = Int64GetDatum(version);
	check_write(ft_run_plan(&plans, P_UNLIST, v, NULL, false, 0), SPI_OK_UPDATE,
				-1, "unlist the dropped entities of", "fintech.sanctions_entities", list);

	/* names: all of them again */
	check_write(ft_run_plan(&plans, P_DELETE_NAMES, v, NULL, false, 0), SPI_OK_DELETE,
				-1, "delete the names of", "fintech.sanctions_names", list);
	name_args[0] = v[0];
	check_write(ft_run_plan(&plans, P_INSERT_NAMES, name_args, NULL, false, 0), SPI_OK_INSERT,
				nn, "write the names of", "fintech.sanctions_names", list);

	/* the list's row: version, generation, counts, hash */
	v[1] = Int64GetDatum(version);
	v[2] = Int32GetDatum(n);
	v[3] = Int32GetDatum(nn);
	v[4] = PointerGetDatum(fintech_hash_bytea(hash));
	check_write(ft_run_plan(&plans, P_LIST, v, NULL, false, 0), SPI_OK_INSERT,
				1, "record", "fintech.sanctions_lists", list);

	SPI_finish();
	notice_unknown_countries(list, d->unknown_countries, d->unknown_more);
	return n;
}
