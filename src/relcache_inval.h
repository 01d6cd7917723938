/*-------------------------------------------------------------------------
 *
 * relcache_inval.h
 *	  fintech's one relcache invalidation callback, shared by every part
 *	  that keeps what it learnt of a relation between calls
 *	  (relcache_inval.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_RELCACHE_INVAL_H
#define FINTECH_RELCACHE_INVAL_H

#include "utils/inval.h"

/*
 * Calls fn(arg, relid) on every relcache invalidation of this backend,
 * from now on; registering the same fn with the same arg again does
 * nothing (a part needs no flag of its own to call it once).  Use it
 * instead of CacheRegisterRelcacheCallback.
 */
extern void ft_relcache_callback(RelcacheCallbackFunction fn, Datum arg);

#endif							/* FINTECH_RELCACHE_INVAL_H */
