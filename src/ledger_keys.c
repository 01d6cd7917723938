/*-------------------------------------------------------------------------
 *
 * ledger_keys.c
 *	  Idempotency of the ledger's writes: the optional idempotency_key of
 *	  transfer, post, post_pending, void_pending, reverse and sweep, and
 *	  the per-item keys of transfer_batch (fintech.ledger_keys).
 *
 * A key is claimed as pay claims its keys (payments.c): by inserting it,
 * with the id its entry will take (taken from fintech.entries_id_seq
 * beforehand) and the SHA-256 of the request's canonical form (the
 * function and every argument, description and metadata included), with
 * ON CONFLICT DO NOTHING.  A second inserter of the same key waits for the
 * first one's transaction: when that commits, the second finds the key
 * taken and returns the entry it names (the same request) or raises LD005
 * (another request); when it rolls back, the second one's insert goes
 * through and it executes.  So there is exactly one entry per key under
 * any concurrency (in REPEATABLE READ or SERIALIZABLE a key claimed by a
 * transaction the snapshot cannot see is a serialization failure, 40001).
 *
 * The key row is written in the caller's transaction, with the entry: a
 * refusal raises and takes the claim with it (only pay records refusals).
 * Keys are forgotten after fintech.idempotency_retention by the
 * prune_idempotency_keys job (payments.c calls ledger_keys_prune).
 *
 * Locking: the key comes first in the global lock order (payments.c),
 * before holds and accounts; nothing is locked when a call claims it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "fintech.h"
#include "canon.h"
#include "ledger_keys.h"
#include "spi_plan.h"

enum
{
	P_CLAIM,
	P_LOOKUP,
	P_RELEASE,
	P_PRUNE,
	NPLANS
};

static const FintechPlanDef plan_defs[NPLANS] = {
	[P_CLAIM] = {"INSERT INTO fintech.ledger_keys (key, function, request_hash, entry_id)"
		" VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING", 4,
	{TEXTOID, TEXTOID, BYTEAOID, INT8OID}},
	[P_LOOKUP] = {"SELECT function, request_hash, entry_id FROM fintech.ledger_keys"
		" WHERE key OPERATOR(pg_catalog.=) $1", 1, {TEXTOID}},
	[P_RELEASE] = {"DELETE FROM fintech.ledger_keys WHERE key OPERATOR(pg_catalog.=) $1", 1, {TEXTOID}},
	[P_PRUNE] = {"DELETE FROM fintech.ledger_keys WHERE ctid OPERATOR(pg_catalog.=) ANY (ARRAY("
		" SELECT k.ctid FROM fintech.ledger_keys k"
		"  WHERE k.created_at OPERATOR(pg_catalog.<) $1 LIMIT $2))", 2, {TIMESTAMPTZOID, INT4OID}},
};

FT_DEFINE_PLANS(plans, plan_defs);

void
ledger_key_start(LedgerKey *k, char *key, const char *function)
{
	memset(k, 0, sizeof(*k));
	k->key = key;
	k->function = function;
	if (key == NULL)
		return;
	initStringInfo(&k->canon);
	fintech_canon_field(&k->canon, function);
}

void
ledger_key_init(LedgerKey *k, FunctionCallInfo fcinfo, int n, const char *function)
{
	/* a function created before the key existed has no argument n */
	char	   *key = PG_NARGS() > n
		? fintech_text_arg(fcinfo, n, "idempotency_key", FT_ARG_OPTIONAL, LEDGER_KEY_MAXCHARS)
		: NULL;

	ledger_key_start(k, key, function);
}

void
ledger_key_field(LedgerKey *k, const char *value)
{
	if (k->key)
		fintech_canon_field(&k->canon, value);
}

void
ledger_key_int(LedgerKey *k, int64 value, bool isnull)
{
	if (k->key)
		fintech_canon_field(&k->canon, isnull ? NULL : psprintf(INT64_FORMAT, value));
}

void
ledger_key_entry(LedgerKey *k, const EntrySpec *e)
{
	if (k->key == NULL)
		return;
	ledger_key_int(k, e->nlegs, false);
	for (int i = 0; i < e->nlegs; i++)
	{
		ledger_key_field(k, e->legs[i].code);
		ledger_key_int(k, e->legs[i].amount, false);
	}
	ledger_key_field(k, e->description ? text_to_cstring(e->description) : NULL);
	ledger_key_field(k, JsonbToCString(NULL, &e->metadata->root, VARSIZE(e->metadata)));
	ledger_key_field(k, e->pending_for
					 ? DatumGetCString(DirectFunctionCall1(interval_out,
														   IntervalPGetDatum(e->pending_for)))
					 : NULL);
}

bool
ledger_key_claim(LedgerKey *k)
{
	uint8		hash[PG_SHA256_DIGEST_LENGTH];
	Datum		v[4];

	if (k->key == NULL)
		return false;
	fintech_sha256(k->canon.data, k->canon.len, hash);
	k->entry_id = nextval_internal(RangeVarGetRelid(makeRangeVar("fintech", "entries_id_seq", -1),
													NoLock, false), false);
	v[0] = CStringGetTextDatum(k->key);
	v[1] = CStringGetTextDatum(k->function);
	v[2] = PointerGetDatum(fintech_hash_bytea(hash));
	v[3] = Int64GetDatum(k->entry_id);
	for (int attempt = 0;; attempt++)
	{
		HeapTuple	tup;
		TupleDesc	desc;
		char	   *function;
		bytea	   *stored;
		bool		isnull;

		if (ft_run_plan(&plans, P_CLAIM, v, NULL, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "could not claim idempotency key");
		if (SPI_processed == 1)
			return false;		/* ours */
		ft_run_plan(&plans, P_LOOKUP, v, NULL, false, 0);
		if (SPI_processed == 0)
		{
			/* pruned between the two statements: claim again */
			if (attempt >= 3)
				elog(ERROR, "idempotency key \"%s\" is taken but cannot be read", k->key);
			continue;
		}
		tup = SPI_tuptable->vals[0];
		desc = SPI_tuptable->tupdesc;
		function = SPI_getvalue(tup, desc, 1);
		stored = DatumGetByteaPP(SPI_getbinval(tup, desc, 2, &isnull));
		k->entry_id = DatumGetInt64(SPI_getbinval(tup, desc, 3, &isnull));
		if (strcmp(function, k->function) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_LD005),
					 errmsg("idempotency key \"%s\" was already used for a different request", k->key),
					 errdetail("It was used by fintech.%s (entry " INT64_FORMAT "), not fintech.%s.",
							   function, k->entry_id, k->function),
					 errhint("Use a new key for a new request; retry with the same request to get the first result.")));
		if (VARSIZE_ANY_EXHDR(stored) != PG_SHA256_DIGEST_LENGTH ||
			memcmp(VARDATA_ANY(stored), hash, PG_SHA256_DIGEST_LENGTH) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_LD005),
					 errmsg("idempotency key \"%s\" was already used for a different request", k->key),
					 errdetail("It was used by fintech.%s (entry " INT64_FORMAT ") with other arguments.",
							   function, k->entry_id),
					 errhint("Use a new key for a new request; retry with the same request to get the first result.")));
		k->replay = true;
		return true;
	}
}

void
ledger_key_release(LedgerKey *k)
{
	Datum		v[1];

	if (k->key == NULL || k->replay)
		return;
	v[0] = CStringGetTextDatum(k->key);
	if (ft_run_plan(&plans, P_RELEASE, v, NULL, false, 0) != SPI_OK_DELETE || SPI_processed != 1)
		elog(ERROR, "could not release idempotency key \"%s\"", k->key);
}

int64
ledger_keys_prune(Datum cutoff, int batch)
{
	Datum		v[2] = {cutoff, Int32GetDatum(batch)};

	if (ft_run_plan(&plans, P_PRUNE, v, NULL, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "could not prune ledger idempotency keys");
	return (int64) SPI_processed;
}
