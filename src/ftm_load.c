/*-------------------------------------------------------------------------
 *
 * ftm_load.c
 *	  fintech.load_sanctions_ftm(jsonl, list): FollowTheMoney entities as
 *	  JSON lines, the format OpenSanctions publishes every list in (EU, UK,
 *	  national lists), written by sanctions_load.c, replacing the list.
 *
 * The format: one JSON object per line, {"id": "...", "schema": "Person",
 * "properties": {"name": ["..."], ...}}; blank lines are skipped.  Lines
 * of the schemata Person (kind individual), Organization, Company,
 * LegalEntity (entity), Vessel (vessel) and Airplane (aircraft) are
 * loaded; lines of other schemata (Address, Sanction, Ownership...: an
 * OpenSanctions export holds them too) are skipped.  Of a loaded line:
 *
 *	- source_uid: id, a non-empty string, unique in the input;
 *	- every property is an array of strings (FollowTheMoney's form);
 *	  empty strings are ignored;
 *	- name: required; the first is the primary name, the others aliases
 *	  ('aka'), as are alias; previousName is 'fka', weakAlias 'weak'; a
 *	  name given twice is loaded once (with its first type);
 *	- birthDate: 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' (FollowTheMoney's date
 *	  prefixes; a longer ISO 8601 value is cut to its date);
 *	- countries (ISO alpha-2, countries.c): nationality, citizenship,
 *	  country and jurisdiction (FollowTheMoney writes lower-case codes);
 *	- programs: topics (e.g. 'sanction'); remarks: notes, joined by "; ".
 *
 * Errors (SQLSTATE 22023, nothing loaded, the previous list kept), naming
 * the line: JSON that does not parse (with the parser's reason), a line
 * that is not an object, a missing or empty id or schema, a duplicate id,
 * a property that is not an array of strings, a loaded entity without a
 * name, a birthDate that is not a date, a name over
 * FINTECH_NAME_MAXCHARS characters; an input without any loaded entity
 * (it would withdraw the whole list).
 *
 * Each line is checked with PostgreSQL's JSON parser (no error thrown:
 * the reason is reported with the line) and then read as jsonb, in a
 * memory context reset at every line; what is kept is copied to the
 * load's.  The SHA-256 source_hash is of canon(jsonl).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "common/jsonapi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "fintech.h"
#include "normalize.h"
#include "sanctions_load.h"

typedef struct IdEntry
{
	char	   *id;				/* hash key (the load's copy) */
	int			line;
} IdEntry;

static const struct
{
	const char *schema;
	const char *kind;
}			schemata[] = {
	{"Person", "individual"},
	{"Organization", "entity"},
	{"Company", "entity"},
	{"LegalEntity", "entity"},
	{"Vessel", "vessel"},
	{"Airplane", "aircraft"},
};

static void refuse(int line, const char *msg) pg_attribute_noreturn();

static void
refuse(int line, const char *msg)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("FollowTheMoney line %d: %s", line, msg),
			 errdetail("Nothing was loaded; the list is as it was.")));
}

/* the string value of key in the object; NULL if absent; refused if not a string */
static char *
string_key(JsonbContainer *obj, const char *key, int line)
{
	JsonbValue *v = getKeyJsonValueFromContainer(obj, key, strlen(key), NULL);

	if (v == NULL || v->type == jbvNull)
		return NULL;
	if (v->type != jbvString)
		refuse(line, psprintf("\"%s\" is not a string", key));
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/*
 * The non-empty strings of property key (an array of strings), copied into
 * cxt; NIL if absent
 */
static List *
property(JsonbContainer *props, const char *key, int line, const char *id, MemoryContext cxt)
{
	JsonbValue *v = props ? getKeyJsonValueFromContainer(props, key, strlen(key), NULL) : NULL;
	List	   *out = NIL;
	JsonbContainer *arr;
	int			n;

	if (v == NULL || v->type == jbvNull)
		return NIL;
	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data) ||
		JsonContainerIsScalar(v->val.binary.data))
		refuse(line, psprintf("property \"%s\" of \"%s\" is not an array of strings", key, id));
	arr = v->val.binary.data;
	n = JsonContainerSize(arr);
	for (int i = 0; i < n; i++)
	{
		JsonbValue *e = getIthJsonbValueFromContainer(arr, i);
		const char *s;
		int			len;

		CHECK_FOR_INTERRUPTS();
		if (e->type != jbvString)
			refuse(line, psprintf("property \"%s\" of \"%s\" is not an array of strings", key, id));
		s = e->val.string.val;
		len = e->val.string.len;
		while (len > 0 && (*s == ' ' || *s == '\t'))
			s++, len--;
		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		if (len > 0)
			out = lappend(out, MemoryContextStrdup(cxt, pnstrdup(s, len)));
	}
	return out;
}

/* a FollowTheMoney date as a birth date: its 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' prefix */
static void
add_birth_date(SanctionsEntity *e, const char *s, int line)
{
	char		buf[16];

	if (!ft_birth_date_string(s, true, buf))
		refuse(line, psprintf("birthDate \"%s\" of \"%s\" is not a date (YYYY, YYYY-MM or YYYY-MM-DD)",
							  s, e->uid));
	ft_sanctions_add_birth_date(e, buf);
}

/* adds the names of list l (type) to entity ix, each once */
static void
add_names(SanctionsData *d, int ix, List *l, const char *type, int line)
{
	ListCell   *lc;

	foreach(lc, l)
	{
		char	   *name = lfirst(lc);
		int			chars = fintech_name_chars_over(name);

		if (chars > 0)
			refuse(line, psprintf("a name of \"%s\" is %d characters long, the limit is %d",
								  d->entities[ix].uid, chars, FINTECH_NAME_MAXCHARS));
		ft_sanctions_add_name_once(d, ix, type, name);
	}
}

/* one line (NUL-terminated, in the line context); kept data goes to keep */
static void
parse_line(SanctionsData *d, HTAB *ids, char *json, int len, int line, MemoryContext keep)
{
	JsonLexContext *lex = makeJsonLexContextCstringLen(json, len, GetDatabaseEncoding(), true);
	JsonParseErrorType rc = pg_parse_json(lex, &nullSemAction);
	Jsonb	   *jb;
	JsonbContainer *props = NULL;
	JsonbValue *pv;
	char	   *id;
	char	   *schema;
	const char *kind = NULL;
	IdEntry    *h;
	bool		found;
	SanctionsEntity *e;
	int			ix;
	List	   *names;
	ListCell   *lc;
	MemoryContext old;
	static const char *const country_props[] = {"nationality", "citizenship", "country", "jurisdiction"};

	if (rc != JSON_SUCCESS)
		refuse(line, psprintf("invalid JSON: %s", json_errdetail(rc, lex)));
	jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(json)));
	if (!JB_ROOT_IS_OBJECT(jb))
		refuse(line, "not a JSON object");
	id = string_key(&jb->root, "id", line);
	if (id == NULL || id[0] == '\0')
		refuse(line, "no \"id\"");
	schema = string_key(&jb->root, "schema", line);
	if (schema == NULL || schema[0] == '\0')
		refuse(line, psprintf("no \"schema\" for \"%s\"", id));
	for (int i = 0; i < lengthof(schemata); i++)
		if (strcmp(schema, schemata[i].schema) == 0)
			kind = schemata[i].kind;

	old = MemoryContextSwitchTo(keep);
	id = pstrdup(id);
	MemoryContextSwitchTo(old);
	h = hash_search(ids, &id, HASH_ENTER, &found);
	if (found)
		refuse(line, psprintf("duplicate id \"%s\", also on line %d", id, h->line));
	h->line = line;
	if (kind == NULL)
		return;					/* another schema: not a screened entity */

	pv = getKeyJsonValueFromContainer(&jb->root, "properties", strlen("properties"), NULL);
	if (pv != NULL && pv->type != jbvNull)
	{
		if (pv->type != jbvBinary || !JsonContainerIsObject(pv->val.binary.data))
			refuse(line, psprintf("\"properties\" of \"%s\" is not an object", id));
		props = pv->val.binary.data;
	}

	names = property(props, "name", line, id, keep);
	if (names == NIL)
		refuse(line, psprintf("%s \"%s\" has no name", schema, id));

	old = MemoryContextSwitchTo(keep);
	e = ft_sanctions_add_entity(d);
	ix = d->nentities - 1;
	e->uid = id;
	e->kind = kind;
	e->name = linitial(names);
	add_names(d, ix, list_make1(e->name), "primary", line);
	add_names(d, ix, list_delete_first(names), "aka", line);
	add_names(d, ix, property(props, "alias", line, id, keep), "aka", line);
	add_names(d, ix, property(props, "previousName", line, id, keep), "fka", line);
	add_names(d, ix, property(props, "weakAlias", line, id, keep), "weak", line);
	foreach(lc, property(props, "birthDate", line, id, keep))
		add_birth_date(e, lfirst(lc), line);
	for (int i = 0; i < lengthof(country_props); i++)
		foreach(lc, property(props, country_props[i], line, id, keep))
			ft_sanctions_add_country(d, e, lfirst(lc), true);
	e->programs = property(props, "topics", line, id, keep);
	{
		List	   *notes = property(props, "notes", line, id, keep);
		StringInfoData buf;

		initStringInfo(&buf);
		foreach(lc, notes)
			appendStringInfo(&buf, "%s%s", buf.len ? "; " : "", (char *) lfirst(lc));
		e->remarks = buf.len ? buf.data : NULL;
	}
	MemoryContextSwitchTo(old);
}

static uint32
id_hash(const void *key, Size keysize)
{
	const char *s = *(char *const *) key;

	return hash_bytes((const unsigned char *) s, strlen(s));
}

static int
id_match(const void *a, const void *b, Size keysize)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

PG_FUNCTION_INFO_V1(fintech_load_sanctions_ftm);
/*
 * fintech.load_sanctions_ftm(jsonl, list) RETURNS bigint
 */
Datum
fintech_load_sanctions_ftm(PG_FUNCTION_ARGS)
{
	MemoryContext loadcxt;
	MemoryContext linecxt;
	MemoryContext oldcxt;
	text	   *in;
	char	   *list;
	const char *p;
	const char *end;
	int			line = 0;
	SanctionsData d;
	uint8		hash[PG_SHA256_DIGEST_LENGTH];
	int64		listed;
	HASHCTL		ctl;
	HTAB	   *ids;

	fintech_arg_not_null(fcinfo, 0, "jsonl");
	loadcxt = AllocSetContextCreate(CurrentMemoryContext, "fintech FollowTheMoney load",
									ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(loadcxt);
	list = ft_sanctions_list_arg(fcinfo, 1);
	in = PG_GETARG_TEXT_PP(0);
	linecxt = AllocSetContextCreate(loadcxt, "fintech FollowTheMoney line", ALLOCSET_DEFAULT_SIZES);

	ctl.keysize = sizeof(char *);
	ctl.entrysize = sizeof(IdEntry);
	ctl.hash = id_hash;
	ctl.match = id_match;
	ctl.hcxt = loadcxt;
	ids = hash_create("fintech FollowTheMoney ids", 4096, &ctl,
					  HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);

	ft_sanctions_init(&d);
	p = VARDATA_ANY(in);
	end = p + VARSIZE_ANY_EXHDR(in);
	while (p < end)
	{
		const char *nl = memchr(p, '\n', end - p);
		const char *e = nl ? nl : end;
		const char *s = p;

		CHECK_FOR_INTERRUPTS();
		line++;
		p = nl ? nl + 1 : end;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (e == s)
			continue;
		MemoryContextReset(linecxt);
		MemoryContextSwitchTo(linecxt);
		parse_line(&d, ids, pnstrdup(s, e - s), e - s, line, loadcxt);
		MemoryContextSwitchTo(loadcxt);
	}
	MemoryContextDelete(linecxt);
	if (d.nentities == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("FollowTheMoney input has no Person, Organization, Company, LegalEntity, Vessel or Airplane"),
				 errdetail("Loading it would withdraw every entity of the list."),
				 errhint("Check the download: an empty list is refused, nothing was changed.")));

	ft_sanctions_hash(&in, 1, hash);
	listed = ft_sanctions_write(list, &d, hash);

	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(loadcxt);
	PG_RETURN_INT64(listed);
}
