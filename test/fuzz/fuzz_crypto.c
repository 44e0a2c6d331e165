/*
 * libFuzzer harness for the credential parsing core (crypto_core.c): the
 * first input byte picks the parser, the rest is its input.
 *  - key lists ("kid:base64,..."): every entry either parses to a valid key
 *    id and 32 key bytes, which written back as "kid:base64" parse the same,
 *    or is refused with a sentence; the walk ends;
 *  - ciphertext headers: an accepted header is version 1, a valid key id,
 *    and leaves room for the nonce and the tag.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto_core.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* src/common/base64.c, from libpgcommon */
extern int	pg_b64_encode(const char *src, int len, char *dst, int dstlen);

static void
CheckKeyList(const char *keys)
{
	int			entries = 1;
	int			n;
	int			r;

	for (const char *c = keys; *c; c++)
		entries += (*c == ',');
	for (n = 0;; n++)
	{
		IdmKey		k;
		const char *why = NULL;

		r = IdmParseKeyEntry(keys, n, &k, &why);
		assert(r == -1 || r == 0 || r == 1);
		if (r == 0)
			break;
		assert(n < entries);
		if (r < 0)
		{
			assert(why != NULL && why[strlen(why) - 1] == '.');
			continue;
		}
		assert(IdmValidKid(k.kid, (int) strlen(k.kid)));
		{
			char		b64[64];
			char		again[128];
			int			len = pg_b64_encode((const char *) k.key, IDM_KEY_LEN, b64, sizeof(b64));
			IdmKey		k2;

			assert(len > 0);
			snprintf(again, sizeof(again), "%s:%.*s", k.kid, len, b64);
			assert(IdmParseKeyEntry(again, 0, &k2, &why) == 1);
			assert(strcmp(k.kid, k2.kid) == 0 && memcmp(k.key, k2.key, IDM_KEY_LEN) == 0);
			assert(IdmParseKeyEntry(again, 1, &k2, &why) == 0);
		}
	}
	assert(n <= entries);
}

static void
CheckHeader(const unsigned char *p, size_t size)
{
	char		kid[IDM_KID_MAXLEN + 1];
	int			hlen = IdmCredentialHeader(p, size, kid);

	if (hlen < 0)
		return;
	assert(p[0] == IDM_CRED_VERSION && hlen == 2 + p[1]);
	assert(size >= (size_t) hlen + IDM_NONCE_LEN + IDM_TAG_LEN);
	assert(strlen(kid) == p[1] && IdmValidKid(kid, p[1]));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		CheckHeader(data + 1, size - 1);
	else
	{
		char	   *keys = malloc(size);

		memcpy(keys, data + 1, size - 1);
		keys[size - 1] = '\0';
		CheckKeyList(keys);
		free(keys);
	}
	return 0;
}
