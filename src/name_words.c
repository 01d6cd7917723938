/*-------------------------------------------------------------------------
 *
 * name_words.c
 *	  The word lists of name normalisation and their lookups: the
 *	  transliteration variants (Mohammed, Muhammad, Mohamed ... = one),
 *	  titles, legal forms, generational suffixes and particles, the
 *	  phonetic folding of a token (ft_fold_token), the words that weigh
 *	  little (initials, particles, titles, legal forms, patronymics), and
 *	  the shape of a one-syllable name part of Chinese and Korean names
 *	  (ft_word_is_syllable) or of a Korean name (ft_word_is_korean_syllable);
 *	  two legal-form words written as one
 *	  (ft_word_legal_joined); Abd al-X written as one word
 *	  (ft_abd_al_glued).
 *
 * The lists are compiled in; ft_name_words_init() (from ScreeningInit, in
 * every process) folds and sorts them once into TopMemoryContext (a few
 * kB, kept for the life of the process).  After that they are read-only:
 * no locks, no database access.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "name_words.h"
#include "normalize.h"

/* ------------------------------------------------------------------------
 * Word tables (sorted, searched with bsearch)
 * ------------------------------------------------------------------------
 */

/*
 * Transliteration variants of the same name: the first word of each group
 * stands for the others.  Compared after folding (ft_fold_token), so
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
	"reverend", "sayyid", "senor", "senora", "senorita", "sgt", "shaik", "sir",
	"shaikh", "shaykh", "sheik", "sheikh", "sra", "srta", "ustad", "ustadh",
	"ustaz",
};

/*
 * legal forms: dropped at either end of a name, and weigh little elsewhere
 * (Bulgaria's EOOD and OOD, Belgium's BVBA and SPRL, the OHADA countries'
 * SARLU: in the lists' company names)
 */
static const char *const legal[] = {
	"ab", "ag", "aktiengesellschaft", "anonima", "anonyme", "ao", "as", "asa",
	"azioni", "beschrankter", "bhd", "bv", "bvba", "cjsc", "closed", "co", "company",
	"corp", "corporation", "cos", "cv", "dd", "doo", "eirl", "eood", "fzc", "fzco",
	"fze", "fzllc", "gesellschaft", "gmbh", "haftung", "inc", "incorporated",
	"joint", "jsc", "kft", "kg", "kgaa", "kk", "liability", "limitada",
	"limited", "llc", "llp", "lp", "ltd", "ltda", "mbh", "nv", "oao", "ojsc",
	"ood", "ooo", "open", "oy", "oyj", "pao", "pjsc", "plc", "private", "pt", "pte", "pty", "public", "pvt",
	"responsabilidad", "sa", "sae", "sal", "sarl", "sarlu", "sas", "sau", "sdn", "sl",
	"sociedad", "societa", "societe", "spa", "sprl", "spzoo", "srl", "sro", "stock",
	"tov", "zao", "zrt",
};

/* generational suffixes dropped at the end of a name */
static const char *const generations[] = {
	"ii", "iii", "iv", "jr", "sr",
};

/*
 * particles: kept, but weigh little (ben: son of, as bin; AOUADI, Mohamed
 * Ben Belgacem; ould, son of in Mauritanian names: DAHA, Sidi Amar Ould)
 */
static const char *const particles[] = {
	"abd", "abu", "al", "and", "ben", "bin", "bint", "da", "das", "de", "del", "della",
	"den", "der", "di", "do", "dos", "du", "e", "for", "ibn", "la", "le", "of",
	"ould", "ter", "the", "ul", "van", "von", "y",
};

/* s[0..len) is all of a-z (the letters a typed name is compared by) */
bool
ft_all_letters(const char *s, int len)
{
	for (int k = 0; k < len; k++)
		if (s[k] < 'a' || s[k] > 'z')
			return false;
	return true;
}

/*
 * Abd al-X written as one word, folded (ABDULAZIZ, ABDELKADER,
 * ABDOULKARIM; the article assimilated, ABDURRAHMAN, ABDESSALAM): the
 * lists and people write it apart as often (Abd al-Aziz, Abdul Aziz),
 * whose three tokens join as abdal + X.  Rewrites t so, in place (the
 * same length).  Not Abdullah or Abdallah (Abd Allah: X begins with l),
 * nor an X of fewer than 4 letters (ABDOULAYE, ABDULAHI: names of their
 * own).
 */
bool
ft_abd_al_glued(char *t)
{
	const char *x;

	if (strncmp(t, "abd", 3) != 0 || t[3] == '\0' || strchr("aeu", t[3]) == NULL)
		return false;
	if (t[4] != 'l' && (t[4] == '\0' || strchr("tdrzsn", t[4]) == NULL || t[5] != t[4]))
		return false;			/* abdul, abdel, abdal; abdur-rahman, abdes-salam */
	x = t + 5;
	if (strlen(x) < 4 || x[0] == 'l' || !ft_all_letters(x, strlen(x)))
		return false;
	t[3] = 'a';
	t[4] = 'l';
	return true;
}

/*
 * Phonetic folding of an ASCII token, in place (it never grows): spellings
 * that transliterations mix up become one.  y = i, ou = u,
 * ph = f, q = k, ck = k, dh = d, and a final h after a vowel dropped
 * (Usamah = Usama, Abdullah = Abdulla).  Doubled letters stay: Hassan and
 * Hasan are near anyway, and folding them made typos worse (KAAN is not
 * KAN); so does ee (Jameel and Jamil are near; a doubled e typed in
 * Sergei, SEEGEI, is not an i).  Applied to both sides, so an exact match
 * stays exact.
 */
void
ft_fold_token(char *t)
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
		else if (c == 'o' && r[1] == 'u')
		{
			c = 'u';
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

/* the word lists, by NameWordList */
static WordTable lists[NWORDLISTS];

/* each spelling of a variant -> the first of its group (read-only after init) */
WordTable	ft_name_variants;


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

	ft_fold_token(f);
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
	table_fill(&ft_name_variants, p, n);
	pfree(p);
}

int
ft_word_find(const WordTable *t, const char *w)
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
	return ft_word_find(t, w) >= 0;
}

bool
ft_word_in(NameWordList list, const char *t)
{
	return in_table(t, &lists[list]);
}

/*
 * Is t two legal-form words of 4 letters or more written as one, the
 * hyphen or blank between them left out (JOINTSTOCK, LIMITEDLIABILITY)?
 * Shorter words would split names (SAAB is sa and ab).
 */
bool
ft_word_legal_joined(const char *t)
{
	char		head[MAX_TOKLEN + 1];
	int			len = strlen(t);

	if (len < 8 || len > MAX_TOKLEN)
		return false;
	for (int k = 4; k <= len - 4; k++)
	{
		memcpy(head, t, k);
		head[k] = '\0';
		if (in_table(head, &lists[WORDS_LEGAL]) && in_table(t + k, &lists[WORDS_LEGAL]))
			return true;
	}
	return false;
}

/* a patronymic (Aleksandrovich, Petrovna, ogly): often left out */
bool
ft_word_is_patronymic(const char *t)
{
	/* (-vitch: the French transliteration of -вич, Anatolijevitch) */
	static const char *const endings[] = {"ovich", "evich", "ovch", "evch", "ovna", "evna", "ichna",
	"vitch"};
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
 * Is the folded token t (len bytes) one syllable as Chinese names are
 * written in pinyin and Korean and Cantonese names much alike: an initial
 * consonant (or none), for the second a w (KWANG, HWAN), and a final: a
 * vowel or two, with an n or ng (ZHANG, HAO, QIANG folded to kiang, YU to
 * iu).  The grammar, not a list of syllables: it lets through some that
 * no language has, which only makes it ask for less.
 */
bool
ft_word_is_syllable(const char *t, int len)
{
	static const char *const finals[] = {"a", "o", "e", "ai", "ei", "ao", "u", "an", "en", "ang",
		"eng", "ong", "er", "i", "ia", "ie", "iao", "iu", "ian", "in", "iang", "ing", "iong", "ua",
	"uo", "uai", "ui", "uan", "un", "uang", "ueng", "ue", "io"};
	/* (after an initial and a w) */
	static const char *const w_finals[] = {"a", "ai", "an", "ang", "o", "on", "ong", "e", "en", "eng",
	"i"};
	const char *rest;
	int			l;

	/* (the longest syllables, zhuang, have 6 letters) */
	if (len < 1 || len > 6)
		return false;
	/* the initial: zh, ch, sh, one of the consonants, or none */
	if (len >= 2 && t[1] == 'h' && (t[0] == 'z' || t[0] == 'c' || t[0] == 's'))
		l = 2;
	else if (strchr("bpmfdtnlgkhjxrzcsw", t[0]) != NULL)
		l = 1;
	else
		l = 0;
	rest = t + l;
	for (int f = 0; f < lengthof(finals); f++)
		if ((int) strlen(finals[f]) == len - l && memcmp(rest, finals[f], len - l) == 0)
			return true;
	if (l > 0 && len > l + 1 && rest[0] == 'w')
		for (int f = 0; f < lengthof(w_finals); f++)
			if ((int) strlen(w_finals[f]) == len - l - 1 && memcmp(rest + 1, w_finals[f], len - l - 1) == 0)
				return true;
	return false;
}

/*
 * Is the folded token t (len bytes) shaped as one Korean syllable is
 * romanised: up to two consonants, one group of vowels (a w among them:
 * HWAN, KWANG), up to two consonants (CHOL, SONG, JUNG, UNG, which the
 * pinyin grammar above lacks)?  (name_weight.c: a listed syllable near a
 * syllable of a query written in Hangul)
 */
bool
ft_word_is_korean_syllable(const char *t, int len)
{
	int			i = 0,
				before = 0,
				vowels = 0,
				after = 0;

	if (len < 1 || len > 6)
		return false;
	for (; i < len && strchr("aeiouw", t[i]) == NULL; i++)
		before++;
	for (; i < len && strchr("aeiouw", t[i]) != NULL; i++)
		vowels++;
	for (; i < len && strchr("aeiouw", t[i]) == NULL; i++)
		after++;
	return i == len && vowels > 0 && before <= 2 && after <= 2;
}

/*
 * A word that weighs little: an initial, a particle, a title, a
 * patronymic, or (inside a name) a legal form.
 */
bool
ft_word_is_weak(const char *t)
{
	return (t[0] != '\0' && t[1] == '\0' && !(t[0] >= '0' && t[0] <= '9')) ||
		in_table(t, &lists[WORDS_PARTICLES]) || in_table(t, &lists[WORDS_LEGAL]) ||
		in_table(t, &lists[WORDS_HONORIFICS]) ||
		ft_word_is_patronymic(t);
}

const WordTable *
ft_word_list(NameWordList list)
{
	return &lists[list];
}

/* folds and sorts the word lists; called once per process (ScreeningInit) */
void
ft_name_words_init(void)
{
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

	table_build(&lists[WORDS_HONORIFICS], honorifics, lengthof(honorifics));
	table_build(&lists[WORDS_LEGAL], legal, lengthof(legal));
	table_build(&lists[WORDS_PARTICLES], particles, lengthof(particles));
	table_build(&lists[WORDS_GENERATIONS], generations, lengthof(generations));
	variants_build();
	MemoryContextSwitchTo(old);
}
