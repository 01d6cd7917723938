/*-------------------------------------------------------------------------
 *
 * translit_han.c
 *	  The Chinese key of a token (ft_chinese_key): the spellings of one
 *	  Mandarin syllable in pinyin, which ICU writes for Chinese characters
 *	  (translit.c), and in Wade-Giles and the Cantonese spellings Taiwan,
 *	  Hong Kong, Singapore and the older press give names, written as one,
 *	  for the key search of a Latin query among the names listed in
 *	  Chinese characters (name_index_keys.c).
 *
 * A key is a rule about how a language is romanised, never a table of
 * names, and is only ever looked up among names written in Chinese
 * characters: between two Latin names its classes are different letters
 * (ZHANG is not CHANG there, and HSU not XU).  The scoring compares it
 * for a Latin query against a name written in Chinese characters
 * (name_variants.c's ft_chinese_sim, equal keys or nothing; session 16)
 * and for a query written in Chinese characters against the Latin names
 * (session 17: the development set's 34 Chinese names 23 found instead of
 * 7; the pair keeps a short part's and a known word's losses there, as
 * without them held-out sets 1 and 2 matched 1 and 2 more clean names).
 *
 * Pure functions over the caller's buffers; no memory kept, no locks, no
 * database access.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "normalize.h"
#include "translit.h"

/*
 * The Chinese key of a normalised token t[0 .. len - 1] (after
 * normalize.c's fold: y is i, q is k, ou is u) into out (room for len + 1
 * bytes); returns its length.
 *
 * Pinyin and Wade-Giles differ in the consonants above all: Wade-Giles
 * writes the aspirated and plain stops alike once its apostrophe is gone
 * (p for b and p, t for d and t, k for g and k: TENG for deng, KUO for
 * guo), ch for pinyin's zh, ch, j and q (CHANG zhang, CHING qing, CHIANG
 * jiang), ts or tz for z and c (TSAI cai, TSE ze, TZU zi), hs for x (HSU
 * xu, HSIEN xian); and in a few finals: -ung for -ong (TUNG dong), -o for
 * -uo after a consonant where pinyin writes uo (LO luo; KUO keeps it),
 * -ien for -ian, -ieh and -ih with an h pinyin has not, -uei for -ui.  The
 * Cantonese spellings of Hong Kong write the same families with -eung for
 * -ang and -iang (CHEUNG zhang, LEUNG liang, YEUNG yang) and -ow for -ou
 * (CHOW zhou); Wade-Giles writes ke, ge and he ko and ho (KO ke), and zi
 * tzu (TZU zi, while tsu is zu); Singapore and Hong Kong write li lee;
 * Gwoyeu Romatzyh, whose spellings carry the tone, writes the third tone
 * of -iu -eou (JEOU jiu; session 19).
 * The key writes each class as one letter: c (zh ch j q,
 * and k before i: q, which the fold wrote k), z (z c ts tz), s (x hs),
 * p t k, o for uo, -ong for -ung, a for the e of -ien and of -eung, u for
 * ow, i for uei's ei and for ee, o for a final e after k or h, zi for a
 * final tzu, no h after a vowel at the end, iu for a final eou (folded
 * eu) after a consonant, a doubled letter once (YI is ii after the fold,
 * LOONG long).
 */
static int
chinese_key(const char *t, int len, bool reading, bool exact, char *out)
{
	int			o = 0;

	for (int i = 0; i < len; i++)
	{
		char		c = t[i];
		char		n = i + 1 < len ? t[i + 1] : '\0';
		char		n2 = i + 2 < len ? t[i + 2] : '\0';

		switch (c)
		{
			case 'h':
				if (n == 's')
					continue;	/* hs: x */
				if (i == len - 1 && i > 0 && ft_key_vowel(t[i - 1]))
					continue;	/* chih, hsieh, yih: no h in pinyin */
				break;
			case 'x':
				c = 's';
				break;
			case 't':
				if (n == 's' || n == 'z')
				{
					c = 'z';	/* ts, tz: z, c */
					i++;
					if (n == 'z' && i == len - 2 && t[i + 1] == 'u')
					{
						out[o++] = 'z';	/* tzu: zi (tsu is zu) */
						c = 'i';
						i++;
					}
				}
				break;
			case 'c':
			case 'z':
				if (n == 'h')
				{
					c = exact && t[i] == 'z' ? 'Z' : 'c';	/* ch, zh */
					i++;
				}
				else
					c = 'z';	/* pinyin c and z: ts */
				break;
			case 'j':
				c = 'c';
				break;
			case 'k':
				if (n == 'i' && reading)
					c = exact ? 'Q' : 'c';	/* pinyin q (folded to k): ch */
				break;
			case 'g':
				/* (the g of -ng stays) */
				if (!(i > 0 && t[i - 1] == 'n'))
					c = 'k';
				break;
			case 'd':
				c = 't';
				break;
			case 'b':
				c = 'p';
				break;
			case 'u':
				if (n == 'o')
				{
					c = 'o';	/* uo: o */
					i++;
				}
				else if (n == 'n' && n2 == 'g')
					c = 'o';	/* ung: ong */
				else if (n == 'e' && n2 == 'i')
				{
					out[o++] = 'u';	/* uei: ui */
					c = 'i';
					i += 2;
				}
				break;
			case 'e':
				if (n == 'e')
				{
					c = 'i';	/* ee: i (LEE li) */
					i++;
				}
				else if (n == 'u' && i + 2 == len && o > 0 && !ft_key_vowel(out[o - 1]))
					c = 'i';	/* a final eou (folded eu): Gwoyeu Romatzyh's iu */
				else if (i == len - 1 && o > 0 && (out[o - 1] == 'k' || out[o - 1] == 'h'))
					c = 'o';	/* ke, ge, he: KO, HO */
				else if ((n == 'u' && n2 == 'n' && i + 3 < len && t[i + 3] == 'g') ||
					(n == 'n' && i > 0 && t[i - 1] == 'i' && n2 != 'g'))
				{
					c = 'a';	/* eung: ang; ien: ian */
					if (n == 'u')
						i++;
				}
				break;
			case 'o':
				if (n == 'w')
				{
					c = 'u';	/* ow: ou, which the fold wrote u */
					i++;
				}
				break;
		}
		o = ft_key_put(out, o, c);
	}
	out[o] = '\0';
	return o;
}

/* the key of a reading of Chinese characters (ICU's pinyin, folded) */
int
ft_chinese_key(const char *t, int len, char *out)
{
	return chinese_key(t, len, true, false, out);
}

/*
 * Are a reading of Chinese characters r (ICU's pinyin, folded) and a token
 * written in Latin letters by a person l (a listed name, a Latin query) one
 * syllable's spellings, by their Chinese keys?  Only the reading is known
 * to be pinyin, whose q the fold wrote k: l's k before i is a k, which no
 * romanisation of Mandarin writes there (pinyin writes j or q, Wade-Giles
 * ch: KYA is not jia, nor the listed QI, folded ki, the reading ji).  And l
 * written with pinyin's own zh (ZHANG, ZHI; Wade-Giles and the spellings
 * of Taiwan and Hong Kong write ch, j or ts for it) is pinyin: its zh and
 * q are sounds of their own, not the one class Wade-Giles makes of zh, ch,
 * j and q (ZHI is not chi, nor ZHANG chang).  A j is not pinyin's alone:
 * Taiwan writes Wen-je for 文哲 wen zhe.  (Session 24.)
 */
bool
ft_chinese_reads(const char *r, int lr, const char *l, int ll)
{
	char		kr[MAX_TOKLEN * MAX_JOIN + 1];
	char		kl[MAX_TOKLEN * MAX_JOIN + 1];
	bool		exact = false;
	int			n;

	if (lr > MAX_TOKLEN * MAX_JOIN || ll > MAX_TOKLEN * MAX_JOIN)
		return false;
	for (int i = 0; i + 1 < ll && !exact; i++)
		exact = l[i] == 'z' && l[i + 1] == 'h';
	n = chinese_key(r, lr, true, exact, kr);
	return chinese_key(l, ll, false, exact, kl) == n && memcmp(kr, kl, n) == 0;
}
