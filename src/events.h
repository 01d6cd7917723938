/*-------------------------------------------------------------------------
 *
 * events.h
 *	  Events (events.c, event_payload.c, events_read.c): what the parts call where money,
 *	  holds, payments, parties, alerts and erasures change state, and the
 *	  consumer API over fintech.events.
 *
 * A site emits with one line: ft_event_entry(e) for a ledger entry,
 * ft_event_payment(pe) for a payment pay has just recorded (its payload
 * built from what pay knows), ft_event_row(FT_EV_..., id, id2) for any
 * other row whose state changed (the payload is read from that row).  Both end in the one writer of events
 * (ft_event_emit, for a payload given as jsonb): a row of fintech.events
 * and a transactional logical decoding message (prefix "fintech"), in the
 * caller's transaction.  ft_event_row needs SPI connected; both leave
 * SPI_tuptable and SPI_processed as the caller had them.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_EVENTS_H
#define FINTECH_EVENTS_H

#include "fmgr.h"
#include "utils/jsonb.h"

#include "posting.h"

/* the rows whose state an event reports, read by ft_event_row() */
typedef enum FtEventRow
{
	FT_EV_PAYMENT,				/* id: payment id; kind payment.<status> */
	FT_EV_PARTY,				/* id: party id; kind party.<status> */
	FT_EV_ALERT,				/* id: alert id; alert.opened or alert.resolved */
	FT_EV_ALERT_OF,				/* id: party id, id2: entity id (a new alert) */
	FT_EV_ERASED				/* id: party id; party.erased, its latest erasure */
} FtEventRow;

/* the SQL functions (events_read.c) */
extern PGDLLEXPORT Datum fintech_create_consumer(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum fintech_read_events(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum fintech_ack_events(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum fintech_drop_consumer(PG_FUNCTION_ARGS);

#pragma GCC visibility push(hidden)

/* GUC fintech.events: false writes no event (the benchmarks' baseline) */
extern bool ft_events_enabled;

/* the installed extension version has fintech.events */
extern bool ft_events_installed(void);

/* events on (fintech.events) and installed */
extern bool ft_events_on(void);

/* the one writer: a row of fintech.events and the WAL message */
extern void ft_event_emit(const char *kind, Jsonb *payload);

/* the event of a ledger entry just applied (posting_write.c) */
extern void ft_event_entry(const EntrySpec *e);

/*
 * The same with the event's row handed to collect() instead of written
 * (the batch path writes many together): write_seq taken and the WAL
 * message written when the event happens; the caller writes the row, with
 * ft_event_append_row() or as the table's INSERT would.
 */
typedef void (*FtEventCollect) (const char *kind, text *payload, int64 write_seq, void *arg);
extern void ft_event_entry_collect(const EntrySpec *e, FtEventCollect collect, void *arg);
extern void ft_event_append_row(const char *kind, text *payload, int64 write_seq);

/*
 * The writer under ft_event_emit (events.c), for a payload already built
 * as its JSON text in a json datum (event_payload.c): the WAL message when
 * decodable, then the row (or, _collected, the row handed to collect(),
 * which then owns the payload).  The caller has checked ft_events_on().
 */
extern void ft_event_write(const char *kind, text *payload);
extern void ft_event_write_collected(const char *kind, text *payload,
									 FtEventCollect collect, void *arg);

/*
 * A payment's state as its event reports it (payment.<status>): what
 * fintech.payments holds for it, given by pay at the row's insertion so
 * that the hot path reads nothing back.  currency: the payer account's
 * (NULL when there is none); zero ids are JSON null.
 */
typedef struct PaymentEvent
{
	int64		payment_id;
	const char *status;
	const char *idempotency_key;
	const char *payer;
	const char *payee;
	int64		amount;
	const char *currency;
	const char *reason;
	int64		entry_id;
	int64		resolved_entry_id;
} PaymentEvent;

/* the event of a payment just recorded (payments.c; event_payload.c); SPI connected */
extern void ft_event_payment(const PaymentEvent *pe);

/* the event(s) of a row whose state changed, payload read from the row */
extern void ft_event_row(FtEventRow what, int64 id, int64 id2);

/* GUCs and the prune_events job (events.c), from _PG_init */
extern void EventsInit(void);

/* write_seq of the next event (event_seq.c), and its shared memory */
extern int64 ft_event_write_seq(Oid seqid);

/* whether this database's events have consumers (event_seq.c's header) */
#define FT_READERS_UNKNOWN	0
#define FT_READERS_NONE		1
#define FT_READERS_SOME		2
extern int	ft_event_readers(Oid seqid);
extern void ft_event_readers_set(Oid seqid, int readers);

/* fintech.events, its write_seq sequence and fintech.event_consumers */
extern bool ft_event_oids(Oid *events, Oid *seqid, Oid *consumers);

/*
 * Look at fintech.event_consumers (as of now, under its
 * ShareUpdateExclusiveLock, not waited for: FT_READERS_UNKNOWN when another
 * holds it) and record what it holds (events_read.c)
 */
extern int	ft_event_readers_check(Oid seqid, Oid consumers);
extern void EventSeqInit(void);

/* the prune_events job (events_read.c) */
extern int64 prune_events_job(bool *again);

#pragma GCC visibility pop

#endif							/* FINTECH_EVENTS_H */
