/*-------------------------------------------------------------------------
 *
 * posting_lock_write.h
 *	  Locking an account by the update that writes an entry's change to
 *	  it, without an SQL statement (posting_lock_write.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_POSTING_LOCK_WRITE_H
#define FINTECH_POSTING_LOCK_WRITE_H

#include "nodes/lockoptions.h"

#include "posting.h"

#pragma GCC visibility push(hidden)

typedef struct LockWriter LockWriter;

typedef enum LockWriteResult
{
	LW_DONE,					/* locked (and written); the Acct filled as by RETURNING */
	LW_NONE,					/* no row qualifies: the statement would update none */
	LW_STATEMENT,				/* nothing written: run the statement */
	LW_SKIPPED					/* SKIP LOCKED: the row is locked by another */
} LockWriteResult;

/*
 * fintech.accounts and its code index opened for one call's direct
 * updates; NULL when the table is not as installed (use the statement)
 */
extern LockWriter *lock_writer_open(void);

/*
 * The statement P_LOCK_WRITE of posting_lock.c for a->code, a->pre_net and
 * a->pre_legs, done directly
 */
extern LockWriteResult lock_writer_update(LockWriter *w, Acct *a);

/*
 * The statement P_LOCK of posting_lock.c (FOR NO KEY UPDATE) for a->code,
 * done directly; LW_DONE: locked, the Acct filled as fill_acct fills it
 */
extern LockWriteResult lock_writer_lock(LockWriter *w, Acct *a);

/*
 * The same in another lock mode and wait policy: the statements
 * P_LOCK_SKIP (FOR NO KEY UPDATE SKIP LOCKED: LW_SKIPPED when the row is
 * locked) and P_LOCK_SHARE (FOR KEY SHARE) of an account tried for
 * deferral (posting_lock.c)
 */
extern LockWriteResult lock_writer_lock_as(LockWriter *w, Acct *a, LockTupleMode mode,
										   LockWaitPolicy wait);

/*
 * Probe the codes of accts[0..n) in one snapshot before locking them: the
 * versions found are what lock_writer_lock then locks (until
 * lock_writer_probe_end or lock_writer_close)
 */
extern void lock_writer_probe(LockWriter *w, Acct *accts, int n);
extern void lock_writer_probe_end(LockWriter *w);

extern void lock_writer_close(LockWriter *w);

#pragma GCC visibility pop

#endif							/* FINTECH_POSTING_LOCK_WRITE_H */
