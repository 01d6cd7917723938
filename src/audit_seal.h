/*-------------------------------------------------------------------------
 *
 * audit_seal.h
 *	  The sealer of the audit trail (audit_seal.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_AUDIT_SEAL_H
#define FINTECH_AUDIT_SEAL_H

#include "fmgr.h"

/* defines the seal_audit job (called from _PG_init) */
extern void AuditInit(void);

/* fintech.seal_audit(): seals every committed row now */
extern PGDLLEXPORT Datum fintech_seal_audit(PG_FUNCTION_ARGS);

#endif							/* FINTECH_AUDIT_SEAL_H */
