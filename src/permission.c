/*
 * permission.c - permissions: the name grammar, permission types, events,
 * and idm.has_permission, the check an app makes on every request
 *
 * Permission names have the form action:resource.  Grammar (bytes):
 *     name    = segment 1*( ":" segment )        at most 100 bytes
 *     segment = ( a-z / 0-9 ) *( a-z / 0-9 / "_" / "-" )
 * so "read:documents", "data:manage" and "read:org:billing" are names, and
 * "Read:Docs", "read", "read::docs", ":docs", "read:docs:", "read:*" are
 * not.  Names are compared exactly; there are no wildcards.
 *
 * has_permission answers from the closure idm.role_effective_permissions
 * (role_closure.c): the membership (by primary key), its roles, one probe
 * per role into the closure and one into permissions by name.  It runs one
 * statement planned once per backend; SPI keeps row-level security and
 * plan invalidation working, which direct index scans would bypass.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/array.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"

#include "names_core.h"
#include "payload.h"
#include "rbac.h"
#include "triggers.h"
#include "util.h"

PG_FUNCTION_INFO_V1(check_permission_name);
PG_FUNCTION_INFO_V1(permission_types);
PG_FUNCTION_INFO_V1(permission_before);
PG_FUNCTION_INFO_V1(permission_events);
PG_FUNCTION_INFO_V1(has_permission);

void
IdmCheckPermissionName(const char *name, int len, const char *field)
{
	const char *why = IdmPermissionNameProblem(name, len);

	if (why)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid permission %s: \"%s\"", field,
						len > IDM_PERMISSION_NAME_MAXLEN ? "(too long to show)" : pnstrdup(name, len)),
				 errdetail("%s", why),
				 errhint("A permission name is action:resource in lower-case letters, digits, \"_\" and \"-\", such as \"read:documents\".")));
}

/* idm.check_permission_name(value text, field text): the grammar above */
Datum
check_permission_name(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);

	IdmCheckPermissionName(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t),
						   text_to_cstring(PG_GETARG_TEXT_PP(1)));
	PG_RETURN_BOOL(true);
}

/*
 * idm.permission_types(type text): the enum labels a listing filter means.
 * The API documents ALL as the default of GET /permissions?type=, but its
 * enum lists only SCALEKIT and ENVIRONMENT; ALL means both.
 */
Datum
permission_types(PG_FUNCTION_ARGS)
{
	char	   *type = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Oid			typid = IdmTypeOid("permission_type");
	const char *labels[2];
	Datum		elems[2];
	int			n = 0;

	if (strcmp(type, "ALL") == 0 || strcmp(type, "SCALEKIT") == 0)
		labels[n++] = "SCALEKIT";
	if (strcmp(type, "ALL") == 0 || strcmp(type, "ENVIRONMENT") == 0)
		labels[n++] = "ENVIRONMENT";
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown permission type \"%s\"", type),
				 errdetail("Permission types are ALL (both kinds), SCALEKIT and ENVIRONMENT, in upper case."),
				 errhint("Leave the type out to list all permissions.")));
	for (int i = 0; i < n; i++)
		elems[i] = DirectFunctionCall2(enum_in, CStringGetDatum(labels[i]),
									   ObjectIdGetDatum(typid));
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, typid, sizeof(Oid), true,
										  TYPALIGN_INT));
}

/* BEFORE UPDATE ON idm.permissions: role grants and the closure hold the id */
Datum
permission_before(PG_FUNCTION_ARGS)
{
	TriggerData *td = IdmTriggerData(fcinfo, "permission_before", false);
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	static const char *const fixed[] = {"environment_id", "id", NULL};

	for (const char *const *c = fixed; *c; c++)
	{
		char	   *oldval = IdmColumnText(desc, td->tg_trigtuple, *c);

		if (strcmp(oldval, IdmColumnText(desc, td->tg_newtuple, *c)) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("the %s of permission \"%s\" cannot be changed", *c,
							IdmColumnText(desc, td->tg_trigtuple, "name")),
					 errhint("Create a new permission instead; a permission can be renamed.")));
	}
	return PointerGetDatum(td->tg_newtuple);
}

/* The keys of the spec's permission.* examples. */
static const char *const permission_columns[] = {"description", "id", "name", NULL};

/* data of a permission.* event */
static Jsonb *
PermissionPayload(TupleDesc desc, HeapTuple row, bool deleted)
{
	IdmJson		j;

	IdmJsonBegin(&j);
	IdmJsonColumns(&j, desc, row, permission_columns);
	return IdmJsonFinish(&j);
}

static const IdmRowEvents permission_row_events = {
	"permission.created", "permission.updated", "permission.deleted", NULL,
	PermissionPayload
};

/* AFTER INSERT OR UPDATE OR DELETE ON idm.permissions FOR EACH ROW */
Datum
permission_events(PG_FUNCTION_ARGS)
{
	return IdmRowEventTrigger(fcinfo, "permission_events", &permission_row_events);
}

/*
 * The fast path of has_permission: four unique-index probes with
 * systable_beginscan, no executor.  Used only when no row-level security
 * applies to the user on these tables (none is enabled, or the user bypasses
 * it) and the user may read them; otherwise the same question goes through
 * SPI (SlowHasPermission), which enforces both.  Table and index oids come
 * from oids.c, which forgets them when DROP / CREATE EXTENSION changes them;
 * column numbers are looked up per call.
 */
typedef struct Probe
{
	Relation	heap;
	SysScanDesc scan;
} Probe;

/* The tables has_permission reads, and the unique index probed on each. */
enum
{
	T_PERMISSIONS, T_MEMBERSHIPS, T_MEMBERSHIP_ROLES, T_CLOSURE, T_COUNT
};
static const char *const probe_tables[T_COUNT][2] = {
	{"permissions", "permissions_name_key"},
	{"memberships", "memberships_pkey"},
	{"membership_roles", "membership_roles_pkey"},
	{"role_effective_permissions", "role_effective_permissions_pkey"},
};

/* Starts an equality scan of table t on the given columns of its index. */
static void
ProbeBegin(Probe *p, Oid relid, Oid indexid, const char *const *columns,
		   Datum *values, int n)
{
	ScanKeyData keys[3];
	TupleDesc	desc;

	p->heap = table_open(relid, AccessShareLock);
	desc = RelationGetDescr(p->heap);
	for (int i = 0; i < n; i++)
	{
		int			attno = IdmColumn(desc, columns[i]);

		ScanKeyEntryInitialize(&keys[i], 0, attno, BTEqualStrategyNumber, InvalidOid,
							   TupleDescAttr(desc, attno - 1)->attcollation,
							   F_TEXTEQ, values[i]);
	}
	p->scan = systable_beginscan(p->heap, indexid, true, GetActiveSnapshot(), n, keys);
}

/* Ends a probe; the lock on the table stays until the transaction ends. */
static void
ProbeEnd(Probe *p)
{
	systable_endscan(p->scan);
	table_close(p->heap, NoLock);
}

/* A column of a probed row. */
static Datum
ProbeColumn(Probe *p, HeapTuple tuple, const char *column)
{
	bool		isnull;

	return heap_getattr(tuple, IdmColumn(RelationGetDescr(p->heap), column),
						RelationGetDescr(p->heap), &isnull);
}

/*
 * Resolves the tables and indexes; false if the fast path may not be used
 * (row-level security applies, or the user lacks SELECT on a table).
 */
static bool
FastPathOids(Oid *relids, Oid *indexids)
{
	for (int t = 0; t < T_COUNT; t++)
	{
		relids[t] = IdmRelid(probe_tables[t][0]);
		indexids[t] = IdmRelid(probe_tables[t][1]);
		/* RLS_NONE_ENV: enabled on the table, but bypassed by this user */
		if (!OidIsValid(relids[t]) || !OidIsValid(indexids[t]) ||
			check_enable_rls(relids[t], InvalidOid, true) == RLS_ENABLED ||
			pg_class_aclcheck(relids[t], GetUserId(), ACL_SELECT) != ACLCHECK_OK)
			return false;
	}
	return true;
}

/* Does any role of the membership have the permission in the closure? */
static bool
RolesGrant(Oid *relids, Oid *indexids, Datum env, Datum org, Datum user, Datum perm_id)
{
	static const char *const mr_cols[] = {"environment_id", "organization_id", "user_id"};
	static const char *const cl_cols[] = {"environment_id", "role_id", "permission_id"};
	Probe		roles,
				closure;
	HeapTuple	tuple;
	bool		found = false;
	Datum		keys[3] = {env, org, user};

	ProbeBegin(&roles, relids[T_MEMBERSHIP_ROLES], indexids[T_MEMBERSHIP_ROLES], mr_cols, keys, 3);
	while (!found && (tuple = systable_getnext(roles.scan)) != NULL)
	{
		Datum		ckeys[3] = {env, ProbeColumn(&roles, tuple, "role_id"), perm_id};

		ProbeBegin(&closure, relids[T_CLOSURE], indexids[T_CLOSURE], cl_cols, ckeys, 3);
		found = systable_getnext(closure.scan) != NULL;
		ProbeEnd(&closure);
	}
	ProbeEnd(&roles);
	return found;
}

/* has_permission by index probes; *usable is false when SPI must answer. */
static bool
FastHasPermission(Datum env, Datum org, Datum user, Datum perm, bool *usable)
{
	static const char *const p_cols[] = {"environment_id", "name"};
	static const char *const m_cols[] = {"environment_id", "organization_id", "user_id"};
	Oid			relids[T_COUNT],
				indexids[T_COUNT];
	Probe		p;
	HeapTuple	tuple;
	Datum		perm_id = (Datum) 0;
	bool		active = false;
	Datum		pkeys[2] = {env, perm};
	Datum		mkeys[3] = {env, org, user};

	*usable = ActiveSnapshotSet() && FastPathOids(relids, indexids);
	if (!*usable)
		return false;

	ProbeBegin(&p, relids[T_PERMISSIONS], indexids[T_PERMISSIONS], p_cols, pkeys, 2);
	if ((tuple = systable_getnext(p.scan)) != NULL)
		perm_id = PointerGetDatum(PG_DETOAST_DATUM_COPY(ProbeColumn(&p, tuple, "id")));
	ProbeEnd(&p);
	if (perm_id == (Datum) 0)
		return false;

	ProbeBegin(&p, relids[T_MEMBERSHIPS], indexids[T_MEMBERSHIPS], m_cols, mkeys, 3);
	if ((tuple = systable_getnext(p.scan)) != NULL)
	{
		Datum		status = ProbeColumn(&p, tuple, "membership_status");

		active = strcmp(DatumGetCString(DirectFunctionCall1(enum_out, status)), "ACTIVE") == 0;
	}
	ProbeEnd(&p);
	return active && RolesGrant(relids, indexids, env, org, user, perm_id);
}

/*
 * The same question as one statement, planned once per backend: the
 * permission's id first (an InitPlan, one unique-index probe), then the
 * membership and its roles, and one closure probe per role on (role,
 * permission).  Written so, the generic plan cannot start from the closure
 * and filter a role's every permission by name (200 probes for a role
 * that inherits 200 permissions).
 */
static const char *const has_permission_sql =
"SELECT 1"
" FROM idm.memberships m"
" JOIN idm.membership_roles mr ON mr.environment_id = m.environment_id"
"  AND mr.organization_id = m.organization_id AND mr.user_id = m.user_id"
" JOIN idm.role_effective_permissions e ON e.environment_id = mr.environment_id"
"  AND e.role_id = mr.role_id"
" WHERE m.environment_id = $1 AND m.organization_id = $2 AND m.user_id = $3"
"  AND m.membership_status = 'ACTIVE'"
"  AND mr.environment_id = $1 AND e.environment_id = $1"
"  AND e.permission_id = (SELECT p.id FROM idm.permissions p"
"                         WHERE p.environment_id = $1 AND p.name = $4)"
" LIMIT 1";

static SPIPlanPtr has_permission_plan = NULL;

/* has_permission as a planned statement, under the caller's RLS and privileges. */
static bool
SlowHasPermission(Datum *values)
{
	bool		found;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pg_idm: SPI_connect failed");
	if (has_permission_plan == NULL)
	{
		Oid			types[4] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID};
		SPIPlanPtr	plan = SPI_prepare(has_permission_sql, 4, types);

		if (plan == NULL)
			elog(ERROR, "pg_idm: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
		has_permission_plan = plan;
	}
	if (SPI_execute_plan(has_permission_plan, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "pg_idm: has_permission query failed");
	found = SPI_processed > 0;
	SPI_finish();
	return found;
}

/* The environment argument, else the setting idm.environment_id, else an error. */
static text *
EnvironmentArg(FunctionCallInfo fcinfo, int argno)
{
	const char *env;

	if (!PG_ARGISNULL(argno))
		return PG_GETARG_TEXT_PP(argno);
	env = GetConfigOption("idm.environment_id", true, false);
	if (env == NULL || env[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no environment given"),
				 errhint("Pass environment_id, or SET idm.environment_id = 'env_...'.")));
	return cstring_to_text(env);
}

/*
 * idm.has_permission(user_id, organization_id, permission [, environment_id]).
 * False, never NULL, when an argument is NULL: `IF NOT has_permission(...)`
 * must not let a NULL through.  A malformed permission name raises, since
 * no role can ever grant it and the caller has a typo.
 */
Datum
has_permission(PG_FUNCTION_ARGS)
{
	Datum		values[4];
	text	   *perm;
	bool		usable;
	bool		found;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_BOOL(false);
	perm = PG_GETARG_TEXT_PP(2);
	IdmCheckPermissionName(VARDATA_ANY(perm), VARSIZE_ANY_EXHDR(perm), "name");
	values[0] = PointerGetDatum(EnvironmentArg(fcinfo, 3));
	values[1] = PointerGetDatum(PG_GETARG_TEXT_PP(1));
	values[2] = PointerGetDatum(PG_GETARG_TEXT_PP(0));
	values[3] = PointerGetDatum(perm);

	found = FastHasPermission(values[0], values[1], values[2], values[3], &usable);
	if (!usable)
		found = SlowHasPermission(values);
	PG_RETURN_BOOL(found);
}
