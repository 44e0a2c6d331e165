/*
 * events.c - the event catalogue and the writer of idm.events rows
 *
 * Rows are written with heap_insert and index_insert directly, the way
 * catalog rows are (CatalogTupleInsert), rather than through SPI and the
 * executor: an event is written for every changed row, so this is a hot
 * path.  idm.events has no triggers, rules or expression indexes of its own;
 * an index with expressions or a predicate is refused with a clear error.
 *
 * Rows go to the current child table of idm.events (idm.event_tables says
 * which; see 05_events.sql for why it is read once per transaction, after
 * the xid is assigned, with a fresh snapshot).  The first event of a
 * transaction for an environment queues a NOTIFY on channel idm_events
 * with the environment id as payload, delivered at commit, so consumers can
 * LISTEN instead of polling; setting idm.event_notify = off skips it (a
 * transaction that notified cannot PREPARE TRANSACTION).
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "commands/async.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "nodes/execnodes.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/xid8.h"

#include "events.h"
#include "ids.h"
#include "oids.h"
#include "util.h"

/* The 36 webhooks of the spec plus connected_account.status_updated. */
static const IdmEventType catalogue[] = {
	{"organization.created", "Organization", true, "Organization Created"},
	{"organization.updated", "Organization", true, "Organization Updated"},
	{"organization.deleted", "Organization", true, "Organization Deleted"},
	{"user.signup", "OrgMembership", true, "User Signup"},
	{"user.login", "User", true, "User Login"},
	{"user.logout", "User", true, "User Logout"},
	{"user.organization_invitation", "OrgMembership", true, "User Organization Invitation"},
	{"user.organization_membership_created", "OrgMembership", true, "User Organization Membership Created"},
	{"user.organization_membership_deleted", "OrgMembership", true, "User Organization Membership Deleted"},
	{"user.organization_membership_updated", "OrgMembership", true, "User Organization Membership Updated"},
	{"organization.directory_enabled", "Directory", true, "Directory Enabled"},
	{"organization.directory_disabled", "Directory", true, "Directory Disabled"},
	{"organization.directory.user_created", "DirectoryUser", true, "Directory User Created"},
	{"organization.directory.user_updated", "DirectoryUser", true, "Directory User Updated"},
	{"organization.directory.user_deleted", "DirectoryUser", true, "Directory User Deleted"},
	{"organization.directory.group_created", "DirectoryGroup", true, "Directory Group Created"},
	{"organization.directory.group_updated", "DirectoryGroup", true, "Directory Group Updated"},
	{"organization.directory.group_deleted", "DirectoryGroup", true, "Directory Group Deleted"},
	{"organization.sso_created", "Connection", true, "SSO Connection Created"},
	{"organization.sso_enabled", "Connection", true, "SSO Connection Enabled"},
	{"organization.sso_disabled", "Connection", true, "SSO Connection Disabled"},
	{"organization.sso_deleted", "Connection", true, "SSO Connection Deleted"},
	{"role.created", "Role", false, "Role Created"},
	{"role.updated", "Role", false, "Role Updated"},
	{"role.deleted", "Role", false, "Role Deleted"},
	{"permission.created", "Permission", false, "Permission Created"},
	{"permission.updated", "Permission", false, "Permission Updated"},
	{"permission.deleted", "Permission", false, "Permission Deleted"},
	{"connected_account.created", "ConnectedAccount", false, "Connected Account Created"},
	{"connected_account.updated", "ConnectedAccount", false, "Connected account updated"},
	{"connected_account.deleted", "ConnectedAccount", false, "connected account deleted"},
	{"connected_account.magic_link_generated", "ConnectedAccount", false, "Connected Account Magic Link Generated"},
	{"connected_account.oauth_tokens_fetched", "ConnectedAccount", false, "Connected Account OAuth Tokens Fetched"},
	{"connected_account.token_refresh_succeeded", "ConnectedAccount", false, "Connected Account Token Refresh Succeeded"},
	{"connected_account.token_refresh_failed", "ConnectedAccount", false, "Connected Account Token Refresh Failed"},
	{"connected_account.oauth_succeeded", "ConnectedAccount", false, "Connected Account OAuth Succeeded"},
	{"connected_account.status_updated", "ConnectedAccount", false, "Connected Account Status Updated"},
};

static const char *const event_columns[EV_NCOLUMNS] = {
	"id", "type", "object", "occurred_at", "environment_id",
	"organization_id", "data", "display_name", "spec_version", "xid"
};

const IdmEventType *
IdmEventTypeLookup(const char *type)
{
	for (size_t i = 0; i < lengthof(catalogue); i++)
		if (strcmp(catalogue[i].type, type) == 0)
			return &catalogue[i];
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown event type \"%s\"", type),
			 errhint("See the enum idm.event_type for the event types.")));
	return NULL;				/* keep compiler quiet */
}

/* Enum oids of each catalogue entry's type and object, looked up once */
static Oid	type_oids[lengthof(catalogue)];
static Oid	object_oids[lengthof(catalogue)];
static uint64 catalogue_generation = 0;

/* The event_type and event_object enum values of a catalogue entry. */
static void
CatalogueEnums(const IdmEventType *et, Datum *type, Datum *object)
{
	int			i = et - catalogue;
	uint64		generation = IdmTypesGeneration();

	if (generation != catalogue_generation)
	{
		/* set first: a change seen during the lookups below forces another */
		catalogue_generation = generation;
		memset(type_oids, 0, sizeof(type_oids));
		memset(object_oids, 0, sizeof(object_oids));
	}
	if (!OidIsValid(type_oids[i]) || !OidIsValid(object_oids[i]))
	{
		type_oids[i] = IdmEnumOid("event_type", et->type);
		object_oids[i] = IdmEnumOid("event_object", et->object);
	}
	*type = ObjectIdGetDatum(type_oids[i]);
	*object = ObjectIdGetDatum(object_oids[i]);
}

/* Refuses table shapes this writer cannot maintain. */
static void
CheckEventsRelation(Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);

	if (rel->trigdesc != NULL || rel->rd_rules != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("triggers and rules on idm.events are not supported"),
				 errhint("Consume events through idm.next_batch() instead.")));
	if (desc->natts != EV_NCOLUMNS)
		elog(ERROR, "pg_idm: idm.events has %d columns, expected %d",
			 desc->natts, EV_NCOLUMNS);
	for (int i = 0; i < EV_NCOLUMNS; i++)
		if (strcmp(NameStr(TupleDescAttr(desc, i)->attname), event_columns[i]) != 0)
			elog(ERROR, "pg_idm: idm.events column %d is not \"%s\"", i + 1,
				 event_columns[i]);
}

/*
 * What the writer knows about the child table it writes to: its indexes
 * with their IndexInfo, built once rather than per event, and that the
 * table passed CheckEventsRelation.  Forgotten on a relcache invalidation
 * of the table, which CREATE / DROP INDEX, CREATE TRIGGER, ALTER TABLE
 * and DROP all send.
 */
#define EV_MAX_INDEXES 8
static struct
{
	Oid			relid;			/* InvalidOid: nothing known */
	int			nindexes;
	Oid			indexoids[EV_MAX_INDEXES];
	IndexInfo  *info[EV_MAX_INDEXES];
	MemoryContext cxt;
}			target;

/* Fills target for rel, which CheckEventsRelation accepted. */
static void
LoadTarget(Relation rel)
{
	List	   *indexoids = RelationGetIndexList(rel);
	MemoryContext old;
	ListCell   *lc;

	if (list_length(indexoids) > EV_MAX_INDEXES)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("a table of idm.events has more than %d indexes", EV_MAX_INDEXES),
				 errhint("Drop the indexes you added to \"%s\".", RelationGetRelationName(rel))));
	target.relid = InvalidOid;
	if (target.cxt == NULL)
		target.cxt = AllocSetContextCreate(CacheMemoryContext, "pg_idm events target",
										   ALLOCSET_SMALL_SIZES);
	MemoryContextReset(target.cxt);
	old = MemoryContextSwitchTo(target.cxt);
	target.nindexes = 0;
	foreach(lc, indexoids)
	{
		Relation	idx = index_open(lfirst_oid(lc), RowExclusiveLock);
		IndexInfo  *info = BuildIndexInfo(idx);

		if (info->ii_Expressions != NIL || info->ii_Predicate != NIL)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("index \"%s\" on idm.events has expressions or a predicate",
							RelationGetRelationName(idx)),
					 errhint("Index plain columns of idm.events only.")));
		target.indexoids[target.nindexes] = lfirst_oid(lc);
		target.info[target.nindexes++] = info;
		index_close(idx, NoLock);
	}
	MemoryContextSwitchTo(old);
	list_free(indexoids);
	target.relid = RelationGetRelid(rel);
}

/*
 * Inserts the row into every index of the table, as CatalogIndexInsert
 * does; the keys are the row's own values (the indexes have plain columns
 * only), as the executor too takes them before the row is toasted.
 */
static void
InsertIndexEntries(Relation rel, HeapTuple tuple, Datum *values, bool *nulls)
{
	for (int i = 0; i < target.nindexes; i++)
	{
		Relation	idx = index_open(target.indexoids[i], RowExclusiveLock);
		IndexInfo  *info = target.info[i];
		Datum		keys[INDEX_MAX_KEYS];
		bool		isnull[INDEX_MAX_KEYS];

		for (int k = 0; k < info->ii_NumIndexAttrs; k++)
		{
			AttrNumber	attno = info->ii_IndexAttrNumbers[k];

			keys[k] = values[attno - 1];
			isnull[k] = nulls[attno - 1];
		}
		index_insert(idx, keys, isnull, &tuple->t_self, rel,
					 idx->rd_index->indisunique ? UNIQUE_CHECK_YES : UNIQUE_CHECK_NO,
					 false, info);
		index_close(idx, RowExclusiveLock);
	}
}

/* Reads idm.event_tables with a fresh snapshot: the name of the current child. */
static char *
ReadCurrentChild(void)
{
	Relation	rel = table_open(IdmRelid("event_tables"), AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	int			state_att = IdmColumn(desc, "state");
	int			name_att = IdmColumn(desc, "table_name");
	Snapshot	snapshot = RegisterSnapshot(GetLatestSnapshot());
	TableScanDesc scan = table_beginscan(rel, snapshot, 0, NULL);
	HeapTuple	tuple;
	char	   *name = NULL;

	while ((tuple = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		bool		isnull;
		Datum		state = heap_getattr(tuple, state_att, desc, &isnull);

		if (!isnull && strcmp(TextDatumGetCString(state), "current") == 0)
			name = pstrdup(NameStr(*DatumGetName(heap_getattr(tuple, name_att, desc, &isnull))));
	}
	table_endscan(scan);
	UnregisterSnapshot(snapshot);
	table_close(rel, AccessShareLock);
	if (name == NULL)
		elog(ERROR, "pg_idm: idm.event_tables has no current table");
	return name;
}

/* This transaction's child table; see CurrentEventsChild */
static FullTransactionId cached_xid = {0};
static Oid	cached_relid = InvalidOid;

/* Relcache callback: forgets the cached child if it is dropped or changed. */
static void
ForgetEventsChild(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == cached_relid)
		cached_relid = InvalidOid;
	if (relid == InvalidOid || relid == target.relid)
		target.relid = InvalidOid;
}

/*
 * The child table that receives this transaction's events.  Looked up once
 * per transaction: fxid must already be assigned, so that a rotation this
 * lookup does not see committed after fxid started.
 */
static Oid
CurrentEventsChild(FullTransactionId fxid)
{
	static bool callback_registered = false;

	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(ForgetEventsChild, (Datum) 0);
		callback_registered = true;
	}
	if (!OidIsValid(cached_relid) || !FullTransactionIdEquals(cached_xid, fxid))
	{
		cached_relid = IdmRelid(ReadCurrentChild());
		cached_xid = fxid;
	}
	return cached_relid;
}

/* Is idm.event_notify on (the default)? */
static bool
NotifyEnabled(void)
{
	const char *value = GetConfigOption("idm.event_notify", true, false);
	bool		on = true;

	if (value != NULL && value[0] != '\0' && !parse_bool(value, &on))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for idm.event_notify: \"%s\"", value),
				 errhint("Use on or off.")));
	return on;
}

/*
 * Queues NOTIFY idm_events with the environment id, once per transaction,
 * subtransaction and environment: Async_Notify drops what a rolled-back
 * savepoint queued, and merges duplicates when a savepoint is released.
 */
static void
NotifyConsumers(FullTransactionId fxid, const char *environment_id)
{
	static FullTransactionId done_xid = {0};
	static SubTransactionId done_subxid = InvalidSubTransactionId;
	static char done_env[NAMEDATALEN] = "";
	SubTransactionId subxid = GetCurrentSubTransactionId();

	if (FullTransactionIdEquals(done_xid, fxid) && done_subxid == subxid &&
		strcmp(done_env, environment_id) == 0)
		return;
	if (NotifyEnabled())
		Async_Notify(IDM_EVENTS_CHANNEL, environment_id);
	done_xid = fxid;
	done_subxid = subxid;
	if (strlcpy(done_env, environment_id, sizeof(done_env)) >= sizeof(done_env))
		done_env[0] = '\0';	/* too long to remember: notify every time */
}

void
IdmEmitEvent(const char *type, const char *environment_id,
			 const char *organization_id, Jsonb *data)
{
	const IdmEventType *et = IdmEventTypeLookup(type);
	char		id[IDM_ID_MAXLEN + 1];
	Datum		values[EV_NCOLUMNS];
	bool		nulls[EV_NCOLUMNS] = {false};
	FullTransactionId fxid = GetTopFullTransactionId();
	Relation	rel;
	HeapTuple	tuple;

	if (!IdmEventEnabled(type, environment_id))
		return;
	IdmNewId("evt", id);
	values[EV_ID] = CStringGetTextDatum(id);
	CatalogueEnums(et, &values[EV_TYPE], &values[EV_OBJECT]);
	values[EV_OCCURRED_AT] = TimestampTzGetDatum(GetCurrentTimestamp());
	values[EV_ENVIRONMENT_ID] = CStringGetTextDatum(environment_id);
	nulls[EV_ORGANIZATION_ID] = !(et->has_org && organization_id);
	if (!nulls[EV_ORGANIZATION_ID])
		values[EV_ORGANIZATION_ID] = CStringGetTextDatum(organization_id);
	values[EV_DATA] = JsonbPGetDatum(data);
	values[EV_DISPLAY_NAME] = CStringGetTextDatum(et->display_name);
	values[EV_SPEC_VERSION] = CStringGetTextDatum("1");
	/* the top-level xid, never a subtransaction's: consumers batch by it */
	values[EV_XID] = FullTransactionIdGetDatum(fxid);

	rel = table_open(CurrentEventsChild(fxid), RowExclusiveLock);
	if (target.relid != RelationGetRelid(rel))
	{
		CheckEventsRelation(rel);
		LoadTarget(rel);
	}
	tuple = heap_form_tuple(RelationGetDescr(rel), values, nulls);
	simple_heap_insert(rel, tuple);
	InsertIndexEntries(rel, tuple, values, nulls);
	heap_freetuple(tuple);
	table_close(rel, NoLock);
	NotifyConsumers(fxid, environment_id);
}
