/*-------------------------------------------------------------------------
 *
 * un_load.c
 *	  fintech.load_sanctions_un(xml, list): the UN Security Council
 *	  Consolidated List in its published XML format, parsed with libxml2
 *	  (which PostgreSQL links) and written by sanctions_load.c, replacing
 *	  the list (default 'UN-SC').
 *
 * The format: <CONSOLIDATED_LIST> holding <INDIVIDUALS> of <INDIVIDUAL>
 * and <ENTITIES> of <ENTITY>.  What is loaded from each entry:
 *
 *	- source_uid: REFERENCE_NUMBER (e.g. "CDi.001"), required, unique;
 *	- name: FIRST_NAME, SECOND_NAME, THIRD_NAME, FOURTH_NAME, trimmed and
 *	  joined by a space (an entity has FIRST_NAME only); required;
 *	- kind: individual or entity; programs: {UN_LIST_TYPE};
 *	- title: the TITLE and DESIGNATION values joined by "; "; remarks:
 *	  COMMENTS1;
 *	- names: the primary name; NAME_ORIGINAL_SCRIPT (the name in its own
 *	  script, Arabic, Chinese, Cyrillic...) as an 'aka'; each alias
 *	  (INDIVIDUAL_ALIAS, ENTITY_ALIAS) with a non-empty ALIAS_NAME, typed by
 *	  its QUALITY: "Good", "a.k.a." or none -> aka, "f.k.a." -> fka,
 *	  "n.k.a." -> nka, "Low" -> weak (a low-quality alias); a name given
 *	  twice is loaded once (with its first type);
 *	- countries (ISO alpha-2, countries.c): NATIONALITY values, the COUNTRY
 *	  of each address and of the place of birth;
 *	- birth_dates: each INDIVIDUAL_DATE_OF_BIRTH's DATE ('YYYY-MM-DD'; also
 *	  'YYYY-MM' and 'YYYY' are taken),
 *	  YEAR ('YYYY') or FROM_YEAR..TO_YEAR (each year), and an alias's
 *	  DATE_OF_BIRTH.  A date of birth with none of these (TYPE_OF_DATE
 *	  empty, or only a NOTE) adds nothing.
 *
 * Everything else (documents, addresses' other fields, LISTED_ON, notes)
 * is not stored.  Errors (SQLSTATE 22023, nothing loaded, the previous
 * list kept), naming the line and the element: XML that is not
 * well-formed ("UN XML line 7: Opening and ending tag mismatch: ..."); a
 * root element other than CONSOLIDATED_LIST; an entry without
 * REFERENCE_NUMBER or without a name; a duplicate REFERENCE_NUMBER; a
 * DATE, YEAR, FROM_YEAR or TO_YEAR that is not a date (or a range over
 * 100 years); a name over FINTECH_NAME_MAXCHARS characters; a list
 * without any entry (it would withdraw the whole list).
 *
 * Parsing: the input (server encoding) is converted to UTF-8 for libxml2
 * and every string taken back to the server encoding.  No network, no
 * DTD loading, no entity substitution (XML_PARSE_NONET; libxml2's limits
 * on entity expansion stay on).  libxml2 allocates outside PostgreSQL's
 * memory contexts: the document is freed on every exit, errors included
 * (PG_TRY), and PostgreSQL's libxml2 error handler (pg_xml_init) is used
 * while it is held.  The SHA-256 source_hash is of canon(xml).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/xml.h"

#include "fintech.h"
#include "normalize.h"
#include "sanctions_load.h"

#define ROOT		"CONSOLIDATED_LIST"

static bool
is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, (const xmlChar *) name) == 0;
}

/* the trimmed text of an element, in the server encoding; NULL if empty */
static char *
text_of(const xmlNode *n)
{
	xmlChar    *c = xmlNodeGetContent(n);
	const char *s;
	const char *e;
	char	   *out = NULL;

	if (c == NULL)
		return NULL;
	s = (const char *) c;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		e--;
	if (e > s)
	{
		PG_TRY();
		{
			out = pg_any_to_server(s, e - s, PG_UTF8);
			if (out == s)
				out = pnstrdup(s, e - s);
		}
		PG_FINALLY();
		{
			xmlFree(c);
		}
		PG_END_TRY();
		return out;
	}
	xmlFree(c);
	return NULL;
}

/* the text of the first child element called name; NULL if none or empty */
static char *
child_text(const xmlNode *n, const char *name)
{
	for (const xmlNode *c = n->children; c; c = c->next)
		if (is(c, name))
			return text_of(c);
	return NULL;
}

static void refuse(const xmlNode *n, const char *what, const char *uid) pg_attribute_noreturn();

static void
refuse(const xmlNode *n, const char *what, const char *uid)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 uid ? errmsg("UN XML line %ld: <%s> of %s: %s", xmlGetLineNo(n), (const char *) n->name,
						  uid, what)
			 : errmsg("UN XML line %ld: <%s>: %s", xmlGetLineNo(n), (const char *) n->name, what),
			 errdetail("Nothing was loaded; the list is as it was.")));
}

/* a year element: 1000..9999 */
static int
year_of(const xmlNode *n, const char *uid)
{
	char	   *s = text_of(n);
	int			y = 0;

	if (s == NULL || strlen(s) != 4 || strspn(s, "0123456789") != 4 ||
		!ft_valid_ymd(y = atoi(s), 0, 0))
		refuse(n, psprintf("\"%s\" is not a year", s ? s : ""), uid);
	return y;
}

/* a DATE or DATE_OF_BIRTH element ('YYYY-MM-DD', 'YYYY-MM' or 'YYYY') as a birth date */
static void
add_date(SanctionsEntity *e, const xmlNode *n)
{
	char	   *s = text_of(n);
	char		buf[16];

	if (s == NULL)
		return;
	if (!ft_birth_date_string(s, false, buf))
		refuse(n, psprintf("\"%s\" is not a date (YYYY-MM-DD, YYYY-MM or YYYY)", s), e->uid);
	ft_sanctions_add_birth_date(e, buf);
}

/* an INDIVIDUAL_DATE_OF_BIRTH */
static void
add_birth(SanctionsEntity *e, const xmlNode *dob)
{
	const xmlNode *from = NULL;
	const xmlNode *to = NULL;

	for (const xmlNode *c = dob->children; c; c = c->next)
	{
		if (is(c, "DATE"))
			add_date(e, c);
		else if (is(c, "YEAR"))
		{
			char		buf[8];

			snprintf(buf, sizeof(buf), "%04d", year_of(c, e->uid));
			ft_sanctions_add_birth_date(e, buf);
		}
		else if (is(c, "FROM_YEAR"))
			from = c;
		else if (is(c, "TO_YEAR"))
			to = c;
	}
	if (from != NULL || to != NULL)
	{
		int			y1 = year_of(from ? from : to, e->uid);
		int			y2 = year_of(to ? to : from, e->uid);

		if (!ft_sanctions_add_year_range(e, y1, y2))
			refuse(dob, psprintf("years %d to %d are not a range of at most 100 years", y1, y2),
				   e->uid);
	}
}

static const char *
alias_type(const char *quality)
{
	if (quality == NULL || pg_strcasecmp(quality, "good") == 0 || pg_strcasecmp(quality, "a.k.a.") == 0)
		return "aka";
	if (pg_strcasecmp(quality, "low") == 0)
		return "weak";
	if (pg_strcasecmp(quality, "f.k.a.") == 0)
		return "fka";
	if (pg_strcasecmp(quality, "n.k.a.") == 0)
		return "nka";
	return "aka";
}

/* a listed name: at most FINTECH_NAME_MAXCHARS characters */
static char *
checked_name(const xmlNode *n, char *name, const char *uid)
{
	int			chars = fintech_name_chars_over(name);

	if (chars > 0)
		refuse(n, psprintf("a name of %d characters, the limit is %d", chars, FINTECH_NAME_MAXCHARS),
			   uid);
	return name;
}

typedef struct UidEntry
{
	char		uid[NAMEDATALEN * 2];	/* hash key */
	long		line;
} UidEntry;

/* one INDIVIDUAL or ENTITY */
static void
parse_entry(SanctionsData *d, HTAB *uids, const xmlNode *x, bool individual)
{
	SanctionsEntity *e;
	int			ix;
	char	   *uid = child_text(x, "REFERENCE_NUMBER");
	StringInfoData name;
	StringInfoData title;
	char	   *program;
	UidEntry   *h;
	bool		found;
	static const char *const parts[] = {"FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"};

	CHECK_FOR_INTERRUPTS();
	if (uid == NULL)
		refuse(x, "no REFERENCE_NUMBER", NULL);
	if (strlen(uid) >= sizeof(h->uid))
		refuse(x, psprintf("REFERENCE_NUMBER is %zu bytes long", strlen(uid)), NULL);
	h = hash_search(uids, uid, HASH_ENTER, &found);
	if (found)
		refuse(x, psprintf("duplicate REFERENCE_NUMBER, also on line %ld", h->line), uid);
	h->line = xmlGetLineNo(x);

	e = ft_sanctions_add_entity(d);
	ix = d->nentities - 1;
	e->uid = uid;
	e->kind = individual ? "individual" : "entity";

	initStringInfo(&name);
	for (int i = 0; i < lengthof(parts); i++)
	{
		char	   *p = child_text(x, parts[i]);

		if (p != NULL)
			appendStringInfo(&name, "%s%s", name.len ? " " : "", p);
	}
	if (name.len == 0)
		refuse(x, "no name (FIRST_NAME ... FOURTH_NAME are empty)", uid);
	e->name = checked_name(x, name.data, uid);
	ft_sanctions_add_name(d, ix, "primary", e->name, NULL);

	program = child_text(x, "UN_LIST_TYPE");
	if (program != NULL)
		e->programs = list_make1(program);
	e->remarks = child_text(x, "COMMENTS1");

	initStringInfo(&title);
	for (const xmlNode *c = x->children; c; c = c->next)
	{
		CHECK_FOR_INTERRUPTS();
		if (is(c, "TITLE") || is(c, "DESIGNATION") || is(c, "NATIONALITY"))
		{
			for (const xmlNode *v = c->children; v; v = v->next)
			{
				char	   *s = is(v, "VALUE") ? text_of(v) : NULL;

				if (s == NULL)
					continue;
				if (is(c, "NATIONALITY"))
					ft_sanctions_add_country(d, e, s, false);
				else
					appendStringInfo(&title, "%s%s", title.len ? "; " : "", s);
			}
		}
		else if (is(c, "NAME_ORIGINAL_SCRIPT"))
		{
			char	   *s = text_of(c);

			if (s != NULL)
				ft_sanctions_add_name_once(d, ix, "aka", checked_name(c, s, uid));
		}
		else if (is(c, "INDIVIDUAL_ALIAS") || is(c, "ENTITY_ALIAS"))
		{
			char	   *s = child_text(c, "ALIAS_NAME");

			if (s != NULL)
				ft_sanctions_add_name_once(d, ix, alias_type(child_text(c, "QUALITY")),
										   checked_name(c, s, uid));
			for (const xmlNode *v = c->children; v; v = v->next)
				if (is(v, "DATE_OF_BIRTH"))
					add_date(e, v);
		}
		else if (is(c, "INDIVIDUAL_ADDRESS") || is(c, "ENTITY_ADDRESS") ||
				 is(c, "INDIVIDUAL_PLACE_OF_BIRTH"))
		{
			char	   *s = child_text(c, "COUNTRY");

			if (s != NULL)
				ft_sanctions_add_country(d, e, s, false);
		}
		else if (is(c, "INDIVIDUAL_DATE_OF_BIRTH"))
			add_birth(e, c);
	}
	if (title.len > 0)
		e->title = title.data;
}

/* the parsed document: every entry of the list */
static void
parse_doc(SanctionsData *d, xmlDoc *doc)
{
	const xmlNode *root = xmlDocGetRootElement(doc);
	HASHCTL		ctl;
	HTAB	   *uids;

	if (root == NULL || !is(root, ROOT))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("UN XML line %ld: the root element is <%s>, expected <" ROOT ">",
						root ? xmlGetLineNo(root) : 0L, root ? (const char *) root->name : ""),
				 errdetail("Nothing was loaded; the list is as it was."),
				 errhint("load_sanctions_un reads the UN Security Council Consolidated List XML as published.")));

	ctl.keysize = sizeof(((UidEntry *) NULL)->uid);
	ctl.entrysize = sizeof(UidEntry);
	ctl.hcxt = CurrentMemoryContext;
	uids = hash_create("fintech UN REFERENCE_NUMBER", 4096, &ctl,
					   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);

	for (const xmlNode *g = root->children; g; g = g->next)
	{
		bool		individuals = is(g, "INDIVIDUALS");

		if (!individuals && !is(g, "ENTITIES"))
			continue;
		for (const xmlNode *x = g->children; x; x = x->next)
		{
			if (x->type != XML_ELEMENT_NODE)
				continue;
			if (!is(x, individuals ? "INDIVIDUAL" : "ENTITY"))
				refuse(x, psprintf("unexpected element in <%s>", (const char *) g->name), NULL);
			parse_entry(d, uids, x, individuals);
		}
	}
	if (d->nentities == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("UN XML has no <INDIVIDUAL> or <ENTITY>"),
				 errdetail("Loading it would withdraw every entity of the list."),
				 errhint("Check the download: an empty list is refused, nothing was changed.")));
}

PG_FUNCTION_INFO_V1(fintech_load_sanctions_un);
/*
 * fintech.load_sanctions_un(xml, list) RETURNS bigint
 */
Datum
fintech_load_sanctions_un(PG_FUNCTION_ARGS)
{
	MemoryContext loadcxt;
	MemoryContext oldcxt;
	text	   *in;
	char	   *list;
	char	   *utf8;
	int			len;
	SanctionsData d;
	uint8		hash[PG_SHA256_DIGEST_LENGTH];
	int64		listed;
	PgXmlErrorContext *xmlerrcxt;
	xmlParserCtxtPtr volatile ctxt = NULL;
	xmlDocPtr volatile doc = NULL;

	fintech_arg_not_null(fcinfo, 0, "xml");
	loadcxt = AllocSetContextCreate(CurrentMemoryContext, "fintech UN load",
									ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(loadcxt);
	list = ft_sanctions_list_arg(fcinfo, 1);
	in = PG_GETARG_TEXT_PP(0);
	len = VARSIZE_ANY_EXHDR(in);
	utf8 = pg_server_to_any(VARDATA_ANY(in), len, PG_UTF8);
	if (utf8 != VARDATA_ANY(in))
		len = strlen(utf8);

	ft_sanctions_init(&d);
	xmlerrcxt = pg_xml_init(PG_XML_STRICTNESS_ALL);
	PG_TRY();
	{
		ctxt = xmlNewParserCtxt();
		if (ctxt == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("could not allocate an XML parser")));
		doc = xmlCtxtReadMemory(ctxt, utf8, len, NULL, "UTF-8",
								XML_PARSE_NONET | XML_PARSE_BIG_LINES);
		if (doc == NULL || !ctxt->wellFormed)
		{
			xmlErrorPtr err = xmlCtxtGetLastError(ctxt);
			char	   *msg = err && err->message ? pstrdup(err->message) : pstrdup("not well-formed");
			int			n = strlen(msg);

			while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
				msg[--n] = '\0';
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("UN XML line %d: %s", err ? err->line : 0, msg),
					 errdetail("The XML is not well-formed. Nothing was loaded; the list is as it was.")));
		}
		parse_doc(&d, doc);
	}
	PG_CATCH();
	{
		if (doc != NULL)
			xmlFreeDoc(doc);
		if (ctxt != NULL)
			xmlFreeParserCtxt(ctxt);
		pg_xml_done(xmlerrcxt, true);
		PG_RE_THROW();
	}
	PG_END_TRY();
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	pg_xml_done(xmlerrcxt, false);

	ft_sanctions_hash(&in, 1, hash);
	listed = ft_sanctions_write(list, &d, hash);

	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(loadcxt);
	PG_RETURN_INT64(listed);
}
