/*-------------------------------------------------------------------------
 *
 * vault_keys.c
 *	  The card vault's keys: GUC fintech.vault_key_file (superuser only,
 *	  PGC_SIGHUP) and the file it names, one 32-byte key per line as 64
 *	  hexadecimal characters, the first line the current key, later lines
 *	  older keys that still decrypt.  Blank lines and lines starting with
 *	  '#' are skipped.
 *
 * The file is read by each process on its first use of the vault and again
 * on the first use after a reload (SIGHUP): the GUC's assign hook, which
 * runs on every reload that sets it, marks the keys stale; it does no I/O
 * itself.  A missing, unreadable, world-accessible or malformed file
 * raises 55000 with a hint and leaves no key loaded (the vault fails
 * closed).  No message ever shows a key or a line of the file.
 *
 * What is kept in memory is not the file's keys but keys derived from each
 * (HMAC-SHA256 of a fixed label): one for AES, one for the integrity tag,
 * one for the lookup hash, and an 8-byte id stored with each card.  The
 * file's bytes are zeroed after parsing, the derived keys when replaced.
 *
 * Locks: none (backend-local state).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>
#include <unistd.h>

#include "miscadmin.h"
#include "storage/fd.h"
#include "utils/guc.h"

#include "fintech.h"
#include "vault.h"

#define VAULT_MAX_KEYS		16
#define VAULT_FILE_MAX		8192	/* more than 16 keys and comments */

static char *vault_key_file = NULL;
static bool keys_stale = true;
static VaultKey keys[VAULT_MAX_KEYS];
static int	nkeys = 0;

static const char key_file_hint[] =
	"Set fintech.vault_key_file (superuser, then reload) to a file readable only by the server's "
	"OS user that holds one key per line as 64 hexadecimal characters, the current key first "
	"(see docs/vault.md).";

/* any reload that sets the GUC: read the file again on next use */
static void
assign_key_file(const char *newval, void *extra)
{
	keys_stale = true;
}

void
VaultKeysInit(void)
{
	DefineCustomStringVariable("fintech.vault_key_file",
							   "File holding the card vault's keys (superuser only).",
							   "One 32-byte key per line as 64 hexadecimal characters: the first line is "
							   "the current key, later lines older keys that still decrypt cards until "
							   "fintech.rotate_vault_key() has re-encrypted them.  A relative path is "
							   "relative to the data directory.  Read again on reload (SIGHUP).  Empty: "
							   "the vault refuses every call.",
							   &vault_key_file,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   NULL, assign_key_file, NULL);
}

bool
vault_key_file_set(void)
{
	return vault_key_file != NULL && vault_key_file[0] != '\0';
}

static void
forget_keys(void)
{
	explicit_bzero(keys, sizeof(keys));
	nkeys = 0;
}

/* 55000: the key file cannot be used; the detail names the file for superusers only */
static void
key_file_error(const char *msg, const char *detail)
{
	forget_keys();
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("%s", msg),
			 detail && superuser() ? errdetail("%s", detail) : 0,
			 errhint("%s", key_file_hint),
			 errhidestmt(true)));
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* derive the vault's keys from one key of the file */
static void
derive_key(const uint8 *raw, VaultKey *k)
{
	uint8		idfull[VAULT_KEY_LEN];

	vault_hmac(raw, "fintech vault key id", 20, NULL, 0, idfull);
	memcpy(k->id, idfull, VAULT_KEY_ID_LEN);
	vault_hmac(raw, "fintech vault encryption", 24, NULL, 0, k->enc);
	vault_hmac(raw, "fintech vault integrity", 23, NULL, 0, k->mac);
	vault_hmac(raw, "fintech vault lookup", 20, NULL, 0, k->lookup);
	explicit_bzero(idfull, sizeof(idfull));
}

/* parse the file's text into keys[]; returns the bad line's number, 0 if none */
static int
parse_keys(char *buf, int len, int *count)
{
	int			line = 0;
	char	   *p = buf;
	char	   *end = buf + len;
	uint8		raw[VAULT_KEY_LEN];

	*count = 0;
	while (p < end)
	{
		char	   *eol = memchr(p, '\n', end - p);
		char	   *s = p;
		char	   *e = eol ? eol : end;

		line++;
		p = eol ? eol + 1 : end;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (s == e || *s == '#')
			continue;
		if (e - s != 2 * VAULT_KEY_LEN || *count >= VAULT_MAX_KEYS)
			return line;
		for (int i = 0; i < VAULT_KEY_LEN; i++)
		{
			int			hi = hexval(s[2 * i]);
			int			lo = hexval(s[2 * i + 1]);

			if (hi < 0 || lo < 0)
			{
				explicit_bzero(raw, sizeof(raw));
				return line;
			}
			raw[i] = (uint8) (hi << 4 | lo);
		}
		derive_key(raw, &keys[*count]);
		(*count)++;
	}
	explicit_bzero(raw, sizeof(raw));
	return 0;
}

static void
load_keys(void)
{
	char		buf[VAULT_FILE_MAX + 1];
	int			fd;
	int			len;
	int			bad;
	int			count;
	struct stat st;

	forget_keys();
	if (!vault_key_file_set())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the card vault has no key: fintech.vault_key_file is not set"),
				 errhint("%s", key_file_hint),
				 errhidestmt(true)));

	fd = OpenTransientFile(vault_key_file, O_RDONLY | PG_BINARY);
	if (fd < 0)
		key_file_error("the card vault's key file cannot be opened",
					   psprintf("could not open file \"%s\": %m", vault_key_file));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
	{
		CloseTransientFile(fd);
		key_file_error("the card vault's key file is not a regular file",
					   psprintf("file \"%s\"", vault_key_file));
	}
	if (st.st_mode & S_IRWXO)
	{
		CloseTransientFile(fd);
		key_file_error("the card vault's key file is accessible to other OS users",
					   psprintf("file \"%s\" has mode %04o; allow only its owner (chmod 600)",
								vault_key_file, (unsigned) (st.st_mode & 07777)));
	}
	len = read(fd, buf, VAULT_FILE_MAX + 1);
	CloseTransientFile(fd);
	if (len < 0)
		key_file_error("the card vault's key file cannot be read",
					   psprintf("could not read file \"%s\": %m", vault_key_file));
	if (len > VAULT_FILE_MAX)
	{
		explicit_bzero(buf, sizeof(buf));
		key_file_error("the card vault's key file is malformed: it is larger than 8 kB",
					   psprintf("file \"%s\"", vault_key_file));
	}

	bad = parse_keys(buf, len, &count);
	explicit_bzero(buf, sizeof(buf));
	if (bad > 0)
		key_file_error(psprintf("the card vault's key file is malformed: line %d is not a key of "
								"64 hexadecimal characters%s", bad,
								count >= VAULT_MAX_KEYS ? " (or one key too many: at most 16)" : ""),
					   psprintf("file \"%s\"", vault_key_file));
	if (count == 0)
		key_file_error("the card vault's key file is malformed: it holds no key",
					   psprintf("file \"%s\"", vault_key_file));
	nkeys = count;
	keys_stale = false;
}

const VaultKey *
vault_keys(int *n)
{
	if (keys_stale || nkeys == 0)
		load_keys();
	*n = nkeys;
	return keys;
}

const VaultKey *
vault_key_by_id(const uint8 *id)
{
	int			n;
	const VaultKey *k = vault_keys(&n);

	for (int i = 0; i < n; i++)
		if (memcmp(k[i].id, id, VAULT_KEY_ID_LEN) == 0)
			return &k[i];
	return NULL;
}
