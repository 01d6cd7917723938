/*-------------------------------------------------------------------------
 *
 * name_index_keys.c
 *	  The key trigrams of the name index: the trigrams of a vocabulary
 *	  entry's script key (translit_keys.c's Korean and Cyrillic keys,
 *	  translit_greek.c's Greek key, translit_thai_key.c's Thai key,
 *	  translit_han.c's Chinese key), so that a pair whose spellings differ
 *	  at the start but whose keys agree (BANHARN / banhan, PIYABUTR /
 *	  piyabut, CHIANG / jiang) becomes a candidate of the search
 *	  (screening.c) and is then scored by the keys (name_score.c).
 *
 * A key trigram is the trigram of the key (name_index.c's ft_grams_of)
 * with the script (FT_KEY_*) as a tag in its top byte (the trigrams of the
 * letters use 24 bits), so it shares the index's trigram table without
 * meeting a trigram of the letters: a tagged slot's FT_LIST_PLAIN list
 * holds the entries of the names written in that script, each posting
 * packing the length of the entry's key (the length window of a query's
 * key is a range of it).  Only the names written in a keyed script are
 * indexed so (few of the lists' names), and only a query in Latin letters
 * looks them up: a Latin name is never reached by a key (between two Latin
 * names a key's classes are different letters).  Not the Cyrillic key:
 * it writes only zh and dzh inside a word as j, which leaves the letters
 * enough trigrams in common (JURAEV / dzhurayev), and the UN list's names
 * in Cyrillic would make every Latin query pay for a search that found no
 * pair more (session 15).  The reverse, a query
 * written in Thai, Hangul or Greek against the keys of every Latin token,
 * was tried in session 15 and left out: it found one more development pair
 * and one more false positive of held-out set 1 (docs/benchmarks.md,
 * "Session 15: the key search").  Keys for the names written in Hebrew
 * or Arabic letters (their consonants in the classes of the Latin
 * spellings) were tried in session 16 and left out: the names they made
 * candidates the scoring, which compares no such key, did not match (no
 * development pair more), and the UN list's Arabic-script names would
 * make every Latin query search them.
 *
 * Pure functions over the caller's buffers; the build (name_index_build.c,
 * name_index_write.c) and the search (screening.c) call them.  No memory
 * kept, no locks, no database access.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fintech.h"
#include "name_index.h"
#include "name_index_build.h"
#include "normalize.h"
#include "translit.h"
#include "translit_thai.h"

/* the key of script s (FT_KEY_*) of t[0 .. len - 1] into out (room for len + 1); its length */
int
ft_script_key(int s, const char *t, int len, char *out)
{
	switch (s)
	{
		case FT_KEY_KOREAN:
			return ft_korean_key(t, len, out);
		case FT_KEY_THAI:
			return ft_thai_key(t, len, out);
		case FT_KEY_GREEK:
			return ft_greek_key(t, len, out);
		case FT_KEY_HAN:
			return ft_chinese_key(t, len, out);
		default:
			FT_CHECK(s == FT_KEY_CYRILLIC);
			return ft_cyrillic_key(t, len, out);
	}
}

/* the distinct key trigrams of tag of key[0 .. len - 1], at most max */
int
ft_key_grams_of(int tag, const char *key, int len, uint32 *out, int max)
{
	int			n = ft_grams_of(key, len, out, max);

	for (int k = 0; k < n; k++)
		out[k] |= (uint32) tag << 24;
	return n;
}

/* the length of the key of tag (a script, FT_KEY_*) of an entry s[0 .. len - 1] */
int
ft_key_len(int tag, const char *s, int len)
{
	char		key[MAX_TOKLEN * MAX_JOIN + 1];

	FT_CHECK(len <= MAX_TOKLEN * MAX_JOIN);
	return ft_script_key(tag, s, len, key);
}

/*
 * The key trigrams of build entry v, under the tag of each keyed script a
 * plain name holding it is written in, into out (at most max); returns
 * how many.  A skeleton's entries have none (they are searched by their
 * own pass), nor particles (they find no candidates).
 */
int
ft_entry_key_grams(const BVocab *v, uint32 *out, int max)
{
	char		key[MAX_TOKLEN * MAX_JOIN + 1];
	bool		listed[FT_NKEYS + 1] = {false};	/* (no Cyrillic: above) */
	int			n = 0;

	if (v->df == 0 || v->strong == 0 || v->len > MAX_TOKLEN * MAX_JOIN)
		return 0;
	listed[FT_KEY_KOREAN] = v->hangul;
	listed[FT_KEY_THAI] = v->thai;
	listed[FT_KEY_GREEK] = v->greek;
	listed[FT_KEY_HAN] = v->han;
	for (int s = 1; s <= FT_NKEYS && n < max; s++)
		if (listed[s])
			n += ft_key_grams_of(s, key, ft_script_key(s, v->s, v->len, key), out + n, max - n);
	return n;
}
