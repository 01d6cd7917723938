/*-------------------------------------------------------------------------
 *
 * name_index_shm.h
 *	  The one copy of the name index that every backend maps
 *	  (name_index_shm.c): a dynamic shared memory segment per list
 *	  generation, found through a small struct in the main shared memory.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_NAME_INDEX_SHM_H
#define FINTECH_NAME_INDEX_SHM_H

#include "storage/dsm.h"

/* what ft_shm_find found for a signature */
typedef enum FtShmFound
{
	FT_SHM_ATTACHED,			/* the shared image: *seg, *base */
	FT_SHM_BUILD,				/* none: the caller builds it and publishes it */
	FT_SHM_LOCAL				/* none to share (no shared memory, or the caller's
								 * snapshot sees uncommitted or old lists): build
								 * a private one */
} FtShmFound;

/* installs the shared memory hooks; from _PG_init under shared_preload_libraries */
extern void NameIndexShmInit(void);

/*
 * The shared image of the lists described by sig.  Waits while another
 * backend builds it.  FT_SHM_BUILD: the caller must call ft_shm_publish
 * or ft_shm_abandon.
 */
extern FtShmFound ft_shm_find(const int64 *sig, dsm_segment **seg, const char **base);

/* makes image (size bytes) the shared one for sig; maps it (*seg, *base) */
extern void ft_shm_publish(const int64 *sig, const char *image, Size size,
						   dsm_segment **seg, const char **base);

/* unmaps the image at base and detaches its segment seg (what ft_shm_find or ft_shm_publish gave) */
extern void ft_shm_detach(dsm_segment *seg, const char *base);

/* the caller will not publish the image it claimed (an error) */
extern void ft_shm_abandon(void);

/* what the shared index of the caller's database holds: false if there is no shared memory */
extern bool ft_shm_status(int64 *generation, int64 *bytes, int64 *builds);

#endif							/* FINTECH_NAME_INDEX_SHM_H */
