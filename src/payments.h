/*-------------------------------------------------------------------------
 *
 * payments.h
 *	  Idempotent payments (payments.c): what the other parts call.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_PAYMENTS_H
#define FINTECH_PAYMENTS_H

/* resolve the held payments of a party whose status changed */
extern int64 fintech_release_held_payments(int64 party_id);

/* defines the payments' job and GUCs (called from _PG_init) */
extern void PaymentsInit(void);

#endif							/* FINTECH_PAYMENTS_H */
