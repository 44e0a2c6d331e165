/*
 * directory_scan.c - btree probes of the directory tables by text keys
 *
 * The directory triggers read memberships, groups and role assignments for
 * every event they write.  They probe named indexes directly rather than
 * through SQL: the access path is then fixed, whatever the statistics say
 * (see directory_users.c), and no query is parsed or planned per row.
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "directory_scan.h"
#include "util.h"

Snapshot
DirScanSnapshot(void)
{
	/* as SPI does for a read-write query: make this command's rows visible */
	CommandCounterIncrement();
	return RegisterSnapshot(GetTransactionSnapshot());
}

static Oid
IdmRelation(const char *name)
{
	Oid			relid = get_relname_relid(name, get_namespace_oid("idm", false));

	if (!OidIsValid(relid))
		elog(ERROR, "pg_idm: relation idm.%s does not exist", name);
	return relid;
}

void
DirScanBegin(DirScan *s, const char *table, const char *index, Snapshot snap,
			 const char *const *keys)
{
	TupleDesc	desc;

	s->heap = table_open(IdmRelation(table), AccessShareLock);
	s->index = index_open(IdmRelation(index), AccessShareLock);
	desc = RelationGetDescr(s->heap);
	for (s->nkeys = 0; keys[s->nkeys]; s->nkeys++)
	{
		int			attno = IdmColumn(desc, keys[s->nkeys]);

		/* the schema and this code must agree on the index's columns */
		if (s->nkeys >= IndexRelationGetNumberOfKeyAttributes(s->index) ||
			s->index->rd_index->indkey.values[s->nkeys] != attno ||
			TupleDescAttr(desc, attno - 1)->atttypid != TEXTOID)
			elog(ERROR, "pg_idm: index idm.%s does not lead with text column \"%s\"",
				 index, keys[s->nkeys]);
	}
	s->scan = index_beginscan(s->heap, s->index, snap, s->nkeys, 0);
	s->slot = table_slot_create(s->heap, NULL);
}

void
DirScanRescan(DirScan *s, const Datum *values)
{
	ScanKeyData keys[INDEX_MAX_KEYS];

	for (int i = 0; i < s->nkeys; i++)
		ScanKeyEntryInitialize(&keys[i], 0, i + 1, BTEqualStrategyNumber, InvalidOid,
							   s->index->rd_indcollation[i], F_TEXTEQ, values[i]);
	index_rescan(s->scan, keys, s->nkeys, NULL, 0);
}

bool
DirScanNext(DirScan *s)
{
	return index_getnext_slot(s->scan, ForwardScanDirection, s->slot);
}

Datum
DirScanValue(DirScan *s, const char *column)
{
	bool		isnull;
	Datum		value = slot_getattr(s->slot, IdmColumn(RelationGetDescr(s->heap), column),
									 &isnull);

	if (isnull)
		elog(ERROR, "pg_idm: column \"%s\" is null", column);
	return value;
}

void
DirScanEnd(DirScan *s)
{
	index_endscan(s->scan);
	ExecDropSingleTupleTableSlot(s->slot);
	index_close(s->index, NoLock);
	table_close(s->heap, NoLock);
}

Datum
DirTupleValue(TupleDesc desc, HeapTuple row, const char *column)
{
	bool		isnull;
	Datum		value = heap_getattr(row, IdmColumn(desc, column), desc, &isnull);

	if (isnull)
		elog(ERROR, "pg_idm: column \"%s\" is null", column);
	return value;
}
