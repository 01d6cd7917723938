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
} EventSeqSlot;

typedef struct EventSeqShared
{
	LWLock	   *lock;			/* EventSeqLock */
	EventSeqSlot slot[EVENT_SEQ_SLOTS];
} EventSeqShared;

static EventSeqShared *event_seq = NULL;
static EventSeqSlot *my_slot = NULL;	/* this backend's database's */
static bool slot_looked_up = false;

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

	if (event_seq == NULL)
		return reserve_block(seqid);
	if (!slot_looked_up)
	{
		my_slot = find_slot();
		slot_looked_up = true;
	}
	if (my_slot == NULL)
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
