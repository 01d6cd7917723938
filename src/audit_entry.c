/*-------------------------------------------------------------------------
 *
 * audit_entry.c
 *	  The leaf image of a ledger entry: what fintech.audit_entry_image()
 *	  returns (the install script defines it in SQL, for auditors and the
 *	  docs), built here in C for many entries at once, because the sealer
 *	  and the verifier need one per ledger entry they hash.
 *
 * A batch's audit row (entry_ids, from 0.6.0 on) takes as its new_row the
 * jsonb array of its entries' images in the row's order, as
 * jsonb_agg(fintech.audit_entry_image(id) ORDER BY ordinality) over
 * unnest(entry_ids) WITH ORDINALITY builds it: "[" image ", " image "]", an
 * id without an entry (or a NULL element) as null, an empty array as NULL.
 *
 * The image is a jsonb object: the entry's id, type, related_id,
 * description, metadata, created_at (UTC, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
 * and its legs and pending_legs as arrays of [leg, account_id, amount] in
 * leg order (NULL when it has none), exactly as the SQL function builds it.
 * What the leaf hashes is that jsonb's text (jsonb_out), so this file
 * writes the text directly, without building the jsonb: jsonb_out writes
 * an object's keys sorted by length, then bytewise (id, legs, type,
 * metadata, created_at, related_id, description, pending_legs), each as
 * "key": value separated by ", ", strings escaped by escape_json, numbers
 * as integers, a nested jsonb (metadata) as jsonb_out writes it.  The
 * regression tests compare the leaf hashes with ones computed in SQL from
 * fintech.audit_entry_image().
 *
 * Reading: the entries, postings and pending_legs of a whole fetch of audit
 * rows, by their primary keys (id; entry_id, leg), straight from the
 * indexes: the wanted ids sorted, one index descent for each run of nearby
 * ids (a fetch's entries are mostly consecutive), instead of a lookup per
 * entry.
 *
 * Locks: AccessShareLock on the three tables and their primary keys (what
 * a SELECT takes); reads in the caller's snapshot rows that are
 * append-only (an entry is committed with its legs and its audit row).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relscan.h"
#include "access/skey.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "pgtime.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "audit_entry.h"
#include "canon.h"

/*
 * A run of wanted ids is read with one index descent as long as the next
 * wanted id is at most this far after the last key read (the keys between
 * are read and skipped); further on, the scan descends again.
 */
#define SCAN_GAP 16

typedef struct EntryImage
{
	int64		id;				/* hash key */
	bool		found;			/* its entries row was read */
	StringInfoData legs[2];		/* postings, pending legs: open arrays (data NULL: none) */
	StringInfoData image;		/* the object's text, built */
} EntryImage;

struct EntryImages
{
	MemoryContext cxt;
	HTAB	   *byid;
};

/* what a scan of one of the three tables reads: attnums by column name */
typedef struct EntryTable
{
	const char *name;
	const char *const *cols;	/* the first: the primary key's first column */
	int			ncols;
} EntryTable;

static const char *const entry_cols[] = {"id", "type", "related_id", "description", "metadata",
"created_at"};
static const char *const leg_cols[] = {"entry_id", "leg", "account_id", "amount"};
static const EntryTable entry_tables[3] = {
	{"entries", entry_cols, lengthof(entry_cols)},
	{"postings", leg_cols, lengthof(leg_cols)},
	{"pending_legs", leg_cols, lengthof(leg_cols)},
};

/*
 * a string literal appended without its strlen (the sealer writes about a
 * dozen of them per entry image)
 */
#define append_lit(s, lit) appendBinaryStringInfo((s), (lit), sizeof(lit) - 1)

static void
append_int(StringInfo s, int64 v)
{
	char		buf[MAXINT8LEN + 1];
	int			len = pg_lltoa(v, buf);

	appendBinaryStringInfo(s, buf, len);
}

/* a text Datum as jsonb_out writes a string: quoted, escaped */
static void
append_json_text(StringInfo s, Datum d, bool isnull)
{
	char	   *c;

	if (isnull)
	{
		append_lit(s, "null");
		return;
	}
	c = TextDatumGetCString(d);
	escape_json(s, c);
	pfree(c);
}

/*
 * One row of table t (already visible in the snapshot) into the image of
 * entry e: the entry's own fields (t == 0, written at once: its fields
 * come first in the object but for legs, which is written last) or a leg.
 */
static void
take_row(EntryImages *imgs, int t, EntryImage *e, Datum *v, bool *n)
{
	MemoryContext old = MemoryContextSwitchTo(imgs->cxt);

	if (t == 0)
	{
		StringInfo	s = &e->image;

		/*
		 * the object after "legs" (which the postings fill in): type,
		 * metadata, created_at, related_id, description; id and legs are
		 * put in front when the image is finished
		 */
		e->found = true;
		initStringInfo(s);
		append_lit(s, ", \"type\": ");
		append_json_text(s, v[1], n[1]);
		append_lit(s, ", \"metadata\": ");
		if (n[4])
			append_lit(s, "null");
		else
		{
			Jsonb	   *m = DatumGetJsonbP(v[4]);

			(void) JsonbToCString(s, &m->root, VARSIZE(m));
		}
		append_lit(s, ", \"created_at\": ");
		{
			struct pg_tm tm;
			fsec_t		fsec;

			if (n[5] || timestamp2tm(DatumGetTimestampTz(v[5]), NULL, &tm, &fsec, NULL, NULL) != 0)
				append_lit(s, "null");
			else
			{
				char		buf[64];
				int			len = fintech_format_ts(buf, &tm, fsec, 'T');

				appendStringInfoChar(s, '"');
				appendBinaryStringInfo(s, buf, len);
				append_lit(s, "Z\"");
			}
		}
		append_lit(s, ", \"related_id\": ");
		if (n[2])
			append_lit(s, "null");
		else
			append_int(s, DatumGetInt64(v[2]));
		append_lit(s, ", \"description\": ");
		append_json_text(s, v[3], n[3]);
	}
	else
	{
		StringInfo	s = &e->legs[t - 1];

		/* [leg, account_id, amount], NOT NULL columns */
		if (s->data == NULL)
		{
			initStringInfo(s);
			appendStringInfoChar(s, '[');
		}
		else
			append_lit(s, ", ");
		appendStringInfoChar(s, '[');
		append_int(s, DatumGetInt32(v[1]));
		append_lit(s, ", ");
		append_int(s, DatumGetInt64(v[2]));
		append_lit(s, ", ");
		append_int(s, DatumGetInt64(v[3]));
		appendStringInfoChar(s, ']');
	}
	MemoryContextSwitchTo(old);
}

/*
 * The rows of table t whose key is one of the nids sorted, distinct ids,
 * read through its primary key in key order, into their images.
 */
static void
scan_table(EntryImages *imgs, int t, const int64 *ids, int nids, Snapshot snap)
{
	const EntryTable *et = &entry_tables[t];
	Oid			relid = get_relname_relid(et->name, get_namespace_oid("fintech", false));
	Relation	heap,
				index;
	Oid			pkey;
	AttrNumber	att[lengthof(entry_cols)] = {0};
	Datum		v[lengthof(entry_cols)] = {0};
	bool		n[lengthof(entry_cols)] = {0};
	IndexScanDesc scan;
	TupleTableSlot *slot;
	ScanKeyData key;
	int			i = 0;
	AttrNumber	maxatt = 0;
	EntryImage *e = NULL;		/* the image of the last row taken */

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("fintech.%s is missing", et->name)));
	heap = table_open(relid, AccessShareLock);
	for (int c = 0; c < et->ncols; c++)
	{
		att[c] = get_attnum(relid, et->cols[c]);
		if (att[c] == InvalidAttrNumber)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("fintech.%s has no column %s", et->name, et->cols[c])));
		maxatt = Max(maxatt, att[c]);
	}
	/* its primary key must lead with the key column, an int8 */
	pkey = RelationGetPrimaryKeyIndex(heap);
	if (!OidIsValid(pkey))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("fintech.%s has no primary key", et->name)));
	index = index_open(pkey, AccessShareLock);
	if (index->rd_index->indkey.values[0] != att[0] ||
		TupleDescAttr(RelationGetDescr(heap), att[0] - 1)->atttypid != INT8OID ||
		index->rd_rel->relam != BTREE_AM_OID)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the primary key of fintech.%s does not start with %s (int8)",
						et->name, et->cols[0])));

	scan = index_beginscan(heap, index, snap, 1, 0);
	slot = table_slot_create(heap, NULL);
	while (i < nids)
	{
		bool		again = false;

		/* descend to the next wanted id */
		ScanKeyInit(&key, 1, BTGreaterEqualStrategyNumber, F_INT8GE, Int64GetDatum(ids[i]));
		index_rescan(scan, &key, 1, NULL, 0);
		while (index_getnext_slot(scan, ForwardScanDirection, slot))
		{
			int64		id;

			CHECK_FOR_INTERRUPTS();
			/*
			 * the row deformed as far as its key here, and on to the last
			 * column read when it is wanted (one pass over the tuple, not
			 * a call per column)
			 */
			slot_getsomeattrs(slot, att[0]);
			id = DatumGetInt64(slot->tts_values[att[0] - 1]);
			while (i < nids && ids[i] < id)
				i++;
			if (i == nids)
				break;
			if (ids[i] > id)
			{
				/* not wanted: skip it, or descend again when far behind */
				if ((uint64) ids[i] - (uint64) id > SCAN_GAP)
				{
					again = true;
					break;
				}
				continue;
			}
			/*
			 * wanted (a leg: more rows of the same id may follow, and
			 * they find the image of the one before without a lookup)
			 */
			if (e == NULL || e->id != id)
				e = hash_search(imgs->byid, &id, HASH_FIND, NULL);
			Assert(e != NULL);
			slot_getsomeattrs(slot, maxatt);
			for (int c = 0; c < et->ncols; c++)
			{
				v[c] = slot->tts_values[att[c] - 1];
				n[c] = slot->tts_isnull[att[c] - 1];
			}
			take_row(imgs, t, e, v, n);
		}
		if (!again)
			break;
	}
	ExecDropSingleTupleTableSlot(slot);
	index_endscan(scan);
	index_close(index, AccessShareLock);
	table_close(heap, AccessShareLock);
}

static int
cmp_int64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a,
				y = *(const int64 *) b;

	return x < y ? -1 : x > y;
}

/* the images of the n entries of ids (duplicates allowed) */
EntryImages *
ft_entry_images_of(const int64 *entry_ids, uint64 n, Snapshot snap)
{
	EntryImages *imgs = palloc0(sizeof(EntryImages));
	MemoryContext old;
	HASHCTL		ctl;
	int64	   *ids;
	int			nids = 0;

	imgs->cxt = AllocSetContextCreate(CurrentMemoryContext, "fintech entry images",
									  ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(imgs->cxt);
	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(EntryImage);
	ctl.hcxt = imgs->cxt;
	imgs->byid = hash_create("fintech entry images", Max(n, 16), &ctl,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ids = palloc(sizeof(int64) * Max(n, 1));
	for (uint64 r = 0; r < n; r++)
	{
		bool		found;
		EntryImage *e = hash_search(imgs->byid, &entry_ids[r], HASH_ENTER, &found);

		if (!found)
		{
			/* hash_search sets the key only */
			memset(e, 0, sizeof(*e));
			e->id = entry_ids[r];
			ids[nids++] = entry_ids[r];
		}
	}
	MemoryContextSwitchTo(old);
	if (nids == 0)
		return imgs;
	qsort(ids, nids, sizeof(int64), cmp_int64);
	if (snap == NULL)
		snap = GetActiveSnapshot();
	for (int t = 0; t < lengthof(entry_tables); t++)
		scan_table(imgs, t, ids, nids, snap);
	pfree(ids);
	return imgs;
}

/*
 * The ids of an entry_ids array, in its order (flattened as unnest()
 * reads it; a NULL element as 0, which names no entry); returns how many
 */
int
ft_entry_ids_array(Datum arr, int64 **ids)
{
	ArrayType  *a = DatumGetArrayTypeP(arr);
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	if (ARR_ELEMTYPE(a) != INT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("entry_ids of fintech.audit_log is not an int8[]")));
	deconstruct_array(a, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &nulls, &n);
	*ids = palloc(sizeof(int64) * Max(n, 1));
	for (int i = 0; i < n; i++)
		(*ids)[i] = nulls[i] ? 0 : DatumGetInt64(elems[i]);
	pfree(elems);
	pfree(nulls);
	if ((Pointer) a != DatumGetPointer(arr))
		pfree(a);
	return n;
}

bool
ft_entry_ids_add(EntryIdList *list, int64 entry_id, const int64 *ids, int k)
{
	int			need = (entry_id != 0 ? 1 : 0) + k;

	if (need == 0 || list->n + need > ENTRY_IMAGES_MAX)
		return false;
	if (list->ids == NULL)
	{
		list->room = Max(need, 64);
		list->ids = palloc(sizeof(int64) * list->room);
	}
	else if (list->n + need > list->room)
	{
		list->room = Max(2 * list->room, list->n + need);
		list->ids = repalloc(list->ids, sizeof(int64) * list->room);
	}
	if (entry_id != 0)
		list->ids[list->n++] = entry_id;
	if (k > 0)
		memcpy(list->ids + list->n, ids, sizeof(int64) * k);
	list->n += k;
	return true;
}

EntryImages *
ft_entry_images(SPITupleTable *tt, uint64 n, Snapshot snap)
{
	EntryIdList list = {0};
	EntryImages *imgs;

	for (uint64 r = 0; r < n; r++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(tt->vals[r], tt->tupdesc, AUDIT_ENTRY_COL, &isnull);

		CHECK_FOR_INTERRUPTS();
		if (!isnull)
			ft_entry_ids_add(&list, DatumGetInt64(d), NULL, 0);
		else if (tt->tupdesc->natts >= AUDIT_ENTRIES_COL)
		{
			d = SPI_getbinval(tt->vals[r], tt->tupdesc, AUDIT_ENTRIES_COL, &isnull);
			if (!isnull)
			{
				int64	   *row_ids;
				int			k = ft_entry_ids_array(d, &row_ids);

				ft_entry_ids_add(&list, 0, row_ids, k);
				pfree(row_ids);
			}
		}
	}
	imgs = ft_entry_images_of(list.ids, list.n, snap);
	if (list.ids)
		pfree(list.ids);
	return imgs;
}

/* were these ids all asked for when images was read? */
static bool
images_cover(EntryImages *images, const int64 *ids, int n)
{
	for (int i = 0; i < n; i++)
		if (ids[i] != 0 && hash_search(images->byid, &ids[i], HASH_FIND, NULL) == NULL)
			return false;
	return true;
}

bool
ft_entry_images_array(EntryImages *images, Datum entry_ids, StringInfo out)
{
	int64	   *ids;
	int			n = ft_entry_ids_array(entry_ids, &ids);
	EntryImages *own = NULL;

	if (n == 0)
	{
		pfree(ids);
		return false;
	}
	if (images == NULL || !images_cover(images, ids, n))
		images = own = ft_entry_images_of(ids, n, NULL);
	appendStringInfoChar(out, '[');
	for (int i = 0; i < n; i++)
	{
		size_t		len;
		const char *image = ids[i] == 0 ? NULL : ft_entry_image(images, ids[i], &len);

		CHECK_FOR_INTERRUPTS();
		if (i > 0)
			append_lit(out, ", ");
		if (image)
		{
			appendBinaryStringInfo(out, image, len);
			pfree((void *) image);
		}
		else
			append_lit(out, "null");
	}
	appendStringInfoChar(out, ']');
	if (own)
		ft_entry_images_free(own);
	pfree(ids);
	return true;
}

const char *
ft_entry_image(EntryImages *images, int64 entry_id, size_t *len)
{
	EntryImage *e = hash_search(images->byid, &entry_id, HASH_FIND, NULL);
	StringInfoData s;
	MemoryContext old;

	if (e == NULL || !e->found)
		return NULL;
	/* the object: id and legs in front of the rest, pending_legs last */
	old = MemoryContextSwitchTo(images->cxt);
	initStringInfo(&s);
	append_lit(&s, "{\"id\": ");
	append_int(&s, e->id);
	append_lit(&s, ", \"legs\": ");
	if (e->legs[0].data)
	{
		appendBinaryStringInfo(&s, e->legs[0].data, e->legs[0].len);
		appendStringInfoChar(&s, ']');
	}
	else
		append_lit(&s, "null");
	appendBinaryStringInfo(&s, e->image.data, e->image.len);
	append_lit(&s, ", \"pending_legs\": ");
	if (e->legs[1].data)
	{
		appendBinaryStringInfo(&s, e->legs[1].data, e->legs[1].len);
		appendStringInfoChar(&s, ']');
	}
	else
		append_lit(&s, "null");
	appendStringInfoChar(&s, '}');
	MemoryContextSwitchTo(old);
	*len = s.len;
	return s.data;
}

void
ft_entry_images_free(EntryImages *images)
{
	MemoryContextDelete(images->cxt);
	pfree(images);
}
