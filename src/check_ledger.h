/*-------------------------------------------------------------------------
 *
 * check_ledger.h
 *	  fintech.check_ledger (check_ledger.c): the ledger's own consistency
 *	  checks.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_CHECK_LEDGER_H
#define FINTECH_CHECK_LEDGER_H

#include "fmgr.h"

/* fintech.check_ledger() RETURNS TABLE(check_name, ok, detail) */
extern PGDLLEXPORT Datum fintech_check_ledger(PG_FUNCTION_ARGS);

#endif							/* FINTECH_CHECK_LEDGER_H */
