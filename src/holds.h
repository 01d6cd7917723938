/*-------------------------------------------------------------------------
 *
 * holds.h
 *	  Holds, the pending entries (holds.c): posting and voiding them, the
 *	  held payments' holds, what expired holds no longer hold, and the
 *	  expiry job.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_HOLDS_H
#define FINTECH_HOLDS_H

#include "posting.h"

/* fintech.post_pending(entry_id, amount), fintech.void_pending(entry_id) */
extern PGDLLEXPORT Datum fintech_post_pending(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum fintech_void_pending(PG_FUNCTION_ARGS);

#pragma GCC visibility push(hidden)

/*
 * Post (post) or void the never-expiring hold of a held payment; a refusal
 * to post is returned (0, res set) and leaves the hold open.  SPI connected.
 */
extern int64 fintech_resolve_held_payment(int64 hold, bool post, FintechRefusal *res);

/* the part of the account's pending_out/pending_in held by holds past their deadline */
extern void load_expired(Ledger *L, Acct *a);

/* the expire_holds job */
extern int64 expire_holds_job(bool *again);

#pragma GCC visibility pop

#endif							/* FINTECH_HOLDS_H */
