/*-------------------------------------------------------------------------
 *
 * events.c
 *	  Writing events: emit(), the one place that records that something
 *	  changed state (ft_event_emit() is its entry for a payload given as
 *	  jsonb), the payloads of the emitting sites (built in C on the hot
 *	  paths: ft_event_entry for ledger entries, ft_event_payment for a
 *	  payment pay records; ft_event_row for the rest -- a held payment's
 *	  resolution, parties, alerts and erasures -- read from the changed
 *	  row), the GUC fintech.events and the prune_events job's definition.  Reading them (consumers, commit
 *	  order, pruning) is events_read.c.
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
 *   that same text, byte for byte, and it is the text jsonb's output gives
 *   for the object (read_events returns it as jsonb: its ::text is the
 *   message again); building the text only is the cheapest of the forms
 *   (see Payload below).  The payload is a JSON object that
 *   names its kind (so a WAL message stands alone), the ids, account codes,
 *   amounts and currency; never a personal value (names, external refs,
 *   references, metadata), so an erasure has nothing to chase in events.
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
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "replication/message.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

#include "fintech.h"
#include "events.h"
#include "jobs.h"
#include "spi_plan.h"
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

enum
{
	P_PAYMENT,
	P_PARTY,
	P_ALERT,
	P_ALERT_OF,
	P_ERASED,
	NPLANS
};

/* the payload builders return (kind, payload) rows */
#define ALERT_EVENT \
	"SELECT CASE WHEN a.status OPERATOR(pg_catalog.=) 'open' THEN 'alert.opened' ELSE 'alert.resolved' END," \
	" pg_catalog.jsonb_build_object('kind', CASE WHEN a.status OPERATOR(pg_catalog.=) 'open'" \
	"   THEN 'alert.opened' ELSE 'alert.resolved' END, 'alert_id', a.id, 'party_id', a.party_id," \
	"   'entity_id', a.entity_id, 'score', a.score, 'status', a.status, 'resolved_by', a.resolved_by)" \
	" FROM fintech.screening_alerts a"

static const FintechPlanDef plan_defs[NPLANS] = {
	[P_PAYMENT] = {"SELECT 'payment.' OPERATOR(pg_catalog.||) p.status,"
		" pg_catalog.jsonb_build_object('kind', 'payment.' OPERATOR(pg_catalog.||) p.status,"
		"   'payment_id', p.id, 'status', p.status, 'idempotency_key', p.idempotency_key,"
		"   'payer', p.payer, 'payee', p.payee, 'amount', p.amount, 'currency', a.currency,"
		"   'reason', p.reason, 'entry_id', p.entry_id, 'resolved_entry_id', p.resolved_entry_id)"
		" FROM fintech.payments p LEFT JOIN fintech.accounts a ON a.code OPERATOR(pg_catalog.=) p.payer"
		" WHERE p.id OPERATOR(pg_catalog.=) $1", 1, {INT8OID}},
	[P_PARTY] = {"SELECT 'party.' OPERATOR(pg_catalog.||) p.status,"
		" pg_catalog.jsonb_build_object('kind', 'party.' OPERATOR(pg_catalog.||) p.status,"
		"   'party_id', p.id, 'status', p.status, 'party_kind', p.kind, 'country', p.country)"
		" FROM fintech.parties p WHERE p.id OPERATOR(pg_catalog.=) $1", 1, {INT8OID}},
	[P_ALERT] = {ALERT_EVENT " WHERE a.id OPERATOR(pg_catalog.=) $1", 1, {INT8OID}},
	[P_ALERT_OF] = {ALERT_EVENT " WHERE a.party_id OPERATOR(pg_catalog.=) $1"
		" AND a.entity_id OPERATOR(pg_catalog.=) $2", 2, {INT8OID, INT8OID}},
	[P_ERASED] = {"SELECT 'party.erased', pg_catalog.jsonb_build_object('kind', 'party.erased',"
		"   'party_id', $1, 'erasure_id', e.id, 'alert_ids', e.alert_ids, 'columns', e.columns,"
		"   'log_rows', e.log_rows)"
		" FROM fintech.erasures e WHERE e.table_name OPERATOR(pg_catalog.=) 'fintech.parties'"
		"   AND e.primary_key OPERATOR(pg_catalog.=) pg_catalog.jsonb_build_object('id', $1)"
		" ORDER BY e.id DESC LIMIT 1", 1, {INT8OID}},
};

FT_DEFINE_PLANS(plans, plan_defs);

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
 * What emit() and emit_collected() do first: the WAL message when
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
static void
emit(const char *kind, text *payload)
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
static void
emit_collected(const char *kind, text *payload, FtEventCollect collect, void *arg)
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
	emit(kind, json);
	pfree(json);
}

/*
 * The payloads built in C are built as their text only, appended into one
 * buffer that becomes the json datum (room for the varlena header left at
 * its start): no JsonbValue, no numeric, no jsonb to form.  The text is
 * the one jsonb's output gives for the same object (payload::text once
 * read_events has parsed it, and the WAL message byte for byte): ", "
 * and ": " as separators, and keys in jsonb's order (shorter first, then
 * bytewise), which the builders below write them in.  FINTECH_CHECKS
 * builds parse every such text as jsonb and compare its output with it,
 * which would differ for a key out of order.
 */
typedef struct Payload
{
	StringInfoData buf;			/* VARHDRSZ bytes, then the text */
	bool		need_comma;
} Payload;

static void
pl_init(Payload *p)
{
	initStringInfo(&p->buf);
	p->buf.len = VARHDRSZ;		/* the header, set by pl_emit */
	p->need_comma = false;
}

static void
pl_sep(Payload *p)
{
	if (p->need_comma)
		appendBinaryStringInfo(&p->buf, ", ", 2);
	p->need_comma = true;
}

static void
pl_begin(Payload *p, bool array)
{
	pl_sep(p);
	appendStringInfoChar(&p->buf, array ? '[' : '{');
	p->need_comma = false;
}

static void
pl_end(Payload *p, bool array)
{
	appendStringInfoChar(&p->buf, array ? ']' : '}');
	p->need_comma = true;
}

/*
 * The next key: pl_key(p, "name") with the key a string constant (plain
 * ASCII, nothing to escape), appended quoted with its ": " as one piece
 */
#define pl_key(p, key) pl_key_quoted((p), "\"" key "\": ", sizeof("\"" key "\": ") - 1)

static void
pl_key_quoted(Payload *p, const char *quoted, int len)
{
	pl_sep(p);
	appendBinaryStringInfo(&p->buf, quoted, len);
	p->need_comma = false;
}

static void
pl_str(Payload *p, const char *str)
{
	size_t		len;

	pl_sep(p);
	if (str == NULL)
	{
		appendBinaryStringInfo(&p->buf, "null", 4);
		return;
	}
	/* most values need no escaping: copied at once, else escape_json's text */
	for (len = 0; str[len]; len++)
	{
		unsigned char c = (unsigned char) str[len];

		if (c < 0x20 || c == '"' || c == '\\')
		{
			escape_json(&p->buf, str);
			return;
		}
	}
	enlargeStringInfo(&p->buf, len + 2);
	p->buf.data[p->buf.len] = '"';
	memcpy(p->buf.data + p->buf.len + 1, str, len);
	p->buf.data[p->buf.len + len + 1] = '"';
	p->buf.len += len + 2;
	p->buf.data[p->buf.len] = '\0';
}

static void
pl_int(Payload *p, int64 n)
{
	pl_sep(p);
	enlargeStringInfo(&p->buf, MAXINT8LEN + 1);
	p->buf.len += pg_lltoa(n, p->buf.data + p->buf.len);
}

/* the ended payload's event: emit(), or its row to collect() when given */
static void
pl_emit_to(Payload *p, const char *kind, FtEventCollect collect, void *arg)
{
	text	   *json = (text *) p->buf.data;

	SET_VARSIZE(json, p->buf.len);
#ifdef FINTECH_CHECKS
	{
		char	   *plain = text_to_cstring(json);
		Jsonb	   *jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(plain)));

		FT_CHECK(strcmp(plain, JsonbToCString(NULL, &jb->root, VARSIZE(jb))) == 0);
	}
#endif
	if (collect)
	{
		emit_collected(kind, json, collect, arg);
		return;
	}
	emit(kind, json);
	pfree(p->buf.data);
}

#define pl_emit(p, kind) pl_emit_to((p), (kind), NULL, NULL)

/* the kind of an entry's event by its type; NULL: none */
static const char *
entry_kind(const EntrySpec *e)
{
	if (e->nlegs == 0 && e->resolve_hold == 0)
		return NULL;			/* moved nothing (e.g. a fold) */
	if (strcmp(e->type, "pending") == 0)
		return "hold.created";
	if (strcmp(e->type, "post_pending") == 0)
		return "hold.posted";
	if (strcmp(e->type, "void_pending") == 0)
		return "hold.voided";
	if (strcmp(e->type, "expire_pending") == 0)
		return "hold.expired";
	if (strcmp(e->type, "reversal") == 0)
		return "entry.reversed";
	return "entry.posted";
}

static void
add_legs(Payload *p, const Leg *legs, int n, const char **currency)
{
	pl_key(p, "legs");
	pl_begin(p, true);
	for (int i = 0; i < n; i++)
	{
		const char *cur = legs[i].acct ? legs[i].acct->currency : NULL;

		CHECK_FOR_INTERRUPTS();
		pl_begin(p, false);
		pl_key(p, "amount");
		pl_int(p, legs[i].amount);
		pl_key(p, "account");
		pl_str(p, legs[i].code);
		pl_key(p, "currency");
		pl_str(p, cur);
		pl_end(p, false);
		/* the entry's currency: its legs' one currency, NULL when they differ */
		if (i == 0)
			*currency = cur;
		else if (*currency && (cur == NULL || strcmp(*currency, cur) != 0))
			*currency = NULL;
	}
	pl_end(p, true);
}

/*
 * ft_event_entry: the event of an entry just applied (write_entry):
 * entry.posted, entry.reversed, hold.created/posted/voided/expired.  The
 * payload: entry_id, type, its legs (account, amount, currency; a hold's
 * reserved legs, a void's or expiry's released ones), currency, and the
 * hold or entry it resolves or reverses.  Built in C (no SQL, no parsing):
 * keys in jsonb's order.
 */
void
ft_event_entry(const EntrySpec *e)
{
	ft_event_entry_collect(e, NULL, NULL);
}

/* ft_event_entry, its row handed to collect() (NULL: written now) */
void
ft_event_entry_collect(const EntrySpec *e, FtEventCollect collect, void *arg)
{
	const char *kind = entry_kind(e);
	const char *currency = NULL;
	bool		releases = e->resolve_hold && e->nlegs == 0;
	Payload		p;

	if (kind == NULL || !ft_events_on())
		return;
	pl_init(&p);
	pl_begin(&p, false);
	pl_key(&p, "kind");
	pl_str(&p, kind);
	if (releases)
		add_legs(&p, e->release, e->nrelease, &currency);
	else
		add_legs(&p, e->legs, e->nlegs, &currency);
	pl_key(&p, "type");
	pl_str(&p, e->type);
	if (e->resolve_amount)
	{
		pl_key(&p, "amount");
		pl_int(&p, e->resolve_amount);
	}
	pl_key(&p, "currency");
	pl_str(&p, currency);
	pl_key(&p, "entry_id");
	pl_int(&p, e->entry_id);
	if (e->resolve_hold)
	{
		pl_key(&p, "hold_entry_id");
		pl_int(&p, e->resolve_hold);
	}
	if (strcmp(kind, "entry.reversed") == 0 && e->related_id)
	{
		pl_key(&p, "reversed_entry_id");
		pl_int(&p, e->related_id);
	}
	pl_end(&p, false);
	pl_emit_to(&p, kind, collect, arg);
}

/* a key whose value is an id, or null when 0 */
#define pl_id(p, key, id) \
	do { \
		pl_key((p), key); \
		if (id) \
			pl_int((p), (id)); \
		else \
			pl_str((p), NULL); \
	} while (0)

/*
 * ft_event_payment: payment.<status> for a payment pay has just recorded,
 * built in C from what pay knows (the same payload as P_PAYMENT reads
 * from the row, which FINTECH_CHECKS builds compare): no statement on
 * pay's hot path.  Keys in jsonb's order.
 */
void
ft_event_payment(const PaymentEvent *pe)
{
	Payload		p;
	char	   *kind;

	if (!ft_events_on())
		return;
	kind = psprintf("payment.%s", pe->status);
	pl_init(&p);
	pl_begin(&p, false);
	pl_key(&p, "kind");
	pl_str(&p, kind);
	pl_key(&p, "payee");
	pl_str(&p, pe->payee);
	pl_key(&p, "payer");
	pl_str(&p, pe->payer);
	pl_key(&p, "amount");
	pl_int(&p, pe->amount);
	pl_key(&p, "reason");
	pl_str(&p, pe->reason);
	pl_key(&p, "status");
	pl_str(&p, pe->status);
	pl_key(&p, "currency");
	pl_str(&p, pe->currency);
	pl_id(&p, "entry_id", pe->entry_id);
	pl_id(&p, "payment_id", pe->payment_id);
	pl_key(&p, "idempotency_key");
	pl_str(&p, pe->idempotency_key);
	pl_id(&p, "resolved_entry_id", pe->resolved_entry_id);
	pl_end(&p, false);
#ifdef FINTECH_CHECKS
	{
		/* the row's payload, as ft_event_row reads it */
		SPITupleTable *tuptable = SPI_tuptable;
		uint64		processed = SPI_processed;
		Datum		v[1] = {Int64GetDatum(pe->payment_id)};
		bool		isnull;

		FT_CHECK(ft_run_plan(&plans, P_PAYMENT, v, NULL, false, 0) == SPI_OK_SELECT &&
				 SPI_processed == 1);
		FT_CHECK(strcmp(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1), kind) == 0);
		FT_CHECK(strcmp(JsonbToCString(NULL, &DatumGetJsonbP(SPI_getbinval(SPI_tuptable->vals[0],
																			   SPI_tuptable->tupdesc, 2,
																			   &isnull))->root, 0),
						p.buf.data + VARHDRSZ) == 0);
		SPI_tuptable = tuptable;
		SPI_processed = processed;
	}
#endif
	pl_emit(&p, kind);
	pfree(kind);
}

/*
 * ft_event_row: the events of a row whose state changed, the payload read
 * from the row (see plan_defs): one per row found (none when the row is
 * gone).
 */
void
ft_event_row(FtEventRow what, int64 id, int64 id2)
{
	SPITupleTable *tuptable = SPI_tuptable;
	uint64		processed = SPI_processed;
	int			which;
	Datum		v[2] = {Int64GetDatum(id), Int64GetDatum(id2)};
	uint64		n;
	char	  **kinds;
	Jsonb	  **payloads;

	if (!ft_events_on())
		return;
	switch (what)
	{
		case FT_EV_PAYMENT:
			which = P_PAYMENT;
			break;
		case FT_EV_PARTY:
			which = P_PARTY;
			break;
		case FT_EV_ALERT:
			which = P_ALERT;
			break;
		case FT_EV_ALERT_OF:
			which = P_ALERT_OF;
			break;
		case FT_EV_ERASED:
			which = P_ERASED;
			break;
		default:
			elog(ERROR, "unknown event source %d", (int) what);
	}
	if (ft_run_plan(&plans, which, v, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the payload of an event");
	n = SPI_processed;
	kinds = palloc(sizeof(char *) * Max(n, 1));
	payloads = palloc(sizeof(Jsonb *) * Max(n, 1));
	for (uint64 i = 0; i < n; i++)
	{
		bool		isnull;

		kinds[i] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		payloads[i] = DatumGetJsonbPCopy(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc,
													   2, &isnull));
	}
	for (uint64 i = 0; i < n; i++)
		ft_event_emit(kinds[i], payloads[i]);
	SPI_tuptable = tuptable;
	SPI_processed = processed;
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
