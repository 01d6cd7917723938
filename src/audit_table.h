/*-------------------------------------------------------------------------
 *
 * audit_table.h
 *	  Which tables the audit trail captures, and on which events
 *	  (audit_table.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_AUDIT_TABLE_H
#define FINTECH_AUDIT_TABLE_H

#include "fmgr.h"
#include "utils/relcache.h"

/* fintech.audit_table(tbl regclass): adds the capture triggers to a table */
extern PGDLLEXPORT Datum fintech_audit_table(PG_FUNCTION_ARGS);

/* called only from inside fintech.so: not exported, called directly */
#pragma GCC visibility push(hidden)

/* is name a column of fintech.accounts's folded state (not logged)? */
extern bool ft_audit_is_folded(const char *name);

/*
 * fintech.accounts (rel): refuse to capture while its trigger's UPDATE OF
 * list misses a column that is not the folded state
 */
extern void ft_audit_check_account_trigger(Relation rel);

#pragma GCC visibility pop

#endif							/* FINTECH_AUDIT_TABLE_H */
