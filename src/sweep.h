/*-------------------------------------------------------------------------
 *
 * sweep.h
 *	  fintech.sweep() (sweep.c): move what an account's limits allow.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_SWEEP_H
#define FINTECH_SWEEP_H

#include "fmgr.h"

extern PGDLLEXPORT Datum fintech_sweep(PG_FUNCTION_ARGS);

#endif							/* FINTECH_SWEEP_H */
