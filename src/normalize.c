/*-------------------------------------------------------------------------
 *
 * normalize.c
 *	  A name to its normalised tokens, and a token list to its items (the
 *	  tokens and their joins); the length rule for names.
 *
 * Normalisation (the same for a screened name and for every listed name):
 * a name holding Arabic, Armenian, Cyrillic, Georgian, Greek, Hebrew,
 * Chinese, Japanese, Korean or Thai letters is transliterated to Latin by ICU (translit.c), a few
 * Latin letters that Unicode does not decompose are spelled out (ø o,
 * ß ss, æ ae, ł l ...),
 * then NFKD, combining marks dropped, ASCII lower-cased.  Apostrophes
 * vanish (O'Brien = OBRIEN); dots between single letters join them
 * (S.A. = SA, L.L.C. = LLC); anything else that is not a letter or digit
 * separates tokens; a last parenthesised word (an acronym) and the Persian
 * ezafe written as a word after a hyphen are left out.  Each token is folded (ft_fold_token) and mapped through
 * the transliteration variants (Mohammed, Muhammad, Mohamed ... = one);
 * leading titles and "the", and legal forms at either end (LLC, Ltd,
 * S.A., GmbH, Co, OOO, Limited Liability Company, Open Joint Stock Company,
 * Sp. z o.o. ...) are dropped, as long
 * as one token is left; not in a person's name (the caller says so), nor
 * a whole family name written before a comma ("PAO, Hua": PAO is a family
 * name and a legal form; family_legal).  The word lists are in
 * name_words.c.
 *
 * Bounds: a name to screen is at most FINTECH_NAME_MAXCHARS (1,000)
 * characters, else 22023; loads refuse longer listed names.
 * Normalisation is linear in the name's length (nfkd_linear) and keeps at
 * most MAX_TOKENS tokens of MAX_TOKLEN bytes; its memory (the decoded code
 * points, 16 bytes per byte of the name, their NFKD form, and the tokens)
 * is palloc'd in the caller's context.  No locks, no database access.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/unicode_norm.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"

#include "name_words.h"
#include "normalize.h"
#include "translit.h"

/* ------------------------------------------------------------------------
 * Normalisation
 * ------------------------------------------------------------------------
 */

/* a letter Unicode does not decompose, spelled in ASCII; NULL if none */
static const char *
spell_out(pg_wchar c)
{
	switch (c)
	{
		case 0x00D8:			/* Ø */
		case 0x00F8:
			return "o";
		case 0x00DF:			/* ß */
		case 0x1E9E:
			return "ss";
		case 0x00C6:			/* Æ */
		case 0x00E6:
			return "ae";
		case 0x0152:			/* Œ */
		case 0x0153:
			return "oe";
		case 0x00DE:			/* Þ */
		case 0x00FE:
			return "th";
		case 0x00D0:			/* Ð */
		case 0x00F0:
		case 0x0110:			/* Đ */
		case 0x0111:
			return "d";
		case 0x0141:			/* Ł */
		case 0x0142:
			return "l";
		case 0x0131:			/* dotless i */
			return "i";
		case 0x0126:			/* Ħ */
		case 0x0127:
			return "h";
	}
	return NULL;
}

static bool
is_combining(pg_wchar c)
{
	return (c >= 0x0300 && c <= 0x036F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
		(c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF) ||
		(c >= 0xFE20 && c <= 0xFE2F) || (c >= 0x0483 && c <= 0x0489) ||
		(c >= 0x0591 && c <= 0x05C7) || (c >= 0x064B && c <= 0x065F) || c == 0x0670;
}

static bool
is_apostrophe(pg_wchar c)
{
	return c == '\'' || c == '`' || c == 0x2018 || c == 0x2019 || c == 0x02BC ||
		c == 0x02BB || c == 0x02BE || c == 0x02BF || c == 0x00B4;
}

/* a non-ASCII code point that separates words */
static bool
is_separator(pg_wchar c)
{
	return c < 0x80 ? !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		: ((c >= 0x0080 && c <= 0x00BF) || c == 0x00D7 || c == 0x00F7 ||
		   (c >= 0x2000 && c <= 0x206F) || (c >= 0x3000 && c <= 0x303F) ||
		   (c >= 0xFE30 && c <= 0xFE4F) || c == 0xFEFF);
}

static bool
is_alpha(pg_wchar c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/*
 * A name ending in one word in parentheses, TEHRIK-E TALIBAN PAKISTAN
 * (TTP), JAMAAT-UL-AHRAR (JuA): the word is the name's acronym (or
 * another spelling of a part), which the name in another script does not
 * hold and the lists give as a name of its own when they do.  Returns the
 * length of cp[0 .. n - 1] without it (n when there is no such group, or
 * nothing to match before it).
 */
static int
without_last_group(const pg_wchar *cp, int n)
{
	int			e = n;
	int			open;

	while (e > 0 && cp[e - 1] == ' ')
		e--;
	if (e < 3 || cp[e - 1] != ')')
		return n;
	for (open = e - 2; open >= 0 && cp[open] != '('; open--)
		if (is_separator(cp[open]) && !is_combining(cp[open]))
			return n;			/* more than one word, or nested */
	if (open < 1 || open == e - 2)
		return n;
	for (int i = 0; i < open; i++)
		if (!is_separator(cp[i]))
			return open;
	return n;
}

/* a normalised name: its tokens (NUL-terminated, lower case) */
static void
push_token(NormName *n, StringInfo cur)
{
	const char *canon;
	char	   *read;
	int			i;

	if (cur->len == 0)
		return;
	if (cur->len > MAX_TOKLEN)
		cur->len = MAX_TOKLEN;
	cur->data[cur->len] = '\0';
	cur->len = strlen(cur->data);
	ft_fold_token(cur->data);
	i = ft_word_find(&ft_name_variants, cur->data);
	/* (ABDULAZIZ: abdalaziz, as Abd al-Aziz and Abdul Aziz join) */
	if (i < 0 && ft_abd_al_glued(cur->data))
		i = ft_word_find(&ft_name_variants, cur->data);
	canon = i >= 0 ? ft_name_variants.repl[i] : cur->data;
	read = i >= 0 && strcmp(canon, cur->data) != 0 ? pstrdup(cur->data) : NULL;
	/* a variant may stand for two tokens ("abdul" = "abd al") */
	while (*canon && n->ntok < lengthof(n->tok))
	{
		const char *sp = strchr(canon, ' ');
		int			len = sp ? sp - canon : strlen(canon);

		n->read[n->ntok] = read;
		n->tok[n->ntok++] = pnstrdup(canon, len);
		canon += len + (sp ? 1 : 0);
	}
	resetStringInfo(cur);
}

static void
append_utf8(StringInfo buf, pg_wchar c)
{
	unsigned char u[8];

	unicode_to_utf8(c, u);
	appendBinaryStringInfo(buf, (char *) u, pg_utf_mblen(u));
}

/*
 * NFKD of cp[0 .. n-1] in time linear in n.  PostgreSQL's
 * unicode_normalize() puts combining marks in canonical order by swapping
 * neighbours, which is quadratic in the length of a run of marks (a
 * listed name of 360 kB of alternating marks took ~40 s, not
 * cancellable).  Decomposition is per code point and reordering never
 * crosses a starter, so the input is normalised in pieces: each run of
 * non-ASCII code points (ASCII is a starter that decomposes to itself)
 * separately, and a run longer than NFKD_PIECE in pieces of that many
 * code points.  That is exact NFKD except for marks that canonical
 * ordering would have moved across such a cut, in a word of more than
 * NFKD_PIECE non-ASCII code points; both a query and a listed name go
 * through here, so they stay comparable.  Each piece costs at most
 * NFKD_PIECE^2 swaps.  Returns a palloc'd 0-terminated array, its length
 * in *nout.
 */
#define NFKD_PIECE	64

static pg_wchar *
nfkd_linear(const pg_wchar *cp, int n, int *nout)
{
	int			cap = n + 16;
	int			len = 0;
	pg_wchar   *out = palloc(cap * sizeof(pg_wchar));
	pg_wchar	piece[NFKD_PIECE + 1];

	for (int i = 0; i < n;)
	{
		int			k = 0;
		pg_wchar   *d;

		if (cp[i] < 0x80)
		{
			if (len + 1 >= cap)
			{
				cap *= 2;
				out = repalloc_huge(out, cap * sizeof(pg_wchar));
			}
			out[len++] = cp[i++];
			continue;
		}
		CHECK_FOR_INTERRUPTS();
		while (i < n && cp[i] >= 0x80 && k < NFKD_PIECE)
			piece[k++] = cp[i++];
		piece[k] = 0;
		d = unicode_normalize(UNICODE_NFKD, piece);
		for (pg_wchar *c = d; *c; c++)
		{
			if (len + 1 >= cap)
			{
				cap *= 2;
				out = repalloc_huge(out, cap * sizeof(pg_wchar));
			}
			out[len++] = *c;
		}
		pfree(d);
	}
	out[len] = 0;
	*nout = len;
	return out;
}

/*
 * Splits a name (in the server encoding) into normalised tokens.  Returns
 * the number of tokens (0: nothing to match, e.g. only punctuation).
 * Callers bound the name (FINTECH_NAME_MAXCHARS); the time is linear in
 * its length anyway.
 */
int
ft_normalize_name(const char *name, bool person, NormName *out)
{
	int			len = strlen(name);
	const unsigned char *s;
	pg_wchar   *cp;
	int			ncp = 0;
	bool		ascii = true;
	StringInfoData cur;
	int			seglen = 0;		/* letters since the token start or a joining dot */
	bool		after_hyphen = false;	/* the token being read follows a hyphen */
	int			i;
	int			first,
				last;
	int			comma = -1;		/* tokens before the first comma (-1: none) */

	out->ntok = 0;
	out->abjad = false;
	out->hangul = false;
	out->thai = false;
	out->cyrillic = false;
	out->greek = false;
	out->han = false;
	out->hebrew = false;
	out->skeleton = false;
	out->family_legal = false;
	s = (const unsigned char *) pg_server_to_any(name, len, PG_UTF8);
	len = strlen((const char *) s);
	out->translit = ft_needs_translit((const char *) s, len);
	if (out->translit)
	{
		s = (const unsigned char *) ft_translit((const char *) s, len, &out->abjad, &out->hangul,
													  &out->thai, &out->cyrillic,
													  &out->greek, &out->han, &out->hebrew);
		len = strlen((const char *) s);
	}

	/* decode, spelling out what NFKD does not decompose */
	cp = palloc((len * 4 + 1) * sizeof(pg_wchar));
	for (i = 0; i < len;)
	{
		int			l = pg_utf_mblen(s + i);
		pg_wchar	c;
		const char *sp;

		if (s[i] < 0x80)
		{
			cp[ncp++] = s[i++];
			continue;
		}
		if (i + l > len || !pg_utf8_islegal(s + i, l))
		{
			i++;				/* not UTF-8 (SQL_ASCII): skip the byte */
			continue;
		}
		c = utf8_to_unicode(s + i);
		i += l;
		if ((sp = spell_out(c)) != NULL)
		{
			while (*sp)
				cp[ncp++] = (pg_wchar) * sp++;
		}
		else
		{
			cp[ncp++] = c;
			ascii = false;
		}
	}
	cp[ncp] = 0;
	if (!ascii)
	{
		pg_wchar   *d = nfkd_linear(cp, ncp, &ncp);

		pfree(cp);
		cp = d;
	}

	ncp = without_last_group(cp, ncp);

	initStringInfo(&cur);
	for (i = 0; i < ncp; i++)
	{
		pg_wchar	c = cp[i];

		if (is_combining(c) || is_apostrophe(c))
			continue;
		if (c == '.' && seglen == 1 && i + 1 < ncp && is_alpha(cp[i + 1]))
		{
			seglen = 0;			/* S.A. -> sa */
			continue;
		}
		if (is_separator(c))
		{
			/*
			 * The Persian ezafe written as a word after a hyphen
			 * (TEHRIK-E TALIBAN, LASHKAR-I-JHANGVI): the script writes it
			 * as a vowel sign or not at all, so it is not a part of the
			 * name.
			 */
			if (after_hyphen && out->ntok > 0 && cur.len == 1 &&
				(cur.data[0] == 'e' || cur.data[0] == 'i'))
				resetStringInfo(&cur);
			push_token(out, &cur);
			if (c == ',' && comma < 0)
				comma = out->ntok;
			after_hyphen = c == '-';
			seglen = 0;
			if (out->ntok >= MAX_TOKENS)
				break;
			continue;
		}
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c < 0x80)
			appendStringInfoChar(&cur, (char) c);
		else
			append_utf8(&cur, c);
		seglen++;
	}
	if (out->ntok < MAX_TOKENS)
		push_token(out, &cur);
	if (out->ntok > MAX_TOKENS)
		out->ntok = MAX_TOKENS;
	pfree(cur.data);
	pfree(cp);

	/*
	 * Poland's "Sp. z o.o." (spolka z ograniczona odpowiedzialnoscia),
	 * three tokens here, is the one legal form spzoo; "z" and "oo" alone
	 * are not dropped (a Burmese name ends in Oo)
	 */
	for (int i = 0; i + 2 < out->ntok; i++)
		if (strcmp(out->tok[i], "sp") == 0 && strcmp(out->tok[i + 1], "z") == 0 &&
			strcmp(out->tok[i + 2], "oo") == 0)
		{
			out->tok[i] = pstrdup("spzoo");
			memmove(out->tok + i + 1, out->tok + i + 3, (out->ntok - i - 3) * sizeof(char *));
			out->ntok -= 2;
			if (comma > i + 2)
				comma -= 2;
		}

	/*
	 * Titles, "the" and legal forms in front; legal forms and generations
	 * at the end; a particle between two dropped words goes with them
	 * ("S.A. de C.V."); two long legal-form words written as one are one
	 * (JOINTSTOCK).  In a name written in Arabic or Hebrew letters,
	 * which ICU spells without short vowels, a word without a vowel is a
	 * name, not an abbreviated title or generation (عمر, mr, is Omar, not
	 * Mr; סער, sr, is SAAR, not Sr.; حاجی, haji, is a title).
	 */
	first = 0;
	last = out->ntok - 1;
	while (last > first)
	{
		const char *t = out->tok[first];

		if (out->abjad && strpbrk(t, "aeiouy") == NULL)
			break;
		/*
		 * A person's name keeps a word that is also a legal form (PAO,
		 * AG, SA are family names too); so does any name whose whole
		 * family name, written before a comma ("PAO, Hua"), is that word
		 */
		if ((person || first == comma - 1) && ft_word_in(WORDS_LEGAL, t))
		{
			out->family_legal = first == comma - 1;
			break;
		}
		if (ft_word_in(WORDS_HONORIFICS, t) || strcmp(t, "the") == 0 ||
			ft_word_in(WORDS_LEGAL, t) || ft_word_legal_joined(t) ||
			(first > 0 && ft_word_in(WORDS_PARTICLES, t) && last > first + 1 &&
			 ft_word_in(WORDS_LEGAL, out->tok[first + 1])))
			first++;
		else
			break;
	}
	while (last > first)
	{
		const char *t = out->tok[last];

		/* (at the end too: סער, sr, is SAAR, not Sr.) */
		if (out->abjad && strpbrk(t, "aeiouy") == NULL)
			break;
		if ((!person && (ft_word_in(WORDS_LEGAL, t) || ft_word_legal_joined(t))) ||
			ft_word_in(WORDS_GENERATIONS, t) ||
			(!person && last < out->ntok - 1 && ft_word_in(WORDS_PARTICLES, t) && last - 1 > first &&
			 ft_word_in(WORDS_LEGAL, out->tok[last - 1])))
			last--;
		else
			break;
	}
	if (first > 0)
		memmove(out->tok, out->tok + first, (last - first + 1) * sizeof(char *));
	if (first > 0)
		memmove(out->read, out->read + first, (last - first + 1) * sizeof(char *));
	out->ntok = out->ntok > 0 ? last - first + 1 : 0;
	out->family = comma > first ? Min(comma, last + 1) - first : 0;
	return out->ntok;
}

/*
 * The Arabic article as the lists write it apart: al, el, ul (AL-TIKRITI,
 * ABD EL HALIM), or assimilated to the sun letter its word begins with,
 * a vowel and that letter (UR-REHMAN, AD-DIN, AS-SALAM, ASH-SHAMI; next:
 * the token after t, or NULL).
 */
static bool
is_article_before(const char *t, const char *next)
{
	if (strcmp(t, "al") == 0 || strcmp(t, "el") == 0 || strcmp(t, "ul") == 0)
		return true;
	if (next == NULL || strchr("aeu", t[0]) == NULL || t[0] == '\0' ||
		strchr("tdrzsn", t[1]) == NULL || t[1] == '\0')
		return false;
	if (t[2] == '\0')
		return next[0] == t[1];
	/* ash-sh..., ath-th..., adh-dh... */
	return t[2] == 'h' && t[3] == '\0' && next[0] == t[1] && next[1] == 'h';
}

/*
 * X al-Din written in one word: the length of X when token t ends in the
 * article (a vowel and l, or d assimilated) and din, deen or dine
 * (SALAHALDIN, NURUDDIN, GHIASSOUDDINE), X being 2 letters or more; else 0.
 */
static int
din_compound(const char *t)
{
	int			len = strlen(t);
	int			s;

	if (len >= 3 && strcmp(t + len - 3, "din") == 0)
		s = len - 3;
	else if (len >= 4 && (strcmp(t + len - 4, "deen") == 0 || strcmp(t + len - 4, "dine") == 0))
		s = len - 4;
	else
		return 0;
	if (s < 4 || (t[s - 1] != 'l' && t[s - 1] != 'd') || strchr("aeiou", t[s - 2]) == NULL)
		return 0;
	return s - 2;
}

/*
 * The skeleton's last token takes the next word as its end: the last
 * token's final i (its y, when last_y) is inside the compound, and tail
 * is added after it -- without its first letter when the last token
 * already ends in it (MATI-ULLAH: mt + l, SALAH-ALDIN: ...d + n).
 */
static void
join_to_last(NormName *out, bool last_y, char first, const char *tail)
{
	char	   *prev = out->tok[out->ntok - 1];
	int			pl = strlen(prev);

	if (last_y && pl > 1)
		prev[--pl] = '\0';
	out->tok[out->ntok - 1] = psprintf("%s%s", prev, prev[pl - 1] == first ? tail + 1 : tail);
}

static bool
is_article(const NormName *in, int i)
{
	return is_article_before(in->tok[i], i + 1 < in->ntok ? in->tok[i + 1] : NULL);
}

/*
 * The consonant skeleton of a normalised name: each token without its
 * vowels (a e i o u, and y w, which Arabic and Hebrew letters also write
 * long vowels with), a final h, and doubled letters; the French spellings
 * of Arabic names meet the English ones (dj = j, ch = sh, c before e or
 * i = s, tz = z), and the Egyptian g (Ragab) meets j (Rajab); the letters said
 * differently in Persian and Urdu than in Arabic meet their other spellings:
 * d, dh and z are one (dad, dhal, za: FADL, FAZL), th is s (tha), v is
 * dropped like w (waw: JAVAD, JAWAD); a final th is t (the h is the
 * final h: SHIHATA, شحاته shhth); the article of Abd al-X and Bin al-X
 * written in one word goes (ABDELHALIM = abd al halim); the compounds of
 * Allah and al-Din are one word (MATIULLAH, SADUDDIN); a final t goes
 * before the article (ASBAT AL-ANSAR).  Arabic and Hebrew
 * write no short vowels, so their transliteration is close to this already:
 * MUHAMMAD and mhmd (محمد) both become mhmd.  Tokens left empty are
 * dropped.  Returns the number of tokens.
 */
int
ft_skeleton_name(const NormName *in, NormName *out)
{
	bool		last_y = false; /* the last token's y is its final i */

	out->ntok = 0;
	out->abjad = in->abjad;
	out->hangul = in->hangul;
	out->thai = in->thai;
	out->cyrillic = in->cyrillic;
	out->greek = in->greek;
	out->han = in->han;
	out->hebrew = in->hebrew;
	out->skeleton = true;
	out->family_legal = false;
	out->translit = in->translit;
	out->family = 0;
	for (int i = 0; i < in->ntok; i++)
	{
		const char *t = in->tok[i];
		bool		article_before = i > 0 && is_article(in, i - 1);
		char	   *sk;
		int			n = 0;
		int			seam = -1;
		int			len = strlen(t);
		int			din;

		/*
		 * The Arabic article (al, el, ul: AL-TIKRITI, ABD EL HALIM; UR,
		 * AD, AS ... before their own letter: ZIA-UR-RAHMAN; joined and
		 * assimilated, ESSABAR = al-Sabar) is written apart, joined,
		 * assimilated or left out: skeletons leave it out.
		 */
		if (is_article(in, i))
			continue;
		sk = palloc(strlen(t) + 3);

		/*
		 * X al-Din written in one word (SALAHALDIN, NURUDDIN, ALAEDDINE):
		 * its first word is taken alone here, and the din (dn) added at
		 * the end, as when they are written apart (below).
		 */
		din = din_compound(t);
		if (din > 0)
			t = pnstrdup(t, din);

		/*
		 * Abd al-X and Bin al-X written in one word (ABDELHALIM,
		 * ABDULKADER, BINALSHIBH): the article goes as when it is written
		 * apart (abd al halim, bin al shibh).
		 */
		if ((strncmp(t, "abd", 3) == 0 || strncmp(t, "bin", 3) == 0 || strncmp(t, "ben", 3) == 0 ||
			 strncmp(t, "ibn", 3) == 0) &&
			strchr("aeuo", t[3]) != NULL && t[3] != '\0' && t[4] == 'l' && strlen(t + 5) >= 3)
		{
			sk[n++] = 'b';
			sk[n++] = t[0] == 'a' ? 'd' : 'n';
			t += 5;
			seam = n;			/* as two tokens: ABDELDAYEM is bd + dm */
		}
		for (; *t; t++)
		{
			char		c = *t;

			if (strchr("aeiouywv", c) != NULL)
				continue;		/* v: waw said v in Persian (JAVAD, JAWAD) */
			/* French spellings of Arabic names: dj = j, ch = sh, ce ci = se si */
			if (c == 'd' && t[1] == 'j')
				continue;
			/* tz is z, the Hebrew tsade (YITZHAK, HERZOG, WEIZMANN: צ) */
			if (c == 't' && t[1] == 'z')
				continue;
			if (c == 'c' && (t[1] == 'h' || t[1] == 'e' || t[1] == 'i'))
				c = 's';
			else if (c == 'g' && t[1] != 'h')
				c = 'j';		/* Egyptian g for jim (Ragab, Rajab) */
			else if (c == 'z')
				c = 'd';		/* dad, dhal, za: d, dh or z (FADL, FAZL; ZAKIR, DHAKIR) */
			else if (c == 't' && t[1] == 'h' && t[2] != '\0')
			{
				c = 's';		/* tha: th or s (THAQIB, SAQIB) */
				t++;
			}
			else if (c == 'd' && t[1] == 'h')
				t++;			/* dh = d */
			if (n > 0 && n != seam && sk[n - 1] == c)
				continue;
			sk[n++] = c;
		}
		if (n > 1 && sk[n - 1] == 'h')
			n--;

		/*
		 * The construct state: a word before the article ends in -at where
		 * the word alone ends in -a (ta marbuta: ASBAT AL-ANSAR, عصبة
		 * الأنصار; NUSRAT UL-ISLAM); the lists write either.  Its final t
		 * goes before an article, on both sides.
		 */
		if (n > 1 && sk[n - 1] == 't' && i + 1 < in->ntok && is_article(in, i + 1))
			n--;

		sk[n] = '\0';

		/*
		 * The compounds of Allah and of al-Din (MATIULLAH, AMINULLAH,
		 * SADUDDIN), which Arabic letters write as two words (مطيع الله,
		 * سعد الدين) and Latin spellings mostly as one: the second word
		 * joins the first, the article and a letter doubled at the seam
		 * going as they do within a word (matiullah and mty allh are both
		 * mtl, saduddin and sad al din sdn; NOR ELDIN, the article written
		 * into the second word, joins too).  Allah is told from Ali by its
		 * ll or final h, and from ALLAWI, ALLOUI (علاوي) by their final i.
		 * The first word's final i is then inside the word (MATI-ULLAH).
		 */
		if (out->ntok > 0 && !article_before && n == 1 && sk[0] == 'l' &&
			strchr("aeiou", in->tok[i][0]) != NULL && in->tok[i][len - 1] != 'i' &&
			(strstr(in->tok[i], "ll") != NULL || in->tok[i][len - 1] == 'h'))
		{
			join_to_last(out, last_y, 'l', "l");
			last_y = false;
			continue;
		}
		if (out->ntok > 0 &&
			((article_before && i >= 2 && strcmp(sk, "dn") == 0) ||
			 (!article_before && strchr("aeiou", in->tok[i][0]) != NULL &&
			  (strcmp(sk, "dn") == 0 || strcmp(sk, "ldn") == 0))))
		{
			join_to_last(out, last_y, 'd', "dn");
			last_y = false;
			continue;
		}
		last_y = false;
		if (din > 0)
		{
			if (n == 0 || sk[n - 1] != 'd')
				sk[n++] = 'd';
			sk[n++] = 'n';
			sk[n] = '\0';
		}
		else if (n > 0 && len >= 2 && in->tok[i][len - 1] == 'i')
		{
			/*
			 * A final i is written in the scripts that leave short vowels
			 * out (the -i of HASHEMI, ALI, LEVI, NOORZAI, with yeh or
			 * yod): it stays, as y, so that HASSANI is not HASSAN, nor
			 * MOHAMMADI MOHAMMAD.  (A final alif maqsura, said a, is not
			 * an i: ft_translit.)
			 */
			sk[n++] = 'y';
			sk[n] = '\0';
			last_y = true;
		}
		if (n > 0)
		{
			out->read[out->ntok] = NULL;
			out->tok[out->ntok++] = sk;
		}
	}
	return out->ntok;
}

/* tokw/tokstrong: each token's weight and whether it is strong (not weak) */
void
ft_make_items(const NormName *n, const float *tokw, const int *tokstrong, Items *it)
{
	it->n = 0;
	for (int span = 1; span <= MAX_JOIN; span++)
		for (int f = 0; f + span <= n->ntok; f++)
		{
			StringInfoData b;
			float		w = 0;
			int			strong = 0;

			initStringInfo(&b);
			for (int k = f; k < f + span; k++)
			{
				appendStringInfoString(&b, n->tok[k]);
				w += tokw[k];
				strong += tokstrong[k];
			}
			it->s[it->n] = b.data;
			it->len[it->n] = b.len;
			it->first[it->n] = f;
			it->span[it->n] = span;
			it->weight[it->n] = w;
			it->strong[it->n] = strong;
			it->n++;
		}
}

/* ------------------------------------------------------------------------
 * The length rule, and names with nothing to match
 * ------------------------------------------------------------------------
 */
/*
 * The characters of a name longer than FINTECH_NAME_MAXCHARS, else 0: the
 * one length rule for names to screen and listed names (ofac.c).
 */
int
fintech_name_chars_over(const char *name)
{
	int			len = strlen(name);
	int			chars;

	if (len <= FINTECH_NAME_MAXCHARS)
		return 0;				/* no more characters than bytes */
	chars = pg_mbstrlen_with_len(name, len);
	return chars > FINTECH_NAME_MAXCHARS ? chars : 0;
}

/* a name to screen is at most FINTECH_NAME_MAXCHARS characters (22023) */
static void
check_name_length(const char *name, const char *what)
{
	int			chars = fintech_name_chars_over(name);

	if (chars > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s is %d characters long, the limit is %d",
						what, chars, FINTECH_NAME_MAXCHARS),
				 errhint("Names are screened, and listed, up to %d characters.",
						 FINTECH_NAME_MAXCHARS)));
}

static void
no_tokens(const char *name, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s \"%s\" has no letters or digits to match", what, name)));
}

/*
 * Normalises a name to screen, raising 22023 (what names the argument)
 * when it is too long or holds nothing to match; returns its token count.
 */
int
ft_normalize_checked(const char *name, const char *what, bool person, NormName *nn)
{
	int			ntok;

	check_name_length(name, what);
	ntok = ft_normalize_name(name, person, nn);
	if (ntok == 0)
		no_tokens(name, what);
	return ntok;
}

/* does the name hold anything to match?  (22023 otherwise) */
void
fintech_check_name(const char *name, const char *what)
{
	NormName	nn;

	(void) ft_normalize_checked(name, what, false, &nn);
}
