/*
 * connector.c - connected accounts: connector-status logic and row triggers
 *
 * The legal moves of idm.connector_status live in one table below; the
 * BEFORE trigger enforces it, so plain UPDATEs obey it as the action
 * functions (connector_actions.c) do.  The same trigger is the only way
 * credentials enter the table: the write-only column authorization_details
 * is validated against authorization_type (authdetails.c), encrypted into
 * credentials (crypto.c) and set back to NULL before the row is stored.
 * The AFTER trigger writes connected_account.created / updated / deleted /
 * status_updated; no event carries a credential.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/jsonb.h"
#include "utils/rel.h"

#include "authdetails.h"
#include "connector.h"
#include "crypto.h"
#include "events.h"
#include "payload.h"
#include "util.h"

PG_FUNCTION_INFO_V1(check_authorization_details);
PG_FUNCTION_INFO_V1(check_api_config);
PG_FUNCTION_INFO_V1(connector_transitions);
PG_FUNCTION_INFO_V1(connected_account_guard);
PG_FUNCTION_INFO_V1(connected_account_events);

int			IdmConnectorActionDepth = 0;

#define API_CONFIG_MAXLEN 65536

/* The statuses, in the order of the enum idm.connector_status */
typedef enum
{
	CS_ACTIVE, CS_EXPIRED, CS_PENDING_AUTH, CS_PENDING_VERIFICATION,
	CS_DISCONNECTED, CS_COUNT
} ConnStatus;

static const char *const status_labels[CS_COUNT] = {
	"ACTIVE", "EXPIRED", "PENDING_AUTH", "PENDING_VERIFICATION", "DISCONNECTED"
};

typedef struct Transition
{
	ConnStatus	from;
	ConnStatus	to;
	const char *meaning;
} Transition;

/* Every legal status change; any other is refused.  README mirrors this. */
static const Transition transitions[] = {
	{CS_PENDING_AUTH, CS_PENDING_VERIFICATION,
	"OAuth tokens were fetched; the account awaits confirmation (idm.oauth_tokens_fetched)"},
	{CS_PENDING_AUTH, CS_ACTIVE,
	"authorization completed: static credentials supplied, or OAuth done in one step"},
	{CS_PENDING_AUTH, CS_DISCONNECTED, "disconnected before it was authorized"},
	{CS_PENDING_VERIFICATION, CS_ACTIVE, "OAuth succeeded (idm.oauth_succeeded)"},
	{CS_PENDING_VERIFICATION, CS_PENDING_AUTH,
	"verification failed; authorization starts again (idm.generate_magic_link)"},
	{CS_PENDING_VERIFICATION, CS_DISCONNECTED, "disconnected; credentials erased"},
	{CS_ACTIVE, CS_EXPIRED,
	"token refresh failed (idm.token_refresh_failed) or token_expires_at passed (idm.expire_connected_accounts)"},
	{CS_ACTIVE, CS_DISCONNECTED, "disconnected; credentials erased"},
	{CS_EXPIRED, CS_ACTIVE,
	"token refresh succeeded (idm.token_refresh_succeeded) or re-authorization completed"},
	{CS_EXPIRED, CS_PENDING_VERIFICATION, "re-authorization fetched new OAuth tokens"},
	{CS_EXPIRED, CS_PENDING_AUTH, "a magic link was generated for re-authorization"},
	{CS_EXPIRED, CS_DISCONNECTED, "disconnected; credentials erased"},
	{CS_DISCONNECTED, CS_PENDING_AUTH, "reconnect: a magic link starts a fresh authorization"},
};

static ConnStatus
StatusOf(const char *label)
{
	for (int i = 0; i < CS_COUNT; i++)
		if (strcmp(status_labels[i], label) == 0)
			return (ConnStatus) i;
	elog(ERROR, "pg_idm: unknown connector status \"%s\"", label);
	return CS_COUNT;			/* keep compiler quiet */
}

static bool
TransitionAllowed(ConnStatus from, ConnStatus to)
{
	for (size_t i = 0; i < lengthof(transitions); i++)
		if (transitions[i].from == from && transitions[i].to == to)
			return true;
	return false;
}

/* Raises for an illegal status change, listing where the account may go. */
static void
CheckTransition(const char *id, const char *from, const char *to)
{
	ConnStatus	f = StatusOf(from);
	StringInfoData legal;

	if (TransitionAllowed(f, StatusOf(to)))
		return;
	initStringInfo(&legal);
	for (size_t i = 0, n = 0; i < lengthof(transitions); i++)
		if (transitions[i].from == f)
		{
			bool		last = true;

			for (size_t k = i + 1; k < lengthof(transitions); k++)
				last = last && transitions[k].from != f;
			appendStringInfo(&legal, "%s%s", n++ == 0 ? "" : last ? " or " : ", ",
							 status_labels[transitions[i].to]);
		}
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("illegal status transition of connected account \"%s\" from %s to %s",
					id, from, to),
			 errdetail("From %s a connected account may move to %s.", from, legal.data),
			 errhint("SELECT * FROM idm.connector_transitions() lists the legal transitions.")));
}

/* idm.connector_transitions(): the legal status changes and what each means */
Datum
connector_transitions(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	for (size_t i = 0; i < lengthof(transitions); i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = DirectFunctionCall2(enum_in, CStringGetDatum(status_labels[transitions[i].from]),
										ObjectIdGetDatum(IdmTypeOid("connector_status")));
		values[1] = DirectFunctionCall2(enum_in, CStringGetDatum(status_labels[transitions[i].to]),
										ObjectIdGetDatum(IdmTypeOid("connector_status")));
		values[2] = CStringGetTextDatum(transitions[i].meaning);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* Validates details text against a type label; raises 22023 naming the field. */
static void
CheckDetailsText(const char *type, const char *json, size_t len)
{
	char		msg[IDM_AUTH_MSG_LEN];

	if (!IdmAuthDetailsCheck(type, json, len, msg, sizeof(msg)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s", msg),
				 errhint("%s", IdmAuthDetailsShape(type))));
}

/* Text of a jsonb value; the caller zeroes it once done. */
static char *
JsonbText(Jsonb *jb, int *len)
{
	char	   *s = JsonbToCString(NULL, &jb->root, VARSIZE(jb));

	*len = strlen(s);
	return s;
}

/* idm.check_authorization_details(type idm.connector_type, details jsonb) */
Datum
check_authorization_details(PG_FUNCTION_ARGS)
{
	char	   *type = DatumGetCString(DirectFunctionCall1(enum_out, PG_GETARG_DATUM(0)));
	int			len;
	char	   *text = JsonbText(PG_GETARG_JSONB_P(1), &len);

	PG_TRY();
	{
		CheckDetailsText(type, text, len);
	}
	PG_FINALLY();
	{
		explicit_bzero(text, len);
	}
	PG_END_TRY();
	PG_RETURN_BOOL(true);
}

/* idm.check_api_config(value jsonb): a JSON object of bounded size */
Datum
check_api_config(PG_FUNCTION_ARGS)
{
	Jsonb	   *jb = PG_GETARG_JSONB_P(0);

	if (!JB_ROOT_IS_OBJECT(jb) || JB_ROOT_IS_SCALAR(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("api_config must be a JSON object"),
				 errhint("For example '{\"base_url\": \"https://api.example.com\", \"timeout\": 30}'.")));
	if (VARSIZE(jb) > API_CONFIG_MAXLEN)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("api_config is larger than %d bytes", API_CONFIG_MAXLEN)));
	PG_RETURN_BOOL(true);
}

/* ---- the BEFORE trigger ---- */

/* Columns the guard reads or rewrites, by attribute number */
typedef struct GuardCols
{
	int			environment_id,
				id,
				status,
				authorization_type,
				credentials,
				credentials_updated_at,
				authorization_details,
				token_expires_at,
				created_at,
				updated_at;
} GuardCols;

/* Pending replacements of the new tuple */
typedef struct Changes
{
	int			n;
	int			cols[8];
	Datum		values[8];
	bool		nulls[8];
} Changes;

static void
Set(Changes *c, int col, Datum value, bool isnull)
{
	for (int i = 0; i < c->n; i++)
		if (c->cols[i] == col)
		{
			c->values[i] = value;
			c->nulls[i] = isnull;
			return;
		}
	Assert(c->n < (int) lengthof(c->cols));
	c->cols[c->n] = col;
	c->values[c->n] = value;
	c->nulls[c->n++] = isnull;
}

static void
FindGuardCols(TupleDesc desc, GuardCols *g)
{
	g->environment_id = IdmColumn(desc, "environment_id");
	g->id = IdmColumn(desc, "id");
	g->status = IdmColumn(desc, "status");
	g->authorization_type = IdmColumn(desc, "authorization_type");
	g->credentials = IdmColumn(desc, "credentials");
	g->credentials_updated_at = IdmColumn(desc, "credentials_updated_at");
	g->authorization_details = IdmColumn(desc, "authorization_details");
	g->token_expires_at = IdmColumn(desc, "token_expires_at");
	g->created_at = IdmColumn(desc, "created_at");
	g->updated_at = IdmColumn(desc, "updated_at");
}

/* Is the column's value different in the two tuples? */
static bool
ColumnChanged(TupleDesc desc, HeapTuple a, HeapTuple b, int attno)
{
	Form_pg_attribute att = TupleDescAttr(desc, attno - 1);
	bool		anull,
				bnull;
	Datum		av = heap_getattr(a, attno, desc, &anull);
	Datum		bv = heap_getattr(b, attno, desc, &bnull);

	if (anull || bnull)
		return anull != bnull;
	return !datumIsEqual(av, bv, att->attbyval, att->attlen);
}

/* Validates the supplied details against the type and encrypts them. */
static void
EncryptSupplied(TupleDesc desc, HeapTuple row, const GuardCols *g, Changes *c,
				const char *env, const char *id)
{
	bool		isnull;
	Jsonb	   *details = DatumGetJsonbP(heap_getattr(row, g->authorization_details, desc, &isnull));
	char	   *type = IdmColumnText(desc, row, "authorization_type");
	int			len;
	char	   *text = JsonbText(details, &len);
	bytea	   *blob = NULL;

	PG_TRY();
	{
		CheckDetailsText(type, text, len);
		blob = IdmEncryptCredentials(text, len, env, id);
	}
	PG_FINALLY();
	{
		explicit_bzero(text, len);
	}
	PG_END_TRY();
	Set(c, g->credentials, PointerGetDatum(blob), false);
	/* the clock, not the transaction start: each supply must change it */
	Set(c, g->credentials_updated_at, TimestampTzGetDatum(GetCurrentTimestamp()), false);
	Set(c, g->authorization_details, (Datum) 0, true);
}

/*
 * Lazy rotation: credentials under an older key are re-encrypted under the
 * current one whenever their row is updated, if both keys are configured.
 */
static void
ReencryptIfOld(bytea *blob, const GuardCols *g, Changes *c, const char *env,
			   const char *id)
{
	const char *current = IdmCurrentKeyId();
	char	   *kid = IdmCredentialsKeyId(blob, id);
	char	   *plain;
	int			len;
	bytea	   *fresh = NULL;

	if (current == NULL || strcmp(kid, current) == 0 ||
		!IdmKeyConfigured(kid) || !IdmKeyConfigured(current))
		return;
	plain = IdmDecryptCredentials(blob, env, id, &len);
	PG_TRY();
	{
		fresh = IdmEncryptCredentials(plain, len, env, id);
	}
	PG_FINALLY();
	{
		explicit_bzero(plain, len);
	}
	PG_END_TRY();
	Set(c, g->credentials, PointerGetDatum(fresh), false);
}

/* The UPDATE-only rules: fixed keys, legal status moves, type changes. */
static void
GuardUpdate(TupleDesc desc, HeapTuple oldtup, HeapTuple newtup, const GuardCols *g,
			const char *id, bool supplied)
{
	char	   *from = IdmColumnText(desc, oldtup, "status");
	char	   *to = IdmColumnText(desc, newtup, "status");

	if (ColumnChanged(desc, oldtup, newtup, g->environment_id) ||
		ColumnChanged(desc, oldtup, newtup, g->id))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the id and environment_id of connected account \"%s\" cannot change",
						IdmColumnText(desc, oldtup, "id")),
				 errdetail("Its credentials are encrypted for this id and environment.")));
	if (strcmp(from, to) != 0)
		CheckTransition(id, from, to);
	if (!supplied && ColumnChanged(desc, oldtup, newtup, g->authorization_type) &&
		!heap_attisnull(newtup, g->credentials, desc) && StatusOf(to) != CS_DISCONNECTED)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("changing authorization_type of connected account \"%s\" needs new authorization_details", id),
				 errdetail("The stored credentials were checked against the old type."),
				 errhint("Set authorization_details in the same UPDATE.")));
}

/* Value of a column after the pending changes. */
static bool
NewIsNull(TupleDesc desc, HeapTuple row, const Changes *c, int col)
{
	for (int i = 0; i < c->n; i++)
		if (c->cols[i] == col)
			return c->nulls[i];
	return heap_attisnull(row, col, desc);
}

/*
 * BEFORE INSERT OR UPDATE ON idm.connected_accounts FOR EACH ROW: encrypts
 * supplied credentials, enforces the status transitions, keeps the times.
 */
Datum
connected_account_guard(PG_FUNCTION_ARGS)
{
	TriggerData *td = IdmTriggerData(fcinfo, "connected_account_guard", false);
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	bool		is_update = TRIGGER_FIRED_BY_UPDATE(td->tg_event);
	HeapTuple	oldtup = is_update ? td->tg_trigtuple : NULL;
	HeapTuple	newtup = is_update ? td->tg_newtuple : td->tg_trigtuple;
	GuardCols	g;
	Changes		c = {0};
	char	   *env = IdmColumnText(desc, newtup, "environment_id");
	char	   *id = IdmColumnText(desc, newtup, "id");
	bool		supplied;
	bool		isnull;
	ConnStatus	status;
	Datum		now = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	HeapTuple	result;

	if (!TRIGGER_FIRED_BY_INSERT(td->tg_event) && !is_update)
		return PointerGetDatum(td->tg_trigtuple);
	FindGuardCols(desc, &g);
	supplied = !heap_attisnull(newtup, g.authorization_details, desc);
	status = StatusOf(IdmColumnText(desc, newtup, "status"));
	if (is_update)
		GuardUpdate(desc, oldtup, newtup, &g, id, supplied);
	if (status == CS_DISCONNECTED)
	{
		/* a disconnected account keeps nothing it would take to use it */
		if (supplied)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("cannot store credentials of connected account \"%s\" while it is DISCONNECTED", id),
					 errhint("Reconnect it first: idm.generate_magic_link() moves it to PENDING_AUTH.")));
		Set(&c, g.credentials, (Datum) 0, true);
		Set(&c, g.token_expires_at, (Datum) 0, true);
	}
	else if (supplied)
		EncryptSupplied(desc, newtup, &g, &c, env, id);
	else if (!heap_attisnull(newtup, g.credentials, desc))
	{
		bytea	   *blob = DatumGetByteaPP(heap_getattr(newtup, g.credentials, desc, &isnull));

		if (!is_update || ColumnChanged(desc, oldtup, newtup, g.credentials))
		{
			/* written directly (a restore, or by hand): must at least be
			 * ours; a bad value is the writer's input (22023), not corruption */
			(void) IdmCredentialsKeyId(blob, NULL);
			if (is_update)
				Set(&c, g.credentials_updated_at, TimestampTzGetDatum(GetCurrentTimestamp()), false);
		}
		else
			ReencryptIfOld(blob, &g, &c, env, id);
	}
	if (status == CS_ACTIVE && NewIsNull(desc, newtup, &c, g.credentials))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("connected account \"%s\" cannot be ACTIVE without credentials", id),
				 errhint("Supply authorization_details in the same statement, or keep the account PENDING_AUTH.")));

	if (!is_update)
	{
		Set(&c, g.created_at, now, false);
		Set(&c, g.updated_at, now, false);
	}
	result = heap_modify_tuple_by_cols(newtup, desc, c.n, c.cols, c.values, c.nulls);
	if (is_update)
	{
		/* updated_at moves when something besides last use and re-encryption did */
		static const char *const skip[] = {"credentials", "last_used_at", "created_at",
		"updated_at", NULL};
		Changes		t = {0};

		Set(&t, g.created_at, heap_getattr(oldtup, g.created_at, desc, &isnull), isnull);
		Set(&t, g.updated_at, IdmTupleChanged(desc, oldtup, result, skip) ? now :
			heap_getattr(oldtup, g.updated_at, desc, &isnull), false);
		result = heap_modify_tuple_by_cols(result, desc, t.n, t.cols, t.values, t.nulls);
	}
	return PointerGetDatum(result);
}

/* ---- events ---- */

Jsonb *
IdmConnectedAccountPayload(TupleDesc desc, HeapTuple row, int extras,
						   const char *old_status)
{
	/* the keys of every connected_account.* example; never a credential */
	static const char *const base[] = {
		"authorization_type", "connection_id", "id", "identifier", "provider",
		"status", NULL
	};
	static const char *const expiry[] = {"token_expires_at", NULL};
	static const char *const last_used[] = {"last_used_at", NULL};
	IdmJson		j;

	IdmJsonBegin(&j);
	IdmJsonColumns(&j, desc, row, base);
	if (extras & CA_WITH_EXPIRY)
		IdmJsonColumns(&j, desc, row, expiry);
	if (extras & CA_WITH_LAST_USED)
		IdmJsonColumns(&j, desc, row, last_used);
	if (old_status)
		IdmJsonString(&j, "old_status", old_status);
	return IdmJsonFinish(&j);
}

static void
Emit(const char *type, TupleDesc desc, HeapTuple row, int extras, const char *old_status)
{
	IdmEmitEvent(type, IdmColumnText(desc, row, "environment_id"),
				 IdmColumnText(desc, row, "organization_id"),
				 IdmConnectedAccountPayload(desc, row, extras, old_status));
}

/*
 * AFTER INSERT OR UPDATE OR DELETE ON idm.connected_accounts FOR EACH ROW.
 * UPDATE emits connected_account.updated when a configuration field or the
 * caller-supplied credentials changed, and connected_account.status_updated
 * (with old_status) when the status changed; a write that only touched
 * last_used_at, token_expires_at or re-encrypted credentials emits nothing.
 */
Datum
connected_account_events(PG_FUNCTION_ARGS)
{
	TriggerData *td = IdmTriggerData(fcinfo, "connected_account_events", true);
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	static const char *const skip[] = {
		"status", "credentials", "authorization_details", "token_expires_at",
		"last_used_at", "created_at", "updated_at", NULL
	};
	static const char *const action_skip[] = {
		"status", "credentials", "authorization_details", "token_expires_at",
		"last_used_at", "created_at", "updated_at", "credentials_updated_at", NULL
	};

	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		Emit("connected_account.created", desc, td->tg_trigtuple, 0, NULL);
	else if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
		Emit("connected_account.deleted", desc, td->tg_trigtuple,
			 CA_WITH_EXPIRY | CA_WITH_LAST_USED, NULL);
	else if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		HeapTuple	oldtup = td->tg_trigtuple;
		HeapTuple	newtup = td->tg_newtuple;
		char	   *from = IdmColumnText(desc, oldtup, "status");

		if (IdmTupleChanged(desc, oldtup, newtup,
							IdmConnectorActionDepth > 0 ? action_skip : skip))
			Emit("connected_account.updated", desc, newtup, 0, NULL);
		if (strcmp(from, IdmColumnText(desc, newtup, "status")) != 0)
			Emit("connected_account.status_updated", desc, newtup, 0, from);
	}
	return PointerGetDatum(NULL);
}
