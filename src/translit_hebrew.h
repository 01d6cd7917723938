/*-------------------------------------------------------------------------
 *
 * translit_hebrew.h
 *	  Names written in Hebrew letters before and after ICU's Hebrew-Latin
 *	  (translit_hebrew.c); translit.c calls them.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_TRANSLIT_HEBREW_H
#define FINTECH_TRANSLIT_HEBREW_H

#include <unicode/utypes.h>

/*
 * Before ICU: bet, kaf, pe and a doubled vav written as said where the
 * letters tell (Latin letters ICU leaves as they are); u[0 .. *ulen - 1]
 * is pfree'd, the new string returned, *ulen and *cap set.
 */
extern UChar *ft_read_hebrew(UChar *u, int32_t *ulen, int32_t *cap);

/* after ICU: shin sh, tsade tz; the new string in *outp, its length returned */
extern int32_t ft_fold_hebrew(UChar *u, int32_t n, UChar **outp);

#endif							/* FINTECH_TRANSLIT_HEBREW_H */
