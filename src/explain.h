/*-------------------------------------------------------------------------
 *
 * explain.h
 *	  Why a name matched a listed entity (explain.c): what the scoring
 *	  (name_score.c) records of one score when asked, and that record as
 *	  jsonb for explain_match and the alerts.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_EXPLAIN_H
#define FINTECH_EXPLAIN_H

#include "utils/jsonb.h"

#include "normalize.h"

#define EXPLAIN_MAX_FACTORS	8

/* a query item paired with a listed item */
typedef struct ExplainPair
{
	const char *query;			/* normalised token(s) */
	const char *listed;
	float		similarity;
	/* below the knee: which near miss it was, and what the pair counted for */
	const char *near_miss;		/* NULL: at the knee or above, no cost */
	float		counted;
} ExplainPair;

/* a penalty (size < 1) applied to the score, as a factor */
typedef struct ExplainFactor
{
	const char *what;			/* e.g. "birth_date" */
	float		size;
	char	   *detail;			/* NULL or what was compared */
} ExplainFactor;

/* one score, explained */
typedef struct MatchExplain
{
	int			npairs;
	ExplainPair pairs[MAX_TOKENS * 2];
	int			nunmatched_q;
	const char *unmatched_q[MAX_TOKENS * 2];
	int			nunmatched_c;
	const char *unmatched_c[MAX_TOKENS * 2];
	double		name_score;		/* before the attribute factors */
	bool		whole;			/* the short code compared whole decided */
	bool		skeleton;		/* compared as consonant skeletons */
	int			nfactors;
	ExplainFactor factors[EXPLAIN_MAX_FACTORS];
} MatchExplain;

/* records a factor of ex (ex may be NULL) */
extern void ft_explain_factor(MatchExplain *ex, const char *what, double size, char *detail);

/*
 * ex as jsonb: entity (id, list, source_uid), the query and matched name,
 * the score, the name score, the pairs, the unmatched tokens, the factors.
 * personal false: nothing of the screened party (no query, no query
 * tokens, no details of the penalties), for the alerts.
 */
extern Jsonb *ft_explain_jsonb(const MatchExplain *ex, int64 entity_id, const char *list,
							   const char *source_uid, const char *query,
							   const char *matched_name, float4 score, bool personal);

/* ------------------------------------------------------------------------
 * The screening core (screening.c), shared with explain.c
 * ------------------------------------------------------------------------
 */
struct NameIndex;
struct ScreenAttrs;

/* one match of ft_screen_core(): indexes into the index's entities and names */
typedef struct Match
{
	int			entity;
	int			name;
	float		score;
} Match;

/*
 * Screens name against ix: the best match per entity at or above
 * min_score (only_entity >= 0: that entity only), best first, at most
 * max_results, in *out; returns how many.  ex: NULL, or where the best
 * match's explanation goes.  22023 for a name with nothing to match (what
 * names the argument).
 */
extern int	ft_screen_core(struct NameIndex *ix, const char *name, const char *what,
						   const struct ScreenAttrs *attrs, float4 min_score, int max_results,
						   int only_entity, Match **out, MatchExplain *ex);

/* the explanation of name against entity e of ix (*score: its score, if not NULL; personal: as above) */
extern Jsonb *ft_explain_entity(struct NameIndex *ix, const char *name,
								const struct ScreenAttrs *attrs, int e, float4 *score,
								bool personal);

#endif							/* FINTECH_EXPLAIN_H */
