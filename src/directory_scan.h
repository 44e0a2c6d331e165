/*
 * directory_scan.h - btree probes of the directory tables by text keys
 */
#ifndef PG_IDM_DIRECTORY_SCAN_H
#define PG_IDM_DIRECTORY_SCAN_H

#include "postgres.h"

#include "access/genam.h"
#include "access/htup.h"
#include "access/tupdesc.h"
#include "executor/tuptable.h"
#include "utils/relcache.h"
#include "utils/snapshot.h"

typedef struct DirScan
{
	Relation	heap;
	Relation	index;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	int			nkeys;
} DirScan;

/* A registered snapshot that sees the current statement's own changes */
extern Snapshot DirScanSnapshot(void);

/*
 * Opens a scan of idm.<table> through idm.<index>, whose leading columns
 * must be the text columns named in keys (NULL-terminated).
 */
extern void DirScanBegin(DirScan *s, const char *table, const char *index,
						 Snapshot snap, const char *const *keys);

/* (Re)starts the scan at rows equal to values, one per key column */
extern void DirScanRescan(DirScan *s, const Datum *values);
extern bool DirScanNext(DirScan *s);

/* A non-null column of the current row; valid until the next DirScanNext */
extern Datum DirScanValue(DirScan *s, const char *column);
extern void DirScanEnd(DirScan *s);

/* A non-null column of a tuple */
extern Datum DirTupleValue(TupleDesc desc, HeapTuple row, const char *column);

#endif
