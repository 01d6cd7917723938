/*-------------------------------------------------------------------------
 *
 * limit.h
 *	  Spending and velocity limits: the check inside fintech.pay
 *	  (limit_check.c) and the SQL functions (limits.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_LIMIT_H
#define FINTECH_LIMIT_H

#include "utils/timestamp.h"

/* slots of a payee-side limit (payer-side limits have one) */
#define FT_LIMIT_SLOTS		32

typedef enum LimitVerdict
{
	LIMIT_PASS,					/* within every limit (or none applies) */
	LIMIT_REVIEW,				/* over a review limit: hold for review */
	LIMIT_REJECT				/* over a reject limit: LD010 */
} LimitVerdict;

/* an active limit, as limit_cache.c keeps it */
typedef struct ActiveLimit
{
	int64		id;
	char	   *name;
	char	   *scope;
	bool		review;			/* action 'review' */
	int64		max_amount;		/* 0: no amount cap */
	int32		max_count;		/* 0: no count cap */
	Interval	period;
	TimestampTz created_at;
	char	   *currency;		/* NULL: any */
} ActiveLimit;

/* what a key's slots hold, read exactly (only a payment that takes the exact path needs them) */
typedef struct SlotNumbers
{
	int64		used_amount[FT_LIMIT_SLOTS];
	int32		used_count[FT_LIMIT_SLOTS];
	int64		budget_amount[FT_LIMIT_SLOTS];
	int32		budget_count[FT_LIMIT_SLOTS];
} SlotNumbers;

/* one limit that applies to a payment, while it is checked */
typedef struct SpendLimit
{
	int64		id;
	char	   *name;
	char	   *scope;
	char	   *key;			/* account code or party id */
	char	   *currency;		/* NULL: any */
	bool		review;			/* action 'review' */
	int64		max_amount;		/* 0: no amount cap */
	int32		max_count;		/* 0: no count cap */
	Interval	period;			/* the window: (at - period, at] ... */
	TimestampTz created_at;		/* ... and no payment made before the limit */
	TimestampTz at;				/* the payment's time */
	int			nslots;
	int			slot;			/* the slot the payment is counted in */
	bool		all;			/* every slot locked (exact total) */
	bool		rebalance;		/* budgets to write back (all) */
	bool		fits;
	bool		counted;		/* written in slot `slot` by this payment */
	SlotNumbers *nums;			/* the exact path's numbers (read_window) */
} SpendLimit;

/* the limits of one payment and the verdict */
typedef struct LimitCheck
{
	int			n;
	SpendLimit *limits;
	TimestampTz at;
	int64		amount;
	LimitVerdict verdict;
	SpendLimit *deciding;		/* the limit that gave the verdict */
	char	   *message;		/* LIMIT_REJECT / LIMIT_REVIEW: why */
} LimitCheck;

#pragma GCC visibility push(hidden)

/*
 * Checks the payment payer -> payee of amount against every limit that
 * applies and counts it there (unless the verdict is LIMIT_REJECT),
 * locking what makes the check exact (lock order: after the parties,
 * before holds and accounts; see limit_check.c).  A payment the ledger
 * then refuses is taken back with ft_limits_take_back.  SPI connected.
 */
extern void ft_limits_check(const char *payer, const char *payee, int64 amount,
							LimitCheck *lc);

/*
 * the payment lc counted is refused after all: take its counts back (in
 * its transaction, the slots still locked).  A held payment rejected
 * later needs nothing: the window is read from the payments, and the
 * slots' numbers are only ever too high (see limit_check.c).
 */
extern void ft_limits_take_back(LimitCheck *lc);

/*
 * the active limits in id order (limit_cache.c; relid: fintech.limits,
 * locked); valid until the next call.  SPI connected.
 */
extern int	ft_active_limits(Oid relid, const ActiveLimit **out);

/*
 * fintech.limit_slots opened (locked RowExclusiveLock) for one payment's
 * ft_slot_count_fast calls, and closed after them (limit_slots.c)
 */
extern void ft_slots_open(void);
extern void ft_slots_close(void);

/*
 * counts a payment (amount: what the limit counts of it) in slot `slot`
 * of (limit_id, key) when the numbers stored leave room, creating slot 0
 * of a new key with the budgets given (limit_slots.c); false: nothing
 * written (*found: whether the slot has a row).  The caller holds the
 * slot's lock, between ft_slots_open and ft_slots_close.
 */
extern bool ft_slot_count_fast(int64 limit_id, const char *key, int slot, int64 amount,
							   bool amount_free, bool count_free,
							   int64 first_amount, int32 first_count, bool *found);

/*
 * whether slot `slot` of (limit_id, key) has a committed row (or one of
 * ours), whoever holds its lock; between ft_slots_open and ft_slots_close
 */
extern bool ft_slot_exists(int64 limit_id, const char *key, int slot);

/* what decides which limits apply to a payment (limit_accounts.c) */
typedef struct LimitAccounts
{
	char	   *payer_currency;	/* NULL: no such account */
	char	   *payer_party;	/* NULL: none */
	char	   *payee_party;
} LimitAccounts;

/*
 * reads the payer's currency and the parties of both accounts by direct
 * index access; false: fintech.accounts is not shaped as this library
 * made it (read them with a statement then).  SPI connected.
 */
extern bool ft_limit_accounts(const char *payer, const char *payee, LimitAccounts *out);

/* the limits changed: every backend reads them again after this commits */
extern void ft_limits_changed(void);

/* is held payment payment_id waiting for the review a limit asked for? */
extern bool ft_limits_awaiting_review(int64 payment_id);

/* records that a review limit holds payment_id */
extern void ft_limits_open_review(LimitCheck *lc, int64 payment_id);

#pragma GCC visibility pop

#endif							/* FINTECH_LIMIT_H */
