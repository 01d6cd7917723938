/*-------------------------------------------------------------------------
 *
 * events.c
 *	  Writing events: ft_event_emit(), the one function that records that
 *	  something changed state, the payloads of the emitting sites
 *	  (ft_event_entry for ledger entries, ft_event_row for payments,
 *	  parties, alerts and erasures), the GUC fintech.events and the
 *	  prune_events job's definition.  Reading them (consumers, commit
 *	  order, pruning) is events_read.c.
 *
 * An event is written in the transaction that made the change, twice:
 *   - a row of fintech.events (event_id NULL: the position in commit order
 *     is given later, by a reader, once the transaction has committed; see
 *     events_read.c), and
 *   - a transactional logical decoding message, prefix "fintech", whose
 *     content is the payload's text (jsonb output, the same bytes as
 *     payload::text), so that CDC tools (pg_recvlogical, Debezium) stream
 *     the events of committed transactions, in commit order, from the WAL.
 * A rolled-back change leaves neither.  The payload is a JSON object that
 *   names its kind (so a WAL message stands alone), the ids, account codes,
 *   amounts and currency; never a personal value (names, external refs,
 *   references, metadata), so an erasure has nothing to chase in events.
 *
 * fintech.events = off (superuser only) writes nothing: the benchmarks'
 * baseline (test/bench/run.sh events); not for production.
 *
 * Locking: an emission takes no lock of its own (an insert into
 * fintech.events: no reader or sequencer is ever waited for).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "replication/message.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#include "fintech.h"
#include "events.h"
#include "jobs.h"
#include "spi_plan.h"

#define EVENT_PREFIX	"fintech"

bool		ft_events_enabled = true;

enum
{
	P_INSERT,
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
	[P_INSERT] = {"INSERT INTO fintech.events (kind, payload) VALUES ($1, $2)", 2, {TEXTOID, JSONBOID}},
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
bool
ft_events_installed(void)
{
	Oid			nsp = get_namespace_oid("fintech", true);

	return OidIsValid(nsp) && OidIsValid(get_relname_relid("events", nsp));
}

/* events on (fintech.events), and installed */
bool
ft_events_on(void)
{
	return ft_events_enabled && ft_events_installed();
}

/*
 * ft_event_emit: write one event in the caller's transaction (SPI
 * connected): its row and its logical decoding message.  Leaves
 * SPI_tuptable and SPI_processed as they were.
 */
void
ft_event_emit(const char *kind, Jsonb *payload)
{
	SPITupleTable *tuptable = SPI_tuptable;
	uint64		processed = SPI_processed;
	Datum		v[2];
	char	   *text;

	if (kind == NULL || !ft_events_on())
		return;
	v[0] = CStringGetTextDatum(kind);
	v[1] = JsonbPGetDatum(payload);
	if (ft_run_plan(&plans, P_INSERT, v, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not write event %s", kind);
	text = JsonbToCString(NULL, &payload->root, VARSIZE(payload));
	(void) LogLogicalMessage(EVENT_PREFIX, text, strlen(text), true);
	pfree(text);
	SPI_tuptable = tuptable;
	SPI_processed = processed;
}

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
add_legs(StringInfo s, const Leg *legs, int n, const char **currency)
{
	appendStringInfoString(s, ", \"legs\": [");
	for (int i = 0; i < n; i++)
	{
		const char *cur = legs[i].acct ? legs[i].acct->currency : NULL;

		CHECK_FOR_INTERRUPTS();
		appendStringInfo(s, "%s{\"account\": ", i ? ", " : "");
		escape_json(s, legs[i].code);
		appendStringInfo(s, ", \"amount\": " INT64_FORMAT, legs[i].amount);
		if (cur)
		{
			appendStringInfoString(s, ", \"currency\": ");
			escape_json(s, cur);
		}
		appendStringInfoChar(s, '}');
		/* the entry's currency: its legs' one currency, NULL when they differ */
		if (i == 0)
			*currency = cur;
		else if (*currency && (cur == NULL || strcmp(*currency, cur) != 0))
			*currency = NULL;
	}
	appendStringInfoChar(s, ']');
}

/*
 * ft_event_entry: the event of an entry just applied (write_entry):
 * entry.posted, entry.reversed, hold.created/posted/voided/expired.  The
 * payload: entry_id, type, its legs (account, amount, currency; a hold's
 * reserved legs, a void's or expiry's released ones), currency, and the
 * hold or entry it resolves or reverses.
 */
void
ft_event_entry(const EntrySpec *e)
{
	const char *kind = entry_kind(e);
	const char *currency = NULL;
	bool		releases = e->resolve_hold && e->nlegs == 0;
	StringInfoData s;

	if (kind == NULL || !ft_events_on())
		return;
	initStringInfo(&s);
	appendStringInfoString(&s, "{\"kind\": ");
	escape_json(&s, kind);
	appendStringInfo(&s, ", \"entry_id\": " INT64_FORMAT ", \"type\": ", e->entry_id);
	escape_json(&s, e->type);
	if (releases)
		add_legs(&s, e->release, e->nrelease, &currency);
	else
		add_legs(&s, e->legs, e->nlegs, &currency);
	appendStringInfoString(&s, ", \"currency\": ");
	if (currency)
		escape_json(&s, currency);
	else
		appendStringInfoString(&s, "null");
	if (e->resolve_hold)
		appendStringInfo(&s, ", \"hold_entry_id\": " INT64_FORMAT, e->resolve_hold);
	if (e->resolve_amount)
		appendStringInfo(&s, ", \"amount\": " INT64_FORMAT, e->resolve_amount);
	if (strcmp(kind, "entry.reversed") == 0 && e->related_id)
		appendStringInfo(&s, ", \"reversed_entry_id\": " INT64_FORMAT, e->related_id);
	appendStringInfoChar(&s, '}');
	ft_event_emit(kind, DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(s.data))));
	pfree(s.data);
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
	DefineCustomBoolVariable("fintech.events",
							 "Write events (fintech.events and the logical decoding messages).",
							 "Off writes none: only for measuring their cost (the benchmarks' baseline). "
							 "Consumers never see what happened while it was off.",
							 &ft_events_enabled,
							 true,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);
	fintech_define_job("prune_events", "fintech.prune_events_interval",
					   "How often the background worker deletes the events every consumer has acknowledged.",
					   60000, prune_events_job);
}
