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
		assert(dom >= 3);		/* <= 253 applies to the A-label form, see fuzz_domain */
		assert(memchr(s, '@', at) == NULL);
		assert(memchr(s + at + 1, '@', dom) == NULL);
		assert(s[0] != '.' && s[at - 1] != '.' && s[at + 1] != '.' && s[size - 1] != '.');
		/* the local part is printable ASCII; the domain may be internationalised */
		for (int i = 0; i < at; i++)
			assert((unsigned char) s[i] > 0x20 && (unsigned char) s[i] < 0x7f);
		for (size_t i = at + 1; i < size; i++)
			assert((unsigned char) s[i] > 0x20 && s[i] != 0x7f);
	}
	free(s);
	return 0;
}
