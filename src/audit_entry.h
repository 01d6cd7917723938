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
#include "lib/stringinfo.h"
#include "utils/snapshot.h"

/* called only from inside fintech.so: not exported, called directly */
#pragma GCC visibility push(hidden)

typedef struct EntryImages EntryImages;

/*
 * The images of the entries named by rows [0, n) of tt (read with
 * AUDIT_COLS: entry_id is column AUDIT_ENTRY_COL, entry_ids
 * AUDIT_ENTRIES_COL; a batch's entries only while the fetch's stay within
 * ENTRY_IMAGES_MAX, the others are read when their row is), read at once (an index
 * range scan of each of the three tables, see audit_entry.c).  Lives in a
 * memory context of its own.  snap: the snapshot to read them in (NULL:
 * the active one, the one the rows were read in); a caller whose rows
 * were read in a snapshot newer than the active one (the sealer) passes
 * that one: an entry is committed with its legs and its audit row, and
 * never changes, so any snapshot that sees the row sees the same entry.
 */
extern EntryImages *ft_entry_images(SPITupleTable *tt, uint64 n, Snapshot snap);
/* the same for a list of entry ids */
extern EntryImages *ft_entry_images_of(const int64 *entry_ids, uint64 n, Snapshot snap);
/*
 * an entry's image as jsonb_out writes fintech.audit_entry_image(), and
 * its length; NULL when there is no such entry (allocated in images)
 */
extern const char *ft_entry_image(EntryImages *images, int64 entry_id, size_t *len);
extern void ft_entry_images_free(EntryImages *images);

/* the entries whose images one fetch of audit rows reads at once, at most */
#define ENTRY_IMAGES_MAX 8192

/*
 * The entry ids of a fetch of audit rows, gathered to read their images at
 * once: start it zeroed; ft_entry_ids_add appends a row's (its entry_id
 * when not 0, and the k ids of its entry_ids), in the current memory
 * context, unless they would take the list past ENTRY_IMAGES_MAX: then it
 * adds none of them and returns false (that row's images are read when
 * the row is hashed).
 */
typedef struct EntryIdList
{
	int64	   *ids;
	int			n;
	int			room;
} EntryIdList;

extern bool ft_entry_ids_add(EntryIdList *list, int64 entry_id, const int64 *ids, int k);

/* the ids of an entry_ids array in its order (NULL elements: 0); returns how many */
extern int	ft_entry_ids_array(Datum arr, int64 **ids);
/*
 * the new_row of a batch's leaf: the jsonb array of the images of the
 * entries of entry_ids (an int8[]) in their order, as jsonb_out writes
 * it, appended to out; false (nothing written) for an empty array.  From
 * images when it holds them all, else read here.
 */
extern bool ft_entry_images_array(EntryImages *images, Datum entry_ids, StringInfo out);

#pragma GCC visibility pop

#endif							/* FINTECH_AUDIT_ENTRY_H */
