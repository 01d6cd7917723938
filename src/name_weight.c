/*-------------------------------------------------------------------------
 *
 * name_weight.c
 *	  The weight of a name's token in a score (name_score.c): its length
 *	  times how rare it is among the listed names, little for the words
 *	  that say little (particles, titles, legal forms: name_words.c), and a
 *	  real part's weight for a legal-form word that is someone's family
 *	  name.  The index (name_index_build.c) weighs the listed tokens once
 *	  per list load; a query's tokens are weighed per call.
 *
 * Pure functions: no memory kept, no locks, no database access.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "fintech.h"
#include "name_score.h"
#include "name_words.h"
#include "screening.h"

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
 * real part.
 */
void
ft_query_token_weight(const NameIndex *ix, const NormName *nn, int i, int v, float *w, int *strong)
{
	const char *t = nn->tok[i];

	*w = v >= 0 ? ix->vocab[v].weight : ft_token_weight(t, 0);
	*strong = ft_word_is_weak(t) ? 0 : 1;
	if (*strong == 0 && ((i == 0 && nn->family_legal) ||
						 (v >= 0 && ix->vocab[v].strong > 0 && ft_word_in(WORDS_LEGAL, t))))
	{
		if (v < 0 || ix->vocab[v].strong == 0)
			*w = ft_part_weight(t, v >= 0 ? ix->vocab[v].nnames : 0);
		*strong = 1;
	}
}
