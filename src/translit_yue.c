/*-------------------------------------------------------------------------
 *
 * translit_yue.c
 *	  Cantonese readings of Chinese characters against their pinyin: can a
 *	  Latin syllable spelt as Hong Kong and the older press spell Cantonese
 *	  (LEUNG, KA, SHING, YAM, FAT, SHEK) be the Cantonese reading of a
 *	  character whose Mandarin reading ICU wrote in pinyin (liang, jia,
 *	  cheng, yin, fa, shi)?  ft_cantonese_pair; and does a Latin name hold
 *	  a syllable no Mandarin romanisation writes but Cantonese does
 *	  (ft_cantonese_name), the only names the readings are compared for.
 *
 * ICU reads Chinese characters in Mandarin only, and a table of the
 * characters' Cantonese readings is not at hand: this is a rule about how
 * the two languages' sounds correspond, from the Middle Chinese both come
 * from.  Mandarin palatalised the velars and the dental sibilants before
 * i and ü (Cantonese k, h, ch, s: 嘉 jia KA, 許 xu HUI, 建 jian KIN), its
 * r is Cantonese y (潤 run YUN), its initial w may be an m (文 wen MAN), it
 * lost the final stops -p -t -k (發 fa FAT, 石 shi SHEK) and merged the
 * final -m into -n (蔭 yin YAM); the vowels went their own ways (振 zhen
 * CHUN, 誠 cheng SHING, 介 jie KAI).  So a pair is compared by its initial
 * (the Cantonese initials each pinyin initial may be) and its coda (a
 * nasal -ng, a nasal -n or -m, or none, where Cantonese may have a stop),
 * and not by its vowels: loose, which is why only a Latin name that holds
 * a syllable of Cantonese's own shape (a final ek, -eung, -ow, -uen,
 * shing) is compared so, never a pinyin, Wade-Giles, Korean, Burmese or
 * Vietnamese one.
 *
 * Pure functions over normalised tokens (normalize.c's fold: y is i, q is
 * k, ou is u); no memory kept, no locks, no database access.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "name_score.h"

/* initials, as classes; bit i of a set is class i */
enum
{
	YI_ZERO, YI_P, YI_M, YI_F, YI_T, YI_N, YI_L, YI_K, YI_KW, YI_H, YI_W, YI_Y,
	YI_CH, YI_TS, YI_S, YI_SH, YI_J, YI_Z, YI_NG,
	/* pinyin's own */
	YI_X, YI_ZH, YI_PCH, YI_R, YI_C, YI_PK, YI_G
};

/* codas */
enum
{
	YC_OPEN, YC_N, YC_NG, YC_STOP
};

#define B(c) (1u << (c))

static inline bool
vowel(char c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

/* the initial of a Latin syllable spelt the Cantonese way; its letters in *n */
static int
latin_initial(const char *t, int len, int *n)
{
	char		c = t[0];
	char		d = len > 1 ? t[1] : '\0';

	*n = 2;
	if (c == 'c' && d == 'h')
		return YI_CH;
	if (c == 's' && d == 'h')
		return YI_SH;
	if (c == 't' && (d == 's' || d == 'z'))
		return YI_TS;
	if ((c == 'k' || c == 'g') && d == 'w')
		return YI_KW;
	if (c == 'n' && d == 'g')
		return YI_NG;
	*n = 1;
	switch (c)
	{
		case 'p':
		case 'b':
			return YI_P;
		case 'm':
			return YI_M;
		case 'f':
			return YI_F;
		case 't':
		case 'd':
			return YI_T;
		case 'n':
			return YI_N;
		case 'l':
			return YI_L;
		case 'k':
		case 'g':
			return YI_K;
		case 'h':
			return YI_H;
		case 'w':
			return YI_W;
		case 's':
			return YI_S;
		case 'j':
			return YI_J;
		case 'z':
			return YI_Z;
		case 'c':
			return YI_TS;
		case 'i':
			/* (the fold's i for y, before a vowel) */
			if (vowel(d))
				return YI_Y;
			break;
	}
	*n = 0;
	return vowel(c) ? YI_ZERO : -1;
}

/* the initial of a pinyin syllable (folded: q is k, y is i); its letters in *n */
static int
pinyin_initial(const char *t, int len, int *n)
{
	char		c = t[0];
	char		d = len > 1 ? t[1] : '\0';

	*n = 2;
	if (d == 'h' && (c == 'z' || c == 'c' || c == 's'))
		return c == 'z' ? YI_ZH : c == 'c' ? YI_PCH : YI_SH;
	*n = 1;
	switch (c)
	{
		case 'b':
		case 'p':
			return YI_P;
		case 'm':
			return YI_M;
		case 'f':
			return YI_F;
		case 'd':
		case 't':
			return YI_T;
		case 'n':
			return YI_N;
		case 'l':
			return YI_L;
		case 'g':
			return YI_G;
		case 'k':
			return YI_PK;
		case 'h':
			return YI_H;
		case 'j':
			return YI_J;
		case 'x':
			return YI_X;
		case 'r':
			return YI_R;
		case 'z':
			return YI_Z;
		case 'c':
			return YI_C;
		case 's':
			return YI_S;
		case 'w':
			return YI_W;
		case 'i':
			if (vowel(d))
				return YI_Y;
			break;
	}
	*n = 0;
	return vowel(c) ? YI_ZERO : -1;
}

/* the Cantonese initials a pinyin initial may be */
static uint32
cantonese_initials(int p)
{
	switch (p)
	{
		case YI_P:
			return B(YI_P);
		case YI_M:
			return B(YI_M);
		case YI_F:
			return B(YI_F);
		case YI_T:
			return B(YI_T);
		case YI_N:
		case YI_L:
			return B(YI_N) | B(YI_L);
		case YI_G:
			return B(YI_K) | B(YI_KW);
		case YI_PK:
			/* (pinyin k and q, folded alike) */
			return B(YI_K) | B(YI_KW) | B(YI_H) | B(YI_CH) | B(YI_TS) | B(YI_F);
		case YI_H:
			return B(YI_H) | B(YI_F) | B(YI_W);
		case YI_J:
			return B(YI_K) | B(YI_CH) | B(YI_TS) | B(YI_J);
		case YI_X:
			return B(YI_H) | B(YI_S) | B(YI_SH);
		case YI_ZH:
		case YI_Z:
			return B(YI_CH) | B(YI_TS) | B(YI_J) | B(YI_Z);
		case YI_PCH:
			return B(YI_CH) | B(YI_TS) | B(YI_S) | B(YI_SH);
		case YI_C:
			return B(YI_CH) | B(YI_TS);
		case YI_SH:
		case YI_S:
			return B(YI_S) | B(YI_SH);
		case YI_R:
			return B(YI_Y);
		case YI_Y:
			return B(YI_Y) | B(YI_ZERO);
		case YI_W:
			return B(YI_W) | B(YI_ZERO) | B(YI_M);
		case YI_ZERO:
			return B(YI_ZERO) | B(YI_NG);
	}
	return 0;
}

/* the coda of t[from .. len - 1] (the letters after the initial); -1: no vowel, or not a coda */
static int
coda(const char *t, int from, int len, bool latin)
{
	int			e = len;
	int			i = from;

	if (latin && e - from > 1 && t[e - 1] == 'h' && vowel(t[e - 2]))
		e--;					/* KAH, YIH: an h marking the vowel */
	while (i < e && (vowel(t[i]) || (latin && t[i] == 'w' && i == e - 1 && i > from)))
		i++;
	if (i == from)
		return -1;
	if (i == e)
		return YC_OPEN;
	if (e - i == 2 && t[i] == 'n' && t[i + 1] == 'g')
		return YC_NG;
	if (e - i == 1 && (t[i] == 'n' || (latin && t[i] == 'm')))
		return YC_N;
	if (e - i == 1 && latin && (t[i] == 'p' || t[i] == 't' || t[i] == 'k'))
		return YC_STOP;
	return -1;
}

/*
 * Can Latin syllable lat (a Cantonese spelling) be the Cantonese reading of
 * a character whose pinyin is pin?  Both normalised single syllables.
 */
bool
ft_cantonese_pair(const char *lat, int llen, const char *pin, int plen)
{
	int			nl,
				np,
				li,
				pi,
				lc,
				pc;

	if (llen < 2 || plen < 1 || llen > 6 || plen > 6)
		return false;
	li = latin_initial(lat, llen, &nl);
	pi = pinyin_initial(pin, plen, &np);
	if (li < 0 || pi < 0 || !(cantonese_initials(pi) & B(li)))
		return false;
	lc = coda(lat, nl, llen, true);
	pc = coda(pin, np, plen, false);
	if (lc < 0 || pc < 0)
		return false;
	return lc == pc || (lc == YC_STOP && pc == YC_OPEN);
}

/*
 * Is token t[0 .. len - 1] a syllable of Cantonese's own shape, which
 * neither pinyin nor Wade-Giles writes, nor the romanisations of Korean
 * (which kept final k, p, m and writes SEUNG, HEUNG, SHIN), Burmese or
 * Vietnamese (final t: CHIT, DAT): a final ek (SHEK), a final ow (CHOW), uen
 * (KUEN, YUEN), eung after a consonant but s, h (not of ch), j (LEUNG, CHEUNG), sh
 * before ing or iu (SHING, SHIU)?
 */
static bool
cantonese_syllable(const char *t, int len)
{
	char		l = t[len - 1];

	if (len < 2 || len > 6)
		return false;
	for (int i = 0; i < len; i++)
		if (!(t[i] >= 'a' && t[i] <= 'z'))
			return false;
	if (l == 'k' && t[len - 2] == 'e' && (len < 3 || t[len - 3] != 'a'))
		return true;
	if (len >= 3 && t[len - 2] == 'o' && l == 'w')
		return true;
	for (int i = 0; i + 2 < len; i++)
		if ((t[i] == 'u' && t[i + 1] == 'e' && t[i + 2] == 'n') ||
			(i > 0 && t[i] == 'e' && t[i + 1] == 'u' && t[i + 2] == 'n' &&
			 t[i - 1] != 's' && t[i - 1] != 'j' &&
			 (t[i - 1] != 'h' || (i > 1 && t[i - 2] == 'c'))) ||
			(t[i] == 's' && t[i + 1] == 'h' && t[i + 2] == 'i' && i + 4 <= len &&
			 ((t[i + 3] == 'n' && i + 4 < len && t[i + 4] == 'g') || t[i + 3] == 'u')))
			return true;
	return false;
}

/*
 * Does the normalised name, of 2 to 4 parts that are all syllables (no
 * part longer than 6 letters) and none with a Korean vowel, hold a
 * syllable of Cantonese's own shape?
 */
bool
ft_cantonese_name(const NormName *nn)
{
	bool		any = false;

	if (nn->ntok < 2 || nn->ntok > 4)
		return false;
	for (int i = 0; i < nn->ntok; i++)
	{
		const char *t = nn->tok[i];
		int			len = strlen(t);

		if (len > 6)
			return false;
		/* (ae, eo, oe: a Korean name's vowels, BAEK, SEO, CHOE; never Hong Kong's) */
		for (int j = 0; j + 1 < len; j++)
			if ((t[j] == 'a' && t[j + 1] == 'e') || (t[j] == 'e' && t[j + 1] == 'o') ||
				(t[j] == 'o' && t[j + 1] == 'e'))
				return false;
		any |= cantonese_syllable(t, len);
	}
	return any;
}
