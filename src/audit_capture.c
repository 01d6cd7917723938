/*-------------------------------------------------------------------------
 *
 * audit_capture.c
 *	  Capture for the hash-chained audit trail: the trigger that records
 *	  every change of an audited table in fintech.audit_log, the row image
 *	  it records (jsonb, compressed in line), and fintech.audit_table(),
 *	  which adds the trigger to a table.
 *
 * fintech.audit_trigger() is an AFTER row trigger (and an AFTER TRUNCATE
 * statement trigger) on every audited table.  It appends one row to
 * fintech.audit_log per changed row, in the writer's transaction, with
 * seq, row_hash and chain_hash still NULL (the sealer, audit_seal.c, fills
 * them in).  Writers take no lock besides the row they insert: no
 * counter, no advisory lock, no table lock.
 *
 * fintech.accounts's trigger fires only for an UPDATE that names a column
 * other than the folded state in its SET list (audit_table.c); the
 * capture refuses to run while that list misses a column (one added
 * since), so that a column added later cannot go unlogged.
 *
 * The batch path (posting_bulk.c) logs the entries it inserts itself
 * (ft_audit_insert_direct, ft_audit_capture_inserted), without a trigger
 * event per entry, whenever the trigger is the table's only AFTER INSERT
 * row trigger: one audit row for the entries of a chunk (entry_ids), whose
 * leaf holds them all in their order (docs/audit.md).
 *
 * The row's jsonb is built here, not with to_jsonb(), so that it does not
 * depend on the writer's settings: timestamptz in UTC, intervals in ISO
 * 8601, floats in shortest exact form, bytea in hex, money as numeric.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/table.h"
#include "access/toast_compression.h"
#include "access/toast_internals.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/shortest_dec.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/cash.h"
#include "utils/datetime.h"
#include "utils/datum.h"
#include "utils/inval.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/xid8.h"

#include "fintech.h"
#include "audit_capture.h"
#include "audit_log.h"
#include "audit_table.h"
#include "personal.h"
#include "relcache_inval.h"

/* ------------------------------------------------------------------------
 * Canonical jsonb of a row
 * ------------------------------------------------------------------------
 */

static void
push_string(JsonbParseState **st, const char *s, JsonbIteratorToken tok)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) s;
	v.val.string.len = strlen(s);
	pushJsonbValue(st, tok, &v);
}

static void
push_numeric(JsonbParseState **st, Numeric n)
{
	JsonbValue	v;

	v.type = jbvNumeric;
	v.val.numeric = n;
	pushJsonbValue(st, WJB_VALUE, &v);
}

/* one column's value, independent of the session's settings */
static void
push_datum(JsonbParseState **st, Datum d, Oid typid)
{
	JsonbValue	v;
	char		buf[MAXDATELEN + 64];

	switch (typid)
	{
		case BOOLOID:
			v.type = jbvBool;
			v.val.boolean = DatumGetBool(d);
			pushJsonbValue(st, WJB_VALUE, &v);
			return;
		case INT2OID:
			push_numeric(st, int64_to_numeric(DatumGetInt16(d)));
			return;
		case INT4OID:
			push_numeric(st, int64_to_numeric(DatumGetInt32(d)));
			return;
		case INT8OID:
			push_numeric(st, int64_to_numeric(DatumGetInt64(d)));
			return;
		case NUMERICOID:
			{
				Numeric		n = DatumGetNumeric(d);

				if (numeric_is_nan(n) || numeric_is_inf(n))
					push_string(st, DatumGetCString(DirectFunctionCall1(numeric_out, d)), WJB_VALUE);
				else
					push_numeric(st, n);
				return;
			}
		case FLOAT4OID:
		case FLOAT8OID:
			{
				double		f = typid == FLOAT4OID ? DatumGetFloat4(d) : DatumGetFloat8(d);

				if (isnan(f) || isinf(f))
				{
					push_string(st, isnan(f) ? "NaN" : (f > 0 ? "Infinity" : "-Infinity"), WJB_VALUE);
					return;
				}
				double_to_shortest_decimal_buf(f, buf);
				push_numeric(st, DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(buf),
																	 ObjectIdGetDatum(InvalidOid),
																	 Int32GetDatum(-1))));
				return;
			}
		case CASHOID:
			push_numeric(st, DatumGetNumeric(DirectFunctionCall1(cash_numeric, d)));
			return;
		case TIMESTAMPTZOID:
			{
				int			utc = 0;

				push_string(st, JsonEncodeDateTime(NULL, d, typid, &utc), WJB_VALUE);
				return;
			}
		case DATEOID:
		case TIMEOID:
		case TIMETZOID:
		case TIMESTAMPOID:
			push_string(st, JsonEncodeDateTime(NULL, d, typid, NULL), WJB_VALUE);
			return;
		case INTERVALOID:
			{
				struct pg_itm itm;

				interval2itm(*DatumGetIntervalP(d), &itm);
				EncodeInterval(&itm, INTSTYLE_ISO_8601, buf);
				push_string(st, pstrdup(buf), WJB_VALUE);
				return;
			}
		case BYTEAOID:
			{
				bytea	   *b = DatumGetByteaPP(d);
				int			len = VARSIZE_ANY_EXHDR(b);
				char	   *hex = palloc(len * 2 + 3);

				hex[0] = '\\';
				hex[1] = 'x';
				hex_encode(VARDATA_ANY(b), len, hex + 2);
				hex[len * 2 + 2] = '\0';
				push_string(st, hex, WJB_VALUE);
				return;
			}
		case JSONBOID:
			{
				Jsonb	   *j = DatumGetJsonbP(d);

				v.type = jbvBinary;
				v.val.binary.data = &j->root;
				v.val.binary.len = VARSIZE(j) - VARHDRSZ;
				pushJsonbValue(st, WJB_VALUE, &v);
				return;
			}
		case JSONOID:
			{
				Jsonb	   *j = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
																   CStringGetDatum(TextDatumGetCString(d))));

				v.type = jbvBinary;
				v.val.binary.data = &j->root;
				v.val.binary.len = VARSIZE(j) - VARHDRSZ;
				pushJsonbValue(st, WJB_VALUE, &v);
				return;
			}
		default:
			{
				Oid			out;
				bool		isvarlena;

				/* text types and everything else: the type's text form */
				getTypeOutputInfo(typid, &out, &isvarlena);
				push_string(st, OidOutputFunctionCall(out, d), WJB_VALUE);
				return;
			}
	}
}

/*
 * What the capture trigger needs to know of an audited table, computed
 * once per backend and table (forgotten when the table's relcache entry is
 * invalidated, e.g. by ALTER TABLE): its qualified name, and its live
 * columns with their base types, in the order jsonb sorts object keys
 * (shorter first, then bytewise), so that building the object finds its
 * keys already sorted.
 */
typedef struct CaptureCol
{
	int			attno;			/* 0-based */
	Oid			basetype;
	int			namelen;
	const char *name;
} CaptureCol;

typedef struct CaptureRel
{
	Oid			relid;			/* hash key */
	Datum		qname;			/* text */
	int			natts;			/* of the tuple descriptor */
	int			ncols;			/* live columns */
	CaptureCol *cols;
	/* fintech.entries: 0-based attno of id (its rows are logged by reference) */
	int			entry_id_att;
	/* fintech.accounts: per attno, true for the folded state (not logged) */
	bool	   *folded;
	/* fintech.audit_log itself (which the trigger refuses to capture) */
	bool		is_audit_log;
} CaptureRel;

/*
 * The ledger's own tables are logged by what is not derivable.  An entry
 * is one audit row that names it (entry_id): its leaf takes the entry and
 * its legs from the ledger's tables (fintech.audit_entry_image), which are
 * append-only, so nothing is copied.  postings and pending_legs are not
 * captured at all (their rows are in their entry's leaf; a posting's seq,
 * balance_after and posted_at are its account's folded state).  An
 * account's UPDATE is logged unless it changed only the folded state,
 * which check_ledger() proves from the postings.
 */
static HTAB *capture_rels = NULL;
static MemoryContext capture_cxt = NULL;

static int
capture_col_cmp(const void *a, const void *b)
{
	const CaptureCol *x = a;
	const CaptureCol *y = b;

	if (x->namelen != y->namelen)
		return x->namelen < y->namelen ? -1 : 1;
	return memcmp(x->name, y->name, x->namelen);
}

/*
 * Invalidation only marks the cache stale: a caller may be using an entry
 * (invalidations arrive during any catalog access), so the memory is freed
 * by the next capture_rel(), between two captured rows.
 */
static bool capture_stale = false;

static void
capture_rels_inval(Datum arg, Oid relid)
{
	if (capture_rels != NULL &&
		(relid == InvalidOid || hash_search(capture_rels, &relid, HASH_FIND, NULL) != NULL))
		capture_stale = true;
}

static CaptureRel *
capture_rel(Relation rel)
{
	Oid			relid = RelationGetRelid(rel);
	TupleDesc	desc = RelationGetDescr(rel);
	CaptureRel *cr;
	CaptureRel	fresh;
	char	   *qname;
	MemoryContext old;

	if (capture_rels != NULL && capture_stale)
	{
		hash_destroy(capture_rels);
		capture_rels = NULL;
		MemoryContextReset(capture_cxt);
	}
	capture_stale = false;
	if (capture_rels == NULL)
	{
		HASHCTL		ctl;

		if (capture_cxt == NULL)
		{
			capture_cxt = AllocSetContextCreate(CacheMemoryContext, "fintech audit capture",
												ALLOCSET_SMALL_SIZES);
			ft_relcache_callback(capture_rels_inval, (Datum) 0);
		}
		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(CaptureRel);
		ctl.hcxt = capture_cxt;
		capture_rels = hash_create("fintech audited tables", 16, &ctl,
								   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	cr = hash_search(capture_rels, &relid, HASH_FIND, NULL);
	if (cr != NULL && cr->natts == desc->natts)
		return cr;

	/* the catalog lookups first (they may run invalidations), then the entry */
	qname = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
									   RelationGetRelationName(rel));
	fresh.relid = relid;
	fresh.natts = desc->natts;
	fresh.ncols = 0;
	fresh.cols = MemoryContextAlloc(capture_cxt, sizeof(CaptureCol) * Max(desc->natts, 1));
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		CaptureCol *c;

		if (att->attisdropped)
			continue;
		c = &fresh.cols[fresh.ncols++];
		c->attno = i;
		c->basetype = getBaseType(att->atttypid);
		c->name = MemoryContextStrdup(capture_cxt, NameStr(att->attname));
		c->namelen = strlen(c->name);
	}
	qsort(fresh.cols, fresh.ncols, sizeof(CaptureCol), capture_col_cmp);
	fresh.entry_id_att = -1;
	fresh.folded = NULL;
	fresh.is_audit_log = false;
	if (RelationGetNamespace(rel) == get_namespace_oid("fintech", true))
	{
		const char *relname = RelationGetRelationName(rel);

		fresh.is_audit_log = strcmp(relname, "audit_log") == 0;
		if (strcmp(relname, "accounts") == 0)
			ft_audit_check_account_trigger(rel);
		for (int i = 0; i < fresh.ncols; i++)
		{
			const CaptureCol *c = &fresh.cols[i];

			if (strcmp(relname, "entries") == 0 && strcmp(c->name, "id") == 0 &&
				c->basetype == INT8OID)
				fresh.entry_id_att = c->attno;
			if (strcmp(relname, "accounts") == 0 && ft_audit_is_folded(c->name))
			{
				if (fresh.folded == NULL)
					fresh.folded = MemoryContextAllocZero(capture_cxt,
														  sizeof(bool) * desc->natts);
				fresh.folded[c->attno] = true;
			}
		}
	}
	old = MemoryContextSwitchTo(capture_cxt);
	fresh.qname = CStringGetTextDatum(qname);
	MemoryContextSwitchTo(old);
	cr = hash_search(capture_rels, &relid, HASH_ENTER, NULL);
	*cr = fresh;
	return cr;
}

static Jsonb *
row_to_jsonb(HeapTuple tup, TupleDesc desc, CaptureRel *cr)
{
	JsonbParseState *st = NULL;
	JsonbValue *res;
	Datum	   *values = palloc(sizeof(Datum) * desc->natts);
	bool	   *nulls = palloc(sizeof(bool) * desc->natts);

	heap_deform_tuple(tup, desc, values, nulls);
	pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < cr->ncols; i++)
	{
		const CaptureCol *c = &cr->cols[i];
		JsonbValue	k;

		k.type = jbvString;
		k.val.string.val = (char *) c->name;
		k.val.string.len = c->namelen;
		pushJsonbValue(&st, WJB_KEY, &k);
		if (nulls[c->attno])
		{
			JsonbValue	v;

			v.type = jbvNull;
			pushJsonbValue(&st, WJB_VALUE, &v);
		}
		else
			push_datum(&st, values[c->attno], c->basetype);
	}
	res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	pfree(values);
	pfree(nulls);
	return JsonbValueToJsonb(res);
}

/* an UPDATE of fintech.accounts that changed nothing but the folded state */
static bool
only_folded_changed(HeapTuple oldtup, HeapTuple newtup, TupleDesc desc, CaptureRel *cr)
{
	for (int i = 0; i < cr->ncols; i++)
	{
		int			att = cr->cols[i].attno;
		Form_pg_attribute a = TupleDescAttr(desc, att);
		bool		n1,
					n2;
		Datum		d1,
					d2;

		if (cr->folded[att])
			continue;
		d1 = heap_getattr(oldtup, att + 1, desc, &n1);
		d2 = heap_getattr(newtup, att + 1, desc, &n2);
		if (n1 != n2 || (!n1 && !datumIsEqual(d1, d2, a->attbyval, a->attlen)))
			return false;
	}
	return true;
}

/*
 * A captured row image, compressed in line when that makes it smaller: an
 * audit row is written to WAL once when captured, so its size is WAL
 * volume, the limit of a ledger under concurrent load.  LZ4 where the
 * server has it (pglz rarely reaches its 25 % threshold on rows this
 * short); the value stays in the row (never moved to the TOAST table here)
 * and reads back as the same jsonb.
 */
#define CAPTURE_COMPRESS_MIN 256

static Datum
compress_image(Datum image)
{
#ifdef USE_LZ4
	if (VARSIZE_ANY(DatumGetPointer(image)) >= CAPTURE_COMPRESS_MIN &&
		!VARATT_IS_EXTENDED(DatumGetPointer(image)))
	{
		Datum		c = toast_compress_datum(image, TOAST_LZ4_COMPRESSION);

		if (DatumGetPointer(c) != NULL)
			return c;
	}
#endif
	return image;
}

/* ------------------------------------------------------------------------
 * Capture
 * ------------------------------------------------------------------------
 */

/*
 * The names of the session role and of the calling role, as text: looked
 * up once per role, not per captured row, and forgotten when any role
 * changes (a rename; pg_authid's invalidation).
 */
typedef struct RoleName
{
	Oid			role;
	Datum		name;			/* text, in TopMemoryContext */
} RoleName;

static RoleName role_names[2];

static void
role_names_inval(Datum arg, int cacheid, uint32 hashvalue)
{
	role_names[0].role = role_names[1].role = InvalidOid;
}

static Datum
role_name(RoleName *r, Oid role)
{
	static bool callback_registered = false;
	char	   *who;

	if (!callback_registered)
	{
		CacheRegisterSyscacheCallback(AUTHOID, role_names_inval, (Datum) 0);
		callback_registered = true;
	}
	if (OidIsValid(r->role) && r->role == role)
		return r->name;
	who = GetUserNameFromId(role, true);
	if (who == NULL)
		return CStringGetTextDatum("?");
	if (r->name != (Datum) 0)
		pfree(DatumGetPointer(r->name));
	r->name = PointerGetDatum(MemoryContextAlloc(TopMemoryContext, VARHDRSZ + strlen(who)));
	SET_VARSIZE(DatumGetPointer(r->name), VARHDRSZ + strlen(who));
	memcpy(VARDATA(DatumGetPointer(r->name)), who, strlen(who));
	/* (the lookup may have run the invalidation: cached only now) */
	r->role = role;
	return r->name;
}

/* v[4..6] of an audit row: the top-level transaction, the session role, the calling role */
static void
capture_who(Datum *v)
{
	v[4] = FullTransactionIdGetDatum(GetTopFullTransactionId());
	v[5] = role_name(&role_names[0], GetSessionUserId());
	/* the role outside any SECURITY DEFINER function: who called the API */
	v[6] = role_name(&role_names[1], GetOuterUserId());
}

PG_FUNCTION_INFO_V1(fintech_audit_trigger);
/*
 * AFTER INSERT/UPDATE/DELETE row trigger and AFTER TRUNCATE statement
 * trigger of audited tables.
 */
Datum
fintech_audit_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trig = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	desc;
	const char *op;
	Datum		v[7] = {0};
	char		n[7] = {' ', ' ', ' ', ' ', ' ', ' ', ' '};
	CaptureRel *cr = NULL;
	int64		entry_id = 0;
	PersonalPending *personal;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("fintech.audit_trigger() can only be called as a trigger")));
	rel = trig->tg_relation;
	desc = RelationGetDescr(rel);

	/*
	 * Only the two triggers fintech.audit_table() creates may use this
	 * function: "fintech_audit" (AFTER INSERT OR UPDATE OR DELETE, FOR EACH
	 * ROW) and "fintech_audit_truncate" (AFTER TRUNCATE, FOR EACH
	 * STATEMENT), on a plain table other than audit_log.  Anything else --
	 * a statement trigger on INSERT has no tuple to capture -- is refused
	 * before a tuple is touched.
	 */
	{
		const char *tgname = trig->tg_trigger->tgname;
		bool		truncate = TRIGGER_FIRED_BY_TRUNCATE(trig->tg_event);
		bool		ok;

		ok = TRIGGER_FIRED_AFTER(trig->tg_event) &&
			(rel->rd_rel->relkind == RELKIND_RELATION ||
			 rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE) &&
			(truncate
			 ? (TRIGGER_FIRED_FOR_STATEMENT(trig->tg_event) &&
				strcmp(tgname, "fintech_audit_truncate") == 0)
			 : (TRIGGER_FIRED_FOR_ROW(trig->tg_event) &&
				strcmp(tgname, "fintech_audit") == 0 &&
				trig->tg_trigtuple != NULL &&
				(!TRIGGER_FIRED_BY_UPDATE(trig->tg_event) || trig->tg_newtuple != NULL)));
		/* (what capture_rel knows of the table: not audit_log itself) */
		if (ok)
		{
			cr = capture_rel(rel);
			ok = !cr->is_audit_log;
		}
		if (!ok)
			ereport(ERROR,
					(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
					 errmsg("trigger \"%s\" on %s cannot use fintech.audit_trigger()",
							tgname,
							quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
													   RelationGetRelationName(rel))),
					 errdetail("fintech.audit_trigger() only runs as the triggers fintech.audit_table() creates: "
							   "\"fintech_audit\" AFTER INSERT OR UPDATE OR DELETE FOR EACH ROW and "
							   "\"fintech_audit_truncate\" AFTER TRUNCATE FOR EACH STATEMENT."),
					 errhint("Audit a table with fintech.audit_table().")));
	}

	v[0] = cr->qname;
	n[2] = n[3] = 'n';
	if (TRIGGER_FIRED_BY_UPDATE(trig->tg_event) && cr->folded &&
		only_folded_changed(trig->tg_trigtuple, trig->tg_newtuple, desc, cr))
		return PointerGetDatum(NULL);
	if (TRIGGER_FIRED_BY_TRUNCATE(trig->tg_event))
		op = "TRUNCATE";
	else if (TRIGGER_FIRED_BY_INSERT(trig->tg_event) && cr->entry_id_att >= 0 &&
			 !ft_audit_log_legacy())
	{
		bool		isnull;
		Datum		id = heap_getattr(trig->tg_trigtuple, cr->entry_id_att + 1, desc, &isnull);

		op = "INSERT";
		if (!isnull)
			entry_id = DatumGetInt64(id);
		else
		{
			/* cannot happen (a primary key): log the image then */
			v[3] = JsonbPGetDatum(row_to_jsonb(trig->tg_trigtuple, desc, cr));
			n[3] = ' ';
		}
	}
	else if (TRIGGER_FIRED_BY_INSERT(trig->tg_event))
	{
		op = "INSERT";
		v[3] = JsonbPGetDatum(row_to_jsonb(trig->tg_trigtuple, desc, cr));
		n[3] = ' ';
	}
	else if (TRIGGER_FIRED_BY_UPDATE(trig->tg_event))
	{
		op = "UPDATE";
		v[2] = JsonbPGetDatum(row_to_jsonb(trig->tg_trigtuple, desc, cr));
		v[3] = JsonbPGetDatum(row_to_jsonb(trig->tg_newtuple, desc, cr));
		n[2] = n[3] = ' ';
	}
	else
	{
		op = "DELETE";
		v[2] = JsonbPGetDatum(row_to_jsonb(trig->tg_trigtuple, desc, cr));
		n[2] = ' ';
	}
	v[1] = CStringGetTextDatum(op);
	capture_who(v);

	/*
	 * personal values: commitments in the images, the values in
	 * audit_personal (personal.c); a row without an image (an entry, a
	 * TRUNCATE) has none
	 */
	personal = n[2] == 'n' && n[3] == 'n' ? NULL :
		ft_personal_commit(rel, n[2] == 'n' ? NULL : &v[2], n[3] == 'n' ? NULL : &v[3]);

	/* old_row, new_row: the compact image */
	for (int i = 2; i <= 3; i++)
		if (n[i] != 'n')
			v[i] = compress_image(v[i]);
	ft_personal_store(personal, audit_log_append(v, n, entry_id));
	return PointerGetDatum(NULL);
}

/*
 * ft_audit_trigger_fn: the OID of fintech.audit_trigger(), InvalidOid if
 * there is none; what LookupFuncName returns for it, kept until a function
 * or a schema changes (their syscaches' invalidations: a CREATE, DROP or
 * RENAME of either, this backend's or another's).  The direct writes ask
 * it several times a call (posting_bulk.c, posting_lock_write.c): the
 * lookup by name cost some 1,600 instructions each time.
 */
static Oid	audit_fn_oid = InvalidOid;
static bool audit_fn_valid = false;

static void
audit_fn_inval(Datum arg, int cacheid, uint32 hashvalue)
{
	audit_fn_valid = false;
}

Oid
ft_audit_trigger_fn(void)
{
	static bool callback_registered = false;
	Oid			fn;

	if (!callback_registered)
	{
		CacheRegisterSyscacheCallback(PROCOID, audit_fn_inval, (Datum) 0);
		CacheRegisterSyscacheCallback(NAMESPACEOID, audit_fn_inval, (Datum) 0);
		callback_registered = true;
	}
	if (audit_fn_valid)
		return audit_fn_oid;
	audit_fn_valid = true;
	fn = LookupFuncName(lappend(list_make1(makeString("fintech")), makeString("audit_trigger")),
						0, NULL, true);
	/* an invalidation during the lookup cleared audit_fn_valid: not kept */
	audit_fn_oid = fn;
	return fn;
}

/*
 * ft_audit_insert_direct: may the batch path, which inserts rel's rows
 * straight into its heap (posting_bulk.c), log them itself instead of
 * queueing each row's AFTER INSERT triggers?  Yes when the rows are logged
 * by reference (fintech.entries, once updated to 0.5.0: no image, no
 * personal value) and the capture trigger is the table's only AFTER INSERT
 * row trigger, without a WHEN condition; *capture then says whether that
 * trigger fires in this session (not disabled, session_replication_role).
 * A table without any AFTER INSERT row trigger: yes, nothing to log.
 */
bool
ft_audit_insert_direct(Relation rel, bool *capture)
{
	TriggerDesc *td = rel->trigdesc;
	Trigger    *audit = NULL;
	Oid			audit_fn;

	*capture = false;
	if (td == NULL || !td->trig_insert_after_row)
		return true;
	audit_fn = ft_audit_trigger_fn();
	for (int i = 0; i < td->numtriggers; i++)
	{
		Trigger    *t = &td->triggers[i];

		if (!TRIGGER_FOR_INSERT(t->tgtype) || !TRIGGER_FOR_ROW(t->tgtype) ||
			!TRIGGER_FOR_AFTER(t->tgtype))
			continue;
		if (audit != NULL || !OidIsValid(audit_fn) || t->tgfoid != audit_fn ||
			strcmp(t->tgname, "fintech_audit") != 0 || t->tgqual != NULL)
			return false;
		audit = &td->triggers[i];
	}
	if (audit == NULL)
		return true;
	if (capture_rel(rel)->entry_id_att < 0 || ft_audit_log_legacy())
		return false;
	/* when the trigger would fire (commands/trigger.c's TriggerEnabled) */
	if (SessionReplicationRole == SESSION_REPLICATION_ROLE_REPLICA)
		*capture = audit->tgenabled == TRIGGER_FIRES_ALWAYS ||
			audit->tgenabled == TRIGGER_FIRES_ON_REPLICA;
	else
		*capture = audit->tgenabled == TRIGGER_FIRES_ALWAYS ||
			audit->tgenabled == TRIGGER_FIRES_ON_ORIGIN;
	return true;
}

/*
 * ft_audit_capture_inserted: the audit row of n rows just inserted into
 * rel (ft_audit_insert_direct said so): one row whose entry_ids lists
 * them in their order, which stands for all of them in one leaf (a single
 * entry: the row the capture trigger writes, naming it in entry_id; before
 * the update to 0.6.0 those rows, one per entry, in one multi-insert).
 */
void
ft_audit_capture_inserted(Relation rel, TupleTableSlot **slots, int n)
{
	CaptureRel *cr = capture_rel(rel);
	Datum		v[7] = {0};
	char		nulls[7] = {' ', ' ', 'n', 'n', ' ', ' ', ' '};
	int64	   *ids = palloc(sizeof(int64) * Max(n, 1));

	Assert(cr->entry_id_att >= 0);
	for (int i = 0; i < n; i++)
	{
		bool		isnull;
		Datum		id = slot_getattr(slots[i], cr->entry_id_att + 1, &isnull);

		/* (its primary key) */
		if (isnull)
			elog(ERROR, "an entry without an id cannot be logged by reference");
		ids[i] = DatumGetInt64(id);
	}
	v[0] = cr->qname;
	v[1] = CStringGetTextDatum("INSERT");
	capture_who(v);
	audit_log_append_many(v, nulls, ids, n);
	pfree(ids);
}
