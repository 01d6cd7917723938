/*-------------------------------------------------------------------------
 *
 * audit_verify.c
 *	  Verification of the audit trail and its digests: fintech.verify_audit()
 *	  walks the chain from its start and checks every sealed row's position,
 *	  row_hash and chain_hash and the head; fintech.audit_digest() gives the
 *	  head as (seq, chain_hash) to keep elsewhere, and
 *	  fintech.verify_audit_digest() checks that today's chain still has that
 *	  hash at that position.
 *
 * Locks: none of its own.  It reads fintech.audit_head and the sealed rows
 * in one snapshot (AccessShareLock), beside writers and sealers: a sealer's
 * rows and its move of the head commit together, so a snapshot sees a
 * whole chain.  Memory is bounded by bytes, not by the length of the chain
 * (see verify_chain).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "audit_verify.h"
#include "canon.h"
#include "personal.h"
#include "spi_plan.h"

/* the verifier reads this many rows per fetch (each at most a page) */
#define VERIFY_FETCH 100

typedef struct VerifyResult
{
	bool		ok;
	int64		rows_checked;
	int64		first_bad_seq;	/* 0: none */
	char	   *detail;
	int64		erased;			/* rows with personal values erased */
} VerifyResult;

/* the sealed rows in chain order: all of them, or up to a position */
enum
{
	P_SEALED,
	P_SEALED_UPTO
};
static const FintechPlanDef verify_plan_defs[] = {
	[P_SEALED] = {"SELECT " AUDIT_COLS " FROM fintech.audit_log WHERE seq IS NOT NULL"
	" ORDER BY seq", 0, {0}},
	[P_SEALED_UPTO] = {"SELECT " AUDIT_COLS " FROM fintech.audit_log WHERE seq IS NOT NULL"
	" AND seq OPERATOR(pg_catalog.<=) $1 ORDER BY seq", 1, {INT8OID}},
};
FT_DEFINE_PLANS(verify_plans, verify_plan_defs);

/*
 * Walk the sealed rows in seq order up to upto (0: all) and check each
 * one's position, row_hash and chain_hash, then the head.
 */
static VerifyResult
verify_chain(int64 upto, uint8 *last_chain)
{
	VerifyResult res = {true, 0, 0, NULL, 0};
	uint8		prev[PG_SHA256_DIGEST_LENGTH];
	bool		has_prev = false;
	int64		expect = 1;
	Portal		portal;
	int64		head_seq;
	uint8		head_hash[PG_SHA256_DIGEST_LENGTH];
	bool		has_head_hash;
	bool		isnull;
	MemoryContext outer,
				per_fetch;

	if (SPI_execute("SELECT last_seq, last_hash FROM fintech.audit_head", true, 0) != SPI_OK_SELECT ||
		SPI_processed > 1)
	{
		res.ok = false;
		res.first_bad_seq = 1;
		res.detail = "fintech.audit_head has more than one row";
		return res;
	}
	if (SPI_processed == 0)
	{
		/* nothing sealed yet (the first seal creates the head) */
		head_seq = 0;
		has_head_hash = false;
	}
	else
	{
		head_seq = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		has_head_hash = audit_get_hash(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, head_hash);
	}

	if (upto > 0)
	{
		Datum		v[1] = {Int64GetDatum(upto)};

		portal = ft_open_cursor(&verify_plans, P_SEALED_UPTO, v, NULL, true);
	}
	else
		portal = ft_open_cursor(&verify_plans, P_SEALED, NULL, NULL, true);
	outer = CurrentMemoryContext;
	/*
	 * Each fetch's rows are freed before the next (millions of rows): a
	 * fetch holds VERIFY_FETCH rows as stored, their images still TOAST
	 * pointers (at most a page each), and audit_row_hash() detoasts one image at a
	 * time and frees it, so memory is bounded by bytes, not by the backlog.
	 */
	per_fetch = AllocSetContextCreate(outer, "fintech verify", ALLOCSET_DEFAULT_SIZES);
	for (;;)
	{
		MemoryContextReset(per_fetch);
		SPI_cursor_fetch(portal, true, VERIFY_FETCH);
		if (SPI_processed == 0)
		{
			SPI_freetuptable(SPI_tuptable);
			break;
		}
		MemoryContextSwitchTo(per_fetch);
		for (uint64 r = 0; r < SPI_processed && res.ok; r++)
		{
			HeapTuple	tup = SPI_tuptable->vals[r];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			int64		seq = DatumGetInt64(SPI_getbinval(tup, desc, 10, &isnull));
			int64		id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
			uint8		rowh[PG_SHA256_DIGEST_LENGTH];
			uint8		stored[PG_SHA256_DIGEST_LENGTH];
			uint8		chain[PG_SHA256_DIGEST_LENGTH];

			CHECK_FOR_INTERRUPTS();
			if (seq != expect)
			{
				res.ok = false;
				res.first_bad_seq = expect;
				res.detail = seq > expect
					? psprintf("row %lld of the chain is missing (next row has seq " INT64_FORMAT ")",
							   (long long) expect, seq)
					: psprintf("seq " INT64_FORMAT " appears twice", seq);
				break;
			}
			/*
			 * personal values against their commitments; a row sealed before
			 * 0.5.0 was hashed with its values in clear (personal.c), and once
			 * they are erased only its stored row_hash and the chain speak for it
			 */
			{
				HeapTuple	orig = tup;
				char	   *pdetail = NULL;
				PersonalCheck pc = ft_personal_check_row(&orig, desc, true, &pdetail);

				if (pc == PERSONAL_BAD)
				{
					res.ok = false;
					res.first_bad_seq = seq;
					res.detail = psprintf("seq " INT64_FORMAT ": %s", seq, pdetail);
					break;
				}
				audit_row_hash(tup, desc, rowh);
				if (pc == PERSONAL_PRESENT && audit_get_hash(tup, desc, 11, stored) &&
					memcmp(stored, rowh, sizeof(rowh)) != 0)
					audit_row_hash(orig, desc, rowh);
				else if (pc == PERSONAL_ERASED && audit_get_hash(tup, desc, 11, stored))
					memcpy(rowh, stored, sizeof(rowh));
				res.erased += pc == PERSONAL_ERASED;
				if (orig != tup)
					heap_freetuple(orig);
			}
			if (!audit_get_hash(tup, desc, 11, stored) || memcmp(stored, rowh, sizeof(rowh)) != 0)
			{
				res.ok = false;
				res.first_bad_seq = seq;
				res.detail = psprintf("audit row " INT64_FORMAT " (seq " INT64_FORMAT ") was changed: its content does not match its row_hash",
									  id, seq);
				break;
			}
			audit_chain_hash(prev, has_prev, rowh, chain);
			if (!audit_get_hash(tup, desc, 12, stored) || memcmp(stored, chain, sizeof(chain)) != 0)
			{
				res.ok = false;
				res.first_bad_seq = seq;
				res.detail = psprintf("chain broken at seq " INT64_FORMAT " (audit row " INT64_FORMAT "): a row was inserted, removed or moved before it",
									  seq, id);
				break;
			}
			memcpy(prev, chain, sizeof(prev));
			has_prev = true;
			res.rows_checked++;
			expect++;
		}
		MemoryContextSwitchTo(outer);
		SPI_freetuptable(SPI_tuptable);
		if (!res.ok)
		{
			res.detail = pstrdup(res.detail);
			break;
		}
	}
	MemoryContextDelete(per_fetch);
	SPI_cursor_close(portal);

	if (res.ok && upto == 0)
	{
		/* the head must be where the chain ends */
		if (head_seq != expect - 1)
		{
			res.ok = false;
			res.first_bad_seq = Min(head_seq, expect - 1) + 1;
			res.detail = head_seq > expect - 1
				? psprintf("the chain ends at seq " INT64_FORMAT " but was sealed up to " INT64_FORMAT ": rows at the end were removed",
						   expect - 1, head_seq)
				: psprintf("rows after the head of the chain (seq " INT64_FORMAT ") were added", head_seq);
		}
		else if (head_seq > 0 && (!has_head_hash || memcmp(head_hash, prev, sizeof(prev)) != 0))
		{
			res.ok = false;
			res.first_bad_seq = head_seq;
			res.detail = "the head of the chain does not match its last row";
		}
	}
	if (res.ok)
		res.detail = res.erased > 0
			? psprintf(INT64_FORMAT " sealed rows verified, " INT64_FORMAT " of them with personal values erased",
					   res.rows_checked, res.erased)
			: psprintf(INT64_FORMAT " sealed rows verified", res.rows_checked);
	if (last_chain && has_prev)
		memcpy(last_chain, prev, PG_SHA256_DIGEST_LENGTH);
	return res;
}

PG_FUNCTION_INFO_V1(fintech_verify_audit);
/* fintech.verify_audit() RETURNS TABLE(ok, rows_checked, first_bad_seq, detail) */
Datum
fintech_verify_audit(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	VerifyResult res;
	Datum		v[4];
	bool		n[4] = {false, false, false, false};

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	res = verify_chain(0, NULL);
	/* res.detail lives in SPI memory: store the row before SPI_finish */
	v[0] = BoolGetDatum(res.ok);
	v[1] = Int64GetDatum(res.rows_checked);
	v[2] = Int64GetDatum(res.first_bad_seq);
	n[2] = res.ok;
	v[3] = CStringGetTextDatum(res.detail);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
	SPI_finish();
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(fintech_audit_digest);
/* fintech.audit_digest() RETURNS TABLE(seq, chain_hash): the head of the chain */
Datum
fintech_audit_digest(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	if (SPI_execute("SELECT seq, chain_hash FROM fintech.audit_log WHERE seq IS NOT NULL"
					" ORDER BY seq DESC LIMIT 1", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the head of the audit chain");
	if (SPI_processed == 1)
	{
		Datum		v[2];
		bool		n[2];

		v[0] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &n[0]);
		v[1] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &n[1]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
	}
	SPI_finish();
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(fintech_verify_audit_digest);
/*
 * fintech.verify_audit_digest(seq, chain_hash): does today's chain, verified
 * from its start, still have this hash at this position?
 */
Datum
fintech_verify_audit_digest(PG_FUNCTION_ARGS)
{
	int64		seq;
	bytea	   *hash;
	VerifyResult res;
	uint8		last[PG_SHA256_DIGEST_LENGTH];
	bool		match;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("seq and chain_hash must not be NULL")));
	seq = PG_GETARG_INT64(0);
	hash = PG_GETARG_BYTEA_PP(1);
	if (seq <= 0)
		PG_RETURN_BOOL(false);
	SPI_connect();
	res = verify_chain(seq, last);
	SPI_finish();
	match = res.ok && res.rows_checked == seq &&
		VARSIZE_ANY_EXHDR(hash) == PG_SHA256_DIGEST_LENGTH &&
		memcmp(VARDATA_ANY(hash), last, PG_SHA256_DIGEST_LENGTH) == 0;
	PG_RETURN_BOOL(match);
}
