/*-------------------------------------------------------------------------
 *
 * posting_decide.h
 *	  The posting engine's decisions (posting_decide.c): whether an entry
 *	  may be applied to the locked accounts, computed in memory, without
 *	  reading or writing the database.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_POSTING_DECIDE_H
#define FINTECH_POSTING_DECIDE_H

#include "posting.h"

/* the answer so far */
typedef enum Verdict
{
	VERDICT_ACCEPT,				/* apply the entry (write_entry) */
	VERDICT_REFUSE,				/* refused: raised, or recorded in the entry */
	VERDICT_FOLD,				/* fold need's deferred postings, then decide_limits again */
	VERDICT_EXPIRED				/* load need's expired holds, then decide_limits again */
} Verdict;

/* the decision on one entry, as far as it has got */
typedef struct Decision
{
	Effect	   *effects;		/* per-account effects of the entry */
	int			neffects;
	bool		pending;		/* its legs reserve (a hold) instead of posting */
	int			next;			/* the next effect whose limits are checked */
	int			refused;		/* the effect whose limits refuse it; -1: none */
	Acct	   *need;			/* VERDICT_FOLD, VERDICT_EXPIRED: that account */
} Decision;

#pragma GCC visibility push(hidden)

/*
 * Decide on an entry: its accounts exist and are active and not blocked,
 * its currencies balance, and then its limits (decide_limits).  Refusals
 * raise in raise mode and are recorded in e otherwise.
 */
extern Verdict decide_entry(Ledger *L, EntrySpec *e, Decision *d);

/*
 * Go on checking limits and the bigint range, from d->next.  Before
 * refusing on an account it asks for the facts that may change the answer:
 * its deferred postings folded (VERDICT_FOLD), then what its expired holds
 * no longer hold (VERDICT_EXPIRED); the caller gets them and calls again.
 */
extern Verdict decide_limits(Ledger *L, EntrySpec *e, Decision *d);

#pragma GCC visibility pop

#endif							/* FINTECH_POSTING_DECIDE_H */
