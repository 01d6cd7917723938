/*-------------------------------------------------------------------------
 *
 * personal.h
 *	  Personal values in the audit log (personal.c): which columns of an
 *	  audited table are personal, the commitments that replace their values
 *	  in the captured row images, and fintech.audit_personal, where the
 *	  values and their salts are kept until they are erased.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_PERSONAL_H
#define FINTECH_PERSONAL_H

#include "access/htup.h"
#include "access/tupdesc.h"
#include "fmgr.h"
#include "common/sha2.h"
#include "utils/jsonb.h"
#include "utils/relcache.h"

/* fintech.audit_table(tbl regclass, personal_columns text[] DEFAULT NULL) */
extern PGDLLEXPORT Datum fintech_audit_table_personal(PG_FUNCTION_ARGS);
/* used once, by the 0.4.1 -> 0.5.0 update: commit the personal values already logged */
extern PGDLLEXPORT Datum fintech_personal_commit_logged(PG_FUNCTION_ARGS);

/* called only from inside fintech.so: not exported, called directly */
#pragma GCC visibility push(hidden)

/* the key of the one-member object that stands for a personal value in an image */
#define PERSONAL_COMMITMENT_KEY "commitment"
/* what erasure writes in place of a personal text value that must not be NULL */
#define PERSONAL_PLACEHOLDER "[erased]"

/* the names of rel's primary key columns, in key order (NULL, *n = 0: none) */
extern char **ft_personal_key_columns(Relation rel, int *n);

/* the personal values of one captured row, waiting for the audit row's id */
typedef struct PersonalPending PersonalPending;

/*
 * Capture (audit_capture.c): replace each non-NULL personal value of the
 * row images *old_row / *new_row (jsonb Datums; NULL pointer: no image)
 * by its commitment; returns what ft_personal_store() must write once the
 * audit row has its id, or NULL when the table has no personal values.
 */
extern PersonalPending *ft_personal_commit(Relation rel, Datum *old_row, Datum *new_row);
extern void ft_personal_store(PersonalPending *pending, int64 audit_id);

/*
 * Verification (audit_verify.c), of an audit row read with AUDIT_COLS:
 * every commitment in its images is checked against its value in
 * fintech.audit_personal.  With original, *tup becomes the row as it was
 * captured before 0.5.0 (its values in place of the commitments; the
 * legacy chain's row_hash covers that form) when every value is present.
 */
typedef enum PersonalCheck
{
	PERSONAL_NONE,				/* no commitment in the row */
	PERSONAL_PRESENT,			/* commitments, every value present and matching */
	PERSONAL_ERASED,			/* at least one value erased, the others matching */
	PERSONAL_BAD				/* a value does not match its commitment: *detail */
} PersonalCheck;

extern PersonalCheck ft_personal_check_row(HeapTuple *tup, TupleDesc desc, bool original,
										   char **detail);

/*
 * Shared by personal.c and personal_check.c
 */
#define PERSONAL_SALT_LEN 16
#define PERSONAL_HEX_LEN (2 * PG_SHA256_DIGEST_LENGTH)

/* the owner of fintech.audit_personal, InvalidOid while it does not exist */
extern Oid	ft_personal_owner(void);

/* SPI connected as that owner; results are copied to caller */
typedef struct AsOwner
{
	Oid			save_user;
	int			save_sec;
	MemoryContext caller;
} AsOwner;
extern void ft_personal_as_owner(AsOwner *o, Oid owner);
extern void ft_personal_as_owner_end(AsOwner *o);

/* SHA-256(salt || the value's text) */
extern void ft_personal_commitment_of(const uint8 *salt, JsonbValue *v, uint8 *out);
/* is v {"commitment": "<64 hex>"}?  Then its bytes into out. */
extern bool ft_personal_is_commitment(JsonbValue *v, uint8 *out);

#pragma GCC visibility pop

#endif							/* FINTECH_PERSONAL_H */
