/*-------------------------------------------------------------------------
 *
 * name_score.h
 *	  The similarity model of screening (name_score.c, name_variants.c): its constants, a
 *	  query prepared for scoring, and the score of a query against a
 *	  listed name.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_NAME_SCORE_H
#define FINTECH_NAME_SCORE_H

#include "name_index.h"
#include "normalize.h"

/*
 * The scoring model's constants, chosen on the evaluation set of
 * test/bench/screening (see docs/benchmarks.md for the trade-off).
 */
#define SIM_FLOOR		0.80	/* token pairs below this do not match */
#define JOIN_FLOOR		0.90	/* pairs involving a join of tokens */
#define LEFTOVER_FLOOR	0.75	/* skeleton pass: the one part left on each side after others matched */
#define KNEE			0.92	/* similarities below this count ... */
#define BETA			0.5		/* ... this much less per unit below it */
#define COMMON_IDF		0.70	/* a word this common (rarity weight; ~20 listed names) ... */
#define COMMON_MISS		3.0		/* ... near-missing another such word loses the knee's loss this many times */
#define GENERIC_IDF		0.60	/* a word this common (~55 listed names): generic (TRADING) ... */
#define GENERIC_MISS	3.0		/* ... an entity's other word near-missing, the rest generic */
#define UNTYPED_MISS	10.0	/* a near miss no two keyboard slips make (Latin names) */
#define CHARACTER_MISS	1000.0	/* a near miss of a syllable written in Chinese characters or Hangul: counts 0 */
#define SKELETON_MISS	10.0	/* a near miss of consonant skeletons two consonants apart */
#define FT_SKELETON_UNITS	24	/* ... compared so up to this many consonants */
#define KNOWN_PENALTY	0.05	/* a listed word taken for another one */
#define UNMATCHED_Q		0.70	/* cost of a query token left unmatched */
#define UNMATCHED_C		0.35	/* cost of a listed name's token left unmatched */
#define UNMATCHED_C2	0.50	/* ... when two or more of its real tokens are */
#define UNMATCHED_C1	0.25	/* ... when one is and the query's real tokens all matched */
#define LENGTH_PENALTY	0.30	/* similarity lost per unit of length ratio short of 1 */
#define LOPSIDED		0.80	/* one token matched of several */
#define IDF_SLOPE		0.10	/* weight lost per e-fold of names holding a token */
#define IDF_MIN			0.30	/* ... down to this */
#define MIN_HIT			0.30	/* a candidate's tokens must hit this share of the query */
#define NUMBER_MISMATCH	0.70	/* both names hold numbers, and none agree */
#define VARIANT_TYPO	0.90	/* a query token this near a variant is that variant */
#define KOREAN_KEY_COST	0.05	/* a pair that meets only by its Korean keys loses this */
#define THAI_KEY_COST	0.05	/* a pair that meets only by its Thai keys loses this */
#define THAI_FRAME_COST	0.10	/* ... and one that meets only by their frames (ft_thai_frame_sim) this */
#define THAI_FRAME_MIN	4		/* ... which have this many consonants or more */
#define CYRILLIC_KEY_COST	0.05	/* a pair that meets only by its Cyrillic keys loses this */
#define GREEK_KEY_COST	0.05	/* a pair that meets only by its Greek keys loses this */
#define CHINESE_KEY_COST	0.05	/* a pair that meets only by its Chinese keys loses this */
#define CANTONESE_COST	0.10	/* a pair that meets only as a Cantonese reading of pinyin loses this */
#define HEBREW_KEY_COST	0.05	/* a pair of skeletons that meets only by their Hebrew keys loses this */
#define HEBREW_QUERY_COST	0.10	/* a query in Hebrew letters meeting a Latin skeleton only by hebrew_reads loses this */
#define QAF_KEY_COST	0.05	/* a pair of skeletons that meets only by a Latin gh read as qaf loses this */
#define ARTICLE_KEY_MIN	3	/* an Arabic skeleton met by a Latin one with the article's l joined (ELARABY lrby, rby) has this many letters or more */
#define SLIP_SIM		0.90	/* a token one keyboard slip from another is this similar at least */
#define TWO_SLIP_SIM	0.85	/* ... two slips, both tokens this long or longer: */
#define TWO_SLIP_LEN	8
#define TYPED_SLIP_FLOOR 0.65	/* slips judged on the letters as typed from this similarity (ft_typed_slip_sim) */
#define LEGAL_SLIP_LEN	6		/* a query's last word one slip from a legal form this long is one */
#define FATHER_MISMATCH	0.85	/* both names hold patronymics, and none agree */
#define FAMILY_CROSSED	0.90	/* the query's family name is only a listed given name */
#define WEAK_WEIGHT		1.0f
/* consonant skeletons (names written without short vowels) */
#define SKELETON_SHORT	8		/* consonants: a side with fewer ... */
#define SKELETON_STEP	0.03	/* ... scores this much less per consonant short of it ... */
#define SHORT_SKELETON	0.85	/* ... down to this */
/* attributes that contradict the listed entity's (never a bonus for agreeing ones) */
#define BIRTH_MISMATCH	0.70	/* no listed birth date within a year of the given one */
#define BIRTH_NEAR		0.85	/* a listed one a year off, or the same year but not the date */
#define COUNTRY_MISMATCH	0.90	/* the given country is none of the entity's */
#define KIND_MISMATCH	0.70	/* an individual for an organisation, vessel or aircraft, or the reverse */
#define KIND_OTHER		0.90	/* an organisation for a vessel or an aircraft, or the reverse */
#define SHORT_TOKEN		3		/* parts this short that are not equal ... */
#define SHORT_TOKEN_LOSS	0.05	/* ... lose this much similarity */
#define GENDERED_LOSS	0.10	/* ... and the a/o forms of a name (FERNANDA, FERNANDO) */
#define SHORT_CODE		7		/* codes this short are also compared whole */
#define SHORT_PART		3		/* ... when made of parts this short */

/*
 * Per query: for each vocabulary entry reached through the trigram index,
 * the query items it is similar to (sim >= SIM_FLOOR), as a linked list.
 * Item pairs the index did not reach do not match.
 */
typedef struct SimLink
{
	int16		qi;
	uint8		keyeq;			/* FT_KEYEQ bits (ft_item_sim) */
	float		sim;
	float		unkeyed;		/* sim without the Chinese keys (ft_item_sim) */
	int			next;			/* -1: end */
} SimLink;

/*
 * ft_item_sim's *keyeq: the similarity (FT_KEYEQ), the one without the
 * Chinese keys (FT_KEYEQ_UNKEYED), is that of two equal Thai, Greek,
 * Cyrillic or Chinese keys: two spellings of one sound in two
 * romanisations (PRAMOJ / pramot, TE / de), which lose the key's cost only,
 * not a known word's or a short part's (item_sim_last, pair_sim).  Of the
 * Korean keys only equal strict keys (session 19): the key merges vowels
 * Korean tells apart (eo o u eu: 건 kon, 근 kun), so equal Korean keys may
 * be two syllables; the strict key keeps o and u apart.
 */
#define FT_KEYEQ			1
#define FT_KEYEQ_UNKEYED	2
/* the similarity with the keys is the Hebrew keys': only for a pair of a Latin and a Hebrew side */
#define FT_KEYED_HEBREW		4

/* a query prepared for scoring (screening.c fills it) */
typedef struct ScreenQuery
{
	NormName	nn;
	Items		it;
	float		weight;			/* sum of token weights */
	int			strong;
	uint32		stamp;			/* of this query in the index's stamps */
	int			forms;			/* FT_FORM_PLAIN, or FT_FORM_SKELETON: the pass */
	bool		known[MAX_TOKENS * 2];	/* token is a listed word itself */
	int			numbers;		/* tokens that are numbers */
	int			patronymics;	/* tokens that are patronymics */
	uint32		titles;			/* bit i: token i is a title before a name part (plain pass) */
	float		corrected[MAX_TOKENS * 2];	/* < 1: a token taken for a variant */
	bool		cantonese;		/* a Latin name holding a syllable of Cantonese's shape (translit_yue.c) */
	const NormName *plain;		/* the skeleton pass's query as written; NULL in the plain pass */
	const float *plain_corrected;	/* ... and its corrected[] */
	uint32		abjad_titles;	/* bit i: token i is a title written in Arabic letters */
	const void *vowel_gaps;		/* ft_vowel_query_gaps (name_vowels.c's) */
	char	   *joined;			/* all tokens, concatenated */
	int			joined_len;
	SimLink    *links;
	int			nlinks;
	int			caplinks;
} ScreenQuery;

/* a token's weight among the listed names (df: names holding it; 0 if none) */
extern float ft_token_weight(const char *t, int df);
extern bool ft_both_common(const ScreenQuery *q, int qi, const Vocab *v, double idf);
extern bool ft_skeletons_apart(const char *a, int la, const char *b, int lb);
extern bool ft_skeleton_changed(const char *a, int la, const char *b, int lb);
extern double ft_near_miss_factor(const NameIndex *ix, const ScreenQuery *q, const ListedName *nm,
								  int qi, const Vocab *v, int cspan, bool generic, const char **why);
/* ft_near_miss_factor's *why for a near miss no typing error makes (compared by address) */
extern const char ft_miss_untyped[];
extern float ft_part_weight(const char *t, int df);
extern bool ft_syllables_other(const ScreenQuery *q, int qi, const char *cs, int clen);

/* query token i's weight and strength (v: its vocabulary entry or -1) */
extern int	ft_skeleton_parts_strong(const NormName *plain, const NormName *sk, int *qs);
extern void ft_query_token_weight(const NameIndex *ix, const NormName *nn, int i, int v,
								  float *w, int *strong);

/* similarity of two tokens (or joins) */
extern float ft_tok_sim(const char *a, int la, const char *b, int lb);

/* the same when it is SIM_FLOOR or more, else 0 (for callers that drop pairs under it) */
extern float ft_tok_sim_floor(const char *a, int la, const char *b, int lb);

/* the highest ft_tok_sim of strings of la and lb bytes, whatever their letters */
extern double ft_sim_bound(int la, int lb);

/* the lengths of the tokens (or joins) an item of len bytes can be similar to (ft_tok_sim >= SIM_FLOOR) */
extern void ft_len_window(int len, int *lo, int *hi);

/*
 * similarity of a token to the nearest spelling of the variant group canon
 * stands for, for a caller that takes Max(floor, it) or drops what is
 * under floor: spellings that cannot score above floor are not compared
 * (0: none left)
 */
extern float ft_variant_sim_above(const char *t, int len, const char *canon, float floor);

/* does a variant group stand for canon (else ft_variant_sim_above is 0 for it)? */
extern bool ft_variant_canon(const char *canon);
extern int	ft_variant_spellings(const char *canon, const char **out, int max);

/* similarity of two tokens by their Korean keys, less KOREAN_KEY_COST (one side written in Hangul) */
extern float ft_korean_sim(const char *a, int la, const char *b, int lb, bool *equal);

/* similarity of two tokens by their Thai keys, less THAI_KEY_COST (one side written in Thai letters; *equal: the keys are) */
extern float ft_thai_sim(const char *a, int la, const char *b, int lb, bool *equal);
/* similarity of a Latin token and one written in Thai letters by the frames of their Thai keys: 1 - THAI_FRAME_COST or 0 */
extern float ft_thai_frame_sim(const char *a, int la, const char *b, int lb);

/* similarity of two tokens by their Cyrillic keys, less CYRILLIC_KEY_COST (one side written in Cyrillic letters; *equal: the keys are) */
extern float ft_cyrillic_sim(const char *a, int la, const char *b, int lb, bool *equal);

/* similarity of two tokens by their Greek keys, less GREEK_KEY_COST (one side written in Greek letters; *equal: the keys are) */
extern float ft_greek_sim(const char *a, int la, const char *b, int lb, bool *equal);

/*
 * similarity of two tokens by their Chinese keys, less CHINESE_KEY_COST: a
 * a reading of Chinese characters (pinyin), b written in Latin letters
 * (ft_chinese_key, ft_chinese_latin_key)
 */
extern float ft_chinese_sim(const char *a, int la, const char *b, int lb);
/* ... against the spellings of the variant group canon stands for (session 21) */
extern float ft_variant_chinese_sim(const char *t, int len, const char *canon);

/* similarity of two skeletons by their Hebrew keys, less HEBREW_KEY_COST (the listed side written in Hebrew letters; *equal: the keys are) */
extern float ft_hebrew_sim(const char *a, int la, const char *b, int lb, bool *equal);
/* a query's skeleton in Hebrew letters (h) against a Latin one (l): 1 - HEBREW_QUERY_COST if l spells h, else 0 */
extern float ft_hebrew_query_sim(const char *h, int hl, const char *l, int ll);
/* similarity of a Latin skeleton (a) and one of a name in Arabic letters (b), the Latin gh as qaf, less QAF_KEY_COST (*equal: the keys are) */
extern float ft_qaf_sim(const char *a, int la, const char *b, int lb, bool *equal);

/* are two tokens one syllable's romanisations (equal Korean or Chinese keys)? */
extern bool ft_same_romanisation(const char *a, int la, const char *b, int lb);
extern bool ft_same_reading(const char *a, int la, const char *b, int lb);

/* are query token t and listed token c two forms of a name (a/o; vowel_added: a final vowel added)? */
extern bool ft_other_form(const char *t, int len, const char *c, int lc, bool vowel_added);

/* do keys x and y touch on a QWERTY keyboard? */
extern bool ft_keys_touch(char x, char y);

/* can listed token c, typed with two keyboard slips or fewer, be query token t (name_typing.c)? */
extern bool ft_typed_within_two(const char *t, int len, const char *c, int lc);

/* is a name (UTF-8, as published) written in Latin letters (name_typing.c)? */
extern bool ft_latin_written(const char *s);

/* SLIP_SIM when query token t is one keyboard slip away from listed token c, TWO_SLIP_SIM two (long tokens), else 0 */
extern float ft_slip_sim(const char *t, int len, const char *c, int lc);
/* ft_slip_sim on the letters as they may have been typed before the folding */
extern float ft_typed_slip_sim(const char *t, int len, const char *c, int lc);

/* query token i, 3 letters, read as the Arabic article al or ul mistyped by one slip (name_typing.c) */
extern void ft_article_slip(NormName *nn, int i);

/* is s[0 .. len-1] a number? */
extern bool ft_all_digits(const char *s, int len);

struct MatchExplain;				/* explain.h */
struct ScreenAttrs;					/* screening.h */

/* the score of query q against listed name nm (ex: NULL, or where to explain it) */
/*
 * the similarity of query item qi and vocabulary entry vi before the
 * pair's own losses; floor_drops: the caller drops pairs under SIM_FLOOR;
 * *unkeyed: the same without the Chinese keys (for a name not written in
 * Chinese characters)
 */
extern float ft_item_sim(const NameIndex *ix, const ScreenQuery *q, int qi, int vi,
						 bool floor_drops, float *unkeyed, uint8 *keyeq);
extern double ft_score_name(NameIndex *ix, ScreenQuery *q, const ListedName *nm,
							 struct MatchExplain *ex);

/* the factor (<= 1) the attributes give entity e (ex: NULL or where to record it; name_attrs.c) */
extern double ft_attr_factor(const NameIndex *ix, const Entity *e, const struct ScreenAttrs *attrs,
							 struct MatchExplain *ex);

/* the factor (<= 1) for a match of consonant skeletons (ex: NULL, or where to record it) */
/*
 * the query's family name written before its comma (of a name written in
 * Chinese characters or Hangul, its first syllable), when the listed name
 * is a person's written with a comma: its first real token, else -1
 * (name_weight.c)
 */
extern int	ft_query_family(const NameIndex *ix, const ScreenQuery *q, const ListedName *nm);

/* the query's tokens that are its family name (bit t: token t; a name in Chinese characters or Hangul: its first) */
extern uint32 ft_family_mask(const ScreenQuery *q);

/*
 * did that family name (qf) meet only given names of the listed name (qf_to:
 * the listed tokens it met), the listed family name holding no such word?
 * Or, a family name written first in Chinese characters or Hangul, meet
 * nothing while another of the query's syllables is the listed family name?
 * (name_weight.c)
 */
extern bool ft_family_crossed(const NameIndex *ix, const ScreenQuery *q, const ListedName *nm,
							  int qf, uint32 qf_to);

extern double ft_skeleton_factor(const NameIndex *ix, const ScreenQuery *q, const ListedName *nm,
								 struct MatchExplain *ex);

/* a match's evidence as a whole (name_evidence.c) */
extern bool ft_knee_applies(int npairs, bool untyped);
extern bool ft_skeleton_pass(const NameIndex *ix, const NormName *nn);
extern bool ft_first_matched(const NameIndex *ix, const ListedName *nm, uint32 cused);
extern bool ft_abd_al_cut(const NameIndex *ix, const ListedName *nm, uint32 cused);

/* the titles written in Arabic letters of a query, as token bits (name_abjad_titles.c) */
extern uint32 ft_abjad_title_tokens(const ScreenQuery *q);

/* the vowel letters of a skeleton-pass query in Arabic or Hebrew letters, once per query (name_vowels.c) */
extern void *ft_vowel_query_gaps(const ScreenQuery *q);

/* skeletons equal, the vowel letters of a name in Arabic or Hebrew letters not met (name_vowels.c) */
extern bool ft_vowel_letters_differ(const NameIndex *ix, const ScreenQuery *q,
									const ListedName *nm, int qi, int cfirst, int cspan);

/*
 * Is query item qi's pair with listed name nm's item of tokens cfirst ..
 * cfirst + cspan - 1, sim similar, refused: a title written in Arabic
 * letters in the query item, or in the skeleton pass for its vowel letters
 * (a pair at KNEE or above)?  Then *refused is set too.
 */
static inline bool
ft_pair_refused(const NameIndex *ix, const ScreenQuery *q, const ListedName *nm, int qi,
				 int cfirst, int cspan, float sim, bool *refused)
{
	/* (the common case first: a query holding no such title, in the plain pass) */
	if (q->abjad_titles == 0 && q->forms == FT_FORM_PLAIN)
		return false;
	if (!((q->abjad_titles & (((1u << q->it.span[qi]) - 1) << q->it.first[qi])) ||
		  (q->forms != FT_FORM_PLAIN && sim >= KNEE &&
		   ft_vowel_letters_differ(ix, q, nm, qi, cfirst, cspan))))
		return false;
	*refused = true;
	return true;
}

/* query tokens that are near misses of a variant, taken for it (name_variants.c) */
extern void ft_misspelt_variants(const NameIndex *ix, NormName *nn, float *corrected, int forms);

/* can Latin syllable lat be the Cantonese reading of a character read pin in pinyin (translit_yue.c)? */
extern bool ft_cantonese_pair(const char *lat, int llen, const char *pin, int plen);

/* does listed name nm write a word a query in Chinese characters' reading was taken for otherwise? (name_reading.c) */
extern bool ft_reading_respelt(const NameIndex *ix, const ScreenQuery *q, const ListedName *nm);
/* does a Latin name hold a syllable of Cantonese's own shape (translit_yue.c)? */
extern bool ft_cantonese_name(const NormName *nn);

#endif							/* FINTECH_NAME_SCORE_H */
