/*-------------------------------------------------------------------------
 *
 * name_evidence.c
 *	  How much a match rests on, as a whole: rules that refuse a match whose
 *	  only evidence is too little to tell one name from another, where the
 *	  pair-by-pair score (name_score.c) would still pass it.
 *
 *	  - A name met by a single pair of words, a near miss that no typing
 *	    error makes of the listed word (ft_lone_word_factor): the whole
 *	    name is that word, so it is another name (session 23).
 *	  - Which queries the consonant-skeleton pass reads (ft_skeleton_pass):
 *	    not a name written in a script that writes its vowels or its
 *	    syllables (session 23).
 *
 * Pure functions: no memory kept, no locks, no database access.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "explain.h"
#include "fintech.h"
#include "name_score.h"
#include "screening.h"

/*
 * The factor of a name whose score rests on one pair (npairs) that is a
 * near miss no typing error makes (untyped: ft_near_miss_factor's
 * UNTYPED_MISS case, both names written in Latin letters): 0, else 1.
 *
 * Between names of several parts that near miss costs ten times the
 * knee's loss, but the knee is not applied to a name of one pair (its one
 * near miss is all the name has: name_score.c), so a one-word name met
 * by another word 0.87-0.91 similar passed: `Davis s.r.o.` / `DAISY`,
 * `Sandor Kft.` / `SANDINO`, `Morand` / `MOKRAN LLC`.  With nothing else
 * to the name, a word that is neither the listed one nor a typing error
 * of it (a slip or two, a vowel for another) is another name: the match
 * is refused, not lowered.  A one-word name mistyped keeps its score.
 */
double
ft_lone_word_factor(int npairs, bool untyped, MatchExplain *ex)
{
	if (npairs != 1 || !untyped)
		return 1.0;
	ft_explain_factor(ex, "another_word", 0.0, NULL);
	return 0.0;
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
