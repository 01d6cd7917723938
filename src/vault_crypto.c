/*-------------------------------------------------------------------------
 *
 * vault_crypto.c
 *	  The card vault's cryptography: AES-256-CBC through pgcrypto's own C
 *	  functions (encrypt_iv, decrypt_iv of the schema pgcrypto is installed
 *	  in, members of extension pgcrypto), called through fmgr with the key
 *	  as a bytea Datum -- never SQL text holding a key or a card number;
 *	  HMAC-SHA256 (PostgreSQL's common/hmac); random tokens.
 *
 * A card is sealed as IV (16 random bytes), ciphertext =
 * aes-cbc/pad:pkcs(PAN) under the key's enc key (32 bytes: AES-256), and
 * tag = HMAC-SHA256(mac key, len(token) || token || IV || ciphertext)
 * (encrypt-then-MAC; the tag binds a ciphertext to its token).  The tag is
 * checked before decrypting.
 *
 * Locks: none.  pgcrypto's functions are looked up once per backend and
 * forgotten on any invalidation of pg_proc (DROP/CREATE EXTENSION pgcrypto).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hmac.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "fintech.h"
#include "spi_plan.h"
#include "vault.h"

/* ------------------------------------------------------------------------
 * HMAC, Luhn, tokens
 * ------------------------------------------------------------------------
 */

/* out = HMAC-SHA256(key, a || b) */
void
vault_hmac(const uint8 *key, const void *a, size_t alen, const void *b, size_t blen,
		   uint8 *out)
{
	pg_hmac_ctx *ctx = pg_hmac_create(PG_SHA256);

	if (ctx == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	if (pg_hmac_init(ctx, key, VAULT_KEY_LEN) < 0 ||
		pg_hmac_update(ctx, a, alen) < 0 ||
		(blen > 0 && pg_hmac_update(ctx, b, blen) < 0) ||
		pg_hmac_final(ctx, out, VAULT_TAG_LEN) < 0)
	{
		const char *why = pg_hmac_error(ctx);

		pg_hmac_free(ctx);
		elog(ERROR, "card vault: HMAC-SHA256 failed: %s", why);
	}
	pg_hmac_free(ctx);
}

bool
vault_luhn_ok(const char *digits, int len)
{
	int			sum = 0;

	for (int i = 0; i < len; i++)
	{
		int			d = digits[len - 1 - i] - '0';

		if (i % 2 == 1)
		{
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return sum % 10 == 0;
}

/* a uniformly random decimal digit */
static char
random_digit(void)
{
	uint8		b;

	do
	{
		if (!pg_strong_random(&b, 1))
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not generate a random card token")));
	} while (b >= 250);
	return (char) ('0' + b % 10);
}

/*
 * The PAN's length and last four digits; the others random.  Should the
 * result pass the Luhn check, its first digit is changed: each position's
 * Luhn weight maps the ten digits onto ten distinct residues, so any other
 * digit there fails the check.
 */
void
vault_new_token(const char *pan, int len, char *token)
{
	for (int i = 0; i < len - 4; i++)
		token[i] = random_digit();
	memcpy(token + len - 4, pan + len - 4, 4);
	token[len] = '\0';
	if (vault_luhn_ok(token, len))
		token[0] = (char) ('0' + (token[0] - '0' + 1) % 10);
	FT_CHECK(!vault_luhn_ok(token, len));
}

/* ------------------------------------------------------------------------
 * pgcrypto through fmgr
 * ------------------------------------------------------------------------
 */

enum
{
	P_PGCRYPTO_FN,
	NPLANS
};

/* pgcrypto's function of that name taking (bytea, bytea, bytea, text), a member of pgcrypto */
static const FintechPlanDef plan_defs[NPLANS] = {
	[P_PGCRYPTO_FN] = {"SELECT p.oid FROM pg_catalog.pg_proc p "
					   "JOIN pg_catalog.pg_depend d ON d.objid OPERATOR(pg_catalog.=) p.oid "
					   " AND d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass "
					   " AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass "
					   " AND d.deptype OPERATOR(pg_catalog.=) 'e' "
					   "JOIN pg_catalog.pg_extension e ON e.oid OPERATOR(pg_catalog.=) d.refobjid "
					   "JOIN pg_catalog.pg_language l ON l.oid OPERATOR(pg_catalog.=) p.prolang "
					   "WHERE e.extname OPERATOR(pg_catalog.=) 'pgcrypto' "
					   "  AND p.proname OPERATOR(pg_catalog.=) $1 AND l.lanname OPERATOR(pg_catalog.=) 'c' "
					   "  AND p.proargtypes OPERATOR(pg_catalog.=) '17 17 17 25'::pg_catalog.oidvector",
	1, {NAMEOID}},
};
FT_DEFINE_PLANS(plans, plan_defs);

static FmgrInfo encrypt_fn;
static FmgrInfo decrypt_fn;
static bool fns_valid = false;
static bool callback_registered = false;

static void
forget_fns(Datum arg, int cacheid, uint32 hashvalue)
{
	fns_valid = false;
}

static void
lookup_fn(const char *name, FmgrInfo *finfo)
{
	Datum		arg = CStringGetDatum(name);
	Oid			fn;

	if (ft_run_plan(&plans, P_PGCRYPTO_FN, &arg, NULL, true, 2) != SPI_OK_SELECT ||
		SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the card vault needs pgcrypto's function %s(bytea, bytea, bytea, text)", name),
				 errhint("CREATE EXTENSION pgcrypto (fintech requires it).")));
	fn = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &(bool){false}));
	fmgr_info_cxt(fn, finfo, TopMemoryContext);
}

/* SPI must be connected */
static void
need_fns(void)
{
	if (fns_valid)
		return;
	if (!callback_registered)
	{
		CacheRegisterSyscacheCallback(PROCOID, forget_fns, (Datum) 0);
		callback_registered = true;
	}
	lookup_fn("encrypt_iv", &encrypt_fn);
	lookup_fn("decrypt_iv", &decrypt_fn);
	fns_valid = true;
}

bytea *
vault_bytea(const void *data, int len)
{
	bytea	   *b = palloc(VARHDRSZ + len);

	SET_VARSIZE(b, VARHDRSZ + len);
	memcpy(VARDATA(b), data, len);
	return b;
}

static void
bytea_wipe(bytea *b)
{
	explicit_bzero(VARDATA(b), VARSIZE(b) - VARHDRSZ);
	pfree(b);
}

/* tag = HMAC(mac, len(token) || token || iv || ciphertext) */
static void
compute_tag(const VaultKey *key, const char *token, bytea *iv, bytea *ct, uint8 *tag)
{
	int			tlen = strlen(token);
	int			blen = 1 + tlen + VAULT_IV_LEN + (VARSIZE_ANY_EXHDR(ct));
	uint8	   *buf = palloc(blen);

	buf[0] = (uint8) tlen;
	for (int i = 0; i < tlen; i++)
		buf[1 + i] = (uint8) token[i];
	memcpy(buf + 1 + tlen, VARDATA_ANY(iv), VAULT_IV_LEN);
	memcpy(buf + 1 + tlen + VAULT_IV_LEN, VARDATA_ANY(ct), VARSIZE_ANY_EXHDR(ct));
	vault_hmac(key->mac, buf, blen, NULL, 0, tag);
	pfree(buf);
}

static Datum
cipher_type(void)
{
	return CStringGetTextDatum("aes-cbc/pad:pkcs");
}

void
vault_seal(const VaultKey *key, const char *token, const char *pan, int len,
		   bytea **iv, bytea **ciphertext, bytea **tag)
{
	uint8		ivbytes[VAULT_IV_LEN];
	uint8		tagbytes[VAULT_TAG_LEN];
	bytea	   *k;
	bytea	   *data;

	need_fns();
	if (!pg_strong_random(ivbytes, VAULT_IV_LEN))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random IV for the card vault")));
	*iv = vault_bytea(ivbytes, VAULT_IV_LEN);
	k = vault_bytea(key->enc, VAULT_KEY_LEN);
	data = vault_bytea(pan, len);
	*ciphertext = DatumGetByteaPP(FunctionCall4(&encrypt_fn, PointerGetDatum(data),
												PointerGetDatum(k), PointerGetDatum(*iv),
												cipher_type()));
	bytea_wipe(data);
	bytea_wipe(k);
	compute_tag(key, token, *iv, *ciphertext, tagbytes);
	*tag = vault_bytea(tagbytes, VAULT_TAG_LEN);
}

char *
vault_open(const VaultKey *key, const char *token, bytea *iv, bytea *ciphertext, bytea *tag)
{
	uint8		want[VAULT_TAG_LEN];
	bytea	   *k;
	bytea	   *plain;
	int			len;
	char	   *pan;

	need_fns();
	if (VARSIZE_ANY_EXHDR(iv) != VAULT_IV_LEN || VARSIZE_ANY_EXHDR(tag) != VAULT_TAG_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("card vault row of a token is damaged: its IV or tag has the wrong length"),
				 errhidestmt(true)));
	compute_tag(key, token, iv, ciphertext, want);
	if (timingsafe_bcmp(want, VARDATA_ANY(tag), VAULT_TAG_LEN) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("card vault row of a token does not verify: its tag does not match"),
				 errdetail("The row was changed outside the vault, or its key id names another key."),
				 errhidestmt(true)));
	k = vault_bytea(key->enc, VAULT_KEY_LEN);
	plain = DatumGetByteaPP(FunctionCall4(&decrypt_fn, PointerGetDatum(ciphertext),
										  PointerGetDatum(k), PointerGetDatum(iv),
										  cipher_type()));
	bytea_wipe(k);
	len = VARSIZE_ANY_EXHDR(plain);
	pan = palloc(len + 1);
	memcpy(pan, VARDATA_ANY(plain), len);
	pan[len] = '\0';
	explicit_bzero(VARDATA_ANY(plain), len);
	if (len < VAULT_PAN_MIN || len > VAULT_PAN_MAX || strspn(pan, "0123456789") != (size_t) len)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("card vault row of a token decrypts to something that is not a card number"),
				 errhidestmt(true)));
	return pan;
}
