/*-------------------------------------------------------------------------
 *
 * canon.c
 *	  Canonical forms and their SHA-256 hashes: the field encoding of every
 *	  form fintech hashes (audit rows, payment requests), SHA-256 whole or
 *	  fed a piece at a time, and the two hashes of the audit chain --
 *	  row_hash of an audit_log row and chain_hash.
 *
 * The canonical form hashed by the sealer is documented in docs/audit.md,
 * with a plain SQL (pgcrypto) query that recomputes the chain: it is part
 * of the interface and must not change.
 *
 * Pure functions of their arguments: no locks, no shared state.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/xid8.h"

#include "audit_entry.h"
#include "canon.h"

/*
 * The audit log's hashes are many and short: a leaf per sealed row (a few
 * hundred bytes) and about one node per row (65 bytes), for the sealer,
 * the verifier and every proof.  pg_cryptohash (OpenSSL's EVP interface
 * underneath) allocates a context, registers it with the resource owner
 * and looks the algorithm up for each one, which costs more than hashing
 * a node.  When PostgreSQL is built with OpenSSL, these hashes use the
 * same library's SHA256_* functions on a context on the stack instead
 * (deprecated in OpenSSL 3, not removed; the same digest); otherwise
 * pg_cryptohash.
 */
#ifdef USE_OPENSSL
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>

typedef SHA256_CTX FtSha256;

static void
ft_sha_begin(FtSha256 *h)
{
	if (SHA256_Init(h) != 1)
		elog(ERROR, "could not compute SHA-256");
}

static void
ft_sha_update(FtSha256 *h, const void *data, size_t len)
{
	if (SHA256_Update(h, data, len) != 1)
		elog(ERROR, "could not compute SHA-256");
}

static void
ft_sha_end(FtSha256 *h, uint8 *out)
{
	if (SHA256_Final(out, h) != 1)
		elog(ERROR, "could not compute SHA-256");
}
#else
typedef struct FtSha256
{
	pg_cryptohash_ctx *ctx;
} FtSha256;

static void
ft_sha_begin(FtSha256 *h)
{
	h->ctx = fintech_sha256_begin();
}

static void
ft_sha_update(FtSha256 *h, const void *data, size_t len)
{
	fintech_sha256_update(h->ctx, data, len);
}

static void
ft_sha_end(FtSha256 *h, uint8 *out)
{
	fintech_sha256_end(h->ctx, out);
}
#endif

/*
 * The canonical forms that fintech hashes (audit rows, payment requests)
 * write each field as "<length in bytes>:<text>", or "N" for NULL, so that
 * no two different field lists give the same bytes.
 */
void
fintech_canon_field(StringInfo buf, const char *s)
{
	if (s == NULL)
		appendStringInfoChar(buf, 'N');
	else
		appendStringInfo(buf, "%zu:%s", strlen(s), s);
}

/* SHA-256 with the server's own implementation (common/cryptohash.h) */
pg_cryptohash_ctx *
fintech_sha256_begin(void)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);

	if (ctx == NULL || pg_cryptohash_init(ctx) < 0)
		elog(ERROR, "could not compute SHA-256: %s", pg_cryptohash_error(ctx));
	return ctx;
}

void
fintech_sha256_update(pg_cryptohash_ctx *ctx, const void *data, size_t len)
{
	if (pg_cryptohash_update(ctx, data, len) < 0)
		elog(ERROR, "could not compute SHA-256: %s", pg_cryptohash_error(ctx));
}

/*
 * one field of the canonical form, "<bytes>:<text>" (s == NULL: "N"), into
 * the hash; a long one a megabyte at a time, so that a cancel is honoured
 * within a row
 */
#define HASH_CHUNK (1024 * 1024)

/* the framing is the same for both hashes below: one copy, a callback */
typedef void (*HashUpdate) (void *ctx, const void *data, size_t len);

static void
hash_field(HashUpdate update, void *ctx, const char *s, size_t len)
{
	char		prefix[MAXINT8LEN + 2];
	int			plen;

	if (s == NULL)
	{
		update(ctx, "N", 1);
		return;
	}
	plen = pg_ulltoa_n((uint64) len, prefix);
	prefix[plen++] = ':';
	update(ctx, prefix, plen);
	for (size_t off = 0; off < len; off += HASH_CHUNK)
	{
		CHECK_FOR_INTERRUPTS();
		update(ctx, s + off, Min(len - off, HASH_CHUNK));
	}
}

static void
cryptohash_update(void *ctx, const void *data, size_t len)
{
	fintech_sha256_update((pg_cryptohash_ctx *) ctx, data, len);
}

static void
ftsha_update(void *ctx, const void *data, size_t len)
{
	ft_sha_update((FtSha256 *) ctx, data, len);
}

void
fintech_sha256_field(pg_cryptohash_ctx *ctx, const char *s, size_t len)
{
	hash_field(cryptohash_update, ctx, s, len);
}

/* the same into an FtSha256 (the audit rows' hashes) */
static void
ft_sha_field(FtSha256 *h, const char *s, size_t len)
{
	hash_field(ftsha_update, h, s, len);
}

void
fintech_sha256_end(pg_cryptohash_ctx *ctx, uint8 *out)
{
	if (pg_cryptohash_final(ctx, out, PG_SHA256_DIGEST_LENGTH) < 0)
		elog(ERROR, "could not compute SHA-256: %s", pg_cryptohash_error(ctx));
	pg_cryptohash_free(ctx);
}

void
fintech_sha256(const void *data, size_t len, uint8 *out)
{
	FtSha256	h;

	ft_sha_begin(&h);
	ft_sha_update(&h, data, len);
	ft_sha_end(&h, out);
}

/*
 * A broken-down timestamp as snprintf("%04d-%02d-%02d<sep>%02d:%02d:%02d.%06d")
 * writes it (the canonical forms' changed_at, the entry image's created_at),
 * without snprintf for the years 0 to 9999; buf holds at least 64 bytes.
 * Returns the length.
 */
static char *
put_digits(char *p, int v, int width)
{
	for (int i = width - 1; i >= 0; i--)
	{
		p[i] = '0' + v % 10;
		v /= 10;
	}
	return p + width;
}

int
fintech_format_ts(char *buf, const struct pg_tm *tm, fsec_t fsec, char sep)
{
	char	   *p = buf;

	if (tm->tm_year < 0 || tm->tm_year > 9999 || tm->tm_mon < 0 || tm->tm_mon > 99 ||
		tm->tm_mday < 0 || tm->tm_mday > 99 || tm->tm_hour < 0 || tm->tm_hour > 99 ||
		tm->tm_min < 0 || tm->tm_min > 99 || tm->tm_sec < 0 || tm->tm_sec > 99 ||
		fsec < 0 || fsec > 999999)
		return snprintf(buf, 64, "%04d-%02d-%02d%c%02d:%02d:%02d.%06d",
						tm->tm_year, tm->tm_mon, tm->tm_mday, sep,
						tm->tm_hour, tm->tm_min, tm->tm_sec, (int) fsec);
	p = put_digits(p, tm->tm_year, 4);
	*p++ = '-';
	p = put_digits(p, tm->tm_mon, 2);
	*p++ = '-';
	p = put_digits(p, tm->tm_mday, 2);
	*p++ = sep;
	p = put_digits(p, tm->tm_hour, 2);
	*p++ = ':';
	p = put_digits(p, tm->tm_min, 2);
	*p++ = ':';
	p = put_digits(p, tm->tm_sec, 2);
	*p++ = '.';
	p = put_digits(p, (int) fsec, 6);
	*p = '\0';
	return p - buf;
}

/* a SHA-256 hash as bytea */
bytea *
fintech_hash_bytea(const uint8 *hash)
{
	bytea	   *b = palloc(VARHDRSZ + PG_SHA256_DIGEST_LENGTH);

	SET_VARSIZE(b, VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
	memcpy(VARDATA(b), hash, PG_SHA256_DIGEST_LENGTH);
	return b;
}

/* ------------------------------------------------------------------------
 * The audit chain's hashes
 * ------------------------------------------------------------------------
 */

/* one field into the hash and/or the buffer: "<bytes>:<text>" or "N" */
static void
canon_emit(FtSha256 *ctx, StringInfo buf, const char *s, size_t len)
{
	if (ctx)
		ft_sha_field(ctx, s, len);
	if (buf)
	{
		if (s == NULL)
			appendStringInfoChar(buf, 'N');
		else
		{
			appendStringInfo(buf, "%zu:", len);
			appendBinaryStringInfo(buf, s, len);
		}
	}
}

/*
 * audit_row_feed: the canonical form of an audit_log row (columns as in
 * AUDIT_COLS: a row read with them, or the table's own row, whose columns
 * are in that order), into ctx and/or buf: the nine fields id ..
 * changed_at, each written as "<bytes>:<text>" or "N" for NULL, changed_at
 * as 'YYYY-MM-DD HH24:MI:SS.US' in UTC (the canonical form of
 * docs/audit.md, unchanged since 0.1.0: jsonb as jsonb_out writes it, xid8
 * as xid8out does); with seq > 0 (a leaf sealed from 0.5.0 on) a tenth
 * field, seq, so that a row moved to another place no longer matches its
 * leaf hash.
 *
 * Memory: text columns are fed from their stored bytes; a row image is
 * detoasted and written as text one at a time, fed and freed, in a
 * context of its own deleted before returning, so hashing a row costs
 * about three times its larger image (detoasted jsonb + its text),
 * whatever else the caller holds, and nothing stays behind (buf, when
 * given, grows in its own context).  A ledger entry's row has no image
 * stored (its new_row is the entry's, from images) and needs no context;
 * a batch's row (entry_ids) has its array of images written in that
 * context (about 200 bytes an entry, at most BULK_CHUNK entries a row as
 * the capture writes it).
 */
static void
audit_row_feed(HeapTuple tup, TupleDesc desc, int64 seq, EntryImages *images,
			   FtSha256 *ctx, StringInfo sbuf)
{
	MemoryContext cxt = NULL;
	MemoryContext old = CurrentMemoryContext;
	Datum		v[AUDIT_NCOLS + 1];
	bool		n[AUDIT_NCOLS + 1];
	int64		id = 0;
	bool		is_entry;
	bool		is_batch;

	/* the columns as stored (images stay TOAST pointers until fed) */
	if (desc->natts > lengthof(v))
		elog(ERROR, "an audit row of %d columns", desc->natts);
	heap_deform_tuple(tup, desc, v, n);
	is_entry = desc->natts >= AUDIT_ENTRY_COL && !n[AUDIT_ENTRY_COL - 1];
	is_batch = desc->natts >= AUDIT_ENTRIES_COL && !n[AUDIT_ENTRIES_COL - 1];

	for (int col = 1; col <= NCANON; col++)
	{
		Datum		d = v[col - 1];
		bool		isnull = n[col - 1];
		char		buf[64];

		if (col == 5 && isnull && (is_entry || is_batch))
		{
			/*
			 * a ledger entry's row: new_row is the entry with its legs; a
			 * batch's, the array of its entries' (a new_row stored there,
			 * which the capture never writes, is hashed as it is: a
			 * change).  As coalesce(new_row, audit_entry_image(entry_id),
			 * <the array of entry_ids>) in SQL: the first that is not NULL.
			 */
			const char *image = NULL;
			size_t		len = 0;
			EntryImages *one = NULL;

			if (is_entry)
			{
				int64		eid = DatumGetInt64(v[AUDIT_ENTRY_COL - 1]);

				if (images == NULL)
					one = ft_entry_images_of(&eid, 1, NULL);
				image = ft_entry_image(images ? images : one, eid, &len);
			}
			if (image == NULL && is_batch)
			{
				StringInfoData arr;

				if (cxt == NULL)
					cxt = AllocSetContextCreate(old, "fintech audit row hash", ALLOCSET_DEFAULT_SIZES);
				MemoryContextSwitchTo(cxt);
				initStringInfo(&arr);
				if (ft_entry_images_array(images, v[AUDIT_ENTRIES_COL - 1], &arr))
				{
					image = arr.data;
					len = arr.len;
				}
				MemoryContextSwitchTo(old);
			}
			canon_emit(ctx, sbuf, image, image ? len : 0);
			if (one)
				ft_entry_images_free(one);
			continue;
		}
		if (isnull)
			canon_emit(ctx, sbuf, NULL, 0);
		else if (col == 1)
		{
			id = DatumGetInt64(d);
			canon_emit(ctx, sbuf, buf, pg_lltoa(id, buf));
		}
		else if (col == NCANON)
		{
			struct pg_tm tm;
			fsec_t		fsec;

			/* only -infinity, in a row written by hand, fails here */
			if (timestamp2tm(DatumGetTimestampTz(d), NULL, &tm, &fsec, NULL, NULL) != 0)
				ereport(ERROR,
						(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
						 errmsg("audit row with an invalid changed_at"),
						 errdetail("Audit row " INT64_FORMAT " has changed_at %s.", id,
								   DatumGetCString(DirectFunctionCall1(timestamptz_out, d)))));
			canon_emit(ctx, sbuf, buf, fintech_format_ts(buf, &tm, fsec, ' '));
		}
		else if (col == 6)
		{
			/* xid8, as xid8out writes it */
			canon_emit(ctx, sbuf, buf,
					   pg_ulltoa_n(U64FromFullTransactionId(DatumGetFullTransactionId(d)), buf));
		}
		else if (col == 4 || col == 5)
		{
			/* jsonb, as jsonb_out (and so ::text) writes it */
			Jsonb	   *j;
			char	   *text;
			size_t		len;

			if (cxt == NULL)
				cxt = AllocSetContextCreate(old, "fintech audit row hash", ALLOCSET_DEFAULT_SIZES);
			MemoryContextSwitchTo(cxt);
			j = DatumGetJsonbP(d);
			text = JsonbToCString(NULL, &j->root, VARSIZE(j));
			len = strlen(text);
			if ((Pointer) j != DatumGetPointer(d))
				pfree(j);
			MemoryContextSwitchTo(old);
			canon_emit(ctx, sbuf, text, len);
			pfree(text);
		}
		else
		{
			/* text: the stored bytes (text holds no NUL) */
			text	   *t = (text *) DatumGetPointer(d);

			if (VARATT_IS_COMPRESSED(t) || VARATT_IS_EXTERNAL(t))
			{
				if (cxt == NULL)
					cxt = AllocSetContextCreate(old, "fintech audit row hash", ALLOCSET_DEFAULT_SIZES);
				MemoryContextSwitchTo(cxt);
				t = DatumGetTextPP(d);
				MemoryContextSwitchTo(old);
			}
			canon_emit(ctx, sbuf, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
		}
	}
	if (seq > 0)
	{
		/* the tenth field: the row's place (rows sealed from 0.5.0 on) */
		char		buf[32];

		canon_emit(ctx, sbuf, buf, pg_lltoa(seq, buf));
	}
	if (cxt)
		MemoryContextDelete(cxt);
}

/* the row_hash of the hash chain (rows sealed before 0.5.0): SHA-256 of the form */
void
audit_row_hash(HeapTuple tup, TupleDesc desc, uint8 *out)
{
	FtSha256	h;

	ft_sha_begin(&h);
	audit_row_feed(tup, desc, 0, NULL, &h, NULL);
	ft_sha_end(&h, out);
}

/* the leaf hash of the Merkle tree (RFC 9162): SHA-256(0x00 || form) */
void
audit_leaf_hash(HeapTuple tup, TupleDesc desc, int64 seq, EntryImages *images, uint8 *out)
{
	FtSha256	h;
	static const uint8 leaf_prefix = 0x00;

	ft_sha_begin(&h);
	ft_sha_update(&h, &leaf_prefix, 1);
	audit_row_feed(tup, desc, seq, images, &h, NULL);
	ft_sha_end(&h, out);
}

/* the canonical form as bytes (the leaf data), allocated in cxt */
bytea *
audit_leaf_data(HeapTuple tup, TupleDesc desc, int64 seq, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	StringInfoData buf;
	bytea	   *res;

	initStringInfo(&buf);
	MemoryContextSwitchTo(old);
	audit_row_feed(tup, desc, seq, NULL, NULL, &buf);
	old = MemoryContextSwitchTo(cxt);
	res = palloc(VARHDRSZ + buf.len);
	SET_VARSIZE(res, VARHDRSZ + buf.len);
	memcpy(VARDATA(res), buf.data, buf.len);
	pfree(buf.data);
	MemoryContextSwitchTo(old);
	return res;
}

/* chain_hash = SHA-256(previous chain_hash || row_hash); no previous at seq 1 */
void
audit_chain_hash(const uint8 *prev, bool has_prev, const uint8 *rowh, uint8 *out)
{
	uint8		buf[2 * PG_SHA256_DIGEST_LENGTH];
	size_t		len = 0;

	if (has_prev)
	{
		memcpy(buf, prev, PG_SHA256_DIGEST_LENGTH);
		len = PG_SHA256_DIGEST_LENGTH;
	}
	memcpy(buf + len, rowh, PG_SHA256_DIGEST_LENGTH);
	fintech_sha256(buf, len + PG_SHA256_DIGEST_LENGTH, out);
}

/* a stored hash column, or false if NULL or not 32 bytes */
bool
audit_get_hash(HeapTuple tup, TupleDesc desc, int col, uint8 *out)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);
	bytea	   *b;

	if (isnull)
		return false;
	b = DatumGetByteaPP(d);
	if (VARSIZE_ANY_EXHDR(b) != PG_SHA256_DIGEST_LENGTH)
		return false;
	memcpy(out, VARDATA_ANY(b), PG_SHA256_DIGEST_LENGTH);
	return true;
}
