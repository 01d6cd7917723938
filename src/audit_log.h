/*-------------------------------------------------------------------------
 *
 * audit_log.h
 *	  Writes to fintech.audit_log straight into its heap and indexes
 *	  (audit_log.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_AUDIT_LOG_H
#define FINTECH_AUDIT_LOG_H

#include "storage/itemptr.h"

/* called only from inside fintech.so: not exported, called directly */
#pragma GCC visibility push(hidden)

/*
 * one captured row: v/n are table_name .. calling_role (7 columns; n[i]
 * 'n' for NULL), entry_id the ledger entry it stands for (0: none); id and
 * changed_at are filled in here, seq, row_hash and chain_hash stay NULL;
 * returns the id
 */
extern int64 audit_log_append(Datum *v, const char *n, int64 entry_id);
/*
 * the log of count entries made by one call, in their order: one row whose
 * entry_ids lists them (entry_id NULL; count 1: the row of
 * audit_log_append, entry_id set); before the update to 0.6.0 count rows,
 * alike but for their entry_id, with one heap_multi_insert
 */
extern void audit_log_append_many(Datum *v, const char *n, const int64 *entry_ids, int count);

/*
 * keep the writer of audit_log_append open from its next call until
 * audit_log_release (close: false after an error, whose abort releases
 * it): for the many rows a batch's triggers append in a row
 */
extern void audit_log_hold(void);
extern void audit_log_release(bool close);

/*
 * the sealer's writes: seq and row_hash (the leaf hash; before the update
 * to 0.5.0 the row hash, and chain_hash from chains) of the n unsealed
 * rows at tids, with the head of the log held
 */
extern void audit_log_seal(uint64 n, ItemPointerData *tids, Datum *seqs, Datum *rowhs,
						   Datum *chains);

/* the log's tables are those of a version before 0.5.0 (not updated yet) */
extern bool ft_audit_log_legacy(void);
/* fintech.audit_log has entry_ids (updated to 0.6.0) */
extern bool ft_audit_log_batched(void);

#pragma GCC visibility pop

#endif							/* FINTECH_AUDIT_LOG_H */
