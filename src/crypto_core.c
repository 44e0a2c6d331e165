/*
 * crypto_core.c - parsing of credential keys and ciphertext headers
 *
 * See crypto_core.h.  Key bytes pass through stack buffers only, zeroed
 * before returning.
 */
#include <ctype.h>
#include <string.h>

#include "crypto_core.h"

/* PostgreSQL's src/common/base64.c (common/base64.h needs c.h) */
extern int	pg_b64_decode(const char *src, int len, char *dst, int dstlen);

#define KEY_B64_MAXLEN 64		/* base64 of 32 bytes is 44 characters */

int
IdmValidKid(const char *s, int len)
{
	if (len < 1 || len > IDM_KID_MAXLEN)
		return 0;
	for (int i = 0; i < len; i++)
		if (!(isalnum((unsigned char) s[i]) || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

int
IdmParseKeyEntry(const char *keys, int n, IdmKey *out, const char **why)
{
	const char *p = keys;
	const char *end;
	const char *colon;
	char		b64[KEY_B64_MAXLEN];
	unsigned char raw[KEY_B64_MAXLEN];
	int			b64len,
				rawlen;

	for (int i = 0; i < n && p; i++)
		if ((p = strchr(p, ',')) != NULL)
			p++;
	if (p == NULL)
		return 0;
	while (*p == ' ' || *p == '\t')
		p++;
	end = strchr(p, ',');
	if (end == NULL)
		end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (end == p && *keys == '\0')
		return 0;
	colon = memchr(p, ':', end - p);
	if (colon == NULL || !IdmValidKid(p, colon - p))
	{
		*why = "An entry is kid:key with a key id of 1 to 32 letters, digits, '_' or '-'.";
		return -1;
	}
	b64len = end - colon - 1;
	if (b64len < 1 || b64len >= KEY_B64_MAXLEN)
	{
		*why = "A key is the base64 encoding of 32 bytes.";
		return -1;
	}
	memcpy(b64, colon + 1, b64len);
	rawlen = pg_b64_decode(b64, b64len, (char *) raw, sizeof(raw));
	explicit_bzero(b64, sizeof(b64));
	if (rawlen != IDM_KEY_LEN)
	{
		explicit_bzero(raw, sizeof(raw));
		*why = "A key is the base64 encoding of 32 bytes.";
		return -1;
	}
	memcpy(out->kid, p, colon - p);
	out->kid[colon - p] = '\0';
	memcpy(out->key, raw, IDM_KEY_LEN);
	explicit_bzero(raw, sizeof(raw));
	return 1;
}

int
IdmCredentialHeader(const unsigned char *p, size_t size, char *kid)
{
	if (size < 3 || p[0] != IDM_CRED_VERSION ||
		size < (size_t) 2 + p[1] + IDM_NONCE_LEN + IDM_TAG_LEN ||
		!IdmValidKid((const char *) p + 2, p[1]))
		return -1;
	memcpy(kid, p + 2, p[1]);
	kid[p[1]] = '\0';
	return 2 + p[1];
}
