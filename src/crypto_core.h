/*
 * crypto_core.h - parsing of credential keys and ciphertext headers
 *
 * Pure C (no palloc, no ereport; base64 from PostgreSQL's src/common, which
 * the server exports and libpgcommon.a holds), so a libFuzzer harness can
 * link it outside the server.  crypto.c does the cipher and raises.
 */
#ifndef PG_IDM_CRYPTO_CORE_H
#define PG_IDM_CRYPTO_CORE_H

#include <stddef.h>

#define IDM_CRED_VERSION 1
#define IDM_KEY_LEN 32
#define IDM_NONCE_LEN 12
#define IDM_TAG_LEN 16
#define IDM_KID_MAXLEN 32

/* A key of idm.credential_keys; zero it with explicit_bzero after use */
typedef struct IdmKey
{
	char		kid[IDM_KID_MAXLEN + 1];
	unsigned char key[IDM_KEY_LEN];
} IdmKey;

/* True if s[0..len) is a key id: 1-32 of [A-Za-z0-9_-] */
extern int	IdmValidKid(const char *s, int len);

/*
 * Parses entry number n (0-based) of a key list "kid:base64,kid:base64"
 * into *out.  Returns 1 on success, 0 past the last entry, -1 for a
 * malformed entry (with *why set to a sentence that shows no key).
 */
extern int	IdmParseKeyEntry(const char *keys, int n, IdmKey *out, const char **why);

/*
 * The header of a ciphertext p[0..size): version | kid length | kid, with
 * room after it for a nonce and a tag.  Returns the header's length and
 * copies the key id, NUL-terminated, to kid (IDM_KID_MAXLEN + 1 bytes);
 * -1 if p is not a pg_idm ciphertext.
 */
extern int	IdmCredentialHeader(const unsigned char *p, size_t size, char *kid);

#endif
