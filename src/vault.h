/*-------------------------------------------------------------------------
 *
 * vault.h
 *	  The card vault (vault.c, vault_keys.c, vault_crypto.c): tokens for
 *	  card numbers, the numbers kept only AES-256 encrypted under keys read
 *	  from fintech.vault_key_file.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FINTECH_VAULT_H
#define FINTECH_VAULT_H

#include "fmgr.h"

/* SQL entry points (vault.c) */
extern PGDLLEXPORT Datum fintech_tokenize_card(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum fintech_detokenize_card(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum fintech_rotate_vault_key(PG_FUNCTION_ARGS);

#pragma GCC visibility push(hidden)

#define VAULT_KEY_LEN		32	/* AES-256 and HMAC-SHA256 keys */
#define VAULT_KEY_ID_LEN	8	/* a key's id: stored with each card */
#define VAULT_IV_LEN		16	/* AES block */
#define VAULT_TAG_LEN		32	/* HMAC-SHA256 */
#define VAULT_PAN_MIN		12
#define VAULT_PAN_MAX		19

/*
 * One key of the key file, as the vault uses it: never the file's key
 * itself, three keys derived from it (HMAC-SHA256 of a label under it),
 * and its id.
 */
typedef struct VaultKey
{
	uint8		id[VAULT_KEY_ID_LEN];	/* first bytes of HMAC(key, "id") */
	uint8		enc[VAULT_KEY_LEN];		/* AES-256-CBC (pgcrypto) */
	uint8		mac[VAULT_KEY_LEN];		/* HMAC over token, IV, ciphertext */
	uint8		lookup[VAULT_KEY_LEN];	/* HMAC of the PAN: the stable lookup */
} VaultKey;

/* vault_keys.c: the key file, (re)read on first use after a reload */
extern void VaultKeysInit(void);
extern bool vault_key_file_set(void);
/* the keys, current first; raises 55000 (with a hint) when unusable */
extern const VaultKey *vault_keys(int *nkeys);
/* the key with this id, NULL when the file no longer holds it */
extern const VaultKey *vault_key_by_id(const uint8 *id);

/* vault_crypto.c */
extern bytea *vault_bytea(const void *data, int len);
extern void vault_hmac(const uint8 *key, const void *a, size_t alen,
					   const void *b, size_t blen, uint8 *out);
/* is this string of ASCII digits Luhn-valid? */
extern bool vault_luhn_ok(const char *digits, int len);
/* a new random token for the PAN: its length, its last four, Luhn-invalid */
extern void vault_new_token(const char *pan, int len, char *token);
/* AES-256-CBC through pgcrypto, tag = HMAC(mac key, token, IV, ciphertext) */
extern void vault_seal(const VaultKey *key, const char *token, const char *pan, int len,
					   bytea **iv, bytea **ciphertext, bytea **tag);
/* the PAN (palloc'd, NUL-terminated); ERROR when the tag does not verify */
extern char *vault_open(const VaultKey *key, const char *token, bytea *iv,
						bytea *ciphertext, bytea *tag);

#pragma GCC visibility pop

extern void VaultInit(void);

#endif							/* FINTECH_VAULT_H */
