/*-------------------------------------------------------------------------
 *
 * ledger.c
 *	  The double-entry ledger: accounts, balanced N-leg entries, limits,
 *	  holds (pending entries), reversals, balances and the ledger's own
 *	  consistency check, plus the two background jobs that keep it tidy
 *	  (expiring holds, folding deferred postings).
 *
 * Model.  A posting's amount is signed the accounting way (debit > 0,
 * credit < 0), so the postings of an entry sum to zero per currency.  An
 * account's balance is kept in its normal direction (debit-normal: asset,
 * expense; credit-normal: liability, equity, income).  accounts.balance is
 * the posted balance, pending_out/pending_in the amounts that open holds
 * take out of / bring into the account.
 *
 * The posting engine (Ledger) applies one or many entries in a single
 * call: it locks every account involved up front, in one statement, in
 * byte order of their codes (so entries touching the same accounts in any
 * order cannot deadlock), checks each entry against the locked state in
 * memory, and writes everything at the end with a handful of bulk
 * statements (saved plans; nothing is re-planned per call).
 *
 * Deferred postings.  A leg that moves an account in a direction it has no
 * limit on (a credit to a wallet without max_balance, to a fee account...)
 * cannot be refused for funds.  When such an account is locked by another
 * transaction, and the fold job is running, the leg does not wait for that
 * row lock: it takes a FOR KEY SHARE lock (which only conflicts with
 * freeze/unfreeze/close) and writes its posting with seq, balance_after and
 * posted_at still NULL.  Whoever holds the account's row lock next folds
 * such postings into the account (the fold job, or a posting whose limit
 * check needs them), giving them their place in the account's history.
 * balance() and available_balance() count them at once.
 *
 * Lock order: a hold before its accounts, accounts in code order, and
 * accounts last of all, after parties, alerts and payments (the global
 * order in payments.c and parties.c); the jobs here lock holds and
 * accounts only, with SKIP LOCKED and lock_timeout.
 *
 * Bounds.  Every sum of money is formed in 128 bits and an entry is
 * refused unless each account's balance (after every leg), held amounts,
 * available balance (posted - held out) and posted + held in stay within
 * bigint: LD002 where a limit refuses, else 22003 (apply_entry).  Checking
 * an entry is O(n log n) in its legs, a batch in its items, and every loop
 * over them calls CHECK_FOR_INTERRUPTS.  Account codes are looked up and
 * stored in NFC, without control or format characters
 * (fintech_account_code).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "commands/trigger.h"
#include "common/unicode_norm.h"
#include "mb/pg_wchar.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "port/pg_bitutils.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/guc.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "fintech.h"
#include "spi_plan.h"
#include "jobs.h"

#define CODE_MAXLEN			255
/* longer input cannot compose (NFC, at most 3 bytes into 1) to CODE_MAXLEN */
#define CODE_RAW_MAXLEN		(4 * CODE_MAXLEN)

/*
 * Money arithmetic is done in 128 bits wherever a sum of bigints is
 * formed, so a check can never overflow itself; results are then required
 * to fit in bigint (see apply_entry).
 */
#ifndef HAVE_INT128
#error "fintech needs a compiler with a 128-bit integer type"
#endif

/*
 * Deferral (see the file header) skips the limit check and the balance,
 * so it is only used far from the bigint edges: a deferred change of at
 * most DEFER_MAX_NET on an account whose balance is within
 * +-DEFER_MAX_BALANCE.  Folding such postings could overflow only after
 * 2^22 maximal deferred postings pile up unfolded; the fold itself is
 * checked (22003) even then.
 */
#define DEFER_MAX_NET		(INT64CONST(1) << 40)
#define DEFER_MAX_BALANCE	(INT64CONST(1) << 62)
#define EXPIRE_BATCH		200
#define FOLD_BATCH			32
/* from this many accounts on, lock them with P_LOCK_MANY */
#define LOCK_MANY_MIN		32
#define DEFER_CACHE_KEYLEN	64
#define DEFER_CACHE_MAX		65536
/* an account is tried for deferral once used by this many of the last 64 calls */
#define DEFER_MIN_USES		3

/* ------------------------------------------------------------------------
 * State of one call
 * ------------------------------------------------------------------------
 */

typedef enum AcctLock
{
	ACCT_UNLOCKED = 0,
	ACCT_SHARED,				/* FOR KEY SHARE: deferred postings only */
	ACCT_LOCKED					/* FOR NO KEY UPDATE (or FOR UPDATE) */
} AcctLock;

typedef struct Acct
{
	char	   *code;
	bool		found;
	int64		id;
	char	   *currency;
	char	   *kind;
	int			sign;			/* +1 debit-normal, -1 credit-normal */
	bool		has_min;
	bool		has_max;
	int64		min_balance;
	int64		max_balance;
	char	   *status;
	bool		blocked;		/* its party is blocked by sanctions screening */
	int64		balance;
	int64		pending_out;
	int64		pending_in;
	int64		last_seq;
	AcctLock	lock;
	bool		try_defer;		/* asked for SKIP LOCKED, then KEY SHARE */
	bool		dirty;			/* balance/pending/last_seq to write back */
	bool		folded;			/* deferred postings folded in this call */
	bool		expired_known;
	int64		expired_out;	/* part of pending_out/in held by holds */
	int64		expired_in;		/* past their deadline, not yet released */
	int128		defer_net;		/* a single entry's net change (deferral) */
	uint64		eff_gen;		/* Ledger.gen of the entry that owns eff_idx */
	int			eff_idx;		/* this account's Effect in that entry */
} Acct;

typedef struct Leg
{
	char	   *code;
	int64		amount;			/* debit > 0, credit < 0 */
	Acct	   *acct;
} Leg;

typedef struct EntrySpec
{
	const char *type;
	int64		related_id;		/* 0: none */
	text	   *description;	/* NULL: none */
	Jsonb	   *metadata;
	int			nlegs;			/* legs to post, or to reserve when pending */
	Leg		   *legs;
	Interval   *pending_for;	/* not NULL: a pending entry (hold) */
	bool		hold_forever;	/* a pending entry that never expires (held payment) */
	int			nrelease;		/* legs of the hold this entry releases */
	Leg		   *release;
	bool		one_currency;	/* transfer: accounts must share a currency */
	int64		resolve_hold;	/* hold entry whose state this entry changes */
	const char *resolve_status;
	int64		resolve_amount;
	/* results */
	int64		entry_id;
	int			sqlstate;		/* refusal (record mode), 0 if posted */
	char	   *message;		/* its message, with Ledger.keep_messages */
	const char *detail;
} EntrySpec;

/* rows collected for one bulk statement: ncols parallel columns */
typedef struct RowBuf
{
	int			ncols;
	const Oid  *types;
	int			nrows;
	int			cap;
	Datum	  **vals;
	bool	  **nulls;
} RowBuf;

typedef struct Ledger
{
	bool		raise;			/* refusals raise; otherwise recorded */
	bool		keep_messages;	/* recorded refusals keep their message */
	bool		allow_defer;
	int			naccts;
	Acct	   *accts;			/* sorted by code (strcmp) */
	TimestampTz stamp;			/* taken after every account was locked */
	Oid			entries_seq;
	RowBuf		entries;
	RowBuf		postings;
	RowBuf		pending_legs;
	RowBuf		holds;
	RowBuf		hold_updates;
	uint64		gen;			/* entries checked so far (Acct.eff_gen) */
} Ledger;

/*
 * Per-account effect of one entry, exact (128 bits: an entry has at most
 * 2^31 legs of at most 2^63 each, so nothing here can overflow).
 */
typedef struct Effect
{
	Acct	   *acct;
	bool		posts;			/* has posting legs */
	bool		releases;		/* has legs of a released hold */
	int			state;			/* limit_state() when it refused the entry */
	int128		net;			/* posted change, normal direction */
	int128		run_min;		/* lowest and highest partial sum of the */
	int128		run_max;		/* posted legs in leg order (0 included) */
	int128		res_out;
	int128		res_in;
	int128		rel_net;
	int128		rel_out;
	int128		rel_in;
} Effect;

/* code -> immutable account attributes, to decide on deferral before locking */
typedef struct DeferCacheEntry
{
	char		code[DEFER_CACHE_KEYLEN];
	uint64		recent;			/* bit i: used by the call i calls ago */
	uint64		last_call;		/* ledger_calls at the last use */
	int64		id;
	int			sign;
	bool		has_min;
	bool		has_max;
} DeferCacheEntry;

static HTAB *defer_cache = NULL;

/* posting calls in this backend, the clock of DeferCacheEntry.recent */
static uint64 ledger_calls = 0;

static const Oid entries_types[] = {INT8OID, TEXTOID, INT8OID, TEXTOID, JSONBOID, TIMESTAMPTZOID};
static const Oid postings_types[] = {INT8OID, INT4OID, INT8OID, INT8OID, INT8OID, INT8OID, TIMESTAMPTZOID};
static const Oid pending_legs_types[] = {INT8OID, INT4OID, INT8OID, INT8OID};
static const Oid holds_types[] = {INT8OID, TIMESTAMPTZOID, INT8OID};
static const Oid hold_updates_types[] = {INT8OID, TEXTOID, INT8OID, INT8OID, TIMESTAMPTZOID};
static const Oid account_update_types[] = {INT8OID, INT8OID, INT8OID, INT8OID, INT8OID};

/* ------------------------------------------------------------------------
 * Saved plans
 * ------------------------------------------------------------------------
 */

#define ACCT_COLS "id, code, currency, kind, status, min_balance, max_balance, " \
	"balance, pending_out, pending_in, last_seq, blocked"

enum
{
	P_LOCK,
	P_LOCK_MANY,
	P_LOCK_SKIP,
	P_LOCK_SHARE,
	P_LOCK_ONE,
	P_INS_ENTRIES,
	P_INS_ENTRY1,
	P_INS_POSTINGS2,
	P_INS_POSTINGS,
	P_INS_PENDING_LEGS,
	P_INS_HOLDS,
	P_UPD_HOLDS,
	P_UPD_ACCOUNTS,
	P_UPD_ACCOUNTS_MANY,
	P_UNFOLDED,
	P_FOLD_ONE,
	P_EXPIRED,
	P_UNFOLDED_SUM,
	P_BALANCE_AT,
	NPLANS
};

static const FintechPlanDef plan_defs[NPLANS] = {
	[P_LOCK] = {"SELECT " ACCT_COLS " FROM fintech.accounts WHERE code OPERATOR(pg_catalog.=) ANY ($1)"
		" ORDER BY code COLLATE \"C\" FOR NO KEY UPDATE", 1, {TEXTARRAYOID}},

	/*
	 * P_LOCK for many codes (LOCK_MANY_MIN): a join with the unnested codes.
	 * "code = ANY ($1)" became, with a custom plan for a large array, a seq
	 * scan testing every row against the whole array (quadratic); this is
	 * one index probe per code.
	 */
	[P_LOCK_MANY] = {"SELECT " ACCT_COLS " FROM fintech.accounts"
		" WHERE code OPERATOR(pg_catalog.=) ANY (SELECT pg_catalog.unnest($1::pg_catalog.text[]))"
		" ORDER BY code COLLATE \"C\" FOR NO KEY UPDATE OF accounts", 1, {TEXTARRAYOID}},
	[P_LOCK_SKIP] = {"SELECT " ACCT_COLS " FROM fintech.accounts WHERE code OPERATOR(pg_catalog.=) ANY ($1)"
		" ORDER BY code COLLATE \"C\" FOR NO KEY UPDATE SKIP LOCKED", 1, {TEXTARRAYOID}},
	[P_LOCK_SHARE] = {"SELECT " ACCT_COLS " FROM fintech.accounts WHERE code OPERATOR(pg_catalog.=) ANY ($1)"
		" ORDER BY code COLLATE \"C\" FOR KEY SHARE", 1, {TEXTARRAYOID}},
	[P_LOCK_ONE] = {"SELECT " ACCT_COLS " FROM fintech.accounts WHERE code OPERATOR(pg_catalog.=) $1"
		" FOR UPDATE", 1, {TEXTOID}},
	[P_INS_ENTRIES] = {"INSERT INTO fintech.entries (id, type, related_id, description, metadata, created_at)"
		" SELECT * FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.int8[]), pg_catalog.unnest($2::pg_catalog.text[]), pg_catalog.unnest($3::pg_catalog.int8[]), pg_catalog.unnest($4::pg_catalog.text[]), pg_catalog.unnest($5::pg_catalog.jsonb[]), pg_catalog.unnest($6::pg_catalog.timestamptz[]))",
	6, {INT8ARRAYOID, TEXTARRAYOID, INT8ARRAYOID, TEXTARRAYOID, JSONBARRAYOID, TIMESTAMPTZARRAYOID}},
	[P_INS_ENTRY1] = {"INSERT INTO fintech.entries (id, type, related_id, description, metadata, created_at)"
		" VALUES ($1, $2, $3, $4, $5, $6)", 6, {INT8OID, TEXTOID, INT8OID, TEXTOID, JSONBOID, TIMESTAMPTZOID}},
	[P_INS_POSTINGS2] = {"INSERT INTO fintech.postings (entry_id, leg, account_id, amount, seq, balance_after, posted_at)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7), ($8, $9, $10, $11, $12, $13, $14)", 14,
	{INT8OID, INT4OID, INT8OID, INT8OID, INT8OID, INT8OID, TIMESTAMPTZOID,
	INT8OID, INT4OID, INT8OID, INT8OID, INT8OID, INT8OID, TIMESTAMPTZOID}},
	[P_INS_POSTINGS] = {"INSERT INTO fintech.postings (entry_id, leg, account_id, amount, seq, balance_after, posted_at)"
		" SELECT * FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.int8[]), pg_catalog.unnest($2::pg_catalog.int4[]), pg_catalog.unnest($3::pg_catalog.int8[]), pg_catalog.unnest($4::pg_catalog.int8[]), pg_catalog.unnest($5::pg_catalog.int8[]), pg_catalog.unnest($6::pg_catalog.int8[]), pg_catalog.unnest($7::pg_catalog.timestamptz[]))",
	7, {INT8ARRAYOID, INT4ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, TIMESTAMPTZARRAYOID}},
	[P_INS_PENDING_LEGS] = {"INSERT INTO fintech.pending_legs (entry_id, leg, account_id, amount)"
		" SELECT * FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.int8[]), pg_catalog.unnest($2::pg_catalog.int4[]), pg_catalog.unnest($3::pg_catalog.int8[]), pg_catalog.unnest($4::pg_catalog.int8[]))", 4, {INT8ARRAYOID, INT4ARRAYOID, INT8ARRAYOID, INT8ARRAYOID}},
	[P_INS_HOLDS] = {"INSERT INTO fintech.holds (entry_id, expires_at, amount)"
		" SELECT * FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.int8[]), pg_catalog.unnest($2::pg_catalog.timestamptz[]), pg_catalog.unnest($3::pg_catalog.int8[]))",
	3, {INT8ARRAYOID, TIMESTAMPTZARRAYOID, INT8ARRAYOID}},
	[P_UPD_HOLDS] = {"UPDATE fintech.holds h SET status = u.status, resolved_entry_id = u.entry,"
		" resolved_amount = u.amount, resolved_at = u.at"
		" FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.int8[]), pg_catalog.unnest($2::pg_catalog.text[]), pg_catalog.unnest($3::pg_catalog.int8[]), pg_catalog.unnest($4::pg_catalog.int8[]), pg_catalog.unnest($5::pg_catalog.timestamptz[])) AS u(hold, status, entry, amount, at)"
		" WHERE h.entry_id OPERATOR(pg_catalog.=) u.hold",
	5, {INT8ARRAYOID, TEXTARRAYOID, INT8ARRAYOID, INT8ARRAYOID, TIMESTAMPTZARRAYOID}},
	[P_UPD_ACCOUNTS] = {"UPDATE fintech.accounts SET balance = $2, pending_out = $3, pending_in = $4, last_seq = $5"
		" WHERE id OPERATOR(pg_catalog.=) $1", 5, {INT8OID, INT8OID, INT8OID, INT8OID, INT8OID}},
	[P_UPD_ACCOUNTS_MANY] = {"UPDATE fintech.accounts a SET balance = u.balance, pending_out = u.pending_out,"
		" pending_in = u.pending_in, last_seq = u.last_seq"
		" FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.int8[]), pg_catalog.unnest($2::pg_catalog.int8[]),"
		" pg_catalog.unnest($3::pg_catalog.int8[]), pg_catalog.unnest($4::pg_catalog.int8[]),"
		" pg_catalog.unnest($5::pg_catalog.int8[])) AS u(id, balance, pending_out, pending_in, last_seq)"
		" WHERE a.id OPERATOR(pg_catalog.=) u.id",
	5, {INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID}},
	[P_UNFOLDED] = {"SELECT entry_id, leg, amount FROM fintech.postings"
		" WHERE account_id OPERATOR(pg_catalog.=) $1 AND seq IS NULL ORDER BY entry_id, leg", 1, {INT8OID}},
	[P_FOLD_ONE] = {"UPDATE fintech.postings SET seq = $3, balance_after = $4, posted_at = $5"
		" WHERE entry_id OPERATOR(pg_catalog.=) $1 AND leg OPERATOR(pg_catalog.=) $2 AND seq IS NULL",
	5, {INT8OID, INT4OID, INT8OID, INT8OID, TIMESTAMPTZOID}},
	/* per expired-but-open hold on the account: its net effect there (debit > 0) */
	[P_EXPIRED] = {"SELECT pg_catalog.sum(l.amount)::pg_catalog.int8 FROM fintech.holds h"
		" JOIN fintech.pending_legs l ON l.entry_id OPERATOR(pg_catalog.=) h.entry_id"
		" WHERE h.status OPERATOR(pg_catalog.=) 'open' AND h.expires_at OPERATOR(pg_catalog.<=) $2"
		" AND l.account_id OPERATOR(pg_catalog.=) $1 GROUP BY h.entry_id",
	2, {INT8OID, TIMESTAMPTZOID}},
	[P_UNFOLDED_SUM] = {"SELECT a.id, a.kind, a.balance, a.pending_out, a.pending_in,"
		" (SELECT pg_catalog.sum(p.amount) FROM fintech.postings p"
		"   WHERE p.account_id OPERATOR(pg_catalog.=) a.id AND p.seq IS NULL)::pg_catalog.int8"
		" FROM fintech.accounts a WHERE a.code OPERATOR(pg_catalog.=) $1", 1, {TEXTOID}},
	[P_BALANCE_AT] = {"SELECT a.id, (SELECT p.balance_after FROM fintech.postings p"
		"   WHERE p.account_id OPERATOR(pg_catalog.=) a.id AND p.posted_at OPERATOR(pg_catalog.<=) $2"
		"   ORDER BY p.posted_at DESC, p.seq DESC LIMIT 1)"
		" FROM fintech.accounts a WHERE a.code OPERATOR(pg_catalog.=) $1", 2, {TEXTOID, TIMESTAMPTZOID}},
};

FT_DEFINE_PLANS(plans, plan_defs);

static void spec_init(EntrySpec *e, const char *type);
static char *format_ts(TimestampTz ts);

/* ------------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------------
 */

#define LD001 ERRCODE_LD001
#define LD002 ERRCODE_LD002
#define LD003 ERRCODE_LD003
#define LD004 ERRCODE_LD004
#define LD007 ERRCODE_LD007
#define LD008 ERRCODE_LD008
#define LD006 ERRCODE_LD006
#define LD009 ERRCODE_LD009

static void
overflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("amount out of range for bigint")));
}

/* a + b and a * b, recording an overflow in *ovf instead of raising it */
static inline int64
addo(bool *ovf, int64 a, int64 b)
{
	int64		r;

	if (pg_add_s64_overflow(a, b, &r))
	{
		*ovf = true;
		return 0;
	}
	return r;
}

static inline int64
mulo(bool *ovf, int64 a, int64 b)
{
	int64		r;

	if (pg_mul_s64_overflow(a, b, &r))
	{
		*ovf = true;
		return 0;
	}
	return r;
}

/* the same, raising 22003 */
static inline int64
add64(int64 a, int64 b)
{
	bool		ovf = false;
	int64		r = addo(&ovf, a, b);

	if (ovf)
		overflow();
	return r;
}

static inline int64
mul64(int64 a, int64 b)
{
	bool		ovf = false;
	int64		r = mulo(&ovf, a, b);

	if (ovf)
		overflow();
	return r;
}

/* a 128-bit integer in decimal, for messages */
static char *
i128_str(int128 v)
{
	char		buf[48];
	char	   *p = buf + sizeof(buf) - 1;
	uint128		u = v < 0 ? -(uint128) v : (uint128) v;

	*p = '\0';
	do
	{
		*--p = '0' + (int) (u % 10);
		u /= 10;
	} while (u > 0);
	if (v < 0)
		*--p = '-';
	return pstrdup(p);
}

static char *
arg_text(FunctionCallInfo fcinfo, int n, const char *what)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be NULL", what)));
	return text_to_cstring(PG_GETARG_TEXT_PP(n));
}

/* ------------------------------------------------------------------------
 * Account codes
 *
 * A code is stored, and looked up, in Unicode NFC, so U&'caf\00E9' and
 * U&'cafe\0301' name the same account whichever form the application
 * sends; control and format characters (general categories Cc and Cf:
 * invisible, or reordering what is shown, like U+202E RIGHT-TO-LEFT
 * OVERRIDE) are refused.  Codes stored before 0.4.0 are not rewritten.
 * Cost: an all-ASCII printable code is only scanned once; anything else is
 * decoded, checked and (only when the quick check says it may not be NFC)
 * normalised, in time linear in its length, which is capped before any of
 * that (CODE_RAW_MAXLEN).
 * ------------------------------------------------------------------------
 */

/*
 * Unicode general categories Cc and Cf, from Unicode 15.0.0
 * (https://www.unicode.org/Public/15.0.0/ucd/extracted/DerivedGeneralCategory.txt,
 * gc=Cc: 65 code points, gc=Cf: 170).  Checked against Python's
 * unicodedata 14.0.0, which lists the same ranges except U+13439..1343F,
 * the Egyptian hieroglyph format controls added in 15.0.  Sorted.
 */
static const struct CodeRange
{
	pg_wchar	lo;
	pg_wchar	hi;
}			code_forbidden[] = {
	{0x0000, 0x001F},			/* Cc: C0 controls */
	{0x007F, 0x009F},			/* Cc: DELETE, C1 controls */
	{0x00AD, 0x00AD},			/* Cf: SOFT HYPHEN */
	{0x0600, 0x0605},			/* Cf: Arabic number signs */
	{0x061C, 0x061C},			/* Cf: ARABIC LETTER MARK */
	{0x06DD, 0x06DD},			/* Cf: ARABIC END OF AYAH */
	{0x070F, 0x070F},			/* Cf: SYRIAC ABBREVIATION MARK */
	{0x0890, 0x0891},			/* Cf: Arabic pound/piastre mark above */
	{0x08E2, 0x08E2},			/* Cf: ARABIC DISPUTED END OF AYAH */
	{0x180E, 0x180E},			/* Cf: MONGOLIAN VOWEL SEPARATOR */
	{0x200B, 0x200F},			/* Cf: zero width space/joiners, LRM, RLM */
	{0x202A, 0x202E},			/* Cf: bidi embeddings and overrides */
	{0x2060, 0x2064},			/* Cf: WORD JOINER, invisible operators */
	{0x2066, 0x206F},			/* Cf: bidi isolates, deprecated format */
	{0xFEFF, 0xFEFF},			/* Cf: ZERO WIDTH NO-BREAK SPACE (BOM) */
	{0xFFF9, 0xFFFB},			/* Cf: interlinear annotation */
	{0x110BD, 0x110BD},			/* Cf: KAITHI NUMBER SIGN */
	{0x110CD, 0x110CD},			/* Cf: KAITHI NUMBER SIGN ABOVE */
	{0x13430, 0x1343F},			/* Cf: Egyptian hieroglyph format controls */
	{0x1BCA0, 0x1BCA3},			/* Cf: shorthand format controls */
	{0x1D173, 0x1D17A},			/* Cf: musical symbol beams, ties, phrases */
	{0xE0001, 0xE0001},			/* Cf: LANGUAGE TAG */
	{0xE0020, 0xE007F},			/* Cf: tag characters */
};

static bool
code_char_forbidden(pg_wchar c)
{
	int			lo = 0,
				hi = lengthof(code_forbidden) - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (c < code_forbidden[mid].lo)
			hi = mid - 1;
		else if (c > code_forbidden[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/*
 * Check and normalise an account code: NULL and *out set to the form to
 * store and look up (the input itself when it is already NFC), or the
 * problem (every one is 22023; *charclass tells a character problem).
 */
static char *
code_problem(const char *code, const char *what, char **out, bool *charclass)
{
	size_t		len = strlen(code);
	const unsigned char *p;
	bool		plain = true;
	pg_wchar   *wide;
	int			n = 0;

	*out = (char *) code;
	*charclass = false;
	if (len == 0)
		return psprintf("%s must not be empty", what);
	if (len > CODE_RAW_MAXLEN)
		return psprintf("%s is %zu bytes long, the limit is %d", what, len, CODE_MAXLEN);
	for (p = (const unsigned char *) code; *p; p++)
		if (*p < 0x20 || *p >= 0x7F)
		{
			plain = false;
			break;
		}
	if (!plain && GetDatabaseEncoding() != PG_UTF8)
	{
		/* not Unicode: only the ASCII controls are known to be controls */
		for (p = (const unsigned char *) code; *p; p++)
			if (*p < 0x20 || *p == 0x7F)
			{
				*charclass = true;
				return psprintf("%s contains the control character U+%04X at byte %d",
								what, *p, (int) (p - (const unsigned char *) code) + 1);
			}
		plain = true;
	}
	if (plain)
		return len > CODE_MAXLEN
			? psprintf("%s is %zu bytes long, the limit is %d", what, len, CODE_MAXLEN)
			: NULL;

	/* UTF-8 (already validated as text) to code points */
	wide = palloc(sizeof(pg_wchar) * (len + 1));
	for (p = (const unsigned char *) code; *p; p += pg_utf_mblen(p))
		wide[n++] = utf8_to_unicode(p);
	wide[n] = 0;
	for (int i = 0; i < n; i++)
		if (code_char_forbidden(wide[i]))
		{
			*charclass = true;
			return psprintf("%s contains the %s character U+%04X at character %d", what,
							wide[i] <= 0x9F ? "control" : "format", wide[i], i + 1);
		}
	if (unicode_is_normalized_quickcheck(UNICODE_NFC, wide) != UNICODE_NORM_QC_YES)
	{
		pg_wchar   *nfc = unicode_normalize(UNICODE_NFC, wide);
		int			m = 0;
		unsigned char *buf,
				   *q;

		while (nfc[m])
			m++;
		buf = q = palloc(4 * m + 1);
		for (int i = 0; i < m; i++)
		{
			unicode_to_utf8(nfc[i], q);
			q += pg_utf_mblen(q);
		}
		*q = '\0';
		*out = (char *) buf;
		len = q - buf;
		pfree(nfc);
	}
	pfree(wide);
	if (len > CODE_MAXLEN)
		return psprintf("%s is %zu bytes long, the limit is %d", what, len, CODE_MAXLEN);
	return NULL;
}

/* the fast path: a valid code of printable ASCII only, stored as it is */
static inline bool
code_plain(const char *code)
{
	const unsigned char *p = (const unsigned char *) code;

	for (; *p; p++)
		if (*p < 0x20 || *p >= 0x7F)
			return false;
	return p != (const unsigned char *) code && p - (const unsigned char *) code <= CODE_MAXLEN;
}

/*
 * fintech_account_code: an account code as the ledger stores and looks it
 * up (NFC); 22023 when it is empty, too long (CODE_MAXLEN bytes in NFC) or
 * holds a control or format character.  Every lookup by code goes through
 * here (payments.c too), so either Unicode form of a code finds the account.
 */
char *
fintech_account_code(const char *code, const char *what)
{
	char	   *out;
	bool		charclass;
	char	   *problem;

	if (code_plain(code))
		return (char *) code;
	problem = code_problem(code, what, &out, &charclass);
	if (problem)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg_internal("%s", problem),
				 charclass ? errhint("Account codes may not contain control or format characters (Unicode categories Cc and Cf).") : 0));
	return out;
}

static char *
arg_code(FunctionCallInfo fcinfo, int n, const char *what)
{
	return fintech_account_code(arg_text(fcinfo, n, what), what);
}

static int64
arg_amount(FunctionCallInfo fcinfo, int n, const char *what)
{
	int64		amount;

	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be NULL", what)));
	amount = PG_GETARG_INT64(n);
	if (amount <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be positive, not " INT64_FORMAT, what, amount)));
	return amount;
}

static Jsonb *
arg_metadata(FunctionCallInfo fcinfo, int n)
{
	Jsonb	   *j;

	if (PG_ARGISNULL(n))
		return fintech_empty_object();
	j = PG_GETARG_JSONB_P(n);
	if (!JB_ROOT_IS_OBJECT(j))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("metadata must be a JSON object")));
	return j;
}

static Interval *
arg_pending_for(FunctionCallInfo fcinfo, int n)
{
	Interval   *iv;
	Interval	zero;
	TimestampTz now,
				deadline;
	int128		up = 0,
				down = 0;

	if (PG_ARGISNULL(n))
		return NULL;
	iv = PG_GETARG_INTERVAL_P(n);
	memset(&zero, 0, sizeof(zero));
	if (DatumGetInt32(DirectFunctionCall2(interval_cmp, IntervalPGetDatum(iv),
										  IntervalPGetDatum(&zero))) <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pending_for must be a positive interval")));

	/*
	 * The deadline is the time of posting + pending_for, computed by
	 * timestamptz_pl_interval (months, then days, then time).  Bound every
	 * step of that in 128 bits first (a month is at most 31 days, a day at
	 * most 25 hours across a DST change), with a year to spare for the wait
	 * between now and the posting, so that computing it cannot fail; then
	 * it must lie after now (a month minus days can be shorter than it looks).
	 */
	now = GetCurrentTimestamp();
	{
		int128		parts[3] = {(int128) iv->month * 31 * USECS_PER_DAY,
		(int128) iv->day * 25 * USECS_PER_HOUR, iv->time};

		for (int i = 0; i < 3; i++)
		{
			if (parts[i] > 0)
				up += parts[i];
			else
				down += parts[i];
		}
	}
	if ((int128) now + up + 366 * USECS_PER_DAY >= END_TIMESTAMP || (int128) now + down < MIN_TIMESTAMP)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pending_for %s gives no representable deadline",
						DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(iv)))),
				 errdetail("The deadline (the time of posting plus pending_for) must be a timestamp"
						   " before the year 294276.")));
	deadline = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
													   TimestampTzGetDatum(now),
													   IntervalPGetDatum(iv)));
	if (deadline <= now)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pending_for %s gives a deadline that is not in the future",
						DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(iv)))),
				 errdetail("Now plus pending_for is %s.", format_ts(deadline))));
	return iv;
}

static int64
arg_id(FunctionCallInfo fcinfo, int n, const char *what)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be NULL", what)));
	return PG_GETARG_INT64(n);
}

/* an array argument: not NULL, at most one dimension (22023 otherwise) */
static ArrayType *
arg_array(FunctionCallInfo fcinfo, int n, const char *what)
{
	ArrayType  *arr;

	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be NULL", what)));
	arr = PG_GETARG_ARRAYTYPE_P(n);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array, not %d-dimensional", what, ARR_NDIM(arr)),
				 errhint("Pass a flat array: ARRAY[a, b, c], not ARRAY[[a, b], [c, d]].")));
	return arr;
}

static int
kind_sign(const char *kind)
{
	return (strcmp(kind, "asset") == 0 || strcmp(kind, "expense") == 0) ? 1 : -1;
}

static int64
get_int8(HeapTuple tup, TupleDesc desc, int col, bool *isnull)
{
	bool		n;
	Datum		d = SPI_getbinval(tup, desc, col, &n);

	if (isnull)
		*isnull = n;
	else if (n)
		elog(ERROR, "unexpected NULL in column %d", col);
	return n ? 0 : DatumGetInt64(d);
}

static char *
get_text(HeapTuple tup, TupleDesc desc, int col)
{
	bool		n;
	Datum		d = SPI_getbinval(tup, desc, col, &n);

	return n ? NULL : TextDatumGetCString(d);
}

static char *
format_ts(TimestampTz ts)
{
	return DatumGetCString(DirectFunctionCall1(timestamptz_out, TimestampTzGetDatum(ts)));
}

/* ------------------------------------------------------------------------
 * Row buffers and bulk statements
 * ------------------------------------------------------------------------
 */

static void
rowbuf_init(RowBuf *b, int ncols, const Oid *types)
{
	memset(b, 0, sizeof(*b));
	b->ncols = ncols;
	b->types = types;
}

static void
rowbuf_add(RowBuf *b, const Datum *vals, const bool *nulls)
{
	if (b->nrows == b->cap)
	{
		int			newcap = b->cap == 0 ? 4 : b->cap * 2;

		if (b->vals == NULL)
		{
			b->vals = palloc0(sizeof(Datum *) * b->ncols);
			b->nulls = palloc0(sizeof(bool *) * b->ncols);
			for (int c = 0; c < b->ncols; c++)
			{
				b->vals[c] = palloc(sizeof(Datum) * newcap);
				b->nulls[c] = palloc(sizeof(bool) * newcap);
			}
		}
		else
			for (int c = 0; c < b->ncols; c++)
			{
				b->vals[c] = repalloc(b->vals[c], sizeof(Datum) * newcap);
				b->nulls[c] = repalloc(b->nulls[c], sizeof(bool) * newcap);
			}
		b->cap = newcap;
	}
	for (int c = 0; c < b->ncols; c++)
	{
		b->vals[c][b->nrows] = vals[c];
		b->nulls[c][b->nrows] = nulls ? nulls[c] : false;
	}
	b->nrows++;
}

/*
 * Write the buffered rows: with the plan for exactly that many rows, whose
 * parameters are the rows' values one after the other (rows_plan, when
 * rows_plan_nrows == nrows), or else with the plan whose parameters are the
 * buffer's columns as arrays.
 */
static void
rowbuf_flush(RowBuf *b, int which, int expect, int rows_plan, int rows_plan_nrows)
{
	Datum	   *params;
	int			ret;

	if (b->nrows == 0)
		return;
	if (b->nrows == rows_plan_nrows)
	{
		int			n = b->nrows * b->ncols;
		char	   *nulls = palloc(n + 1);

		params = palloc(sizeof(Datum) * n);
		/* only for a few rows (rows_plan_nrows) */
		for (int r = 0; r < b->nrows; r++)
			for (int c = 0; c < b->ncols; c++)
			{
				params[r * b->ncols + c] = b->vals[c][r];
				nulls[r * b->ncols + c] = b->nulls[c][r] ? 'n' : ' ';
			}
		nulls[n] = '\0';
		FT_CHECK(plan_defs[rows_plan].nargs == n);
		ret = ft_run_plan(&plans, rows_plan, params, nulls, false, 0);
		if (ret != expect || SPI_processed != (uint64) b->nrows)
			elog(ERROR, "\"%s\" wrote " UINT64_FORMAT " rows, expected %d",
				 plan_defs[rows_plan].sql, SPI_processed, b->nrows);
		b->nrows = 0;
		return;
	}
	params = palloc(sizeof(Datum) * b->ncols);
	for (int c = 0; c < b->ncols; c++)
	{
		int16		typlen;
		bool		typbyval;
		char		typalign;
		int			dims[1] = {b->nrows};
		int			lbs[1] = {1};

		get_typlenbyvalalign(b->types[c], &typlen, &typbyval, &typalign);
		params[c] = PointerGetDatum(construct_md_array(b->vals[c], b->nulls[c], 1, dims, lbs,
													   b->types[c], typlen, typbyval, typalign));
	}
	ret = ft_run_plan(&plans, which, params, NULL, false, 0);
	if (ret != expect || SPI_processed != (uint64) b->nrows)
		elog(ERROR, "\"%s\" wrote " UINT64_FORMAT " rows, expected %d",
			 plan_defs[which].sql, SPI_processed, b->nrows);
	b->nrows = 0;
}

/* ------------------------------------------------------------------------
 * Deferral
 * ------------------------------------------------------------------------
 */

static DeferCacheEntry *
defer_cache_lookup(const char *code)
{
	if (defer_cache == NULL || strlen(code) >= DEFER_CACHE_KEYLEN)
		return NULL;
	return hash_search(defer_cache, code, HASH_FIND, NULL);
}

static void
defer_cache_remember(Acct *a)
{
	DeferCacheEntry *e;
	bool		found;

	if (strlen(a->code) >= DEFER_CACHE_KEYLEN)
		return;
	if (defer_cache == NULL || hash_get_num_entries(defer_cache) >= DEFER_CACHE_MAX)
	{
		HASHCTL		ctl;

		if (defer_cache)
			hash_destroy(defer_cache);
		ctl.keysize = DEFER_CACHE_KEYLEN;
		ctl.entrysize = sizeof(DeferCacheEntry);
		defer_cache = hash_create("fintech account attributes", 1024, &ctl,
								  HASH_ELEM | HASH_STRINGS);
	}
	e = hash_search(defer_cache, a->code, HASH_ENTER, &found);
	if (!found || ledger_calls - e->last_call >= 64)
		e->recent = 0;
	else
		e->recent <<= (ledger_calls - e->last_call);
	e->recent |= 1;
	e->last_call = ledger_calls;
	e->id = a->id;
	e->sign = a->sign;
	e->has_min = a->has_min;
	e->has_max = a->has_max;
}

/* how many of the last 64 posting calls of this backend used the account */
static int
recent_uses(DeferCacheEntry *c)
{
	uint64		shift = ledger_calls - c->last_call;

	return shift >= 64 ? 0 : pg_popcount64(c->recent << shift);
}

/* can a posted change of net (normal direction) be deferred on this account? */
static inline bool
deferrable(int64 net, bool has_min, bool has_max)
{
	return (net > 0 && !has_max) || (net < 0 && !has_min);
}

/* ------------------------------------------------------------------------
 * Locking
 * ------------------------------------------------------------------------
 */

static int
acct_cmp(const void *a, const void *b)
{
	return strcmp(((const Acct *) a)->code, ((const Acct *) b)->code);
}

static Acct *
find_acct(Ledger *L, const char *code)
{
	Acct		key;

	memset(&key, 0, sizeof(key));
	key.code = (char *) code;
	return bsearch(&key, L->accts, L->naccts, sizeof(Acct), acct_cmp);
}

static void
fill_acct(Acct *a, HeapTuple tup, TupleDesc desc)
{
	bool		isnull;

	a->found = true;
	a->id = get_int8(tup, desc, 1, NULL);
	a->currency = get_text(tup, desc, 3);
	a->kind = get_text(tup, desc, 4);
	a->sign = kind_sign(a->kind);
	a->status = get_text(tup, desc, 5);
	a->min_balance = get_int8(tup, desc, 6, &isnull);
	a->has_min = !isnull;
	a->max_balance = get_int8(tup, desc, 7, &isnull);
	a->has_max = !isnull;
	a->balance = get_int8(tup, desc, 8, NULL);
	a->pending_out = get_int8(tup, desc, 9, NULL);
	a->pending_in = get_int8(tup, desc, 10, NULL);
	a->last_seq = get_int8(tup, desc, 11, NULL);
	a->blocked = DatumGetBool(SPI_getbinval(tup, desc, 12, &isnull));
}

/* lock the still unlocked accounts accts[from..to) with the given plan */
static void
lock_range(Ledger *L, int from, int to, int which, AcctLock mode)
{
	Datum	   *codes = palloc(sizeof(Datum) * (to - from));
	int			n = 0;
	Datum		param;

	for (int i = from; i < to; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (L->accts[i].lock == ACCT_UNLOCKED || mode == ACCT_LOCKED)
			codes[n++] = CStringGetTextDatum(L->accts[i].code);
	}
	if (n == 0)
		return;
	if (which == P_LOCK && n >= LOCK_MANY_MIN)
		which = P_LOCK_MANY;
	param = PointerGetDatum(construct_array(codes, n, TEXTOID, -1, false, TYPALIGN_INT));
	ft_run_plan(&plans, which, &param, NULL, false, 0);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		char	   *code = get_text(tup, SPI_tuptable->tupdesc, 2);
		Acct	   *a = find_acct(L, code);

		CHECK_FOR_INTERRUPTS();
		FT_CHECK(a != NULL);
		fill_acct(a, tup, SPI_tuptable->tupdesc);
		a->lock = mode;
		defer_cache_remember(a);
	}
}

/*
 * May the entry's posted change on this account (defer_net, debits > 0)
 * be deferred, given its sign and limits?  With the balance read from the
 * row (balance_known), only far from the bigint edges (DEFER_MAX_BALANCE).
 */
static bool
net_deferrable(int128 defer_net, int sign, bool has_min, bool has_max,
			   bool balance_known, int64 balance)
{
	int128		net = defer_net * sign;

	if (net > DEFER_MAX_NET || net < -DEFER_MAX_NET)
		return false;
	if (balance_known && (balance > DEFER_MAX_BALANCE || balance < -DEFER_MAX_BALANCE))
		return false;
	return deferrable((int64) net, has_min, has_max);
}

/* may the entry's posted change on this account still be deferred? */
static bool
still_deferrable(Acct *a, EntrySpec *e)
{
	return net_deferrable(a->defer_net, a->sign, a->has_min, a->has_max, true, a->balance);
}

/*
 * Lock every account, strictly in the (byte) order of their codes: a run of
 * accounts that must be locked is locked with one statement (which locks in
 * ORDER BY order); an account tried for deferral gets statements of its
 * own, at its place in the order.  Every lock wait, including the waits
 * that SKIP LOCKED itself can do when it follows a row's update chain,
 * therefore happens in code order, and two calls cannot deadlock.
 */
static void
lock_in_order(Ledger *L, EntrySpec *spec)
{
	int			i = 0;

	while (i < L->naccts)
	{
		Acct	   *a = &L->accts[i];

		CHECK_FOR_INTERRUPTS();
		if (!a->try_defer)
		{
			int			j = i;

			while (j < L->naccts && !L->accts[j].try_defer)
				j++;
			lock_range(L, i, j, P_LOCK, ACCT_LOCKED);
			i = j;
			continue;
		}
		lock_range(L, i, i + 1, P_LOCK_SKIP, ACCT_LOCKED);
		if (a->lock == ACCT_UNLOCKED)
		{
			lock_range(L, i, i + 1, P_LOCK_SHARE, ACCT_SHARED);
			/* the authoritative attributes must still allow deferral */
			if (a->lock == ACCT_SHARED && !still_deferrable(a, spec))
				lock_range(L, i, i + 1, P_LOCK, ACCT_LOCKED);
		}
		i++;
	}
}

/*
 * ledger_begin: set up the accounts of the given entries, sorted and
 * deduplicated, and lock them.
 */
static void
ledger_begin(Ledger *L, EntrySpec *specs, int nspecs, bool raise, bool allow_defer)
{
	int			n = 0;
	int			cap = 0;

	memset(L, 0, sizeof(*L));
	L->raise = raise;
	ledger_calls++;
	for (int s = 0; s < nspecs; s++)
		cap += specs[s].nlegs + specs[s].nrelease;
	L->accts = palloc0(sizeof(Acct) * Max(cap, 1));
	for (int s = 0; s < nspecs; s++)
	{
		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < specs[s].nlegs; i++)
			if (specs[s].legs[i].code)
				L->accts[n++].code = specs[s].legs[i].code;
		for (int i = 0; i < specs[s].nrelease; i++)
			L->accts[n++].code = specs[s].release[i].code;
	}
	if (n > 1)
	{
		int			w = 1;

		/* O(n log n); qsort itself is not interruptible, but 10^6 codes take well under 1 s */
		qsort(L->accts, n, sizeof(Acct), acct_cmp);
		for (int r = 1; r < n; r++)
		{
			CHECK_FOR_INTERRUPTS();
			if (strcmp(L->accts[r].code, L->accts[w - 1].code) != 0)
				L->accts[w++] = L->accts[r];
		}
		n = w;
	}
	L->naccts = n;
	for (int s = 0; s < nspecs; s++)
	{
		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < specs[s].nlegs; i++)
			if (specs[s].legs[i].code)
				specs[s].legs[i].acct = find_acct(L, specs[s].legs[i].code);
		for (int i = 0; i < specs[s].nrelease; i++)
			specs[s].release[i].acct = find_acct(L, specs[s].release[i].code);
	}

	/*
	 * Deferral: only for a single posted entry, only when the fold job runs,
	 * and only for accounts whose (cached, immutable) limits allow it.
	 */
	if (allow_defer && nspecs == 1 && specs[0].pending_for == NULL &&
		!specs[0].hold_forever && specs[0].nrelease == 0)
	{
		/* each account's net change, in one pass over the legs */
		for (int l = 0; l < specs[0].nlegs; l++)
		{
			CHECK_FOR_INTERRUPTS();
			if (specs[0].legs[l].acct)
				specs[0].legs[l].acct->defer_net += specs[0].legs[l].amount;
		}
		for (int i = 0; i < L->naccts; i++)
		{
			Acct	   *a = &L->accts[i];
			DeferCacheEntry *c = defer_cache_lookup(a->code);

			CHECK_FOR_INTERRUPTS();
			if (c == NULL || recent_uses(c) < DEFER_MIN_USES)
				continue;
			a->try_defer = net_deferrable(a->defer_net, c->sign, c->has_min, c->has_max, false, 0);
			L->allow_defer |= a->try_defer;
		}
		if (L->allow_defer && !fintech_job_active("fold_postings"))
		{
			L->allow_defer = false;
			for (int i = 0; i < L->naccts; i++)
				L->accts[i].try_defer = false;
		}
	}

	lock_in_order(L, specs);
	L->stamp = GetCurrentTimestamp();
	L->entries_seq = RangeVarGetRelid(makeRangeVar("fintech", "entries_id_seq", -1), NoLock, false);

	rowbuf_init(&L->entries, lengthof(entries_types), entries_types);
	rowbuf_init(&L->postings, lengthof(postings_types), postings_types);
	rowbuf_init(&L->pending_legs, lengthof(pending_legs_types), pending_legs_types);
	rowbuf_init(&L->holds, lengthof(holds_types), holds_types);
	rowbuf_init(&L->hold_updates, lengthof(hold_updates_types), hold_updates_types);
}

/* ------------------------------------------------------------------------
 * Folding deferred postings and expired holds
 * ------------------------------------------------------------------------
 */

/*
 * fold_account: give the account's committed deferred postings their place
 * in its history (seq, balance_after, posted_at), under our row lock.
 */
static int64
fold_account(Ledger *L, Acct *a)
{
	Datum		arg = Int64GetDatum(a->id);
	SPITupleTable *tt;
	uint64		n;

	FT_CHECK(a->lock == ACCT_LOCKED);
	a->folded = true;
	ft_run_plan(&plans, P_UNFOLDED, &arg, NULL, false, 0);
	tt = SPI_tuptable;
	n = SPI_processed;
	if (n == 0)
		return 0;

	fintech_internal_write = FT_WRITE_FOLD;
	PG_TRY();
	{
		for (uint64 r = 0; r < n; r++)
		{
			Datum		v[5];
			int64		amount = get_int8(tt->vals[r], tt->tupdesc, 3, NULL);
			bool		isnull;

			int128		nb = (int128) a->balance + (int128) amount * a->sign;

			CHECK_FOR_INTERRUPTS();
			/* deferral is kept far from the edges (DEFER_MAX_*): not expected */
			if (nb < PG_INT64_MIN || nb > PG_INT64_MAX)
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("account %s: balance out of range for bigint while folding deferred postings",
								a->code),
						 errdetail("Balance " INT64_FORMAT ", deferred posting of entry " INT64_FORMAT
								   " moves it by " INT64_FORMAT ".", a->balance,
								   get_int8(tt->vals[r], tt->tupdesc, 1, NULL), amount * a->sign)));
			a->balance = (int64) nb;
			a->last_seq = add64(a->last_seq, 1);
			v[0] = SPI_getbinval(tt->vals[r], tt->tupdesc, 1, &isnull);
			v[1] = SPI_getbinval(tt->vals[r], tt->tupdesc, 2, &isnull);
			v[2] = Int64GetDatum(a->last_seq);
			v[3] = Int64GetDatum(a->balance);
			v[4] = TimestampTzGetDatum(L->stamp);
			if (ft_run_plan(&plans, P_FOLD_ONE, v, NULL, false, 0) != SPI_OK_UPDATE || SPI_processed != 1)
				elog(ERROR, "deferred posting of account %s changed while folding it", a->code);
		}
	}
	PG_FINALLY();
	{
		fintech_internal_write = FT_WRITE_NONE;
	}
	PG_END_TRY();
	a->dirty = true;
	return (int64) n;
}

/* the part of pending_out/pending_in held by holds past their deadline */
static void
load_expired(Ledger *L, Acct *a)
{
	Datum		v[2];

	a->expired_known = true;
	a->expired_out = a->expired_in = 0;
	if (a->pending_out == 0 && a->pending_in == 0)
		return;
	v[0] = Int64GetDatum(a->id);
	v[1] = TimestampTzGetDatum(L->stamp);
	ft_run_plan(&plans, P_EXPIRED, v, NULL, false, 0);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		int64		net = mul64(get_int8(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, NULL), a->sign);

		CHECK_FOR_INTERRUPTS();
		if (net < 0)
			a->expired_out = add64(a->expired_out, -net);
		else
			a->expired_in = add64(a->expired_in, net);
	}
}

/* ------------------------------------------------------------------------
 * Checking and applying one entry
 * ------------------------------------------------------------------------
 */

/* a refusal: raised in raise mode, recorded (false returned) otherwise */
static bool
refuse(Ledger *L, EntrySpec *e, int sqlstate, const char *detail, const char *fmt,...)
pg_attribute_printf(5, 6);

static bool
refuse(Ledger *L, EntrySpec *e, int sqlstate, const char *detail, const char *fmt,...)
{
	StringInfoData buf;

	/* in record mode the message is kept only when asked for */
	if (!L->raise && !L->keep_messages)
	{
		e->sqlstate = sqlstate;
		return false;
	}
	initStringInfo(&buf);
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&buf, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	if (L->raise)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg_internal("%s", buf.data),
				 detail ? errdetail_internal("%s", detail) : 0));
	e->message = buf.data;
	e->detail = detail;
	e->sqlstate = sqlstate;
	return false;
}

/* the effect of the entry being checked on account a (one per account) */
static Effect *
effect_of(Ledger *L, Effect *effects, int *neffects, Acct *a)
{
	if (a->eff_gen != L->gen)
	{
		a->eff_gen = L->gen;
		a->eff_idx = (*neffects)++;
		memset(&effects[a->eff_idx], 0, sizeof(Effect));
		effects[a->eff_idx].acct = a;
	}
	return &effects[a->eff_idx];
}

/* legs of an entry ordered by currency, then leg order (balance check) */
static int
leg_currency_cmp(const void *x, const void *y)
{
	const Leg  *a = *(Leg *const *) x;
	const Leg  *b = *(Leg *const *) y;
	int			c = strcmp(a->acct->currency, b->acct->currency);

	if (c != 0)
		return c;
	return a < b ? -1 : a > b ? 1 : 0;
}

/*
 * Each currency of the entry must balance, and its debits (= its credits)
 * must be a bigint: O(n log n) in the legs (one pass when they share a
 * currency).  Of several currencies at fault, the one whose first leg
 * comes first is reported.
 */
static bool
check_currencies(Ledger *L, EntrySpec *e)
{
	Leg		  **order;
	int			n = e->nlegs;
	bool		one = true;
	const Leg  *bad = NULL;
	int128		bad_debits = 0,
				bad_credits = 0;

	for (int i = 1; i < n && one; i++)
	{
		CHECK_FOR_INTERRUPTS();
		one = strcmp(e->legs[i].acct->currency, e->legs[0].acct->currency) == 0;
	}
	order = palloc(sizeof(Leg *) * Max(n, 1));
	for (int i = 0; i < n; i++)
		order[i] = &e->legs[i];
	if (!one)
		qsort(order, n, sizeof(Leg *), leg_currency_cmp);
	for (int i = 0; i < n;)
	{
		int			j = i;
		int128		debits = 0,
					credits = 0;

		CHECK_FOR_INTERRUPTS();
		for (; j < n && (one || strcmp(order[j]->acct->currency, order[i]->acct->currency) == 0); j++)
		{
			if (order[j]->amount > 0)
				debits += order[j]->amount;
			else
				credits -= order[j]->amount;
		}
		/* order[i] is the run's first leg */
		if ((debits != credits || debits > PG_INT64_MAX || credits > PG_INT64_MAX) &&
			(bad == NULL || order[i] < bad))
		{
			bad = order[i];
			bad_debits = debits;
			bad_credits = credits;
		}
		i = j;
	}
	pfree(order);
	if (bad == NULL)
		return true;
	if (bad_debits > PG_INT64_MAX || bad_credits > PG_INT64_MAX)
		return refuse(L, e, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
					  "The debits and the credits of each currency of an entry must each sum to a bigint.",
					  "entry out of range in %s: debits %s, credits %s, the limit is " INT64_FORMAT,
					  bad->acct->currency, i128_str(bad_debits), i128_str(bad_credits), PG_INT64_MAX);
	return refuse(L, e, LD001, NULL,
				  "entry does not balance in %s: debits " INT64_FORMAT " != credits " INT64_FORMAT,
				  bad->acct->currency, (int64) bad_debits, (int64) bad_credits);
}

/*
 * What an entry does to one locked account, exactly: 0 when it is
 * allowed; -1/+1 when min_balance/max_balance refuses it (LD002); 2 when a
 * balance after one of its legs, 3 when the held amounts, 4 when the
 * available balance (posted - held out) and 5 when posted + held in would
 * leave bigint (22003).  Only a change the entry makes is held against it:
 * an entry that moves nothing in a direction is not refused for it.  The
 * limits come first: where a limit refuses, that is the answer (with a
 * limit the bigint edge on its side cannot be reached).  Computed in 128
 * bits, so no check can itself overflow.
 */
static int
limit_state(Acct *a, Effect *f, int128 *new_out, int128 *new_in)
{
	int128		balance = a->balance;
	int128		new_balance = balance + f->net;
	bool		down = f->net < 0 || f->res_out > 0;
	bool		up = f->net > 0 || f->res_in > 0;
	int128		live_out,
				live_in;

	*new_out = (int128) a->pending_out - f->rel_out + f->res_out;
	*new_in = (int128) a->pending_in - f->rel_in + f->res_in;
	live_out = *new_out - a->expired_out;
	live_in = *new_in - a->expired_in;
	if (a->has_min && down && new_balance - live_out < a->min_balance)
		return -1;
	if (a->has_max && up && new_balance + live_in > a->max_balance)
		return 1;
	if (balance + f->run_min < PG_INT64_MIN || balance + f->run_max > PG_INT64_MAX)
		return 2;
	if ((f->res_out > 0 && *new_out > PG_INT64_MAX) || (f->res_in > 0 && *new_in > PG_INT64_MAX))
		return 3;
	if (down && new_balance - live_out < PG_INT64_MIN)
		return 4;
	if (up && new_balance + live_in > PG_INT64_MAX)
		return 5;
	return 0;
}

/* check one entry against the locked state; on success apply it in memory */
static bool
apply_entry(Ledger *L, EntrySpec *e)
{
	Effect	   *effects = palloc(sizeof(Effect) * (e->nlegs + e->nrelease + 1));
	int			neffects = 0;
	bool		pending = e->pending_for != NULL || e->hold_forever;

	e->sqlstate = 0;
	e->entry_id = 0;
	L->gen++;

	/* accounts exist */
	for (int i = 0; i < e->nlegs; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (!e->legs[i].acct->found)
			return refuse(L, e, LD009, NULL, "account %s does not exist", e->legs[i].code);
	}
	for (int i = 0; i < e->nrelease; i++)
		FT_CHECK(e->release[i].acct->found);

	/* currencies */
	if (e->one_currency && e->nlegs == 2 &&
		strcmp(e->legs[0].acct->currency, e->legs[1].acct->currency) != 0)
		return refuse(L, e, LD004, NULL,
					  "currency mismatch: account %s is in %s, account %s is in %s",
					  e->legs[0].code, e->legs[0].acct->currency,
					  e->legs[1].code, e->legs[1].acct->currency);
	if (!check_currencies(L, e))
		return false;

	/* per-account effects, in one pass over the legs */
	for (int i = 0; i < e->nlegs; i++)
	{
		Acct	   *a = e->legs[i].acct;
		Effect	   *f = effect_of(L, effects, &neffects, a);

		CHECK_FOR_INTERRUPTS();
		f->posts = true;
		f->net += (int128) e->legs[i].amount * a->sign;
		f->run_min = Min(f->run_min, f->net);
		f->run_max = Max(f->run_max, f->net);
	}
	for (int i = 0; i < neffects && pending; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (effects[i].net < 0)
			effects[i].res_out = -effects[i].net;
		else
			effects[i].res_in = effects[i].net;
		effects[i].net = effects[i].run_min = effects[i].run_max = 0;
	}
	for (int i = 0; i < e->nrelease; i++)
	{
		Acct	   *a = e->release[i].acct;
		Effect	   *f = effect_of(L, effects, &neffects, a);

		CHECK_FOR_INTERRUPTS();
		f->releases = true;
		f->rel_net += (int128) e->release[i].amount * a->sign;
	}
	for (int i = 0; i < neffects; i++)
	{
		Effect	   *f = &effects[i];

		CHECK_FOR_INTERRUPTS();
		if (!f->releases)
			continue;
		if (f->rel_net < 0)
			f->rel_out = -f->rel_net;
		else
			f->rel_in = f->rel_net;
	}

	/* status */
	for (int i = 0; i < neffects; i++)
	{
		Acct	   *a = effects[i].acct;

		CHECK_FOR_INTERRUPTS();
		if ((effects[i].posts) && strcmp(a->status, "active") != 0)
			return refuse(L, e, LD003, NULL, "account %s is %s", a->code, a->status);
	}

	/* sanctions: a blocked party's money does not move (a release still does) */
	for (int i = 0; i < neffects; i++)
	{
		Acct	   *a = effects[i].acct;

		CHECK_FOR_INTERRUPTS();
		if (effects[i].posts && a->blocked)
			return refuse(L, e, LD006, NULL,
						  "account %s belongs to a party blocked by sanctions screening", a->code);
	}

	/*
	 * Limits and bigint range.  A limit that refuses is the answer even when
	 * another account of the entry would also leave bigint: first every
	 * account's state (after folding and expiry, which may help), then the
	 * first limit refusal, else the first range refusal.
	 */
	{
		int			refused = -1;

		for (int i = 0; i < neffects; i++)
		{
			Effect	   *f = &effects[i];
			Acct	   *a = f->acct;
			int128		new_out,
						new_in;

			CHECK_FOR_INTERRUPTS();
			if (a->lock != ACCT_LOCKED)
			{
				FT_CHECK(a->lock == ACCT_SHARED && !pending && f->rel_out == 0 && f->rel_in == 0);
				continue;
			}
			for (;;)
			{
				int			state = limit_state(a, f, &new_out, &new_in);

				if (state == 0)
					break;
				/* before refusing: deferred postings and expired holds may help */
				if (!a->folded && fold_account(L, a) > 0)
					continue;
				if (!a->expired_known)
				{
					load_expired(L, a);
					if (a->expired_out > 0 || a->expired_in > 0)
						continue;
				}
				if (refused < 0 || ((state == 1 || state == -1) &&
									effects[refused].state != 1 && effects[refused].state != -1))
				{
					refused = i;
					f->state = state;
				}
				break;
			}
		}
		if (refused >= 0)
		{
			Effect	   *f = &effects[refused];
			Acct	   *a = f->acct;
			int128		new_out,
						new_in;
			int128		held_out,
						held_in,
						take,
						give;

			(void) limit_state(a, f, &new_out, &new_in);
			held_out = (int128) a->pending_out - a->expired_out;
			held_in = (int128) a->pending_in - a->expired_in;
			take = pending ? f->res_out : -f->net;
			give = pending ? f->res_in : f->net;
			switch (f->state)
			{
				case -1:
					return refuse(L, e, LD002,
								  psprintf("The entry takes %s out; min_balance is " INT64_FORMAT
										   ", posted balance " INT64_FORMAT ", held %s.",
										   i128_str(take), a->min_balance, a->balance,
										   i128_str(held_out)),
								  "account %s: available balance %s < %s",
								  a->code, i128_str(a->balance - held_out),
								  i128_str(take + a->min_balance));
				case 1:
					return refuse(L, e, LD002,
								  psprintf("Posted balance " INT64_FORMAT ", incoming holds %s.",
										   a->balance, i128_str(held_in)),
								  "account %s: balance %s + %s would exceed max_balance " INT64_FORMAT,
								  a->code, i128_str(a->balance + held_in), i128_str(give),
								  a->max_balance);
				case 2:
					return refuse(L, e, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
								  psprintf("Posted balance " INT64_FORMAT "; the entry's legs move it by %s"
										   " (at least %s, at most %s along the way).",
										   a->balance, i128_str(f->net), i128_str(f->run_min),
										   i128_str(f->run_max)),
								  "account %s: balance out of range for bigint", a->code);
				case 3:
					return refuse(L, e, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
								  psprintf("Held out " INT64_FORMAT " + %s, held in " INT64_FORMAT " + %s.",
										   a->pending_out, i128_str(f->res_out),
										   a->pending_in, i128_str(f->res_in)),
								  "account %s: held amount out of range for bigint", a->code);
				case 4:
					return refuse(L, e, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
								  psprintf("Posted balance " INT64_FORMAT ", held out %s; the entry takes %s out.",
										   a->balance, i128_str(held_out), i128_str(take)),
								  "account %s: available balance %s out of range for bigint",
								  a->code, i128_str(a->balance + f->net - (new_out - a->expired_out)));
				default:
					return refuse(L, e, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
								  psprintf("Posted balance " INT64_FORMAT ", held in %s; the entry brings %s in.",
										   a->balance, i128_str(held_in), i128_str(give)),
								  "account %s: balance plus incoming holds %s out of range for bigint",
								  a->code, i128_str(a->balance + f->net + (new_in - a->expired_in)));
			}
		}
	}

	/* accepted: apply */
	e->entry_id = nextval_internal(L->entries_seq, false);
	{
		Datum		v[6];
		bool		n[6] = {false, false, e->related_id == 0, e->description == NULL, false, false};

		v[0] = Int64GetDatum(e->entry_id);
		v[1] = CStringGetTextDatum(e->type);
		v[2] = Int64GetDatum(e->related_id);
		v[3] = PointerGetDatum(e->description);
		v[4] = JsonbPGetDatum(e->metadata);
		v[5] = TimestampTzGetDatum(L->stamp);
		rowbuf_add(&L->entries, v, n);
	}
	for (int l = 0; l < e->nlegs; l++)
	{
		Acct	   *a = e->legs[l].acct;

		CHECK_FOR_INTERRUPTS();
		if (pending)
		{
			Datum		v[4] = {Int64GetDatum(e->entry_id), Int32GetDatum(l + 1),
			Int64GetDatum(a->id), Int64GetDatum(e->legs[l].amount)};

			rowbuf_add(&L->pending_legs, v, NULL);
		}
		else if (a->lock == ACCT_LOCKED)
		{
			Datum		v[7];

			a->balance = add64(a->balance, mul64(e->legs[l].amount, a->sign));
			a->last_seq = add64(a->last_seq, 1);
			a->dirty = true;
			v[0] = Int64GetDatum(e->entry_id);
			v[1] = Int32GetDatum(l + 1);
			v[2] = Int64GetDatum(a->id);
			v[3] = Int64GetDatum(e->legs[l].amount);
			v[4] = Int64GetDatum(a->last_seq);
			v[5] = Int64GetDatum(a->balance);
			v[6] = TimestampTzGetDatum(L->stamp);
			rowbuf_add(&L->postings, v, NULL);
		}
		else
		{
			Datum		v[7] = {Int64GetDatum(e->entry_id), Int32GetDatum(l + 1),
			Int64GetDatum(a->id), Int64GetDatum(e->legs[l].amount), 0, 0, 0};
			bool		nulls[7] = {false, false, false, false, true, true, true};

			rowbuf_add(&L->postings, v, nulls);
		}
	}
	for (int i = 0; i < neffects; i++)
	{
		Effect	   *f = &effects[i];
		Acct	   *a = f->acct;

		CHECK_FOR_INTERRUPTS();
		if (f->res_out || f->rel_out || f->res_in || f->rel_in)
		{
			int128		new_out = (int128) a->pending_out - f->rel_out + f->res_out;
			int128		new_in = (int128) a->pending_in - f->rel_in + f->res_in;

			/* checked above for locked accounts; a release never grows them */
			if (new_out < 0 || new_in < 0 || new_out > PG_INT64_MAX || new_in > PG_INT64_MAX)
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("account %s: held amounts %s out, %s in are out of range for bigint",
								a->code, i128_str(new_out), i128_str(new_in))));
			a->pending_out = (int64) new_out;
			a->pending_in = (int64) new_in;
			a->dirty = true;
		}
	}
	if (pending)
	{
		Datum		v[3];
		bool		n[3] = {false, false, e->nlegs != 2};

		v[0] = Int64GetDatum(e->entry_id);
		if (e->hold_forever)
			v[1] = TimestampTzGetDatum(DT_NOEND);
		else
			v[1] = DirectFunctionCall2(timestamptz_pl_interval, TimestampTzGetDatum(L->stamp),
									   IntervalPGetDatum(e->pending_for));
		v[2] = Int64GetDatum(e->nlegs == 2 ? Abs(e->legs[0].amount) : 0);
		rowbuf_add(&L->holds, v, n);
	}
	if (e->resolve_hold)
	{
		Datum		v[5];
		bool		n[5] = {false, false, false, e->resolve_amount == 0, false};

		v[0] = Int64GetDatum(e->resolve_hold);
		v[1] = CStringGetTextDatum(e->resolve_status);
		v[2] = Int64GetDatum(e->entry_id);
		v[3] = Int64GetDatum(e->resolve_amount);
		v[4] = TimestampTzGetDatum(L->stamp);
		rowbuf_add(&L->hold_updates, v, n);
	}
	return true;
}

/* write everything applied in memory */
static void
ledger_finish(Ledger *L)
{
	rowbuf_flush(&L->entries, P_INS_ENTRIES, SPI_OK_INSERT, P_INS_ENTRY1, 1);
	rowbuf_flush(&L->postings, P_INS_POSTINGS, SPI_OK_INSERT, P_INS_POSTINGS2, 2);
	rowbuf_flush(&L->pending_legs, P_INS_PENDING_LEGS, SPI_OK_INSERT, -1, -1);
	rowbuf_flush(&L->holds, P_INS_HOLDS, SPI_OK_INSERT, -1, -1);
	rowbuf_flush(&L->hold_updates, P_UPD_HOLDS, SPI_OK_UPDATE, -1, -1);

	/* the accounts: one statement per account, or one for many (batches) */
	{
		RowBuf		accts;
		int			nested;

		rowbuf_init(&accts, lengthof(account_update_types), account_update_types);
		for (int i = 0; i < L->naccts; i++)
		{
			Acct	   *a = &L->accts[i];
			Datum		v[5];

			CHECK_FOR_INTERRUPTS();
			if (!a->dirty)
				continue;
			FT_CHECK(a->lock == ACCT_LOCKED);
			v[0] = Int64GetDatum(a->id);
			v[1] = Int64GetDatum(a->balance);
			v[2] = Int64GetDatum(a->pending_out);
			v[3] = Int64GetDatum(a->pending_in);
			v[4] = Int64GetDatum(a->last_seq);
			rowbuf_add(&accts, v, NULL);
			a->dirty = false;
		}
		if (accts.nrows <= 4)
		{
			/* a transfer or a small entry: the plan with one row of parameters */
			for (int r = 0; r < accts.nrows; r++)
			{
				Datum		v[5];

				for (int c = 0; c < 5; c++)
					v[c] = accts.vals[c][r];
				if (ft_run_plan(&plans, P_UPD_ACCOUNTS, v, NULL, false, 0) != SPI_OK_UPDATE || SPI_processed != 1)
					elog(ERROR, "could not update locked account " INT64_FORMAT, DatumGetInt64(v[0]));
			}
		}
		else
		{
			/* many: one UPDATE joining the arrays to the accounts by primary key */
			nested = NewGUCNestLevel();
			(void) set_config_option("enable_hashjoin", "off", PGC_USERSET, PGC_S_SESSION,
									 GUC_ACTION_SAVE, true, 0, false);
			(void) set_config_option("enable_mergejoin", "off", PGC_USERSET, PGC_S_SESSION,
									 GUC_ACTION_SAVE, true, 0, false);
			(void) set_config_option("enable_seqscan", "off", PGC_USERSET, PGC_S_SESSION,
									 GUC_ACTION_SAVE, true, 0, false);
			rowbuf_flush(&accts, P_UPD_ACCOUNTS_MANY, SPI_OK_UPDATE, -1, -1);
			AtEOXact_GUC(true, nested);
		}
	}
}

/* post one entry, raising any refusal; returns the entry id */
static int64
post_one(EntrySpec *e, bool allow_defer)
{
	Ledger		L;

	ledger_begin(&L, e, 1, true, allow_defer);
	apply_entry(&L, e);
	ledger_finish(&L);
	return e->entry_id;
}

/* posts one entry in record mode: its refusal is returned in res, not raised */
static int64
record_one(EntrySpec *e, bool allow_defer, FintechRefusal *res)
{
	Ledger		L;

	ledger_begin(&L, e, 1, false, allow_defer);
	L.keep_messages = true;
	apply_entry(&L, e);
	ledger_finish(&L);
	res->sqlstate = e->sqlstate;
	res->message = e->message;
	res->detail = e->detail;
	return e->entry_id;
}

/*
 * fintech_transfer_record: a transfer whose refusal is returned, not raised
 * (for fintech.pay, which records business refusals).  The caller has
 * connected to SPI.  Returns the entry id, or 0 with res->sqlstate and
 * res->message set.
 */
int64
fintech_transfer_record(const char *debit, const char *credit, int64 amount,
						text *description, Jsonb *metadata, bool hold,
						FintechRefusal *res)
{
	EntrySpec	e;
	Leg			legs[2];

	spec_init(&e, hold ? "pending" : "standard");
	memset(legs, 0, sizeof(legs));
	legs[0].code = (char *) debit;
	legs[0].amount = amount;
	legs[1].code = (char *) credit;
	legs[1].amount = -amount;
	e.legs = legs;
	e.nlegs = 2;
	e.one_currency = true;
	e.description = description;
	e.hold_forever = hold;
	if (metadata)
		e.metadata = metadata;
	return record_one(&e, true, res);
}

/* ------------------------------------------------------------------------
 * Legs
 * ------------------------------------------------------------------------
 */

static Datum
make_leg(FunctionCallInfo fcinfo, const char *side)
{
	char	   *account = arg_code(fcinfo, 0, "account");
	int64		amount = arg_amount(fcinfo, 1, "amount");
	TupleDesc	desc;
	Datum		v[3];
	bool		n[3] = {false, false, false};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type of %s() must be fintech.leg", side);
	desc = BlessTupleDesc(desc);
	v[0] = CStringGetTextDatum(account);
	v[1] = CStringGetTextDatum(side);
	v[2] = Int64GetDatum(amount);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, v, n)));
}

PG_FUNCTION_INFO_V1(fintech_debit);
Datum
fintech_debit(PG_FUNCTION_ARGS)
{
	return make_leg(fcinfo, "debit");
}

PG_FUNCTION_INFO_V1(fintech_credit);
Datum
fintech_credit(PG_FUNCTION_ARGS)
{
	return make_leg(fcinfo, "credit");
}

/* legs from a fintech.leg[] argument, validated */
static Leg *
legs_from_array(ArrayType *arr, int *nlegs)
{
	Oid			elemtype = ARR_ELEMTYPE(arr);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	Leg		   *legs;

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, elemtype, typlen, typbyval, typalign, &elems, &nulls, &n);
	legs = palloc0(sizeof(Leg) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		HeapTupleHeader th;
		bool		isnull;
		Datum		d;
		char	   *side;
		int64		amount;

		CHECK_FOR_INTERRUPTS();
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("leg %d is NULL", i + 1)));
		th = DatumGetHeapTupleHeader(elems[i]);
		d = GetAttributeByNum(th, 1, &isnull);
		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("leg %d: account must not be NULL", i + 1)));
		legs[i].code = TextDatumGetCString(d);
		if (!code_plain(legs[i].code))
			legs[i].code = fintech_account_code(legs[i].code, psprintf("leg %d: account", i + 1));
		d = GetAttributeByNum(th, 2, &isnull);
		side = isnull ? NULL : TextDatumGetCString(d);
		if (side == NULL || (strcmp(side, "debit") != 0 && strcmp(side, "credit") != 0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("leg %d: side must be 'debit' or 'credit'", i + 1),
					 errhint("Build legs with fintech.debit() and fintech.credit().")));
		d = GetAttributeByNum(th, 3, &isnull);
		amount = isnull ? 0 : DatumGetInt64(d);
		if (amount <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("leg %d: amount must be positive, not %s", i + 1,
							isnull ? "NULL" : psprintf(INT64_FORMAT, amount))));
		legs[i].amount = side[0] == 'd' ? amount : -amount;
	}
	if (n < 2)
		ereport(ERROR,
				(errcode(LD001),
				 errmsg("an entry needs at least 2 legs, got %d", n)));
	*nlegs = n;
	return legs;
}

static void
spec_init(EntrySpec *e, const char *type)
{
	memset(e, 0, sizeof(*e));
	e->type = type;
	e->metadata = fintech_empty_object();
}

/* ------------------------------------------------------------------------
 * Posting
 * ------------------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(fintech_post);
/* fintech.post(legs, description, metadata, pending_for) */
Datum
fintech_post(PG_FUNCTION_ARGS)
{
	EntrySpec	e;
	int64		id;

	spec_init(&e, "standard");
	e.legs = legs_from_array(arg_array(fcinfo, 0, "legs"), &e.nlegs);
	e.description = PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_P(1);
	e.metadata = arg_metadata(fcinfo, 2);
	e.pending_for = arg_pending_for(fcinfo, 3);
	if (e.pending_for)
		e.type = "pending";

	SPI_connect();
	id = post_one(&e, true);
	SPI_finish();
	PG_RETURN_INT64(id);
}

PG_FUNCTION_INFO_V1(fintech_transfer);
/* fintech.transfer(debit_account, credit_account, amount, description, metadata, pending_for) */
Datum
fintech_transfer(PG_FUNCTION_ARGS)
{
	EntrySpec	e;
	Leg			legs[2];
	int64		amount;
	int64		id;

	spec_init(&e, "standard");
	legs[0].code = arg_code(fcinfo, 0, "debit_account");
	legs[1].code = arg_code(fcinfo, 1, "credit_account");
	amount = arg_amount(fcinfo, 2, "amount");
	legs[0].amount = amount;
	legs[1].amount = -amount;
	e.legs = legs;
	e.nlegs = 2;
	e.one_currency = true;
	e.description = PG_ARGISNULL(3) ? NULL : PG_GETARG_TEXT_P(3);
	e.metadata = arg_metadata(fcinfo, 4);
	e.pending_for = arg_pending_for(fcinfo, 5);
	if (e.pending_for)
		e.type = "pending";

	SPI_connect();
	id = post_one(&e, true);
	SPI_finish();
	PG_RETURN_INT64(id);
}

PG_FUNCTION_INFO_V1(fintech_transfer_batch);
/*
 * fintech.transfer_batch(debit_accounts, credit_accounts, amounts, descriptions)
 *	  RETURNS TABLE(idx, entry_id, error)
 */
Datum
fintech_transfer_batch(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum	   *debits,
			   *credits,
			   *amounts,
			   *descs = NULL;
	bool	   *dnulls,
			   *cnulls,
			   *anulls,
			   *descnulls = NULL;
	int			nd,
				nc,
				na,
				ndesc = 0;
	EntrySpec  *specs;
	Leg		   *legs;
	int		   *bad;			/* per item: SQLSTATE of an input error */
	Ledger		L;

	deconstruct_array(arg_array(fcinfo, 0, "debit_accounts"), TEXTOID, -1, false, TYPALIGN_INT, &debits, &dnulls, &nd);
	deconstruct_array(arg_array(fcinfo, 1, "credit_accounts"), TEXTOID, -1, false, TYPALIGN_INT, &credits, &cnulls, &nc);
	deconstruct_array(arg_array(fcinfo, 2, "amounts"), INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &amounts, &anulls, &na);
	if (!PG_ARGISNULL(3))
		deconstruct_array(arg_array(fcinfo, 3, "descriptions"), TEXTOID, -1, false, TYPALIGN_INT, &descs, &descnulls, &ndesc);
	if (nc != nd || na != nd || (descs && ndesc != nd))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("transfer_batch arrays differ in length: debit_accounts %d, credit_accounts %d, amounts %d%s",
						nd, nc, na, descs ? psprintf(", descriptions %d", ndesc) : "")));

	InitMaterializedSRF(fcinfo, 0);

	specs = palloc(sizeof(EntrySpec) * Max(nd, 1));
	legs = palloc0(sizeof(Leg) * 2 * Max(nd, 1));
	bad = palloc0(sizeof(int) * Max(nd, 1));
	for (int i = 0; i < nd; i++)
	{
		EntrySpec  *e = &specs[i];
		Leg		   *l = &legs[2 * i];
		char	   *dc = dnulls[i] ? NULL : TextDatumGetCString(debits[i]);
		char	   *cc = cnulls[i] ? NULL : TextDatumGetCString(credits[i]);
		bool		charclass;

		CHECK_FOR_INTERRUPTS();
		spec_init(e, "standard");
		e->one_currency = true;
		e->legs = l;
		e->description = descs && !descnulls[i] ? DatumGetTextPP(descs[i]) : NULL;
		/* an invalid item is refused on its own (22023), like the design's other refusals */
		if (dc == NULL || cc == NULL ||
			(!code_plain(dc) && code_problem(dc, "debit account", &dc, &charclass) != NULL) ||
			(!code_plain(cc) && code_problem(cc, "credit account", &cc, &charclass) != NULL) ||
			anulls[i] || DatumGetInt64(amounts[i]) <= 0)
		{
			bad[i] = ERRCODE_INVALID_PARAMETER_VALUE;
			continue;
		}
		l[0].code = dc;
		l[0].amount = DatumGetInt64(amounts[i]);
		l[1].code = cc;
		l[1].amount = -DatumGetInt64(amounts[i]);
		e->nlegs = 2;
	}

	SPI_connect();
	ledger_begin(&L, specs, nd, false, false);
	for (int i = 0; i < nd; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (!bad[i])
			apply_entry(&L, &specs[i]);
		else
			specs[i].sqlstate = bad[i];
	}
	ledger_finish(&L);
	SPI_finish();

	for (int i = 0; i < nd; i++)
	{
		Datum		v[3];
		bool		n[3] = {false, false, false};

		CHECK_FOR_INTERRUPTS();
		v[0] = Int32GetDatum(i + 1);
		if (specs[i].sqlstate)
		{
			n[1] = true;
			v[2] = CStringGetTextDatum(unpack_sql_state(specs[i].sqlstate));
		}
		else
		{
			v[1] = Int64GetDatum(specs[i].entry_id);
			n[2] = true;
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
	}
	return (Datum) 0;
}

/* ------------------------------------------------------------------------
 * Holds
 * ------------------------------------------------------------------------
 */

/* the legs of a pending entry, from fintech.pending_legs */
static Leg *
load_hold_legs(int64 entry_id, int *nlegs)
{
	Oid			types[1] = {INT8OID};
	Datum		v[1] = {Int64GetDatum(entry_id)};
	Leg		   *legs;

	ft_run_select("SELECT a.code, l.amount FROM fintech.pending_legs l"
			" JOIN fintech.accounts a ON a.id OPERATOR(pg_catalog.=) l.account_id"
			" WHERE l.entry_id OPERATOR(pg_catalog.=) $1 ORDER BY l.leg", 1, types, v);
	legs = palloc0(sizeof(Leg) * Max(SPI_processed, 1));
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		CHECK_FOR_INTERRUPTS();
		legs[r].code = get_text(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1);
		legs[r].amount = get_int8(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2, NULL);
	}
	*nlegs = (int) SPI_processed;
	return legs;
}

/*
 * Lock the hold of a pending entry and check that it is open and within its
 * deadline (LD008 otherwise, LD009 when there is no such entry).
 */
static int64
lock_open_hold(int64 entry_id, const char *action, bool internal)
{
	Oid			types[1] = {INT8OID};
	Datum		v[1] = {Int64GetDatum(entry_id)};
	int			ret;
	char	   *status;
	TimestampTz expires_at;
	bool		isnull;
	int64		amount;

	ret = SPI_execute_with_args("SELECT status, expires_at, amount FROM fintech.holds"
								" WHERE entry_id OPERATOR(pg_catalog.=) $1 FOR NO KEY UPDATE",
								1, types, v, NULL, false, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_with_args failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
	{
		ft_run_select("SELECT type FROM fintech.entries WHERE id OPERATOR(pg_catalog.=) $1", 1, types, v);
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(LD009),
					 errmsg("entry " INT64_FORMAT " does not exist", entry_id)));
		ereport(ERROR,
				(errcode(LD008),
				 errmsg("cannot %s entry " INT64_FORMAT ": it is not a pending entry (type %s)",
						action, entry_id, get_text(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1))));
	}
	status = get_text(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	expires_at = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	amount = get_int8(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull);
	if (strcmp(status, "open") != 0)
		ereport(ERROR,
				(errcode(LD008),
				 errmsg("cannot %s entry " INT64_FORMAT ": the hold is already %s",
						action, entry_id, status)));
	if (TIMESTAMP_IS_NOEND(expires_at) && !internal)
		ereport(ERROR,
				(errcode(LD008),
				 errmsg("cannot %s entry " INT64_FORMAT ": it holds a payment under sanctions review",
						action, entry_id),
				 errhint("The payment is posted or voided when its party's alerts are resolved (fintech.resolve_alert).")));
	if (expires_at <= GetCurrentTimestamp())
		ereport(ERROR,
				(errcode(LD008),
				 errmsg("cannot %s entry " INT64_FORMAT ": the hold has expired", action, entry_id),
				 errdetail("It expired at %s.", format_ts(expires_at))));
	return isnull ? 0 : amount;
}

/*
 * The entry that posts (or, with void, releases) hold: locks the hold,
 * checks it is open, and fills e.  amount > 0 posts only that much of a
 * two-leg hold.  Holds of held payments (which never expire) are resolved
 * only through the payment (internal).
 */
static void
build_resolution(EntrySpec *e, int64 hold, bool post, int64 amount, bool internal)
{
	const char *action = post ? "post" : "void";
	int64		held = lock_open_hold(hold, action, internal);
	int			n;

	spec_init(e, post ? "post_pending" : "void_pending");
	e->related_id = hold;
	e->release = load_hold_legs(hold, &e->nrelease);
	e->description = cstring_to_text(psprintf("%s of pending entry " INT64_FORMAT, action, hold));
	e->resolve_hold = hold;
	e->resolve_status = post ? "posted" : "voided";
	if (!post)
		return;
	n = e->nrelease;
	e->legs = palloc(sizeof(Leg) * n);
	memcpy(e->legs, e->release, sizeof(Leg) * n);
	e->nlegs = n;
	if (amount > 0)
	{
		if (n != 2)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cannot partially post entry " INT64_FORMAT ": it has %d legs", hold, n),
					 errdetail("Only a two-leg hold can be posted for a smaller amount.")));
		if (amount > held)
			ereport(ERROR,
					(errcode(LD008),
					 errmsg("cannot post " INT64_FORMAT " of entry " INT64_FORMAT ": only " INT64_FORMAT " is held",
							amount, hold, held)));
		for (int i = 0; i < 2; i++)
			e->legs[i].amount = e->legs[i].amount > 0 ? amount : -amount;
	}
	e->resolve_amount = amount > 0 ? amount : held;
}

PG_FUNCTION_INFO_V1(fintech_post_pending);
/* fintech.post_pending(entry_id, amount DEFAULT NULL) */
Datum
fintech_post_pending(PG_FUNCTION_ARGS)
{
	int64		hold = arg_id(fcinfo, 0, "entry_id");
	int64		amount = PG_ARGISNULL(1) ? 0 : arg_amount(fcinfo, 1, "amount");
	EntrySpec	e;

	SPI_connect();
	build_resolution(&e, hold, true, amount, false);
	post_one(&e, false);
	SPI_finish();
	PG_RETURN_INT64(e.entry_id);
}

PG_FUNCTION_INFO_V1(fintech_void_pending);
/* fintech.void_pending(entry_id) */
Datum
fintech_void_pending(PG_FUNCTION_ARGS)
{
	int64		hold = arg_id(fcinfo, 0, "entry_id");
	EntrySpec	e;

	SPI_connect();
	build_resolution(&e, hold, false, 0, false);
	post_one(&e, false);
	SPI_finish();
	PG_RETURN_INT64(e.entry_id);
}

/*
 * fintech_resolve_held_payment: posts (post) or voids the never-expiring
 * hold of a held payment.  Posting is checked like any entry; its refusal
 * is returned (0, res set), and the hold is then left open.  The caller
 * has connected to SPI.
 */
int64
fintech_resolve_held_payment(int64 hold, bool post, FintechRefusal *res)
{
	EntrySpec	e;

	build_resolution(&e, hold, post, 0, true);
	return record_one(&e, false, res);
}

/*
 * The jobs run one after another in the launcher, so none may wait long
 * for a row lock that a client transaction holds: they lock with a short
 * lock_timeout, inside a subtransaction, and leave what is busy for their
 * next run.
 */
#define JOB_LOCK_TIMEOUT_MS "100"

typedef int64 (*SubxactFunc) (void *arg);

/* run fn(arg) in a subtransaction; -1 when it gave up on a busy lock */
static int64
run_in_subxact(SubxactFunc fn, void *arg)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	int64		result = -1;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		result = fn(arg);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		if (edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
			PG_RE_THROW();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		result = -1;
	}
	PG_END_TRY();
	return result;
}

static void
job_lock_timeout(void)
{
	(void) set_config_option("lock_timeout", JOB_LOCK_TIMEOUT_MS, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
}

/* release a batch of expired holds; the argument is the clock to use */
static int64
expire_batch(void *arg)
{
	Oid			types[1] = {TIMESTAMPTZOID};
	Datum		v[1] = {TimestampTzGetDatum(*(TimestampTz *) arg)};
	int			nholds;
	int64	   *ids;
	EntrySpec  *specs;
	Ledger		L;

	if (SPI_execute_with_args("SELECT entry_id FROM fintech.holds"
							  " WHERE status OPERATOR(pg_catalog.=) 'open'"
							  " AND expires_at OPERATOR(pg_catalog.<=) $1"
							  " ORDER BY expires_at LIMIT " CppAsString2(EXPIRE_BATCH)
							  " FOR NO KEY UPDATE SKIP LOCKED",
							  1, types, v, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not select expired holds");
	nholds = (int) SPI_processed;
	if (nholds == 0)
		return 0;
	ids = palloc(sizeof(int64) * nholds);
	for (int i = 0; i < nholds; i++)
		ids[i] = get_int8(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, NULL);
	specs = palloc(sizeof(EntrySpec) * nholds);
	for (int i = 0; i < nholds; i++)
	{
		EntrySpec  *e = &specs[i];

		CHECK_FOR_INTERRUPTS();
		spec_init(e, "expire_pending");
		e->related_id = ids[i];
		e->release = load_hold_legs(ids[i], &e->nrelease);
		e->description = cstring_to_text(psprintf("expiry of pending entry " INT64_FORMAT, ids[i]));
		e->resolve_hold = ids[i];
		e->resolve_status = "expired";
	}
	ledger_begin(&L, specs, nholds, true, false);
	for (int i = 0; i < nholds; i++)
	{
		CHECK_FOR_INTERRUPTS();
		apply_entry(&L, &specs[i]);
	}
	ledger_finish(&L);
	return nholds;
}

/*
 * expire_holds job: release holds past their deadline, EXPIRE_BATCH at a
 * time, each with an expire_pending entry.  A batch whose accounts are
 * busy is left for the next run (expired holds stop counting at their
 * deadline anyway).
 */
static int64
expire_holds_job(bool *again)
{
	TimestampTz now = GetCurrentTimestamp();
	int64		n;

	SPI_connect();
	job_lock_timeout();
	n = run_in_subxact(expire_batch, &now);
	SPI_finish();
	*again = n == EXPIRE_BATCH;
	return Max(n, 0);
}

/* fold one account's deferred postings; the argument is its code */
static int64
fold_one(void *arg)
{
	EntrySpec	e;
	Leg			leg;
	Ledger		L;
	int64		rows = 0;

	spec_init(&e, "standard");
	memset(&leg, 0, sizeof(leg));
	leg.code = (char *) arg;
	e.nrelease = 1;
	e.release = &leg;
	ledger_begin(&L, &e, 1, true, false);
	if (L.accts[0].found)
		rows = fold_account(&L, &L.accts[0]);
	ledger_finish(&L);
	return rows;
}

/*
 * fold_postings job: fold deferred postings, one subtransaction per account,
 * FOLD_BATCH accounts per run; an account whose row stays locked is left
 * for the next run.  The locks of the folded accounts are kept until the
 * job commits, so the accounts are taken in code order like everywhere.
 */
static int64
fold_postings_job(bool *again)
{
	int64		rows = 0;
	int			n;
	char	  **codes;

	SPI_connect();
	job_lock_timeout();
	if (SPI_execute("SELECT a.code FROM fintech.accounts a WHERE a.id IN"
					" (SELECT DISTINCT p.account_id FROM fintech.postings p WHERE p.seq IS NULL"
					"  LIMIT " CppAsString2(FOLD_BATCH) ")"
					" ORDER BY a.code COLLATE \"C\"", false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not select accounts with deferred postings");
	n = (int) SPI_processed;
	codes = palloc(sizeof(char *) * Max(n, 1));
	for (int i = 0; i < n; i++)
		codes[i] = get_text(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
	for (int i = 0; i < n; i++)
	{
		int64		folded;

		CHECK_FOR_INTERRUPTS();
		folded = run_in_subxact(fold_one, codes[i]);

		if (folded > 0)
			rows += folded;
	}
	SPI_finish();
	*again = n == FOLD_BATCH;
	return rows;
}

/* ------------------------------------------------------------------------
 * Reversal
 * ------------------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(fintech_reverse);
/* fintech.reverse(entry_id, description DEFAULT NULL) */
Datum
fintech_reverse(PG_FUNCTION_ARGS)
{
	int64		orig = arg_id(fcinfo, 0, "entry_id");
	Oid			types[1] = {INT8OID};
	Datum		v[1] = {Int64GetDatum(orig)};
	EntrySpec	e;
	char	   *type;
	int			ret;

	SPI_connect();
	/* one reversal at a time per entry: lock the entry's row (no change) */
	ret = SPI_execute_with_args("SELECT type FROM fintech.entries WHERE id OPERATOR(pg_catalog.=) $1 FOR UPDATE",
								1, types, v, NULL, false, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_with_args failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(LD009),
				 errmsg("entry " INT64_FORMAT " does not exist", orig)));
	type = get_text(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	if (strcmp(type, "pending") == 0 || strcmp(type, "void_pending") == 0 ||
		strcmp(type, "expire_pending") == 0)
		ereport(ERROR,
				(errcode(LD008),
				 errmsg("cannot reverse entry " INT64_FORMAT ": it is a %s entry and posted nothing",
						orig, type),
				 strcmp(type, "pending") == 0 ?
				 errhint("Release a hold with fintech.void_pending().") : 0));
	ft_run_select("SELECT id FROM fintech.entries WHERE related_id OPERATOR(pg_catalog.=) $1"
			" AND type OPERATOR(pg_catalog.=) 'reversal'", 1, types, v);
	if (SPI_processed > 0)
		ereport(ERROR,
				(errcode(LD008),
				 errmsg("entry " INT64_FORMAT " is already reversed by entry " INT64_FORMAT,
						orig, get_int8(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, NULL))));

	spec_init(&e, "reversal");
	e.related_id = orig;
	ft_run_select("SELECT a.code, p.amount FROM fintech.postings p"
			" JOIN fintech.accounts a ON a.id OPERATOR(pg_catalog.=) p.account_id"
			" WHERE p.entry_id OPERATOR(pg_catalog.=) $1 ORDER BY p.leg", 1, types, v);
	e.nlegs = (int) SPI_processed;
	e.legs = palloc0(sizeof(Leg) * Max(e.nlegs, 1));
	for (int i = 0; i < e.nlegs; i++)
	{
		CHECK_FOR_INTERRUPTS();
		e.legs[i].code = get_text(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		e.legs[i].amount = -get_int8(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, NULL);
	}
	FT_CHECK(e.nlegs >= 2);
	e.description = PG_ARGISNULL(1)
		? cstring_to_text(psprintf("reversal of entry " INT64_FORMAT, orig))
		: PG_GETARG_TEXT_P(1);
	post_one(&e, false);
	SPI_finish();
	PG_RETURN_INT64(e.entry_id);
}

/* ------------------------------------------------------------------------
 * Accounts
 * ------------------------------------------------------------------------
 */

static const char *const kinds[] = {"asset", "liability", "equity", "income", "expense"};

PG_FUNCTION_INFO_V1(fintech_open_account);
/* fintech.open_account(code, currency, kind, min_balance, max_balance, party_id, metadata) */
Datum
fintech_open_account(PG_FUNCTION_ARGS)
{
	char	   *code = arg_code(fcinfo, 0, "code");
	char	   *currency = arg_text(fcinfo, 1, "currency");
	char	   *kind = arg_text(fcinfo, 2, "kind");
	Jsonb	   *metadata = arg_metadata(fcinfo, 6);
	bool		kind_ok = false;
	Oid			types[7] = {TEXTOID, TEXTOID, TEXTOID, INT8OID, INT8OID, INT8OID, JSONBOID};
	Datum		v[7];
	char		n[7] = {' ', ' ', ' ', ' ', ' ', ' ', ' '};
	int			ret;
	int64		id;

	for (int i = 0; i < lengthof(kinds); i++)
		kind_ok |= strcmp(kind, kinds[i]) == 0;
	if (!kind_ok)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid account kind \"%s\"", kind),
				 errhint("The kind is one of asset, liability, equity, income, expense.")));
	if (!PG_ARGISNULL(3) && !PG_ARGISNULL(4) && PG_GETARG_INT64(3) > PG_GETARG_INT64(4))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_balance " INT64_FORMAT " is above max_balance " INT64_FORMAT,
						PG_GETARG_INT64(3), PG_GETARG_INT64(4))));
	/*
	 * A new account's balance is 0: limits that exclude it would make the
	 * account break its own limits from the start (check_ledger reports it).
	 */
	if ((!PG_ARGISNULL(3) && PG_GETARG_INT64(3) > 0) ||
		(!PG_ARGISNULL(4) && PG_GETARG_INT64(4) < 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("limits of account %s exclude its opening balance 0: min_balance %s, max_balance %s",
						code,
						PG_ARGISNULL(3) ? "NULL" : psprintf(INT64_FORMAT, PG_GETARG_INT64(3)),
						PG_ARGISNULL(4) ? "NULL" : psprintf(INT64_FORMAT, PG_GETARG_INT64(4))),
				 errhint("min_balance must be 0 or below and max_balance 0 or above (NULL: no limit).")));

	SPI_connect();
	v[0] = CStringGetTextDatum(currency);
	ft_run_select("SELECT 1 FROM fintech.currencies WHERE code OPERATOR(pg_catalog.=) $1", 1, types, v);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown currency \"%s\"", currency),
				 errhint("Currencies are the ISO 4217 codes in fintech.currencies; the owner may add more.")));
	if (!PG_ARGISNULL(5))
	{
		int64		party = PG_GETARG_INT64(5);

		v[0] = Int64GetDatum(party);
		ft_run_select("SELECT status, name FROM fintech.parties WHERE id OPERATOR(pg_catalog.=) $1"
				" FOR KEY SHARE", 1, &types[5], v);
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(LD009),
					 errmsg("party " INT64_FORMAT " does not exist", party),
					 errhint("Parties are created with fintech.create_party().")));
		if (strcmp(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1), "blocked") == 0)
			ereport(ERROR,
					(errcode(LD006),
					 errmsg("party " INT64_FORMAT " (%s) is blocked by sanctions screening",
							party, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2)),
					 errdetail("An alert on this party was confirmed; no account may be opened for it.")));
	}
	v[0] = CStringGetTextDatum(code);
	v[1] = CStringGetTextDatum(currency);
	v[2] = CStringGetTextDatum(kind);
	for (int i = 3; i <= 5; i++)
	{
		v[i] = PG_ARGISNULL(i) ? (Datum) 0 : PG_GETARG_DATUM(i);
		n[i] = PG_ARGISNULL(i) ? 'n' : ' ';
	}
	v[6] = JsonbPGetDatum(metadata);
	ret = SPI_execute_with_args("INSERT INTO fintech.accounts"
								" (code, currency, kind, min_balance, max_balance, party_id, metadata)"
								" VALUES ($1, $2, $3, $4, $5, $6, $7)"
								" ON CONFLICT (code) DO NOTHING RETURNING id",
								7, types, v, n, false, 0);
	if (ret != SPI_OK_INSERT_RETURNING)
		elog(ERROR, "SPI_execute_with_args failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("account %s already exists", code)));
	id = get_int8(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, NULL);
	SPI_finish();
	PG_RETURN_INT64(id);
}

/* lock one account FOR UPDATE (waits for deferred postings in flight) */
static Acct *
lock_one_account(const char *code)
{
	Datum		v[1] = {CStringGetTextDatum(code)};
	Acct	   *a = palloc0(sizeof(Acct));

	ft_run_plan(&plans, P_LOCK_ONE, v, NULL, false, 0);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(LD009),
				 errmsg("account %s does not exist", code)));
	a->code = pstrdup(code);
	fill_acct(a, SPI_tuptable->vals[0], SPI_tuptable->tupdesc);
	a->lock = ACCT_LOCKED;
	return a;
}

static void
set_status(Acct *a, const char *status)
{
	Oid			types[2] = {INT8OID, TEXTOID};
	Datum		v[2] = {Int64GetDatum(a->id), CStringGetTextDatum(status)};

	if (SPI_execute_with_args("UPDATE fintech.accounts SET status = $2 WHERE id OPERATOR(pg_catalog.=) $1",
							  2, types, v, NULL, false, 0) != SPI_OK_UPDATE || SPI_processed != 1)
		elog(ERROR, "could not set the status of account %s", a->code);
}

static void
change_status(FunctionCallInfo fcinfo, const char *from, const char *to)
{
	char	   *code = arg_code(fcinfo, 0, "code");
	Acct	   *a;

	SPI_connect();
	a = lock_one_account(code);
	if (strcmp(a->status, "closed") == 0)
		ereport(ERROR,
				(errcode(LD003),
				 errmsg("account %s is closed", code)));
	if (strcmp(a->status, from) == 0)
		set_status(a, to);
	SPI_finish();
}

PG_FUNCTION_INFO_V1(fintech_freeze_account);
Datum
fintech_freeze_account(PG_FUNCTION_ARGS)
{
	change_status(fcinfo, "active", "frozen");
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(fintech_unfreeze_account);
Datum
fintech_unfreeze_account(PG_FUNCTION_ARGS)
{
	change_status(fcinfo, "frozen", "active");
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(fintech_close_account);
/* close at zero balance without open holds; closing a closed account is a no-op */
Datum
fintech_close_account(PG_FUNCTION_ARGS)
{
	char	   *code = arg_code(fcinfo, 0, "code");
	Ledger		L;
	Acct	   *a;

	SPI_connect();
	a = lock_one_account(code);
	if (strcmp(a->status, "closed") != 0)
	{
		memset(&L, 0, sizeof(L));
		L.stamp = GetCurrentTimestamp();
		fold_account(&L, a);
		load_expired(&L, a);
		if (a->balance != 0)
			ereport(ERROR,
					(errcode(LD002),
					 errmsg("account %s: balance " INT64_FORMAT ", not 0", code, a->balance),
					 errhint("Move the balance out before closing the account.")));
		if (a->pending_out - a->expired_out != 0 || a->pending_in - a->expired_in != 0)
			ereport(ERROR,
					(errcode(LD002),
					 errmsg("account %s has open holds: " INT64_FORMAT " out, " INT64_FORMAT " in",
							code, a->pending_out - a->expired_out, a->pending_in - a->expired_in),
					 errhint("Post or void the holds before closing the account.")));
		if (a->dirty)
		{
			Datum		v[5] = {Int64GetDatum(a->id), Int64GetDatum(a->balance),
				Int64GetDatum(a->pending_out), Int64GetDatum(a->pending_in),
			Int64GetDatum(a->last_seq)};

			ft_run_plan(&plans, P_UPD_ACCOUNTS, v, NULL, false, 0);
		}
		set_status(a, "closed");
	}
	SPI_finish();
	PG_RETURN_VOID();
}

/* ------------------------------------------------------------------------
 * Balances
 * ------------------------------------------------------------------------
 */

/*
 * Posted balance including committed deferred postings; with available,
 * minus the live outgoing holds.
 */
static int64
current_balance(const char *code, bool available)
{
	Datum		v[1] = {CStringGetTextDatum(code)};
	HeapTuple	tup;
	TupleDesc	desc;
	Acct		a;
	bool		isnull;
	int64		unfolded;
	int128		result;

	ft_run_plan(&plans, P_UNFOLDED_SUM, v, NULL, true, 1);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(LD009),
				 errmsg("account %s does not exist", code)));
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	memset(&a, 0, sizeof(a));
	a.id = get_int8(tup, desc, 1, NULL);
	a.sign = kind_sign(get_text(tup, desc, 2));
	a.balance = get_int8(tup, desc, 3, NULL);
	a.pending_out = get_int8(tup, desc, 4, NULL);
	a.pending_in = get_int8(tup, desc, 5, NULL);
	unfolded = get_int8(tup, desc, 6, &isnull);
	result = (int128) a.balance + (int128) unfolded * a.sign;
	if (available && a.pending_out > 0)
	{
		Ledger		L;

		memset(&L, 0, sizeof(L));
		L.stamp = GetCurrentTimestamp();
		load_expired(&L, &a);
		result -= (int128) a.pending_out - a.expired_out;
	}
	/* the ledger keeps these within bigint (apply_entry); a fold may not have yet */
	if (result < PG_INT64_MIN || result > PG_INT64_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("account %s: %s %s out of range for bigint", code,
						available ? "available balance" : "balance", i128_str(result)),
				 errdetail("Posted balance " INT64_FORMAT ", deferred postings %s"
						   ", held out " INT64_FORMAT ".", a.balance, i128_str((int128) unfolded * a.sign),
						   available ? a.pending_out - a.expired_out : 0)));
	return (int64) result;
}

PG_FUNCTION_INFO_V1(fintech_balance);
Datum
fintech_balance(PG_FUNCTION_ARGS)
{
	char	   *code = arg_code(fcinfo, 0, "account");
	int64		result;

	SPI_connect();
	result = current_balance(code, false);
	SPI_finish();
	PG_RETURN_INT64(result);
}

PG_FUNCTION_INFO_V1(fintech_available_balance);
Datum
fintech_available_balance(PG_FUNCTION_ARGS)
{
	char	   *code = arg_code(fcinfo, 0, "account");
	int64		result;

	SPI_connect();
	result = current_balance(code, true);
	SPI_finish();
	PG_RETURN_INT64(result);
}

PG_FUNCTION_INFO_V1(fintech_balance_at);
/* balance after exactly the postings stamped <= at: one index lookup */
Datum
fintech_balance_at(PG_FUNCTION_ARGS)
{
	char	   *code = arg_code(fcinfo, 0, "account");
	Datum		v[2];
	bool		isnull;
	int64		result;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("at must not be NULL")));
	v[0] = CStringGetTextDatum(code);
	v[1] = PG_GETARG_DATUM(1);
	SPI_connect();
	ft_run_plan(&plans, P_BALANCE_AT, v, NULL, true, 1);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(LD009),
				 errmsg("account %s does not exist", code)));
	result = get_int8(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	SPI_finish();
	PG_RETURN_INT64(isnull ? 0 : result);
}

/* ------------------------------------------------------------------------
 * check_ledger
 * ------------------------------------------------------------------------
 */

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
		"        WHERE p.account_id = a.id AND p.seq = a.last_seq), 0))"
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

/* ------------------------------------------------------------------------
 * Immutability trigger
 * ------------------------------------------------------------------------
 */

/* the tables the install scripts protect with fintech.refuse_change() */
static const char *const refuse_change_tables[] = {
	"accounts", "entries", "postings", "pending_legs", "holds",
	"audit_log", "audit_head", "payments"
};

PG_FUNCTION_INFO_V1(fintech_refuse_change);
/*
 * BEFORE UPDATE/DELETE (row) and BEFORE TRUNCATE (statement) trigger on
 * history: LD007 for everyone, owner included.  The changes let through
 * are the extension's own write-once steps (see FintechInternalWrite):
 * folding a deferred posting and moving the head of the audit chain, each
 * filling columns that were NULL (audit rows themselves are sealed in C,
 * past this trigger: see seal_write() in audit.c).
 */
Datum
fintech_refuse_change(PG_FUNCTION_ARGS)
{
	TriggerData *trig = (TriggerData *) fcinfo->context;
	const char *op;
	const char *rel;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("fintech.refuse_change() can only be called as a trigger")));
	rel = RelationGetRelationName(trig->tg_relation);

	/*
	 * Only as the install scripts attach it: BEFORE UPDATE/DELETE FOR EACH
	 * ROW or BEFORE TRUNCATE FOR EACH STATEMENT, on one of fintech's own
	 * history tables (refuse_change_tables).  Anything else is refused
	 * before a tuple is looked at.
	 */
	{
		bool		ok = false;

		if (RelationGetNamespace(trig->tg_relation) == get_namespace_oid("fintech", true))
			for (int i = 0; i < lengthof(refuse_change_tables); i++)
				if (strcmp(rel, refuse_change_tables[i]) == 0)
					ok = true;
		ok = ok && TRIGGER_FIRED_BEFORE(trig->tg_event);
		if (TRIGGER_FIRED_BY_TRUNCATE(trig->tg_event))
			ok = ok && TRIGGER_FIRED_FOR_STATEMENT(trig->tg_event);
		else if (TRIGGER_FIRED_BY_UPDATE(trig->tg_event) || TRIGGER_FIRED_BY_DELETE(trig->tg_event))
			ok = ok && TRIGGER_FIRED_FOR_ROW(trig->tg_event) && trig->tg_trigtuple != NULL &&
				(!TRIGGER_FIRED_BY_UPDATE(trig->tg_event) || trig->tg_newtuple != NULL);
		else
			ok = false;			/* INSERT */
		if (!ok)
			ereport(ERROR,
					(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
					 errmsg("trigger \"%s\" on %s cannot use fintech.refuse_change()",
							trig->tg_trigger->tgname,
							quote_qualified_identifier(get_namespace_name(RelationGetNamespace(trig->tg_relation)),
													   rel)),
					 errdetail("fintech.refuse_change() only runs BEFORE UPDATE or DELETE FOR EACH ROW "
							   "or BEFORE TRUNCATE FOR EACH STATEMENT on fintech's own history tables.")));
	}
	if (TRIGGER_FIRED_BY_UPDATE(trig->tg_event))
	{
		bool		allowed;

		op = "UPDATE";
		allowed = TRIGGER_FIRED_FOR_ROW(trig->tg_event) &&
			((fintech_internal_write == FT_WRITE_FOLD && strcmp(rel, "postings") == 0) ||
			 (fintech_internal_write == FT_WRITE_SEAL &&
			  strcmp(rel, "audit_head") == 0) ||
			 (fintech_internal_write == FT_WRITE_PAYMENT && strcmp(rel, "payments") == 0));
		if (allowed && fintech_internal_write == FT_WRITE_PAYMENT)
		{
			TupleDesc	desc = RelationGetDescr(trig->tg_relation);
			char	   *old pg_attribute_unused() = SPI_getvalue(trig->tg_trigtuple, desc,
															 SPI_fnumber(desc, "status"));

			/* a held payment is resolved once */
			FT_CHECK(old != NULL && strcmp(old, "held") == 0);
			return PointerGetDatum(trig->tg_newtuple);
		}
		if (allowed)
		{
			TupleDesc	desc = RelationGetDescr(trig->tg_relation);
			int			seqcol = SPI_fnumber(desc, "seq");

			/* a write-once column goes from NULL to a value, never back */
			if (seqcol > 0)
			{
				bool		oldnull,
							newnull;

				(void) heap_getattr(trig->tg_trigtuple, seqcol, desc, &oldnull);
				(void) heap_getattr(trig->tg_newtuple, seqcol, desc, &newnull);
				FT_CHECK(oldnull && !newnull);
			}
			return PointerGetDatum(trig->tg_newtuple);
		}
	}
	else if (TRIGGER_FIRED_BY_DELETE(trig->tg_event))
		op = "DELETE";
	else
		op = "TRUNCATE";

	ereport(ERROR,
			(errcode(LD007),
			 errmsg("%s on fintech.%s is not allowed: %s is immutable", op, rel,
					strncmp(rel, "audit", 5) == 0 ? "the audit trail" :
					strcmp(rel, "payments") == 0 ? "a payment" : "ledger history"),
			 strcmp(rel, "accounts") == 0
			 ? errhint("Close an account with fintech.close_account().")
			 : strcmp(rel, "payments") == 0
			 ? errhint("A payment never changes; refund it with a new payment or fintech.reverse() of its entry.")
			 : strncmp(rel, "audit", 5) == 0
			 ? errhint("Audit rows are only ever added; fintech.verify_audit() checks them.")
			 : errhint("Correct a posted entry with fintech.reverse(); release a hold with fintech.void_pending().")));
	PG_RETURN_NULL();
}

/* ------------------------------------------------------------------------
 * Module initialisation
 * ------------------------------------------------------------------------
 */

void
LedgerInit(void)
{
	fintech_define_job("expire_holds", "fintech.expire_holds_interval",
					   "How often the background worker releases holds past their deadline.",
					   1000, expire_holds_job);
	fintech_define_job("fold_postings", "fintech.fold_interval",
					   "How often the background worker folds deferred postings into their accounts; "
					   "0 also turns deferral off (every posting waits for its account's row lock).",
					   200, fold_postings_job);
}
