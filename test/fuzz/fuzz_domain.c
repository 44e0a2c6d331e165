/*
 * libFuzzer harness for the domain normaliser core: no crash or undefined
 * behaviour; every accepted domain normalises to lower-case ASCII of at
 * most 253 bytes, and normalising that output again changes nothing.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain_core.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *in = malloc(size ? size : 1);
	char		out[IDM_DOMAIN_BUFSIZE];
	char		again[IDM_DOMAIN_BUFSIZE];
	size_t		outlen,
				againlen;
	int			flags = (size > 0 && (data[0] & 1)) ? IDM_DOMAIN_TRAILING_DOT : 0;

	memcpy(in, data, size);
	if (IdmDomainNormalize(in, size, flags, out, &outlen) == IDM_DOMAIN_OK)
	{
		assert(outlen > 0 && outlen <= 253 && strlen(out) == outlen);
		for (size_t i = 0; i < outlen; i++)
			assert((out[i] >= 'a' && out[i] <= 'z') || (out[i] >= '0' && out[i] <= '9') ||
				   out[i] == '-' || out[i] == '.');
		assert(IdmDomainNormalize(out, outlen, 0, again, &againlen) == IDM_DOMAIN_OK);
		assert(againlen == outlen && memcmp(out, again, outlen) == 0);
	}
	free(in);
	return 0;
}
