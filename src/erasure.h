/*-------------------------------------------------------------------------
 *
 * erasure.h
 *	  Erasure of personal data (erasure.c): the SQL functions the install
 *	  script binds, and the GUC and job it defines from _PG_init.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_ERASURE_H
#define FINTECH_ERASURE_H

#include "fmgr.h"

/* fintech.erase_party(party_id bigint, reason text) RETURNS bigint */
extern PGDLLEXPORT Datum fintech_erase_party(PG_FUNCTION_ARGS);
/* fintech.erase_audited_row(tbl regclass, primary_key jsonb, reason text) RETURNS bigint */
extern PGDLLEXPORT Datum fintech_erase_audited_row(PG_FUNCTION_ARGS);

/* fintech.personal_data_retention and the erase_personal_data job (called from _PG_init) */
extern void ErasureInit(void);

#endif							/* FINTECH_ERASURE_H */
