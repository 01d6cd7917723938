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
#include "fmgr.h"
#include "utils/date.h"
#include "utils/jsonb.h"

/* one match of a screened name */
typedef struct FintechMatch
{
	int64		entity_id;
	float4		score;
	char	   *matched_name;
	int			entity;			/* (the entity in the index fintech_screen used) */
} FintechMatch;

/*
 * What is known of the screened party besides its name (0.6.0): each
 * field may be absent.  A listed entity whose attributes contradict these
 * scores lower; agreeing ones never lift a weak name match over the
 * threshold.
 */
typedef struct ScreenAttrs
{
	const char *country;		/* ISO 3166-1 alpha-2, upper case; NULL: unknown */
	bool		has_birth_date;
	DateADT		birth_date;
	const char *kind;			/* 'individual', 'entity', ...; NULL: unknown */
} ScreenAttrs;

/* GUC fintech.screening_threshold */
extern double fintech_screening_threshold;

/* the highest list generation the caller's snapshot sees (0: none loaded) */
extern int64 fintech_screening_generation(void);

/* screens a name (attrs: NULL or what is known) at min_score; up to max_results matches in *out */
extern int	fintech_screen(const char *name, const ScreenAttrs *attrs, float4 min_score, int max_results,
						   FintechMatch **out, int64 *generation, bool same_index);

/*
 * Why name matched m (of the fintech_screen call just made, with the same
 * attrs): explain_match's answer, without the party's data
 */
extern Jsonb *fintech_screen_explanation(const char *name, const ScreenAttrs *attrs,
										 const FintechMatch *m);

/* does fintech.<table> have column (an update may not have added it yet)? */
extern bool ft_has_column(const char *table, const char *column);

/* SQL arguments country, birth_date, kind (from argument first on) into *attrs; 22023 if invalid (name_attrs.c) */
extern void ft_screen_attrs_args(FunctionCallInfo fcinfo, int first, ScreenAttrs *attrs);

#endif							/* FINTECH_SCREENING_H */
