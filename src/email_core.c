/*
 * email_core.c - email address syntax, free of PostgreSQL backend calls
 *
 * Pure C (no palloc, no ereport) so that test/fuzz can link it into a
 * libFuzzer harness outside the server.  Deliberately stricter than RFC
 * 5322: no quoted local parts, comments or address literals, which identity
 * providers do not issue and which make matching by domain ambiguous.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "email_core.h"

#define LOCAL_MAX 64
#define DOMAIN_MAX 253
#define LABEL_MAX 63

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

static const char *
DomainProblem(const char *s, int len)
{
	int			label_start = 0;
	int			labels = 0;
	bool		tld_alpha = false;

	if (len == 0)
		return "The domain after \"@\" is empty.";
	if (len > DOMAIN_MAX)
		return "The domain is longer than 253 bytes.";
	for (int i = 0; i <= len; i++)
	{
		if (i == len || s[i] == '.')
		{
			int			l = i - label_start;

			if (l == 0)
				return "The domain has an empty label.";
			if (l > LABEL_MAX)
				return "A domain label is longer than 63 bytes.";
			if (s[label_start] == '-' || s[i - 1] == '-')
				return "A domain label starts or ends with a hyphen.";
			tld_alpha = false;
			for (int k = label_start; k < i; k++)
				if (isalpha((unsigned char) s[k]))
					tld_alpha = true;
			labels++;
			label_start = i + 1;
			continue;
		}
		if (!isalnum((unsigned char) s[i]) && s[i] != '-')
			return "The domain has a character other than letters, digits, hyphens and dots.";
	}
	if (labels < 2)
		return "The domain has no dot.";
	if (!tld_alpha)
		return "The top-level domain is all digits.";
	return NULL;
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

