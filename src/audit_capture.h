/*-------------------------------------------------------------------------
 *
 * audit_capture.h
 *	  Capture for the audit trail (audit_capture.c): the functions the
 *	  install script binds, and the batch path's direct capture.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_AUDIT_CAPTURE_H
#define FINTECH_AUDIT_CAPTURE_H

#include "fmgr.h"
#include "executor/tuptable.h"
#include "utils/relcache.h"

/* fintech.audit_trigger(): the capture trigger of every audited table */
extern PGDLLEXPORT Datum fintech_audit_trigger(PG_FUNCTION_ARGS);

/* called only from inside fintech.so: not exported, called directly */
#pragma GCC visibility push(hidden)

/*
 * the batch path's inserts (posting_bulk.c): may it log rel's new rows
 * itself (*capture: is there anything to log), and the audit rows of n rows
 * it inserted
 */
extern bool ft_audit_insert_direct(Relation rel, bool *capture);
extern void ft_audit_capture_inserted(Relation rel, TupleTableSlot **slots, int n);

/* the OID of fintech.audit_trigger() (InvalidOid: none), cached */
extern Oid	ft_audit_trigger_fn(void);

#pragma GCC visibility pop

#endif							/* FINTECH_AUDIT_CAPTURE_H */
