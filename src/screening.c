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
 * name_score.c (the similarity model).  A query's candidates are the
 * names holding an item that shares enough trigrams with one of the
 * query's items (for a query in Latin letters, also by the trigrams of
 * the items' script keys among the names written in Hangul, Thai, Greek or
 * Chinese characters: key_candidates); only they are scored, and only
 * those hit by enough of the query.
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

/* records that query item qi is similar to vocabulary entry v */
static void
add_link(NameIndex *ix, ScreenQuery *q, int qi, int v, float sim, float unkeyed, uint8 keyeq)
{
	int32	   *head = ft_link_head_slot(ix, q->stamp, v);

	if (q->nlinks == q->caplinks)
	{
		q->caplinks *= 2;
		q->links = repalloc_huge(q->links, q->caplinks * sizeof(SimLink));
	}
	q->links[q->nlinks].qi = qi;
	q->links[q->nlinks].sim = sim;
	q->links[q->nlinks].unkeyed = unkeyed;
	q->links[q->nlinks].keyeq = keyeq;
	q->links[q->nlinks].next = *head;
	*head = q->nlinks++;
}

/*
 * A trigram's list in an item's length window is read whole when it holds
 * at most this many postings, never skipped (find_candidates)
 */
#define SKIP_MIN_POSTINGS	1024

/* the candidates of a pass (grown as found) */
typedef struct Cands
{
	int		   *c;
	int			n;
	int			cap;
} Cands;

/* q from its normalised tokens q->nn: weights, items, scratch (plain: the name of a skeleton pass) */
static void
prepare_query(NameIndex *ix, ScreenQuery *q, float *qw, int forms, const NormName *plain)
{
	int			qs[MAX_TOKENS * 2];
	uint32		before_last;	/* bits of the tokens before the last real one */
	StringInfoData j;

	q->forms = forms;
	ft_misspelt_variants(ix, &q->nn, q->corrected, forms);
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
 * Does a name of this form take part in this pass?  The plain pass
 * matches plain names; the skeleton pass (consonant skeletons, for names
 * written without short vowels) matches skeletons: all of them for a query
 * in Arabic or Hebrew letters, only those of such names for a Latin query.
 */
static inline bool
form_ok(const ListedName *nm, bool skeleton, bool abjad_query)
{
	if (!skeleton)
		return !nm->skeleton;
	return nm->skeleton && (abjad_query || nm->abjad);
}

/*
 * The range of a skipped list's postings of entries of length lo + i: its
 * start, start[i] (-1: not known yet), found by binary search the first
 * time an entry of that length is looked up (p[0 .. to - 1] ascending, of
 * which the window's range starts at the first of length lo).
 */
static inline int
len_start(const uint32 *p, int to, int *start, int lo, int i)
{
	if (start[i] < 0)
		start[i] = ft_postings_from(p, to, lo + i);
	return start[i];
}

/*
 * Does a skipped list, p[0 .. to - 1] (ascending), hold posting key (of a
 * length of the item's window)?  Only the range of key's length is
 * searched, by interpolation (the ids of one length are spread evenly over
 * the vocabulary): a few probes where a binary search of the whole window
 * took a dozen.  start: len_start's cache of this list.
 */
static bool
skipped_hold(const uint32 *p, int to, int *start, int lo, uint32 key)
{
	int			i = FT_POSTING_LEN(key) - lo;
	int			s = len_start(p, to, start, lo, i);
	int			e = len_start(p, to, start, lo, i + 1);

	/* three probes by interpolation, then bisection (the same answer, whatever the spread) */
	for (int probe = 0; e - s > 8; probe++)
	{
		uint32		a = p[s],
					b = p[e - 1];
		int			mid;

		if (key < a || key > b)
			return false;
		/* (postings of a list are distinct: b > a) */
		mid = probe < 3 ? s + (int) ((uint64) (key - a) * (e - 1 - s) / (b - a)) : s + (e - s) / 2;
		if (p[mid] == key)
			return true;
		if (p[mid] < key)
			s = mid + 1;
		else
			e = mid;
	}
	for (; s < e; s++)
		if (p[s] >= key)
			return p[s] == key;
	return false;
}

/* the vocabulary entry v just found similar enough (sim) to query item qi: its link and names */
static void
link_entry(NameIndex *ix, ScreenQuery *q, int qi, int v, float sim, float unkeyed, uint8 keyeq,
		   bool skeleton, bool abjad_query, Cands *cd)
{
	uint32		qmask = ((1u << q->it.span[qi]) - 1) << q->it.first[qi];

	add_link(ix, q, qi, v, sim, unkeyed, keyeq);
	for (int x = 0; x < ix->vocab[v].nnames; x++)
	{
		int			n = FT_NAMES(ix, v)[x];
		uint32		mark = ix->nmark[n];

		if (FT_NMARK_STAMP(mark) != q->stamp)
		{
			mark = FT_NMARK(q->stamp, 0);
			if (!form_ok(&ix->names[n], skeleton, abjad_query))
			{
				ix->nmark[n] = mark;
				continue;
			}
			if (cd->n == cd->cap)
			{
				cd->cap *= 2;
				cd->c = repalloc_huge(cd->c, cd->cap * sizeof(int));
			}
			cd->c[cd->n++] = n;
		}
		ix->nmark[n] = mark | qmask;
	}
}

/* does p[from .. to - 1] (ascending) hold posting key? */
static bool
holds(const uint32 *p, int from, int to, uint32 key)
{
	while (from < to)
	{
		int			mid = from + (to - from) / 2;

		if (p[mid] == key)
			return true;
		if (p[mid] < key)
			from = mid + 1;
		else
			to = mid;
	}
	return false;
}

/* has query item qi a link to vocabulary entry v already (this query's)? */
static bool
linked(const NameIndex *ix, const ScreenQuery *q, int qi, int v)
{
	for (int l = ft_link_head(ix, q->stamp, v); l >= 0; l = q->links[l].next)
		if (q->links[l].qi == qi)
			return true;
	return false;
}

/*
 * Candidates: names holding a vocabulary item that shares enough trigrams
 * with an item of the query (and is similar to it).  Items made only of
 * particles find no candidates of their own (but in the key search of
 * Hangul and Chinese characters, whose syllables they may be: session 19).
 *
 * An entry sharing need of the item's ng trigrams is found without reading
 * every posting of them: the postings lists of up to need - 2 of the most
 * frequent trigrams (f; only long lists: SKIP_MIN_POSTINGS) are not read;
 * an entry must then share at least need - f of the others, and only those
 * entries are looked up in the f lists (skipped_hold).  The same entries
 * reach need as when every list is counted.
 *
 * tag (a script, FT_KEY_*; 0: none): the key search (key_candidates), by
 * the trigrams of the item's key among the key trigrams of the names
 * written in that script; an entry must share as many of them as for a
 * query of several words (half; a third of a short key), whatever the
 * query's length, and the first (the search is there for the starts the
 * letters do not share), and is linked only once per item.
 */
static void
find_candidates(NameIndex *ix, ScreenQuery *q, bool skeleton, bool abjad_query, int tag, Cands *cd)
{
	/*
	 * the entries the names of this pass hold (form_ok): others lead to no
	 * candidate, and their links would serve none
	 */
	int			list = !skeleton ? FT_LIST_PLAIN :
		abjad_query ? FT_LIST_SKELETON : FT_LIST_ABJAD;
	int			capfound = 256;
	uint32	   *found = palloc(capfound * sizeof(uint32));
	int			capstart = 256;
	int		   *start = palloc(capstart * sizeof(int));

	for (int qi = 0; qi < q->it.n; qi++)
	{
		uint32		g[MAX_TOKLEN * MAX_JOIN + 2];
		char		key[MAX_TOKLEN * MAX_JOIN + 1];
		int			klen = q->it.len[qi];
		int			ng;

		int			need;
		int			f = 0;
		uint32		vst;
		int			lo,
					hi;
		const uint32 *p[MAX_TOKLEN * MAX_JOIN + 2];
		int			from[MAX_TOKLEN * MAX_JOIN + 2];
		int			to[MAX_TOKLEN * MAX_JOIN + 2];
		int			order[MAX_TOKLEN * MAX_JOIN + 2];
		int			nfound = 0;
		int			nlen;

		/*
		 * (a particle or legal form of a Latin query may be a syllable of a
		 * name written in Hangul or Chinese characters: DOO 두, BIN 빈; the
		 * key search of those scripts looks it up too)
		 */
		if (q->it.strong[qi] == 0 && !(tag == FT_KEY_KOREAN || tag == FT_KEY_HAN))
		{
			/* particles match only themselves, and find no candidates */
			int			v = tag != 0 ? -1 : ft_vocab_find(ix, q->it.s[qi], q->forms);

			if (v >= 0)
				add_link(ix, q, qi, v, 1.0f, 1.0f, 0);
			continue;
		}
		/* the key search: the trigrams of the item's key, among the entries of tag */
		if (tag != 0)
		{
			if (q->it.len[qi] > MAX_TOKLEN * MAX_JOIN)
				continue;
			klen = ft_script_key(tag, q->it.s[qi], q->it.len[qi], key);
			ng = ft_key_grams_of(tag, key, klen, g, lengthof(g));
		}
		else
			ng = ft_grams_of(q->it.s[qi], q->it.len[qi], g, lengthof(g));
		ft_len_window(klen, &lo, &hi);

		/*
		 * the key search wants the first trigram among those shared: an
		 * item whose first key trigram no entry holds finds nothing (most
		 * items: the names written in the script are few), and takes no
		 * stamp (the vocabulary's marks are cleared when they wrap)
		 */
		if (tag != 0)
		{
			int			np = 0;

			if (ng > 0)
				(void) ft_gram_postings(ix, g[0], list, &np);
			if (np == 0)
				continue;
		}
		vst = ft_next_vstamp(ix);

		/*
		 * Half the trigrams (a third for short items, and for a query in
		 * Thai letters, whose RTGS reading shares fewer with the names' own
		 * spellings: afichatifong, APICHATPONG): one typo passes.  A name of
		 * one word has nothing else to be found by: any trigram (not in the
		 * key search, which only adds to what the letters found).
		 */
		need = q->strong <= 1 && tag == 0 ? 1 :
			ng <= 5 || (q->nn.thai && tag == 0) ? Max(1, (ng + 1) / 3) : (ng + 1) / 2;

		/* each trigram's postings of entries of lengths lo .. hi; the shortest first */
		for (int k = 0; k < ng; k++)
		{
			int			np;
			int			j;

			p[k] = ft_gram_postings(ix, g[k], list, &np);
			from[k] = ft_postings_from(p[k], np, lo);
			to[k] = hi >= FT_POSTING_LEN(PG_UINT32_MAX) ? np : ft_postings_from(p[k], np, hi + 1);
			for (j = k; j > 0 && to[order[j - 1]] - from[order[j - 1]] > to[k] - from[k]; j--)
				order[j] = order[j - 1];
			order[j] = k;
		}

		/*
		 * The lists skipped: of the longest need - 2, those of more than
		 * SKIP_MIN_POSTINGS postings in the window.  Looking an entry up in
		 * a skipped list costs as much as reading a few dozen postings, and
		 * every entry sharing need - f of the lists read is looked up, so a
		 * shorter list is read (any f up to need - 2 finds the same entries).
		 */
		while (need >= 3 && f < need - 2 &&
			   to[order[ng - 1 - f]] - from[order[ng - 1 - f]] > SKIP_MIN_POSTINGS)
			f++;

		/* the entries sharing need - f of the other trigrams */
		for (int r = 0; r < ng - f; r++)
		{
			/* order[0 .. ng) was filled by the insertion above */
			int			k = order[r];	/* NOLINT(clang-analyzer-core.uninitialized.Assign) */

			CHECK_FOR_INTERRUPTS();
			for (int j = from[k]; j < to[k]; j++)
			{
				int			v = FT_POSTING_V(p[k][j]);
				/* (in 32 bits: a count never reaches 256, nothing to truncate) */
				uint32		mark = ix->vmark[v];

				if (FT_VMARK_STAMP(mark) != vst)
					mark = FT_VMARK(vst, 0);
				ix->vmark[v] = (FtVMark) ++mark;
				if (mark != FT_VMARK(vst, need - f))
					continue;
				if (nfound == capfound)
				{
					capfound *= 2;
					found = repalloc_huge(found, capfound * sizeof(uint32));
				}
				found[nfound++] = p[k][j];
			}
		}

		/* each skipped list's starts of the lengths lo .. hi + 1 (not known yet) */
		nlen = Min(hi, FT_POSTING_LEN(PG_UINT32_MAX)) - lo + 2;
		if (f * nlen > capstart)
		{
			capstart = f * nlen;
			start = repalloc(start, capstart * sizeof(int));
		}
		memset(start, -1, f * nlen * sizeof(int));

		/* ... and of them, those sharing need in all; compared with the item */
		for (int c = 0; c < nfound; c++)
		{
			int			v = FT_POSTING_V(found[c]);
			int			shared = ix->vmark[v] - FT_VMARK(vst, 0);
			float		sim;
			float		unkeyed;
			uint8		keyeq;

			for (int r = ng - f; r < ng && shared < need && shared + (ng - r) >= need; r++)
				if (skipped_hold(p[order[r]], to[order[r]], start + (r - (ng - f)) * nlen, lo,
								 found[c]))
					shared++;
			if (shared < need ||
				(tag != 0 && (!holds(p[0], from[0], to[0], found[c]) || linked(ix, q, qi, v))))
				continue;
			/* (a pair under SIM_FLOOR is dropped here) */
			sim = ft_item_sim(ix, q, qi, v, true, &unkeyed, &keyeq);
			if (sim < SIM_FLOOR)
				continue;
			link_entry(ix, q, qi, v, sim, unkeyed, keyeq, skeleton, abjad_query, cd);
		}
	}
	pfree(found);
	pfree(start);
}

/*
 * The key search (name_index_keys.c): a query in Latin letters looks the
 * keys of its items up among the keys of the names written in each keyed
 * script the lists hold (Hangul, Thai, Greek, Chinese characters;
 * name_index_keys.c says why not Cyrillic, Hebrew or Arabic).  It finds the pairs whose spellings share too few
 * trigrams of the letters (the start differs: BANHARN / banhan, PIYABUTR
 * / piyabut) but whose keys share enough, the first among them; each is
 * then compared as the letters' are (ft_item_sim: by the keys, one side
 * being written in the script).
 */
static void
key_candidates(NameIndex *ix, ScreenQuery *q, Cands *cd)
{
	if (q->nn.abjad || q->nn.hangul || q->nn.thai || q->nn.greek || q->nn.cyrillic)
		return;
	for (int s = 1; s <= FT_NKEYS; s++)
		if (s != FT_KEY_CYRILLIC && (ix->keyed & (1 << s)))
			find_candidates(ix, q, false, false, s, cd);
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
	find_candidates(ix, &q, false, q.nn.abjad, 0, &cd);
	key_candidates(ix, &q, &cd);
	score_candidates(ix, &q, qw, &cd, 0, attrs, min_score, only_entity, est, ex);
	plain = cd.n;
	if (ft_skeleton_pass(ix, &q.nn) && ft_skeleton_name(&q.nn, &sq.nn) > 0)
	{
		prepare_query(ix, &sq, sqw, FT_FORM_SKELETON, &q.nn);
		find_candidates(ix, &sq, true, q.nn.abjad, 0, &cd);
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
