/*-------------------------------------------------------------------------
 *
 * posting_bulk_rel.h
 *	  What posting_bulk.c's direct insert keeps of a table between calls
 *	  (posting_bulk_rel.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_POSTING_BULK_REL_H
#define FINTECH_POSTING_BULK_REL_H

#include "access/tupdesc.h"
#include "nodes/execnodes.h"
#include "utils/relcache.h"

#include "posting.h"

#pragma GCC visibility push(hidden)

typedef struct BulkRel BulkRel;

/* the entry of fintech.<relname> (a constant); NULL when none is free (then uncached) */
extern BulkRel *bulk_rel(const char *relname);

/* fintech.<relname> opened and locked RowExclusiveLock by its kept OID */
extern Relation bulk_rel_open(BulkRel *br, const char *relname);

/*
 * Whether the table's live columns are exactly cols, in order, of b's
 * types, none generated; *map (kept: do not free) maps each attribute to
 * its buffer column or -1
 */
extern bool bulk_rel_learn(BulkRel *br, Relation rel, const char *const *cols, const RowBuf *b,
						   int **map);

/* the same check, uncached; map has room for the descriptor's attributes */
extern bool bulk_columns_match(TupleDesc desc, const char *const *cols, const RowBuf *b, int *map);

/*
 * The result relation's indexes opened from what is kept (br NULL or not
 * keepable: ExecOpenIndices), and closed keeping their locks
 * (ExecCloseResultRelations closes those ExecOpenIndices opened)
 */
extern void bulk_rel_open_indexes(ResultRelInfo *rri, BulkRel *br);
extern void bulk_rel_close_indexes(ResultRelInfo *rri, BulkRel *br);

#pragma GCC visibility pop

#endif							/* FINTECH_POSTING_BULK_REL_H */
