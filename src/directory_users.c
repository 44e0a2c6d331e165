/*
 * directory_users.c - events of directory users, of their group memberships
 * and of group -> role assignments
 *
 * A directory user's created/updated event carries "groups" ([{id, name}])
 * and "roles" ([{role_name}]) besides its columns.  Because the payload
 * depends on those tables, a change to them is a change to the user:
 *
 *  - a membership added or removed emits user_updated for its user (unless
 *    the user itself is being deleted: its user_deleted event says it all);
 *  - a role granted to or withdrawn from a group emits user_updated for each
 *    member whose set of roles changed (a member that has the role through
 *    another group is left alone), unless the group itself is being
 *    deleted, in which case the membership deletions speak for it.
 *
 * An UPDATE of a membership or assignment row counts as the removal of the
 * old row and the addition of the new one.
 *
 * The lookups are btree probes made here (see directory_scan.c), not SQL: a first
 * sync fills these tables inside one transaction, before any ANALYZE, and a
 * planner without statistics may pick an index that turns each lookup into
 * a scan of the whole directory, making the sync quadratic.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "nodes/pg_list.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "directory_scan.h"
#include "events.h"
#include "payload.h"
#include "triggers.h"
#include "util.h"

PG_FUNCTION_INFO_V1(directory_user_events);
PG_FUNCTION_INFO_V1(directory_user_group_events);
PG_FUNCTION_INFO_V1(directory_group_role_events);

#define USER_UPDATED "organization.directory.user_updated"

/*
 * The keys of the user_created example plus "picture" and "address", which
 * only the user_updated example shows: both events carry the union, so
 * neither loses a changed attribute.  "groups" and "roles" are added apart.
 */
static const char *const user_columns[] = {
	"active", "address", "cost_center", "custom_attributes", "department",
	"division", "dp_id", "email", "employee_id", "family_name", "given_name",
	"id", "language", "locale", "name", "nickname", "organization",
	"organization_id", "phone_number", "picture", "preferred_username",
	"profile", "raw_attributes", "title", "user_type", "zoneinfo", NULL
};

/* The keys of the user_deleted example. */
static const char *const user_deleted_columns[] = {
	"dp_id", "email", "id", "organization_id", NULL
};

/* The key columns of the indexes probed below, in index order. */
static const char *const by_user[] = {"environment_id", "user_id", NULL};
static const char *const by_group[] = {"environment_id", "group_id", NULL};
static const char *const by_id[] = {"environment_id", "id", NULL};
static const char *const by_group_role[] = {"environment_id", "group_id", "role_name", NULL};

static int
CompareNames(const ListCell *a, const ListCell *b)
{
	return strcmp(lfirst(a), lfirst(b));
}

/* Appends the role names a group grants to list. */
static List *
GroupRoles(DirScan *roles, Datum env, Datum group_id, List *list)
{
	Datum		keys[2] = {env, group_id};

	DirScanRescan(roles, keys);
	while (DirScanNext(roles))
		list = lappend(list, TextDatumGetCString(DirScanValue(roles, "role_name")));
	return list;
}

/* Adds the user's "groups" (by group id) and "roles" (distinct, sorted) to j. */
static void
AddGroupsAndRoles(IdmJson *j, Datum env, Datum user_id)
{
	Snapshot	snap = DirScanSnapshot();
	Datum		keys[2] = {env, user_id};
	DirScan		members,
				groups,
				roles;
	List	   *names = NIL;
	ListCell   *lc;
	const char *prev = NULL;

	DirScanBegin(&members, "directory_user_groups", "directory_user_groups_pkey", snap, by_user);
	DirScanBegin(&groups, "directory_groups", "directory_groups_pkey", snap, by_id);
	DirScanBegin(&roles, "directory_group_roles", "directory_group_roles_pkey", snap, by_group);
	DirScanRescan(&members, keys);
	IdmJsonBeginArray(j, "groups");
	while (DirScanNext(&members))
	{
		Datum		group_id = DirScanValue(&members, "group_id");
		Datum		gkeys[2] = {env, group_id};

		DirScanRescan(&groups, gkeys);
		if (!DirScanNext(&groups))
			continue;			/* deleted by this statement */
		IdmJsonBeginObject(j, NULL);
		IdmJsonDatum(j, "id", group_id, false, TEXTOID);
		IdmJsonDatum(j, "name", DirScanValue(&groups, "display_name"), false, TEXTOID);
		IdmJsonEndObject(j);
		names = GroupRoles(&roles, env, group_id, names);
	}
	IdmJsonEndArray(j);
	DirScanEnd(&roles);
	DirScanEnd(&groups);
	DirScanEnd(&members);
	UnregisterSnapshot(snap);

	list_sort(names, CompareNames);
	IdmJsonBeginArray(j, "roles");
	foreach(lc, names)
	{
		const char *name = lfirst(lc);

		if (prev != NULL && strcmp(prev, name) == 0)
			continue;
		IdmJsonBeginObject(j, NULL);
		IdmJsonString(j, "role_name", name);
		IdmJsonEndObject(j);
		prev = name;
	}
	IdmJsonEndArray(j);
	list_free_deep(names);
}

static Jsonb *
DirectoryUserPayload(TupleDesc desc, HeapTuple row, bool deleted)
{
	IdmJson		j;

	IdmJsonBegin(&j);
	if (deleted)
		IdmJsonColumns(&j, desc, row, user_deleted_columns);
	else
	{
		IdmJsonColumns(&j, desc, row, user_columns);
		AddGroupsAndRoles(&j, DirTupleValue(desc, row, "environment_id"),
						  DirTupleValue(desc, row, "id"));
	}
	return IdmJsonFinish(&j);
}

static const IdmRowEvents user_events = {
	"organization.directory.user_created", USER_UPDATED,
	"organization.directory.user_deleted", "organization_id", DirectoryUserPayload
};

/* AFTER INSERT OR UPDATE OR DELETE ON idm.directory_users FOR EACH ROW */
Datum
directory_user_events(PG_FUNCTION_ARGS)
{
	return IdmRowEventTrigger(fcinfo, "directory_user_events", &user_events);
}

/* Emits user_updated for a directory user, if it (still) exists. */
static void
EmitUserUpdated(DirScan *users, Datum env, Datum user_id)
{
	Datum		keys[2] = {env, user_id};
	HeapTuple	row;
	TupleDesc	desc = RelationGetDescr(users->heap);

	DirScanRescan(users, keys);
	if (!DirScanNext(users))
		return;
	row = ExecCopySlotHeapTuple(users->slot);
	IdmEmitEvent(USER_UPDATED, IdmColumnText(desc, row, "environment_id"),
				 IdmColumnText(desc, row, "organization_id"),
				 DirectoryUserPayload(desc, row, false));
	heap_freetuple(row);
}

/* user_updated for the user of a membership row. */
static void
MembershipChanged(TupleDesc desc, HeapTuple row)
{
	Snapshot	snap = DirScanSnapshot();
	DirScan		users;

	DirScanBegin(&users, "directory_users", "directory_users_pkey", snap, by_id);
	EmitUserUpdated(&users, DirTupleValue(desc, row, "environment_id"),
					DirTupleValue(desc, row, "user_id"));
	DirScanEnd(&users);
	UnregisterSnapshot(snap);
}

static bool
TextEqual(Datum a, Datum b)
{
	return DatumGetBool(DirectFunctionCall2Coll(texteq, C_COLLATION_OID, a, b));
}

/* Does any of the named text columns differ between the two rows? */
static bool
TextColumnsDiffer(TupleDesc desc, HeapTuple a, HeapTuple b, const char *const *names)
{
	for (; *names; names++)
		if (!TextEqual(DirTupleValue(desc, a, *names), DirTupleValue(desc, b, *names)))
			return true;
	return false;
}

/*
 * Body of the triggers of the link tables.  INSERT and DELETE report their
 * row to changed().  An UPDATE that changed one of keys (created_at alone is
 * no change) counts as a removal and an addition: it reports the old row,
 * then the new one unless the columns in same[] are equal in both, as when
 * a membership moves between groups of one user.
 */
static Datum
LinkTrigger(FunctionCallInfo fcinfo, const char *funcname, const char *const *keys,
			const char *const *same, void (*changed) (TupleDesc, HeapTuple))
{
	TriggerData *td = IdmTriggerData(fcinfo, funcname, true);
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	HeapTuple	oldrow = td->tg_trigtuple;
	HeapTuple	newrow = td->tg_newtuple;

	if (TRIGGER_FIRED_BY_INSERT(td->tg_event) || TRIGGER_FIRED_BY_DELETE(td->tg_event))
		changed(desc, oldrow);
	else if (TRIGGER_FIRED_BY_UPDATE(td->tg_event) &&
			 TextColumnsDiffer(desc, oldrow, newrow, keys))
	{
		changed(desc, oldrow);
		if (same == NULL || TextColumnsDiffer(desc, oldrow, newrow, same))
			changed(desc, newrow);
	}
	return PointerGetDatum(NULL);
}

/* What a membership row links, and whose payload it is part of */
static const char *const membership_keys[] = {
	"environment_id", "organization_id", "directory_id", "user_id", "group_id", NULL
};
static const char *const membership_user[] = {"environment_id", "user_id", NULL};

/* AFTER INSERT OR UPDATE OR DELETE ON idm.directory_user_groups FOR EACH ROW */
Datum
directory_user_group_events(PG_FUNCTION_ARGS)
{
	return LinkTrigger(fcinfo, "directory_user_group_events", membership_keys,
					   membership_user, MembershipChanged);
}

/* Does the user get the role through a group other than except_group? */
static bool
HasRoleElsewhere(Snapshot snap, Datum env, Datum user_id, Datum except_group, Datum role)
{
	Datum		keys[2] = {env, user_id};
	DirScan		groups,
				roles;
	bool		found = false;

	DirScanBegin(&groups, "directory_user_groups", "directory_user_groups_pkey", snap, by_user);
	DirScanBegin(&roles, "directory_group_roles", "directory_group_roles_pkey", snap, by_group_role);
	DirScanRescan(&groups, keys);
	while (!found && DirScanNext(&groups))
	{
		Datum		group_id = DirScanValue(&groups, "group_id");
		Datum		rkeys[3] = {env, group_id, role};

		if (TextEqual(group_id, except_group))
			continue;
		DirScanRescan(&roles, rkeys);
		found = DirScanNext(&roles);
	}
	DirScanEnd(&roles);
	DirScanEnd(&groups);
	return found;
}

/* The ids of the group's members (sorted), or NIL if the group is gone. */
static List *
GroupMembers(Snapshot snap, Datum env, Datum group_id)
{
	Datum		keys[2] = {env, group_id};
	DirScan		scan;
	List	   *ids = NIL;

	DirScanBegin(&scan, "directory_groups", "directory_groups_pkey", snap, by_id);
	DirScanRescan(&scan, keys);
	if (!DirScanNext(&scan))
	{
		DirScanEnd(&scan);
		return NIL;
	}
	DirScanEnd(&scan);
	DirScanBegin(&scan, "directory_user_groups", "directory_user_groups_group_idx", snap, by_group);
	DirScanRescan(&scan, keys);
	while (DirScanNext(&scan))
		ids = lappend(ids, DatumGetPointer(datumCopy(DirScanValue(&scan, "user_id"), false, -1)));
	DirScanEnd(&scan);
	return ids;
}

/* user_updated for the members whose roles an assignment row added or removed. */
static void
AssignmentChanged(TupleDesc desc, HeapTuple row)
{
	Datum		env = DirTupleValue(desc, row, "environment_id");
	Datum		group_id = DirTupleValue(desc, row, "group_id");
	Datum		role = DirTupleValue(desc, row, "role_name");
	Snapshot	snap = DirScanSnapshot();
	List	   *members = GroupMembers(snap, env, group_id);
	MemoryContext each = AllocSetContextCreate(CurrentMemoryContext,
											   "directory role events",
											   ALLOCSET_DEFAULT_SIZES);
	DirScan		users;
	ListCell   *lc;

	DirScanBegin(&users, "directory_users", "directory_users_pkey", snap, by_id);
	foreach(lc, members)
	{
		Datum		user_id = PointerGetDatum(lfirst(lc));
		MemoryContext old = MemoryContextSwitchTo(each);

		/* a large group: free each payload before building the next */
		if (!HasRoleElsewhere(snap, env, user_id, group_id, role))
			EmitUserUpdated(&users, env, user_id);
		MemoryContextSwitchTo(old);
		MemoryContextReset(each);
	}
	DirScanEnd(&users);
	MemoryContextDelete(each);
	list_free_deep(members);
	UnregisterSnapshot(snap);
}

/* What an assignment row grants */
static const char *const assignment_keys[] = {
	"environment_id", "organization_id", "directory_id", "group_id", "role_name", NULL
};

/* AFTER INSERT OR UPDATE OR DELETE ON idm.directory_group_roles FOR EACH ROW */
Datum
directory_group_role_events(PG_FUNCTION_ARGS)
{
	return LinkTrigger(fcinfo, "directory_group_role_events", assignment_keys, NULL,
					   AssignmentChanged);
}
