/*-------------------------------------------------------------------------
 *
 * translit_thai.c
 *	  Thai names in Latin letters the way the lists spell them: ICU's
 *	  Thai-Latin letters (ISO 11940, one symbol per Thai letter) read by the
 *	  rules of the Royal Thai General System (RTGS).
 *
 * ICU romanises Thai by ISO 11940: letter by letter, each consonant with
 * the value it has at the start of a syllable, no vowel where Thai writes
 * none (สมชาย is s̄mchāy), and a dictionary break inside words (วงศ์สวัสดิ์ is
 * two words).  The lists and the people named write RTGS or spellings near
 * it (Somchai Wongsawat): translit.c hands each word written in Thai to
 * ICU without the dictionary break (Thai-ThaiLogical; ThaiLogical-Latin:
 * the letters in spoken order, a preposed vowel after its consonant), and
 * this file reads ICU's symbols back as letters and writes them by RTGS:
 * - a consonant's value at the end of a syllable (ร ล ญ ณ ฬ n; จ ช ซ ด ต ถ
 *   ท ธ ศ ษ ส ... t; บ ป พ ฟ ภ p; ข ค ฆ k; ย i, ว o);
 * - the vowels Thai leaves unwritten: o between two consonants that close
 *   a syllable (สม som), a before a consonant that opens one (ธนา thana;
 *   ร after ิ ี ุ ู opens one: สุรชัย surachai, วีรกูล wirakun; so does any
 *   consonant after ะ or ำ: เกาะสมุย ko-samui; a t closing before ย and
 *   its vowel also opens a syllable of a: พัทยา phat-tha-ya; a word's final
 *   ติ after า or ั is t: ชาติ chat),
 *   na-khon for three consonants at a word's end (นคร); ง with no vowel
 *   of its own closes a syllable, so a consonant before it and another
 *   consonant opens one of o (วชิราลงกรณ์ wachiralongkon), and so do ด
 *   and บ, which form no cluster, before a ร or ล that another consonant
 *   follows (อุดรธานี udonthani); ว between two
 *   consonants is ua (ชวน chuan), อ after a consonant is o (ดอน don), รร
 *   is an (บรร ban);
 * - the compound vowels (เ-ีย ia, เ-ือ uea, เ-า ao, เ-อ oe, -ัว ua, ใ ไ ai,
 *   ำ am, แ ae, ึ ื ue), the clusters kr kl kw khr khl khw pr pl phr phl tr
 *   (not ภ, a Sanskrit letter: ภราดร pha-ra-don);
 * - silent letters: ห leading a sonorant (หลีก lik, ใหม่ mai), ร after
 *   ส ศ ษ ซ opening a syllable (ศรี si, ชัยศรี chaisi; after a preposed
 *   vowel too: เศรษฐา settha), a
 *   consonant left alone after a syllable's final one at the end of a word
 *   (ประวิตร prawit, ยุทธ yut; not พร, phon: จตุพร chatuphon), ห between a
 *   consonant's ร and ม (พรหม phrom), the consonant under the thanthakhat with its
 *   vowel (ft_thai_drop_silent, before ICU; สิทธิ์ sit, จันทร์ chan).
 * These are rules about the script, no table of names; the same for a
 * screened name and a listed one.  Thai writes no spaces inside a name's
 * parts, so a part stays one token (items join parts as for Latin names).
 *
 * Functions over UChar buffers the caller (translit.c) allocates; a word
 * is read into a bounded stack array of units (MAX_UNITS), its RTGS
 * spelling into a scratch buffer palloc'd in the caller's context (4
 * bytes per code point of ICU's output).  No locks, no database access.
 * The Thai key, which compares the RTGS spelling with the names' own
 * spellings, is translit_thai_key.c's (scoring, not transliteration).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <unicode/ustring.h>

#include "translit.h"
#include "translit_thai.h"

static bool
thai_consonant(UChar c)
{
	return c >= 0x0E01 && c <= 0x0E2E;
}

/* mai han-akat or sara aa, the vowels of จัน and ราษ */
static bool
after_a(UChar c)
{
	return c == 0x0E31 || c == 0x0E32;
}

/*
 * The thanthakhat (U+0E4C) marks the consonant it sits on as silent
 * (ประยุทธ์ is Prayut; ICU spells the silent letter all the same): that
 * consonant, its vowel and tone marks (สิทธิ์, sit) and the mark are left
 * out before ICU reads the name; so is a consonant then left after
 * another one that closes a syllable of the vowel a (ั, า): a Thai
 * syllable says one final (จันทร์ is Chan, ลักษณ์ is Lak, ราษฎร์ Rat; but
 * วงศ์ is Wong, its ง the final of an unwritten o, and นนท์ is non, a
 * doubled letter opening and closing a syllable).  Returns the new length.
 */
int32_t
ft_thai_drop_silent(UChar *u, int32_t n)
{
	int32_t		o = 0;

	for (int32_t i = 0; i < n; i++)
	{
		if (u[i] == 0x0E4C)
		{
			/* back over vowel and tone marks to the consonant */
			int32_t		k = o - 1;

			while (k >= 0 && ((u[k] >= 0x0E31 && u[k] <= 0x0E3A) || (u[k] >= 0x0E47 && u[k] <= 0x0E4E)))
				k--;
			if (k >= 0 && thai_consonant(u[k]))
			{
				o = k;
				if (o >= 3 && thai_consonant(u[o - 1]) && thai_consonant(u[o - 2]) &&
					u[o - 1] != u[o - 2] &&
					(after_a(u[o - 3]) ||
					 (o >= 4 && after_a(u[o - 4]) && u[o - 3] >= 0x0E48 && u[o - 3] <= 0x0E4B)))
					o--;
			}
			continue;
		}
		u[o++] = u[i];
	}
	return o;
}

/* ------------------------------------------------------------------------
 * ICU's ISO 11940 symbols as units
 * ------------------------------------------------------------------------
 */

typedef struct ThaiUnit
{
	bool		vowel;
	bool		ek;				/* mai ek (ICU's grave) on it */
	char		id;				/* which letter, where a rule needs to know */
	const char *ini;			/* a consonant opening a syllable; a vowel */
	const char *fin;			/* a consonant closing one */
} ThaiUnit;

/* marks ICU puts on its letters that tell Thai letters apart */
#define M_DOT	0x01			/* U+0323 */
#define M_BAR	0x02			/* U+0304 */
#define M_HOOK	0x04			/* U+0309 */

/*
 * Reads one unit of ICU's output (NFD) at in[*i]: a base letter, its marks
 * and, for k c t p, the h of an aspirate; n g is ng.  Tone marks, the
 * shortener and other signs are skipped.  Returns false for anything that
 * is not a Thai letter's symbol (digits, punctuation: copied by the caller).
 */
static bool
read_unit(const UChar *in, int32_t n, int32_t *i, ThaiUnit *u)
{
	UChar		b = in[*i];
	int			marks = 0;
	bool		asp = false;
	bool		ek = false;
	int32_t		k = *i + 1;

	for (; k < n; k++)
	{
		UChar		m = in[k];

		ek |= m == 0x0300;
		if (m == 0x0323)
			marks |= M_DOT;
		else if (m == 0x0304)
			marks |= M_BAR;
		else if (m == 0x0309)
			marks |= M_HOOK;
		else if (!((m >= 0x0300 && m <= 0x036F) || m == 0x02B9))
			break;				/* tone marks, U+0331, U+0329, ʹ: skipped */
	}
	if ((b == 'k' || b == 'c' || b == 't' || b == 'p') && k < n && in[k] == 'h')
	{
		asp = true;
		k++;
	}
	else if (b == 'n' && k < n && in[k] == 'g')
	{
		k++;
		b = 'G';				/* ng */
	}
	/* the tone mark of an aspirate or of ng comes after its h or g (ช้ cĥ) */
	if (asp || b == 'G')
		while (k < n && ((in[k] >= 0x0300 && in[k] <= 0x036F) || in[k] == 0x02B9))
			marks |= in[k++] == 0x0323 ? M_DOT : 0;
	*u = (ThaiUnit)
	{
		false, ek, '.', NULL, NULL
	};
	switch (b)
	{
		case 'k':
			u->ini = asp ? "kh" : "k";
			u->fin = "k";
			u->id = 'k';
			break;
		case 'c':
			u->ini = "ch";
			u->fin = "t";
			break;
		case 't':
			u->ini = asp ? "th" : "t";
			u->fin = "t";
			u->id = 't';
			break;
		case 'p':
			u->ini = asp ? "ph" : "p";
			u->fin = "p";
			/* ภ (ISO 11940 p̣h), a Sanskrit letter, forms no cluster: ภราดร pha-ra-don */
			u->id = asp && (marks & M_DOT) ? 'B' : 'p';
			break;
		case 'G':
			u->ini = u->fin = "ng";
			break;
		case 's':
		case 'd':
			u->ini = b == 's' ? "s" : "d";
			u->fin = "t";
			break;
		case 'b':
			u->ini = "b";
			u->fin = "p";
			break;
		case 'f':
			u->ini = "f";
			u->fin = "p";
			break;
		case 'm':
			u->ini = u->fin = "m";
			break;
		case 'n':
			u->ini = u->fin = "n";
			u->id = 'n';
			break;
		case 'y':
			if (marks & M_DOT)
			{
				u->ini = "y";	/* ญ */
				u->fin = "n";
			}
			else
			{
				u->ini = "y";
				u->fin = "i";
				u->id = 'y';
			}
			break;
		case 'r':
			u->ini = "r";
			u->fin = "n";
			u->id = 'r';
			break;
		case 'l':
		case 0x0142:			/* ł: ฦ */
			u->ini = "l";
			u->fin = "n";
			u->id = 'l';
			break;
		case 'w':
			u->ini = "w";
			u->fin = "o";
			u->id = 'w';
			break;
		case 'h':
			u->ini = "h";
			u->fin = "";
			u->id = 'h';
			break;
		case 'x':				/* อ: the vowel carrier, or the vowel o */
			u->ini = "";
			u->fin = "";
			u->id = 'x';
			break;
		case 'v':				/* ฤ: a syllable of its own, ri */
			u->ini = "ri";
			u->fin = "";
			u->id = 'R';
			break;
		default:
			u->vowel = true;
			switch (b)
			{
				case 'a':
					u->ini = (marks & M_HOOK) ? "am" : "a";
					u->id = (marks & M_DOT) ? 'A' : (marks & M_BAR) ? 'L' : 'a';
					break;
				case 'i':
					u->ini = (marks & M_DOT) ? "ai" : "i";	/* ไ is i-dot */
					u->id = (marks & M_DOT) ? 'Y' : (marks & M_BAR) ? 'I' : 'i';
					break;
				case 0x0131:	/* ı: ใ */
					u->ini = "ai";
					u->id = 'Y';
					break;
				case 'u':
					u->ini = (marks & M_DOT) ? "ue" : "u";
					u->id = (marks & M_DOT) ? ((marks & M_BAR) ? 'W' : 'U') :
						(marks & M_BAR) ? 'V' : 'u';
					break;
				case 'e':
					u->ini = "e";
					u->id = 'e';
					break;
				case 0x00E6:	/* æ: แ */
					u->ini = "ae";
					u->id = 'E';
					break;
				case 'o':
					u->ini = "o";
					u->id = 'o';
					break;
				case 0x0268:	/* ɨ: ๅ, a long vowel sign */
					u->ini = "";
					break;
				default:
					return false;
			}
	}
	*i = k;
	return true;
}

/* a sonorant (ง น ณ ม ย ญ ร ล ว), which ห can lead silently */
static bool
sonorant(const ThaiUnit *u)
{
	return !u->vowel && (strcmp(u->ini, "ng") == 0 || u->id == 'n' || strcmp(u->ini, "m") == 0 ||
						 u->id == 'y' || u->id == 'r' || u->id == 'l' || u->id == 'w' ||
						 (strcmp(u->ini, "y") == 0));
}

/* k kh p ph t before r l w (t before r only), a cluster */
static bool
cluster(const ThaiUnit *c, const ThaiUnit *next)
{
	if (next->vowel || !(next->id == 'r' || next->id == 'l' || next->id == 'w'))
		return false;
	if (c->id == 'k')
		return true;
	if (c->id == 'p')
		return next->id != 'w';
	return c->id == 't' && strcmp(c->ini, "t") == 0 && next->id == 'r';
}

static bool
preposed(const ThaiUnit *u)
{
	return u->vowel && (u->id == 'e' || u->id == 'E' || u->id == 'o' || u->id == 'Y');
}

/*
 * Does unit j stand for a vowel?  A vowel sign, or อ after a consonant and
 * before no vowel of its own (ดอน: the vowel o).
 */
static bool
vowel_at(const ThaiUnit *u, int m, int j)
{
	return u[j].vowel ||
		(u[j].id == 'x' && j > 0 && !u[j - 1].vowel && !(j + 1 < m && u[j + 1].vowel));
}

#define MAX_UNITS	128

static void
put(char **o, const char *s)
{
	while (*s)
		*(*o)++ = *s++;
}

/* ง ม น ณ or ล: a final Thai says, never silent after another (พง phong, ดม dom, ชน chon, พล phon) */
static bool
nasal_or_l(const ThaiUnit *u)
{
	return !u->vowel && (u->id == 'l' || u->id == 'n' || strcmp(u->ini, "ng") == 0 ||
						 strcmp(u->ini, "m") == 0);
}

/*
 * พร at a word's end is the word phon (blessing) that ends many given names
 * (จตุพร chatuphon, ศิริพร siriphon): its ร says n after a short vowel too,
 * where a ร after the stops of Sanskrit's tr, dr, kr is silent (ประวิตร
 * prawit, สมุทร samut, จักร chak).
 */
static bool
phon(const ThaiUnit *c, const ThaiUnit *r)
{
	return c->id == 'p' && strcmp(c->ini, "ph") == 0 && r->id == 'r' && !r->vowel;
}

/*
 * The consonant at u[i] closes the syllable being written when no vowel
 * follows it, except where Thai spelling reads it as the start of the next
 * syllable: before รร (it opens "-an"), and at a word's end as the first
 * of three consonants (กิตติขจร: kit-ti-kha-chon) or of two after a long
 * vowel (ธนาธร: tha-na-thon) or of two ending in ล, ง, ม or น, finals Thai
 * says (ภูมิพล: phu-mi-phon; อุดม u-dom, อนุพง a-nu-phong, มติชน
 * ma-ti-chon: session 17); after a short vowel the second of two others is
 * silent: ประวิตร prawit, ยุทธ yut).  Writes its closing value; returns the next unit.
 */
static int
close_syllable(const ThaiUnit *u, int m, int i, bool long_vowel, char **o, bool *after_final)
{
	int			rest;

	/* a word's final ติ after า or ั: its t closes that syllable, its i is silent (ชาติ chat) */
	if (i + 2 == m && i > 0 && u[i + 1].id == 'i' && u[i - 1].vowel &&
		(u[i - 1].id == 'L' || u[i - 1].id == 'A') && strcmp(u[i].ini, "t") == 0)
	{
		put(o, u[i].fin);
		*after_final = true;
		return m;
	}
	if (i >= m || u[i].vowel || u[i].id == 'R' || (i + 1 < m && vowel_at(u, m, i + 1)))
		return i;
	/* ร after ิ ี ุ ู inside a word opens the next syllable (สุรยุทธ su-ra-yut, วีรกูล wi-ra-kun) */
	if (u[i].id == 'r' && i > 0 && i + 1 < m && u[i - 1].vowel &&
		strchr("iIuV", u[i - 1].id) != NULL)
		return i;
	if (i + 2 < m && u[i + 1].id == 'r' && u[i + 2].id == 'r' &&
		!(i + 3 < m && vowel_at(u, m, i + 3)))
		return i;
	/*
	 * ง with no vowel of its own closes a syllable, never opens one: the
	 * consonant before it and another consonant opens a syllable of o that
	 * the ง closes (วชิราลงกรณ์ wachira-long-kon, was wachiran-nga-kon), and
	 * ง closes where a consonant follows, at a word's end too
	 */
	if (strcmp(u[i].ini, "ng") != 0 && i + 2 < m && strcmp(u[i + 1].ini, "ng") == 0 &&
		!vowel_at(u, m, i + 2))
		return i;
	/*
	 * ด and บ form no cluster: before a ร or ล with no vowel of its own and
	 * another consonant they open a syllable of o that the ร or ล closes
	 * (อุดรธานี u-don-tha-ni, was ut-ra-tha-ni; อุบล u-bon, was up-la)
	 */
	if ((strcmp(u[i].ini, "d") == 0 || strcmp(u[i].ini, "b") == 0) && i + 2 < m &&
		(u[i + 1].id == 'r' || u[i + 1].id == 'l') && !vowel_at(u, m, i + 2) &&
		u[i + 2].id != 'R')
		return i;
	for (rest = 0; i + rest < m && !vowel_at(u, m, i + rest) && u[i + rest].id != 'R'; rest++)
		;
	if (i + rest == m && strcmp(u[i].ini, "ng") != 0 &&
		(rest == 3 || (rest == 2 && (long_vowel || nasal_or_l(&u[i + 1]) ||
									 phon(&u[i], &u[i + 1])))))
		return i;
	put(o, u[i].fin);
	*after_final = u[i].id != 'y' && u[i].id != 'w';
	/* a t closing before ย and its vowel opens a syllable too (พัทยา phat-tha-ya, อยุธยา) */
	if (strcmp(u[i].fin, "t") == 0 && i + 2 < m && u[i + 1].id == 'y' && u[i + 2].vowel)
	{
		put(o, u[i].ini);
		put(o, "a");
		*after_final = false;
	}
	return i + 1;
}

/*
 * One word's units to RTGS into *o (at most 4 bytes per unit of at least
 * one code point, and 4 more: FT_THAI_RTGS_ROOM).
 */
static void
rtgs_word(ThaiUnit *u, int m, char **o)
{
	int			i = 0;
	bool		after_final = false;	/* the last syllable closed with a consonant */
	bool		long_vowel = false;	/* this syllable's vowel is า ี ู */
	bool		ai = false;		/* ... is ไ or ใ */

	/*
	 * ห between a consonant's ร and ม is silent: the Sanskrit brahma, พรหม
	 * phrom, which many names hold (พรหมพันธุ์ phromphan, พรหมมา phromma;
	 * was phramaphan).
	 */
	for (int k = 2; k + 1 < m; k++)
		if (u[k].id == 'h' && u[k - 1].id == 'r' && !u[k - 2].vowel && !u[k + 1].vowel &&
			strcmp(u[k + 1].ini, "m") == 0)
		{
			memmove(&u[k], &u[k + 1], (m - k - 1) * sizeof(ThaiUnit));
			m--;
		}

	while (i < m)
	{
		const ThaiUnit *c = &u[i];
		int			run;

		if (c->vowel)
		{
			put(o, c->ini);		/* a vowel ICU left first: as it is */
			i++;
			after_final = false;
			continue;
		}
		if (c->id == 'R')
		{
			put(o, c->ini);		/* ฤ: ri, which a consonant may close */
			after_final = false;
			i = close_syllable(u, m, i + 1, false, o, &after_final);
			continue;
		}
		/* a consonant left alone at the end after a final one is silent */
		if (i == m - 1 && after_final)
			break;
		/* อ leads ย silently where the ย's syllable has mai ek (อยู่ yu, อย่าง yang; not อยุธยา) */
		if (i == 0 && c->id == 'x' && m > 2 && u[1].id == 'y' && (u[1].ek || (u[2].vowel && u[2].ek)))
			c = &u[++i];

		/*
		 * ห leading a sonorant is silent (หลีก lik; after a preposed vowel:
		 * ใหม่ mai).  (อ leads ย silently in four words, three of which
		 * have mai ek on the ย's syllable: above.)
		 */
		if (c->id == 'h' && i + 1 < m)
		{
			int			s = (preposed(&u[i + 1]) && i + 2 < m) ? i + 2 : i + 1;

			if (sonorant(&u[s]) && (s + 1 < m || s > i + 1))
			{
				if (s == i + 2)
				{
					/* h, vowel, sonorant: the sonorant opens, the vowel follows */
					ThaiUnit	v = u[i + 1];

					u[i + 1] = u[s];
					u[s] = v;
				}
				i++;
				c = &u[i];
			}
		}
		put(o, c->ini);
		i++;
		after_final = false;
		long_vowel = false;
		ai = false;
		/*
		 * ร after ส ศ ษ ซ opening a syllable is silent: before its vowel
		 * (ศรี si, สร้าง sang; inside a word too: ชัยศรี chaisi), and
		 * after a preposed vowel before a consonant or the ิ of เ-ิ (เศรษฐ
		 * set-tha, เสร็จ set, ประเสริฐ prasoet; not เสรี se-ri, whose ร
		 * opens with its vowel)
		 */
		if (strcmp(c->ini, "s") == 0 && i + 1 < m)
		{
			if (u[i].id == 'r' && vowel_at(u, m, i + 1))
				i++;
			else if (i + 2 < m && preposed(&u[i]) && u[i + 1].id == 'r' &&
					 (!vowel_at(u, m, i + 2) || (u[i].id == 'e' && u[i + 2].id == 'i')))
			{
				memmove(&u[i + 1], &u[i + 2], (m - i - 2) * sizeof(ThaiUnit));
				m--;
			}
		}

		/* a cluster: kr, pl, khw ... (a preposed vowel between: เปรม p e r m) */
		if (i < m && cluster(c, &u[i]) && i + 1 < m)
		{
			put(o, u[i].ini);
			i++;
		}
		else if (i + 1 < m && preposed(&u[i]) && cluster(c, &u[i + 1]) && i + 2 < m)
		{
			put(o, u[i + 1].ini);
			u[i + 1] = u[i];	/* the vowel after the cluster */
			i++;
		}
		else if (i + 2 < m && u[i].vowel && u[i].id == 'e' && !u[i + 1].vowel &&
				 ((u[i + 2].id == 'i' && (u[i + 1].id == 'r' || u[i + 1].id == 'l')) ||
				  (u[i + 2].id == 'I' && i + 3 < m && u[i + 3].id == 'y')))
		{
			/*
			 * เ over two consonants that are no cluster, the second with
			 * the rest of the vowel: เ-ีย, or เ-ิ over ร or ล: the vowel
			 * is the second's, and the first says a (เจริญ charoen, เฉลิม
			 * chaloem, เสถียร sathian), a syllable closed by nothing.  (เ
			 * and ิ over another consonant are two syllables: เนวิน newin)
			 */
			ThaiUnit	v = u[i];

			u[i] = u[i + 1];
			u[i + 1] = v;
			put(o, "a");
			continue;
		}

		if (i < m && u[i].vowel)
		{
			/* written vowels, compound ones read together */
			char		v0 = u[i].id;
			char		v1 = i + 1 < m && u[i + 1].vowel ? u[i + 1].id : 0;

			long_vowel = (v0 == 'L' || v0 == 'I' || v0 == 'V') && !(v1 != 0);
			ai = v0 == 'Y' && v1 == 0;

			if (v0 == 'e' && v1 == 'I' && i + 2 < m && u[i + 2].id == 'y')
			{
				put(o, "ia");
				i += 3;
			}
			else if (v0 == 'e' && (v1 == 'W' || v1 == 'U') && i + 2 < m && u[i + 2].id == 'x')
			{
				put(o, "uea");
				i += 3;
			}
			else if (v0 == 'e' && v1 == 'L' && i + 2 < m && u[i + 2].id == 'a')
			{
				put(o, "o");	/* เ-าะ: เกาะ ko */
				i += 3;
			}
			else if (v0 == 'e' && v1 == 'L')
			{
				put(o, "ao");
				i += 2;
			}
			else if (v0 == 'e' && (v1 == 'i' || (i + 1 < m && u[i + 1].id == 'x')))
			{
				put(o, "oe");
				i += 2;
			}
			else if (v0 == 'A' && i + 1 < m && u[i + 1].id == 'w')
			{
				put(o, "ua");
				i += 2;
			}
			else if ((v0 == 'W' || v0 == 'U') && i + 1 < m && u[i + 1].id == 'x')
			{
				put(o, "ue");
				i += 2;
			}
			else
			{
				put(o, u[i].ini);
				i++;
				while (i < m && u[i].vowel)
				{
					put(o, u[i].ini);
					i++;
				}
			}
		}
		else if (i < m && u[i].id == 'x' && !(i + 1 < m && u[i + 1].vowel))
		{
			put(o, "o");		/* -อ-: ดอน don */
			i++;
		}
		else if (i + 1 < m && u[i].id == 'r' && u[i + 1].id == 'r' &&
				 !(i + 2 < m && u[i + 2].vowel))
		{
			/* รร: an; a consonant after it closes the syllable instead */
			put(o, "a");
			i += 2;
			if (i < m && !u[i].vowel && !(i + 1 < m && u[i + 1].vowel) && u[i].id != 'R')
			{
				put(o, u[i].fin);
				i++;
			}
			else
				put(o, "n");
			after_final = true;
			continue;
		}
		else if (i + 1 < m && u[i].id == 'w' && !u[i + 1].vowel && u[i + 1].id != 'R' &&
				 !(i + 2 < m && vowel_at(u, m, i + 2)))
		{
			put(o, "ua");		/* ชวน chuan */
			i++;
		}
		else
		{
			/* no vowel written: o before a closing consonant, else a */
			for (run = 0; i + run < m && !vowel_at(u, m, i + run) && u[i + run].id != 'R'; run++)
				;
			if (run == 0)
			{
				put(o, "a");
				continue;
			}
			if (i + run == m && run == 2)
			{
				put(o, "a");	/* นคร: na-khon */
				continue;
			}
			if (run == 1 && i + 1 < m)
			{
				put(o, "a");	/* ธนา: tha-na */
				continue;
			}
			if (u[i].id == 'w' || u[i].id == 'y' || u[i].id == 'h' || u[i].id == 'x')
			{
				put(o, "a");	/* ว ย ห อ close no unwritten vowel: ชวลิต cha-wa-lit */
				continue;
			}
			put(o, "o");		/* สม som, สมชา som-cha */
		}

		/* ย closing ไ or ใ is silent (ไทย thai, not thaii) */
		if (ai && i < m && u[i].id == 'y' && !(i + 1 < m && vowel_at(u, m, i + 1)))
			i++;
		/* ะ and ำ end their syllable: what follows opens the next (เกาะสมุย ko-samui) */
		if (!(i > 0 && u[i - 1].vowel && u[i - 1].id == 'a'))
			i = close_syllable(u, m, i, long_vowel, o, &after_final);
	}
}

/*
 * ICU's ISO 11940 for one word written in Thai, in[0 .. n - 1] (NFD), to
 * RTGS in ASCII into out (room for FT_THAI_RTGS_ROOM(n)); returns its length.  What
 * is not a Thai letter's symbol (a digit, punctuation) is copied.
 */
int32_t
ft_thai_rtgs(const UChar *in, int32_t n, UChar *out)
{
	ThaiUnit	units[MAX_UNITS];
	int			m = 0;
	char	   *buf = palloc(FT_THAI_RTGS_ROOM(n));
	char	   *o = buf;
	int32_t		len = 0;

	for (int32_t i = 0; i < n;)
	{
		ThaiUnit	u;

		if (m < MAX_UNITS && read_unit(in, n, &i, &u))
		{
			units[m++] = u;
			continue;
		}
		rtgs_word(units, m, &o);
		m = 0;
		if (i < n)
		{
			if (in[i] < 0x80)
				*o++ = (char) in[i];
			i++;
		}
	}
	rtgs_word(units, m, &o);
	for (char *p = buf; p < o; p++)
		out[len++] = (UChar) (unsigned char) *p;
	pfree(buf);
	return len;
}
