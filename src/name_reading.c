/*-------------------------------------------------------------------------
 *
 * name_reading.c
 *	  Whether a listed name writes a variant group's word in a spelling a
 *	  query written in Chinese characters cannot be (ft_reading_respelt):
 *	  the query's pinyin syllable taken for a variant group (畅 chang for
 *	  the group of ZHANG and CHANG) meets a listed name only through the
 *	  spelling that name was written in.
 *
 * A variant group says that its spellings are one name's in the lists'
 * romanisations (ZHANG in pinyin, CHANG in Wade-Giles, for 张), not that
 * every reading spelt like one of them is that name: pinyin's chang (畅,
 * 常) is another syllable than its zhang, and a listed ZHANG is pinyin.
 * Both sides are written as the group's token (normalize.c), so the
 * vocabulary cannot tell ZHANG from CHANG; the published name can
 * (session 24).
 *
 * Reads the shared index's names; no memory kept, no locks, no database
 * access.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "fintech.h"
#include "name_score.h"
#include "name_words.h"
#include "normalize.h"
#include "translit.h"

/*
 * Does the published name s write a word whose variant group's token is
 * canon in a spelling the reading r cannot be (not r, nor r's Chinese
 * key's, nor its Cantonese reading)?  Only ASCII words are read: a group's
 * spellings are.
 */
static bool
written_otherwise(const char *s, const char *canon, const char *r)
{
	char		w[MAX_TOKLEN + 1];
	int			n = 0;

	for (const char *p = s;; p++)
	{
		if (*p != '\0' && isalpha((unsigned char) *p) && !IS_HIGHBIT_SET(*p))
		{
			if (n < MAX_TOKLEN)
				w[n++] = (char) tolower((unsigned char) *p);
			continue;
		}
		if (n > 0)
		{
			int			i;

			w[n] = '\0';
			ft_fold_token(w);
			i = ft_word_find(&ft_name_variants, w);
			if (i >= 0 && strcmp(ft_name_variants.repl[i], canon) == 0 && strcmp(w, r) != 0 &&
				!ft_chinese_reads(r, strlen(r), w, strlen(w)) &&
				!ft_cantonese_pair(w, strlen(w), r, strlen(r)))
				return true;
		}
		n = 0;
		if (*p == '\0')
			return false;
	}
}

/*
 * Is listed name nm, against query q written in Chinese characters, one
 * that writes a word the query's reading was taken for (a variant group's
 * token) in a spelling that reading cannot be?  蔚畅 (wei chang, chang
 * taken for ZHANG's group) is not WEI, Zhang; it may be WEI, Chang.
 */
bool
ft_reading_respelt(const NameIndex *ix, const ScreenQuery *q, const ListedName *nm)
{
	const int32 *items = FT_ITEMS(ix, nm);

	if (!q->nn.han || q->forms != FT_FORM_PLAIN || nm->han)
		return false;
	for (int i = 0; i < q->nn.ntok; i++)
	{
		const char *r = q->nn.read[i];
		int			k;

		/* (a token shifted since it was read: its reading's group is not its own) */
		if (r == NULL || (k = ft_word_find(&ft_name_variants, r)) < 0 ||
			strcmp(ft_name_variants.repl[k], q->nn.tok[i]) != 0)
			continue;
		for (int t = 0; t < nm->ntok; t++)
			if (strcmp(FT_STR(ix, ix->vocab[items[t]].s), q->nn.tok[i]) == 0 &&
				written_otherwise(FT_STR(ix, nm->name), q->nn.tok[i], r))
				return true;
	}
	return false;
}
