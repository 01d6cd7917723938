/*-------------------------------------------------------------------------
 *
 * translit_thai.h
 *	  Thai names by RTGS from ICU's ISO 11940 letters (translit_thai.c);
 *	  translit.c calls them for each word written in Thai.  The Thai key
 *	  (translit_thai_key.c) for scoring.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_TRANSLIT_THAI_H
#define FINTECH_TRANSLIT_THAI_H

#include <unicode/utypes.h>

/* ICU's Thai-Latin without its dictionary break inside words, then NFD */
#define FT_TRANSLIT_THAI	"Thai-ThaiLogical; ThaiLogical-Latin; NFD"

/* the room ft_thai_rtgs needs for n code points of ICU's output */
#define FT_THAI_RTGS_ROOM(n)	(4 * (n) + 8)

/* leaves out the letters the thanthakhat silences; returns the new length */
extern int32_t ft_thai_drop_silent(UChar *u, int32_t n);

/* ICU's ISO 11940 (NFD) of Thai words to RTGS, in ASCII; returns the length */
extern int32_t ft_thai_rtgs(const UChar *in, int32_t n, UChar *out);

/*
 * The Thai key of a normalised token t[0 .. len - 1] into out (room for
 * len + 1 bytes): the spellings of one Thai word in RTGS and in the
 * spellings Thais give their names written as one; returns its length.
 */
extern int	ft_thai_key(const char *t, int len, char *out);

/*
 * The frame of a Thai key k[0 .. n - 1] into out (room for n + 1 bytes):
 * its consonants, r and l as n, an h after a consonant left out, where
 * RTGS and the letter-by-letter spellings meet; returns its length.
 */
extern int	ft_thai_frame(const char *k, int n, char *out);

#endif							/* FINTECH_TRANSLIT_THAI_H */
