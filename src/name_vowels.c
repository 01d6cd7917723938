/*-------------------------------------------------------------------------
 *
 * name_vowels.c
 *	  The vowel letters of a name written in Arabic or Hebrew letters
 *	  against a Latin spelling, in the consonant-skeleton pass
 *	  (ft_vowel_letters_differ): two parts whose skeletons are equal are
 *	  still two names when the letters that script writes for its long
 *	  vowels, and for the consonants w and y, find no vowel in the Latin
 *	  spelling where they stand (session 24).
 *
 * Arabic and Hebrew leave the short vowels unwritten, but not the long
 * ones: alef (a), waw and vav (u, o, or the consonant w, v), yeh and yod
 * (i, e, or the consonant y); ICU writes them a, w and y (the fold y as
 * i).  A Latin spelling of the name writes a vowel where they stand: يونس
 * (ywns) is YUNUS or YOUNES, not WANUS; מאור לוי (m'wr lwy) is MAOR LEVI,
 * not Ali Omar; يشكر (yshkr) is YASHKUR, not ASHQAR; كوثر (kwthr) is
 * KAWTHAR or KOUSAR, not QASSAR.  The skeletons drop every vowel, so the
 * pairs were equal.  What stays loose, as the spellings are: a word's
 * first alef (a seat for any vowel, or none: BRAHIM for ابراهيم), a
 * final alef or ta marbuta (-a, -ah, -at, or nothing) and a final waw
 * (the silent waw of عمرو, AMR); vowels between a doubled consonant that
 * the skeleton writes once (HASNAIN, hsn) may stand for either gap; and
 * a part whose skeleton is not that of its letters alone (the article,
 * the compounds of Allah and al-Din) is not judged.  Only the abjad
 * side's vowel letters are read: the Latin spelling writes short vowels
 * the script leaves out.
 *
 * And a name written in Hebrew letters tells apart two pairs of letters
 * the skeleton writes alike: dalet (d) and zayin or tsade (z, tz), which
 * the skeleton writes d for the Arabic letters said d or z (dad, dhal, za:
 * FADL, FAZL) -- אדם is ADAM, not AZAM; and kaf or qof before he or het
 * (kh, two letters: כהן COHEN, KAHANE), which a Latin kh written together
 * is not (one letter, het or kaf said so: KHAN).
 *
 * Pure functions of the two names' tokens (bounded by their lengths); no
 * memory kept, no locks, no database access.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fintech.h"
#include "name_score.h"
#include "screening.h"

/* the letters of a gap between two consonants of a skeleton */
#define GAP_A		1			/* a */
#define GAP_E		2			/* e */
#define GAP_I		4			/* i (y folded) */
#define GAP_W		8			/* o, u, w, v */
#define GAP_EITHER	16			/* inside a doubled consonant written once */

/* the letter a skeleton's d was written with */
#define D_FROM_D	1			/* d, dh */
#define D_FROM_Z	2			/* z, tz */

static uint8
gap_letter(char c)
{
	return c == 'a' ? GAP_A : c == 'e' ? GAP_E : c == 'i' || c == 'y' ? GAP_I : GAP_W;
}

/*
 * Token t's consonant skeleton as ft_skeleton_name writes a token alone
 * (its letters only: no article, compound or construct state), into sk,
 * and in gap[k] the vowel letters before consonant k (gap[n]: after the
 * last), in dz[k] the letter a d was written with (D_FROM_*; 0 for other
 * consonants); returns n, the consonants, or -1 when t is too long.
 */
static int
skeleton_gaps(const char *t, char *sk, uint8 *gap, uint8 *dz)
{
	int			len = strlen(t);
	int			n = 0;

	if (len > MAX_TOKLEN)
		return -1;
	gap[0] = 0;
	for (int i = 0; i < len; i++)
	{
		char		c = t[i];
		uint8		from = c == 'z' ? D_FROM_Z : c == 'd' ? D_FROM_D : 0;

		if (strchr("aeiouywv", c) != NULL)
		{
			/* (a final i is the skeleton's y, below) */
			if (!(c == 'i' && i == len - 1 && n > 0 && len >= 2))
				gap[n] |= gap_letter(c);
			continue;
		}
		if ((c == 'd' && t[i + 1] == 'j') || (c == 't' && t[i + 1] == 'z'))
			continue;
		if (c == 'c' && (t[i + 1] == 'h' || t[i + 1] == 'e' || t[i + 1] == 'i'))
			c = 's';
		else if (c == 'g' && t[i + 1] != 'h')
			c = 'j';
		else if (c == 'z')
			c = 'd';
		else if (c == 't' && t[i + 1] == 'h' && t[i + 2] != '\0')
		{
			c = 's';
			i++;
		}
		else if (c == 'd' && t[i + 1] == 'h')
			i++;
		if (n > 0 && sk[n - 1] == c)
		{
			/* (a doubled consonant written once: its vowels may be either gap's) */
			if (gap[n] != 0)
				gap[n - 1] |= GAP_EITHER, gap[n] |= GAP_EITHER;
			continue;
		}
		dz[n] = from;
		sk[n++] = c;
		gap[n] = 0;
	}
	if (n > 1 && sk[n - 1] == 'h')
	{
		n--;
		gap[n] |= gap[n + 1];
	}
	if (n > 0 && len >= 2 && t[len - 1] == 'i')
	{
		dz[n] = 0;
		sk[n++] = 'y';
		gap[n] = 0;
	}
	sk[n] = '\0';
	return n;
}

/*
 * Does the Latin gap lat hold a vowel for each vowel letter of the abjad
 * gap ab (first: before the first consonant; last: after the last)?
 */
static bool
gap_agrees(uint8 ab, uint8 lat, bool first, bool last)
{
	if ((ab | lat) & GAP_EITHER)
		return true;
	/* (a vowel left out inside a word is a loose spelling, DABSKI for الدبيسكي) */
	if (lat == 0 && !first)
		return true;
	/* waw, vav: o, u, w or v (not a final waw: AMR, عمرو) */
	if ((ab & GAP_W) && !last && !(lat & GAP_W))
		return false;
	/* yeh, yod: i or e */
	if ((ab & GAP_I) && !(lat & (GAP_I | GAP_E)))
		return false;
	/* alef inside a word: a, e, or o (Persian says it so) */
	if ((ab & GAP_A) && !first && !last && !(lat & (GAP_A | GAP_E | GAP_W)))
		return false;
	return true;
}

/*
 * Do abjad token ab and Latin token lat, whose skeletons are both sk, have
 * other vowels: a vowel letter of ab with no vowel of its kind in lat
 * there?  Or, ab written in Hebrew letters, other consonants the skeleton
 * writes alike: Hebrew tells dalet (d) from zayin and tsade (z, tz), which
 * the skeleton writes d for the Arabic letters said d or z (ADAM, אדם, is
 * not AZAM); and its kh is two letters, kaf or qof and he or het (כהן
 * COHEN, KAHANE), where a Latin kh written together is one (KHAN: חאן).
 * False when either token's own skeleton is not sk.
 */
static bool
token_vowels_differ(const char *ab, const char *lat, const char *sk, bool hebrew)
{
	char		ska[MAX_TOKLEN + 2],
				skl[MAX_TOKLEN + 2];
	uint8		ga[MAX_TOKLEN + 2],
				gl[MAX_TOKLEN + 2],
				da[MAX_TOKLEN + 2],
				dl[MAX_TOKLEN + 2];
	int			n = skeleton_gaps(ab, ska, ga, da);

	if (n <= 0 || skeleton_gaps(lat, skl, gl, dl) != n || strcmp(ska, sk) != 0 ||
		strcmp(skl, sk) != 0)
		return false;
	for (int g = 0; g <= n; g++)
		if (!gap_agrees(ga[g], gl[g], g == 0, g == n))
			return true;
	if (hebrew)
		for (int k = 0; k < n; k++)
			if ((da[k] | dl[k]) == (D_FROM_D | D_FROM_Z) ||
				(k > 0 && sk[k - 1] == 'k' && sk[k] == 'h' && gl[k] == 0))
				return true;
	return false;
}

/* does token t's skeleton alone equal sk? */
static bool
skeleton_is(const char *t, const char *sk)
{
	char		s[MAX_TOKLEN + 2];
	uint8		g[MAX_TOKLEN + 2],
				d[MAX_TOKLEN + 2];

	return t != NULL && skeleton_gaps(t, s, g, d) > 0 && strcmp(s, sk) == 0;
}

/*
 * Abjad token ab and Latin token lat, both of skeleton sk: 1 when their
 * vowels differ, 0 when they agree, -1 when that cannot be told.  A Latin
 * token that stands for a group of variants is not the spelling written:
 * it agrees when one of the group's spellings of that skeleton does (JAMIL
 * is written jamal, the group's token); an abjad one is not judged.
 */
static int
pair_differs(const char *ab, const char *lat, const char *sk, bool hebrew)
{
	const char *sp[64];
	int			n;
	int			judged = -1;

	if (ft_variant_canon(ab))
		return -1;
	if (!ft_variant_canon(lat))
		return token_vowels_differ(ab, lat, sk, hebrew) ? 1 : 0;
	n = ft_variant_spellings(lat, sp, lengthof(sp));
	for (int k = 0; k < n; k++)
		if (skeleton_is(sp[k], sk))
		{
			if (!token_vowels_differ(ab, sp[k], sk, hebrew))
				return 0;
			judged = 1;
		}
	return judged;
}

/*
 * Is skeleton token sk, of a name whose tokens as written are plain[0 ..
 * np - 1], met by the other side's tokens as written, oth[0 .. no - 1]
 * (abjad: plain is the side in Arabic or Hebrew letters), only with other
 * vowels?  Each token of a side whose skeleton alone is sk may be the one
 * (a name may hold it twice); true when some pair of them was judged and
 * every such pair differs.
 */
static bool
skeleton_token_differs(const char *sk, const char *const *plain, int np,
					   const char *const *oth, int no, bool abjad, bool hebrew)
{
	bool		judged = false;

	for (int a = 0; a < np; a++)
	{
		if (!skeleton_is(plain[a], sk))
			continue;
		for (int b = 0; b < no; b++)
		{
			int			d;

			if (!skeleton_is(oth[b], sk))
				continue;
			d = abjad ? pair_differs(plain[a], oth[b], sk, hebrew) :
				pair_differs(oth[b], plain[a], sk, hebrew);
			if (d == 0)
				return false;
			judged |= d > 0;
		}
	}
	return judged;
}

/*
 * In the skeleton pass, query item qi and listed name nm's item of tokens
 * cfirst .. cfirst + cspan - 1, one side written in Arabic or Hebrew
 * letters and the other in Latin letters, their skeleton tokens equal one
 * by one: does a token of them meet its counterpart only with other
 * vowels (file comment)?  Then the two are other names.
 */
bool
ft_vowel_letters_differ(const NameIndex *ix, const ScreenQuery *q, const ListedName *nm,
						int qi, int cfirst, int cspan)
{
	const ListedName *pn = nm - 1;	/* the name as written, before its skeleton */
	const int32 *items = FT_ITEMS(ix, nm);
	const int32 *pitems;
	const char *lp[MAX_TOKENS * 2];
	const char *qp[MAX_TOKENS * 2];
	int			nlp;

	if (q->forms == FT_FORM_PLAIN || q->plain == NULL || nm->abjad == q->nn.abjad ||
		q->it.span[qi] != cspan || !nm->skeleton || pn->skeleton)
		return false;
	pitems = FT_ITEMS(ix, pn);
	nlp = Min(pn->ntok, lengthof(lp));
	for (int t = 0; t < nlp; t++)
		lp[t] = FT_STR(ix, ix->vocab[pitems[t]].s);
	/* (a query token taken for a variant it near-misses is not as written: JAMIL for jamal) */
	for (int t = 0; t < q->plain->ntok; t++)
		qp[t] = q->plain_corrected[t] < 1.0f ? NULL : q->plain->tok[t];
	for (int k = 0; k < cspan; k++)
	{
		const char *qs = q->nn.tok[q->it.first[qi] + k];
		const char *cs = FT_STR(ix, ix->vocab[items[cfirst + k]].s);

		if (strcmp(qs, cs) == 0 &&
			skeleton_token_differs(qs, qp, q->plain->ntok, lp, nlp, q->nn.abjad,
								   q->nn.abjad ? q->nn.hebrew : nm->hebrew))
			return true;
	}
	return false;
}
