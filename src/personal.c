/*-------------------------------------------------------------------------
 *
 * personal.c
 *	  Personal values in the audit log: which columns of an audited table
 *	  are personal (fintech's own, and those fintech.audit_table() was
 *	  given), the commitment that replaces each non-NULL personal value in
 *	  a captured row image, fintech.audit_personal (the values and their
 *	  salts, until erased) and fintech.audit_table()'s personal_columns.
 *	  The rows already logged (verify_audit's checks, the 0.5.0 update's
 *	  conversion) are personal_logged.c's.
 *
 * A commitment.  In old_row / new_row a personal value v is replaced by
 * the object {"commitment": "<hex>"}, hex = the 64 lower-case hex digits
 * of SHA-256(salt || t), salt 16 bytes from pg_strong_random(), t the
 * value's text as jsonb's #>> '{}' writes it (a string without quotes,
 * other values as JSON), UTF-8.  The value (as jsonb) and the salt go to
 * fintech.audit_personal under (audit_id, image, column_name), with the
 * table and the row's primary key, so that an erasure finds them.  The
 * image -- and so the row's leaf hash, every root and every proof -- is
 * the same before and after its values are erased (docs/audit.md).
 *
 * Which columns: fintech.parties name, external_ref and birth_date (when
 * that column exists), fintech.screening_alerts party_name, and for any
 * table the list in fintech.audit_personal_columns (set by audit_table).
 * A partition uses its partitioned ancestor's list.  Read once per backend
 * and table and forgotten when the table's relcache entry is invalidated
 * (audit_table invalidates it when it changes the list; ALTER TABLE
 * does).  A listed column that the table no longer has fails the capture
 * (fail closed: a renamed column must not leak its values into the log).
 * While fintech's SQL objects predate these tables (the library updated,
 * ALTER EXTENSION not yet run) nothing is committed, as before.
 *
 * Locks: none of its own.  fintech.audit_personal and the list are read
 * and written through SPI as their owner (the capture trigger runs as
 * whoever changed the table), RowExclusiveLock on audit_personal.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "port.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "fintech.h"
#include "audit_capture.h"
#include "audit_table.h"
#include "canon.h"
#include "personal.h"
#include "spi_plan.h"
#include "relcache_inval.h"

enum
{
	P_LIST,
	P_INSERT,
	P_SET_LIST
};
static const FintechPlanDef personal_plan_defs[] = {
	/* the list of the first of these tables that has one (a partition, then its ancestors) */
	[P_LIST] = {"SELECT c.columns FROM fintech.audit_personal_columns c, pg_catalog.unnest($1) WITH ORDINALITY a(t, n)"
	" WHERE c.tbl OPERATOR(pg_catalog.=) a.t ORDER BY a.n LIMIT 1", 1, {OIDARRAYOID}},
	[P_INSERT] = {"INSERT INTO fintech.audit_personal (audit_id, image, column_name, tbl, row_key, commitment, salt, value)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", 8,
	{INT8OID, TEXTOID, TEXTOID, REGCLASSOID, JSONBOID, BYTEAOID, BYTEAOID, JSONBOID}},
	[P_SET_LIST] = {"INSERT INTO fintech.audit_personal_columns AS c (tbl, columns) VALUES ($1, $2)"
	" ON CONFLICT (tbl) DO UPDATE SET columns = excluded.columns, set_at = pg_catalog.clock_timestamp()",
	2, {REGCLASSOID, TEXTARRAYOID}},
};
FT_DEFINE_PLANS(personal_plans, personal_plan_defs);

/* ------------------------------------------------------------------------
 * Running SQL as the owner of fintech's tables
 * ------------------------------------------------------------------------
 */

/*
 * fintech.audit_personal's OID and owner, looked up once per backend
 * (every captured row asks) and forgotten when its relcache entry is
 * invalidated (DROP EXTENSION); while it does not exist (the SQL objects
 * older than the library) it is looked for again each time.
 */
static Oid	personal_relid = InvalidOid;
static Oid	personal_owner = InvalidOid;

static void personal_rels_inval(Datum arg, Oid relid);

/* the owner of fintech.audit_personal, or InvalidOid when there is none */
Oid
ft_personal_owner(void)
{
	Oid			nsp;
	HeapTuple	tup;

	if (OidIsValid(personal_owner))
		return personal_owner;
	ft_relcache_callback(personal_rels_inval, (Datum) 0);
	nsp = get_namespace_oid("fintech", true);
	personal_relid = OidIsValid(nsp) ? get_relname_relid("audit_personal", nsp) : InvalidOid;
	if (!OidIsValid(personal_relid))
		return InvalidOid;
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(personal_relid));
	if (!HeapTupleIsValid(tup))
		return InvalidOid;
	personal_owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return personal_owner;
}

void
ft_personal_as_owner(AsOwner *o, Oid owner)
{
	o->caller = CurrentMemoryContext;
	GetUserIdAndSecContext(&o->save_user, &o->save_sec);
	SetUserIdAndSecContext(owner, o->save_sec | SECURITY_LOCAL_USERID_CHANGE);
	SPI_connect();
}

void
ft_personal_as_owner_end(AsOwner *o)
{
	SPI_finish();
	SetUserIdAndSecContext(o->save_user, o->save_sec);
}

/* ------------------------------------------------------------------------
 * Which columns are personal: a per-backend cache
 * ------------------------------------------------------------------------
 */

typedef struct PersonalRel
{
	Oid			relid;			/* hash key: the captured relation */
	bool		valid;
	MemoryContext cxt;			/* the names below */
	Oid			tbl;			/* the table the list is of: relid or an ancestor */
	int			ncols;
	char	  **cols;
	int			nkeys;			/* primary key columns (0: none) */
	char	  **keys;
} PersonalRel;

static HTAB *personal_rels = NULL;

static void
personal_rels_inval(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS seq;
	PersonalRel *pr;

	if (!OidIsValid(relid) || relid == personal_relid)
		personal_owner = InvalidOid;
	if (personal_rels == NULL)
		return;
	if (OidIsValid(relid))
	{
		pr = hash_search(personal_rels, &relid, HASH_FIND, NULL);
		if (pr != NULL)
			pr->valid = false;
		return;
	}
	hash_seq_init(&seq, personal_rels);
	while ((pr = hash_seq_search(&seq)) != NULL)
		pr->valid = false;
}

/* does rel have a live column of that name? */
static bool
has_column(Relation rel, const char *name)
{
	TupleDesc	desc = RelationGetDescr(rel);

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return true;
	}
	return false;
}

/* the listed columns of rel, from fintech.audit_personal_columns: a text[] or NULL */
static ArrayType *
listed_columns(Relation rel, Oid owner, Oid *tbl)
{
	Oid			relid = RelationGetRelid(rel);
	List	   *ancestors = rel->rd_rel->relispartition ? get_partition_ancestors(relid) : NIL;
	int			n = 1 + list_length(ancestors);
	Datum	   *oids = palloc(sizeof(Datum) * n);
	Datum		v[1];
	AsOwner		o;
	ArrayType  *result = NULL;
	ListCell   *lc;
	int			i = 1;

	oids[0] = ObjectIdGetDatum(relid);
	foreach(lc, ancestors)
		oids[i++] = ObjectIdGetDatum(lfirst_oid(lc));
	*tbl = n > 1 ? DatumGetObjectId(oids[n - 1]) : relid;
	v[0] = PointerGetDatum(construct_array(oids, n, OIDOID, sizeof(Oid), true, TYPALIGN_INT));
	ft_personal_as_owner(&o, owner);
	if (OidIsValid(get_relname_relid("audit_personal_columns", get_namespace_oid("fintech", false))))
	{
		ft_run_plan(&personal_plans, P_LIST, v, NULL, true, 1);
		if (SPI_processed == 1)
		{
			bool		isnull;
			Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
			MemoryContext spi = MemoryContextSwitchTo(o.caller);

			if (!isnull)
				result = DatumGetArrayTypePCopy(d);
			MemoryContextSwitchTo(spi);
		}
	}
	ft_personal_as_owner_end(&o);
	return result;
}

/* the names of rel's primary key columns, in key order (NULL, *n = 0: it has none) */
char	  **
ft_personal_key_columns(Relation rel, int *n)
{
	List	   *indexes = RelationGetIndexList(rel);
	Oid			pkindex = rel->rd_pkindex;
	HeapTuple	itup;
	Form_pg_index idx;
	char	  **keys;

	list_free(indexes);
	*n = 0;
	if (!OidIsValid(pkindex) ||
		!HeapTupleIsValid(itup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(pkindex))))
		return NULL;
	idx = (Form_pg_index) GETSTRUCT(itup);
	keys = palloc(sizeof(char *) * Max(idx->indnkeyatts, 1));
	for (int i = 0; i < idx->indnkeyatts; i++)
		keys[(*n)++] = get_attname(RelationGetRelid(rel), idx->indkey.values[i], false);
	ReleaseSysCache(itup);
	return keys;
}

static void
add_col(PersonalRel *pr, int *cap, const char *name)
{
	for (int i = 0; i < pr->ncols; i++)
		if (strcmp(pr->cols[i], name) == 0)
			return;
	if (pr->ncols == *cap)
	{
		*cap *= 2;
		pr->cols = repalloc(pr->cols, sizeof(char *) * *cap);
	}
	pr->cols[pr->ncols++] = MemoryContextStrdup(pr->cxt, name);
}

/* fill in pr for rel: the catalog and the list are read before pr is touched */
static void
personal_build(PersonalRel *pr, Relation rel, Oid owner)
{
	const char *nsp = get_namespace_name(RelationGetNamespace(rel));
	const char *relname = RelationGetRelationName(rel);
	static const char *const parties[] = {"name", "external_ref", "birth_date"};
	static const char *const alerts[] = {"party_name"};
	const char *const *builtin = NULL;
	int			nbuiltin = 0;
	ArrayType  *listed;
	Datum	   *names = NULL;
	bool	   *nulls = NULL;
	int			nlisted = 0;
	Oid			tbl;
	int			cap = 4;
	MemoryContext old;

	if (strcmp(nsp, "fintech") == 0 && strcmp(relname, "parties") == 0)
		builtin = parties, nbuiltin = lengthof(parties);
	else if (strcmp(nsp, "fintech") == 0 && strcmp(relname, "screening_alerts") == 0)
		builtin = alerts, nbuiltin = lengthof(alerts);
	listed = listed_columns(rel, owner, &tbl);
	if (listed != NULL)
		deconstruct_array(listed, TEXTOID, -1, false, TYPALIGN_INT, &names, &nulls, &nlisted);
	for (int i = 0; i < nlisted; i++)
		if (!nulls[i] && !has_column(rel, TextDatumGetCString(names[i])))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("personal column \"%s\" of table %s does not exist",
							TextDatumGetCString(names[i]),
							quote_qualified_identifier(nsp, relname)),
					 errdetail("Its values would be logged in clear: the change is refused."),
					 errhint("Set the table's personal columns again with fintech.audit_table().")));
	if (pr->cxt == NULL)
		pr->cxt = AllocSetContextCreate(CacheMemoryContext, "fintech personal columns",
										ALLOCSET_SMALL_SIZES);
	else
		MemoryContextReset(pr->cxt);
	old = MemoryContextSwitchTo(pr->cxt);
	pr->tbl = nbuiltin > 0 ? RelationGetRelid(rel) : tbl;
	pr->ncols = 0;
	pr->cols = palloc(sizeof(char *) * cap);
	for (int i = 0; i < nbuiltin; i++)
		if (has_column(rel, builtin[i]))
			add_col(pr, &cap, builtin[i]);
	for (int i = 0; i < nlisted; i++)
		if (!nulls[i])
			add_col(pr, &cap, TextDatumGetCString(names[i]));
	pr->nkeys = 0;
	pr->keys = pr->ncols > 0 ? ft_personal_key_columns(rel, &pr->nkeys) : NULL;
	MemoryContextSwitchTo(old);
}

/* the personal columns of rel (ncols 0: none), or NULL when nothing can be committed */
static PersonalRel *
personal_rel(Relation rel, Oid *owner)
{
	Oid			relid = RelationGetRelid(rel);
	PersonalRel *pr;
	bool		found;

	if (personal_rels == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(PersonalRel);
		ctl.hcxt = CacheMemoryContext;
		personal_rels = hash_create("fintech personal columns", 16, &ctl,
									HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	*owner = ft_personal_owner();
	if (!OidIsValid(*owner))
		return NULL;
	pr = hash_search(personal_rels, &relid, HASH_ENTER, &found);
	if (!found)
	{
		pr->valid = false;
		pr->cxt = NULL;
	}
	/* an invalidation while building marks it invalid again: build until valid */
	for (int tries = 0; !pr->valid; tries++)
	{
		FT_CHECK(tries < 100);
		pr->valid = true;
		personal_build(pr, rel, *owner);
	}
	return pr;
}

static bool
is_listed(const char *const *names, int n, const char *key, int keylen)
{
	for (int i = 0; i < n; i++)
		if ((int) strlen(names[i]) == keylen && memcmp(names[i], key, keylen) == 0)
			return true;
	return false;
}

/* ------------------------------------------------------------------------
 * Commitments
 * ------------------------------------------------------------------------
 */

/* a value's text as jsonb's #>> '{}' writes it: what its commitment covers */
static char *
value_text(JsonbValue *v, int *len)
{
	char	   *s;

	switch (v->type)
	{
		case jbvString:
			*len = v->val.string.len;
			return v->val.string.val;
		case jbvNumeric:
			s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
			break;
		case jbvBool:
			s = v->val.boolean ? "true" : "false";
			break;
		case jbvBinary:
			s = JsonbToCString(NULL, v->val.binary.data, v->val.binary.len);
			break;
		default:
			elog(ERROR, "unexpected jsonb value type %d", (int) v->type);
	}
	*len = strlen(s);
	return s;
}

void
ft_personal_commitment_of(const uint8 *salt, JsonbValue *v, uint8 *out)
{
	pg_cryptohash_ctx *ctx = fintech_sha256_begin();
	int			len;
	char	   *s = value_text(v, &len);

	fintech_sha256_update(ctx, salt, PERSONAL_SALT_LEN);
	fintech_sha256_update(ctx, s, len);
	fintech_sha256_end(ctx, out);
}

/* {"commitment": "<hex>"} pushed as a value */
static void
push_commitment(JsonbParseState **st, const uint8 *commitment)
{
	JsonbValue	k,
				h;
	char	   *hex = palloc(PERSONAL_HEX_LEN + 1);

	hex_encode((const char *) commitment, PG_SHA256_DIGEST_LENGTH, hex);
	hex[PERSONAL_HEX_LEN] = '\0';
	k.type = jbvString;
	k.val.string.val = PERSONAL_COMMITMENT_KEY;
	k.val.string.len = strlen(PERSONAL_COMMITMENT_KEY);
	h.type = jbvString;
	h.val.string.val = hex;
	h.val.string.len = PERSONAL_HEX_LEN;
	pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
	pushJsonbValue(st, WJB_KEY, &k);
	pushJsonbValue(st, WJB_VALUE, &h);
	pushJsonbValue(st, WJB_END_OBJECT, NULL);
}

/* is v {"commitment": "<64 hex>"}?  Then its bytes into out. */
bool
ft_personal_is_commitment(JsonbValue *v, uint8 *out)
{
	JsonbValue *h;

	if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data) ||
		JsonContainerSize(v->val.binary.data) != 1)
		return false;
	h = getKeyJsonValueFromContainer(v->val.binary.data, PERSONAL_COMMITMENT_KEY,
									 strlen(PERSONAL_COMMITMENT_KEY), NULL);
	if (h == NULL || h->type != jbvString || h->val.string.len != PERSONAL_HEX_LEN)
		return false;
	for (int i = 0; i < PERSONAL_HEX_LEN; i++)
		if (!((h->val.string.val[i] >= '0' && h->val.string.val[i] <= '9') ||
			  (h->val.string.val[i] >= 'a' && h->val.string.val[i] <= 'f')))
			return false;
	hex_decode(h->val.string.val, PERSONAL_HEX_LEN, (char *) out);
	return true;
}

typedef struct PersonalValue
{
	const char *image;			/* "old" or "new" */
	char	   *column;
	Jsonb	   *row_key;		/* NULL: the table has no primary key */
	uint8		commitment[PG_SHA256_DIGEST_LENGTH];
	uint8		salt[PERSONAL_SALT_LEN];
	Jsonb	   *value;
} PersonalValue;

struct PersonalPending
{
	Oid			owner;
	Oid			tbl;
	int			n;
	int			cap;
	PersonalValue *v;
};

/* the row's primary key, {"col": value, ...}, from its image */
static Jsonb *
row_key(PersonalRel *pr, Jsonb *img)
{
	JsonbParseState *st = NULL;
	JsonbValue *res;

	if (pr->nkeys == 0)
		return NULL;
	pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < pr->nkeys; i++)
	{
		JsonbValue	k;
		JsonbValue *v = getKeyJsonValueFromContainer(&img->root, pr->keys[i], strlen(pr->keys[i]), NULL);
		JsonbValue	null;

		k.type = jbvString;
		k.val.string.val = pr->keys[i];
		k.val.string.len = strlen(pr->keys[i]);
		pushJsonbValue(&st, WJB_KEY, &k);
		if (v == NULL)
		{
			null.type = jbvNull;
			v = &null;
		}
		pushJsonbValue(&st, WJB_VALUE, v);
	}
	res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
}

/*
 * The image with each non-NULL personal value replaced by its commitment
 * (the value and its salt appended to p), or img itself when it has none.
 */
static Jsonb *
commit_image(PersonalRel *pr, PersonalPending *p, Jsonb *img, const char *image)
{
	JsonbParseState *st = NULL;
	JsonbIterator *it = JsonbIteratorInit(&img->root);
	JsonbIteratorToken tok;
	JsonbValue	v;
	JsonbValue *res = NULL;
	Jsonb	   *key = NULL;
	bool		personal = false;
	char	   *column = NULL;
	int			before = p->n;

	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			personal = is_listed((const char *const *) pr->cols, pr->ncols,
								 v.val.string.val, v.val.string.len);
			if (personal)
				column = pnstrdup(v.val.string.val, v.val.string.len);
			pushJsonbValue(&st, tok, &v);
		}
		else if (tok == WJB_VALUE && personal && v.type != jbvNull)
		{
			PersonalValue *pv;

			if (key == NULL)
				key = row_key(pr, img);
			if (p->n == p->cap)
			{
				p->cap *= 2;
				p->v = repalloc(p->v, sizeof(PersonalValue) * p->cap);
			}
			pv = &p->v[p->n++];
			pv->image = image;
			pv->column = column;
			pv->row_key = key;
			if (!pg_strong_random(pv->salt, PERSONAL_SALT_LEN))
				ereport(ERROR,
						(errcode(ERRCODE_INTERNAL_ERROR),
						 errmsg("could not generate a random salt for a personal value")));
			ft_personal_commitment_of(pv->salt, &v, pv->commitment);
			pv->value = JsonbValueToJsonb(&v);
			push_commitment(&st, pv->commitment);
		}
		else
			res = pushJsonbValue(&st, tok, tok < WJB_BEGIN_ARRAY ? &v : NULL);
	}
	if (p->n == before)
		return img;
	return JsonbValueToJsonb(res);
}

PersonalPending *
ft_personal_commit(Relation rel, Datum *old_row, Datum *new_row)
{
	Oid			owner;
	PersonalRel *pr = personal_rel(rel, &owner);
	PersonalPending *p;

	if (pr == NULL || pr->ncols == 0)
		return NULL;
	p = palloc(sizeof(PersonalPending));
	p->owner = owner;
	p->tbl = pr->tbl;
	p->n = 0;
	p->cap = 4;
	p->v = palloc(sizeof(PersonalValue) * p->cap);
	if (old_row)
		*old_row = JsonbPGetDatum(commit_image(pr, p, DatumGetJsonbP(*old_row), "old"));
	if (new_row)
		*new_row = JsonbPGetDatum(commit_image(pr, p, DatumGetJsonbP(*new_row), "new"));
	return p->n > 0 ? p : NULL;
}

void
ft_personal_store(PersonalPending *p, int64 audit_id)
{
	AsOwner		o;

	if (p == NULL)
		return;
	ft_personal_as_owner(&o, p->owner);
	for (int i = 0; i < p->n; i++)
	{
		PersonalValue *pv = &p->v[i];
		Datum		v[8];
		char		n[8] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};

		v[0] = Int64GetDatum(audit_id);
		v[1] = CStringGetTextDatum(pv->image);
		v[2] = CStringGetTextDatum(pv->column);
		v[3] = ObjectIdGetDatum(p->tbl);
		v[4] = pv->row_key ? JsonbPGetDatum(pv->row_key) : (Datum) 0;
		n[4] = pv->row_key ? ' ' : 'n';
		v[5] = PointerGetDatum(fintech_hash_bytea(pv->commitment));
		v[6] = PointerGetDatum(cstring_to_text_with_len((const char *) pv->salt, PERSONAL_SALT_LEN));
		v[7] = JsonbPGetDatum(pv->value);
		if (ft_run_plan(&personal_plans, P_INSERT, v, n, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "could not store a personal value of audit row " INT64_FORMAT, audit_id);
	}
	ft_personal_as_owner_end(&o);
}

/* ------------------------------------------------------------------------
 * SQL: fintech.audit_table(tbl, personal_columns), the update's conversion
 * ------------------------------------------------------------------------
 */

/* the names of personal_columns, checked against the table (42703, 22023) */
static Datum
checked_list(ArrayType *arr, Relation rel, const char *qname)
{
	Datum	   *names;
	bool	   *nulls;
	int			n;
	Datum	   *out;
	int			nout = 0;
	List	   *indexes;
	Bitmapset  *pk = NULL;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("personal_columns must be a one-dimensional array")));
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &names, &nulls, &n);
	indexes = RelationGetIndexList(rel);
	if (OidIsValid(rel->rd_pkindex))
		pk = RelationGetIndexAttrBitmap(rel, INDEX_ATTR_BITMAP_PRIMARY_KEY);
	list_free(indexes);
	out = palloc(sizeof(Datum) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		char	   *name;
		AttrNumber	att;
		bool		dup = false;

		CHECK_FOR_INTERRUPTS();
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("personal_columns must not contain NULL")));
		name = TextDatumGetCString(names[i]);
		att = get_attnum(RelationGetRelid(rel), name);
		if (att <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" of table %s does not exist", name, qname),
					 errhint("personal_columns names columns of the audited table.")));
		if (pk == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("table %s has no primary key: its personal values could not be erased", qname),
					 errhint("fintech.erase_audited_row() finds a row's log entries by its primary key.")));
		if (bms_is_member(att - FirstLowInvalidHeapAttributeNumber, pk))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("column \"%s\" of table %s is part of its primary key and cannot be personal",
							name, qname),
					 errhint("Erasure finds a row's log entries by its primary key, which stays in the log.")));
		for (int j = 0; j < nout; j++)
			dup |= strcmp(TextDatumGetCString(out[j]), name) == 0;
		if (!dup)
			out[nout++] = names[i];
	}
	return PointerGetDatum(construct_array(out, nout, TEXTOID, -1, false, TYPALIGN_INT));
}

PG_FUNCTION_INFO_V1(fintech_audit_table_personal);
/*
 * fintech.audit_table(tbl regclass, personal_columns text[] DEFAULT NULL):
 * the capture triggers (audit_table.c, with every check of its own) and,
 * when given, the table's list of personal columns (replacing the last;
 * NULL leaves it as it is).
 */
Datum
fintech_audit_table_personal(PG_FUNCTION_ARGS)
{
	Oid			relid;
	Oid			nsp;
	Relation	rel;
	char	   *qname;
	Datum		v[2];
	List	   *members;
	ListCell   *lc;

	fintech_arg_not_null(fcinfo, 0, "tbl");
	relid = PG_GETARG_OID(0);
	nsp = get_namespace_oid("fintech", false);
	if (relid == get_relname_relid("audit_personal", nsp))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot audit fintech.audit_personal: it holds the personal values the log commits to")));
	DirectFunctionCall1(fintech_audit_table, ObjectIdGetDatum(relid));
	if (PG_ARGISNULL(1))
		PG_RETURN_VOID();

	rel = table_open(relid, AccessShareLock);
	qname = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
									   RelationGetRelationName(rel));
	v[0] = ObjectIdGetDatum(relid);
	v[1] = checked_list(PG_GETARG_ARRAYTYPE_P(1), rel, qname);
	table_close(rel, NoLock);
	SPI_connect();
	if (ft_run_plan(&personal_plans, P_SET_LIST, v, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not set the personal columns of %s", qname);
	SPI_finish();
	/* every backend reads the list again before it captures a row of the table or a partition */
	members = find_all_inheritors(relid, NoLock, NULL);
	foreach(lc, members)
		CacheInvalidateRelcacheByRelid(lfirst_oid(lc));
	PG_RETURN_VOID();
}
