/*
 * libFuzzer harness for the name grammars (names_core.c): the first input
 * byte picks the grammar, the rest is the candidate.  Each verdict is
 * compared with an independent, simpler statement of the same rule, and a
 * refusal's reason must be a printable sentence.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "names_core.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* [a-z0-9][a-z0-9_-]* segments joined by ':', at least two, <= 100 bytes */
static int
PermissionOracle(const char *s, size_t len)
{
	size_t		seglen = 0;
	int			segments = 1;

	if (len == 0 || len > IDM_PERMISSION_NAME_MAXLEN)
		return 0;
	for (size_t i = 0; i < len; i++)
	{
		char		c = s[i];

		if (c == ':')
		{
			if (seglen == 0)
				return 0;
			segments++;
			seglen = 0;
			continue;
		}
		if (seglen == 0 ? !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			: !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
		seglen++;
	}
	return seglen > 0 && segments >= 2;
}

/* 1-64 of [A-Za-z0-9_] */
static int
RoleOracle(const char *s, size_t len)
{
	if (len == 0 || len > IDM_ROLE_NAME_MAXLEN)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_", s[i]) ||
			s[i] == '\0')
			return 0;
	return 1;
}

/* A reason is a non-empty sentence of printable ASCII ending with '.' */
static void
CheckReason(const char *why)
{
	size_t		n = strlen(why);

	assert(n > 0 && n < IDM_NAME_REASON_LEN && why[n - 1] == '.');
	for (size_t i = 0; i < n; i++)
		assert(why[i] >= 0x20 && why[i] < 0x7f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *s;
	size_t		len;
	const char *why;
	char		buf[IDM_NAME_REASON_LEN];

	if (size == 0)
		return 0;
	len = size - 1;
	s = malloc(len ? len : 1);
	memcpy(s, data + 1, len);
	switch (data[0] % 3)
	{
		case 0:
			why = IdmPermissionNameProblem(s, len);
			assert((why == NULL) == PermissionOracle(s, len));
			break;
		case 1:
			why = IdmRoleNameProblem(s, len, buf, sizeof(buf));
			assert((why == NULL) == RoleOracle(s, len));
			break;
		default:
			why = IdmExternalIdProblem(s, len);
			if (why == NULL)
			{
				assert(len >= 1 && len <= IDM_EXTERNAL_ID_MAXLEN);
				assert(s[0] != ' ' && s[len - 1] != ' ');
				for (size_t i = 0; i < len; i++)
					assert((unsigned char) s[i] >= 0x20 && s[i] != 0x7f);
			}
			break;
	}
	if (why)
		CheckReason(why);
	free(s);
	return 0;
}
