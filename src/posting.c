/*-------------------------------------------------------------------------
 *
 * posting.c
 *	  The posting engine's driver: an entry decided (posting_decide.c),
 *	  the facts the decision asks for read, and the accepted entry applied
 *	  (posting_write.c); and the one-entry calls built on that.
 *
 * The posting engine (Ledger) applies one or many entries in a single
 * call: it locks every account involved up front, in one statement, in
 * byte order of their codes (so entries touching the same accounts in any
 * order cannot deadlock; posting_lock.c), checks each entry against the
 * locked state in memory, and writes everything at the end with a handful
 * of bulk statements (saved plans; nothing is re-planned per call).
 *
 * Locking: the accounts are locked by ledger_begin (posting_lock.c) before
 * any entry is checked; folding deferred postings and reading expired
 * holds happen under those row locks.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "deferral.h"
#include "holds.h"
#include "ledger.h"
#include "posting.h"
#include "posting_decide.h"
#include "posting_lock.h"
#include "posting_write.h"

bool
apply_entry(Ledger *L, EntrySpec *e)
{
	Decision	d;
	Verdict		v = decide_entry(L, e, &d);

	/* the facts a refusal may depend on, read under the row lock, then on */
	while (v == VERDICT_FOLD || v == VERDICT_EXPIRED)
	{
		if (v == VERDICT_FOLD)
			fold_account(L, d.need);
		else
			load_expired(L, d.need);
		v = decide_limits(L, e, &d);
	}
	if (v == VERDICT_REFUSE)
		return false;
	write_entry(L, e, d.effects, d.neffects);
	return true;
}

/* post one entry, raising any refusal; returns the entry id */
int64
post_one(EntrySpec *e, bool allow_defer)
{
	Ledger		L;

	ledger_begin_one(&L, e, allow_defer);
	apply_entry(&L, e);
	ledger_finish(&L);
	return e->entry_id;
}

/* posts one entry in record mode: its refusal is returned in res, not raised */
int64
record_one(EntrySpec *e, bool allow_defer, FintechRefusal *res)
{
	Ledger		L;

	ledger_begin(&L, e, 1, false, allow_defer);
	L.keep_messages = true;
	apply_entry(&L, e);
	ledger_finish(&L);
	res->sqlstate = e->sqlstate;
	res->message = e->message;
	res->detail = e->detail;
	return e->entry_id;
}

void
spec_init(EntrySpec *e, const char *type)
{
	memset(e, 0, sizeof(*e));
	e->type = type;
	e->metadata = fintech_empty_object();
}

void
spec_transfer(EntrySpec *e, Leg *legs, char *debit, char *credit, int64 amount)
{
	legs[0].code = debit;
	legs[0].amount = amount;
	legs[0].acct = NULL;
	legs[1].code = credit;
	legs[1].amount = -amount;
	legs[1].acct = NULL;
	e->legs = legs;
	e->nlegs = 2;
	e->one_currency = true;
}
