/*-------------------------------------------------------------------------
 *
 * parties.h
 *	  Parties and their screening (parties.c): what the other parts call.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_PARTIES_H
#define FINTECH_PARTIES_H

/* defines the rescreen job (called from _PG_init) */
extern void PartiesInit(void);

#endif							/* FINTECH_PARTIES_H */
