/*-------------------------------------------------------------------------
 *
 * audit.c
 *	  The hash-chained audit trail: the capture trigger, the sealer (SQL
 *	  function and background job), verification and digests.
 *
 * Capture.  fintech.audit_trigger() is an AFTER row trigger (and an AFTER
 * TRUNCATE statement trigger) on every audited table.  It appends one row
 * to fintech.audit_log per changed row, in the writer's transaction, with
 * seq, row_hash and chain_hash still NULL.  Writers take no lock besides
 * the row they insert: no counter, no advisory lock, no table lock.
 *
 * Sealing.  The sealer (fintech.seal_audit() or the seal_audit job) locks
 * the single row of fintech.audit_head, which serialises sealers, reads
 * the unsealed rows its snapshot sees (committed ones only: rows of
 * aborted transactions are never visible, rows of transactions that commit
 * later are sealed by a later run) in the order they were captured
 * (changed_at, the clock at capture: of two changes to the same row, the
 * later one was captured after the earlier one committed), and gives each
 * its place: seq (gapless
 * from 1), row_hash = SHA-256 of the row's canonical form, chain_hash =
 * SHA-256(previous chain_hash || row_hash).  Those three columns are
 * written once, from NULL; the captured content is never rewritten.
 * A batch is bounded by bytes as well as rows (SEAL_BATCH_BYTES): rows are
 * read as stored and hashed one at a time, so sealing a backlog of huge
 * rows costs about three times its largest row in memory, not the sum.
 *
 * Locks.  The head row is the only lock of the chain, and only sealers
 * take it (seal_audit() is an operator's right).  The job never waits for
 * it: when seal_audit() is held open in another transaction, the job
 * seals nothing and names that backend in fintech.worker_status.  It
 * cannot be otherwise: the rows such a transaction sealed are not
 * committed, and the chain continues from them.  Audit rows of open
 * transactions are invisible to the sealer, which seals the committed
 * rows around them and those rows after they commit (later in the chain,
 * in their capture order).
 *
 * The row's jsonb is built here, not with to_jsonb(), so that it does not
 * depend on the writer's settings: timestamptz in UTC, intervals in ISO
 * 8601, floats in shortest exact form, bytea in hex, money as numeric.
 * The canonical form hashed by the sealer is documented in the README,
 * with a plain SQL (pgcrypto) query that recomputes the chain.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/detoast.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/toast_compression.h"
#include "access/toast_internals.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "common/shortest_dec.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/itemptr.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/cash.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/xid8.h"

#include "fintech.h"
#include "spi_plan.h"

/*
 * One batch of the sealer (one transaction of the job; seal_audit() seals
 * a backlog in as many batches as it takes) ends at SEAL_BATCH rows or once
 * it holds SEAL_BATCH_BYTES of row images (detoasted size, counted before
 * a row is read), whichever comes first; a single row larger than the
 * budget is sealed alone.  Rows are read SEAL_FETCH at a time as stored
 * (their images stay TOAST pointers until hashed, one at a time), so a
 * batch's memory is a few kB per row plus what hashing its largest row
 * takes (see row_hash), not the sum of its images.
 */
#define SEAL_BATCH 5000
#define SEAL_BATCH_BYTES (4 * 1024 * 1024)
#define SEAL_FETCH 64
/* the verifier reads this many rows per fetch (each at most a page) */
#define VERIFY_FETCH 100

static int64 seal_job(bool *again);

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
} CaptureRel;

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
			CacheRegisterRelcacheCallback(capture_rels_inval, (Datum) 0);
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

/* ------------------------------------------------------------------------
 * Capture
 * ------------------------------------------------------------------------
 */

static const char *const audit_log_columns[] = {
	"id", "table_name", "operation", "old_row", "new_row", "txid", "session_role",
	"calling_role", "changed_at", "seq", "row_hash", "chain_hash"
};

/*
 * The OIDs of fintech.audit_log and its id sequence, looked up once per
 * backend (the capture trigger runs for every changed row) and forgotten
 * when either relation is invalidated (DROP EXTENSION, ALTER TABLE).
 */
static Oid	audit_log_relid = InvalidOid;
static Oid	audit_log_seqid = InvalidOid;

static void
audit_oids_inval(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == audit_log_relid || relid == audit_log_seqid)
		audit_log_relid = audit_log_seqid = InvalidOid;
}

/*
 * fintech.audit_log opened for writing straight into its heap and indexes,
 * by the capture trigger (inserts) and the sealer (updates).
 */
typedef struct AuditWriter
{
	Relation	rel;
	EState	   *estate;
	ResultRelInfo *rri;
	TupleTableSlot *slot;
} AuditWriter;

/* open fintech.audit_log and check that it has the columns this file writes */
static void
audit_writer_open(AuditWriter *w, Oid *seqid)
{
	static bool callback_registered = false;
	TupleDesc	desc;

	if (!OidIsValid(audit_log_relid) || !OidIsValid(audit_log_seqid))
	{
		Oid			nsp = get_namespace_oid("fintech", false);
		Oid			relid = get_relname_relid("audit_log", nsp);
		Oid			seq = get_relname_relid("audit_log_id_seq", nsp);

		if (!OidIsValid(relid) || !OidIsValid(seq))
			elog(ERROR, "fintech.audit_log or its id sequence is missing");
		if (!callback_registered)
		{
			CacheRegisterRelcacheCallback(audit_oids_inval, (Datum) 0);
			callback_registered = true;
		}
		audit_log_relid = relid;
		audit_log_seqid = seq;
	}
	if (seqid)
		*seqid = audit_log_seqid;
	w->rel = table_open(audit_log_relid, RowExclusiveLock);
	desc = RelationGetDescr(w->rel);
	if (desc->natts != lengthof(audit_log_columns))
		elog(ERROR, "fintech.audit_log has %d columns, expected %d",
			 desc->natts, (int) lengthof(audit_log_columns));
	for (int i = 0; i < desc->natts; i++)
		if (strcmp(NameStr(TupleDescAttr(desc, i)->attname), audit_log_columns[i]) != 0)
			elog(ERROR, "column %d of fintech.audit_log is not %s", i + 1, audit_log_columns[i]);
	w->estate = CreateExecutorState();
	w->rri = makeNode(ResultRelInfo);
	InitResultRelInfo(w->rri, w->rel, 1, NULL, 0);
	ExecOpenIndices(w->rri, false);
	w->slot = MakeSingleTupleTableSlot(desc, &TTSOpsHeapTuple);
}

/*
 * The index entries of tup, just written to the heap at tup->t_self (each
 * index whose predicate it satisfies: audit_log_unsealed for a captured
 * row, audit_log_seq for a sealed one)
 */
static void
audit_writer_index(AuditWriter *w, HeapTuple tup)
{
	ExecStoreHeapTuple(tup, w->slot, false);
	/* update = false: that hint needs a range table this has not */
	(void) ExecInsertIndexTuples(w->rri, w->slot, w->estate, false, false, NULL, NIL);
	ExecClearTuple(w->slot);
	ResetPerTupleExprContext(w->estate);
}

static void
audit_writer_close(AuditWriter *w)
{
	ExecCloseIndices(w->rri);
	ExecDropSingleTupleTableSlot(w->slot);
	FreeExecutorState(w->estate);
	table_close(w->rel, NoLock);
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

/*
 * Append one captured row to fintech.audit_log: v/n are table_name ..
 * calling_role.  Written straight into the heap and its indexes (no SQL
 * statement per audit row: the trigger runs once per changed row of every
 * audited table); audit_log has no triggers on INSERT and no constraints
 * besides NOT NULL, which the values here satisfy.
 */
static void
append_audit_row(Datum *v, const char *n)
{
	AuditWriter w;
	Oid			seqid;
	Datum		values[lengthof(audit_log_columns)];
	bool		nulls[lengthof(audit_log_columns)];
	HeapTuple	tup;

	audit_writer_open(&w, &seqid);
	memset(nulls, true, sizeof(nulls));
	values[0] = Int64GetDatum(nextval_internal(seqid, false));
	nulls[0] = false;
	for (int i = 0; i < 7; i++)
	{
		values[i + 1] = v[i];
		nulls[i + 1] = n[i] == 'n';
	}
	/* old_row, new_row */
	for (int i = 3; i <= 4; i++)
		if (!nulls[i])
			values[i] = compress_image(values[i]);
	values[8] = TimestampTzGetDatum(GetCurrentTimestamp());
	nulls[8] = false;

	tup = heap_form_tuple(RelationGetDescr(w.rel), values, nulls);
	simple_heap_insert(w.rel, tup);
	audit_writer_index(&w, tup);
	audit_writer_close(&w);
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
	char	   *who;
	CaptureRel *cr;

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
			!(RelationGetNamespace(rel) == get_namespace_oid("fintech", true) &&
			  strcmp(RelationGetRelationName(rel), "audit_log") == 0) &&
			(truncate
			 ? (TRIGGER_FIRED_FOR_STATEMENT(trig->tg_event) &&
				strcmp(tgname, "fintech_audit_truncate") == 0)
			 : (TRIGGER_FIRED_FOR_ROW(trig->tg_event) &&
				strcmp(tgname, "fintech_audit") == 0 &&
				trig->tg_trigtuple != NULL &&
				(!TRIGGER_FIRED_BY_UPDATE(trig->tg_event) || trig->tg_newtuple != NULL)));
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

	cr = capture_rel(rel);
	v[0] = cr->qname;
	n[2] = n[3] = 'n';
	if (TRIGGER_FIRED_BY_TRUNCATE(trig->tg_event))
		op = "TRUNCATE";
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
	v[4] = FullTransactionIdGetDatum(GetTopFullTransactionId());
	who = GetUserNameFromId(GetSessionUserId(), true);
	v[5] = CStringGetTextDatum(who ? who : "?");
	/* the role outside any SECURITY DEFINER function: who called the API */
	who = GetUserNameFromId(GetOuterUserId(), true);
	v[6] = CStringGetTextDatum(who ? who : "?");

	append_audit_row(v, n);
	return PointerGetDatum(NULL);
}

PG_FUNCTION_INFO_V1(fintech_audit_table);
/* fintech.audit_table(tbl regclass): add the capture triggers, once */
Datum
fintech_audit_table(PG_FUNCTION_ARGS)
{
	Oid			relid;
	char		relkind;
	char	   *qname;
	Oid			types[1] = {OIDOID};
	Datum		v[1];

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tbl must not be NULL")));
	relid = PG_GETARG_OID(0);
	relkind = get_rel_relkind(relid);
	if (relkind == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	qname = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									   get_rel_name(relid));
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("cannot audit %s: it is not a table", qname)));
	if (get_rel_namespace(relid) == get_namespace_oid("fintech", false) &&
		strcmp(get_rel_name(relid), "audit_log") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot audit fintech.audit_log itself")));
	/* the caller, not this SECURITY DEFINER function, must own the table */
	if (!pg_class_ownercheck(relid, GetOuterUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, get_relkind_objtype(relkind), get_rel_name(relid));

	SPI_connect();
	v[0] = ObjectIdGetDatum(relid);
	if (SPI_execute_with_args("SELECT 1 FROM pg_catalog.pg_trigger WHERE tgrelid OPERATOR(pg_catalog.=) $1"
							  " AND tgname OPERATOR(pg_catalog.=) 'fintech_audit'",
							  1, types, v, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not look for the audit trigger");
	if (SPI_processed == 0)
	{
		if (SPI_execute(psprintf("CREATE TRIGGER fintech_audit AFTER INSERT OR UPDATE OR DELETE ON %s"
								 " FOR EACH ROW EXECUTE FUNCTION fintech.audit_trigger()", qname),
						false, 0) != SPI_OK_UTILITY ||
			SPI_execute(psprintf("CREATE TRIGGER fintech_audit_truncate AFTER TRUNCATE ON %s"
								 " FOR EACH STATEMENT EXECUTE FUNCTION fintech.audit_trigger()", qname),
						false, 0) != SPI_OK_UTILITY)
			elog(ERROR, "could not create the audit triggers on %s", qname);
	}
	SPI_finish();
	PG_RETURN_VOID();
}

/* ------------------------------------------------------------------------
 * Canonical form and hashes
 * ------------------------------------------------------------------------
 */

/*
 * columns of fintech.audit_log read by the sealer and the verifier, as
 * stored: the row images stay jsonb (a TOAST pointer or compressed bytes in
 * the tuple read) until row_hash() takes them one at a time
 */
#define AUDIT_COLS "id, table_name, operation, old_row, new_row, txid, session_role, calling_role," \
	" changed_at, seq, row_hash, chain_hash"
#define NCANON 9				/* the first 9 columns are hashed */

/*
 * Bytes of the row images of one audit row once detoasted (what hashing it
 * costs in memory), without detoasting anything
 */
static Size
row_image_bytes(HeapTuple tup, TupleDesc desc)
{
	Size		bytes = 0;

	for (int col = 4; col <= 5; col++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(tup, desc, col, &isnull);

		if (!isnull)
			bytes += toast_raw_datum_size(d);
	}
	return bytes;
}

static void
hash_update(pg_cryptohash_ctx *ctx, const void *data, size_t len)
{
	if (pg_cryptohash_update(ctx, data, len) < 0)
		elog(ERROR, "could not compute SHA-256: %s", pg_cryptohash_error(ctx));
}

/*
 * one field of the canonical form, "<bytes>:<text>", into the hash; a long
 * one a megabyte at a time, so that a cancel is honoured within a row
 */
#define HASH_CHUNK (1024 * 1024)

static void
hash_field(pg_cryptohash_ctx *ctx, const char *s, size_t len)
{
	char		prefix[32];

	snprintf(prefix, sizeof(prefix), "%zu:", len);
	hash_update(ctx, prefix, strlen(prefix));
	for (size_t off = 0; off < len; off += HASH_CHUNK)
	{
		CHECK_FOR_INTERRUPTS();
		hash_update(ctx, s + off, Min(len - off, HASH_CHUNK));
	}
}

/*
 * row_hash of an audit_log row (columns as in AUDIT_COLS): SHA-256 of the
 * nine fields id .. changed_at, each written as "<bytes>:<text>" or "N"
 * for NULL, changed_at as 'YYYY-MM-DD HH24:MI:SS.US' in UTC (the canonical
 * form of the README, unchanged: jsonb as jsonb_out writes it, xid8 as
 * xid8out does).
 *
 * Memory: text columns are hashed from their stored bytes; a row image is
 * detoasted and written as text one at a time, fed to the hash and freed,
 * all in a context of its own deleted before returning, so hashing a row
 * costs about three times its larger image (detoasted jsonb + its text),
 * whatever else the caller holds, and nothing stays behind.
 */
static void
row_hash(HeapTuple tup, TupleDesc desc, uint8 *out)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "fintech audit row hash",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);

	if (ctx == NULL || pg_cryptohash_init(ctx) < 0)
		elog(ERROR, "could not compute SHA-256: %s", pg_cryptohash_error(ctx));
	for (int col = 1; col <= NCANON; col++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(tup, desc, col, &isnull);
		char		buf[64];

		if (isnull)
			hash_update(ctx, "N", 1);
		else if (col == 1)
		{
			snprintf(buf, sizeof(buf), INT64_FORMAT, DatumGetInt64(d));
			hash_field(ctx, buf, strlen(buf));
		}
		else if (col == NCANON)
		{
			struct pg_tm tm;
			fsec_t		fsec;

			if (timestamp2tm(DatumGetTimestampTz(d), NULL, &tm, &fsec, NULL, NULL) != 0)
				elog(ERROR, "audit row with an invalid changed_at");
			snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d:%02d.%06d",
					 tm.tm_year, tm.tm_mon, tm.tm_mday,
					 tm.tm_hour, tm.tm_min, tm.tm_sec, (int) fsec);
			hash_field(ctx, buf, strlen(buf));
		}
		else if (col == 6)
		{
			/* xid8, as xid8out writes it */
			snprintf(buf, sizeof(buf), UINT64_FORMAT,
					 U64FromFullTransactionId(DatumGetFullTransactionId(d)));
			hash_field(ctx, buf, strlen(buf));
		}
		else if (col == 4 || col == 5)
		{
			/* jsonb, as jsonb_out (and so ::text) writes it */
			Jsonb	   *j = DatumGetJsonbP(d);
			char	   *text = JsonbToCString(NULL, &j->root, VARSIZE(j));
			size_t		len = strlen(text);

			if ((Pointer) j != DatumGetPointer(d))
				pfree(j);
			hash_field(ctx, text, len);
			pfree(text);
		}
		else
		{
			/* text: the stored bytes (text holds no NUL) */
			text	   *t = DatumGetTextPP(d);

			hash_field(ctx, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
		}
	}
	if (pg_cryptohash_final(ctx, out, PG_SHA256_DIGEST_LENGTH) < 0)
		elog(ERROR, "could not compute SHA-256: %s", pg_cryptohash_error(ctx));
	pg_cryptohash_free(ctx);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
}

/* chain_hash = SHA-256(previous chain_hash || row_hash); no previous at seq 1 */
static void
chain_hash(const uint8 *prev, bool has_prev, const uint8 *rowh, uint8 *out)
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
static bool
get_hash(HeapTuple tup, TupleDesc desc, int col, uint8 *out)
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

/* ------------------------------------------------------------------------
 * Sealing
 * ------------------------------------------------------------------------
 */

/*
 * Write seq, row_hash and chain_hash into the n rows at tids (unsealed,
 * committed, read by the caller after it locked the head of the chain).
 * Straight into the heap: only sealers change audit rows, one at a time,
 * and the row trigger that refuses everyone else's UPDATEs would lock each
 * row first (a WAL record per row).  The new version is formed from the old
 * one with only the three columns filled in; fintech.audit_log's fillfactor
 * leaves room for it on the same page, where PostgreSQL logs only the bytes
 * that changed, not the whole captured row again.
 */
static void
seal_write(uint64 n, ItemPointerData *tids, Datum *seqs, Datum *rowhs, Datum *chains)
{
	AuditWriter w;
	TupleDesc	desc;
	int			seqcol = lengthof(audit_log_columns) - 3;
	Snapshot	snap = GetLatestSnapshot();
	Datum	   *values;
	bool	   *nulls;

	Assert(strcmp(audit_log_columns[seqcol], "seq") == 0);
	audit_writer_open(&w, NULL);
	desc = RelationGetDescr(w.rel);
	values = palloc(sizeof(Datum) * desc->natts);
	nulls = palloc(sizeof(bool) * desc->natts);
	for (uint64 r = 0; r < n; r++)
	{
		HeapTupleData old;
		HeapTuple	tup;
		Buffer		buf;

		CHECK_FOR_INTERRUPTS();
		old.t_self = tids[r];
		if (!heap_fetch(w.rel, snap, &old, &buf, false))
			elog(ERROR, "audit row (%u,%u) vanished while it was sealed",
				 ItemPointerGetBlockNumber(&old.t_self), ItemPointerGetOffsetNumber(&old.t_self));
		heap_deform_tuple(&old, desc, values, nulls);
		if (!nulls[seqcol])
			elog(ERROR, "audit row " INT64_FORMAT " was sealed by someone else",
				 DatumGetInt64(values[0]));
		values[seqcol] = seqs[r];
		values[seqcol + 1] = rowhs[r];
		values[seqcol + 2] = chains[r];
		nulls[seqcol] = nulls[seqcol + 1] = nulls[seqcol + 2] = false;
		tup = heap_form_tuple(desc, values, nulls);
		ReleaseBuffer(buf);		/* values pointed into the page until here */
		simple_heap_update(w.rel, &old.t_self, tup);
		if (!HeapTupleIsHeapOnly(tup))
			audit_writer_index(&w, tup);
		heap_freetuple(tup);
	}
	audit_writer_close(&w);
	/* what follows (the head's UPDATE, the next batch) sees these rows */
	CommandCounterIncrement();
}

/* where a batch of seal_audit() ended: (changed_at, id) of its last row */
typedef struct SealKey
{
	Datum		changed_at;
	Datum		id;
} SealKey;

/*
 * Who holds the head of the chain, for the job's report: the backend whose
 * transaction locked the head row (its xmax), or a general note when it
 * cannot be named (several lockers, or one already gone).
 */
static char *
head_holder(void)
{
	if (SPI_execute("SELECT a.pid, a.usename, a.xact_start::pg_catalog.text"
					" FROM fintech.audit_head h"
					" JOIN pg_catalog.pg_locks l ON l.locktype OPERATOR(pg_catalog.=) 'transactionid'"
					"  AND l.mode OPERATOR(pg_catalog.=) 'ExclusiveLock' AND l.granted"
					"  AND l.transactionid OPERATOR(pg_catalog.=) h.xmax"
					" LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid OPERATOR(pg_catalog.=) l.pid"
					" LIMIT 1", true, 0) != SPI_OK_SELECT || SPI_processed != 1)
		return pstrdup("sealing waits: fintech.audit_head is locked by another transaction");
	return psprintf("sealing waits: fintech.audit_head is locked by pid %s (role %s, transaction started %s),"
					" a transaction that called fintech.seal_audit() and has not ended; rows captured"
					" since are sealed when it commits or rolls back",
					SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1),
					SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2),
					SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3));
}

/*
 * the unsealed rows in capture order, `limit` ($1) of them, with their
 * ctid; cond: further conditions
 */
#define UNSEALED_SQL(cond) \
	"SELECT " AUDIT_COLS ", ctid FROM fintech.audit_log WHERE seq IS NULL " cond \
	" ORDER BY changed_at, id LIMIT $1"

/*
 * Seal up to `limit` committed, unsealed rows, and no more than
 * SEAL_BATCH_BYTES of row images (at least one row); returns how many.
 * *more is set when the batch ended at a limit.  With after, only rows
 * captured after that key are read (the next batch of one seal_audit()
 * call: within one transaction the index entries of the rows it sealed are
 * not yet dead, and reading from the start each time would make a large
 * backlog quadratic); *last is set to the key of the last row sealed.
 * wait = false (the job): when another transaction holds the head, seal
 * nothing and set *held_by to a report naming it.
 */
static int64
seal_some(int64 limit, bool *more, bool wait, const SealKey *after, SealKey *last,
		  char **held_by)
{
	int			ret;
	int64		last_seq;
	uint8		prev[PG_SHA256_DIGEST_LENGTH];
	bool		has_prev;
	uint64		n = 0;
	Size		bytes = 0;
	Portal		portal;
	ItemPointerData *tids;
	Datum	   *seqs,
			   *rowhs,
			   *chains;
	Oid			htypes[2] = {INT8OID, BYTEAOID};
	Datum		hv[2];
	Datum		last_id = 0,
				last_at = 0;
	bool		done = false;

	/*
	 * One sealer at a time: the head row is the chain's lock.  The job does
	 * not wait for it (the other jobs run in the same launcher): another
	 * sealer is at work, it will try again on its next run.  Only a sealer
	 * (seal_audit(), an operator's right) can lock the head; one left open
	 * in a transaction is named in worker_status (held_by).
	 */
	*more = false;
	for (int attempt = 0;; attempt++)
	{
		ret = SPI_execute(wait
						  ? "SELECT last_seq, last_hash FROM fintech.audit_head FOR UPDATE"
						  : "SELECT last_seq, last_hash FROM fintech.audit_head FOR UPDATE SKIP LOCKED",
						  false, 0);
		if (ret != SPI_OK_SELECT || SPI_processed > 1)
			elog(ERROR, "fintech.audit_head must have at most one row");
		if (SPI_processed == 1 || attempt > 0)
			break;

		/*
		 * No head yet, or (the job) a head locked by another: the first
		 * seal creates it (CREATE EXTENSION does not, so that pg_dump's
		 * copy of it restores without a conflict).
		 */
		if (!wait)
		{
			if (SPI_execute("SELECT 1 FROM fintech.audit_head", true, 0) != SPI_OK_SELECT)
				elog(ERROR, "could not read fintech.audit_head");
			if (SPI_processed > 0)
			{
				if (held_by)
					*held_by = head_holder();
				return 0;		/* another sealer holds it */
			}
		}
		if (SPI_execute("INSERT INTO fintech.audit_head DEFAULT VALUES ON CONFLICT DO NOTHING",
						false, 0) != SPI_OK_INSERT)
			elog(ERROR, "could not create the head of the audit chain");
	}
	if (SPI_processed == 0)
	{
		if (wait)
			elog(ERROR, "fintech.audit_head has no row");
		if (held_by)
			*held_by = head_holder();
		return 0;				/* another sealer holds it */
	}
	last_seq = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &has_prev));
	has_prev = get_hash(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, prev);
	SPI_freetuptable(SPI_tuptable);

	/*
	 * A fresh snapshot, taken after the lock: sees the last sealer's work.
	 * Planned for each batch with its values (not a saved, generic plan),
	 * as the size of the backlog and the key change from batch to batch.
	 */
	if (after)
	{
		Oid			ktypes[3] = {INT8OID, TIMESTAMPTZOID, INT8OID};
		Datum		kv[3] = {Int64GetDatum(limit), after->changed_at, after->id};

		portal = SPI_cursor_open_with_args(NULL, UNSEALED_SQL("AND (changed_at, id) OPERATOR(pg_catalog.>) ($2, $3)"),
										   3, ktypes, kv, NULL, false, 0);
	}
	else
	{
		Oid			ktypes[1] = {INT8OID};
		Datum		kv[1] = {Int64GetDatum(limit)};

		portal = SPI_cursor_open_with_args(NULL, UNSEALED_SQL(""), 1, ktypes, kv, NULL, false, 0);
	}

	/* hash the rows in order, a fetch at a time, then write them all */
	tids = palloc(sizeof(ItemPointerData) * limit);
	seqs = palloc(sizeof(Datum) * limit);
	rowhs = palloc(sizeof(Datum) * limit);
	chains = palloc(sizeof(Datum) * limit);
	while (!done)
	{
		SPITupleTable *tt;

		SPI_cursor_fetch(portal, true, SEAL_FETCH);
		tt = SPI_tuptable;
		if (SPI_processed == 0)
		{
			SPI_freetuptable(tt);
			break;
		}
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			HeapTuple	tup = tt->vals[r];
			uint8		rowh[PG_SHA256_DIGEST_LENGTH];
			uint8		chain[PG_SHA256_DIGEST_LENGTH];
			Size		size = row_image_bytes(tup, tt->tupdesc);
			bool		isnull;

			CHECK_FOR_INTERRUPTS();
			if (n > 0 && bytes + size > SEAL_BATCH_BYTES)
			{
				/* the budget is spent: this row starts the next batch */
				*more = true;
				done = true;
				break;
			}
			bytes += size;
			row_hash(tup, tt->tupdesc, rowh);
			chain_hash(prev, has_prev, rowh, chain);
			last_seq++;
			tids[n] = *(ItemPointer) DatumGetPointer(SPI_getbinval(tup, tt->tupdesc, NCANON + 4, &isnull));
			seqs[n] = Int64GetDatum(last_seq);
			rowhs[n] = PointerGetDatum(fintech_hash_bytea(rowh));
			chains[n] = PointerGetDatum(fintech_hash_bytea(chain));
			/* both by value (int8, timestamptz): they outlive the rows */
			last_id = SPI_getbinval(tup, tt->tupdesc, 1, &isnull);
			last_at = SPI_getbinval(tup, tt->tupdesc, NCANON, &isnull);
			memcpy(prev, chain, sizeof(prev));
			has_prev = true;
			if ((int64) ++n == limit)
			{
				*more = true;
				done = true;
				break;
			}
		}
		SPI_freetuptable(tt);	/* the rows read: their ctids are copied */
	}
	SPI_cursor_close(portal);
	if (n == 0)
		return 0;

	fintech_internal_write = FT_WRITE_SEAL;
	PG_TRY();
	{
		seal_write(n, tids, seqs, rowhs, chains);
		hv[0] = Int64GetDatum(last_seq);
		hv[1] = PointerGetDatum(fintech_hash_bytea(prev));
		ret = SPI_execute_with_args("UPDATE fintech.audit_head SET last_seq = $1, last_hash = $2",
									2, htypes, hv, NULL, false, 0);
		if (ret != SPI_OK_UPDATE || SPI_processed != 1)
			elog(ERROR, "could not move the head of the audit chain");
	}
	PG_FINALLY();
	{
		fintech_internal_write = FT_WRITE_NONE;
	}
	PG_END_TRY();
	if (last)
	{
		last->id = last_id;
		last->changed_at = last_at;
	}
	return (int64) n;
}

PG_FUNCTION_INFO_V1(fintech_seal_audit);
/* fintech.seal_audit(): seal every committed row now; rows newly chained */
Datum
fintech_seal_audit(PG_FUNCTION_ARGS)
{
	int64		total = 0;
	bool		more;
	SealKey		last = {0, 0};
	bool		bounded = false;

	/*
	 * A large backlog is sealed in batches, each in its own SPI connection
	 * (SPI allocates in its procedure context, freed by SPI_finish), each
	 * reading after the last row of the one before.  When a batch comes
	 * back short, one more pass from the start picks up rows of
	 * transactions that committed meanwhile with an earlier capture time.
	 */
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		SPI_connect();
		total += seal_some(SEAL_BATCH, &more, true, bounded ? &last : NULL, &last, NULL);
		SPI_finish();
		if (more)
			bounded = true;
		else if (bounded)
			bounded = false;
		else
			break;
	}
	PG_RETURN_INT64(total);
}

/*
 * the seal_audit job: one batch (SEAL_BATCH rows or SEAL_BATCH_BYTES) per
 * transaction, the next one at once while there are more, so the other
 * jobs of the launcher get their turn between two batches.  It waits for
 * nothing an application can hold: the head row only a sealer locks (and
 * the job skips it then, naming the holder in worker_status), audit rows
 * are read under MVCC (rows of a transaction still open are skipped and
 * sealed after it commits, at the end of the chain), and the relation
 * locks it takes (RowExclusiveLock on audit_log, AccessShareLock on
 * audit_head) conflict only with the table owner's DDL.
 */
static int64
seal_job(bool *again)
{
	int64		n;
	char	   *held_by = NULL;

	SPI_connect();
	/* SKIP LOCKED can still wait when it follows an update chain: bound it */
	(void) set_config_option("lock_timeout", "1000", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
	n = seal_some(SEAL_BATCH, again, false, NULL, NULL, &held_by);
	fintech_job_note(held_by);
	SPI_finish();
	return n;
}

/* ------------------------------------------------------------------------
 * Verification
 * ------------------------------------------------------------------------
 */

typedef struct VerifyResult
{
	bool		ok;
	int64		rows_checked;
	int64		first_bad_seq;	/* 0: none */
	char	   *detail;
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
	VerifyResult res = {true, 0, 0, NULL};
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
		has_head_hash = get_hash(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, head_hash);
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
	 * pointers (at most a page each), and row_hash() detoasts one image at a
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
			row_hash(tup, desc, rowh);
			if (!get_hash(tup, desc, 11, stored) || memcmp(stored, rowh, sizeof(rowh)) != 0)
			{
				res.ok = false;
				res.first_bad_seq = seq;
				res.detail = psprintf("audit row " INT64_FORMAT " (seq " INT64_FORMAT ") was changed: its content does not match its row_hash",
									  id, seq);
				break;
			}
			chain_hash(prev, has_prev, rowh, chain);
			if (!get_hash(tup, desc, 12, stored) || memcmp(stored, chain, sizeof(chain)) != 0)
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
		res.detail = psprintf(INT64_FORMAT " sealed rows verified", res.rows_checked);
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

/* ------------------------------------------------------------------------
 * Module initialisation
 * ------------------------------------------------------------------------
 */

void
AuditInit(void)
{
	fintech_define_job("seal_audit", "fintech.seal_interval",
					   "How often the background worker links new audit rows into the hash chain.",
					   1000, seal_job);
}
