/*-------------------------------------------------------------------------
 *
 * posting_decide.c
 *	  The posting engine's decisions: may this entry be applied to the
 *	  locked accounts?  Everything here is computed in memory from the
 *	  locked state; nothing reads or writes the database.  When an answer
 *	  could change with facts not yet read (an account's deferred postings,
 *	  its expired holds), the decision asks for them (a Verdict) and the
 *	  driver (posting.c) gets them and asks again.
 *
 * Order of the checks: every account exists (LD009), a transfer's two
 * accounts share a currency (LD004), each currency balances (LD001) within
 * bigint (22003), every account that posts is active (LD003) and its party
 * not blocked (LD006), then limits and range.
 *
 * Bounds.  Every sum of money is formed in 128 bits and an entry is
 * refused unless each account's balance (after every leg), held amounts,
 * available balance (posted - held out) and posted + held in stay within
 * bigint: LD002 where a limit refuses, else 22003.  Checking an entry is
 * O(n log n) in its legs, a batch in its items, and every loop over them
 * calls CHECK_FOR_INTERRUPTS.
 *
 * Locking: none; the caller holds the accounts' row locks.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "ledger.h"
#include "posting.h"
#include "posting_decide.h"

/* a refusal: raised in raise mode, recorded (VERDICT_REFUSE returned) otherwise */
static Verdict
refuse(Ledger *L, EntrySpec *e, int sqlstate, const char *detail, const char *fmt,...)
pg_attribute_printf(5, 6);

static Verdict
refuse(Ledger *L, EntrySpec *e, int sqlstate, const char *detail, const char *fmt,...)
{
	StringInfoData buf;

	/* in record mode the message is kept only when asked for */
	if (!L->raise && !L->keep_messages)
	{
		e->sqlstate = sqlstate;
		return VERDICT_REFUSE;
	}
	initStringInfo(&buf);
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&buf, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	if (L->raise)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg_internal("%s", buf.data),
				 detail ? errdetail_internal("%s", detail) : 0));
	e->message = buf.data;
	e->detail = detail;
	e->sqlstate = sqlstate;
	return VERDICT_REFUSE;
}

/* the effect of the entry being checked on account a (one per account) */
static Effect *
effect_of(Ledger *L, Effect *effects, int *neffects, Acct *a)
{
	if (a->eff_gen != L->gen)
	{
		a->eff_gen = L->gen;
		a->eff_idx = (*neffects)++;
		memset(&effects[a->eff_idx], 0, sizeof(Effect));
		effects[a->eff_idx].acct = a;
	}
	return &effects[a->eff_idx];
}

/* legs of an entry ordered by currency, then leg order (balance check) */
static int
leg_currency_cmp(const void *x, const void *y)
{
	const Leg  *a = *(Leg *const *) x;
	const Leg  *b = *(Leg *const *) y;
	int			c = strcmp(a->acct->currency, b->acct->currency);

	if (c != 0)
		return c;
	return a < b ? -1 : a > b ? 1 : 0;
}

/*
 * Each currency of the entry must balance, and its debits (= its credits)
 * must be a bigint: O(n log n) in the legs (one pass when they share a
 * currency).  Of several currencies at fault, the one whose first leg
 * comes first is reported.
 */
static Verdict
check_currencies(Ledger *L, EntrySpec *e)
{
	Leg		  **order;
	int			n = e->nlegs;
	bool		one = true;
	const Leg  *bad = NULL;
	int128		bad_debits = 0,
				bad_credits = 0;

	for (int i = 1; i < n && one; i++)
	{
		CHECK_FOR_INTERRUPTS();
		one = strcmp(e->legs[i].acct->currency, e->legs[0].acct->currency) == 0;
	}
	order = palloc(sizeof(Leg *) * Max(n, 1));
	for (int i = 0; i < n; i++)
		order[i] = &e->legs[i];
	if (!one)
		qsort(order, n, sizeof(Leg *), leg_currency_cmp);
	for (int i = 0; i < n;)
	{
		int			j = i;
		int128		debits = 0,
					credits = 0;

		CHECK_FOR_INTERRUPTS();
		for (; j < n && (one || strcmp(order[j]->acct->currency, order[i]->acct->currency) == 0); j++)
		{
			if (order[j]->amount > 0)
				debits += order[j]->amount;
			else
				credits -= order[j]->amount;
		}
		/* order[i] is the run's first leg */
		if ((debits != credits || debits > PG_INT64_MAX || credits > PG_INT64_MAX) &&
			(bad == NULL || order[i] < bad))
		{
			bad = order[i];
			bad_debits = debits;
			bad_credits = credits;
		}
		i = j;
	}
	pfree(order);
	if (bad == NULL)
		return VERDICT_ACCEPT;
	if (bad_debits > PG_INT64_MAX || bad_credits > PG_INT64_MAX)
		return refuse(L, e, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
					  "The debits and the credits of each currency of an entry must each sum to a bigint.",
					  "entry out of range in %s: debits %s, credits %s, the limit is " INT64_FORMAT,
					  bad->acct->currency, i128_str(bad_debits), i128_str(bad_credits), PG_INT64_MAX);
	return refuse(L, e, LD001, NULL,
				  "entry does not balance in %s: debits " INT64_FORMAT " != credits " INT64_FORMAT,
				  bad->acct->currency, (int64) bad_debits, (int64) bad_credits);
}

/*
 * What an entry does to one locked account, exactly: 0 when it is
 * allowed; -1/+1 when min_balance/max_balance refuses it (LD002); 2 when a
 * balance after one of its legs, 3 when the held amounts, 4 when the
 * available balance (posted - held out) and 5 when posted + held in would
 * leave bigint (22003).  Only a change the entry makes is held against it:
 * an entry that moves nothing in a direction is not refused for it.  The
 * limits come first: where a limit refuses, that is the answer (with a
 * limit the bigint edge on its side cannot be reached).  Computed in 128
 * bits, so no check can itself overflow.
 */
static int
limit_state(Acct *a, Effect *f, int128 *new_out, int128 *new_in)
{
	int128		balance = a->balance;
	int128		new_balance = balance + f->net;
	bool		down = f->net < 0 || f->res_out > 0;
	bool		up = f->net > 0 || f->res_in > 0;
	int128		live_out,
				live_in;

	*new_out = (int128) a->pending_out - f->rel_out + f->res_out;
	*new_in = (int128) a->pending_in - f->rel_in + f->res_in;
	live_out = *new_out - a->expired_out;
	live_in = *new_in - a->expired_in;
	if (a->has_min && down && new_balance - live_out < a->min_balance)
		return -1;
	if (a->has_max && up && new_balance + live_in > a->max_balance)
		return 1;
	if (balance + f->run_min < PG_INT64_MIN || balance + f->run_max > PG_INT64_MAX)
		return 2;
	if ((f->res_out > 0 && *new_out > PG_INT64_MAX) || (f->res_in > 0 && *new_in > PG_INT64_MAX))
		return 3;
	if (down && new_balance - live_out < PG_INT64_MIN)
		return 4;
	if (up && new_balance + live_in > PG_INT64_MAX)
		return 5;
	return 0;
}

/* the refusal of an entry by the limits or bigint range of one account (f->state) */
static Verdict
refuse_limit(Ledger *L, EntrySpec *e, Effect *f, bool pending)
{
	Acct	   *a = f->acct;
	int128		new_out,
				new_in;
	int128		held_out,
				held_in,
				take,
				give;

	(void) limit_state(a, f, &new_out, &new_in);
	held_out = (int128) a->pending_out - a->expired_out;
	held_in = (int128) a->pending_in - a->expired_in;
	take = pending ? f->res_out : -f->net;
	give = pending ? f->res_in : f->net;
	switch (f->state)
	{
		case -1:
			return refuse(L, e, LD002,
						  psprintf("The entry takes %s out; min_balance is " INT64_FORMAT
								   ", posted balance " INT64_FORMAT ", held %s.",
								   i128_str(take), a->min_balance, a->balance,
								   i128_str(held_out)),
						  "account %s: available balance %s < %s",
						  a->code, i128_str(a->balance - held_out),
						  i128_str(take + a->min_balance));
		case 1:
			return refuse(L, e, LD002,
						  psprintf("Posted balance " INT64_FORMAT ", incoming holds %s.",
								   a->balance, i128_str(held_in)),
						  "account %s: balance %s + %s would exceed max_balance " INT64_FORMAT,
						  a->code, i128_str(a->balance + held_in), i128_str(give),
						  a->max_balance);
		case 2:
			return refuse(L, e, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
						  psprintf("Posted balance " INT64_FORMAT "; the entry's legs move it by %s"
								   " (at least %s, at most %s along the way).",
								   a->balance, i128_str(f->net), i128_str(f->run_min),
								   i128_str(f->run_max)),
						  "account %s: balance out of range for bigint", a->code);
		case 3:
			return refuse(L, e, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
						  psprintf("Held out " INT64_FORMAT " + %s, held in " INT64_FORMAT " + %s.",
								   a->pending_out, i128_str(f->res_out),
								   a->pending_in, i128_str(f->res_in)),
						  "account %s: held amount out of range for bigint", a->code);
		case 4:
			return refuse(L, e, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
						  psprintf("Posted balance " INT64_FORMAT ", held out %s; the entry takes %s out.",
								   a->balance, i128_str(held_out), i128_str(take)),
						  "account %s: available balance %s out of range for bigint",
						  a->code, i128_str(a->balance + f->net - (new_out - a->expired_out)));
		default:
			return refuse(L, e, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
						  psprintf("Posted balance " INT64_FORMAT ", held in %s; the entry brings %s in.",
								   a->balance, i128_str(held_in), i128_str(give)),
						  "account %s: balance plus incoming holds %s out of range for bigint",
						  a->code, i128_str(a->balance + f->net + (new_in - a->expired_in)));
	}
}

/*
 * Limits and bigint range.  A limit that refuses is the answer even when
 * another account of the entry would also leave bigint: first every
 * account's state (after folding and expiry, which may help), then the
 * first limit refusal, else the first range refusal.
 */
Verdict
decide_limits(Ledger *L, EntrySpec *e, Decision *d)
{
	Effect	   *effects = d->effects;

	for (; d->next < d->neffects; d->next++)
	{
		Effect	   *f = &effects[d->next];
		Acct	   *a = f->acct;
		int128		new_out,
					new_in;
		int			state;

		CHECK_FOR_INTERRUPTS();
		if (a->lock != ACCT_LOCKED)
		{
			FT_CHECK(a->lock == ACCT_SHARED && !d->pending && f->rel_out == 0 && f->rel_in == 0);
			continue;
		}
		state = limit_state(a, f, &new_out, &new_in);
		if (state == 0)
			continue;
		/* before refusing: deferred postings and expired holds may help */
		d->need = a;
		if (!a->folded)
			return VERDICT_FOLD;
		if (!a->expired_known)
			return VERDICT_EXPIRED;
		d->need = NULL;
		if (d->refused < 0 || ((state == 1 || state == -1) &&
							   effects[d->refused].state != 1 && effects[d->refused].state != -1))
		{
			d->refused = d->next;
			f->state = state;
		}
	}
	if (d->refused >= 0)
		return refuse_limit(L, e, &effects[d->refused], d->pending);
	return VERDICT_ACCEPT;
}

Verdict
decide_entry(Ledger *L, EntrySpec *e, Decision *d)
{
	Effect	   *effects = palloc(sizeof(Effect) * (e->nlegs + e->nrelease + 1));
	int			neffects = 0;
	bool		pending = entry_pending(e);

	e->sqlstate = 0;
	e->entry_id = 0;
	L->gen++;

	/* accounts exist */
	for (int i = 0; i < e->nlegs; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (!e->legs[i].acct->found)
			return refuse(L, e, LD009, NULL, "account %s does not exist", e->legs[i].code);
	}
	for (int i = 0; i < e->nrelease; i++)
		FT_CHECK(e->release[i].acct->found);

	/* currencies */
	if (e->one_currency && e->nlegs == 2 &&
		strcmp(e->legs[0].acct->currency, e->legs[1].acct->currency) != 0)
		return refuse(L, e, LD004, NULL,
					  "currency mismatch: account %s is in %s, account %s is in %s",
					  e->legs[0].code, e->legs[0].acct->currency,
					  e->legs[1].code, e->legs[1].acct->currency);
	if (check_currencies(L, e) == VERDICT_REFUSE)
		return VERDICT_REFUSE;

	/* per-account effects, in one pass over the legs */
	for (int i = 0; i < e->nlegs; i++)
	{
		Acct	   *a = e->legs[i].acct;
		Effect	   *f = effect_of(L, effects, &neffects, a);

		CHECK_FOR_INTERRUPTS();
		f->posts = true;
		f->net += (int128) e->legs[i].amount * a->sign;
		f->run_min = Min(f->run_min, f->net);
		f->run_max = Max(f->run_max, f->net);
	}
	for (int i = 0; i < neffects && pending; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (effects[i].net < 0)
			effects[i].res_out = -effects[i].net;
		else
			effects[i].res_in = effects[i].net;
		effects[i].net = effects[i].run_min = effects[i].run_max = 0;
	}
	for (int i = 0; i < e->nrelease; i++)
	{
		Acct	   *a = e->release[i].acct;
		Effect	   *f = effect_of(L, effects, &neffects, a);

		CHECK_FOR_INTERRUPTS();
		f->releases = true;
		f->rel_net += (int128) e->release[i].amount * a->sign;
	}
	for (int i = 0; i < neffects; i++)
	{
		Effect	   *f = &effects[i];

		CHECK_FOR_INTERRUPTS();
		if (!f->releases)
			continue;
		if (f->rel_net < 0)
			f->rel_out = -f->rel_net;
		else
			f->rel_in = f->rel_net;
	}

	/* status */
	for (int i = 0; i < neffects; i++)
	{
		Acct	   *a = effects[i].acct;

		CHECK_FOR_INTERRUPTS();
		if ((effects[i].posts) && strcmp(a->status, "active") != 0)
			return refuse(L, e, LD003, NULL, "account %s is %s", a->code, a->status);
	}

	/* sanctions: a blocked party's money does not move (a release still does) */
	for (int i = 0; i < neffects; i++)
	{
		Acct	   *a = effects[i].acct;

		CHECK_FOR_INTERRUPTS();
		if (effects[i].posts && a->blocked)
			return refuse(L, e, LD006, NULL,
						  "account %s belongs to a party blocked by sanctions screening", a->code);
	}

	d->effects = effects;
	d->neffects = neffects;
	d->pending = pending;
	d->next = 0;
	d->refused = -1;
	d->need = NULL;
	return decide_limits(L, e, d);
}
