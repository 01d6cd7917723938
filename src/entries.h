/*-------------------------------------------------------------------------
 *
 * entries.h
 *	  Posting entries from SQL (entries.c): legs, fintech.post and
 *	  fintech.transfer, and the transfer that returns its refusal.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_ENTRIES_H
#define FINTECH_ENTRIES_H

#include "ledger.h"

/* fintech.debit/credit(account, amount) RETURNS fintech.leg */
extern PGDLLEXPORT Datum fintech_debit(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum fintech_credit(PG_FUNCTION_ARGS);
/* fintech.post(legs, description, metadata, pending_for) */
extern PGDLLEXPORT Datum fintech_post(PG_FUNCTION_ARGS);
/* fintech.transfer(debit_account, credit_account, amount, description, metadata, pending_for) */
extern PGDLLEXPORT Datum fintech_transfer(PG_FUNCTION_ARGS);

#pragma GCC visibility push(hidden)

/*
 * A transfer whose refusal is returned, not raised (for fintech.pay, which
 * records business refusals); hold: a hold that never expires.  SPI
 * connected.  Returns the entry id, or 0 with res set.  debit_currency (if
 * not NULL) is set to the debit account's currency when the entry was
 * applied, to NULL otherwise.
 */
extern int64 fintech_transfer_record(const char *debit, const char *credit, int64 amount,
									 text *description, Jsonb *metadata, bool hold,
									 FintechRefusal *res, const char **debit_currency);

#pragma GCC visibility pop

#endif							/* FINTECH_ENTRIES_H */
