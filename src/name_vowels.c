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

/* a token's skeleton as skeleton_gaps writes it */
typedef struct Gaps
{
	int			n;				/* consonants; <= 0: none, or too long */
	char		sk[MAX_TOKLEN + 2];
	uint8		gap[MAX_TOKLEN + 2];
	uint8		dz[MAX_TOKLEN + 2];
} Gaps;

/* t's skeleton and gaps into g; is the skeleton sk? */
static bool
gaps_of(const char *t, const char *sk, Gaps *g)
{
	g->n = skeleton_gaps(t, g->sk, g->gap, g->dz);
	return g->n > 0 && strcmp(g->sk, sk) == 0;
}

/*
 * Does abjad token ab (its gaps) ask anything of a Latin token of its
 * skeleton: a vowel letter gap_agrees reads, or (hebrew) a d or a k before
 * an h?  Most do not (محمد, mhmd), and need no Latin token looked at.
 */
static bool
abjad_asks(const Gaps *ab, bool hebrew)
{
	for (int k = 0; k <= ab->n; k++)
	{
		uint8		g = ab->gap[k];

		if ((!(g & GAP_EITHER) &&
			 (((g & GAP_W) && k < ab->n) || (g & GAP_I) || ((g & GAP_A) && k > 0 && k < ab->n))) ||
			(hebrew && k < ab->n &&
			 (ab->sk[k] == 'd' || (k > 0 && ab->sk[k - 1] == 'k' && ab->sk[k] == 'h'))))
			return true;
	}
	return false;
}

/*
 * Do abjad token ab and Latin token lat, of one skeleton, have other
 * vowels: a vowel letter of ab with no vowel of its kind in lat there?
 * Or, ab written in Hebrew letters, other consonants the skeleton writes
 * alike: Hebrew tells dalet (d) from zayin and tsade (z, tz), which the
 * skeleton writes d for the Arabic letters said d or z (ADAM, אדם, is not
 * AZAM); and its kh is two letters, kaf or qof and he or het (כהן COHEN,
 * KAHANE), where a Latin kh written together is one (KHAN: חאן).
 */
static bool
gaps_differ(const Gaps *ab, const Gaps *lat, bool hebrew)
{
	int			n = ab->n;

	for (int g = 0; g <= n; g++)
		if (!gap_agrees(ab->gap[g], lat->gap[g], g == 0, g == n))
			return true;
	if (hebrew)
		for (int k = 0; k < n; k++)
			if ((ab->dz[k] | lat->dz[k]) == (D_FROM_D | D_FROM_Z) ||
				(k > 0 && ab->sk[k - 1] == 'k' && ab->sk[k] == 'h' && lat->gap[k] == 0))
				return true;
	return false;
}

/* a token as written, with its gaps (TokGaps): canon, it stands for a group of variants */
typedef struct TokGaps
{
	const char *t;				/* NULL: not judged */
	Gaps		g;
	int8		canon;			/* -1: not looked up yet (is_canon) */
	bool		asks;			/* (an abjad token) abjad_asks */
} TokGaps;

/*
 * tokens tok[0 .. ntok - 1] (NULL: not judged) with their gaps, into out;
 * canon: look up now which stand for a group of variants (else on demand)
 */
static void
tok_gaps(const char *const *tok, int ntok, bool hebrew, bool canon, TokGaps *out)
{
	for (int a = 0; a < ntok; a++)
	{
		out[a].t = tok[a];
		out[a].g.n = tok[a] != NULL ?
			skeleton_gaps(tok[a], out[a].g.sk, out[a].g.gap, out[a].g.dz) : 0;
		out[a].canon = !canon ? -1 : out[a].g.n > 0 && ft_variant_canon(tok[a]);
		out[a].asks = out[a].g.n > 0 && abjad_asks(&out[a].g, hebrew);
	}
}

/* does token t stand for a group of variants? */
static inline bool
is_canon(const TokGaps *t)
{
	return t->canon >= 0 ? t->canon > 0 : ft_variant_canon(t->t);
}

/*
 * Abjad token ab (its gaps) and Latin token lat, both of skeleton sk: 1
 * when their vowels differ, 0 when they agree.  A Latin token that stands
 * for a group of variants is not the spelling written: it agrees when one
 * of the group's spellings of that skeleton does, or when none is of that
 * skeleton (-1: not told); JAMIL is written jamal, the group's token.
 */
static int
pair_differs(const Gaps *ab, const TokGaps *lat, const char *sk, bool hebrew)
{
	const char *sp[64];
	int			n;
	int			judged = -1;
	Gaps		g;

	if (!is_canon(lat))
		return gaps_differ(ab, &lat->g, hebrew) ? 1 : 0;
	n = ft_variant_spellings(lat->t, sp, lengthof(sp));
	for (int k = 0; k < n; k++)
		if (gaps_of(sp[k], sk, &g))
		{
			if (!gaps_differ(ab, &g, hebrew))
				return 0;
			judged = 1;
		}
	return judged;
}

/*
 * Is skeleton token sk met, between the abjad side's tokens as written,
 * ab[0 .. nab - 1], and the Latin side's, lat[0 .. nlat - 1] (tok_gaps),
 * only with other vowels?  Each token of a side whose skeleton alone is sk
 * may be the one (a name may hold it twice); true when some pair of them
 * was judged and every such pair differs.  An abjad token that stands for
 * a group of variants is not judged.
 */
static bool
skeleton_token_differs(const char *sk, const TokGaps *ab, int nab,
					   const TokGaps *lat, int nlat, bool hebrew)
{
	bool		judged = false;

	for (int a = 0; a < nab; a++)
	{
		if (ab[a].g.n <= 0 || strcmp(ab[a].g.sk, sk) != 0 || is_canon(&ab[a]))
			continue;
		/* (an abjad token that asks nothing of the Latin one agrees with any) */
		if (!ab[a].asks)
			return false;
		for (int b = 0; b < nlat; b++)
		{
			int			d;

			if (lat[b].g.n <= 0 || strcmp(lat[b].g.sk, sk) != 0)
				continue;
			d = pair_differs(&ab[a].g, &lat[b], sk, hebrew);
			if (d == 0)
				return false;
			judged |= d > 0;
		}
	}
	return judged;
}

/*
 * Does the first abjad token of ab[0 .. nab - 1] (tok_gaps) judged for
 * skeleton sk ask anything of a Latin one (skeleton_token_differs' first
 * test, before the Latin side's tokens are read)?
 */
static bool
first_asks(const TokGaps *ab, int nab, const char *sk)
{
	for (int a = 0; a < nab; a++)
		if (ab[a].g.n > 0 && strcmp(ab[a].g.sk, sk) == 0 && !is_canon(&ab[a]))
			return ab[a].asks;
	return false;
}

/*
 * The gaps of the tokens as written of a skeleton-pass query (those taken
 * for a variant they near-miss not judged: JAMIL for jamal), once per
 * query (screening.c); NULL in the plain pass
 */
void *
ft_vowel_query_gaps(const ScreenQuery *q)
{
	const char *qp[MAX_TOKENS * 2];
	TokGaps    *tg;

	if (q->forms == FT_FORM_PLAIN || q->plain == NULL)
		return NULL;
	for (int t = 0; t < q->plain->ntok; t++)
		qp[t] = q->plain_corrected[t] < 1.0f ? NULL : q->plain->tok[t];
	tg = palloc(Max(q->plain->ntok, 1) * sizeof(TokGaps));
	tok_gaps(qp, q->plain->ntok, q->nn.hebrew, true, tg);
	return tg;
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
	TokGaps		lg[MAX_TOKENS * 2];
	int			nlp = 0;
	bool		listed_gaps = false;
	bool		hebrew = q->nn.abjad ? q->nn.hebrew : nm->hebrew;

	if (q->forms == FT_FORM_PLAIN || q->vowel_gaps == NULL || nm->abjad == q->nn.abjad ||
		q->it.span[qi] != cspan || !nm->skeleton || pn->skeleton)
		return false;
	for (int k = 0; k < cspan; k++)
	{
		const char *qs = q->nn.tok[q->it.first[qi] + k];
		const char *cs = FT_STR(ix, ix->vocab[items[cfirst + k]].s);

		if (strcmp(qs, cs) != 0 ||
			(q->nn.abjad && !first_asks(q->vowel_gaps, q->plain->ntok, qs)))
			continue;
		if (!listed_gaps)
		{
			pitems = FT_ITEMS(ix, pn);
			nlp = Min(pn->ntok, lengthof(lp));
			for (int t = 0; t < nlp; t++)
				lp[t] = FT_STR(ix, ix->vocab[pitems[t]].s);
			tok_gaps(lp, nlp, hebrew, false, lg);
			listed_gaps = true;
		}
		if (q->nn.abjad ?
			skeleton_token_differs(qs, q->vowel_gaps, q->plain->ntok, lg, nlp, hebrew) :
			skeleton_token_differs(qs, lg, nlp, q->vowel_gaps, q->plain->ntok, hebrew))
			return true;
	}
	return false;
}
