/*
 * sessions.c - session lifecycle rules, their validators, and user.login /
 * user.logout
 *
 * A session is born ACTIVE and ends once: LOGOUT (the user logged out),
 * REVOKED (the app ended it) or EXPIRED (its idle or absolute timeout
 * passed).  The rules are enforced by a BEFORE trigger, so plain SQL and the
 * convenience functions obey the same ones, and the events come from the
 * row changes themselves: inserting a session is a login (it also sets
 * users.last_login_time) and emits user.login; ending it by LOGOUT emits
 * user.logout.  Revocation and expiry emit nothing: the catalogue has no
 * event for them, and a sweep of expired sessions should not flood receivers.
 *
 * idle_expires_at is always least(last_active_at + idle_timeout,
 * absolute_expires_at), so "expired by time" is just idle_expires_at <= now.
 */
#include "postgres.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/jsonb.h"
#include "utils/rel.h"

#include "events.h"
#include "ids.h"
#include "lookup.h"
#include "payload.h"
#include "users.h"
#include "util.h"

PG_FUNCTION_INFO_V1(check_session_device);
PG_FUNCTION_INFO_V1(check_authenticated_clients);
PG_FUNCTION_INFO_V1(check_session_organizations);
PG_FUNCTION_INFO_V1(check_session_transition);
PG_FUNCTION_INFO_V1(session_guard);
PG_FUNCTION_INFO_V1(session_events);

typedef enum SessionStatus
{
	SS_ACTIVE, SS_EXPIRED, SS_REVOKED, SS_LOGOUT
} SessionStatus;

static const char *const status_labels[] = {"ACTIVE", "EXPIRED", "REVOKED", "LOGOUT"};

/* sessionsSessionDetails keys taken straight from columns */
static const char *const session_columns[] = {
	"absolute_expires_at", "authenticated_clients", "authenticated_organizations",
	"created_at", "expired_at", "idle_expires_at", "last_active_at", "logout_at",
	"organization_id", "session_id=id", "status", "updated_at", "user_id", NULL
};

/* sessionsDeviceDetails keys held as text columns ('' when unknown) */
static const char *const device_columns[] = {
	"browser", "browser_version", "device_type", "os", "os_version", "user_agent", NULL
};

static const char *const location_columns[] = {
	"city", "region", "region_subdivision", NULL
};

/* Columns whose change is a touch (or refused once the session ended) */
static const char *const timing_columns[] = {
	"last_active_at", "idle_expires_at", "absolute_expires_at", "idle_timeout", NULL
};

typedef struct SessionState
{
	char	   *id;
	SessionStatus status;
	TimestampTz idle_expires_at;
	TimestampTz absolute_expires_at;
} SessionState;

static SessionStatus
ParseStatus(const char *label)
{
	for (int i = 0; i < (int) lengthof(status_labels); i++)
		if (strcmp(label, status_labels[i]) == 0)
			return (SessionStatus) i;
	elog(ERROR, "pg_idm: unknown session status \"%s\"", label);
	return SS_ACTIVE;			/* keep compiler quiet */
}

static TimestampTz
TimeColumn(TupleDesc desc, HeapTuple row, const char *column, bool *isnull)
{
	Datum		d = heap_getattr(row, IdmColumn(desc, column), desc, isnull);

	return *isnull ? 0 : DatumGetTimestampTz(d);
}

static SessionState
StateOf(TupleDesc desc, HeapTuple row)
{
	SessionState s;
	bool		isnull;

	s.id = IdmColumnText(desc, row, "id");
	s.status = ParseStatus(IdmColumnText(desc, row, "status"));
	s.idle_expires_at = TimeColumn(desc, row, "idle_expires_at", &isnull);
	s.absolute_expires_at = TimeColumn(desc, row, "absolute_expires_at", &isnull);
	return s;
}

static char *
TimeText(TimestampTz t)
{
	char	   *buf = palloc(IDM_RFC3339_LEN);

	IdmFormatRfc3339(t, buf);
	return buf;
}

/*
 * Raises unless a session in state old may take status to now.  ACTIVE to
 * ACTIVE is a touch: refused once the session's time is up.
 */
static void
CheckTransition(const SessionState *old, SessionStatus to)
{
	TimestampTz now = GetCurrentTransactionStartTimestamp();

	if (old->status != SS_ACTIVE)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("session \"%s\" is %s and cannot become %s",
						old->id, status_labels[old->status], status_labels[to]),
				 errdetail("A session that ended (EXPIRED, REVOKED or LOGOUT) cannot change status or be touched."),
				 errhint("Log in again for a new session (idm.login).")));
	if (to == SS_ACTIVE && old->idle_expires_at <= now)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("session \"%s\" expired at %s", old->id, TimeText(old->idle_expires_at)),
				 old->idle_expires_at >= old->absolute_expires_at ?
				 errdetail("Its absolute lifetime ended.") :
				 errdetail("It was idle for longer than its idle timeout."),
				 errhint("Log in again; idm.expire_sessions() marks such sessions EXPIRED.")));
	if (to == SS_EXPIRED && old->idle_expires_at > now)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("session \"%s\" has not expired", old->id),
				 errdetail("It expires at %s unless it is used before.", TimeText(old->idle_expires_at)),
				 errhint("End it now with idm.revoke_session() or idm.logout().")));
}

/*
 * idm.check_session_transition(s idm.sessions, to_status): raises unless s
 * may take to_status now (ACTIVE means a touch).  The convenience functions
 * call it before updating, so repeating an ending (revoking a revoked
 * session) is refused although the UPDATE would change nothing.
 */
Datum
check_session_transition(PG_FUNCTION_ARGS)
{
	HeapTupleHeader th = PG_GETARG_HEAPTUPLEHEADER(0);
	char	   *to = DatumGetCString(DirectFunctionCall1(enum_out, PG_GETARG_DATUM(1)));
	HeapTupleData tuple;
	TupleDesc	desc = IdmCompositeRow(th, &tuple);
	SessionState old;

	old = StateOf(desc, &tuple);
	ReleaseTupleDesc(desc);
	CheckTransition(&old, ParseStatus(to));
	PG_RETURN_VOID();
}

/* Collects column assignments for heap_modify_tuple_by_cols */
typedef struct Assignments
{
	int			n;
	int			cols[4];
	Datum		values[4];
	bool		nulls[4];
} Assignments;

static void
Assign(Assignments *a, TupleDesc desc, const char *column, Datum value)
{
	Assert(a->n < (int) lengthof(a->cols));
	a->cols[a->n] = IdmColumn(desc, column);
	a->values[a->n] = value;
	a->nulls[a->n] = false;
	a->n++;
}

/* least(last_active_at + idle_timeout, absolute_expires_at) of a row */
static TimestampTz
IdleExpiry(TupleDesc desc, HeapTuple row, TimestampTz last_active)
{
	bool		isnull;
	Datum		timeout = heap_getattr(row, IdmColumn(desc, "idle_timeout"), desc, &isnull);
	TimestampTz absolute = TimeColumn(desc, row, "absolute_expires_at", &isnull);
	TimestampTz idle;

	idle = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
												   TimestampTzGetDatum(last_active),
												   timeout));
	return Min(idle, absolute);
}

static void
FillNewSession(TupleDesc desc, HeapTuple row, Assignments *a)
{
	bool		isnull;
	TimestampTz last_active = TimeColumn(desc, row, "last_active_at", &isnull);

	if (ParseStatus(IdmColumnText(desc, row, "status")) != SS_ACTIVE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a new session must be ACTIVE"),
				 errdetail("Sessions end by logout, revocation or expiry, after they are created.")));
	if (isnull)
	{
		last_active = GetCurrentTransactionStartTimestamp();
		Assign(a, desc, "last_active_at", TimestampTzGetDatum(last_active));
	}
	TimeColumn(desc, row, "idle_expires_at", &isnull);
	if (isnull)
		Assign(a, desc, "idle_expires_at",
			   TimestampTzGetDatum(IdleExpiry(desc, row, last_active)));
}

static void
FillChangedSession(TupleDesc desc, HeapTuple oldrow, HeapTuple row, Assignments *a)
{
	SessionState old = StateOf(desc, oldrow);
	SessionState new = StateOf(desc, row);
	bool		isnull;

	if (strcmp(IdmColumnText(desc, oldrow, "user_id"), IdmColumnText(desc, row, "user_id")) != 0 ||
		strcmp(old.id, new.id) != 0 ||
		strcmp(IdmColumnText(desc, oldrow, "environment_id"),
			   IdmColumnText(desc, row, "environment_id")) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("environment_id, id and user_id of a session cannot change")));
	if (old.status != new.status)
	{
		CheckTransition(&old, new.status);
		TimeColumn(desc, row, new.status == SS_LOGOUT ? "logout_at" : "expired_at", &isnull);
		if (!isnull || new.status == SS_ACTIVE)
			return;
		/* an expired session ended when its time was up, not when swept */
		Assign(a, desc, new.status == SS_LOGOUT ? "logout_at" : "expired_at",
			   TimestampTzGetDatum(new.status == SS_EXPIRED ? old.idle_expires_at
								   : GetCurrentTransactionStartTimestamp()));
		return;
	}
	if (!IdmTupleChanged(desc, oldrow, row, NULL))
		return;
	/* a change of timing is a touch; other columns may change (device, organization) */
	for (const char *const *c = timing_columns; *c; c++)
	{
		bool		oldnull;
		Datum		o = heap_getattr(oldrow, IdmColumn(desc, *c), desc, &oldnull);
		Datum		n = heap_getattr(row, IdmColumn(desc, *c), desc, &isnull);
		Form_pg_attribute att = TupleDescAttr(desc, IdmColumn(desc, *c) - 1);

		if (oldnull == isnull && (isnull || datumIsEqual(o, n, att->attbyval, att->attlen)))
			continue;
		CheckTransition(&old, SS_ACTIVE);
		/* idle expiry slides unless it was set explicitly */
		if (new.idle_expires_at == old.idle_expires_at)
			Assign(a, desc, "idle_expires_at",
				   TimestampTzGetDatum(IdleExpiry(desc, row,
												  TimeColumn(desc, row, "last_active_at", &isnull))));
		return;
	}
}

/*
 * BEFORE INSERT OR UPDATE ON idm.sessions: the lifecycle rules.  Fills
 * last_active_at and idle_expires_at of a new session, slides idle expiry on
 * a touch, and sets logout_at / expired_at when a session ends.
 */
Datum
session_guard(PG_FUNCTION_ARGS)
{
	TriggerData *td = IdmTriggerData(fcinfo, "session_guard", false);
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	HeapTuple	row = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple
		: td->tg_trigtuple;
	Assignments a;

	a.n = 0;
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		FillNewSession(desc, row, &a);
	else if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		FillChangedSession(desc, td->tg_trigtuple, row, &a);
	if (a.n > 0)
		row = heap_modify_tuple_by_cols(row, desc, a.n, a.cols, a.values, a.nulls);
	return PointerGetDatum(row);
}

/* A nullable non-text column as a string: the API sends "" for unknown */
static void
StringOrEmpty(IdmJson *j, const char *key, TupleDesc desc, HeapTuple row)
{
	char	   *value = IdmColumnText(desc, row, key);

	IdmJsonString(j, key, value ? value : "");
}

/* data of user.login and user.logout: {"user": {...}, "user_session": {...}} */
static Jsonb *
SessionData(const char *environment_id, TupleDesc desc, HeapTuple row)
{
	IdmJson		j;

	IdmJsonBegin(&j);
	IdmJsonUser(&j, "user", environment_id, IdmColumnText(desc, row, "user_id"), NULL, NULL);
	IdmJsonBeginObject(&j, "user_session");
	IdmJsonColumns(&j, desc, row, session_columns);
	IdmJsonBeginObject(&j, "device");
	IdmJsonColumns(&j, desc, row, device_columns);
	StringOrEmpty(&j, "ip", desc, row);
	IdmJsonBeginObject(&j, "location");
	IdmJsonColumns(&j, desc, row, location_columns);
	StringOrEmpty(&j, "latitude", desc, row);
	StringOrEmpty(&j, "longitude", desc, row);
	IdmJsonEndObject(&j);
	IdmJsonEndObject(&j);
	IdmJsonEndObject(&j);
	return IdmJsonFinish(&j);
}

/* users.last_login_time := the session's created_at */
static void
RecordLogin(const char *environment_id, TupleDesc desc, HeapTuple row)
{
	static SPIPlanPtr plan;
	Oid			types[3] = {TEXTOID, TEXTOID, TIMESTAMPTZOID};
	Datum		args[3];
	bool		isnull;

	args[0] = CStringGetTextDatum(environment_id);
	args[1] = CStringGetTextDatum(IdmColumnText(desc, row, "user_id"));
	args[2] = TimestampTzGetDatum(TimeColumn(desc, row, "created_at", &isnull));
	SPI_connect();
	if (plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare("UPDATE idm.users SET last_login_time = $3"
									" WHERE environment_id = $1 AND id = $2", 3, types);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		plan = p;
	}
	if (SPI_execute_plan(plan, args, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "pg_idm: could not set last_login_time");
	SPI_finish();
}

/* AFTER INSERT OR UPDATE ON idm.sessions FOR EACH ROW: user.login, user.logout */
Datum
session_events(PG_FUNCTION_ARGS)
{
	TriggerData *td = IdmTriggerData(fcinfo, "session_events", true);
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	HeapTuple	row = td->tg_trigtuple;
	const char *type = NULL;
	char	   *env;

	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		type = "user.login";
	else if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		row = td->tg_newtuple;
		if (ParseStatus(IdmColumnText(desc, td->tg_trigtuple, "status")) == SS_ACTIVE &&
			ParseStatus(IdmColumnText(desc, row, "status")) == SS_LOGOUT)
			type = "user.logout";
	}
	if (type == NULL)
		return PointerGetDatum(NULL);
	env = IdmColumnText(desc, row, "environment_id");
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		RecordLogin(env, desc, row);
	IdmEmitEvent(type, env, IdmColumnText(desc, row, "organization_id"),
				 SessionData(env, desc, row));
	return PointerGetDatum(NULL);
}

/* ---- validators of the API-shaped inputs ---- */

static void BadInput(const char *field, const char *value, const char *detail) pg_attribute_noreturn();

static void
BadInput(const char *field, const char *value, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 value ? errmsg("invalid %s: \"%s\"", field, value) : errmsg("invalid %s", field),
			 errdetail("%s", detail)));
}

/* A decimal coordinate within [-limit, limit], as the API's strings hold it */
static void
CheckCoordinate(const char *field, const char *value, double limit)
{
	char	   *end;
	double		d;
	const char *p = value;

	if (*p == '-' || *p == '+')
		p++;
	if (!isdigit((unsigned char) *p))
		BadInput(field, value, "A coordinate is a decimal number such as \"37.7749\".");
	d = strtod(value, &end);
	if (*end != '\0' || !isfinite(d))
		BadInput(field, value, "A coordinate is a decimal number such as \"37.7749\".");
	if (fabs(d) > limit)
		BadInput(field, value, limit == 90 ? "A latitude lies between -90 and 90."
				 : "A longitude lies between -180 and 180.");
}

static const char *const device_keys[] = {
	"browser", "browser_version", "device_type", "ip", "os", "os_version",
	"user_agent", NULL
};
static const char *const location_keys[] = {
	"city", "latitude", "longitude", "region", "region_subdivision", NULL
};

static bool
KeyIn(const char *key, const char *const *keys)
{
	for (; *keys; keys++)
		if (strcmp(key, *keys) == 0)
			return true;
	return false;
}

/* Checks one string value of device or device.location (null means unknown) */
static void
CheckDeviceValue(const char *key, JsonbValue *v, bool top)
{
	char	   *field = psprintf(top ? "device.%s" : "device.location.%s", key);
	char	   *value;

	if (v->type == jbvNull)
		return;
	if (v->type != jbvString)
		BadInput(field, NULL, "Device details are strings.");
	value = pnstrdup(v->val.string.val, v->val.string.len);
	if (strcmp(key, "ip") == 0)
	{
		unsigned char buf[sizeof(struct in6_addr)];

		if (inet_pton(AF_INET, value, buf) != 1 && inet_pton(AF_INET6, value, buf) != 1)
			BadInput(field, value, "An ip is an IPv4 or IPv6 address such as \"192.0.2.1\".");
	}
	else if (strcmp(key, "latitude") == 0)
		CheckCoordinate(field, value, 90);
	else if (strcmp(key, "longitude") == 0)
		CheckCoordinate(field, value, 180);
}

/* Walks the keys of device (top) or device.location */
static void
CheckDeviceObject(JsonbContainer *obj, bool top)
{
	JsonbIterator *it = JsonbIteratorInit(obj);
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;

	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			key = pnstrdup(v.val.string.val, v.val.string.len);
		if (tok != WJB_VALUE)
			continue;
		if (top && strcmp(key, "location") == 0)
		{
			if (v.type == jbvNull)
				continue;
			if (v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
				BadInput("device.location", NULL, "The location is an object of strings.");
			CheckDeviceObject(v.val.binary.data, false);
		}
		else if (KeyIn(key, top ? device_keys : location_keys))
			CheckDeviceValue(key, &v, top);
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown key \"%s\" in device%s", key, top ? "" : ".location"),
					 errhint(top ? "Device keys: browser, browser_version, device_type, ip, os, os_version, user_agent, location."
							 : "Location keys: city, latitude, longitude, region, region_subdivision.")));
	}
}

/* idm.check_session_device(value jsonb): a sessionsDeviceDetails object */
Datum
check_session_device(PG_FUNCTION_ARGS)
{
	Jsonb	   *jb = PG_GETARG_JSONB_P(0);

	if (!JB_ROOT_IS_OBJECT(jb))
		BadInput("device", NULL, "The device is a JSON object such as {\"browser\": \"Chrome\", \"ip\": \"192.0.2.1\"}.");
	CheckDeviceObject(&jb->root, true);
	PG_RETURN_BOOL(true);
}

/* idm.check_authenticated_clients(value jsonb): [{"client_id": "skc_..", "organization_id": "org_.."}] */
Datum
check_authenticated_clients(PG_FUNCTION_ARGS)
{
	Jsonb	   *jb = PG_GETARG_JSONB_P(0);
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			i = 0;

	if (!JB_ROOT_IS_ARRAY(jb) || JB_ROOT_IS_SCALAR(jb))
		BadInput("authenticated_clients", NULL, "It is a JSON array of {\"client_id\": ..., \"organization_id\": ...} objects.");
	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char		field[64];
		JsonbContainer *c;
		JsonbValue *client;
		JsonbValue *org;
		uint32		expected = 1;

		if (tok != WJB_ELEM)
			continue;
		snprintf(field, sizeof(field), "authenticated_clients[%d]", i++);
		if (v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
			BadInput(field, NULL, "Each element is an object {\"client_id\": ..., \"organization_id\": ...}.");
		c = v.val.binary.data;
		client = getKeyJsonValueFromContainer(c, "client_id", 9, NULL);
		org = getKeyJsonValueFromContainer(c, "organization_id", 15, NULL);
		if (client == NULL || client->type != jbvString)
			BadInput(field, NULL, "Each element has a \"client_id\" string.");
		strlcat(field, ".client_id", sizeof(field));
		IdmCheckId(pnstrdup(client->val.string.val, client->val.string.len), "skc", field);
		if (org != NULL)
		{
			expected++;
			field[strlen(field) - strlen(".client_id")] = '\0';
			strlcat(field, ".organization_id", sizeof(field));
			if (org->type == jbvString)
				IdmCheckId(pnstrdup(org->val.string.val, org->val.string.len), "org", field);
			else if (org->type != jbvNull)
				BadInput(field, NULL, "An organization_id is a string or null.");
		}
		if (JsonContainerSize(c) != expected)
			BadInput(psprintf("authenticated_clients[%d]", i - 1), NULL,
					 "Each element has only the keys \"client_id\" and \"organization_id\".");
	}
	PG_RETURN_BOOL(true);
}

/* idm.check_session_organizations(ids text[]): organization ids, no NULLs, no repeats */
Datum
check_session_organizations(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
	{
		char	   *id;

		if (nulls[i])
			BadInput("authenticated_organizations", NULL, "It holds NULL.");
		id = TextDatumGetCString(elems[i]);
		IdmCheckId(id, "org", "authenticated_organizations element");
		for (int k = 0; k < i; k++)
			if (strcmp(id, TextDatumGetCString(elems[k])) == 0)
				BadInput("authenticated_organizations", id, "It lists this organization twice.");
	}
	PG_RETURN_BOOL(true);
}
