/*-------------------------------------------------------------------------
 *
 * shmem.c
 *	  fintech's structs in the main shared memory, reserved and set up in
 *	  one place: the launcher's state, the event sequencer's blocks, the
 *	  metrics' counters and the name index's directory each register a
 *	  named struct here while shared_preload_libraries is processed, and one
 *	  pair of hooks (shmem_request_hook, shmem_startup_hook) serves them all.
 *
 * A part registers its struct's name, size, whether it needs an LWLock of
 * its own (a named tranche of one lock, of the same name), the address of
 * its pointer, and a function that sets the struct up the first time it is
 * created.  At shared memory start-up every registered struct is created or
 * found under AddinShmemInitLock (the postmaster creates them; under
 * EXEC_BACKEND a child finds them) and its pointer set.  Without
 * shared_preload_libraries nothing is registered and every pointer stays
 * NULL: each part says what it does then.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"

#include "shmem.h"

#define FT_SHMEM_MAX	8

typedef struct ShmemPart
{
	const char *name;
	Size		size;
	bool		lwlock;
	void	  **ptr;
	FtShmemInit init;
} ShmemPart;

static ShmemPart parts[FT_SHMEM_MAX];
static int	nparts = 0;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static void
ft_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	for (int i = 0; i < nparts; i++)
	{
		RequestAddinShmemSpace(MAXALIGN(parts[i].size));
		if (parts[i].lwlock)
			RequestNamedLWLockTranche(parts[i].name, 1);
	}
}

static void
ft_shmem_startup(void)
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	for (int i = 0; i < nparts; i++)
	{
		bool		found;
		void	   *p = ShmemInitStruct(parts[i].name, parts[i].size, &found);

		if (!found)
		{
			memset(p, 0, parts[i].size);
			if (parts[i].init)
				parts[i].init(p);
		}
		*parts[i].ptr = p;
	}
	LWLockRelease(AddinShmemInitLock);
}

/*
 * From a part's initialisation in _PG_init, only while
 * shared_preload_libraries is processed (a programming error otherwise).
 */
void
ft_shmem_register(const char *name, Size size, bool lwlock, void **ptr, FtShmemInit init)
{
	if (!process_shared_preload_libraries_in_progress)
		elog(ERROR, "fintech: shared memory for \"%s\" registered outside shared_preload_libraries", name);
	if (nparts >= FT_SHMEM_MAX)
		elog(ERROR, "fintech: more than %d shared memory structs", FT_SHMEM_MAX);
	if (nparts == 0)
	{
		prev_shmem_request_hook = shmem_request_hook;
		shmem_request_hook = ft_shmem_request;
		prev_shmem_startup_hook = shmem_startup_hook;
		shmem_startup_hook = ft_shmem_startup;
	}
	parts[nparts++] = (ShmemPart) {name, size, lwlock, ptr, init};
}
