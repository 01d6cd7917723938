/*-------------------------------------------------------------------------
 *
 * audit_verify.h
 *	  Verification of the audit trail and its digests (audit_verify.c).
 *	  Only SQL calls it: these are the functions the install script binds.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_AUDIT_VERIFY_H
#define FINTECH_AUDIT_VERIFY_H

#include "fmgr.h"

/* fintech.verify_audit() RETURNS TABLE(ok, rows_checked, first_bad_seq, detail) */
extern PGDLLEXPORT Datum fintech_verify_audit(PG_FUNCTION_ARGS);
/* fintech.audit_digest() RETURNS TABLE(seq, chain_hash) */
extern PGDLLEXPORT Datum fintech_audit_digest(PG_FUNCTION_ARGS);
/* fintech.verify_audit_digest(seq, chain_hash) RETURNS boolean */
extern PGDLLEXPORT Datum fintech_verify_audit_digest(PG_FUNCTION_ARGS);

#endif							/* FINTECH_AUDIT_VERIFY_H */
