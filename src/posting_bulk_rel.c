/*-------------------------------------------------------------------------
 *
 * posting_bulk_rel.c
 *	  What the direct insert of posting_bulk.c (bulk_insert) keeps of a
 *	  table between calls, one BulkRel per table (entries, postings,
 *	  events): its OID by name, whether its live columns are the row
 *	  buffer's (and their map), its indexes' OIDs and IndexInfo, with the
 *	  partial indexes' predicates and the expression indexes' expressions
 *	  compiled once.  Without it each call does what the executor does for
 *	  every INSERT statement: look the table up, BuildIndexInfo for each
 *	  index (ExecOpenIndices), compile the predicates and expressions again
 *	  (the first ExecInsertIndexTuples): some 20,000 instructions a
 *	  transfer (docs/benchmarks.md, session 15).
 *
 * No relation is kept open: the table and its indexes are opened and
 * locked in every call (bulk_rel_open, bulk_rel_open_indexes).  What is
 * kept is forgotten on any invalidation of the table or of one of its
 * indexes (another backend's DDL, seen when this one locks the table;
 * this transaction's own, seen at its next command), of a schema (a
 * RENAME of fintech) or of a function (the compiled expressions call
 * functions; relcache_inval.c's one callback for all of fintech brings the
 * relcache's).  Memory of a forgotten entry is handed to the transaction
 * when the table is learnt again, so a call up the stack that still uses
 * it finds it until the transaction ends.
 *
 * The indexes are kept only when every one of them is a btree without an
 * exclusion constraint and their predicates and expressions are made of
 * columns, constants, NULL tests, AND/OR/NOT and built-in functions: such
 * compiled expressions keep nothing in the memory of the statement that
 * first runs them (a hashed IN list, a row type's descriptor or a
 * whole-row column would, and a BRIN index keeps its descriptor in the
 * IndexInfo).  Otherwise the indexes are opened per call by
 * ExecOpenIndices, as before.
 *
 * Locks: RowExclusiveLock on the table and its indexes (an INSERT's),
 * taken by every call.  The table's is held to the end of the
 * transaction; an index's is released when the call is done with it, as
 * the executor's ExecCloseIndices does at the end of a statement.  Holding
 * them would cost a backend's fast-path lock slots: PostgreSQL 15 has 16,
 * a transfer takes 10 relation locks with the indexes released and 15
 * without, and a lock past the 16th goes through the shared lock table's
 * partition locks, where concurrent callers of the same tables queue
 * (fintech.pay takes 20 even so; docs/benchmarks.md, session 16).  The
 * table's lock keeps a kept index from being dropped meanwhile.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
#include "executor/executor.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "posting_bulk_rel.h"
#include "relcache_inval.h"

/*
 * The table's live columns are exactly cols, in order, of the buffer's
 * types, none generated; map[attno] = buffer column.
 */
bool
bulk_columns_match(TupleDesc desc, const char *const *cols, const RowBuf *b, int *map)
{
	int			k = 0;

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		map[i] = -1;
		if (att->attisdropped)
			continue;
		if (k >= b->ncols || att->attgenerated || att->atttypid != b->types[k] ||
			strcmp(NameStr(att->attname), cols[k]) != 0)
			return false;
		map[i] = k++;
	}
	return k == b->ncols;
}

/*
 * What bulk_insert keeps of a table between calls (the header comment).
 * cxt holds map, idx and ii.  An entry forgotten (an invalidation) keeps
 * its memory until the next call learns the table again, which hands it
 * to the transaction (freed at its end): a call that still uses it, up
 * the stack, or from before the invalidation, is in that transaction.
 */
struct BulkRel
{
	/* (ordered by size: clang-tidy's padding check) */
	const char *relname;		/* the caller's constant */
	uint64		gen;			/* invalidations seen */
	MemoryContext cxt;
	/* the live columns are the buffer's (cols, types, ncols): map */
	const char *const *cols;
	const Oid  *types;
	int		   *map;
	/* kept: the indexes' OIDs and IndexInfo, expressions compiled */
	Oid		   *idx;
	IndexInfo **ii;
	Oid			relid;			/* invalid: look it up by name */
	int			ncols;
	int			nidx;
	bool		known;			/* what follows is known */
	bool		cols_ok;
	bool		kept;
};

/* entries, postings, events (and room for one more); beyond: uncached */
#define MAX_BULK_RELS 4
static BulkRel bulk_rels[MAX_BULK_RELS];
static int	nbulk_rels = 0;

static void
bulk_rel_forget(BulkRel *br)
{
	br->relid = InvalidOid;
	br->known = false;
	br->gen++;
}

/* a relcache invalidation of relid (InvalidOid: of every relation) */
static void
bulk_relcache_inval(Datum arg, Oid relid)
{
	for (int i = 0; i < nbulk_rels; i++)
	{
		BulkRel    *br = &bulk_rels[i];
		bool		ours = !OidIsValid(relid) || relid == br->relid;

		for (int k = 0; !ours && br->known && k < br->nidx; k++)
			ours = relid == br->idx[k];
		if (ours)
			bulk_rel_forget(br);
	}
}

/* a schema renamed (the OIDs by name), a function changed (compiled expressions) */
static void
bulk_syscache_inval(Datum arg, int cacheid, uint32 hashvalue)
{
	for (int i = 0; i < nbulk_rels; i++)
		bulk_rel_forget(&bulk_rels[i]);
}

/* the entry of fintech.<relname>; NULL when there is no room (uncached) */
BulkRel *
bulk_rel(const char *relname)
{
	static bool callbacks = false;

	if (!callbacks)
	{
		ft_relcache_callback(bulk_relcache_inval, (Datum) 0);
		CacheRegisterSyscacheCallback(NAMESPACEOID, bulk_syscache_inval, (Datum) 0);
		CacheRegisterSyscacheCallback(PROCOID, bulk_syscache_inval, (Datum) 0);
		callbacks = true;
	}
	for (int i = 0; i < nbulk_rels; i++)
		if (strcmp(bulk_rels[i].relname, relname) == 0)
			return &bulk_rels[i];
	if (nbulk_rels == MAX_BULK_RELS)
		return NULL;
	memset(&bulk_rels[nbulk_rels], 0, sizeof(BulkRel));
	bulk_rels[nbulk_rels].relname = relname;
	return &bulk_rels[nbulk_rels++];
}

/*
 * fintech.<relname> opened for writing by its kept OID; an invalidation
 * seen while locking it: looked up again
 */
Relation
bulk_rel_open(BulkRel *br, const char *relname)
{
	for (;;)
	{
		uint64		gen;
		Relation	rel;

		if (!OidIsValid(br->relid))
		{
			Oid			relid = get_relname_relid(relname, get_namespace_oid("fintech", false));

			if (!OidIsValid(relid))
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_TABLE),
						 errmsg("table fintech.%s does not exist", relname)));
			bulk_rel_forget(br);
			br->relid = relid;
		}
		gen = br->gen;
		rel = table_open(br->relid, RowExclusiveLock);
		if (gen == br->gen)
			return rel;
		table_close(rel, RowExclusiveLock);
	}
}

/* a built-in function: keeps nothing in the statement's memory */
static bool
builtin_function(Oid fn)
{
	HeapTuple	tp;
	bool		internal;

	if (!OidIsValid(fn) || fn >= FirstGenbkiObjectId)
		return false;
	tp = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
	if (!HeapTupleIsValid(tp))
		return false;
	internal = ((Form_pg_proc) GETSTRUCT(tp))->prolang == INTERNALlanguageId;
	ReleaseSysCache(tp);
	return internal;
}

/*
 * An expression whose compiled state may serve many statements: columns,
 * constants, NULL tests of a column, AND/OR/NOT, operators and functions
 * built in.  (Others keep caches in the statement's memory: a hashed
 * IN list, a row type's descriptor, a whole-row column.)
 */
static bool
unkeepable_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	switch (nodeTag(node))
	{
		case T_List:
		case T_Const:
		case T_RelabelType:
		case T_BoolExpr:
			break;
		case T_Var:
			if (((Var *) node)->varattno <= 0)
				return true;
			break;
		case T_NullTest:
			if (((NullTest *) node)->argisrow)
				return true;
			break;
		case T_OpExpr:
			if (!builtin_function(((OpExpr *) node)->opfuncid))
				return true;
			break;
		case T_FuncExpr:
			if (!builtin_function(((FuncExpr *) node)->funcid) ||
				((FuncExpr *) node)->funcretset)
				return true;
			break;
		default:
			return true;
	}
	return expression_tree_walker(node, unkeepable_walker, context);
}

/*
 * The table's indexes' IndexInfo, built and their expressions compiled as
 * ExecOpenIndices and ExecInsertIndexTuples do, into br->cxt; false when
 * one of them cannot be kept (then nothing is).
 */
static bool
bulk_rel_keep_indexes(BulkRel *br, Relation rel)
{
	List	   *ids = RelationGetIndexList(rel);
	ListCell   *lc;
	int			k = 0;

	br->nidx = list_length(ids);
	br->idx = palloc(sizeof(Oid) * Max(br->nidx, 1));
	br->ii = palloc(sizeof(IndexInfo *) * Max(br->nidx, 1));
	foreach(lc, ids)
	{
		Relation	ir = index_open(lfirst_oid(lc), RowExclusiveLock);
		IndexInfo  *ii;
		bool		ok;

		br->idx[k] = lfirst_oid(lc);
		ii = BuildIndexInfo(ir);
		ok = ir->rd_rel->relam == BTREE_AM_OID && ii->ii_ExclusionOps == NULL;
		if (ok && ii->ii_Predicate != NIL)
		{
			Node	   *pred = (Node *) expression_planner((Expr *) ii->ii_Predicate);

			ok = !unkeepable_walker(pred, NULL);
			if (ok)
				ii->ii_PredicateState = ExecInitQual((List *) pred, NULL);
			/* (NULL: the executor would compile it into the statement's memory) */
			ok = ok && ii->ii_PredicateState != NULL;
		}
		if (ok && ii->ii_Expressions != NIL)
		{
			ListCell   *e;

			foreach(e, ii->ii_Expressions)
			{
				Expr	   *expr = expression_planner((Expr *) lfirst(e));

				ok = ok && !unkeepable_walker((Node *) expr, NULL);
				if (ok)
					ii->ii_ExpressionsState = lappend(ii->ii_ExpressionsState,
													  ExecInitExpr(expr, NULL));
			}
		}
		br->ii[k++] = ii;
		/* (released, as every call's: the table's lock keeps it) */
		index_close(ir, RowExclusiveLock);
		if (!ok)
		{
			br->nidx = 0;
			return false;
		}
	}
	return true;
}

/*
 * what bulk_insert needs to know of the table, learnt if it is not known:
 * whether its columns are the buffer's, and their map
 */
bool
bulk_rel_learn(BulkRel *br, Relation rel, const char *const *cols, const RowBuf *b, int **map)
{
	uint64		gen = br->gen;
	MemoryContext old;

	if (br->known && br->cols == cols && br->types == b->types && br->ncols == b->ncols)
	{
		*map = br->map;
		return br->cols_ok;
	}
	/* (other columns than last time: learnt again, not overwritten under a caller) */
	if (br->cxt != NULL)
		MemoryContextSetParent(br->cxt, TopTransactionContext);
	br->cxt = AllocSetContextCreate(CacheMemoryContext, "fintech bulk_insert table",
									ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(br->cxt);
	br->kept = bulk_rel_keep_indexes(br, rel);
	br->map = palloc(sizeof(int) * Max(RelationGetDescr(rel)->natts, 1));
	br->cols_ok = bulk_columns_match(RelationGetDescr(rel), cols, b, br->map);
	MemoryContextSwitchTo(old);
	br->cols = cols;
	br->types = b->types;
	br->ncols = b->ncols;
	/* an invalidation while it was learnt: used by this call, learnt again by the next */
	br->known = gen == br->gen;
	*map = br->map;
	return br->cols_ok;
}

/*
 * The indexes of the result relation opened from what is kept (the
 * executor's ExecOpenIndices otherwise)
 */
void
bulk_rel_open_indexes(ResultRelInfo *rri, BulkRel *br)
{
	if (br == NULL || !br->kept)
	{
		ExecOpenIndices(rri, false);
		return;
	}
	rri->ri_NumIndices = br->nidx;
	rri->ri_IndexRelationDescs = palloc(sizeof(Relation) * Max(br->nidx, 1));
	rri->ri_IndexRelationInfo = br->ii;
	for (int k = 0; k < br->nidx; k++)
		rri->ri_IndexRelationDescs[k] = index_open(br->idx[k], RowExclusiveLock);
}

/* and closed, their locks released (see the header comment) */
void
bulk_rel_close_indexes(ResultRelInfo *rri, BulkRel *br)
{
	if (br == NULL || !br->kept)
		return;					/* (ExecCloseResultRelations closes them) */
	for (int k = 0; k < rri->ri_NumIndices; k++)
		index_close(rri->ri_IndexRelationDescs[k], RowExclusiveLock);
	rri->ri_NumIndices = 0;
}
