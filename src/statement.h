/*-------------------------------------------------------------------------
 *
 * statement.h
 *	  fintech.statement() (statement.c): an account's postings, a page at
 *	  a time; and where a time falls in an account's history.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_STATEMENT_H
#define FINTECH_STATEMENT_H

#include "fmgr.h"
#include "datatype/timestamp.h"

extern PGDLLEXPORT Datum fintech_statement(PG_FUNCTION_ARGS);

/*
 * An account's history is indexed by bucket: fintech.postings_account_seq
 * is on (account_id, (seq >> FT_SEQ_BUCKET_BITS)), so that the 2^bits
 * consecutive postings of one account in a bucket share one key and B-tree
 * deduplication keeps them as one posting list (an index several times
 * smaller than one on (account_id, seq), whose every entry is distinct;
 * fewer pages for each checkpoint to image again).  A query that reads the
 * history bounds the bucket as well as seq, with this very expression (the
 * install script writes the number, sql/fintech.sql), then filters on seq.
 */
#define FT_SEQ_BUCKET_BITS 5
/* "(<alias>seq >> bits)" as the index expression is written, for a query */
#define FT_SEQ_BUCKET(alias) "(" alias "seq OPERATOR(pg_catalog.>>) " CppAsString2(FT_SEQ_BUCKET_BITS) ")"

/*
 * FINTECH_CHECKS builds: fail (an internal check) unless the installed
 * postings_account_seq is on the shift above; a query with another shift
 * than the index's would not use it and silently read the whole table.
 * Inside an SPI connection; a no-op in other builds.
 */
extern void ft_check_seq_bucket(void);

/*
 * The last of an account's postings 1..last_seq stamped before t (strict)
 * or at t at the latest: its seq, 0 if none, and its balance_after (0 if
 * none); inside an SPI connection.  A hole in the history (check_ledger()
 * reports it) is an error (XX001) naming the account by its code.
 */
extern int64 seq_at_time(const char *code, int64 account_id, int64 last_seq, TimestampTz t,
						 bool strict, int64 *balance_after);

#endif							/* FINTECH_STATEMENT_H */
