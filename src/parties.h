/*-------------------------------------------------------------------------
 *
 * parties.h
 *	  Parties and their screening (parties.c) and rescreening
 *	  (rescreen.c): what the other parts call.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_PARTIES_H
#define FINTECH_PARTIES_H

#include "screening.h"

/* the screening guard's GUCs and the rescreen job (called from _PG_init) */
extern void PartiesInit(void);

/* defines the rescreen_parties job (rescreen.c; called by PartiesInit) */
extern void RescreenInit(void);

/*
 * Screens one party's name and raises an alert for each new match at or
 * above fintech.screening_threshold; returns how many (parties.c)
 */
extern int64 ft_party_raise_alerts(int64 party_id, const char *name, const ScreenAttrs *attrs,
								   int64 *generation);

/*
 * Runs a row-locking query (one parameter) in a subtransaction rolled back
 * at once: waits until the rows are free, then holds nothing; true when it
 * found a row (parties.c)
 */
extern bool ft_lock_alone(const char *sql, Oid type, Datum value);

#endif							/* FINTECH_PARTIES_H */
