/*
 * libFuzzer harness for the id syntax core: the first input byte picks a
 * prefix, the rest is the candidate id.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ids_core.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const prefixes[] = {
	"env", "org", "usr", "usp", "dom", "role", "perm", "ses", "conn", "dir",
	"diruser", "dirgroup", "ca", "skc", "evt"
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *prefix;
	char	   *s;
	size_t		len;

	if (size == 0)
		return 0;
	prefix = prefixes[data[0] % (sizeof(prefixes) / sizeof(prefixes[0]))];
	len = size - 1;
	s = malloc(len ? len : 1);
	memcpy(s, data + 1, len);
	if (IdmIdWellFormed(s, len, prefix))
	{
		size_t		plen = strlen(prefix);

		assert(len <= IDM_ID_MAXLEN && len > plen + 1);
		assert(memcmp(s, prefix, plen) == 0 && s[plen] == '_');
		assert(memchr(s, '\0', len) == NULL);
	}
	free(s);
	return 0;
}
