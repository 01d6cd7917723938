/*-------------------------------------------------------------------------
 *
 * audit_verify.c
 *	  Verification of the audit log and its digests: fintech.verify_audit()
 *	  walks every sealed row in seq order, recomputes its leaf hash from
 *	  the row and the Merkle tree from the leaves, and compares both with
 *	  what is stored (and, for the rows of the 0.3.0-0.4.1 hash chain,
 *	  their row_hash and chain_hash); fintech.audit_digest() gives the
 *	  tree's size and root to keep elsewhere, and
 *	  fintech.verify_audit_digest() checks that the stored tree of that
 *	  size still has that root (or, for a digest of the old chain, that the
 *	  chain still has that hash at that position).
 *
 * Locks: none of its own.  It reads fintech.audit_head, the sealed rows
 * and the tree in one snapshot (AccessShareLock), beside writers and
 * sealers: a sealer's rows, nodes and its move of the head commit
 * together.  Memory is bounded by bytes, not by the length of the log:
 * rows are fetched VERIFY_FETCH at a time, the tree is recomputed with
 * one pending hash per level.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "audit_entry.h"
#include "audit_log.h"
#include "audit_tree.h"
#include "audit_verify.h"
#include "canon.h"
#include "fintech.h"
#include "personal.h"
#include "spi_plan.h"

/* the verifier reads this many rows per fetch (each at most a page) */
#define VERIFY_FETCH 100
/* and this many stored hashes of a level at a time */
#define VERIFY_NODES 256

typedef struct VerifyResult
{
	bool		ok;
	int64		rows_checked;
	int64		first_bad_seq;	/* 0: none */
	char	   *detail;
	int64		erased;			/* rows with personal values erased */
} VerifyResult;

enum
{
	P_SEALED,
	P_SEALED_V2,
	P_SEALED_V1,
	P_COUNTS,
	P_UNLOGGED,
	P_UNLOGGED_V2,
	P_CHAIN_AT
};
static const FintechPlanDef verify_plan_defs[] = {
	[P_SEALED] = {"SELECT " AUDIT_COLS " FROM fintech.audit_log WHERE seq IS NOT NULL ORDER BY seq",
	0, {0}},
	[P_SEALED_V2] = {"SELECT " AUDIT_COLS_V2 " FROM fintech.audit_log WHERE seq IS NOT NULL ORDER BY seq",
	0, {0}},
	[P_SEALED_V1] = {"SELECT " AUDIT_COLS_V1 " FROM fintech.audit_log WHERE seq IS NOT NULL ORDER BY seq",
	0, {0}},
	/* stored hashes per level */
	[P_COUNTS] = {"SELECT (node OPERATOR(pg_catalog.>>) 56)::pg_catalog.int4, pg_catalog.count(*)"
	" FROM fintech.audit_tree GROUP BY 1 ORDER BY 1", 0, {0}},
	/*
	 * a ledger entry that no audit row stands for: written behind the
	 * capture trigger's back (rows logged before 0.5.0 carry the entry's
	 * image instead of entry_id; a batch's row from 0.6.0 on lists its
	 * entries in entry_ids).  A set difference, not an anti join: the
	 * planner guesses 10 elements per entry_ids (a batch's row has up to
	 * 1,000), and the join it chose on that guess, a nested loop over the
	 * materialized log, took minutes at 250,000 entries.
	 */
	[P_UNLOGGED] = {"SELECT s.id::pg_catalog.int8 FROM ("
		"   SELECT e.id::pg_catalog.text FROM fintech.entries e"
		"   EXCEPT"
		"   (SELECT a.entry_id::pg_catalog.text FROM fintech.audit_log a"
		"     WHERE a.entry_id IS NOT NULL"
		"    UNION ALL"
		"    SELECT b.id::pg_catalog.text"
		"      FROM fintech.audit_log a, pg_catalog.unnest(a.entry_ids) AS b(id)"
		"     WHERE a.entry_ids IS NOT NULL"
		"    UNION ALL"
		"    SELECT a.new_row OPERATOR(pg_catalog.->>) 'id' FROM fintech.audit_log a"
		"     WHERE a.entry_id IS NULL AND a.entry_ids IS NULL"
		"       AND a.table_name OPERATOR(pg_catalog.=) 'fintech.entries'"
		"       AND a.operation OPERATOR(pg_catalog.=) 'INSERT')) AS s(id)"
		" ORDER BY 1 LIMIT 1", 0, {0}},
	/* the same before the update to 0.6.0 (no entry_ids) */
	[P_UNLOGGED_V2] = {"SELECT e.id FROM fintech.entries e"
		" LEFT JOIN (SELECT a.entry_id::pg_catalog.text FROM fintech.audit_log a"
		"             WHERE a.entry_id IS NOT NULL"
		"            UNION ALL"
		"            SELECT a.new_row OPERATOR(pg_catalog.->>) 'id' FROM fintech.audit_log a"
		"             WHERE a.entry_id IS NULL"
		"               AND a.table_name OPERATOR(pg_catalog.=) 'fintech.entries'"
		"               AND a.operation OPERATOR(pg_catalog.=) 'INSERT') AS logged(id)"
		"   ON logged.id OPERATOR(pg_catalog.=) e.id::pg_catalog.text"
		" WHERE logged.id IS NULL ORDER BY e.id LIMIT 1", 0, {0}},
	[P_CHAIN_AT] = {"SELECT chain_hash FROM fintech.audit_log WHERE seq OPERATOR(pg_catalog.=) $1",
	1, {INT8OID}},
};
FT_DEFINE_PLANS(verify_plans, verify_plan_defs);

/* the stored hashes of one level, read in order VERIFY_NODES at a time */
typedef struct StoredLevel
{
	int64		start;			/* index of h[0] */
	int64		n;
	uint8		h[VERIFY_NODES][MERKLE_HASH];
} StoredLevel;

/* the stored hash of (level, index), or NULL when there is none */
static const uint8 *
stored_hash(StoredLevel **levels, int level, int64 index)
{
	StoredLevel *s = levels[level / TREE_STRIDE];

	if (index < s->start || index >= s->start + s->n)
	{
		s->start = index;
		s->n = ft_tree_read_stored(level, index, VERIFY_NODES, s->h);
		if (s->n == 0)
			return NULL;
	}
	return s->h[index - s->start];
}

/*
 * The tree recomputed from its leaves, one pending perfect subtree per
 * level (a leaf count's binary digits): pushing leaf n merges equal sizes.
 */
typedef struct Compact
{
	int64		leaves;
	bool		has[65];
	uint8		h[65][MERKLE_HASH];
} Compact;

static void
fail(VerifyResult *res, int64 seq, char *detail)
{
	res->ok = false;
	res->first_bad_seq = seq;
	res->detail = detail;
}

/*
 * Add a leaf; every completed subtree at a stored level is compared with
 * the stored node.  False (and res filled in) at a mismatch.
 */
static bool
compact_push(Compact *c, const uint8 *leaf, StoredLevel **levels, VerifyResult *res)
{
	uint8		cur[MERKLE_HASH];
	int			level = 0;

	memcpy(cur, leaf, MERKLE_HASH);
	c->leaves++;
	while (c->has[level])
	{
		merkle_node_hash(c->h[level], cur, cur);
		c->has[level] = false;
		level++;
		if (level % TREE_STRIDE == 0)
		{
			int64		index = (c->leaves >> level) - 1;
			const uint8 *st = stored_hash(levels, level, index);

			if (st == NULL || memcmp(st, cur, MERKLE_HASH) != 0)
			{
				int64		first = (index << level) + 1;

				fail(res, first,
					 psprintf("the stored tree node over seq " INT64_FORMAT " to " INT64_FORMAT
							  " (level %d) %s", first, (index + 1) << level, level,
							  st == NULL ? "is missing" : "does not match the rows under it"));
				return false;
			}
		}
	}
	memcpy(c->h[level], cur, MERKLE_HASH);
	c->has[level] = true;
	return true;
}

/* RFC 9162 MTH of the leaves pushed: the pending subtrees folded from the right */
static void
compact_root(Compact *c, uint8 *out)
{
	bool		any = false;

	for (int level = 0; level < 65; level++)
	{
		if (!c->has[level])
			continue;
		if (!any)
			memcpy(out, c->h[level], MERKLE_HASH);
		else
			merkle_node_hash(c->h[level], out, out);
		any = true;
	}
	if (!any)
		fintech_sha256("", 0, out);
}

/*
 * the rows of the old hash chain: row_hash and chain_hash as 0.3.0 made
 * them, over the row as it was captured (original: its personal values back
 * in place of their commitments); original NULL: its personal values are
 * erased, the stored row_hash stands for its content
 */
static bool
check_chain_row(HeapTuple tup, HeapTuple original, TupleDesc desc, int64 seq, int64 id,
				uint8 *prev, bool *has_prev, VerifyResult *res)
{
	uint8		rowh[MERKLE_HASH];
	uint8		chain[MERKLE_HASH];
	uint8		stored[MERKLE_HASH];

	if (original != NULL)
		audit_row_hash(original, desc, rowh);
	else if (!audit_get_hash(tup, desc, 11, rowh))
		memset(rowh, 0, sizeof(rowh));
	if (!audit_get_hash(tup, desc, 11, stored) || memcmp(stored, rowh, sizeof(rowh)) != 0)
	{
		fail(res, seq, psprintf("audit row " INT64_FORMAT " (seq " INT64_FORMAT ") was changed: "
								"its content does not match its row_hash", id, seq));
		return false;
	}
	audit_chain_hash(prev, *has_prev, rowh, chain);
	if (!audit_get_hash(tup, desc, 12, stored) || memcmp(stored, chain, sizeof(chain)) != 0)
	{
		fail(res, seq, psprintf("chain broken at seq " INT64_FORMAT " (audit row " INT64_FORMAT
								"): a row was inserted, removed or moved before it", seq, id));
		return false;
	}
	memcpy(prev, chain, MERKLE_HASH);
	*has_prev = true;
	return true;
}

/* one sealed row: its place, its leaf hash against the stored one */
static bool
check_row(HeapTuple tup, TupleDesc desc, int64 expect, const AuditTreeHead *head,
		  EntryImages *images, StoredLevel **levels, uint8 *prev, bool *has_prev, uint8 *leaf,
		  VerifyResult *res)
{
	bool		isnull;
	int64		seq = DatumGetInt64(SPI_getbinval(tup, desc, NCANON + 1, &isnull));
	int64		id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
	uint8		stored_row[MERKLE_HASH];
	const uint8 *stored;
	HeapTuple	original = tup;
	char	   *pdetail = NULL;
	PersonalCheck pc;

	if (seq != expect)
	{
		fail(res, expect, seq > expect
			 ? psprintf("row " INT64_FORMAT " of the log is missing (next row has seq " INT64_FORMAT ")",
						expect, seq)
			 : psprintf("seq " INT64_FORMAT " appears twice", seq));
		return false;
	}
	/*
	 * personal values against their commitments (personal_logged.c); a row
	 * of the old chain also gets its values back for its row_hash
	 */
	pc = ft_personal_check_row(&original, desc, seq <= head->chain_seq, &pdetail);
	if (pc == PERSONAL_BAD)
	{
		fail(res, seq, psprintf("seq " INT64_FORMAT ": %s", seq, pdetail));
		return false;
	}
	res->erased += pc == PERSONAL_ERASED;
	audit_leaf_hash(tup, desc, AUDIT_LEAF_SEQ(seq, head->chain_seq), images, leaf);
	if (seq <= head->chain_seq)
	{
		bool		chain_ok = check_chain_row(tup, pc == PERSONAL_ERASED ? NULL : original, desc, seq,
											   id, prev, has_prev, res);

		if (original != tup)
			heap_freetuple(original);
		if (!chain_ok)
			return false;
		if (head->legacy)
			return true;		/* no tree yet */
		stored = stored_hash(levels, 0, seq - 1);
	}
	else
		stored = audit_get_hash(tup, desc, 11, stored_row) ? stored_row : NULL;
	if (stored == NULL || memcmp(stored, leaf, MERKLE_HASH) != 0)
	{
		fail(res, seq, psprintf("audit row " INT64_FORMAT " (seq " INT64_FORMAT ") was changed: "
								"its content does not match its leaf hash", id, seq));
		return false;
	}
	return true;
}

/* after the walk: the head, the stored tree's size, entries with no row */
static void
check_totals(const AuditTreeHead *head, int64 sealed, Compact *c, const uint8 *chain_head,
			 VerifyResult *res)
{
	uint8		root[MERKLE_HASH];

	if (head->size != sealed)
	{
		fail(res, Min(head->size, sealed) + 1, head->size > sealed
			 ? psprintf("the log ends at seq " INT64_FORMAT " but was sealed up to " INT64_FORMAT
						": rows at the end were removed", sealed, head->size)
			 : psprintf("rows after the head of the log (seq " INT64_FORMAT ") were added", head->size));
		return;
	}
	if (head->legacy)
	{
		/* not updated to 0.5.0: the head is the chain's last hash */
		if (sealed > 0 && (!head->has_root || memcmp(head->root, chain_head, MERKLE_HASH) != 0))
			fail(res, sealed, "the head of the chain does not match its last row");
		return;
	}
	compact_root(c, root);
	if (sealed > 0 && (!head->has_root || memcmp(head->root, root, MERKLE_HASH) != 0))
	{
		fail(res, sealed, "the root recorded in fintech.audit_head does not match the log");
		return;
	}
	if (ft_run_plan(&verify_plans, P_COUNTS, NULL, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not count the audit tree's nodes");
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		bool		isnull;
		int			level = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc,
														1, &isnull));
		int64		n = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc,
													2, &isnull));
		int64		expect = level == 0 ? head->chain_seq
			: (level % TREE_STRIDE == 0 && level < 63 ? (int64) ((uint64) sealed >> level) : 0);

		if (n != expect)
		{
			fail(res, 0, psprintf("fintech.audit_tree has " INT64_FORMAT " hashes at level %d, expected "
								  INT64_FORMAT ": rows were added to it", n, level, expect));
			return;
		}
	}
	if (ft_run_plan(&verify_plans, ft_audit_log_batched() ? P_UNLOGGED : P_UNLOGGED_V2,
					NULL, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not look for unlogged entries");
	if (SPI_processed == 1)
	{
		bool		isnull;

		fail(res, 0, psprintf("ledger entry " INT64_FORMAT " has no audit row: it was written "
							  "behind the capture trigger's back",
							  DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
														  SPI_tuptable->tupdesc, 1, &isnull))));
	}
}

/* walk the whole log */
static VerifyResult
verify_log(void)
{
	VerifyResult res = {true, 0, 0, NULL, 0};
	AuditTreeHead head;
	StoredLevel *levels[65 / TREE_STRIDE + 1] = {0};
	Compact    *c = palloc0(sizeof(Compact));
	uint8		prev[MERKLE_HASH];
	bool		has_prev = false;
	int64		expect = 1;
	Portal		portal;
	SPITupleTable *tt;
	uint64		fetched;
	EntryImages *images;
	MemoryContext outer,
				per_fetch;

	ft_tree_head(&head);
	for (int l = 0; l < lengthof(levels); l++)
		levels[l] = palloc0(sizeof(StoredLevel));
	portal = ft_open_cursor(&verify_plans,
							head.legacy ? P_SEALED_V1 : (ft_audit_log_batched() ? P_SEALED : P_SEALED_V2),
							NULL, NULL, true);
	outer = CurrentMemoryContext;

	/*
	 * Each fetch's rows are freed before the next (millions of rows): a
	 * fetch holds VERIFY_FETCH rows as stored, their images still TOAST
	 * pointers (at most a page each), and hashing detoasts one image at a
	 * time and frees it, so memory is bounded by bytes, not by the log.
	 */
	per_fetch = AllocSetContextCreate(outer, "fintech verify", ALLOCSET_DEFAULT_SIZES);
	while (res.ok)
	{
		MemoryContextReset(per_fetch);
		SPI_cursor_fetch(portal, true, VERIFY_FETCH);
		if (SPI_processed == 0)
		{
			SPI_freetuptable(SPI_tuptable);
			break;
		}
		/* stored_hash() runs SPI too: keep this fetch's table and count */
		tt = SPI_tuptable;
		fetched = SPI_processed;
		/* the fetch's ledger entries, read at once (in per_fetch) */
		MemoryContextSwitchTo(per_fetch);
		images = ft_entry_images(tt, fetched, NULL);
		MemoryContextSwitchTo(outer);
		for (uint64 r = 0; r < fetched && res.ok; r++)
		{
			uint8		leaf[MERKLE_HASH];

			CHECK_FOR_INTERRUPTS();
			MemoryContextSwitchTo(per_fetch);
			if (check_row(tt->vals[r], tt->tupdesc, expect, &head, images, levels, prev, &has_prev,
						  leaf, &res))
			{
				MemoryContextSwitchTo(outer);
				if (head.legacy || compact_push(c, leaf, levels, &res))
				{
					res.rows_checked++;
					expect++;
				}
			}
			MemoryContextSwitchTo(outer);
		}
		SPI_freetuptable(tt);
		if (!res.ok)
			res.detail = pstrdup(res.detail);
	}
	MemoryContextDelete(per_fetch);
	SPI_cursor_close(portal);
	if (res.ok)
		check_totals(&head, expect - 1, c, prev, &res);
	if (res.ok)
		res.detail = res.erased > 0
			? psprintf(INT64_FORMAT " sealed rows verified, " INT64_FORMAT " of them with personal values erased",
					   res.rows_checked, res.erased)
			: psprintf(INT64_FORMAT " sealed rows verified", res.rows_checked);
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
	res = verify_log();
	/* res.detail lives in SPI memory: store the row before SPI_finish */
	v[0] = BoolGetDatum(res.ok);
	v[1] = Int64GetDatum(res.rows_checked);
	v[2] = Int64GetDatum(res.first_bad_seq);
	n[2] = res.ok || res.first_bad_seq == 0;
	v[3] = CStringGetTextDatum(res.detail);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
	SPI_finish();
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(fintech_audit_digest);
/* fintech.audit_digest() RETURNS TABLE(seq, chain_hash): the tree's size and root */
Datum
fintech_audit_digest(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	AuditTreeHead head;
	uint8		root[MERKLE_HASH];
	Datum		v[2];
	bool		n[2] = {false, false};

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	ft_tree_head(&head);
	if (head.legacy)
	{
		/* not updated to 0.5.0: the chain's head, no row while nothing is sealed */
		if (head.size > 0 && head.has_root)
		{
			v[0] = Int64GetDatum(head.size);
			v[1] = PointerGetDatum(fintech_hash_bytea(head.root));
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
		}
		SPI_finish();
		return (Datum) 0;
	}
	ft_tree_root(&head, head.size, root);
	v[0] = Int64GetDatum(head.size);
	v[1] = PointerGetDatum(fintech_hash_bytea(root));
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
	SPI_finish();
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(fintech_verify_audit_digest);
/*
 * fintech.verify_audit_digest(seq, chain_hash): does the stored tree of
 * size seq have this root?  A digest of the old hash chain (seq within the
 * rows sealed before 0.5.0) is also true when that row still has that
 * chain_hash.  O(log n): edits of rows are caught by their proofs and by
 * verify_audit(), which recompute leaf hashes from the rows.
 */
Datum
fintech_verify_audit_digest(PG_FUNCTION_ARGS)
{
	int64		seq;
	bytea	   *hash;
	AuditTreeHead head;
	uint8		root[MERKLE_HASH];
	bool		match = false;

	fintech_arg_not_null(fcinfo, 0, "seq");
	fintech_arg_not_null(fcinfo, 1, "chain_hash");
	seq = PG_GETARG_INT64(0);
	hash = PG_GETARG_BYTEA_PP(1);
	if (VARSIZE_ANY_EXHDR(hash) != MERKLE_HASH)
		PG_RETURN_BOOL(false);
	SPI_connect();
	ft_tree_head(&head);
	if (seq >= 1 && seq <= head.size)
	{
		if (!head.legacy)
		{
			ft_tree_root(&head, seq, root);
			match = memcmp(VARDATA_ANY(hash), root, MERKLE_HASH) == 0;
		}
		if (!match && seq <= head.chain_seq)
		{
			Datum		v[1] = {Int64GetDatum(seq)};
			uint8		chain[MERKLE_HASH];

			if (ft_run_plan(&verify_plans, P_CHAIN_AT, v, NULL, true, 0) != SPI_OK_SELECT)
				elog(ERROR, "could not read fintech.audit_log");
			match = SPI_processed == 1 &&
				audit_get_hash(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, chain) &&
				memcmp(VARDATA_ANY(hash), chain, MERKLE_HASH) == 0;
		}
	}
	SPI_finish();
	PG_RETURN_BOOL(match);
}
