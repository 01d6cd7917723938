/*-------------------------------------------------------------------------
 *
 * normalize.h
 *	  Names to normalised tokens and items (normalize.c), and the one
 *	  length rule for names to screen and listed names.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_NORMALIZE_H
#define FINTECH_NORMALIZE_H

#include "lib/stringinfo.h"

/*
 * The longest name screened or listed, in characters: a longer name to
 * screen is 22023, a longer listed name refuses the load (22023, naming
 * the file and line).  A build may lower or raise it (only to time the
 * normaliser on long names: make COPT=-DFINTECH_NAME_MAXCHARS=200000).
 */
#ifndef FINTECH_NAME_MAXCHARS
#define FINTECH_NAME_MAXCHARS	1000
#endif

#define MAX_TOKENS		16		/* tokens of a query considered */
#define MAX_JOIN		3		/* items join up to 3 adjacent tokens */
#define MAX_TOKLEN		64		/* longer tokens are cut */

/* a normalised name: its tokens (NUL-terminated, lower case) */
typedef struct NormName
{
	int			ntok;
	char	   *tok[MAX_TOKENS * 2];
	char	   *read[MAX_TOKENS * 2];	/* a token taken for a variant group: as written (else NULL) */
	bool		abjad;			/* written in Arabic or Hebrew letters */
	bool		hangul;			/* written in Hangul */
	bool		thai;			/* written in Thai letters */
	bool		cyrillic;		/* written in Cyrillic letters */
	bool		greek;			/* written in Greek letters */
	bool		han;			/* written in Chinese characters (translit_han.c's key) */
	bool		hebrew;			/* written in Hebrew letters (the skeletons' Hebrew key) */
	bool		skeleton;		/* the consonant skeleton of a name (ft_skeleton_name) */
	bool		family_legal;	/* tok[0], a legal-form word, is the family name ("PAO, Hua") */
	bool		translit;		/* written in another script, here in ICU's Latin letters */
	int			family;			/* tokens before a comma: the family name ("AL-AHMAD, Yusuf"); 0: none */
} NormName;

/* the items of a token list: each token, and joins of 2..MAX_JOIN adjacent */
typedef struct Items
{
	int			n;
	char	   *s[MAX_TOKENS * MAX_JOIN];
	int			len[MAX_TOKENS * MAX_JOIN];
	uint8		first[MAX_TOKENS * MAX_JOIN];
	uint8		span[MAX_TOKENS * MAX_JOIN];
	float		weight[MAX_TOKENS * MAX_JOIN];
	int			strong[MAX_TOKENS * MAX_JOIN];
} Items;

/*
 * a name (server encoding) to its tokens; returns their number (0: none);
 * person: the name is a person's (its legal-form words are name parts)
 */
extern int	ft_normalize_name(const char *name, bool person, NormName *out);

/* the same for a name to screen: 22023 if too long or nothing to match */
extern int	ft_normalize_checked(const char *name, const char *what, bool person, NormName *nn);

/* the consonant skeleton of a normalised name (its tokens without vowels); returns its token count */
extern int	ft_skeleton_name(const NormName *in, NormName *out);

/* the items of n; tokw/tokstrong: each token's weight and whether it is strong */
extern void ft_make_items(const NormName *n, const float *tokw, const int *tokstrong, Items *it);

/* the characters of a name over FINTECH_NAME_MAXCHARS, else 0 */
extern int	fintech_name_chars_over(const char *name);

/* does the name hold anything to match?  (22023 otherwise) */
extern void fintech_check_name(const char *name, const char *what);

#endif							/* FINTECH_NORMALIZE_H */
