/*-------------------------------------------------------------------------
 *
 * ofac_parse.c
 *	  The US Treasury's legacy CSV format of sanctions lists (OFAC SDN):
 *	  sdn.csv, alt.csv and add.csv parsed and checked into an OfacData.
 *	  Pure parsing: no database access, no locks.  ofac.c loads the result.
 *
 * The files.  sdn.csv: ent_num, SDN_Name, SDN_Type, Program, Title,
 * Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks.
 * alt.csv: ent_num, alt_num, alt_type, alt_name, alt_remarks.  add.csv:
 * ent_num, add_num, address, city/state/postal, country, add_remarks.
 * One CSV record reader (CsvReader) reads all three:
 *
 *	- no header; a record per line, lines end in CRLF or LF; blank lines
 *	  (empty or only spaces/tabs) are skipped; trailing 0x1A (Ctrl-Z) bytes
 *	  and line ends at the very end of the input are ignored, so is a
 *	  missing final newline.
 *	- a field is quoted ("...") or not.  Quoted: kept exactly, "" inside
 *	  is one quote, commas are text; it must end on the line it starts on
 *	  (the Treasury continues long remarks in sdn_comments.csv, never on a
 *	  second line), else "unterminated quoted field".  Spaces/tabs around
 *	  the quotes are ignored, anything else after the closing quote is an
 *	  error, and so is a quote inside an unquoted field.
 *	- unquoted: leading and trailing spaces/tabs trimmed; empty or "-0-"
 *	  (the Treasury writes "-0- ") is NULL.  Optional text fields store
 *	  NULL for a NULL or empty field.
 *
 * What is loaded.  ent_num, alt_num and add_num are positive integers
 * (leading zeros allowed; the entity's source_uid and the alias's
 * source_uid are their plain decimal form).  SDN_Type individual, vessel,
 * aircraft (any case) or NULL, which is kind 'entity'.  Program
 * "NPWMD] [IFSR" is split on "] [" into programs '{NPWMD,IFSR}' (any
 * blanks between the brackets; brackets and blanks trimmed, empty parts
 * dropped, order kept).  Title and Remarks
 * are stored; Call_Sign and the vessel fields are checked for their count
 * only (the schema has no columns for them).  countries: the distinct
 * non-empty countries of the entity's add.csv rows, in file order (other
 * address fields are not stored).  Each entity has a sanctions_names row
 * of name_type 'primary' (source_uid NULL) and one per alt.csv row:
 * alt_type lower-cased with dots and spaces removed ("a.k.a." is aka)
 * must be aka, fka or nka; source_uid is alt_num.  alt_remarks are not
 * stored.  A NULL alt_csv or add_csv means no aliases or no addresses.
 *
 * Errors (SQLSTATE 22023, nothing loaded): a message naming the file and
 * the line of the record, e.g. "sdn.csv line 17: unterminated quoted
 * field", "alt.csv line 3: 4 fields, expected 5", "sdn.csv line 9: ent_num
 * "12x" is not a positive integer", "sdn.csv line 40: duplicate ent_num
 * 306", "alt.csv line 5: ent_num 99 is not in sdn.csv", an empty SDN_Name
 * or alt_name, an SDN_Name or alt_name longer than FINTECH_NAME_MAXCHARS
 * (1,000) characters, an unknown SDN_Type or alt_type; an sdn.csv
 * without records (that would withdraw the whole list: refused).
 * Everything is parsed and checked in memory before anything is written.
 *
 * Memory and time: everything is palloc'd in the caller's context (the
 * load's).  A record's fields live in a context reset at the next record,
 * and only what is loaded is copied out, so the parse holds about what it
 * loads.  Parsing is linear (add.csv's distinct countries are found
 * through a hash), and every loop over the input checks for a cancel (per
 * record, every 64 kB of a field).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/pg_list.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "normalize.h"
#include "ofac_parse.h"

#define SDN_FIELDS	12
#define ALT_FIELDS	5
#define ADD_FIELDS	6

static const char *const sdn_field_names =
"ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type, Tonnage, GRT, "
"Vess_flag, Vess_owner, Remarks";
static const char *const alt_field_names =
"ent_num, alt_num, alt_type, alt_name, alt_remarks";
static const char *const add_field_names =
"ent_num, add_num, address, city/state/postal, country, add_remarks";

/* ------------------------------------------------------------------------
 * CSV record reader
 * ------------------------------------------------------------------------
 */

typedef struct CsvReader
{
	const char *file;			/* "sdn.csv": names the input in messages */
	const char *p;				/* next byte */
	const char *end;			/* end of the input (trailer stripped) */
	int			line;			/* line number of the next byte */
	int			rec_line;		/* line of the record last read */
	int			nfields;		/* fields of the record last read */
	int			maxfields;
	char	  **fields;			/* its fields; NULL: empty or -0- */
	StringInfoData buf;
	MemoryContext rowcxt;		/* the fields' strings: reset at each record */
} CsvReader;

static inline bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool csv_read_record(CsvReader *r);

static void
csv_init(CsvReader *r, const char *file, const char *data, int len)
{
	r->file = file;
	r->p = data;
	r->end = data + len;
	/* the trailer: Ctrl-Z bytes and line ends at the very end */
	while (r->end > r->p &&
		   (r->end[-1] == '\x1a' || r->end[-1] == '\n' || r->end[-1] == '\r'))
		r->end--;
	r->line = 1;
	r->rec_line = 0;
	r->nfields = 0;
	r->maxfields = 16;
	r->fields = palloc(r->maxfields * sizeof(char *));
	initStringInfo(&r->buf);
	r->rowcxt = AllocSetContextCreate(CurrentMemoryContext, "fintech OFAC record",
									  ALLOCSET_DEFAULT_SIZES);
}

/* done with the reader: its record context and buffers go */
static void
csv_end(CsvReader *r)
{
	MemoryContextDelete(r->rowcxt);
	pfree(r->fields);
	pfree(r->buf.data);
}

/* at a line end (CRLF or LF, or the end of the input)? */
static inline bool
at_line_end(CsvReader *r)
{
	return r->p >= r->end || *r->p == '\n' ||
		(*r->p == '\r' && r->p + 1 < r->end && r->p[1] == '\n');
}

static void
csv_add_field(CsvReader *r, char *value)
{
	if (r->nfields == r->maxfields)
	{
		r->maxfields *= 2;
		r->fields = repalloc(r->fields, r->maxfields * sizeof(char *));
	}
	r->fields[r->nfields++] = value;
}

/*
 * csv_next: read the next record into r->fields[0 .. r->nfields - 1]
 * (strings in r->rowcxt, valid until the next call: callers copy what
 * they keep, so the parse holds only what is loaded; NULL for an empty
 * field); false at the end of the input.  Malformed input raises 22023
 * naming the file and the line.  Checks for a cancel at each record and
 * every 64 kB inside a field.
 */
static bool
csv_next(CsvReader *r)
{
	MemoryContext old;
	bool		more;

	CHECK_FOR_INTERRUPTS();
	MemoryContextReset(r->rowcxt);
	old = MemoryContextSwitchTo(r->rowcxt);
	more = csv_read_record(r);
	MemoryContextSwitchTo(old);
	return more;
}

static bool
csv_read_record(CsvReader *r)
{
	/* skip blank lines */
	for (;;)
	{
		const char *q = r->p;

		while (q < r->end && (is_blank(*q) || (*q == '\r' && q + 1 < r->end && q[1] == '\n')))
			q++;
		if (q >= r->end)
		{
			r->p = q;
			return false;
		}
		if (*q != '\n')
			break;
		r->p = q + 1;
		r->line++;
		CHECK_FOR_INTERRUPTS();
	}

	r->rec_line = r->line;
	r->nfields = 0;
	for (;;)
	{
		while (r->p < r->end && is_blank(*r->p))
			r->p++;
		if (r->p < r->end && *r->p == '"')
		{
			/* quoted: up to the closing quote, on this line */
			resetStringInfo(&r->buf);
			r->p++;
			for (;;)
			{
				if (at_line_end(r))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("%s line %d: unterminated quoted field",
									r->file, r->line),
							 errdetail("Field %d opens a quote that is not closed on its line.",
									   r->nfields + 1),
							 errhint("A quote inside a quoted field is written as two quotes (\"\").")));
				if (*r->p == '"')
				{
					if (r->p + 1 < r->end && r->p[1] == '"')
					{
						appendStringInfoChar(&r->buf, '"');
						r->p += 2;
						continue;
					}
					r->p++;
					break;
				}
				appendStringInfoChar(&r->buf, *r->p++);
				if ((r->buf.len & 0xFFFF) == 0)
					CHECK_FOR_INTERRUPTS();
			}
			while (r->p < r->end && is_blank(*r->p))
				r->p++;
			if (r->p < r->end && *r->p != ',' && !at_line_end(r))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s line %d: unexpected text after the closing quote of field %d",
								r->file, r->line, r->nfields + 1),
						 errhint("A quote inside a quoted field is written as two quotes (\"\").")));
			csv_add_field(r, pnstrdup(r->buf.data, r->buf.len));
		}
		else
		{
			/* unquoted: up to the comma or the line end, trimmed */
			const char *start = r->p;
			const char *e;

			while (r->p < r->end && *r->p != ',' && *r->p != '\n')
			{
				if (*r->p == '"')
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("%s line %d: quote inside unquoted field %d",
									r->file, r->line, r->nfields + 1),
							 errhint("Quote the whole field, and write the quote inside it as two quotes (\"\").")));
				r->p++;
				if (((r->p - start) & 0xFFFF) == 0)
					CHECK_FOR_INTERRUPTS();
			}
			e = r->p;
			while (e > start && (is_blank(e[-1]) || e[-1] == '\r'))
				e--;
			if (e == start || (e - start == 3 && memcmp(start, "-0-", 3) == 0))
				csv_add_field(r, NULL);
			else
				csv_add_field(r, pnstrdup(start, e - start));
		}

		/* after a field: a comma, or the end of the record */
		if (r->p < r->end && *r->p == ',')
		{
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == '\r')
			r->p++;
		if (r->p < r->end)
		{
			Assert(*r->p == '\n');
			r->p++;
			r->line++;
		}
		return true;
	}
}

/* the record has exactly n fields */
static void
csv_expect_fields(CsvReader *r, int n, const char *names)
{
	if (r->nfields != n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s line %d: %d field%s, expected %d",
						r->file, r->rec_line, r->nfields, r->nfields == 1 ? "" : "s", n),
				 errhint("The fields of %s are: %s.", r->file, names)));
}

/* field i as a positive integer, the file's ent_num/alt_num/add_num */
static int64
csv_positive_int(CsvReader *r, int i, const char *what)
{
	const char *s = r->fields[i];
	int64		v = 0;

	if (s == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s line %d: %s is empty", r->file, r->rec_line, what)));
	for (const char *c = s; *c; c++)
	{
		if (*c < '0' || *c > '9' || v > (PG_INT64_MAX - (*c - '0')) / 10)
		{
			v = 0;
			break;
		}
		v = v * 10 + (*c - '0');
	}
	if (v <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s line %d: %s \"%s\" is not a positive integer",
						r->file, r->rec_line, what, s)));
	return v;
}

/* NULL for a field that is NULL or only blanks */
static char *
nonblank(char *s)
{
	if (s == NULL)
		return NULL;
	for (const char *c = s; *c; c++)
		if (!is_blank(*c))
			return s;
	return NULL;
}

/* a copy of a field that is kept (fields live until the next record) */
static char *
keep(const char *s)
{
	return s ? pstrdup(s) : NULL;
}

/*
 * A listed name is at most FINTECH_NAME_MAXCHARS characters: a longer one
 * refuses the whole load (22023), naming the file, the line and the entry.
 */
static void
check_listed_name(CsvReader *r, const char *name, const char *what, int64 num)
{
	int			chars = fintech_name_chars_over(name);

	if (chars > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s line %d: %s " INT64_FORMAT " is %d characters long, the limit is %d",
						r->file, r->rec_line, what, num, chars, FINTECH_NAME_MAXCHARS),
				 errdetail("Nothing was loaded."),
				 errhint("Names are screened, and listed, up to %d characters.",
						 FINTECH_NAME_MAXCHARS)));
}

/* ------------------------------------------------------------------------
 * Parsing the three files
 * ------------------------------------------------------------------------
 */

typedef struct EntNumEntry
{
	int64		ent_num;		/* hash key */
	int			index;
} EntNumEntry;

/* the SDN_Types and alt_types (lower case, without dots) that are loaded */
static const char *const sdn_types[] = {"individual", "vessel", "aircraft", NULL};
static const char *const alt_types[] = {"aka", "fka", "nka", NULL};

/* the word of words (NULL-terminated) that s is, in any case; NULL if none */
static const char *
one_of(const char *s, const char *const *words)
{
	for (; *words != NULL; words++)
		if (pg_strcasecmp(s, *words) == 0)
			return *words;
	return NULL;
}

/*
 * "NPWMD] [IFSR" -> (NPWMD, IFSR): split where a ']' is followed by a '['
 * (blanks between them allowed), then brackets and blanks trimmed
 */
static List *
split_programs(const char *s)
{
	List	   *out = NIL;

	while (*s)
	{
		const char *e = s;
		const char *next = NULL;

		/* the end of this program: a "] [" separator, or the end */
		for (; *e; e++)
		{
			const char *q = e + 1;

			if (*e != ']')
				continue;
			while (is_blank(*q))
				q++;
			if (*q == '[')
			{
				next = q + 1;
				break;
			}
		}
		while (s < e && (is_blank(*s) || *s == '[' || *s == ']'))
			s++;
		while (e > s && (is_blank(e[-1]) || e[-1] == '[' || e[-1] == ']'))
			e--;
		if (e > s)
			out = lappend(out, pnstrdup(s, e - s));
		if (next == NULL)
			break;
		s = next;
	}
	return out;
}

static void
parse_sdn(OfacData *d, const char *data, int len)
{
	CsvReader	r;
	int			max = 1024;
	HASHCTL		ctl;

	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(EntNumEntry);
	ctl.hcxt = CurrentMemoryContext;
	d->by_ent_num = hash_create("fintech OFAC ent_num", 16384, &ctl,
								HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	d->entities = palloc(max * sizeof(OfacEntity));
	d->nentities = 0;

	csv_init(&r, "sdn.csv", data, len);
	while (csv_next(&r))
	{
		OfacEntity *ent;
		EntNumEntry *h;
		bool		found;
		int64		ent_num;
		char	   *type;

		csv_expect_fields(&r, SDN_FIELDS, sdn_field_names);
		ent_num = csv_positive_int(&r, 0, "ent_num");
		h = hash_search(d->by_ent_num, &ent_num, HASH_ENTER, &found);
		if (found)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("sdn.csv line %d: duplicate ent_num " INT64_FORMAT,
							r.rec_line, ent_num),
					 errdetail("ent_num " INT64_FORMAT " is also on line %d.",
							   ent_num, d->entities[h->index].line)));
		if (d->nentities == max)
		{
			max *= 2;
			d->entities = repalloc(d->entities, max * sizeof(OfacEntity));
		}
		h->index = d->nentities;
		ent = &d->entities[d->nentities++];
		memset(ent, 0, sizeof(OfacEntity));
		ent->ent_num = ent_num;
		ent->line = r.rec_line;

		ent->name = nonblank(r.fields[1]);
		if (ent->name == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("sdn.csv line %d: empty SDN_Name for ent_num " INT64_FORMAT,
							r.rec_line, ent_num)));
		check_listed_name(&r, ent->name, "SDN_Name of ent_num", ent_num);
		ent->name = keep(ent->name);

		type = nonblank(r.fields[2]);
		ent->kind = type == NULL ? "entity" : one_of(type, sdn_types);
		if (ent->kind == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("sdn.csv line %d: unknown SDN_Type \"%s\" for ent_num " INT64_FORMAT,
							r.rec_line, type, ent_num),
					 errhint("SDN_Type is individual, vessel, aircraft, or -0- for an entity.")));

		ent->programs = nonblank(r.fields[3]) ? split_programs(r.fields[3]) : NIL;
		ent->title = keep(nonblank(r.fields[4]));
		ent->remarks = keep(nonblank(r.fields[11]));
	}
	csv_end(&r);
	if (d->nentities == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sdn.csv has no records"),
				 errdetail("Loading it would withdraw every entity of the list."),
				 errhint("Check the download: an empty sdn.csv is refused, nothing was changed.")));
}

/* the entity of field 0 (ent_num), which sdn.csv must have */
static int
known_entity(OfacData *d, CsvReader *r)
{
	int64		ent_num = csv_positive_int(r, 0, "ent_num");
	EntNumEntry *h = hash_search(d->by_ent_num, &ent_num, HASH_FIND, NULL);

	if (h == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s line %d: ent_num " INT64_FORMAT " is not in sdn.csv",
						r->file, r->rec_line, ent_num),
				 errhint("Load sdn.csv, alt.csv and add.csv of the same publication together.")));
	return h->index;
}

static void
parse_alt(OfacData *d, const char *data, int len)
{
	CsvReader	r;
	int			max = 1024;

	d->aliases = palloc(max * sizeof(OfacAlias));
	d->naliases = 0;
	csv_init(&r, "alt.csv", data, len);
	while (csv_next(&r))
	{
		OfacAlias  *a;
		char		type[8];
		int			n = 0;
		const char *raw;

		csv_expect_fields(&r, ALT_FIELDS, alt_field_names);
		if (d->naliases == max)
		{
			max *= 2;
			d->aliases = repalloc(d->aliases, max * sizeof(OfacAlias));
		}
		a = &d->aliases[d->naliases];
		a->entity = known_entity(d, &r);
		a->alt_num = csv_positive_int(&r, 1, "alt_num");

		/* alt_type: lower case, without dots and blanks ("a.k.a." is aka) */
		raw = r.fields[2];
		if (raw == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("alt.csv line %d: empty alt_type for alt_num " INT64_FORMAT,
							r.rec_line, a->alt_num),
					 errhint("alt_type is aka, fka or nka (case and dots do not matter).")));
		for (const char *c = raw; *c && n < (int) sizeof(type) - 1; c++)
			if (*c != '.' && !is_blank(*c))
				type[n++] = pg_ascii_tolower((unsigned char) *c);
		type[n] = '\0';
		a->type = one_of(type, alt_types);
		if (a->type == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("alt.csv line %d: unknown alt_type \"%s\" for alt_num " INT64_FORMAT,
							r.rec_line, raw, a->alt_num),
					 errhint("alt_type is aka, fka or nka (case and dots do not matter).")));

		a->name = nonblank(r.fields[3]);
		if (a->name == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("alt.csv line %d: empty alt_name for alt_num " INT64_FORMAT,
							r.rec_line, a->alt_num)));
		check_listed_name(&r, a->name, "alt_name of alt_num", a->alt_num);
		a->name = keep(a->name);
		d->naliases++;
	}
	csv_end(&r);
}

/*
 * The (entity, country) pairs seen in add.csv: one hash lookup per row
 * (scanning the entity's countries was quadratic in an entity's rows).
 */
typedef struct CountryKey
{
	int			entity;
	const char *country;		/* kept copy */
} CountryKey;

typedef struct CountryEntry
{
	CountryKey	key;
	char		status;
	uint32		hash;
} CountryEntry;

static inline uint32
country_hash(CountryKey k)
{
	return hash_combine(murmurhash32((uint32) k.entity),
						hash_bytes((const unsigned char *) k.country, strlen(k.country)));
}

#define SH_PREFIX		countryset
#define SH_ELEMENT_TYPE	CountryEntry
#define SH_KEY_TYPE		CountryKey
#define SH_KEY			key
#define SH_HASH_KEY(tb, k)	country_hash(k)
#define SH_EQUAL(tb, a, b)	((a).entity == (b).entity && strcmp((a).country, (b).country) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a)	((a)->hash)
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

static void
parse_add(OfacData *d, const char *data, int len)
{
	CsvReader	r;
	countryset_hash *seen = countryset_create(CurrentMemoryContext, 1024, NULL);

	csv_init(&r, "add.csv", data, len);
	while (csv_next(&r))
	{
		OfacEntity *ent;
		CountryKey	k;
		CountryEntry *e;
		bool		found;

		csv_expect_fields(&r, ADD_FIELDS, add_field_names);
		k.entity = known_entity(d, &r);
		ent = &d->entities[k.entity];
		(void) csv_positive_int(&r, 1, "add_num");
		k.country = nonblank(r.fields[4]);
		if (k.country == NULL)
			continue;
		e = countryset_insert(seen, k, &found);
		if (!found)
		{
			/* the key must outlive the record: point it at the kept copy */
			e->key.country = keep(k.country);
			ent->countries = lappend(ent->countries, unconstify(char *, e->key.country));
		}
	}
	csv_end(&r);
	countryset_destroy(seen);
}

/*
 * Parses and checks the three files (alt and add may be NULL: no aliases,
 * no addresses) into *d; 22023 naming the file and the line on the first
 * error.  Nothing is written.
 */
void
ft_ofac_parse(OfacData *d, const text *sdn, const text *alt, const text *add)
{
	memset(d, 0, sizeof(*d));
	parse_sdn(d, VARDATA_ANY(sdn), VARSIZE_ANY_EXHDR(sdn));
	if (alt)
		parse_alt(d, VARDATA_ANY(alt), VARSIZE_ANY_EXHDR(alt));
	if (add)
		parse_add(d, VARDATA_ANY(add), VARSIZE_ANY_EXHDR(add));
}
