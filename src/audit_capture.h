/*-------------------------------------------------------------------------
 *
 * audit_capture.h
 *	  Capture for the audit trail (audit_capture.c).  Only SQL calls it:
 *	  these are the functions the install script binds.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_AUDIT_CAPTURE_H
#define FINTECH_AUDIT_CAPTURE_H

#include "fmgr.h"

/* fintech.audit_trigger(): the capture trigger of every audited table */
extern PGDLLEXPORT Datum fintech_audit_trigger(PG_FUNCTION_ARGS);
/* fintech.audit_table(tbl regclass): adds the capture triggers to a table */
extern PGDLLEXPORT Datum fintech_audit_table(PG_FUNCTION_ARGS);

#endif							/* FINTECH_AUDIT_CAPTURE_H */
