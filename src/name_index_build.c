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
 * offsets by name_index_write.c, which name_index.c maps or
 * name_index_shm.c copies into shared memory.  The build structures:
 * name_index_build.h.
 *
 * Bounds: a listed name loaded before 0.4.0 that is longer than
 * FINTECH_NAME_MAXCHARS characters is indexed on its first
 * FINTECH_NAME_MAXCHARS characters (the image's bounds:
 * name_index_write.c).  Every loop over the listed names checks for a cancel.
 * Memory: the build structures live in a temporary context deleted once
 * the image is written; the image in the context the caller names.
 * Locks: only AccessShareLock on the sanctions tables (reads).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "fintech.h"
#include "name_index.h"
#include "name_index_build.h"
#include "name_score.h"
#include "name_words.h"
#include "screening.h"
#include "spi_plan.h"

int64		ft_index_builds_here = 0;

/* the statement that reads the lists: with birth dates, and before 0.6.0's schema */
#define READ_LISTS(birth_dates) \
	"SELECT n.entity_id, n.name, e.list, e.source_uid, e.programs, e.kind, e.countries, " \
	birth_dates \
	" FROM fintech.sanctions_names n" \
	" JOIN fintech.sanctions_entities e ON e.id OPERATOR(pg_catalog.=) n.entity_id" \
	" WHERE e.listed" \
	" ORDER BY n.entity_id, n.name_type OPERATOR(pg_catalog.<>) 'primary', n.name COLLATE \"C\""

enum
{
	P_READ,
	P_READ_OLD,
	NPLANS
};
static const FintechPlanDef plan_defs[NPLANS] = {
	[P_READ] = {READ_LISTS("e.birth_dates"), 0},
	/* (the library runs before ALTER EXTENSION UPDATE adds birth_dates) */
	[P_READ_OLD] = {READ_LISTS("NULL::pg_catalog.text[]"), 0},
};
FT_DEFINE_PLANS(plans, plan_defs);

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
		v->hangul = false;
		v->thai = false;
		v->cyrillic = false;
		v->greek = false;
		v->family_legal = false;
		v->han = false;
		v->hebrew = false;
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
	nm->hangul = nn->hangul;
	nm->thai = nn->thai;
	nm->cyrillic = nn->cyrillic;
	nm->greek = nn->greek;
	nm->han = nn->han;
	nm->hebrew = nn->hebrew;
	nm->skeleton = skeleton;
	nm->cantonese = !skeleton && !nn->han && ft_cantonese_name(nn);
	nm->family = skeleton ? 0 : Min(nn->family, nn->ntok);
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
	/* (a plain name's items 0 .. ntok - 1 are its tokens, in order) */
	if (nn->family_legal && !skeleton)
		b->vocab[nm->items[0]].family_legal = true;
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
	ft_run_plan(&plans, ft_has_column("sanctions_entities", "birth_dates") ? P_READ : P_READ_OLD,
				NULL, NULL, true, 0);
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
		if (ft_normalize_name(clipped, b->entities[b->nentities - 1].kind == FT_KIND_INDIVIDUAL,
							  &nn) == 0)
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
		b->keyed |= (nn.hangul ? 1 << FT_KEY_KOREAN : 0) | (nn.thai ? 1 << FT_KEY_THAI : 0) |
			(nn.greek ? 1 << FT_KEY_GREEK : 0) | (nn.cyrillic ? 1 << FT_KEY_CYRILLIC : 0) |
			(nn.han ? 1 << FT_KEY_HAN : 0);
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
	bool	   *is_token;		/* the entry is a token of some name */

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
				v->hangul |= !b->names[n].skeleton && b->names[n].hangul;
				v->thai |= !b->names[n].skeleton && b->names[n].thai;
				v->cyrillic |= !b->names[n].skeleton && b->names[n].cyrillic;
				v->greek |= !b->names[n].skeleton && b->names[n].greek;
				v->han |= !b->names[n].skeleton && b->names[n].han;
				v->hebrew |= b->names[n].skeleton && b->names[n].hebrew;
			}
		}
	}

	for (int v = 0; v < b->nvocab; v++)
		b->vocab[v].strong = -1;	/* weight not computed yet */
	is_token = palloc0(Max(b->nvocab, 1) * sizeof(bool));

	/*
	 * Weights, now that each token's document frequency is known: single
	 * tokens from their rarity, joins the sum of their tokens (items
	 * 0..ntok-1 of a name are its tokens, in order).  The plain names
	 * first, then the skeletons, which change no weight the plain names
	 * gave (matching as written is the same with or without them).  An
	 * entry that is a token of some name keeps its token's weight and
	 * strength when another name holds it as a join (OO of "OO, Tun Tun"
	 * is not the weak join of the initials of "O. O.").
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
				if (v->strong < 0 || (form == 0 && !is_token[nm->items[t]]))
				{
					/*
					 * first time this token is seen here (as a token): its
					 * rarity among the plain names, or among the skeletons
					 * when only they hold it
					 */
					v->weight = v->family_legal ?
						ft_part_weight(v->s, v->df > 0 ? v->df : v->nnames) :
						ft_token_weight(v->s, v->df > 0 ? v->df : v->nnames);
					v->strong = v->family_legal || !ft_word_is_weak(v->s) ? 1 : 0;
					is_token[nm->items[t]] = true;
				}
				nm->weight += v->weight;
				nm->strong += v->strong;
			}
			for (int i = nm->ntok; i < nm->nitems; i++)
			{
				BVocab	   *v = &b->vocab[nm->items[i]];

				if (form == 1 ? v->df > 0 : is_token[nm->items[i]])
					continue;	/* a plain name's item, or a token: weighed there */
				v->weight = 0;
				v->strong = 0;
				for (int t = nm->first[i]; t < nm->first[i] + nm->span[i]; t++)
				{
					v->weight += b->vocab[nm->items[t]].weight;
					v->strong += b->vocab[nm->items[t]].strong;
				}
			}
		}
	pfree(is_token);

	/*
	 * trigrams -> vocabulary: count, allocate, fill; the trigrams of the
	 * letters, then the key trigrams (name_index_keys.c)
	 */
	for (int pass = 0; pass < 2; pass++)
	{
		for (int v = 0; v < b->nvocab; v++)
		{
			uint32		g[MAX_TOKLEN * MAX_JOIN + 2 + FT_KEYGRAMS_MAX];
			int			ng = ft_grams_of(b->vocab[v].s, b->vocab[v].len, g, MAX_TOKLEN * MAX_JOIN + 2);

			CHECK_FOR_INTERRUPTS();
			ng += ft_entry_key_grams(&b->vocab[v], g + ng, FT_KEYGRAMS_MAX);
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

	read_lists(&b);
	link_lists(&b);
	ft_write_image(&b, sig, cxt, image, size);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
	ft_index_builds_here++;
}
