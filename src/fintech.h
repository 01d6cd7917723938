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

/*
 * The one kind of change to append-only history that the immutability
 * trigger lets through: the ledger folding a deferred posting, or the
 * sealer linking audit rows into the chain (columns written once, from
 * NULL).  Set only around those statements, by C code.
 */
typedef enum FintechInternalWrite
{
	FT_WRITE_NONE = 0,
	FT_WRITE_FOLD,				/* fintech.postings: seq, balance_after, posted_at */
	FT_WRITE_SEAL,				/* fintech.audit_log: seq, row_hash, chain_hash; audit_head */
	FT_WRITE_PAYMENT			/* fintech.payments: a held payment resolved, once */
} FintechInternalWrite;

extern FintechInternalWrite fintech_internal_write;

/* '{}' as jsonb, built once per backend (fintech.c) */
extern Jsonb *fintech_empty_object(void);

/* text arguments (fintech.c) */
#define FT_ARG_OPTIONAL		0x01	/* NULL allowed: returns NULL */
#define FT_ARG_NOT_BLANK	0x02	/* only blanks count as empty */
extern char *fintech_text_arg(FunctionCallInfo fcinfo, int n, const char *what, int flags,
							  int maxchars);

/* a refusal returned instead of raised (see fintech_transfer_record) */
typedef struct FintechRefusal
{
	int			sqlstate;		/* 0: none */
	char	   *message;
	const char *detail;
} FintechRefusal;

/* ledger.c: a transfer that returns its refusal; 0 when refused */
extern int64 fintech_transfer_record(const char *debit, const char *credit, int64 amount,
									 text *description, Jsonb *metadata, bool hold,
									 FintechRefusal *res);
extern int64 fintech_resolve_held_payment(int64 hold, bool post, FintechRefusal *res);
/* an account code in the form the ledger stores and looks it up (NFC); 22023 if invalid */
extern char *fintech_account_code(const char *code, const char *what);

/* payments.c: resolve the held payments of a party whose status changed */
extern int64 fintech_release_held_payments(int64 party_id);

/*
 * The longest name screened or listed, in characters: a longer name to
 * screen is 22023, a longer listed name refuses the load (22023, naming
 * the file and line).  A build may lower or raise it (only to time the
 * normaliser on long names: make COPT=-DFINTECH_NAME_MAXCHARS=200000).
 */
#ifndef FINTECH_NAME_MAXCHARS
#define FINTECH_NAME_MAXCHARS	1000
#endif
/* screening.c: the characters of a name over that limit, else 0 */
extern int	fintech_name_chars_over(const char *name);

/* screening.c: one match of a screened name */
typedef struct FintechMatch
{
	int64		entity_id;
	float4		score;
	char	   *matched_name;
} FintechMatch;

extern double fintech_screening_threshold;
extern void fintech_check_name(const char *name, const char *what);
extern int64 fintech_screening_generation(void);
extern int	fintech_screen(const char *name, float4 min_score, int max_results,
						   FintechMatch **out, int64 *generation, bool same_index);

/* module initialisation, one per part, called from _PG_init */
extern void LedgerInit(void);
extern void PaymentsInit(void);
extern void ScreeningInit(void);
extern void PartiesInit(void);
/* guard.c: refuses DDL that would queue a lock on a fintech relation before
 * PostgreSQL checks the caller's rights (a ProcessUtility hook) */
extern void GuardInit(void);

#endif							/* FINTECH_H */
