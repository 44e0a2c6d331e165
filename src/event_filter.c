/*
 * event_filter.c - switching events off per environment and per type
 *
 * idm.environments.events_enabled turns an environment's events off;
 * idm.environments.disabled_event_types lists types it does not want.  The
 * writer asks before building a payload, so a switched-off event costs one
 * lookup and nothing else.  The answer is cached for the rest of the
 * statement (same transaction and command id), so a statement touching N
 * rows looks once, and a later statement sees a changed switch.
 *
 * A later statement need not probe the primary key again either: the cache
 * remembers which row version it read (its ctid and xmin), and fetches
 * just that version under the new statement's snapshot.  If the snapshot
 * still sees it, it is the environment's row for that snapshot (a row has
 * one visible version, and a version never changes), so the cached switches
 * are what a fresh probe would read; otherwise the probe runs again.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "storage/bufmgr.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "events.h"
#include "util.h"

/* The cached switches of one environment */
static struct
{
	LocalTransactionId lxid;	/* the statement they were last checked for */
	CommandId	cid;
	char		environment_id[NAMEDATALEN * 2];
	bool		found;			/* a row was read: row_tid and row_xmin are set */
	ItemPointerData row_tid;
	TransactionId row_xmin;
	bool		enabled;
	int			ndisabled;
	Oid			disabled[64];	/* enum oids; the catalogue has 37 types */
} cache;

/* Takes the switches from a row of idm.environments. */
static void
ReadSwitches(TupleDesc desc, HeapTuple tuple)
{
	bool		isnull;
	Datum		d;

	cache.found = true;
	cache.row_tid = tuple->t_self;
	cache.row_xmin = HeapTupleHeaderGetRawXmin(tuple->t_data);
	d = heap_getattr(tuple, IdmColumn(desc, "events_enabled"), desc, &isnull);
	cache.enabled = isnull || DatumGetBool(d);
	d = heap_getattr(tuple, IdmColumn(desc, "disabled_event_types"), desc, &isnull);
	if (!isnull)
	{
		ArrayType  *arr = DatumGetArrayTypeP(d);
		Datum	   *elems;
		bool	   *nulls;
		int			n;

		deconstruct_array(arr, ARR_ELEMTYPE(arr), sizeof(Oid), true,
						  TYPALIGN_INT, &elems, &nulls, &n);
		for (int i = 0; i < n && cache.ndisabled < (int) lengthof(cache.disabled); i++)
			if (!nulls[i])
				cache.disabled[cache.ndisabled++] = DatumGetObjectId(elems[i]);
	}
}

/* Reads events_enabled and disabled_event_types of an environment by its primary key. */
static void
LoadSwitches(Relation rel, const char *environment_id)
{
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;

	cache.found = false;
	cache.enabled = true;
	cache.ndisabled = 0;
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_TEXTEQ,
				CStringGetTextDatum(environment_id));
	scan = systable_beginscan(rel, RelationGetPrimaryKeyIndex(rel), true,
							  GetActiveSnapshot(), 1, &key);
	if ((tuple = systable_getnext(scan)) != NULL)
		ReadSwitches(RelationGetDescr(rel), tuple);
	systable_endscan(scan);
}

/* Does the active snapshot still see the row version the cache was read from? */
static bool
SameRowVisible(Relation rel)
{
	HeapTupleData tuple;
	Buffer		buffer;
	bool		same;

	/* vacuum may have truncated the page away (not while we hold our lock) */
	if (ItemPointerGetBlockNumber(&cache.row_tid) >= RelationGetNumberOfBlocks(rel))
		return false;
	tuple.t_self = cache.row_tid;
	if (!heap_fetch(rel, GetActiveSnapshot(), &tuple, &buffer, false))
		return false;
	same = HeapTupleHeaderGetRawXmin(tuple.t_data) == cache.row_xmin;
	ReleaseBuffer(buffer);
	return same;
}

bool
IdmEventEnabled(const char *type, const char *environment_id)
{
	CommandId	cid = GetCurrentCommandId(false);
	Oid			typeoid;

	if (cache.lxid != MyProc->lxid || cache.cid != cid ||
		strncmp(cache.environment_id, environment_id, sizeof(cache.environment_id)) != 0)
	{
		Relation	rel = table_open(IdmRelid("environments"), AccessShareLock);
		bool		same_env = strncmp(cache.environment_id, environment_id,
									   sizeof(cache.environment_id)) == 0;

		/* forget first: an error below must not leave half an answer behind */
		cache.lxid = InvalidLocalTransactionId;
		cache.environment_id[0] = '\0';
		if (!(same_env && cache.found && SameRowVisible(rel)))
			LoadSwitches(rel, environment_id);
		table_close(rel, AccessShareLock);
		cache.lxid = MyProc->lxid;
		cache.cid = cid;
		strlcpy(cache.environment_id, environment_id, sizeof(cache.environment_id));
	}
	if (!cache.enabled)
		return false;
	if (cache.ndisabled == 0)
		return true;
	typeoid = IdmEnumOid("event_type", type);
	for (int i = 0; i < cache.ndisabled; i++)
		if (cache.disabled[i] == typeoid)
			return false;
	return true;
}
