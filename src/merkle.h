/*-------------------------------------------------------------------------
 *
 * merkle.h
 *	  The Merkle tree hash of RFC 9162 section 2.1 (merkle.c): leaf and node
 *	  hashes, the tree head, inclusion and consistency proofs.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_MERKLE_H
#define FINTECH_MERKLE_H

#include "common/sha2.h"

/* called only from inside fintech.so: not exported, called directly */
#pragma GCC visibility push(hidden)

#define MERKLE_HASH PG_SHA256_DIGEST_LENGTH
/* a proof has at most one hash per level (inclusion) or two (consistency) */
#define MERKLE_MAX_PATH 128

/*
 * Where the tree's hashes come from: the hash of the perfect subtree of
 * 2^level leaves starting at leaf index << level (level 0: a leaf hash).
 * The tree (audit_tree.c) reads or computes it; merkle.c only combines.
 */
typedef void (*merkle_perfect_fn) (void *arg, int level, int64 index, uint8 *out);

/* SHA-256(0x01 || left || right) */
extern void merkle_node_hash(const uint8 *left, const uint8 *right, uint8 *out);
/* MTH of the n >= 0 leaves [start, start + n) (n = 0: SHA-256 of "") */
extern void merkle_range_hash(merkle_perfect_fn fn, void *arg, int64 start, int64 n, uint8 *out);
/* PATH(m, D[0:n]) of RFC 9162 2.1.3.1, 0 <= m < n; returns its length */
extern int	merkle_inclusion_path(merkle_perfect_fn fn, void *arg, int64 m, int64 n,
								  uint8 (*path)[MERKLE_HASH]);
/* PROOF(m, D[0:n]) of RFC 9162 2.1.4.1, 0 < m <= n; returns its length */
extern int	merkle_consistency_path(merkle_perfect_fn fn, void *arg, int64 m, int64 n,
									uint8 (*path)[MERKLE_HASH]);
/* the largest power of two smaller than n (n >= 2) */
extern int64 merkle_split(int64 n);

#pragma GCC visibility pop

#endif							/* FINTECH_MERKLE_H */
