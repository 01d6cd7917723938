/*-------------------------------------------------------------------------
 *
 * events.c
 *	  Writing events: ft_event_write(), the one place that records that
 *	  something changed state (ft_event_emit() is its entry for a payload
 *	  given as jsonb; ft_event_write_collected() hands the row to the batch
 *	  path), the GUC fintech.events and the prune_events job's definition.
 *	  The payloads of the emitting sites are built in event_payload.c;
 *	  reading events (consumers, commit order, pruning) is events_read.c.
 *
 * An event is written in the transaction that made the change, twice:
 *   - a row of fintech.events (event_id NULL: the position in commit order
 *     is given later, by a reader, once the transaction has committed; see
 *     events_read.c) -- unless the database's events have no consumer:
 *     a consumer receives only what commits after its creation, so such a
 *     row could never be read (rows_wanted; the protocol that keeps this
 *     exact while consumers come and go is in event_seq.c's header), and
 *   - when wal_level is logical (below it nothing can decode the WAL: see
 *     messages_on), a transactional logical decoding message, prefix "fintech", whose
 *     content is the payload's text, so that CDC tools (pg_recvlogical,
 *     Debezium) stream the events of committed transactions, in commit
 *     order, from the WAL.
 * With neither a consumer nor logical WAL, nothing is built at all.
 * A rolled-back change leaves neither.  The row's payload (type json) is
 * that same text, byte for byte, and it is the text jsonb's output gives
 * for the object (read_events returns it as jsonb: its ::text is the
 * message again); building the text only is the cheapest of the forms
 * (event_payload.c).  The payload is a JSON object that names its kind (so a WAL message stands alone), the ids, account codes,
 * amounts and currency; never a personal value (names, external refs,
 * references, metadata), so an erasure has nothing to chase in events.
 *
 * fintech.events = off (superuser only) writes nothing: the benchmarks'
 * baseline (test/bench/run.sh events); not for production.
 *
 * The row is written straight into the heap and its index (as audit_log.c
 * writes the audit log): no SQL statement per event.  fintech.events has
 * no trigger; its only constraint besides NOT NULL is the list of kinds,
 * which the constant kinds written here satisfy.
 *
 * Locking: an emission takes no lock of its own beyond RowExclusiveLock on
 * fintech.events (and, for its write_seq, what event_seq.c takes): no
 * reader or sequencer is ever waited for.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/table.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "utils/inval.h"
#include "utils/rel.h"
#include "miscadmin.h"
#include "replication/message.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#include "fintech.h"
#include "events.h"
#include "jobs.h"
#include "relcache_inval.h"

#define EVENT_PREFIX	"fintech"

bool		ft_events_enabled = true;

static inline bool messages_on(void);

#define EVENTS_NATTS	5		/* event_id, kind, occurred_at, payload, write_seq */

/*
 * The OIDs of fintech.events and its write_seq sequence, looked up once per
 * backend and forgotten when either relation is invalidated (DROP
 * EXTENSION, ALTER TABLE)
 */
static Oid	events_relid = InvalidOid;
static Oid	events_seqid = InvalidOid;
static Oid	events_in_order = InvalidOid;	/* its two indexes */
static Oid	events_unordered = InvalidOid;
static Oid	events_consumers = InvalidOid;	/* fintech.event_consumers */

/*
 * The table's indexes are the install script's two (1), something else (0),
 * not looked at since the last invalidation of fintech.events (-1): read
 * from its index list once, not per event
 */
static int	indexes_known = -1;

/*
 * ft_events_installed: the installed extension has fintech.events (this
 * library may run against an older version's objects until ALTER
 * EXTENSION fintech UPDATE: it then writes no event).  Two syscache
 * lookups.
 */
static void
events_oids_inval(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == events_relid || relid == events_seqid)
	{
		events_relid = events_seqid = InvalidOid;
		indexes_known = -1;
	}
}

bool
ft_events_installed(void)
{
	Oid			nsp;
	Oid			relid;
	Oid			seqid;

	if (OidIsValid(events_relid))
		return true;
	nsp = get_namespace_oid("fintech", true);
	if (!OidIsValid(nsp))
		return false;
	relid = get_relname_relid("events", nsp);
	seqid = get_relname_relid("events_write_seq", nsp);
	if (!OidIsValid(relid) || !OidIsValid(seqid))
		return false;
	ft_relcache_callback(events_oids_inval, (Datum) 0);
	events_in_order = get_relname_relid("events_in_order", nsp);
	events_unordered = get_relname_relid("events_unordered", nsp);
	events_consumers = get_relname_relid("event_consumers", nsp);
	events_relid = relid;
	events_seqid = seqid;
	return true;
}

/*
 * One row of fintech.events, straight into its heap and index; write_seq
 * as ft_event_write_seq() gave it (taken when the event was emitted).
 */
void
ft_event_append_row(const char *kind, text *payload, int64 write_seq)
{
	/*
	 * The cached OIDs, copied: an invalidation (autovacuum's ANALYZE of the
	 * table) resets them, and table_open accepts invalidations.
	 */
	bool		installed = ft_events_installed();
	Oid			in_order = events_in_order;
	Oid			unordered = events_unordered;
	Relation	rel = table_open(installed ? events_relid : InvalidOid, RowExclusiveLock);
	TupleDesc	desc = RelationGetDescr(rel);
	Datum		values[EVENTS_NATTS];
	bool		nulls[EVENTS_NATTS] = {true, false, false, false, false};
	HeapTuple	tup;
	EState	   *estate;
	ResultRelInfo *rri;
	TupleTableSlot *slot;

	/* its owner can alter it: a refusal, not an internal error */
	if (desc->natts != EVENTS_NATTS)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("fintech.events has %d columns, expected %d", desc->natts, EVENTS_NATTS)));
	if (TupleDescAttr(desc, 3)->atttypid != JSONOID)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("fintech.events.payload is of type %s, expected json",
						format_type_be(TupleDescAttr(desc, 3)->atttypid))));
	values[0] = (Datum) 0;
	values[1] = CStringGetTextDatum(kind);
	values[2] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());	/* now() */
	values[3] = PointerGetDatum(payload);
	values[4] = Int64GetDatum(write_seq);
	tup = heap_form_tuple(desc, values, nulls);
	simple_heap_insert(rel, tup);

	/*
	 * The index entries.  With the two indexes of the install script only
	 * events_unordered (write_seq) WHERE event_id IS NULL takes the new row:
	 * inserted directly (a btree ignores the IndexInfo).  Any other set of
	 * indexes (one added by hand) goes through the executor's insertion.
	 * Which case it is is decided once per invalidation of the table (an
	 * index created or dropped invalidates it).
	 */
	if (indexes_known < 0)
	{
		List	   *indexes = RelationGetIndexList(rel);

		indexes_known = list_length(indexes) == 2 &&
			list_member_oid(indexes, in_order) &&
			list_member_oid(indexes, unordered);
		list_free(indexes);
	}
	if (indexes_known > 0)
	{
		Relation	idx = index_open(unordered, RowExclusiveLock);

		if (idx->rd_rel->relam == BTREE_AM_OID && RelationGetDescr(idx)->natts == 1)
		{
			(void) index_insert(idx, &values[4], &nulls[4], &tup->t_self, rel,
								UNIQUE_CHECK_NO, false, makeNode(IndexInfo));
			index_close(idx, NoLock);
			table_close(rel, NoLock);
			heap_freetuple(tup);
			return;
		}
		index_close(idx, NoLock);
	}
	estate = CreateExecutorState();
	rri = makeNode(ResultRelInfo);
	InitResultRelInfo(rri, rel, 1, NULL, 0);
	ExecOpenIndices(rri, false);
	slot = MakeSingleTupleTableSlot(desc, &TTSOpsHeapTuple);
	ExecStoreHeapTuple(tup, slot, false);
	(void) ExecInsertIndexTuples(rri, slot, estate, false, false, NULL, NIL);
	ExecDropSingleTupleTableSlot(slot);
	ExecCloseIndices(rri);
	FreeExecutorState(estate);
	table_close(rel, NoLock);
	heap_freetuple(tup);
}

/* the OIDs events_read.c needs; false: fintech.events is not installed */
bool
ft_event_oids(Oid *events, Oid *seqid, Oid *consumers)
{
	if (!ft_events_installed())
		return false;
	*events = events_relid;
	*seqid = events_seqid;
	*consumers = events_consumers;
	return true;
}

/*
 * rows_wanted: whether an event now gets its row of fintech.events: not
 * while the database's events are known to have no consumer (nobody could
 * ever read the row: a consumer receives what commits after its creation).
 * The lock on fintech.events is taken before the state is read: that is
 * what create_consumer waits for (event_seq.c's header has the protocol).
 * The caller has called ft_events_installed(); the lock may reset the
 * cached OIDs (an invalidation), so they are copied first.
 */
static bool
rows_wanted(void)
{
	Oid			rel = events_relid;
	Oid			seqid = events_seqid;
	Oid			consumers = events_consumers;
	int			readers;

	LockRelationOid(rel, RowExclusiveLock);
	readers = ft_event_readers(seqid);
	if (readers == FT_READERS_UNKNOWN)
		readers = ft_event_readers_check(seqid, consumers);
	return readers != FT_READERS_NONE;
}

/*
 * events on (fintech.events), installed, and someone can read them: a
 * consumer (the row) or a logical decoder (the WAL message)
 */
bool
ft_events_on(void)
{
	return ft_events_enabled && ft_events_installed() && (messages_on() || rows_wanted());
}

/*
 * The WAL message is written only when the server's wal_level is logical:
 * below it no decoder can read the WAL (a logical slot cannot exist, and
 * wal_level only changes at a restart), so the message and the text it
 * carries would be bytes nobody can ever read.  From the restart with
 * wal_level = logical on, every event has its message.
 */
static inline bool
messages_on(void)
{
	return XLogLogicalInfoActive();
}

/*
 * What ft_event_write() and ft_event_write_collected() do first: the WAL message when
 * decodable, then whether the event gets its row and, if so, its
 * write_seq, taken now.  The caller has just checked ft_events_on(): when
 * no message is written, that check could only pass through rows_wanted()
 * (which took the lock on fintech.events), so only with messages is the
 * question asked again.  The lock may reset the cached OIDs: they are
 * looked up again before write_seq.
 */
static bool
message_then_row(text *payload, int64 *write_seq)
{
	bool		message = messages_on();

	if (message)
		(void) LogLogicalMessage(EVENT_PREFIX, VARDATA(payload), VARSIZE(payload) - VARHDRSZ, true);
	(void) ft_events_installed();	/* the caller checked ft_events_on() */
	if (message && !rows_wanted())
		return false;
	(void) ft_events_installed();
	*write_seq = ft_event_write_seq(events_seqid);
	return true;
}

/*
 * The row and, when decodable, the message: payload is the event's JSON
 * text as a json datum (a varlena), stored as it is in the row and written
 * as it is (without its header) as the message's content.
 */
void
ft_event_write(const char *kind, text *payload)
{
	int64		write_seq;

	if (message_then_row(payload, &write_seq))
		ft_event_append_row(kind, payload, write_seq);
}

/*
 * The same event with its row handed to collect() instead of written: the
 * batch path (posting_write.c) writes a batch's rows together with
 * heap_multi_insert.  Everything that orders events is done here, when
 * the event happens: its write_seq is taken and its WAL message written
 * now, so a transaction's events keep the order in which they happened
 * whenever their rows are written.  The payload stays allocated (the
 * collector keeps it until it writes the row).
 */
void
ft_event_write_collected(const char *kind, text *payload, FtEventCollect collect, void *arg)
{
	int64		write_seq;

	if (message_then_row(payload, &write_seq))
		collect(kind, payload, write_seq, arg);
	else
		pfree(payload);
}

/*
 * ft_event_emit: write one event in the caller's transaction: its row and
 * its logical decoding message, the payload given as jsonb (its text is
 * what the row and the message hold).  Runs no SQL (SPI need not be
 * connected).
 */
void
ft_event_emit(const char *kind, Jsonb *payload)
{
	text	   *json;

	if (kind == NULL || !ft_events_on())
		return;
	json = cstring_to_text(JsonbToCString(NULL, &payload->root, VARSIZE(payload)));
	ft_event_write(kind, json);
	pfree(json);
}

void
EventsInit(void)
{
	EventSeqInit();
	DefineCustomBoolVariable("fintech.events",
							 "Write events (fintech.events and the logical decoding messages).",
							 "Off writes none: only for measuring their cost (the benchmarks' baseline). "
							 "Consumers never see what happened while it was off.",
							 &ft_events_enabled,
							 true,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);
	/*
	 * Every second by default: each run also numbers what committed since
	 * the last one (events_read.c), all of it in one transaction, since
	 * numbering only part of it could put a later commit first.  Once a
	 * minute, a consumer that did not read left a minute of events to one
	 * run: 730,000 at some 15,000 a second took 28.6 s, a snapshot held
	 * that long, under which a hot account's transfers fell from 7,000
	 * to 260 a second.
	 */
	fintech_define_job("prune_events", "fintech.prune_events_interval",
					   "How often the background worker numbers the events committed since its last run "
					   "and deletes the events every consumer has acknowledged.",
					   1000, prune_events_job);
}
