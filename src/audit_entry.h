/*-------------------------------------------------------------------------
 *
 * audit_entry.h
 *	  The leaf image of a ledger entry (audit_entry.c): the new_row that
 *	  the log row naming an entry (entry_id) takes in its leaf.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_AUDIT_ENTRY_H
#define FINTECH_AUDIT_ENTRY_H

#include "executor/spi.h"
#include "utils/jsonb.h"

/* called only from inside fintech.so: not exported, called directly */
#pragma GCC visibility push(hidden)

typedef struct EntryImages EntryImages;

/*
 * The images of the entries named by rows [0, n) of tt (read with
 * AUDIT_COLS: entry_id is column AUDIT_ENTRY_COL), three queries for all
 * of them; SPI connected.  Lives in a memory context of its own.
 * read_only: in the active snapshot (the one the rows were read in);
 * else in a fresh one, for a caller whose rows were read in a snapshot
 * newer than the active one (the sealer's cursor): an entry is committed
 * with its legs and its audit row, and never changes, so a newer
 * snapshot sees the same.
 */
extern EntryImages *ft_entry_images(SPITupleTable *tt, uint64 n, bool read_only);
/* the same for a list of entry ids */
extern EntryImages *ft_entry_images_of(const int64 *entry_ids, uint64 n, bool read_only);
/* an entry's image, or NULL when there is no such entry */
extern Jsonb *ft_entry_image(EntryImages *images, int64 entry_id);
extern void ft_entry_images_free(EntryImages *images);

#pragma GCC visibility pop

#endif							/* FINTECH_AUDIT_ENTRY_H */
