/*-------------------------------------------------------------------------
 *
 * translit_hebrew.c
 *	  Names written in Hebrew letters: the letters read as said where the
 *	  spelling tells, before ICU's Hebrew-Latin (ft_read_hebrew), and ICU's
 *	  symbols for shin and tsade written as the lists spell them after it
 *	  (ft_fold_hebrew).  translit.c calls both for a name holding Hebrew
 *	  letters, a screened name and a listed one alike.
 *
 * Rules about the script, no table of names.  Functions over UChar
 * buffers; the new string is palloc'd in the caller's context.  No locks,
 * no database access.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "translit_hebrew.h"

/* a Hebrew letter or mark (within a word) */
static bool
hebrew_in_word(UChar c)
{
	return c >= 0x0591 && c <= 0x05F4;
}

/*
 * Is the bet u[i] (its marks up to u[next]), after a word's first alef,
 * said b, or left b all the same?  A dagesh says b, and so does a vav or
 * alef after it: the Arabic ABU (אבו), in which b is always a stop, and
 * the doubled b of ABBA (אבא).  And a word whose other letters are all
 * vowel letters, bet or het (AVI, AVIV, AVICHAI) keeps it: read v, it
 * would leave the skeleton nothing, and the name a part short (אבי כהן
 * would be only khn, and fit KAHANE), or a lone h, which the skeleton
 * keeps where it drops a het before a final i after another consonant
 * (אביחי by, the Latin AVICHAI sy: they meet by the Hebrew key).
 */
static bool
bet_stays_after_alef(const UChar *u, int32_t i, int32_t next, int32_t ulen)
{
	for (int32_t m = i + 1; m < next; m++)
		if (u[m] == 0x05BC)
			return true;
	if (next < ulen && (u[next] == 0x05D5 || u[next] == 0x05D0))
		return true;
	for (int32_t m = next; m < ulen && hebrew_in_word(u[m]); m++)
		if (u[m] >= 0x05D0 && u[m] <= 0x05EA &&
			u[m] != 0x05D0 && u[m] != 0x05D1 && u[m] != 0x05D4 && u[m] != 0x05D5 &&
			u[m] != 0x05D7 && u[m] != 0x05D9 && u[m] != 0x05E2)
			return false;		/* not alef, bet, he, vav, het, yod, ayin */
	return true;
}

/*
 * Is a yod (its marks up to u[next]) the consonant of a final -ya,
 * yod and he ending a word of four letters or more (נתניה NETANYA,
 * הרצליה HERZLIYA, אריה ARYEH), not after a vav or yod (vowel letters)?
 * The he is the vowel a's letter, which the Latin spellings write -ya,
 * -iya, -yah or -yeh; ICU writes yh, the fold i (the final h after a
 * vowel dropped), and the skeleton keeps a final i as y: ntny against the
 * Latin ntn.
 */
static bool
final_ya(const UChar *u, int32_t next, int32_t ulen, int letters, UChar prev)
{
	int32_t		m = next + 1;

	if (letters < 2 || prev == 0x05D5 || prev == 0x05D9 || next >= ulen || u[next] != 0x05D4)
		return false;
	while (m < ulen && hebrew_in_word(u[m]) && (u[m] < 0x05D0 || u[m] > 0x05EA))
		m++;
	return m >= ulen || !hebrew_in_word(u[m]);
}

/*
 * Hebrew, before ICU: unpointed Hebrew writes one letter for two sounds in
 * bet (b, v), kaf (k, kh) and pe (p, f), which ICU writes b, k and p
 * whatever the word.  Spoken Hebrew says the stop at a word's start and
 * after a closed syllable, the fricative after a vowel, so always at a
 * word's end (the final forms ך and ף are never stops): a final bet is v
 * (YAAKOV, REGEV, YOAV, DOV), a final kaf ch (BARUCH), a final pe f
 * (YOSEF).  A bet after an alef is v too: the alef writes a vowel, so the
 * bet follows one (AVRAHAM, AVISHAI, AVNER; not ABU or ABBA, nor AVI, AVICHAI:
 * bet_stays_after_alef; session 21).  Elsewhere inside a word the letters
 * do not tell which (LIVNI, RABIN;
 * MICHAEL, ESHKOL; TZIPI, OFIR): ICU's b, k and p stay.  A final yod
 * and he ending a word of four letters or more are -ya (final_ya; session 22).  A doubled vav
 * is the consonant v (BRAVERMAN), not ICU's ww.  Those letters are written
 * so here, in Latin letters ICU leaves as they are; the rest is ICU's.
 * (Reading bet, kaf and vav after a vowel letter as v, ch and o too found
 * more of the development set's names but matched more clean names of the
 * held-out sets: session 15.)  Returns the (palloc'd) new string.
 */
UChar *
ft_read_hebrew(UChar *u, int32_t *ulen, int32_t *cap)
{
	UChar	   *out = palloc((*ulen * 2 + 16) * sizeof(UChar));
	int32_t		n = 0;
	bool		first = true;	/* u[i] is a word's first letter */
	bool		second = false;	/* u[i] is its second, after an alef */
	int			letters = 0;	/* the word's letters before u[i] */
	UChar		prev = 0;		/* the last of them */

	for (int32_t i = 0; i < *ulen; i++)
	{
		UChar		c = u[i];
		int32_t		next = i + 1;
		bool		end;

		if (!hebrew_in_word(c))
		{
			first = true;
			letters = 0;
			out[n++] = c;
			continue;
		}
		if (c < 0x05D0 || c > 0x05EA)
		{
			out[n++] = c;		/* a mark */
			continue;
		}
		while (next < *ulen && hebrew_in_word(u[next]) && (u[next] < 0x05D0 || u[next] > 0x05EA))
			next++;
		/* (a word's last letter, not its only one) */
		end = !first && (next >= *ulen || !hebrew_in_word(u[next]));
		if (c == 0x05D1 && (end || (second && !bet_stays_after_alef(u, i, next, *ulen))))
			out[n++] = 'v';		/* bet at a word's end, or after an alef */
		else if (c == 0x05DA || (c == 0x05DB && end))	/* final kaf */
		{
			out[n++] = 'c';
			out[n++] = 'h';
		}
		else if (c == 0x05E3 || (c == 0x05E4 && end))	/* final pe */
			out[n++] = 'f';
		else if (c == 0x05D5 && next < *ulen && u[next] == 0x05D5)
		{
			out[n++] = 'v';		/* a doubled vav */
			i = next;
		}
		else if (c == 0x05D9 && final_ya(u, next, *ulen, letters, prev))
		{
			out[n++] = 'y';		/* a final -ya: the he and its marks go */
			out[n++] = 'a';
			for (i = next; i + 1 < *ulen && hebrew_in_word(u[i + 1]) &&
				 (u[i + 1] < 0x05D0 || u[i + 1] > 0x05EA); i++)
				;
		}
		else
			out[n++] = c;
		second = first && c == 0x05D0;
		first = false;
		letters++;
		prev = c;
	}
	pfree(u);
	*ulen = n;
	*cap = n * 2 + 16;
	return out;
}

/*
 * Hebrew script (ICU's Hebrew-Latin, before Latin-ASCII): shin and sin are
 * one letter, which ICU writes s-cedilla; in names it is mostly shin, sh
 * (SHIMON, SHARON).  Tsade (z-macron below) is tz (YITZHAK).
 */
int32_t
ft_fold_hebrew(UChar *u, int32_t n, UChar **outp)
{
	UChar	   *out = palloc((n * 2 + 16) * sizeof(UChar));
	int32_t		o = 0;

	for (int32_t i = 0; i < n; i++)
	{
		if (u[i] == 0x015F || u[i] == 0x015E)	/* ş Ş */
		{
			out[o++] = 's';
			out[o++] = 'h';
		}
		else if (u[i] == 0x1E95 || u[i] == 0x1E94)	/* ẕ Ẕ */
		{
			out[o++] = 't';
			out[o++] = 'z';
		}
		else
			out[o++] = u[i];
	}
	*outp = out;
	return o;
}
