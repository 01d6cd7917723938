/*-------------------------------------------------------------------------
 *
 * translit_thai_key.c
 *	  The Thai key of a token (ft_thai_key), and its frame (ft_thai_frame,
 *	  its consonants; session 24): the spellings of one Thai word
 *	  by RTGS and by the older or personal systems Thais spell their names
 *	  in, written as one, for scoring a pair where one side is written in
 *	  Thai letters (name_variants.c's ft_thai_sim).  Scoring, not
 *	  transliteration: the RTGS reading of Thai letters is translit_thai.c's;
 *	  the other scripts' keys are translit_keys.c's and translit_greek.c's.
 *
 * A key is a rule about how Thai names are romanised, never a table of
 * names, and is only ever compared where one side of a pair was written in
 * Thai letters: between two Latin names its classes are different letters.
 *
 * A pure function over the caller's buffers; no memory kept, no locks, no
 * database access.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "translit.h"
#include "translit_thai.h"

/*
 * The Thai key of a normalised token (after normalize.c's fold: ph is
 * already f, y i, dh d): the lists and the people named spell Thai names
 * by RTGS and by older or personal systems that write the letters' Sanskrit
 * and Pali values or English habits (Bhumibol for ภูมิพล, RTGS phumiphon;
 * Leekpai, lik-phai; Chadchart, chatchat; Charn, chan; Sondhi, sonthi;
 * Vejjajiva, wetchachiwa; Buakaw, buakhao).  The key writes each class of
 * those spellings as one letter: the p sounds (p ph f b bh) p, the t sounds
 * (t th d dh) t, k kh g k, ch j sh c, v w w; ee i and oo u (long vowels);
 * r after a vowel and before no vowel (the lengthening r of Charn, Korn,
 * Chart) nothing, and so a final ra after a consonant (the silent ร
 * that Sanskrit-based spellings write: Shinawatra, RTGS chinnawat); l
 * after a vowel and before no vowel n (RTGS's final ล: Silpa sinpa,
 * Bhumibol), w there o (RTGS's final ว: Buakaw); c closing the word t
 * (RTGS's final ช: Adulyadej); a final t after n left out (the letter the
 * thanthakhat silences, which RTGS leaves out and Sanskrit-based spellings
 * write: Anand, อานันท์ anan; an RTGS word never ends in nt); a doubled
 * letter once (Chinnawat); an initial sr s (SRI for ศรี, RTGS si); an h
 * after a vowel and before no vowel left out (the English habit of
 * marking a short vowel: Koh, RTGS ko; RTGS closes no syllable with h); aw
 * before a consonant o (the vowel of -อ-, Rawd, RTGS rot; a final aw is
 * RTGS's ao, Buakaw: session 19); the vowel ue / uea (ึ ื เ-ือ) ua, as the
 * names' own spellings write it (Muang, RTGS mueang; Juang, chueng), and
 * eu after a consonant ua too (Pheu, RTGS phuea; Seub, suep); a final ya
 * (folded ia) after a consonant left out like a final ra, the silent ย
 * under the thanthakhat written with its a (Piromya, RTGS phirom).  Compared only where
 * one side is written in Thai letters (name_score.c), never between two
 * Latin names: for them these are different letters.  Needs room for
 * len + 1 bytes in out.
 */
int
ft_thai_key(const char *t, int len, char *out)
{
	int			o = 0;

	for (int i = 0; i < len; i++)
	{
		char		c = t[i];
		char		n = i + 1 < len ? t[i + 1] : '\0';
		bool		after_vowel = i > 0 && ft_key_vowel(t[i - 1]);
		bool		closing = after_vowel && !ft_key_vowel(n);

		switch (c)
		{
			case 'b':
			case 'f':
			case 'p':
				c = 'p';
				if (n == 'h')
					i++;		/* bh, ph */
				break;
			case 'd':
			case 't':
				c = 't';
				if (n == 'h')
					i++;		/* dh, th */
				if (i + 1 == len && o > 0 && out[o - 1] == 'n')
					continue;	/* a final nd, nt: the silent letter (ANAND, อานันท์ anan) */
				break;
			case 'g':
			case 'k':
				c = 'k';
				if (n == 'h')
					i++;		/* gh, kh */
				break;
			case 'j':
				c = 'c';
				break;
			case 'c':
			case 's':
				if (n == 'h')
				{
					c = 'c';	/* ch, sh */
					i++;
				}
				else if (c == 'c')
					c = 'k';
				break;
			case 'v':
				c = 'w';
				/* FALLTHROUGH */
			case 'w':
				if (closing)
					c = 'o';
				break;
			case 'e':
				if (n == 'e')
				{
					c = 'i';
					i++;
				}
				else if (n == 'u' && i > 0 && !ft_key_vowel(t[i - 1]))
				{
					if (o == 0 || out[o - 1] != 'u')
						out[o++] = 'u';	/* eu: the vowel ue / uea (PHEU, RTGS phuea) */
					c = 'a';
					i++;
				}
				break;
			case 'u':
				if (n == 'e' && !(i + 2 < len && t[i + 2] == 'e'))
				{
					if (o == 0 || out[o - 1] != 'u')
						out[o++] = 'u';	/* ue, uea: ua (MUANG, RTGS mueang) */
					c = 'a';
					i++;
					if (i + 1 < len && t[i + 1] == 'a')
						i++;
				}
				break;
			case 'o':
				if (n == 'o')
				{
					c = 'u';
					i++;
				}
				break;

			case 'r':
				if (closing || (i == 1 && t[0] == 's'))
					continue;	/* (an initial sr: the silent ร of ศร สร, SRI and RTGS si) */
				if (n == 'a' && i + 2 == len && i > 0 && !ft_key_vowel(t[i - 1]))
				{
					i++;		/* a final -ra after a consonant: a silent ร */
					continue;
				}
				break;
			case 'l':
				if (closing)
					c = 'n';
				break;
			case 'i':
				if (n == 'a' && i + 2 == len && i > 0 && !ft_key_vowel(t[i - 1]))
				{
					i++;		/* a final -ya (folded ia) after a consonant: a silent ย */
					continue;
				}
				break;
			case 'h':
				if (closing)
					continue;	/* the h of a short vowel (KOH, RTGS ko): RTGS closes no syllable with h */
				break;
			case 'a':
				if (n == 'w' && i + 2 < len && !ft_key_vowel(t[i + 2]))
				{
					c = 'o';	/* aw before a consonant: the vowel o (RAWD, RTGS rot; a final aw is ao) */
					i++;
				}
				break;
		}
		if (c == 'c' && i + 1 >= len)
			c = 't';
		o = ft_key_put(out, o, c);
	}
	out[o] = '\0';
	return o;
}

/*
 * The frame of a Thai key k[0 .. n - 1] (ft_thai_key's): its consonants
 * alone, r and l written n, an h after a consonant left out, a doubled
 * letter once.  The Sanskrit- and Pali-based spellings Thais give their
 * names write each letter with its inherent a where RTGS writes the
 * syllables as said (SUNDARAVEJ, สุนทรเวช sunthonwet; SHINAWATRA,
 * ชินวัตร chinwat; CHUNHAVAJIRA, ชุณหวชิร chunwachin): their vowels differ,
 * RTGS writes a ร or ล closing a syllable n, and a ห leading a consonant
 * is silent, which the letter-by-letter spellings write h.  Compared only
 * where one side is written in Thai letters (name_variants.c's
 * ft_thai_frame_sim).  Needs room for n + 1 bytes in out; returns its
 * length.
 */
int
ft_thai_frame(const char *k, int n, char *out)
{
	int			o = 0;

	for (int i = 0; i < n; i++)
	{
		char		c = k[i];

		if (ft_key_vowel(c))
			continue;
		if (c == 'r' || c == 'l')
			c = 'n';
		if (c != 'h' || i == 0 || ft_key_vowel(k[i - 1]))
			o = ft_key_put(out, o, c);
	}
	out[o] = '\0';
	return o;
}
