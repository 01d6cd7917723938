/*-------------------------------------------------------------------------
 *
 * posting_write.h
 *	  The posting engine's writes (posting_write.c): an accepted entry
 *	  applied to its accounts in memory and queued as rows, then written
 *	  with a few bulk statements.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_POSTING_WRITE_H
#define FINTECH_POSTING_WRITE_H

#include "posting.h"

#pragma GCC visibility push(hidden)

/* the row buffers and the entry id sequence of a call (from ledger_begin) */
extern void ledger_writer_init(Ledger *L);

/*
 * Apply an accepted entry: take its id, move the balances and held amounts
 * of its accounts in memory and queue its entry, postings or pending legs,
 * hold and hold resolution.  effects: its per-account effects, as decided.
 */
extern void write_entry(Ledger *L, EntrySpec *e, Effect *effects, int neffects);

/* write everything applied in memory */
extern void ledger_finish(Ledger *L);

/* write one locked account's balance, held amounts and last_seq */
extern void write_account(Acct *a);

/* account i when its state is to be written (clearing that), else NULL */
extern Acct *take_dirty(Ledger *L, int i);

#pragma GCC visibility pop

#endif							/* FINTECH_POSTING_WRITE_H */
