/*
 * lookup.h - reading rows of idm tables by an index key, from C
 */
#ifndef PG_IDM_LOOKUP_H
#define PG_IDM_LOOKUP_H

#include "postgres.h"

#include "access/htup.h"
#include "access/tupdesc.h"

/* Called for each row found; row is valid only during the call */
typedef void (*IdmRowFn) (TupleDesc desc, HeapTuple row, void *arg);

/*
 * Calls fn for every row of idm.<table> whose leading text columns of index
 * idm.<index> equal keys[0..nkeys-1], in index order, and returns how many
 * there were.  Sees everything the transaction has done so far, including
 * the current statement (like a query run from a trigger through SPI), but
 * bypasses privileges and row-level security: it serves event payloads,
 * which must be complete whoever made the change.
 */
extern int	IdmLookup(const char *table, const char *index, int nkeys,
					  const char *const *keys, IdmRowFn fn, void *arg);

/*
 * A composite argument (a table row passed to a function) as a heap tuple
 * in *tuple; returns its descriptor, to be released with ReleaseTupleDesc.
 */
extern TupleDesc IdmCompositeRow(HeapTupleHeader th, HeapTupleData *tuple);

#endif
