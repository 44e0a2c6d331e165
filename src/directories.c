/*
 * directories.c - directory and directory group events, and the validator
 * of free-form attribute objects (raw_attributes, custom_attributes)
 *
 * A directory emits only when it is enabled or disabled: the catalogue has
 * no webhook for its creation, deletion or other changes (last sync time,
 * status).  Group events are plain row events; their DELETE shape carries
 * dp_id where the others carry external_id, as the spec's examples do.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/rel.h"

#include "events.h"
#include "payload.h"
#include "triggers.h"
#include "util.h"

PG_FUNCTION_INFO_V1(check_attributes);
PG_FUNCTION_INFO_V1(directory_events);
PG_FUNCTION_INFO_V1(directory_group_events);

/*
 * Attribute objects are copied into every event of their row, so they are
 * bounded: a SCIM user's payload is a few kB, this leaves room for groups
 * that list their members.
 */
#define ATTRIBUTES_MAXBYTES (256 * 1024)

/* idm.check_attributes(value jsonb, field text): an object with non-empty keys, bounded */
Datum
check_attributes(PG_FUNCTION_ARGS)
{
	Jsonb	   *jb = PG_GETARG_JSONB_P(0);
	char	   *field = text_to_cstring(PG_GETARG_TEXT_PP(1));
	Size		size = VARSIZE(jb) - VARHDRSZ;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (!JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a JSON object", field),
				 errhint("Use '{}' for no attributes.")));
	if (size > ATTRIBUTES_MAXBYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s is too large: %zu bytes", field, size),
				 errdetail("The limit is %d bytes of jsonb, because events copy it.",
						   ATTRIBUTES_MAXBYTES)));
	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		if (tok == WJB_KEY && v.val.string.len == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s has an empty key", field),
					 errhint("Name every attribute.")));
	PG_RETURN_BOOL(true);
}

/* The keys of the organization.directory_enabled / _disabled examples. */
static const char *const directory_columns[] = {
	"directory_type", "enabled", "id", "organization_id",
	"provider=directory_provider", "updated_at", NULL
};

static bool
BoolColumn(TupleDesc desc, HeapTuple row, const char *name)
{
	bool		isnull;
	Datum		value = heap_getattr(row, IdmColumn(desc, name), desc, &isnull);

	return !isnull && DatumGetBool(value);
}

/* AFTER UPDATE ON idm.directories FOR EACH ROW: enabled flipped -> enabled/disabled event */
Datum
directory_events(PG_FUNCTION_ARGS)
{
	TriggerData *td = IdmTriggerData(fcinfo, "directory_events", true);
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	HeapTuple	row = td->tg_newtuple;
	bool		enabled;
	IdmJson		j;

	if (!TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		return PointerGetDatum(NULL);
	enabled = BoolColumn(desc, row, "enabled");
	if (enabled == BoolColumn(desc, td->tg_trigtuple, "enabled"))
		return PointerGetDatum(NULL);

	IdmJsonBegin(&j);
	IdmJsonColumns(&j, desc, row, directory_columns);
	IdmEmitEvent(enabled ? "organization.directory_enabled" : "organization.directory_disabled",
				 IdmColumnText(desc, row, "environment_id"),
				 IdmColumnText(desc, row, "organization_id"), IdmJsonFinish(&j));
	return PointerGetDatum(NULL);
}

/* The keys of the organization.directory.group_created / _updated examples. */
static const char *const group_columns[] = {
	"directory_id", "display_name", "external_id", "id", "organization_id",
	"raw_attributes", NULL
};

/* group_deleted names the provider's id instead of external_id. */
static const char *const group_deleted_columns[] = {
	"directory_id", "display_name", "dp_id", "id", "organization_id",
	"raw_attributes", NULL
};

static Jsonb *
DirectoryGroupPayload(TupleDesc desc, HeapTuple row, bool deleted)
{
	IdmJson		j;

	IdmJsonBegin(&j);
	IdmJsonColumns(&j, desc, row, deleted ? group_deleted_columns : group_columns);
	return IdmJsonFinish(&j);
}

static const IdmRowEvents group_events = {
	"organization.directory.group_created", "organization.directory.group_updated",
	"organization.directory.group_deleted", "organization_id", DirectoryGroupPayload
};

/* AFTER INSERT OR UPDATE OR DELETE ON idm.directory_groups FOR EACH ROW */
Datum
directory_group_events(PG_FUNCTION_ARGS)
{
	return IdmRowEventTrigger(fcinfo, "directory_group_events", &group_events);
}
