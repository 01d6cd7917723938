/*-------------------------------------------------------------------------
 *
 * screening.h
 *	  Screening names against the sanctions lists (screening.c): the C API
 *	  parties.c screens parties through, and the GUC
 *	  fintech.screening_threshold.  Includes the name rules (normalize.h).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_SCREENING_H
#define FINTECH_SCREENING_H

#include "normalize.h"

/* one match of a screened name */
typedef struct FintechMatch
{
	int64		entity_id;
	float4		score;
	char	   *matched_name;
} FintechMatch;

/* GUC fintech.screening_threshold */
extern double fintech_screening_threshold;

/* the highest list generation the caller's snapshot sees (0: none loaded) */
extern int64 fintech_screening_generation(void);

/* screens a name at min_score; up to max_results matches in *out */
extern int	fintech_screen(const char *name, float4 min_score, int max_results,
						   FintechMatch **out, int64 *generation, bool same_index);

#endif							/* FINTECH_SCREENING_H */
