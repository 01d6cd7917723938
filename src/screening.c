/*-------------------------------------------------------------------------
 *
 * screening.c
 *	  Screening a name against the sanctions lists: the candidates of a
 *	  query, their best match per entity, fintech.screen_name(), the C API
 *	  parties.c screens parties through (fintech_screen), and the GUC
 *	  fintech.screening_threshold.
 *
 * The parts: normalize.c (a name to tokens; the word lists in
 * name_words.c), name_index.c (the per-backend index of the listed names),
 * screen_candidates.c (a query's candidates), name_score.c (the
 * similarity model).  A query's candidates are the names holding an item
 * that shares enough trigrams with one of the query's items (for a query
 * in Latin letters, also by the trigrams of the items' script keys among
 * the names written in Hangul, Thai, Greek or Chinese characters); only
 * they are scored, and only those hit by enough of the query.
 *
 * Bounds: a name to screen is at most FINTECH_NAME_MAXCHARS (1,000)
 * characters, else 22023.  Every loop over a query's candidates checks
 * for a cancel.  A query's scratch (its links, candidates and matches) is
 * palloc'd in the caller's context; the index's per query arrays are
 * stamped, never cleared between queries.  Locks: only AccessShareLock on
 * the sanctions tables (reads, through name_index.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "catalog/namespace.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "fintech.h"
#include "name_index.h"
#include "name_index_shm.h"
#include "name_score.h"
#include "name_words.h"
#include "explain.h"
#include "normalize.h"
#include "metrics.h"
#include "screening.h"
#include "screening_guard.h"
#include "screen_candidates.h"
#include "translit.h"

/* GUC */
double		fintech_screening_threshold = 0.85;

/* the index whose matches cmp_match sorts */
static const NameIndex *sorting;

static int
cmp_match(const void *a, const void *b)
{
	const Match *x = a,
			   *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (sorting->entities[x->entity].id != sorting->entities[y->entity].id)
		return sorting->entities[x->entity].id < sorting->entities[y->entity].id ? -1 : 1;
	return 0;
}

/* q from its normalised tokens q->nn: weights, items, scratch (plain: the name of a skeleton pass) */
static void
prepare_query(NameIndex *ix, ScreenQuery *q, float *qw, int forms, const NormName *plain)
{
	int			qs[MAX_TOKENS * 2];
	uint32		before_last;	/* bits of the tokens before the last real one */
	StringInfoData j;

	q->forms = forms;
	q->plain = plain;
	q->vowel_gaps = NULL;
	ft_misspelt_variants(ix, &q->nn, q->corrected, forms);
	q->abjad_titles = ft_abjad_title_tokens(q);
	q->weight = 0;
	q->strong = 0;
	q->numbers = 0;
	q->patronymics = 0;
	q->titles = 0;
	before_last = 0;
	for (int i = 0; i < q->nn.ntok; i++)
	{
		int			v = ft_vocab_find(ix, q->nn.tok[i], forms);

		q->numbers += ft_all_digits(q->nn.tok[i], strlen(q->nn.tok[i])) ? 1 : 0;
		q->patronymics += ft_word_is_patronymic(q->nn.tok[i]) ? 1 : 0;
		ft_query_token_weight(ix, &q->nn, i, v, &qw[i], &qs[i]);
		q->known[i] = v >= 0;
		if (qs[i] == 0 && forms == FT_FORM_PLAIN && ft_word_in(WORDS_HONORIFICS, q->nn.tok[i]))
			q->titles |= 1u << i;
		if (qs[i] > 0)
			before_last = (1u << i) - 1;
		q->weight += qw[i];
		q->strong += qs[i];
	}
	/* (a title before a name part: a last word that is one is a family name, Irfan Sheikh) */
	q->titles &= before_last;
	if (q->strong == 0 && plain != NULL)
		q->strong = ft_skeleton_parts_strong(plain, &q->nn, qs);
	ft_make_items(&q->nn, qw, qs, &q->it);
	q->cantonese = forms == FT_FORM_PLAIN && !q->nn.han && ft_cantonese_name(&q->nn);
	initStringInfo(&j);
	for (int i = 0; i < q->nn.ntok; i++)
		appendStringInfoString(&j, q->nn.tok[i]);
	q->joined = j.data;
	q->joined_len = j.len;
	q->caplinks = 256;
	q->nlinks = 0;
	q->links = palloc(q->caplinks * sizeof(SimLink));
	q->stamp = ft_next_stamp(ix);
}

/*
 * Scores the candidates cd->c[from ..] of query q; keeps the best name per
 * entity in the index's entity scratch (stamp est).
 */
static void
score_candidates(NameIndex *ix, ScreenQuery *q, const float *qw, const Cands *cd, int from,
				 const ScreenAttrs *attrs, float4 min_score, int only_entity, uint32 est,
				 MatchExplain *ex)
{
	for (int c = from; c < cd->n; c++)
	{
		const ListedName *nmr = &ix->names[cd->c[c]];
		uint32		mask = FT_NMARK_MASK(ix->nmark[cd->c[c]]);
		double		hit = 0;
		float4		s;
		int			e = nmr->entity;
		MatchExplain cex;

		CHECK_FOR_INTERRUPTS();
		if (only_entity >= 0 && e != only_entity)
			continue;
		for (int t = 0; t < q->nn.ntok; t++)
			if (mask & (1u << t))
				hit += qw[t];

		/*
		 * Not a bound (tokens the index missed can still match): names hit
		 * by too little of the query are not scored.  Except a name written
		 * in Hangul or Thai letters: its parts meet a Latin query's by the
		 * script's keys (name_score.c), which share no trigrams where the
		 * spellings differ most (DUCK / tok, SOO / su for 덕수), so the
		 * index finds only part of what will match; such names are few.
		 * Nor a Cantonese reading (translit_yue.c): KA / jia share none.
		 */
		if (hit < MIN_HIT * q->weight && q->strong > 2 && !nmr->keyed &&
			!(nmr->han && q->cantonese) && !(nmr->cantonese && q->nn.han))
			continue;
		if (ex != NULL)
			memset(&cex, 0, sizeof(cex));
		s = (float4) ft_score_name(ix, q, nmr, ex ? &cex : NULL);
		/* (a reading taken for a variant group that the name spells otherwise: 畅 chang, ZHANG) */
		if (s >= min_score && ft_reading_respelt(ix, q, nmr))
			continue;
		if (nmr->skeleton)
			s = (float4) (s * ft_skeleton_factor(ix, q, nmr, ex ? &cex : NULL));
		/* attributes only lower a score: no need to look when it is too low */
		if (s < min_score)
			continue;
		s = (float4) (s * ft_attr_factor(ix, &ix->entities[e], attrs, ex ? &cex : NULL));
		if (s < min_score)
			continue;
		/*
		 * the entity's best name; on a tie the first in the index's order
		 * (its primary name, then by name: name_index_build.c), whatever
		 * order the candidates came in
		 */
		if (ix->estamp[e] == est &&
			(s < ix->ebest[e] || (s == ix->ebest[e] && cd->c[c] > ix->ename[e])))
			continue;
		if (ex != NULL)
		{
			cex.skeleton = nmr->skeleton;
			*ex = cex;
		}
		ix->estamp[e] = est;
		ix->ebest[e] = s;
		ix->ename[e] = cd->c[c];
	}
}

/*
 * Screens one name: the best match per entity with score >= min_score,
 * best first, at most max_results.  Returns the number of matches; *out is
 * palloc'd in the caller's context.  A name with nothing to match is
 * 22023 (what names the argument).  Caller is connected to SPI.
 *
 * Two passes: the name as written against the listed names, then (when a
 * side is written without short vowels: a query in Arabic or Hebrew
 * letters, or any listed names that are) its consonant skeleton against
 * the listed names' skeletons.  An entity keeps its best score of both.
 */
int
ft_screen_core(NameIndex *ix, const char *name, const char *what, const ScreenAttrs *attrs,
			   float4 min_score, int max_results, int only_entity, Match **out,
			   MatchExplain *ex)
{
	ScreenQuery q;
	ScreenQuery sq;
	/* (zeroed: the analyser cannot see that prepare_query fills what is read) */
	float		qw[MAX_TOKENS * 2] = {0};
	float		sqw[MAX_TOKENS * 2] = {0};
	Cands		cd;
	int			plain;
	uint32		est;
	Match	   *m;
	int			nm = 0;

	*out = NULL;
	/* a person's name keeps its words that are also legal forms (normalize.c) */
	ft_normalize_checked(name, what,
						 attrs != NULL && attrs->kind != NULL &&
						 ft_kind_of(attrs->kind) == FT_KIND_INDIVIDUAL, &q.nn);
	if (ix->nnames == 0)
		return 0;
	cd.cap = 256;
	cd.n = 0;
	cd.c = palloc(cd.cap * sizeof(int));
	ft_begin_query(ix);
	est = ft_next_stamp(ix);

	prepare_query(ix, &q, qw, FT_FORM_PLAIN, NULL);
	ft_find_candidates(ix, &q, false, q.nn.abjad, 0, &cd);
	ft_key_candidates(ix, &q, &cd);
	score_candidates(ix, &q, qw, &cd, 0, attrs, min_score, only_entity, est, ex);
	plain = cd.n;
	if (ft_skeleton_pass(ix, &q.nn) && ft_skeleton_name(&q.nn, &sq.nn) > 0)
	{
		prepare_query(ix, &sq, sqw, FT_FORM_SKELETON, &q.nn);
		sq.plain_corrected = q.corrected;
		sq.vowel_gaps = ft_vowel_query_gaps(&sq);
		ft_find_candidates(ix, &sq, true, q.nn.abjad, 0, &cd);
		score_candidates(ix, &sq, sqw, &cd, plain, attrs, min_score, only_entity, est, ex);
		pfree(sq.links);
	}

	m = palloc(Max(cd.n, 1) * sizeof(Match));
	for (int c = 0; c < cd.n; c++)
	{
		int			e = ix->names[cd.c[c]].entity;

		if (ix->estamp[e] == est && ix->ename[e] == cd.c[c])
		{
			m[nm].entity = e;
			m[nm].name = cd.c[c];
			m[nm].score = ix->ebest[e];
			nm++;
			ix->estamp[e] = 0;	/* once per entity */
		}
	}
	sorting = ix;
	qsort(m, nm, sizeof(Match), cmp_match);
	if (nm > max_results)
		nm = max_results;
	pfree(q.links);
	pfree(cd.c);
	*out = m;
	return nm;
}

/* ------------------------------------------------------------------------
 * C API for parties.c
 * ------------------------------------------------------------------------
 */

/*
 * Screens a name at min_score; fills *out with up to max_results matches
 * (entity id, score, matched name; fintech_screen_explanation says why)
 * and returns how many.  *generation is
 * the highest list generation screened against.  same_index: use the index
 * the previous call (or fintech_screening_generation) found current, without
 * asking fintech.sanctions_lists again.  Caller is connected to SPI.
 */
int
fintech_screen(const char *name, const ScreenAttrs *attrs, float4 min_score, int max_results,
			   FintechMatch **out, int64 *generation, bool same_index)
{
	NameIndex  *ix = same_index ? ft_index_cached() : NULL;
	Match	   *m;
	int			n;

	ft_metric_screen_begin();
	if (ix == NULL)
		ix = ft_get_index();
	n = ft_screen_core(ix, name, "name", attrs, min_score, max_results, -1, &m, NULL);
	ft_metric_screen_end();

	*out = palloc(Max(n, 1) * sizeof(FintechMatch));
	for (int i = 0; i < n; i++)
	{
		(*out)[i].entity_id = ix->entities[m[i].entity].id;
		(*out)[i].score = m[i].score;
		(*out)[i].matched_name = pstrdup(FT_STR(ix, ix->names[m[i].name].name));
		(*out)[i].entity = m[i].entity;
	}
	*generation = ix->sig[1];
	return n;
}

/*
 * Why name matched m: the same query again, for this entity only (nothing
 * personal).  Asked only for the alerts a caller raises (not for a match
 * alerted before: rescreening meets mostly those), with the index the
 * fintech_screen call that found m used.
 */
Jsonb *
fintech_screen_explanation(const char *name, const ScreenAttrs *attrs, const FintechMatch *m)
{
	NameIndex  *ix = ft_index_cached();

	FT_CHECK(ix != NULL && m->entity >= 0 && m->entity < ix->nentities &&
			 ix->entities[m->entity].id == m->entity_id);
	return ft_explain_entity(ix, name, attrs, m->entity, NULL, false);
}

/*
 * Does fintech.<table> have column?  The library of a release runs on the
 * schema of an earlier one until ALTER EXTENSION UPDATE: what it added is
 * used only where it exists.
 */
bool
ft_has_column(const char *table, const char *column)
{
	Oid			rel = get_relname_relid(table, get_namespace_oid("fintech", false));

	return OidIsValid(rel) && get_attnum(rel, column) != InvalidAttrNumber;
}

/* the highest list generation the caller's snapshot sees (0: none loaded) */
int64
fintech_screening_generation(void)
{
	return ft_get_index()->sig[1];
}

/* ------------------------------------------------------------------------
 * fintech.screen_name(name, min_score, max_results, country, birth_date, kind)
 * ------------------------------------------------------------------------
 */
PG_FUNCTION_INFO_V1(fintech_screen_name);
Datum
fintech_screen_name(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *name;
	float4		min_score;
	int32		max_results;
	NameIndex	   *ix;
	Match	   *m;
	int			n;
	ScreenAttrs attrs;
	MemoryContext call_cxt,
				old_cxt;

	fintech_arg_not_null(fcinfo, 0, "name");
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_score and max_results must not be NULL")));
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	min_score = PG_GETARG_FLOAT4(1);
	max_results = PG_GETARG_INT32(2);
	if (isnan(min_score) || min_score < 0 || min_score > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_score %g is not between 0 and 1", min_score)));
	if (max_results < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_results %d is not positive", max_results)));
	ft_screening_required_check();
	ft_screen_attrs_args(fcinfo, 3, &attrs);
	InitMaterializedSRF(fcinfo, 0);
	/*
	 * the call's scratch in a context of its own, freed at its end: a
	 * statement screening many names (a join, a lateral call) would
	 * otherwise hold every call's until it ends (the rows are copied into
	 * the tuplestore)
	 */
	call_cxt = AllocSetContextCreate(CurrentMemoryContext, "fintech screen_name call",
									 ALLOCSET_DEFAULT_SIZES);
	old_cxt = MemoryContextSwitchTo(call_cxt);
	SPI_connect();
	ft_metric_screen_begin();
	ix = ft_get_index();
	n = ft_screen_core(ix, name, "name", &attrs, min_score, max_results, -1, &m, NULL);
	ft_metric_screen_end();
	for (int i = 0; i < n; i++)
	{
		const Entity *e = &ix->entities[m[i].entity];
		Datum		v[6];
		bool		nulls[6] = {false, false, false, false, false, false};

		v[0] = Int64GetDatum(e->id);
		v[1] = CStringGetTextDatum(FT_STR(ix, e->list));
		v[2] = CStringGetTextDatum(FT_STR(ix, e->source_uid));
		v[3] = CStringGetTextDatum(FT_STR(ix, ix->names[m[i].name].name));
		v[4] = Float4GetDatum(m[i].score);
		if (e->programs == 0)
			nulls[5] = true;
		else
			v[5] = PointerGetDatum(FT_AT(ix, e->programs));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, nulls);
	}
	SPI_finish();
	MemoryContextSwitchTo(old_cxt);
	MemoryContextDelete(call_cxt);
	return (Datum) 0;
}

void
ScreeningInit(void)
{
	ft_name_words_init();
	NameIndexShmInit();
	/* backends inherit the transliterators ready (a first name in another script costs no ICU start-up) */
	if (process_shared_preload_libraries_in_progress)
		ft_translit_preload();

	DefineCustomRealVariable("fintech.screening_threshold",
							 "Score at or above which a party's match raises an alert.",
							 "Between 0 and 1; applies to create_party and rescreening.",
							 &fintech_screening_threshold,
							 0.85, 0.0, 1.0,
							 PGC_SUSET, 0,
							 NULL, NULL, NULL);
}
