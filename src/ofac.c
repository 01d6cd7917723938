/*-------------------------------------------------------------------------
 *
 * ofac.c
 *	  fintech.load_sanctions_ofac(sdn_csv, alt_csv, add_csv, list): a
 *	  sanctions list in the US Treasury's legacy CSV format (OFAC SDN)
 *	  written into the sanctions tables, replacing the list.  The files'
 *	  format, what is loaded from them and the parse errors are described
 *	  in ofac_parse.c, which parses and checks everything in memory before
 *	  anything is written; sanctions_load.c writes the list (and describes
 *	  how a load replaces it, its lock and its source_hash: the SHA-256 of
 *	  canon(sdn_csv) || canon(alt_csv) || canon(add_csv)).
 *
 * What this file adds to the parse: the countries of add.csv mapped to
 * ISO 3166-1 alpha-2 codes (countries.c; unknown names left out with a
 * NOTICE), then the countries the Treasury writes in the remarks:
 * "nationality <country>", "citizen <country>" and "Nationality of
 * Registration <country>" (also after "alt."), each up to the next ';'
 * (a name countries.c does not know is left in the remarks only, without
 * a NOTICE: the remarks are free text); and the dates of birth of the remarks:
 * each "DOB <date>" up to the next ';' (also "alt. DOB"), where <date> is
 * "10 Dec 1948" (-> '1948-12-10'), "Aug 1946" ('1946-08'), "1946"
 * ('1946'), any of these after "circa", or a range "1951 to 1953",
 * "01 Jan 1961 to 31 Dec 1962", "circa 1979-1982" (each year of it);
 * a trailing '.' is ignored.  Anything else after "DOB" is left in the
 * remarks only (they are free text: a date not understood does not
 * refuse the load).
 *
 * Errors (SQLSTATE 22023, nothing loaded): NULL sdn_csv; a NULL, empty or
 * longer than 255 bytes list; anything ofac_parse.c refuses.
 *
 * Memory: the inputs are detoasted and parsed into a memory context of
 * the call, deleted before returning.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/pg_list.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "fintech.h"
#include "countries.h"
#include "ofac_parse.h"
#include "sanctions_load.h"

static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug",
"sep", "oct", "nov", "dec", NULL};

/* an OFAC date "10 Dec 1948", "Dec 1948" or "1948" at *p: y, m, d (0: absent) */
static bool
ofac_date(const char **p, int *y, int *m, int *d)
{
	const char *s = *p;
	int			n = 0;
	int			digits = 0;

	*y = *m = *d = 0;
	while (*s == ' ')
		s++;
	while (*s >= '0' && *s <= '9' && digits < 5)
		n = n * 10 + (*s++ - '0'), digits++;
	if (digits == 4)
	{
		*y = n;
		*p = s;
		return true;
	}
	if (digits > 2)
		return false;
	if (digits > 0)
	{
		*d = n;
		if (*s++ != ' ')
			return false;
	}
	for (int i = 0; months[i]; i++)
		if (pg_strncasecmp(s, months[i], 3) == 0 && s[3] == ' ')
		{
			*m = i + 1;
			break;
		}
	if (*m == 0)
		return false;
	s += 4;
	n = 0;
	digits = 0;
	while (*s >= '0' && *s <= '9' && digits < 5)
		n = n * 10 + (*s++ - '0'), digits++;
	if (digits != 4)
		return false;
	*y = n;
	*p = s;
	return true;
}

/* the birth dates of one "DOB ..." part (up to ';' or the end) */
static void
dob_part(SanctionsEntity *e, const char *s, const char *end)
{
	char	   *part = pnstrdup(s, end - s);
	const char *p = part;
	int			y,
				m,
				d,
				y2,
				m2,
				d2;
	int			len = strlen(part);

	/* trailing blanks and a final '.' */
	while (len > 0 && (part[len - 1] == ' ' || part[len - 1] == '.'))
		part[--len] = '\0';
	if (pg_strncasecmp(p, "circa ", 6) == 0)
		p += 6;
	if (!ofac_date(&p, &y, &m, &d))
		return;
	if (*p == '\0')
	{
		char		buf[16];

		if (!ft_valid_ymd(y, m, d))
			return;
		if (d > 0)
			snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, d);
		else if (m > 0)
			snprintf(buf, sizeof(buf), "%04d-%02d", y, m);
		else
			snprintf(buf, sizeof(buf), "%04d", y);
		ft_sanctions_add_birth_date(e, buf);
		return;
	}
	/* a range: " to <date>" or "-YYYY" */
	if (strncmp(p, " to ", 4) == 0)
		p += 4;
	else if (*p == '-')
		p++;
	else
		return;
	if (ofac_date(&p, &y2, &m2, &d2) && *p == '\0')
		(void) ft_sanctions_add_year_range(e, y, y2);
}

/* every "DOB <date>" of the remarks */
static void
dobs_from_remarks(SanctionsEntity *e, const char *remarks)
{
	const char *s = remarks;

	while ((s = strstr(s, "DOB ")) != NULL)
	{
		const char *end;

		CHECK_FOR_INTERRUPTS();
		/* a word of its own */
		if (s > remarks && s[-1] != ' ' && s[-1] != ';' && s[-1] != '.')
		{
			s += 4;
			continue;
		}
		s += 4;
		end = strchr(s, ';');
		if (end == NULL)
			end = s + strlen(s);
		dob_part(e, s, end);
		s = end;
	}
}

/*
 * every "nationality X", "citizen X", "Nationality of Registration X" of
 * the remarks, as countries of e: a party's country is as often its
 * nationality as its address, and add.csv holds only addresses
 */
static void
countries_from_remarks(SanctionsData *d, SanctionsEntity *e, const char *remarks)
{
	static const char *const words[] = {"nationality of registration ", "nationality ", "citizen "};

	for (const char *s = remarks; *s; s++)
	{
		/* a word of its own */
		if (s > remarks && s[-1] != ' ' && s[-1] != ';' && s[-1] != '.')
			continue;
		for (int i = 0; i < lengthof(words); i++)
		{
			int			len = strlen(words[i]);
			const char *end;
			char	   *name;
			const char *code;

			if (pg_strncasecmp(s, words[i], len) != 0)
				continue;
			CHECK_FOR_INTERRUPTS();
			s += len;
			end = strchr(s, ';');
			if (end == NULL)
				end = s + strlen(s);
			name = pnstrdup(s, end - s);
			code = ft_country_code(name, false);
			if (code != NULL && code[0] != '\0')
				ft_sanctions_add_country(d, e, code, true);
			pfree(name);
			s = end - 1;
			break;
		}
	}
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
	text	   *in[3];
	char	   *list;
	OfacData	o;
	SanctionsData d;
	uint8		hash[PG_SHA256_DIGEST_LENGTH];
	int64		listed;

	fintech_arg_not_null(fcinfo, 0, "sdn_csv");

	loadcxt = AllocSetContextCreate(CurrentMemoryContext, "fintech OFAC load",
									ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(loadcxt);

	list = ft_sanctions_list_arg(fcinfo, 3);

	/* detoasted here, so they go with loadcxt */
	in[0] = PG_GETARG_TEXT_PP(0);
	in[1] = PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_PP(1);
	in[2] = PG_ARGISNULL(2) ? NULL : PG_GETARG_TEXT_PP(2);

	/* parse and check everything before writing anything */
	ft_ofac_parse(&o, in[0], in[1], in[2]);
	ft_sanctions_hash(in, 3, hash);

	ft_sanctions_init(&d);
	for (int i = 0; i < o.nentities; i++)
	{
		OfacEntity *oe = &o.entities[i];
		SanctionsEntity *e = ft_sanctions_add_entity(&d);
		ListCell   *lc;

		CHECK_FOR_INTERRUPTS();
		e->uid = psprintf(INT64_FORMAT, oe->ent_num);
		e->name = oe->name;
		e->kind = oe->kind;
		e->programs = oe->programs;
		e->title = oe->title;
		e->remarks = oe->remarks;
		foreach(lc, oe->countries)
			ft_sanctions_add_country(&d, e, lfirst(lc), false);
		if (oe->remarks)
		{
			countries_from_remarks(&d, e, oe->remarks);
			dobs_from_remarks(e, oe->remarks);
		}
		/* the primary names first, then the aliases in alt.csv order */
		ft_sanctions_add_name(&d, i, "primary", oe->name, NULL);
	}
	for (int i = 0; i < o.naliases; i++)
	{
		OfacAlias  *a = &o.aliases[i];

		CHECK_FOR_INTERRUPTS();
		ft_sanctions_add_name(&d, a->entity, a->type, a->name,
							  psprintf(INT64_FORMAT, a->alt_num));
	}

	listed = ft_sanctions_write(list, &d, hash);

	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(loadcxt);
	PG_RETURN_INT64(listed);
}
