/*-------------------------------------------------------------------------
 *
 * payments.h
 *	  Idempotent payments (payments.c): what the other parts call.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_PAYMENTS_H
#define FINTECH_PAYMENTS_H

/* the sanctions state of a payment between two accounts (share-locks their parties) */
typedef enum ScreenState
{
	SCREEN_CLEAR,
	SCREEN_REVIEW,
	SCREEN_BLOCKED
} ScreenState;

extern ScreenState payment_screening(const char *payer, const char *payee, char **why);

/* settles a held payment as its parties' state says; 1 if resolved */
extern int	settle_held_payment(int64 payment_id, int64 hold, ScreenState state, const char *why);

/* rejects a held payment with reason sqlstate; returns 1 */
extern int	reject_held_payment(int64 payment_id, int64 hold, int sqlstate, const char *message);

/* resolve the held payments of a party whose status changed */
extern int64 fintech_release_held_payments(int64 party_id);

/* defines the payments' job and GUCs (called from _PG_init) */
extern void PaymentsInit(void);

#endif							/* FINTECH_PAYMENTS_H */
