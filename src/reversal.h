/*-------------------------------------------------------------------------
 *
 * reversal.h
 *	  fintech.reverse (reversal.c): an entry that undoes a posted entry.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_REVERSAL_H
#define FINTECH_REVERSAL_H

#include "fmgr.h"

/* fintech.reverse(entry_id, description) */
extern PGDLLEXPORT Datum fintech_reverse(PG_FUNCTION_ARGS);

#endif							/* FINTECH_REVERSAL_H */
