/*-------------------------------------------------------------------------
 *
 * account_code.h
 *	  Account codes (account_code.c): the form the ledger stores and looks
 *	  them up in (NFC, no control or format characters, at most
 *	  CODE_MAXLEN bytes).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_ACCOUNT_CODE_H
#define FINTECH_ACCOUNT_CODE_H

#define CODE_MAXLEN			255
/* longer input cannot compose (NFC, at most 3 bytes into 1) to CODE_MAXLEN */
#define CODE_RAW_MAXLEN		(4 * CODE_MAXLEN)

/* the fast path: a valid code of printable ASCII only, stored as it is */
static inline bool
code_plain(const char *code)
{
	const unsigned char *p = (const unsigned char *) code;

	for (; *p; p++)
		if (*p < 0x20 || *p >= 0x7F)
			return false;
	return p != (const unsigned char *) code && p - (const unsigned char *) code <= CODE_MAXLEN;
}

#pragma GCC visibility push(hidden)

/*
 * An account code as the ledger stores and looks it up (NFC); 22023 when it
 * is empty, too long or holds a control or format character.  Every lookup
 * by code goes through here (payments.c too).
 */
extern char *fintech_account_code(const char *code, const char *what);

/*
 * The same without raising: NULL and *out set to the form to store, or
 * the problem (a 22023 message; *charclass tells a character problem).
 */
extern char *code_problem(const char *code, const char *what, char **out, bool *charclass);

#pragma GCC visibility pop

#endif							/* FINTECH_ACCOUNT_CODE_H */
