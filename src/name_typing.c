/*-------------------------------------------------------------------------
 *
 * name_typing.c
 *	  Whether a near miss between a query token and a listed one can be a
 *	  typing error at all: the listed token typed with two keyboard slips
 *	  or fewer (ft_typed_within_two), for the scorer's near-miss cost
 *	  (name_weight.c's ft_near_miss_factor).
 *
 * A slip is what fingers do on a keyboard (the model of name_variants.c's
 * ft_slip_sim, any length): a letter replaced by a neighbouring key, a
 * letter left out, a letter added that doubles or touches the one before
 * or after it, two adjacent letters swapped; and one vowel written for
 * another, or v for w, as the spellings of one name do.  The tokens
 * compared are folded (normalize.c: y = i, q = k, ou = u, ph = f, ck = k,
 * dh = d, a final h dropped), so the slips are judged on the letters as
 * they may have been typed: a letter the folding may have taken out costs
 * nothing left out.  Two names a letter or two apart mostly differ otherwise
 * (DARIA / MARIA, SALMA / SALIM, ALEMU / QALEM, SHAHEEN / SHAKEEL), and
 * such a pair is another name more often than the same one mistyped.
 *
 * Memory: two bit tables of the keyboard (26 words each), made once per
 * process, and an edit table of about 8 kB on the stack per call.  No
 * locks, no database access; a token is at most MAX_TOKLEN bytes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fintech.h"
#include "name_score.h"
#include "normalize.h"
#include "translit.h"

/* a slip costs 1; anything else more than two slips together */
#define SLIP_COST	1
#define OTHER_COST	3

/*
 * The letters a folded letter may have been typed as (normalize.c folds
 * y to i, q and ck to k, ph to f), into buf: a slip is judged on the keys
 * the fingers hit.
 */
static const char *
typed_as(char x, char *buf)
{
	switch (x)
	{
		case 'i':
			return "iy";
		case 'k':
			return "kqc";
		case 'f':
			return "fp";
		default:
			buf[0] = x;
			buf[1] = '\0';
			return buf;
	}
}

/* is x typed as y: the same letter, a folded letter as any of its letters? */
static bool
same_key_of(char x, char y)
{
	char		bx[2],
				by[2];

	if (x == y)
		return true;
	for (const char *p = typed_as(x, bx); *p; p++)
		if (strchr(typed_as(y, by), *p) != NULL)
			return true;
	return false;
}

/*
 * Is typing y for x a slip or less: the same key, touching keys, or one
 * vowel for another and v for w, as the spellings of one name write them
 * (HUSSEIN, HOSSEIN; HAMID, HAMED; KARIMOV, KARIMOW)?
 */
static bool
near_keys_of(char x, char y)
{
	char		bx[2],
				by[2];

	if (same_key_of(x, y) || (ft_key_vowel(x) && ft_key_vowel(y)) ||
		(x == 'v' && y == 'w') || (x == 'w' && y == 'v'))
		return true;
	for (const char *p = typed_as(x, bx); *p; p++)
		for (const char *r = typed_as(y, by); *r; r++)
			if (ft_keys_touch(*p, *r))
				return true;
	return false;
}

/*
 * same_key_of and near_keys_of of two letters a-z, as bit masks per letter
 * (made once per process: the keyboard is fixed)
 */
static uint32 same_mask[26],
			near_mask[26];
static bool masks_made = false;

static void
make_masks(void)
{
	for (int x = 0; x < 26; x++)
		for (int y = 0; y < 26; y++)
		{
			if (same_key_of('a' + x, 'a' + y))
				same_mask[x] |= 1u << y;
			if (near_keys_of('a' + x, 'a' + y))
				near_mask[x] |= 1u << y;
		}
	masks_made = true;
}

static inline bool
same_key(char x, char y)
{
	return (same_mask[x - 'a'] >> (y - 'a')) & 1;
}

static inline bool
near_keys(char x, char y)
{
	return (near_mask[x - 'a'] >> (y - 'a')) & 1;
}

/*
 * The listed token c (lc bytes) as it may have been written before
 * normalize.c's folding (ft_fold_token), letter by letter into e, with
 * opt[k] set for a letter the folding may have taken out: an o before u
 * (ou), an h after d or f (dh, ph: f is also typed as p, near_keys), a c
 * before k (ck), an h after a final vowel (USAMAH).  Returns the letters
 * written: two a letter at most, three the last (2 * lc + 1).
 */
static int
unfolded(const char *c, int lc, char *e, bool *opt)
{
	int			n = 0;

	for (int k = 0; k < lc; k++)
	{
		if (c[k] == 'u' || c[k] == 'k')
		{
			e[n] = c[k] == 'u' ? 'o' : 'c';
			opt[n++] = true;
		}
		e[n] = c[k];
		opt[n++] = false;
		if (c[k] == 'd' || c[k] == 'f' || (k == lc - 1 && lc > 3 && ft_key_vowel(c[k])))
		{
			e[n] = 'h';
			opt[n++] = true;
		}
	}
	return n;
}

/*
 * Could the query's folding have taken the letter x out of t (len)
 * between its letters j - 1 and j?
 */
static inline bool
folded_out(char x, const char *t, int len, int j)
{
	switch (x)
	{
		case 'h':
			return j > 0 && (t[j - 1] == 'd' || t[j - 1] == 'f' ||
							 (j == len && len > 3 && ft_key_vowel(t[j - 1])));
		case 'o':
			return j < len && t[j] == 'u';
		case 'c':
			return j < len && t[j] == 'k';
		default:
			return false;
	}
}

/*
 * The cost of typing e (le letters, opt: unfolded's) as t (len): an edit
 * distance where a slip costs SLIP_COST and any other edit OTHER_COST,
 * capped at 9 (only 2 * SLIP_COST or less matters).
 */
static int
typing_cost(const char *t, int len, const char *e, const bool *opt, int le)
{
	uint8		d[2 * MAX_TOKLEN + 2][MAX_TOKLEN + 2];

	/* d[i][j]: e's first i letters typed as t's first j */
	for (int i = 0; i <= le; i++)
	{
		int			row_min = 9;

		for (int j = 0; j <= len; j++)
		{
			int			best = 9;

			if (i == 0 && j == 0)
				best = 0;
			if (i > 0 && j > 0)
				best = Min(best, d[i - 1][j - 1] +
						   (same_key(e[i - 1], t[j - 1]) ? 0 :
							near_keys(e[i - 1], t[j - 1]) ? SLIP_COST : OTHER_COST));
			/*
			 * a letter of e left out: free when the folding may have
			 * taken it out, of the listed token or the query's (an h
			 * after d, f or a final vowel, an o before u, a c before k)
			 */
			if (i > 0)
				best = Min(best, d[i - 1][j] +
						   (opt[i - 1] || folded_out(e[i - 1], t, len, j) ? 0 : SLIP_COST));
			/* t's letter j - 1 added: doubling or touching a letter beside it */
			if (j > 0)
			{
				bool		slip = (j >= 2 && near_keys(t[j - 2], t[j - 1])) ||
					(j < len && near_keys(t[j], t[j - 1]));

				best = Min(best, d[i][j - 1] + (slip ? SLIP_COST : OTHER_COST));
			}
			/* two adjacent letters swapped (letters the folding may have taken out between them left out) */
			if (i >= 2 && j >= 2)
			{
				int			k = i - 2;

				while (k > 0 && opt[k])
					k--;
				if (same_key(e[k], t[j - 1]) && same_key(e[i - 1], t[j - 2]))
					best = Min(best, d[k][j - 2] + SLIP_COST);
			}
			d[i][j] = (uint8) Min(best, 9);
			row_min = Min(row_min, best);
		}
		/*
		 * (every cell of the rows below adds to this row's or an earlier
		 * one's, never less than this row's least: stop)
		 */
		if (row_min > 2 * SLIP_COST)
			return row_min;
	}
	return d[le][len];
}

/*
 * Can the listed token c (lc bytes) typed with two slips or fewer be the
 * query token t (len)?  Both as they may have been typed before the
 * folding (unfolded, folded_out: BNALSHIH, folded bnalshi, for
 * BINALSHIBH).  Tokens of other characters than a-z (numbers) are not
 * judged (true).
 */
bool
ft_typed_within_two(const char *t, int len, const char *c, int lc)
{
	char		e[2 * MAX_TOKLEN + 1] = {0};
	bool		opt[2 * MAX_TOKLEN + 1] = {0};
	int			le;

	if (len > MAX_TOKLEN || lc > MAX_TOKLEN)
		return true;
	for (int k = 0; k < len; k++)
		if (t[k] < 'a' || t[k] > 'z')
			return true;
	for (int k = 0; k < lc; k++)
		if (c[k] < 'a' || c[k] > 'z')
			return true;
	if (!masks_made)
		make_masks();
	le = unfolded(c, lc, e, opt);
	FT_CHECK(le <= 2 * MAX_TOKLEN + 1);
	if (len > le + 2 * SLIP_COST)
		return false;
	return typing_cost(t, len, e, opt, le) <= 2 * SLIP_COST;
}

/*
 * Is the name s (UTF-8, as published) written in Latin letters: no
 * character beyond Latin Extended-B (U+024F) but Latin Extended
 * Additional (U+1E00-U+1EFF, Vietnamese)?  A name in another script is
 * compared through its machine transliteration, whose near misses are
 * no typing errors either.
 */
bool
ft_latin_written(const char *s)
{
	const unsigned char *p = (const unsigned char *) s;

	for (; *p; p++)
	{
		if (*p < 0x80 || (*p & 0xC0) == 0x80)
			continue;
		if (*p >= 0xC2 && *p <= 0xC9)
			continue;			/* U+0080 - U+024F */
		if (*p == 0xE1 && p[1] >= 0xB8 && p[1] <= 0xBB)
			continue;			/* U+1E00 - U+1EFF */
		return false;
	}
	return true;
}
