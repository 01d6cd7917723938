/*-------------------------------------------------------------------------
 *
 * audit_entry.c
 *	  The leaf image of a ledger entry: what fintech.audit_entry_image()
 *	  returns (the install script defines it in SQL, for auditors and the
 *	  docs), built here in C for many entries at once, because the sealer
 *	  and the verifier need one per ledger entry they hash.
 *
 * The image is a jsonb object: the entry's id, type, related_id,
 * description, metadata, created_at (UTC, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
 * and its legs and pending_legs as arrays of [leg, account_id, amount] in
 * leg order (NULL when it has none), exactly as the SQL function builds it
 * (jsonb sorts an object's keys, so only the values must agree; the
 * regression tests compare both).  Reading the three tables for a whole
 * fetch of audit rows costs three index scans instead of three per entry.
 *
 * Locks: none of its own (reads entries, postings, pending_legs, which are
 * append-only, in the caller's snapshot).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "pgtime.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "audit_entry.h"
#include "canon.h"
#include "spi_plan.h"

enum
{
	P_ENTRIES,
	P_POSTINGS,
	P_PENDING
};
static const FintechPlanDef entry_plan_defs[] = {
	[P_ENTRIES] = {"SELECT id, type, related_id, description, metadata, created_at"
		" FROM fintech.entries WHERE id OPERATOR(pg_catalog.=) ANY ($1)", 1, {INT8ARRAYOID}},
	[P_POSTINGS] = {"SELECT entry_id, leg, account_id, amount FROM fintech.postings"
		" WHERE entry_id OPERATOR(pg_catalog.=) ANY ($1) ORDER BY entry_id, leg", 1, {INT8ARRAYOID}},
	[P_PENDING] = {"SELECT entry_id, leg, account_id, amount FROM fintech.pending_legs"
		" WHERE entry_id OPERATOR(pg_catalog.=) ANY ($1) ORDER BY entry_id, leg", 1, {INT8ARRAYOID}},
};
FT_DEFINE_PLANS(entry_plans, entry_plan_defs);

typedef struct EntryImage
{
	int64		id;				/* hash key */
	HeapTuple	entry;			/* the entries row (as read) */
	JsonbParseState *legs[2];	/* postings, pending legs: open arrays */
	Jsonb	   *image;			/* built */
} EntryImage;

struct EntryImages
{
	MemoryContext cxt;
	HTAB	   *byid;
	TupleDesc	desc;			/* of the entries rows */
};

static void
push_key(JsonbParseState **st, const char *key)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	pushJsonbValue(st, WJB_KEY, &k);
}

static void
push_int(JsonbParseState **st, int64 v, JsonbIteratorToken tok)
{
	JsonbValue	n;

	n.type = jbvNumeric;
	n.val.numeric = int64_to_numeric(v);
	pushJsonbValue(st, tok, &n);
}

static void
push_text_or_null(JsonbParseState **st, Datum d, bool isnull)
{
	JsonbValue	v;

	if (isnull)
		v.type = jbvNull;
	else
	{
		text	   *t = DatumGetTextPP(d);

		v.type = jbvString;
		v.val.string.val = VARDATA_ANY(t);
		v.val.string.len = VARSIZE_ANY_EXHDR(t);
	}
	pushJsonbValue(st, WJB_VALUE, &v);
}

/* the legs read by plan `which` into each entry's array `slot` */
static void
load_legs(EntryImages *imgs, int which, int slot, Datum ids, bool read_only)
{
	if (ft_run_plan(&entry_plans, which, &ids, NULL, read_only, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the legs of ledger entries");
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int64		id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		EntryImage *e = hash_search(imgs->byid, &id, HASH_FIND, NULL);
		MemoryContext old;

		CHECK_FOR_INTERRUPTS();
		if (e == NULL)
			continue;
		old = MemoryContextSwitchTo(imgs->cxt);
		if (e->legs[slot] == NULL)
			pushJsonbValue(&e->legs[slot], WJB_BEGIN_ARRAY, NULL);
		pushJsonbValue(&e->legs[slot], WJB_BEGIN_ARRAY, NULL);
		push_int(&e->legs[slot], DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull)), WJB_ELEM);
		push_int(&e->legs[slot], DatumGetInt64(SPI_getbinval(tup, desc, 3, &isnull)), WJB_ELEM);
		push_int(&e->legs[slot], DatumGetInt64(SPI_getbinval(tup, desc, 4, &isnull)), WJB_ELEM);
		pushJsonbValue(&e->legs[slot], WJB_END_ARRAY, NULL);
		MemoryContextSwitchTo(old);
	}
	SPI_freetuptable(SPI_tuptable);
}

/* the object, as fintech.audit_entry_image() builds it */
static Jsonb *
build_image(EntryImages *imgs, EntryImage *e)
{
	JsonbParseState *st = NULL;
	JsonbValue *res;
	TupleDesc	desc = imgs->desc;
	bool		isnull;
	Datum		d;
	static const char *const leg_keys[2] = {"legs", "pending_legs"};

	pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	push_key(&st, "id");
	push_int(&st, e->id, WJB_VALUE);
	push_key(&st, "type");
	d = heap_getattr(e->entry, 2, desc, &isnull);
	push_text_or_null(&st, d, isnull);
	push_key(&st, "related_id");
	d = heap_getattr(e->entry, 3, desc, &isnull);
	if (isnull)
		push_text_or_null(&st, d, true);
	else
		push_int(&st, DatumGetInt64(d), WJB_VALUE);
	push_key(&st, "description");
	d = heap_getattr(e->entry, 4, desc, &isnull);
	push_text_or_null(&st, d, isnull);
	push_key(&st, "metadata");
	d = heap_getattr(e->entry, 5, desc, &isnull);
	if (isnull)
		push_text_or_null(&st, d, true);
	else
	{
		Jsonb	   *m = DatumGetJsonbP(d);
		JsonbValue	v;

		v.type = jbvBinary;
		v.val.binary.data = &m->root;
		v.val.binary.len = VARSIZE(m) - VARHDRSZ;
		pushJsonbValue(&st, WJB_VALUE, &v);
	}
	push_key(&st, "created_at");
	d = heap_getattr(e->entry, 6, desc, &isnull);
	{
		struct pg_tm tm;
		fsec_t		fsec;
		char		buf[64];

		if (isnull || timestamp2tm(DatumGetTimestampTz(d), NULL, &tm, &fsec, NULL, NULL) != 0)
			push_text_or_null(&st, d, true);
		else
		{
			JsonbValue	v;

			snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
					 tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
					 (int) fsec);
			v.type = jbvString;
			v.val.string.val = buf;
			v.val.string.len = strlen(buf);
			pushJsonbValue(&st, WJB_VALUE, &v);
		}
	}
	for (int slot = 0; slot < 2; slot++)
	{
		push_key(&st, leg_keys[slot]);
		if (e->legs[slot] == NULL)
			push_text_or_null(&st, (Datum) 0, true);
		else
		{
			JsonbValue *arr = pushJsonbValue(&e->legs[slot], WJB_END_ARRAY, NULL);
			Jsonb	   *j = JsonbValueToJsonb(arr);
			JsonbValue	v;

			v.type = jbvBinary;
			v.val.binary.data = &j->root;
			v.val.binary.len = VARSIZE(j) - VARHDRSZ;
			pushJsonbValue(&st, WJB_VALUE, &v);
		}
	}
	res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
}

/* the images of the n entries of ids (duplicates allowed) */
EntryImages *
ft_entry_images_of(const int64 *entry_ids, uint64 n, bool read_only)
{
	EntryImages *imgs = palloc0(sizeof(EntryImages));
	MemoryContext old;
	HASHCTL		ctl;
	Datum	   *ids;
	int			nids = 0;
	Datum		idarr;

	imgs->cxt = AllocSetContextCreate(CurrentMemoryContext, "fintech entry images",
									  ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(imgs->cxt);
	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(EntryImage);
	ctl.hcxt = imgs->cxt;
	imgs->byid = hash_create("fintech entry images", Max(n, 16), &ctl,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ids = palloc(sizeof(Datum) * Max(n, 1));
	for (uint64 r = 0; r < n; r++)
	{
		bool		found;
		EntryImage *e = hash_search(imgs->byid, &entry_ids[r], HASH_ENTER, &found);

		if (!found)
		{
			/* hash_search sets the key only */
			memset(e, 0, sizeof(*e));
			e->id = entry_ids[r];
			ids[nids++] = Int64GetDatum(entry_ids[r]);
		}
	}
	MemoryContextSwitchTo(old);
	if (nids == 0)
		return imgs;

	idarr = PointerGetDatum(construct_array(ids, nids, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	if (ft_run_plan(&entry_plans, P_ENTRIES, &idarr, NULL, read_only, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read ledger entries");
	old = MemoryContextSwitchTo(imgs->cxt);
	imgs->desc = CreateTupleDescCopy(SPI_tuptable->tupdesc);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		bool		isnull;
		int64		id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1,
													 &isnull));
		EntryImage *e = hash_search(imgs->byid, &id, HASH_FIND, NULL);

		if (e)
			e->entry = heap_copytuple(SPI_tuptable->vals[r]);
	}
	MemoryContextSwitchTo(old);
	SPI_freetuptable(SPI_tuptable);
	load_legs(imgs, P_POSTINGS, 0, idarr, read_only);
	load_legs(imgs, P_PENDING, 1, idarr, read_only);

	old = MemoryContextSwitchTo(imgs->cxt);
	{
		HASH_SEQ_STATUS it;
		EntryImage *e;

		hash_seq_init(&it, imgs->byid);
		while ((e = hash_seq_search(&it)) != NULL)
			if (e->entry)
				e->image = build_image(imgs, e);
	}
	MemoryContextSwitchTo(old);
	pfree(DatumGetPointer(idarr));
	pfree(ids);
	return imgs;
}

EntryImages *
ft_entry_images(SPITupleTable *tt, uint64 n, bool read_only)
{
	int64	   *ids = palloc(sizeof(int64) * Max(n, 1));
	uint64		nids = 0;
	EntryImages *imgs;

	for (uint64 r = 0; r < n; r++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(tt->vals[r], tt->tupdesc, AUDIT_ENTRY_COL, &isnull);

		if (!isnull)
			ids[nids++] = DatumGetInt64(d);
	}
	imgs = ft_entry_images_of(ids, nids, read_only);
	pfree(ids);
	return imgs;
}

Jsonb *
ft_entry_image(EntryImages *images, int64 entry_id)
{
	EntryImage *e = hash_search(images->byid, &entry_id, HASH_FIND, NULL);

	return e ? e->image : NULL;
}

void
ft_entry_images_free(EntryImages *images)
{
	MemoryContextDelete(images->cxt);
	pfree(images);
}
