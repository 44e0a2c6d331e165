/*
 * domain.c - domains in the server: the normal form of a domain (the
 * PostgreSQL side of domain_core.c), the domain of an email address, the
 * refusal of public and disposable mail domains, and idm.route_email.
 *
 * Lookups run through SPI plans prepared once per backend (SPI_keepplan;
 * the plan cache revalidates them after DDL).  They name every table and
 * operator with its schema, so a caller's search_path cannot redirect them.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/unicode_norm.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/rel.h"

#include "domain.h"
#include "email.h"
#include "util.h"

PG_FUNCTION_INFO_V1(normalize_domain);
PG_FUNCTION_INFO_V1(email_domain);
PG_FUNCTION_INFO_V1(is_public_email_domain);
PG_FUNCTION_INFO_V1(domain_guard);
PG_FUNCTION_INFO_V1(route_email);

/*
 * Longer input cannot compose (NFC) into a valid name: a name has at most
 * 253 code points, and composition shrinks UTF-8 at most threefold.
 */
#define NFC_INPUT_MAX 4096
/* How much of a bad value an error message shows */
#define SHOWN_MAX 300

/* The most specific listed public domain that $1 (a domain and its parents) holds */
static const char *const public_sql =
"SELECT p.domain FROM idm.public_email_domains p"
" WHERE p.domain OPERATOR(pg_catalog.=) ANY ($1)"
" ORDER BY pg_catalog.length(p.domain) DESC LIMIT 1";

/*
 * Routing in one statement of three index probes on (environment_id, ...):
 * the most specific ORGANIZATION_DOMAIN among the email's domain and its
 * parents ($3), that organization's oldest enabled connection, and the
 * organizations holding the exact domain ($2) as ALLOWED_EMAIL_DOMAIN.
 */
static const char *const route_sql =
"SELECT o.organization_id, c.id,"
"  ARRAY(SELECT a.organization_id FROM idm.domains a"
"        WHERE a.environment_id OPERATOR(pg_catalog.=) $1"
"          AND a.domain OPERATOR(pg_catalog.=) $2"
"          AND a.domain_type OPERATOR(pg_catalog.=) 'ALLOWED_EMAIL_DOMAIN'::idm.domain_type"
"        ORDER BY a.organization_id)"
" FROM (VALUES (1)) one (x)"
" LEFT JOIN LATERAL (SELECT d.organization_id FROM idm.domains d"
"        WHERE d.environment_id OPERATOR(pg_catalog.=) $1"
"          AND d.domain OPERATOR(pg_catalog.=) ANY ($3)"
"          AND d.domain_type OPERATOR(pg_catalog.=) 'ORGANIZATION_DOMAIN'::idm.domain_type"
"        ORDER BY pg_catalog.length(d.domain) DESC LIMIT 1) o ON true"
" LEFT JOIN LATERAL (SELECT c.id FROM idm.connections c"
"        WHERE c.environment_id OPERATOR(pg_catalog.=) $1"
"          AND c.organization_id OPERATOR(pg_catalog.=) o.organization_id"
"          AND c.enabled"
"        ORDER BY c.id LIMIT 1) c ON true";

static SPIPlanPtr public_plan = NULL;
static SPIPlanPtr route_plan = NULL;

/* NFC of s (server encoding, some non-ASCII) in UTF-8; NULL if not valid UTF-8. */
char *
IdmNfcUtf8(const char *s, int len, int *outlen)
{
	char	   *utf8 = pg_server_to_any(s, len, PG_UTF8);
	int			ulen = (utf8 == s) ? len : (int) strlen(utf8);
	pg_wchar   *wide = palloc((ulen + 1) * sizeof(pg_wchar));
	pg_wchar   *nfc;
	unsigned char *out;
	int			n = 0,
				o = 0;

	if (pg_encoding_verifymbstr(PG_UTF8, utf8, ulen) != ulen)
		return NULL;
	for (int i = 0; i < ulen; i += pg_utf_mblen((const unsigned char *) utf8 + i))
		wide[n++] = utf8_to_unicode((const unsigned char *) utf8 + i);
	wide[n] = 0;
	nfc = unicode_normalize(UNICODE_NFC, wide);
	for (n = 0; nfc[n] != 0; n++)
		;
	out = palloc(4 * n + 1);
	for (int i = 0; i < n; i++)
	{
		unicode_to_utf8(nfc[i], out + o);
		o += pg_utf_mblen(out + o);
	}
	*outlen = o;
	pfree(wide);
	pfree(nfc);
	return (char *) out;
}

IdmDomainStatus
IdmNormalizeDomain(const char *s, int len, int flags, char *out)
{
	size_t		outlen;
	int			i = 0;

	while (i < len && !IS_HIGHBIT_SET(s[i]))
		i++;
	if (i < len && len <= NFC_INPUT_MAX)
	{
		int			nlen;
		char	   *nfc = IdmNfcUtf8(s, len, &nlen);

		if (nfc == NULL)
			return IDM_DOMAIN_BAD_UTF8;
		return IdmDomainNormalize(nfc, nlen, flags, out, &outlen);
	}
	return IdmDomainNormalize(s, len, flags, out, &outlen);
}

void
IdmCheckDomain(const char *s, int len, const char *field, char *out)
{
	IdmDomainStatus st = IdmNormalizeDomain(s, len, IDM_DOMAIN_TRAILING_DOT, out);

	if (st != IDM_DOMAIN_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s: \"%.*s\"", field, pg_mbcliplen(s, len, SHOWN_MAX), s),
				 errdetail("%s", IdmDomainMessage(st)),
				 errhint("Use a domain name such as \"example.com\"; internationalised names are accepted and stored in their \"xn--\" form.")));
}

/* The normal form of an email address's domain; raises 22023 if the address is invalid. */
static void
EmailDomain(text *email, const char *field, char *out)
{
	const char *s = VARDATA_ANY(email);
	int			len = VARSIZE_ANY_EXHDR(email);
	const char *at;

	IdmCheckEmail(s, len, field);
	at = memchr(s, '@', len);
	if (IdmNormalizeDomain(at + 1, len - (at + 1 - s), 0, out) != IDM_DOMAIN_OK)
		elog(ERROR, "pg_idm: email domain passed the email check but not normalisation");
}

/* The domain and each parent of two labels or more: "a.b.c" gives {a.b.c, b.c}. */
static ArrayType *
DomainAndParents(const char *domain)
{
	Datum		elems[IDM_DOMAIN_MAX / 2 + 1];
	int			n = 0;

	for (const char *p = domain; strchr(p, '.') != NULL; p = strchr(p, '.') + 1)
		elems[n++] = CStringGetTextDatum(p);
	return construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT);
}

/*
 * Prepares a statement once per backend; call inside SPI_connect.  The
 * plan is generic from the first call: these are index probes whatever the
 * parameters, and custom plans would mean planning on every call.
 */
static SPIPlanPtr
KeptPlan(SPIPlanPtr *plan, const char *sql, int nargs, Oid *argtypes)
{
	if (*plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare_cursor(sql, nargs, argtypes,
										   CURSOR_OPT_GENERIC_PLAN);

		if (p == NULL)
			elog(ERROR, "pg_idm: SPI_prepare failed: %s",
				 SPI_result_code_string(SPI_result));
		if (SPI_keepplan(p) != 0)
			elog(ERROR, "pg_idm: SPI_keepplan failed");
		*plan = p;
	}
	return *plan;
}

/* Copies into listed (IDM_DOMAIN_BUFSIZE) the public mail domain that domain is or is under. */
static bool
PublicDomainOf(const char *domain, char *listed)
{
	Oid			argtypes[1] = {TEXTARRAYOID};
	Datum		args[1];
	bool		found;

	args[0] = PointerGetDatum(DomainAndParents(domain));
	SPI_connect();
	if (SPI_execute_plan(KeptPlan(&public_plan, public_sql, 1, argtypes),
						 args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "pg_idm: public email domain lookup failed");
	found = SPI_processed > 0;
	if (found)
		strlcpy(listed, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1),
				IDM_DOMAIN_BUFSIZE);
	SPI_finish();
	return found;
}

/* idm.normalize_domain(domain text) returns text: the stored form; raises 22023 if invalid */
Datum
normalize_domain(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	char		out[IDM_DOMAIN_BUFSIZE];

	IdmCheckDomain(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), "domain", out);
	PG_RETURN_TEXT_P(cstring_to_text(out));
}

/* idm.email_domain(email text) returns text: the normal form of the address's domain */
Datum
email_domain(PG_FUNCTION_ARGS)
{
	char		out[IDM_DOMAIN_BUFSIZE];

	EmailDomain(PG_GETARG_TEXT_PP(0), "email", out);
	PG_RETURN_TEXT_P(cstring_to_text(out));
}

/* idm.is_public_email_domain(domain text) returns boolean: listed, or under a listed domain */
Datum
is_public_email_domain(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	char		normal[IDM_DOMAIN_BUFSIZE];
	char		listed[IDM_DOMAIN_BUFSIZE];

	IdmCheckDomain(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), "domain", normal);
	PG_RETURN_BOOL(PublicDomainOf(normal, listed));
}

/* Raises unless the (normalised) domain is free to be an organization's. */
static void
RefusePublicDomain(const char *domain)
{
	char		listed[IDM_DOMAIN_BUFSIZE];

	if (!PublicDomainOf(domain, listed))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 strcmp(listed, domain) == 0 ?
			 errmsg("domain \"%s\" is a public or disposable email domain", domain) :
			 errmsg("domain \"%s\" is under the public or disposable email domain \"%s\"",
					domain, listed),
			 errdetail("Addresses there belong to unrelated people, so the domain cannot identify an organization."),
			 errhint("Use the organization's own domain; the refused domains are listed in idm.public_email_domains.")));
}

/*
 * BEFORE INSERT OR UPDATE OF domain ... FOR EACH ROW: stores the column
 * "domain" in its normal form and refuses public and disposable mail
 * domains (on idm.domains, for both domain types: neither kind can name
 * one organization).  The argument 'allow_public' skips the refusal, for
 * the list itself.
 */
Datum
domain_guard(PG_FUNCTION_ARGS)
{
	TriggerData *td = IdmTriggerData(fcinfo, "domain_guard", false);
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	HeapTuple	row = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
	int			col = IdmColumn(desc, "domain");
	bool		isnull;
	Datum		value = heap_getattr(row, col, desc, &isnull);
	char		normal[IDM_DOMAIN_BUFSIZE];
	text	   *given;

	if (isnull || TRIGGER_FIRED_BY_DELETE(td->tg_event))
		return PointerGetDatum(row);	/* NOT NULL reports a missing domain */
	given = DatumGetTextPP(value);
	IdmCheckDomain(VARDATA_ANY(given), VARSIZE_ANY_EXHDR(given), "domain", normal);
	if (td->tg_trigger->tgnargs == 0 || strcmp(td->tg_trigger->tgargs[0], "allow_public") != 0)
		RefusePublicDomain(normal);
	if (strlen(normal) == VARSIZE_ANY_EXHDR(given) &&
		memcmp(normal, VARDATA_ANY(given), strlen(normal)) == 0)
		return PointerGetDatum(row);
	value = CStringGetTextDatum(normal);
	isnull = false;
	return PointerGetDatum(heap_modify_tuple_by_cols(row, desc, 1, &col, &value, &isnull));
}

/* The explicit environment argument, else the setting, as idm.current_environment(). */
static char *
EnvironmentArg(FunctionCallInfo fcinfo, int argno)
{
	const char *env;

	if (!PG_ARGISNULL(argno))
		return text_to_cstring(PG_GETARG_TEXT_PP(argno));
	env = GetConfigOption("idm.environment_id", true, false);
	if (env == NULL || env[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no environment given"),
				 errhint("Pass environment_id, or SET idm.environment_id = 'env_...'.")));
	return pstrdup(env);
}

/* Output columns of idm.route_email */
enum
{
	RE_EMAIL_DOMAIN = 0, RE_SSO_ENFORCED, RE_ORGANIZATION_ID, RE_CONNECTION_ID,
	RE_SUGGESTED, RE_NCOLUMNS
};

/*
 * idm.route_email(email text, environment_id text default null):
 * email_domain, sso_enforced, organization_id, connection_id,
 * suggested_organization_ids.  See README "Domains, SSO connections,
 * routing" for the matching rule.
 */
Datum
route_email(PG_FUNCTION_ARGS)
{
	Oid			argtypes[3] = {TEXTOID, TEXTOID, TEXTARRAYOID};
	Datum		args[3];
	Datum		values[RE_NCOLUMNS];
	bool		nulls[RE_NCOLUMNS] = {false};
	char		domain[IDM_DOMAIN_BUFSIZE];
	TupleDesc	desc;
	HeapTuple	row;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	EmailDomain(PG_GETARG_TEXT_PP(0), "email", domain);
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "pg_idm: route_email must return a record");
	desc = BlessTupleDesc(desc);
	args[0] = CStringGetTextDatum(EnvironmentArg(fcinfo, 1));
	args[1] = CStringGetTextDatum(domain);
	args[2] = PointerGetDatum(DomainAndParents(domain));

	SPI_connect();
	if (SPI_execute_plan(KeptPlan(&route_plan, route_sql, 3, argtypes),
						 args, NULL, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "pg_idm: route_email lookup failed");
	row = SPI_tuptable->vals[0];
	values[RE_ORGANIZATION_ID] = SPI_getbinval(row, SPI_tuptable->tupdesc, 1,
											   &nulls[RE_ORGANIZATION_ID]);
	values[RE_CONNECTION_ID] = SPI_getbinval(row, SPI_tuptable->tupdesc, 2,
											 &nulls[RE_CONNECTION_ID]);
	values[RE_SUGGESTED] = SPI_getbinval(row, SPI_tuptable->tupdesc, 3, &nulls[RE_SUGGESTED]);
	/* copy out of SPI's memory before SPI_finish frees it */
	for (int i = RE_ORGANIZATION_ID; i <= RE_SUGGESTED; i++)
		if (!nulls[i])
			values[i] = SPI_datumTransfer(values[i], false, -1);
	SPI_finish();

	values[RE_EMAIL_DOMAIN] = args[1];
	values[RE_SSO_ENFORCED] = BoolGetDatum(!nulls[RE_CONNECTION_ID]);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}
