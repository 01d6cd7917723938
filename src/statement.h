/*-------------------------------------------------------------------------
 *
 * statement.h
 *	  fintech.statement() (statement.c): an account's postings, a page at
 *	  a time; and where a time falls in an account's history.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_STATEMENT_H
#define FINTECH_STATEMENT_H

#include "fmgr.h"
#include "datatype/timestamp.h"

extern PGDLLEXPORT Datum fintech_statement(PG_FUNCTION_ARGS);

/*
 * The last of an account's postings 1..last_seq stamped before t (strict)
 * or at t at the latest: its seq, 0 if none, and its balance_after (0 if
 * none); inside an SPI connection.  A hole in the history (check_ledger()
 * reports it) is an error (XX001) naming the account by its code.
 */
extern int64 seq_at_time(const char *code, int64 account_id, int64 last_seq, TimestampTz t,
						 bool strict, int64 *balance_after);

#endif							/* FINTECH_STATEMENT_H */
