/*-------------------------------------------------------------------------
 *
 * name_index.h
 *	  The per-backend index of the listed names (name_index.c): entities,
 *	  names, the token vocabulary and its trigrams.
 *
 * Read by the scoring (name_score.c) and the screening (screening.c); only
 * name_index.c builds or frees it.  A NameIndex lives in its own memory
 * context under TopMemoryContext until the lists change.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_NAME_INDEX_H
#define FINTECH_NAME_INDEX_H

#include "common/hashfn.h"

#include "normalize.h"

/* a listed entity: what screen_name returns of it */
typedef struct Entity
{
	int64		id;
	char	   *list;
	char	   *source_uid;
	Datum		programs;		/* text[] */
} Entity;

/* a listed name, normalised */
typedef struct ListedName
{
	int			entity;			/* index into entities */
	char	   *name;			/* as published */
	int			ntok;
	int			nitems;
	int		   *items;			/* vocabulary ids: tokens, then joins */
	uint8	   *first;			/* first token of each item */
	uint8	   *span;			/* tokens of each item */
	float		weight;			/* sum of token weights */
	int			strong;			/* non-particle tokens */
} ListedName;

/* an item of the vocabulary: a token or a join of 2 or 3 */
typedef struct Vocab
{
	char	   *s;
	int			len;
	float		weight;			/* sum of its tokens' weights */
	int			strong;			/* its non-particle tokens */
	int			nnames;
	int		   *names;			/* names holding it */
} Vocab;

/* a trigram and the vocabulary items holding it */
typedef struct Gram
{
	uint32		key;			/* hash key: trigram */
	char		status;
	int			n;
	int			cap;
	int		   *vocab;
} Gram;

#define SH_PREFIX		gram
#define SH_ELEMENT_TYPE	Gram
#define SH_KEY_TYPE		uint32
#define SH_KEY			key
#define SH_HASH_KEY(tb, key)	murmurhash32(key)
#define SH_EQUAL(tb, a, b)		((a) == (b))
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* the index of the listed names a backend screens against */
typedef struct NameIndex
{
	MemoryContext cxt;
	int64		sig[3];			/* what fintech.sanctions_lists said */
	int			nentities;
	Entity	   *entities;
	int			nnames;
	ListedName	   *names;
	int			nvocab;
	Vocab	   *vocab;
	gram_hash  *grams;
	/* per query scratch, stamped so nothing is cleared between queries */
	uint32		stamp;
	uint32	   *vstamp;			/* vocab: touched by this query item */
	uint16	   *vcount;			/* vocab: shared trigrams */
	uint32	   *nstamp;			/* names: a candidate of this query */
	uint32	   *nmask;			/* names: query tokens that hit it */
	uint32	   *vqstamp;		/* vocab: vhead valid for this query */
	int		   *vhead;			/* vocab: first SimLink of this query */
	uint32	   *estamp;			/* entities: have a score */
	float	   *ebest;
	int		   *ename;
} NameIndex;

/* the index for the lists the caller's snapshot sees; caller is connected to SPI */
extern NameIndex *ft_get_index(void);

/* the index the last ft_get_index() returned (NULL: none yet) */
extern NameIndex *ft_index_cached(void);

/* the vocabulary id of s, or -1 */
extern int	ft_vocab_find(const NameIndex *ix, const char *s);

/* the distinct trigrams of "$s$", at most max */
extern int	ft_grams_of(const char *s, int len, uint32 *out, int max);

/* a new stamp for the per query scratch of ix */
extern uint32 ft_next_stamp(NameIndex *ix);

#endif							/* FINTECH_NAME_INDEX_H */
