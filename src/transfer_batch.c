/*-------------------------------------------------------------------------
 *
 * transfer_batch.c
 *	  fintech.transfer_batch(): many transfers in one call, each accepted
 *	  or refused on its own (a row per item: its entry id, or the SQLSTATE
 *	  that refused it).  An invalid item (NULL or bad account code, amount
 *	  not > 0) is refused with 22023 without stopping the others.
 *
 * The whole batch goes through the engine once: every account of every
 * item is locked up front in one pass (posting_lock.c), the items are
 * checked in order against the state the earlier ones left, and
 * everything is written with a few bulk statements (posting_write.c).
 *
 * Locking: all the batch's accounts, in code order, before the first item
 * is checked; no deferral.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "account_code.h"
#include "ledger.h"
#include "ledger_args.h"
#include "metrics.h"
#include "ledger_keys.h"
#include "posting.h"
#include "posting_lock.h"
#include "posting_write.h"
#include "transfer_batch.h"

/* keys compared as strcmp does, for qsort */
static int
key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * The items' keys (pay's length rules, 22023 for the whole batch like its
 * other argument errors); a key twice in one batch is refused (22023): a
 * batch is one request, its items distinct ones.
 */
static LedgerKey *
batch_keys(Datum *kdatums, bool *knulls, int n)
{
	LedgerKey  *keys = palloc0(sizeof(LedgerKey) * Max(n, 1));
	char	  **sorted = palloc(sizeof(char *) * Max(n, 1));
	int			nsorted = 0;

	for (int i = 0; i < n; i++)
	{
		char	   *key = NULL;

		CHECK_FOR_INTERRUPTS();
		if (kdatums && !knulls[i])
		{
			int			len;

			key = TextDatumGetCString(kdatums[i]);
			if (key[0] == '\0')
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("idempotency_keys[%d] must not be empty", i + 1)));
			if ((len = pg_mbstrlen(key)) > LEDGER_KEY_MAXCHARS)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("idempotency_keys[%d] is %d characters long, the limit is %d",
								i + 1, len, LEDGER_KEY_MAXCHARS)));
			sorted[nsorted++] = key;
		}
		ledger_key_start(&keys[i], key, "transfer");
	}
	if (nsorted > 1)
	{
		qsort(sorted, nsorted, sizeof(char *), key_cmp);
		for (int i = 1; i < nsorted; i++)
			if (strcmp(sorted[i - 1], sorted[i]) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("idempotency_keys has the key \"%s\" more than once", sorted[i]),
						 errhint("Give each item its own key, or none.")));
	}
	return keys;
}

PG_FUNCTION_INFO_V1(fintech_transfer_batch);
/*
 * fintech.transfer_batch(debit_accounts, credit_accounts, amounts, descriptions,
 *						  idempotency_keys)
 *	  RETURNS TABLE(idx, entry_id, error)
 */
Datum
fintech_transfer_batch(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum	   *debits,
			   *credits,
			   *amounts,
			   *descs = NULL;
	bool	   *dnulls,
			   *cnulls,
			   *anulls,
			   *descnulls = NULL;
	int			nd,
				nc,
				na,
				ndesc = 0;
	EntrySpec  *specs;
	Leg		   *legs;
	int		   *bad;			/* per item: SQLSTATE of an input error */
	Ledger		L;
	LedgerKey  *keys;			/* per item (key NULL: none) */
	Datum	   *kdatums = NULL;
	bool	   *knulls = NULL;
	int			nkeys = 0;

	deconstruct_array(arg_array(fcinfo, 0, "debit_accounts"), TEXTOID, -1, false, TYPALIGN_INT, &debits, &dnulls, &nd);
	deconstruct_array(arg_array(fcinfo, 1, "credit_accounts"), TEXTOID, -1, false, TYPALIGN_INT, &credits, &cnulls, &nc);
	deconstruct_array(arg_array(fcinfo, 2, "amounts"), INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &amounts, &anulls, &na);
	if (!PG_ARGISNULL(3))
		deconstruct_array(arg_array(fcinfo, 3, "descriptions"), TEXTOID, -1, false, TYPALIGN_INT, &descs, &descnulls, &ndesc);
	if (PG_NARGS() > 4 && !PG_ARGISNULL(4))
		deconstruct_array(arg_array(fcinfo, 4, "idempotency_keys"), TEXTOID, -1, false, TYPALIGN_INT, &kdatums, &knulls, &nkeys);
	if (nc != nd || na != nd || (descs && ndesc != nd) || (kdatums && nkeys != nd))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("transfer_batch arrays differ in length: debit_accounts %d, credit_accounts %d, amounts %d%s%s",
						nd, nc, na, descs ? psprintf(", descriptions %d", ndesc) : "",
						kdatums ? psprintf(", idempotency_keys %d", nkeys) : "")));
	keys = batch_keys(kdatums, knulls, nd);

	InitMaterializedSRF(fcinfo, 0);

	specs = palloc(sizeof(EntrySpec) * Max(nd, 1));
	legs = palloc0(sizeof(Leg) * 2 * Max(nd, 1));
	bad = palloc0(sizeof(int) * Max(nd, 1));
	for (int i = 0; i < nd; i++)
	{
		EntrySpec  *e = &specs[i];
		Leg		   *l = &legs[2 * i];
		char	   *dc = dnulls[i] ? NULL : TextDatumGetCString(debits[i]);
		char	   *cc = cnulls[i] ? NULL : TextDatumGetCString(credits[i]);
		bool		charclass;

		CHECK_FOR_INTERRUPTS();
		spec_init(e, "standard");
		e->description = descs && !descnulls[i] ? DatumGetTextPP(descs[i]) : NULL;
		/* an invalid item is refused on its own (22023), like the design's other refusals */
		if (dc == NULL || cc == NULL ||
			(!code_plain(dc) && code_problem(dc, "debit account", &dc, &charclass) != NULL) ||
			(!code_plain(cc) && code_problem(cc, "credit account", &cc, &charclass) != NULL) ||
			anulls[i] || DatumGetInt64(amounts[i]) <= 0)
		{
			bad[i] = ERRCODE_INVALID_PARAMETER_VALUE;
			continue;
		}
		spec_transfer(e, l, dc, cc, DatumGetInt64(amounts[i]));
		ledger_key_entry(&keys[i], e);
	}

	SPI_connect();
	/* keys first (the lock order): a replayed item is not posted again */
	for (int i = 0; i < nd; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (!bad[i] && ledger_key_claim(&keys[i]))
			specs[i].nlegs = 0;
		specs[i].preset_id = keys[i].entry_id;
	}
	ledger_begin(&L, specs, nd, false, false);
	L.bulk = true;
	for (int i = 0; i < nd; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (keys[i].replay)
			specs[i].entry_id = keys[i].entry_id;
		else if (!bad[i])
			apply_entry(&L, &specs[i]);
		else
			specs[i].sqlstate = bad[i];
	}
	ledger_finish(&L);
	/* a refused item's key stays free: a resent batch tries it again */
	for (int i = 0; i < nd; i++)
		if (!bad[i] && specs[i].sqlstate)
			ledger_key_release(&keys[i]);
	SPI_finish();

	for (int i = 0; i < nd; i++)
	{
		Datum		v[3];
		bool		n[3] = {false, false, false};

		CHECK_FOR_INTERRUPTS();
		v[0] = Int32GetDatum(i + 1);
		ft_metric_refusal(specs[i].sqlstate);	/* 0: accepted, counted as it is written */
		if (specs[i].sqlstate)
		{
			n[1] = true;
			v[2] = CStringGetTextDatum(unpack_sql_state(specs[i].sqlstate));
		}
		else
		{
			v[1] = Int64GetDatum(specs[i].entry_id);
			n[2] = true;
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
	}
	return (Datum) 0;
}
