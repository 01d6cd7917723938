/*-------------------------------------------------------------------------
 *
 * name_typing.c
 *	  Typing errors: whether a near miss between a query token and a
 *	  listed one can be a typing error at all, the listed token typed with
 *	  two keyboard slips or fewer (ft_typed_within_two), for the scorer's
 *	  near-miss cost (name_weight.c's ft_near_miss_factor); and ft_slip_sim,
 *	  a query token one keyboard slip away from a listed one (a
 *	  neighbouring key, a letter doubled or left out, two swapped), or two
 *	  slips when both are 8 letters or more, with ft_other_form, another
 *	  form of a name rather than a slip (moved from name_variants.c,
 *	  session 21), and ft_keys_touch.
 *
 * A slip is what fingers do on a keyboard (the model of ft_slip_sim, any
 * length): a letter replaced by a neighbouring key, a
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
#include "name_words.h"
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
 * Is typing y for x a keyboard slip proper: the same key, or keys that
 * touch (of the letters a folded letter may have been typed as), not one
 * vowel for another (ft_typed_slip_sim)?
 */
static bool
keys_slip_of(char x, char y)
{
	char		bx[2],
				by[2];

	if (same_key_of(x, y))
		return true;
	for (const char *p = typed_as(x, bx); *p; p++)
		for (const char *r = typed_as(y, by); *r; r++)
			if (ft_keys_touch(*p, *r))
				return true;
	return false;
}

/*
 * Is typing y for x a slip or less: a keyboard slip proper, or one vowel
 * for another and v for w, as the spellings of one name write them
 * (HUSSEIN, HOSSEIN; HAMID, HAMED; KARIMOV, KARIMOW)?
 */
static bool
near_keys_of(char x, char y)
{
	return keys_slip_of(x, y) || (ft_key_vowel(x) && ft_key_vowel(y)) ||
		(x == 'v' && y == 'w') || (x == 'w' && y == 'v');
}

/*
 * same_key_of, near_keys_of and keys_slip_of of two letters a-z, as bit masks per letter
 * (made once per process: the keyboard is fixed)
 */
static uint32 same_mask[26],
			near_mask[26],
			slip_mask[26];
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
			if (keys_slip_of('a' + x, 'a' + y))
				slip_mask[x] |= 1u << y;
		}
	masks_made = true;
}

static inline bool
same_key(char x, char y)
{
	return (same_mask[x - 'a'] >> (y - 'a')) & 1;
}

static inline bool
near_keys_in(const uint32 *mask, char x, char y)
{
	return (mask[x - 'a'] >> (y - 'a')) & 1;
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
 * capped at 9 (only 2 * SLIP_COST or less matters); mask says which
 * letter typed for which is a slip (near_mask or slip_mask).
 */
static int
typing_cost(const char *t, int len, const char *e, const bool *opt, int le,
			const uint32 *mask)
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
							near_keys_in(mask, e[i - 1], t[j - 1]) ? SLIP_COST : OTHER_COST));
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
				bool		slip = (j >= 2 && near_keys_in(mask, t[j - 2], t[j - 1])) ||
					(j < len && near_keys_in(mask, t[j], t[j - 1]));

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
	return typing_cost(t, len, e, opt, le, near_mask) <= 2 * SLIP_COST;
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

/*
 * Keys that touch on a QWERTY keyboard (the rows staggered as usual: a
 * touches q w s z); also name_typing.c's.
 */
bool
ft_keys_touch(char x, char y)
{
	static const char *const rows[3] = {"qwertyuiop", "asdfghjkl", "zxcvbnm"};
	int			rx = -1,
				ry = -1,
				ix = 0,
				iy = 0;

	for (int r = 0; r < 3; r++)
	{
		const char *p;

		if ((p = strchr(rows[r], x)) != NULL && x != '\0')
			rx = r, ix = p - rows[r];
		if ((p = strchr(rows[r], y)) != NULL && y != '\0')
			ry = r, iy = p - rows[r];
	}
	if (rx < 0 || ry < 0)
		return false;
	if (rx == ry)
		return abs(ix - iy) == 1;
	if (abs(rx - ry) != 1)
		return false;
	/* the lower row is shifted right: its key i sits under keys i and i + 1 */
	if (rx > ry)
		return iy == ix || iy == ix + 1;
	return ix == iy || ix == iy + 1;
}

/*
 * one_slip's test of the letters where t and c part (at i, the length of
 * their common start), whatever the letters are
 */
static bool
slip_at(const char *t, int len, const char *c, int lc, int i)
{
	if (len == lc)
	{
		if (i == len)
			return false;		/* equal */
		/* one letter replaced by a neighbouring key */
		if (memcmp(t + i + 1, c + i + 1, len - i - 1) == 0)
			return ft_keys_touch(t[i], c[i]);
		/* two adjacent letters swapped */
		return i + 1 < len && t[i] == c[i + 1] && t[i + 1] == c[i] &&
			memcmp(t + i + 2, c + i + 2, len - i - 2) == 0;
	}
	if (len > lc)
	{
		/* t has a letter more, at i: doubled, or a neighbouring key */
		if (memcmp(t + i + 1, c + i, lc - i) != 0)
			return false;
		if (i == len - 1 && ft_key_vowel(t[i]))
			return false;
		return (i > 0 && (t[i - 1] == t[i] || ft_keys_touch(t[i - 1], t[i]))) ||
			(i + 1 < len && (t[i + 1] == t[i] || ft_keys_touch(t[i + 1], t[i])));
	}
	/* c has a letter more, at i: left out of t */
	if (memcmp(t + i, c + i + 1, len - i) != 0)
		return false;
	return !(i == lc - 1 && ft_key_vowel(c[i]));
}

/*
 * Is the query token t (len) one keyboard slip away from the listed token
 * c (lc): a neighbouring key hit for a letter, a letter doubled or
 * added by a neighbouring key, a letter left out, or two adjacent letters
 * swapped?  A vowel added or left out at the end is not a slip: it makes
 * another form of a name (DANIEL, DANIELA; AHMAD, AHMADI).
 */
static bool
one_slip(const char *t, int len, const char *c, int lc)
{
	int			i = 0;

	if (Min(len, lc) < 3 || abs(len - lc) > 1)
		return false;
	while (i < len && i < lc && t[i] == c[i])
		i++;

	/*
	 * letters only: numbers are equal or not at all, other scripts have no
	 * keys here (looked at last: most pairs the candidate search brings here
	 * are no slip apart, which the test of where they part tells first)
	 */
	return slip_at(t, len, c, lc, i) && ft_all_letters(t, len) && ft_all_letters(c, lc);
}

/*
 * How far apart the letters of t (len) and c (lc) are, counted: the sum
 * over a-z of the difference of their counts, -1 when either holds
 * anything but a-z.  A slip changes it by 2 at most, a letter added or
 * left out by 1: a quick test that most pairs the candidate search
 * brings to two_slips and ft_typed_slip_sim do not pass.
 */
static int
count_distance(const char *t, int len, const char *c, int lc)
{
	int			h[26] = {0};
	int			d = 0;

	for (int k = 0; k < len; k++)
	{
		if (t[k] < 'a' || t[k] > 'z')
			return -1;
		h[t[k] - 'a']++;
	}
	for (int k = 0; k < lc; k++)
	{
		if (c[k] < 'a' || c[k] > 'z')
			return -1;
		h[c[k] - 'a']--;
	}
	for (int k = 0; k < 26; k++)
		d += abs(h[k]);
	return d;
}

/*
 * Is the query token t (len) two keyboard slips away from the listed token
 * c (lc), both of TWO_SLIP_LEN letters or more?  Any way of writing c as
 * t by two slips has to mend the first letter where they differ, at i:
 * the letter there replaced, swapped with the next, added or left out.
 * Each of the four strings u that mends it (within MAX_TOKLEN + 2 bytes)
 * is tried as the step between: t one slip from u (one_slip) and u one
 * slip from c.
 */
static bool
two_slips(const char *t, int len, const char *c, int lc)
{
	char		u[MAX_TOKLEN + 3];
	int			i = 0;
	int			d;

	if (Min(len, lc) < TWO_SLIP_LEN || abs(len - lc) > 2 || Max(len, lc) > MAX_TOKLEN + 1)
		return false;
	/* (first the letters counted: two slips change the counts by 4 at most) */
	d = count_distance(t, len, c, lc);
	if (d < 0 || d > 4)
		return false;
	while (i < len && i < lc && t[i] == c[i])
		i++;
	if (i == len || i == lc)
		return false;		/* one is the other's start: at most two left out or added */
	/* t[i] replaced by c[i] */
	memcpy(u, t, len);
	u[i] = c[i];
	if (one_slip(t, len, u, len) && one_slip(u, len, c, lc))
		return true;
	/* t[i] and t[i + 1] swapped */
	if (i + 1 < len)
	{
		memcpy(u, t, len);
		u[i] = t[i + 1];
		u[i + 1] = t[i];
		if (one_slip(t, len, u, len) && one_slip(u, len, c, lc))
			return true;
	}
	/* t[i] added to what was meant */
	memcpy(u, t, i);
	memcpy(u + i, t + i + 1, len - i - 1);
	if (one_slip(t, len, u, len - 1) && one_slip(u, len - 1, c, lc))
		return true;
	/* c[i] left out of t */
	memcpy(u, t, i);
	u[i] = c[i];
	memcpy(u + i + 1, t + i, len - i);
	return one_slip(t, len, u, len + 1) && one_slip(u, len + 1, c, lc);
}

/*
 * Are query token t (len) and listed token c (lc) two forms of a name
 * rather than one misspelt, which the score counts GENDERED_LOSS less
 * (name_score.c)?  Two spellings that differ only in a final a against o
 * (FERNANDA, FERNANDO; ALEJANDRA, ALEJANDRO) are the feminine and
 * masculine forms of a name: more often two people than one misspelt
 * (MADURA for MADURO is a typing error).  And when vowel_added (a query
 * written in Latin letters), t being c with a vowel added at its end that
 * no keyboard slip makes (the vowel's key does not touch the last
 * letter's): DANIELA is DANIEL's feminine form, AHMADI the name made of
 * AHMAD, while a typing error seldom adds a letter the fingers were not
 * near.  (A final vowel of c left out of t is left alone: dropping a last
 * letter is a common typing error, and NARZIEV is NARZIEVA misspelt as
 * often as not.)
 */
bool
ft_other_form(const char *t, int len, const char *c, int lc, bool vowel_added)
{
	if (len == lc && len >= 4 && memcmp(t, c, len - 1) == 0)
		return (t[len - 1] == 'a' && c[lc - 1] == 'o') || (t[len - 1] == 'o' && c[lc - 1] == 'a');
	return vowel_added && len == lc + 1 && lc >= 4 && ft_key_vowel(t[lc]) &&
		!ft_key_vowel(c[lc - 1]) && memcmp(t, c, lc) == 0 && !ft_keys_touch(c[lc - 1], t[lc]);
}

/*
 * The similarity of a query token to a listed one as a typing error:
 * SLIP_SIM when the query token is one keyboard slip away (one_slip),
 * TWO_SLIP_SIM when it is two slips away and both are long (two_slips),
 * else 0.  Jaro-Winkler with its length penalty scores a slip in a short
 * word (OMA for HOMA, MAIA for MARIA, IVENT for INVENT) below the
 * threshold, and a slip in a word of any length below the knee, while
 * two names that differ in one letter mostly differ by one that is not a
 * slip (MARIA, DARIA).  Only for tokens as written (not skeletons).
 */
float
ft_slip_sim(const char *t, int len, const char *c, int lc)
{
	if (one_slip(t, len, c, lc))
		return (float) SLIP_SIM;
	return two_slips(t, len, c, lc) ? (float) TWO_SLIP_SIM : 0.0f;
}

/*
 * ft_slip_sim on the letters as typed: SLIP_SIM when the listed token c
 * (lc) typed with one keyboard slip can be the query token t (len), both
 * as they may have been written before the folding (unfolded,
 * folded_out), TWO_SLIP_SIM with two slips when both are TWO_SLIP_LEN
 * letters or more; else 0.  The folding hides slips: ALEH typed AELH
 * (folded ale, aelh), DEHGHAN typed DHGHAN (dehgan, dgan), FILOFEIA typed
 * RILOFEIQ (q folded to k, which does not touch a).  Only slips proper
 * (slip_mask: no vowel for another), and a vowel added or left out at
 * the end is no slip, as for ft_slip_sim; nor are two syllables of the
 * kind Chinese and Korean names are made of (LAN, FAN: f may be ph typed,
 * and p touches l), which differ by a letter as different names do.  Run
 * where ft_slip_sim found none (name_item_sim.c).
 */
float
ft_typed_slip_sim(const char *t, int len, const char *c, int lc)
{
	char		e[2 * MAX_TOKLEN + 1] = {0};
	bool		opt[2 * MAX_TOKLEN + 1] = {0};
	int			d,
				le,
				cost;

	if (Min(len, lc) < 3 || len > MAX_TOKLEN || lc > MAX_TOKLEN || abs(len - lc) > 3)
		return 0.0f;
	/*
	 * (letters only; first the letters counted: two slips change the
	 * counts by 4 at most and a letter the folding took out by 1 more)
	 */
	d = count_distance(t, len, c, lc);
	if (d < 0 || d > 4 * SLIP_COST + 1)
		return 0.0f;
	/* (another form of the name: a vowel added or left out at the end) */
	if ((len == lc + 1 && ft_key_vowel(t[lc]) && memcmp(t, c, lc) == 0) ||
		(lc == len + 1 && ft_key_vowel(c[len]) && memcmp(t, c, len) == 0))
		return 0.0f;
	if (ft_word_is_syllable(t, len) && ft_word_is_syllable(c, lc))
		return 0.0f;
	if (!masks_made)
		make_masks();
	le = unfolded(c, lc, e, opt);
	FT_CHECK(le <= 2 * MAX_TOKLEN + 1);
	if (len > le + 2 * SLIP_COST)
		return 0.0f;
	cost = typing_cost(t, len, e, opt, le, slip_mask);
	if (cost <= SLIP_COST)
		return (float) SLIP_SIM;
	if (cost <= 2 * SLIP_COST && Min(len, lc) >= TWO_SLIP_LEN)
		return (float) TWO_SLIP_SIM;
	return 0.0f;
}

/*
 * The Arabic article al (or ul) with a letter added by a keyboard slip,
 * a letter doubled or a neighbouring key (AOL-FIRAS for AL-FIRAS, ALL):
 * query token i, 3 letters the lists do not hold, is read as the article.
 * Its error is not counted (ft_misspelt_variants' corrected stays 1): the
 * article weighs little, and a join holding it would pay for the whole.
 */
void
ft_article_slip(NormName *nn, int i)
{
	static const char *const articles[] = {"al", "ul"};
	const char *t = nn->tok[i];

	if (!ft_all_letters(t, 3))
		return;
	for (int k = 0; k < lengthof(articles); k++)
	{
		int			p = t[0] != articles[k][0] ? 0 : t[1] != articles[k][1] ? 1 : 2;

		if (slip_at(t, 3, articles[k], 2, p))
		{
			nn->tok[i] = (char *) articles[k];
			return;
		}
	}
}
