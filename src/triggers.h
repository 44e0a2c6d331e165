/*
 * triggers.h - shared machinery of the row triggers that write events
 */
#ifndef PG_IDM_TRIGGERS_H
#define PG_IDM_TRIGGERS_H

#include "postgres.h"

#include "commands/trigger.h"
#include "utils/jsonb.h"

/* Builds an event's data from a row; deleted is true for the DELETE event */
typedef Jsonb *(*IdmPayloadBuilder) (TupleDesc desc, HeapTuple row, bool deleted);

/* The event types a table's INSERT, UPDATE and DELETE emit (NULL: none) */
typedef struct IdmRowEvents
{
	const char *created;
	const char *updated;
	const char *deleted;
	const char *org_column;		/* column holding organization_id, or NULL */
	IdmPayloadBuilder build;
} IdmRowEvents;

/*
 * Body of an AFTER ROW trigger: emits the event for the operation, with the
 * row's environment_id.  An UPDATE that changed no column emits nothing.
 */
extern Datum IdmRowEventTrigger(FunctionCallInfo fcinfo, const char *funcname,
								const IdmRowEvents *events);

#endif
