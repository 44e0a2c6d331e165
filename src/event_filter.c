/*
 * event_filter.c - switching events off per environment and per type
 *
 * idm.environments.events_enabled turns an environment's events off;
 * idm.environments.disabled_event_types lists types it does not want.  The
 * writer asks before building a payload, so a switched-off event costs one
 * primary-key probe and nothing else.  The answer is cached for the rest of
 * the statement (same transaction and command id), so a statement touching
 * N rows probes once, and a later statement sees a changed switch.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "events.h"
#include "util.h"

/* The cached switches of one environment for one statement */
static struct
{
	LocalTransactionId lxid;
	CommandId	cid;
	char		environment_id[NAMEDATALEN * 2];
	bool		enabled;
	int			ndisabled;
	Oid			disabled[64];	/* enum oids; the catalogue has 37 types */
} cache;

/* Reads events_enabled and disabled_event_types of an environment. */
static void
LoadSwitches(const char *environment_id)
{
	Oid			nsp = get_namespace_oid("idm", false);
	Relation	rel = table_open(get_relname_relid("environments", nsp), AccessShareLock);
	Oid			pkey = RelationGetPrimaryKeyIndex(rel);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;

	cache.enabled = true;
	cache.ndisabled = 0;
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_TEXTEQ,
				CStringGetTextDatum(environment_id));
	scan = systable_beginscan(rel, pkey, true, GetActiveSnapshot(), 1, &key);
	if ((tuple = systable_getnext(scan)) != NULL)
	{
		TupleDesc	desc = RelationGetDescr(rel);
		bool		isnull;
		Datum		d;

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
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
}

bool
IdmEventEnabled(const char *type, const char *environment_id)
{
	CommandId	cid = GetCurrentCommandId(false);
	Oid			typeoid;

	if (cache.lxid != MyProc->lxid || cache.cid != cid ||
		strncmp(cache.environment_id, environment_id, sizeof(cache.environment_id)) != 0)
	{
		LoadSwitches(environment_id);
		cache.lxid = MyProc->lxid;
		cache.cid = cid;
		strlcpy(cache.environment_id, environment_id, sizeof(cache.environment_id));
	}
	if (!cache.enabled)
		return false;
	if (cache.ndisabled == 0)
		return true;
	typeoid = DatumGetObjectId(DirectFunctionCall2(enum_in, CStringGetDatum(type),
												   ObjectIdGetDatum(IdmTypeOid("event_type"))));
	for (int i = 0; i < cache.ndisabled; i++)
		if (cache.disabled[i] == typeoid)
			return false;
	return true;
}
