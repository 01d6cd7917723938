/*-------------------------------------------------------------------------
 *
 * name_index.c
 *	  The per-backend index of the listed names: built from
 *	  fintech.sanctions_names, cached, and rebuilt when the lists change.
 *
 * The index: on first use (and again after any list is loaded) a backend
 * reads fintech.sanctions_names into memory: the token vocabulary (tokens
 * and their 2- and 3-joins), a trigram -> vocabulary map and vocabulary ->
 * names postings.  A query's candidates are the names holding an item that
 * shares enough trigrams with one of the query's items; only they are
 * scored.  Which lists (and loads) the index holds is checked at every
 * call against fintech.sanctions_lists, under the caller's snapshot: the
 * signature (count, highest and sum of the lists' generations).
 *
 * Bounds: a listed name loaded before 0.4.0 that is longer than
 * FINTECH_NAME_MAXCHARS characters is indexed on its first
 * FINTECH_NAME_MAXCHARS characters.  Every loop over the listed names
 * checks for a cancel.  Memory: one index per backend, in a context of
 * its own under TopMemoryContext ("fintech screening index"), its small
 * pieces carved out of 256 kB blocks (Arena); the previous one is freed
 * when a new one is built.  The build's per-name scratch is reset at each
 * name.  Locks: only AccessShareLock on the sanctions tables (reads).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/datum.h"
#include "utils/memutils.h"

#include "fintech.h"
#include "name_index.h"
#include "name_score.h"
#include "name_words.h"
#include "spi_plan.h"

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

static NameIndex *idx = NULL;

/*
 * The index is made of many small pieces that live and die together: they
 * are carved out of big blocks (no per-chunk header, no power-of-two
 * rounding).
 */
typedef struct Arena
{
	MemoryContext cxt;
	char	   *cur;
	Size		left;
} Arena;

#define ARENA_BLOCK		(256 * 1024)

static void *
arena_alloc(Arena *a, Size n)
{
	void	   *p;

	n = MAXALIGN(Max(n, 1));
	if (n > a->left)
	{
		Size		sz = Max(n, ARENA_BLOCK);

		a->cur = MemoryContextAlloc(a->cxt, sz);
		a->left = sz;
	}
	p = a->cur;
	a->cur += n;
	a->left -= n;
	return p;
}

static char *
arena_strdup(Arena *a, const char *s, int len)
{
	char	   *d = arena_alloc(a, len + 1);

	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

/* the two statements of the index, each saved in a slot of its own */
static SPIPlanPtr sig_plan = NULL;
static SPIPlanPtr load_plan = NULL;

static inline uint32
gram_key(const char *p)
{
	return ((uint32) (uint8) p[0] << 16) | ((uint32) (uint8) p[1] << 8) | (uint8) p[2];
}

/* the distinct trigrams of "$s$" into out[], at most max; returns how many */
int
ft_grams_of(const char *s, int len, uint32 *out, int max)
{
	char		buf[MAX_TOKLEN * MAX_JOIN + 3];
	int			n = 0;

	len = Min(len, (int) sizeof(buf) - 2);
	buf[0] = '$';
	memcpy(buf + 1, s, len);
	buf[len + 1] = '$';
	for (int i = 0; i + 3 <= len + 2 && n < max; i++)
	{
		uint32		k = gram_key(buf + i);
		bool		dup = false;

		for (int j = 0; j < n && !dup; j++)
			dup = out[j] == k;
		if (!dup)
			out[n++] = k;
	}
	return n;
}

static int
vocab_id(NameIndex *ix, vocabtab_hash *vt, Arena *arena, const char *s, int len, float weight,
		 int strong, int *cap)
{
	bool		found;
	VocabEntry *e = vocabtab_insert(vt, s, &found);

	if (!found)
	{
		Vocab	   *v;

		if (ix->nvocab == *cap)
		{
			*cap *= 2;
			ix->vocab = repalloc_huge(ix->vocab, *cap * sizeof(Vocab));
		}
		v = &ix->vocab[ix->nvocab];
		v->s = arena_strdup(arena, s, len);
		v->len = len;
		v->weight = weight;
		v->strong = strong;
		v->nnames = 0;
		v->names = NULL;
		e->key = v->s;
		e->id = ix->nvocab++;
	}
	return e->id;
}

static void
read_signature(int64 *sig)
{
	bool		isnull;

	fintech_execute_saved(&sig_plan,
						  "SELECT pg_catalog.count(*), COALESCE(pg_catalog.max(generation), 0),"
						  " COALESCE(pg_catalog.sum(generation), 0)::pg_catalog.int8"
						  " FROM fintech.sanctions_lists",
						  0, NULL, NULL, NULL, true, 0);
	for (int i = 0; i < 3; i++)
		sig[i] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
											 i + 1, &isnull));
}

/*
 * The vocabulary id of s, or -1: the entries sharing s's rarest trigram
 * are compared with it (no separate string index is kept).
 */
int
ft_vocab_find(const NameIndex *ix, const char *s)
{
	uint32		g[MAX_TOKLEN * MAX_JOIN + 2];
	int			len = strlen(s);
	int			ng = ft_grams_of(s, len, g, lengthof(g));
	Gram	   *rarest = NULL;

	for (int k = 0; k < ng; k++)
	{
		Gram	   *gr = gram_lookup(ix->grams, g[k]);

		if (gr == NULL)
			return -1;			/* no entry has this trigram */
		if (rarest == NULL || gr->n < rarest->n)
			rarest = gr;
	}
	for (int j = 0; rarest != NULL && j < rarest->n; j++)
	{
		const Vocab *v = &ix->vocab[rarest->vocab[j]];

		if (v->len == len && memcmp(v->s, s, len) == 0)
			return rarest->vocab[j];
	}
	return -1;
}

/* builds the index from fintech.sanctions_names; caller is connected to SPI */
static NameIndex *
build_index(const int64 *sig)
{
	MemoryContext cxt = AllocSetContextCreate(TopMemoryContext, "fintech screening index",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old;
	MemoryContext tmp;
	NameIndex	   *ix;
	vocabtab_hash *vt;
	static const float zero_w[MAX_TOKENS * 2];
	static const int zero_s[MAX_TOKENS * 2];
	int			vcap = 1024;
	int			ecap = 1024;
	uint64		nrows;
	int64		last_entity = 0;
	bool		found;
	Arena		arena;

	fintech_execute_saved(&load_plan,
						  "SELECT n.entity_id, n.name, e.list, e.source_uid, e.programs"
						  " FROM fintech.sanctions_names n"
						  " JOIN fintech.sanctions_entities e ON e.id OPERATOR(pg_catalog.=) n.entity_id"
						  " WHERE e.listed"
						  " ORDER BY n.entity_id",
						  0, NULL, NULL, NULL, true, 0);
	nrows = SPI_processed;

	old = MemoryContextSwitchTo(cxt);
	ix = palloc0(sizeof(NameIndex));
	ix->cxt = cxt;
	memcpy(ix->sig, sig, sizeof(ix->sig));
	ix->entities = palloc(ecap * sizeof(Entity));
	ix->names = palloc_extended(Max(nrows, 1) * sizeof(ListedName), MCXT_ALLOC_HUGE);
	ix->vocab = palloc(vcap * sizeof(Vocab));
	vt = vocabtab_create(cxt, 4096, NULL);
	ix->grams = gram_create(cxt, 4096, NULL);
	tmp = AllocSetContextCreate(CurrentMemoryContext, "fintech index build", ALLOCSET_DEFAULT_SIZES);
	arena.cxt = cxt;
	arena.cur = NULL;
	arena.left = 0;

	for (uint64 r = 0; r < nrows; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		isnull;
		int64		eid = DatumGetInt64(SPI_getbinval(tup, td, 1, &isnull));
		char	   *name;
		char	   *clipped;
		NormName	nn;
		Items		it;
		ListedName	   *nm;

		CHECK_FOR_INTERRUPTS();
		if (eid != last_entity)
		{
			Entity	   *e;
			Datum		programs = SPI_getbinval(tup, td, 5, &isnull);

			if (ix->nentities == ecap)
			{
				ecap *= 2;
				ix->entities = repalloc(ix->entities, ecap * sizeof(Entity));
			}
			e = &ix->entities[ix->nentities++];
			e->id = eid;
			name = SPI_getvalue(tup, td, 3);
			/* one copy of each list's name */
			if (ix->nentities > 1 && strcmp(ix->entities[ix->nentities - 2].list, name) == 0)
				e->list = ix->entities[ix->nentities - 2].list;
			else
				e->list = arena_strdup(&arena, name, strlen(name));
			name = SPI_getvalue(tup, td, 4);
			e->source_uid = arena_strdup(&arena, name, strlen(name));
			e->programs = isnull ? (Datum) 0 : datumCopy(programs, false, -1);
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
		ft_make_items(&nn, zero_w, zero_s, &it);
		MemoryContextSwitchTo(cxt);

		nm = &ix->names[ix->nnames];
		nm->entity = ix->nentities - 1;
		nm->name = arena_strdup(&arena, name, strlen(name));
		nm->ntok = nn.ntok;
		nm->nitems = it.n;
		nm->items = arena_alloc(&arena, it.n * sizeof(int));
		nm->first = arena_alloc(&arena, it.n);
		nm->span = arena_alloc(&arena, it.n);
		nm->weight = 0;
		nm->strong = 0;
		for (int i = 0; i < it.n; i++)
		{
			nm->items[i] = vocab_id(ix, vt, &arena, it.s[i], it.len[i], it.weight[i], it.strong[i], &vcap);
			nm->first[i] = it.first[i];
			nm->span[i] = it.span[i];
			if (it.span[i] == 1)
			{
				nm->weight += it.weight[i];
				nm->strong += it.strong[i];
			}
		}
		ix->nnames++;
		MemoryContextReset(tmp);
	}

	/*
	 * postings: vocabulary -> names (count, then fill).  These passes are
	 * linear in the names; each checks for a cancel as it goes.
	 */
	for (int n = 0; n < ix->nnames; n++)
	{
		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < ix->names[n].nitems; i++)
			ix->vocab[ix->names[n].items[i]].nnames++;
	}
	for (int v = 0; v < ix->nvocab; v++)
	{
		CHECK_FOR_INTERRUPTS();
		ix->vocab[v].names = arena_alloc(&arena, ix->vocab[v].nnames * sizeof(int));
		ix->vocab[v].nnames = 0;
	}
	for (int n = 0; n < ix->nnames; n++)
	{
		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < ix->names[n].nitems; i++)
		{
			Vocab	   *v = &ix->vocab[ix->names[n].items[i]];

			/* a name may hold the same item twice */
			if (v->nnames == 0 || v->names[v->nnames - 1] != n)
				v->names[v->nnames++] = n;
		}
	}

	for (int v = 0; v < ix->nvocab; v++)
		ix->vocab[v].strong = -1;	/* weight not computed yet */

	/*
	 * Weights, now that each token's document frequency is known: single
	 * tokens from their rarity, joins the sum of their tokens (items
	 * 0..ntok-1 of a name are its tokens, in order).
	 */
	for (int n = 0; n < ix->nnames; n++)
	{
		ListedName *nm = &ix->names[n];

		CHECK_FOR_INTERRUPTS();
		nm->weight = 0;
		nm->strong = 0;
		for (int t = 0; t < nm->ntok; t++)
		{
			Vocab	   *v = &ix->vocab[nm->items[t]];

			FT_CHECK(nm->span[t] == 1 && nm->first[t] == t);
			if (v->strong < 0)
			{
				/* first time this token is seen here */
				v->weight = ft_token_weight(v->s, v->nnames);
				v->strong = ft_word_is_weak(v->s) ? 0 : 1;
			}
			nm->weight += v->weight;
			nm->strong += v->strong;
		}
		for (int i = nm->ntok; i < nm->nitems; i++)
		{
			Vocab	   *v = &ix->vocab[nm->items[i]];

			v->weight = 0;
			v->strong = 0;
			for (int t = nm->first[i]; t < nm->first[i] + nm->span[i]; t++)
			{
				v->weight += ix->vocab[nm->items[t]].weight;
				v->strong += ix->vocab[nm->items[t]].strong;
			}
		}
	}

	/* trigrams -> vocabulary: count, allocate, fill */
	for (int pass = 0; pass < 2; pass++)
	{
		for (int v = 0; v < ix->nvocab; v++)
		{
			uint32		g[MAX_TOKLEN * MAX_JOIN + 2];
			int			ng = ft_grams_of(ix->vocab[v].s, ix->vocab[v].len, g, lengthof(g));

			CHECK_FOR_INTERRUPTS();
			for (int k = 0; k < ng; k++)
			{
				Gram	   *gr = gram_insert(ix->grams, g[k], &found);

				if (!found)
				{
					gr->n = 0;
					gr->cap = 0;
					gr->vocab = NULL;
				}
				if (pass == 0)
					gr->cap++;
				else
					gr->vocab[gr->n++] = v;
			}
		}
		if (pass == 0)
		{
			gram_iterator gi;
			Gram	   *gr;

			gram_start_iterate(ix->grams, &gi);
			while ((gr = gram_iterate(ix->grams, &gi)) != NULL)
				gr->vocab = arena_alloc(&arena, gr->cap * sizeof(int));
		}
	}

	ix->vstamp = palloc0(Max(ix->nvocab, 1) * sizeof(uint32));
	ix->vcount = palloc0(Max(ix->nvocab, 1) * sizeof(uint16));
	ix->nstamp = palloc0(Max(ix->nnames, 1) * sizeof(uint32));
	ix->nmask = palloc0(Max(ix->nnames, 1) * sizeof(uint32));
	ix->vqstamp = palloc0(Max(ix->nvocab, 1) * sizeof(uint32));
	ix->vhead = palloc0(Max(ix->nvocab, 1) * sizeof(int));
	ix->estamp = palloc0(Max(ix->nentities, 1) * sizeof(uint32));
	ix->ebest = palloc0(Max(ix->nentities, 1) * sizeof(float));
	ix->ename = palloc0(Max(ix->nentities, 1) * sizeof(int));
	/* lookups by string from now on go through the trigrams (ft_vocab_find) */
	vocabtab_destroy(vt);
	ix->vocab = repalloc_huge(ix->vocab, Max(ix->nvocab, 1) * sizeof(Vocab));
	MemoryContextDelete(tmp);
	MemoryContextSwitchTo(old);
	return ix;
}

/* the index for the lists the caller's snapshot sees; caller is connected to SPI */
NameIndex *
ft_get_index(void)
{
	int64		sig[3];

	read_signature(sig);
	if (idx != NULL && memcmp(idx->sig, sig, sizeof(sig)) == 0)
		return idx;
	if (idx != NULL)
	{
		MemoryContextDelete(idx->cxt);
		idx = NULL;
	}
	idx = build_index(sig);
	return idx;
}

uint32
ft_next_stamp(NameIndex *ix)
{
	if (++ix->stamp == 0)
	{
		/* wrapped: clear every stamp once */
		memset(ix->vstamp, 0, Max(ix->nvocab, 1) * sizeof(uint32));
		memset(ix->vqstamp, 0, Max(ix->nvocab, 1) * sizeof(uint32));
		memset(ix->nstamp, 0, Max(ix->nnames, 1) * sizeof(uint32));
		memset(ix->estamp, 0, Max(ix->nentities, 1) * sizeof(uint32));
		ix->stamp = 1;
	}
	return ix->stamp;
}

/* the index the last ft_get_index() returned (NULL: none yet) */
NameIndex *
ft_index_cached(void)
{
	return idx;
}
