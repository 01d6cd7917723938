/*-------------------------------------------------------------------------
 *
 * translit.h
 *	  Names in other scripts to Latin, through ICU's transliterator
 *	  (translit.c).  normalize.c calls it before its own steps, for both a
 *	  screened name and every listed name.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_TRANSLIT_H
#define FINTECH_TRANSLIT_H

/* the ICU transliterator screening uses (the same for queries and lists) */
#define FT_TRANSLIT_ID	"Russian-Latin/BGN; Greek-Latin/UNGEGN; Any-Latin"
/* ... then, after the spelling equivalences of translit.c, to ASCII */
#define FT_TRANSLIT_ASCII	"Latin-ASCII"

/* does the UTF-8 string hold a letter of a script transliterated to Latin? */
extern bool ft_needs_translit(const char *utf8, int len);

/*
 * utf8[0 .. len-1] in Latin (UTF-8, palloc'd in the caller's context);
 * *abjad: it held Arabic or Hebrew letters (written without short vowels);
 * *hangul: it held Hangul syllables; *thai: Thai letters; *cyrillic:
 * Cyrillic letters; *greek: Greek letters; *han: Chinese characters;
 * *hebrew: Hebrew letters.
 */
extern char *ft_translit(const char *utf8, int len, bool *abjad, bool *hangul, bool *thai,
						 bool *cyrillic, bool *greek, bool *han, bool *hebrew);

/*
 * The Korean key of a normalised token t[0 .. len - 1] into out (room for
 * len + 1 bytes): the spellings of one Korean syllable in the romanisation
 * systems the lists mix meet (translit_keys.c).  Returns its length.
 */
extern int	ft_korean_key(const char *t, int len, char *out);

/* the same, of the vowels only oo merged (u): one syllable's spellings */
extern int	ft_korean_strict_key(const char *t, int len, char *out);

/*
 * The Cyrillic key of a normalised token t[0 .. len - 1] into out (room
 * for len + 1 bytes): zh and dzh as j (translit_keys.c).  Returns its length.
 */
extern int	ft_cyrillic_key(const char *t, int len, char *out);

/*
 * The Hebrew key of a consonant skeleton t[0 .. len - 1] into out (room
 * for len + 1 bytes): a Hebrew letter's two sounds and their Latin
 * spellings as one (translit_keys.c); latin: the skeleton of a name in
 * Latin letters.  Returns its length.
 */
extern int	ft_hebrew_key(const char *t, int len, bool latin, char *out);

/*
 * The qaf key of a Latin consonant skeleton t[0 .. len - 1] into out (room
 * for len + 1 bytes): gh as k, Persian's qaf said as ghayn
 * (translit_keys.c).  Returns its length.
 */
extern int	ft_qaf_key(const char *t, int len, char *out);

/*
 * The ghayn key of the skeleton of a name written in Arabic letters t[0 ..
 * len - 1] into out (room for len + 1 bytes): gh and a final g as j, the
 * Latin skeleton's g (translit_keys.c).  Returns its length.
 */
extern int	ft_ghayn_key(const char *t, int len, char *out);

/*
 * The c key of a Latin consonant skeleton t[0 .. len - 1] into out (room
 * for len + 1 bytes): each c as to, k or s (translit_keys.c).  Returns its
 * length.
 */
extern int	ft_c_key(const char *t, int len, char *out, char to);

/*
 * The Greek key of a normalised token t[0 .. len - 1] into out (room for
 * len + 1 bytes): modern Greek's digraphs and the Latin spellings of Greek
 * names as said (translit_greek.c).  Returns its length.
 */
extern int	ft_greek_key(const char *t, int len, char *out);

/*
 * The Chinese key of a normalised token t[0 .. len - 1] into out (room for
 * len + 1 bytes): pinyin, Wade-Giles and the Cantonese spellings of one
 * syllable meet (translit_han.c).  Returns its length.
 */
extern int	ft_chinese_key(const char *t, int len, char *out);
extern bool ft_chinese_reads(const char *r, int lr, const char *l, int ll);

/* a key's letter c after out[0 .. o - 1], a doubled letter once; returns the key's new length */
static inline int
ft_key_put(char *out, int o, char c)
{
	if (o > 0 && out[o - 1] == c)
		return o;
	out[o] = c;
	return o + 1;
}

/* a, e, i, o or u: a vowel of a normalised token (the script keys, the slip and typing rules) */
static inline bool
ft_key_vowel(char c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

/* builds the transliterators of every script now (the postmaster, under shared_preload_libraries) */
extern void ft_translit_preload(void);

#endif							/* FINTECH_TRANSLIT_H */
