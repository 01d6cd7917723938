/*-------------------------------------------------------------------------
 *
 * ledger_keys.h
 *	  Idempotency keys of the ledger's writes (ledger_keys.c): transfer,
 *	  post, post_pending, void_pending, reverse, sweep and the items of
 *	  transfer_batch.
 *
 * A call with a key builds its request's canonical form field by field
 * (ledger_key_init, then ledger_key_field/ledger_key_int for every
 * argument), then, connected to SPI and before it locks anything,
 * claims the key (ledger_key_claim).  A replay returns the first call's
 * entry id and writes nothing; otherwise the entry gets the id the claim
 * recorded (EntrySpec.preset_id).  A call that ends up writing nothing
 * (a sweep with nothing to move, a refused batch item) gives the key back
 * (ledger_key_release).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_LEDGER_KEYS_H
#define FINTECH_LEDGER_KEYS_H

#include "fmgr.h"
#include "common/sha2.h"
#include "lib/stringinfo.h"
#include "storage/itemptr.h"

#include "posting.h"

/* pay's rule: 1 to 255 characters */
#define LEDGER_KEY_MAXCHARS 255

typedef struct LedgerKey
{
	char	   *key;			/* NULL: the call has no key */
	const char *function;		/* transfer, post, ... (a batch item: transfer) */
	StringInfoData canon;		/* the request's canonical form */
	int64		entry_id;		/* claimed for this call, or the first call's */
	bool		replay;			/* the key was taken by the same request */
	ItemPointerData tid;		/* this call's claim (not a replay) */
} LedgerKey;

#pragma GCC visibility push(hidden)

/* the key of argument n (NULL: none; pay's length rules) for a call of function */
extern void ledger_key_init(LedgerKey *k, FunctionCallInfo fcinfo, int n, const char *function);
/* the same from a key already read (transfer_batch's items) */
extern void ledger_key_start(LedgerKey *k, char *key, const char *function);
/* one argument of the request: text (NULL allowed), or an integer */
extern void ledger_key_field(LedgerKey *k, const char *value);
extern void ledger_key_int(LedgerKey *k, int64 value, bool isnull);
/* an entry's arguments: its legs, description, metadata and pending_for */
extern void ledger_key_entry(LedgerKey *k, const EntrySpec *e);

/*
 * Claim the key (SPI connected, nothing locked yet).  Returns true for a
 * replay (k->entry_id: the first call's entry; raises LD005 when the key
 * was used for another request); false when the key is now this call's
 * (k->entry_id: the id its entry must take).  A concurrent call with the
 * same key waits here for this transaction to end.
 */
extern bool ledger_key_claim(LedgerKey *k);

/* this call wrote nothing after all: forget its claim (SPI connected) */
extern void ledger_key_release(LedgerKey *k);

/* prune keys older than cutoff (a timestamptz), at most batch (SPI connected) */
extern int64 ledger_keys_prune(Datum cutoff, int batch);

#pragma GCC visibility pop

#endif							/* FINTECH_LEDGER_KEYS_H */
