/*-------------------------------------------------------------------------
 *
 * check_ledger.c
 *	  fintech.check_ledger(): the ledger's own consistency checks, each an
 *	  SQL statement over the ledger's tables that counts what it checked,
 *	  what is wrong, and names the first thing wrong.
 *
 * Locking: none beyond reading (AccessShareLock on the tables, a snapshot
 * per statement); it never waits for a row lock.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "funcapi.h"
#include "utils/builtins.h"

#include "check_ledger.h"
#include "ledger.h"
#include "spi_plan.h"
#include "statement.h"

#define SIGN_SQL "CASE WHEN a.kind IN ('asset', 'expense') THEN 1 ELSE -1 END"

typedef struct LedgerCheck
{
	const char *name;
	const char *what;			/* "N <what> checked" */
	/* returns (checked bigint, bad bigint, first_bad text) */
	const char *sql;
} LedgerCheck;

static const LedgerCheck ledger_checks[] = {
	{"values in range", "rows",
		"WITH bad AS (SELECT id, pg_catalog.format('account %s: kind %s, status %s, pending %s/%s, limits %s..%s',"
		"   id, kind, status, pending_out, pending_in, min_balance, max_balance) AS why FROM fintech.accounts"
		"  WHERE kind NOT IN ('asset', 'liability', 'equity', 'income', 'expense')"
		"     OR status NOT IN ('active', 'frozen', 'closed') OR pending_out < 0 OR pending_in < 0"
		"     OR min_balance > max_balance OR code = '' OR pg_catalog.octet_length(code) > 255"
		"  UNION ALL SELECT id, pg_catalog.format('entry %s: type %s', id, type) FROM fintech.entries"
		"  WHERE type NOT IN ('standard', 'pending', 'post_pending', 'void_pending', 'expire_pending', 'reversal')"
		"  UNION ALL SELECT entry_id, pg_catalog.format('posting %s/%s: amount 0', entry_id, leg) FROM fintech.postings WHERE amount = 0"
		"  UNION ALL SELECT entry_id, pg_catalog.format('pending leg %s/%s: amount 0', entry_id, leg) FROM fintech.pending_legs WHERE amount = 0)"
		" SELECT (SELECT pg_catalog.count(*) FROM fintech.accounts) + (SELECT pg_catalog.count(*) FROM fintech.entries)"
		"  + (SELECT pg_catalog.count(*) FROM fintech.postings) + (SELECT pg_catalog.count(*) FROM fintech.pending_legs),"
		"  (SELECT pg_catalog.count(*) FROM bad), (SELECT why FROM bad ORDER BY id LIMIT 1)"},
	{"entries balance", "entries",
		"WITH per AS (SELECT p.entry_id, a.currency, pg_catalog.sum(p.amount) AS s"
		"  FROM fintech.postings p JOIN fintech.accounts a ON a.id = p.account_id GROUP BY 1, 2),"
		" legs AS (SELECT e.id, e.type, (SELECT pg_catalog.count(*) FROM fintech.postings p WHERE p.entry_id = e.id) AS n"
		"  FROM fintech.entries e),"
		" bad AS (SELECT entry_id AS id, pg_catalog.format('entry %s does not balance in %s: debits - credits = %s', entry_id, currency, s) AS why"
		"  FROM per WHERE s <> 0"
		"  UNION ALL SELECT id, pg_catalog.format('entry %s (%s) has %s postings', id, type, n) FROM legs"
		"  WHERE (type IN ('standard', 'post_pending', 'reversal') AND n < 2)"
		"     OR (type IN ('pending', 'void_pending', 'expire_pending') AND n <> 0))"
		" SELECT (SELECT pg_catalog.count(*) FROM fintech.entries), (SELECT pg_catalog.count(*) FROM bad),"
		"  (SELECT why FROM bad ORDER BY id LIMIT 1)"},
	{"pending entries balance", "pending entries",
		"WITH per AS (SELECT l.entry_id, a.currency, pg_catalog.sum(l.amount) AS s, pg_catalog.count(*) AS n"
		"  FROM fintech.pending_legs l JOIN fintech.accounts a ON a.id = l.account_id GROUP BY 1, 2),"
		" bad AS (SELECT entry_id AS id, pg_catalog.format('pending entry %s does not balance in %s: debits - credits = %s', entry_id, currency, s) AS why"
		"  FROM per WHERE s <> 0"
		"  UNION ALL SELECT e.id, pg_catalog.format('pending entry %s has no hold', e.id) FROM fintech.entries e"
		"  WHERE e.type = 'pending' AND NOT EXISTS (SELECT FROM fintech.holds h WHERE h.entry_id = e.id))"
		" SELECT (SELECT pg_catalog.count(*) FROM fintech.holds), (SELECT pg_catalog.count(*) FROM bad),"
		"  (SELECT why FROM bad ORDER BY id LIMIT 1)"},
	{"postings reference entries and accounts", "postings",
		"WITH bad AS (SELECT p.entry_id AS id, pg_catalog.format('posting %s/%s: missing %s', p.entry_id, p.leg,"
		"   CASE WHEN e.id IS NULL THEN 'entry' ELSE 'account ' || p.account_id END) AS why"
		"  FROM fintech.postings p LEFT JOIN fintech.entries e ON e.id = p.entry_id"
		"  LEFT JOIN fintech.accounts a ON a.id = p.account_id WHERE e.id IS NULL OR a.id IS NULL"
		"  UNION ALL SELECT l.entry_id, pg_catalog.format('pending leg %s/%s: missing entry or account', l.entry_id, l.leg)"
		"  FROM fintech.pending_legs l WHERE NOT EXISTS (SELECT FROM fintech.entries e WHERE e.id = l.entry_id AND e.type = 'pending')"
		"   OR NOT EXISTS (SELECT FROM fintech.accounts a WHERE a.id = l.account_id))"
		" SELECT (SELECT pg_catalog.count(*) FROM fintech.postings), (SELECT pg_catalog.count(*) FROM bad),"
		"  (SELECT why FROM bad ORDER BY id LIMIT 1)"},
	{"balances equal postings", "accounts",
		"WITH s AS (SELECT account_id, pg_catalog.sum(amount) AS total, pg_catalog.count(*) AS n,"
		"   pg_catalog.max(seq) AS max_seq FROM fintech.postings WHERE seq IS NOT NULL GROUP BY 1),"
		" bad AS (SELECT a.id, pg_catalog.format('account %s: stored balance %s, postings sum to %s (%s postings, last_seq %s)',"
		"   a.code, a.balance, COALESCE(s.total, 0) * " SIGN_SQL ", COALESCE(s.n, 0), a.last_seq) AS why"
		"  FROM fintech.accounts a LEFT JOIN s ON s.account_id = a.id"
		"  WHERE a.balance <> COALESCE(s.total, 0) * " SIGN_SQL
		"     OR a.last_seq <> COALESCE(s.n, 0) OR a.last_seq <> COALESCE(s.max_seq, 0)"
		"     OR a.balance <> COALESCE((SELECT p.balance_after FROM fintech.postings p"
		"        WHERE p.account_id = a.id AND " FT_SEQ_BUCKET("p.") " = (a.last_seq >> "
		CppAsString2(FT_SEQ_BUCKET_BITS) ") AND p.seq = a.last_seq), 0))"
		" SELECT (SELECT pg_catalog.count(*) FROM fintech.accounts), (SELECT pg_catalog.count(*) FROM bad),"
		"  (SELECT why FROM bad ORDER BY id LIMIT 1)"},
	{"balance_after follows each posting", "postings",
		"WITH w AS (SELECT p.account_id, p.entry_id, p.leg, p.seq, p.balance_after, p.posted_at,"
		"   p.amount::pg_catalog.numeric * " SIGN_SQL " AS delta,"
		"   pg_catalog.lag(p.balance_after) OVER o AS prev, pg_catalog.lag(p.posted_at) OVER o AS prev_at,"
		"   pg_catalog.row_number() OVER o AS rn"
		"  FROM fintech.postings p JOIN fintech.accounts a ON a.id = p.account_id WHERE p.seq IS NOT NULL"
		"  WINDOW o AS (PARTITION BY p.account_id ORDER BY p.seq)),"
		" bad AS (SELECT entry_id AS id, pg_catalog.format('account %s, posting %s/%s (seq %s): balance_after %s, expected %s',"
		"   account_id, entry_id, leg, seq, balance_after, COALESCE(prev, 0)::pg_catalog.numeric + delta) AS why FROM w"
		"  WHERE seq <> rn OR balance_after IS DISTINCT FROM COALESCE(prev, 0)::pg_catalog.numeric + delta"
		"     OR posted_at IS NULL OR posted_at < prev_at)"
		" SELECT (SELECT pg_catalog.count(*) FROM fintech.postings WHERE seq IS NOT NULL),"
		"  (SELECT pg_catalog.count(*) FROM bad), (SELECT why FROM bad ORDER BY id LIMIT 1)"},
	{"holds equal reservations", "accounts",
		"WITH per AS (SELECT l.account_id, pg_catalog.sum(l.amount) * " SIGN_SQL " AS net"
		"  FROM fintech.holds h JOIN fintech.pending_legs l ON l.entry_id = h.entry_id"
		"  JOIN fintech.accounts a ON a.id = l.account_id WHERE h.status = 'open' GROUP BY h.entry_id, l.account_id, a.kind),"
		" r AS (SELECT account_id, COALESCE(pg_catalog.sum(-net) FILTER (WHERE net < 0), 0) AS out_,"
		"   COALESCE(pg_catalog.sum(net) FILTER (WHERE net > 0), 0) AS in_ FROM per GROUP BY 1),"
		" bad AS (SELECT a.id, pg_catalog.format('account %s: pending_out %s / pending_in %s, open holds %s / %s',"
		"   a.code, a.pending_out, a.pending_in, COALESCE(r.out_, 0), COALESCE(r.in_, 0)) AS why"
		"  FROM fintech.accounts a LEFT JOIN r ON r.account_id = a.id"
		"  WHERE a.pending_out <> COALESCE(r.out_, 0) OR a.pending_in <> COALESCE(r.in_, 0))"
		" SELECT (SELECT pg_catalog.count(*) FROM fintech.accounts), (SELECT pg_catalog.count(*) FROM bad),"
		"  (SELECT why FROM bad ORDER BY id LIMIT 1)"},
	{"hold states", "holds",
		"WITH bad AS (SELECT h.entry_id AS id, pg_catalog.format('hold %s is %s but its entry %s is %s',"
		"   h.entry_id, h.status, h.resolved_entry_id, COALESCE(e.type || ' of ' || e.related_id, 'missing')) AS why"
		"  FROM fintech.holds h LEFT JOIN fintech.entries e ON e.id = h.resolved_entry_id"
		"  WHERE (h.status = 'open') <> (h.resolved_entry_id IS NULL)"
		"     OR (h.status <> 'open' AND (e.id IS NULL OR e.related_id <> h.entry_id"
		"         OR e.type <> CASE h.status WHEN 'posted' THEN 'post_pending' WHEN 'voided' THEN 'void_pending'"
		"                                    ELSE 'expire_pending' END))"
		"  UNION ALL SELECT e.id, pg_catalog.format('entry %s (%s) resolves hold %s, which does not name it', e.id, e.type, e.related_id)"
		"  FROM fintech.entries e WHERE e.type IN ('post_pending', 'void_pending', 'expire_pending')"
		"   AND NOT EXISTS (SELECT FROM fintech.holds h WHERE h.entry_id = e.related_id AND h.resolved_entry_id = e.id))"
		" SELECT (SELECT pg_catalog.count(*) FROM fintech.holds), (SELECT pg_catalog.count(*) FROM bad),"
		"  (SELECT why FROM bad ORDER BY id LIMIT 1)"},
	{"limits respected", "accounts",
		"WITH x AS (SELECT a.id, a.code, a.min_balance, a.max_balance, a.balance"
		"   + COALESCE((SELECT pg_catalog.sum(p.amount) FROM fintech.postings p WHERE p.account_id = a.id AND p.seq IS NULL), 0)"
		"     * " SIGN_SQL " AS bal,"
		"   a.pending_out, a.pending_in FROM fintech.accounts a),"
		" bad AS (SELECT id, pg_catalog.format('account %s: balance %s, held out %s, in %s, limits [%s, %s]',"
		"   code, bal, pending_out, pending_in, COALESCE(min_balance::text, '-'), COALESCE(max_balance::text, '-')) AS why"
		"  FROM x WHERE bal - pending_out < min_balance OR bal + pending_in > max_balance)"
		" SELECT (SELECT pg_catalog.count(*) FROM fintech.accounts), (SELECT pg_catalog.count(*) FROM bad),"
		"  (SELECT why FROM bad ORDER BY id LIMIT 1)"},
};

PG_FUNCTION_INFO_V1(fintech_check_ledger);
/* fintech.check_ledger() RETURNS TABLE(check_name, ok, detail) */
Datum
fintech_check_ledger(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	ft_check_seq_bucket();
	/* the checks read with pg_catalog first; the tables are qualified */
	for (int i = 0; i < lengthof(ledger_checks); i++)
	{
		const LedgerCheck *c = &ledger_checks[i];
		Datum		v[3];
		bool		n[3] = {false, false, false};
		int64		checked;
		int64		bad;
		char	   *why;

		ft_run_select(c->sql, 0, NULL, NULL);
		if (SPI_processed != 1)
			elog(ERROR, "check \"%s\" returned " UINT64_FORMAT " rows", c->name, SPI_processed);
		checked = get_int8(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, NULL);
		bad = get_int8(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, NULL);
		why = get_text(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
		v[0] = CStringGetTextDatum(c->name);
		v[1] = BoolGetDatum(bad == 0);
		if (bad == 0)
			v[2] = CStringGetTextDatum(psprintf(INT64_FORMAT " %s checked", checked, c->what));
		else
			v[2] = CStringGetTextDatum(psprintf(INT64_FORMAT " of " INT64_FORMAT " %s wrong; first: %s",
												bad, checked, c->what, why ? why : "?"));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
	}
	SPI_finish();
	return (Datum) 0;
}
