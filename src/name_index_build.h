/*-------------------------------------------------------------------------
 *
 * name_index_build.h
 *	  The build structures of the name index (pointers, in a temporary
 *	  context): what name_index_build.c reads the lists into and links,
 *	  and name_index_write.c writes out as the image (name_index.h).
 *	  Private to those two files.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_NAME_INDEX_BUILD_H
#define FINTECH_NAME_INDEX_BUILD_H

#include "common/hashfn.h"

#include "name_index.h"

#define MAX_ATTRS	32			/* countries, birth dates kept per entity */

typedef struct BEntity
{
	int64		id;
	char	   *list;
	char	   *source_uid;
	Datum		programs;		/* text[]; 0: NULL */
	uint8		kind;
	int			ncountries;
	char		countries[MAX_ATTRS * 2];
	int			nbirths;
	FtBirth		births[MAX_ATTRS];
} BEntity;

typedef struct BName
{
	int			entity;
	char	   *name;
	int			ntok;
	int			nitems;
	int		   *items;
	uint8	   *first;
	uint8	   *span;
	float		weight;
	int			strong;
	bool		abjad;
	bool		hangul;
	bool		thai;
	bool		cyrillic;
	bool		greek;
	bool		han;
	uint8		family;			/* tokens before a comma (the family name), 0: none */
	bool		hebrew;
	bool		skeleton;
	bool		cantonese;		/* a Latin name holding a syllable of Cantonese's shape */
} BName;

typedef struct BVocab
{
	char	   *s;
	int			len;
	float		weight;
	int			strong;
	int			nnames;
	int		   *names;
	int			df;				/* plain (not skeleton) names holding it */
	bool		abjad_skeleton;	/* a skeleton of a name in Arabic or Hebrew letters holds it */
	bool		hangul;			/* a name written in Hangul holds it (as written) */
	bool		thai;			/* a name written in Thai letters holds it (as written) */
	bool		cyrillic;		/* a name written in Cyrillic letters holds it (as written) */
	bool		greek;			/* a name written in Greek letters holds it (as written) */
	bool		family_legal;	/* a legal-form word some name holds as its family name */
	bool		han;			/* a name written in Chinese characters holds it (as written) */
	bool		hebrew;			/* the skeleton of a name written in Hebrew letters holds it */
} BVocab;

typedef struct BGram
{
	uint32		key;
	char		status;
	int			n;
	int			cap;
	int		   *vocab;
} BGram;

#define SH_PREFIX		bgram
#define SH_ELEMENT_TYPE	BGram
#define SH_KEY_TYPE		uint32
#define SH_KEY			key
#define SH_HASH_KEY(tb, key)	murmurhash32(key)
#define SH_EQUAL(tb, a, b)		((a) == (b))
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

typedef struct VocabEntry
{
	const char *key;
	char		status;
	uint32		hash;
	int			id;
} VocabEntry;

#define SH_PREFIX		vocabtab
#define SH_ELEMENT_TYPE	VocabEntry
#define SH_KEY_TYPE		const char *
#define SH_KEY			key
#define SH_HASH_KEY(tb, key)	hash_bytes((const unsigned char *) (key), strlen(key))
#define SH_EQUAL(tb, a, b)		(strcmp(a, b) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a)		((a)->hash)
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

typedef struct Build
{
	int			nentities;
	int			ecap;
	BEntity    *entities;
	int			nnames;
	int			ncap;
	int			nabjad;
	int			keyed;			/* bit s (FT_KEY_*): some names are written in script s */
	BName	   *names;
	int			nvocab;
	int			vcap;
	BVocab	   *vocab;
	vocabtab_hash *vt;
	bgram_hash *grams;
	MemoryContext cxt;			/* where the build structures live */
} Build;

/* the key trigrams of entry v, at most max (name_index_keys.c) */
extern int	ft_entry_key_grams(const BVocab *v, uint32 *out, int max);

/* the image of build b, in cxt: *image, *size bytes (name_index_write.c) */
extern void ft_write_image(Build *b, const int64 *sig, MemoryContext cxt, char **image, Size *size);

#endif							/* FINTECH_NAME_INDEX_BUILD_H */
