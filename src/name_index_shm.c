/*-------------------------------------------------------------------------
 *
 * name_index_shm.c
 *	  One copy of the name index for every backend: the image built by
 *	  name_index.c, in a dynamic shared memory segment per list generation,
 *	  found through a small struct of the main shared memory (IndexShared).
 *
 * Under shared_preload_libraries NameIndexShmInit (from ScreeningInit in
 * _PG_init) registers IndexShared with shmem.c, which reserves and sets it
 * up.  Without it (CREATE EXTENSION or LOAD
 * alone) there is no IndexShared and every backend builds its own image
 * (ft_shm_find answers FT_SHM_LOCAL).
 *
 * One slot per database (INDEX_SLOTS): a ninth database screening takes
 * the slot used least recently (its image stays mapped by the sessions
 * using it, until they move on; that database's next new session
 * publishes it again).
 *
 * Life of a generation: the first backend whose snapshot sees lists that
 * the shared image does not hold claims the build (building_pid, the
 * signature it builds), builds the image in its own memory, copies it into
 * a new segment, pins the segment (it outlives the builder), publishes its
 * handle and unpins the previous one: the previous segment goes away when
 * the last backend mapping it detaches (each detaches when it moves to the
 * new generation).  Backends wanting the signature being built wait on a
 * condition variable; when the builder fails or dies they build it
 * themselves.  Only a snapshot that holds no writes of its own and sees at
 * least the published generation may publish: a transaction that is loading
 * a list (uncommitted) or an old REPEATABLE READ snapshot builds a private
 * image instead (FT_SHM_LOCAL), so the shared one is always a committed
 * state.
 *
 * Mapping: the builder makes the segment's pages huge pages (2 MB,
 * MADV_COLLAPSE) and every backend maps it a second time, read-only, at an
 * address aligned on 2 MB (map_aligned: dsm_attach's own mapping is not,
 * and would map them 4 kB at a time); ft_shm_detach undoes both.  Where
 * that cannot be done (another dynamic_shared_memory_type, an older
 * kernel) dsm_attach's mapping serves, with 4 kB pages.
 *
 * Locks: IndexShared's spinlock guards all its fields; it is held only to
 * read or set them (never across a build, an attach or a wait).  A waiting
 * backend sleeps on IndexShared's condition variable with a timeout and
 * checks for a cancel each time it wakes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "access/xact.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/condition_variable.h"
#include "storage/dsm_impl.h"
#include "storage/ipc.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "storage/shmem.h"
#include "storage/spin.h"

#include "name_index.h"
#include "name_index_shm.h"
#include "shmem.h"

/* the published image of one database */
typedef struct IndexSlot
{
	Oid			dbid;			/* InvalidOid: free */
	dsm_handle	handle;			/* the published image; DSM_HANDLE_INVALID: none */
	int64		sig[FT_SIG_LEN];			/* its signature */
	uint64		size;			/* its bytes */
	int			building_pid;	/* 0: nobody builds */
	int64		building_sig[FT_SIG_LEN];
	int64		builds;			/* images published since the slot was taken */
	uint64		last_used;		/* IndexShared.clock when last looked up */
} IndexSlot;

/* a database per slot; more databases screening at once build their own */
#define INDEX_SLOTS		8

typedef struct IndexShared
{
	slock_t		mutex;
	uint64		clock;			/* counts slot look-ups */
	ConditionVariable cv;		/* broadcast when a build ends */
	IndexSlot	slot[INDEX_SLOTS];
} IndexShared;

static IndexShared *shared = NULL;

/* wait this long between looks at a build in progress (ms) */
#define BUILD_POLL_MS	100

static void
index_shmem_init(void *ptr)
{
	IndexShared *is = (IndexShared *) ptr;

	SpinLockInit(&is->mutex);
	for (int i = 0; i < INDEX_SLOTS; i++)
		is->slot[i].handle = DSM_HANDLE_INVALID;
	ConditionVariableInit(&is->cv);
}

void
NameIndexShmInit(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	ft_shmem_register("fintech name index", sizeof(IndexShared), false,
					  (void **) &shared, index_shmem_init);
}

static inline bool
sig_equal(const int64 *a, const int64 *b)
{
	return memcmp(a, b, FT_SIG_LEN * sizeof(int64)) == 0;
}

/*
 * Is the caller's snapshot a committed state as new as the published one?
 * (No writes of its own, and at least the published highest generation.)
 */
static bool
may_publish(const int64 *sig, const int64 *published, bool any)
{
	if (GetTopTransactionIdIfAny() != InvalidTransactionId)
		return false;
	return !any || sig[1] >= published[1];
}

/*
 * The slot of the caller's database, or NULL; caller holds the spinlock.
 * claim: take a free slot, or else the one least recently used that
 * nobody builds in (its image's handle goes to *evicted: the caller
 * unpins it once the spinlock is released; sessions mapping it keep it
 * until they move on).
 */
static IndexSlot *
my_slot(bool claim, dsm_handle *evicted)
{
	IndexSlot  *victim = NULL;

	for (int i = 0; i < INDEX_SLOTS; i++)
	{
		IndexSlot  *sl = &shared->slot[i];

		if (sl->dbid == MyDatabaseId)
		{
			sl->last_used = ++shared->clock;
			return sl;
		}
		if (sl->building_pid != 0)
			continue;
		if (victim == NULL || (victim->dbid != InvalidOid &&
							   (sl->dbid == InvalidOid || sl->last_used < victim->last_used)))
			victim = sl;
	}
	if (!claim || victim == NULL)
		return NULL;
	if (victim->dbid != InvalidOid && victim->handle != DSM_HANDLE_INVALID)
		*evicted = victim->handle;
	memset(victim, 0, sizeof(IndexSlot));
	victim->handle = DSM_HANDLE_INVALID;
	victim->dbid = MyDatabaseId;
	victim->last_used = ++shared->clock;
	return victim;
}

/*
 * Maps the whole segment now, in one system call, rather than a page
 * fault at a time during the session's first queries (Linux 5.14 and
 * later; elsewhere, or on failure, the pages come as they are touched).
 */
static void
prefault(dsm_segment *s, const char *base)
{
#ifdef MADV_POPULATE_READ
	uintptr_t	start = TYPEALIGN_DOWN(sysconf(_SC_PAGESIZE), (uintptr_t) base);
	uintptr_t	end = (uintptr_t) base + dsm_segment_map_length(s);

	(void) madvise((void *) start, end - start, MADV_POPULATE_READ);
#endif
}

/* (linux/mman.h's value; Linux 6.1 and later, older kernels refuse it: EINVAL) */
#if defined(__linux__) && !defined(MADV_COLLAPSE)
#define MADV_COLLAPSE	25
#endif

/*
 * The segment s mapped again, read-only, at an address aligned on 2 MB;
 * its pages made huge pages first when collapse (the builder, once).
 * NULL when it cannot be (then the segment's own mapping serves).
 *
 * Why: on the virtual machine of docs/benchmarks.md the first touch of a
 * 4 kB page by a process costs 3 to 15 us even when its page tables are
 * populated, and a session's first query touches hundreds of the image's
 * pages (session 9: ~370 for one name; reading one byte of each of the
 * image's 6,000 pages took a new session 60-110 ms at load 7).  Mapped by
 * huge pages (2 MB) the image is a dozen pages.  MADV_COLLAPSE (Linux 6.1
 * and later) makes huge pages of a shared memory file whatever the THP
 * settings say (unless "deny"); a process maps them as such only where
 * its mapping is aligned on 2 MB, which dsm_attach's is not: the segment
 * is mapped again so, by its name (POSIX shared memory, PostgreSQL's
 * default dynamic_shared_memory_type; other kinds, and a kernel or a
 * system that refuses, keep 4 kB pages: the same results, only slower
 * first touches).
 */
static const char *
map_aligned(dsm_segment *s, bool collapse)
{
	const Size	huge = 2 * 1024 * 1024;
	Size		len = dsm_segment_map_length(s);
	char		name[64];
	int			fd;
	char	   *reserved;
	char	   *at;
	char	   *end;

	if (dynamic_shared_memory_type != DSM_IMPL_POSIX || len < huge)
		return NULL;
	/* (dsm_impl.c names a segment so; one of the main region has no file: ENOENT) */
	snprintf(name, sizeof(name), "/PostgreSQL.%u", dsm_segment_handle(s));
	fd = shm_open(name, O_RDONLY, 0);
	if (fd < 0)
		return NULL;
	/* an address range one huge page longer than needed, mapped from its aligned start */
	reserved = mmap(NULL, len + huge, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (reserved == MAP_FAILED)
	{
		close(fd);
		return NULL;
	}
	at = (char *) TYPEALIGN(huge, (uintptr_t) reserved);
	if (mmap(at, len, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
	{
		(void) munmap(reserved, len + huge);
		close(fd);
		return NULL;
	}
	close(fd);
	/* the reservation's ends around the mapping go back */
	if (at > reserved)
		(void) munmap(reserved, at - reserved);
	end = (char *) TYPEALIGN(sysconf(_SC_PAGESIZE), (uintptr_t) at + len);
	if (reserved + len + huge > end)
		(void) munmap(end, reserved + len + huge - end);
#ifdef MADV_COLLAPSE
	if (collapse)
		(void) madvise(at, TYPEALIGN_DOWN(huge, len), MADV_COLLAPSE);
#endif
	return at;
}

/* unmaps base if map_aligned mapped it, then detaches s */
void
ft_shm_detach(dsm_segment *s, const char *base)
{
	if (base != dsm_segment_address(s))
		(void) munmap((void *) base, dsm_segment_map_length(s));
	dsm_detach(s);
}

FtShmFound
ft_shm_find(const int64 *sig, dsm_segment **seg, const char **base)
{
	*seg = NULL;
	*base = NULL;
	if (shared == NULL)
		return FT_SHM_LOCAL;

	for (;;)
	{
		dsm_handle	h = DSM_HANDLE_INVALID;
		dsm_handle	evicted = DSM_HANDLE_INVALID;
		IndexSlot  *sl;
		int			builder;
		bool		build = false;
		bool		local = false;

		CHECK_FOR_INTERRUPTS();
		SpinLockAcquire(&shared->mutex);
		sl = my_slot(true, &evicted);
		builder = sl ? sl->building_pid : 0;
		if (sl != NULL && sl->handle != DSM_HANDLE_INVALID && sig_equal(sl->sig, sig))
			h = sl->handle;
		else if (sl != NULL && builder != 0 && sig_equal(sl->building_sig, sig))
		{
			/* being built: wait below (unless the builder is gone) */
		}
		else if (sl == NULL || builder != 0 ||
				 !may_publish(sig, sl->sig, sl->handle != DSM_HANDLE_INVALID))
			local = true;		/* no slot, another build, or not ours to publish */
		else
		{
			sl->building_pid = MyProcPid;
			memcpy(sl->building_sig, sig, sizeof(sl->building_sig));
			build = true;
		}
		SpinLockRelease(&shared->mutex);
		if (evicted != DSM_HANDLE_INVALID)
		{
			/* another database's image, least recently used: its slot is ours */
			dsm_unpin_segment(evicted);
			evicted = DSM_HANDLE_INVALID;
		}

		if (h != DSM_HANDLE_INVALID)
		{
			dsm_segment *s = dsm_attach(h);

			if (s == NULL)
				continue;		/* replaced and gone meanwhile: look again */
			ConditionVariableCancelSleep();
			dsm_pin_mapping(s);
			*seg = s;
			*base = map_aligned(s, false);
			if (*base == NULL)
				*base = dsm_segment_address(s);
			prefault(s, *base);
			return FT_SHM_ATTACHED;
		}
		if (build || local)
		{
			ConditionVariableCancelSleep();
			return build ? FT_SHM_BUILD : FT_SHM_LOCAL;
		}

		/* another backend builds it */
		if (BackendPidGetProc(builder) == NULL)
		{
			/* it died without saying so: take the claim over */
			SpinLockAcquire(&shared->mutex);
			sl = my_slot(false, NULL);
			if (sl != NULL && sl->building_pid == builder)
				sl->building_pid = 0;
			SpinLockRelease(&shared->mutex);
			continue;
		}
		/* (the first call only prepares the sleep, and returns) */
		ConditionVariableTimedSleep(&shared->cv, BUILD_POLL_MS, PG_WAIT_EXTENSION);
	}
}

void
ft_shm_publish(const int64 *sig, const char *image, Size size, dsm_segment **seg, const char **base)
{
	dsm_segment *s;
	const char *aligned;
	dsm_handle	old;
	IndexSlot  *sl;

	Assert(shared != NULL);
	s = dsm_create(size, 0);
	memcpy(dsm_segment_address(s), image, size);
	/* huge pages before anyone maps it (from here on, the aligned mapping serves) */
	aligned = map_aligned(s, true);
	dsm_pin_mapping(s);
	dsm_pin_segment(s);

	SpinLockAcquire(&shared->mutex);
	sl = my_slot(false, NULL);
	if (sl == NULL || sl->building_pid != MyProcPid)
	{
		/* our claim was taken over (we were thought dead): keep it private */
		SpinLockRelease(&shared->mutex);
		dsm_unpin_segment(dsm_segment_handle(s));
		*seg = s;
		*base = aligned ? aligned : dsm_segment_address(s);
		return;
	}
	old = sl->handle;
	sl->handle = dsm_segment_handle(s);
	memcpy(sl->sig, sig, sizeof(sl->sig));
	sl->size = size;
	sl->builds++;
	if (sl->building_pid == MyProcPid)
		sl->building_pid = 0;
	SpinLockRelease(&shared->mutex);

	/* the previous generation goes when its last user detaches */
	if (old != DSM_HANDLE_INVALID)
		dsm_unpin_segment(old);
	ConditionVariableBroadcast(&shared->cv);
	*seg = s;
	*base = aligned ? aligned : dsm_segment_address(s);
}

void
ft_shm_abandon(void)
{
	IndexSlot  *sl;

	if (shared == NULL)
		return;
	SpinLockAcquire(&shared->mutex);
	sl = my_slot(false, NULL);
	if (sl != NULL && sl->building_pid == MyProcPid)
		sl->building_pid = 0;
	SpinLockRelease(&shared->mutex);
	ConditionVariableBroadcast(&shared->cv);
}

bool
ft_shm_status(int64 *generation, int64 *bytes, int64 *builds)
{
	IndexSlot  *sl;

	if (shared == NULL)
		return false;
	SpinLockAcquire(&shared->mutex);
	sl = my_slot(false, NULL);
	*generation = sl && sl->handle != DSM_HANDLE_INVALID ? sl->sig[1] : 0;
	*bytes = sl && sl->handle != DSM_HANDLE_INVALID ? (int64) sl->size : 0;
	*builds = sl ? sl->builds : 0;
	SpinLockRelease(&shared->mutex);
	return true;
}
