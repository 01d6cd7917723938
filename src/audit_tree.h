/*-------------------------------------------------------------------------
 *
 * audit_tree.h
 *	  The Merkle tree over the sealed audit rows (audit_tree.c): where its
 *	  hashes are stored, how the sealer grows it, its roots and proofs.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_AUDIT_TREE_H
#define FINTECH_AUDIT_TREE_H

#include "fmgr.h"

#include "merkle.h"

/* called only from inside fintech.so: not exported, called directly */
#pragma GCC visibility push(hidden)

/* the tree as fintech.audit_head records it */
typedef struct AuditTreeHead
{
	bool		exists;			/* the head has its row (the first seal makes it) */
	bool		legacy;			/* not updated to 0.5.0: a hash chain, no tree */
	int64		size;			/* sealed rows: leaves */
	int64		chain_seq;		/* rows sealed into the 0.3.0-0.4.1 hash chain */
	bool		has_root;
	uint8		root[MERKLE_HASH];	/* root of the tree of `size` leaves (legacy: the chain's head) */
} AuditTreeHead;

extern void ft_tree_head(AuditTreeHead *head);

/*
 * Grow the tree from n0 to n0 + count leaves (leaf hashes in order): store
 * every node it completes; with store_leaves, the leaf hashes too (rows of
 * the old chain, whose row_hash is not their leaf hash).  Then writes the
 * root of the grown tree into root.
 */
extern void ft_tree_append(int64 chain_seq, int64 n0, int64 count,
						   const uint8 (*leaves)[MERKLE_HASH], bool store_leaves,
						   uint8 *root);

/* nodes are stored at levels TREE_STRIDE, 2 * TREE_STRIDE, ... */
#define TREE_STRIDE		4

/*
 * for a reader walking the tree in order: up to max stored hashes of a
 * level from index `from` (level 0: leaves of the old chain); how many
 */
extern int64 ft_tree_read_stored(int level, int64 from, int64 max, uint8 (*out)[MERKLE_HASH]);

/* root of the tree of the first size leaves (0 <= size <= head->size) */
extern void ft_tree_root(const AuditTreeHead *head, int64 size, uint8 *root);

#pragma GCC visibility pop

extern PGDLLEXPORT Datum fintech_audit_root(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum fintech_audit_inclusion_proof(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum fintech_audit_consistency_proof(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum fintech_audit_leaf_data(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum fintech_audit_tree_build(PG_FUNCTION_ARGS);

#endif							/* FINTECH_AUDIT_TREE_H */
