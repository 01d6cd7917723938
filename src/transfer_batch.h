/*-------------------------------------------------------------------------
 *
 * transfer_batch.h
 *	  fintech.transfer_batch (transfer_batch.c): many transfers in one call,
 *	  each refused on its own.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_TRANSFER_BATCH_H
#define FINTECH_TRANSFER_BATCH_H

#include "fmgr.h"

/* fintech.transfer_batch(debit_accounts, credit_accounts, amounts, descriptions) */
extern PGDLLEXPORT Datum fintech_transfer_batch(PG_FUNCTION_ARGS);

#endif							/* FINTECH_TRANSFER_BATCH_H */
