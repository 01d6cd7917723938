/*-------------------------------------------------------------------------
 *
 * name_words.h
 *	  The word lists of name normalisation (name_words.c): variants,
 *	  titles, legal forms, generations, particles; phonetic folding.
 *
 * Words are looked up folded (ft_fold_token) and lower case.  The tables are
 * built once per process by ft_name_words_init() and only read afterwards.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_NAME_WORDS_H
#define FINTECH_NAME_WORDS_H

/* a sorted table of folded words, each with its replacement (or NULL) */
typedef struct WordTable
{
	int			n;
	char	  **word;
	const char **repl;
} WordTable;

/* each spelling of a variant -> the first of its group, folded ("abdul" -> "abd al") */
extern WordTable ft_name_variants;

/* the index of w in t, or -1 */
extern int	ft_word_find(const WordTable *t, const char *w);

/* phonetic folding of an ASCII token, in place (it never grows) */
extern void ft_fold_token(char *t);
/* Abd al-X written as one folded word (ABDULAZIZ): rewritten abdal + X, in place */
extern bool ft_abd_al_glued(char *t);

/* s[0..len) is all of a-z */
extern bool ft_all_letters(const char *s, int len);

/* the word lists a token is looked up in */
typedef enum NameWordList
{
	WORDS_HONORIFICS,			/* titles: dropped at the start of a name */
	WORDS_LEGAL,				/* legal forms: dropped at either end (not of a person's name) */
	WORDS_PARTICLES,			/* particles: kept, but weigh little */
	WORDS_GENERATIONS,			/* generational suffixes: dropped at the end */
	NWORDLISTS
} NameWordList;

/* is the (folded) token t on the list? */
extern bool ft_word_in(NameWordList list, const char *t);
/* two legal-form words of 4 letters or more written as one (JOINTSTOCK)? */
extern bool ft_word_legal_joined(const char *t);
extern bool ft_word_is_patronymic(const char *t);
extern bool ft_word_is_weak(const char *t);

/* is the folded token t (len bytes) one syllable of a Chinese or Korean name as romanised? */
extern bool ft_word_is_syllable(const char *t, int len);
extern bool ft_word_is_korean_syllable(const char *t, int len);

/* the table of a word list (read-only after ft_name_words_init) */
extern const WordTable *ft_word_list(NameWordList list);

/* builds the tables (TopMemoryContext); once per process, from ScreeningInit */
extern void ft_name_words_init(void);

#endif							/* FINTECH_NAME_WORDS_H */
