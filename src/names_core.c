/*
 * names_core.c - grammars of permission names, role names and external ids
 *
 * Pure C (no palloc, no ereport, no PostgreSQL headers), so a libFuzzer
 * harness links it alone; see names_core.h.
 */
#include <ctype.h>
#include <stdio.h>

#include "names_core.h"

/* A permission segment starts with a lower-case letter or a digit. */
static int
IsSegmentStart(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

const char *
IdmPermissionNameProblem(const char *s, size_t len)
{
	int			segments = 1;

	if (len == 0)
		return "It is empty.";
	if (len > IDM_PERMISSION_NAME_MAXLEN)
		return "It is longer than 100 bytes.";
	for (size_t i = 0; i < len; i++)
	{
		char		c = s[i];
		int			start = (i == 0 || s[i - 1] == ':');

		if (c == ':')
		{
			if (start)
				return i == 0 ? "It starts with \":\"." : "It has an empty segment (\"::\").";
			segments++;
		}
		else if (c >= 'A' && c <= 'Z')
			return "It has upper-case letters; permission names are lower case.";
		else if (start && !IsSegmentStart(c))
			return "A segment starts with a character other than a letter or digit.";
		else if (!IsSegmentStart(c) && c != '_' && c != '-')
			return "It has a character other than a-z, 0-9, \"_\", \"-\" and \":\".";
	}
	if (s[len - 1] == ':')
		return "It ends with \":\".";
	if (segments < 2)
		return "It has no \":\" between action and resource.";
	return NULL;
}

const char *
IdmRoleNameProblem(const char *s, size_t len, char *buf, size_t buflen)
{
	if (len == 0)
		return "It is empty.";
	if (len > IDM_ROLE_NAME_MAXLEN)
		return "It is longer than 64 characters.";
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '_')
			continue;
		if (c < 0x20 || c >= 0x7f)
			return "It contains a character that is not an ASCII letter, digit or underscore.";
		snprintf(buf, buflen, "It contains \"%c\", which is not a letter, digit or underscore.", c);
		return buf;
	}
	return NULL;
}

const char *
IdmExternalIdProblem(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *) s;

	if (len == 0)
		return "It is empty.";
	if (len > IDM_EXTERNAL_ID_MAXLEN)
		return "It is longer than 255 bytes.";
	if (isspace(u[0]) || isspace(u[len - 1]))
		return "It starts or ends with white space.";
	for (size_t i = 0; i < len; i++)
		if (u[i] < 0x20 || u[i] == 0x7f)
			return "It contains a control character.";
	return NULL;
}
