/*
 * email.c - email address syntax
 *
 * Deliberately stricter than RFC 5322: no quoted local parts, comments or
 * address literals, which identity providers do not issue and which make
 * matching by domain ambiguous.  Case is kept as given; uniqueness is
 * case-insensitive through lower(email) indexes.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "domain.h"
#include "email.h"

PG_FUNCTION_INFO_V1(check_email);

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
	IdmDomainStatus st;

	if (len == 0)
		return "The domain after \"@\" is empty.";
	st = IdmNormalizeDomain(s, len, 0, normal);
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

void
IdmCheckEmail(const char *email, int len, const char *field)
{
	int			at;
	const char *why = IdmEmailProblem(email, len, &at);

	if (why != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s: \"%.*s\"", field, Min(len, 320), email),
				 errdetail("%s", why),
				 errhint("Use an address like \"name@example.com\".")));
}

/* idm.check_email(value text, field text default 'email') returns boolean; raises when invalid */
Datum
check_email(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	char	   *field = text_to_cstring(PG_GETARG_TEXT_PP(1));

	IdmCheckEmail(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), field);
	PG_RETURN_BOOL(true);
}
