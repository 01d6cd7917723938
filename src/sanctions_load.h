/*-------------------------------------------------------------------------
 *
 * sanctions_load.h
 *	  A sanctions list parsed into memory by a loader (ofac.c, un_load.c,
 *	  ftm_load.c), and its writing into the sanctions tables
 *	  (sanctions_load.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_SANCTIONS_LOAD_H
#define FINTECH_SANCTIONS_LOAD_H

#include "fmgr.h"
#include "common/sha2.h"
#include "nodes/pg_list.h"

/* an entity as it is written */
typedef struct SanctionsEntity
{
	char	   *uid;			/* source_uid */
	char	   *name;			/* primary name */
	const char *kind;			/* individual, entity, vessel, aircraft */
	List	   *programs;		/* char * */
	char	   *title;
	char	   *remarks;
	List	   *countries;		/* const char *: ISO alpha-2, distinct */
	List	   *birth_dates;	/* char *: 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD', distinct */
} SanctionsEntity;

/* a name of an entity as it is written (the primary name is one too) */
typedef struct SanctionsName
{
	int			entity;			/* index into the entities */
	const char *type;			/* primary, aka, fka, nka, weak */
	char	   *name;
	char	   *uid;			/* source_uid of the name, or NULL */
} SanctionsName;

typedef struct SanctionsData
{
	SanctionsEntity *entities;
	int			nentities;
	int			maxentities;
	SanctionsName *names;
	int			nnames;
	int			maxnames;
	List	   *unknown_countries;	/* char *: the first UNKNOWN_SHOWN country names not mapped */
	int64		unknown_more;	/* country values not mapped beyond those */
} SanctionsData;

extern void ft_sanctions_init(SanctionsData *d);
/* a new zeroed entity (its index is d->nentities - 1) */
extern SanctionsEntity *ft_sanctions_add_entity(SanctionsData *d);
extern void ft_sanctions_add_name(SanctionsData *d, int entity, const char *type, char *name,
								  char *uid);
/* the same, unless the entity's names (added last, in a row) already hold this name (the first type stays) */
extern void ft_sanctions_add_name_once(SanctionsData *d, int entity, const char *type, char *name);
/*
 * a country as the list writes it (a name; or, codes, a 2-letter code):
 * its code joins the entity's; unknown ones are noted
 */
extern void ft_sanctions_add_country(SanctionsData *d, SanctionsEntity *e, const char *country,
									 bool codes);
/* a birth date string ('YYYY', 'YYYY-MM', 'YYYY-MM-DD'), once */
extern void ft_sanctions_add_birth_date(SanctionsEntity *e, const char *date);
/* each year from..to as a birth date 'YYYY'; false (nothing added) for a bad or over 100-year range */
extern bool ft_sanctions_add_year_range(SanctionsEntity *e, int from, int to);
/*
 * s as a birth date string in out (11 bytes): 'YYYY', 'YYYY-MM' or
 * 'YYYY-MM-DD' of the calendar, or (with_time) such a date followed by
 * "T..." (cut to the date); false if it is none of these
 */
extern bool ft_birth_date_string(const char *s, bool with_time, char *out);
/* true if y/m/d is a date of the calendar (m, d: 0 for unknown) */
extern bool ft_valid_ymd(int y, int m, int d);

/* the list argument (argno) of a loader: not NULL, not empty, at most 255 bytes */
extern char *ft_sanctions_list_arg(FunctionCallInfo fcinfo, int argno);

/* SHA-256 of canon(inputs[0]) || canon(inputs[1]) ... (NULL inputs allowed) */
extern void ft_sanctions_hash(text **inputs, int n, uint8 *hash);

/*
 * Replaces the list with d (in the caller's transaction; serialised with
 * every other load); returns the number of entities listed.  Caller is
 * not connected to SPI.
 */
extern int64 ft_sanctions_write(const char *list, SanctionsData *d, const uint8 *hash);

#endif							/* FINTECH_SANCTIONS_LOAD_H */
