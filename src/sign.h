/*
 * sign.h - Standard Webhooks signatures and secrets
 */
#ifndef PG_IDM_SIGN_H
#define PG_IDM_SIGN_H

#include "postgres.h"

#define IDM_SHA256_LEN 32

/* HMAC-SHA256 of the concatenation of nparts buffers */
extern void IdmHmacSha256(const uint8 *key, int keylen, int nparts,
						  const char *const *parts, const int *lens,
						  uint8 *digest);

/* Base64 of len bytes, palloc'd and NUL-terminated */
extern char *IdmBase64(const uint8 *data, int len);

/* Decodes "whsec_<base64>" into a palloc'd key; raises on a malformed secret */
extern uint8 *IdmDecodeWebhookSecret(const char *secret, int *keylen);

/* "v1,<base64 signature>" of "msg_id.ts.body" */
extern char *IdmWebhookSignature(const char *secret, const char *msg_id,
								 int64 ts, const char *body, int bodylen);

#endif
