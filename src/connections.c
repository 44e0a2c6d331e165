/*
 * connections.c - SSO connection events
 *
 * The spec has no "sso_updated": a connection's row events are created,
 * enabled, disabled and deleted.  So this trigger dispatches on the
 * enabled flag rather than going through IdmRowEventTrigger; any other
 * change emits nothing.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "utils/rel.h"

#include "events.h"
#include "payload.h"
#include "util.h"

PG_FUNCTION_INFO_V1(connection_events);

/* The keys of the spec's organization.sso_created / sso_deleted examples */
static const char *const connection_keys[] = {
	"id", "organization_id", "connection_type=type", "provider", NULL
};

/* sso_enabled / sso_disabled add the state */
static const char *const state_keys[] = {"enabled", "status", NULL};

/* Writes one event of type about a connection row. */
static void
EmitConnectionEvent(const char *type, TupleDesc desc, HeapTuple row, bool with_state)
{
	IdmJson		j;

	IdmJsonBegin(&j);
	IdmJsonColumns(&j, desc, row, connection_keys);
	if (with_state)
		IdmJsonColumns(&j, desc, row, state_keys);
	IdmEmitEvent(type, IdmColumnText(desc, row, "environment_id"),
				 IdmColumnText(desc, row, "organization_id"), IdmJsonFinish(&j));
}

static bool
Enabled(TupleDesc desc, HeapTuple row)
{
	bool		isnull;
	Datum		value = heap_getattr(row, IdmColumn(desc, "enabled"), desc, &isnull);

	return !isnull && DatumGetBool(value);
}

/*
 * AFTER INSERT OR UPDATE OR DELETE ON idm.connections FOR EACH ROW.
 * INSERT emits organization.sso_created, and sso_enabled too when the row
 * arrives enabled, so a receiver that follows the events knows the state;
 * an UPDATE emits sso_enabled or sso_disabled when enabled flips, else
 * nothing; DELETE emits organization.sso_deleted.
 */
Datum
connection_events(PG_FUNCTION_ARGS)
{
	TriggerData *td = IdmTriggerData(fcinfo, "connection_events", true);
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	HeapTuple	row = td->tg_trigtuple;

	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
	{
		EmitConnectionEvent("organization.sso_created", desc, row, false);
		if (Enabled(desc, row))
			EmitConnectionEvent("organization.sso_enabled", desc, row, true);
	}
	else if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
		EmitConnectionEvent("organization.sso_deleted", desc, row, false);
	else if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		bool		was = Enabled(desc, row);
		bool		now = Enabled(desc, td->tg_newtuple);

		if (was != now)
			EmitConnectionEvent(now ? "organization.sso_enabled" : "organization.sso_disabled",
								desc, td->tg_newtuple, true);
	}
	return PointerGetDatum(NULL);
}
