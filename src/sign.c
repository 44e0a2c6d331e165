/*
 * sign.c - Standard Webhooks signatures (HMAC-SHA256, base64) and secrets
 *
 * Uses PostgreSQL's own src/common HMAC, base64 and strong random, so the
 * extension needs no crypto library of its own for signing.
 */
#include "postgres.h"

#include "common/base64.h"
#include "common/hmac.h"
#include "fmgr.h"
#include "port.h"
#include "utils/builtins.h"

#include "sign.h"

PG_FUNCTION_INFO_V1(webhook_signature);
PG_FUNCTION_INFO_V1(gen_webhook_secret);
PG_FUNCTION_INFO_V1(check_webhook_secret);

#define SECRET_PREFIX "whsec_"
#define SECRET_RANDOM_BYTES 32

void
IdmHmacSha256(const uint8 *key, int keylen, int nparts,
			  const char *const *parts, const int *lens, uint8 *digest)
{
	pg_hmac_ctx *ctx = pg_hmac_create(PG_SHA256);
	bool		ok;

	if (ctx == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	ok = pg_hmac_init(ctx, key, keylen) == 0;
	for (int i = 0; ok && i < nparts; i++)
		ok = pg_hmac_update(ctx, (const uint8 *) parts[i], lens[i]) == 0;
	ok = ok && pg_hmac_final(ctx, digest, IDM_SHA256_LEN) == 0;
	if (!ok)
	{
		const char *why = pg_hmac_error(ctx);

		pg_hmac_free(ctx);
		elog(ERROR, "HMAC-SHA256 failed: %s", why);
	}
	pg_hmac_free(ctx);
}

char *
IdmBase64(const uint8 *data, int len)
{
	int			outlen = pg_b64_enc_len(len);
	char	   *out = palloc(outlen + 1);
	int			n = pg_b64_encode((const char *) data, len, out, outlen);

	if (n < 0)
		elog(ERROR, "base64 encoding failed");
	out[n] = '\0';
	return out;
}

uint8 *
IdmDecodeWebhookSecret(const char *secret, int *keylen)
{
	const char *b64 = secret;
	int			b64len;
	uint8	   *key;

	/* Standard Webhooks: the whsec_ prefix is optional when verifying */
	if (strncmp(b64, SECRET_PREFIX, strlen(SECRET_PREFIX)) == 0)
		b64 += strlen(SECRET_PREFIX);
	b64len = strlen(b64);
	key = palloc(pg_b64_dec_len(b64len) + 1);
	*keylen = b64len > 0 ? pg_b64_decode(b64, b64len, (char *) key,
										 pg_b64_dec_len(b64len)) : -1;
	if (*keylen < 16)
		/* never echo the secret itself */
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid webhook signing secret"),
				 errdetail("A signing secret is \"whsec_\" followed by the base64 of at least 16 bytes."),
				 errhint("Use the webhook_secret of an environment in idm.environments.")));
	return key;
}

char *
IdmWebhookSignature(const char *secret, const char *msg_id, int64 ts,
					const char *body, int bodylen)
{
	int			keylen;
	uint8	   *key = IdmDecodeWebhookSecret(secret, &keylen);
	char		tsbuf[32];
	const char *parts[5];
	int			lens[5];
	uint8		digest[IDM_SHA256_LEN];
	char	   *sig;

	snprintf(tsbuf, sizeof(tsbuf), INT64_FORMAT, ts);
	parts[0] = msg_id;
	lens[0] = strlen(msg_id);
	parts[1] = ".";
	lens[1] = 1;
	parts[2] = tsbuf;
	lens[2] = strlen(tsbuf);
	parts[3] = ".";
	lens[3] = 1;
	parts[4] = body;
	lens[4] = bodylen;
	IdmHmacSha256(key, keylen, 5, parts, lens, digest);
	explicit_bzero(key, keylen);
	pfree(key);

	sig = IdmBase64(digest, IDM_SHA256_LEN);
	return psprintf("v1,%s", sig);
}

/* idm.webhook_signature(secret text, msg_id text, ts bigint, body text) returns text */
Datum
webhook_signature(PG_FUNCTION_ARGS)
{
	char	   *secret = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *msg_id = text_to_cstring(PG_GETARG_TEXT_PP(1));
	int64		ts = PG_GETARG_INT64(2);
	text	   *body = PG_GETARG_TEXT_PP(3);
	char	   *sig;

	sig = IdmWebhookSignature(secret, msg_id, ts, VARDATA_ANY(body),
							  VARSIZE_ANY_EXHDR(body));
	explicit_bzero(secret, strlen(secret));
	PG_RETURN_TEXT_P(cstring_to_text(sig));
}

/* idm.gen_webhook_secret() returns text: "whsec_" + base64 of 32 random bytes */
Datum
gen_webhook_secret(PG_FUNCTION_ARGS)
{
	uint8		raw[SECRET_RANDOM_BYTES];
	char	   *b64;
	char	   *secret;

	if (!pg_strong_random(raw, sizeof(raw)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate random bytes for a signing secret")));
	b64 = IdmBase64(raw, sizeof(raw));
	explicit_bzero(raw, sizeof(raw));
	secret = psprintf(SECRET_PREFIX "%s", b64);
	PG_RETURN_TEXT_P(cstring_to_text(secret));
}

/*
 * idm.check_webhook_secret(secret text) returns boolean: a CHECK that never
 * shows the value (a failing CHECK constraint would print the whole row).
 * The key must be "whsec_" + base64 of at least 24 bytes.
 */
Datum
check_webhook_secret(PG_FUNCTION_ARGS)
{
	char	   *secret = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int			keylen = 0;
	uint8	   *key = NULL;

	if (strncmp(secret, SECRET_PREFIX, strlen(SECRET_PREFIX)) == 0)
		key = IdmDecodeWebhookSecret(secret, &keylen);
	if (key == NULL || keylen < 24)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid webhook_secret"),
				 errdetail("A signing secret is \"whsec_\" followed by the base64 of at least 24 bytes."),
				 errhint("Leave it out to have one generated.")));
	explicit_bzero(key, keylen);
	explicit_bzero(secret, strlen(secret));
	PG_RETURN_BOOL(true);
}
