/*-------------------------------------------------------------------------
 *
 * name_score.c
 *	  The similarity model of screening: token weights, Jaro-Winkler, and
 *	  the score of a query against a listed name.
 *
 * Score of a query Q against a listed name C (ft_score_name): the items of
 * each side are its tokens and the joins of 2 and 3 adjacent tokens (so
 * AL QAIDA = ALQAIDA); item pairs are compared with Jaro-Winkler times a
 * length penalty (ft_tok_sim), the best pairs covering each token at most
 * once are taken greedily, then leftover tokens are compared directly, and
 *
 *	  score = sum(sim * (wq + wc)) /
 *			  (matched weight + 0.7 * unmatched query weight
 *			   + 0.35 * unmatched listed weight)
 *
 * with a token's weight its length times its rarity among the listed
 * names.  Initials, particles (al, bin, de, van ...), titles, legal forms
 * inside a name and patronymics weigh little.  Lopsided matches (one real
 * token of several), disagreeing numbers and disagreeing patronymics
 * score less; short codes are also compared whole.  Identical normalised
 * names score 1.  docs/screening.md ("Matching model") has the whole list; the
 * constants are defined in name_score.h.
 *
 * Bounds: a query has at most MAX_TOKENS tokens, so at most
 * MAX_TOKENS * MAX_JOIN items a side; a score's pairs live on the stack.
 * No memory kept, no locks, no database access.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "name_score.h"
#include "name_words.h"

/*
 * A token's weight: its length, times how rare it is among the listed
 * names (df: names holding it; 0 if none); weak words weigh 1.
 */
float
ft_token_weight(const char *t, int df)
{
	double		idf = df <= 1 ? 1.0 : Max(IDF_MIN, 1.0 - IDF_SLOPE * log((double) df));

	if (ft_word_is_weak(t))
		return WEAK_WEIGHT;
	return (float) (Max(strlen(t), 2) * idf);
}

/* ------------------------------------------------------------------------
 * Jaro-Winkler
 * ------------------------------------------------------------------------
 */
static double
jaro_winkler(const char *a, int la, const char *b, int lb)
{
	bool		ma[MAX_TOKLEN * MAX_JOIN + 4];
	bool		mb[MAX_TOKLEN * MAX_JOIN + 4];
	int			range,
				m = 0,
				t = 0,
				k,
				prefix;
	double		j;

	if (la == lb && memcmp(a, b, la) == 0)
		return 1.0;
	if (la == 0 || lb == 0)
		return 0.0;
	la = Min(la, (int) sizeof(ma) - 1);
	lb = Min(lb, (int) sizeof(mb) - 1);
	range = Max(la, lb) / 2 - 1;
	if (range < 0)
		range = 0;
	memset(ma, 0, la);
	memset(mb, 0, lb);
	for (int i = 0; i < la; i++)
	{
		int			lo = Max(0, i - range),
					hi = Min(lb - 1, i + range);

		for (int x = lo; x <= hi; x++)
			if (!mb[x] && a[i] == b[x])
			{
				ma[i] = mb[x] = true;
				m++;
				break;
			}
	}
	if (m == 0)
		return 0.0;
	k = 0;
	for (int i = 0; i < la; i++)
		if (ma[i])
		{
			while (!mb[k])
				k++;
			if (a[i] != b[k])
				t++;
			k++;
		}
	t /= 2;						/* transpositions: half the out-of-order matches */
	j = ((double) m / la + (double) m / lb + (double) (m - t) / m) / 3.0;
	for (prefix = 0; prefix < Min(4, Min(la, lb)) && a[prefix] == b[prefix]; prefix++)
		;
	return j + prefix * 0.1 * (1.0 - j);
}

/* ------------------------------------------------------------------------
 * Scoring
 * ------------------------------------------------------------------------
 */

/* item pair candidates for the greedy assignment */
typedef struct Pair
{
	float		sim;
	uint8		qi;				/* item index on each side */
	uint8		ci;
	uint8		cover;			/* tokens covered on both sides */
} Pair;

static int
cmp_pair(const void *a, const void *b)
{
	const Pair *x = a,
			   *y = b;

	if (x->sim != y->sim)
		return x->sim > y->sim ? -1 : 1;
	if (x->cover != y->cover)
		return x->cover > y->cover ? -1 : 1;
	return 0;
}

bool
ft_all_digits(const char *s, int len)
{
	for (int i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return len > 0;
}

/*
 * Similarity of two tokens (or joins): Jaro-Winkler, less for unequal
 * lengths; numbers are equal or not at all.
 */
float
ft_tok_sim(const char *a, int la, const char *b, int lb)
{
	double		jw,
				ratio;

	if (ft_all_digits(a, la) && ft_all_digits(b, lb))
		return la == lb && memcmp(a, b, la) == 0 ? 1.0f : 0.0f;
	jw = jaro_winkler(a, la, b, lb);
	ratio = (double) Min(la, lb) / Max(Max(la, lb), 1);
	return (float) (jw * (1.0 - LENGTH_PENALTY * (1.0 - ratio)));
}

static inline bool
pair_ok(float sim, int qspan, int cspan)
{
	return sim >= (qspan > 1 || cspan > 1 ? JOIN_FLOOR : SIM_FLOOR);
}

/*
 * Does the listed name hold patronymics (numbers: numbers) and the query
 * none that agrees with one of them?  Patronymics agree when similar,
 * numbers when equal.
 */
static bool
none_shared(const NameIndex *ix, const ScreenQuery *q, const ListedName *nm, bool numbers)
{
	bool		listed = false,
				shared = false;

	for (int t = 0; t < nm->ntok && !shared; t++)
	{
		const Vocab *v = &ix->vocab[nm->items[t]];

		if (!(numbers ? ft_all_digits(v->s, v->len) : ft_word_is_patronymic(v->s)))
			continue;
		listed = true;
		for (int i = 0; i < q->nn.ntok && !shared; i++)
			shared = numbers ? strcmp(q->nn.tok[i], v->s) == 0 :
				ft_word_is_patronymic(q->nn.tok[i]) &&
				ft_tok_sim(q->nn.tok[i], strlen(q->nn.tok[i]), v->s, v->len) >= SIM_FLOOR;
	}
	return listed && !shared;
}

/* the score of query q against listed name nm */
double
ft_score_name(NameIndex *ix, ScreenQuery *q, ListedName *nm)
{
	Pair		pairs[MAX_TOKENS * MAX_JOIN * MAX_TOKENS * MAX_JOIN];
	int			np = 0;
	uint32		qused = 0,
				cused = 0;
	uint32		qall = (q->nn.ntok >= 32 ? ~0u : (1u << q->nn.ntok) - 1);
	uint32		call = (nm->ntok >= 32 ? ~0u : (1u << nm->ntok) - 1);
	double		num = 0,
				plain = 0,		/* num without the knee */
				mq = 0,
				mc = 0,
				score;
	int			sq = 0,
				sc = 0,
				npairs = 0;

	/* the pairs the index found similar */
	for (int ci = 0; ci < nm->nitems; ci++)
	{
		int			v = nm->items[ci];

		if (ix->vqstamp[v] != q->stamp)
			continue;
		for (int l = ix->vhead[v]; l >= 0 && np < lengthof(pairs); l = q->links[l].next)
		{
			int			qi = q->links[l].qi;

			if (!pair_ok(q->links[l].sim, q->it.span[qi], nm->span[ci]))
				continue;
			/* a join matches a token; two joins only when equal */
			if (q->it.span[qi] > 1 && nm->span[ci] > 1 && q->links[l].sim < 1.0f)
				continue;
			pairs[np].sim = q->links[l].sim;
			pairs[np].qi = qi;
			pairs[np].ci = ci;
			pairs[np].cover = q->it.span[qi] + nm->span[ci];
			np++;
		}
	}

	for (int round = 0; round < 2; round++)
	{
		qsort(pairs, np, sizeof(Pair), cmp_pair);
		for (int p = 0; p < np; p++)
		{
			int			qi = pairs[p].qi,
						ci = pairs[p].ci;
			uint32		qmask = ((1u << q->it.span[qi]) - 1) << q->it.first[qi];
			uint32		cmask = ((1u << nm->span[ci]) - 1) << nm->first[ci];
			Vocab	   *v = &ix->vocab[nm->items[ci]];

			if ((qused & qmask) || (cused & cmask))
				continue;
			qused |= qmask;
			cused |= cmask;
			{
				double		sim = pairs[p].sim;
				double		w = q->it.weight[qi] + v->weight;

				for (int t = q->it.first[qi]; t < q->it.first[qi] + q->it.span[qi]; t++)
					sim *= q->corrected[t];

				plain += sim * w;
				if (sim < KNEE)
					sim -= BETA * (KNEE - sim);
				num += Max(sim, 0.0) * w;
				npairs++;
			}
			mq += q->it.weight[qi];
			mc += v->weight;
			sq += q->it.strong[qi];
			sc += v->strong;
		}
		if (round == 1 || qused == qall || cused == call)
			break;

		/*
		 * Tokens left on both sides: compare them directly (a typo can leave
		 * a token without enough trigrams in common for the index).
		 */
		np = 0;
		for (int qi = 0; qi < q->nn.ntok; qi++)
		{
			if (qused & (1u << qi) || q->it.strong[qi] == 0)
				continue;
			for (int ci = 0; ci < nm->ntok; ci++)
			{
				Vocab	   *v = &ix->vocab[nm->items[ci]];
				float		sim;

				if (cused & (1u << ci) || v->strong == 0)
					continue;
				sim = ft_tok_sim(q->it.s[qi], q->it.len[qi], v->s, v->len);
				if (sim < 1.0f && q->known[qi])
					sim *= (float) (1.0 - KNOWN_PENALTY);
				if (!pair_ok(sim, 1, 1))
					continue;
				pairs[np].sim = sim;
				pairs[np].qi = qi;
				pairs[np].ci = ci;
				pairs[np].cover = 2;
				np++;
			}
		}
		if (np == 0)
			break;
	}
	if (mq == 0)
		score = 0.0;
	else
	{
		/* the knee is for names of several parts, where one near miss among
		 * exact parts is how different people look alike */
		score = (npairs > 1 ? num : plain) /
			(mq + mc + UNMATCHED_Q * (q->weight - mq) + UNMATCHED_C * (nm->weight - mc));

		/*
		 * Lopsided: one side matched by a single real token while the other
		 * has real tokens left over.
		 */
		if ((Min(sq, sc) <= 1) && (sq < q->strong || sc < nm->strong))
			score *= LOPSIDED;
		/*
		 * Different patronymics are different fathers: IVANOV, Sergey
		 * Petrovich is not Sergey Nikolayevich Ivanov.
		 */
		if (q->patronymics > 0 && none_shared(ix, q, nm, false))
			score *= FATHER_MISMATCH;
		/* "VESSEL 7" is not "VESSEL 9": numbers on both sides, none shared */
		if (q->numbers > 0 && none_shared(ix, q, nm, true))
			score *= NUMBER_MISMATCH;
	}

	/*
	 * Short codes (aircraft registrations such as EP-MNU): a typo there
	 * changes a whole part, so they are also compared as one string.
	 */
	if (score < 1.0 && q->nn.ntok <= MAX_JOIN && nm->ntok <= MAX_JOIN &&
		(q->nn.ntok > 1 || nm->ntok > 1) && q->joined_len <= SHORT_CODE)
	{
		for (int ci = nm->ntok; ci < nm->nitems; ci++)
			if (nm->first[ci] == 0 && nm->span[ci] == nm->ntok)
			{
				Vocab	   *v = &ix->vocab[nm->items[ci]];

				bool		parts_short = true;

				for (int t = 0; t < nm->ntok; t++)
					parts_short &= ix->vocab[nm->items[t]].len <= SHORT_PART;
				if (v->len <= SHORT_CODE && parts_short)
					score = Max(score, ft_tok_sim(q->joined, q->joined_len, v->s, v->len));
			}
	}
	return Min(score, 1.0);
}

/*
 * A query token the lists do not know that is a near miss of a known
 * transliteration variant (Mohammef, Moahmmed) stands for that variant's
 * name: the listed names hold the canonical spelling, which is further
 * from the typo than the spelling the typo came from.
 */
void
ft_misspelt_variants(const NameIndex *ix, NormName *nn, float *corrected)
{
	for (int i = 0; i < nn->ntok; i++)
	{
		const char *t = nn->tok[i];
		int			len = strlen(t);
		double		best = VARIANT_TYPO;
		int			which = -1;

		corrected[i] = 1.0f;
		if (len < 5 || ft_vocab_find(ix, t) >= 0)
			continue;
		for (int k = 0; k < ft_name_variants.n; k++)
		{
			const char *w = ft_name_variants.word[k];
			double		sim;

			if (w[0] != t[0] || strchr(ft_name_variants.repl[k], ' ') != NULL)
				continue;
			sim = ft_tok_sim(t, len, w, strlen(w));
			if (sim > best)
			{
				best = sim;
				which = k;
			}
		}
		if (which >= 0)
		{
			/* matches of it count as much as the near miss was near */
			nn->tok[i] = (char *) ft_name_variants.repl[which];
			corrected[i] = (float) best;
		}
	}
}

