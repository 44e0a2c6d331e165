/*
 * clients.c - M2M clients: secret generation, verification, field checks
 *
 * A client secret is "skcs_" + base64url of 32 bytes from pg_strong_random.
 * Only its SHA-256 is stored.  A fast hash is right here, unlike for
 * passwords: the secret carries 256 bits of entropy, so neither a
 * dictionary nor brute force over the hash is feasible, and slow hashes
 * (bcrypt, scrypt) only buy time against guessable inputs while costing
 * every token request.  Verification hashes the candidate and compares it
 * with each active secret of the client in constant time (CRYPTO_memcmp),
 * never stopping at the first match, and hashes even when the client does
 * not exist.
 */
#include "postgres.h"

#include <openssl/crypto.h>

#include "catalog/pg_type.h"
#include "common/base64.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

PG_FUNCTION_INFO_V1(gen_client_secret);
PG_FUNCTION_INFO_V1(verify_client_secret);
PG_FUNCTION_INFO_V1(check_client_strings);
PG_FUNCTION_INFO_V1(check_custom_claims);
PG_FUNCTION_INFO_V1(check_client_expiry);

#define SECRET_PREFIX		"skcs_"
#define SECRET_BYTES		32
#define MAX_LIST_ENTRIES	100
#define MAX_LIST_ENTRY_LEN	2048
#define MAX_CLAIMS			100
#define MAX_CLAIM_KEY_LEN	128
#define MAX_CLAIM_VALUE_LEN 1024
#define MAX_EXPIRY_SECONDS	31536000	/* a year */

/* idm.gen_client_secret(): "skcs_" + base64url (no padding) of 32 random bytes */
Datum
gen_client_secret(PG_FUNCTION_ARGS)
{
	uint8		raw[SECRET_BYTES];
	char		b64[64];
	int			len;
	char	   *out;

	if (!pg_strong_random(raw, sizeof(raw)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate random bytes for a client secret")));
	len = pg_b64_encode((const char *) raw, sizeof(raw), b64, sizeof(b64));
	explicit_bzero(raw, sizeof(raw));
	if (len < 0)
		elog(ERROR, "pg_idm: base64 encoding failed");
	while (len > 0 && b64[len - 1] == '=')
		len--;
	for (int i = 0; i < len; i++)
		b64[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : b64[i];
	out = psprintf("%s%.*s", SECRET_PREFIX, len, b64);
	explicit_bzero(b64, sizeof(b64));
	PG_RETURN_TEXT_P(cstring_to_text(out));
}

/* SHA-256 of the bytes of a text value. */
static void
Sha256(text *t, uint8 *digest)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);

	if (pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)) < 0 ||
		pg_cryptohash_final(ctx, digest, PG_SHA256_DIGEST_LENGTH) < 0)
		elog(ERROR, "pg_idm: SHA-256 failed: %s", pg_cryptohash_error(ctx));
	pg_cryptohash_free(ctx);
}

/*
 * idm.verify_client_secret(client_id, secret, environment_id): true if the
 * secret is an ACTIVE, unexpired secret of the client.  On success it
 * records last_used_time (at most once a minute, to spare writes).
 */
Datum
verify_client_secret(PG_FUNCTION_ARGS)
{
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	Oid			types[3] = {TEXTOID, TEXTOID, TEXTOID};
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};
	char	   *matched = NULL;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_BOOL(false);
	Sha256(PG_GETARG_TEXT_PP(1), digest);
	values[0] = PG_ARGISNULL(2) ? (Datum) 0 : PG_GETARG_DATUM(2);
	nulls[0] = PG_ARGISNULL(2) ? 'n' : ' ';
	values[1] = PG_GETARG_DATUM(0);

	SPI_connect();
	if (SPI_execute_with_args("SELECT s.id, s.secret_hash FROM idm.client_secrets s "
							  "WHERE s.environment_id = idm.current_environment($1) AND s.client_id = $2 "
							  "AND s.status = 'ACTIVE' AND (s.expire_time IS NULL OR s.expire_time > now())",
							  2, types, values, nulls, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "pg_idm: could not read client secrets");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		bytea	   *stored = DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[i],
														   SPI_tuptable->tupdesc, 2, &isnull));
		bool		same = VARSIZE_ANY_EXHDR(stored) == sizeof(digest) &&
			CRYPTO_memcmp(VARDATA_ANY(stored), digest, sizeof(digest)) == 0;

		if (same && matched == NULL)
			matched = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
	}
	explicit_bzero(digest, sizeof(digest));
	if (matched)
	{
		values[2] = CStringGetTextDatum(matched);
		if (SPI_execute_with_args("UPDATE idm.client_secrets SET last_used_time = now() "
								  "WHERE environment_id = idm.current_environment($1) AND client_id = $2 AND id = $3 "
								  "AND (last_used_time IS NULL OR last_used_time < now() - interval '1 minute')",
								  3, types, values, nulls, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "pg_idm: could not record client secret use");
	}
	SPI_finish();
	PG_RETURN_BOOL(matched != NULL);
}

/*
 * idm.check_client_strings(value text[], field text): at most 100 entries,
 * each 1-2048 characters without white space or control characters
 * (scopes, audience, redirect_uris).
 */
Datum
check_client_strings(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	char	   *field = text_to_cstring(PG_GETARG_TEXT_PP(1));
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array", field)));
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	if (n > MAX_LIST_ENTRIES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s has %d entries, more than %d", field, n, MAX_LIST_ENTRIES)));
	for (int i = 0; i < n; i++)
	{
		text	   *t;
		const unsigned char *s;
		int			len;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s[%d] must not be NULL", field, i + 1)));
		t = DatumGetTextPP(elems[i]);
		s = (const unsigned char *) VARDATA_ANY(t);
		len = VARSIZE_ANY_EXHDR(t);
		if (len == 0 || len > MAX_LIST_ENTRY_LEN)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s[%d] must be 1 to %d bytes long", field, i + 1, MAX_LIST_ENTRY_LEN)));
		for (int k = 0; k < len; k++)
			if (s[k] <= 0x20 || s[k] == 0x7f)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s[%d] contains white space or a control character", field, i + 1),
						 errhint("Scopes, audiences and redirect URIs are single tokens such as \"read:deployments\" or \"https://api.example.com\".")));
	}
	PG_RETURN_BOOL(true);
}

/* One custom claim: {"key": 1-128 characters, "value": string}. */
static void
CheckClaim(JsonbValue *v, int i)
{
	JsonbContainer *c;
	JsonbValue *key,
			   *value;

	if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("custom_claims[%d] must be an object {\"key\": ..., \"value\": ...}", i)));
	c = v->val.binary.data;
	key = getKeyJsonValueFromContainer(c, "key", 3, NULL);
	value = getKeyJsonValueFromContainer(c, "value", 5, NULL);
	if (JsonContainerSize(c) != 2 || key == NULL || value == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("custom_claims[%d] must have exactly the fields \"key\" and \"value\"", i)));
	if (key->type != jbvString || key->val.string.len < 1 ||
		key->val.string.len > MAX_CLAIM_KEY_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("custom_claims[%d].key must be a string of 1 to %d characters", i, MAX_CLAIM_KEY_LEN)));
	if (value->type != jbvString || value->val.string.len > MAX_CLAIM_VALUE_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("custom_claims[%d].value must be a string of at most %d bytes", i, MAX_CLAIM_VALUE_LEN)));
}

/* idm.check_custom_claims(value jsonb): [{"key": ..., "value": ...}, ...] with unique keys */
Datum
check_custom_claims(PG_FUNCTION_ARGS)
{
	Jsonb	   *jb = PG_GETARG_JSONB_P(0);
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			i = 0;

	if (!JB_ROOT_IS_ARRAY(jb) || JB_ROOT_IS_SCALAR(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("custom_claims must be a JSON array"),
				 errhint("For example '[{\"key\": \"environment\", \"value\": \"production\"}]'.")));
	if (JB_ROOT_COUNT(jb) > MAX_CLAIMS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("custom_claims has more than %d entries", MAX_CLAIMS)));
	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		if (tok == WJB_ELEM)
		{
			JsonbValue *key;

			CheckClaim(&v, i);
			key = getKeyJsonValueFromContainer(v.val.binary.data, "key", 3, NULL);
			for (int k = 0; k < i; k++)
			{
				JsonbValue *prev = getIthJsonbValueFromContainer(&jb->root, k);
				JsonbValue *pkey = getKeyJsonValueFromContainer(prev->val.binary.data, "key", 3, NULL);

				if (pkey->val.string.len == key->val.string.len &&
					memcmp(pkey->val.string.val, key->val.string.val, key->val.string.len) == 0)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("custom_claims key \"%.*s\" appears twice",
									key->val.string.len, key->val.string.val)));
			}
			i++;
		}
	PG_RETURN_BOOL(true);
}

/* idm.check_client_expiry(value bigint): token lifetime of 1 s to a year */
Datum
check_client_expiry(PG_FUNCTION_ARGS)
{
	int64		value = PG_GETARG_INT64(0);

	if (value < 1 || value > MAX_EXPIRY_SECONDS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("expiry must be 1 to %d seconds, not " INT64_FORMAT, MAX_EXPIRY_SECONDS, value),
				 errhint("expiry is the lifetime of the access tokens issued to the client, such as 3600.")));
	PG_RETURN_BOOL(true);
}
