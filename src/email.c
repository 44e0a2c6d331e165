/*
 * email.c - SQL-callable email checks over the pure core in email_core.c
 *
 * Case is kept as given; uniqueness is case-insensitive through
 * lower(email) indexes.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "domain.h"
#include "email.h"
#include "email_core.h"

PG_FUNCTION_INFO_V1(check_email);

void
IdmCheckEmail(const char *email, int len, const char *field)
{
	int			at;
	const char *why;
	const char *checked = email;
	int			checked_len = len;

	/* an internationalised domain is checked in NFC, as domains are */
	for (int i = 0; i < len; i++)
		if (IS_HIGHBIT_SET(email[i]))
		{
			checked = IdmNfcUtf8(email, len, &checked_len);
			if (checked == NULL)
			{
				checked = email;
				checked_len = len;
			}
			break;
		}
	why = IdmEmailProblem(checked, checked_len, &at);

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
