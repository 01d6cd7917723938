/*-------------------------------------------------------------------------
 *
 * ofac_parse.h
 *	  An OFAC SDN publication (sdn.csv, alt.csv, add.csv) parsed and
 *	  checked in memory (ofac_parse.c), for the load (ofac.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_OFAC_PARSE_H
#define FINTECH_OFAC_PARSE_H

#include "nodes/pg_list.h"
#include "utils/hsearch.h"

/* an sdn.csv record, as it is loaded */
typedef struct OfacEntity
{
	int64		ent_num;
	int			line;
	char	   *name;
	const char *kind;
	List	   *programs;		/* char * */
	char	   *title;
	char	   *remarks;
	List	   *countries;		/* char *, distinct, in add.csv order */
} OfacEntity;

/* an alt.csv record, as it is loaded */
typedef struct OfacAlias
{
	int			entity;			/* index into the entities */
	int64		alt_num;
	const char *type;			/* aka, fka, nka */
	char	   *name;
} OfacAlias;

/* a parsed publication, in the caller's memory context */
typedef struct OfacData
{
	OfacEntity *entities;
	int			nentities;
	OfacAlias  *aliases;
	int			naliases;
	HTAB	   *by_ent_num;		/* ent_num -> index into the entities */
} OfacData;

/* parses and checks the files (alt, add: NULL for none); 22023 on an error */
extern void ft_ofac_parse(OfacData *d, const text *sdn, const text *alt, const text *add);

#endif							/* FINTECH_OFAC_PARSE_H */
