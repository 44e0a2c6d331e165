/*
 * roles.c - roles: name rules, the RBAC lock, the BEFORE trigger that keeps
 * a role's identity fixed and resolves `extends`, role events, and the
 * triggers of membership roles
 *
 * A role is named by its scope: an environment role (organization_id NULL)
 * or a role of one organization.  Names are unique across what a member of
 * an organization sees, the environment's roles plus the organization's, so
 * `extends` and role assignment by name are never ambiguous: an
 * organization role may not take an environment role's name, nor the other
 * way round.  Names, ids and organizations never change after creation
 * (the API says so of names), which lets `extends` keep the base's NAME as
 * the API does while base_role_id holds its id for the closures.
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/trigger.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "memberships.h"
#include "names_core.h"
#include "payload.h"
#include "rbac.h"
#include "triggers.h"
#include "util.h"

PG_FUNCTION_INFO_V1(check_role_name);
PG_FUNCTION_INFO_V1(role_before);
PG_FUNCTION_INFO_V1(role_events);
PG_FUNCTION_INFO_V1(membership_role_before);
PG_FUNCTION_INFO_V1(membership_role_events);

void
IdmRbacLock(const char *environment_id)
{
	LOCKTAG		tag;
	uint32		key = hash_bytes((const unsigned char *) environment_id,
								 strlen(environment_id));

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, key, 0, IDM_RBAC_LOCK_CLASS);
	(void) LockAcquire(&tag, ExclusiveLock, false, false);
}

uint64
IdmRbacExec(IdmRbacStmt *stmt, const char *const *args)
{
	Datum		values[8];
	char		nulls[8];
	int			rc;

	Assert(stmt->nargs <= 8);
	if (stmt->plan == NULL)
	{
		Oid			types[8];
		SPIPlanPtr	plan;

		for (int i = 0; i < stmt->nargs; i++)
			types[i] = TEXTOID;
		plan = SPI_prepare(stmt->sql, stmt->nargs, types);
		if (plan == NULL)
			elog(ERROR, "pg_idm: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
		stmt->plan = plan;
	}
	for (int i = 0; i < stmt->nargs; i++)
	{
		nulls[i] = args[i] ? ' ' : 'n';
		values[i] = args[i] ? CStringGetTextDatum(args[i]) : (Datum) 0;
	}
	rc = SPI_execute_snapshot(stmt->plan, values, nulls, GetLatestSnapshot(),
							  InvalidSnapshot, false, true, 0);
	if (rc < 0)
		elog(ERROR, "pg_idm: SPI failed: %s", SPI_result_code_string(rc));
	return SPI_processed;
}

char *
IdmRbacResult(void)
{
	if (SPI_processed == 0 || SPI_tuptable == NULL)
		return NULL;
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

void
IdmCheckRoleName(const char *name, const char *field)
{
	size_t		len = strlen(name);
	char		reason[IDM_NAME_REASON_LEN];
	const char *why = IdmRoleNameProblem(name, len, reason, sizeof(reason));

	if (why)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid role %s: \"%s\"", field,
						len > IDM_ROLE_NAME_MAXLEN ? "(too long to show)" : name),
				 errdetail("%s", why),
				 errhint("A role name is 1 to 64 ASCII letters, digits and underscores, such as \"content_editor\".")));
}

/* idm.check_role_name(value text, field text): 1-64 of [A-Za-z0-9_] */
Datum
check_role_name(PG_FUNCTION_ARGS)
{
	IdmCheckRoleName(text_to_cstring(PG_GETARG_TEXT_PP(0)),
					 text_to_cstring(PG_GETARG_TEXT_PP(1)));
	PG_RETURN_BOOL(true);
}

/* Raises if one of the named columns differs between the two versions of a row. */
static void
RefuseChange(TupleDesc desc, HeapTuple oldtup, HeapTuple newtup,
			 const char *what, const char *const *columns)
{
	for (; *columns; columns++)
	{
		char	   *oldval = IdmColumnText(desc, oldtup, *columns);
		char	   *newval = IdmColumnText(desc, newtup, *columns);

		if ((oldval == NULL) != (newval == NULL) ||
			(oldval && strcmp(oldval, newval) != 0))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("the %s of %s \"%s\" cannot be changed", *columns, what,
							IdmColumnText(desc, oldtup, "name")),
					 errhint("Create a new %s instead.", what)));
	}
}

/* $1 env, $2 name, $3 the role's id, $4 its organization: a clashing role of the other scope */
static IdmRbacStmt name_clash = {
	"SELECT coalesce(organization_id, 'the environment') FROM idm.roles"
	" WHERE environment_id = $1 AND name = $2 AND id <> $3"
	" AND (CASE WHEN $4 IS NULL THEN organization_id IS NOT NULL ELSE organization_id IS NULL END)"
	" LIMIT 1", 4
};

/*
 * Refuses a name that an environment role and an organization role would
 * share (the unique key catches duplicates within one scope).
 */
static void
CheckNameClash(const char *env, const char *id, const char *org, const char *name)
{
	const char *args[4] = {env, name, id, org};

	if (IdmRbacExec(&name_clash, args) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("role name \"%s\" is already used by a role of %s", name,
						IdmRbacResult()),
				 errdetail(org ? "An organization role cannot take the name of an environment role."
						   : "An environment role cannot take the name of an organization's role."),
				 errhint("Role names are unique across an environment's roles and each organization's roles.")));
}

/* $1 env, $2 base name, $3 organization: a base visible from the role's scope */
static IdmRbacStmt find_base = {
	"SELECT id FROM idm.roles WHERE environment_id = $1 AND name = $2"
	" AND (organization_id IS NULL OR organization_id = $3)", 3
};

/* The id of the role `extends` names, visible from the role's scope. */
static char *
ResolveBase(const char *env, const char *org, const char *name, const char *extends)
{
	const char *args[3] = {env, extends, org};

	IdmCheckRoleName(extends, "extends");
	if (strcmp(extends, name) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("role \"%s\" cannot extend itself", name)));
	if (IdmRbacExec(&find_base, args) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("role \"%s\" extends \"%s\", which does not exist", name, extends),
				 errdetail(org ? "An organization role can extend the environment's roles and its own organization's roles."
						   : "An environment role can extend only environment roles."),
				 errhint("Create role \"%s\" first.", extends)));
	return IdmRbacResult();
}

/*
 * BEFORE INSERT OR UPDATE OR DELETE ON idm.roles FOR EACH ROW: the RBAC
 * lock first, then the rules that need to read other roles.  Cycles are
 * checked by the AFTER trigger (role_closure), where the closure already
 * holds the rows an earlier row of the same statement changed.
 */
Datum
role_before(PG_FUNCTION_ARGS)
{
	TriggerData *td = IdmTriggerData(fcinfo, "role_before", false);
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	HeapTuple	row = IdmRbacTriggerRow(td);
	static const char *const fixed[] = {"environment_id", "id", "organization_id", "name", NULL};
	char	   *env = IdmColumnText(desc, row, "environment_id");
	char	   *org,
			   *name,
			   *extends,
			   *base = NULL;
	int			attno;
	Datum		value;
	bool		isnull;
	MemoryContext caller = CurrentMemoryContext;

	IdmRbacLock(env);
	if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
		return PointerGetDatum(row);
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		RefuseChange(desc, td->tg_trigtuple, row, "role", fixed);

	org = IdmColumnText(desc, row, "organization_id");
	name = IdmColumnText(desc, row, "name");
	extends = IdmColumnText(desc, row, "extends");
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pg_idm: SPI_connect failed");
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		CheckNameClash(env, IdmColumnText(desc, row, "id"), org, name);
	if (extends)
		base = ResolveBase(env, org, name, extends);
	/* SPI_finish frees SPI memory: copy the id out first */
	if (base)
		base = MemoryContextStrdup(caller, base);
	SPI_finish();

	attno = IdmColumn(desc, "base_role_id");
	isnull = (base == NULL);
	value = isnull ? (Datum) 0 : CStringGetTextDatum(base);
	return PointerGetDatum(heap_modify_tuple_by_cols(row, desc, 1, &attno, &value, &isnull));
}

/* The keys of the spec's role.* examples; `extends` is "" for a role extending none. */
static const char *const role_columns[] = {"description", "display_name", "id", "name", NULL};

/* data of a role.* event */
static Jsonb *
RolePayload(TupleDesc desc, HeapTuple row, bool deleted)
{
	IdmJson		j;
	char	   *extends = IdmColumnText(desc, row, "extends");

	IdmJsonBegin(&j);
	IdmJsonColumns(&j, desc, row, role_columns);
	IdmJsonString(&j, "extends", extends ? extends : "");
	return IdmJsonFinish(&j);
}

/* Role events carry no organization_id on the envelope (the catalogue says so). */
static const IdmRowEvents role_row_events = {
	"role.created", "role.updated", "role.deleted", NULL, RolePayload
};

/* AFTER INSERT OR UPDATE OR DELETE ON idm.roles FOR EACH ROW */
Datum
role_events(PG_FUNCTION_ARGS)
{
	return IdmRowEventTrigger(fcinfo, "role_events", &role_row_events);
}

/* $1 env, $2 role id: the role's organization and name */
static IdmRbacStmt role_scope = {
	"SELECT organization_id, name FROM idm.roles WHERE environment_id = $1 AND id = $2", 2
};

/*
 * BEFORE INSERT OR UPDATE ON idm.membership_roles FOR EACH ROW: a member may
 * hold environment roles and its own organization's roles only.  A missing
 * role is left to the foreign key.  A role's organization never changes, so
 * the answer cannot go stale before commit.
 */
Datum
membership_role_before(PG_FUNCTION_ARGS)
{
	TriggerData *td = IdmTriggerData(fcinfo, "membership_role_before", false);
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	HeapTuple	row = IdmRbacTriggerRow(td);
	const char *args[2];
	char	   *org = IdmColumnText(desc, row, "organization_id");

	args[0] = IdmColumnText(desc, row, "environment_id");
	args[1] = IdmColumnText(desc, row, "role_id");
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pg_idm: SPI_connect failed");
	if (IdmRbacExec(&role_scope, args) > 0)
	{
		char	   *role_org = IdmRbacResult();

		if (role_org && org && strcmp(role_org, org) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("role \"%s\" belongs to organization %s, not to %s",
							SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2),
							role_org, org),
					 errdetail("A member can hold environment roles and roles of its own organization."),
					 errhint("Give the member an environment role or one of organization %s's roles.", org)));
	}
	SPI_finish();
	return PointerGetDatum(row);
}

/*
 * AFTER INSERT OR UPDATE OR DELETE ON idm.membership_roles FOR EACH ROW.
 * A change of a membership's roles is a change of the membership: the
 * platform sends user.organization_membership_updated.
 */
Datum
membership_role_events(PG_FUNCTION_ARGS)
{
	TriggerData *td = IdmTriggerData(fcinfo, "membership_role_events", true);
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	HeapTuple	row = IdmRbacTriggerRow(td);
	char	   *env = IdmColumnText(desc, row, "environment_id");
	char	   *org = IdmColumnText(desc, row, "organization_id");
	char	   *user = IdmColumnText(desc, row, "user_id");

	IdmMembershipRolesChanged(env, org, user);
	return PointerGetDatum(NULL);
}
