/*-------------------------------------------------------------------------
 *
 * events_read.c
 *	  Reading events: the consumers (create_consumer, read_events,
 *	  ack_events, drop_consumer), the sequencer that puts committed events
 *	  in commit order, and the prune_events job.  Writing them is events.c.
 *
 * Commit order, and no outbox gap.  An emitting transaction inserts its
 * events with event_id NULL and a write_seq taken from a sequence when it
 * writes.  write_seq cannot be the reading order: a transaction that took
 * write_seq 10 and commits after the one that took 11 would be skipped by a
 * reader that has passed 11 (the classic outbox gap).  So the event_id, the
 * only order readers see, is given after commit, by the sequencer: under the
 * lock of fintech.event_order's single row, it numbers every event that its
 * snapshot (taken after the lock) sees committed and unnumbered, after the
 * last number given, in write_seq order, and commits the numbers with the
 * new last number.  A transaction still running is invisible to it and gets
 * its numbers from a later run: higher ones.  Hence
 *   - event_id follows commit order as readers see it (an event gets its
 *     number in the first sequencer run whose snapshot sees its transaction
 *     committed; a transaction that committed before another began is seen
 *     no later than that one, and comes first within a run by write_seq);
 *   - numbers are dense and final: each run is serialised by the lock and
 *     commits (or rolls back) its numbers with the last number, so a reader
 *     that has seen event N has seen every event up to N, and nothing will
 *     ever be numbered below N again.  A consumer's position (acked_up_to)
 *     is therefore one number.
 * In REPEATABLE READ a sequencer whose snapshot is older than the last run
 * fails with a serialization failure (the lock row was updated since) rather
 * than number anything twice.
 *
 * Who sequences: read_events (skipping it when another run holds the lock:
 * a reader never waits for another), create_consumer (waits: a new
 * consumer's position covers everything committed before it), and the
 * prune_events job (skips).
 *
 * No consumer, no rows.  While the database has no consumer, writers
 * write no row at all (event_seq.c's header has the protocol): here,
 * create_consumer marks "some" and waits for the writers that may have
 * read "none"; a committed drop_consumer marks "unknown"; the check below
 * (run by a writer that finds "unknown", and by the prune job) is the only
 * one that marks "none".
 *
 * Locks: the event_order row (FOR UPDATE, held to the end of the caller's
 * transaction: read events in short transactions), a consumer's row
 * (ack_events, FOR UPDATE).  Emitters take neither.  Pruning deletes only
 * numbered events at or below every consumer's position (all numbered ones
 * when there is no consumer: a new consumer starts after them).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/snapmgr.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "fintech.h"
#include "events.h"
#include "spi_plan.h"

#define CONSUMER_MAXCHARS	200
#define MAX_READ			10000	/* most events one read_events returns */
#define SEQUENCE_BATCH		10000	/* events numbered per statement */
#define PRUNE_BATCH			10000

enum
{
	P_ORDER_ROW,
	P_LOCK_ORDER,
	P_LOCK_ORDER_SKIP,
	P_NUMBER,
	P_SET_LAST,
	P_LAST,
	P_CREATE,
	P_CONSUMER,
	P_LOCK_CONSUMER,
	P_ACK,
	P_DROP,
	P_READ,
	P_PRUNE,
	NPLANS
};

#define LOCK_ORDER "SELECT last_event_id FROM fintech.event_order WHERE id OPERATOR(pg_catalog.=) 1 FOR UPDATE"

static const FintechPlanDef plan_defs[NPLANS] = {
	/* the row exists from the first sequencer run on (not in the install script: pg_dump copies it) */
	[P_ORDER_ROW] = {"INSERT INTO fintech.event_order (id, last_event_id) VALUES (1, 0)"
		" ON CONFLICT (id) DO NOTHING", 0, {0}},
	[P_LOCK_ORDER] = {LOCK_ORDER, 0, {0}},
	[P_LOCK_ORDER_SKIP] = {LOCK_ORDER " SKIP LOCKED", 0, {0}},
	/* $1: the last number given */
	/*
	 * Joined by ctid, and planned at every run.  A plan made while
	 * fintech.events looked empty joined 10,000 rows by write_seq against
	 * a sequential scan, for minutes; joined by ctid, a generic plan made
	 * then still rescanned the batch for every row of the table (1,000
	 * events of 100,000 in 48 s).  Planned from the table's size at the
	 * run, it is a TID scan per row, or one hash join over the unnumbered
	 * events while the statistics lag.  Only the sequencer, under the
	 * event_order lock, updates these rows.
	 */
	[P_NUMBER] = {"WITH o AS (SELECT s.tid,"
		"   $1 OPERATOR(pg_catalog.+) pg_catalog.row_number() OVER (ORDER BY s.write_seq) AS id"
		"   FROM (SELECT ctid AS tid, write_seq FROM fintech.events WHERE event_id IS NULL"
		"          ORDER BY write_seq LIMIT " CppAsString2(SEQUENCE_BATCH) ") s)"
		" UPDATE fintech.events e SET event_id = o.id FROM o"
		" WHERE e.ctid OPERATOR(pg_catalog.=) o.tid AND e.event_id IS NULL", 1, {INT8OID}, true},
	[P_SET_LAST] = {"UPDATE fintech.event_order SET last_event_id = $1 WHERE id OPERATOR(pg_catalog.=) 1",
	1, {INT8OID}},
	[P_LAST] = {"SELECT last_event_id FROM fintech.event_order WHERE id OPERATOR(pg_catalog.=) 1", 0, {0}},
	[P_CREATE] = {"INSERT INTO fintech.event_consumers (name, acked_up_to) VALUES ($1, $2)"
		" ON CONFLICT (name) DO NOTHING", 2, {TEXTOID, INT8OID}},
	[P_CONSUMER] = {"SELECT acked_up_to FROM fintech.event_consumers WHERE name OPERATOR(pg_catalog.=) $1",
	1, {TEXTOID}},
	[P_LOCK_CONSUMER] = {"SELECT acked_up_to FROM fintech.event_consumers WHERE name OPERATOR(pg_catalog.=) $1"
		" FOR UPDATE", 1, {TEXTOID}},
	[P_ACK] = {"UPDATE fintech.event_consumers SET acked_up_to = $2, acked_at = pg_catalog.clock_timestamp()"
		" WHERE name OPERATOR(pg_catalog.=) $1", 2, {TEXTOID, INT8OID}},
	[P_DROP] = {"DELETE FROM fintech.event_consumers WHERE name OPERATOR(pg_catalog.=) $1", 1, {TEXTOID}},
	[P_READ] = {"SELECT event_id, kind, occurred_at, payload::pg_catalog.jsonb FROM fintech.events"
		" WHERE event_id OPERATOR(pg_catalog.>) $1 ORDER BY event_id LIMIT $2", 2, {INT8OID, INT4OID}},
	/*
	 * What every consumer has acknowledged (with none, everything
	 * numbered), after $1 and in order: how many, and the last one.
	 * Planned at each run, like the numbering.
	 */
	[P_PRUNE] = {"WITH d AS (DELETE FROM fintech.events WHERE ctid OPERATOR(pg_catalog.=) ANY (ARRAY("
		" SELECT e.ctid FROM fintech.events e"
		"  WHERE e.event_id OPERATOR(pg_catalog.>) $1"
		"    AND e.event_id OPERATOR(pg_catalog.<=) coalesce((SELECT pg_catalog.min(c.acked_up_to)"
		"          FROM fintech.event_consumers c),"
		"        (SELECT o.last_event_id FROM fintech.event_order o))"
		"  ORDER BY e.event_id LIMIT " CppAsString2(PRUNE_BATCH) ")) RETURNING event_id)"
		" SELECT pg_catalog.count(*), pg_catalog.max(event_id) FROM d", 1, {INT8OID}, true},
};

FT_DEFINE_PLANS(plans, plan_defs);

static int64
first_int8(void)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

	return isnull ? 0 : DatumGetInt64(d);
}

/*
 * The sequencer (see the header): numbers the committed events not yet in
 * order.  wait: wait for a run in progress; otherwise skip when one holds
 * the lock.  Returns the last number given, -1 when skipped.  SPI connected.
 */
static int64
sequence_events(bool wait)
{
	int64		last;
	uint64		n;

	for (int attempt = 0;; attempt++)
	{
		ft_run_plan(&plans, wait ? P_LOCK_ORDER : P_LOCK_ORDER_SKIP, NULL, NULL, false, 0);
		if (SPI_processed > 0)
			break;
		/* skipped: the row is there, locked by a run in progress */
		if (!wait && ft_run_plan(&plans, P_LAST, NULL, NULL, false, 0) == SPI_OK_SELECT &&
			SPI_processed > 0)
			return -1;
		/*
		 * the very first run: create the row (not before: ON CONFLICT waits
		 * for a run in progress, which updated the row)
		 */
		if (attempt > 0)
			elog(ERROR, "fintech.event_order has no row");
		ft_run_plan(&plans, P_ORDER_ROW, NULL, NULL, false, 0);
	}
	last = first_int8();
	do
	{
		Datum		v[1] = {Int64GetDatum(last)};

		CHECK_FOR_INTERRUPTS();
		if (ft_run_plan(&plans, P_NUMBER, v, NULL, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "could not put events in order");
		n = SPI_processed;
		last += (int64) n;
	} while (n == SEQUENCE_BATCH);
	{
		Datum		v[1] = {Int64GetDatum(last)};

		ft_run_plan(&plans, P_SET_LAST, v, NULL, false, 0);
	}
	return last;
}

static char *
consumer_arg(FunctionCallInfo fcinfo, const char *what)
{
	return fintech_text_arg(fcinfo, 0, what, FT_ARG_NOT_BLANK, CONSUMER_MAXCHARS);
}

/* the consumer's position, with its row locked (lock) or not; LD009 when unknown */
static int64
consumer_position(const char *name, bool lock)
{
	Datum		v[1] = {CStringGetTextDatum(name)};

	ft_run_plan(&plans, lock ? P_LOCK_CONSUMER : P_CONSUMER, v, NULL, false, 0);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_LD009),
				 errmsg("event consumer \"%s\" does not exist", name),
				 errhint("Create it with fintech.create_consumer().")));
	return first_int8();
}

/*
 * ft_event_readers_check: whether fintech.event_consumers has a row
 * committed (or this transaction's own), seen as of now, not as of the
 * caller's snapshot (SnapshotSelf: a consumer committed a moment ago counts
 * whatever the isolation level, and no serializable predicate lock is
 * taken), under the table's
 * ShareUpdateExclusiveLock, which create_consumer holds from before it
 * marks "some" until it commits: the check cannot slip between the two.
 * Nobody waits for that lock: while another holds it the answer is
 * "unknown" (a writer then writes its row; the prune job tries again next
 * run).  The lock is released once the state is recorded.
 */
int
ft_event_readers_check(Oid seqid, Oid consumers)
{
	Relation	rel;
	TableScanDesc scan;
	int			readers;

	if (!OidIsValid(consumers))
		return FT_READERS_UNKNOWN;
	if (!ConditionalLockRelationOid(consumers, ShareUpdateExclusiveLock))
		return FT_READERS_UNKNOWN;
	rel = table_open(consumers, NoLock);
	scan = table_beginscan(rel, SnapshotSelf, 0, NULL);
	readers = heap_getnext(scan, ForwardScanDirection) != NULL ? FT_READERS_SOME : FT_READERS_NONE;
	table_endscan(scan);
	table_close(rel, NoLock);
	ft_event_readers_set(seqid, readers);
	UnlockRelationOid(consumers, ShareUpdateExclusiveLock);
	return readers;
}

/* a drop_consumer committed: the next writer looks again */
static Oid	dropped_seqid = InvalidOid;

static void
readers_xact_callback(XactEvent event, void *arg)
{
	if (!OidIsValid(dropped_seqid))
		return;
	if (event == XACT_EVENT_COMMIT)
		ft_event_readers_set(dropped_seqid, FT_READERS_UNKNOWN);
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PREPARE)
		dropped_seqid = InvalidOid;
}

/*
 * Before a new consumer exists: mark "some", then wait for every
 * transaction holding a lock on fintech.events that conflicts with
 * ShareLock (the writers; not this one), so that none that read "none"
 * is still open.  The lock on fintech.event_consumers stays to the end of
 * the transaction (see ft_event_readers_check).
 */
static void
readers_arrive(void)
{
	Oid			events;
	Oid			seqid;
	Oid			consumers;
	LOCKTAG		tag;

	if (!ft_event_oids(&events, &seqid, &consumers) || !OidIsValid(consumers))
		return;
	LockRelationOid(consumers, ShareUpdateExclusiveLock);
	ft_event_readers_set(seqid, FT_READERS_SOME);
	SET_LOCKTAG_RELATION(tag, MyDatabaseId, events);
	WaitForLockers(tag, ShareLock, false);
}

/* ------------------------------------------------------------------------
 * fintech.create_consumer(name): a consumer of the events committed from
 * now on
 * ------------------------------------------------------------------------
 */
PG_FUNCTION_INFO_V1(fintech_create_consumer);
Datum
fintech_create_consumer(PG_FUNCTION_ARGS)
{
	char	   *name = consumer_arg(fcinfo, "consumer name");
	Datum		v[2];

	readers_arrive();
	SPI_connect();
	v[0] = CStringGetTextDatum(name);
	v[1] = Int64GetDatum(sequence_events(true));
	if (ft_run_plan(&plans, P_CREATE, v, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not create event consumer \"%s\"", name);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("event consumer \"%s\" already exists", name)));
	SPI_finish();
	PG_RETURN_VOID();
}

/* ------------------------------------------------------------------------
 * fintech.drop_consumer(name)
 * ------------------------------------------------------------------------
 */
PG_FUNCTION_INFO_V1(fintech_drop_consumer);
Datum
fintech_drop_consumer(PG_FUNCTION_ARGS)
{
	char	   *name = consumer_arg(fcinfo, "consumer name");
	Datum		v[1] = {CStringGetTextDatum(name)};

	SPI_connect();
	ft_run_plan(&plans, P_DROP, v, NULL, false, 0);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_LD009),
				 errmsg("event consumer \"%s\" does not exist", name)));
	SPI_finish();
	{
		static bool registered = false;
		Oid			events;
		Oid			consumers;

		if (!registered)
		{
			RegisterXactCallback(readers_xact_callback, NULL);
			registered = true;
		}
		if (!ft_event_oids(&events, &dropped_seqid, &consumers))
			dropped_seqid = InvalidOid;
	}
	PG_RETURN_VOID();
}

/* ------------------------------------------------------------------------
 * fintech.read_events(consumer, max_events): the events after the
 * consumer's position, in order; the same again until acknowledged
 * ------------------------------------------------------------------------
 */
PG_FUNCTION_INFO_V1(fintech_read_events);
Datum
fintech_read_events(PG_FUNCTION_ARGS)
{
	char	   *name = consumer_arg(fcinfo, "consumer");
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int32		max_events;
	Datum		v[2];

	fintech_arg_not_null(fcinfo, 1, "max_events");
	max_events = PG_GETARG_INT32(1);
	if (max_events < 1 || max_events > MAX_READ)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_events must be between 1 and %d (got %d)", MAX_READ, max_events)));

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	(void) sequence_events(false);
	v[0] = Int64GetDatum(consumer_position(name, false));
	v[1] = Int32GetDatum(max_events);
	ft_run_plan(&plans, P_READ, v, NULL, false, 0);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		Datum		out[4];
		bool		nulls[4];

		CHECK_FOR_INTERRUPTS();
		for (int c = 0; c < 4; c++)
			out[c] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, c + 1, &nulls[c]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, out, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}

/* ------------------------------------------------------------------------
 * fintech.ack_events(consumer, up_to): acknowledge every event up to
 * up_to; returns how many were newly acknowledged
 * ------------------------------------------------------------------------
 */
PG_FUNCTION_INFO_V1(fintech_ack_events);
Datum
fintech_ack_events(PG_FUNCTION_ARGS)
{
	char	   *name = consumer_arg(fcinfo, "consumer");
	int64		up_to;
	int64		position;
	int64		last;

	fintech_arg_not_null(fcinfo, 1, "up_to");
	up_to = PG_GETARG_INT64(1);
	SPI_connect();
	position = consumer_position(name, true);
	ft_run_plan(&plans, P_LAST, NULL, NULL, false, 0);
	last = SPI_processed ? first_int8() : 0;
	if (up_to < 0 || up_to > last)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot acknowledge events up to " INT64_FORMAT " for consumer \"%s\": "
						"the last event in order is " INT64_FORMAT, up_to, name, last),
				 errhint("Acknowledge the event_id of the last event read_events returned.")));
	if (up_to <= position)
	{
		SPI_finish();
		PG_RETURN_INT64(0);
	}
	{
		Datum		v[2] = {CStringGetTextDatum(name), Int64GetDatum(up_to)};

		ft_run_plan(&plans, P_ACK, v, NULL, false, 0);
	}
	SPI_finish();
	/* numbers are dense: every event in (position, up_to] exists, unpruned */
	PG_RETURN_INT64(up_to - position);
}

/* ------------------------------------------------------------------------
 * prune_events job
 *
 * Each run deletes after the last event the runs before it deleted, in
 * event_id order: numbers are final and given in order, so every event up
 * to that one is gone.  Read from the start, a run stepped over the index
 * entries of every event deleted while some snapshot stays open (a
 * pg_dump's: the entries cannot be marked dead), once per batch of
 * PRUNE_BATCH.  A run from the start comes at least every
 * PRUNE_FULL_EVERY all the same, for the deletes of a run whose
 * transaction did not commit.
 * ------------------------------------------------------------------------
 */
#define PRUNE_FULL_EVERY	(10 * 60 * USECS_PER_SEC)

static int64 prune_after = 0;	/* the last event deleted (in this launcher) */
static TimestampTz prune_full_at = 0;	/* when a run last began at the start */

int64
prune_events_job(bool *again)
{
	int64		n;
	TimestampTz now = GetCurrentTimestamp();
	Datum		v[1];
	bool		isnull;

	Oid			events;
	Oid			seqid;
	Oid			consumers;

	/* an older version's objects (before ALTER EXTENSION UPDATE): nothing */
	if (!ft_event_oids(&events, &seqid, &consumers))
		return 0;
	/* "none" again once the last consumer is gone (skipped while busy) */
	(void) ft_event_readers_check(seqid, consumers);
	SPI_connect();
	if (now - prune_full_at >= PRUNE_FULL_EVERY)
	{
		prune_after = 0;
		prune_full_at = now;
	}
	v[0] = Int64GetDatum(prune_after);
	if (ft_run_plan(&plans, P_PRUNE, v, NULL, false, 0) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not prune events");
	n = first_int8();
	if (n > 0)
		prune_after = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
												  2, &isnull));
	/* last: the job holds the sequencer's lock only until it commits */
	(void) sequence_events(false);
	SPI_finish();
	*again = n == PRUNE_BATCH;
	return n;
}
