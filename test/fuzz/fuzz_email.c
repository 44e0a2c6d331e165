/*
 * libFuzzer harness for the email syntax core: no crash, no undefined
 * behaviour, and every accepted address satisfies the documented rules.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "email_core.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, so reading past the end is caught by ASan */
	char	   *s = malloc(size ? size : 1);
	int			at;

	memcpy(s, data, size);
	if (IdmEmailProblem(s, (int) size, &at) == NULL)
	{
		int			dom = (int) size - at - 1;

		assert(at >= 1 && at <= 64);
		assert(dom >= 3 && dom <= 253);
		assert(memchr(s, '@', at) == NULL);
		assert(memchr(s + at + 1, '@', dom) == NULL);
		assert(s[0] != '.' && s[at - 1] != '.' && s[at + 1] != '.' && s[size - 1] != '.');
		for (size_t i = 0; i < size; i++)
			assert((unsigned char) s[i] > 0x20 && (unsigned char) s[i] < 0x7f);
	}
	free(s);
	return 0;
}
