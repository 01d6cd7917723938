/*-------------------------------------------------------------------------
 *
 * name_item_sim.c
 *	  The similarity of a query item and a vocabulary entry (ft_item_sim),
 *	  as the candidate search (screening.c) and the scoring's leftover
 *	  pairs (name_score.c) compare them: Jaro-Winkler less the length
 *	  penalty (name_similarity.c), then what another spelling of the same
 *	  name would score: a variant group's spellings, the script keys where
 *	  one side is written in a script the lists romanise several ways, a
 *	  keyboard slip (name_typing.c), a known word's loss.  Moved out of
 *	  name_score.c (session 19), which keeps what a pair counts for in a
 *	  name (pair_sim) and the score.
 *
 * Pure functions of the query and the index; no memory kept, no locks, no
 * database access.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fintech.h"
#include "name_score.h"
#include "screening.h"

/*
 * What ft_item_sim does last to an item pair's similarity s, once without
 * the Chinese keys and once with them: a typing error's floor (slip: a
 * token of a Latin pair), then KNOWN_PENALTY when the query token is a
 * listed word itself, taken here for another one
 */
static inline float
item_sim_last(const ScreenQuery *q, int qi, const char *cs, int clen, bool slip, bool keyeq,
			  float s)
{
	/* (a typing error) */
	if (s < SLIP_SIM && slip)
	{
		s = Max(s, ft_slip_sim(q->it.s[qi], q->it.len[qi], cs, clen));
		/*
		 * (a slip the folding hides: the letters as typed; of a pair whose
		 * letters are alike already, TYPED_SLIP_FLOOR: the test is costly)
		 */
		if (s < SLIP_SIM && s >= TYPED_SLIP_FLOOR)
			s = Max(s, ft_typed_slip_sim(q->it.s[qi], q->it.len[qi], cs, clen));
	}
	/* (equal script keys: the same name in another romanisation, not another word) */
	if (s < 1.0f && q->it.span[qi] == 1 && q->known[qi] && !keyeq)
		s *= (float) (1.0 - KNOWN_PENALTY);
	return s;
}

/*
 * The similarity of query item qi and vocabulary entry vi, as the
 * candidate search (screening.c) and the leftover pairs (name_score.c)
 * compare them, before the pair's own losses (name_score.c's pair_sim): Jaro-Winkler less the
 * length penalty; in the plain pass a variant group's token as near as its
 * nearest spelling (single tokens), the Korean keys where one side is
 * written in Hangul, one keyboard slip (single tokens of a query written
 * in letters someone typed: not in Chinese characters or Hangul); less
 * KNOWN_PENALTY for a query token the lists know.  floor_drops: the caller
 * drops a pair under SIM_FLOOR, so Jaro-Winkler may stop early where only
 * the spellings or Korean keys could lift the pair (ft_tok_sim_floor, 0
 * then: SLIP_SIM is above SIM_FLOOR, so a slip gets what the whole
 * similarity would give it).  *unkeyed: the same without the Chinese
 * keys, which only a name written in Chinese characters is compared by
 * (the entry's forms say that some name holding it is, not which: CAO is
 * a part of names in both); equal to the result for any other entry.
 */
float
ft_item_sim(const NameIndex *ix, const ScreenQuery *q, int qi, int vi, bool floor_drops,
			float *unkeyed, uint8 *keyeq)
{
	const Vocab *v = &ix->vocab[vi];
	const char *cs = FT_STR(ix, v->s);
	bool		token = q->it.span[qi] == 1;
	bool		plain = q->forms == FT_FORM_PLAIN;
	bool		variant = token && plain && (v->forms & FT_FORM_VARIANT);
	/* one test for the common case, a pair of two names in Latin letters */
	bool		scripts = plain &&
		((q->nn.hangul | q->nn.thai | q->nn.cyrillic | q->nn.greek) ||
		 (v->forms & (FT_FORM_HANGUL | FT_FORM_THAI | FT_FORM_CYRILLIC | FT_FORM_GREEK)) != 0);
	float		sim = floor_drops && !variant && !scripts ?
		ft_tok_sim_floor(q->it.s[qi], q->it.len[qi], cs, v->len) :
		ft_tok_sim(q->it.s[qi], q->it.len[qi], cs, v->len);
	float		keyed;
	bool		eq = false;		/* sim is that of equal script keys */
	bool		keyeqd = true;	/* keyed is (the Chinese keys are equal or nothing) */
	bool		hebrew = false; /* keyed is the Hebrew keys' */
	bool		read = false;	/* a query in Hebrew letters reads as the entry */
	bool		typed;			/* a keyboard slip may explain the pair */

	/* (only a variant group's token has spellings; under the floor the pair goes) */
	if (sim < 1.0f && variant)
		sim = Max(sim, ft_variant_sim_above(q->it.s[qi], q->it.len[qi], cs,
											Max(sim, (float) SIM_FLOOR)));
	if (scripts)
	{
		float		k;
		bool		e;

		/* (one side written in Hangul: its romanisations meet; eq by the strict key only) */
		if (sim < 1.0f && (q->nn.hangul || (v->forms & FT_FORM_HANGUL)) &&
			(k = ft_korean_sim(q->it.s[qi], q->it.len[qi], cs, v->len, &e)) > sim)
			sim = k, eq = e;
		/* (one side written in Thai letters: RTGS and the names' own spellings meet) */
		if (sim < 1.0f && (q->nn.thai || (v->forms & FT_FORM_THAI)) &&
			(k = ft_thai_sim(q->it.s[qi], q->it.len[qi], cs, v->len, &e)) > sim)
			sim = k, eq = e;
		/* (... and a Latin side spelt letter by letter: their frames; never two names in Thai letters) */
		if (sim < 1.0f - THAI_FRAME_COST && q->nn.thai != ((v->forms & FT_FORM_THAI) != 0) &&
			(k = ft_thai_frame_sim(q->it.s[qi], q->it.len[qi], cs, v->len)) > sim)
			sim = k, eq = false;
		/* (one side written in Cyrillic letters: zh and dzh as j) */
		if (sim < 1.0f && (q->nn.cyrillic || (v->forms & FT_FORM_CYRILLIC)) &&
			(k = ft_cyrillic_sim(q->it.s[qi], q->it.len[qi], cs, v->len, &e)) > sim)
			sim = k, eq = e;
		/* (one side written in Greek letters: the digraphs and spellings as said) */
		if (sim < 1.0f && (q->nn.greek || (v->forms & FT_FORM_GREEK)) &&
			(k = ft_greek_sim(q->it.s[qi], q->it.len[qi], cs, v->len, &e)) > sim)
			sim = k, eq = e;
	}
	/* (a query in Chinese characters: pinyin meets Wade-Giles; not eq: docs/screening.md) */
	if (sim < 1.0f && plain && q->nn.han)
	{
		sim = Max(sim, ft_chinese_sim(q->it.s[qi], q->it.len[qi], cs, v->len));
		/* (the query's syllable written as a variant group's token: 宜 yi as li, against IH) */
		if (sim < 1.0f && token && ft_variant_canon(q->it.s[qi]))
			sim = Max(sim, ft_variant_chinese_sim(cs, v->len, q->it.s[qi]));
		/* (a Latin name spelt the Cantonese way: the character's Cantonese reading; name_score.c's keyed_name) */
		keyed = sim;
		if (keyed < 1.0f - CANTONESE_COST && token &&
			ft_cantonese_pair(cs, v->len, q->it.s[qi], q->it.len[qi]))
			keyed = (float) (1.0 - CANTONESE_COST);
	}
	else
	{
		/* (a Latin query, a name holding the entry written in Chinese characters: Wade-Giles and pinyin meet) */
		keyed = sim;
		if (sim < 1.0f && (v->forms & FT_FORM_HAN) && plain && !q->nn.han)
		{
			keyed = Max(sim, ft_chinese_sim(cs, v->len, q->it.s[qi], q->it.len[qi]));
			/* (... and the entry a variant group's token: yi written li, against YIH) */
			if (keyed < 1.0f && variant)
				keyed = Max(keyed, ft_variant_chinese_sim(q->it.s[qi], q->it.len[qi], cs));
			/* (... or a Latin name spelt the Cantonese way: the syllable's Cantonese reading) */
			if (keyed < 1.0f - CANTONESE_COST && token && q->cantonese &&
				ft_cantonese_pair(q->it.s[qi], q->it.len[qi], cs, v->len))
				keyed = (float) (1.0 - CANTONESE_COST);
		}
	}
	/* (a Latin query's skeleton, that of a name written in Hebrew letters holding the entry: bet as v, het as ch ...) */
	if (sim < 1.0f && (v->forms & FT_FORM_HEBREW) && !plain && !q->nn.abjad)
	{
		bool		e;
		float		k = ft_hebrew_sim(q->it.s[qi], q->it.len[qi], cs, v->len, &e);

		if (k > sim)
		{
			keyed = k;
			keyeqd = e;
			hebrew = true;
		}
	}
	/*
	 * (a query in Hebrew letters, its skeleton against a Latin one: het and
	 * kaf as ch, pe as f, shin as s.  A Latin skeleton that reads so is the
	 * same name, not a known word taken for another: no KNOWN_PENALTY on
	 * the letters' similarity where that is higher, dlshtn / dlstn)
	 */
	if (sim < 1.0f && !plain && q->nn.hebrew)
	{
		float		k = ft_hebrew_query_sim(q->it.s[qi], q->it.len[qi], cs, v->len);

		if (k > 0.0f)
		{
			keyed = Max(k, sim);
			hebrew = read = true;
		}
	}
	/* (the skeleton pass, a Latin side against one in Arabic letters: Persian qaf written gh) */
	if (sim < 1.0f && !plain && !q->nn.hebrew &&
		(q->nn.abjad || (v->forms & FT_FORM_ABJAD_SKELETON)))
	{
		bool		e;
		float		k = q->nn.abjad ? ft_qaf_sim(cs, v->len, q->it.s[qi], q->it.len[qi], &e) :
			ft_qaf_sim(q->it.s[qi], q->it.len[qi], cs, v->len, &e);

		if (k > keyed)
		{
			keyed = k;
			keyeqd = e;
			hebrew = false;
		}
	}
	/*
	 * (a keyboard slip explains only letters someone typed: a query written
	 * in Chinese characters or Hangul is a transliteration, whose syllable a
	 * letter off a listed one is another character, not a typing error:
	 * 商 shang is not ZHANG, 영 yeong not KYONG; session 22)
	 */
	typed = token && plain && !q->nn.han && !q->nn.hangul;
	/* the rest for the similarity without the keys, then (if they lifted it) with them */
	*unkeyed = item_sim_last(q, qi, cs, v->len, typed, eq, sim);
	*keyeq = eq ? (FT_KEYEQ | FT_KEYEQ_UNKEYED) : 0;
	if (keyed == sim && !read)
		return *unkeyed;
	/* (the Chinese keys are equal or nothing) */
	if (keyeqd)
		*keyeq |= FT_KEYEQ;
	if (hebrew)
		*keyeq |= FT_KEYED_HEBREW;
	return item_sim_last(q, qi, cs, v->len, typed, keyeqd, keyed);
}
