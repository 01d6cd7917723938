/*-------------------------------------------------------------------------
 *
 * name_variants.c
 *	  Token similarity beyond the letters as written, for the scorer
 *	  (name_score.c) and the candidate search (screening.c):
 *	  ft_variant_sim_above, a listed token that stands for a group of
 *	  transliteration variants compared as the group's nearest spelling,
 *	  ft_korean_sim, two tokens compared by their Korean keys
 *	  (translit_keys.c's ft_korean_key) where one side is written in Hangul,
 *	  ft_thai_sim, the same by their Thai keys (translit_thai_key.c's
 *	  ft_thai_key) where one side is written in Thai letters,
 *	  ft_thai_frame_sim, the same by the frames of those keys (their
 *	  consonants; session 24) where exactly one side is,
 *	  ft_cyrillic_sim, the same by their Cyrillic keys (translit_keys.c's
 *	  ft_cyrillic_key) where one side is written in Cyrillic letters,
 *	  ft_greek_sim, the same by their Greek keys (translit_greek.c's
 *	  ft_greek_key) where one side is written in Greek letters,
 *	  ft_chinese_sim, equal Chinese keys (translit_han.c's ft_chinese_key)
 *	  of a Latin query token and a token of a name written in Chinese
 *	  characters, ft_hebrew_sim, two consonant skeletons compared by their
 *	  Hebrew keys (translit_keys.c's ft_hebrew_key) where the listed one is
 *	  of a name written in Hebrew letters, ft_hebrew_query_sim, a query's
 *	  skeleton in Hebrew letters against a Latin one by what the Hebrew
 *	  letters may be read as (session 19), ft_qaf_sim, a Latin skeleton
 *	  against one of a name in Arabic letters with the Latin gh read as qaf
 *	  (translit_keys.c's ft_qaf_key; session 19), the Arabic side's ghayn
 *	  as g (session 22), the Latin c as k or s and the article's l joined
 *	  (session 24),
 *	  ft_same_romanisation, equal Korean or Chinese keys of two
 *	  tokens; and ft_misspelt_variants, the query's tokens the lists do not know that
 *	  are near misses of a variant, taken for it (screening.c, before the
 *	  query's weights; moved from name_score.c; not for a query written in
 *	  Chinese characters or Hangul, a reading nobody typed: session 24).
 *
 * The first five only ever raise a pair's similarity to what another
 * spelling of the same name would have scored, the last to SLIP_SIM
 * (TWO_SLIP_SIM for two slips);
 * the callers decide when they apply.
 * Memory: the variant spellings sorted by replacement, built once per
 * process in TopMemoryContext (the table is fixed).  No locks, no
 * database access.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "fintech.h"
#include "name_score.h"
#include "name_words.h"
#include "normalize.h"
#include "translit.h"
#include "translit_thai.h"

/*
 * The spellings of each variant group, by the token that stands for it:
 * indexes of ft_name_variants sorted by replacement (made once per
 * process, the table being fixed).
 */
static int *variants_by_repl;

static int first_spelling(const char *canon);

static int
cmp_by_repl(const void *a, const void *b)
{
	int			r = strcmp(ft_name_variants.repl[*(const int *) a],
						   ft_name_variants.repl[*(const int *) b]);

	return r != 0 ? r : *(const int *) a - *(const int *) b;
}

/* are the keys of two tokens (or joins) equal (key: a script's key function)? */
static bool
keys_equal(const char *a, int la, const char *b, int lb, int (*key) (const char *, int, char *))
{
	char		ka[MAX_TOKLEN * MAX_JOIN + 1];
	char		kb[MAX_TOKLEN * MAX_JOIN + 1];
	int			na;

	if (la > MAX_TOKLEN * MAX_JOIN || lb > MAX_TOKLEN * MAX_JOIN)
		return false;
	na = key(a, la, ka);
	return key(b, lb, kb) == na && memcmp(ka, kb, na) == 0;
}

/*
 * Two tokens (or joins) compared by a script's key (key: ft_korean_key or
 * ft_thai_key), less cost: a pair that meets only this way loses it, so
 * that the spelling as written still wins.  *equal: the keys are equal
 * (two spellings of one sound, not two names a letter apart).
 */
static float
keys_sim(const char *ka, int na, const char *kb, int nb, double cost, bool *equal)
{
	float		s;

	*equal = na == nb && memcmp(ka, kb, na) == 0;
	s = *equal ? 1.0f : ft_tok_sim(ka, na, kb, nb);
	return s * (float) (1.0 - cost);
}

static float
key_sim(const char *a, int la, const char *b, int lb, int (*key) (const char *, int, char *),
		double cost, bool *equal)
{
	char		ka[MAX_TOKLEN * MAX_JOIN + 1];
	char		kb[MAX_TOKLEN * MAX_JOIN + 1];
	int			na,
				nb;

	*equal = false;
	if (la > MAX_TOKLEN * MAX_JOIN || lb > MAX_TOKLEN * MAX_JOIN)
		return 0.0f;
	na = key(a, la, ka);
	nb = key(b, lb, kb);
	return keys_sim(ka, na, kb, nb, cost, equal);
}

/*
 * By their Korean keys (ft_korean_key): for pairs where one side is
 * written in Hangul, whose romanisation the lists spell in several
 * systems (GEUN-HYE / kun hie).  *equal: the strict keys are equal
 * (ft_korean_strict_key: one syllable's spellings, KOO / ku; session 19).
 */
float
ft_korean_sim(const char *a, int la, const char *b, int lb, bool *equal)
{
	bool		e;
	float		sim = key_sim(a, la, b, lb, ft_korean_key, KOREAN_KEY_COST, &e);

	/* (equal keys may be two syllables a vowel apart: equal only by the strict key) */
	*equal = e && keys_equal(a, la, b, lb, ft_korean_strict_key);
	return sim;
}

/*
 * By their Thai keys (translit_thai_key.c's ft_thai_key): for pairs where one
 * side is written in Thai letters, whose names the lists spell by RTGS and
 * by the spellings Thais give their own names (BHUMIBOL / phumiphon,
 * LEEKPAI / likphai).
 */
float
ft_thai_sim(const char *a, int la, const char *b, int lb, bool *equal)
{
	return key_sim(a, la, b, lb, ft_thai_key, THAI_KEY_COST, equal);
}

/*
 * By the frames of their Thai keys (translit_thai_key.c's ft_thai_frame):
 * a Latin token spelt letter by letter after the Sanskrit and Pali values
 * (SUNDARAVEJ) against one written in Thai letters, read by RTGS
 * (sunthonwet).  1 - THAI_FRAME_COST where both frames are
 * THAI_FRAME_MIN consonants or more and equal, else 0 (session 24).
 */
float
ft_thai_frame_sim(const char *a, int la, const char *b, int lb)
{
	const char *t[2] = {a, b};
	int			l[2] = {la, lb};
	char		key[MAX_TOKLEN * MAX_JOIN + 1];
	char		frame[2][MAX_TOKLEN * MAX_JOIN + 1];
	int			n[2];

	for (int i = 0; i < 2; i++)
	{
		if (l[i] > MAX_TOKLEN * MAX_JOIN)
			return 0.0f;
		n[i] = ft_thai_frame(key, ft_thai_key(t[i], l[i], key), frame[i]);
	}
	return n[0] >= THAI_FRAME_MIN && n[0] == n[1] && memcmp(frame[0], frame[1], n[0]) == 0 ?
		(float) (1.0 - THAI_FRAME_COST) : 0.0f;
}

/*
 * By their Cyrillic keys (translit_keys.c's ft_cyrillic_key): for pairs where
 * one side is written in Cyrillic letters, whose zh and dzh the Central
 * Asian and French spellings write j (ZHOMART / JOMART).
 */
float
ft_cyrillic_sim(const char *a, int la, const char *b, int lb, bool *equal)
{
	return key_sim(a, la, b, lb, ft_cyrillic_key, CYRILLIC_KEY_COST, equal);
}

/*
 * By their Greek keys (translit_greek.c's ft_greek_key): for pairs where
 * one side is written in Greek letters, whose digraphs ICU writes as
 * written and the Latin spellings as said (ntora / DORA, chatzidakis /
 * HADJIDAKIS).
 */
float
ft_greek_sim(const char *a, int la, const char *b, int lb, bool *equal)
{
	return key_sim(a, la, b, lb, ft_greek_key, GREEK_KEY_COST, equal);
}

/*
 * By their Hebrew keys (translit_keys.c's ft_hebrew_key): for a Latin
 * query's consonant skeleton (a) against that of a name listed in Hebrew
 * letters (b), whose bet, kaf, pe and het the Latin spellings write as
 * said (LIVNI / lbny, CHAIM / hm).
 */
float
ft_hebrew_sim(const char *a, int la, const char *b, int lb, bool *equal)
{
	char		ka[MAX_TOKLEN * MAX_JOIN + 1];
	char		kb[MAX_TOKLEN * MAX_JOIN + 1];
	char		sin[MAX_TOKLEN * MAX_JOIN + 1];
	int			na,
				ns = 0;
	float		s,
				s2;
	bool		e2;

	*equal = false;
	if (la > MAX_TOKLEN * MAX_JOIN || lb > MAX_TOKLEN * MAX_JOIN)
		return 0.0f;
	na = ft_hebrew_key(a, la, true, ka);
	s = keys_sim(ka, na, kb, ft_hebrew_key(b, lb, false, kb), HEBREW_KEY_COST, equal);
	if (*equal)
		return s;

	/*
	 * Unpointed Hebrew writes shin and sin alike, ש, which ICU (and so the
	 * skeleton) writes sh; the Latin spellings write sin s (YISRAEL, ישראל
	 * yshrl), and the German and Yiddish st of EDELSTEIN, which Hebrew
	 * writes שט as said (dlshtn).  So the listed skeleton is keyed again
	 * with each sh read s (session 20).
	 */
	for (int i = 0; i < lb; i++)
	{
		sin[ns++] = b[i];
		if (b[i] == 's' && i + 1 < lb && b[i + 1] == 'h')
			i++;
	}
	if (ns < lb)
	{
		s2 = keys_sim(ka, na, kb, ft_hebrew_key(sin, ns, false, kb), HEBREW_KEY_COST, &e2);
		if (e2)
		{
			*equal = true;
			return s2;
		}
		s = Max(s, s2);
	}

	/*
	 * German and Yiddish names spell the voiced s of EISEN, MEISEL with an
	 * s, which Hebrew writes as said, zayin, and the skeleton writes a z d
	 * (איזנקוט dnkt, EISENKOT snkt; מייזלס mdls, MEISELS msls); the tsade's
	 * d is an s in some spellings too.  So the Latin skeleton is keyed again
	 * with its s (not of sh or ts; the first three) read as d, each subset
	 * of them: equal or nothing.
	 */
	{
		int			pos[3];
		int			np = 0;

		for (int i = 0; i < la && np < 3; i++)
			if (a[i] == 's' && !(i + 1 < la && a[i + 1] == 'h') && !(i > 0 && a[i - 1] == 't'))
				pos[np++] = i;
		if (np > 0)
		{
			char		z[MAX_TOKLEN * MAX_JOIN + 1];
			int			nb = ft_hebrew_key(b, lb, false, kb);

			for (int mask = 1; mask < (1 << np); mask++)
			{
				memcpy(z, a, la);
				for (int k = 0; k < np; k++)
					if (mask & (1 << k))
						z[pos[k]] = 'd';
				na = ft_hebrew_key(z, la, true, ka);
				if (na == nb && memcmp(ka, kb, na) == 0)
				{
					*equal = true;
					return (float) (1.0 - HEBREW_KEY_COST);
				}
			}
		}
	}
	return s;
}

/*
 * Can Latin consonant skeleton l be a spelling of Hebrew skeleton h, letter
 * by letter?  Unpointed Hebrew writes one letter for two sounds, and ICU
 * the letter: het (h) is said h or ch, kaf after a vowel (k) ch, pe (p) p
 * or f, shin (sh) sh or s (sin, which it writes alike; session 20).  So a
 * Latin sh (sh or ch: the skeleton writes ch sh) may be shin, het or kaf,
 * a Latin s shin or the skeleton's d of zayin or tsade (EISENKOT,
 * איזנקוט dnkt; session 21), a Latin f or ph pe, a Latin c or q kaf or qof, and a Latin s
 * before a final y nothing (the sh of a final chi, whose h the skeleton
 * drops: AMICHAI msy, עמיחי my); every other letter is itself.  Unlike
 * the Hebrew key (ft_hebrew_key), which merges the classes on both sides,
 * this reads only from the Hebrew letters to the Latin ones (a Latin h is
 * he or het, not kaf), and leaves out what the key does that matched
 * clean Hebrew names with names of the lists (session 19): bet said v
 * (the key leaves b out: RIVKA, רבקה rbk, met IRAQ rk), a Latin kh (KHAN,
 * the Russian MIKHAIL; kh is k and h here, as in KOHEN, כהן), and ts for
 * tsade (the t and s of HARTIS met הורוביץ).  And a Hebrew sh may be
 * shin and a het or he after it: the skeleton writes their two h once, a
 * doubled letter (שוחט sht), where the Latin spelling writes the het ch
 * (SHOCHAT shsht; session 23).
 */
static bool
hebrew_reads(const char *l, int ll, const char *h, int hl)
{
	if (ll == 0 || hl == 0)
		return ll == 0 && hl == 0;
	if (ll == 2 && l[0] == 's' && l[1] == 'y' && hebrew_reads(l + 1, 1, h, hl))
		return true;			/* the s of a final chi */
	if (hl > 1 && h[0] == 's' && h[1] == 'h')
		return l[0] == 's' &&
			((ll > 1 && l[1] == 'h' && hebrew_reads(l + 2, ll - 2, h + 2, hl - 2)) ||
			 hebrew_reads(l + 1, ll - 1, h + 2, hl - 2) ||	/* shin or sin */
			 (ll > 3 && l[1] == 'h' && l[2] == 's' && l[3] == 'h' &&
			  hebrew_reads(l + 4, ll - 4, h + 2, hl - 2)));	/* shin and het, one h */
	if (ll > 1 && l[1] == 'h' && (l[0] == 's' || l[0] == 'p') &&
		(l[0] == 's' ? h[0] == 'h' || h[0] == 'k' : h[0] == 'p') &&
		hebrew_reads(l + 2, ll - 2, h + 1, hl - 1))
		return true;			/* sh (sh or ch): het or kaf; ph: pe */
	switch (l[0])
	{
		case 'c':
		case 'q':
			return h[0] == 'k' && hebrew_reads(l + 1, ll - 1, h + 1, hl - 1);
		case 'f':
			return (h[0] == 'p' || h[0] == 'f') && hebrew_reads(l + 1, ll - 1, h + 1, hl - 1);
		case 's':
			/* a Latin s may be zayin, the skeleton's d (EISENKOT, איזנקוט) */
			return (h[0] == 's' || h[0] == 'd') && hebrew_reads(l + 1, ll - 1, h + 1, hl - 1);
		default:
			return h[0] == l[0] && hebrew_reads(l + 1, ll - 1, h + 1, hl - 1);
	}
}

/*
 * A query in Hebrew letters against a Latin name, their consonant
 * skeletons (h the query's, l the listed one's): 1 - HEBREW_QUERY_COST
 * when the Latin one is a spelling of the Hebrew one (hebrew_reads), else
 * 0.  (Each Hebrew letter is one or two Latin ones, a shin's two, sh, may
 * be one, s, and a final y may bring an s: l is hl / 2 to 2 hl + 1
 * letters long.)
 */
float
ft_hebrew_query_sim(const char *h, int hl, const char *l, int ll)
{
	if (2 * ll < hl || ll > 2 * hl + 1 || ll > MAX_TOKLEN * MAX_JOIN)
		return 0.0f;
	return hebrew_reads(l, ll, h, hl) ? (float) (1.0 - HEBREW_QUERY_COST) : 0.0f;
}

/*
 * A Latin consonant skeleton (a) against that of a name written in Arabic
 * letters (b), the Latin side's gh read as qaf (translit_keys.c's
 * ft_qaf_key: GHALIBAF, قالیباف klbf), less QAF_KEY_COST; b as it is.
 * And (session 22) the Arabic side's ghayn read as a Latin g, which the
 * skeleton writes j: the French spellings of Maghreb and Tuareg names
 * write ghayn g (AG, اغ g; LAAGOUB ljb, لاغوب lghb): b keyed by
 * ft_ghayn_key, equal to a or nothing, less QAF_KEY_COST.  And (session
 * 24) a Latin c, which the skeleton leaves only where it is not s before
 * e or i nor of ch, read as k or s (ft_c_key: CAID cd, قائد kd; FAYCAL
 * fcl, فيصل fsl), equal to b or nothing, less QAF_KEY_COST.  And a
 * Latin skeleton that is b after an l: the Arabic skeleton leaves the
 * article out (العربي rby), the Latin spellings of Egypt and the Maghreb
 * join it to the word (ELARABY lrby); b of ARTICLE_KEY_MIN letters or
 * more, less QAF_KEY_COST.
 */
float
ft_qaf_sim(const char *a, int la, const char *b, int lb, bool *equal)
{
	char		ka[MAX_TOKLEN * MAX_JOIN + 1];
	float		s = 0.0f;

	*equal = false;
	if (la > MAX_TOKLEN * MAX_JOIN)
		return 0.0f;
	if (memchr(a, 'g', la) != NULL)
	{
		s = keys_sim(ka, ft_qaf_key(a, la, ka), b, lb, QAF_KEY_COST, equal);
		if (*equal)
			return s;
	}
	if (memchr(a, 'j', la) != NULL && lb <= MAX_TOKLEN * MAX_JOIN && memchr(b, 'g', lb) != NULL &&
		ft_ghayn_key(b, lb, ka) == la && memcmp(ka, a, la) == 0)
	{
		*equal = true;
		return (float) (1.0 - QAF_KEY_COST);
	}
	/* (session 24: the article's l joined to a Latin word, equal or nothing, less QAF_KEY_COST) */
	if (la == lb + 1 && lb >= ARTICLE_KEY_MIN && a[0] == 'l' && memcmp(a + 1, b, lb) == 0)
	{
		*equal = true;
		return (float) Max(s, 1.0 - QAF_KEY_COST);
	}
	/* (session 24: a Latin c is k or s, equal or nothing, less QAF_KEY_COST) */
	if (memchr(a, 'c', la) != NULL)
		for (const char *to = "ks"; *to != '\0'; to++)
			if (ft_c_key(a, la, ka, *to) == lb && memcmp(ka, b, lb) == 0)
			{
				*equal = true;
				return (float) Max(s, 1.0 - QAF_KEY_COST);
			}
	return s;
}

/*
 * By their Chinese keys (translit_han.c's ft_chinese_key): for a Latin
 * query against a name listed in Chinese characters, which ICU writes in
 * pinyin and the lists in Wade-Giles or Cantonese as often (TSAI / cai),
 * and for a query in Chinese characters against the Latin names.
 * The keys must be equal: a syllable's spellings meet exactly or not at
 * all, and two keys of a syllable or two that differ by a letter are
 * other syllables (XIU is not xifu).
 */
float
ft_chinese_sim(const char *a, int la, const char *b, int lb)
{
	return ft_chinese_reads(a, la, b, lb) ? (float) (1.0 - CHINESE_KEY_COST) : 0.0f;
}

/*
 * ft_chinese_sim against the spellings of the variant group canon stands
 * for (0 when none meets, or canon stands for none): a syllable written in
 * Chinese characters whose pinyin is one of a group's spellings (宜 yi, of
 * the group of LI, YI, LEE, RHEE) was written as the group's token, and
 * the Wade-Giles and Gwoyeu Romatzyh spellings of the pinyin (YIH, IH)
 * meet the spelling's key, not the token's (session 21).
 */
float
ft_variant_chinese_sim(const char *t, int len, const char *canon)
{
	for (int k = first_spelling(canon); k < ft_name_variants.n &&
		 strcmp(ft_name_variants.repl[variants_by_repl[k]], canon) == 0; k++)
	{
		const char *w = ft_name_variants.word[variants_by_repl[k]];
		float		s = ft_chinese_sim(w, strlen(w), t, len);

		if (s > 0.0f)
			return s;
	}
	return 0.0f;
}

/*
 * Are two tokens one syllable's romanisations: equal Korean keys (KANG,
 * GANG) or Chinese keys (DENG, TENG)?  (name_score.c's near misses between
 * syllables of Chinese and Korean names)
 */
bool
ft_same_romanisation(const char *a, int la, const char *b, int lb)
{
	return keys_equal(a, la, b, lb, ft_korean_key) || keys_equal(a, la, b, lb, ft_chinese_key);
}

/*
 * The same for a (a reading of Chinese characters) and b (written in
 * Latin letters): b's Chinese key as ft_chinese_sim makes it (its k before
 * i a k)
 */
bool
ft_same_reading(const char *a, int la, const char *b, int lb)
{
	return keys_equal(a, la, b, lb, ft_korean_key) || ft_chinese_sim(a, la, b, lb) > 0.0f;
}

/*
 * The first of the spellings (variants_by_repl) whose replacement is
 * canon, or ft_name_variants.n when none is (made at the first call)
 */
static int
first_spelling(const char *canon)
{
	int			lo = 0,
				hi = ft_name_variants.n;

	if (variants_by_repl == NULL)
	{
		int		   *v = MemoryContextAlloc(TopMemoryContext, Max(ft_name_variants.n, 1) * sizeof(int));

		for (int k = 0; k < ft_name_variants.n; k++)
			v[k] = k;
		qsort(v, ft_name_variants.n, sizeof(int), cmp_by_repl);
		variants_by_repl = v;
	}
	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (strcmp(ft_name_variants.repl[variants_by_repl[mid]], canon) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Does a group of variants stand for canon?  Else ft_variant_sim_above(t,
 * len, canon, floor) is 0 whatever t: the index marks such vocabulary entries
 * (FT_FORM_VARIANT), so that the callers ask only for those.
 */
bool
ft_variant_canon(const char *canon)
{
	int			k = first_spelling(canon);

	return k < ft_name_variants.n && strcmp(ft_name_variants.repl[variants_by_repl[k]], canon) == 0;
}

/*
 * The spellings of the group of variants canon stands for, into out (at
 * most max); returns how many (0: canon stands for none)
 */
int
ft_variant_spellings(const char *canon, const char **out, int max)
{
	int			n = 0;

	for (int k = first_spelling(canon); k < ft_name_variants.n && n < max &&
		 strcmp(ft_name_variants.repl[variants_by_repl[k]], canon) == 0; k++)
		out[n++] = ft_name_variants.word[variants_by_repl[k]];
	return n;
}

/*
 * A listed token that stands for a group of transliteration variants
 * (muhammad for Mohamed, Mohammad ...) has lost the spelling the list
 * wrote: a query token is as near to it as to the nearest spelling of the
 * group (MOHMED, itself a listed word so not taken for a variant, is a
 * letter off MOHAMED, far from MUHAMMAD).  For a caller that takes
 * Max(floor, the similarity) (or drops what is under floor): the
 * spellings whose length alone keeps them at or under floor (ft_sim_bound,
 * less a margin for rounding) are not compared, which changes no such
 * result; returns 0 when none is left.
 */
float
ft_variant_sim_above(const char *t, int len, const char *canon, float floor)
{
	float		best = 0.0f;

	for (int k = first_spelling(canon); k < ft_name_variants.n &&
		 strcmp(ft_name_variants.repl[variants_by_repl[k]], canon) == 0; k++)
	{
		const char *w = ft_name_variants.word[variants_by_repl[k]];
		int			wl = strlen(w);

		if (ft_sim_bound(len, wl) <= (double) Max(floor, best) - 1e-6)
			continue;
		best = Max(best, ft_tok_sim(t, len, w, wl));
	}
	return best;
}

/*
 * Is the query token t (len bytes) one keyboard slip from a legal form
 * of LEGAL_SLIP_LEN letters or more (LIMOTADA for LIMITADA, LIMITEF)?
 * Normalisation drops a legal form at the end of a name; misspelt, it
 * would stay a real part of the query that the listed name, which
 * dropped its own, cannot match.  Shorter forms (LTD, INC, SARL) are one
 * slip from too many words.
 */
static bool
legal_slip(const char *t, int len)
{
	const WordTable *lf;

	if (len < LEGAL_SLIP_LEN)
		return false;
	lf = ft_word_list(WORDS_LEGAL);
	for (int k = 0; k < lf->n; k++)
	{
		int			wl = strlen(lf->word[k]);

		/* (one slip: ft_slip_sim's SLIP_SIM, not its two slips' TWO_SLIP_SIM) */
		if (wl >= LEGAL_SLIP_LEN && abs(wl - len) <= 1 &&
			ft_slip_sim(t, len, lf->word[k], wl) > (float) TWO_SLIP_SIM)
			return true;
	}
	return false;
}

/*
 * The Arabic article written el and joined to its word (ELREHMAT,
 * ELSAYED): the lists write it al, apart or joined, and el apart (EL
 * REHMAT) is read as al already, but joined it starts the word with
 * another letter, which Jaro-Winkler weighs most.  Query token i (len
 * bytes, unknown to the lists) is read as al and its word joined when the
 * lists hold both that word and that join (not ELIZABETH, ELENA); true if
 * it was.
 */
static bool
article_el(const NameIndex *ix, NormName *nn, int i, int len, int forms)
{
	const char *t = nn->tok[i];
	char	   *al;

	if (len < 6 || t[0] != 'e' || t[1] != 'l' || ft_vocab_find(ix, t + 2, forms) < 0)
		return false;
	al = pstrdup(t);
	al[0] = 'a';
	if (ft_vocab_find(ix, al, forms) < 0)
	{
		pfree(al);
		return false;
	}
	nn->tok[i] = al;
	return true;
}

/*
 * A query token the lists do not know that is a near miss of a known
 * transliteration variant (Mohammef, Moahmmed) stands for that variant's
 * name: the listed names hold the canonical spelling, which is further
 * from the typo than the spelling the typo came from.  A variant that
 * stands for two tokens (Abdul, Abdel = Abd al) is met by a keyboard slip
 * as well (ft_slip_sim: Abxul, Abcul; tokens of 5 letters or more, as for
 * the near misses), and the token is then replaced by both when the query
 * has room: the listed names hold abd and al, never abdul, so neither
 * the scorer's slips nor its variant spellings (ft_item_sim) can meet
 * it, and Jaro-Winkler puts a slip in a short word under VARIANT_TYPO.
 * (Single-token variants by slip too lost a held-out positive and gained
 * no training one.)  A near spelling that no two keyboard slips make of
 * the variant (ft_typed_within_two, as for the scorer's near misses) is
 * not taken for it (session 21): ZAAGRIA is ZAGARIA with two letters
 * swapped, not ZAKARIA, and replaced it met ZAGARIA only at 0.81.  A last token the lists do not know that is one
 * keyboard slip from a long legal form is dropped, as the legal form
 * would have been (legal_slip; the query keeps a token at least).  A
 * token replaced by two counts its error once.  A joined article el is
 * read as al (article_el), and one mistyped by a slip as the article
 * (ft_article_slip).
 */
void
ft_misspelt_variants(const NameIndex *ix, NormName *nn, float *corrected, int forms)
{
	for (int i = 0; i < nn->ntok; i++)
	{
		const char *t = nn->tok[i];
		int			len = strlen(t);
		double		best = VARIANT_TYPO;
		int			which = -1;

		corrected[i] = 1.0f;
		/* (a reading of Chinese characters or Hangul was not typed: its syllable is no misspelling) */
		if (nn->han || nn->hangul)
			continue;
		if (len == 3 && forms == FT_FORM_PLAIN && ft_vocab_find(ix, t, forms) < 0)
		{
			ft_article_slip(nn, i);
			continue;
		}
		if (len < 5 || ft_vocab_find(ix, t, forms) >= 0 || forms != FT_FORM_PLAIN)
			continue;
		if (i == nn->ntok - 1 && i >= 1 && legal_slip(t, len))
		{
			nn->ntok--;
			break;
		}
		if (article_el(ix, nn, i, len, forms))
			continue;
		for (int k = 0; k < ft_name_variants.n; k++)
		{
			const char *w = ft_name_variants.word[k];
			bool		split;
			int			wl;
			bool		slip;
			double		sim = 0.0;

			if (w[0] != t[0])
				continue;
			split = strchr(ft_name_variants.repl[k], ' ') != NULL;
			wl = strlen(w);
			/* (one slip: ft_slip_sim's SLIP_SIM, not its two slips' TWO_SLIP_SIM) */
			slip = split && ft_slip_sim(t, len, w, wl) > (float) TWO_SLIP_SIM;
			if (slip)
				sim = SLIP_SIM;
			if (!split)
			{
				double		near = ft_tok_sim(t, len, w, wl);

				/* (a token no typing error of the spelling makes is another name: ZAAGRIA, ZAKARIA) */
				if (near > Max(sim, best) && ft_typed_within_two(t, len, w, wl))
					sim = near;
			}
			if (sim > best || (which < 0 && slip))
			{
				best = sim;
				which = k;
			}
		}
		if (which >= 0)
		{
			const char *r = ft_name_variants.repl[which];
			const char *sp = strchr(r, ' ');

			/* matches of it count as much as the near miss was near */
			if (sp == NULL)
			{
				nn->tok[i] = (char *) r;
				corrected[i] = (float) best;
			}
			else if (nn->ntok < MAX_TOKENS)
			{
				/* two tokens (abd al): the rest of the query moves up one */
				memmove(&nn->tok[i + 2], &nn->tok[i + 1], (nn->ntok - i - 1) * sizeof(char *));
				nn->tok[i] = pnstrdup(r, sp - r);
				nn->tok[i + 1] = (char *) sp + 1;
				nn->ntok++;
				nn->family += nn->family > i;
				/* (one typing error: counted once, on the first of the two) */
				corrected[i] = (float) best;
				corrected[++i] = 1.0f;
			}
		}
	}
}
