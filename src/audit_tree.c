/*-------------------------------------------------------------------------
 *
 * audit_tree.c
 *	  The Merkle tree (RFC 9162 section 2.1) over the sealed audit rows:
 *	  where its hashes live, how the sealer grows it, and the functions an
 *	  auditor calls: fintech.audit_root(), audit_inclusion_proof(),
 *	  audit_consistency_proof() and audit_leaf_data().
 *
 * Leaf i (0-based) is the sealed row with seq = i + 1; its leaf hash is
 * SHA-256(0x00 || the row's canonical form), see canon.c.  Storage:
 *
 *	- leaf hashes: a row sealed from 0.5.0 on keeps its own in row_hash;
 *	  the rows of the older hash chain (seq <= audit_head.chain_seq) had
 *	  another row_hash, so the update stored their leaf hashes in
 *	  fintech.audit_tree at level 0;
 *	- nodes: fintech.audit_tree holds the hash of every complete, aligned
 *	  subtree of 2^level leaves for level = 4, 8, 12, ... (key
 *	  level << 56 | index), written once when the subtree fills up and
 *	  never changed (the table is append-only, like the log).
 *
 * Any perfect subtree's hash is then at most 8 stored hashes (or leaf
 * hashes) away: one index range read and at most 7 levels of hashing.
 * A root or a proof needs O(log n) of them (merkle.c), which keeps them
 * at a few milliseconds at ten million rows.  Storage: about one stored
 * node per 15 leaves.
 *
 * Locks: readers take none of their own (one snapshot sees the head and
 * the nodes a sealer committed with it).  Only a sealer writes, holding
 * the head row (audit_seal.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "fintech.h"
#include "audit_tree.h"
#include "audit_log.h"
#include "canon.h"
#include "immutable.h"
#include "spi_plan.h"

#define TREE_FANOUT		(1 << TREE_STRIDE)
#define TREE_LEVELS		(64 / TREE_STRIDE + 1)
#define NODE_KEY(level, index)	(((int64) (level) << 56) | (index))
#define BUILD_BATCH		5000

enum
{
	P_HEAD,
	P_HEAD_V1,
	P_NODES,
	P_LEAVES,
	P_INSERT,
	P_ROW,
	P_ROW_V2,
	P_SEALED,
	P_NODES_ANY,
	P_LEAVES_ANY
};
static const FintechPlanDef tree_plan_defs[] = {
	[P_HEAD] = {"SELECT last_seq, last_hash, chain_seq FROM fintech.audit_head", 0, {0}},
	[P_HEAD_V1] = {"SELECT last_seq, last_hash, last_seq FROM fintech.audit_head", 0, {0}},
	[P_NODES] = {"SELECT hash FROM fintech.audit_tree WHERE node OPERATOR(pg_catalog.>=) $1"
	" AND node OPERATOR(pg_catalog.<) $2 ORDER BY node", 2, {INT8OID, INT8OID}},
	[P_LEAVES] = {"SELECT row_hash FROM fintech.audit_log WHERE seq OPERATOR(pg_catalog.>=) $1"
	" AND seq OPERATOR(pg_catalog.<) $2 ORDER BY seq", 2, {INT8OID, INT8OID}},
	[P_INSERT] = {"INSERT INTO fintech.audit_tree (node, hash)"
	" SELECT * FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.int8[]), pg_catalog.unnest($2::pg_catalog.bytea[]))",
	2, {INT8ARRAYOID, BYTEAARRAYOID}},
	[P_ROW] = {"SELECT " AUDIT_COLS " FROM fintech.audit_log WHERE seq OPERATOR(pg_catalog.=) $1",
	1, {INT8OID}},
	/* before the update to 0.6.0 (no entry_ids) */
	[P_ROW_V2] = {"SELECT " AUDIT_COLS_V2 " FROM fintech.audit_log WHERE seq OPERATOR(pg_catalog.=) $1",
	1, {INT8OID}},
	/* for the update to 0.5.0, which runs before the one to 0.6.0 adds entry_ids */
	[P_SEALED] = {"SELECT " AUDIT_COLS_V2 " FROM fintech.audit_log WHERE seq IS NOT NULL ORDER BY seq",
	0, {0}},
	[P_NODES_ANY] = {"SELECT node, hash FROM fintech.audit_tree WHERE node OPERATOR(pg_catalog.=) ANY ($1)",
	1, {INT8ARRAYOID}},
	[P_LEAVES_ANY] = {"SELECT seq, row_hash FROM fintech.audit_log WHERE seq IS NOT NULL"
	" AND seq OPERATOR(pg_catalog.=) ANY ($1)",
	1, {INT8ARRAYOID}},
};
FT_DEFINE_PLANS(tree_plans, tree_plan_defs);

void
ft_tree_head(AuditTreeHead *head)
{
	bool		isnull;

	memset(head, 0, sizeof(*head));
	head->legacy = ft_audit_log_legacy();
	if (ft_run_plan(&tree_plans, head->legacy ? P_HEAD_V1 : P_HEAD, NULL, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read fintech.audit_head");
	if (SPI_processed > 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("fintech.audit_head has " UINT64_FORMAT " rows, not one", SPI_processed),
				 errhint("Someone bypassed its triggers; run fintech.verify_audit().")));
	if (SPI_processed == 1)
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;

		head->exists = true;
		head->size = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		head->has_root = audit_get_hash(tup, desc, 2, head->root);
		head->chain_seq = DatumGetInt64(SPI_getbinval(tup, desc, 3, &isnull));
	}
	SPI_freetuptable(SPI_tuptable);
}

/* ------------------------------------------------------------------------
 * Reading hashes
 * ------------------------------------------------------------------------
 */

/*
 * Hashes the sealer computed in this batch and may not have stored yet:
 * per stored level (0, 4, 8, ...), those of indexes [lo, lo + n).
 */
typedef struct TreeCtx
{
	bool		sealer;			/* reads must see this transaction's writes */
	int64		chain_seq;
	int64		lo[TREE_LEVELS];
	int64		n[TREE_LEVELS];
	uint8		(*mem[TREE_LEVELS])[MERKLE_HASH];

	/*
	 * Readers fetch every stored hash a root or proof needs in two queries:
	 * a first pass with planning set records them (the recursion does not
	 * depend on the hashes), prefetch() reads them into cache, and the
	 * second pass computes from the cache.
	 */
	bool		planning;
	Datum	   *want[2];		/* [0] NODE_KEY of stored nodes and old-chain
								 * leaves, [1] seq of leaves sealed from 0.5.0 */
	int			nwant[2];
	int			maxwant[2];
	HTAB	   *cache;			/* NODE_KEY (leaves of 0.5.0 on: -seq) -> hash */
} TreeCtx;

typedef struct CachedHash
{
	int64		key;
	uint8		hash[MERKLE_HASH];
} CachedHash;

static void
damaged(const char *what, int64 from, int64 to)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("the audit tree is damaged: %s " INT64_FORMAT " to " INT64_FORMAT " are not all there",
					what, from, to),
			 errhint("Someone changed fintech.audit_log or fintech.audit_tree behind their triggers; "
					 "fintech.verify_audit() names the first bad row.")));
}

/* `count` hashes of a range read with plan `which` between keys lo and hi */
static void
read_hashes(TreeCtx *ctx, int which, int64 lo, int64 hi, int64 count, uint8 (*out)[MERKLE_HASH],
			const char *what, int64 first)
{
	Datum		v[2] = {Int64GetDatum(lo), Int64GetDatum(hi)};

	/* the sealer reads what it stored earlier in its transaction */
	if (ft_run_plan(&tree_plans, which, v, NULL, !ctx->sealer, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the audit tree");
	if ((int64) SPI_processed != count)
		damaged(what, first, first + count - 1);
	for (int64 i = 0; i < count; i++)
		if (!audit_get_hash(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, out[i]))
			damaged(what, first, first + count - 1);
	SPI_freetuptable(SPI_tuptable);
}

/* stored hashes of level `level` (0 = leaves), indexes [from, from + count) */
static void
get_stored(TreeCtx *ctx, int level, int64 from, int64 count, uint8 (*out)[MERKLE_HASH])
{
	int			l = level / TREE_STRIDE;
	int64		upto = from + count;

	/* the part this batch holds in memory */
	if (ctx->mem[l] && upto > ctx->lo[l])
	{
		int64		a = Max(from, ctx->lo[l]);

		Assert(upto <= ctx->lo[l] + ctx->n[l]);
		memcpy(out[a - from], ctx->mem[l][a - ctx->lo[l]], (upto - a) * MERKLE_HASH);
		upto = a;
	}
	if (upto <= from)
		return;
	if (level > 0)
	{
		read_hashes(ctx, P_NODES, NODE_KEY(level, from), NODE_KEY(level, upto), upto - from, out,
					"stored nodes", from);
		return;
	}
	/* leaves: of the old chain in audit_tree, later ones in audit_log.row_hash */
	if (from < ctx->chain_seq)
	{
		int64		to = Min(upto, ctx->chain_seq);

		read_hashes(ctx, P_NODES, NODE_KEY(0, from), NODE_KEY(0, to), to - from, out,
					"leaves (seq)", from + 1);
		out += to - from;
		from = to;
	}
	if (from < upto)
		read_hashes(ctx, P_LEAVES, from + 1, upto + 1, upto - from, out, "sealed rows (seq)", from + 1);
}

/*
 * For a reader walking the tree in order (the verifier): up to max stored
 * hashes of level `level` from index `from` on (0 = the old chain's leaves);
 * returns how many there are.
 */
int64
ft_tree_read_stored(int level, int64 from, int64 max, uint8 (*out)[MERKLE_HASH])
{
	Datum		v[2] = {Int64GetDatum(NODE_KEY(level, from)),
	Int64GetDatum(NODE_KEY(level, from + max))};
	int64		n;

	if (ft_run_plan(&tree_plans, P_NODES, v, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the audit tree");
	n = (int64) SPI_processed;
	for (int64 i = 0; i < n; i++)
		if (!audit_get_hash(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, out[i]))
			memset(out[i], 0, MERKLE_HASH);	/* not a hash: never matches */
	SPI_freetuptable(SPI_tuptable);
	return n;
}

/* hash the n = 2^k hashes in h pairwise, k times, into h[0] */
static void
reduce(uint8 (*h)[MERKLE_HASH], int64 n)
{
	for (; n > 1; n /= 2)
		for (int64 j = 0; j < n / 2; j++)
			merkle_node_hash(h[2 * j], h[2 * j + 1], h[j]);
}

/* the cache key of stored hash i of a level: leaves of 0.5.0 on by -seq */
static int64
cache_key(TreeCtx *ctx, int level, int64 i)
{
	return level == 0 && i >= ctx->chain_seq ? -(i + 1) : NODE_KEY(level, i);
}

/* merkle_perfect_fn over the stored tree */
static void
perfect(void *arg, int level, int64 index, uint8 *out)
{
	TreeCtx    *ctx = arg;
	int			stored = level - level % TREE_STRIDE;
	int			up = level - stored;
	int64		from = index << up;
	int64		count = INT64CONST(1) << up;
	uint8		h[1 << (TREE_STRIDE - 1)][MERKLE_HASH];
	bool		cached = ctx->cache != NULL;

	if (ctx->planning)
	{
		for (int64 i = from; i < from + count; i++)
		{
			int64		key = cache_key(ctx, stored, i);
			int			w = key < 0 ? 1 : 0;

			if (ctx->nwant[w] == ctx->maxwant[w])
			{
				ctx->maxwant[w] = Max(64, 2 * ctx->maxwant[w]);
				ctx->want[w] = ctx->want[w]
					? repalloc(ctx->want[w], sizeof(Datum) * ctx->maxwant[w])
					: palloc(sizeof(Datum) * ctx->maxwant[w]);
			}
			ctx->want[w][ctx->nwant[w]++] = Int64GetDatum(key < 0 ? -key : key);
		}
		memset(out, 0, MERKLE_HASH);
		return;
	}
	for (int64 i = 0; cached && i < count; i++)
	{
		int64		key = cache_key(ctx, stored, from + i);
		CachedHash *c = hash_search(ctx->cache, &key, HASH_FIND, NULL);

		if (c == NULL)
			cached = false;
		else
			memcpy(h[i], c->hash, MERKLE_HASH);
	}
	if (!cached)
		get_stored(arg, stored, from, count, h);
	reduce(h, INT64CONST(1) << up);
	memcpy(out, h[0], MERKLE_HASH);
}

/*
 * Read what a planning pass asked for into ctx->cache, in two queries, and
 * end planning.  What is missing stays out of the cache: the second pass
 * reads it range by range and reports the damage (get_stored).
 */
static void
prefetch(TreeCtx *ctx)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(CachedHash);
	ctl.hcxt = CurrentMemoryContext;
	ctx->cache = hash_create("fintech audit tree", Max(ctx->nwant[0] + ctx->nwant[1], 16), &ctl,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	for (int w = 0; w < 2; w++)
	{
		Datum		arr;

		if (ctx->nwant[w] == 0)
			continue;
		arr = PointerGetDatum(construct_array(ctx->want[w], ctx->nwant[w], INT8OID, 8,
											  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		if (ft_run_plan(&tree_plans, w == 0 ? P_NODES_ANY : P_LEAVES_ANY, &arr, NULL, true, 0)
			!= SPI_OK_SELECT)
			elog(ERROR, "could not read the audit tree");
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			bool		isnull;
			int64		key = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[r],
														  SPI_tuptable->tupdesc, 1, &isnull));
			uint8		h[MERKLE_HASH];
			CachedHash *c;

			if (!audit_get_hash(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2, h))
				continue;
			key = w == 0 ? key : -key;
			c = hash_search(ctx->cache, &key, HASH_ENTER, NULL);
			memcpy(c->hash, h, MERKLE_HASH);
		}
		SPI_freetuptable(SPI_tuptable);
	}
	ctx->planning = false;
}

/*
 * Compute with the stored tree in three queries: `compute` runs twice,
 * first to learn which hashes it needs (their values are zeros then)
 */
#define TREE_COMPUTE(ctx, compute) \
	do { \
		(ctx)->planning = true; \
		compute; \
		prefetch(ctx); \
		compute; \
	} while (0)

void
ft_tree_root(const AuditTreeHead *head, int64 size, uint8 *root)
{
	TreeCtx		ctx = {0};

	ctx.chain_seq = head->chain_seq;
	TREE_COMPUTE(&ctx, merkle_range_hash(perfect, &ctx, 0, size, root));
}

/* ------------------------------------------------------------------------
 * Growing the tree (the sealer)
 * ------------------------------------------------------------------------
 */

static void
store_hashes(int level, int64 from, int64 count, uint8 (*h)[MERKLE_HASH])
{
	Datum	   *keys = palloc(sizeof(Datum) * count);
	Datum	   *hashes = palloc(sizeof(Datum) * count);
	Datum		v[2];

	for (int64 i = 0; i < count; i++)
	{
		keys[i] = Int64GetDatum(NODE_KEY(level, from + i));
		hashes[i] = PointerGetDatum(fintech_hash_bytea(h[i]));
	}
	v[0] = PointerGetDatum(construct_array(keys, count, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	v[1] = PointerGetDatum(construct_array(hashes, count, BYTEAOID, -1, false, TYPALIGN_INT));
	if (ft_run_plan(&tree_plans, P_INSERT, v, NULL, false, 0) != SPI_OK_INSERT ||
		(int64) SPI_processed != count)
		elog(ERROR, "could not store audit tree nodes");
	for (int64 i = 0; i < count; i++)
		pfree(DatumGetPointer(hashes[i]));
	pfree(keys);
	pfree(hashes);
}

void
ft_tree_append(int64 chain_seq, int64 n0, int64 count, const uint8 (*leaves)[MERKLE_HASH],
			   bool store_leaves, uint8 *root)
{
	TreeCtx		ctx = {0};
	int64		total = n0 + count;

	ctx.sealer = true;
	ctx.chain_seq = chain_seq;
	ctx.lo[0] = n0;
	ctx.n[0] = count;
	ctx.mem[0] = (uint8 (*)[MERKLE_HASH]) leaves;
	if (store_leaves && count > 0)
		store_hashes(0, n0, count, ctx.mem[0]);

	for (int level = TREE_STRIDE; level < 64; level += TREE_STRIDE)
	{
		int			l = level / TREE_STRIDE;
		int64		lo = n0 >> level;
		int64		hi = total >> level;

		CHECK_FOR_INTERRUPTS();
		if (hi <= lo)
			break;				/* nothing completed here, nor above */
		ctx.lo[l] = lo;
		ctx.n[l] = hi - lo;
		ctx.mem[l] = palloc(MERKLE_HASH * (hi - lo));
		for (int64 i = lo; i < hi; i++)
		{
			uint8		h[TREE_FANOUT][MERKLE_HASH];

			get_stored(&ctx, level - TREE_STRIDE, i * TREE_FANOUT, TREE_FANOUT, h);
			reduce(h, TREE_FANOUT);
			memcpy(ctx.mem[l][i - lo], h[0], MERKLE_HASH);
		}
		store_hashes(level, lo, hi - lo, ctx.mem[l]);
	}
	merkle_range_hash(perfect, &ctx, 0, total, root);
	for (int l = 1; l < TREE_LEVELS; l++)
		if (ctx.mem[l])
			pfree(ctx.mem[l]);
}

/* ------------------------------------------------------------------------
 * The auditor's functions
 * ------------------------------------------------------------------------
 */

/*
 * A size or position argument: 1..limit, else 22023 naming the range;
 * bound names what limits it ("sealed rows", "tree_size", "new_size")
 */
static int64
size_arg(FunctionCallInfo fcinfo, int n, const char *what, int64 dflt, int64 limit,
		 const char *bound)
{
	int64		v;

	if (PG_ARGISNULL(n))
		return dflt;
	v = PG_GETARG_INT64(n);
	if (v < 1 || v > limit)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s " INT64_FORMAT " is out of range", what, v),
				 limit >= 1
				 ? errdetail("%s must be between 1 and " INT64_FORMAT " (%s).", what, limit, bound)
				 : errdetail("Nothing is sealed yet: the audit log has no leaves."),
				 limit >= 1 ? 0
				 : errhint("Rows are sealed by fintech.seal_audit() or the seal_audit job.")));
	return v;
}

static ArrayType *
path_array(uint8 (*path)[MERKLE_HASH], int len)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(len, 1));

	for (int i = 0; i < len; i++)
		d[i] = PointerGetDatum(fintech_hash_bytea(path[i]));
	return construct_array(d, len, BYTEAOID, -1, false, TYPALIGN_INT);
}

/* SPI-connected: the head; ERROR-free on an empty log */
static void
open_tree(AuditTreeHead *head, TreeCtx *ctx)
{
	ft_tree_head(head);
	memset(ctx, 0, sizeof(*ctx));
	ctx->chain_seq = head->chain_seq;
}

PG_FUNCTION_INFO_V1(fintech_audit_root);
/* fintech.audit_root(tree_size bigint DEFAULT NULL) RETURNS TABLE(tree_size, root_hash) */
Datum
fintech_audit_root(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	AuditTreeHead head;
	TreeCtx		ctx;
	int64		size;
	uint8		root[MERKLE_HASH];
	Datum		v[2];
	bool		n[2] = {false, false};

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	open_tree(&head, &ctx);
	size = size_arg(fcinfo, 0, "tree_size", head.size, head.size, "the sealed rows");
	TREE_COMPUTE(&ctx, merkle_range_hash(perfect, &ctx, 0, size, root));
	v[0] = Int64GetDatum(size);
	v[1] = PointerGetDatum(fintech_hash_bytea(root));
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
	SPI_finish();
	return (Datum) 0;
}

/* the sealed row at seq, read as the sealer reads it; ERROR if missing */
static HeapTuple
sealed_row(int64 seq, TupleDesc *desc)
{
	Datum		v[1] = {Int64GetDatum(seq)};

	if (ft_run_plan(&tree_plans, ft_audit_log_batched() ? P_ROW : P_ROW_V2, v, NULL, true, 0) !=
		SPI_OK_SELECT)
		elog(ERROR, "could not read fintech.audit_log");
	if (SPI_processed != 1)
		damaged("sealed rows (seq)", seq, seq);
	*desc = SPI_tuptable->tupdesc;
	return SPI_tuptable->vals[0];
}

PG_FUNCTION_INFO_V1(fintech_audit_inclusion_proof);
/*
 * fintech.audit_inclusion_proof(seq, tree_size DEFAULT NULL)
 *	 RETURNS TABLE(seq, tree_size, leaf_hash, path): the leaf hash is
 *	 computed from the row as it is now
 */
Datum
fintech_audit_inclusion_proof(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	AuditTreeHead head;
	TreeCtx		ctx;
	int64		seq,
				size;
	uint8		leaf[MERKLE_HASH];
	uint8		path[MERKLE_MAX_PATH][MERKLE_HASH];
	int			len;
	HeapTuple	row;
	TupleDesc	desc;
	Datum		v[4];
	bool		n[4] = {false, false, false, false};

	fintech_arg_not_null(fcinfo, 0, "seq");
	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	open_tree(&head, &ctx);
	size = size_arg(fcinfo, 1, "tree_size", head.size, head.size, "the sealed rows");
	seq = size_arg(fcinfo, 0, "seq", 0, size, "the tree's size");
	row = sealed_row(seq, &desc);
	audit_leaf_hash(row, desc, AUDIT_LEAF_SEQ(seq, head.chain_seq), NULL, leaf);
	TREE_COMPUTE(&ctx, len = merkle_inclusion_path(perfect, &ctx, seq - 1, size, path));
	v[0] = Int64GetDatum(seq);
	v[1] = Int64GetDatum(size);
	v[2] = PointerGetDatum(fintech_hash_bytea(leaf));
	v[3] = PointerGetDatum(path_array(path, len));
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
	SPI_finish();
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(fintech_audit_consistency_proof);
/*
 * fintech.audit_consistency_proof(old_size, new_size DEFAULT NULL)
 *	 RETURNS TABLE(old_size, new_size, path)
 */
Datum
fintech_audit_consistency_proof(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	AuditTreeHead head;
	TreeCtx		ctx;
	int64		old_size,
				new_size;
	uint8		path[MERKLE_MAX_PATH][MERKLE_HASH];
	int			len = 0;
	Datum		v[3];
	bool		n[3] = {false, false, false};

	fintech_arg_not_null(fcinfo, 0, "old_size");
	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	open_tree(&head, &ctx);
	new_size = size_arg(fcinfo, 1, "new_size", head.size, head.size, "the sealed rows");
	old_size = size_arg(fcinfo, 0, "old_size", 0, new_size, "new_size");
	if (old_size < new_size)
		TREE_COMPUTE(&ctx, len = merkle_consistency_path(perfect, &ctx, old_size, new_size, path));
	v[0] = Int64GetDatum(old_size);
	v[1] = Int64GetDatum(new_size);
	v[2] = PointerGetDatum(path_array(path, len));
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
	SPI_finish();
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(fintech_audit_leaf_data);
/* fintech.audit_leaf_data(seq) RETURNS bytea: what the leaf hash hashes after 0x00 */
Datum
fintech_audit_leaf_data(PG_FUNCTION_ARGS)
{
	AuditTreeHead head;
	int64		seq;
	HeapTuple	row;
	TupleDesc	desc;
	bytea	   *data;
	MemoryContext outer = CurrentMemoryContext;

	fintech_arg_not_null(fcinfo, 0, "seq");
	SPI_connect();
	ft_tree_head(&head);
	seq = size_arg(fcinfo, 0, "seq", 0, head.size, "the sealed rows");
	row = sealed_row(seq, &desc);
	data = audit_leaf_data(row, desc, AUDIT_LEAF_SEQ(seq, head.chain_seq), outer);
	SPI_finish();
	PG_RETURN_BYTEA_P(data);
}

PG_FUNCTION_INFO_V1(fintech_audit_tree_build);
/*
 * fintech.audit_tree_build(): run once, by the update to 0.5.0: the leaf
 * hashes of the rows sealed into the old hash chain, and the tree over
 * them; the head then records where the chain ends (chain_seq) and the
 * tree's root.  Returns the number of leaves.
 */
Datum
fintech_audit_tree_build(PG_FUNCTION_ARGS)
{
	AuditTreeHead head;
	Portal		portal;
	uint8		(*leaves)[MERKLE_HASH];
	uint8		root[MERKLE_HASH];
	int64		done = 0;
	MemoryContext per_batch,
				outer;

	SPI_connect();
	ft_tree_head(&head);
	if (!head.exists)
	{
		SPI_finish();
		PG_RETURN_INT64(0);
	}
	if (head.chain_seq != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the audit tree is already built")));
	leaves = palloc(sizeof(*leaves) * BUILD_BATCH);
	outer = CurrentMemoryContext;
	per_batch = AllocSetContextCreate(outer, "fintech tree build", ALLOCSET_DEFAULT_SIZES);
	portal = ft_open_cursor(&tree_plans, P_SEALED, NULL, NULL, true);
	for (;;)
	{
		int64		n;

		MemoryContextReset(per_batch);
		SPI_cursor_fetch(portal, true, BUILD_BATCH);
		n = SPI_processed;
		if (n == 0)
			break;
		MemoryContextSwitchTo(per_batch);
		for (int64 r = 0; r < n; r++)
		{
			bool		isnull;
			int64		seq = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[r],
														  SPI_tuptable->tupdesc, NCANON + 1,
														  &isnull));

			CHECK_FOR_INTERRUPTS();
			if (seq != done + r + 1)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("the audit chain is broken at seq " INT64_FORMAT " (found seq " INT64_FORMAT ")",
								done + r + 1, seq),
						 errhint("Run fintech.verify_audit() with the version before this update.")));
			audit_leaf_hash(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 0, NULL, leaves[r]);
		}
		MemoryContextSwitchTo(outer);
		SPI_freetuptable(SPI_tuptable);
		/* the chain's rows are all legacy leaves: chain_seq covers them */
		ft_tree_append(head.size, done, n, (const uint8 (*)[MERKLE_HASH]) leaves, true, root);
		done += n;
	}
	SPI_cursor_close(portal);
	if (done == 0)
		fintech_sha256("", 0, root);
	if (done != head.size)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("the audit chain has " INT64_FORMAT " sealed rows but its head says " INT64_FORMAT,
						done, head.size),
				 errhint("Run fintech.verify_audit() with the version before this update.")));
	{
		Oid			types[2] = {INT8OID, BYTEAOID};
		Datum		v[2] = {Int64GetDatum(done), PointerGetDatum(fintech_hash_bytea(root))};

		fintech_internal_write = FT_WRITE_SEAL;
		PG_TRY();
		{
			if (SPI_execute_with_args("UPDATE fintech.audit_head SET chain_seq = $1, last_hash = $2",
									  2, types, v, NULL, false, 0) != SPI_OK_UPDATE)
				elog(ERROR, "could not update fintech.audit_head");
		}
		PG_FINALLY();
		{
			fintech_internal_write = FT_WRITE_NONE;
		}
		PG_END_TRY();
	}
	MemoryContextDelete(per_batch);
	SPI_finish();
	PG_RETURN_INT64(done);
}
