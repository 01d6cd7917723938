/*-------------------------------------------------------------------------
 *
 * reversal.c
 *	  fintech.reverse(): a posted entry undone by a new entry of type
 *	  reversal, with the same legs the other way round, checked like any
 *	  entry.  An entry is reversed at most once; holds and their releases
 *	  posted nothing and are not reversed.
 *
 * Locking: the original entry's row FOR UPDATE first (one reversal at a
 * time per entry; the row is not changed), then its accounts in code order
 * (posting_lock.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "ledger.h"
#include "ledger_args.h"
#include "ledger_keys.h"
#include "posting.h"
#include "reversal.h"
#include "spi_plan.h"

PG_FUNCTION_INFO_V1(fintech_reverse);
/* fintech.reverse(entry_id, description DEFAULT NULL, idempotency_key DEFAULT NULL) */
Datum
fintech_reverse(PG_FUNCTION_ARGS)
{
	int64		orig = arg_id(fcinfo, 0, "entry_id");
	Oid			types[1] = {INT8OID};
	Datum		v[1] = {Int64GetDatum(orig)};
	EntrySpec	e;
	char	   *type;
	LedgerKey	k;

	ledger_key_init(&k, fcinfo, 2, "reverse");
	ledger_key_int(&k, orig, false);
	ledger_key_field(&k, PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1)));
	SPI_connect();
	if (ledger_key_claim(&k))
	{
		SPI_finish();
		PG_RETURN_INT64(k.entry_id);
	}
	/* one reversal at a time per entry: lock the entry's row (no change) */
	ft_run_select("SELECT type FROM fintech.entries WHERE id OPERATOR(pg_catalog.=) $1 FOR UPDATE",
				  1, types, v);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(LD009),
				 errmsg("entry " INT64_FORMAT " does not exist", orig)));
	type = get_text(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	if (strcmp(type, "pending") == 0 || strcmp(type, "void_pending") == 0 ||
		strcmp(type, "expire_pending") == 0)
		ereport(ERROR,
				(errcode(LD008),
				 errmsg("cannot reverse entry " INT64_FORMAT ": it is a %s entry and posted nothing",
						orig, type),
				 strcmp(type, "pending") == 0 ?
				 errhint("Release a hold with fintech.void_pending().") : 0));
	ft_run_select("SELECT id FROM fintech.entries WHERE related_id OPERATOR(pg_catalog.=) $1"
			" AND type OPERATOR(pg_catalog.=) 'reversal'", 1, types, v);
	if (SPI_processed > 0)
		ereport(ERROR,
				(errcode(LD008),
				 errmsg("entry " INT64_FORMAT " is already reversed by entry " INT64_FORMAT,
						orig, get_int8(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, NULL))));

	spec_init(&e, "reversal");
	e.related_id = orig;
	ft_run_select("SELECT a.code, p.amount FROM fintech.postings p"
			" JOIN fintech.accounts a ON a.id OPERATOR(pg_catalog.=) p.account_id"
			" WHERE p.entry_id OPERATOR(pg_catalog.=) $1 ORDER BY p.leg", 1, types, v);
	e.nlegs = (int) SPI_processed;
	e.legs = palloc0(sizeof(Leg) * Max(e.nlegs, 1));
	for (int i = 0; i < e.nlegs; i++)
	{
		CHECK_FOR_INTERRUPTS();
		e.legs[i].code = get_text(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		e.legs[i].amount = -get_int8(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, NULL);
	}
	FT_CHECK(e.nlegs >= 2);
	e.description = PG_ARGISNULL(1)
		? cstring_to_text(psprintf("reversal of entry " INT64_FORMAT, orig))
		: PG_GETARG_TEXT_P(1);
	e.preset_id = k.entry_id;
	post_one(&e, false);
	SPI_finish();
	PG_RETURN_INT64(e.entry_id);
}
