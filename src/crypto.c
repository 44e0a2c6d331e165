/*
 * crypto.c - connected-account credentials encrypted with AES-256-GCM
 *
 * Keys come only from superuser-only settings, never from a table the app
 * can read:
 *   idm.credential_keys   = 'kid1:<base64 of 32 bytes>,kid2:<base64>'
 *   idm.credential_key_id = 'kid2'      (the key new ciphertexts use)
 * Both are PGC_SUSET; the keys are also GUC_SUPERUSER_ONLY and hidden from
 * SHOW ALL, and a bad value is refused without echoing it.
 *
 * A ciphertext is  version(1) | kid length(1) | kid | nonce(12) |
 * ciphertext | tag(16).  The nonce is random per encryption (pg_strong_random,
 * i.e. OpenSSL's RAND_bytes); the additional authenticated data is the
 * header plus environment_id and the account id, so a ciphertext copied to
 * another row, or whose key id was edited, fails authentication.
 *
 * OpenSSL EVP does the cipher: PostgreSQL links the same libcrypto.  Key
 * bytes live on the stack only for one call and are zeroed after it.
 */
#include "postgres.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "crypto.h"
#include "crypto_core.h"

PG_FUNCTION_INFO_V1(credential_key_id);

#define CRED_VERSION	IDM_CRED_VERSION
#define KEY_LEN			IDM_KEY_LEN
#define NONCE_LEN		IDM_NONCE_LEN
#define TAG_LEN			IDM_TAG_LEN
#define KID_MAXLEN		IDM_KID_MAXLEN

static char *credential_keys = NULL;
static char *current_key_id = NULL;

/* Finds a key by id; false if absent.  The caller zeroes *out after use. */
static bool
FindKey(const char *kid, IdmKey *out)
{
	const char *why;
	int			r;

	if (credential_keys == NULL)
		return false;
	for (int n = 0; (r = IdmParseKeyEntry(credential_keys, n, out, &why)) != 0; n++)
	{
		if (r > 0 && strcmp(out->kid, kid) == 0)
			return true;
		explicit_bzero(out, sizeof(*out));
	}
	return false;
}

bool
IdmKeyConfigured(const char *kid)
{
	IdmKey		k;
	bool		found = FindKey(kid, &k);

	explicit_bzero(&k, sizeof(k));
	return found;
}

/* check_hook of idm.credential_keys: every entry well formed, ids unique. */
static bool
CheckKeysHook(char **newval, void **extra, GucSource source)
{
	IdmKey		k;
	char		seen[16][KID_MAXLEN + 1];
	const char *why = NULL;
	int			r,
				n;

	for (n = 0; (r = IdmParseKeyEntry(*newval, n, &k, &why)) != 0; n++)
	{
		explicit_bzero(k.key, KEY_LEN);
		if (r < 0 || n >= (int) lengthof(seen))
		{
			/* a custom message, so the value (the keys) is never echoed */
			GUC_check_errmsg("invalid value for idm.credential_keys: entry %d is malformed", n + 1);
			GUC_check_errdetail("%s", why ? why : "At most 16 keys may be configured.");
			GUC_check_errhint("Use 'kid:<base64 of 32 random bytes>', several separated by commas; for example openssl rand -base64 32 makes a key.");
			return false;
		}
		for (int i = 0; i < n; i++)
			if (strcmp(seen[i], k.kid) == 0)
			{
				GUC_check_errmsg("invalid value for idm.credential_keys: key id \"%s\" appears twice", k.kid);
				return false;
			}
		strlcpy(seen[n], k.kid, sizeof(seen[n]));
	}
	return true;
}

/* check_hook of idm.credential_key_id: empty or a well-formed key id. */
static bool
CheckKidHook(char **newval, void **extra, GucSource source)
{
	if (**newval != '\0' && !IdmValidKid(*newval, strlen(*newval)))
	{
		GUC_check_errdetail("A key id is 1 to 32 letters, digits, '_' or '-'.");
		return false;
	}
	return true;
}

void
IdmCryptoDefineSettings(void)
{
	DefineCustomStringVariable("idm.credential_keys",
							   "Keys that encrypt connected-account credentials (kid:base64,...).",
							   "Superuser only; set it in postgresql.conf, never in a table.",
							   &credential_keys, "", PGC_SUSET,
							   GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE,
							   CheckKeysHook, NULL, NULL);
	DefineCustomStringVariable("idm.credential_key_id",
							   "Id of the key in idm.credential_keys that encrypts new credentials.",
							   "Empty means the only key, when exactly one is configured.",
							   &current_key_id, "", PGC_SUSET, GUC_NOT_IN_SAMPLE,
							   CheckKidHook, NULL, NULL);
}

const char *
IdmCurrentKeyId(void)
{
	static IdmKey first;
	const char *why;

	if (current_key_id && *current_key_id)
		return current_key_id;
	/* no id named: the only key, if there is exactly one */
	if (credential_keys && IdmParseKeyEntry(credential_keys, 0, &first, &why) > 0)
	{
		IdmKey		second;
		int			more = IdmParseKeyEntry(credential_keys, 1, &second, &why);

		explicit_bzero(first.key, KEY_LEN);
		explicit_bzero(&second, sizeof(second));
		if (more == 0)
			return first.kid;
	}
	return NULL;
}

/* The additional authenticated data: header, environment_id NUL account id. */
static char *
BuildAad(const uint8 *header, int hlen, const char *env, const char *id, int *len)
{
	int			elen = strlen(env),
				ilen = strlen(id);
	char	   *aad = palloc(hlen + elen + 1 + ilen);

	memcpy(aad, header, hlen);
	memcpy(aad + hlen, env, elen);
	aad[hlen + elen] = '\0';
	memcpy(aad + hlen + elen + 1, id, ilen);
	*len = hlen + elen + 1 + ilen;
	return aad;
}

static void
NoKeyError(void)
{
	IdmKey		k;
	const char *why;
	bool		some = credential_keys && IdmParseKeyEntry(credential_keys, 0, &k, &why) > 0;

	explicit_bzero(&k, sizeof(k));
	if (some)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("idm.credential_key_id is not set and idm.credential_keys holds several keys"),
				 errhint("A superuser sets idm.credential_key_id to the key that encrypts new credentials.")));
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("no credential key is configured"),
			 errdetail("pg_idm stores credentials only encrypted; it never falls back to plain text."),
			 errhint("A superuser sets idm.credential_keys = 'kid:<base64 of 32 random bytes>' and idm.credential_key_id = 'kid' in postgresql.conf, then reloads.")));
}

bytea *
IdmEncryptCredentials(const char *plain, int len, const char *env, const char *id)
{
	const char *kid = IdmCurrentKeyId();
	IdmKey		key;
	int			kidlen,
				hlen,
				aadlen,
				outl = 0,
				finl = 0;
	bytea	   *blob;
	uint8	   *p;
	char	   *aad;
	EVP_CIPHER_CTX *ctx;
	bool		ok;

	if (kid == NULL)
		NoKeyError();
	kidlen = strlen(kid);
	hlen = 2 + kidlen;
	blob = palloc(VARHDRSZ + hlen + NONCE_LEN + len + TAG_LEN);
	SET_VARSIZE(blob, VARHDRSZ + hlen + NONCE_LEN + len + TAG_LEN);
	p = (uint8 *) VARDATA(blob);
	p[0] = CRED_VERSION;
	p[1] = (uint8) kidlen;
	memcpy(p + 2, kid, kidlen);
	aad = BuildAad(p, hlen, env, id, &aadlen);
	if (!pg_strong_random(p + hlen, NONCE_LEN))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random nonce")));
	if (!FindKey(kid, &key))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("idm.credential_key_id names key \"%s\", which idm.credential_keys does not define", kid),
				 errhint("Add the key to idm.credential_keys or point idm.credential_key_id at a defined key.")));

	/* no ereport between here and the free: the context would leak */
	ctx = EVP_CIPHER_CTX_new();
	ok = ctx != NULL &&
		EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
		EVP_EncryptInit_ex(ctx, NULL, NULL, key.key, p + hlen) == 1 &&
		EVP_EncryptUpdate(ctx, NULL, &outl, (uint8 *) aad, aadlen) == 1 &&
		EVP_EncryptUpdate(ctx, p + hlen + NONCE_LEN, &outl, (const uint8 *) plain, len) == 1 &&
		EVP_EncryptFinal_ex(ctx, p + hlen + NONCE_LEN + outl, &finl) == 1 &&
		outl + finl == len &&
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, p + hlen + NONCE_LEN + len) == 1;
	EVP_CIPHER_CTX_free(ctx);
	explicit_bzero(&key, sizeof(key));
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not encrypt credentials with AES-256-GCM")));
	pfree(aad);
	return blob;
}

/* Checks the header of a blob; returns the header length and the key id. */
static int
ParseHeader(bytea *blob, const char *id, char *kid)
{
	int			hlen = IdmCredentialHeader((const unsigned char *) VARDATA_ANY(blob),
										   VARSIZE_ANY_EXHDR(blob), kid);

	if (hlen < 0)
		ereport(ERROR,
				(errcode(id ? ERRCODE_DATA_CORRUPTED : ERRCODE_INVALID_PARAMETER_VALUE),
				 id ? errmsg("credentials of connected account \"%s\" are not a pg_idm ciphertext", id)
				 : errmsg("credentials are not a pg_idm ciphertext"),
				 errdetail("A ciphertext starts with version byte %d and a key id.", CRED_VERSION),
				 errhint("Write credentials through authorization_details, never the credentials column.")));
	return hlen;
}

char *
IdmCredentialsKeyId(bytea *blob, const char *id)
{
	char		kid[KID_MAXLEN + 1];

	ParseHeader(blob, id, kid);
	return pstrdup(kid);
}

char *
IdmDecryptCredentials(bytea *blob, const char *env, const char *id, int *len)
{
	const uint8 *p = (const uint8 *) VARDATA_ANY(blob);
	char		kid[KID_MAXLEN + 1];
	int			hlen = ParseHeader(blob, id, kid);
	int			ctlen = VARSIZE_ANY_EXHDR(blob) - hlen - NONCE_LEN - TAG_LEN;
	char	   *plain = palloc(ctlen + 1);
	int			aadlen,
				outl = 0,
				finl = 0;
	char	   *aad = BuildAad(p, hlen, env, id, &aadlen);
	uint8		tag[TAG_LEN];
	IdmKey		key;
	EVP_CIPHER_CTX *ctx;
	bool		ok;

	if (!FindKey(kid, &key))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("credential key \"%s\" is not configured", kid),
				 errdetail("The credentials of connected account \"%s\" are encrypted with it.", id),
				 errhint("Add the key back to idm.credential_keys, or replace the credentials.")));
	memcpy(tag, p + hlen + NONCE_LEN + ctlen, TAG_LEN);

	/* no ereport between here and the free: the context would leak */
	ctx = EVP_CIPHER_CTX_new();
	ok = ctx != NULL &&
		EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
		EVP_DecryptInit_ex(ctx, NULL, NULL, key.key, p + hlen) == 1 &&
		EVP_DecryptUpdate(ctx, NULL, &outl, (uint8 *) aad, aadlen) == 1 &&
		EVP_DecryptUpdate(ctx, (uint8 *) plain, &outl, p + hlen + NONCE_LEN, ctlen) == 1 &&
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) == 1 &&
		EVP_DecryptFinal_ex(ctx, (uint8 *) plain + outl, &finl) == 1 &&
		outl + finl == ctlen;
	EVP_CIPHER_CTX_free(ctx);
	explicit_bzero(&key, sizeof(key));
	if (!ok)
	{
		explicit_bzero(plain, ctlen + 1);
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("credentials of connected account \"%s\" failed authentication", id),
				 errdetail("The ciphertext was altered, copied from another row, or encrypted under a different key of the same id.")));
	}
	pfree(aad);
	plain[ctlen] = '\0';
	*len = ctlen;
	return plain;
}

/* idm.credential_key_id(credentials bytea): the key id a ciphertext names */
Datum
credential_key_id(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(IdmCredentialsKeyId(PG_GETARG_BYTEA_PP(0), NULL)));
}
