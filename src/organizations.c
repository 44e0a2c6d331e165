/*
 * organizations.c - organization events
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/timestamp.h"

#include "organizations.h"
#include "payload.h"
#include "triggers.h"

PG_FUNCTION_INFO_V1(organization_events);

/* The keys of the spec's organization.* examples, in their order. */
static const char *const org_columns[] = {
	"create_time", "display_name", "external_id", "id", "metadata",
	"region_code", "update_time", "settings", NULL
};

/* The organization object nested in membership, signup and invitation events */
void
IdmJsonOrganization(IdmJson *j, const char *key, TupleDesc desc, HeapTuple row)
{
	IdmJsonBeginObject(j, key);
	IdmJsonColumns(j, desc, row, org_columns);
	IdmJsonEndObject(j);
}

static Jsonb *
OrganizationPayload(TupleDesc desc, HeapTuple row, bool deleted)
{
	IdmJson		j;

	IdmJsonBegin(&j);
	IdmJsonColumns(&j, desc, row, org_columns);
	if (deleted)
		IdmJsonTime(&j, "deleted_at", GetCurrentTimestamp());
	return IdmJsonFinish(&j);
}

static const IdmRowEvents org_events = {
	"organization.created", "organization.updated", "organization.deleted",
	"id", OrganizationPayload
};

/* AFTER INSERT OR UPDATE OR DELETE ON idm.organizations FOR EACH ROW */
Datum
organization_events(PG_FUNCTION_ARGS)
{
	return IdmRowEventTrigger(fcinfo, "organization_events", &org_events);
}
