/*
 * crypto.h - connected-account credentials encrypted with AES-256-GCM
 */
#ifndef PG_IDM_CRYPTO_H
#define PG_IDM_CRYPTO_H

#include "postgres.h"

/* Registers idm.credential_keys and idm.credential_key_id (from _PG_init) */
extern void IdmCryptoDefineSettings(void);

/*
 * Encrypts plain[0..len) under the current key, bound to (environment_id,
 * account_id).  Raises if no key is configured: never a plain-text fallback.
 */
extern bytea *IdmEncryptCredentials(const char *plain, int len,
									const char *environment_id,
									const char *account_id);

/*
 * Decrypts a blob written by IdmEncryptCredentials for the same row.
 * Returns a NUL-terminated palloc'd buffer; the caller explicit_bzero()s it.
 * Raises if the key is missing or the blob fails authentication.
 */
extern char *IdmDecryptCredentials(bytea *blob, const char *environment_id,
								   const char *account_id, int *len);

/* The key id a blob was encrypted with; raises if it is not a pg_idm blob:
 * 22023 for a value being written (account_id NULL), XX001 naming the
 * stored row of account_id otherwise */
extern char *IdmCredentialsKeyId(bytea *blob, const char *account_id);

/* The key id new credentials are encrypted with, or NULL when none is set */
extern const char *IdmCurrentKeyId(void);

/* Whether idm.credential_keys defines a key of this id */
extern bool IdmKeyConfigured(const char *kid);

#endif
