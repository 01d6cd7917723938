/*-------------------------------------------------------------------------
 *
 * ledger.h
 *	  What every part of the double-entry ledger shares (ledger.c): the
 *	  refusal that the record-mode calls return, overflow-checked money
 *	  arithmetic, reading a column of an SPI result, how the ledger's jobs
 *	  wait for locks, and the module's initialisation.
 *
 * The ledger's parts declare their functions with hidden visibility (GCC's
 * pragma below): they are called only from inside fintech.so, so they are
 * not exported, cannot be interposed by another library's symbol of the
 * same name, and are called directly (no PLT), as the static functions of
 * the one file they came from were.  SQL-callable functions are declared
 * outside that region: PostgreSQL looks them up by name.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_LEDGER_H
#define FINTECH_LEDGER_H

#include "access/htup.h"
#include "access/tupdesc.h"
#include "common/int.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "fintech.h"

/*
 * Money arithmetic is done in 128 bits wherever a sum of bigints is
 * formed, so a check can never overflow itself; results are then required
 * to fit in bigint (see posting_decide.c).
 */
#ifndef HAVE_INT128
#error "fintech needs a compiler with a 128-bit integer type"
#endif

/* the design's SQLSTATEs (fintech.h), short */
#define LD001 ERRCODE_LD001
#define LD002 ERRCODE_LD002
#define LD003 ERRCODE_LD003
#define LD004 ERRCODE_LD004
#define LD006 ERRCODE_LD006
#define LD008 ERRCODE_LD008
#define LD009 ERRCODE_LD009

/* a refusal returned instead of raised (see fintech_transfer_record) */
typedef struct FintechRefusal
{
	int			sqlstate;		/* 0: none */
	char	   *message;
	const char *detail;
} FintechRefusal;

#pragma GCC visibility push(hidden)

/* raises 22003 "amount out of range for bigint" */
extern void ledger_overflow(void) pg_attribute_noreturn();

/* a + b and a * b, raising 22003 when the result is not a bigint */
static inline int64
add64(int64 a, int64 b)
{
	int64		r;

	if (pg_add_s64_overflow(a, b, &r))
		ledger_overflow();
	return r;
}

static inline int64
mul64(int64 a, int64 b)
{
	int64		r;

	if (pg_mul_s64_overflow(a, b, &r))
		ledger_overflow();
	return r;
}

/* a 128-bit integer in decimal, for messages */
extern char *i128_str(int128 v);

/* +1 for a debit-normal kind (asset, expense), -1 for a credit-normal one */
static inline int
kind_sign(const char *kind)
{
	return (strcmp(kind, "asset") == 0 || strcmp(kind, "expense") == 0) ? 1 : -1;
}

/* column col of an SPI result row; isnull NULL: the column is NOT NULL */
static inline int64
get_int8(HeapTuple tup, TupleDesc desc, int col, bool *isnull)
{
	bool		n;
	Datum		d = SPI_getbinval(tup, desc, col, &n);

	if (isnull)
		*isnull = n;
	else if (n)
		elog(ERROR, "unexpected NULL in column %d", col);
	return n ? 0 : DatumGetInt64(d);
}

static inline char *
get_text(HeapTuple tup, TupleDesc desc, int col)
{
	bool		n;
	Datum		d = SPI_getbinval(tup, desc, col, &n);

	return n ? NULL : TextDatumGetCString(d);
}

/* a timestamp as timestamptz_out writes it, for messages */
static inline char *
format_ts(TimestampTz ts)
{
	return DatumGetCString(DirectFunctionCall1(timestamptz_out, TimestampTzGetDatum(ts)));
}

/*
 * The jobs run one after another in the launcher, so none may wait long
 * for a row lock that a client transaction holds: they lock with a short
 * lock_timeout (job_lock_timeout), inside a subtransaction
 * (run_in_subxact), and leave what is busy for their next run.
 */
typedef int64 (*SubxactFunc) (void *arg);

/* run fn(arg) in a subtransaction; -1 when it gave up on a busy lock */
extern int64 run_in_subxact(SubxactFunc fn, void *arg);
extern void job_lock_timeout(void);

/* defines the ledger's jobs (called from _PG_init) */
extern void LedgerInit(void);

#pragma GCC visibility pop

#endif							/* FINTECH_LEDGER_H */
