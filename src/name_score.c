/*-------------------------------------------------------------------------
 *
 * name_score.c
 *	  The similarity model of screening: the score of a query against a
 *	  listed name (two tokens' similarity, ft_tok_sim, is
 *	  name_similarity.c's; a query item's and a listed entry's,
 *	  ft_item_sim, name_item_sim.c's; a token's weight, name_weight.c's).
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
 * (0.5 for the listed weight when two or more of its real tokens are left
 * unmatched), with a token's weight its length times its rarity among the
 * listed names.  A listed token that stands for a group of transliteration
 * variants is compared as the group's nearest spelling
 * (ft_variant_sim_above); a pair where one side is written in Hangul also
 * by the tokens' Korean keys (ft_korean_sim: the romanisations the lists
 * mix), and one written in Thai letters by their Thai keys (ft_thai_sim:
 * RTGS and the names' own spellings), one written in Cyrillic letters by
 * their Cyrillic keys (ft_cyrillic_sim: zh and dzh as j), one written in
 * Greek letters by their Greek keys (ft_greek_sim: the digraphs as said),
 * and a Latin query against a name written in Chinese characters (or a
 * query so written against a Latin name) by their Chinese keys, equal or
 * not at all (ft_chinese_sim: Wade-Giles, Cantonese
 * and pinyin; the entry's forms say some name holding it is written so, the
 * name's own flag that this one is: SimLink.unkeyed), and in the skeleton
 * pass a Latin query's skeleton against that of a name written in Hebrew
 * letters by their Hebrew keys (ft_hebrew_sim: bet as v, het and kaf as
 * ch or kh; the same flags, ListedName.hebrew), a query in Hebrew letters
 * against a Latin skeleton by what its letters may be read as
 * (ft_hebrew_query_sim: het and kaf as ch, pe as f), and a Latin skeleton
 * against one of a name in Arabic letters, either way, with the Latin gh
 * read as qaf (ft_qaf_sim: Persian GHALIBAF, قالیباف); a query token one
 * keyboard slip from a listed one (a neighbouring key, a letter doubled or
 * left out, two letters swapped) is at least SLIP_SIM similar (ft_slip_sim;
 * two slips in a long token TWO_SLIP_SIM); all of them are in
 * name_variants.c.  Two query words joined meet a single listed word of a
 * Latin name only from KNEE (join_near).  One real part of the listed name
 * left out costs less when the query is that name less a middle part
 * (listed_left_cost); a listed patronymic left over meets a query token
 * left over (a misspelt patronymic: leftover_patronymic).  Initials,
 * particles (al, bin, de, van ...), titles, legal forms inside a name and
 * patronymics weigh little.  Lopsided matches (one real token of several),
 * disagreeing numbers and patronymics, and a family name before a comma
 * meeting only given names (family_crossed), score less; a near miss
 * between two common words or two syllables of Chinese or Korean names, or
 * of an organisation's own word beside generic ones, or one no typing
 * error makes (name_typing.c), costs more (ft_near_miss_factor,
 * name_weight.c); equal skeletons of other vowel letters, and titles in
 * Arabic letters, are no pair (name_vowels.c, name_abjad_titles.c); short
 * codes are also compared whole.  Identical normalised names score 1.
 * docs/screening.md ("Matching model") has the whole list; the constants
 * are defined in name_score.h.
 *
 * Bounds: a query has at most MAX_TOKENS tokens, so at most
 * MAX_TOKENS * MAX_JOIN items a side; a score's pairs live on the stack.
 * No memory kept but the index handle's per query memo of leftover pairs
 * (ft_sim_memo_slot); no locks, no database access.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "port/pg_bitutils.h"
#include "utils/memutils.h"

#include "explain.h"
#include "fintech.h"
#include "name_score.h"
#include "name_words.h"
#include "screening.h"

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

static inline bool
pair_ok(float sim, int qspan, int cspan)
{
	return sim >= (qspan > 1 || cspan > 1 ? JOIN_FLOOR : SIM_FLOOR);
}

/*
 * Two query words or three, joined, meet a single listed word of a name
 * in Latin letters only when KNEE similar or more (latin: the query and
 * the listed name both written in Latin letters, the plain pass): a name
 * written apart that the list writes as one word (AL QAIDA, ALQAIDA) is
 * the same letters, while two words whose join is merely near one are
 * another name (SUSAN WARD, SUSANGIRD; Abdullah Bin, ABDULLAHI); a join
 * of syllables of a Chinese or Korean name only when equal or the same
 * syllables' romanisation (ft_syllables_other; of a query written in
 * Hangul too, session 22).  A name in another
 * script is compared through its machine transliteration, whose joins
 * miss by a letter: it keeps JOIN_FLOOR.
 */
static inline bool
join_near(float sim, int qspan, int cspan, bool latin)
{
	return !(latin && qspan > 1 && cspan == 1 && sim < KNEE);
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
		const Vocab *v = &ix->vocab[FT_ITEMS(ix, nm)[t]];
		const char *vs = FT_STR(ix, v->s);

		if (!(numbers ? ft_all_digits(vs, v->len) : ft_word_is_patronymic(vs)))
			continue;
		listed = true;
		for (int i = 0; i < q->nn.ntok && !shared; i++)
			shared = numbers ? strcmp(q->nn.tok[i], vs) == 0 :
				ft_word_is_patronymic(q->nn.tok[i]) &&
				ft_tok_sim(q->nn.tok[i], strlen(q->nn.tok[i]), vs, v->len) >= SIM_FLOOR;
	}
	return listed && !shared;
}

/*
 * The similarity of a pair as the score counts it: two short parts (3
 * letters or fewer: YAN, YUN) that are not equal count less (a letter of three
 * is a third of the name: YAN and YUN are two names); feminine and
 * masculine forms of a name, or a name and another made of it by a final
 * vowel, count less.  Only for names as written (the skeleton pass
 * compares short consonant strings by design).  keyed and
 * unkeyed are ft_item_sim's similarity with and without the Chinese keys,
 * keyeq its FT_KEYEQ bits: the keys count only for a name written in
 * Chinese characters (han).
 */
static float
pair_sim(const ScreenQuery *q, int qi, const char *cs, int clen, float keyed, float unkeyed,
		 uint8 keyeq, bool han)
{
	float		sim = han ? keyed : unkeyed;

	if (sim >= 1.0f || q->forms != FT_FORM_PLAIN)
		return sim;
	/* (equal script keys: one syllable in two romanisations, KUN / kon, KOO / ku) */
	if (Max(q->it.len[qi], clen) <= SHORT_TOKEN &&
		(keyeq & (han ? FT_KEYEQ : FT_KEYEQ_UNKEYED)) == 0)
		sim -= SHORT_TOKEN_LOSS;
	/* (Georgian writes PETROVI for PETROV: a vowel added only in Latin letters) */
	if (ft_other_form(q->it.s[qi], q->it.len[qi], cs, clen, !q->nn.translit))
		sim -= GENDERED_LOSS;
	return sim;
}

/*
 * Is listed name nm compared by the keys (ft_item_sim's similarity with
 * them, not unkeyed)?  A name written in Chinese characters, a skeleton of
 * one written in Hebrew letters, and in the skeleton pass a name written in
 * Arabic or Hebrew letters against a Latin query, or a Latin name against a
 * query so written: the entry's forms say some name holding it is written
 * so, the name's own flags that this one is; the Hebrew keys' similarity
 * (FT_KEYED_HEBREW) only where one side is written in Hebrew letters; a
 * Latin name spelt the Cantonese way against a query in Chinese
 * characters (translit_yue.c; not a name in them: pinyin both).
 */
static inline bool
keyed_name(const ScreenQuery *q, const ListedName *nm, uint8 keyeq)
{
	return (nm->han && !q->nn.han) || nm->hebrew || (q->nn.han && nm->cantonese) ||
		(q->forms != FT_FORM_PLAIN && nm->abjad != q->nn.abjad &&
		 (!(keyeq & FT_KEYED_HEBREW) || q->nn.hebrew));
}

/*
 * Can the script keys lift query token and listed entry v above what their
 * lengths allow the letters (ft_len_window)?  One side written in Hangul,
 * Thai, Greek or Cyrillic letters, whose keys write several letters as
 * one (욱 uk, WOOK: the Korean key leaves an initial w of woo out)
 */
static inline bool
keyed_pair(const ScreenQuery *q, const Vocab *v)
{
	return q->forms == FT_FORM_PLAIN &&
		((q->nn.hangul | q->nn.thai | q->nn.cyrillic | q->nn.greek) ||
		 (v->forms & (FT_FORM_HANGUL | FT_FORM_THAI | FT_FORM_CYRILLIC | FT_FORM_GREEK)) != 0);
}

/* what the leftover memo keeps: a query in Arabic or Hebrew letters meets Latin skeletons by the keys */
static inline bool
memo_keyed(const ScreenQuery *q)
{
	return q->forms != FT_FORM_PLAIN && q->nn.abjad;
}

/* does a Latin skeleton s[0 .. len - 1] hold a g, a j or a c, or begin with an l (the qaf, ghayn, c and article keys')? */
static inline bool
latin_keyed(const char *s, int len)
{
	return (len > 0 && s[0] == 'l') || memchr(s, 'g', len) || memchr(s, 'j', len) || memchr(s, 'c', len);
}

/* leftover_sim's work: query token qi against vocabulary entry vi (compared as for nm; NULL: as the memo keeps) */
static float
leftover_sim_of(const NameIndex *ix, const ScreenQuery *q, int qi, int vi, const ListedName *nm)
{
	float		unkeyed;
	float		sim;
	uint8		keyeq;

	/* (a query token: an item of span 1; in the plain pass a pair under SIM_FLOOR is dropped) */
	FT_CHECK(q->it.span[qi] == 1);
	sim = ft_item_sim(ix, q, qi, vi, q->forms == FT_FORM_PLAIN, &unkeyed, &keyeq);
	return pair_sim(q, qi, FT_STR(ix, ix->vocab[vi].s), ix->vocab[vi].len, sim, unkeyed, keyeq,
					nm != NULL ? keyed_name(q, nm, keyeq) : memo_keyed(q));
}

/*
 * The similarity of query token qi and the listed token vi, compared
 * directly as a leftover pair (ft_score_name): a function of the two
 * alone, kept for the rest of the query (ft_sim_memo_slot), since the
 * same tokens meet again in many candidates (MUHAMMAD, ALI ...).
 */
static float
leftover_sim(NameIndex *ix, const ScreenQuery *q, const ListedName *nm, int qi, int vi)
{
	bool		found;
	float	   *memo;
	float		sim;
	bool		kn = keyed_name(q, nm, 0);
	bool		mk = memo_keyed(q);

	/*
	 * (a name compared otherwise, by the keys or without them, where the
	 * keys can lift the pair: not kept; such pairs are few.  The gh of a
	 * Latin side, the query's or the listed one's, is the qaf key's, its j
	 * the ghayn key's, its c the c key's)
	 */
	if (kn != mk &&
		((ix->vocab[vi].forms & (FT_FORM_HAN | FT_FORM_HEBREW)) || (q->nn.han && nm->cantonese) ||
		 (q->forms != FT_FORM_PLAIN &&
		  (q->nn.hebrew ||
		   (mk ? latin_keyed(FT_STR(ix, ix->vocab[vi].s), ix->vocab[vi].len) :
			latin_keyed(q->it.s[qi], q->it.len[qi]))))))
		return leftover_sim_of(ix, q, qi, vi, nm);
	/* (else the keys cannot lift it: the memo's value is the name's) */
	FT_CHECK(kn == mk || leftover_sim_of(ix, q, qi, vi, nm) == leftover_sim_of(ix, q, qi, vi, NULL));
	memo = ft_sim_memo_slot(ix, q->stamp, vi, qi, &found);
	if (memo != NULL && found)
	{
		FT_CHECK(*memo == leftover_sim_of(ix, q, qi, vi, NULL));
		return *memo;
	}
	sim = leftover_sim_of(ix, q, qi, vi, NULL);
	if (memo != NULL)
		*memo = sim;
	return sim;
}

/*
 * What the listed name's unmatched weight costs (its real tokens not in
 * cused; mc: the weight matched; sq: the query's real tokens matched), a
 * unit of it:
 *
 * - UNMATCHED_C2 when two real parts or more found no counterpart
 *   (Patricia Rivera / SANCHEZ RIVERA, Doris Patricia): another name
 *   sharing a part or two, not the name with a part left out; and when
 *   the one part left out is the listed name's first real part while a
 *   real part of the query found no counterpart either (Kang Ye Jin /
 *   KIM, Kang Jin): the surname, the part people keep, is missing and
 *   the query holds another part in its place, so another family's
 *   namesake of the given names, not the name with a part left out (also
 *   when a query part is matched only by a near miss, under KNEE: Ramesh
 *   Kumar / GUPTA, Rajesh Kumar, another given name in the place of the
 *   one listed, and the surname missing);
 * - UNMATCHED_C1 when one did and the query is the listed name less that
 *   part: two real parts of the query or more, every one of them matched
 *   by a part at least KNEE similar (near: an equal part or a close
 *   spelling, not a near miss; YAN, Su / YAN, Su Xuan; DANAEI, Ali /
 *   DANAEI KENARSARI, Ali; RAZZAQ, Mohame Abdul / RAZZAQ, Mohamed
 *   Maathiu Abdul; not Ryan Wright / WRIGHT, Ian Colin, nor Jun Wong /
 *   WONG, Mun Chi, a slip of a short part: another name), and
 *   the part left out is not the listed name's first real part (the
 *   surname of SURNAME, Given, or the first given name of a name listed
 *   in its natural order: the part people keep; Sergio Ojeda is not
 *   AVENDANO OJEDA, Sergio, nor Karim Mansour AL-GHANIMI, Karim Mansur).  A
 *   second given name or a second surname is the part people leave out
 *   most, and nothing of the query speaks against the listed name; a
 *   rare left-out part (XUAN) otherwise outweighs two common ones matched;
 * - else UNMATCHED_C.
 *
 * The one part left out of a person's name while a real part of the
 * query found no counterpart (or, the surname, while one is a near miss)
 * weighs its length, not its rarity (ft_part_weight of a word no name
 * holds; an organisation's common words are generic and keep it): rarity
 * says how little a common part (LI, HASAN, LOPEZ) says when it matches,
 * but left out for another part it says as much as any (Youssef Hamad /
 * HASAN YUSUF, Ahmad; Song Eun-ji / RI, Eun Song; Sergio Rios Rodriguez /
 * RODRIGUEZ LOPEZ, Sergio).
 *
 * Two real parts with the article al between them (MUHYI AL DIN, NUR AL
 * HAQ, SAYF AL ISLAM: one Arabic compound name, written with hyphens or
 * without) count as one part left out when all three are, unless the
 * compound is the listed name's first real part (MUTI AL RAHMAN ALI
 * MUHAMMAD is not Muhammad Ali: the part people keep).
 *
 * In the skeleton pass only the first: two real parts or more of a name
 * in Arabic or Hebrew letters left out, a query meeting the consonants of
 * two of its four parts (Mohammed Khoury / HAMADA OULD MOHAMED AL-KHAIRI
 * written in Arabic letters), are another name sharing parts there as
 * well; the others are for names as written, a skeleton's parts
 * splitting where the scripts split them.
 */
/*
 * The weight of the query's titles left unmatched (q->titles): a title
 * (Dr, Ms, Haji, Sir) before a name part says nothing about who a person
 * is, wherever it stands (MADURO MOROS, Dr. Nicolas: after the family
 * name, where the lists write it; not dropped there, as in front, since a
 * name part may be a title word and a query may hold it anywhere), so it
 * costs nothing left out, on either side (listed_left_cost).  A title
 * word after the last name part is a family name (Irfan Sheikh) and
 * costs as any part.
 */
static double
titles_left(const ScreenQuery *q, uint32 qused)
{
	double		w = 0.0;

	for (uint32 m = q->titles & ~qused; m != 0; m &= m - 1)
		w += q->it.weight[pg_rightmost_one_pos32(m)];
	return w;
}

static double
listed_left_cost(const NameIndex *ix, const ScreenQuery *q, const ListedName *nm,
				 uint32 qused, uint32 cused, double mc, int sq, bool near)
{
	double		left_w = nm->weight - mc;
	const int32 *items = FT_ITEMS(ix, nm);
	int			uc = 0,
				first = -1,		/* the listed name's first real part */
				left = -1;		/* its real part left out (uc == 1) */
	bool		q_all = true;
	int			last = nm->ntok - 1;	/* the last real part */

	while (last > 0 && ix->vocab[items[last]].strong == 0)
		last--;
	for (int t = 0; t < nm->ntok; t++)
	{
		if (ix->vocab[items[t]].strong == 0)
		{
			/* (a title left out before a name part says nothing: NAME, Haji Given for Given NAME) */
			if (!(cused & (1u << t)) && t < last && q->forms == FT_FORM_PLAIN &&
				ft_word_in(WORDS_HONORIFICS, FT_STR(ix, ix->vocab[items[t]].s)))
				left_w -= ix->vocab[items[t]].weight;
			continue;
		}
		if (first < 0)
			first = t;
		if (!(cused & (1u << t)))
		{
			/* (the Y of X al Y, all three left out, X not the first part: X was counted) */
			if (t >= 2 && t - 2 != first && !(cused & (1u << (t - 1))) &&
				!(cused & (1u << (t - 2))) && ix->vocab[items[t - 2]].strong > 0 &&
				strcmp(FT_STR(ix, ix->vocab[items[t - 1]].s), "al") == 0)
				continue;
			uc++;
			left = t;
		}
	}
	if (uc >= 2)
		return UNMATCHED_C2 * left_w;
	if (q->forms != FT_FORM_PLAIN)
		return UNMATCHED_C * left_w;
	for (int t = 0; t < q->nn.ntok; t++)
		q_all &= (qused & (1u << t)) || q->it.strong[t] == 0;
	/* (one part left out and a real part of the query in its place; the first, the surname, costs more) */
	if (uc == 1 && (!q_all || (left == first && !near)))
	{
		const Vocab *v = &ix->vocab[items[left]];
		/* (a person's: an organisation's common words are generic, and say little either way) */
		double		w = ix->entities[nm->entity].kind != FT_KIND_INDIVIDUAL ? left_w :
			left_w - v->weight + ft_part_weight(FT_STR(ix, v->s), 0);

		return (left == first ? UNMATCHED_C2 : UNMATCHED_C) * w;
	}
	return (uc == 1 && left != first && q_all && near && sq >= 2 ? UNMATCHED_C1 : UNMATCHED_C) *
		left_w;
}

/*
 * A listed patronymic (weak) left over is compared with a real query
 * token left over (qi) in the plain pass: a patronymic misspelt out of
 * its ending (Gioreivch for Igorevich) is no longer one, and would stay
 * a real part of the query left unmatched.
 */
static bool
leftover_patronymic(const NameIndex *ix, const ScreenQuery *q, int qi, const Vocab *v)
{
	/* (a patronymic has 4 letters, ogli, or 7 or more: most weak tokens are not looked at) */
	return q->forms == FT_FORM_PLAIN && (v->len >= 7 || v->len == 4) &&
		ft_word_is_patronymic(FT_STR(ix, v->s)) &&
		(q->patronymics == 0 || !ft_word_is_patronymic(q->it.s[qi]));
}

/* the score of query q against listed name nm */
double
ft_score_name(NameIndex *ix, ScreenQuery *q, const ListedName *nm, MatchExplain *ex)
{
	const int32 *items = FT_ITEMS(ix, nm);
	const uint8 *first = FT_FIRST(ix, nm);
	const uint8 *span = FT_SPAN(ix, nm);
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
				npairs = 0,
				fathers = 0;	/* patronymics matched (query and listed) */
	bool		left_one = false;
	bool		untyped = false;	/* a pair taken is an untyped near miss */
	bool		near = true;	/* every pair taken is KNEE similar or more */
	bool		vowels = false; /* a pair refused (ft_pair_refused) */
	int			ngeneric = 0,	/* pairs KNEE similar or more of generic words */
				nown = 0;		/* ... of other real words */
	int			qf = ft_query_family(ix, q, nm);
	uint32		qf_to = 0;		/* the listed tokens the query's family name met */
	bool		latin = q->forms == FT_FORM_PLAIN && !nm->abjad && !nm->keyed &&
		!(q->nn.abjad || q->nn.hangul || q->nn.thai || q->nn.cyrillic || q->nn.greek);
	/* (a query in Hangul against a Latin name: its joins of syllables are judged too, session 22) */
	bool		hangul_latin = q->forms == FT_FORM_PLAIN && q->nn.hangul && !nm->abjad &&
		!nm->keyed && !nm->han;

	/* the pairs the index found similar */
	for (int ci = 0; ci < nm->nitems; ci++)
	{
		int			v = items[ci];

		for (int l = ft_link_head(ix, q->stamp, v); l >= 0 && np < lengthof(pairs);
			 l = q->links[l].next)
		{
			int			qi = q->links[l].qi;
			const Vocab *cv = &ix->vocab[v];
			/* (the link's similarity by the Chinese keys only for a name written so) */
			float		sim = pair_sim(q, qi, FT_STR(ix, cv->s), cv->len, q->links[l].sim,
									   q->links[l].unkeyed, q->links[l].keyeq,
									   keyed_name(q, nm, q->links[l].keyeq));
			bool		scripts = (cv->forms & (FT_FORM_HANGUL | FT_FORM_THAI |
												FT_FORM_CYRILLIC | FT_FORM_GREEK)) != 0;
			bool		lat = latin && !scripts;

			if (!pair_ok(sim, q->it.span[qi], span[ci]) ||
				!join_near(sim, q->it.span[qi], span[ci], lat))
				continue;
			if (ft_pair_refused(ix, q, nm, qi, first[ci], span[ci], sim, &vowels))
				continue;		/* (other vowel letters; a title in Arabic letters) */
			/* (a join of syllables meets a listed word only as those syllables) */
			if ((lat || (hangul_latin && !scripts)) && sim < 1.0f && span[ci] == 1 &&
				ft_syllables_other(q, qi, FT_STR(ix, cv->s), cv->len))
				continue;
			/* a join matches a token; two joins only when equal */
			if (q->it.span[qi] > 1 && span[ci] > 1 && sim < 1.0f)
				continue;
			pairs[np].sim = sim;
			pairs[np].qi = qi;
			pairs[np].ci = ci;
			pairs[np].cover = q->it.span[qi] + span[ci];
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
			uint32		cmask = ((1u << span[ci]) - 1) << first[ci];
			const Vocab *v = &ix->vocab[items[ci]];
			double		cw = v->weight;
			int			cs = v->strong;

			if ((qused & qmask) || (cused & cmask))
				continue;
			qused |= qmask;
			cused |= cmask;
			if (qf >= 0 && (qmask & ft_family_mask(q)))
				qf_to |= cmask;
			/*
			 * a join weighs what its tokens weigh in this name (its
			 * vocabulary entry may be another name's token: CHANOCHA)
			 */
			if (span[ci] > 1)
			{
				cw = 0;
				cs = 0;
				for (int t = first[ci]; t < first[ci] + span[ci]; t++)
				{
					cw += ix->vocab[items[t]].weight;
					cs += ix->vocab[items[t]].strong;
				}
			}
			{
				double		sim = pairs[p].sim;
				double		w = q->it.weight[qi] + cw;
				ExplainPair *xp = NULL;

				for (int t = q->it.first[qi]; t < q->it.first[qi] + q->it.span[qi]; t++)
					sim *= q->corrected[t];

				if (ex != NULL && ex->npairs < lengthof(ex->pairs))
				{
					xp = &ex->pairs[ex->npairs++];
					xp->query = q->it.s[qi];
					xp->listed = FT_STR(ix, v->s);
					xp->similarity = (float) sim;
					xp->near_miss = NULL;
				}
				plain += sim * w;
				near &= sim >= KNEE;
				if (sim < KNEE)
				{
					const char *why;

					sim -= ft_near_miss_factor(ix, q, nm, qi, v, span[ci],
											   ngeneric > 0 && nown == 0, &why) * BETA * (KNEE - sim);
					untyped |= why == ft_miss_untyped;
					/* what the pair counted for after the near miss's cost, and why */
					if (xp != NULL)
					{
						xp->near_miss = why;
						xp->counted = (float) Max(sim, 0.0);
					}
				}
				else if (q->it.span[qi] == 1 && span[ci] == 1 &&
						 ft_both_common(q, qi, v, GENERIC_IDF))
					ngeneric++;
				else if (q->it.strong[qi] > 0 || cs > 0)
					nown++;
				num += Max(sim, 0.0) * w;
				npairs++;
			}
			mq += q->it.weight[qi];
			mc += cw;
			sq += q->it.strong[qi];
			sc += cs;
			if (q->patronymics > 0 && q->it.span[qi] == 1 && span[ci] == 1 &&
				pairs[p].sim >= KNEE && ft_word_is_patronymic(q->it.s[qi]) &&
				ft_word_is_patronymic(FT_STR(ix, v->s)))
				fathers++;
		}
		if (round == 1 || qused == qall || cused == call)
			break;

		/*
		 * Tokens left on both sides: compare them directly (a typo can leave
		 * a token without enough trigrams in common for the index).  In the
		 * skeleton pass, the one strong part left on each side after others
		 * matched counts from LEFTOVER_FLOOR: the consonants of one part
		 * differ more than two spellings do.
		 */
		np = 0;
		{
			int			lq = 0,
						lc = 0;

			for (int qi = 0; qi < q->nn.ntok; qi++)
				lq += !(qused & (1u << qi)) && q->it.strong[qi] > 0;
			for (int ci = 0; ci < nm->ntok; ci++)
				lc += !(cused & (1u << ci)) && ix->vocab[items[ci]].strong > 0;
			left_one = (lq == 1 && lc == 1 && sq >= 1 && q->forms != FT_FORM_PLAIN);
		}
		for (int qi = 0; qi < q->nn.ntok; qi++)
		{
			int			lo,
						hi;

			if (qused & (1u << qi) || q->it.strong[qi] == 0)
				continue;
			/*
			 * (tokens of other lengths cannot be similar enough; the window
			 * is for SIM_FLOOR, so the one part left on each side, which
			 * counts from the lower LEFTOVER_FLOOR, is compared whatever
			 * its length, and so is a pair the script keys compare,
			 * keyed_pair: session 20)
			 */
			if (left_one)
			{
				lo = 0;
				hi = PG_INT32_MAX;
			}
			else
				ft_len_window(q->it.len[qi], &lo, &hi);
			for (int ci = 0; ci < nm->ntok; ci++)
			{
				const Vocab *v = &ix->vocab[items[ci]];
				float		sim;

				/* (a listed particle may be a syllable of a query in Hangul or Chinese characters: 두 DOO) */
				if (cused & (1u << ci) ||
					((v->len < lo || v->len > hi) && !keyed_pair(q, v)) ||
					(v->strong == 0 && !leftover_patronymic(ix, q, qi, v) &&
					 !(q->nn.hangul || q->nn.han)))
					continue;
				sim = leftover_sim(ix, q, nm, qi, items[ci]);
				if (!(left_one ? sim >= LEFTOVER_FLOOR : pair_ok(sim, 1, 1)) ||
					ft_pair_refused(ix, q, nm, qi, ci, 1, sim, &vowels))
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
		 * exact parts is how different people look alike (and an untyped
		 * near miss, which is another name: name_evidence.c) */
		score = (ft_knee_applies(npairs, untyped) ? num : plain) /
			(mq + mc + UNMATCHED_Q * (q->weight - mq - titles_left(q, qused)) +
			 listed_left_cost(ix, q, nm, qused, cused, mc, sq, near));

		/*
		 * Lopsided: one side matched by a single real token while the other
		 * has real tokens left over.  A patronymic matched counts as a
		 * real token here when the other is the listed name's first real
		 * part (the surname of SURNAME, Given Patronymic): the surname and
		 * the father's name (PUTIN VLADIMIROVICH) say who the person is
		 * as a given name would; a given name and the father's (Sergey
		 * Ivanovich) do not.  Nor is a query lopsided whose every real
		 * part matched when the listed part left is X of Abd al-X, the
		 * query holding abd al (ft_abd_al_cut).
		 */
		if (fathers > 0 && !ft_first_matched(ix, nm, cused))
			fathers = 0;
		if ((Min(sq, sc) + Min(fathers, 1) <= 1) && (sq < q->strong || sc < nm->strong) &&
			!(q->forms == FT_FORM_PLAIN && sq == q->strong && ft_abd_al_cut(ix, nm, cused)))
		{
			score *= LOPSIDED;
			ft_explain_factor(ex, "lopsided", LOPSIDED, NULL);
		}
		/*
		 * Different patronymics are different fathers: IVANOV, Sergey
		 * Petrovich is not Sergey Nikolayevich Ivanov.
		 */
		if (q->patronymics > 0 && none_shared(ix, q, nm, false))
		{
			score *= FATHER_MISMATCH;
			ft_explain_factor(ex, "patronymic", FATHER_MISMATCH, NULL);
		}
		/* the query's family name is a listed given name (AL-AHMAD, Yusuf) */
		if (ft_family_crossed(ix, q, nm, qf, qf_to))
		{
			score *= FAMILY_CROSSED;
			ft_explain_factor(ex, "family_name", FAMILY_CROSSED, NULL);
		}
		/* "VESSEL 7" is not "VESSEL 9": numbers on both sides, none shared */
		if (q->numbers > 0 && none_shared(ix, q, nm, true))
		{
			score *= NUMBER_MISMATCH;
			ft_explain_factor(ex, "numbers", NUMBER_MISMATCH, NULL);
		}
	}

	/*
	 * Short codes (aircraft registrations such as EP-MNU): a typo there
	 * changes a whole part, so they are also compared as one string; so
	 * are short consonant skeletons (their parts split where the scripts
	 * split them), from KNEE only.  Not other names: HAN LEI is not
	 * HANLEY.
	 */
	if (score < 1.0 && q->nn.ntok <= MAX_JOIN && nm->ntok <= MAX_JOIN &&
		(q->nn.ntok > 1 || nm->ntok > 1) && q->joined_len <= SHORT_CODE &&
		(ix->entities[nm->entity].kind == FT_KIND_AIRCRAFT ||
		 ix->entities[nm->entity].kind == FT_KIND_VESSEL || q->numbers > 0 ||
		 q->forms == FT_FORM_SKELETON))
	{
		for (int ci = nm->ntok; ci < nm->nitems; ci++)
			if (first[ci] == 0 && span[ci] == nm->ntok)
			{
				const Vocab *v = &ix->vocab[items[ci]];
				bool		parts_short = true;

				for (int t = 0; t < nm->ntok; t++)
					parts_short &= ix->vocab[items[t]].len <= SHORT_PART;
				if (v->len <= SHORT_CODE && parts_short)
				{
					double		whole = ft_tok_sim(q->joined, q->joined_len, FT_STR(ix, v->s), v->len);

					/* (skeletons a letter or two apart fit too many names) */
					if (whole > score && (q->forms != FT_FORM_SKELETON ||
										  (whole >= KNEE && !vowels &&
										   !ft_skeletons_apart(q->joined, q->joined_len,
															   FT_STR(ix, v->s), v->len) &&
										   !ft_skeleton_changed(q->joined, q->joined_len,
																FT_STR(ix, v->s), v->len))))
					{
						score = whole;
						if (ex != NULL)
							ex->whole = true;
					}
				}
			}
	}
	if (ex != NULL)
	{
		for (int t = 0; t < q->nn.ntok; t++)
			if (!(qused & (1u << t)))
				ex->unmatched_q[ex->nunmatched_q++] = q->nn.tok[t];
		for (int t = 0; t < nm->ntok && t < lengthof(ex->unmatched_c); t++)
			if (!(cused & (1u << t)))
				ex->unmatched_c[ex->nunmatched_c++] = FT_STR(ix, ix->vocab[items[t]].s);
		ex->name_score = Min(score, 1.0);
	}
	return Min(score, 1.0);
}
