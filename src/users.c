/*
 * users.c - the user object of events, login-time bookkeeping and the
 * support hash
 *
 * The user object (usersUser with its user_profile and external_identities)
 * is built here once and nested by every event that carries a user:
 * membership events, invitations, signup, login and logout.  Related rows
 * are read by index scans (lookup.c), so a payload costs two index probes.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "port.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/rel.h"

#include "lookup.h"
#include "payload.h"
#include "sign.h"
#include "users.h"
#include "util.h"

PG_FUNCTION_INFO_V1(keep_update_time);
PG_FUNCTION_INFO_V1(gen_support_hash_secret);
PG_FUNCTION_INFO_V1(support_hash_of);
PG_FUNCTION_INFO_V1(check_support_hash_secret);
PG_FUNCTION_INFO_V1(check_raw_attributes);

#define SUPPORT_SECRET_BYTES 32

/* usersUser keys taken straight from columns (external_id is special) */
static const char *const user_columns[] = {
	"create_time", "email", "id", "last_login_time", "metadata", "update_time", NULL
};

/* commonsUserProfile keys, from the profile columns of idm.users */
static const char *const profile_columns[] = {
	"custom_attributes", "email_verified", "family_name", "gender", "given_name",
	"groups", "id=user_profile_id", "locale", "metadata=profile_metadata", "name",
	"phone_number", "phone_number_verified", "picture", "preferred_username", NULL
};

/* commonsExternalIdentity keys, plus the two the membership examples add */
static const char *const identity_columns[] = {
	"connection_id", "connection_provider", "connection_type", "connection_user_id",
	"created_time", "is_social", "last_login_time", "last_synced_time",
	"updated_time", NULL
};

typedef struct UserWriter
{
	IdmJson    *j;
	const char *key;
	const char *keys[2];		/* environment_id, user id */
	IdmJsonExtra extra;
	void	   *arg;
} UserWriter;

/* One element of external_identities; raw_attributes is JSON text in a string, as the spec shows it */
static void
WriteIdentity(TupleDesc desc, HeapTuple row, void *arg)
{
	IdmJson    *j = (IdmJson *) arg;
	bool		isnull;
	Datum		raw = heap_getattr(row, IdmColumn(desc, "raw_attributes"), desc, &isnull);

	IdmJsonBeginObject(j, NULL);
	IdmJsonColumns(j, desc, row, identity_columns);
	if (isnull)
		IdmJsonString(j, "raw_attributes", "{}");
	else
	{
		Jsonb	   *jb = DatumGetJsonbP(raw);

		IdmJsonString(j, "raw_attributes", JsonbToCString(NULL, &jb->root, VARSIZE(jb)));
	}
	IdmJsonEndObject(j);
}

static void
WriteUser(TupleDesc desc, HeapTuple row, void *arg)
{
	UserWriter *w = (UserWriter *) arg;
	IdmJson    *j = w->j;
	char	   *external_id = IdmColumnText(desc, row, "external_id");

	IdmJsonBeginObject(j, w->key);
	IdmJsonColumns(j, desc, row, user_columns);
	/* the API sends "" for a user without external id (see the spec's examples) */
	IdmJsonString(j, "external_id", external_id ? external_id : "");
	IdmJsonBeginObject(j, "user_profile");
	IdmJsonColumns(j, desc, row, profile_columns);
	IdmJsonBeginArray(j, "external_identities");
	IdmLookup("external_identities", "external_identities_user_idx", 2, w->keys,
			  WriteIdentity, j);
	IdmJsonEndArray(j);
	IdmJsonEndObject(j);
	if (w->extra)
		w->extra(j, w->arg);
	IdmJsonEndObject(j);
}

void
IdmJsonUser(IdmJson *j, const char *key, const char *environment_id,
			const char *user_id, IdmJsonExtra extra, void *arg)
{
	UserWriter	w;

	w.j = j;
	w.key = key;
	w.keys[0] = environment_id;
	w.keys[1] = user_id;
	w.extra = extra;
	w.arg = arg;
	if (IdmLookup("users", "users_pkey", 2, w.keys, WriteUser, &w) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("user \"%s\" does not exist", user_id),
				 errhint("Check the id and the environment (idm.environment_id).")));
}

/*
 * idm.keep_update_time(update_column, column...): BEFORE UPDATE, after
 * stamp_times.  When only the listed columns changed, puts the old update
 * time back: a login sets users.last_login_time, yet the account itself was
 * not modified (the API's examples show update_time before last_login_time).
 */
Datum
keep_update_time(PG_FUNCTION_ARGS)
{
	TriggerData *td = IdmTriggerData(fcinfo, "keep_update_time", false);
	Trigger    *tg = td->tg_trigger;
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	const char **skip;
	int			col;
	Datum		value;
	bool		isnull;

	if (!TRIGGER_FIRED_BY_UPDATE(td->tg_event) || tg->tgnargs < 2)
		elog(ERROR, "keep_update_time must be fired BEFORE UPDATE with an update column and column names");
	skip = palloc0(sizeof(char *) * (tg->tgnargs + 1));
	for (int i = 0; i < tg->tgnargs; i++)
		skip[i] = tg->tgargs[i];
	if (IdmTupleChanged(desc, td->tg_trigtuple, td->tg_newtuple, skip))
		return PointerGetDatum(td->tg_newtuple);
	col = IdmColumn(desc, tg->tgargs[0]);
	value = heap_getattr(td->tg_trigtuple, col, desc, &isnull);
	return PointerGetDatum(heap_modify_tuple_by_cols(td->tg_newtuple, desc, 1, &col,
													 &value, &isnull));
}

/* Raises unless a support hash secret is long enough; never echoes it (a CHECK violation would) */
static void
CheckSupportSecret(bytea *secret)
{
	if (VARSIZE_ANY_EXHDR(secret) < SUPPORT_SECRET_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("support_hash_secret must be at least %d bytes long", SUPPORT_SECRET_BYTES),
				 errhint("Use idm.gen_support_hash_secret() for a new one.")));
}

/* idm.check_support_hash_secret(secret bytea): the CHECK of environments.support_hash_secret */
Datum
check_support_hash_secret(PG_FUNCTION_ARGS)
{
	CheckSupportSecret(PG_GETARG_BYTEA_PP(0));
	PG_RETURN_BOOL(true);
}

/* idm.check_raw_attributes(value jsonb): a JSON object, of any values */
Datum
check_raw_attributes(PG_FUNCTION_ARGS)
{
	Jsonb	   *jb = PG_GETARG_JSONB_P(0);

	if (!JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("raw_attributes must be a JSON object"),
				 errhint("Store the identity provider's attributes as sent, for example '{\"hd\": \"example.com\"}'.")));
	PG_RETURN_BOOL(true);
}

/* idm.gen_support_hash_secret(): 32 random bytes, the default of environments.support_hash_secret */
Datum
gen_support_hash_secret(PG_FUNCTION_ARGS)
{
	bytea	   *secret = palloc(VARHDRSZ + SUPPORT_SECRET_BYTES);

	SET_VARSIZE(secret, VARHDRSZ + SUPPORT_SECRET_BYTES);
	if (!pg_strong_random(VARDATA(secret), SUPPORT_SECRET_BYTES))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random support hash secret")));
	PG_RETURN_BYTEA_P(secret);
}

/*
 * idm.support_hash_of(secret bytea, email text): lower-case hex of
 * HMAC-SHA256(secret, email lower-cased); secret of at least 32 bytes.  Emails are ASCII (check_email),
 * so lower-casing is ASCII and does not depend on the collation.
 */
Datum
support_hash_of(PG_FUNCTION_ARGS)
{
	bytea	   *secret = PG_GETARG_BYTEA_PP(0);
	text	   *email = PG_GETARG_TEXT_PP(1);
	int			len = VARSIZE_ANY_EXHDR(email);
	char	   *lower = palloc(len + 1);
	const char *parts[1];
	int			lens[1];
	uint8		digest[IDM_SHA256_LEN];
	char		hex[IDM_SHA256_LEN * 2 + 1];

	CheckSupportSecret(secret);
	for (int i = 0; i < len; i++)
		lower[i] = pg_ascii_tolower(VARDATA_ANY(email)[i]);
	lower[len] = '\0';
	parts[0] = lower;
	lens[0] = len;
	IdmHmacSha256((const uint8 *) VARDATA_ANY(secret), VARSIZE_ANY_EXHDR(secret),
				  1, parts, lens, digest);
	hex_encode((const char *) digest, IDM_SHA256_LEN, hex);
	hex[IDM_SHA256_LEN * 2] = '\0';
	PG_RETURN_TEXT_P(cstring_to_text(hex));
}
