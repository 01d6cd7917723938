/*-------------------------------------------------------------------------
 *
 * personal_logged.c
 *	  The personal values of rows already in the audit log: verification
 *	  (each commitment in a sealed row's images against its value and
 *	  salt in fintech.audit_personal, for verify_audit; and the row as
 *	  captured before 0.5.0, its values back in place of their
 *	  commitments, for the legacy chain's row_hash), and the 0.5.0
 *	  update's conversion of the values logged in clear before it.  The
 *	  form of a commitment is described in personal.c.
 *
 * Locks: none of its own; it reads fintech.audit_personal (AccessShareLock)
 * through SPI as its owner.  The conversion runs inside ALTER EXTENSION
 * (which holds what it takes) with audit_log's immutable_row trigger
 * disabled by the update script.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "fintech.h"
#include "personal.h"
#include "spi_plan.h"

enum
{
	P_VALUES
};
static const FintechPlanDef check_plan_defs[] = {
	[P_VALUES] = {"SELECT image, column_name, commitment, salt, value FROM fintech.audit_personal"
	" WHERE audit_id OPERATOR(pg_catalog.=) $1", 1, {INT8OID}},
};
FT_DEFINE_PLANS(check_plans, check_plan_defs);

typedef struct StoredValue
{
	char	   *image;
	char	   *column;
	uint8		commitment[PG_SHA256_DIGEST_LENGTH];
	uint8		salt[PERSONAL_SALT_LEN];
	bool		salt_ok;
	Jsonb	   *value;
	bool		used;
} StoredValue;

/* does the jsonb's binary form hold the commitment key at all? (a cheap test first) */
static bool
mentions_commitment(Jsonb *j)
{
	const char *key = PERSONAL_COMMITMENT_KEY;
	size_t		klen = strlen(key);
	const char *p = VARDATA(j);
	size_t		len = VARSIZE(j) - VARHDRSZ;

	for (size_t i = 0; i + klen <= len; i++)
		if (p[i] == key[0] && memcmp(p + i, key, klen) == 0)
			return true;
	return false;
}

/* the stored values of one audit row, copied into the caller's memory */
static StoredValue *
stored_values(int64 audit_id, Oid owner, int *n)
{
	AsOwner		o;
	Datum		v[1] = {Int64GetDatum(audit_id)};
	StoredValue *sv = NULL;

	ft_personal_as_owner(&o, owner);
	ft_run_plan(&check_plans, P_VALUES, v, NULL, true, 0);
	*n = (int) SPI_processed;
	if (*n > 0)
	{
		MemoryContext spi = MemoryContextSwitchTo(o.caller);

		sv = palloc0(sizeof(StoredValue) * *n);
		for (int i = 0; i < *n; i++)
		{
			HeapTuple	t = SPI_tuptable->vals[i];
			TupleDesc	d = SPI_tuptable->tupdesc;
			bool		isnull;
			bytea	   *b;

			sv[i].image = SPI_getvalue(t, d, 1);
			sv[i].column = SPI_getvalue(t, d, 2);
			b = DatumGetByteaPP(SPI_getbinval(t, d, 3, &isnull));
			if (!isnull && VARSIZE_ANY_EXHDR(b) == PG_SHA256_DIGEST_LENGTH)
				memcpy(sv[i].commitment, VARDATA_ANY(b), PG_SHA256_DIGEST_LENGTH);
			b = DatumGetByteaPP(SPI_getbinval(t, d, 4, &isnull));
			sv[i].salt_ok = !isnull && VARSIZE_ANY_EXHDR(b) == PERSONAL_SALT_LEN;
			if (sv[i].salt_ok)
				memcpy(sv[i].salt, VARDATA_ANY(b), PERSONAL_SALT_LEN);
			sv[i].value = DatumGetJsonbPCopy(SPI_getbinval(t, d, 5, &isnull));
			if (isnull)
				sv[i].value = NULL;
		}
		MemoryContextSwitchTo(spi);
	}
	ft_personal_as_owner_end(&o);
	return sv;
}

/* a stored jsonb value as a JsonbValue to push */
static void
stored_jsonb_value(Jsonb *j, JsonbValue *out)
{
	if (JB_ROOT_IS_SCALAR(j))
		JsonbExtractScalar(&j->root, out);
	else
	{
		out->type = jbvBinary;
		out->val.binary.data = &j->root;
		out->val.binary.len = VARSIZE(j) - VARHDRSZ;
	}
}

/*
 * Check the commitments of one image against the stored values; with
 * restore, return the image with the values back in place (NULL when one
 * is erased).  *bad: a detail when something does not match.
 */
static Jsonb *
check_image(Jsonb *img, const char *image, int64 id, StoredValue *sv, int nsv,
			bool restore, int *erased, char **bad)
{
	JsonbParseState *st = NULL;
	JsonbIterator *it = JsonbIteratorInit(&img->root);
	JsonbIteratorToken tok;
	JsonbValue	v;
	JsonbValue *res = NULL;
	char	   *column = "";
	int			columnlen = 0;
	uint8		c[PG_SHA256_DIGEST_LENGTH];

	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			column = v.val.string.val;
			columnlen = v.val.string.len;
		}
		else if (tok == WJB_VALUE && ft_personal_is_commitment(&v, c))
		{
			StoredValue *s = NULL;

			for (int i = 0; i < nsv && s == NULL; i++)
				if (strcmp(sv[i].image, image) == 0 && (int) strlen(sv[i].column) == columnlen &&
					memcmp(sv[i].column, column, columnlen) == 0)
					s = &sv[i];
			if (s == NULL)
				(*erased)++;
			else
			{
				JsonbValue	val;
				uint8		again[PG_SHA256_DIGEST_LENGTH];

				s->used = true;
				if (s->value != NULL)
					stored_jsonb_value(s->value, &val);
				if (s->value == NULL || !s->salt_ok ||
					memcmp(s->commitment, c, sizeof(c)) != 0 ||
					(ft_personal_commitment_of(s->salt, &val, again), memcmp(again, c, sizeof(c)) != 0))
				{
					*bad = psprintf("the personal value of column %s in the %s image of audit row " INT64_FORMAT
									" does not match its commitment", s->column, image, id);
					return NULL;
				}
				if (restore)
				{
					res = pushJsonbValue(&st, tok, &val);
					continue;
				}
			}
		}
		if (restore)
			res = pushJsonbValue(&st, tok, tok < WJB_BEGIN_ARRAY ? &v : NULL);
	}
	return restore && *erased == 0 ? JsonbValueToJsonb(res) : NULL;
}

/* the work of ft_personal_check_row, in a memory context of its own */
static PersonalCheck
check_row(HeapTuple tup, TupleDesc desc, bool original, Jsonb **restored, char **detail)
{
	Jsonb	   *img[2] = {NULL, NULL};
	static const char *const images[2] = {"old", "new"};
	bool		any = false;
	bool		isnull;
	int64		id;
	Oid			owner;
	StoredValue *sv;
	int			nsv;
	int			erased = 0;

	for (int i = 0; i < 2; i++)
	{
		Datum		d = SPI_getbinval(tup, desc, 4 + i, &isnull);

		if (isnull)
			continue;
		img[i] = DatumGetJsonbP(d);
		any |= mentions_commitment(img[i]);
	}
	if (!any || !OidIsValid(owner = ft_personal_owner()))
		return PERSONAL_NONE;
	id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
	sv = stored_values(id, owner, &nsv);
	for (int i = 0; i < 2; i++)
	{
		if (img[i] == NULL)
			continue;
		restored[i] = check_image(img[i], images[i], id, sv, nsv, original, &erased, detail);
		if (*detail != NULL)
			return PERSONAL_BAD;
	}
	for (int i = 0; i < nsv; i++)
		if (!sv[i].used)
		{
			*detail = psprintf("fintech.audit_personal holds a value for column %s of the %s image of audit row "
							   INT64_FORMAT ", which does not commit to one there", sv[i].column, sv[i].image, id);
			return PERSONAL_BAD;
		}
	if (erased > 0)
		return PERSONAL_ERASED;
	/* no stored value: "commitment" was only text in a value */
	return nsv == 0 ? PERSONAL_NONE : PERSONAL_PRESENT;
}

/*
 * Memory: the row's images are detoasted, checked and freed here (a
 * context of its own); what stays is *detail or, with original, the row
 * with its values back (the caller may heap_freetuple it).
 */
PersonalCheck
ft_personal_check_row(HeapTuple *tup, TupleDesc desc, bool original, char **detail)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "fintech personal check",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	Jsonb	   *restored[2] = {NULL, NULL};
	char	   *why = NULL;
	PersonalCheck res = check_row(*tup, desc, original, restored, &why);

	MemoryContextSwitchTo(old);
	if (why != NULL)
		*detail = pstrdup(why);
	if (res == PERSONAL_PRESENT && original)
	{
		Datum	   *repl = palloc(sizeof(Datum) * desc->natts);
		bool	   *replnull = palloc(sizeof(bool) * desc->natts);
		bool	   *doreplace = palloc0(sizeof(bool) * desc->natts);

		for (int i = 0; i < 2; i++)
			if (restored[i] != NULL)
			{
				repl[3 + i] = JsonbPGetDatum(restored[i]);
				replnull[3 + i] = false;
				doreplace[3 + i] = true;
			}
		*tup = heap_modify_tuple(*tup, desc, repl, replnull, doreplace);
		pfree(repl);
		pfree(replnull);
		pfree(doreplace);
	}
	MemoryContextDelete(cxt);
	return res;
}

/* ------------------------------------------------------------------------
 * The update to 0.5.0
 * ------------------------------------------------------------------------
 */

#define CONVERT_FETCH 100

PG_FUNCTION_INFO_V1(fintech_personal_commit_logged);
/*
 * Used once, by the update to 0.5.0 (with audit_log's immutable_row trigger
 * disabled): the personal values of fintech's own tables logged before it,
 * sealed or not, become commitments; returns the audit rows changed.  A
 * sealed row keeps its row_hash and chain_hash, which cover the values
 * (verify_audit puts them back to check it: ft_personal_check_row).
 */
Datum
fintech_personal_commit_logged(PG_FUNCTION_ARGS)
{
	Oid			nsp = get_namespace_oid("fintech", false);
	Relation	rels[2];
	Portal		portal;
	int64		changed = 0;
	MemoryContext outer,
				batch;

	rels[0] = table_open(get_relname_relid("parties", nsp), AccessShareLock);
	rels[1] = table_open(get_relname_relid("screening_alerts", nsp), AccessShareLock);
	SPI_connect();
	portal = SPI_cursor_open_with_args(NULL,
									   "SELECT id, table_name, old_row, new_row, ctid FROM fintech.audit_log"
									   " WHERE table_name OPERATOR(pg_catalog.=) ANY ('{fintech.parties, fintech.screening_alerts}')"
									   " ORDER BY id", 0, NULL, NULL, NULL, true, 0);
	outer = CurrentMemoryContext;
	batch = AllocSetContextCreate(outer, "fintech personal update", ALLOCSET_DEFAULT_SIZES);
	for (;;)
	{
		SPITupleTable *tt;
		uint64		n;

		SPI_cursor_fetch(portal, true, CONVERT_FETCH);
		tt = SPI_tuptable;
		n = SPI_processed;
		if (n == 0)
			break;
		MemoryContextReset(batch);
		MemoryContextSwitchTo(batch);
		for (uint64 r = 0; r < n; r++)
		{
			HeapTuple	t = tt->vals[r];
			bool		isnull[5];
			Datum		d[5];
			PersonalPending *p;
			Oid			types[3] = {TIDOID, JSONBOID, JSONBOID};
			char		nulls[3] = {' ', ' ', ' '};
			Datum		args[3];

			CHECK_FOR_INTERRUPTS();
			for (int c = 0; c < 5; c++)
				d[c] = SPI_getbinval(t, tt->tupdesc, c + 1, &isnull[c]);
			p = ft_personal_commit(rels[strcmp(TextDatumGetCString(d[1]), "fintech.parties") == 0 ? 0 : 1],
								   isnull[2] ? NULL : &d[2], isnull[3] ? NULL : &d[3]);
			if (p == NULL)
				continue;
			args[0] = d[4];
			args[1] = d[2];
			args[2] = d[3];
			nulls[1] = isnull[2] ? 'n' : ' ';
			nulls[2] = isnull[3] ? 'n' : ' ';
			if (SPI_execute_with_args("UPDATE fintech.audit_log SET old_row = $2, new_row = $3"
									  " WHERE ctid OPERATOR(pg_catalog.=) $1", 3, types, args, nulls,
									  false, 0) != SPI_OK_UPDATE || SPI_processed != 1)
				elog(ERROR, "could not commit the personal values of audit row " INT64_FORMAT,
					 DatumGetInt64(d[0]));
			ft_personal_store(p, DatumGetInt64(d[0]));
			changed++;
		}
		MemoryContextSwitchTo(outer);
		SPI_freetuptable(tt);
	}
	SPI_cursor_close(portal);
	MemoryContextDelete(batch);
	SPI_finish();
	table_close(rels[0], NoLock);
	table_close(rels[1], NoLock);
	PG_RETURN_INT64(changed);
}
