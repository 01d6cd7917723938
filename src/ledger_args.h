/*-------------------------------------------------------------------------
 *
 * ledger_args.h
 *	  The ledger's SQL arguments, checked (ledger_args.c): NULL, range and
 *	  form, each refused with 22023 naming the argument.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_LEDGER_ARGS_H
#define FINTECH_LEDGER_ARGS_H

#include "fmgr.h"
#include "utils/array.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#pragma GCC visibility push(hidden)

/* argument n, not NULL */
extern char *arg_text(FunctionCallInfo fcinfo, int n, const char *what);
extern int64 arg_id(FunctionCallInfo fcinfo, int n, const char *what);
/* an account code, in its stored form (fintech_account_code) */
extern char *arg_code(FunctionCallInfo fcinfo, int n, const char *what);
/* an amount, > 0 */
extern int64 arg_amount(FunctionCallInfo fcinfo, int n, const char *what);
/* metadata: a JSON object; NULL gives '{}' */
extern Jsonb *arg_metadata(FunctionCallInfo fcinfo, int n);
/* pending_for: NULL, or a positive interval giving a representable, future deadline */
extern Interval *arg_pending_for(FunctionCallInfo fcinfo, int n);
/* an array, not NULL, at most one dimension */
extern ArrayType *arg_array(FunctionCallInfo fcinfo, int n, const char *what);

#pragma GCC visibility pop

#endif							/* FINTECH_LEDGER_ARGS_H */
