/*-------------------------------------------------------------------------
 *
 * accounts.h
 *	  Accounts (accounts.c): opening, freezing, closing, and their balances.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_ACCOUNTS_H
#define FINTECH_ACCOUNTS_H

#include "fmgr.h"

/* fintech.open_account(code, currency, kind, min_balance, max_balance, party_id, metadata) */
extern PGDLLEXPORT Datum fintech_open_account(PG_FUNCTION_ARGS);
/* fintech.freeze_account(code), unfreeze_account(code), close_account(code) */
extern PGDLLEXPORT Datum fintech_freeze_account(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum fintech_unfreeze_account(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum fintech_close_account(PG_FUNCTION_ARGS);
/* fintech.balance(account), available_balance(account), balance_at(account, at) */
extern PGDLLEXPORT Datum fintech_balance(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum fintech_available_balance(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum fintech_balance_at(PG_FUNCTION_ARGS);

#endif							/* FINTECH_ACCOUNTS_H */
