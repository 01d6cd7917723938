/*-------------------------------------------------------------------------
 *
 * statement.h
 *	  fintech.statement() (statement.c): an account's postings, a page at
 *	  a time.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_STATEMENT_H
#define FINTECH_STATEMENT_H

#include "fmgr.h"

extern PGDLLEXPORT Datum fintech_statement(PG_FUNCTION_ARGS);

#endif							/* FINTECH_STATEMENT_H */
