/*-------------------------------------------------------------------------
 *
 * translit_greek.c
 *	  The Greek key of a token (ft_greek_key): the spellings of one Greek
 *	  name in ICU's UNGEGN romanisation and in the Latin spellings Greeks
 *	  and the press give their names, written as one, for scoring a pair
 *	  where one side is written in Greek letters (name_score.c).
 *
 * ICU writes Greek by UNGEGN (ELOT 743, translit.c): letter by letter,
 * the digraphs as written (ντ nt, μπ b at a word's start and mp inside,
 * γκ nk, τζ tz, χ ch, ει ei, οι oi, αι ai).  Modern Greek says ντ d or
 * nd, μπ b or mb, γκ g or ng, τζ dz; η ι υ ει οι all i and αι e; and the
 * Latin spellings of names write them as said, or by older habits that
 * write c for κ, h for χ and es for the ending -ης (Ντόρα is DORA, not
 * ntora; Χατζηδάκις HADJIDAKIS; Κουτσούμπας KOUTSOUMBAS; Κληρίδης
 * CLERIDES; Γιάννης YANNIS).  The key writes each class of those
 * spellings as one: so the key is a rule about how Greek is said, not a
 * table of names, and only ever compared where one side is written in
 * Greek letters, never between two Latin names (for them c and k, nd and
 * nt are different letters).
 *
 * Pure functions over the caller's buffers; no memory kept, no locks, no
 * database access.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "translit.h"

/*
 * The Greek key of a normalised token t[0 .. len - 1] (after
 * normalize.c's fold: y is i, ou u, ph f) into out (room for len + 1
 * bytes); returns its length.  Two passes:
 * - consonants: ch, kh and h one letter (h: χ); c k; ks x; tz, dz, dj, j
 *   one (j: τζ); nt and nd, mp and mb, nk, gk and gg one each: d, b, g at
 *   the start of the token, nd, mb, ng inside it (ντ, μπ, γκ); g before i
 *   and a vowel nothing (γι: GIANNIS, YANNIS, iannis);
 * - vowels, on what the first pass wrote: ei, oi, ai and e i (the Latin
 *   spellings write η e, CLERIDES for kliridis, DEMETRIS for dimitris,
 *   and αι e, EGALEO for aigaleo: so ε, αι, η and ι are one class); a
 *   doubled letter once (SS: PAPATHANASSIOU).
 */
int
ft_greek_key(const char *t, int len, char *out)
{
	int			n = 0;
	int			o = 0;

	/* consonants, into out: never longer than what was read */
	for (int i = 0; i < len; i++)
	{
		char		c = t[i];
		char		nx = i + 1 < len ? t[i + 1] : '\0';
		bool		start = (i == 0);

		switch (c)
		{
			case 'c':
			case 'k':
				if (nx == 'h')
				{
					c = 'h';	/* ch, kh: χ */
					i++;
				}
				else if (nx == 's')
				{
					c = 'x';	/* ks: ξ */
					i++;
				}
				else
					c = 'k';
				break;
			case 't':
			case 'd':
				if (nx == 'z' || (c == 'd' && nx == 'j'))
				{
					c = 'j';	/* tz, dz, dj: τζ */
					i++;
				}
				break;
			case 'n':
			case 'm':
			case 'g':
				{
					char		stop = 0;

					if (c == 'n' && (nx == 't' || nx == 'd'))
						stop = 'd';
					else if (c == 'm' && (nx == 'p' || nx == 'b'))
						stop = 'b';
					else if ((c == 'n' || c == 'g') && (nx == 'k' || nx == 'g'))
						stop = 'g';
					else if (c == 'g' && nx == 'i' && i + 2 < len && ft_key_vowel(t[i + 2]))
						continue;	/* gi before a vowel: i */
					if (stop != 0)
					{
						if (!start)
							out[n++] = stop == 'b' ? 'm' : 'n';
						c = stop;
						i++;
					}
				}
				break;
		}
		out[n++] = c;
	}

	/* vowels, and doubled letters, in place (o <= i) */
	for (int i = 0; i < n; i++)
	{
		char		c = out[i];
		char		nx = i + 1 < n ? out[i + 1] : '\0';

		if ((c == 'e' || c == 'o' || c == 'a') && nx == 'i')
		{
			c = 'i';			/* ei, oi; ai is e, which is i below */
			i++;
		}
		else if (c == 'e')
			c = 'i';			/* e: ε, αι, and η (CLERIDES, DEMETRIS) */
		o = ft_key_put(out, o, c);
	}
	out[o] = '\0';
	return o;
}
