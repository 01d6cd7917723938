/*-------------------------------------------------------------------------
 *
 * posting_lock.h
 *	  Setting up a posting call: its accounts, sorted, deduplicated and
 *	  locked in code order (posting_lock.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_POSTING_LOCK_H
#define FINTECH_POSTING_LOCK_H

#include "posting.h"

#pragma GCC visibility push(hidden)

/*
 * Set up the accounts of the given entries and lock them (refusals raise
 * when raise, else are recorded in the entries); allow_defer lets a single
 * posted entry defer its postings on busy accounts (deferral.c).
 */
extern void ledger_begin(Ledger *L, EntrySpec *specs, int nspecs, bool raise,
						 bool allow_defer);

/*
 * The same for one entry whose refusals raise: a few accounts may be
 * locked by the update that writes the entry's change (posting_lock.c).
 */
extern void ledger_begin_one(Ledger *L, EntrySpec *e, bool allow_defer);

/* lock one account FOR UPDATE (waits for deferred postings in flight); LD009 if none */
extern Acct *lock_one_account(const char *code);

#pragma GCC visibility pop

#endif							/* FINTECH_POSTING_LOCK_H */
