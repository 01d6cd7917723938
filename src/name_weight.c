/*-------------------------------------------------------------------------
 *
 * name_weight.c
 *	  The weight of a name's token in a score (name_score.c): its length
 *	  times how rare it is among the listed names, little for the words
 *	  that say little (particles, titles, legal forms: name_words.c), and a
 *	  real part's weight for a legal-form word that is someone's family
 *	  name, and for the skeleton pass of a name whose every part is a
 *	  title's letters (ft_skeleton_parts_strong: AMR, mr).  The index (name_index_build.c) weighs the listed tokens once
 *	  per list load; a query's tokens are weighed per call.  Also what a
 *	  near miss between two tokens costs by how common they are
 *	  (ft_near_miss_factor: two common words, two syllables of Chinese or
 *	  Korean names, an organisation's own word beside generic ones, two
 *	  words no typing error makes one of: name_typing.c, two consonant
 *	  skeletons two consonants apart), and
 *	  whether a join of syllables meets another listed word
 *	  (ft_syllables_other); and the factors of a whole name that come from
 *	  how it is written: a family name written before a comma that met only
 *	  given names (ft_query_family, ft_family_crossed) and a short
 *	  consonant skeleton (ft_skeleton_factor).
 *
 * Pure functions: no memory kept, no locks, no database access.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "explain.h"
#include "fintech.h"
#include "name_score.h"
#include "name_words.h"
#include "screening.h"
#include "translit.h"

/*
 * A token's weight: its length, times how rare it is among the listed
 * names (df: names holding it; 0 if none); weak words weigh 1.
 */
float
ft_token_weight(const char *t, int df)
{
	if (ft_word_is_weak(t))
		return WEAK_WEIGHT;
	return ft_part_weight(t, df);
}

/*
 * The same for a token that is a real part of the name whatever the word
 * lists say: a legal-form word that is a person's family name (PAO, Hua)
 */
float
ft_part_weight(const char *t, int df)
{
	double		idf = df <= 1 ? 1.0 : Max(IDF_MIN, 1.0 - IDF_SLOPE * log((double) df));

	return (float) (Max(strlen(t), 2) * idf);
}

/*
 * Query token i's weight and strength (v: its vocabulary entry, -1 if the
 * lists do not hold it): as rare as the same token among the listed
 * names, else rare.  A legal-form word that is the family name ("PAO,
 * Hua"), or that a listed name holds as one (name_index_build.c), is a
 * real part; so is every syllable of a query written in Chinese
 * characters or Hangul, which holds no particle (session 19: 德 de).
 */
void
ft_query_token_weight(const NameIndex *ix, const NormName *nn, int i, int v, float *w, int *strong)
{
	const char *t = nn->tok[i];

	*w = v >= 0 ? ix->vocab[v].weight : ft_token_weight(t, 0);
	*strong = ft_word_is_weak(t) ? 0 : 1;
	/* (a syllable of a name written in Chinese characters or Hangul is no particle: 德 de, 빈 bin) */
	if (*strong == 0 && ((i == 0 && nn->family_legal) || nn->han || nn->hangul ||
						 (v >= 0 && ix->vocab[v].strong > 0 && ft_word_in(WORDS_LEGAL, t))))
	{
		if (v < 0 || ix->vocab[v].strong == 0)
			*w = ft_part_weight(t, v >= 0 ? ix->vocab[v].nnames : 0);
		*strong = 1;
	}
}

/*
 * The skeleton pass (sk, of the query plain) of a query none of whose
 * parts is strong (qs: prepare_query's strengths, the strong parts
 * after): when every part is a consonant skeleton of two letters or more
 * that is a title's or a legal form's letters (mr of AMR, OMAR or عمرو; ms
 * of MUSA; dr of DEIR; lt of EILAT), they are the skeletons of a name's
 * parts, not the words: the plain pass dropped the titles, and a name in
 * Arabic or Hebrew letters writes no vowel (عمر mr).  Such a name found
 * no candidate at all in the skeleton pass; its parts are real parts
 * there, of the weights they have (session 23).  Not a part of one letter
 * (عمر آل عواض, mr d, would be only mr), nor a particle, nor a word the
 * query in Latin letters holds as written (Mr alone is the title).
 * Returns the number of strong parts.
 */
int
ft_skeleton_parts_strong(const NormName *plain, const NormName *sk, int *qs)
{
	for (int i = 0; i < sk->ntok; i++)
	{
		const char *t = sk->tok[i];

		if (t[0] == '\0' || t[1] == '\0' || ft_word_in(WORDS_PARTICLES, t) ||
			ft_word_is_patronymic(t))
			return 0;
		for (int j = 0; j < plain->ntok && !plain->translit; j++)
			if (strcmp(plain->tok[j], t) == 0)
				return 0;
	}
	for (int i = 0; i < sk->ntok; i++)
		qs[i] = 1;
	return sk->ntok;
}

/*
 * Is a real token of this weight and length a common word of the lists:
 * its rarity (weight / length; ft_token_weight) idf or less, COMMON_IDF
 * when held by about 20 listed names or more, GENERIC_IDF 55?  A query token the lists do not
 * hold weighs its length (rarity 1): never common.
 */
static inline bool
common_word(double weight, int len, int strong, double idf)
{
	return strong > 0 && weight <= idf * Max(len, 2);
}

/* query token qi and the listed item v are both common_word at idf */
bool
ft_both_common(const ScreenQuery *q, int qi, const Vocab *v, double idf)
{
	return common_word(q->it.weight[qi], q->it.len[qi], q->it.strong[qi], idf) &&
		common_word(v->weight, v->len, v->strong, idf);
}

/*
 * Do tokens a and b end in the same 3 letters or more, each with 2 letters
 * or more before them, begin with other letters and lie no keyboard slip
 * or two apart (ft_slip_sim)?  Family names are made by a handful of
 * endings (-chenko, -owska, -ova, -ian), which Jaro-Winkler rates near
 * whatever stands before them, while a typing error leaves a name's first
 * letter as often as any other, or is a slip: two such parts are two
 * families' names.
 */
static bool
same_ending(const char *a, int la, const char *b, int lb)
{
	int			k = 0;

	if (a[0] == b[0])
		return false;
	while (k < la && k < lb && a[la - 1 - k] == b[lb - 1 - k])
		k++;
	return k >= 3 && la - k >= 2 && lb - k >= 2 && ft_slip_sim(a, la, b, lb) == 0.0f;
}

/*
 * Is the near miss of query token qi and the listed token v of the name
 * nm (both single tokens, the plain pass) no typing error: both real
 * parts, both names written in Latin letters, and the listed token typed
 * with two keyboard slips or fewer cannot be the query token
 * (ft_typed_within_two)?  Not for a listed token that stands for a
 * variant group (its spellings differ otherwise: MUHAMMAD, MOHAMED) nor
 * a query token taken for a variant, nor for two forms of a name
 * (ft_other_form: DANIELA, DANIEL) or two romanisations of one syllable
 * (ft_same_romanisation: GANG, KANG), which their own rules weigh.
 */
static bool
untyped_miss(const NameIndex *ix, const ScreenQuery *q, const ListedName *nm, int qi,
			 const Vocab *v)
{
	if (nm->han || q->nn.translit || q->nn.han || q->nn.greek || v->strong == 0 ||
		q->it.strong[qi] == 0 || q->corrected[q->it.first[qi]] < 1.0f)
		return false;
	return !ft_variant_canon(FT_STR(ix, v->s)) && ft_latin_written(FT_STR(ix, nm->name)) &&
		!ft_typed_within_two(q->it.s[qi], q->it.len[qi], FT_STR(ix, v->s), v->len) &&
		!ft_other_form(q->it.s[qi], q->it.len[qi], FT_STR(ix, v->s), v->len, true) &&
		!ft_same_romanisation(q->it.s[qi], q->it.len[qi], FT_STR(ix, v->s), v->len);
}

/*
 * Are a syllable of query q (a) and a listed Latin one (b) one syllable's
 * spellings?  A query written in Chinese characters is read in pinyin
 * (ft_same_reading); another's syllable may be either romanisation
 * (ft_same_romanisation).
 */
static bool
same_syllable(const ScreenQuery *q, const char *a, int la, const char *b, int lb)
{
	return q->nn.han ? ft_same_reading(a, la, b, lb) : ft_same_romanisation(a, la, b, lb);
}

/*
 * Is the near miss of query token qi and the listed token v of the name
 * nm (single tokens, the plain pass) one between a character and another
 * syllable: the query written in Chinese characters or Hangul (each token
 * one character's reading: translit.c writes a blank between two Hangul
 * syllables; of Chinese characters, a pinyin syllable), the listed name in
 * Latin letters, its token one syllable (ft_word_is_syllable; against
 * Hangul also a Korean syllable's shape, ft_word_is_korean_syllable), and
 * not the same syllable in another romanisation (ft_same_romanisation)?
 * The query's letters are neither typed nor another spelling of the listed
 * syllable: 영 yeong is not KYONG, 정 jeong not JUNG's SIK, 政 zheng not ZHANG
 * (session 22; a Latin query's syllables are session 17's COMMON_MISS).
 */
static bool
character_miss(const NameIndex *ix, const ScreenQuery *q, const ListedName *nm, int qi,
			   const Vocab *v, int cspan)
{
	const char *cs = FT_STR(ix, v->s);

	if (q->forms != FT_FORM_PLAIN || q->it.span[qi] != 1 || cspan != 1 ||
		!(q->nn.han || q->nn.hangul) || nm->abjad || nm->keyed || nm->han)
		return false;
	if (!q->nn.hangul && !ft_word_is_syllable(q->it.s[qi], q->it.len[qi]))
		return false;
	if (!ft_word_is_syllable(cs, v->len) &&
		!(q->nn.hangul && ft_word_is_korean_syllable(cs, v->len)))
		return false;
	/* (a Latin name spelt the Cantonese way: the character's Cantonese reading, translit_yue.c) */
	if (q->nn.han && nm->cantonese && ft_cantonese_pair(cs, v->len, q->it.s[qi], q->it.len[qi]))
		return false;
	return !same_syllable(q, q->it.s[qi], q->it.len[qi], cs, v->len);
}

/*
 * The consonants of a skeleton from position i: a letter, or one of the
 * two-letter consonants the skeletons write (sh, kh, gh, ch, th, dh, zh,
 * ph: ICU's shin, khah, ghayn), whose length it returns.
 */
static int
skeleton_unit(const char *s, int len, int i)
{
	if (i + 1 < len && s[i + 1] == 'h' && strchr("sgkctdzp", s[i]) != NULL)
		return 2;
	return 1;
}

/*
 * The consonants of skeleton s (len), counted; with u and w given, each
 * one's start and length too, and -1 when there are more than
 * FT_SKELETON_UNITS of them
 */
static int
skeleton_units(const char *s, int len, const char **u, int *w)
{
	int			n = 0;

	for (int i = 0; i < len; i += skeleton_unit(s, len, i))
	{
		if (u != NULL)
		{
			if (n == FT_SKELETON_UNITS)
				return -1;
			w[n] = skeleton_unit(s, len, i);
			u[n] = s + i;
		}
		n++;
	}
	return n;
}

/*
 * Are two consonant skeletons two consonants apart or more: more than one
 * consonant added, left out or changed, or two side by side swapped,
 * counted by consonants (sh one)?  A skeleton is what a name is made of:
 * its spellings and transliterations differ in one consonant (an
 * article's l, a final y, an h or b left out, qaf as k or g: brjb and
 * brkb, BOURGUIBA), two are another name (mhdy MAHDI and mhmd
 * MUHAMMAD, khdr KHUDAIR and khld KHALID).
 */
bool
ft_skeletons_apart(const char *a, int la, const char *b, int lb)
{
	const char *ua[FT_SKELETON_UNITS],
			   *ub[FT_SKELETON_UNITS];
	int			wa[FT_SKELETON_UNITS],
				wb[FT_SKELETON_UNITS];
	int			na = skeleton_units(a, la, ua, wa),
				nb = skeleton_units(b, lb, ub, wb);
	int			d[FT_SKELETON_UNITS + 1][FT_SKELETON_UNITS + 1];

	if (na < 0 || nb < 0)
		return false;
	if (abs(na - nb) >= 2)
		return true;
#define UNIT_EQ(i, j) (ua[i][0] == ub[j][0] && wa[i] == wb[j])
	for (int i = 0; i <= na; i++)
		d[i][0] = i;
	for (int j = 0; j <= nb; j++)
		d[0][j] = j;
	for (int i = 1; i <= na; i++)
		for (int j = 1; j <= nb; j++)
		{
			int			v = d[i - 1][j - 1] + !UNIT_EQ(i - 1, j - 1);

			v = Min(v, d[i - 1][j] + 1);
			v = Min(v, d[i][j - 1] + 1);
			if (i > 1 && j > 1 && UNIT_EQ(i - 1, j - 2) && UNIT_EQ(i - 2, j - 1))
				v = Min(v, d[i - 2][j - 2] + 1);
			d[i][j] = v;
		}
#undef UNIT_EQ
	if (d[na][nb] >= 2)
		return true;
	/* (one consonant changed: a liquid or nasal for another consonant, but m for n) */
	if (na == nb)
	{
		int			at = -1,
					ndiff = 0;

		for (int i = 0; i < na; i++)
			if (ua[i][0] != ub[i][0] || wa[i] != wb[i])
				at = i, ndiff++;
		if (ndiff == 1)
		{
			bool		sa = wa[at] == 1 && strchr("lrmn", ua[at][0]) != NULL,
						sb = wb[at] == 1 && strchr("lrmn", ub[at][0]) != NULL;

			if ((sa || sb) &&
				!(sa && sb && strchr("mn", ua[at][0]) != NULL && strchr("mn", ub[at][0]) != NULL))
				return true;
		}
	}
	return false;
}

/*
 * Do two skeletons of as many consonants differ (one changed for another)?
 */
bool
ft_skeleton_changed(const char *a, int la, const char *b, int lb)
{
	return skeleton_units(a, la, NULL, NULL) == skeleton_units(b, lb, NULL, NULL) &&
		(la != lb || memcmp(a, b, la) != 0);
}

/*
 * Does a script's reading bring the skeletons of query token qi and the
 * listed entry v (whose string is cs) nearer than their letters: the Hebrew
 * keys, a query in Hebrew letters read as a Latin skeleton, the Latin gh
 * read as qaf (ft_item_sim's)?  Then their letters are not how far apart
 * they are (פלדשטיין pldshtn is FELDSTEIN fldstn).
 */
static bool
skeletons_read(const ScreenQuery *q, int qi, const Vocab *v, const char *cs)
{
	const char *qs = q->it.s[qi];
	int			ql = q->it.len[qi];
	float		sim = ft_tok_sim(qs, ql, cs, v->len);
	bool		e;

	if (q->nn.hebrew)
		return ft_hebrew_query_sim(qs, ql, cs, v->len) > 0.0f;
	if ((v->forms & FT_FORM_HEBREW) && !q->nn.abjad &&
		ft_hebrew_sim(qs, ql, cs, v->len, &e) > sim)
		return true;
	if (q->nn.abjad)
		return ft_qaf_sim(cs, v->len, qs, ql, &e) > sim;
	return (v->forms & FT_FORM_ABJAD_SKELETON) && ft_qaf_sim(qs, ql, cs, v->len, &e) > sim;
}

/*
 * How many times the knee's loss a near miss (below KNEE) of query token
 * qi and the listed item v (cspan tokens) of the name nm costs: COMMON_MISS when both
 * are common words of the lists (common_word: ALI and SALI, YONG and
 * MYONG, MAHMUD and MUHAMMAD, SHIPPING and SHIPYARD) and both names are
 * written in Latin letters, in the plain pass.  Two established
 * spellings a letter or two apart are two names or two words; a typing
 * error seldom makes another common word.  So does one between two
 * syllables of Chinese or Korean names (ft_word_is_syllable: ZHENG and
 * ZHANG, HAO and ZHAO), however rare: each is a character, one a letter
 * off another name, unless their Korean or Chinese keys are equal (KANG
 * and GANG, DENG and TENG: one syllable's romanisations).  GENERIC_MISS
 * when the listed name is an entity's, the pairs taken before this one
 * that are KNEE similar or more all pair generic words (common_word at
 * GENERIC_IDF: INTERNATIONAL, SHIPPING, TRADING), at least one (generic),
 * and the near miss is no keyboard slip: the company's own word is the
 * one that misses (NORDIC TRADING / NORD TRADING, SAVANNA INTERNATIONAL /
 * HAVANA INTERNATIONAL BANK), and equal generic words say little.
 * COMMON_MISS, too, between two parts of a person's name that end alike
 * and begin otherwise, no keyboard slip or two apart (same_ending:
 * TKACHENKO and SAVCHENKO, KOWALSKA and PAWLOWSKA).  A name
 * in another script is compared through its machine transliteration,
 * which misses common spellings by a letter (SID for SAID), and skeletons
 * are short by design: they keep 1.  UNTYPED_MISS, before all of these,
 * when both names are written in Latin letters and no typing error makes
 * the one word of the other (untyped_miss: QALEM and ALEMU, SALIM and
 * SALMA): another name, not the listed one mistyped (session 20).
 * CHARACTER_MISS, first, when the query is written in Chinese characters
 * or Hangul and its syllable near-misses another listed syllable
 * (character_miss: 商 shang and ZHANG, 영 yeong and KYONG): another
 * character, so the pair counts nothing (session 24; ten times before).  SKELETON_MISS
 * in the skeleton pass, between two single tokens two consonants apart or
 * more (ft_skeletons_apart: mhdy MAHDI and mhmd MUHAMMAD) that no script's
 * reading brings nearer (skeletons_read): another name (session 22).
 * *why names the case for explain_match (another_character,
 * another_skeleton, untyped, common_words, syllables, same_ending,
 * generic_words; usual for the usual cost).
 */
const char	ft_miss_untyped[] = "untyped";

double
ft_near_miss_factor(const NameIndex *ix, const ScreenQuery *q, const ListedName *nm,
				 int qi, const Vocab *v, int cspan, bool generic, const char **why)
{
	*why = "another_character";
	if (character_miss(ix, q, nm, qi, v, cspan))
		return CHARACTER_MISS;
	*why = "another_skeleton";
	if (q->forms == FT_FORM_SKELETON && q->it.span[qi] == 1 && cspan == 1 &&
		ft_skeletons_apart(q->it.s[qi], q->it.len[qi], FT_STR(ix, v->s), v->len) &&
		!skeletons_read(q, qi, v, FT_STR(ix, v->s)))
		return SKELETON_MISS;
	*why = "usual";
	if (q->forms != FT_FORM_PLAIN || q->it.span[qi] != 1 || cspan != 1 || nm->abjad || nm->keyed ||
		q->nn.abjad || q->nn.hangul || q->nn.thai || q->nn.cyrillic)
		return 1.0;
	*why = ft_miss_untyped;
	if (untyped_miss(ix, q, nm, qi, v))
		return UNTYPED_MISS;
	*why = "common_words";
	if (ft_both_common(q, qi, v, COMMON_IDF))
		return COMMON_MISS;
	*why = "syllables";
	/* (a name in Chinese characters is compared by its keys; one syllable's romanisations meet by theirs) */
	if (!q->nn.han && !nm->han && ft_word_is_syllable(q->it.s[qi], q->it.len[qi]) &&
		ft_word_is_syllable(FT_STR(ix, v->s), v->len) &&
		!ft_same_romanisation(q->it.s[qi], q->it.len[qi], FT_STR(ix, v->s), v->len))
		return COMMON_MISS;
	*why = "same_ending";
	if (ix->entities[nm->entity].kind == FT_KIND_INDIVIDUAL &&
		same_ending(q->it.s[qi], q->it.len[qi], FT_STR(ix, v->s), v->len))
		return COMMON_MISS;
	*why = "generic_words";
	/* (a keyboard slip is how a company's own word is mistyped) */
	if (generic && ix->entities[nm->entity].kind == FT_KIND_ENTITY &&
		ft_slip_sim(q->it.s[qi], q->it.len[qi], FT_STR(ix, v->s), v->len) == 0.0f)
		return GENERIC_MISS;
	*why = "usual";
	return 1.0;
}

/*
 * Does a syllable of query join qi that opens with a vowel follow one that
 * ends with a vowel (이유 i yu, folded li iu)?  Those are two syllables'
 * vowels, which the Korean key, writing a doubled letter once, makes one
 * (liiu and RYU, riu: both nio).
 */
static bool
vowels_meet(const ScreenQuery *q, int qi)
{
	for (int t = q->it.first[qi] + 1; t < q->it.first[qi] + q->it.span[qi]; t++)
		if (q->it.len[t - 1] > 0 && q->it.len[t] > 0 &&
			ft_key_vowel(q->it.s[t - 1][q->it.len[t - 1] - 1]) && ft_key_vowel(q->it.s[t][0]))
			return true;
	return false;
}

/*
 * Is query item qi a join of words that are each a syllable of a Chinese
 * or Korean name (ft_word_is_syllable: Long-hao, Kwang Ho; every token of
 * a query written in Hangul), met by a
 * listed word cs that is not that join in another romanisation
 * (ft_same_romanisation)?  Each syllable is a character: a given name
 * written in two syllables that differs from the listed one in a letter
 * differs in a character (LONG HAO is not LONGBAO), and the join, though
 * KNEE similar, is another name.  Nor is a join of Hangul syllables whose
 * vowels meet (vowels_meet: 이유 li iu) a listed word of one syllable's
 * shape (RYU), however equal their keys (session 24).
 */
bool
ft_syllables_other(const ScreenQuery *q, int qi, const char *cs, int clen)
{
	if (q->it.span[qi] < 2)
		return false;
	/* (each token of a query written in Hangul is a syllable: session 22) */
	if (q->nn.hangul)
		return !ft_same_romanisation(q->it.s[qi], q->it.len[qi], cs, clen) ||
			(vowels_meet(q, qi) && ft_word_is_korean_syllable(cs, clen));
	for (int t = q->it.first[qi]; t < q->it.first[qi] + q->it.span[qi]; t++)
		if (!ft_word_is_syllable(q->it.s[t], q->it.len[t]))
			return false;
	return !same_syllable(q, q->it.s[qi], q->it.len[qi], cs, clen);
}

/*
 * Is the query a name written in Chinese characters or Hangul of two
 * syllables or more and no comma?  Such a name is written family name
 * first (禹亮 Yu Liang, 이유진 Lee Yu-jin): its first syllable is the
 * family name, whatever the order a Latin spelling gives its parts.
 */
static bool
cjk_family(const ScreenQuery *q)
{
	return (q->nn.han || q->nn.hangul) && q->nn.family == 0 && q->nn.ntok >= 2 &&
		q->it.strong[0] > 0;
}

/* the query's tokens that are its family name (bit t: token t) */
uint32
ft_family_mask(const ScreenQuery *q)
{
	return cjk_family(q) ? 1u : (1u << q->nn.family) - 1;
}

/*
 * The query's family name, written before its comma: its first real token
 * there, when the listed name is a person's written with a comma too
 * (nm->family), else -1
 */
int
ft_query_family(const NameIndex *ix, const ScreenQuery *q, const ListedName *nm)
{
	if (q->forms != FT_FORM_PLAIN || nm->family == 0 ||
		ix->entities[nm->entity].kind != FT_KIND_INDIVIDUAL)
		return -1;
	/* (a name written in Chinese characters or Hangul: its first syllable, session 24) */
	if (cjk_family(q))
		return 0;
	for (int t = 0; t < Min(q->nn.family, q->nn.ntok); t++)
		if (q->it.strong[t] > 0)
			return t;
	return -1;
}

/* is a real token of the listed family name of nm one of the query's tokens but its first? */
static bool
cjk_family_elsewhere(const NameIndex *ix, const ScreenQuery *q, const ListedName *nm)
{
	const int32 *items = FT_ITEMS(ix, nm);

	for (int t = 0; t < nm->family && t < nm->ntok; t++)
	{
		const Vocab *v = &ix->vocab[items[t]];
		const char *cs = FT_STR(ix, v->s);

		if (v->strong <= 0)
			continue;
		for (int i = 1; i < q->nn.ntok; i++)
			if (strcmp(q->it.s[i], cs) == 0 ||
				(q->nn.hangul ? ft_same_romanisation(q->it.s[i], q->it.len[i], cs, v->len) :
				 ft_same_reading(q->it.s[i], q->it.len[i], cs, v->len)))
				return true;
	}
	return false;
}

/*
 * Did the query's family name (its first real token: qf) meet only given
 * names of the listed name (qf_to: the listed tokens its tokens met, all
 * after the listed comma), while the listed family name holds no such
 * word?  The two names hold the same words in other roles: AL-AHMAD,
 * Yusuf is not AL-YUSUF, Samir al-Ahmad.  (HASAN, Ahmad meets HASAN
 * YUSUF, Ahmad by its family name: the listed name less a part; SAOD,
 * Said, mistyped, meets SA'ID, Sa'id's given name, which is its family
 * name's word as well: the query cannot tell which it met.)
 */
bool
ft_family_crossed(const NameIndex *ix, const ScreenQuery *q, const ListedName *nm, int qf,
			   uint32 qf_to)
{
	const int32 *items = FT_ITEMS(ix, nm);

	/*
	 * (a family name written first in Chinese characters or Hangul that met
	 * nothing, while another syllable of the query is the listed family
	 * name: 이유진 li yu jin is not YU, Jin)
	 */
	if (qf >= 0 && qf_to == 0 && cjk_family(q))
		return cjk_family_elsewhere(ix, q, nm);
	if (qf < 0 || qf_to == 0 || (qf_to & ((1u << nm->family) - 1)) != 0)
		return false;
	for (int t = 0; t < nm->family; t++)
	{
		if (strcmp(q->it.s[qf], FT_STR(ix, ix->vocab[items[t]].s)) == 0)
			return false;
		/* (a given name it met that is a real word of the family name too: SA'ID, Sa'id) */
		for (int g = nm->family; g < nm->ntok; g++)
			if ((qf_to & (1u << g)) && items[g] == items[t] && ix->vocab[items[t]].strong > 0)
				return false;
	}
	return true;
}

/*
 * A match of consonant skeletons fits more names than one of spellings:
 * SHORT_SKELETON when either side has fewer than SKELETON_SHORT consonants
 * (a short skeleton such as "jn" fits many names), else 1.
 */
double
ft_skeleton_factor(const NameIndex *ix, const ScreenQuery *q, const ListedName *nm,
				   MatchExplain *ex)
{
	const int32 *items = FT_ITEMS(ix, nm);
	int			clen = 0;
	int			n;
	double		f;

	for (int t = 0; t < nm->ntok; t++)
		clen += ix->vocab[items[t]].len;
	n = Min(clen, q->joined_len);
	if (n >= SKELETON_SHORT)
		return 1.0;
	f = Max(SHORT_SKELETON, 1.0 - SKELETON_STEP * (SKELETON_SHORT - n));
	/* (the detail only when explaining: every short skeleton's candidate comes here) */
	if (ex != NULL)
		ft_explain_factor(ex, "short_skeleton", f,
						  psprintf("%d and %d consonants", q->joined_len, clen));
	return f;
}
