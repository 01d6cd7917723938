/*-------------------------------------------------------------------------
 *
 * screen_candidates.h
 *	  The candidates of a query (screen_candidates.c), for screening.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_SCREEN_CANDIDATES_H
#define FINTECH_SCREEN_CANDIDATES_H

#include "name_score.h"

/* the candidates of a pass (grown as found) */
typedef struct Cands
{
	int		   *c;
	int			n;
	int			cap;
} Cands;

/*
 * the names of a pass (skeleton: the consonant skeletons; tag: a script's
 * key search, 0 for none) holding an item similar to one of q's, appended
 * to cd, each similar entry linked to q's item
 */
extern void ft_find_candidates(NameIndex *ix, ScreenQuery *q, bool skeleton, bool abjad_query,
							   int tag, Cands *cd);

/* the key search of a query in Latin letters, for every script keyed */
extern void ft_key_candidates(NameIndex *ix, ScreenQuery *q, Cands *cd);

#endif							/* FINTECH_SCREEN_CANDIDATES_H */
