/*-------------------------------------------------------------------------
 *
 * translit_keys.c
 *	  The Korean and Cyrillic keys of a token (ft_korean_key,
 *	  ft_cyrillic_key), the Hebrew key of a consonant skeleton
 *	  (ft_hebrew_key) and the qaf and c keys of a Latin one (ft_qaf_key,
 *	  ft_c_key): the
 *	  spellings of one name in the romanisations the lists mix, written
 *	  as one, for scoring a pair where one side is
 *	  written in that script (name_variants.c).  The Greek key is
 *	  translit_greek.c's, the Thai key translit_thai_key.c's; the
 *	  transliteration itself is translit.c's.
 *
 * A key is a rule about how a language is said, never a table of names,
 * and is only ever compared where one side of a pair was written in the
 * key's script: between two Latin names its classes are different letters.
 *
 * Pure functions over the caller's buffers; no memory kept, no locks, no
 * database access.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "translit.h"

/*
 * The Korean key of a normalised token (scoring, not transliteration): the
 * romanisations the lists mix spell one Korean syllable several ways, and
 * the fold above can pick only one of them for Hangul.  The Revised
 * Romanization and McCune-Reischauer (and the spellings South Koreans
 * give their own names) differ in the plain and aspirated stops, g k,
 * d t, b p, j ch; in the vowels eo (o, u: Jong, Jung), eu (u, eu: Un,
 * Geun), o and u (oo: Moon, Mun), ae and e; in r and l; in s and sh (Si,
 * Shi); in an initial r, l or n (노 No, Roh); in an h after a vowel that
 * closes nothing (Roh, Oh, Ahn); in the vowel 의 (RR ui, MR ŭi, spelled
 * EUI, HUI or HEE: 희); in a w before the vowel u alone (우 wu, WOO; 욱 uk,
 * WOOK; session 17).  And zh is j: the variant group of ZHOU and CHOU
 * (name_words.c) writes every chu zhu, Hangul's 추 too (CHOO; session
 * 19); and ye after a consonant is e (ㅖ after a consonant but ㅇ and ㄹ is
 * said ㅔ: SYE for 세, HYE or HE for 혜; session 19); and wh before a
 * vowel is hw (WHANG, WHA for 황, 화), and the spellings of ㅚ, oe, oi and
 * (after a consonant) ey, are one (CHOE, CHOI, CHEY for 최; session 22).
 * The key writes each
 * of those
 * classes as one letter (k t p c l s, n, o, e, i for ee and ui, no h) and a
 * doubled letter once, so that GEUN and kun (근), MOON and mun
 * (문), MYUNG and miong (명), BAK and pak (박), ROH and no (노) meet.  It is compared only
 * where one side is written in Hangul (name_score.c), never between two
 * Latin names: for them these are different letters.
 */
static int
korean_key(const char *t, int len, bool strict, char *out)
{
	int			o = 0;

	for (int i = 0; i < len; i++)
	{
		char		c = t[i];
		char		n = i + 1 < len ? t[i + 1] : '\0';

		switch (c)
		{
			case 'e':
				if (n == 'o' || n == 'u')
					continue;	/* eo, eu: the vowel after */
				if (n == 'i' && i > 0 && !ft_key_vowel(t[i - 1]) &&
					(i + 2 >= len || !ft_key_vowel(t[i + 2])))
				{
					/* ey (folded ei) after a consonant = oe: CHEY for 최 (ㅚ) */
					if (o == 0 || out[o - 1] != 'o')
						out[o++] = 'o';
					c = 'e';
					i++;
					break;
				}
				if (n == 'e')
				{
					c = 'i';	/* ee = i: HEE */
					i++;
				}
				break;
			case 'h':
				if (i > 0 && ft_key_vowel(t[i - 1]) && !ft_key_vowel(n))
					continue;	/* after a vowel, before none: Roh, Oh, Ahn */
				break;
			case 'w':
				if (i == 0 && (n == 'u' || (n == 'o' && i + 2 < len && t[i + 2] == 'o')))
					continue;	/* an initial wu, woo: the vowel u alone (우 wu, WOO; 욱 WOOK) */
				if (n == 'h' && i + 2 < len && ft_key_vowel(t[i + 2]))
				{
					/* wh before a vowel = hw: WHANG, WHA (황, 화) */
					if (o == 0 || out[o - 1] != 'h')
						out[o++] = 'h';
					i++;
				}
				break;

			case 'a':
				if (n == 'e')
				{
					c = 'e';	/* ae = e */
					i++;
				}
				break;
			case 'i':
				if (!strict && n == 'e' && i > 0 && !ft_key_vowel(t[i - 1]))
					continue;	/* ye (folded ie) after a consonant: e (세 SYE, 혜 HYE, said se, he) */
				break;
			case 'o':
				if (n == 'i' && (i + 2 >= len || !ft_key_vowel(t[i + 2])))
				{
					/* oi = oe: CHOI, CHOE for 최 (ㅚ) */
					if (o == 0 || out[o - 1] != 'o')
						out[o++] = 'o';
					c = 'e';
					i++;
					break;
				}
				if (strict && n == 'o')
				{
					c = 'u';	/* oo = u: KOO, MOO */
					i++;
				}
				break;
			case 'u':
				if (!strict)
					c = 'o';
				if (n == 'i')
				{
					c = 'i';	/* ui (eui) = i: 희 hui is HEE */
					i++;
				}
				break;
			case 'g':
				c = 'k';
				break;
			case 'd':
				c = 't';
				break;
			case 'b':
				c = 'p';
				break;
			case 'j':
				c = 'c';
				break;
			case 'z':
				if (n != 'h')
					break;
				c = 'c';		/* zh = j: the ZHOU / CHOU group's zhu for a chu (추) */
				/* FALLTHROUGH */
			case 'c':
			case 's':
				if (n == 'h')
					i++;		/* ch = j, sh = s */
				break;
			case 'r':
				c = 'l';
				/* FALLTHROUGH */
			case 'l':
				if (i == 0)
					c = 'n';	/* an initial r, l, n: Roh / No */
				break;
		}
		o = ft_key_put(out, o, c);
	}
	out[o] = '\0';
	return o;
}

int
ft_korean_key(const char *t, int len, char *out)
{
	return korean_key(t, len, false, out);
}

/*
 * The strict Korean key: the same classes of consonants, ee and ui, a
 * vowel's h, an initial r, l, n and eo, eu as the vowel after (the fold
 * writes Hangul's 어 and 오 alike o, 으 and 우 alike u), but oo as u (KOO,
 * MOO: 구 gu, 무 mu) and o and u apart, which the key merges (the
 * spellings of 어 write u: CHUN 전, KUN 건).  Two spellings whose strict
 * keys are equal are one Hangul syllable's in two systems as far as the
 * fold tells (BON / pon, KOO / ku, SHIN / sin, HEE / hui), not two
 * syllables a vowel apart (session 19).
 */
int
ft_korean_strict_key(const char *t, int len, char *out)
{
	return korean_key(t, len, true, out);
}

/*
 * The Cyrillic key of a normalised token (scoring, not transliteration):
 * ICU writes ж zh and дж dzh by BGN/PCGN, as the lists spell Russian
 * names; the names of the peoples who write their own language in
 * Cyrillic and Latin letters (Kazakh, Uzbek, Tajik, Kyrgyz) and French
 * and older spellings write both j (JOMART for Жомарт, JURAEV for
 * Джураев).  The key writes dzh and zh as j.  Compared only where one side
 * is written in Cyrillic letters (name_score.c), never between two Latin
 * names (ZHANG is not JANG).  Needs room for len + 1 bytes in out.
 */
int
ft_cyrillic_key(const char *t, int len, char *out)
{
	int			o = 0;

	for (int i = 0; i < len; i++)
	{
		if (t[i] == 'd' && i + 2 < len && t[i + 1] == 'z' && t[i + 2] == 'h')
		{
			out[o++] = 'j';		/* dzh */
			i += 2;
		}
		else if (t[i] == 'z' && i + 1 < len && t[i + 1] == 'h')
		{
			out[o++] = 'j';		/* zh */
			i++;
		}
		else
			out[o++] = t[i];
	}
	out[o] = '\0';
	return o;
}

/*
 * The Hebrew key of a consonant skeleton (normalize.c's ft_skeleton_name;
 * scoring, not transliteration).  Unpointed Hebrew writes one letter for
 * two sounds that Latin spellings tell apart, and ICU writes bet b, kaf k,
 * pe p, het h whatever the word: bet after a vowel is v (LIVNI, REHAVAM:
 * the skeleton leaves v out), kaf after a vowel and het are ch or kh
 * (MICHAEL, NACHMAN, CHAIM, KHENIN: the skeleton writes a Latin ch sh),
 * pe f (KFAR), tsade ts or tz (KATSAV).  The key writes sh, h and a k not
 * first (kaf after a vowel, or qof) as h, c and q as k, p and ph as f, ts
 * as d (the skeleton's tz), leaves out b (also where it is the skeleton's
 * first letter: after an alef, which ICU leaves out, אברהם brhm, AVRAHAM
 * rhm), an s before a final y (the sh of a final chi or shi, whose h the
 * skeleton drops before it writes the i's y: AMICHAI msy, עמיחי my), and
 * a doubled letter once.  kh is h too in a Latin skeleton (latin), one sound there, but two
 * letters in a Hebrew one (כהן khn, kaf and he: not CHEN, whose skeleton
 * is shn; a Latin skeleton's ch is the c and h of COHEN).  So CHAIM shm
 * meets חיים hm, LIVNI lny לבני lbny.  Compared only where the listed name
 * is written in Hebrew letters (name_score.c), never between two Latin
 * names.  Needs room for len + 1 bytes in out.
 */
int
ft_hebrew_key(const char *t, int len, bool latin, char *out)
{
	int			o = 0;

	for (int i = 0; i < len; i++)
	{
		char		c = t[i];
		char		n = i + 1 < len ? t[i + 1] : '\0';

		if ((c == 's' || (latin && c == 'k')) && n == 'h')
		{
			c = 'h';			/* sh; in Latin letters kh */
			i++;
		}
		else if (c == 'c' || c == 'q' || c == 'k')
			c = i == 0 ? 'k' : 'h'; /* kaf after a vowel: kh */
		else if (c == 'p')
		{
			c = 'f';
			if (n == 'h')
				i++;
		}
		else if (c == 't' && n == 's')
		{
			c = 'd';			/* ts: tsade, the skeleton's tz d */
			i++;
		}
		else if (c == 'b' || (c == 's' && n == 'y' && i + 2 == len))
		{
			/*
			 * left out: bet after a vowel (an alef's too), said v, which the
			 * skeleton leaves out; sh before a final i, whose h the skeleton
			 * drops (AMICHAI msy, עמיחי my)
			 */
			continue;
		}
		o = ft_key_put(out, o, c);
	}
	out[o] = '\0';
	return o;
}

/*
 * t (len) with each gh, and a final g when final_g, written as the one
 * letter to, and a doubled letter once, into out (len + 1 bytes): the
 * qaf key and the ghayn key below
 */
static int
gh_key(const char *t, int len, char *out, char to, bool final_g)
{
	int			o = 0;

	for (int i = 0; i < len; i++)
	{
		char		c = t[i];

		if (c == 'g' && ((i + 1 < len && t[i + 1] == 'h') || (final_g && i + 1 == len)))
		{
			c = to;
			if (i + 1 < len)
				i++;
		}
		o = ft_key_put(out, o, c);
	}
	out[o] = '\0';
	return o;
}

/*
 * The qaf key of a Latin consonant skeleton (scoring, not
 * transliteration): Persian says qaf as ghayn, and the Persian names' Latin
 * spellings write it gh (GHALIBAF, قالیباف; BAGHER, باقر; GHAZVIN, قزوین),
 * where the skeleton of the name in Arabic letters has k (ICU's q).  The
 * key writes gh as k, a doubled letter once.  Only the Latin side is keyed
 * (the Arabic side's ghayn stays gh: a Latin k is not a ghayn), and only
 * where the other side is written in Arabic letters (name_score.c).  Needs
 * room for len + 1 bytes in out.
 */
int
ft_qaf_key(const char *t, int len, char *out)
{
	return gh_key(t, len, out, 'k', false);
}

/*
 * The ghayn key of the consonant skeleton of a name written in Arabic
 * letters (scoring, not transliteration): ICU writes ghayn gh, which the
 * skeleton keeps (a final h going: اغ g); the French spellings of Maghreb
 * and Tuareg names write it g (AG, LAAGOUB), which the Latin skeleton
 * writes j (the Egyptian g of jim).  The key writes gh and a final g as j,
 * a doubled letter once.  Only the Arabic side is keyed, and compared with
 * a Latin skeleton equal or nothing (name_variants.c's ft_qaf_sim).  Needs
 * room for len + 1 bytes in out.
 */
int
ft_ghayn_key(const char *t, int len, char *out)
{
	return gh_key(t, len, out, 'j', true);
}

/*
 * The c key of a Latin consonant skeleton (scoring, not transliteration):
 * the skeleton writes a c before e or i as s and ch as sh, so a c left in
 * it is a k (CAID, قائد kd; COMPANY, کمپنی kmpny) or a French or
 * Portuguese cedilla the folding took away (FAYCAL, فيصل fsl): a letter
 * Arabic script writes as kaf, qaf or sin, never as a c of its own.  The
 * key writes each c as the letter to, a doubled letter once.  Only the
 * Latin side is keyed, against the skeleton of a name in Arabic letters
 * (name_variants.c's ft_qaf_sim).  Needs room for len + 1 bytes in out.
 */
int
ft_c_key(const char *t, int len, char *out, char to)
{
	int			o = 0;

	for (int i = 0; i < len; i++)
		o = ft_key_put(out, o, t[i] == 'c' ? to : t[i]);
	out[o] = '\0';
	return o;
}
