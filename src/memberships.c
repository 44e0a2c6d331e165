/*
 * memberships.c - membership status rules, invitations, signup and the
 * membership events
 *
 * A row of idm.memberships is an invitation while its membership_status is
 * PENDING_INVITE or INVITE_EXPIRED, and a membership proper once ACTIVE or
 * INACTIVE.  The events follow that split, so that a receiver sending
 * "welcome to the team" on user.organization_membership_created never
 * welcomes someone who was only invited:
 *   - a row becoming a membership (inserted ACTIVE/INACTIVE, or an
 *     invitation accepted) emits user.organization_membership_created;
 *   - a membership that changes emits ..._updated, one that goes ..._deleted;
 *   - an invitation sent (inserted PENDING_INVITE, resent, renewed after
 *     expiry) emits user.organization_invitation; an invitation expiring or
 *     being withdrawn emits nothing (the catalogue has no such event);
 *   - user.signup comes from idm.signup(), the action.
 * The legal status changes are checked here, by a BEFORE trigger, so plain
 * SQL and the convenience functions obey the same rules.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "access/xact.h"
#include "fmgr.h"
#include "funcapi.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/rel.h"

#include "events.h"
#include "lookup.h"
#include "memberships.h"
#include "organizations.h"
#include "payload.h"
#include "users.h"
#include "util.h"

PG_FUNCTION_INFO_V1(check_provisioning_method);
PG_FUNCTION_INFO_V1(check_membership_transition);
PG_FUNCTION_INFO_V1(membership_guard);
PG_FUNCTION_INFO_V1(membership_events);
PG_FUNCTION_INFO_V1(memberships_delete_first);
PG_FUNCTION_INFO_V1(emit_membership_event);
PG_FUNCTION_INFO_V1(signup);

typedef enum MembershipStatus
{
	MS_ACTIVE, MS_INACTIVE, MS_PENDING_INVITE, MS_INVITE_EXPIRED
} MembershipStatus;

static const char *const status_labels[] = {
	"ACTIVE", "INACTIVE", "PENDING_INVITE", "INVITE_EXPIRED"
};

static const char *const provisioning_methods[] = {
	"jit_using_sso", "allowed_email_domain", "org_creator", "direct_provision",
	"invitation", NULL
};

/* The keys of commonsOrganizationMembership a row holds (display_name is the organization's) */
static const char *const membership_columns[] = {
	"accepted_at", "created_at", "expires_at", "inviter_email", "join_time",
	"membership_status", "metadata", "organization_id", "provisioning_method", NULL
};

/* What the status rules need to know about a row */
typedef struct MembershipState
{
	char	   *organization_id;
	char	   *user_id;
	MembershipStatus status;
	bool		has_expiry;
	TimestampTz expires_at;
} MembershipState;

static MembershipStatus
StatusOf(TupleDesc desc, HeapTuple row)
{
	char	   *label = IdmColumnText(desc, row, "membership_status");

	for (int i = 0; i < (int) lengthof(status_labels); i++)
		if (strcmp(label, status_labels[i]) == 0)
			return (MembershipStatus) i;
	elog(ERROR, "pg_idm: unknown membership_status \"%s\"", label);
	return MS_ACTIVE;			/* keep compiler quiet */
}

static bool
IsInvitation(MembershipStatus s)
{
	return s == MS_PENDING_INVITE || s == MS_INVITE_EXPIRED;
}

static MembershipState
StateOf(TupleDesc desc, HeapTuple row)
{
	MembershipState s;
	bool		isnull;
	Datum		expires = heap_getattr(row, IdmColumn(desc, "expires_at"), desc, &isnull);

	s.organization_id = IdmColumnText(desc, row, "organization_id");
	s.user_id = IdmColumnText(desc, row, "user_id");
	s.status = StatusOf(desc, row);
	s.has_expiry = !isnull;
	s.expires_at = isnull ? 0 : DatumGetTimestampTz(expires);
	return s;
}

static char *
TimeText(TimestampTz t)
{
	char	   *buf = palloc(IDM_RFC3339_LEN);

	IdmFormatRfc3339(t, buf);
	return buf;
}

/* idm.check_provisioning_method(value text): one of the API's five methods */
Datum
check_provisioning_method(PG_FUNCTION_ARGS)
{
	char	   *value = text_to_cstring(PG_GETARG_TEXT_PP(0));

	for (const char *const *m = provisioning_methods; *m; m++)
		if (strcmp(value, *m) == 0)
			PG_RETURN_BOOL(true);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid provisioning_method: \"%s\"", value),
			 errhint("Use one of jit_using_sso, allowed_email_domain, org_creator, direct_provision, invitation.")));
	PG_RETURN_BOOL(false);		/* keep compiler quiet */
}

static void
RefuseTransition(const MembershipState *old, MembershipStatus to,
				 const char *detail, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("membership_status of user \"%s\" in organization \"%s\" cannot change from %s to %s",
					old->user_id, old->organization_id, status_labels[old->status],
					status_labels[to]),
			 errdetail("%s", detail),
			 errhint("%s", hint)));
}

/*
 * Raises unless a membership in state old may take status to.  With strict,
 * keeping the status is refused too (accepting an ACTIVE membership), except
 * PENDING_INVITE -> PENDING_INVITE, which is a resend.
 */
static void
CheckTransition(const MembershipState *old, MembershipStatus to, bool strict)
{
	TimestampTz now = GetCurrentTransactionStartTimestamp();

	if (old->status == to)
	{
		if (strict && to != MS_PENDING_INVITE)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("membership of user \"%s\" in organization \"%s\" is already %s",
							old->user_id, old->organization_id, status_labels[to])));
		return;
	}
	switch (old->status)
	{
		case MS_ACTIVE:
		case MS_INACTIVE:
			if (to == MS_ACTIVE || to == MS_INACTIVE)
				return;
			RefuseTransition(old, to,
							 "The user is already a member of the organization; only a user who has not joined can be invited.",
							 "Set membership_status to ACTIVE or INACTIVE, or delete the membership and invite the user again.");
			break;
		case MS_PENDING_INVITE:
			if (to == MS_ACTIVE && old->has_expiry && old->expires_at <= now)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("invitation of user \"%s\" to organization \"%s\" expired at %s",
								old->user_id, old->organization_id, TimeText(old->expires_at)),
						 errhint("Send a new one with idm.resend_invitation().")));
			if (to == MS_INVITE_EXPIRED && (!old->has_expiry || old->expires_at > now))
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("invitation of user \"%s\" to organization \"%s\" has not expired",
								old->user_id, old->organization_id),
						 old->has_expiry ?
						 errdetail("It expires at %s.", TimeText(old->expires_at)) :
						 errdetail("It has no expires_at."),
						 errhint("Delete the membership to withdraw the invitation.")));
			if (to == MS_ACTIVE || to == MS_INVITE_EXPIRED)
				return;
			RefuseTransition(old, to,
							 "A pending invitation becomes a membership only by being accepted, which makes it ACTIVE.",
							 "Accept it with idm.accept_invitation(), or delete it.");
			break;
		case MS_INVITE_EXPIRED:
			if (to == MS_PENDING_INVITE)
				return;
			RefuseTransition(old, to,
							 "The invitation has expired and can no longer be accepted.",
							 "Send a new one with idm.resend_invitation().");
			break;
	}
}

/* A pending invitation must say when it expires, and that must be ahead. */
static void
CheckInvitationExpiry(const MembershipState *s)
{
	if (s->has_expiry && s->expires_at > GetCurrentTransactionStartTimestamp())
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("pending invitation of user \"%s\" to organization \"%s\" needs expires_at in the future",
					s->user_id, s->organization_id),
			 s->has_expiry ?
			 errdetail("Its expires_at is %s.", TimeText(s->expires_at)) :
			 errdetail("Its expires_at is NULL."),
			 errhint("idm.invite_user() and idm.resend_invitation() set it from their expires_in argument.")));
}

/*
 * idm.check_membership_transition(m idm.memberships, to_status): raises
 * unless m may take to_status now; keeping the status counts as illegal
 * (except a resend).  The convenience functions call it before updating.
 */
Datum
check_membership_transition(PG_FUNCTION_ARGS)
{
	HeapTupleHeader th = PG_GETARG_HEAPTUPLEHEADER(0);
	char	   *to = DatumGetCString(DirectFunctionCall1(enum_out, PG_GETARG_DATUM(1)));
	HeapTupleData tuple;
	TupleDesc	desc = IdmCompositeRow(th, &tuple);
	MembershipState old;
	int			target = -1;

	old = StateOf(desc, &tuple);
	ReleaseTupleDesc(desc);
	for (int i = 0; i < (int) lengthof(status_labels); i++)
		if (strcmp(to, status_labels[i]) == 0)
			target = i;
	if (target < 0)
		elog(ERROR, "pg_idm: unknown membership_status \"%s\"", to);
	CheckTransition(&old, (MembershipStatus) target, true);
	PG_RETURN_VOID();
}

/* Queues "column := now" when the column of row is NULL. */
static void
SetNowIfNull(TupleDesc desc, HeapTuple row, const char *column, int *cols,
			 Datum *values, int *n)
{
	int			attno = IdmColumn(desc, column);

	if (!heap_attisnull(row, attno, desc))
		return;
	cols[*n] = attno;
	values[*n] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	(*n)++;
}

/*
 * BEFORE INSERT OR UPDATE ON idm.memberships: the status rules.  Fills
 * join_time of a new membership, and accepted_at and join_time of an
 * accepted invitation.
 */
Datum
membership_guard(PG_FUNCTION_ARGS)
{
	TriggerData *td = IdmTriggerData(fcinfo, "membership_guard", false);
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	bool		update = TRIGGER_FIRED_BY_UPDATE(td->tg_event);
	HeapTuple	row = update ? td->tg_newtuple : td->tg_trigtuple;
	MembershipState new = StateOf(desc, row);
	int			cols[2];
	Datum		values[2];
	bool		nulls[2] = {false, false};
	int			n = 0;

	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
	{
		if (new.status == MS_INVITE_EXPIRED)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a new membership cannot be INVITE_EXPIRED"),
					 errdetail("Invitations expire by time, through idm.expire_invitations()."),
					 errhint("Insert it as PENDING_INVITE with an expires_at.")));
		if (new.status == MS_PENDING_INVITE)
			CheckInvitationExpiry(&new);
		else
			SetNowIfNull(desc, row, "join_time", cols, values, &n);
	}
	else if (update)
	{
		MembershipState old = StateOf(desc, td->tg_trigtuple);

		if (strcmp(old.organization_id, new.organization_id) != 0 ||
			strcmp(old.user_id, new.user_id) != 0 ||
			strcmp(IdmColumnText(desc, td->tg_trigtuple, "environment_id"),
				   IdmColumnText(desc, row, "environment_id")) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("environment_id, organization_id and user_id of a membership cannot change"),
					 errhint("Delete the membership and create another.")));
		if (old.status != new.status)
		{
			CheckTransition(&old, new.status, false);
			if (new.status == MS_PENDING_INVITE)
				CheckInvitationExpiry(&new);
			if (IsInvitation(old.status) && !IsInvitation(new.status))
			{
				SetNowIfNull(desc, row, "accepted_at", cols, values, &n);
				SetNowIfNull(desc, row, "join_time", cols, values, &n);
			}
		}
	}
	if (n > 0)
		row = heap_modify_tuple_by_cols(row, desc, n, cols, values, nulls);
	return PointerGetDatum(row);
}

/* Context of a membership payload while the related rows are read */
typedef struct MembershipPayload
{
	IdmJson    *j;
	TupleDesc	desc;			/* the membership row */
	HeapTuple	row;
	char	   *org_display_name;
} MembershipPayload;

static void
WriteOrganization(TupleDesc desc, HeapTuple row, void *arg)
{
	MembershipPayload *p = (MembershipPayload *) arg;

	IdmJsonOrganization(p->j, "organization", desc, row);
	p->org_display_name = IdmColumnText(desc, row, "display_name");
}

/* user.memberships: this one membership, as commonsOrganizationMembership */
static void
WriteMembership(IdmJson *j, void *arg)
{
	MembershipPayload *p = (MembershipPayload *) arg;

	IdmJsonBeginArray(j, "memberships");
	IdmJsonBeginObject(j, NULL);
	IdmJsonColumns(j, p->desc, p->row, membership_columns);
	IdmJsonString(j, "display_name", p->org_display_name);
	IdmJsonEndObject(j);
	IdmJsonEndArray(j);
}

/* data of every OrgMembership event: {"organization": {...}, "user": {...}} */
static Jsonb *
MembershipData(const char *environment_id, TupleDesc desc, HeapTuple row)
{
	IdmJson		j;
	MembershipPayload p;
	const char *org_keys[2];

	p.j = &j;
	p.desc = desc;
	p.row = row;
	p.org_display_name = NULL;
	org_keys[0] = environment_id;
	org_keys[1] = IdmColumnText(desc, row, "organization_id");
	IdmJsonBegin(&j);
	if (IdmLookup("organizations", "organizations_pkey", 2, org_keys,
				  WriteOrganization, &p) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("organization \"%s\" does not exist", org_keys[1])));
	IdmJsonUser(&j, "user", environment_id, IdmColumnText(desc, row, "user_id"),
				WriteMembership, &p);
	return IdmJsonFinish(&j);
}

/*
 * One event per membership per top-level statement: set_membership_roles()
 * replacing three roles is one change to the membership, and the default
 * role given to a membership the statement just created needs no
 * "updated" after its "created".  Remembers the last membership sent.
 */
static struct
{
	LocalTransactionId lxid;
	TimestampTz stmt;
	char		key[3 * (NAMEDATALEN + 1)];
} last_sent;

static void
MembershipKey(char *buf, size_t size, const char *environment_id,
			  const char *organization_id, const char *user_id)
{
	snprintf(buf, size, "%s|%s|%s", environment_id, organization_id, user_id);
}

static bool
SentThisStatement(const char *environment_id, const char *organization_id,
				  const char *user_id)
{
	char		key[sizeof(last_sent.key)];

	MembershipKey(key, sizeof(key), environment_id, organization_id, user_id);
	return last_sent.lxid == MyProc->lxid &&
		last_sent.stmt == GetCurrentStatementStartTimestamp() &&
		strcmp(last_sent.key, key) == 0;
}

static void
NoteSent(const char *environment_id, const char *organization_id, const char *user_id)
{
	last_sent.lxid = MyProc->lxid;
	last_sent.stmt = GetCurrentStatementStartTimestamp();
	MembershipKey(last_sent.key, sizeof(last_sent.key), environment_id,
				  organization_id, user_id);
}

/* The event a row change means (see the top of this file), or NULL */
static const char *
MembershipEventType(TriggerData *td, TupleDesc desc)
{
	MembershipStatus old;
	MembershipStatus new;

	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
	{
		new = StatusOf(desc, td->tg_trigtuple);
		if (new == MS_PENDING_INVITE)
			return "user.organization_invitation";
		return IsInvitation(new) ? NULL : "user.organization_membership_created";
	}
	old = StatusOf(desc, td->tg_trigtuple);
	if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
		return IsInvitation(old) ? NULL : "user.organization_membership_deleted";
	if (!IdmTupleChanged(desc, td->tg_trigtuple, td->tg_newtuple, NULL))
		return NULL;
	new = StatusOf(desc, td->tg_newtuple);
	if (!IsInvitation(new))
		return IsInvitation(old) ? "user.organization_membership_created"
			: "user.organization_membership_updated";
	if (new == MS_PENDING_INVITE &&
		(old == MS_INVITE_EXPIRED ||
		 strcmp(IdmColumnText(desc, td->tg_trigtuple, "resent_count"),
				IdmColumnText(desc, td->tg_newtuple, "resent_count")) != 0))
		return "user.organization_invitation";
	return NULL;
}

/* AFTER INSERT OR UPDATE OR DELETE ON idm.memberships FOR EACH ROW */
Datum
membership_events(PG_FUNCTION_ARGS)
{
	TriggerData *td = IdmTriggerData(fcinfo, "membership_events", true);
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	const char *type = MembershipEventType(td, desc);
	HeapTuple	row = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple
		: td->tg_trigtuple;
	char	   *env;
	char	   *org;

	if (type == NULL)
		return PointerGetDatum(NULL);
	env = IdmColumnText(desc, row, "environment_id");
	org = IdmColumnText(desc, row, "organization_id");
	/* ask first: a switched-off event costs no payload (two index lookups) */
	if (IdmEventEnabled(type, env))
		IdmEmitEvent(type, env, org, MembershipData(env, desc, row));
	/* a role change later in this statement adds no second event */
	NoteSent(env, org, IdmColumnText(desc, row, "user_id"));
	return PointerGetDatum(NULL);
}

/*
 * BEFORE DELETE ON idm.users / idm.organizations, argument the column of
 * idm.memberships that refers to them: deletes their memberships first, so
 * that each membership's deleted event can still nest the user and the
 * organization (a foreign key cascade would run after they are gone).
 */
Datum
memberships_delete_first(PG_FUNCTION_ARGS)
{
	static SPIPlanPtr plans[2];
	TriggerData *td = IdmTriggerData(fcinfo, "memberships_delete_first", false);
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	Trigger    *tg = td->tg_trigger;
	int			which;
	Datum		args[2];
	Oid			argtypes[2] = {TEXTOID, TEXTOID};

	if (!TRIGGER_FIRED_BY_DELETE(td->tg_event) || tg->tgnargs != 1)
		elog(ERROR, "memberships_delete_first must be fired BEFORE DELETE with a column name");
	if (strcmp(tg->tgargs[0], "user_id") == 0)
		which = 0;
	else if (strcmp(tg->tgargs[0], "organization_id") == 0)
		which = 1;
	else
		elog(ERROR, "memberships_delete_first: unknown column \"%s\"", tg->tgargs[0]);

	args[0] = CStringGetTextDatum(IdmColumnText(desc, td->tg_trigtuple, "environment_id"));
	args[1] = CStringGetTextDatum(IdmColumnText(desc, td->tg_trigtuple, "id"));
	SPI_connect();
	if (plans[which] == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(which == 0 ?
									   "DELETE FROM idm.memberships WHERE environment_id = $1 AND user_id = $2" :
									   "DELETE FROM idm.memberships WHERE environment_id = $1 AND organization_id = $2",
									   2, argtypes);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
		plans[which] = plan;
	}
	if (SPI_execute_plan(plans[which], args, NULL, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "memberships_delete_first: DELETE failed");
	SPI_finish();
	return PointerGetDatum(td->tg_trigtuple);
}

/* Builds the event from the membership row while the lookup holds it */
typedef struct EmitRequest
{
	const char *environment_id;
	Jsonb	   *data;
} EmitRequest;

static void
BuildFromRow(TupleDesc desc, HeapTuple row, void *arg)
{
	EmitRequest *r = (EmitRequest *) arg;

	r->data = MembershipData(r->environment_id, desc, row);
}

/*
 * Reads the membership (env, org, user) and lets fn build its payload;
 * returns the payload (NULL if fn built none) and whether the row exists.
 */
static Jsonb *
ReadMembership(const char *environment_id, const char *organization_id,
				  const char *user_id, IdmRowFn fn, bool *found)
{
	EmitRequest r;
	const char *keys[3] = {environment_id, organization_id, user_id};

	r.environment_id = environment_id;
	r.data = NULL;
	*found = IdmLookup("memberships", "memberships_pkey", 3, keys, fn, &r) > 0;
	return r.data;
}

void
IdmEmitMembershipEvent(const char *type, const char *environment_id,
					   const char *organization_id, const char *user_id)
{
	const IdmEventType *et = IdmEventTypeLookup(type);
	Jsonb	   *data;
	bool		found;

	if (strcmp(et->object, "OrgMembership") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("event type \"%s\" is not a membership event", type),
				 errhint("Membership events are user.signup, user.organization_invitation and user.organization_membership_created, _updated and _deleted.")));
	data = ReadMembership(environment_id, organization_id, user_id, BuildFromRow, &found);
	if (!found)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("membership of user \"%s\" in organization \"%s\" does not exist",
						user_id, organization_id),
				 errhint("Check the ids and the environment (idm.environment_id).")));
	IdmEmitEvent(type, environment_id, organization_id, data);
}

/* Builds the payload of a membership proper; leaves r->data NULL for an invitation. */
static void
BuildIfMembership(TupleDesc desc, HeapTuple row, void *arg)
{
	EmitRequest *r = (EmitRequest *) arg;

	if (!IsInvitation(StatusOf(desc, row)))
		r->data = MembershipData(r->environment_id, desc, row);
}

void
IdmMembershipRolesChanged(const char *environment_id, const char *organization_id,
						  const char *user_id)
{
	const char *type = "user.organization_membership_updated";
	Jsonb	   *data;
	bool		found;

	if (SentThisStatement(environment_id, organization_id, user_id))
		return;
	NoteSent(environment_id, organization_id, user_id);
	if (!IdmEventEnabled(type, environment_id))
		return;
	/* gone: the roles went with a deleted membership, which sent _deleted */
	data = ReadMembership(environment_id, organization_id, user_id,
						  BuildIfMembership, &found);
	if (data != NULL)
		IdmEmitEvent(type, environment_id, organization_id, data);
}

/* idm.emit_membership_event(type, environment_id, organization_id, user_id): internal */
Datum
emit_membership_event(PG_FUNCTION_ARGS)
{
	char	   *type = DatumGetCString(DirectFunctionCall1(enum_out, PG_GETARG_DATUM(0)));

	IdmEmitMembershipEvent(type, text_to_cstring(PG_GETARG_TEXT_PP(1)),
						   text_to_cstring(PG_GETARG_TEXT_PP(2)),
						   text_to_cstring(PG_GETARG_TEXT_PP(3)));
	PG_RETURN_VOID();
}

/*
 * One statement creates the three rows; their row triggers emit
 * organization.created and user.organization_membership_created.
 */
static const char signup_sql[] =
"WITH o AS ("
"  INSERT INTO idm.organizations (environment_id, display_name, external_id, region_code)"
"  VALUES (idm.current_environment($9), $2, $6, $7::idm.region_code)"
"  RETURNING environment_id, id),"
" u AS ("
"  INSERT INTO idm.users (environment_id, email, external_id, given_name, family_name, name)"
"  SELECT o.environment_id, $1, $8, coalesce($3, ''), coalesce($4, ''), coalesce($5, '') FROM o"
"  RETURNING id)"
" INSERT INTO idm.memberships AS m"
"  (environment_id, organization_id, user_id, membership_status, provisioning_method)"
" SELECT o.environment_id, o.id, u.id, 'ACTIVE', 'org_creator' FROM o, u"
" RETURNING m.*";

#define SIGNUP_NARGS 9

/*
 * idm.signup(email, organization_display_name, given_name, family_name,
 * name, organization_external_id, region_code, user_external_id,
 * environment_id) returns idm.memberships: a new user creates a new
 * organization; emits user.signup after the row events.
 */
Datum
signup(PG_FUNCTION_ARGS)
{
	static SPIPlanPtr plan;
	MemoryContext caller = CurrentMemoryContext;
	Datum		args[SIGNUP_NARGS];
	char		nulls[SIGNUP_NARGS];
	TupleDesc	result_desc;
	HeapTuple	row;
	Datum	   *values;
	bool	   *isnull;
	HeapTuple	result;
	char	   *env;
	char	   *org;
	char	   *user;

	if (get_call_result_type(fcinfo, NULL, &result_desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "idm.signup must return idm.memberships");
	for (int i = 0; i < SIGNUP_NARGS; i++)
	{
		nulls[i] = PG_ARGISNULL(i) ? 'n' : ' ';
		args[i] = PG_ARGISNULL(i) ? (Datum) 0 : PG_GETARG_DATUM(i);
	}
	/* region_code travels as text so the saved plan has no enum oid in it */
	if (!PG_ARGISNULL(6))
		args[6] = DirectFunctionCall1(textin, DirectFunctionCall1(enum_out, args[6]));

	SPI_connect();
	if (plan == NULL)
	{
		Oid			types[SIGNUP_NARGS];

		for (int i = 0; i < SIGNUP_NARGS; i++)
			types[i] = TEXTOID;
		plan = SPI_prepare(signup_sql, SIGNUP_NARGS, types);
		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
	}
	if (SPI_execute_plan(plan, args, nulls, false, 0) != SPI_OK_INSERT_RETURNING ||
		SPI_processed != 1)
		elog(ERROR, "idm.signup: the insert did not return one membership");
	row = SPI_tuptable->vals[0];
	env = IdmColumnText(SPI_tuptable->tupdesc, row, "environment_id");
	org = IdmColumnText(SPI_tuptable->tupdesc, row, "organization_id");
	user = IdmColumnText(SPI_tuptable->tupdesc, row, "user_id");
	IdmEmitMembershipEvent("user.signup", env, org, user);

	/* the result must live in the caller's context, as the declared row type */
	MemoryContextSwitchTo(caller);
	values = palloc(sizeof(Datum) * result_desc->natts);
	isnull = palloc(sizeof(bool) * result_desc->natts);
	heap_deform_tuple(row, SPI_tuptable->tupdesc, values, isnull);
	result = heap_form_tuple(BlessTupleDesc(result_desc), values, isnull);
	SPI_finish();
	PG_RETURN_DATUM(HeapTupleGetDatum(result));
}
