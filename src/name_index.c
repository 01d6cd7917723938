/*-------------------------------------------------------------------------
 *
 * name_index.c
 *	  The index of the listed names: built from fintech.sanctions_names
 *	  into one position-independent image, shared by every backend through
 *	  name_index_shm.c (or private without shared_preload_libraries), and
 *	  replaced when the lists change.
 *
 * The index: the token vocabulary (tokens and their 2- and 3-joins) of
 * every listed name, a trigram -> vocabulary map and vocabulary -> names
 * postings, and each listed entity's kind, countries and birth dates.  A
 * query's candidates are the names holding an item that shares enough
 * trigrams with one of the query's items; only they are scored.  Which
 * lists (and loads) the index holds is checked at every call against
 * fintech.sanctions_lists, under the caller's snapshot: the signature
 * (count, highest and sum of the lists' generations).
 *
 * The image: a header (IndexImage), then arrays of Entity, ListedName,
 * Vocab and GramSlot (an open-addressing table), then their strings and
 * arrays; every reference inside it is a byte offset from its start
 * (FtOff), so any backend can map it at any address.  name_index_build.c
 * builds it.  A backend holds a NameIndex handle: pointers into the image,
 * and its own per query scratch (stamped arrays, a few bytes per
 * vocabulary entry, name and entity; a small table of the entries a
 * query linked, ft_link_head_slot; and one of the similarities of the
 * leftover pairs the scorer worked out, ft_sim_memo_slot, at most 384 kB).
 *
 * Memory: the handle and scratch live in a context of their own under
 * TopMemoryContext ("fintech screening index"), with the image itself when
 * it is private; a shared image is mapped (name_index_shm.c) until the
 * backend moves to the next generation.  Locks: only AccessShareLock on
 * the sanctions tables (reads); name_index_shm.c's spinlock, never held
 * here.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/mman.h>
#include <unistd.h>

#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "common/hashfn.h"
#include "common/int.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "parser/parse_relation.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "fintech.h"
#include "name_index.h"
#include "name_index_shm.h"

static NameIndex *idx = NULL;

/* slots of a new handle's table of link heads (a power of 2) */
#define LINK_SLOTS	1024

/*
 * slots of a new handle's memo of similarities, and at most (powers of 2;
 * 12 bytes a slot: 12 kB to 384 kB of a session's memory)
 */
#define MEMO_SLOTS	1024
#define MEMO_MAX_SLOTS	32768

static void
stamp_table_init(MemoryContext cxt, FtStampTable *t, uint32 slots)
{
	t->slots = MemoryContextAllocZero(cxt, slots * sizeof(FtStampSlot));
	t->mask = slots - 1;
	t->used = 0;
	t->stamp = 0;
}

/* every slot empty (the stamps are about to wrap) */
static void
stamp_table_clear(FtStampTable *t)
{
	memset(t->slots, 0, (t->mask + 1) * sizeof(FtStampSlot));
	t->stamp = 0;
	t->used = 0;
}

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

/*
 * What fintech.sanctions_lists holds under the caller's snapshot: count,
 * highest and sum of the lists' generations, and the table's oid (the
 * index's signature, FT_SIG_LEN numbers).  Read straight from the table (a
 * row per list) rather than through a statement, which a new session
 * would plan on its first call.  The caller's SELECT right on the table is
 * checked as a statement would.
 */
void
ft_lists_signature(int64 *sig)
{
	Oid			rel = get_relname_relid("sanctions_lists", get_namespace_oid("fintech", false));
	Relation	r;
	TableScanDesc scan;
	TupleTableSlot *slot;
	int			att;

	if (!OidIsValid(rel))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"fintech.sanctions_lists\" does not exist")));
	if (pg_class_aclcheck(rel, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, "sanctions_lists");
	r = table_open(rel, AccessShareLock);
	att = attnameAttNum(r, "generation", false);
	if (att == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"generation\" of relation \"fintech.sanctions_lists\" does not exist")));
	memset(sig, 0, FT_SIG_LEN * sizeof(int64));
	slot = table_slot_create(r, NULL);
	scan = table_beginscan(r, GetActiveSnapshot(), 0, NULL);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;
		int64		g = DatumGetInt64(slot_getattr(slot, att, &isnull));

		FT_CHECK(!isnull);		/* NOT NULL */
		sig[0]++;
		sig[1] = Max(sig[1], g);
		if (pg_add_s64_overflow(sig[2], g, &sig[2]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("bigint out of range")));
	}
	table_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	table_close(r, AccessShareLock);
	sig[3] = rel;
}

/* the gram slot of key, or NULL */
static inline const GramSlot *
gram_slot(const NameIndex *ix, uint32 key)
{
	for (uint32 h = murmurhash32(key) & ix->gmask;; h = (h + 1) & ix->gmask)
	{
		const GramSlot *g = &ix->grams[h];

		if (g->key == key)
			return g;
		if (g->key == 0)
			return NULL;
	}
}

const uint32 *
ft_gram_postings(const NameIndex *ix, uint32 key, int list, int *n)
{
	const GramSlot *g = gram_slot(ix, key);

	if (g == NULL || g->n[list] == 0)
	{
		*n = 0;
		return NULL;
	}
	*n = g->n[list];
	return (const uint32 *) FT_AT(ix, g->list[list]);
}

int
ft_postings_from(const uint32 *p, int n, int len)
{
	uint32		key = FT_POSTING(Max(len, 0), 0);
	int			lo = 0,
				hi = n;

	if (len > FT_POSTING_LEN(PG_UINT32_MAX))
		return n;
	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (p[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The vocabulary id of s among the entries of names of one form
 * (FT_FORM_PLAIN or FT_FORM_SKELETON), or -1: the entries of s's length
 * sharing its rarest trigram are compared with it (no separate string
 * index is kept).
 */
int
ft_vocab_find(const NameIndex *ix, const char *s, int forms)
{
	uint32		g[MAX_TOKLEN * MAX_JOIN + 2];
	int			len = strlen(s);
	int			ng = ft_grams_of(s, len, g, lengthof(g));
	int			list = forms == FT_FORM_PLAIN ? FT_LIST_PLAIN : FT_LIST_SKELETON;
	const uint32 *rarest = NULL;
	int			nrarest = 0;

	FT_CHECK(forms == FT_FORM_PLAIN || forms == FT_FORM_SKELETON);
	for (int k = 0; k < ng; k++)
	{
		int			n;
		const uint32 *p = ft_gram_postings(ix, g[k], list, &n);

		if (p == NULL)
			return -1;			/* no entry of this form has this trigram */
		if (rarest == NULL || n < nrarest)
		{
			rarest = p;
			nrarest = n;
		}
	}
	for (int j = rarest == NULL ? 0 : ft_postings_from(rarest, nrarest, len);
		 j < nrarest && FT_POSTING_LEN(rarest[j]) == len; j++)
	{
		int			v = FT_POSTING_V(rarest[j]);

		if (memcmp(FT_VSTR(ix, v), s, len) == 0)
			return v;
	}
	return -1;
}


/*
 * n bytes of per query scratch in cxt, zeroed when zero.  Its pages are
 * made present in one system call first (Linux 5.14 and later): a new
 * session's scratch is fresh memory, and a page fault for each of its
 * pages, as the memset or the first query would take them, costs more
 * (on the virtual machine of docs/benchmarks.md, ~15 us a page against
 * ~7 us populated: about 0.8 ms of a new session's first call).
 */
static void *
alloc_scratch(MemoryContext cxt, Size n, bool zero)
{
	char	   *p = MemoryContextAllocHuge(cxt, n);

#ifdef MADV_POPULATE_WRITE
	{
		uintptr_t	page = sysconf(_SC_PAGESIZE);
		uintptr_t	start = TYPEALIGN_DOWN(page, (uintptr_t) p);
		uintptr_t	end = TYPEALIGN(page, (uintptr_t) p + n);

		/* (the pages around the chunk are the allocator's, mapped too: their bytes are kept) */
		(void) madvise((void *) start, end - start, MADV_POPULATE_WRITE);
	}
#endif
	if (zero)
		memset(p, 0, n);
	return p;
}

/* a handle on the image at base (seg: its segment, NULL: local, in cxt) */
static NameIndex *
open_image(MemoryContext cxt, const char *base, dsm_segment *seg)
{
	const IndexImage *h = (const IndexImage *) base;
	NameIndex  *ix;

	FT_CHECK(h->magic == FT_INDEX_MAGIC);
	ix = MemoryContextAllocZero(cxt, sizeof(NameIndex));
	ix->cxt = cxt;
	ix->base = base;
	ix->seg = seg;
	memcpy(ix->sig, h->sig, sizeof(ix->sig));
	ix->nentities = h->nentities;
	ix->entities = (const Entity *) (base + h->entities);
	ix->nnames = h->nnames;
	ix->names = (const ListedName *) (base + h->names);
	ix->nvocab = h->nvocab;
	ix->vocab = (const Vocab *) (base + h->vocab);
	ix->grams = (const GramSlot *) (base + h->grams);
	ix->gmask = h->gmask;
	ix->abjad_names = h->nabjad > 0;
	ix->keyed = h->keyed;
	/*
	 * Only the stamps and marks are zeroed: ebest and ename are written
	 * before they are read (when their entity's stamp is set).  All are
	 * made present at once: a first query touches most of their pages,
	 * and one fault at a time costs twice as much (alloc_scratch)
	 */
	ix->vmark = alloc_scratch(cxt, Max(ix->nvocab, 1) * sizeof(FtVMark), true);
	stamp_table_init(cxt, &ix->links, LINK_SLOTS);
	stamp_table_init(cxt, &ix->memo, MEMO_SLOTS);
	ix->nmark = alloc_scratch(cxt, Max(ix->nnames, 1) * sizeof(uint32), true);
	ix->estamp = alloc_scratch(cxt, Max(ix->nentities, 1) * sizeof(FtStamp), true);
	ix->ebest = alloc_scratch(cxt, Max(ix->nentities, 1) * sizeof(float), false);
	ix->ename = alloc_scratch(cxt, Max(ix->nentities, 1) * sizeof(int), false);
	return ix;
}

static void
close_index(NameIndex *ix)
{
	if (ix->seg != NULL)
		ft_shm_detach(ix->seg, ix->base);
	MemoryContextDelete(ix->cxt);
}

/* the index of the lists described by sig: shared, or built here */
static NameIndex *
open_index(const int64 *sig)
{
	/* (kept, under TopMemoryContext, only once it is complete) */
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "fintech screening index",
											  ALLOCSET_DEFAULT_SIZES);
	dsm_segment *seg;
	const char *base;
	char	   *image;
	Size		size;
	NameIndex  *ix;

	switch (ft_shm_find(sig, &seg, &base))
	{
		case FT_SHM_ATTACHED:
			ix = open_image(cxt, base, seg);
			MemoryContextSetParent(cxt, TopMemoryContext);
			return ix;
		case FT_SHM_BUILD:
			PG_TRY();
			{
				ft_build_image(sig, CurrentMemoryContext, &image, &size);
				ft_shm_publish(sig, image, size, &seg, &base);
			}
			PG_CATCH();
			{
				ft_shm_abandon();
				PG_RE_THROW();
			}
			PG_END_TRY();
			pfree(image);
			ix = open_image(cxt, base, seg);
			MemoryContextSetParent(cxt, TopMemoryContext);
			return ix;
		case FT_SHM_LOCAL:
			break;
	}
	ft_build_image(sig, cxt, &image, &size);
	ix = open_image(cxt, image, NULL);
	MemoryContextSetParent(cxt, TopMemoryContext);
	return ix;
}

/* the index for the lists the caller's snapshot sees; caller is connected to SPI */
NameIndex *
ft_get_index(void)
{
	int64		sig[FT_SIG_LEN];

	ft_lists_signature(sig);
	if (idx != NULL && memcmp(idx->sig, sig, sizeof(sig)) == 0)
		return idx;
	if (idx != NULL)
	{
		close_index(idx);
		idx = NULL;
	}
	idx = open_index(sig);
	return idx;
}

void
ft_begin_query(NameIndex *ix)
{
	if (ix->stamp > FT_STAMP_MAX - FT_STAMPS_PER_QUERY)
	{
		/* the stamps would wrap during this query: clear them all now */
		stamp_table_clear(&ix->links);
		stamp_table_clear(&ix->memo);
		memset(ix->nmark, 0, Max(ix->nnames, 1) * sizeof(uint32));
		memset(ix->estamp, 0, Max(ix->nentities, 1) * sizeof(FtStamp));
		ix->stamp = 0;
	}
}

uint32
ft_next_stamp(NameIndex *ix)
{
	++ix->stamp;
	FT_CHECK(ix->stamp <= FT_STAMP_MAX);
	return ix->stamp;
}

uint32
ft_next_vstamp(NameIndex *ix)
{
	if (ix->vstamp == FT_VSTAMP_MAX)
	{
		/* the marks would wrap: clear them (a query's stamps need not be apart) */
		memset(ix->vmark, 0, Max(ix->nvocab, 1) * sizeof(FtVMark));
		ix->vstamp = 0;
	}
	return ++ix->vstamp;
}

/*
 * The slot of key in table t for query stamp (FtStampSlot): *found says
 * whether it was there; a new one is taken (its value for the caller to
 * set).  A new stamp empties the table at once (slots of other stamps are
 * free); it doubles when half full, up to max_slots: a full table only
 * finds what it holds (NULL otherwise), so that what a session keeps stays
 * bounded.
 */
static FtStampSlot *
stamp_slot(MemoryContext cxt, FtStampTable *t, uint32 stamp, uint32 key, uint32 max_slots,
			  bool *found)
{
	uint32		h;

	if (stamp != t->stamp)
	{
		t->stamp = stamp;
		t->used = 0;
	}
	if ((t->used + 1) * 2 > t->mask + 1)
	{
		/* grow: move this query's entries into a table twice the size */
		uint32		nslots = (t->mask + 1) * 2;
		FtStampSlot *old = t->slots;
		uint32		oslots = t->mask + 1;

		if (nslots > max_slots)
		{
			for (h = murmurhash32(key) & t->mask; t->slots[h].stamp == stamp; h = (h + 1) & t->mask)
				if (t->slots[h].key == key)
				{
					*found = true;
					return &t->slots[h];
				}
			return NULL;
		}
		t->slots = MemoryContextAllocZero(cxt, nslots * sizeof(FtStampSlot));
		t->mask = nslots - 1;
		for (uint32 i = 0; i < oslots; i++)
		{
			if (old[i].stamp != stamp)
				continue;
			for (h = murmurhash32(old[i].key) & t->mask; t->slots[h].stamp == stamp;
				 h = (h + 1) & t->mask)
				;
			t->slots[h] = old[i];
		}
		pfree(old);
	}
	for (h = murmurhash32(key) & t->mask;; h = (h + 1) & t->mask)
	{
		FtStampSlot *e = &t->slots[h];

		if (e->stamp != stamp)
		{
			e->stamp = stamp;
			e->key = key;
			t->used++;
			*found = false;
			return e;
		}
		if (e->key == key)
		{
			*found = true;
			return e;
		}
	}
}

/*
 * Where the first link of query stamp to vocabulary entry v is kept: its
 * slot in the table of link heads, -1 there when v had none yet (the
 * table grows as a query needs: a query links a few hundred entries).
 */
int32 *
ft_link_head_slot(NameIndex *ix, uint32 stamp, int v)
{
	bool		found;
	FtStampSlot *e = stamp_slot(ix->cxt, &ix->links, stamp, (uint32) v, PG_UINT32_MAX, &found);

	if (!found)
		e->val.head = -1;
	return &e->val.head;
}

/*
 * Where query stamp's similarity of token qi to vocabulary entry v is
 * kept, up to MEMO_MAX_SLOTS: a query that would need more keeps no more
 * (NULL).
 */
float *
ft_sim_memo_slot(NameIndex *ix, uint32 stamp, int v, int qi, bool *found)
{
	FtStampSlot *e = stamp_slot(ix->cxt, &ix->memo, stamp, FT_SIM_MEMO_KEY(v, qi),
								   MEMO_MAX_SLOTS, found);

	return e == NULL ? NULL : &e->val.sim;
}

/* the index the last ft_get_index() returned (NULL: none yet) */
NameIndex *
ft_index_cached(void)
{
	return idx;
}

/* ------------------------------------------------------------------------
 * fintech.screening_index()
 * ------------------------------------------------------------------------
 */
PG_FUNCTION_INFO_V1(fintech_screening_index);
Datum
fintech_screening_index(PG_FUNCTION_ARGS)
{
	TupleDesc	td;
	Datum		v[7];
	bool		nulls[7] = {false, false, false, false, false, false, false};
	int64		generation,
				bytes,
				builds;
	bool		have_shm = ft_shm_status(&generation, &bytes, &builds);
	NameIndex  *ix;

	if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	SPI_connect();
	ix = ft_get_index();
	SPI_finish();
	v[0] = BoolGetDatum(ix->seg != NULL);
	v[1] = Int64GetDatum(ix->sig[1]);
	v[2] = Int32GetDatum(ix->nentities);
	v[3] = Int32GetDatum(ix->nnames);
	v[4] = Int64GetDatum((int64) ((const IndexImage *) ix->base)->size);
	v[5] = Int64GetDatum(builds);
	nulls[5] = !have_shm;
	v[6] = Int64GetDatum(ft_index_builds_here);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, v, nulls)));
}
