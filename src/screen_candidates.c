/*-------------------------------------------------------------------------
 *
 * screen_candidates.c
 *	  The candidates of a query (screening.c): the listed names holding an
 *	  item that shares enough trigrams with one of the query's items and is
 *	  similar to it, found through the index's postings lists (name_index.c),
 *	  and for a query in Latin letters also by the trigrams of the items'
 *	  script keys among the names written in Hangul, Thai, Greek or Chinese
 *	  characters (ft_key_candidates).  Each similar vocabulary entry is
 *	  linked to the query item (the links score_candidates reads).
 *
 * Memory: the query's links and the candidates array grow in the caller's
 * context (repalloc_huge, doubling); the index's per query marks are
 * stamped, never cleared.  Every loop over a postings list checks for a
 * cancel.  No locks, no database access: the index is already built.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/memutils.h"

#include "fintech.h"
#include "name_index.h"
#include "name_score.h"
#include "name_words.h"
#include "screen_candidates.h"
#include "translit.h"

/* records that query item qi is similar to vocabulary entry v */
static void
add_link(NameIndex *ix, ScreenQuery *q, int qi, int v, float sim, float unkeyed, uint8 keyeq)
{
	int32	   *head = ft_link_head_slot(ix, q->stamp, v);

	if (q->nlinks == q->caplinks)
	{
		q->caplinks *= 2;
		q->links = repalloc_huge(q->links, q->caplinks * sizeof(SimLink));
	}
	q->links[q->nlinks].qi = qi;
	q->links[q->nlinks].sim = sim;
	q->links[q->nlinks].unkeyed = unkeyed;
	q->links[q->nlinks].keyeq = keyeq;
	q->links[q->nlinks].next = *head;
	*head = q->nlinks++;
}

/*
 * A trigram's list in an item's length window is read whole when it holds
 * at most this many postings, never skipped (ft_find_candidates)
 */
#define SKIP_MIN_POSTINGS	1024

/*
 * Does a name of this form take part in this pass?  The plain pass
 * matches plain names; the skeleton pass (consonant skeletons, for names
 * written without short vowels) matches skeletons: all of them for a query
 * in Arabic or Hebrew letters, only those of such names for a Latin query.
 */
static inline bool
form_ok(const ListedName *nm, bool skeleton, bool abjad_query)
{
	if (!skeleton)
		return !nm->skeleton;
	return nm->skeleton && (abjad_query || nm->abjad);
}

/*
 * The range of a skipped list's postings of entries of length lo + i: its
 * start, start[i] (-1: not known yet), found by binary search the first
 * time an entry of that length is looked up (p[0 .. to - 1] ascending, of
 * which the window's range starts at the first of length lo).
 */
static inline int
len_start(const uint32 *p, int to, int *start, int lo, int i)
{
	if (start[i] < 0)
		start[i] = ft_postings_from(p, to, lo + i);
	return start[i];
}

/*
 * Does a skipped list, p[0 .. to - 1] (ascending), hold posting key (of a
 * length of the item's window)?  Only the range of key's length is
 * searched, by interpolation (the ids of one length are spread evenly over
 * the vocabulary): a few probes where a binary search of the whole window
 * took a dozen.  start: len_start's cache of this list.
 */
static bool
skipped_hold(const uint32 *p, int to, int *start, int lo, uint32 key)
{
	int			i = FT_POSTING_LEN(key) - lo;
	int			s = len_start(p, to, start, lo, i);
	int			e = len_start(p, to, start, lo, i + 1);

	/* three probes by interpolation, then bisection (the same answer, whatever the spread) */
	for (int probe = 0; e - s > 8; probe++)
	{
		uint32		a = p[s],
					b = p[e - 1];
		int			mid;

		if (key < a || key > b)
			return false;
		/* (postings of a list are distinct: b > a) */
		mid = probe < 3 ? s + (int) ((uint64) (key - a) * (e - 1 - s) / (b - a)) : s + (e - s) / 2;
		if (p[mid] == key)
			return true;
		if (p[mid] < key)
			s = mid + 1;
		else
			e = mid;
	}
	for (; s < e; s++)
		if (p[s] >= key)
			return p[s] == key;
	return false;
}

/* the vocabulary entry v just found similar enough (sim) to query item qi: its link and names */
static void
link_entry(NameIndex *ix, ScreenQuery *q, int qi, int v, float sim, float unkeyed, uint8 keyeq,
		   bool skeleton, bool abjad_query, Cands *cd)
{
	uint32		qmask = ((1u << q->it.span[qi]) - 1) << q->it.first[qi];

	add_link(ix, q, qi, v, sim, unkeyed, keyeq);
	for (int x = 0; x < ix->vocab[v].nnames; x++)
	{
		int			n = FT_NAMES(ix, v)[x];
		uint32		mark = ix->nmark[n];

		if (FT_NMARK_STAMP(mark) != q->stamp)
		{
			mark = FT_NMARK(q->stamp, 0);
			if (!form_ok(&ix->names[n], skeleton, abjad_query))
			{
				ix->nmark[n] = mark;
				continue;
			}
			if (cd->n == cd->cap)
			{
				cd->cap *= 2;
				cd->c = repalloc_huge(cd->c, cd->cap * sizeof(int));
			}
			cd->c[cd->n++] = n;
		}
		ix->nmark[n] = mark | qmask;
	}
}

/* does p[from .. to - 1] (ascending) hold posting key? */
static bool
holds(const uint32 *p, int from, int to, uint32 key)
{
	while (from < to)
	{
		int			mid = from + (to - from) / 2;

		if (p[mid] == key)
			return true;
		if (p[mid] < key)
			from = mid + 1;
		else
			to = mid;
	}
	return false;
}

/* has query item qi a link to vocabulary entry v already (this query's)? */
static bool
linked(const NameIndex *ix, const ScreenQuery *q, int qi, int v)
{
	for (int l = ft_link_head(ix, q->stamp, v); l >= 0; l = q->links[l].next)
		if (q->links[l].qi == qi)
			return true;
	return false;
}

/*
 * Candidates: names holding a vocabulary item that shares enough trigrams
 * with an item of the query (and is similar to it).  Items made only of
 * particles find no candidates of their own (but in the key search of
 * Hangul and Chinese characters, whose syllables they may be: session 19).
 *
 * An entry sharing need of the item's ng trigrams is found without reading
 * every posting of them: the postings lists of up to need - 2 of the most
 * frequent trigrams (f; only long lists: SKIP_MIN_POSTINGS) are not read;
 * an entry must then share at least need - f of the others, and only those
 * entries are looked up in the f lists (skipped_hold).  The same entries
 * reach need as when every list is counted.
 *
 * tag (a script, FT_KEY_*; 0: none): the key search (ft_key_candidates), by
 * the trigrams of the item's key among the key trigrams of the names
 * written in that script; an entry must share as many of them as for a
 * query of several words (half; a third of a short key), whatever the
 * query's length, and the first (the search is there for the starts the
 * letters do not share), and is linked only once per item.
 */
void
ft_find_candidates(NameIndex *ix, ScreenQuery *q, bool skeleton, bool abjad_query, int tag, Cands *cd)
{
	/*
	 * the entries the names of this pass hold (form_ok): others lead to no
	 * candidate, and their links would serve none
	 */
	int			list = !skeleton ? FT_LIST_PLAIN :
		abjad_query ? FT_LIST_SKELETON : FT_LIST_ABJAD;
	int			capfound = 256;
	uint32	   *found = palloc(capfound * sizeof(uint32));
	int			capstart = 256;
	int		   *start = palloc(capstart * sizeof(int));

	for (int qi = 0; qi < q->it.n; qi++)
	{
		uint32		g[MAX_TOKLEN * MAX_JOIN + 2];
		char		key[MAX_TOKLEN * MAX_JOIN + 1];
		int			klen = q->it.len[qi];
		int			ng;

		int			need;
		int			f = 0;
		uint32		vst;
		int			lo,
					hi;
		const uint32 *p[MAX_TOKLEN * MAX_JOIN + 2];
		int			from[MAX_TOKLEN * MAX_JOIN + 2];
		int			to[MAX_TOKLEN * MAX_JOIN + 2];
		int			order[MAX_TOKLEN * MAX_JOIN + 2];
		int			nfound = 0;
		int			nlen;

		/*
		 * (a particle or legal form of a Latin query may be a syllable of a
		 * name written in Hangul or Chinese characters: DOO 두, BIN 빈; the
		 * key search of those scripts looks it up too)
		 */
		if (q->it.strong[qi] == 0 && !(tag == FT_KEY_KOREAN || tag == FT_KEY_HAN))
		{
			/* particles match only themselves, and find no candidates */
			int			v = tag != 0 ? -1 : ft_vocab_find(ix, q->it.s[qi], q->forms);

			if (v >= 0)
				add_link(ix, q, qi, v, 1.0f, 1.0f, 0);
			continue;
		}
		/* the key search: the trigrams of the item's key, among the entries of tag */
		if (tag != 0)
		{
			if (q->it.len[qi] > MAX_TOKLEN * MAX_JOIN)
				continue;
			klen = ft_script_key(tag, q->it.s[qi], q->it.len[qi], key);
			ng = ft_key_grams_of(tag, key, klen, g, lengthof(g));
		}
		else
			ng = ft_grams_of(q->it.s[qi], q->it.len[qi], g, lengthof(g));
		ft_len_window(klen, &lo, &hi);

		/*
		 * the key search wants the first trigram among those shared: an
		 * item whose first key trigram no entry holds finds nothing (most
		 * items: the names written in the script are few), and takes no
		 * stamp (the vocabulary's marks are cleared when they wrap)
		 */
		if (tag != 0)
		{
			int			np = 0;

			if (ng > 0)
				(void) ft_gram_postings(ix, g[0], list, &np);
			if (np == 0)
				continue;
		}
		vst = ft_next_vstamp(ix);

		/*
		 * Half the trigrams (a third for short items, and for a query in
		 * Thai letters, whose RTGS reading shares fewer with the names' own
		 * spellings: afichatifong, APICHATPONG): one typo passes.  A name of
		 * one word has nothing else to be found by: any trigram (not in the
		 * key search, which only adds to what the letters found).
		 */
		need = q->strong <= 1 && tag == 0 ? 1 :
			ng <= 5 || (q->nn.thai && tag == 0) ? Max(1, (ng + 1) / 3) : (ng + 1) / 2;

		/* each trigram's postings of entries of lengths lo .. hi; the shortest first */
		for (int k = 0; k < ng; k++)
		{
			int			np;
			int			j;

			p[k] = ft_gram_postings(ix, g[k], list, &np);
			from[k] = ft_postings_from(p[k], np, lo);
			to[k] = hi >= FT_POSTING_LEN(PG_UINT32_MAX) ? np : ft_postings_from(p[k], np, hi + 1);
			for (j = k; j > 0 && to[order[j - 1]] - from[order[j - 1]] > to[k] - from[k]; j--)
				order[j] = order[j - 1];
			order[j] = k;
		}

		/*
		 * The lists skipped: of the longest need - 2, those of more than
		 * SKIP_MIN_POSTINGS postings in the window.  Looking an entry up in
		 * a skipped list costs as much as reading a few dozen postings, and
		 * every entry sharing need - f of the lists read is looked up, so a
		 * shorter list is read (any f up to need - 2 finds the same entries).
		 */
		while (need >= 3 && f < need - 2 &&
			   to[order[ng - 1 - f]] - from[order[ng - 1 - f]] > SKIP_MIN_POSTINGS)
			f++;

		/* the entries sharing need - f of the other trigrams */
		for (int r = 0; r < ng - f; r++)
		{
			/* order[0 .. ng) was filled by the insertion above */
			int			k = order[r];	/* NOLINT(clang-analyzer-core.uninitialized.Assign) */

			CHECK_FOR_INTERRUPTS();
			for (int j = from[k]; j < to[k]; j++)
			{
				int			v = FT_POSTING_V(p[k][j]);
				/* (in 32 bits: a count never reaches 256, nothing to truncate) */
				uint32		mark = ix->vmark[v];

				if (FT_VMARK_STAMP(mark) != vst)
					mark = FT_VMARK(vst, 0);
				ix->vmark[v] = (FtVMark) ++mark;
				if (mark != FT_VMARK(vst, need - f))
					continue;
				if (nfound == capfound)
				{
					capfound *= 2;
					found = repalloc_huge(found, capfound * sizeof(uint32));
				}
				found[nfound++] = p[k][j];
			}
		}

		/* each skipped list's starts of the lengths lo .. hi + 1 (not known yet) */
		nlen = Min(hi, FT_POSTING_LEN(PG_UINT32_MAX)) - lo + 2;
		if (f * nlen > capstart)
		{
			capstart = f * nlen;
			start = repalloc(start, capstart * sizeof(int));
		}
		memset(start, -1, f * nlen * sizeof(int));

		/* ... and of them, those sharing need in all; compared with the item */
		for (int c = 0; c < nfound; c++)
		{
			int			v = FT_POSTING_V(found[c]);
			int			shared = ix->vmark[v] - FT_VMARK(vst, 0);
			float		sim;
			float		unkeyed;
			uint8		keyeq;

			for (int r = ng - f; r < ng && shared < need && shared + (ng - r) >= need; r++)
				if (skipped_hold(p[order[r]], to[order[r]], start + (r - (ng - f)) * nlen, lo,
								 found[c]))
					shared++;
			if (shared < need ||
				(tag != 0 && (!holds(p[0], from[0], to[0], found[c]) || linked(ix, q, qi, v))))
				continue;
			/* (a pair under SIM_FLOOR is dropped here) */
			sim = ft_item_sim(ix, q, qi, v, true, &unkeyed, &keyeq);
			if (sim < SIM_FLOOR)
				continue;
			link_entry(ix, q, qi, v, sim, unkeyed, keyeq, skeleton, abjad_query, cd);
		}
	}
	pfree(found);
	pfree(start);
}

/*
 * The key search (name_index_keys.c): a query in Latin letters looks the
 * keys of its items up among the keys of the names written in each keyed
 * script the lists hold (Hangul, Thai, Greek, Chinese characters;
 * name_index_keys.c says why not Cyrillic, Hebrew or Arabic).  It finds the pairs whose spellings share too few
 * trigrams of the letters (the start differs: BANHARN / banhan, PIYABUTR
 * / piyabut) but whose keys share enough, the first among them; each is
 * then compared as the letters' are (ft_item_sim: by the keys, one side
 * being written in the script).
 */
void
ft_key_candidates(NameIndex *ix, ScreenQuery *q, Cands *cd)
{
	if (q->nn.abjad || q->nn.hangul || q->nn.thai || q->nn.greek || q->nn.cyrillic)
		return;
	for (int s = 1; s <= FT_NKEYS; s++)
		if (s != FT_KEY_CYRILLIC && (ix->keyed & (1 << s)))
			ft_find_candidates(ix, q, false, false, s, cd);
}
