/*
 * email_core.c - email address syntax, free of PostgreSQL backend calls
 *
 * Pure C (no palloc, no ereport) so that test/fuzz can link it into a
 * libFuzzer harness outside the server.  Deliberately stricter than RFC
 * 5322: no quoted local parts, comments or address literals, which identity
 * providers do not issue and which make matching by domain ambiguous.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "domain_core.h"
#include "email_core.h"

#define LOCAL_MAX 64

/* RFC 5322 atext */
static bool
IsAtext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static const char *
LocalPartProblem(const char *s, int len)
{
	if (len == 0)
		return "The part before \"@\" is empty.";
	if (len > LOCAL_MAX)
		return "The part before \"@\" is longer than 64 bytes.";
	if (s[0] == '.' || s[len - 1] == '.')
		return "The part before \"@\" starts or ends with a dot.";
	for (int i = 0; i < len; i++)
	{
		if (s[i] == '.' && i + 1 < len && s[i + 1] == '.')
			return "The part before \"@\" has two dots in a row.";
		if (s[i] != '.' && !IsAtext((unsigned char) s[i]))
			return "The part before \"@\" has a character not allowed there.";
	}
	return NULL;
}

/*
 * The domain follows the same rules as idm.domains (domain_core.c), so an
 * address's domain can always be routed; internationalised domains are
 * accepted.  Unlike a domain row, no trailing dot.
 */
static const char *
DomainProblem(const char *s, int len)
{
	char		normal[IDM_DOMAIN_BUFSIZE];
	size_t		outlen;
	IdmDomainStatus st;

	if (len == 0)
		return "The domain after \"@\" is empty.";
	st = IdmDomainNormalize(s, len, 0, normal, &outlen);
	return st == IDM_DOMAIN_OK ? NULL : IdmDomainMessage(st);
}

const char *
IdmEmailProblem(const char *email, int len, int *at)
{
	const char *sign = memchr(email, '@', len);
	const char *why;

	*at = -1;
	if (sign == NULL)
		return "It has no \"@\".";
	if (memchr(sign + 1, '@', len - (sign - email) - 1) != NULL)
		return "It has more than one \"@\".";
	*at = sign - email;
	why = LocalPartProblem(email, *at);
	if (why == NULL)
		why = DomainProblem(sign + 1, len - *at - 1);
	return why;
}

