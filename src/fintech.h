/*-------------------------------------------------------------------------
 *
 * fintech.h
 *	  Declarations shared by the parts of the fintech extension: module
 *	  state, the GUCs every part reads, and the internal consistency check
 *	  macro.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_H
#define FINTECH_H

#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/guc.h"
#include "utils/jsonb.h"

#ifndef FINTECH_VERSION
#error "FINTECH_VERSION must be defined by the Makefile (from fintech.control)"
#endif

/* true when the library was loaded through shared_preload_libraries */
extern bool fintech_preloaded;

/* GUC fintech.database: the database the background worker works in */
extern char *fintech_database;

/* the SQLSTATEs of the design's error table, class LD */
#define ERRCODE_LD(c)	MAKE_SQLSTATE('L', 'D', '0', '0', c)
#define ERRCODE_LD001	ERRCODE_LD('1')	/* entry does not balance / < 2 legs */
#define ERRCODE_LD002	ERRCODE_LD('2')	/* balance limit */
#define ERRCODE_LD003	ERRCODE_LD('3')	/* account not active */
#define ERRCODE_LD004	ERRCODE_LD('4')	/* currency mismatch */
#define ERRCODE_LD005	ERRCODE_LD('5')	/* idempotency key reused */
#define ERRCODE_LD006	ERRCODE_LD('6')	/* party blocked */
#define ERRCODE_LD007	ERRCODE_LD('7')	/* immutable history */
#define ERRCODE_LD008	ERRCODE_LD('8')	/* invalid pending state */
#define ERRCODE_LD009	ERRCODE_LD('9')	/* unknown account, entry, ... */
#define ERRCODE_LD010	MAKE_SQLSTATE('L', 'D', '0', '1', '0')	/* over a spending limit */
#define ERRCODE_LD011	MAKE_SQLSTATE('L', 'D', '0', '1', '1')	/* erasure refused: legal hold */

/*
 * FT_CHECK(cond): an internal "can't happen" check.  With -DFINTECH_CHECKS
 * (the test build) it is always evaluated and fails the transaction with an
 * elog(ERROR) naming the condition; otherwise it is an ordinary Assert(),
 * compiled only into --enable-cassert servers.
 */
#ifdef FINTECH_CHECKS
#define FT_CHECK(cond) \
	do { \
		if (unlikely(!(cond))) \
			elog(ERROR, "fintech internal check failed: %s (%s:%d)", \
				 #cond, __FILE__, __LINE__); \
	} while (0)
#else
#define FT_CHECK(cond) Assert(cond)
#endif

/* '{}' as jsonb, built once per backend (fintech.c) */
extern Jsonb *fintech_empty_object(void);

/* argument n of a SQL function must not be NULL: 22023 "<what> must not be NULL" (fintech.c) */
extern void fintech_arg_not_null(FunctionCallInfo fcinfo, int n, const char *what);

/* text arguments (fintech.c) */
#define FT_ARG_OPTIONAL		0x01	/* NULL allowed: returns NULL */
#define FT_ARG_NOT_BLANK	0x02	/* only blanks count as empty */
extern char *fintech_text_arg(FunctionCallInfo fcinfo, int n, const char *what, int flags,
							  int maxchars);

/* check hook of an interval GUC subtracted from now() by a job (fintech.c) */
extern bool fintech_check_interval_guc(char **newval, void **extra, GucSource source);

extern void ScreeningInit(void);
/* guard.c: refuses DDL that would queue a lock on a fintech relation before
 * PostgreSQL checks the caller's rights (a ProcessUtility hook) */
extern void GuardInit(void);

#endif							/* FINTECH_H */
