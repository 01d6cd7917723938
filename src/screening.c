/*-------------------------------------------------------------------------
 *
 * screening.c
 *	  Fuzzy name matching against the sanctions lists: normalisation, the
 *	  token Jaro-Winkler score, the per-backend name index, and
 *	  fintech.screen_name().  parties.c screens parties through
 *	  fintech_screen().
 *
 * Normalisation (the same for a screened name and for every listed name):
 * Cyrillic letters are transliterated (BGN/PCGN-like), a few letters that
 * Unicode does not decompose are spelled out (ø o, ß ss, æ ae, ł l ...),
 * then NFKD, combining marks dropped, ASCII lower-cased.  Apostrophes
 * vanish (O'Brien = OBRIEN); dots between single letters join them
 * (S.A. = SA, L.L.C. = LLC); anything else that is not a letter or digit
 * separates tokens.  Each token is folded (fold_token) and mapped through
 * the transliteration variants (Mohammed, Muhammad, Mohamed ... = one);
 * leading titles and "the", and legal forms at either end (LLC, Ltd,
 * S.A., GmbH, Co, OOO, Limited Liability Company ...) are dropped, as long
 * as one token is left.  Initials, particles (al, bin, de, van ...),
 * titles, legal forms inside a name and patronymics weigh little.
 *
 * Score of a query Q against a listed name C (score_name): the items of
 * each side are its tokens and the joins of 2 and 3 adjacent tokens (so
 * AL QAIDA = ALQAIDA); item pairs are compared with Jaro-Winkler times a
 * length penalty (tok_sim), the best pairs covering each token at most
 * once are taken greedily, then leftover tokens are compared directly, and
 *
 *	  score = sum(sim * (wq + wc)) /
 *			  (matched weight + 0.7 * unmatched query weight
 *			   + 0.35 * unmatched listed weight)
 *
 * with a token's weight its length times its rarity among the listed
 * names.  Lopsided matches (one real token of several), disagreeing
 * numbers and disagreeing patronymics score less; short codes are also
 * compared whole.  Identical normalised names score 1.  The README's
 * "Matching model" has the whole list; the constants are defined below.
 *
 * The index: on first use (and again after any list is loaded) a backend
 * reads fintech.sanctions_names into memory: the token vocabulary (tokens
 * and their 2- and 3-joins), a trigram -> vocabulary map and vocabulary ->
 * names postings.  A query's candidates are the names holding an item that
 * shares enough trigrams with one of the query's items; only they are
 * scored.  Which lists (and loads) the index holds is checked at every
 * call against fintech.sanctions_lists, under the caller's snapshot.
 *
 * Bounds: a name to screen is at most FINTECH_NAME_MAXCHARS (1,000)
 * characters, else 22023; loads refuse longer listed names, and one
 * loaded before 0.4.0 is indexed on its first FINTECH_NAME_MAXCHARS
 * characters.  Normalisation is linear in the name's length (nfkd_linear),
 * and every loop over the listed names or a query's candidates checks for
 * a cancel.  Locks: only AccessShareLock on the sanctions tables (reads).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "common/unicode_norm.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "fintech.h"
#include "spi_plan.h"

/* GUC */
double		fintech_screening_threshold = 0.85;

/*
 * The scoring model's constants, chosen on the evaluation set of
 * test/bench/screening (see BENCHMARKS.md for the trade-off).
 */
#define SIM_FLOOR		0.80	/* token pairs below this do not match */
#define JOIN_FLOOR		0.90	/* pairs involving a join of tokens */
#define KNEE			0.92	/* similarities below this count ... */
#define BETA			0.5		/* ... this much less per unit below it */
#define KNOWN_PENALTY	0.05	/* a listed word taken for another one */
#define UNMATCHED_Q		0.70	/* cost of a query token left unmatched */
#define UNMATCHED_C		0.35	/* cost of a listed name's token left unmatched */
#define LENGTH_PENALTY	0.30	/* similarity lost per unit of length ratio short of 1 */
#define LOPSIDED		0.80	/* one token matched of several */
#define IDF_SLOPE		0.10	/* weight lost per e-fold of names holding a token */
#define IDF_MIN			0.30	/* ... down to this */
#define MIN_HIT			0.30	/* a candidate's tokens must hit this share of the query */
#define NUMBER_MISMATCH	0.70	/* both names hold numbers, and none agree */
#define VARIANT_TYPO	0.90	/* a query token this near a variant is that variant */
#define FATHER_MISMATCH	0.85	/* both names hold patronymics, and none agree */
#define MAX_TOKENS		16		/* tokens of a query considered */
#define MAX_JOIN		3		/* items join up to 3 adjacent tokens */
#define MAX_TOKLEN		64		/* longer tokens are cut */
#define WEAK_WEIGHT		1.0f
#define SHORT_CODE		7		/* codes this short are also compared whole */
#define SHORT_PART		3		/* ... when made of parts this short */

/* ------------------------------------------------------------------------
 * Word tables (sorted, searched with bsearch)
 * ------------------------------------------------------------------------
 */

/*
 * Transliteration variants of the same name: the first word of each group
 * stands for the others.  Compared after folding (fold_token), so
 * spellings that fold alike need not be listed.
 */
static const char *const variant_groups[] = {
	"muhammad mohammed mohamed mohammad muhammed mohamad muhamad muhamed mohamud mehmet mohammedi",
	"ahmad ahmed ahmet",
	"husayn hussein hussain husain hossein husein hosein hossain husseyn",
	"hasan hassan",
	"hasani hassani",
	"husni hosni",
	"yusuf youssef yousef yussef yousif yousuf yusef yosef",
	"usama osama usamah oussama",
	"qadhafi qaddafi gaddafi kadhafi qadhdhafi gadhafi gadafi kadafi kaddafi khadafi qadafi",
	"abu abou",
	"umar omar",
	"ibrahim ebrahim ibragim",
	"khalid khaled",
	"mahmud mahmoud mahmood",
	"mustafa mostafa mustapha moustafa",
	"abdullah abdallah abdulla",
	"said saeed sayed saied",
	"hamid hameed",
	"rashid rasheed",
	"majid majeed",
	"jamal gamal",
	"jafar jaafar",
	"qasim qassim kassem qasem ghasem kasim",
	"musa moussa mousa",
	"sulayman suleiman sulaiman suleyman sulejman",
	"ismail ismael esmail",
	"javad jawad",
	"muhsin mohsen",
	"yahya yahia",
	"zakaria zakariya zakariyya zakariyah",
	"nasir nasser naser",
	"haji hajji hadji",
	"sergey sergei sergej serguei sergii sergiy",
	"aleksandr alexander aleksander oleksandr alexandr",
	"yuri yury yuriy iurii iouri",
	"aleksey aleksei alexei alexey",
	"dmitriy dmitri dmitry dmitrii",
	"andrey andrei",
	"nikolay nikolai",
	"mikhail mikhayl",
	"yevgeniy evgeny yevgeny evgeniy evgenii yevgeni evgeni",
	"vyacheslav viacheslav",
	"anatoliy anatoly anatolii",
	"valeriy valery valerii",
	"gennadiy gennady gennadii",
	"viktor victor",
	"ilya ilia",
	"pyotr petr",
	"fyodor fedor",
	"igor ihor",
	"yuliya yulia iuliia",
	"tatyana tatiana",
	"natalya natalia",
	"zhang chang",
	"zhou chou",
	"xu hsu",
	"pak park",
	"li ri lee yi rhee",
	"choe choi",
	"jong jeong chong jung",
};

/* variants that stand for two tokens */
static const char *const split_variants[][2] = {
	{"abdul", "abd al"}, {"abdel", "abd al"}, {"abdal", "abd al"}, {"abdoul", "abd al"},
	{"abdur", "abd al"}, {"el", "al"},
};

/* titles dropped at the start of a name */
static const char *const honorifics[] = {
	"adm", "admiral", "alhaj", "alhaji", "alhajj", "alhajji", "ayatollah",
	"brig", "brigadier", "capt", "cmdr", "col", "colonel", "comrade", "cpt",
	"doctor", "dona", "dr", "eng", "engineer", "excellency", "fr", "frau",
	"gen", "hadj", "hadji", "haj", "haji", "hajj", "hajji", "her", "herr",
	"highness", "his", "hojatoleslam", "hojjatoleslam", "hon", "honorable",
	"honourable", "hrh", "imam", "lt", "madam", "madame", "maj", "majesty",
	"maulana", "maulawi", "maulvi", "mawlana", "mawlawi", "miss", "mister",
	"mlle", "mme", "molvi", "monsieur", "moulvi", "mr", "mrs", "ms", "mufti",
	"mulla", "mullah", "mx", "prof", "professor", "qari", "rabbi", "rev",
	"reverend", "sayyid", "senor", "senora", "senorita", "sgt", "shaik",
	"shaikh", "shaykh", "sheik", "sheikh", "sra", "srta", "ustad", "ustadh",
	"ustaz",
};

/* legal forms: dropped at either end of a name, and weigh little elsewhere */
static const char *const legal[] = {
	"ab", "ag", "aktiengesellschaft", "anonima", "anonyme", "ao", "as", "asa",
	"azioni", "beschrankter", "bhd", "bv", "cjsc", "closed", "co", "company",
	"corp", "corporation", "cos", "cv", "dd", "doo", "eirl", "fzc", "fzco",
	"fze", "fzllc", "gesellschaft", "gmbh", "haftung", "inc", "incorporated",
	"joint", "jsc", "kft", "kg", "kgaa", "kk", "liability", "limitada",
	"limited", "llc", "llp", "lp", "ltd", "ltda", "mbh", "nv", "oao", "ojsc",
	"ooo", "oy", "oyj", "pao", "pjsc", "plc", "pt", "pte", "pty", "pvt",
	"responsabilidad", "sa", "sae", "sal", "sarl", "sas", "sau", "sdn", "sl",
	"sociedad", "societa", "societe", "spa", "spzoo", "srl", "sro", "stock",
	"tov", "zao", "zrt",
};

/* generational suffixes dropped at the end of a name */
static const char *const generations[] = {
	"ii", "iii", "iv", "jr", "sr",
};

/* particles: kept, but weigh little */
static const char *const particles[] = {
	"abd", "abu", "al", "and", "bin", "bint", "da", "das", "de", "del", "della",
	"den", "der", "di", "do", "dos", "du", "e", "for", "ibn", "la", "le", "of",
	"ter", "the", "ul", "van", "von", "y",
};

/*
 * Phonetic folding of an ASCII token, in place (it never grows): spellings
 * that transliterations mix up become one.  y = i, ou = u, ee = i,
 * ph = f, q = k, ck = k, dh = d, and a final h after a vowel dropped
 * (Usamah = Usama, Abdullah = Abdulla).  Doubled letters stay: Hassan and
 * Hasan are near anyway, and folding them made typos worse (KAAN is not
 * KAN).  Applied to both sides, so an exact match stays exact.
 */
static void
fold_token(char *t)
{
	char	   *r = t,
			   *w = t;

	for (; *r; r++)
		if ((unsigned char) *r >= 0x80)
			return;				/* not Latin: leave it */
	for (r = t; *r; r++)
	{
		char		c = *r;

		if (c == 'y')
			c = 'i';
		else if (c == 'q')
			c = 'k';
		else if ((c == 'o' && r[1] == 'u') || (c == 'e' && r[1] == 'e'))
		{
			c = c == 'e' ? 'i' : 'u';
			r++;
		}
		else if (c == 'p' && r[1] == 'h')
		{
			c = 'f';
			r++;
		}
		else if ((c == 'c' && r[1] == 'k') || (c == 'd' && r[1] == 'h'))
		{
			c = c == 'c' ? 'k' : 'd';
			r++;
		}
		*w++ = c;
	}
	*w = '\0';
	if (w - t > 3 && w[-1] == 'h' && strchr("aeiou", w[-2]))
		w[-1] = '\0';
}

/* a sorted table of folded words, each with its replacement (or NULL) */
typedef struct WordTable
{
	int			n;
	char	  **word;
	const char **repl;
} WordTable;

static WordTable t_honorifics,
			t_legal,
			t_particles,
			t_generations,
			t_variants;

typedef struct WordPair
{
	char	   *word;
	const char *repl;
} WordPair;

static int
cmp_wordpair(const void *a, const void *b)
{
	return strcmp(((const WordPair *) a)->word, ((const WordPair *) b)->word);
}

static void
table_fill(WordTable *t, WordPair *p, int n)
{
	int			k = 0;

	qsort(p, n, sizeof(WordPair), cmp_wordpair);
	t->word = MemoryContextAlloc(TopMemoryContext, sizeof(char *) * Max(n, 1));
	t->repl = MemoryContextAlloc(TopMemoryContext, sizeof(char *) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		/* words that fold alike: the first stays */
		if (k > 0 && strcmp(t->word[k - 1], p[i].word) == 0)
			continue;
		t->word[k] = p[i].word;
		t->repl[k] = p[i].repl;
		k++;
	}
	t->n = k;
}

static char *
folded(const char *w)
{
	char	   *f = MemoryContextStrdup(TopMemoryContext, w);

	fold_token(f);
	return f;
}

static void
table_build(WordTable *t, const char *const *words, int n)
{
	WordPair   *p = palloc(sizeof(WordPair) * Max(n, 1));

	for (int i = 0; i < n; i++)
	{
		p[i].word = folded(words[i]);
		p[i].repl = NULL;
	}
	table_fill(t, p, n);
	pfree(p);
}

/* the variant table: each word of a group -> the group's first, folded */
static void
variants_build(void)
{
	WordPair   *p = NULL;
	int			n = 0,
				cap = 0;

	for (int g = 0; g < lengthof(variant_groups); g++)
	{
		char	   *copy = pstrdup(variant_groups[g]);
		char	   *canon = NULL;

		for (char *w = strtok(copy, " "); w; w = strtok(NULL, " "))
		{
			if (canon == NULL)
				canon = folded(w);
			if (n == cap)
			{
				cap = cap ? cap * 2 : 256;
				p = p ? repalloc(p, sizeof(WordPair) * cap) : palloc(sizeof(WordPair) * cap);
			}
			p[n].word = folded(w);
			p[n].repl = canon;
			n++;
		}
		pfree(copy);
	}
	for (int i = 0; i < lengthof(split_variants); i++)
	{
		if (n == cap)
		{
			cap *= 2;
			p = repalloc(p, sizeof(WordPair) * cap);
		}
		p[n].word = folded(split_variants[i][0]);
		p[n].repl = split_variants[i][1];
		n++;
	}
	table_fill(&t_variants, p, n);
	pfree(p);
}

static int
table_find(const WordTable *t, const char *w)
{
	int			lo = 0,
				hi = t->n - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			c = strcmp(w, t->word[mid]);

		if (c == 0)
			return mid;
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return -1;
}

static inline bool
in_table(const char *w, const WordTable *t)
{
	return table_find(t, w) >= 0;
}

static bool
is_particle(const char *t)
{
	return in_table(t, &t_particles);
}

/* a patronymic (Aleksandrovich, Petrovna, ogly): often left out */
static bool
is_patronymic(const char *t)
{
	static const char *const endings[] = {"ovich", "evich", "ovch", "evch", "ovna", "evna", "ichna"};
	size_t		len = strlen(t);

	if (strcmp(t, "ogli") == 0 || strcmp(t, "oglu") == 0 || strcmp(t, "kizi") == 0)
		return true;
	if (len < 7)
		return false;
	for (int i = 0; i < lengthof(endings); i++)
	{
		size_t		el = strlen(endings[i]);

		if (strcmp(t + len - el, endings[i]) == 0)
			return true;
	}
	return false;
}

/*
 * A word that weighs little: an initial, a particle, a title, a
 * patronymic, or (inside a name) a legal form.
 */
static bool
is_weak(const char *t)
{
	return (t[0] != '\0' && t[1] == '\0' && !(t[0] >= '0' && t[0] <= '9')) ||
		is_particle(t) || in_table(t, &t_legal) || in_table(t, &t_honorifics) ||
		is_patronymic(t);
}

/*
 * A token's weight: its length, times how rare it is among the listed
 * names (df: names holding it; 0 if none); weak words weigh 1.
 */
static float
token_weight(const char *t, int df)
{
	double		idf = df <= 1 ? 1.0 : Max(IDF_MIN, 1.0 - IDF_SLOPE * log((double) df));

	if (is_weak(t))
		return WEAK_WEIGHT;
	return (float) (Max(strlen(t), 2) * idf);
}

/* ------------------------------------------------------------------------
 * Normalisation
 * ------------------------------------------------------------------------
 */

/* Cyrillic U+0430..U+044F (after folding upper case) */
static const char *const cyrillic[32] = {
	"a", "b", "v", "g", "d", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p",
	"r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"
};

/* a letter Unicode does not decompose, spelled in ASCII; NULL if none */
static const char *
spell_out(pg_wchar c)
{
	if (c >= 0x0410 && c <= 0x042F)
		c += 0x20;
	if (c >= 0x0430 && c <= 0x044F)
		return cyrillic[c - 0x0430];
	switch (c)
	{
		case 0x0401:			/* Ё */
		case 0x0451:			/* ё */
		case 0x0404:			/* Є */
		case 0x0454:
			return "e";
		case 0x0406:			/* І */
		case 0x0456:
			return "i";
		case 0x0407:			/* Ї */
		case 0x0457:
			return "yi";
		case 0x0490:			/* Ґ */
		case 0x0491:
			return "g";
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

/* a normalised name: its tokens (NUL-terminated, lower case) */
typedef struct NormName
{
	int			ntok;
	char	   *tok[MAX_TOKENS * 2];
} NormName;

static void
push_token(NormName *n, StringInfo cur)
{
	const char *canon;
	int			i;

	if (cur->len == 0)
		return;
	if (cur->len > MAX_TOKLEN)
		cur->len = MAX_TOKLEN;
	cur->data[cur->len] = '\0';
	cur->len = strlen(cur->data);
	fold_token(cur->data);
	i = table_find(&t_variants, cur->data);
	canon = i >= 0 ? t_variants.repl[i] : cur->data;
	/* a variant may stand for two tokens ("abdul" = "abd al") */
	while (*canon && n->ntok < lengthof(n->tok))
	{
		const char *sp = strchr(canon, ' ');
		int			len = sp ? sp - canon : strlen(canon);

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
static int
normalize_name(const char *name, NormName *out)
{
	int			len = strlen(name);
	const unsigned char *s;
	pg_wchar   *cp;
	int			ncp = 0;
	bool		ascii = true;
	StringInfoData cur;
	int			seglen = 0;		/* letters since the token start or a joining dot */
	int			i;
	int			first,
				last;

	out->ntok = 0;
	s = (const unsigned char *) pg_server_to_any(name, len, PG_UTF8);
	len = strlen((const char *) s);

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
			push_token(out, &cur);
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
	 * Titles, "the" and legal forms in front; legal forms and generations
	 * at the end; a particle between two dropped words goes with them
	 * ("S.A. de C.V.").
	 */
	first = 0;
	last = out->ntok - 1;
	while (last > first)
	{
		const char *t = out->tok[first];

		if (in_table(t, &t_honorifics) || strcmp(t, "the") == 0 ||
			in_table(t, &t_legal) ||
			(first > 0 && is_particle(t) && last > first + 1 &&
			 in_table(out->tok[first + 1], &t_legal)))
			first++;
		else
			break;
	}
	while (last > first)
	{
		const char *t = out->tok[last];

		if (in_table(t, &t_legal) || in_table(t, &t_generations) ||
			(last < out->ntok - 1 && is_particle(t) && last - 1 > first &&
			 in_table(out->tok[last - 1], &t_legal)))
			last--;
		else
			break;
	}
	if (first > 0)
		memmove(out->tok, out->tok + first, (last - first + 1) * sizeof(char *));
	out->ntok = out->ntok > 0 ? last - first + 1 : 0;
	return out->ntok;
}

/* ------------------------------------------------------------------------
 * Jaro-Winkler
 * ------------------------------------------------------------------------
 */
static double
jaro_winkler(const char *a, int la, const char *b, int lb)
{
	bool		ma[MAX_TOKLEN * MAX_JOIN + 4];
	bool		mb[MAX_TOKLEN * MAX_JOIN + 4];
	int			range,
				m = 0,
				t = 0,
				k,
				prefix;
	double		j;

	if (la == lb && memcmp(a, b, la) == 0)
		return 1.0;
	if (la == 0 || lb == 0)
		return 0.0;
	la = Min(la, (int) sizeof(ma) - 1);
	lb = Min(lb, (int) sizeof(mb) - 1);
	range = Max(la, lb) / 2 - 1;
	if (range < 0)
		range = 0;
	memset(ma, 0, la);
	memset(mb, 0, lb);
	for (int i = 0; i < la; i++)
	{
		int			lo = Max(0, i - range),
					hi = Min(lb - 1, i + range);

		for (int x = lo; x <= hi; x++)
			if (!mb[x] && a[i] == b[x])
			{
				ma[i] = mb[x] = true;
				m++;
				break;
			}
	}
	if (m == 0)
		return 0.0;
	k = 0;
	for (int i = 0; i < la; i++)
		if (ma[i])
		{
			while (!mb[k])
				k++;
			if (a[i] != b[k])
				t++;
			k++;
		}
	t /= 2;						/* transpositions: half the out-of-order matches */
	j = ((double) m / la + (double) m / lb + (double) (m - t) / m) / 3.0;
	for (prefix = 0; prefix < Min(4, Min(la, lb)) && a[prefix] == b[prefix]; prefix++)
		;
	return j + prefix * 0.1 * (1.0 - j);
}

/* ------------------------------------------------------------------------
 * The index
 * ------------------------------------------------------------------------
 */

typedef struct Entity
{
	int64		id;
	char	   *list;
	char	   *source_uid;
	Datum		programs;		/* text[] */
} Entity;

typedef struct Name
{
	int			entity;			/* index into entities */
	char	   *name;			/* as published */
	int			ntok;
	int			nitems;
	int		   *items;			/* vocabulary ids: tokens, then joins */
	uint8	   *first;			/* first token of each item */
	uint8	   *span;			/* tokens of each item */
	float		weight;			/* sum of token weights */
	int			strong;			/* non-particle tokens */
} ListedName;

typedef struct Vocab
{
	char	   *s;
	int			len;
	float		weight;			/* sum of its tokens' weights */
	int			strong;			/* its non-particle tokens */
	int			nnames;
	int		   *names;			/* names holding it */
} Vocab;

typedef struct Gram
{
	uint32		key;			/* hash key: trigram */
	char		status;
	int			n;
	int			cap;
	int		   *vocab;
} Gram;

#define SH_PREFIX		gram
#define SH_ELEMENT_TYPE	Gram
#define SH_KEY_TYPE		uint32
#define SH_KEY			key
#define SH_HASH_KEY(tb, key)	murmurhash32(key)
#define SH_EQUAL(tb, a, b)		((a) == (b))
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

typedef struct VocabEntry
{
	const char *key;
	char		status;
	uint32		hash;
	int			id;
} VocabEntry;

#define SH_PREFIX		vocabtab
#define SH_ELEMENT_TYPE	VocabEntry
#define SH_KEY_TYPE		const char *
#define SH_KEY			key
#define SH_HASH_KEY(tb, key)	hash_bytes((const unsigned char *) (key), strlen(key))
#define SH_EQUAL(tb, a, b)		(strcmp(a, b) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a)		((a)->hash)
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

typedef struct NameIndex
{
	MemoryContext cxt;
	int64		sig[3];			/* what fintech.sanctions_lists said */
	int			nentities;
	Entity	   *entities;
	int			nnames;
	ListedName	   *names;
	int			nvocab;
	Vocab	   *vocab;
	gram_hash  *grams;
	/* per query scratch, stamped so nothing is cleared between queries */
	uint32		stamp;
	uint32	   *vstamp;			/* vocab: touched by this query item */
	uint16	   *vcount;			/* vocab: shared trigrams */
	uint32	   *nstamp;			/* names: a candidate of this query */
	uint32	   *nmask;			/* names: query tokens that hit it */
	uint32	   *vqstamp;		/* vocab: vhead valid for this query */
	int		   *vhead;			/* vocab: first SimLink of this query */
	uint32	   *estamp;			/* entities: have a score */
	float	   *ebest;
	int		   *ename;
} NameIndex;

static NameIndex *idx = NULL;

/*
 * The index is made of many small pieces that live and die together: they
 * are carved out of big blocks (no per-chunk header, no power-of-two
 * rounding).
 */
typedef struct Arena
{
	MemoryContext cxt;
	char	   *cur;
	Size		left;
} Arena;

#define ARENA_BLOCK		(256 * 1024)

static void *
arena_alloc(Arena *a, Size n)
{
	void	   *p;

	n = MAXALIGN(Max(n, 1));
	if (n > a->left)
	{
		Size		sz = Max(n, ARENA_BLOCK);

		a->cur = MemoryContextAlloc(a->cxt, sz);
		a->left = sz;
	}
	p = a->cur;
	a->cur += n;
	a->left -= n;
	return p;
}

static char *
arena_strdup(Arena *a, const char *s, int len)
{
	char	   *d = arena_alloc(a, len + 1);

	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}
static SPIPlanPtr sig_plan = NULL;
static SPIPlanPtr load_plan = NULL;

static inline uint32
gram_key(const char *p)
{
	return ((uint32) (uint8) p[0] << 16) | ((uint32) (uint8) p[1] << 8) | (uint8) p[2];
}

/* calls f(key) for each distinct trigram of "$s$" */
static int
grams_of(const char *s, int len, uint32 *out, int max)
{
	char		buf[MAX_TOKLEN * MAX_JOIN + 3];
	int			n = 0;

	len = Min(len, (int) sizeof(buf) - 2);
	buf[0] = '$';
	memcpy(buf + 1, s, len);
	buf[len + 1] = '$';
	for (int i = 0; i + 3 <= len + 2 && n < max; i++)
	{
		uint32		k = gram_key(buf + i);
		bool		dup = false;

		for (int j = 0; j < n && !dup; j++)
			dup = out[j] == k;
		if (!dup)
			out[n++] = k;
	}
	return n;
}

/* the items of a token list: each token, and joins of 2..MAX_JOIN adjacent */
typedef struct Items
{
	int			n;
	char	   *s[MAX_TOKENS * MAX_JOIN];
	int			len[MAX_TOKENS * MAX_JOIN];
	uint8		first[MAX_TOKENS * MAX_JOIN];
	uint8		span[MAX_TOKENS * MAX_JOIN];
	float		weight[MAX_TOKENS * MAX_JOIN];
	int			strong[MAX_TOKENS * MAX_JOIN];
} Items;

/* tokw/tokstrong: each token's weight and whether it is strong (not weak) */
static void
make_items(const NormName *n, const float *tokw, const int *tokstrong, Items *it)
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

static int
vocab_id(NameIndex *ix, vocabtab_hash *vt, Arena *arena, const char *s, int len, float weight,
		 int strong, int *cap)
{
	bool		found;
	VocabEntry *e = vocabtab_insert(vt, s, &found);

	if (!found)
	{
		Vocab	   *v;

		if (ix->nvocab == *cap)
		{
			*cap *= 2;
			ix->vocab = repalloc_huge(ix->vocab, *cap * sizeof(Vocab));
		}
		v = &ix->vocab[ix->nvocab];
		v->s = arena_strdup(arena, s, len);
		v->len = len;
		v->weight = weight;
		v->strong = strong;
		v->nnames = 0;
		v->names = NULL;
		e->key = v->s;
		e->id = ix->nvocab++;
	}
	return e->id;
}

static void
read_signature(int64 *sig)
{
	bool		isnull;

	fintech_execute_saved(&sig_plan,
						  "SELECT pg_catalog.count(*), COALESCE(pg_catalog.max(generation), 0),"
						  " COALESCE(pg_catalog.sum(generation), 0)::pg_catalog.int8"
						  " FROM fintech.sanctions_lists",
						  0, NULL, NULL, NULL, true, 0);
	for (int i = 0; i < 3; i++)
		sig[i] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
											 i + 1, &isnull));
}

/*
 * The vocabulary id of s, or -1: the entries sharing s's rarest trigram
 * are compared with it (no separate string index is kept).
 */
static int
vocab_find(const NameIndex *ix, const char *s)
{
	uint32		g[MAX_TOKLEN * MAX_JOIN + 2];
	int			len = strlen(s);
	int			ng = grams_of(s, len, g, lengthof(g));
	Gram	   *rarest = NULL;

	for (int k = 0; k < ng; k++)
	{
		Gram	   *gr = gram_lookup(ix->grams, g[k]);

		if (gr == NULL)
			return -1;			/* no entry has this trigram */
		if (rarest == NULL || gr->n < rarest->n)
			rarest = gr;
	}
	for (int j = 0; rarest != NULL && j < rarest->n; j++)
	{
		const Vocab *v = &ix->vocab[rarest->vocab[j]];

		if (v->len == len && memcmp(v->s, s, len) == 0)
			return rarest->vocab[j];
	}
	return -1;
}

/* builds the index from fintech.sanctions_names; caller is connected to SPI */
static NameIndex *
build_index(const int64 *sig)
{
	MemoryContext cxt = AllocSetContextCreate(TopMemoryContext, "fintech screening index",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old;
	MemoryContext tmp;
	NameIndex	   *ix;
	vocabtab_hash *vt;
	static const float zero_w[MAX_TOKENS * 2];
	static const int zero_s[MAX_TOKENS * 2];
	int			vcap = 1024;
	int			ecap = 1024;
	uint64		nrows;
	int64		last_entity = 0;
	bool		found;
	Arena		arena;

	fintech_execute_saved(&load_plan,
						  "SELECT n.entity_id, n.name, e.list, e.source_uid, e.programs"
						  " FROM fintech.sanctions_names n"
						  " JOIN fintech.sanctions_entities e ON e.id OPERATOR(pg_catalog.=) n.entity_id"
						  " WHERE e.listed"
						  " ORDER BY n.entity_id",
						  0, NULL, NULL, NULL, true, 0);
	nrows = SPI_processed;

	old = MemoryContextSwitchTo(cxt);
	ix = palloc0(sizeof(NameIndex));
	ix->cxt = cxt;
	memcpy(ix->sig, sig, sizeof(ix->sig));
	ix->entities = palloc(ecap * sizeof(Entity));
	ix->names = palloc_extended(Max(nrows, 1) * sizeof(ListedName), MCXT_ALLOC_HUGE);
	ix->vocab = palloc(vcap * sizeof(Vocab));
	vt = vocabtab_create(cxt, 4096, NULL);
	ix->grams = gram_create(cxt, 4096, NULL);
	tmp = AllocSetContextCreate(CurrentMemoryContext, "fintech index build", ALLOCSET_DEFAULT_SIZES);
	arena.cxt = cxt;
	arena.cur = NULL;
	arena.left = 0;

	for (uint64 r = 0; r < nrows; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		isnull;
		int64		eid = DatumGetInt64(SPI_getbinval(tup, td, 1, &isnull));
		char	   *name;
		char	   *clipped;
		NormName	nn;
		Items		it;
		ListedName	   *nm;

		CHECK_FOR_INTERRUPTS();
		if (eid != last_entity)
		{
			Entity	   *e;
			Datum		programs = SPI_getbinval(tup, td, 5, &isnull);

			if (ix->nentities == ecap)
			{
				ecap *= 2;
				ix->entities = repalloc(ix->entities, ecap * sizeof(Entity));
			}
			e = &ix->entities[ix->nentities++];
			e->id = eid;
			name = SPI_getvalue(tup, td, 3);
			/* one copy of each list's name */
			if (ix->nentities > 1 && strcmp(ix->entities[ix->nentities - 2].list, name) == 0)
				e->list = ix->entities[ix->nentities - 2].list;
			else
				e->list = arena_strdup(&arena, name, strlen(name));
			name = SPI_getvalue(tup, td, 4);
			e->source_uid = arena_strdup(&arena, name, strlen(name));
			e->programs = isnull ? (Datum) 0 : datumCopy(programs, false, -1);
			last_entity = eid;
		}

		MemoryContextSwitchTo(tmp);
		name = SPI_getvalue(tup, td, 2);

		/*
		 * Loads refuse longer names since 0.4.0; one loaded before is
		 * matched on its first FINTECH_NAME_MAXCHARS characters (so it
		 * cannot make the build fail or stall).
		 */
		{
			int			len = strlen(name);

			if (len > FINTECH_NAME_MAXCHARS)
				clipped = pnstrdup(name, pg_mbcharcliplen(name, len, FINTECH_NAME_MAXCHARS));
			else
				clipped = name;
		}
		if (normalize_name(clipped, &nn) == 0)
		{
			MemoryContextSwitchTo(cxt);
			MemoryContextReset(tmp);
			continue;
		}
		make_items(&nn, zero_w, zero_s, &it);
		MemoryContextSwitchTo(cxt);

		nm = &ix->names[ix->nnames];
		nm->entity = ix->nentities - 1;
		nm->name = arena_strdup(&arena, name, strlen(name));
		nm->ntok = nn.ntok;
		nm->nitems = it.n;
		nm->items = arena_alloc(&arena, it.n * sizeof(int));
		nm->first = arena_alloc(&arena, it.n);
		nm->span = arena_alloc(&arena, it.n);
		nm->weight = 0;
		nm->strong = 0;
		for (int i = 0; i < it.n; i++)
		{
			nm->items[i] = vocab_id(ix, vt, &arena, it.s[i], it.len[i], it.weight[i], it.strong[i], &vcap);
			nm->first[i] = it.first[i];
			nm->span[i] = it.span[i];
			if (it.span[i] == 1)
			{
				nm->weight += it.weight[i];
				nm->strong += it.strong[i];
			}
		}
		ix->nnames++;
		MemoryContextReset(tmp);
	}

	/*
	 * postings: vocabulary -> names (count, then fill).  These passes are
	 * linear in the names; each checks for a cancel as it goes.
	 */
	for (int n = 0; n < ix->nnames; n++)
	{
		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < ix->names[n].nitems; i++)
			ix->vocab[ix->names[n].items[i]].nnames++;
	}
	for (int v = 0; v < ix->nvocab; v++)
	{
		CHECK_FOR_INTERRUPTS();
		ix->vocab[v].names = arena_alloc(&arena, ix->vocab[v].nnames * sizeof(int));
		ix->vocab[v].nnames = 0;
	}
	for (int n = 0; n < ix->nnames; n++)
	{
		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < ix->names[n].nitems; i++)
		{
			Vocab	   *v = &ix->vocab[ix->names[n].items[i]];

			/* a name may hold the same item twice */
			if (v->nnames == 0 || v->names[v->nnames - 1] != n)
				v->names[v->nnames++] = n;
		}
	}

	for (int v = 0; v < ix->nvocab; v++)
		ix->vocab[v].strong = -1;	/* weight not computed yet */

	/*
	 * Weights, now that each token's document frequency is known: single
	 * tokens from their rarity, joins the sum of their tokens (items
	 * 0..ntok-1 of a name are its tokens, in order).
	 */
	for (int n = 0; n < ix->nnames; n++)
	{
		ListedName *nm = &ix->names[n];

		CHECK_FOR_INTERRUPTS();
		nm->weight = 0;
		nm->strong = 0;
		for (int t = 0; t < nm->ntok; t++)
		{
			Vocab	   *v = &ix->vocab[nm->items[t]];

			FT_CHECK(nm->span[t] == 1 && nm->first[t] == t);
			if (v->strong < 0)
			{
				/* first time this token is seen here */
				v->weight = token_weight(v->s, v->nnames);
				v->strong = is_weak(v->s) ? 0 : 1;
			}
			nm->weight += v->weight;
			nm->strong += v->strong;
		}
		for (int i = nm->ntok; i < nm->nitems; i++)
		{
			Vocab	   *v = &ix->vocab[nm->items[i]];

			v->weight = 0;
			v->strong = 0;
			for (int t = nm->first[i]; t < nm->first[i] + nm->span[i]; t++)
			{
				v->weight += ix->vocab[nm->items[t]].weight;
				v->strong += ix->vocab[nm->items[t]].strong;
			}
		}
	}

	/* trigrams -> vocabulary: count, allocate, fill */
	for (int pass = 0; pass < 2; pass++)
	{
		for (int v = 0; v < ix->nvocab; v++)
		{
			uint32		g[MAX_TOKLEN * MAX_JOIN + 2];
			int			ng = grams_of(ix->vocab[v].s, ix->vocab[v].len, g, lengthof(g));

			CHECK_FOR_INTERRUPTS();
			for (int k = 0; k < ng; k++)
			{
				Gram	   *gr = gram_insert(ix->grams, g[k], &found);

				if (!found)
				{
					gr->n = 0;
					gr->cap = 0;
					gr->vocab = NULL;
				}
				if (pass == 0)
					gr->cap++;
				else
					gr->vocab[gr->n++] = v;
			}
		}
		if (pass == 0)
		{
			gram_iterator gi;
			Gram	   *gr;

			gram_start_iterate(ix->grams, &gi);
			while ((gr = gram_iterate(ix->grams, &gi)) != NULL)
				gr->vocab = arena_alloc(&arena, gr->cap * sizeof(int));
		}
	}

	ix->vstamp = palloc0(Max(ix->nvocab, 1) * sizeof(uint32));
	ix->vcount = palloc0(Max(ix->nvocab, 1) * sizeof(uint16));
	ix->nstamp = palloc0(Max(ix->nnames, 1) * sizeof(uint32));
	ix->nmask = palloc0(Max(ix->nnames, 1) * sizeof(uint32));
	ix->vqstamp = palloc0(Max(ix->nvocab, 1) * sizeof(uint32));
	ix->vhead = palloc0(Max(ix->nvocab, 1) * sizeof(int));
	ix->estamp = palloc0(Max(ix->nentities, 1) * sizeof(uint32));
	ix->ebest = palloc0(Max(ix->nentities, 1) * sizeof(float));
	ix->ename = palloc0(Max(ix->nentities, 1) * sizeof(int));
	/* lookups by string from now on go through the trigrams (vocab_find) */
	vocabtab_destroy(vt);
	ix->vocab = repalloc_huge(ix->vocab, Max(ix->nvocab, 1) * sizeof(Vocab));
	MemoryContextDelete(tmp);
	MemoryContextSwitchTo(old);
	return ix;
}

/* the index for the lists the caller's snapshot sees; caller is connected to SPI */
static NameIndex *
get_index(void)
{
	int64		sig[3];

	read_signature(sig);
	if (idx != NULL && memcmp(idx->sig, sig, sizeof(sig)) == 0)
		return idx;
	if (idx != NULL)
	{
		MemoryContextDelete(idx->cxt);
		idx = NULL;
	}
	idx = build_index(sig);
	return idx;
}

static uint32
next_stamp(NameIndex *ix)
{
	if (++ix->stamp == 0)
	{
		/* wrapped: clear every stamp once */
		memset(ix->vstamp, 0, Max(ix->nvocab, 1) * sizeof(uint32));
		memset(ix->vqstamp, 0, Max(ix->nvocab, 1) * sizeof(uint32));
		memset(ix->nstamp, 0, Max(ix->nnames, 1) * sizeof(uint32));
		memset(ix->estamp, 0, Max(ix->nentities, 1) * sizeof(uint32));
		ix->stamp = 1;
	}
	return ix->stamp;
}

/* ------------------------------------------------------------------------
 * Scoring
 * ------------------------------------------------------------------------
 */

/* item pair candidates for the greedy assignment */
typedef struct Pair
{
	float		sim;
	uint8		qi;				/* item index on each side */
	uint8		ci;
	uint8		cover;			/* tokens covered on both sides */
} Pair;

static int
cmp_pair(const void *a, const void *b)
{
	const Pair *x = a,
			   *y = b;

	if (x->sim != y->sim)
		return x->sim > y->sim ? -1 : 1;
	if (x->cover != y->cover)
		return x->cover > y->cover ? -1 : 1;
	return 0;
}

/*
 * Per query: for each vocabulary entry reached through the trigram index,
 * the query items it is similar to (sim >= SIM_FLOOR), as a linked list.
 * Item pairs the index did not reach do not match.
 */
typedef struct SimLink
{
	int			qi;
	float		sim;
	int			next;			/* -1: end */
} SimLink;

typedef struct ScreenQuery
{
	NormName	nn;
	Items		it;
	float		weight;			/* sum of token weights */
	int			strong;
	uint32		stamp;			/* of this query in the index's stamps */
	bool		known[MAX_TOKENS * 2];	/* token is a listed word itself */
	int			numbers;		/* tokens that are numbers */
	int			patronymics;	/* tokens that are patronymics */
	float		corrected[MAX_TOKENS * 2];	/* < 1: a token taken for a variant */
	char	   *joined;			/* all tokens, concatenated */
	int			joined_len;
	SimLink    *links;
	int			nlinks;
	int			caplinks;
} ScreenQuery;

/* records that query item qi is similar to vocabulary entry v */
static void
add_link(NameIndex *ix, ScreenQuery *q, int qi, int v, float sim)
{
	if (q->nlinks == q->caplinks)
	{
		q->caplinks *= 2;
		q->links = repalloc_huge(q->links, q->caplinks * sizeof(SimLink));
	}
	if (ix->vqstamp[v] != q->stamp)
	{
		ix->vqstamp[v] = q->stamp;
		ix->vhead[v] = -1;
	}
	q->links[q->nlinks].qi = qi;
	q->links[q->nlinks].sim = sim;
	q->links[q->nlinks].next = ix->vhead[v];
	ix->vhead[v] = q->nlinks++;
}

static bool
all_digits(const char *s, int len)
{
	for (int i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return len > 0;
}

/*
 * Similarity of two tokens (or joins): Jaro-Winkler, less for unequal
 * lengths; numbers are equal or not at all.
 */
static float
tok_sim(const char *a, int la, const char *b, int lb)
{
	double		jw,
				ratio;

	if (all_digits(a, la) && all_digits(b, lb))
		return la == lb && memcmp(a, b, la) == 0 ? 1.0f : 0.0f;
	jw = jaro_winkler(a, la, b, lb);
	ratio = (double) Min(la, lb) / Max(Max(la, lb), 1);
	return (float) (jw * (1.0 - LENGTH_PENALTY * (1.0 - ratio)));
}

static inline bool
pair_ok(float sim, int qspan, int cspan)
{
	return sim >= (qspan > 1 || cspan > 1 ? JOIN_FLOOR : SIM_FLOOR);
}

/* the score of query q against listed name nm */
static double
score_name(NameIndex *ix, ScreenQuery *q, ListedName *nm)
{
	Pair		pairs[MAX_TOKENS * MAX_JOIN * MAX_TOKENS * MAX_JOIN];
	int			np = 0;
	uint32		qused = 0,
				cused = 0;
	uint32		qall = (q->nn.ntok >= 32 ? ~0u : (1u << q->nn.ntok) - 1);
	uint32		call = (nm->ntok >= 32 ? ~0u : (1u << nm->ntok) - 1);
	double		num = 0,
				plain = 0,		/* num without the knee */
				mq = 0,
				mc = 0,
				score;
	int			sq = 0,
				sc = 0,
				npairs = 0;

	/* the pairs the index found similar */
	for (int ci = 0; ci < nm->nitems; ci++)
	{
		int			v = nm->items[ci];

		if (ix->vqstamp[v] != q->stamp)
			continue;
		for (int l = ix->vhead[v]; l >= 0 && np < lengthof(pairs); l = q->links[l].next)
		{
			int			qi = q->links[l].qi;

			if (!pair_ok(q->links[l].sim, q->it.span[qi], nm->span[ci]))
				continue;
			/* a join matches a token; two joins only when equal */
			if (q->it.span[qi] > 1 && nm->span[ci] > 1 && q->links[l].sim < 1.0f)
				continue;
			pairs[np].sim = q->links[l].sim;
			pairs[np].qi = qi;
			pairs[np].ci = ci;
			pairs[np].cover = q->it.span[qi] + nm->span[ci];
			np++;
		}
	}

	for (int round = 0; round < 2; round++)
	{
		qsort(pairs, np, sizeof(Pair), cmp_pair);
		for (int p = 0; p < np; p++)
		{
			int			qi = pairs[p].qi,
						ci = pairs[p].ci;
			uint32		qmask = ((1u << q->it.span[qi]) - 1) << q->it.first[qi];
			uint32		cmask = ((1u << nm->span[ci]) - 1) << nm->first[ci];
			Vocab	   *v = &ix->vocab[nm->items[ci]];

			if ((qused & qmask) || (cused & cmask))
				continue;
			qused |= qmask;
			cused |= cmask;
			{
				double		sim = pairs[p].sim;
				double		w = q->it.weight[qi] + v->weight;

				for (int t = q->it.first[qi]; t < q->it.first[qi] + q->it.span[qi]; t++)
					sim *= q->corrected[t];

				plain += sim * w;
				if (sim < KNEE)
					sim -= BETA * (KNEE - sim);
				num += Max(sim, 0.0) * w;
				npairs++;
			}
			mq += q->it.weight[qi];
			mc += v->weight;
			sq += q->it.strong[qi];
			sc += v->strong;
		}
		if (round == 1 || qused == qall || cused == call)
			break;

		/*
		 * Tokens left on both sides: compare them directly (a typo can leave
		 * a token without enough trigrams in common for the index).
		 */
		np = 0;
		for (int qi = 0; qi < q->nn.ntok; qi++)
		{
			if (qused & (1u << qi) || q->it.strong[qi] == 0)
				continue;
			for (int ci = 0; ci < nm->ntok; ci++)
			{
				Vocab	   *v = &ix->vocab[nm->items[ci]];
				float		sim;

				if (cused & (1u << ci) || v->strong == 0)
					continue;
				sim = tok_sim(q->it.s[qi], q->it.len[qi], v->s, v->len);
				if (sim < 1.0f && q->known[qi])
					sim *= (float) (1.0 - KNOWN_PENALTY);
				if (!pair_ok(sim, 1, 1))
					continue;
				pairs[np].sim = sim;
				pairs[np].qi = qi;
				pairs[np].ci = ci;
				pairs[np].cover = 2;
				np++;
			}
		}
		if (np == 0)
			break;
	}
	if (mq == 0)
		score = 0.0;
	else
	{
		/* the knee is for names of several parts, where one near miss among
		 * exact parts is how different people look alike */
		score = (npairs > 1 ? num : plain) /
			(mq + mc + UNMATCHED_Q * (q->weight - mq) + UNMATCHED_C * (nm->weight - mc));

		/*
		 * Lopsided: one side matched by a single real token while the other
		 * has real tokens left over.
		 */
		if ((Min(sq, sc) <= 1) && (sq < q->strong || sc < nm->strong))
			score *= LOPSIDED;
		/*
		 * Different patronymics are different fathers: IVANOV, Sergey
		 * Petrovich is not Sergey Nikolayevich Ivanov.
		 */
		if (q->patronymics > 0)
		{
			bool		listed = false,
						shared = false;

			for (int t = 0; t < nm->ntok && !shared; t++)
			{
				Vocab	   *v = &ix->vocab[nm->items[t]];

				if (!is_patronymic(v->s))
					continue;
				listed = true;
				for (int i = 0; i < q->nn.ntok && !shared; i++)
					shared = is_patronymic(q->nn.tok[i]) &&
						tok_sim(q->nn.tok[i], strlen(q->nn.tok[i]), v->s, v->len) >= SIM_FLOOR;
			}
			if (listed && !shared)
				score *= FATHER_MISMATCH;
		}
		/* "VESSEL 7" is not "VESSEL 9": numbers on both sides, none shared */
		if (q->numbers > 0)
		{
			bool		listed_numbers = false,
						shared = false;

			for (int t = 0; t < nm->ntok && !shared; t++)
			{
				Vocab	   *v = &ix->vocab[nm->items[t]];

				if (!all_digits(v->s, v->len))
					continue;
				listed_numbers = true;
				for (int i = 0; i < q->nn.ntok && !shared; i++)
					shared = strcmp(q->nn.tok[i], v->s) == 0;
			}
			if (listed_numbers && !shared)
				score *= NUMBER_MISMATCH;
		}
	}

	/*
	 * Short codes (aircraft registrations such as EP-MNU): a typo there
	 * changes a whole part, so they are also compared as one string.
	 */
	if (score < 1.0 && q->nn.ntok <= MAX_JOIN && nm->ntok <= MAX_JOIN &&
		(q->nn.ntok > 1 || nm->ntok > 1) && q->joined_len <= SHORT_CODE)
	{
		for (int ci = nm->ntok; ci < nm->nitems; ci++)
			if (nm->first[ci] == 0 && nm->span[ci] == nm->ntok)
			{
				Vocab	   *v = &ix->vocab[nm->items[ci]];

				bool		parts_short = true;

				for (int t = 0; t < nm->ntok; t++)
					parts_short &= ix->vocab[nm->items[t]].len <= SHORT_PART;
				if (v->len <= SHORT_CODE && parts_short)
					score = Max(score, tok_sim(q->joined, q->joined_len, v->s, v->len));
			}
	}
	return Min(score, 1.0);
}

/*
 * A query token the lists do not know that is a near miss of a known
 * transliteration variant (Mohammef, Moahmmed) stands for that variant's
 * name: the listed names hold the canonical spelling, which is further
 * from the typo than the spelling the typo came from.
 */
static void
misspelt_variants(const NameIndex *ix, NormName *nn, float *corrected)
{
	for (int i = 0; i < nn->ntok; i++)
	{
		const char *t = nn->tok[i];
		int			len = strlen(t);
		double		best = VARIANT_TYPO;
		int			which = -1;

		corrected[i] = 1.0f;
		if (len < 5 || vocab_find(ix, t) >= 0)
			continue;
		for (int k = 0; k < t_variants.n; k++)
		{
			const char *w = t_variants.word[k];
			double		sim;

			if (w[0] != t[0] || strchr(t_variants.repl[k], ' ') != NULL)
				continue;
			sim = tok_sim(t, len, w, strlen(w));
			if (sim > best)
			{
				best = sim;
				which = k;
			}
		}
		if (which >= 0)
		{
			/* matches of it count as much as the near miss was near */
			nn->tok[i] = (char *) t_variants.repl[which];
			corrected[i] = (float) best;
		}
	}
}

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

/* one match of fintech_screen() */
typedef struct Match
{
	int			entity;
	int			name;
	float		score;
} Match;

static int
cmp_match(const void *a, const void *b)
{
	const Match *x = a,
			   *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (idx->entities[x->entity].id != idx->entities[y->entity].id)
		return idx->entities[x->entity].id < idx->entities[y->entity].id ? -1 : 1;
	return 0;
}

/*
 * Screens one name: the best match per entity with score >= min_score,
 * best first, at most max_results.  Returns the number of matches; *out is
 * palloc'd in the caller's context.  A name with nothing to match is
 * 22023 (what names the argument).  Caller is connected to SPI.
 */
static int
screen(NameIndex *ix, const char *name, const char *what, float4 min_score, int max_results,
	   Match **out)
{
	ScreenQuery q;
	float		qw[MAX_TOKENS * 2];
	int			qs[MAX_TOKENS * 2];
	int		   *cand;
	int			ncand = 0;
	int			candcap = 256;
	Match	   *m;
	int			nm = 0;

	*out = NULL;
	check_name_length(name, what);
	if (normalize_name(name, &q.nn) == 0)
		no_tokens(name, what);
	if (ix->nnames == 0)
		return 0;
	misspelt_variants(ix, &q.nn, q.corrected);
	q.weight = 0;
	q.strong = 0;
	q.numbers = 0;
	q.patronymics = 0;
	for (int i = 0; i < q.nn.ntok; i++)
	{
		int			v = vocab_find(ix, q.nn.tok[i]);

		q.numbers += all_digits(q.nn.tok[i], strlen(q.nn.tok[i])) ? 1 : 0;
		q.patronymics += is_patronymic(q.nn.tok[i]) ? 1 : 0;
		/* as rare as the same token among the listed names; else rare */
		qw[i] = v >= 0 ? ix->vocab[v].weight : token_weight(q.nn.tok[i], 0);
		q.known[i] = v >= 0;
		qs[i] = is_weak(q.nn.tok[i]) ? 0 : 1;
		q.weight += qw[i];
		q.strong += qs[i];
	}
	make_items(&q.nn, qw, qs, &q.it);
	{
		StringInfoData j;

		initStringInfo(&j);
		for (int i = 0; i < q.nn.ntok; i++)
			appendStringInfoString(&j, q.nn.tok[i]);
		q.joined = j.data;
		q.joined_len = j.len;
	}
	q.caplinks = 256;
	q.nlinks = 0;
	q.links = palloc(q.caplinks * sizeof(SimLink));
	cand = palloc(candcap * sizeof(int));
	q.stamp = next_stamp(ix);

	/*
	 * Candidates: names holding a vocabulary item that shares enough
	 * trigrams with an item of the query (and is similar to it).  Items
	 * made only of particles find no candidates of their own.
	 */
	for (int qi = 0; qi < q.it.n; qi++)
	{
		uint32		g[MAX_TOKLEN * MAX_JOIN + 2];
		int			ng = grams_of(q.it.s[qi], q.it.len[qi], g, lengthof(g));
		/*
		 * Half the trigrams (a third for short items): one typo passes.  A
		 * name of one word has nothing else to be found by: any trigram.
		 */
		int			need = q.strong <= 1 ? 1 : ng <= 5 ? Max(1, (ng + 1) / 3) : (ng + 1) / 2;
		uint32		vst = next_stamp(ix);
		uint32		qmask = ((1u << q.it.span[qi]) - 1) << q.it.first[qi];

		if (q.it.strong[qi] == 0)
		{
			/* particles match only themselves, and find no candidates */
			int			v = vocab_find(ix, q.it.s[qi]);

			if (v >= 0)
				add_link(ix, &q, qi, v, 1.0f);
			continue;
		}
		for (int k = 0; k < ng; k++)
		{
			Gram	   *gr = gram_lookup(ix->grams, g[k]);

			CHECK_FOR_INTERRUPTS();
			if (gr == NULL)
				continue;
			for (int j = 0; j < gr->n; j++)
			{
				int			v = gr->vocab[j];
				float		sim;

				if (ix->vstamp[v] != vst)
				{
					ix->vstamp[v] = vst;
					ix->vcount[v] = 0;
				}
				if (++ix->vcount[v] != need)
					continue;
				/* just reached the bar */
				sim = tok_sim(q.it.s[qi], q.it.len[qi], ix->vocab[v].s, ix->vocab[v].len);
				if (sim < 1.0f && q.it.span[qi] == 1 && q.known[qi])
					sim *= (float) (1.0 - KNOWN_PENALTY);
				if (sim < SIM_FLOOR)
					continue;
				add_link(ix, &q, qi, v, sim);

				for (int x = 0; x < ix->vocab[v].nnames; x++)
				{
					int			n = ix->vocab[v].names[x];

					if (ix->nstamp[n] != q.stamp)
					{
						ix->nstamp[n] = q.stamp;
						ix->nmask[n] = 0;
						if (ncand == candcap)
						{
							candcap *= 2;
							cand = repalloc_huge(cand, candcap * sizeof(int));
						}
						cand[ncand++] = n;
					}
					ix->nmask[n] |= qmask;
				}
			}
		}
	}

	/*
	 * Score the candidates that can reach min_score (bound: every token of
	 * the name matched perfectly by the query tokens that hit it); keep the
	 * best name per entity.
	 */
	m = palloc(Max(ncand, 1) * sizeof(Match));
	for (int c = 0; c < ncand; c++)
	{
		ListedName *nmr = &ix->names[cand[c]];
		uint32		mask = ix->nmask[cand[c]];
		double		hit = 0;
		float4		s;
		int			e = nmr->entity;

		CHECK_FOR_INTERRUPTS();
		for (int t = 0; t < q.nn.ntok; t++)
			if (mask & (1u << t))
				hit += qw[t];

		/*
		 * Not a bound (tokens the index missed can still match): names hit
		 * by too little of the query are not scored.
		 */
		if (hit < MIN_HIT * q.weight && q.strong > 2)
			continue;
		s = (float4) score_name(ix, &q, nmr);
		if (s < min_score)
			continue;
		if (ix->estamp[e] == q.stamp)
		{
			if (s > ix->ebest[e])
			{
				ix->ebest[e] = s;
				ix->ename[e] = cand[c];
			}
			continue;
		}
		ix->estamp[e] = q.stamp;
		ix->ebest[e] = s;
		ix->ename[e] = cand[c];
	}
	for (int c = 0; c < ncand; c++)
	{
		int			e = ix->names[cand[c]].entity;

		if (ix->estamp[e] == q.stamp && ix->ename[e] == cand[c])
		{
			m[nm].entity = e;
			m[nm].name = cand[c];
			m[nm].score = ix->ebest[e];
			nm++;
			ix->estamp[e] = 0;	/* once per entity */
		}
	}
	qsort(m, nm, sizeof(Match), cmp_match);
	if (nm > max_results)
		nm = max_results;
	pfree(q.links);
	pfree(cand);
	*out = m;
	return nm;
}

/* ------------------------------------------------------------------------
 * C API for parties.c
 * ------------------------------------------------------------------------
 */

/* does the name hold anything to match?  (22023 otherwise) */
void
fintech_check_name(const char *name, const char *what)
{
	NormName	nn;

	check_name_length(name, what);
	if (normalize_name(name, &nn) == 0)
		no_tokens(name, what);
}

/*
 * Screens a name at min_score; fills *out with up to max_results matches
 * (entity id, score, matched name) and returns how many.  *generation is
 * the highest list generation screened against.  same_index: use the index
 * the previous call (or fintech_screening_generation) found current, without
 * asking fintech.sanctions_lists again.  Caller is connected to SPI.
 */
int
fintech_screen(const char *name, float4 min_score, int max_results,
			   FintechMatch **out, int64 *generation, bool same_index)
{
	NameIndex  *ix = same_index && idx != NULL ? idx : get_index();
	Match	   *m;
	int			n = screen(ix, name, "name", min_score, max_results, &m);

	*out = palloc(Max(n, 1) * sizeof(FintechMatch));
	for (int i = 0; i < n; i++)
	{
		(*out)[i].entity_id = ix->entities[m[i].entity].id;
		(*out)[i].score = m[i].score;
		(*out)[i].matched_name = pstrdup(ix->names[m[i].name].name);
	}
	*generation = ix->sig[1];
	return n;
}

/* the highest list generation the caller's snapshot sees (0: none loaded) */
int64
fintech_screening_generation(void)
{
	return get_index()->sig[1];
}

/* ------------------------------------------------------------------------
 * fintech.screen_name(name, min_score, max_results)
 * ------------------------------------------------------------------------
 */
PG_FUNCTION_INFO_V1(fintech_screen_name);
Datum
fintech_screen_name(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *name;
	float4		min_score;
	int32		max_results;
	NameIndex	   *ix;
	Match	   *m;
	int			n;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("name must not be NULL")));
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_score and max_results must not be NULL")));
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	min_score = PG_GETARG_FLOAT4(1);
	max_results = PG_GETARG_INT32(2);
	if (isnan(min_score) || min_score < 0 || min_score > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_score %g is not between 0 and 1", min_score)));
	if (max_results < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_results %d is not positive", max_results)));
	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	ix = get_index();
	n = screen(ix, name, "name", min_score, max_results, &m);
	for (int i = 0; i < n; i++)
	{
		Entity	   *e = &ix->entities[m[i].entity];
		Datum		v[6];
		bool		nulls[6] = {false, false, false, false, false, false};

		v[0] = Int64GetDatum(e->id);
		v[1] = CStringGetTextDatum(e->list);
		v[2] = CStringGetTextDatum(e->source_uid);
		v[3] = CStringGetTextDatum(ix->names[m[i].name].name);
		v[4] = Float4GetDatum(m[i].score);
		if (e->programs == (Datum) 0)
			nulls[5] = true;
		else
			v[5] = e->programs;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}

void
ScreeningInit(void)
{
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

	table_build(&t_honorifics, honorifics, lengthof(honorifics));
	table_build(&t_legal, legal, lengthof(legal));
	table_build(&t_particles, particles, lengthof(particles));
	table_build(&t_generations, generations, lengthof(generations));
	variants_build();
	MemoryContextSwitchTo(old);


	DefineCustomRealVariable("fintech.screening_threshold",
							 "Score at or above which a party's match raises an alert.",
							 "Between 0 and 1; applies to create_party and rescreening.",
							 &fintech_screening_threshold,
							 0.85, 0.0, 1.0,
							 PGC_SUSET, 0,
							 NULL, NULL, NULL);
}
