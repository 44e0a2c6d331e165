/*
 * lookup.c - reading rows of idm tables by an index key, from C
 *
 * Event payloads nest related rows (a membership event carries the
 * organization and the user with its external identities).  They are read
 * with a plain index scan rather than SPI: no parsing, planning or
 * executor start-up per row changed, and no dependence on the caller's
 * search_path, privileges or row-level security.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/typcache.h"

#include "lookup.h"
#include "oids.h"

#define LOOKUP_MAX_KEYS 4

int
IdmLookup(const char *table, const char *index, int nkeys,
		  const char *const *keys, IdmRowFn fn, void *arg)
{
	Relation	rel;
	Relation	idx;
	ScanKeyData skey[LOOKUP_MAX_KEYS];
	Snapshot	snapshot;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	int			found = 0;

	if (nkeys < 1 || nkeys > LOOKUP_MAX_KEYS)
		elog(ERROR, "pg_idm: a lookup takes 1 to %d keys, not %d", LOOKUP_MAX_KEYS, nkeys);
	rel = table_open(IdmRelid(table), AccessShareLock);
	idx = index_open(IdmRelid(index), AccessShareLock);
	if (idx->rd_index->indrelid != RelationGetRelid(rel) ||
		idx->rd_index->indnkeyatts < nkeys)
		elog(ERROR, "pg_idm: index idm.%s does not fit a lookup of idm.%s", index, table);
	for (int i = 0; i < nkeys; i++)
	{
		if (TupleDescAttr(RelationGetDescr(idx), i)->atttypid != TEXTOID)
			elog(ERROR, "pg_idm: column %d of index idm.%s is not text", i + 1, index);
		ScanKeyEntryInitialize(&skey[i], 0, i + 1, BTEqualStrategyNumber,
							   InvalidOid, idx->rd_indcollation[i], F_TEXTEQ,
							   CStringGetTextDatum(keys[i]));
	}

	/* what SPI does before each query: make this statement's changes visible */
	CommandCounterIncrement();
	snapshot = RegisterSnapshot(GetTransactionSnapshot());

	scan = index_beginscan(rel, idx, snapshot, nkeys, 0);
	index_rescan(scan, skey, nkeys, NULL, 0);
	slot = table_slot_create(rel, NULL);
	while (index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		bool		should_free;
		HeapTuple	tuple = ExecFetchSlotHeapTuple(slot, false, &should_free);

		fn(RelationGetDescr(rel), tuple, arg);
		if (should_free)
			heap_freetuple(tuple);
		found++;
	}
	ExecDropSingleTupleTableSlot(slot);
	index_endscan(scan);
	UnregisterSnapshot(snapshot);
	index_close(idx, AccessShareLock);
	table_close(rel, AccessShareLock);
	return found;
}

TupleDesc
IdmCompositeRow(HeapTupleHeader th, HeapTupleData *tuple)
{
	tuple->t_len = HeapTupleHeaderGetDatumLength(th);
	ItemPointerSetInvalid(&tuple->t_self);
	tuple->t_tableOid = InvalidOid;
	tuple->t_data = th;
	return lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(th), HeapTupleHeaderGetTypMod(th));
}
