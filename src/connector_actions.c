/*
 * connector_actions.c - connected-account actions that emit their events
 *
 * Magic link generated, OAuth tokens fetched, OAuth succeeded, token
 * refresh succeeded / failed: each locks the row, moves its status through
 * the legal transitions (the BEFORE trigger of connector.c checks them),
 * stores any new tokens through authorization_details (so they are
 * validated and encrypted there) and writes its own event in the same
 * transaction.  The statements run through SPI as the caller, so row-level
 * security and privileges apply as to a plain UPDATE.
 *
 * Also here: reading a credential (privileged, audited in the server log
 * without the value) and idm.rotate_credentials().
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/jsonb.h"

#include "connector.h"
#include "crypto.h"
#include "events.h"

PG_FUNCTION_INFO_V1(generate_magic_link);
PG_FUNCTION_INFO_V1(oauth_tokens_fetched);
PG_FUNCTION_INFO_V1(oauth_succeeded);
PG_FUNCTION_INFO_V1(token_refresh_succeeded);
PG_FUNCTION_INFO_V1(token_refresh_failed);
PG_FUNCTION_INFO_V1(connected_account_credentials);
PG_FUNCTION_INFO_V1(rotate_credentials);

#define MAX_ARGS 8

/* The locked row an action starts from */
typedef struct Account
{
	char	   *env;
	char	   *id;
	char	   *status;
	char	   *type;
	bool		has_credentials;
} Account;

/* An UPDATE under construction: "SET ..." with $3.. as its parameters */
typedef struct Update
{
	const char *set;
	int			nargs;			/* counting $1 environment and $2 id */
	Oid			types[MAX_ARGS];
	Datum		values[MAX_ARGS];
	char		nulls[MAX_ARGS];
} Update;

/* The environment argument, else the setting (idm.current_environment). */
static char *
Environment(FunctionCallInfo fcinfo, int argno)
{
	Oid			type = TEXTOID;
	Datum		arg = PG_ARGISNULL(argno) ? (Datum) 0 : PG_GETARG_DATUM(argno);
	char		null = PG_ARGISNULL(argno) ? 'n' : ' ';

	if (SPI_execute_with_args("SELECT idm.current_environment($1)", 1, &type, &arg,
							  &null, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "pg_idm: idm.current_environment failed");
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

/* The id argument; an action needs one. */
static char *
IdArg(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("connected account id must not be NULL")));
	return text_to_cstring(PG_GETARG_TEXT_PP(0));
}

/* Raises P0002 for an account the caller cannot find. */
static void
NotFound(const char *id)
{
	ereport(ERROR,
			(errcode(ERRCODE_NO_DATA_FOUND),
			 errmsg("connected account \"%s\" does not exist", id),
			 errhint("Check the id and the environment (idm.environment_id).")));
}

/* Locks the account row; P0002 when it does not exist (for this caller). */
static void
LockAccount(Account *a)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2] = {CStringGetTextDatum(a->env), CStringGetTextDatum(a->id)};

	if (SPI_execute_with_args("SELECT status::text, authorization_type::text, credentials IS NOT NULL "
							  "FROM idm.connected_accounts WHERE environment_id = $1 AND id = $2 FOR UPDATE",
							  2, types, values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "pg_idm: could not lock connected account");
	if (SPI_processed == 0)
		NotFound(a->id);
	a->status = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	a->type = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	a->has_credentials = strcmp(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3), "t") == 0;
}

/* Token actions apply to OAUTH accounts only. */
static void
RequireOauth(const Account *a, const char *action)
{
	if (strcmp(a->type, "OAUTH") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot record %s for connected account \"%s\": its authorization_type is %s, not OAUTH",
						action, a->id, a->type)));
}

/* Refresh outcomes apply to accounts that were authorized (ACTIVE or EXPIRED). */
static void
RequireAuthorized(const Account *a, const char *action)
{
	if ((strcmp(a->status, "ACTIVE") != 0 && strcmp(a->status, "EXPIRED") != 0) ||
		!a->has_credentials)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot record %s for connected account \"%s\" in status %s",
						action, a->id, a->status),
				 errdetail("Only an ACTIVE or EXPIRED account with stored tokens is refreshed."),
				 errhint("Authorize it first (idm.generate_magic_link, idm.oauth_tokens_fetched).")));
}

static void
AddArg(Update *u, Oid type, Datum value, bool isnull)
{
	Assert(u->nargs < MAX_ARGS);
	u->types[u->nargs] = type;
	u->values[u->nargs] = value;
	u->nulls[u->nargs++] = isnull ? 'n' : ' ';
}

/* Argument argno of the call as an UPDATE parameter of the given type. */
static void
AddCallArg(Update *u, FunctionCallInfo fcinfo, int argno, Oid type)
{
	AddArg(u, type, PG_ARGISNULL(argno) ? (Datum) 0 : PG_GETARG_DATUM(argno),
		   PG_ARGISNULL(argno));
}

/*
 * Runs the UPDATE, then emits the action's event from the new row, and
 * returns the row (an idm.connected_accounts value) in the caller's memory.
 */
static Datum
UpdateAndEmit(Account *a, Update *u, const char *event, int extras,
			  MemoryContext caller)
{
	char	   *sql = psprintf("UPDATE idm.connected_accounts c SET %s "
							   "WHERE c.environment_id = $1 AND c.id = $2 RETURNING c.*, c AS row_value",
							   u->set);
	TupleDesc	desc;
	HeapTuple	row;
	bool		isnull;
	MemoryContext old;
	Datum		result;

	u->types[0] = u->types[1] = TEXTOID;
	u->values[0] = CStringGetTextDatum(a->env);
	u->values[1] = CStringGetTextDatum(a->id);
	u->nulls[0] = u->nulls[1] = ' ';
	IdmConnectorActionDepth++;
	PG_TRY();
	{
		if (SPI_execute_with_args(sql, u->nargs, u->types, u->values, u->nulls, false, 0) !=
			SPI_OK_UPDATE_RETURNING || SPI_processed != 1)
			elog(ERROR, "pg_idm: connected account update failed");
	}
	PG_FINALLY();
	{
		IdmConnectorActionDepth--;
	}
	PG_END_TRY();
	desc = SPI_tuptable->tupdesc;
	row = SPI_tuptable->vals[0];
	IdmEmitEvent(event, a->env, NULL, IdmConnectedAccountPayload(desc, row, extras, NULL));
	result = SPI_getbinval(row, desc, desc->natts, &isnull);
	old = MemoryContextSwitchTo(caller);
	result = datumCopy(result, false, -1);
	MemoryContextSwitchTo(old);
	return result;
}

/* Connects to SPI and locks the account named by the call's first argument. */
static MemoryContext
Begin(FunctionCallInfo fcinfo, int env_argno, Account *a)
{
	MemoryContext caller = CurrentMemoryContext;

	a->id = IdArg(fcinfo);
	SPI_connect();
	a->env = Environment(fcinfo, env_argno);
	LockAccount(a);
	return caller;
}

/*
 * idm.generate_magic_link(id, environment_id): a link to (re)authorize was
 * sent.  EXPIRED, PENDING_VERIFICATION and DISCONNECTED accounts go back to
 * PENDING_AUTH; PENDING_AUTH and ACTIVE (re-consent) keep their status.
 */
Datum
generate_magic_link(PG_FUNCTION_ARGS)
{
	Account		a;
	MemoryContext caller = Begin(fcinfo, 1, &a);
	Update		u = {.set = "status = CASE WHEN c.status = 'ACTIVE' THEN c.status ELSE 'PENDING_AUTH' END",
	.nargs = 2};
	Datum		result = UpdateAndEmit(&a, &u, "connected_account.magic_link_generated", 0, caller);

	SPI_finish();
	PG_RETURN_DATUM(result);
}

/*
 * idm.oauth_tokens_fetched(id, access_token, refresh_token, scopes,
 * token_expires_at, domain, environment_id): the code exchange returned
 * tokens.  They are stored encrypted; the account awaits confirmation
 * (PENDING_VERIFICATION), or stays ACTIVE when it was (re-consent).
 */
Datum
oauth_tokens_fetched(PG_FUNCTION_ARGS)
{
	Account		a;
	MemoryContext caller = Begin(fcinfo, 6, &a);
	Update		u = {.set = "authorization_details = jsonb_build_object('oauth_token', "
		"jsonb_strip_nulls(jsonb_build_object('access_token', $3::text, 'refresh_token', $4::text, "
		"'scopes', to_jsonb($5::text[]), 'domain', $6::text))), "
		"token_expires_at = $7, "
		"status = CASE WHEN c.status = 'ACTIVE' THEN c.status ELSE 'PENDING_VERIFICATION' END",
	.nargs = 2};
	Datum		result;

	RequireOauth(&a, "OAuth tokens");
	AddCallArg(&u, fcinfo, 1, TEXTOID);
	AddCallArg(&u, fcinfo, 2, TEXTOID);
	AddCallArg(&u, fcinfo, 3, TEXTARRAYOID);
	AddCallArg(&u, fcinfo, 5, TEXTOID);
	AddCallArg(&u, fcinfo, 4, TIMESTAMPTZOID);
	result = UpdateAndEmit(&a, &u, "connected_account.oauth_tokens_fetched", CA_WITH_EXPIRY, caller);
	SPI_finish();
	PG_RETURN_DATUM(result);
}

/*
 * idm.oauth_succeeded(id, identifier, environment_id): the OAuth flow is
 * complete (the app knows whose account it is): the account becomes ACTIVE.
 */
Datum
oauth_succeeded(PG_FUNCTION_ARGS)
{
	Account		a;
	MemoryContext caller = Begin(fcinfo, 2, &a);
	Update		u = {.set = "status = 'ACTIVE', identifier = coalesce($3, c.identifier)", .nargs = 2};
	Datum		result;

	RequireOauth(&a, "OAuth success");
	if (!a.has_credentials)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("connected account \"%s\" has no OAuth tokens", a.id),
				 errhint("Call idm.oauth_tokens_fetched first.")));
	AddCallArg(&u, fcinfo, 1, TEXTOID);
	result = UpdateAndEmit(&a, &u, "connected_account.oauth_succeeded", CA_WITH_EXPIRY, caller);
	SPI_finish();
	PG_RETURN_DATUM(result);
}

/*
 * The account's ciphertext, copied into ctx, or NULL when it holds none;
 * P0002 when the row does not exist (for this caller).
 */
static bytea *
FetchCredentials(const Account *a, MemoryContext ctx)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2] = {CStringGetTextDatum(a->env), CStringGetTextDatum(a->id)};
	bool		isnull;
	Datum		blob;
	MemoryContext old;
	bytea	   *copy = NULL;

	if (SPI_execute_with_args("SELECT credentials FROM idm.connected_accounts "
							  "WHERE environment_id = $1 AND id = $2",
							  2, types, values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "pg_idm: could not read connected account");
	if (SPI_processed == 0)
		NotFound(a->id);
	blob = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	old = MemoryContextSwitchTo(ctx);
	if (!isnull)
		copy = DatumGetByteaPCopy(blob);
	MemoryContextSwitchTo(old);
	return copy;
}

/* Decrypts the account's stored details into a text datum; caller zeroes it. */
static text *
StoredDetails(const Account *a)
{
	bytea	   *blob = FetchCredentials(a, CurrentMemoryContext);
	char	   *plain;
	int			len;
	text	   *t;

	if (blob == NULL)			/* RequireAuthorized checked it */
		elog(ERROR, "pg_idm: connected account \"%s\" has no credentials", a->id);
	plain = IdmDecryptCredentials(blob, a->env, a->id, &len);
	t = cstring_to_text_with_len(plain, len);
	explicit_bzero(plain, len);
	return t;
}

/*
 * idm.token_refresh_succeeded(id, access_token, token_expires_at,
 * refresh_token, scopes, environment_id): new tokens replace the stored
 * ones (a NULL refresh_token or scopes keeps the old); EXPIRED becomes
 * ACTIVE; last_used_at is now.
 */
Datum
token_refresh_succeeded(PG_FUNCTION_ARGS)
{
	Account		a;
	MemoryContext caller = Begin(fcinfo, 5, &a);
	Update		u = {.set = "authorization_details = jsonb_build_object('oauth_token', "
		"($3::jsonb -> 'oauth_token') || jsonb_strip_nulls(jsonb_build_object("
		"'access_token', $4::text, 'refresh_token', $5::text, 'scopes', to_jsonb($6::text[])))), "
		"token_expires_at = $7, last_used_at = now(), status = 'ACTIVE'",
	.nargs = 2};
	text	   *stored;
	Datum		result = (Datum) 0;

	RequireOauth(&a, "a token refresh");
	RequireAuthorized(&a, "a token refresh");
	stored = StoredDetails(&a);
	PG_TRY();
	{
		AddArg(&u, TEXTOID, PointerGetDatum(stored), false);
		AddCallArg(&u, fcinfo, 1, TEXTOID);
		AddCallArg(&u, fcinfo, 3, TEXTOID);
		AddCallArg(&u, fcinfo, 4, TEXTARRAYOID);
		AddCallArg(&u, fcinfo, 2, TIMESTAMPTZOID);
		result = UpdateAndEmit(&a, &u, "connected_account.token_refresh_succeeded",
							   CA_WITH_EXPIRY | CA_WITH_LAST_USED, caller);
	}
	PG_FINALLY();
	{
		explicit_bzero(VARDATA(stored), VARSIZE(stored) - VARHDRSZ);
	}
	PG_END_TRY();
	SPI_finish();
	PG_RETURN_DATUM(result);
}

/* idm.token_refresh_failed(id, environment_id): an ACTIVE account becomes EXPIRED. */
Datum
token_refresh_failed(PG_FUNCTION_ARGS)
{
	Account		a;
	MemoryContext caller = Begin(fcinfo, 1, &a);
	Update		u = {.set = "status = 'EXPIRED'", .nargs = 2};
	Datum		result;

	RequireOauth(&a, "a token refresh");
	RequireAuthorized(&a, "a token refresh");
	result = UpdateAndEmit(&a, &u, "connected_account.token_refresh_failed", CA_WITH_EXPIRY, caller);
	SPI_finish();
	PG_RETURN_DATUM(result);
}

/*
 * idm.connected_account_credentials(id, environment_id): the decrypted
 * authorization_details, NULL when none are stored.  Not granted to
 * PUBLIC; runs as the caller, so row-level security applies.  Each call
 * writes a LOG line naming the account and the roles, never the value.
 */
Datum
connected_account_credentials(PG_FUNCTION_ARGS)
{
	Account		a;
	MemoryContext caller = CurrentMemoryContext;
	bytea	   *blob;
	char	   *plain;
	int			len;
	Datum		result = (Datum) 0;

	a.id = IdArg(fcinfo);
	SPI_connect();
	a.env = MemoryContextStrdup(caller, Environment(fcinfo, 1));
	blob = FetchCredentials(&a, caller);
	SPI_finish();

	ereport(LOG,
			(errmsg("pg_idm: credentials of connected account \"%s\" in environment \"%s\" read by role \"%s\" (session role \"%s\")",
					a.id, a.env, GetUserNameFromId(GetUserId(), false),
					GetUserNameFromId(GetSessionUserId(), false)),
			 errhidestmt(true)));
	if (blob == NULL)
		PG_RETURN_NULL();
	plain = IdmDecryptCredentials(blob, a.env, a.id, &len);
	PG_TRY();
	{
		result = DirectFunctionCall1(jsonb_in, CStringGetDatum(plain));
	}
	PG_FINALLY();
	{
		explicit_bzero(plain, len);
	}
	PG_END_TRY();
	PG_RETURN_DATUM(result);
}

/*
 * idm.rotate_credentials(environment_id): re-encrypts every stored
 * credential (of one environment, or of all when NULL) under the current
 * key (idm.credential_key_id) and returns how many rows it rewrote.
 * Refuses, changing nothing, if a key still in use is not configured.
 * The caller must see every row: run it as a superuser.
 */
Datum
rotate_credentials(PG_FUNCTION_ARGS)
{
	const char *current = IdmCurrentKeyId();
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		args[2];
	char		nulls[2] = {' ', PG_ARGISNULL(0) ? 'n' : ' '};
	uint64		n;

	if (current == NULL || !IdmKeyConfigured(current))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("no current credential key is configured"),
				 errhint("Set idm.credential_keys and idm.credential_key_id, then rotate.")));
	args[0] = CStringGetTextDatum(current);
	args[1] = PG_ARGISNULL(0) ? (Datum) 0 : PG_GETARG_DATUM(0);
	SPI_connect();
	if (SPI_execute_with_args("SELECT idm.credential_key_id(credentials), count(*) FROM idm.connected_accounts "
							  "WHERE credentials IS NOT NULL AND ($2 IS NULL OR environment_id = $2) "
							  "GROUP BY 1 ORDER BY 1", 2, types, args, nulls, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "pg_idm: could not list credential keys in use");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		char	   *kid = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);

		if (!IdmKeyConfigured(kid))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("credential key \"%s\" is not configured", kid),
					 errdetail("%s connected accounts are encrypted with it; nothing was rotated.",
							   SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2)),
					 errhint("Keep every old key in idm.credential_keys until rotation is done.")));
	}
	/* the BEFORE trigger re-encrypts rows under an old key on any UPDATE */
	IdmConnectorActionDepth++;
	PG_TRY();
	{
		if (SPI_execute_with_args("UPDATE idm.connected_accounts SET credentials = credentials "
								  "WHERE credentials IS NOT NULL AND idm.credential_key_id(credentials) <> $1 "
								  "AND ($2 IS NULL OR environment_id = $2)",
								  2, types, args, nulls, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "pg_idm: could not rotate credentials");
	}
	PG_FINALLY();
	{
		IdmConnectorActionDepth--;
	}
	PG_END_TRY();
	n = SPI_processed;
	SPI_finish();
	PG_RETURN_INT64((int64) n);
}
