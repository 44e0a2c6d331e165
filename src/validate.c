/*
 * validate.c - validators of free-form fields used in CHECK constraints
 *
 * Each returns true or raises with the field's name and a reason, so a
 * CHECK constraint fails with a precise message instead of a bare
 * check_violation.  They are IMMUTABLE: same input, same verdict.
 */
#include "postgres.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "names_core.h"

PG_FUNCTION_INFO_V1(check_metadata);
PG_FUNCTION_INFO_V1(check_external_id);
PG_FUNCTION_INFO_V1(check_org_settings);
PG_FUNCTION_INFO_V1(check_length);

static const char *
ValueTypeName(enum jbvType t)
{
	switch (t)
	{
		case jbvNull:
			return "null";
		case jbvString:
			return "string";
		case jbvNumeric:
			return "number";
		case jbvBool:
			return "boolean";
		case jbvArray:
			return "array";
		case jbvObject:
			return "object";
		default:
			return "nested";
	}
}

/* idm.check_metadata(value jsonb, field text): an object whose values are all strings */
Datum
check_metadata(PG_FUNCTION_ARGS)
{
	Jsonb	   *jb = PG_GETARG_JSONB_P(0);
	char	   *field = text_to_cstring(PG_GETARG_TEXT_PP(1));
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;

	if (!JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a JSON object", field),
				 errhint("Use an object of string values, such as '{\"plan\": \"pro\"}'.")));
	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			key = pnstrdup(v.val.string.val, v.val.string.len);
			if (v.val.string.len == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s has an empty key", field)));
		}
		else if (tok == WJB_VALUE && v.type != jbvString)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s value for key \"%s\" must be a string, not %s",
							field, key,
							ValueTypeName(v.type == jbvBinary ?
										  (JsonContainerIsArray(v.val.binary.data) ? jbvArray : jbvObject)
										  : v.type)),
					 errhint("Metadata holds string values only; encode other values as text.")));
	}
	PG_RETURN_BOOL(true);
}

/* idm.check_external_id(value text, field text): 1-255 printable characters, not padded */
Datum
check_external_id(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	char	   *field = text_to_cstring(PG_GETARG_TEXT_PP(1));
	int			len = VARSIZE_ANY_EXHDR(t);
	const char *why = IdmExternalIdProblem(VARDATA_ANY(t), len);

	if (why)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s: \"%s\"", field,
						len > IDM_EXTERNAL_ID_MAXLEN ? "(too long to show)" : text_to_cstring(t)),
				 errdetail("%s", why),
				 errhint("Use NULL for no external id.")));
	PG_RETURN_BOOL(true);
}

/* Checks one {"name": "sso"|"dir_sync", "enabled": bool} entry of settings.features. */
static void
CheckFeature(JsonbContainer *feature, bool *seen)
{
	JsonbValue *name = getKeyJsonValueFromContainer(feature, "name", 4, NULL);
	JsonbValue *enabled = getKeyJsonValueFromContainer(feature, "enabled", 7, NULL);
	int			which;

	if (!JsonContainerIsObject(feature) || JsonContainerSize(feature) != 2 ||
		!name || name->type != jbvString || !enabled || enabled->type != jbvBool)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("settings.features entries must be {\"name\": text, \"enabled\": boolean}")));
	if (name->val.string.len == 3 && strncmp(name->val.string.val, "sso", 3) == 0)
		which = 0;
	else if (name->val.string.len == 8 && strncmp(name->val.string.val, "dir_sync", 8) == 0)
		which = 1;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown organization feature \"%.*s\"",
						name->val.string.len, name->val.string.val),
				 errhint("Features are \"sso\" and \"dir_sync\".")));
	if (seen[which])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("organization feature \"%s\" is listed twice",
						which == 0 ? "sso" : "dir_sync")));
	seen[which] = true;
}

/* idm.check_org_settings(value jsonb): {"features": [...]} as the API shapes it */
Datum
check_org_settings(PG_FUNCTION_ARGS)
{
	Jsonb	   *jb = PG_GETARG_JSONB_P(0);
	JsonbValue *features;
	bool		seen[2] = {false, false};
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (!JB_ROOT_IS_OBJECT(jb) || JB_ROOT_COUNT(jb) != 1 ||
		(features = getKeyJsonValueFromContainer(&jb->root, "features", 8, NULL)) == NULL ||
		features->type != jbvBinary || !JsonContainerIsArray(features->val.binary.data))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("settings must be an object with one key, \"features\", holding an array"),
				 errhint("For example '{\"features\": [{\"name\": \"sso\", \"enabled\": true}]}'.")));
	it = JsonbIteratorInit(features->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		if (v.type != jbvBinary)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("settings.features entries must be {\"name\": text, \"enabled\": boolean}")));
		CheckFeature(v.val.binary.data, seen);
	}
	PG_RETURN_BOOL(true);
}

/* idm.check_length(value text, field text, min int, max int): character length in [min, max] */
Datum
check_length(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	char	   *field = text_to_cstring(PG_GETARG_TEXT_PP(1));
	int32		min = PG_GETARG_INT32(2);
	int32		max = PG_GETARG_INT32(3);
	int			len = pg_mbstrlen_with_len(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));

	if (len < min || len > max)
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_LENGTH_MISMATCH),
				 errmsg("%s must be %d to %d characters long, not %d", field, min, max, len)));
	PG_RETURN_BOOL(true);
}
