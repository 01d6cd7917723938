/*-------------------------------------------------------------------------
 *
 * name_similarity.c
 *	  The similarity of two tokens of a name (ft_tok_sim): Jaro-Winkler
 *	  less a penalty for unequal lengths, numbers equal or not at all; the
 *	  same stopping early for a caller that drops pairs under SIM_FLOOR
 *	  (ft_tok_sim_floor); and the bounds that let the candidate search and
 *	  the score skip pairs that cannot reach SIM_FLOOR (ft_sim_bound,
 *	  ft_len_window).  name_score.c builds a name's score from these.
 *
 * Bounds: strings of at most MAX_TOKLEN * MAX_JOIN bytes (a query's items
 * and the vocabulary's entries); everything on the stack or in static
 * tables sized by that length.  No locks, no database access.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "port/pg_bitutils.h"

#include "fintech.h"
#include "name_score.h"

/* ------------------------------------------------------------------------
 * Jaro-Winkler
 * ------------------------------------------------------------------------
 */

/*
 * Each letter of a, in order, matches the first unmatched equal letter of
 * b within range of its position; t counts the matched letters out of
 * order (halved).  The general form, for strings of any length.
 */
static void
jaro_matches(const char *a, int la, const char *b, int lb, int range, int *m, int *t)
{
	bool		ma[MAX_TOKLEN * MAX_JOIN + 4];
	bool		mb[MAX_TOKLEN * MAX_JOIN + 4];
	int			k = 0;

	*m = 0;
	*t = 0;
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
				(*m)++;
				break;
			}
	}
	if (*m == 0)
		return;
	for (int i = 0; i < la; i++)
		if (ma[i])
		{
			while (!mb[k])
				k++;
			if (a[i] != b[k])
				(*t)++;
			k++;
		}
	*t /= 2;
}

/*
 * The same for strings of at most 64 bytes, a word of bits at a time: the
 * positions of each letter in b are a bit mask, so "the first unmatched
 * equal letter within range" is the lowest bit of (positions of the letter
 * & ~matched & range), the same choice as the loop above makes.  need
 * (0: none): false as soon as fewer than need letters of a can still
 * match (*m and *t not set then).
 */
static bool
jaro_matches64(const char *a, int la, const char *b, int lb, int range, int need, int *m, int *t)
{
	int			missed = 0;

	/* positions of each byte in b; only b's bytes are set, and cleared after */
	static uint64 pos[256];
	uint64		amatched = 0,
				bmatched = 0;
	uint64		inb = lb == 64 ? ~UINT64CONST(0) : (UINT64CONST(1) << lb) - 1;
	uint64		span = (UINT64CONST(1) << (2 * range + 1)) - 1;	/* (range < 32) */

	*m = 0;
	for (int x = 0; x < lb; x++)
		pos[(uint8) b[x]] |= UINT64CONST(1) << x;
	for (int i = 0; i < la; i++)
	{
		/* b's positions i - range .. i + range */
		uint64		window = (i >= range ? span << (i - range) : span >> (range - i)) & inb;
		uint64		c = pos[(uint8) a[i]] & ~bmatched & window;

		if (c != 0)
		{
			bmatched |= c & (~c + 1);	/* its lowest bit */
			amatched |= UINT64CONST(1) << i;
			(*m)++;
		}
		else if (++missed > la - need)
		{
			for (int x = 0; x < lb; x++)
				pos[(uint8) b[x]] = 0;
			return false;
		}
	}
	for (int x = 0; x < lb; x++)
		pos[(uint8) b[x]] = 0;
	*t = 0;
	/* the k-th matched letter of a against the k-th matched letter of b */
	while (amatched != 0)
	{
		if (a[pg_rightmost_one_pos64(amatched)] != b[pg_rightmost_one_pos64(bmatched)])
			(*t)++;
		amatched &= amatched - 1;
		bmatched &= bmatched - 1;
	}
	*t /= 2;
	return true;
}

/*
 * Jaro-Winkler of a and b; need (0: none): -1 when fewer than need
 * letters can match (strings of at most 64 bytes; longer ones are worked
 * out whole)
 */
static double
jaro_winkler(const char *a, int la, const char *b, int lb, int need)
{
	int			range,
				m,
				t,
				prefix;
	double		j;

	if (la == lb && memcmp(a, b, la) == 0)
		return 1.0;
	if (la == 0 || lb == 0)
		return 0.0;
	la = Min(la, MAX_TOKLEN * MAX_JOIN + 3);
	lb = Min(lb, MAX_TOKLEN * MAX_JOIN + 3);
	range = Max(la, lb) / 2 - 1;
	if (range < 0)
		range = 0;
	if (la <= 64 && lb <= 64)
	{
		if (!jaro_matches64(a, la, b, lb, range, need, &m, &t))
			return -1.0;
#ifdef FINTECH_CHECKS
		{
			int			m2,
						t2;

			jaro_matches(a, la, b, lb, range, &m2, &t2);
			FT_CHECK(m == m2 && t == t2);
		}
#endif
	}
	else
		jaro_matches(a, la, b, lb, range, &m, &t);
	if (m == 0)
		return 0.0;
	j = ((double) m / la + (double) m / lb + (double) (m - t) / m) / 3.0;
	for (prefix = 0; prefix < Min(4, Min(la, lb)) && a[prefix] == b[prefix]; prefix++)
		;
	return j + prefix * 0.1 * (1.0 - j);
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
	jw = jaro_winkler(a, la, b, lb, 0);
	ratio = (double) Min(la, lb) / Max(Max(la, lb), 1);
	return (float) (jw * (1.0 - LENGTH_PENALTY * (1.0 - ratio)));
}

/*
 * The fewest matched letters with which strings of la and lb bytes can
 * reach SIM_FLOOR in ft_tok_sim: with no transposition and the longest
 * prefix Jaro-Winkler counts, less the length penalty (as ft_sim_bound,
 * for m letters matched), less a margin for rounding; 0: no bound.
 * Worked out once per pair of lengths (a static table, 37 kB).
 */
static int
matches_for_floor(int la, int lb)
{
	static uint8 cache[MAX_TOKLEN * MAX_JOIN + 1][MAX_TOKLEN * MAX_JOIN + 1];

	if (la < 1 || lb < 1 || la > MAX_TOKLEN * MAX_JOIN || lb > MAX_TOKLEN * MAX_JOIN)
		return 0;
	if (cache[la][lb] == 0)
	{
		int			lo = Min(la, lb),
					hi = Max(la, lb),
					m;
		double		lf = 1.0 - LENGTH_PENALTY * (1.0 - (double) lo / hi);

		for (m = 0; m <= lo; m++)
		{
			double		j = ((double) m / la + (double) m / lb + 1.0) / 3.0;

			if ((j + Min(4, lo) * 0.1 * (1.0 - j)) * lf >= SIM_FLOOR - 1e-6)
				break;
		}
		cache[la][lb] = (uint8) (m + 1);
	}
	return cache[la][lb] - 1;
}

/*
 * matches_for_floor for strings of at most 64 bytes (the only ones whose
 * Jaro-Winkler can stop early) that share their first prefix letters (0
 * to 4, as Jaro-Winkler counts them): the same bound with that prefix in
 * place of the longest one.  Most pairs the candidate search compares
 * differ in their first letters, and without the prefix's lift each needs
 * more letters matched (two 12-letter tokens 8 instead of 6), so a pair
 * that cannot reach SIM_FLOOR is given up after fewer of its letters.
 * Worked out once per lengths and prefix (a static table, 21 kB).
 */
static int
matches_for_floor_prefix(int la, int lb, int prefix)
{
	static uint8 cache[65][65][5];

	if (la < 1 || lb < 1 || la > 64 || lb > 64 || prefix < 0 || prefix > 4)
		return matches_for_floor(la, lb);
	if (cache[la][lb][prefix] == 0)
	{
		int			lo = Min(la, lb),
					hi = Max(la, lb),
					m;
		double		lf = 1.0 - LENGTH_PENALTY * (1.0 - (double) lo / hi);

		for (m = 0; m <= lo; m++)
		{
			double		j = ((double) m / la + (double) m / lb + 1.0) / 3.0;

			if ((j + prefix * 0.1 * (1.0 - j)) * lf >= SIM_FLOOR - 1e-6)
				break;
		}
		cache[la][lb][prefix] = (uint8) (m + 1);
	}
	return cache[la][lb][prefix] - 1;
}

/*
 * ft_tok_sim for a caller that drops a pair under SIM_FLOOR (whatever
 * else it would do with it): the same when it is SIM_FLOOR or more, else
 * 0, Jaro-Winkler stopping as soon as too few letters are left to match
 * to reach it (matches_for_floor_prefix: the pair's own common prefix,
 * which Jaro-Winkler counts, is known before any letter is matched).
 * Most pairs the candidate search compares are under it.
 */
float
ft_tok_sim_floor(const char *a, int la, const char *b, int lb)
{
	double		jw,
				ratio;
	float		sim;
	int			prefix;

	if (ft_all_digits(a, la) && ft_all_digits(b, lb))
		return la == lb && memcmp(a, b, la) == 0 ? 1.0f : 0.0f;
	/* (jaro_winkler's prefix: at most 4 letters, within the shorter string) */
	for (prefix = 0; prefix < Min(4, Min(la, lb)) && a[prefix] == b[prefix]; prefix++)
		;
	jw = jaro_winkler(a, la, b, lb, matches_for_floor_prefix(la, lb, prefix));
	if (jw < 0)
		sim = 0.0f;
	else
	{
		ratio = (double) Min(la, lb) / Max(Max(la, lb), 1);
		sim = (float) (jw * (1.0 - LENGTH_PENALTY * (1.0 - ratio)));
	}
	FT_CHECK(sim == ft_tok_sim(a, la, b, lb) ||
			 (sim == 0.0f && ft_tok_sim(a, la, b, lb) < SIM_FLOOR));
	return sim;
}

/*
 * The highest similarity ft_tok_sim can give strings of la
 * and lb bytes, whatever their letters: Jaro-Winkler with every letter of
 * the shorter one matched, no transposition and the longest common prefix
 * it counts, less its length penalty.  (Numbers of unequal lengths get 0.)
 */
double
ft_sim_bound(int la, int lb)
{
	int			lo = Min(la, lb),
				hi = Max(la, lb);
	double		j,
				jw;

	if (lo == hi)
		return 1.0;
	if (lo == 0)
		return 0.0;
	j = ((double) lo / la + (double) lo / lb + 1.0) / 3.0;
	jw = j + Min(4, lo) * 0.1 * (1.0 - j);
	return jw * (1.0 - LENGTH_PENALTY * (1.0 - (double) lo / hi));
}

/*
 * The lengths of the vocabulary entries an item of len bytes can be
 * similar to (sim >= SIM_FLOOR): [*lo, *hi].  The bound falls as lengths
 * part, so the lengths form one range; a margin keeps rounding on the side
 * of comparing.  The candidate search does not even count entries outside
 * it, nor does the score compare leftover tokens outside it (but for
 * those the script keys compare, which write several letters as one:
 * name_score.c's keyed_pair): skipping them changes no result.
 */
void
ft_len_window(int len, int *lo, int *hi)
{
	static int	wlo[MAX_TOKLEN * MAX_JOIN + 1];
	static int	whi[MAX_TOKLEN * MAX_JOIN + 1];

	if (len < 1 || len > MAX_TOKLEN * MAX_JOIN)
	{
		*lo = 0;
		*hi = PG_INT32_MAX;
		return;
	}
	if (whi[len] == 0)
	{
		int			l = len,
					h = len;

		while (l > 1 && ft_sim_bound(len, l - 1) >= SIM_FLOOR - 1e-4)
			l--;
		while (h < MAX_TOKLEN * MAX_JOIN && ft_sim_bound(len, h + 1) >= SIM_FLOOR - 1e-4)
			h++;
		wlo[len] = l;
		whi[len] = h;
	}
	*lo = wlo[len];
	*hi = whi[len];
}
