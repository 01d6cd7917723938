/*-------------------------------------------------------------------------
 *
 * name_evidence.c
 *	  What a match rests on, as a whole: rules for a match whose only
 *	  evidence is too little to tell one name from another, where the
 *	  pair-by-pair score (name_score.c) would pass it.
 *
 *	  - A name met by a single pair of words, a near miss that no typing
 *	    error makes of the listed word (ft_knee_applies): the whole name
 *	    is that word, so it pays the knee's cost as names of several
 *	    parts do (session 23).
 *	  - Which queries the consonant-skeleton pass reads (ft_skeleton_pass):
 *	    not a name written in a script that writes its vowels or its
 *	    syllables (session 23).
 *	  - Which of a listed name's real parts the match left out: its first
 *	    (ft_first_matched: a surname met with a patronymic), or only the second
 *	    half of an Abd al-X cut short (ft_abd_al_cut).  Moved here from
 *	    name_score.c (session 24).
 *
 * Pure functions: no memory kept, no locks, no database access.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fintech.h"
#include "name_score.h"
#include "screening.h"

/*
 * Does the knee's cost of near misses (below KNEE) apply to a name whose
 * score rests on npairs pairs, untyped when one of them is a near miss no
 * typing error makes (ft_near_miss_factor's UNTYPED_MISS case, both names
 * written in Latin letters)?  To a name of several pairs, where one near
 * miss among exact parts is how different people look alike; not to a
 * name of one pair, whose near miss is all it has -- but for an untyped
 * one (session 23).  Between names of several parts that near miss costs
 * ten times the knee's loss; a one-word name met by another word
 * 0.87-0.91 similar passed (`Davis s.r.o.` / `DAISY`, `Sandor Kft.` /
 * `SANDINO`): a word that is neither the listed one nor a typing error
 * of it (a slip or two, a vowel for another) is another name.  The cost,
 * not a refusal: a word 0.91 similar or more still passes 0.85 (`Morand`
 * / `MOKRAN LLC`, 0.911 -> 0.867), as do mistypings off the keyboard
 * model (two keys apart) that near.
 */
bool
ft_knee_applies(int npairs, bool untyped)
{
	return npairs > 1 || untyped;
}

/*
 * Does the consonant-skeleton pass read query nn?  A query written in
 * Arabic or Hebrew letters, against every listed skeleton; a query written
 * in Latin letters, against the skeletons of names listed in those
 * letters (ix->abjad_names).  Not a query written in another script
 * (Cyrillic, Greek, Chinese characters, kana, Hangul, Thai, Georgian,
 * Devanagari ...): those scripts write the vowels or whole syllables, so
 * its machine transliteration is the name as it is said, and taking the
 * vowels out of it to meet a name listed in Arabic or Hebrew letters is a
 * second loose reading on the first (`Фадеева`, fadeeva, fd, met `فيض`,
 * fyd, and `仇博`, chou bo, met `أبو دعاء`, b d, each at 0.85).  Such a
 * query still meets the entity through its names in Latin letters.
 */
bool
ft_skeleton_pass(const NameIndex *ix, const NormName *nn)
{
	if (nn->abjad)
		return true;
	return ix->abjad_names && !nn->translit;
}

/* is the listed name's first real part among its matched tokens (cused)? */
bool
ft_first_matched(const NameIndex *ix, const ListedName *nm, uint32 cused)
{
	const int32 *items = FT_ITEMS(ix, nm);

	for (int t = 0; t < nm->ntok; t++)
		if (ix->vocab[items[t]].strong > 0)
			return (cused & (1u << t)) != 0;
	return false;
}

/*
 * Is the one real part of listed name nm left unmatched (cused) the second
 * half of a given name Abd al-X whose first half, abd al (Abdul, Abdel),
 * was matched?  Abd al- (servant of) is no name by itself, but it is how
 * such a name is cut short in a record (KASMURI, Abdul for KASMURI, Abdul
 * Manaf): the query holds the given name's start, not a part less.
 */
bool
ft_abd_al_cut(const NameIndex *ix, const ListedName *nm, uint32 cused)
{
	const int32 *items = FT_ITEMS(ix, nm);
	int			cut = -1;

	for (int t = 0; t < nm->ntok; t++)
		if (ix->vocab[items[t]].strong > 0 && !(cused & (1u << t)))
		{
			if (cut >= 0)
				return false;
			cut = t;
		}
	return cut >= 2 && (cused & (3u << (cut - 2))) == (3u << (cut - 2)) &&
		strcmp(FT_STR(ix, ix->vocab[items[cut - 1]].s), "al") == 0 &&
		strcmp(FT_STR(ix, ix->vocab[items[cut - 2]].s), "abd") == 0;
}
