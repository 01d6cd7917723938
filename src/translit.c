/*-------------------------------------------------------------------------
 *
 * translit.c
 *	  Names in Arabic, Armenian, Cyrillic, Georgian, Greek, Hebrew,
 *	  Chinese, Japanese, Korean and Thai script to Latin letters, through
 *	  ICU's transliterator (the libicu PostgreSQL itself links; no table of
 *	  our own).
 *
 * One compound transliterator, FT_TRANSLIT_ID: Cyrillic by BGN/PCGN (the
 * romanisation the sanctions lists use), Greek by UNGEGN (ELOT 743, the
 * modern Greek of passports: Varoufakis, not Baroufakes), every other
 * script by ICU's Any-Latin (Arabic-Latin, Armenian-Latin, Georgian-Latin,
 * Hebrew-Latin, Han-Latin (pinyin), Hiragana/Katakana-Latin, Hangul-Latin); a word in Thai
 * letters by ICU's Thai-Latin letters without its dictionary break, read
 * by RTGS (translit_thai.c); then a few spelling equivalences on ICU's
 * output (below: Arabic script, Hangul, kana; translit_hebrew.c: Hebrew,
 * before and after ICU; and, before ICU, the Persian zero-width
 * non-joiner inside a word left out), then
 * Latin-ASCII.  The keys a pair is also compared by where one side was
 * written in Hangul, Cyrillic, Greek or Thai letters are translit_keys.c's,
 * translit_greek.c's and translit_thai.c's.
 * normalize.c applies it to a name only when the name holds a letter of one
 * of those scripts, so Latin names never pay for it.  Applied the same way
 * to screened names and to listed names: a query in one script meets a
 * listed name in another in Latin.
 *
 * Memory: the transliterator is opened once per process, on first use
 * (~20 ms; ICU loads each script's data on its first use too, Han ~100 ms),
 * and kept in ICU's own memory for the life of the process; under
 * shared_preload_libraries the postmaster opens it and runs it over a
 * letter of each script (ft_translit_preload), so backends inherit it
 * ready.  The
 * converted name is palloc'd in the caller's context.  No locks, no
 * database access.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <unicode/ustring.h>
#include <unicode/utrans.h>

#include "mb/pg_wchar.h"
#include "utils/memutils.h"

#include "translit.h"
#include "translit_hebrew.h"
#include "translit_thai.h"

static UTransliterator *trans = NULL;
static UTransliterator *trans_ascii = NULL;
static UTransliterator *trans_thai = NULL;

/* a letter of a script we transliterate (code point c) */
static bool
other_script(pg_wchar c)
{
	return (c >= 0x0370 && c <= 0x03FF) ||	/* Greek */
		(c >= 0x1F00 && c <= 0x1FFF) ||		/* Greek extended */
		(c >= 0x0400 && c <= 0x052F) ||		/* Cyrillic */
		(c >= 0x0530 && c <= 0x058F) ||		/* Armenian */
		(c >= 0x10A0 && c <= 0x10FF) ||		/* Georgian */
		(c >= 0x1C90 && c <= 0x1CBF) ||		/* Georgian Mtavruli */
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
arabic_script(pg_wchar c)
{
	return (c >= 0x0600 && c <= 0x06FF) || (c >= 0x0750 && c <= 0x077F) ||
		(c >= 0xFB50 && c <= 0xFDFF) || (c >= 0xFE70 && c <= 0xFEFF);
}

static bool
hebrew_script(pg_wchar c)
{
	return (c >= 0x0590 && c <= 0x05FF) || (c >= 0xFB1D && c <= 0xFB4F);
}

static bool
hangul_syllable(pg_wchar c)
{
	return c >= 0xAC00 && c <= 0xD7AF;
}

static bool
thai_script(pg_wchar c)
{
	return c >= 0x0E00 && c <= 0x0E7F;
}

/* Hiragana, Katakana (also half-width) */
static bool
kana_script(pg_wchar c)
{
	return (c >= 0x3040 && c <= 0x30FF) || (c >= 0x31F0 && c <= 0x31FF) ||
		(c >= 0xFF66 && c <= 0xFF9F);
}

/* Chinese characters (Japanese kanji) */
static bool
han_script(pg_wchar c)
{
	return (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
		(c >= 0xF900 && c <= 0xFAFF);
}

/*
 * Scripts whose Latin form is compared by consonant skeletons too (the
 * "abjad" flag): Arabic and Hebrew write no short vowels.  Not Hangul:
 * it writes every vowel, and the skeletons of names of three one-syllable
 * parts (kmjn) fit a tenth of the Korean names one meets (session 7's
 * held-out clean names: 40 % false positives).  Not Thai since its words
 * are written by RTGS with the vowels Thai leaves unwritten
 * (translit_thai.c): with skeletons too, Thai names in Thai letters
 * matched more clean names (session 11: 3 more false positives on the
 * held-out sets, all of them Thai names).
 */
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
open_translit(UTransliterator **cache, const char *idstr)
{
	if (*cache == NULL)
	{
		UErrorCode	err = U_ZERO_ERROR;
		UParseError pe;
		UChar		id[64];

		u_uastrcpy(id, idstr);
		*cache = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, &pe, &err);
		if (U_FAILURE(err) || *cache == NULL)
		{
			*cache = NULL;
			ereport(ERROR,
					(errcode(ERRCODE_SYSTEM_ERROR),
					 errmsg("could not open the ICU transliterator \"%s\": %s",
							idstr, u_errorName(err)),
					 errhint("Screening names in other scripts needs ICU's transliteration data (libicu).")));
		}
	}
	return *cache;
}

static UTransliterator *
transliterator(void)
{
	return open_translit(&trans, FT_TRANSLIT_ID);
}

static UTransliterator *
thai_letters(void)
{
	return open_translit(&trans_thai, FT_TRANSLIT_THAI);
}

static UTransliterator *
to_ascii(void)
{
	return open_translit(&trans_ascii, FT_TRANSLIT_ASCII);
}

/*
 * Runs transliterator t over u[0 .. *ulen - 1] (room for *cap), growing
 * the buffer when the result does not fit; returns the buffer.
 */
static UChar *
run_translit(UTransliterator *t, UChar *u, int32_t *ulen, int32_t *cap)
{
	UErrorCode	err = U_ZERO_ERROR;
	int32_t		len = *ulen;
	int32_t		limit = len;
	UChar	   *copy = NULL;

	if (*cap < len * 4 + 16)
	{
		*cap = len * 4 + 16;
		u = repalloc(u, *cap * sizeof(UChar));
	}
	copy = palloc(len * sizeof(UChar) + 1);
	memcpy(copy, u, len * sizeof(UChar));
	utrans_transUChars(t, u, ulen, *cap, 0, &limit, &err);
	if (err == U_BUFFER_OVERFLOW_ERROR)
	{
		/* longer than thought: start again with more room */
		*cap = *cap * 4;
		u = repalloc(u, *cap * sizeof(UChar));
		memcpy(u, copy, len * sizeof(UChar));
		*ulen = len;
		limit = len;
		err = U_ZERO_ERROR;
		utrans_transUChars(t, u, ulen, *cap, 0, &limit, &err);
	}
	pfree(copy);
	if (U_FAILURE(err))
		ereport(ERROR,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("ICU could not transliterate a name of %d characters: %s", len,
						u_errorName(err))));
	return u;
}

/* ------------------------------------------------------------------------
 * Spelling equivalences on ICU's output (scoring, not transliteration)
 *
 * ICU's transliterations are strict, letter by letter; the sanctions
 * lists spell names as they are said.  These steps bring ICU's Latin
 * output nearer to that, for names of the scripts concerned only; each is
 * a rule about how a script is romanised, not a table of names.
 * ------------------------------------------------------------------------
 */

/* a letter (or mark) of ICU's output that belongs to a token */
static bool
in_token(UChar c)
{
	return !(c == ' ' || c == '-' || c == '\t' || c == ',' || c == '.' || c == '(' ||
			 c == ')' || c == '/');
}

/*
 * Korean names are written in syllables, each a part of the name; the
 * lists spell them apart, hyphenated or joined (Kim Jong Un, Park Geun-hye,
 * Jinping).  A blank between two Hangul syllables keeps them apart in
 * ICU's output, so that each syllable is a token (items join up to three
 * again).  Returns the (palloc'd) new string.
 */
static UChar *
split_hangul(UChar *u, int32_t *ulen, int32_t *cap)
{
	UChar	   *out = palloc((*ulen * 2 + 16) * sizeof(UChar));
	int32_t		n = 0;

	for (int32_t i = 0; i < *ulen; i++)
	{
		if (i > 0 && hangul_syllable(u[i]) && hangul_syllable(u[i - 1]))
			out[n++] = ' ';
		out[n++] = u[i];
	}
	pfree(u);
	*ulen = n;
	*cap = *ulen * 2 + 16;
	return out;
}

/*
 * Persian and Urdu write the zero-width non-joiner (U+200C) inside a word,
 * between its parts, to keep a letter from joining the next one
 * (روح‌الله RUHOLLAH, احمدی‌نژاد AHMADINEJAD, خامنه‌ای KHAMENEI): it is
 * not a space, and the Latin spellings write one word.  Between two
 * letters of the Arabic script it is left out, so that the word stays one
 * token.  Returns the new length (u is changed in place).
 */
static int32_t
join_zwnj(UChar *u, int32_t n)
{
	int32_t		o = 0;

	for (int32_t i = 0; i < n; i++)
	{
		if (u[i] == 0x200C && o > 0 && i + 1 < n && arabic_script(u[o - 1]) &&
			arabic_script(u[i + 1]))
			continue;
		u[o++] = u[i];
	}
	return o;
}

/*
 * Thai: each run of Thai letters (a word: Thai writes no spaces inside a
 * name's part) is read by ICU's Thai-Latin letters without its dictionary
 * break, and those letters are then written by RTGS (translit_thai.c); the
 * letters the thanthakhat silences are left out first.  Returns the new
 * (palloc'd) string; the rest of the name is copied as it is, for the
 * compound transliterator.
 */
static UChar *
romanise_thai(UChar *u, int32_t *ulen, int32_t *cap)
{
	int32_t		ocap = *ulen * 2 + 16;
	UChar	   *out = palloc(ocap * sizeof(UChar));
	int32_t		n = 0;

	for (int32_t i = 0; i < *ulen;)
	{
		int32_t		e = i;
		int32_t		wlen,
					wcap;
		UChar	   *w;

		if (!thai_script(u[i]))
		{
			if (n + 1 >= ocap)
			{
				ocap *= 2;
				out = repalloc(out, ocap * sizeof(UChar));
			}
			out[n++] = u[i++];
			continue;
		}
		while (e < *ulen && thai_script(u[e]))
			e++;
		wcap = (e - i) + 16;
		w = palloc(wcap * sizeof(UChar));
		memcpy(w, u + i, (e - i) * sizeof(UChar));
		wlen = ft_thai_drop_silent(w, e - i);
		w = run_translit(thai_letters(), w, &wlen, &wcap);
		if (n + FT_THAI_RTGS_ROOM(wlen) >= ocap)
		{
			ocap = (n + FT_THAI_RTGS_ROOM(wlen)) * 2;
			out = repalloc(out, ocap * sizeof(UChar));
		}
		n += ft_thai_rtgs(w, wlen, out + n);
		pfree(w);
		i = e;
	}
	pfree(u);
	*ulen = n;
	*cap = ocap;
	return out;
}

/*
 * ICU romanises Hangul by the Revised Romanization (gim jeong eun); the
 * lists mostly by McCune-Reischauer or North Korea's variant of it (Kim
 * Jong Un, Pak, Choe, Song): one syllable token at a time, the initial
 * g d b become k t p, and so do the final ones (ICU writes 박 bag, MR
 * Pak; not the g of ng), eo becomes o and eu u (MR's o-breve and u-breve without their
 * marks), also at the start of a syllable (은 eun is Un); a syllable of
 * the vowel i alone (이) is written Yi (RR's own spelling of it as a
 * name; Lee and Ri are its variants), not a lone letter, and so are the
 * syllables of the vowels u and o alone (우 wu: WOO, as in TAE-WOO; 오
 * oh: OH), which a lone letter would make an initial, a part that
 * weighs nothing.
 */
static int32_t
fold_hangul(UChar *u, int32_t n, UChar **outp)
{
	UChar	   *out = palloc((n * 2 + 16) * sizeof(UChar));
	int32_t		o = 0;

	for (int32_t i = 0; i < n; i++)
	{
		UChar		c = u[i];
		bool		start = (i == 0 || !in_token(u[i - 1]));
		bool		end = (i + 1 >= n || !in_token(u[i + 1]));

		if (start && end && c == 'i')
			out[o++] = 'y';		/* 이: yi */
		else if (start && end && c == 'u')
			out[o++] = 'w';		/* 우: wu */
		else if (start && end && c == 'o')
		{
			out[o++] = 'o';		/* 오: oh */
			c = 'h';
		}
		else if ((start || (end && u[i - 1] != 'n')) && (c == 'g' || c == 'd' || c == 'b') &&
				 !(start && end))
			c = (c == 'g' ? 'k' : c == 'd' ? 't' : 'p');
		else if (c == 'e' && i + 1 < n && (u[i + 1] == 'o' || u[i + 1] == 'u') &&
				 (start || u[i - 1] != 'a'))
			continue;			/* eo -> o, eu -> u (not ae-o: a new vowel) */
		out[o++] = c;
	}
	*outp = out;
	return o;
}

/*
 * Kana (ICU's Hiragana-Latin and Katakana-Latin): ICU writes each kana, so
 * the long vowels of Japanese names come out doubled, as kana spell them
 * (あそう asou, たろう tarou, さとう satou, ゆうき yuuki); the lists and
 * passports write them by Hepburn without the macron (ASO, TARO, SATO,
 * YUKI).  A long o (ou, oo) and a long u (uu) are written once, unless a
 * vowel follows ou or uu (いのうえ inoue: the u there starts the next part
 * of the name, INOUE; but おおえ ooe is OE, おおい ooi OI: oo is a long o
 * whatever follows).  Only for names written in kana without kanji (whose
 * Chinese readings, Zhou, Lou, are not Japanese).
 */
static int32_t
fold_kana(UChar *u, int32_t n, UChar **outp)
{
	UChar	   *out = palloc((n + 16) * sizeof(UChar));
	int32_t		o = 0;

	for (int32_t i = 0; i < n; i++)
	{
		UChar		c = u[i];
		UChar		next = i + 1 < n ? u[i + 1] : 0;
		UChar		after = i + 2 < n ? u[i + 2] : 0;

		out[o++] = c;
		if ((c == 'o' && next == 'o') ||
			(((c == 'o' && next == 'u') || (c == 'u' && next == 'u')) &&
			 !(after < 0x80 && ft_key_vowel((char) after))))
			i++;				/* a long o or u, written once */
	}
	*outp = out;
	return o;
}

/*
 * Arabic script (ICU's Arabic-Latin, before Latin-ASCII):
 * - the article al- is written joined to its word (الشاهبندر,
 *   ạlsẖạhbndr); the lists write it apart or assimilated (AL-SHAHBANDAR,
 *   ESSABAR): it becomes a token of its own, as does the al- of Abd al-X
 *   written in one word (عبدالحليم), when at least 3 letters follow, or
 *   2 after al- alone (الحص, AL-HOSS; not الله, Allah; session 20);
 * - the feminine ending (ta marbuta, ẗ) at the end of a word is said -a
 *   (SAMIRA, HAMZA, not SAMIRAT): a (also before a word with the
 *   article: the -at of the construct state, ASBAT AL-ANSAR, is for
 *   organisations; a person's HAMZA AL-ZUBAIDI is not HAMZAT);
 * - Abu al-X written in one word (أبواليزيد) splits like Abd al-X, and
 *   so does bi al-X, "with the X" (بالدم, BIDDAM: b al dm);
 * - ICU leaves the Urdu forms of heh (ہ ھ, also written for h in Arabic
 *   names: الطاھر) as they are: they are h; other letters ICU does not
 *   romanise (Pashto and Urdu retroflex letters) are left out rather than
 *   kept as foreign letters no Latin name can match;
 * - a final alif maqsura (ى, ICU's y̱) is said a (MUSA, YAHYA, HUDA) but
 *   also written for a final yeh (Afghan names: حنفى, HANAFI): e, a vowel
 *   either spelling is near, and which the consonant skeleton leaves out
 *   (a final yeh's i stays there as y: ft_skeleton_name).
 */
static int32_t
fold_arabic(UChar *u, int32_t n, UChar **outp)
{
	UChar	   *out = palloc((n * 2 + 16) * sizeof(UChar));
	int32_t		o = 0;

	for (int32_t i = 0; i < n; i++)
	{
		UChar		c = u[i];
		bool		start = (i == 0 || !in_token(u[i - 1]));
		int32_t		art = -1;

		if (start && c == 0x02BF && i + 3 < n && u[i + 1] == 'b' && u[i + 2] == 'd' &&
			u[i + 3] == 0x1EA1 && i + 4 < n && u[i + 4] == 'l')
			art = i + 3;		/* ʿbdạl... */
		else if (start && c == 0x1EA1 && i + 5 < n && u[i + 1] == 0x0309 && u[i + 2] == 'b' &&
				 u[i + 3] == 'w' && u[i + 4] == 0x1EA1 && u[i + 5] == 'l')
			art = i + 4;		/* ạ̉bwạl...: Abu al-X in one word */
		else if (start && c == 0x1EA1 && i + 1 < n && u[i + 1] == 'l')
			art = i;			/* ạl... */
		else if (start && c == 'b' && i + 2 < n && u[i + 1] == 0x1EA1 && u[i + 2] == 'l')
			art = i + 1;		/* bạl...: bi al-X, "with the X", in one word */
		if (art >= 0)
		{
			int32_t		rest = 0;

			for (int32_t k = art + 2; k < n && in_token(u[k]); k++)
				rest += (u[k] < 0x0300 || u[k] > 0x036F) ? 1 : 0;
			if (rest >= (c == 'b' ? 2 : 3) || (art == i && rest == 2 && u[art + 2] != 'l'))
			{
				/* ʿbd, a blank, al, a blank */
				for (; i < art; i++)
					out[o++] = u[i];
				if (art > 0 && o > 0 && in_token(out[o - 1]))
					out[o++] = ' ';
				out[o++] = u[art];
				out[o++] = u[art + 1];
				out[o++] = ' ';
				i = art + 1;
				continue;
			}
		}
		if (c == 0x1E97)		/* ẗ */
		{
			out[o++] = (i + 1 >= n || !in_token(u[i + 1])) ? 'a' : 't';
			continue;
		}
		if (c == 'y' && i + 1 < n && u[i + 1] == 0x0331 &&
			(i + 2 >= n || !in_token(u[i + 2])))
		{
			out[o++] = 'e';		/* final alif maqsura, y̱ */
			i++;
			continue;
		}
		if (c == 0x06BE || c == 0x06C1)
		{
			out[o++] = 'h';		/* the Urdu forms of heh */
			continue;
		}
		if (c == 0x0679 || c == 0x067C || c == 0x0688 || c == 0x0689 || c == 0x0691 ||
			c == 0x0693 || c == 0x06AB)
		{
			/* Urdu and Pashto retroflex t, d, r (ٹ ټ ڈ ډ ڑ ړ) and Pashto gaf (ګ) */
			out[o++] = (c == 0x0679 || c == 0x067C) ? 't' : (c == 0x0688 || c == 0x0689) ? 'd' :
				c == 0x06AB ? 'g' : 'r';
			continue;
		}
		if (arabic_script(c))
			continue;
		out[o++] = c;
	}
	*outp = out;
	return o;
}
char *
ft_translit(const char *utf8, int len, bool *abjad, bool *hangul, bool *thai_out,
			bool *cyrillic_out, bool *greek_out, bool *han_out, bool *hebrew_out)
{
	UErrorCode	err = U_ZERO_ERROR;
	int32_t		ulen;
	int32_t		cap;
	UChar	   *u;
	int32_t		olen;
	char	   *out;
	bool		arabic = false,
				hebrew = false,
				thai = false,
				kana = false,
				han = false,
				cyrillic = false,
				greek = false;
	const unsigned char *s = (const unsigned char *) utf8;

	*abjad = false;
	*hangul = false;
	for (int i = 0; i < len;)
	{
		int			l = s[i] < 0x80 ? 1 : pg_utf_mblen(s + i);

		if (l > 1 && i + l <= len && pg_utf8_islegal(s + i, l))
		{
			pg_wchar	c = utf8_to_unicode(s + i);

			*abjad |= abjad_script(c);
			arabic |= arabic_script(c);
			hebrew |= hebrew_script(c);
			*hangul |= hangul_syllable(c);
			thai |= thai_script(c);
			kana |= kana_script(c);
			cyrillic |= (c >= 0x0400 && c <= 0x052F);
			greek |= (c >= 0x0370 && c <= 0x03FF) || (c >= 0x1F00 && c <= 0x1FFF);
			han |= han_script(c);
		}
		i += Max(l, 1);
	}

	cap = len + 16;
	u = palloc(cap * sizeof(UChar));
	u_strFromUTF8Lenient(u, cap, &ulen, utf8, len, &err);
	if (U_FAILURE(err))
		ereport(ERROR,
				(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				 errmsg("name could not be read as UTF-8: %s", u_errorName(err))));
	if (arabic)
		ulen = join_zwnj(u, ulen);
	if (*hangul)
		u = split_hangul(u, &ulen, &cap);
	if (thai)
		u = romanise_thai(u, &ulen, &cap);
	if (hebrew)
		u = ft_read_hebrew(u, &ulen, &cap);
	u = run_translit(transliterator(), u, &ulen, &cap);
	if (arabic || hebrew || *hangul || (kana && !han))
	{
		UChar	   *f;

		ulen = arabic ? fold_arabic(u, ulen, &f) : hebrew ? ft_fold_hebrew(u, ulen, &f) :
			*hangul ? fold_hangul(u, ulen, &f) : fold_kana(u, ulen, &f);
		pfree(u);
		u = f;
		cap = ulen * 2 + 16;
	}
	u = run_translit(to_ascii(), u, &ulen, &cap);
	*thai_out = thai;
	*cyrillic_out = cyrillic;
	*greek_out = greek;
	*han_out = han;
	*hebrew_out = hebrew;

	/*
	 * Back to UTF-8.  ICU's output may hold a lone surrogate: its kana
	 * rules repeat the UTF-16 unit before an iteration mark (ヽ, ヾ), and
	 * after a character outside the BMP (an emoji) that is half of it
	 * (session 24's fuzzing: 😀ヾ).  Such a unit becomes U+FFFD, which
	 * is no letter and matches nothing, rather than failing the whole
	 * name.
	 */
	err = U_ZERO_ERROR;
	u_strToUTF8WithSub(NULL, 0, &olen, u, ulen, 0xFFFD, NULL, &err);
	if (U_FAILURE(err) && err != U_BUFFER_OVERFLOW_ERROR)
		ereport(ERROR,
				(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				 errmsg("a name's transliteration of %d characters could not be written as UTF-8: %s",
						ulen, u_errorName(err))));
	out = palloc(olen + 1);
	err = U_ZERO_ERROR;
	u_strToUTF8WithSub(out, olen + 1, &olen, u, ulen, 0xFFFD, NULL, &err);
	out[olen] = '\0';
	pfree(u);
	return out;
}

/*
 * Opens the transliterators and has them convert a letter of each script
 * once, so that ICU builds every script's rules now.  Called in the
 * postmaster (shared_preload_libraries): every backend then inherits them
 * ready, and a session's first name in another script pays no ICU
 * start-up (tens of ms per script; Han more).  A failure here is left for
 * the first use to report.
 */
void
ft_translit_preload(void)
{
	/*
	 * Cyrillic, Greek, Armenian, Georgian, Hebrew, Arabic, Han, Hiragana,
	 * Katakana, Hangul, Thai
	 */
	static const char sample[] = "Дмитрий Αλέξης Բարակ მიხეილ אברהם محمد 习近平 ひらがな カタカナ 김정은 ประยุทธ์";
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "fintech transliterator preload",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);

	PG_TRY();
	{
		bool		abjad,
					hangul,
					thai,
					cyrillic,
					greek,
					han,
					hebrew;

		(void) ft_translit(sample, strlen(sample), &abjad, &hangul, &thai, &cyrillic, &greek,
						   &han, &hebrew);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		FlushErrorState();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
}
