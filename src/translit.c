/*-------------------------------------------------------------------------
 *
 * translit.c
 *	  Names in Arabic, Cyrillic, Greek, Hebrew, Chinese, Japanese, Korean
 *	  and Thai script to Latin letters, through ICU's transliterator (the
 *	  libicu PostgreSQL itself links; no table of our own).
 *
 * One compound transliterator, FT_TRANSLIT_ID: Cyrillic by BGN/PCGN (the
 * romanisation the sanctions lists use), every other script by ICU's
 * Any-Latin (Arabic-Latin, Greek-Latin, Hebrew-Latin, Han-Latin (pinyin),
 * Hiragana/Katakana-Latin, Hangul-Latin, Thai-Latin), then Latin-ASCII.
 * normalize.c applies it to a name only when the name holds a letter of one
 * of those scripts, so Latin names never pay for it.  Applied the same way
 * to screened names and to listed names: a query in one script meets a
 * listed name in another in Latin.
 *
 * Memory: the transliterator is opened once per process, on first use
 * (~20 ms; ICU loads each script's data on its first use too, Han ~100 ms),
 * and kept in ICU's own memory for the life of the process.  The
 * converted name is palloc'd in the caller's context.  No locks, no
 * database access.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <unicode/ustring.h>
#include <unicode/utrans.h>

#include "mb/pg_wchar.h"

#include "translit.h"

static UTransliterator *trans = NULL;

/* a letter of a script we transliterate (code point c) */
static bool
other_script(pg_wchar c)
{
	return (c >= 0x0370 && c <= 0x03FF) ||	/* Greek */
		(c >= 0x1F00 && c <= 0x1FFF) ||		/* Greek extended */
		(c >= 0x0400 && c <= 0x052F) ||		/* Cyrillic */
		(c >= 0x0590 && c <= 0x05FF) ||		/* Hebrew */
		(c >= 0x0600 && c <= 0x06FF) ||		/* Arabic */
		(c >= 0x0750 && c <= 0x077F) ||
		(c >= 0xFB1D && c <= 0xFDFF) ||		/* Hebrew, Arabic presentation forms */
		(c >= 0xFE70 && c <= 0xFEFF) ||
		(c >= 0x0E00 && c <= 0x0E7F) ||		/* Thai */
		(c >= 0x1100 && c <= 0x11FF) ||		/* Hangul jamo */
		(c >= 0x3130 && c <= 0x318F) ||
		(c >= 0xAC00 && c <= 0xD7AF) ||		/* Hangul syllables */
		(c >= 0x3040 && c <= 0x30FF) ||		/* Hiragana, Katakana */
		(c >= 0x31F0 && c <= 0x31FF) ||
		(c >= 0xFF66 && c <= 0xFF9F) ||		/* half-width Katakana */
		(c >= 0x3400 && c <= 0x4DBF) ||		/* CJK ideographs */
		(c >= 0x4E00 && c <= 0x9FFF) ||
		(c >= 0xF900 && c <= 0xFAFF);
}

static bool
abjad_script(pg_wchar c)
{
	return (c >= 0x0590 && c <= 0x06FF) || (c >= 0x0750 && c <= 0x077F) ||
		(c >= 0xFB1D && c <= 0xFDFF) || (c >= 0xFE70 && c <= 0xFEFF);
}

bool
ft_needs_translit(const char *utf8, int len)
{
	const unsigned char *s = (const unsigned char *) utf8;

	for (int i = 0; i < len;)
	{
		int			l;

		if (s[i] < 0x80)
		{
			i++;
			continue;
		}
		l = pg_utf_mblen(s + i);
		if (i + l <= len && pg_utf8_islegal(s + i, l) && other_script(utf8_to_unicode(s + i)))
			return true;
		i += Max(l, 1);
	}
	return false;
}

static UTransliterator *
transliterator(void)
{
	if (trans == NULL)
	{
		UErrorCode	err = U_ZERO_ERROR;
		UParseError pe;
		UChar		id[64];

		u_uastrcpy(id, FT_TRANSLIT_ID);
		trans = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, &pe, &err);
		if (U_FAILURE(err) || trans == NULL)
		{
			trans = NULL;
			ereport(ERROR,
					(errcode(ERRCODE_SYSTEM_ERROR),
					 errmsg("could not open the ICU transliterator \"%s\": %s",
							FT_TRANSLIT_ID, u_errorName(err)),
					 errhint("Screening names in other scripts needs ICU's transliteration data (libicu).")));
		}
	}
	return trans;
}

char *
ft_translit(const char *utf8, int len, bool *abjad)
{
	UTransliterator *t = transliterator();
	UErrorCode	err = U_ZERO_ERROR;
	int32_t		ulen;
	int32_t		cap;
	UChar	   *u;
	int32_t		limit;
	int32_t		olen;
	char	   *out;
	const unsigned char *s = (const unsigned char *) utf8;

	*abjad = false;
	for (int i = 0; i < len;)
	{
		int			l = s[i] < 0x80 ? 1 : pg_utf_mblen(s + i);

		if (l > 1 && i + l <= len && pg_utf8_islegal(s + i, l) && abjad_script(utf8_to_unicode(s + i)))
			*abjad = true;
		i += Max(l, 1);
	}

	/* a code point becomes at most a few Latin letters (Han: a syllable) */
	cap = len * 8 + 16;
	u = palloc(cap * sizeof(UChar));
	u_strFromUTF8Lenient(u, cap, &ulen, utf8, len, &err);
	if (U_FAILURE(err))
		ereport(ERROR,
				(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				 errmsg("name could not be read as UTF-8: %s", u_errorName(err))));
	limit = ulen;
	utrans_transUChars(t, u, &ulen, cap, 0, &limit, &err);
	if (err == U_BUFFER_OVERFLOW_ERROR)
	{
		/* longer than thought: start again with more room */
		cap *= 4;
		u = repalloc(u, cap * sizeof(UChar));
		err = U_ZERO_ERROR;
		u_strFromUTF8Lenient(u, cap, &ulen, utf8, len, &err);
		limit = ulen;
		if (U_SUCCESS(err))
			utrans_transUChars(t, u, &ulen, cap, 0, &limit, &err);
	}
	if (U_FAILURE(err))
		ereport(ERROR,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("ICU could not transliterate a name of %d bytes: %s", len, u_errorName(err))));
	err = U_ZERO_ERROR;
	u_strToUTF8(NULL, 0, &olen, u, ulen, &err);
	out = palloc(olen + 1);
	err = U_ZERO_ERROR;
	u_strToUTF8(out, olen + 1, &olen, u, ulen, &err);
	out[olen] = '\0';
	pfree(u);
	return out;
}
