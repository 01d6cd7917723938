/*-------------------------------------------------------------------------
 *
 * name_index_build.c
 *	  Building the image of the name index (name_index.h) from
 *	  fintech.sanctions_names and fintech.sanctions_entities.
 *
 * Two steps: the lists are read into pointer-based build structures in a
 * temporary context (each listed name, and its consonant skeleton as a
 * name of its own; each entity's kind, countries and birth dates), linked
 * (postings, weights, trigrams), then written out into one block of
 * offsets (write_image), which name_index.c maps or name_index_shm.c
 * copies into shared memory.
 *
 * Bounds: a listed name loaded before 0.4.0 that is longer than
 * FINTECH_NAME_MAXCHARS characters is indexed on its first
 * FINTECH_NAME_MAXCHARS characters; an image over 4 GB is refused
 * (54000).  Every loop over the listed names checks for a cancel.
 * Memory: the build structures live in a temporary context deleted once
 * the image is written; the image in the context the caller names.
 * Locks: only AccessShareLock on the sanctions tables (reads).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "fintech.h"
#include "name_index.h"
#include "name_score.h"
#include "name_words.h"
#include "screening.h"
#include "spi_plan.h"

int64		ft_index_builds_here = 0;

/* the statement that reads the lists, saved: with birth dates, and before 0.6.0's schema */
static SPIPlanPtr load_plan = NULL;
static SPIPlanPtr load_plan_old = NULL;

/* ------------------------------------------------------------------------
 * Build structures (pointers; a temporary context)
 * ------------------------------------------------------------------------
 */
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
	bool		skeleton;
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
	BName	   *names;
	int			nvocab;
	int			vcap;
	BVocab	   *vocab;
	vocabtab_hash *vt;
	bgram_hash *grams;
	MemoryContext cxt;			/* where the build structures live */
} Build;

static int
vocab_id(Build *b, const char *s, int len, float weight, int strong)
{
	bool		found;
	VocabEntry *e = vocabtab_insert(b->vt, s, &found);

	if (!found)
	{
		BVocab	   *v;

		if (b->nvocab == b->vcap)
		{
			b->vcap *= 2;
			b->vocab = repalloc_huge(b->vocab, b->vcap * sizeof(BVocab));
		}
		v = &b->vocab[b->nvocab];
		v->s = pnstrdup(s, len);
		v->len = len;
		v->weight = weight;
		v->strong = strong;
		v->nnames = 0;
		v->names = NULL;
		v->df = 0;
		v->abjad_skeleton = false;
		e->key = v->s;
		e->id = b->nvocab++;
	}
	return e->id;
}

/* the FtKind of a kind as the lists and screen_name spell it (FT_KIND_UNKNOWN: another) */
int
ft_kind_of(const char *k)
{
	if (strcmp(k, "individual") == 0)
		return FT_KIND_INDIVIDUAL;
	if (strcmp(k, "entity") == 0)
		return FT_KIND_ENTITY;
	if (strcmp(k, "vessel") == 0)
		return FT_KIND_VESSEL;
	if (strcmp(k, "aircraft") == 0)
		return FT_KIND_AIRCRAFT;
	return FT_KIND_UNKNOWN;
}

/* 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' into *b; false if it is none of them */
static bool
parse_birth(const char *s, FtBirth *b)
{
	int			y = 0,
				m = 0,
				d = 0;
	int			len = strlen(s);

	if (len != 4 && len != 7 && len != 10)
		return false;
	for (int i = 0; i < len; i++)
		if ((i == 4 || i == 7) ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
			return false;
	y = atoi(s);
	if (len >= 7)
		m = atoi(s + 5);
	if (len == 10)
		d = atoi(s + 8);
	if (y < 1000 || y > 9999 || m > 12 || d > 31)
		return false;
	b->year = (int16) y;
	b->month = (int8) m;
	b->day = (int8) d;
	return true;
}

/* the strings of a text[] datum (NULL: none) */
static int
text_array(Datum a, bool isnull, Datum **elems)
{
	bool	   *nulls;
	int			n;

	if (isnull)
		return 0;
	deconstruct_array(DatumGetArrayTypeP(a), TEXTOID, -1, false, TYPALIGN_INT, elems, &nulls, &n);
	for (int i = 0; i < n; i++)
		if (nulls[i])
			(*elems)[i] = (Datum) 0;
	return n;
}

/* a new entity from the current row (columns 1, 3..8) */
static void
add_entity(Build *b, HeapTuple tup, TupleDesc td, int64 eid)
{
	BEntity    *e;
	bool		isnull;
	Datum		d;
	Datum	   *el;
	int			n;
	char	   *s;

	if (b->nentities == b->ecap)
	{
		b->ecap *= 2;
		b->entities = repalloc_huge(b->entities, b->ecap * sizeof(BEntity));
	}
	e = &b->entities[b->nentities++];
	memset(e, 0, sizeof(BEntity));
	e->id = eid;
	s = SPI_getvalue(tup, td, 3);
	/* one copy of each list's name */
	if (b->nentities > 1 && strcmp(b->entities[b->nentities - 2].list, s) == 0)
		e->list = b->entities[b->nentities - 2].list;
	else
		e->list = s;
	e->source_uid = SPI_getvalue(tup, td, 4);
	d = SPI_getbinval(tup, td, 5, &isnull);
	e->programs = isnull ? (Datum) 0 : PointerGetDatum(PG_DETOAST_DATUM_COPY(d));
	s = SPI_getvalue(tup, td, 6);
	e->kind = s ? ft_kind_of(s) : FT_KIND_UNKNOWN;

	/* countries: ISO 3166-1 alpha-2 codes (anything else is not compared) */
	d = SPI_getbinval(tup, td, 7, &isnull);
	n = text_array(d, isnull, &el);
	for (int i = 0; i < n && e->ncountries < MAX_ATTRS; i++)
	{
		char	   *c = el[i] ? TextDatumGetCString(el[i]) : "";

		if (strlen(c) == 2 && isalpha((unsigned char) c[0]) && isalpha((unsigned char) c[1]))
		{
			e->countries[e->ncountries * 2] = pg_ascii_toupper((unsigned char) c[0]);
			e->countries[e->ncountries * 2 + 1] = pg_ascii_toupper((unsigned char) c[1]);
			e->ncountries++;
		}
	}
	d = SPI_getbinval(tup, td, 8, &isnull);
	n = text_array(d, isnull, &el);
	for (int i = 0; i < n && e->nbirths < MAX_ATTRS; i++)
		if (el[i] && parse_birth(TextDatumGetCString(el[i]), &e->births[e->nbirths]))
			e->nbirths++;
}

/* a listed name (nn: normalised; in the caller's context) into the build, in b->cxt */
static void
add_name(Build *b, const char *name, const NormName *nn, bool skeleton)
{
	static const float zero_w[MAX_TOKENS * 2];
	static const int zero_s[MAX_TOKENS * 2];
	Items		it;
	BName	   *nm;
	MemoryContext old;

	ft_make_items(nn, zero_w, zero_s, &it);
	old = MemoryContextSwitchTo(b->cxt);
	FT_CHECK(b->nnames < b->ncap);
	nm = &b->names[b->nnames];
	nm->entity = b->nentities - 1;
	/* the skeleton shares its name's text */
	nm->name = skeleton ? b->names[b->nnames - 1].name : pstrdup(name);
	nm->ntok = nn->ntok;
	nm->abjad = nn->abjad;
	nm->skeleton = skeleton;
	nm->nitems = it.n;
	nm->items = palloc(it.n * sizeof(int));
	nm->first = palloc(it.n);
	nm->span = palloc(it.n);
	for (int i = 0; i < it.n; i++)
	{
		nm->items[i] = vocab_id(b, it.s[i], it.len[i], it.weight[i], it.strong[i]);
		nm->first[i] = it.first[i];
		nm->span[i] = it.span[i];
	}
	b->nnames++;
	MemoryContextSwitchTo(old);
}

/* reads the lists into build structures (CurrentMemoryContext); caller is connected to SPI */
static void
read_lists(Build *b)
{
	uint64		nrows;
	int64		last_entity = 0;
	MemoryContext cxt = CurrentMemoryContext;
	MemoryContext tmp;

	/* (the library runs before ALTER EXTENSION UPDATE adds birth_dates) */
	if (ft_has_column("sanctions_entities", "birth_dates"))
		fintech_execute_saved(&load_plan,
							  "SELECT n.entity_id, n.name, e.list, e.source_uid, e.programs,"
							  " e.kind, e.countries, e.birth_dates"
							  " FROM fintech.sanctions_names n"
							  " JOIN fintech.sanctions_entities e ON e.id OPERATOR(pg_catalog.=) n.entity_id"
							  " WHERE e.listed"
							  " ORDER BY n.entity_id, n.name_type OPERATOR(pg_catalog.<>) 'primary',"
							  "   n.name COLLATE \"C\"",
							  0, NULL, NULL, NULL, true, 0);
	else
		fintech_execute_saved(&load_plan_old,
							  "SELECT n.entity_id, n.name, e.list, e.source_uid, e.programs,"
							  " e.kind, e.countries, NULL::pg_catalog.text[]"
							  " FROM fintech.sanctions_names n"
							  " JOIN fintech.sanctions_entities e ON e.id OPERATOR(pg_catalog.=) n.entity_id"
							  " WHERE e.listed"
							  " ORDER BY n.entity_id, n.name_type OPERATOR(pg_catalog.<>) 'primary',"
							  "   n.name COLLATE \"C\"",
							  0, NULL, NULL, NULL, true, 0);
	nrows = SPI_processed;

	memset(b, 0, sizeof(Build));
	b->ecap = 1024;
	b->vcap = 1024;
	b->entities = palloc(b->ecap * sizeof(BEntity));
	b->ncap = Max(nrows, 1) * 2;
	b->names = palloc_extended(b->ncap * sizeof(BName), MCXT_ALLOC_HUGE);
	b->cxt = cxt;
	b->vocab = palloc(b->vcap * sizeof(BVocab));
	b->vt = vocabtab_create(cxt, 4096, NULL);
	b->grams = bgram_create(cxt, 4096, NULL);
	tmp = AllocSetContextCreate(cxt, "fintech index build", ALLOCSET_DEFAULT_SIZES);

	for (uint64 r = 0; r < nrows; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		isnull;
		int64		eid = DatumGetInt64(SPI_getbinval(tup, td, 1, &isnull));
		char	   *name;
		char	   *clipped;
		NormName	nn;
		NormName	sk;

		CHECK_FOR_INTERRUPTS();
		if (eid != last_entity)
		{
			add_entity(b, tup, td, eid);
			last_entity = eid;
		}

		MemoryContextSwitchTo(tmp);
		name = SPI_getvalue(tup, td, 2);

		/*
		 * Loads refuse longer names since 0.4.0; one loaded before is
		 * matched on its first FINTECH_NAME_MAXCHARS characters (so it
		 * cannot make the build fail or stall).
		 */
		{
			int			len = strlen(name);

			if (len > FINTECH_NAME_MAXCHARS)
				clipped = pnstrdup(name, pg_mbcharcliplen(name, len, FINTECH_NAME_MAXCHARS));
			else
				clipped = name;
		}
		if (ft_normalize_name(clipped, &nn) == 0)
		{
			MemoryContextSwitchTo(cxt);
			MemoryContextReset(tmp);
			continue;
		}
		add_name(b, name, &nn, false);
		/* and its consonant skeleton, for names written without short vowels */
		if (ft_skeleton_name(&nn, &sk) > 0)
			add_name(b, name, &sk, true);
		b->nabjad += nn.abjad ? 1 : 0;
		MemoryContextSwitchTo(cxt);
		MemoryContextReset(tmp);
	}
	MemoryContextDelete(tmp);
}

/* postings (vocabulary -> names), weights and trigrams of the build */
static void
link_lists(Build *b)
{
	bool		found;

	/* postings: count, then fill; each pass checks for a cancel */
	for (int n = 0; n < b->nnames; n++)
	{
		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < b->names[n].nitems; i++)
			b->vocab[b->names[n].items[i]].nnames++;
	}
	for (int v = 0; v < b->nvocab; v++)
	{
		CHECK_FOR_INTERRUPTS();
		b->vocab[v].names = palloc(Max(b->vocab[v].nnames, 1) * sizeof(int));
		b->vocab[v].nnames = 0;
	}
	for (int n = 0; n < b->nnames; n++)
	{
		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < b->names[n].nitems; i++)
		{
			BVocab	   *v = &b->vocab[b->names[n].items[i]];

			/* a name may hold the same item twice */
			if (v->nnames == 0 || v->names[v->nnames - 1] != n)
			{
				v->names[v->nnames++] = n;
				v->df += b->names[n].skeleton ? 0 : 1;
				v->abjad_skeleton |= b->names[n].skeleton && b->names[n].abjad;
			}
		}
	}

	for (int v = 0; v < b->nvocab; v++)
		b->vocab[v].strong = -1;	/* weight not computed yet */

	/*
	 * Weights, now that each token's document frequency is known: single
	 * tokens from their rarity, joins the sum of their tokens (items
	 * 0..ntok-1 of a name are its tokens, in order).  The plain names
	 * first, then the skeletons, which change no weight the plain names
	 * gave (matching as written is the same with or without them).
	 */
	for (int form = 0; form < 2; form++)
		for (int n = 0; n < b->nnames; n++)
		{
			BName	   *nm = &b->names[n];

			CHECK_FOR_INTERRUPTS();
			if (nm->skeleton != (form == 1))
				continue;
			nm->weight = 0;
			nm->strong = 0;
			for (int t = 0; t < nm->ntok; t++)
			{
				BVocab	   *v = &b->vocab[nm->items[t]];

				FT_CHECK(nm->span[t] == 1 && nm->first[t] == t);
				if (v->strong < 0)
				{
					/*
					 * first time this token is seen here: its rarity among
					 * the plain names, or among the skeletons when only
					 * they hold it
					 */
					v->weight = ft_token_weight(v->s, v->df > 0 ? v->df : v->nnames);
					v->strong = ft_word_is_weak(v->s) ? 0 : 1;
				}
				nm->weight += v->weight;
				nm->strong += v->strong;
			}
			for (int i = nm->ntok; i < nm->nitems; i++)
			{
				BVocab	   *v = &b->vocab[nm->items[i]];

				if (form == 1 && v->df > 0)
					continue;	/* a plain name's item: weighed there */
				v->weight = 0;
				v->strong = 0;
				for (int t = nm->first[i]; t < nm->first[i] + nm->span[i]; t++)
				{
					v->weight += b->vocab[nm->items[t]].weight;
					v->strong += b->vocab[nm->items[t]].strong;
				}
			}
		}

	/* trigrams -> vocabulary: count, allocate, fill */
	for (int pass = 0; pass < 2; pass++)
	{
		for (int v = 0; v < b->nvocab; v++)
		{
			uint32		g[MAX_TOKLEN * MAX_JOIN + 2];
			int			ng = ft_grams_of(b->vocab[v].s, b->vocab[v].len, g, lengthof(g));

			CHECK_FOR_INTERRUPTS();
			for (int k = 0; k < ng; k++)
			{
				BGram	   *gr = bgram_insert(b->grams, g[k], &found);

				if (!found)
				{
					gr->n = 0;
					gr->cap = 0;
					gr->vocab = NULL;
				}
				if (pass == 0)
					gr->cap++;
				else
				{
					/* counted and allocated in the first pass */
					FT_CHECK(found && gr->vocab != NULL);
					gr->vocab[gr->n++] = v;
				}
			}
		}
		if (pass == 0)
		{
			bgram_iterator gi;
			BGram	   *gr;

			bgram_start_iterate(b->grams, &gi);
			while ((gr = bgram_iterate(b->grams, &gi)) != NULL)
				gr->vocab = palloc(gr->cap * sizeof(int));
		}
	}
}

/* ------------------------------------------------------------------------
 * The image
 * ------------------------------------------------------------------------
 */
typedef struct Writer
{
	MemoryContext cxt;
	char	   *buf;
	Size		len;
	Size		cap;
} Writer;

/* n bytes at the end of the image, aligned (zeroed: zero), their offset */
static FtOff
w_space(Writer *w, Size n, Size align, bool zero)
{
	Size		off = TYPEALIGN(align, w->len);

	if (off + n > w->cap)
	{
		Size		cap = Max(w->cap * 2, off + n + 1024 * 1024);

		w->buf = w->buf ? repalloc_huge(w->buf, cap) : MemoryContextAllocHuge(w->cxt, cap);
		w->cap = cap;
	}
	if ((uint64) off + n > PG_UINT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the screening index of the lists would exceed 4 GB")));
	/* the alignment padding is always zeroed: the image's bytes are all defined */
	memset(w->buf + w->len, 0, off - w->len);
	if (zero)
		memset(w->buf + off, 0, n);
	w->len = off + n;
	return (FtOff) off;
}

/* n zeroed bytes at the end of the image, aligned; their offset */
static FtOff
w_reserve(Writer *w, Size n, Size align)
{
	return w_space(w, n, align, true);
}

static FtOff
w_put(Writer *w, const void *p, Size n, Size align)
{
	FtOff		off = w_space(w, n, align, false);

	memcpy(w->buf + off, p, n);
	return off;
}

static FtOff
w_str(Writer *w, const char *s)
{
	return w_put(w, s, strlen(s) + 1, 1);
}

#define W_AT(w, off, type)	((type *) ((w)->buf + (off)))

/* is the vocabulary entry in postings list l (FT_LIST_*)? */
static bool
in_list(const BVocab *v, int l)
{
	switch (l)
	{
		case FT_LIST_PLAIN:
			return v->df > 0;
		case FT_LIST_SKELETON:
			return v->nnames > v->df;
		default:
			return v->abjad_skeleton;
	}
}

static int
cmp_posting(const void *a, const void *b)
{
	uint32		x = *(const uint32 *) a,
				y = *(const uint32 *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* the image of build b (in w->cxt) */
static void
write_image(Build *b, const int64 *sig, Writer *w)
{
	FtOff		hdr,
				ents,
				names,
				vocab,
				grams;
	uint32		nslots = 16;
	int			ngrams = 0;
	bgram_iterator gi;
	BGram	   *gr;
	FtOff		last_list = 0;
	uint32	   *postings;
	int			max_postings = 0;

	while (nslots < (uint32) b->grams->members * 2)
		nslots *= 2;
	bgram_start_iterate(b->grams, &gi);
	while ((gr = bgram_iterate(b->grams, &gi)) != NULL)
		max_postings = Max(max_postings, gr->n);
	hdr = w_reserve(w, sizeof(IndexImage), MAXIMUM_ALIGNOF);
	ents = w_reserve(w, Max(b->nentities, 1) * sizeof(Entity), MAXIMUM_ALIGNOF);
	names = w_reserve(w, Max(b->nnames, 1) * sizeof(ListedName), MAXIMUM_ALIGNOF);
	vocab = w_reserve(w, Max(b->nvocab, 1) * sizeof(Vocab), MAXIMUM_ALIGNOF);
	grams = w_reserve(w, nslots * sizeof(GramSlot), MAXIMUM_ALIGNOF);
	if (b->nvocab > FT_POSTING_VMAX + 1)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the screening index of the lists would hold %d distinct words and joins, more than %d",
						b->nvocab, FT_POSTING_VMAX + 1)));

	for (int i = 0; i < b->nentities; i++)
	{
		BEntity    *be = &b->entities[i];
		Entity		e;

		CHECK_FOR_INTERRUPTS();
		memset(&e, 0, sizeof(e));
		e.id = be->id;
		if (i > 0 && be->list == b->entities[i - 1].list)
			e.list = last_list;
		else
			e.list = last_list = w_str(w, be->list);
		e.source_uid = w_str(w, be->source_uid);
		e.programs = be->programs == (Datum) 0 ? 0 :
			w_put(w, DatumGetPointer(be->programs), VARSIZE(DatumGetPointer(be->programs)),
				  MAXIMUM_ALIGNOF);
		e.kind = be->kind;
		e.ncountries = be->ncountries;
		if (be->ncountries > 0)
			e.countries = w_put(w, be->countries, be->ncountries * 2, 1);
		e.nbirths = be->nbirths;
		if (be->nbirths > 0)
			e.births = w_put(w, be->births, be->nbirths * sizeof(FtBirth), sizeof(int16));
		W_AT(w, ents, Entity)[i] = e;
	}
	for (int i = 0; i < b->nnames; i++)
	{
		BName	   *bn = &b->names[i];
		ListedName	nm;

		CHECK_FOR_INTERRUPTS();
		memset(&nm, 0, sizeof(nm));
		nm.entity = bn->entity;
		/* a skeleton shares its name's text */
		nm.name = bn->skeleton ? W_AT(w, names, ListedName)[i - 1].name : w_str(w, bn->name);
		nm.items = w_put(w, bn->items, bn->nitems * sizeof(int32), sizeof(int32));
		nm.first = w_put(w, bn->first, bn->nitems, 1);
		nm.span = w_put(w, bn->span, bn->nitems, 1);
		nm.ntok = bn->ntok;
		nm.nitems = bn->nitems;
		nm.abjad = bn->abjad;
		nm.skeleton = bn->skeleton;
		nm.weight = bn->weight;
		nm.strong = bn->strong;
		W_AT(w, names, ListedName)[i] = nm;
	}
	for (int i = 0; i < b->nvocab; i++)
	{
		BVocab	   *bv = &b->vocab[i];
		Vocab		v;

		CHECK_FOR_INTERRUPTS();
		memset(&v, 0, sizeof(v));
		v.s = w_put(w, bv->s, bv->len + 1, 1);
		v.len = bv->len;
		v.weight = bv->weight;
		v.strong = bv->strong;
		v.nnames = bv->nnames;
		v.names = w_put(w, bv->names, bv->nnames * sizeof(int32), sizeof(int32));
		v.forms = (in_list(bv, FT_LIST_PLAIN) ? FT_FORM_PLAIN : 0) |
			(in_list(bv, FT_LIST_SKELETON) ? FT_FORM_SKELETON : 0) |
			(in_list(bv, FT_LIST_ABJAD) ? FT_FORM_ABJAD_SKELETON : 0);
		W_AT(w, vocab, Vocab)[i] = v;
		FT_CHECK(bv->len <= MAX_TOKLEN * MAX_JOIN);
	}
	postings = palloc(Max(max_postings, 1) * sizeof(uint32));
	bgram_start_iterate(b->grams, &gi);
	while ((gr = bgram_iterate(b->grams, &gi)) != NULL)
	{
		uint32		h = murmurhash32(gr->key) & (nslots - 1);
		GramSlot   *slot;

		CHECK_FOR_INTERRUPTS();
		while (W_AT(w, grams, GramSlot)[h].key != 0)
			h = (h + 1) & (nslots - 1);
		slot = W_AT(w, grams, GramSlot) + h;
		slot->key = gr->key;
		for (int l = 0; l < FT_NLISTS; l++)
		{
			int			n = 0;
			FtOff		off;

			for (int j = 0; j < gr->n; j++)
				if (in_list(&b->vocab[gr->vocab[j]], l))
					postings[n++] = FT_POSTING(b->vocab[gr->vocab[j]].len, gr->vocab[j]);
			qsort(postings, n, sizeof(uint32), cmp_posting);
			off = w_put(w, postings, n * sizeof(uint32), sizeof(uint32));
			/* (w_put may move the image: the slot is found again) */
			slot = W_AT(w, grams, GramSlot) + h;
			slot->n[l] = n;
			slot->list[l] = off;
		}
		ngrams++;
	}
	pfree(postings);

	{
		IndexImage *h = W_AT(w, hdr, IndexImage);

		h->magic = FT_INDEX_MAGIC;
		h->gmask = nslots - 1;
		h->size = w->len;
		memcpy(h->sig, sig, sizeof(h->sig));
		h->nentities = b->nentities;
		h->nnames = b->nnames;
		h->nvocab = b->nvocab;
		h->nabjad = b->nabjad;
		h->entities = ents;
		h->names = names;
		h->vocab = vocab;
		h->grams = grams;
	}
}

/*
 * Builds the image of the lists the caller's snapshot sees (signature sig)
 * in cxt: *image, *size bytes.  Caller is connected to SPI.
 */
void
ft_build_image(const int64 *sig, MemoryContext cxt, char **image, Size *size)
{
	MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext, "fintech index build",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(tmp);
	Build		b;
	Writer		w;

	read_lists(&b);
	link_lists(&b);
	w.cxt = cxt;
	w.buf = NULL;
	w.len = 0;
	w.cap = 0;
	/*
	 * room for about the whole image at once (the full SDN list's is ~385
	 * bytes a name, skeletons counted): no copies while it grows
	 */
	w.cap = Min((Size) 400 * b.nnames + 1024 * 1024, MaxAllocHugeSize / 2);
	w.buf = MemoryContextAllocHuge(cxt, w.cap);
	write_image(&b, sig, &w);
	if (w.cap - w.len > 1024 * 1024)
		w.buf = repalloc_huge(w.buf, w.len);	/* a private image keeps no spare room */
	*image = w.buf;
	*size = w.len;
	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
	ft_index_builds_here++;
}
