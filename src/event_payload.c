/*-------------------------------------------------------------------------
 *
 * event_payload.c
 *	  The payloads of the events the emitting sites write: built in C on
 *	  the hot paths (ft_event_entry for ledger entries, ft_event_payment for
 *	  a payment pay records), read from the changed row for the rest
 *	  (ft_event_row: a held payment's resolution, parties, alerts and
 *	  erasures).  Each ends in events.c's writer (ft_event_write, or
 *	  ft_event_write_collected for the batch path), which decides whether
 *	  the event gets its row and its WAL message.
 *
 * A payload is a JSON object that names its kind, the ids, account codes,
 * amounts and currency; never a personal value (names, external refs,
 * references, metadata), so an erasure has nothing to chase in events.
 * Nothing is built when no one can read the event (ft_events_on()).
 *
 * Locking: none of its own; ft_event_row's statements read the changed
 * row in the caller's snapshot (SPI connected by the caller).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "fintech.h"
#include "events.h"
#include "spi_plan.h"

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
		ft_event_write_collected(kind, json, collect, arg);
		return;
	}
	ft_event_write(kind, json);
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
