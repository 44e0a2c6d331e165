/*
 * triggers.c - row triggers shared by all tables: timestamps and events
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/rel.h"

#include "events.h"
#include "triggers.h"
#include "util.h"

PG_FUNCTION_INFO_V1(stamp_times);

/*
 * idm.stamp_times(create_column, update_column): BEFORE INSERT OR UPDATE.
 * On INSERT both columns get now(); on UPDATE the create column keeps its
 * old value and the update column gets now() only if another column
 * changed, so a no-op UPDATE stays a no-op (and emits no event).
 */
Datum
stamp_times(PG_FUNCTION_ARGS)
{
	TriggerData *td = IdmTriggerData(fcinfo, "stamp_times", false);
	Trigger    *tg = td->tg_trigger;
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	int			cols[2];
	Datum		values[2];
	bool		nulls[2] = {false, false};
	HeapTuple	newtup;
	const char *skip[3];

	if (tg->tgnargs != 2)
		elog(ERROR, "stamp_times needs two arguments: create and update column");
	cols[0] = IdmColumn(desc, tg->tgargs[0]);
	cols[1] = IdmColumn(desc, tg->tgargs[1]);
	values[0] = values[1] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());

	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		return PointerGetDatum(heap_modify_tuple_by_cols(td->tg_trigtuple, desc, 2,
														 cols, values, nulls));
	if (!TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		return PointerGetDatum(td->tg_trigtuple);

	skip[0] = tg->tgargs[0];
	skip[1] = tg->tgargs[1];
	skip[2] = NULL;
	newtup = td->tg_newtuple;
	values[0] = heap_getattr(td->tg_trigtuple, cols[0], desc, &nulls[0]);
	if (!IdmTupleChanged(desc, td->tg_trigtuple, newtup, skip))
		values[1] = heap_getattr(td->tg_trigtuple, cols[1], desc, &nulls[1]);
	return PointerGetDatum(heap_modify_tuple_by_cols(newtup, desc, 2, cols,
													 values, nulls));
}

static char *
OrgOf(const IdmRowEvents *events, TupleDesc desc, HeapTuple row)
{
	return events->org_column ? IdmColumnText(desc, row, events->org_column) : NULL;
}

Datum
IdmRowEventTrigger(FunctionCallInfo fcinfo, const char *funcname,
				   const IdmRowEvents *events)
{
	TriggerData *td = IdmTriggerData(fcinfo, funcname, true);
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	HeapTuple	row = td->tg_trigtuple;
	const char *type;
	bool		deleted = false;

	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		type = events->created;
	else if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
	{
		type = events->deleted;
		deleted = true;
	}
	else if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		type = events->updated;
		row = td->tg_newtuple;
		if (!IdmTupleChanged(desc, td->tg_trigtuple, row, NULL))
			type = NULL;
	}
	else
		type = NULL;

	if (type != NULL)
	{
		char	   *env = IdmColumnText(desc, row, "environment_id");

		/* ask first: a switched-off event costs no payload */
		if (IdmEventEnabled(type, env))
			IdmEmitEvent(type, env, OrgOf(events, desc, row),
						 events->build(desc, row, deleted));
	}
	return PointerGetDatum(NULL);
}
