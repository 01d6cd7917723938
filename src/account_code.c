/*-------------------------------------------------------------------------
 *
 * account_code.c
 *	  Account codes: the form the ledger stores and looks them up in.
 *
 * A code is stored, and looked up, in Unicode NFC, so U&'caf\00E9' and
 * U&'cafe\0301' name the same account whichever form the application
 * sends; control and format characters (general categories Cc and Cf:
 * invisible, or reordering what is shown, like U+202E RIGHT-TO-LEFT
 * OVERRIDE) are refused.  Codes stored before 0.4.0 are not rewritten.
 * Cost: an all-ASCII printable code is only scanned once (code_plain,
 * account_code.h); anything else is decoded, checked and (only when the
 * quick check says it may not be NFC) normalised, in time linear in its
 * length, which is capped before any of that (CODE_RAW_MAXLEN).
 *
 * Locking: none; pure functions of their input (and the database encoding).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/unicode_norm.h"
#include "mb/pg_wchar.h"

#include "account_code.h"

/*
 * Unicode general categories Cc and Cf, from Unicode 15.0.0
 * (https://www.unicode.org/Public/15.0.0/ucd/extracted/DerivedGeneralCategory.txt,
 * gc=Cc: 65 code points, gc=Cf: 170).  Checked against Python's
 * unicodedata 14.0.0, which lists the same ranges except U+13439..1343F,
 * the Egyptian hieroglyph format controls added in 15.0.  Sorted.
 */
static const struct CodeRange
{
	pg_wchar	lo;
	pg_wchar	hi;
}			code_forbidden[] = {
	{0x0000, 0x001F},			/* Cc: C0 controls */
	{0x007F, 0x009F},			/* Cc: DELETE, C1 controls */
	{0x00AD, 0x00AD},			/* Cf: SOFT HYPHEN */
	{0x0600, 0x0605},			/* Cf: Arabic number signs */
	{0x061C, 0x061C},			/* Cf: ARABIC LETTER MARK */
	{0x06DD, 0x06DD},			/* Cf: ARABIC END OF AYAH */
	{0x070F, 0x070F},			/* Cf: SYRIAC ABBREVIATION MARK */
	{0x0890, 0x0891},			/* Cf: Arabic pound/piastre mark above */
	{0x08E2, 0x08E2},			/* Cf: ARABIC DISPUTED END OF AYAH */
	{0x180E, 0x180E},			/* Cf: MONGOLIAN VOWEL SEPARATOR */
	{0x200B, 0x200F},			/* Cf: zero width space/joiners, LRM, RLM */
	{0x202A, 0x202E},			/* Cf: bidi embeddings and overrides */
	{0x2060, 0x2064},			/* Cf: WORD JOINER, invisible operators */
	{0x2066, 0x206F},			/* Cf: bidi isolates, deprecated format */
	{0xFEFF, 0xFEFF},			/* Cf: ZERO WIDTH NO-BREAK SPACE (BOM) */
	{0xFFF9, 0xFFFB},			/* Cf: interlinear annotation */
	{0x110BD, 0x110BD},			/* Cf: KAITHI NUMBER SIGN */
	{0x110CD, 0x110CD},			/* Cf: KAITHI NUMBER SIGN ABOVE */
	{0x13430, 0x1343F},			/* Cf: Egyptian hieroglyph format controls */
	{0x1BCA0, 0x1BCA3},			/* Cf: shorthand format controls */
	{0x1D173, 0x1D17A},			/* Cf: musical symbol beams, ties, phrases */
	{0xE0001, 0xE0001},			/* Cf: LANGUAGE TAG */
	{0xE0020, 0xE007F},			/* Cf: tag characters */
};

static bool
code_char_forbidden(pg_wchar c)
{
	int			lo = 0,
				hi = lengthof(code_forbidden) - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (c < code_forbidden[mid].lo)
			hi = mid - 1;
		else if (c > code_forbidden[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/*
 * Check and normalise an account code: NULL and *out set to the form to
 * store and look up (the input itself when it is already NFC), or the
 * problem (every one is 22023; *charclass tells a character problem).
 */
char *
code_problem(const char *code, const char *what, char **out, bool *charclass)
{
	size_t		len = strlen(code);
	const unsigned char *p;
	bool		plain = true;
	pg_wchar   *wide;
	int			n = 0;

	*out = (char *) code;
	*charclass = false;
	if (len == 0)
		return psprintf("%s must not be empty", what);
	if (len > CODE_RAW_MAXLEN)
		return psprintf("%s is %zu bytes long, the limit is %d", what, len, CODE_MAXLEN);
	for (p = (const unsigned char *) code; *p; p++)
		if (*p < 0x20 || *p >= 0x7F)
		{
			plain = false;
			break;
		}
	if (!plain && GetDatabaseEncoding() != PG_UTF8)
	{
		/* not Unicode: only the ASCII controls are known to be controls */
		for (p = (const unsigned char *) code; *p; p++)
			if (*p < 0x20 || *p == 0x7F)
			{
				*charclass = true;
				return psprintf("%s contains the control character U+%04X at byte %d",
								what, *p, (int) (p - (const unsigned char *) code) + 1);
			}
		plain = true;
	}
	if (plain)
		return len > CODE_MAXLEN
			? psprintf("%s is %zu bytes long, the limit is %d", what, len, CODE_MAXLEN)
			: NULL;

	/* UTF-8 (already validated as text) to code points */
	wide = palloc(sizeof(pg_wchar) * (len + 1));
	for (p = (const unsigned char *) code; *p; p += pg_utf_mblen(p))
		wide[n++] = utf8_to_unicode(p);
	wide[n] = 0;
	for (int i = 0; i < n; i++)
		if (code_char_forbidden(wide[i]))
		{
			*charclass = true;
			return psprintf("%s contains the %s character U+%04X at character %d", what,
							wide[i] <= 0x9F ? "control" : "format", wide[i], i + 1);
		}
	if (unicode_is_normalized_quickcheck(UNICODE_NFC, wide) != UNICODE_NORM_QC_YES)
	{
		pg_wchar   *nfc = unicode_normalize(UNICODE_NFC, wide);
		int			m = 0;
		unsigned char *buf,
				   *q;

		while (nfc[m])
			m++;
		buf = q = palloc(4 * m + 1);
		for (int i = 0; i < m; i++)
		{
			unicode_to_utf8(nfc[i], q);
			q += pg_utf_mblen(q);
		}
		*q = '\0';
		*out = (char *) buf;
		len = q - buf;
		pfree(nfc);
	}
	pfree(wide);
	if (len > CODE_MAXLEN)
		return psprintf("%s is %zu bytes long, the limit is %d", what, len, CODE_MAXLEN);
	return NULL;
}

/*
 * fintech_account_code: an account code as the ledger stores and looks it
 * up (NFC); 22023 when it is empty, too long (CODE_MAXLEN bytes in NFC) or
 * holds a control or format character.  Every lookup by code goes through
 * here (payments.c too), so either Unicode form of a code finds the account.
 */
char *
fintech_account_code(const char *code, const char *what)
{
	char	   *out;
	bool		charclass;
	char	   *problem;

	if (code_plain(code))
		return (char *) code;
	problem = code_problem(code, what, &out, &charclass);
	if (problem)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg_internal("%s", problem),
				 charclass ? errhint("Account codes may not contain control or format characters (Unicode categories Cc and Cf).") : 0));
	return out;
}
