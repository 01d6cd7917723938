/*-------------------------------------------------------------------------
 *
 * name_titles.c
 *	  Titles written in Arabic, Persian or Hebrew letters at the start of a
 *	  name (السيد Mr, الآنسة Miss, آقای Mr, دکتر Dr, ד"ר Dr, הרב the
 *	  rabbi ...), skipped before ICU spells the name in Latin letters.
 *
 * normalize.c drops a name's leading titles after transliteration, by the
 * Latin list of name_words.c (mr, dr, sheikh, sayyid, mulla ...).  A title
 * in these scripts does not reach that list in a form it holds: ICU spells
 * it without short vowels and with its article (الآنسة is alansh, الأستاذ
 * alastadh), and then it is read as a name, whose consonants are a name's
 * (الآنسة's ns are YUNUS's; الأستاذ is OSTAD).  So the titles are matched
 * here in their own letters, word by word from the start, as long as a
 * word is left after them, the same for a screened name and for every
 * listed name (both go through ft_normalize_name).
 *
 * A word is compared in a folded spelling: the alef's forms as alef,
 * alef maqsura and the Persian yeh as yeh, teh marbuta as heh, the
 * Persian keheh as kaf, without harakat, tatweel, zero-width joiners and
 * Hebrew points; the Hebrew geresh and gershayim as ASCII ' and ".  Only
 * titles that precede a name are listed, the way the Latin list does (a
 * word that is also a given name, سيد Sayed, آقا Agha, is not).
 *
 * Pure functions: no memory allocated, no locks, no database access.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mb/pg_wchar.h"

#include "normalize.h"

/* the titles, folded as fold_char folds a word */
static const char *const script_titles[] = {
	/* Arabic: Mr, Mrs, Miss, professor, doctor, engineer, sheikh, hajj, imam, mullah, mawlawi */
	"السيد", "السيده", "الانسه", "الاستاذ", "الاستاذه", "الدكتور", "الدكتوره", "د.",
	"المهندس", "المهندسه", "الشيخ", "الشيخه", "الحاج", "الحاجه", "الامام", "الملا",
	"المولوي",
	/* Arabic ranks: major general, brigadier, colonel, major, captain */
	"اللواء", "العميد", "العقيد", "الرائد", "النقيب",
	/* Persian: Mr, Mrs, doctor, engineer, hajj, hojatoleslam, ayatollah, mullah, mawlawi */
	"اقاي", "خانم", "دكتر", "مهندس", "حاج", "حاجي", "حجتالاسلام", "ايتالله", "ملا",
	"مولوي",
	/* Persian ranks: colonel, brigadier general, major general */
	"سرهنگ", "سرتيپ", "سرلشكر",
	/* Hebrew: Mr, Mrs (and its abbreviation), doctor, professor, the rabbi, rabbi, advocate */
	"מר", "גברת", "גב'", "ד\"ר", "פרופ'", "פרופסור", "הרב", "רבי", "עו\"ד",
};

/* c folded for the comparison (0: left out of the word) */
static pg_wchar
fold_char(pg_wchar c)
{
	switch (c)
	{
		case 0x0622:			/* alef with madda, hamza above or below, wasla */
		case 0x0623:
		case 0x0625:
		case 0x0671:
			return 0x0627;
		case 0x0649:			/* alef maqsura, Farsi yeh */
		case 0x06CC:
			return 0x064A;
		case 0x0629:			/* teh marbuta, heh with yeh above */
		case 0x06C0:
			return 0x0647;
		case 0x06A9:			/* keheh */
			return 0x0643;
		case 0x05F3:			/* geresh */
		case 0x2019:
			return '\'';
		case 0x05F4:			/* gershayim */
		case 0x201D:
			return '"';
		case 0x0640:			/* tatweel, zero-width non-joiner and joiner */
		case 0x200C:
		case 0x200D:
		case 0x0670:			/* superscript alef */
			return 0;
	}
	if ((c >= 0x064B && c <= 0x065F) ||	/* harakat */
		(c >= 0x0591 && c <= 0x05C7 && c != 0x05BE))	/* Hebrew points, not maqaf */
		return 0;
	return c;
}

static bool
is_space(pg_wchar c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x00A0;
}

/*
 * Is the word at s (up to the next space or the end, at most end) a title?
 * *wordend: where the word ends.
 */
static bool
word_is_title(const unsigned char *s, const unsigned char *end, const unsigned char **wordend)
{
	char		folded[64];
	int			n = 0;
	bool		fits = true;

	while (s < end)
	{
		int			l = pg_utf_mblen(s);
		pg_wchar	c;

		if (s + l > end || !pg_utf8_islegal(s, l))
		{
			fits = false;		/* not UTF-8: no title */
			s++;
			continue;
		}
		c = utf8_to_unicode(s);
		if (is_space(c))
			break;
		s += l;
		c = fold_char(c);
		if (c == 0)
			continue;
		if (n + 4 >= (int) sizeof(folded))
			fits = false;
		else
		{
			unicode_to_utf8(c, (unsigned char *) folded + n);
			n += pg_utf_mblen((unsigned char *) folded + n);
		}
	}
	*wordend = s;
	if (!fits || n == 0)
		return false;
	folded[n] = '\0';
	for (int i = 0; i < lengthof(script_titles); i++)
	{
		if (strcmp(folded, script_titles[i]) == 0)
			return true;
	}
	return false;
}

/*
 * utf8[0 .. *len - 1] without its leading titles in Arabic, Persian or
 * Hebrew letters, as long as a word is left: a pointer into utf8, *len
 * its length.  A name that starts with no letter of those scripts (its
 * first byte no lead byte of U+0580 .. U+06FF) is returned as it is.
 */
const char *
ft_skip_script_titles(const char *utf8, int *len)
{
	const unsigned char *s = (const unsigned char *) utf8;
	const unsigned char *end = s + *len;

	for (;;)
	{
		const unsigned char *p = s;
		const unsigned char *wordend;

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= end || *p < 0xD6 || *p > 0xDB || !word_is_title(p, end, &wordend))
			break;
		/* a word must be left after the title */
		p = wordend;
		while (p < end && (*p == ' ' || *p == '\t' || (*p == 0xC2 && p + 1 < end && p[1] == 0xA0)))
			p += *p == 0xC2 ? 2 : 1;
		if (p >= end)
			break;
		s = p;
	}
	*len = end - s;
	return (const char *) s;
}
