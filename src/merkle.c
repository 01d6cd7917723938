/*-------------------------------------------------------------------------
 *
 * merkle.c
 *	  The Merkle Tree Hash of RFC 9162 (Certificate Transparency 2.0)
 *	  section 2.1, over a list of leaves whose perfect subtrees are given by
 *	  a callback: the hash of any range, the inclusion path of 2.1.3.1 and
 *	  the consistency path of 2.1.4.1, in the RFC's order.
 *
 * The RFC splits a list of n > 1 leaves at k, the largest power of two
 * smaller than n; the left part is then a perfect subtree, and every range
 * the recursion reaches starts at a multiple of its own split.  So each
 * hash needed is either a perfect, aligned subtree (asked of the
 * callback, which reads it from storage) or a node over two smaller ranges:
 * a range costs O(log n) perfect subtrees, a proof O(log n) ranges.
 *
 * Pure functions of their arguments and the callback: no locks, no state.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "port/pg_bitutils.h"

#include "canon.h"
#include "merkle.h"

void
merkle_node_hash(const uint8 *left, const uint8 *right, uint8 *out)
{
	uint8		buf[1 + 2 * MERKLE_HASH];

	buf[0] = 0x01;
	memcpy(buf + 1, left, MERKLE_HASH);
	memcpy(buf + 1 + MERKLE_HASH, right, MERKLE_HASH);
	fintech_sha256(buf, sizeof(buf), out);
}

int64
merkle_split(int64 n)
{
	Assert(n >= 2);
	return INT64CONST(1) << pg_leftmost_one_pos64((uint64) (n - 1));
}

void
merkle_range_hash(merkle_perfect_fn fn, void *arg, int64 start, int64 n, uint8 *out)
{
	uint8		left[MERKLE_HASH];
	uint8		right[MERKLE_HASH];
	int64		k;

	if (n == 0)
	{
		fintech_sha256("", 0, out);
		return;
	}
	if ((n & (n - 1)) == 0)
	{
		int			level = pg_rightmost_one_pos64((uint64) n);

		Assert(start % n == 0);
		fn(arg, level, start >> level, out);
		return;
	}
	k = merkle_split(n);
	merkle_range_hash(fn, arg, start, k, left);
	merkle_range_hash(fn, arg, start + k, n - k, right);
	merkle_node_hash(left, right, out);
}

/* PATH(m, D[start:start+n]), appended to path at *len, deepest first */
static void
inclusion(merkle_perfect_fn fn, void *arg, int64 m, int64 start, int64 n,
		  uint8 (*path)[MERKLE_HASH], int *len)
{
	int64		k;

	if (n <= 1)
		return;
	k = merkle_split(n);
	if (m < k)
	{
		inclusion(fn, arg, m, start, k, path, len);
		merkle_range_hash(fn, arg, start + k, n - k, path[(*len)++]);
	}
	else
	{
		inclusion(fn, arg, m - k, start + k, n - k, path, len);
		merkle_range_hash(fn, arg, start, k, path[(*len)++]);
	}
}

int
merkle_inclusion_path(merkle_perfect_fn fn, void *arg, int64 m, int64 n,
					  uint8 (*path)[MERKLE_HASH])
{
	int			len = 0;

	Assert(0 <= m && m < n);
	inclusion(fn, arg, m, 0, n, path, &len);
	return len;
}

/* SUBPROOF(m, D[start:start+n], b), appended to path at *len */
static void
subproof(merkle_perfect_fn fn, void *arg, int64 m, int64 start, int64 n, bool b,
		 uint8 (*path)[MERKLE_HASH], int *len)
{
	int64		k;

	if (m == n)
	{
		if (!b)
			merkle_range_hash(fn, arg, start, m, path[(*len)++]);
		return;
	}
	k = merkle_split(n);
	if (m <= k)
	{
		subproof(fn, arg, m, start, k, b, path, len);
		merkle_range_hash(fn, arg, start + k, n - k, path[(*len)++]);
	}
	else
	{
		subproof(fn, arg, m - k, start + k, n - k, false, path, len);
		merkle_range_hash(fn, arg, start, k, path[(*len)++]);
	}
}

int
merkle_consistency_path(merkle_perfect_fn fn, void *arg, int64 m, int64 n,
						uint8 (*path)[MERKLE_HASH])
{
	int			len = 0;

	Assert(0 < m && m <= n);
	subproof(fn, arg, m, 0, n, true, path, &len);
	return len;
}
