/*-------------------------------------------------------------------------
 *
 * explain.c
 *	  Why a name matches a listed entity: fintech.explain_match(), and the
 *	  explanation kept on each alert (fintech_screen fills it for parties.c).
 *
 * The explanation kept on an alert holds nothing of the screened party
 * (no query, no query tokens, no given birth date or country in the
 * penalties' details): the alert's party_name holds the name, and
 * erase_party scrubs that; the listed side, the similarities and the
 * penalties' sizes stay.
 *
 * An explanation is the screening of the same name with the same
 * attributes, restricted to one entity (ft_screen_core with only_entity),
 * with the scoring recording what it did (MatchExplain): the listed name
 * that scored best, each query item paired with a listed item and their
 * similarity (with, for a pair below the knee, which near miss it was and
 * what it counted for after that near miss's cost: name_weight.c's
 * ft_near_miss_factor), the tokens left unmatched on either side, and every factor
 * that lowered the score (lopsided, patronymic, numbers, birth_date,
 * country, kind) with its size.  Its score is the score screen_name gives
 * the entity (0 when no listed name of the entity is a candidate for the
 * name: screen_name would not return it).
 *
 * Memory: everything is palloc'd in the caller's context.  Locks: only
 * AccessShareLock on the sanctions tables (reads, through name_index.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "explain.h"
#include "fintech.h"
#include "name_index.h"
#include "screening.h"

void
ft_explain_factor(MatchExplain *ex, const char *what, double size, char *detail)
{
	if (ex == NULL || ex->nfactors >= EXPLAIN_MAX_FACTORS)
		return;
	ex->factors[ex->nfactors].what = what;
	ex->factors[ex->nfactors].size = (float) size;
	ex->factors[ex->nfactors].detail = detail;
	ex->nfactors++;
}

/* a real as float4out prints it (the same digits screen_name's score shows) */
static void
append_real(StringInfo s, float4 f)
{
	appendStringInfoString(s, DatumGetCString(DirectFunctionCall1(float4out, Float4GetDatum(f))));
}

static void
append_key_str(StringInfo s, const char *key, const char *value)
{
	escape_json(s, key);
	appendStringInfoString(s, ": ");
	if (value == NULL)
		appendStringInfoString(s, "null");
	else
		escape_json(s, value);
}

Jsonb *
ft_explain_jsonb(const MatchExplain *ex, int64 entity_id, const char *list, const char *source_uid,
				 const char *query, const char *matched_name, float4 score, bool personal)
{
	StringInfoData s;

	initStringInfo(&s);
	appendStringInfo(&s, "{\"entity_id\": " INT64_FORMAT ", ", entity_id);
	append_key_str(&s, "list", list);
	appendStringInfoString(&s, ", ");
	append_key_str(&s, "source_uid", source_uid);
	appendStringInfoString(&s, ", ");
	if (personal)
	{
		append_key_str(&s, "query", query);
		appendStringInfoString(&s, ", ");
	}
	append_key_str(&s, "matched_name", matched_name);
	appendStringInfoString(&s, ", \"score\": ");
	append_real(&s, score);
	appendStringInfoString(&s, ", \"name_score\": ");
	append_real(&s, (float4) ex->name_score);
	appendStringInfoString(&s, ", \"tokens\": [");
	for (int i = 0; i < ex->npairs + ex->nunmatched_q; i++)
	{
		bool		paired = i < ex->npairs;

		appendStringInfoString(&s, i ? ", {" : "{");
		if (personal)
		{
			append_key_str(&s, "query", paired ? ex->pairs[i].query : ex->unmatched_q[i - ex->npairs]);
			appendStringInfoString(&s, ", ");
		}
		append_key_str(&s, "listed", paired ? ex->pairs[i].listed : NULL);
		appendStringInfoString(&s, ", \"similarity\": ");
		append_real(&s, paired ? ex->pairs[i].similarity : 0.0f);
		if (paired && ex->pairs[i].near_miss != NULL)
		{
			appendStringInfoString(&s, ", ");
			append_key_str(&s, "near_miss", ex->pairs[i].near_miss);
			appendStringInfoString(&s, ", \"counted\": ");
			append_real(&s, ex->pairs[i].counted);
		}
		appendStringInfoChar(&s, '}');
	}
	appendStringInfoString(&s, "], \"unmatched_listed\": [");
	for (int i = 0; i < ex->nunmatched_c; i++)
	{
		if (i)
			appendStringInfoString(&s, ", ");
		escape_json(&s, ex->unmatched_c[i]);
	}
	appendStringInfo(&s, "], \"compared_whole\": %s, \"consonant_skeletons\": %s, \"penalties\": [",
					 ex->whole ? "true" : "false", ex->skeleton ? "true" : "false");
	for (int i = 0; i < ex->nfactors; i++)
	{
		appendStringInfoString(&s, i ? ", {" : "{");
		append_key_str(&s, "factor", ex->factors[i].what);
		appendStringInfoString(&s, ", \"size\": ");
		append_real(&s, ex->factors[i].size);
		if (personal && ex->factors[i].detail != NULL)
		{
			appendStringInfoString(&s, ", ");
			append_key_str(&s, "detail", ex->factors[i].detail);
		}
		appendStringInfoChar(&s, '}');
	}
	appendStringInfoString(&s, "]}");
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(s.data)));
}

Jsonb *
ft_explain_entity(NameIndex *ix, const char *name, const ScreenAttrs *attrs, int e, float4 *score,
				  bool personal)
{
	MatchExplain ex;
	Match	   *m;
	int			n;
	const Entity *ent = &ix->entities[e];

	memset(&ex, 0, sizeof(ex));
	n = ft_screen_core(ix, name, "name", attrs, 0.0f, 1, e, &m, &ex);
	if (score != NULL)
		*score = n > 0 ? m[0].score : 0.0f;
	return ft_explain_jsonb(&ex, ent->id, FT_STR(ix, ent->list), FT_STR(ix, ent->source_uid), name,
							n > 0 ? FT_STR(ix, ix->names[m[0].name].name) : NULL,
							n > 0 ? m[0].score : 0.0f, personal);
}

/* the index of the entity with id in ix (entities are in id order), or -1 */
static int
entity_of(const NameIndex *ix, int64 id)
{
	int			lo = 0,
				hi = ix->nentities - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (ix->entities[mid].id == id)
			return mid;
		if (ix->entities[mid].id < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* ------------------------------------------------------------------------
 * fintech.explain_match(name, entity_id, country, birth_date, kind)
 * ------------------------------------------------------------------------
 */
PG_FUNCTION_INFO_V1(fintech_explain_match);
Datum
fintech_explain_match(PG_FUNCTION_ARGS)
{
	char	   *name;
	int64		entity_id;
	ScreenAttrs attrs;
	NameIndex  *ix;
	int			e;
	Jsonb	   *j;

	fintech_arg_not_null(fcinfo, 0, "name");
	fintech_arg_not_null(fcinfo, 1, "entity_id");
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	entity_id = PG_GETARG_INT64(1);
	ft_screen_attrs_args(fcinfo, 2, &attrs);
	SPI_connect();
	ix = ft_get_index();
	e = entity_of(ix, entity_id);
	if (e < 0)
		ereport(ERROR,
				(errcode(ERRCODE_LD009),
				 errmsg("sanctions entity " INT64_FORMAT " is not on any loaded list", entity_id),
				 errhint("Take the entity_id from screen_name or an alert; a delisted entity is not matched.")));
	j = ft_explain_entity(ix, name, &attrs, e, NULL, true);
	/* out of SPI's memory, which SPI_finish frees */
	j = memcpy(SPI_palloc(VARSIZE(j)), j, VARSIZE(j));
	SPI_finish();
	PG_RETURN_JSONB_P(j);
}
