/*-------------------------------------------------------------------------
 *
 * name_index_write.c
 *	  Writing the image of the name index (name_index.h) from the build
 *	  structures name_index_build.c made (name_index_build.h): one block
 *	  of offsets, which name_index.c maps or name_index_shm.c copies into
 *	  shared memory.
 *
 * Bounds: an image over 4 GB, or of more than FT_POSTING_VMAX + 1
 * vocabulary entries, is refused (54000).  Every loop over the build
 * checks for a cancel.  Memory: the image in the context the caller
 * names; a scratch array of postings in the caller's context.  Locks:
 * none.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/memutils.h"

#include "fintech.h"
#include "name_index.h"
#include "name_index_build.h"
#include "name_score.h"

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
		nm.keyed = !bn->skeleton && (bn->hangul || bn->thai);
		nm.han = !bn->skeleton && bn->han;
		nm.family = bn->family;
		nm.hebrew = bn->skeleton && bn->hebrew;
		nm.cantonese = bn->cantonese;
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
			(in_list(bv, FT_LIST_ABJAD) ? FT_FORM_ABJAD_SKELETON : 0) |
			(bv->hangul ? FT_FORM_HANGUL : 0) |
			(bv->thai ? FT_FORM_THAI : 0) |
			(bv->cyrillic ? FT_FORM_CYRILLIC : 0) |
			(bv->greek ? FT_FORM_GREEK : 0) |
			(bv->han ? FT_FORM_HAN : 0) |
			(bv->hebrew ? FT_FORM_HEBREW : 0) |
			(ft_variant_canon(bv->s) ? FT_FORM_VARIANT : 0);
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
			{
				BVocab	   *bv = &b->vocab[gr->vocab[j]];

				/* a key trigram's entries: one list, by the length of their key */
				if (FT_IS_KEYGRAM(gr->key))
				{
					if (l == FT_LIST_PLAIN)
						postings[n++] = FT_POSTING(ft_key_len(gr->key >> 24, bv->s, bv->len),
												   gr->vocab[j]);
				}
				else if (in_list(bv, l))
					postings[n++] = FT_POSTING(bv->len, gr->vocab[j]);
			}
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
		h->keyed = b->keyed;
		h->entities = ents;
		h->names = names;
		h->vocab = vocab;
		h->grams = grams;
	}
}


void
ft_write_image(Build *b, const int64 *sig, MemoryContext cxt, char **image, Size *size)
{
	Writer		w;

	w.cxt = cxt;
	w.len = 0;
	/*
	 * room for about the whole image at once (the full SDN list's is ~385
	 * bytes a name, skeletons counted): no copies while it grows
	 */
	w.cap = Min((Size) 400 * b->nnames + 1024 * 1024, MaxAllocHugeSize / 2);
	w.buf = MemoryContextAllocHuge(cxt, w.cap);
	write_image(b, sig, &w);
	if (w.cap - w.len > 1024 * 1024)
		w.buf = repalloc_huge(w.buf, w.len);	/* a private image keeps no spare room */
	*image = w.buf;
	*size = w.len;
}
