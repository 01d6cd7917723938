/*-------------------------------------------------------------------------
 *
 * name_attrs.c
 *	  What a screened party's attributes (date of birth, country, kind)
 *	  do to a name match: ft_attr_factor, the factor screening.c applies
 *	  to an entity's name score, and its lines of explain_match; and
 *	  ft_screen_attrs_args, the attributes given as SQL arguments
 *	  (screen_name, explain_match), checked.
 *
 * Attributes only ever lower a score: one known on both sides that
 * contradicts the listed entity clears a namesake; one that agrees, or is
 * unknown on either side, leaves the name score as it is, so an attribute
 * never lifts a weak name match over the threshold.  The factors are
 * name_score.h's (BIRTH_MISMATCH, BIRTH_NEAR, COUNTRY_MISMATCH,
 * KIND_MISMATCH, KIND_OTHER).
 *
 * Reads the shared index's entities; no memory kept but the explanation's
 * strings (the caller's context), no locks, no database access.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "datatype/timestamp.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/datetime.h"

#include "explain.h"
#include "fintech.h"
#include "name_score.h"
#include "screening.h"

/* ------------------------------------------------------------------------
 * Attributes
 * ------------------------------------------------------------------------
 */

static const char *const kind_names[] = {"unknown", "individual", "entity", "vessel", "aircraft"};

/*
 * The factor (<= 1) the attributes of the screened party give the listed
 * entity e: each attribute known on both sides that contradicts lowers the
 * score; agreeing or unknown ones leave it (so they never lift a weak name
 * match over the threshold).
 */
double
ft_attr_factor(const NameIndex *ix, const Entity *e, const ScreenAttrs *attrs, MatchExplain *ex)
{
	double		f = 1.0;

	if (attrs == NULL)
		return f;
	if (attrs->has_birth_date && e->nbirths > 0)
	{
		const FtBirth *b = (const FtBirth *) FT_AT(ix, e->births);
		int			y,
					m,
					d;
		double		best = BIRTH_MISMATCH;

		j2date(attrs->birth_date + POSTGRES_EPOCH_JDATE, &y, &m, &d);
		for (int i = 0; i < e->nbirths && best < 1.0; i++)
		{
			if (b[i].year == y && (b[i].month == 0 || b[i].month == m) &&
				(b[i].day == 0 || b[i].day == d))
				best = 1.0;
			else if (abs(b[i].year - y) <= 1)
				best = BIRTH_NEAR;
		}
		if (best < 1.0)
		{
			f *= best;
			if (ex != NULL)
			{
				StringInfoData s;

				initStringInfo(&s);
				appendStringInfo(&s, "given %04d-%02d-%02d, listed", y, m, d);
				for (int i = 0; i < e->nbirths; i++)
				{
					appendStringInfo(&s, "%s %04d", i ? "," : "", b[i].year);
					if (b[i].month)
						appendStringInfo(&s, "-%02d", b[i].month);
					if (b[i].day)
						appendStringInfo(&s, "-%02d", b[i].day);
				}
				ft_explain_factor(ex, "birth_date", best, s.data);
			}
		}
	}
	if (attrs->country != NULL && e->ncountries > 0)
	{
		const char *c = FT_STR(ix, e->countries);
		bool		found = false;

		for (int i = 0; i < e->ncountries && !found; i++)
			found = c[i * 2] == attrs->country[0] && c[i * 2 + 1] == attrs->country[1];
		if (!found)
		{
			f *= COUNTRY_MISMATCH;
			if (ex != NULL)
			{
				StringInfoData s;

				initStringInfo(&s);
				appendStringInfo(&s, "given %s, listed", attrs->country);
				for (int i = 0; i < e->ncountries; i++)
					appendStringInfo(&s, "%s %c%c", i ? "," : "", c[i * 2], c[i * 2 + 1]);
				ft_explain_factor(ex, "country", COUNTRY_MISMATCH, s.data);
			}
		}
	}
	if (attrs->kind != NULL && e->kind != FT_KIND_UNKNOWN)
	{
		int			k = ft_kind_of(attrs->kind);

		if (k != FT_KIND_UNKNOWN && k != e->kind)
		{
			double		p = (k == FT_KIND_INDIVIDUAL || e->kind == FT_KIND_INDIVIDUAL) ?
				KIND_MISMATCH : KIND_OTHER;

			f *= p;
			if (ex != NULL)
				ft_explain_factor(ex, "kind", p, psprintf("given %s, listed %s", attrs->kind,
														  kind_names[e->kind]));
		}
	}
	return f;
}

/* ------------------------------------------------------------------------
 * The attributes as SQL arguments
 * ------------------------------------------------------------------------
 */

/*
 * The attributes of a screened party given as SQL arguments country,
 * birth_date and kind (numbers first .. first + 2; NULL: unknown) into
 * *attrs: a country is 2 letters (ISO 3166-1 alpha-2, any case), a kind
 * individual, entity, vessel or aircraft, a date finite (22023 otherwise).
 */
void
ft_screen_attrs_args(FunctionCallInfo fcinfo, int first, ScreenAttrs *attrs)
{
	memset(attrs, 0, sizeof(ScreenAttrs));
	if (PG_NARGS() > first && !PG_ARGISNULL(first))
	{
		char	   *c = text_to_cstring(PG_GETARG_TEXT_PP(first));

		if (strlen(c) != 2 || !isalpha((unsigned char) c[0]) || !isalpha((unsigned char) c[1]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("country \"%s\" is not an ISO 3166-1 alpha-2 code", c),
					 errhint("Give two letters, such as DE or US.")));
		c[0] = pg_ascii_toupper((unsigned char) c[0]);
		c[1] = pg_ascii_toupper((unsigned char) c[1]);
		attrs->country = c;
	}
	if (PG_NARGS() > first + 1 && !PG_ARGISNULL(first + 1))
	{
		DateADT		d = PG_GETARG_DATEADT(first + 1);

		if (DATE_NOT_FINITE(d))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("birth_date must be a finite date")));
		attrs->has_birth_date = true;
		attrs->birth_date = d;
	}
	if (PG_NARGS() > first + 2 && !PG_ARGISNULL(first + 2))
	{
		char	   *k = text_to_cstring(PG_GETARG_TEXT_PP(first + 2));

		if (strcmp(k, "individual") != 0 && strcmp(k, "entity") != 0 &&
			strcmp(k, "vessel") != 0 && strcmp(k, "aircraft") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid kind \"%s\"", k),
					 errhint("The kind is individual, entity, vessel or aircraft.")));
		attrs->kind = k;
	}
}
