/*-------------------------------------------------------------------------
 *
 * ofac.c
 *	  Sanctions lists in the US Treasury's legacy CSV format (OFAC SDN):
 *	  fintech.load_sanctions_ofac(sdn_csv, alt_csv, add_csv, list).
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
 * (1,000) characters, an unknown SDN_Type or alt_type; NULL sdn_csv; a NULL,
 * empty or longer than 255 bytes list; an sdn.csv without records (that
 * would withdraw the whole list: refused).  Everything is parsed and
 * checked in memory before anything is written.
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
 * context of the call, deleted before returning.  A record's fields live
 * in a context reset at the next record, and only what is loaded is
 * copied out, so the parse holds about what it loads; the statements'
 * arrays hold it again, and the hash reads the inputs in place.  Parsing
 * is linear (add.csv's distinct countries are found through a hash), and
 * every loop over the input checks for a cancel (per record, every 64 kB
 * of a field, per entity and name).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "common/cryptohash.h"
#include "common/hashfn.h"
#include "common/sha2.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/pg_list.h"
#include "storage/lock.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "fintech.h"
#include "spi_plan.h"
#include "canon.h"

#define LIST_MAXBYTES	255

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

typedef struct OfacEntity
{
	int64		ent_num;
	int			line;
	char	   *name;
	const char *kind;
	List	   *programs;		/* char * */
	char	   *title;
	char	   *remarks;
	List	   *countries;		/* char *, distinct, in add.csv order */
} OfacEntity;

typedef struct OfacAlias
{
	int			entity;			/* index into the entities */
	int64		alt_num;
	const char *type;			/* aka, fka, nka */
	char	   *name;
} OfacAlias;

typedef struct EntNumEntry
{
	int64		ent_num;		/* hash key */
	int			index;
} EntNumEntry;

typedef struct OfacData
{
	OfacEntity *entities;
	int			nentities;
	OfacAlias  *aliases;
	int			naliases;
	HTAB	   *by_ent_num;
} OfacData;

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
		if (type == NULL)
			ent->kind = "entity";
		else if (pg_strcasecmp(type, "individual") == 0)
			ent->kind = "individual";
		else if (pg_strcasecmp(type, "vessel") == 0)
			ent->kind = "vessel";
		else if (pg_strcasecmp(type, "aircraft") == 0)
			ent->kind = "aircraft";
		else
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
		if (strcmp(type, "aka") == 0)
			a->type = "aka";
		else if (strcmp(type, "fka") == 0)
			a->type = "fka";
		else if (strcmp(type, "nka") == 0)
			a->type = "nka";
		else
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
		elog(ERROR, "table fintech.sanctions_lists does not exist");
	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, rel, 0, FINTECH_LOCK_LOADS);
	(void) LockAcquire(&tag, ExclusiveLock, false, false);
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

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sdn_csv must not be NULL")));
	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("list must not be NULL")));

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
	memset(&d, 0, sizeof(d));
	parse_sdn(&d, VARDATA_ANY(sdn), VARSIZE_ANY_EXHDR(sdn));
	if (alt)
		parse_alt(&d, VARDATA_ANY(alt), VARSIZE_ANY_EXHDR(alt));
	if (add)
		parse_add(&d, VARDATA_ANY(add), VARSIZE_ANY_EXHDR(add));
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
	if (ft_run_plan(&plans, P_ENTITIES, ent_args, NULL, false, 0) != SPI_OK_INSERT || SPI_processed != (uint64) d.nentities)
		elog(ERROR, "could not write the entities of sanctions list \"%s\"", list);
	listed = d.nentities;
	v[1] = Int64GetDatum(version);
	if (ft_run_plan(&plans, P_UNLIST, v, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not unlist the dropped entities of sanctions list \"%s\"", list);

	/* names: all of them again */
	if (ft_run_plan(&plans, P_DELETE_NAMES, v, NULL, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "could not delete the names of sanctions list \"%s\"", list);
	name_args[0] = v[0];
	if (ft_run_plan(&plans, P_INSERT_NAMES, name_args, NULL, false, 0) != SPI_OK_INSERT ||
		SPI_processed != (uint64) nnames)
		elog(ERROR, "could not write the names of sanctions list \"%s\"", list);

	/* the list's row: version, generation, counts, hash */
	v[1] = Int64GetDatum(version);
	v[2] = Int32GetDatum(d.nentities);
	v[3] = Int32GetDatum(nnames);
	v[4] = PointerGetDatum(fintech_hash_bytea(hash));
	if (ft_run_plan(&plans, P_LIST, v, NULL, false, 0) != SPI_OK_INSERT || SPI_processed != 1)
		elog(ERROR, "could not record sanctions list \"%s\"", list);

	SPI_finish();
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(loadcxt);
	PG_RETURN_INT64(listed);
}
