/*-------------------------------------------------------------------------
 *
 * name_abjad_titles.c
 *	  Titles written in Arabic letters (ft_abjad_title_tokens): a title is
 *	  no part of a name, so it pairs with no listed part, as written or as
 *	  a consonant skeleton (session 24).
 *
 * The skeleton of a title is that of names: الأستاذ (the professor,
 * ustadh, std) is OSTAD, الآنسة (Miss, anisa, ns) the ns of YUNUS, الدكتور
 * (the doctor, dktr) DAKTAR.  The plain pass knows the Latin titles
 * (name_words.c's honorifics: USTAD, MISS, DOCTOR), but a title written in
 * Arabic letters reaches both passes as ICU writes it, without its short
 * vowels (astad, 0.87 similar to OSTAD), and they compared it like any
 * part.  Here the title stays a part of the query (its weight counts as a
 * part left over: dropping such titles matched more clean names, session
 * 23), but pairs with nothing (name_score.h's ft_pair_refused).  Only the
 * titles that are
 * no name part too: not السيد (SAYYID, SYED), الشيخ (SHEIKH), الحاج
 * (HAJ), المهندس (AL-MUHANDIS) nor خانم (KHANUM), which lists hold as
 * names; السيدة (sayyida) is a given name too.
 *
 * Pure functions of the query; no memory kept, no locks, no database
 * access.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fintech.h"
#include "name_score.h"
#include "screening.h"

/*
 * The titles as a query written in Arabic or Persian letters holds them
 * (ICU's letters, the article apart, folded): الآنسة and آنسة (Miss), الأستاذ
 * and الأستاذة (the professor), الدكتور, الدكتورة and the Persian دکتر
 * (doctor), the Persian آقای (Mr, with its ezafe)
 */
static const char *const abjad_titles[] = {
	"akai", "ansa", "astad", "astada", "dktr", "dktwr", "dktwra",
};

static bool
is_abjad_title(const char *t)
{
	for (int i = 0; i < lengthof(abjad_titles); i++)
		if (strcmp(t, abjad_titles[i]) == 0)
			return true;
	return false;
}

/*
 * The tokens of query q (written in Arabic letters) that are titles, as
 * bits: in the plain pass the titles; in the skeleton pass each skeleton
 * token made of a token as written that is a title, and of no other token
 * of the query (its skeleton alone)
 */
uint32
ft_abjad_title_tokens(const ScreenQuery *q)
{
	uint32		title = 0,
				other = 0;

	if (!q->nn.abjad || q->nn.hebrew)
		return 0;
	if (q->plain == NULL)
	{
		for (int t = 0; t < q->nn.ntok && t < 32; t++)
			if (is_abjad_title(q->nn.tok[t]))
				title |= 1u << t;
		return title;
	}
	for (int t = 0; t < q->plain->ntok; t++)
	{
		NormName	one = *q->plain;
		NormName	sk;
		bool		is_title = is_abjad_title(q->plain->tok[t]);

		one.ntok = 1;
		one.tok[0] = q->plain->tok[t];
		one.family = 0;
		if (ft_skeleton_name(&one, &sk) != 1)
			continue;
		for (int k = 0; k < q->nn.ntok && k < 32; k++)
			if (strcmp(sk.tok[0], q->nn.tok[k]) == 0)
			{
				if (is_title)
					title |= 1u << k;
				else
					other |= 1u << k;
			}
	}
	return title & ~other;
}
