/*-------------------------------------------------------------------------
 *
 * canon.h
 *	  Canonical forms and their SHA-256 hashes (canon.c): the field
 *	  encoding of every hashed form, SHA-256 whole or incremental, and the
 *	  hashes of the audit chain.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_CANON_H
#define FINTECH_CANON_H

#include "access/htup.h"
#include "access/tupdesc.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "datatype/timestamp.h"
#include "lib/stringinfo.h"
#include "pgtime.h"

/* called only from inside fintech.so: not exported, called directly */
#pragma GCC visibility push(hidden)

/* one field of a canonical form, "<length in bytes>:<text>" or "N" for NULL */
extern void fintech_canon_field(StringInfo buf, const char *s);

/*
 * a broken-down timestamp as "%04d-%02d-%02d<sep>%02d:%02d:%02d.%06d"
 * writes it, into buf (64 bytes); returns its length
 */
extern int	fintech_format_ts(char *buf, const struct pg_tm *tm, fsec_t fsec, char sep);

/* SHA-256 of data, into out (PG_SHA256_DIGEST_LENGTH bytes) */
extern void fintech_sha256(const void *data, size_t len, uint8 *out);
/* a SHA-256 hash as bytea */
extern bytea *fintech_hash_bytea(const uint8 *hash);

/*
 * SHA-256 fed a piece at a time: begin, update or field (a field of the
 * canonical form: s == NULL hashes "N"), end (writes the hash, frees ctx).
 */
extern pg_cryptohash_ctx *fintech_sha256_begin(void);
extern void fintech_sha256_update(pg_cryptohash_ctx *ctx, const void *data, size_t len);
extern void fintech_sha256_field(pg_cryptohash_ctx *ctx, const char *s, size_t len);
extern void fintech_sha256_end(pg_cryptohash_ctx *ctx, uint8 *out);

/*
 * columns of fintech.audit_log read by the sealer, the tree and the
 * verifier, as stored (a ledger entry's row, which has entry_id, takes its
 * new_row from the entry and its legs, audit_entry.c; a batch's row, which
 * has entry_ids, the array of its entries'): the row images stay jsonb (a
 * TOAST pointer or compressed bytes in the tuple read) until
 * audit_row_hash() takes them one at a time
 */
#define AUDIT_COLS "id, table_name, operation, old_row, new_row," \
	" txid, session_role, calling_role, changed_at, seq, row_hash, chain_hash, entry_id, entry_ids"
/* the same before the update to 0.6.0 (no entry_ids yet) */
#define AUDIT_COLS_V2 "id, table_name, operation, old_row, new_row," \
	" txid, session_role, calling_role, changed_at, seq, row_hash, chain_hash, entry_id," \
	" NULL::pg_catalog.int8[]"
/* the same before the update to 0.5.0 (no entry_id either) */
#define AUDIT_COLS_V1 "id, table_name, operation, old_row, new_row," \
	" txid, session_role, calling_role, changed_at, seq, row_hash, chain_hash, NULL::pg_catalog.int8," \
	" NULL::pg_catalog.int8[]"
#define NCANON 9
#define AUDIT_ENTRY_COL 13		/* entry_id */
#define AUDIT_ENTRIES_COL 14	/* entry_ids */
#define AUDIT_NCOLS 14				/* the first 9 columns are hashed */

/* of a row read with AUDIT_COLS: */
extern void audit_row_hash(HeapTuple tup, TupleDesc desc, uint8 *out);
struct EntryImages;
/*
 * RFC 9162 leaf hash: SHA-256(0x00 || canonical form), the form with seq
 * as a tenth field when seq > 0 (rows sealed from 0.5.0 on; 0 for the old
 * chain's rows)
 */
extern void audit_leaf_hash(HeapTuple tup, TupleDesc desc, int64 seq, struct EntryImages *images,
							uint8 *out);
/* the leaf data (that canonical form) itself, allocated in cxt */
extern bytea *audit_leaf_data(HeapTuple tup, TupleDesc desc, int64 seq, MemoryContext cxt);
/*
 * (images: the ledger entries' images of the rows being hashed, from
 * ft_entry_images(); NULL: looked up one by one)
 */
/* the seq that a sealed row's leaf data carries: 0 within the old chain */
#define AUDIT_LEAF_SEQ(seq, chain_seq) ((seq) > (chain_seq) ? (seq) : 0)
extern bool audit_get_hash(HeapTuple tup, TupleDesc desc, int col, uint8 *out);
extern void audit_chain_hash(const uint8 *prev, bool has_prev, const uint8 *rowh, uint8 *out);

#pragma GCC visibility pop

#endif							/* FINTECH_CANON_H */
