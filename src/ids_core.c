/*
 * ids_core.c - id syntax, free of PostgreSQL backend calls so that
 * test/fuzz can link it into a libFuzzer harness
 */
#include <string.h>

#include "ids_core.h"

bool
IdmIdWellFormed(const char *id, size_t len, const char *prefix)
{
	size_t		plen = strlen(prefix);

	if (len > IDM_ID_MAXLEN || len <= plen + 1 ||
		memcmp(id, prefix, plen) != 0 || id[plen] != '_')
		return false;
	for (size_t i = plen + 1; i < len; i++)
	{
		char		c = id[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			  (c >= 'A' && c <= 'Z')))
			return false;
	}
	return true;
}
