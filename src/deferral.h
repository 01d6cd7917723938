/*-------------------------------------------------------------------------
 *
 * deferral.h
 *	  Deferred postings (deferral.c): which legs may skip their account's
 *	  row lock, and folding such postings into their accounts later.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_DEFERRAL_H
#define FINTECH_DEFERRAL_H

#include "posting.h"

#pragma GCC visibility push(hidden)

/*
 * A new posting call: mark the accounts of the entries that are worth
 * trying to defer (try_defer, L->allow_defer) -- only for a single posted
 * entry, with allow_defer, when the fold job runs.  L's accounts are set
 * up and linked to the legs, not yet locked.
 */
extern void defer_choose(Ledger *L, EntrySpec *specs, int nspecs, bool allow_defer);

/*
 * Did one of this backend's last 64 posting calls before this one use the
 * account?  (Such an account may be contended: posting_lock.c locks it
 * before updating it.)
 */
extern bool account_recently_used(const char *code);

/* remember the immutable attributes of an account just read */
extern void defer_cache_remember(Acct *a);

/* may the entry's posted change on this (read) account still be deferred? */
extern bool still_deferrable(Acct *a, EntrySpec *e);

/* fold the account's committed deferred postings, under our row lock; returns how many */
extern int64 fold_account(Ledger *L, Acct *a);
/* the first max of them (0: all); the account counts as folded when none is left */
extern int64 fold_account_some(Ledger *L, Acct *a, int64 max);

/* the fold_postings job */
extern int64 fold_postings_job(bool *again);

#pragma GCC visibility pop

#endif							/* FINTECH_DEFERRAL_H */
