/*-------------------------------------------------------------------------
 *
 * event_seq.c
 *	  The writing order of events (fintech.events.write_seq): numbers handed
 *	  out from shared memory, in blocks of EVENT_SEQ_BLOCK reserved from the
 *	  sequence fintech.events_write_seq, instead of a nextval() per event
 *	  (about a tenth of an event's CPU).
 *
 * What the sequencer needs of write_seq (events_read.c): within one of its
 * runs it numbers committed events by write_seq, so a transaction that
 * committed before another began must hold lower numbers, and a
 * transaction's own events must be numbered as they were written.  Both
 * hold when every number handed out is higher than every number handed out
 * before it, in any backend and any life of the server:
 *   - a block is the numbers nextval() * EVENT_SEQ_BLOCK up to the next
 *     block's first: nextval only grows (across crashes, restarts,
 *     promotions; the sequence is dumped with the events), so a later
 *     block's numbers are all higher;
 *   - within a block, numbers are taken in order under the slot's
 *     spinlock;
 *   - a backend that finds its database's block used up reserves the next
 *     under EventSeqLock, and the others wait for it rather than reserve
 *     their own: a number from a block reserved while another one was being
 *     installed could be lower than that block's later numbers.
 * Without shared_preload_libraries, and for a database that finds no free
 * slot (more than EVENT_SEQ_SLOTS databases writing events), every event
 * takes a block of its own: the same order, at nextval's price.  A slot is
 * never freed while the server runs, so a database uses one way or the
 * other for the server's whole life.  DROP and CREATE EXTENSION give the
 * database a new sequence: the slot remembers whose block it holds, and a
 * block of another sequence is never used.
 *
 * The slot also knows whether its database's events have a reader
 * (ft_event_readers_none below): with no consumer, no row of
 * fintech.events is written at all, since a new consumer receives only
 * what commits after its creation and nobody could ever read the row.
 * The protocol that keeps that exact:
 *   - a writer takes RowExclusiveLock on fintech.events BEFORE it reads
 *     the state, and skips its row only when the state says "none";
 *   - create_consumer marks the state "some" first, then waits for every
 *     transaction that holds a lock on fintech.events (WaitForLockers,
 *     as CREATE INDEX CONCURRENTLY does): every writer that may have read
 *     "none" has committed or aborted before the consumer exists, and
 *     every later writer reads "some";
 *   - only a check of fintech.event_consumers as of now (not a snapshot),
 *     under its ShareUpdateExclusiveLock (which create_consumer takes as
 *     well), sets "none"; a committed drop_consumer sets "unknown", which
 *     the next writer (or the prune job) resolves with that check.
 * So the state can be wrong only towards "some" (a consumer created and
 * rolled back): rows nobody reads, pruned by the job as before.  Without
 * a slot (not preloaded, or no free slot) the state is always unknown
 * and every event has its row.
 *
 * Locking: the slot's spinlock around a few instructions per event;
 * EventSeqLock (exclusive) once per block and once per backend (to find its
 * database's slot), held across one nextval().
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/sequence.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lmgr.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"

#include "fintech.h"
#include "events.h"
#include "shmem.h"

#define EVENT_SEQ_BLOCK		1024	/* numbers per nextval() */
#define EVENT_SEQ_SLOTS		64		/* databases served from shared memory */

typedef struct EventSeqSlot
{
	slock_t		mutex;			/* guards seqid, next, limit */
	Oid			dboid;			/* InvalidOid: free (set under EventSeqLock) */
	Oid			seqid;			/* the sequence the block was reserved from */
	int64		next;			/* the next number to hand out */
	int64		limit;			/* the first number past the block */
	Oid			readers_seqid;	/* the sequence (extension) readers is of */
	int			readers;		/* FT_READERS_*, of readers_seqid's events */
} EventSeqSlot;

typedef struct EventSeqShared
{
	LWLock	   *lock;			/* EventSeqLock */
	EventSeqSlot slot[EVENT_SEQ_SLOTS];
} EventSeqShared;

static EventSeqShared *event_seq = NULL;
static EventSeqSlot *my_slot = NULL;	/* this backend's database's */
static bool slot_looked_up = false;

static EventSeqSlot *my_database_slot(void);

static void
event_seq_shmem_init(void *ptr)
{
	EventSeqShared *es = (EventSeqShared *) ptr;

	es->lock = &(GetNamedLWLockTranche("fintech event_seq"))->lock;
	for (int i = 0; i < EVENT_SEQ_SLOTS; i++)
	{
		SpinLockInit(&es->slot[i].mutex);
		es->slot[i].dboid = InvalidOid;
		es->slot[i].seqid = InvalidOid;
		es->slot[i].next = es->slot[i].limit = 0;
		es->slot[i].readers_seqid = InvalidOid;
		es->slot[i].readers = FT_READERS_UNKNOWN;
	}
}

/* from _PG_init (EventsInit), when preloaded */
void
EventSeqInit(void)
{
	if (!fintech_preloaded)
		return;
	ft_shmem_register("fintech event_seq", sizeof(EventSeqShared), true,
					  (void **) &event_seq, event_seq_shmem_init);
}

/* the first number of a new block of the sequence */
static int64
reserve_block(Oid seqid)
{
	int64		v = nextval_internal(seqid, false);

	if (v > PG_INT64_MAX / EVENT_SEQ_BLOCK)
		ereport(ERROR,
				(errcode(ERRCODE_SEQUENCE_GENERATOR_LIMIT_EXCEEDED),
				 errmsg("fintech.events_write_seq reached " INT64_FORMAT ", its last usable value is " INT64_FORMAT,
						v, PG_INT64_MAX / EVENT_SEQ_BLOCK)));
	return v * EVENT_SEQ_BLOCK;
}

/* this database's slot, found or taken once per backend; NULL: none free */
static EventSeqSlot *
find_slot(void)
{
	EventSeqSlot *free_slot = NULL;

	LWLockAcquire(event_seq->lock, LW_EXCLUSIVE);
	for (int i = 0; i < EVENT_SEQ_SLOTS; i++)
	{
		EventSeqSlot *s = &event_seq->slot[i];

		if (s->dboid == MyDatabaseId)
		{
			free_slot = s;
			break;
		}
		if (s->dboid == InvalidOid && free_slot == NULL)
			free_slot = s;
	}
	if (free_slot != NULL && free_slot->dboid == InvalidOid)
		free_slot->dboid = MyDatabaseId;	/* its block: none yet (limit 0) */
	LWLockRelease(event_seq->lock);
	return free_slot;
}

/* the next number of the slot's block of seqid; false: used up */
static bool
take(EventSeqSlot *s, Oid seqid, int64 *n)
{
	bool		ok;

	SpinLockAcquire(&s->mutex);
	ok = s->seqid == seqid && s->next < s->limit;
	if (ok)
		*n = s->next++;
	SpinLockRelease(&s->mutex);
	return ok;
}

/*
 * ft_event_write_seq: the write_seq of the next event of this database,
 * whose sequence is seqid: higher than every one handed out before.
 */
int64
ft_event_write_seq(Oid seqid)
{
	int64		n;

	if (my_database_slot() == NULL)
		return reserve_block(seqid);
	if (take(my_slot, seqid, &n))
		return n;

	/*
	 * nextval's lock on the sequence first, so that the LWLock is never held
	 * while waiting for a heavyweight lock (ALTER SEQUENCE, DROP EXTENSION)
	 */
	LockRelationOid(seqid, RowExclusiveLock);
	LWLockAcquire(event_seq->lock, LW_EXCLUSIVE);
	if (!take(my_slot, seqid, &n))
	{
		/* an error in nextval releases the lock with the transaction */
		n = reserve_block(seqid);
		SpinLockAcquire(&my_slot->mutex);
		my_slot->seqid = seqid;
		my_slot->next = n + 1;
		my_slot->limit = n + EVENT_SEQ_BLOCK;
		SpinLockRelease(&my_slot->mutex);
	}
	LWLockRelease(event_seq->lock);
	return n;
}

/* this backend's database's slot (NULL: none; not preloaded, or none free) */
static EventSeqSlot *
my_database_slot(void)
{
	if (event_seq == NULL)
		return NULL;
	if (!slot_looked_up)
	{
		my_slot = find_slot();
		slot_looked_up = true;
	}
	return my_slot;
}

/*
 * ft_event_readers: what the slot knows of the consumers of the events of
 * the extension whose write_seq sequence is seqid (see the header; the
 * caller holds a lock on fintech.events when it acts on "none").
 */
int
ft_event_readers(Oid seqid)
{
	EventSeqSlot *s = my_database_slot();
	int			r = FT_READERS_UNKNOWN;

	/* no slot: nothing is known, ever; every event has its row */
	if (s == NULL)
		return FT_READERS_SOME;
	SpinLockAcquire(&s->mutex);
	if (s->readers_seqid == seqid)
		r = s->readers;
	SpinLockRelease(&s->mutex);
	return r;
}

/* ft_event_readers_set: record it (the rules of who may set what: header) */
void
ft_event_readers_set(Oid seqid, int readers)
{
	EventSeqSlot *s = my_database_slot();

	if (s == NULL)
		return;
	SpinLockAcquire(&s->mutex);
	s->readers_seqid = seqid;
	s->readers = readers;
	SpinLockRelease(&s->mutex);
}
