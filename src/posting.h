/*-------------------------------------------------------------------------
 *
 * posting.h
 *	  The posting engine's state (Ledger, its accounts, the entries it
 *	  posts) and its driver (posting.c): check an entry against the locked
 *	  accounts, then record it in memory for the bulk writes.
 *
 * A call goes through ledger_begin (posting_lock.c: every account locked,
 * in code order), apply_entry for each entry (posting.c: the decision of
 * posting_decide.c, then the writes of posting_write.c queued in memory)
 * and ledger_finish (posting_write.c: the bulk statements).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_POSTING_H
#define FINTECH_POSTING_H

#include "datatype/timestamp.h"
#include "storage/itemptr.h"
#include "utils/jsonb.h"

#include "ledger.h"

typedef enum AcctLock
{
	ACCT_UNLOCKED = 0,
	ACCT_SHARED,				/* FOR KEY SHARE: deferred postings only */
	ACCT_LOCKED					/* FOR NO KEY UPDATE (or FOR UPDATE) */
} AcctLock;

typedef struct Acct
{
	char	   *code;
	bool		found;
	int64		id;
	char	   *currency;
	char	   *kind;
	int			sign;			/* +1 debit-normal, -1 credit-normal */
	bool		has_min;
	bool		has_max;
	int64		min_balance;
	int64		max_balance;
	char	   *status;
	bool		blocked;		/* its party is blocked by sanctions screening */
	int64		balance;
	int64		pending_out;
	int64		pending_in;
	int64		last_seq;
	AcctLock	lock;
	bool		try_defer;		/* asked for SKIP LOCKED, then KEY SHARE */
	bool		dirty;			/* balance/pending/last_seq to write back */
	bool		folded;			/* deferred postings folded in this call */
	bool		expired_known;
	int64		expired_out;	/* part of pending_out/in held by holds */
	int64		expired_in;		/* past their deadline, not yet released */
	int128		defer_net;		/* a single entry's net change (deferral) */
	uint64		eff_gen;		/* Ledger.gen of the entry that owns eff_idx */
	int			eff_idx;		/* this account's Effect in that entry */
	ItemPointerData tid;		/* the row version locked (posting_bulk.c) */
	/* locked by its update (posting_lock.c): the entry's change, then what was written */
	bool		prewritten;
	int64		pre_net;		/* the entry's legs on it, summed (debit > 0) */
	int			pre_legs;		/* how many legs post to it */
	int64		pre_balance;	/* balance and last_seq the locking update wrote */
	int64		pre_last_seq;
} Acct;

typedef struct Leg
{
	char	   *code;
	int64		amount;			/* debit > 0, credit < 0 */
	Acct	   *acct;
} Leg;

typedef struct EntrySpec
{
	const char *type;
	int64		related_id;		/* 0: none */
	text	   *description;	/* NULL: none */
	Jsonb	   *metadata;
	int			nlegs;			/* legs to post, or to reserve when pending */
	Leg		   *legs;
	Interval   *pending_for;	/* not NULL: a pending entry (hold) */
	bool		hold_forever;	/* a pending entry that never expires (held payment) */
	int			nrelease;		/* legs of the hold this entry releases */
	Leg		   *release;
	bool		one_currency;	/* transfer: accounts must share a currency */
	int64		resolve_hold;	/* hold entry whose state this entry changes */
	const char *resolve_status;
	int64		resolve_amount;
	int64		preset_id;		/* the id claimed with an idempotency key; 0: next */
	/* results */
	int64		entry_id;
	int			sqlstate;		/* refusal (record mode), 0 if posted */
	char	   *message;		/* its message, with Ledger.keep_messages */
	const char *detail;
} EntrySpec;

/* rows collected for one bulk statement: ncols parallel columns */
typedef struct RowBuf
{
	int			ncols;
	const Oid  *types;
	int			nrows;
	int			cap;
	Datum	  **vals;
	bool	  **nulls;
} RowBuf;

typedef struct Ledger
{
	bool		raise;			/* refusals raise; otherwise recorded */
	bool		keep_messages;	/* recorded refusals keep their message */
	bool		allow_defer;
	bool		bulk;			/* many rows: written straight (posting_bulk.c) */
	bool		prewrite;		/* lock accounts by updating them (posting_lock.c) */
	int			naccts;
	Acct	   *accts;			/* sorted by code (strcmp) */
	TimestampTz stamp;			/* taken after every account was locked */
	Oid			entries_seq;
	RowBuf		entries;
	RowBuf		postings;
	RowBuf		pending_legs;
	RowBuf		holds;
	RowBuf		hold_updates;
	RowBuf		events;			/* a batch's event rows (bulk only) */
	uint64		gen;			/* entries checked so far (Acct.eff_gen) */
} Ledger;

/*
 * Per-account effect of one entry, exact (128 bits: an entry has at most
 * 2^31 legs of at most 2^63 each, so nothing here can overflow).
 */
typedef struct Effect
{
	Acct	   *acct;
	bool		posts;			/* has posting legs */
	bool		releases;		/* has legs of a released hold */
	int			state;			/* limit_state() when it refused the entry */
	int128		net;			/* posted change, normal direction */
	int128		run_min;		/* lowest and highest partial sum of the */
	int128		run_max;		/* posted legs in leg order (0 included) */
	int128		res_out;
	int128		res_in;
	int128		rel_net;
	int128		rel_out;
	int128		rel_in;
} Effect;

/* a pending entry: its legs reserve money (a hold) instead of posting it */
static inline bool
entry_pending(const EntrySpec *e)
{
	return e->pending_for != NULL || e->hold_forever;
}

#pragma GCC visibility push(hidden)

/* an entry of the given type with no legs, '{}' metadata and no results */
extern void spec_init(EntrySpec *e, const char *type);

/* make e a transfer: legs[0] debits debit, legs[1] credits credit, one currency */
extern void spec_transfer(EntrySpec *e, Leg *legs, char *debit, char *credit, int64 amount);

/*
 * Check one entry against the locked state; when it is accepted, apply it
 * to the accounts in memory and queue its rows (true).  A refusal raises
 * (L->raise) or is recorded in e (false).
 */
extern bool apply_entry(Ledger *L, EntrySpec *e);

/* post one entry, raising any refusal; returns the entry id */
extern int64 post_one(EntrySpec *e, bool allow_defer);

/* post one entry in record mode: its refusal is returned in res, not raised */
extern int64 record_one(EntrySpec *e, bool allow_defer, FintechRefusal *res);

#pragma GCC visibility pop

#endif							/* FINTECH_POSTING_H */
