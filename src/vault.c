/*-------------------------------------------------------------------------
 *
 * vault.c
 *	  The card vault (PCI DSS tokenization): fintech.tokenize_card(),
 *	  fintech.detokenize_card(), fintech.rotate_vault_key() and the
 *	  rotate_vault_key job.  Keys: vault_keys.c; cryptography:
 *	  vault_crypto.c.
 *
 * fintech.vault_cards holds one row per card: its token, the lookup hash
 * (HMAC-SHA256 of the PAN under the key's lookup key: the same PAN finds
 * its token again, and the hash reveals nothing without the key), the id
 * of the key it is sealed under, IV, ciphertext and tag.  Never the PAN.
 * fintech.vault_access records every detokenization (role, time, token);
 * it is an audited table, so each record is in the verifiable log.
 *
 * Nothing that fails here may show a card number: the SQL functions run
 * their body under PG_TRY and re-raise any error with errhidestmt, so the
 * server log never gets the calling statement (which may hold the PAN as
 * a literal); no message repeats an argument.
 *
 * Rotation: the first key of the file is the current one.  The job
 * re-encrypts, a batch per transaction, the cards sealed under the file's
 * older keys (FOR UPDATE SKIP LOCKED), so it resumes where it stopped
 * after a cancel, an error or a crash; until every card is under the
 * current key the older keys keep decrypting.  rotate_vault_key() asks the
 * launcher for runs until no card is left under an older key.
 *
 * Locks: tokenize inserts with ON CONFLICT DO NOTHING on the token and the
 * lookup hash: two sessions tokenizing one new PAN at once wait on the
 * unique index and the second reads the first's token.  The job locks the
 * rows it re-encrypts (SKIP LOCKED: a row another run holds is left for
 * later).  Detokenize reads without locking.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/syscache.h"
#include "utils/wait_event.h"

#include "fintech.h"
#include "jobs.h"
#include "spi_plan.h"
#include "vault.h"

/* cards the rotation job re-encrypts per transaction */
#define ROTATE_BATCH 1000
/* the job's progress note counts the cards left up to this many */
#define ROTATE_COUNT_CAP 100000
/* attempts at a token that is not taken yet */
#define TOKEN_ATTEMPTS 20

enum
{
	P_FIND,
	P_INSERT,
	P_CARD,
	P_RECORD,
	P_OLD,
	P_UPDATE,
	P_LEFT,
	P_COUNT_OLD,
	P_ORPHANS,
	NPLANS
};

static const FintechPlanDef plan_defs[NPLANS] = {
	[P_FIND] = {"SELECT token FROM fintech.vault_cards WHERE lookup OPERATOR(pg_catalog.=) ANY ($1) LIMIT 1",
	1, {BYTEAARRAYOID}},
	[P_INSERT] = {"INSERT INTO fintech.vault_cards (token, lookup, key_id, iv, ciphertext, tag) "
				  "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING token",
	6, {TEXTOID, BYTEAOID, BYTEAOID, BYTEAOID, BYTEAOID, BYTEAOID}},
	[P_CARD] = {"SELECT key_id, iv, ciphertext, tag FROM fintech.vault_cards "
				"WHERE token OPERATOR(pg_catalog.=) $1",
	1, {TEXTOID}},
	[P_RECORD] = {"INSERT INTO fintech.vault_access (accessed_by, token) VALUES ($1, $2)",
	2, {TEXTOID, TEXTOID}},
	[P_OLD] = {"SELECT token, key_id, iv, ciphertext, tag FROM fintech.vault_cards "
			   "WHERE key_id OPERATOR(pg_catalog.=) ANY ($1) LIMIT $2 FOR UPDATE SKIP LOCKED",
	2, {BYTEAARRAYOID, INT4OID}},
	[P_UPDATE] = {"UPDATE fintech.vault_cards SET lookup = $2, key_id = $3, iv = $4, ciphertext = $5, "
				  "tag = $6, sealed_at = pg_catalog.clock_timestamp() WHERE token OPERATOR(pg_catalog.=) $1",
	6, {TEXTOID, BYTEAOID, BYTEAOID, BYTEAOID, BYTEAOID, BYTEAOID}},
	[P_LEFT] = {"SELECT pg_catalog.count(*) FROM (SELECT FROM fintech.vault_cards "
				"WHERE key_id OPERATOR(pg_catalog.=) ANY ($1) LIMIT " CppAsString2(ROTATE_COUNT_CAP) ") s",
	1, {BYTEAARRAYOID}},
	[P_COUNT_OLD] = {"SELECT pg_catalog.count(*) FROM fintech.vault_cards "
					 "WHERE key_id OPERATOR(pg_catalog.=) ANY ($1)",
	1, {BYTEAARRAYOID}},
	[P_ORPHANS] = {"SELECT pg_catalog.count(*) FROM fintech.vault_cards "
				   "WHERE key_id OPERATOR(pg_catalog.<>) ALL ($1)",
	1, {BYTEAARRAYOID}},
};
FT_DEFINE_PLANS(plans, plan_defs);

/* bytea[] of the ids of keys[from .. n-1] */
static Datum
key_ids(const VaultKey *keys, int from, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(n - from, 1));

	for (int i = from; i < n; i++)
		d[i - from] = PointerGetDatum(vault_bytea(keys[i].id, VAULT_KEY_ID_LEN));
	return PointerGetDatum(construct_array(d, n - from, BYTEAOID, -1, false, TYPALIGN_INT));
}

static int64
first_int8(void)
{
	bool		isnull;

	return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/* the bytea column n of row 0 of the last result, detoasted */
static bytea *
col_bytea(int row, int n)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, n, &isnull);

	return isnull ? NULL : DatumGetByteaPP(d);
}

/*
 * A digit string of 12 to 19 characters: 22023 otherwise, without
 * repeating it.  `what` names the argument.  Returns its length.
 */
static int
digits_arg(FunctionCallInfo fcinfo, const char *what, char *buf)
{
	text	   *t;
	int			len;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be NULL", what),
				 errhidestmt(true)));
	t = PG_GETARG_TEXT_PP(0);
	len = VARSIZE_ANY_EXHDR(t);
	/* buf ends at len before strspn reads it (it stops at a NUL only) */
	if (len >= VAULT_PAN_MIN && len <= VAULT_PAN_MAX)
	{
		memcpy(buf, VARDATA_ANY(t), len);
		buf[len] = '\0';
	}
	if (len < VAULT_PAN_MIN || len > VAULT_PAN_MAX ||
		strspn(buf, "0123456789") < (size_t) len)
	{
		explicit_bzero(buf, VAULT_PAN_MAX + 1);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be %d to %d digits (0-9) and nothing else", what,
						VAULT_PAN_MIN, VAULT_PAN_MAX),
				 errdetail("The value is not shown."),
				 errhidestmt(true)));
	}
	return len;
}

/*
 * body(fcinfo), re-raising any error it raises with errhidestmt: the
 * caller's statement (which may hold a card number as a literal) never
 * goes into the server log with it
 */
static text *
call_hiding_statement(FunctionCallInfo fcinfo, text *(*body) (FunctionCallInfo))
{
	MemoryContext cxt = CurrentMemoryContext;
	text	   *volatile result = NULL;

	PG_TRY();
	{
		result = body(fcinfo);
	}
	PG_CATCH();
	{
		ErrorData  *ed;

		MemoryContextSwitchTo(cxt);
		ed = CopyErrorData();
		FlushErrorState();
		ed->hide_stmt = true;
		ReThrowError(ed);
	}
	PG_END_TRY();
	return result;
}

/* ------------------------------------------------------------------------
 * tokenize_card
 * ------------------------------------------------------------------------
 */

static text *
tokenize(FunctionCallInfo fcinfo)
{
	char		pan[VAULT_PAN_MAX + 1];
	char		token[VAULT_PAN_MAX + 1];
	int			len;
	int			nkeys;
	const VaultKey *keys;
	Datum	   *lookups;
	Datum		arr;
	text	   *result = NULL;

	len = digits_arg(fcinfo, "card number", pan);
	if (!vault_luhn_ok(pan, len))
	{
		explicit_bzero(pan, sizeof(pan));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("card number fails the Luhn check"),
				 errdetail("The value is not shown."),
				 errhidestmt(true)));
	}
	keys = vault_keys(&nkeys);

	/* the PAN's lookup hash under each key: a card not yet rotated is found too */
	lookups = palloc(sizeof(Datum) * nkeys);
	for (int i = 0; i < nkeys; i++)
	{
		uint8		h[VAULT_TAG_LEN];

		vault_hmac(keys[i].lookup, pan, len, NULL, 0, h);
		lookups[i] = PointerGetDatum(vault_bytea(h, VAULT_TAG_LEN));
	}
	arr = PointerGetDatum(construct_array(lookups, nkeys, BYTEAOID, -1, false, TYPALIGN_INT));

	SPI_connect();
	for (int attempt = 0; result == NULL; attempt++)
	{
		bytea	   *iv;
		bytea	   *ct;
		bytea	   *tag;
		Datum		v[6];

		CHECK_FOR_INTERRUPTS();
		ft_run_plan(&plans, P_FIND, &arr, NULL, false, 1);
		if (SPI_processed > 0)
		{
			bool		isnull;
			Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

			result = (text *) DatumGetPointer(SPI_datumTransfer(d, false, -1));
			break;
		}
		if (attempt >= TOKEN_ATTEMPTS)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
					 errmsg("no free card token of %d digits after %d attempts", len, TOKEN_ATTEMPTS),
					 errhint("Tokens of this length ending in these four digits are nearly exhausted."),
					 errhidestmt(true)));

		vault_new_token(pan, len, token);
		vault_seal(&keys[0], token, pan, len, &iv, &ct, &tag);
		v[0] = CStringGetTextDatum(token);
		v[1] = lookups[0];
		v[2] = PointerGetDatum(vault_bytea(keys[0].id, VAULT_KEY_ID_LEN));
		v[3] = PointerGetDatum(iv);
		v[4] = PointerGetDatum(ct);
		v[5] = PointerGetDatum(tag);
		/* nothing inserted: the token was taken (try another) or the PAN came in meanwhile (found above) */
		if (ft_run_plan(&plans, P_INSERT, v, NULL, false, 1) == SPI_OK_INSERT_RETURNING &&
			SPI_processed == 1)
			result = (text *) DatumGetPointer(SPI_datumTransfer(v[0], false, -1));
	}
	SPI_finish();
	explicit_bzero(pan, sizeof(pan));
	return result;
}

PG_FUNCTION_INFO_V1(fintech_tokenize_card);

/* fintech.tokenize_card(pan text) RETURNS text */
Datum
fintech_tokenize_card(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(call_hiding_statement(fcinfo, tokenize));
}

/* ------------------------------------------------------------------------
 * detokenize_card
 * ------------------------------------------------------------------------
 */

/* 42501 when the role holds application rights (EXECUTE on pay or transfer) */
static void
refuse_application_role(Oid role)
{
	static const char *const app_fns[] = {"pay", "transfer"};
	Oid			nsp;

	if (superuser_arg(role))
		return;
	nsp = get_namespace_oid("fintech", false);
	for (int i = 0; i < lengthof(app_fns); i++)
	{
		CatCList   *list = SearchSysCacheList1(PROCNAMEARGSNSP, CStringGetDatum(app_fns[i]));
		bool		holds = false;

		for (int j = 0; j < list->n_members && !holds; j++)
		{
			Form_pg_proc p = (Form_pg_proc) GETSTRUCT(&list->members[j]->tuple);

			holds = p->pronamespace == nsp &&
				pg_proc_aclcheck(p->oid, role, ACL_EXECUTE) == ACLCHECK_OK;
		}
		ReleaseSysCacheList(list);
		if (holds)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("role %s may not detokenize card numbers: it holds application rights "
							"(EXECUTE on fintech.%s)", GetUserNameFromId(role, false), app_fns[i]),
					 errhint("Detokenize from a role of its own that holds no application duty, granted "
							 "EXECUTE on fintech.detokenize_card by hand (docs/vault.md)."),
					 errhidestmt(true)));
	}
}

static text *
detokenize(FunctionCallInfo fcinfo)
{
	char		token[VAULT_PAN_MAX + 1];
	int			len;
	Oid			role = GetOuterUserId();
	uint8		id[VAULT_KEY_ID_LEN];
	bytea	   *idb;
	const VaultKey *key;
	char	   *pan;
	Datum		v[2];
	int			nkeys;
	text	   *result;

	refuse_application_role(role);
	len = digits_arg(fcinfo, "card token", token);
	(void) vault_keys(&nkeys);	/* no usable key file: 55000 before anything else */
	if (vault_luhn_ok(token, len))
	{
		/* a token never passes: this is likely a card number, not to be recorded */
		explicit_bzero(token, sizeof(token));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("card token passes the Luhn check: it is not a token (a card number?)"),
				 errdetail("The value is not shown and was not recorded."),
				 errhidestmt(true)));
	}

	SPI_connect();
	v[0] = CStringGetTextDatum(token);
	ft_run_plan(&plans, P_CARD, v, NULL, false, 1);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_LD009),
				 errmsg("unknown card token (LD009): the vault holds no card under this %d-digit token", len),
				 errhidestmt(true)));
	idb = col_bytea(0, 1);
	if (VARSIZE_ANY_EXHDR(idb) != VAULT_KEY_ID_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("card vault row of a token is damaged: its key id has the wrong length"),
				 errhidestmt(true)));
	memcpy(id, VARDATA_ANY(idb), VAULT_KEY_ID_LEN);
	key = vault_key_by_id(id);
	if (key == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the card of this token is sealed under a key the vault's key file no longer holds"),
				 errhint("Put the older key back as a later line of fintech.vault_key_file and reload; remove "
						 "an older key only after fintech.rotate_vault_key() has finished."),
				 errhidestmt(true)));
	pan = vault_open(key, token, col_bytea(0, 2), col_bytea(0, 3), col_bytea(0, 4));

	/* the record of this call: role, time (the column's default), token */
	v[0] = CStringGetTextDatum(GetUserNameFromId(role, false));
	v[1] = CStringGetTextDatum(token);
	ft_run_plan(&plans, P_RECORD, v, NULL, false, 0);
	SPI_finish();

	result = cstring_to_text(pan);
	explicit_bzero(pan, strlen(pan));
	return result;
}

PG_FUNCTION_INFO_V1(fintech_detokenize_card);

/* fintech.detokenize_card(token text) RETURNS text */
Datum
fintech_detokenize_card(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(call_hiding_statement(fcinfo, detokenize));
}

/* ------------------------------------------------------------------------
 * Rotation
 * ------------------------------------------------------------------------
 */

/*
 * Re-encrypt up to `batch` cards sealed under an older key of the file
 * under the current one (SPI connected); sets *again when it may have left
 * some.  Decides nothing else: the cards are chosen by the query.
 */
static int64
rotate_some(int batch, bool *again)
{
	int			nkeys;
	const VaultKey *keys = vault_keys(&nkeys);
	const VaultKey *cur = &keys[0];
	Datum		old;
	Datum		v[6];
	int64		done = 0;
	SPITupleTable *rows;
	uint64		nrows;

	*again = false;
	if (nkeys == 1)
	{
		fintech_job_note("the key file holds only the current key: nothing to re-encrypt");
		return 0;
	}
	old = key_ids(keys, 1, nkeys);
	v[0] = old;
	v[1] = Int32GetDatum(batch);
	ft_run_plan(&plans, P_OLD, v, NULL, false, 0);
	rows = SPI_tuptable;
	nrows = SPI_processed;
	for (uint64 r = 0; r < nrows; r++)
	{
		bool		isnull;
		char	   *token;
		bytea	   *idb;
		const VaultKey *key;
		char	   *pan;
		uint8		h[VAULT_TAG_LEN];
		bytea	   *iv;
		bytea	   *ct;
		bytea	   *tag;

		CHECK_FOR_INTERRUPTS();
		SPI_tuptable = rows;
		token = TextDatumGetCString(SPI_getbinval(rows->vals[r], rows->tupdesc, 1, &isnull));
		idb = col_bytea(r, 2);
		key = VARSIZE_ANY_EXHDR(idb) == VAULT_KEY_ID_LEN ? vault_key_by_id((uint8 *) VARDATA_ANY(idb)) : NULL;
		FT_CHECK(key != NULL);
		pan = vault_open(key, token, col_bytea(r, 3), col_bytea(r, 4), col_bytea(r, 5));
		vault_hmac(cur->lookup, pan, strlen(pan), NULL, 0, h);
		vault_seal(cur, token, pan, strlen(pan), &iv, &ct, &tag);
		explicit_bzero(pan, strlen(pan));
		v[0] = CStringGetTextDatum(token);
		v[1] = PointerGetDatum(vault_bytea(h, VAULT_TAG_LEN));
		v[2] = PointerGetDatum(vault_bytea(cur->id, VAULT_KEY_ID_LEN));
		v[3] = PointerGetDatum(iv);
		v[4] = PointerGetDatum(ct);
		v[5] = PointerGetDatum(tag);
		ft_run_plan(&plans, P_UPDATE, v, NULL, false, 0);
		done++;
	}
	SPI_freetuptable(rows);
	*again = nrows == (uint64) batch;

	ft_run_plan(&plans, P_LEFT, &old, NULL, false, 1);
	{
		int64		left = first_int8();

		fintech_job_note(psprintf("re-encrypted " INT64_FORMAT " card(s) under the current key; %s" INT64_FORMAT
								  " left under older keys", done,
								  left >= ROTATE_COUNT_CAP ? "at least " : "", left));
	}
	return done;
}

/* the rotate_vault_key job */
static int64
rotate_job(bool *again)
{
	int64		n;

	*again = false;
	if (!vault_key_file_set())
	{
		fintech_job_note("fintech.vault_key_file is not set: nothing to re-encrypt");
		return 0;
	}
	SPI_connect();
	n = rotate_some(ROTATE_BATCH, again);
	SPI_finish();
	return n;
}

/* cards (SPI connected) under the keys of `ids` (P_COUNT_OLD) or under none of them (P_ORPHANS) */
static int64
count_cards(int which, Datum ids)
{
	ft_run_plan(&plans, which, &ids, NULL, false, 1);
	return first_int8();
}

PG_FUNCTION_INFO_V1(fintech_rotate_vault_key);

/*
 * fintech.rotate_vault_key() RETURNS bigint: asks the launcher to run the
 * rotate_vault_key job until no card is left under an older key of the
 * file; returns how many cards were under older keys when it was called.
 */
Datum
fintech_rotate_vault_key(PG_FUNCTION_ARGS)
{
	int			nkeys;
	const VaultKey *keys;
	Datum		old;
	int64		total;
	int64		orphans;
	int64		left;

	fintech_require_worker("fintech.rotate_vault_key()");
	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("fintech.rotate_vault_key() cannot run in a REPEATABLE READ or SERIALIZABLE transaction"),
				 errdetail("It waits for the background worker's commits, which such a snapshot never sees."),
				 errhint("Call it in READ COMMITTED (the default).")));
	keys = vault_keys(&nkeys);

	SPI_connect();
	orphans = count_cards(P_ORPHANS, key_ids(keys, 0, nkeys));
	if (orphans > 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg(INT64_FORMAT " card(s) are sealed under a key the vault's key file does not hold",
						orphans),
				 errdetail("They cannot be decrypted, so they cannot be re-encrypted."),
				 errhint("Put every older key back as a later line of fintech.vault_key_file and reload.")));
	old = key_ids(keys, 1, nkeys);
	total = nkeys > 1 ? count_cards(P_COUNT_OLD, old) : 0;
	left = total;
	while (left > 0)
	{
		int64		rows;

		CHECK_FOR_INTERRUPTS();
		rows = DatumGetInt64(DirectFunctionCall2(fintech_run_job,
												 CStringGetTextDatum("rotate_vault_key"),
												 BoolGetDatum(true)));
		left = count_cards(P_COUNT_OLD, old);
		/* the launcher has not read the reloaded file yet: give it a moment */
		if (rows == 0 && left > 0)
		{
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 200,
							 PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
		}
	}
	SPI_finish();
	PG_RETURN_INT64(total);
}

void
VaultInit(void)
{
	VaultKeysInit();
	fintech_define_job("rotate_vault_key", "fintech.vault_rotate_interval",
					   "How often the background worker re-encrypts, under the current key of "
					   "fintech.vault_key_file, the cards still sealed under its older keys (in batches of "
					   CppAsString2(ROTATE_BATCH) ").",
					   60000, rotate_job);
}
