/*-------------------------------------------------------------------------
 *
 * countries.h
 *	  Countries as ISO 3166-1 alpha-2 codes (countries.c): the names and
 *	  codes the sanctions lists use mapped to them, and the check of a
 *	  country argument.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_COUNTRIES_H
#define FINTECH_COUNTRIES_H

/* the alpha-2 code (upper case, static) of a 2-letter code in any case; NULL if not one */
extern const char *ft_country_alpha2(const char *code);

/*
 * the alpha-2 code of a country name as the lists write it, or (codes) of
 * a 2-letter code in any case; "" for a word meaning no country
 * ("undetermined", "na"); NULL if unknown
 */
extern const char *ft_country_code(const char *name, bool codes);

/* a country argument: its alpha-2 code (any case accepted), else 22023 naming what */
extern const char *ft_country_arg(const char *value, const char *what);

#endif							/* FINTECH_COUNTRIES_H */
