/*
 * util.h - small helpers shared by the pg_idm C files
 */
#ifndef PG_IDM_UTIL_H
#define PG_IDM_UTIL_H

#include "postgres.h"

#include "access/htup.h"
#include "access/tupdesc.h"
#include "commands/trigger.h"
#include "utils/timestamp.h"

#include "oids.h"

/* "2024-01-15T10:30:00.123456Z": RFC 3339, UTC, always six fraction digits */
#define IDM_RFC3339_LEN 32
extern void IdmFormatRfc3339(TimestampTz ts, char *buf);

/* Column number by name; errors if the table lacks it (a schema bug) */
extern int	IdmColumn(TupleDesc desc, const char *name);

/* Value of a named column of a trigger tuple as a C string, or NULL */
extern char *IdmColumnText(TupleDesc desc, HeapTuple tuple, const char *name);

/* Does any column other than those named in skip[] differ between the tuples? */
extern bool IdmTupleChanged(TupleDesc desc, HeapTuple oldtup, HeapTuple newtup,
							const char *const *skip);

/* Checks that a function was called as a row-level trigger for the given events */
extern TriggerData *IdmTriggerData(FunctionCallInfo fcinfo, const char *funcname,
								   bool after);

/* Numeric value as decimal text (here because json-c files can't include builtins.h) */
extern char *IdmNumericText(Datum numeric);

#endif
