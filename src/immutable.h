/*-------------------------------------------------------------------------
 *
 * immutable.h
 *	  The immutability trigger on fintech's history (immutable.c) and the
 *	  one kind of change to history that it lets through.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_IMMUTABLE_H
#define FINTECH_IMMUTABLE_H

#include "fmgr.h"

/* fintech.refuse_change(): BEFORE UPDATE/DELETE/TRUNCATE trigger on history */
extern PGDLLEXPORT Datum fintech_refuse_change(PG_FUNCTION_ARGS);

/*
 * The one kind of change to append-only history that the immutability
 * trigger lets through: the ledger folding a deferred posting, or the
 * sealer linking audit rows into the chain (columns written once, from
 * NULL).  Set only around those statements, by C code.
 */
typedef enum FintechInternalWrite
{
	FT_WRITE_NONE = 0,
	FT_WRITE_FOLD,				/* fintech.postings: seq, balance_after, posted_at */
	FT_WRITE_SEAL,				/* fintech.audit_log: seq, row_hash, chain_hash; audit_head */
	FT_WRITE_PAYMENT			/* fintech.payments: a held payment resolved, once */
} FintechInternalWrite;

extern FintechInternalWrite fintech_internal_write;

#endif							/* FINTECH_IMMUTABLE_H */
