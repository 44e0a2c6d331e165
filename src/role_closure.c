/*
 * role_closure.c - the closures behind idm.has_permission
 *
 * idm.role_ancestors holds, for every role, itself (depth 0) and each role
 * it inherits from through `extends`; idm.role_effective_permissions holds,
 * for every role, each permission it has with the role granting it
 * directly (itself or an ancestor).  A permission granted by two roles of a
 * chain has two rows, so taking a grant away is one DELETE by source.
 *
 * The AFTER ROW triggers here keep both exact as roles, their `extends`
 * and role_permissions change.  They run under the environment's RBAC lock
 * and read the latest snapshot (see rbac.h), and each is a handful of
 * set-based statements, so reads (has_permission) never walk the hierarchy.
 * Since a role extends at most one role, its ancestors form a chain; that
 * is what lets a cycle be found with one probe and reported as a path.
 */
#include "postgres.h"

#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/rel.h"

#include "rbac.h"
#include "util.h"

PG_FUNCTION_INFO_V1(role_closure);
PG_FUNCTION_INFO_V1(role_permission_closure);
PG_FUNCTION_INFO_V1(role_closure_truncate);

/* $1 env, $2 role, $3 its base (or NULL) */
static IdmRbacStmt add_ancestors = {
	"INSERT INTO idm.role_ancestors (environment_id, role_id, ancestor_id, depth)"
	" SELECT $1, $2, $2, 0"
	" UNION ALL"
	" SELECT $1, $2, ancestor_id, depth + 1 FROM idm.role_ancestors"
	" WHERE environment_id = $1 AND role_id = $3", 3
};
static IdmRbacStmt add_inherited = {
	"INSERT INTO idm.role_effective_permissions (environment_id, role_id, permission_id, source_role_id)"
	" SELECT $1, $2, permission_id, source_role_id FROM idm.role_effective_permissions"
	" WHERE environment_id = $1 AND role_id = $3", 3
};

/* $1 env, $2 the role, $3 its new base: is the role an ancestor of the new base? */
static IdmRbacStmt cycle_path = {
	"SELECT string_agg(r.name, ' -> ' ORDER BY a.depth) FROM idm.role_ancestors a"
	" JOIN idm.roles r ON r.environment_id = a.environment_id AND r.id = a.ancestor_id"
	" WHERE a.environment_id = $1 AND a.role_id = $3"
	" AND a.depth <= (SELECT depth FROM idm.role_ancestors"
	"                 WHERE environment_id = $1 AND role_id = $3 AND ancestor_id = $2)"
	" HAVING count(*) > 0", 3
};

/* $1 env, $2 the role whose base changes, $3 the new base (or NULL) */
static IdmRbacStmt drop_inherited = {
	"DELETE FROM idm.role_effective_permissions e USING idm.role_ancestors s"
	" WHERE s.environment_id = $1 AND s.ancestor_id = $2"
	" AND e.environment_id = $1 AND e.role_id = s.role_id"
	" AND e.source_role_id IN (SELECT ancestor_id FROM idm.role_ancestors"
	"                          WHERE environment_id = $1 AND role_id = $2 AND depth > 0)", 2
};
static IdmRbacStmt drop_ancestors = {
	/* an ancestor of a dependent further away than the role itself is above it */
	"DELETE FROM idm.role_ancestors x USING idm.role_ancestors s"
	" WHERE s.environment_id = $1 AND s.ancestor_id = $2"
	" AND x.environment_id = $1 AND x.role_id = s.role_id AND x.depth > s.depth", 2
};
static IdmRbacStmt graft_ancestors = {
	"INSERT INTO idm.role_ancestors (environment_id, role_id, ancestor_id, depth)"
	" SELECT $1, s.role_id, b.ancestor_id, s.depth + 1 + b.depth"
	" FROM idm.role_ancestors s JOIN idm.role_ancestors b"
	"   ON b.environment_id = $1 AND b.role_id = $3"
	" WHERE s.environment_id = $1 AND s.ancestor_id = $2", 3
};
static IdmRbacStmt graft_inherited = {
	"INSERT INTO idm.role_effective_permissions (environment_id, role_id, permission_id, source_role_id)"
	" SELECT $1, s.role_id, b.permission_id, b.source_role_id"
	" FROM idm.role_ancestors s JOIN idm.role_effective_permissions b"
	"   ON b.environment_id = $1 AND b.role_id = $3"
	" WHERE s.environment_id = $1 AND s.ancestor_id = $2", 3
};

/* $1 env, $2 the deleted role */
static IdmRbacStmt dependents = {
	"SELECT string_agg(name, ', ' ORDER BY name), count(*) FROM idm.roles"
	" WHERE environment_id = $1 AND base_role_id = $2 HAVING count(*) > 0", 2
};
static IdmRbacStmt forget_ancestors = {
	"DELETE FROM idm.role_ancestors WHERE environment_id = $1 AND role_id = $2", 2
};
static IdmRbacStmt forget_permissions = {
	"DELETE FROM idm.role_effective_permissions WHERE environment_id = $1 AND role_id = $2", 2
};

/* $1 env, $2 granting role, $3 permission */
static IdmRbacStmt grant_stmt = {
	"INSERT INTO idm.role_effective_permissions (environment_id, role_id, permission_id, source_role_id)"
	" SELECT $1, role_id, $3, $2 FROM idm.role_ancestors"
	" WHERE environment_id = $1 AND ancestor_id = $2", 3
};
static IdmRbacStmt revoke_stmt = {
	"DELETE FROM idm.role_effective_permissions"
	" WHERE environment_id = $1 AND source_role_id = $2 AND permission_id = $3", 3
};

/* SPI_connect or a can't-happen error. */
static void
Connect(void)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pg_idm: SPI_connect failed");
}

/* Refuses a new base that already inherits from the role (or is the role). */
static void
CheckCycle(const char *env, const char *role, const char *name, const char *base,
		   const char *extends)
{
	const char *args[3] = {env, role, base};
	char	   *path;

	if (IdmRbacExec(&cycle_path, args) == 0)
		return;
	path = IdmRbacResult();
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("role \"%s\" cannot extend \"%s\": \"%s\" already inherits from \"%s\"",
					name, extends, extends, name),
			 errdetail("The roles would form a cycle: %s -> %s.", name, path),
			 errhint("Change or remove the extends of one of the roles in the cycle first.")));
}

/* A role's base changed: move the role and its dependents under the new one. */
static void
Regraft(const char *env, const char *role, const char *base)
{
	const char *args[3] = {env, role, base};

	IdmRbacExec(&drop_inherited, args);
	IdmRbacExec(&drop_ancestors, args);
	if (base == NULL)
		return;
	IdmRbacExec(&graft_ancestors, args);
	IdmRbacExec(&graft_inherited, args);
}

/* A deleted role must have no dependents left; then its closure rows go. */
static void
Forget(const char *env, const char *role, const char *name)
{
	const char *args[2] = {env, role};

	if (IdmRbacExec(&dependents, args) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("role \"%s\" cannot be deleted: %s role(s) extend it",
						name, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2)),
				 errdetail("Extended by: %s.", IdmRbacResult()),
				 errhint("Delete those roles or remove their extends first (idm.delete_role_base).")));
	IdmRbacExec(&forget_ancestors, args);
	IdmRbacExec(&forget_permissions, args);
}

/* Equal C strings, or both NULL. */
static bool
SameText(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* AFTER INSERT OR UPDATE OR DELETE ON idm.roles FOR EACH ROW */
Datum
role_closure(PG_FUNCTION_ARGS)
{
	TriggerData *td = IdmTriggerData(fcinfo, "role_closure", true);
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	HeapTuple	row = IdmRbacTriggerRow(td);
	char	   *env = IdmColumnText(desc, row, "environment_id");
	char	   *role = IdmColumnText(desc, row, "id");
	char	   *name = IdmColumnText(desc, row, "name");
	char	   *base = IdmColumnText(desc, row, "base_role_id");

	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event) &&
		SameText(base, IdmColumnText(desc, td->tg_trigtuple, "base_role_id")))
		return PointerGetDatum(NULL);

	IdmRbacLock(env);
	Connect();
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
	{
		const char *args[3] = {env, role, base};

		IdmRbacExec(&add_ancestors, args);
		IdmRbacExec(&add_inherited, args);
	}
	else if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		if (base)
			CheckCycle(env, role, name, base, IdmColumnText(desc, row, "extends"));
		Regraft(env, role, base);
	}
	else
		Forget(env, role, name);
	SPI_finish();
	return PointerGetDatum(NULL);
}

/* Adds (grant) or takes away (revoke) one row of role_permissions in the closure. */
static void
ApplyGrant(TupleDesc desc, HeapTuple row, IdmRbacStmt *stmt)
{
	const char *args[3];

	args[0] = IdmColumnText(desc, row, "environment_id");
	args[1] = IdmColumnText(desc, row, "role_id");
	args[2] = IdmColumnText(desc, row, "permission_id");
	IdmRbacLock(args[0]);
	IdmRbacExec(stmt, args);
}

/* AFTER INSERT OR UPDATE OR DELETE ON idm.role_permissions FOR EACH ROW */
Datum
role_permission_closure(PG_FUNCTION_ARGS)
{
	TriggerData *td = IdmTriggerData(fcinfo, "role_permission_closure", true);
	TupleDesc	desc = RelationGetDescr(td->tg_relation);

	Connect();
	if (!TRIGGER_FIRED_BY_INSERT(td->tg_event))
		ApplyGrant(desc, td->tg_trigtuple, &revoke_stmt);
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		ApplyGrant(desc, td->tg_trigtuple, &grant_stmt);
	else if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		ApplyGrant(desc, td->tg_newtuple, &grant_stmt);
	SPI_finish();
	return PointerGetDatum(NULL);
}

/*
 * AFTER TRUNCATE ON idm.roles, idm.role_permissions FOR EACH STATEMENT: no
 * row triggers fire, so the closures are emptied here; with no roles there
 * are no ancestors, with no grants no effective permissions.
 */
Datum
role_closure_truncate(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("role_closure_truncate must be fired by TRUNCATE")));
	Connect();
	if (strcmp(RelationGetRelationName(td->tg_relation), "roles") == 0)
		SPI_execute("DELETE FROM idm.role_ancestors", false, 0);
	SPI_execute("DELETE FROM idm.role_effective_permissions", false, 0);
	SPI_finish();
	return PointerGetDatum(NULL);
}
