/*-------------------------------------------------------------------------
 *
 * name_index.h
 *	  The index of the listed names (name_index.c): entities, names, the
 *	  token vocabulary and its trigrams, as one position-independent image
 *	  (offsets, not pointers) that every backend maps from shared memory
 *	  (name_index_shm.c), or holds itself without shared_preload_libraries.
 *
 * Read by the scoring (name_score.c) and the screening (screening.c); only
 * name_index.c builds an image.  The image is read-only once built; each
 * backend's per query scratch lives in its NameIndex handle.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_NAME_INDEX_H
#define FINTECH_NAME_INDEX_H

#include "common/hashfn.h"
#include "storage/dsm.h"
#include "utils/date.h"

#include "normalize.h"

/* a byte offset from the start of the image */
typedef uint32 FtOff;

/* kinds of listed entities */
typedef enum FtKind
{
	FT_KIND_UNKNOWN = 0,
	FT_KIND_INDIVIDUAL,
	FT_KIND_ENTITY,
	FT_KIND_VESSEL,
	FT_KIND_AIRCRAFT
} FtKind;

/* the FtKind of a kind as the lists and screen_name spell it (FT_KIND_UNKNOWN: another) */
extern int	ft_kind_of(const char *k);

/* a listed birth date as precise as the list gives it (0: not given) */
typedef struct FtBirth
{
	int16		year;
	int8		month;
	int8		day;
} FtBirth;

/* a listed entity: what screen_name returns of it, and its attributes */
typedef struct Entity
{
	int64		id;
	FtOff		list;			/* string */
	FtOff		source_uid;		/* string */
	FtOff		programs;		/* text[] (a varlena); 0: NULL */
	FtOff		countries;		/* ncountries codes of 2 letters, packed */
	FtOff		births;			/* nbirths FtBirth */
	uint8		kind;			/* FtKind */
	uint8		ncountries;
	uint8		nbirths;
} Entity;

/* a listed name, normalised */
typedef struct ListedName
{
	int32		entity;			/* index into entities */
	FtOff		name;			/* string: as published */
	FtOff		items;			/* nitems int32: vocabulary ids, tokens then joins */
	FtOff		first;			/* nitems uint8: first token of each item */
	FtOff		span;			/* nitems uint8: tokens of each item */
	uint8		ntok;
	uint8		nitems;
	bool		abjad;			/* written in Arabic or Hebrew letters */
	bool		skeleton;		/* the consonant skeleton of the name before it */
	bool		keyed;			/* written in Hangul or Thai letters (compared by their keys too) */
	bool		han;			/* written in Chinese characters (compared by their key too) */
	uint8		family;			/* tokens before a comma (the family name), 0: none */
	bool		hebrew;			/* the skeleton of a name written in Hebrew letters (compared by its key too) */
	bool		cantonese;		/* a Latin name holding a syllable of Cantonese's shape (translit_yue.c) */
	float		weight;			/* sum of token weights */
	int32		strong;			/* non-particle tokens */
} ListedName;

/* an item of the vocabulary: a token or a join of 2 or 3 */
typedef struct Vocab
{
	FtOff		s;				/* string */
	int32		len;
	float		weight;			/* sum of its tokens' weights */
	int32		strong;			/* its non-particle tokens */
	int32		nnames;
	FtOff		names;			/* nnames int32: names holding it */
	uint16		forms;			/* FT_FORM_*: the kinds of names holding it */
} Vocab;

#define FT_FORM_PLAIN		1	/* names as written */
#define FT_FORM_SKELETON	2	/* their consonant skeletons */
#define FT_FORM_ABJAD_SKELETON	4	/* skeletons of names written in Arabic or Hebrew letters */
#define FT_FORM_HANGUL		8	/* names written in Hangul (as written): ft_korean_sim */
#define FT_FORM_VARIANT		16	/* (an entry's, not a name's) a variant group stands for it: ft_variant_canon */
#define FT_FORM_THAI		32	/* names written in Thai letters (as written): ft_thai_sim */
#define FT_FORM_CYRILLIC	64	/* names written in Cyrillic letters (as written): ft_cyrillic_sim */
#define FT_FORM_GREEK		128 /* names written in Greek letters (as written): ft_greek_sim */
#define FT_FORM_HAN			256 /* names written in Chinese characters (as written): ft_chinese_sim */
#define FT_FORM_HEBREW		512 /* skeletons of names written in Hebrew letters: ft_hebrew_sim */

/*
 * The trigram postings: for each trigram, the vocabulary entries holding
 * it, one list per kind of name holding them (an entry held by names of
 * both forms is in both lists).  A posting packs the entry's length over
 * its id, so a list in ascending order is sorted by length: the entries of
 * the lengths a query item can be similar to are one range of the list,
 * found by binary search (the rest is never read).  A key trigram
 * (FT_IS_KEYGRAM, name_index_keys.c) has its own slots: their
 * FT_LIST_PLAIN list holds the entries of the names written in the tag's
 * script, by the length of their key.
 */
#define FT_LIST_PLAIN		0	/* entries of names as written */
#define FT_LIST_SKELETON	1	/* entries of consonant skeletons */
#define FT_LIST_ABJAD		2	/* entries of skeletons of names in Arabic or Hebrew letters */
#define FT_NLISTS			3

#define FT_POSTING_VMAX		0xFFFFFF	/* highest entry id a posting holds */
#define FT_POSTING(len, v)	(((uint32) (len) << 24) | (uint32) (v))
#define FT_POSTING_LEN(p)	((int) ((p) >> 24))
#define FT_POSTING_V(p)		((int) ((p) & FT_POSTING_VMAX))

/* a trigram and its postings (open addressing; key 0: empty) */
typedef struct GramSlot
{
	uint32		key;
	int32		n[FT_NLISTS];
	FtOff		list[FT_NLISTS];	/* n uint32 FT_POSTING, ascending */
} GramSlot;

/*
 * What the index holds: count, highest and sum of the lists' generations
 * (fintech.sanctions_lists), and that table's oid (a re-created extension
 * starts its generations again)
 */
#define FT_SIG_LEN		4

#define FT_INDEX_MAGIC	0x46544E49	/* "FTNI" */

/* the image's header, at offset 0 */
typedef struct IndexImage
{
	uint32		magic;
	uint32		gmask;			/* gram slots - 1 (a power of 2, minus 1) */
	uint64		size;			/* bytes */
	int64		sig[FT_SIG_LEN];			/* what fintech.sanctions_lists said */
	int32		nentities;
	int32		nnames;
	int32		nvocab;
	int32		nabjad;			/* names written in Arabic or Hebrew letters */
	int32		keyed;			/* bit s (FT_KEY_*): some names are written in script s */
	FtOff		entities;
	FtOff		names;
	FtOff		vocab;
	FtOff		grams;
} IndexImage;

/*
 * A slot of a per query table (an open-addressing table keyed by a
 * uint32; stamp 0, or another query's stamp: empty): the link head of a
 * vocabulary entry (key: the entry), or a memoised similarity (key:
 * FT_SIM_MEMO_KEY).  One query's entries at a time; a new stamp empties
 * the table at once, and it doubles when half full (name_index.c's
 * stamp_slot).
 */
typedef struct FtStampSlot
{
	uint32		stamp;			/* the query's */
	uint32		key;
	union
	{
		int32		head;		/* the table of link heads: the first SimLink */
		float		sim;		/* the memo: the similarity */
	}			val;
} FtStampSlot;

typedef struct FtStampTable
{
	FtStampSlot *slots;
	uint32		mask;			/* slots - 1 */
	uint32		used;			/* slots of stamp */
	uint32		stamp;			/* the query the table holds */
} FtStampTable;

#define FT_SIM_MEMO_KEY(v, qi)	(((uint32) (v) << 4) | (uint32) (qi))
StaticAssertDecl(MAX_TOKENS <= 16 && FT_POSTING_VMAX < (1 << 28), "a memo key holds the entry and the token");

/* a stamp of the per query scratch */
typedef uint16 FtStamp;

/*
 * a vocabulary entry's mark: the stamp of the query item (8 bits, a
 * sequence of its own: ft_next_vstamp) and the trigrams it shares with it
 * (at most MAX_TOKLEN * MAX_JOIN + 2 < 256)
 */
typedef uint16 FtVMark;
#define FT_VMARK(stamp, count)	((FtVMark) (((stamp) << 8) | (count)))
#define FT_VMARK_STAMP(m)		((m) >> 8)
#define FT_VSTAMP_MAX		255
StaticAssertDecl(MAX_TOKLEN * MAX_JOIN + 2 < 256, "a vocabulary mark counts trigrams in 8 bits");

/* a listed name's mark: the query's stamp over the query tokens that hit it (a bit each) */
#define FT_NMARK(stamp, mask)	(((uint32) (stamp) << 16) | (uint32) (mask))
#define FT_NMARK_STAMP(m)		((m) >> 16)
#define FT_NMARK_MASK(m)		((m) & 0xFFFF)
StaticAssertDecl(MAX_TOKENS <= 16, "a name's mark holds a bit per query token in 16 bits");

#define FT_STAMP_MAX		PG_UINT16_MAX
#define FT_STAMPS_PER_QUERY	256	/* at most: 2 passes of 1 + MAX_TOKENS * MAX_JOIN items, and 1 */

/* a backend's handle on an image, with its per query scratch */
typedef struct NameIndex
{
	MemoryContext cxt;			/* the handle, the scratch, a local image */
	const char *base;			/* the image */
	dsm_segment *seg;			/* its shared memory; NULL: local */
	int64		sig[FT_SIG_LEN];
	int			nentities;
	const Entity *entities;
	int			nnames;
	const ListedName *names;
	int			nvocab;
	const Vocab *vocab;
	const GramSlot *grams;
	uint32		gmask;
	bool		abjad_names;	/* some listed names are in Arabic or Hebrew letters */
	int32		keyed;			/* IndexImage.keyed */
	/*
	 * per query scratch, stamped so nothing is cleared between queries;
	 * stamps are 16 bits (memory: a session keeps this for every
	 * vocabulary entry, name and entity), so they wrap every few hundred
	 * queries: ft_begin_query clears them then, never inside a query
	 */
	uint32		stamp;
	/*
	 * vocab: FT_VMARK(vstamp of the query item, trigrams shared); 2 bytes
	 * an entry, so that a new session zeroes (touches) half the pages it
	 * did with 4; cleared when vstamp wraps, every 255 query items
	 */
	uint32		vstamp;
	FtVMark    *vmark;
	/*
	 * names: FT_NMARK(stamp of the query that made it a candidate, query
	 * tokens that hit it); one word a name, so that a new session makes
	 * present (touches) 4 bytes a name, not 6, and a query one cache line
	 */
	uint32	   *nmark;
	/*
	 * the vocabulary entries a query linked (a few hundred at most), with
	 * the first of their links: a small table, not an array over the
	 * whole vocabulary (a new session's first query would zero it)
	 */
	FtStampTable links;
	/*
	 * the similarities of query tokens to vocabulary entries a query
	 * worked out as leftover pairs (name_score.c): as links, at most
	 * MEMO_MAX_SLOTS slots
	 */
	FtStampTable memo;
	FtStamp    *estamp;			/* entities: have a score */
	float	   *ebest;
	int		   *ename;
} NameIndex;

/* a string (or array) of the image at off */
#define FT_AT(ix, off)		((const void *) ((ix)->base + (off)))
#define FT_STR(ix, off)		((const char *) FT_AT(ix, off))
#define FT_VSTR(ix, v)		FT_STR(ix, (ix)->vocab[v].s)
#define FT_ITEMS(ix, nm)	((const int32 *) FT_AT(ix, (nm)->items))
#define FT_FIRST(ix, nm)	((const uint8 *) FT_AT(ix, (nm)->first))
#define FT_SPAN(ix, nm)		((const uint8 *) FT_AT(ix, (nm)->span))
#define FT_NAMES(ix, v)		((const int32 *) FT_AT(ix, (ix)->vocab[v].names))

/* builds the image of the lists the caller's snapshot sees in cxt (name_index_build.c) */
extern void ft_build_image(const int64 *sig, MemoryContext cxt, char **image, Size *size);

/* the signature of the lists the caller's snapshot sees (FT_SIG_LEN numbers; sig[0]: lists loaded) */
extern void ft_lists_signature(int64 *sig);

/* the index for the lists the caller's snapshot sees; caller is connected to SPI */
extern NameIndex *ft_get_index(void);

/* the index the last ft_get_index() returned (NULL: none yet) */
extern NameIndex *ft_index_cached(void);

/* the postings of trigram key in list (FT_LIST_*): *n of them, or NULL */
extern const uint32 *ft_gram_postings(const NameIndex *ix, uint32 key, int list, int *n);

/* the first of the n postings p of an entry of length len or longer (n: none) */
extern int	ft_postings_from(const uint32 *p, int n, int len);

/* the vocabulary id of s among names of the forms given (FT_FORM_*), or -1 */
extern int	ft_vocab_find(const NameIndex *ix, const char *s, int forms);

/* the distinct trigrams of "$s$", at most max */
extern int	ft_grams_of(const char *s, int len, uint32 *out, int max);

/*
 * The key trigrams (name_index_keys.c): the trigrams of a script key of
 * the entries of names written in that script, tagged with the script
 * (FT_KEY_*) in their top byte, in the same trigram table (a tagged slot's
 * FT_LIST_PLAIN list: postings packing the key's length), for a Latin
 * query's key search (screening.c).
 */
#define FT_KEY_KOREAN		1
#define FT_KEY_THAI			2
#define FT_KEY_GREEK		3
#define FT_KEY_CYRILLIC		4
#define FT_KEY_HAN			5
#define FT_NKEYS			5
#define FT_IS_KEYGRAM(g)	(((g) >> 24) != 0)
/* room for every key trigram of an entry: one set per script (FT_KEY_CYRILLIC: none, name_index_keys.c) */
#define FT_KEYGRAMS_MAX		(FT_NKEYS * (MAX_TOKLEN * MAX_JOIN + 2))

/* the key of script s (FT_KEY_*) of t[0 .. len - 1] into out (room for len + 1); its length */
extern int	ft_script_key(int s, const char *t, int len, char *out);

/* the distinct key trigrams of tag of key[0 .. len - 1], at most max */
extern int	ft_key_grams_of(int tag, const char *key, int len, uint32 *out, int max);

/* the length of the key of tag (a script) of an entry s[0 .. len - 1] */
extern int	ft_key_len(int tag, const char *s, int len);

/* the first link of query stamp to vocabulary entry v (-1: none) */
static inline int
ft_link_head(const NameIndex *ix, uint32 stamp, int v)
{
	const FtStampTable *t = &ix->links;

	if (stamp != t->stamp)
		return -1;
	for (uint32 h = murmurhash32((uint32) v) & t->mask;; h = (h + 1) & t->mask)
	{
		const FtStampSlot *e = &t->slots[h];

		if (e->stamp != stamp)
			return -1;
		if (e->key == (uint32) v)
			return e->val.head;
	}
}

/* where the first link of query stamp to v is kept (-1 there when new) */
extern int32 *ft_link_head_slot(NameIndex *ix, uint32 stamp, int v);

/*
 * where query stamp's similarity of token qi to vocabulary entry v is
 * kept: *found says whether it is there already; NULL when the table is
 * full (then it is not kept)
 */
extern float *ft_sim_memo_slot(NameIndex *ix, uint32 stamp, int v, int qi, bool *found);

/* makes room for a query's stamps (clears the scratch when they would wrap) */
extern void ft_begin_query(NameIndex *ix);

/* a new stamp for the per query scratch of ix (after ft_begin_query) */
extern uint32 ft_next_stamp(NameIndex *ix);

/* a new stamp for the vocabulary marks of ix (a query item's) */
extern uint32 ft_next_vstamp(NameIndex *ix);

/* index builds this backend made (whatever their kind) */
extern int64 ft_index_builds_here;

#endif							/* FINTECH_NAME_INDEX_H */
