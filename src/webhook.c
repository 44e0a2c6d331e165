/*
 * webhook.c - idm.webhook_body(idm.events): the exact JSON text to POST
 *
 * Rendered with json-c so the envelope keys keep the spec's order
 * (spec_version, id, type, object, occurred_at, environment_id,
 * organization_id, data, display_name), which jsonb cannot keep.  The data
 * object is walked from its binary jsonb form, never re-parsed from text.
 * json-c and utils/builtins.h cannot share a file (both define
 * json_object), so nothing here includes builtins.h.  json-c allocates
 * with malloc: the tree is freed in PG_FINALLY because ereport longjmps.
 */
#include "postgres.h"

#include <json-c/json.h>

#include "access/htup_details.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "utils/jsonb.h"
#include "utils/fmgroids.h"
#include "utils/timestamp.h"

#include "events.h"
#include "lookup.h"
#include "util.h"

PG_FUNCTION_INFO_V1(webhook_body);

static json_object *JsonbToJsonC(JsonbValue *v);

static json_object *
ScalarToJsonC(JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return NULL;		/* json-c's null */
		case jbvString:
			return json_object_new_string_len(v->val.string.val, v->val.string.len);
		case jbvBool:
			return json_object_new_boolean(v->val.boolean);
		case jbvNumeric:
			{
				char	   *s = IdmNumericText(NumericGetDatum(v->val.numeric));

				/* keeps the exact decimal text when serialised */
				return json_object_new_double_s(0.0, s);
			}
		case jbvBinary:
			return JsonbToJsonC(v);
		default:
			elog(ERROR, "pg_idm: unexpected jsonb value type %d", (int) v->type);
	}
	return NULL;
}

/* A key and its converted value, sorted before being added to an object. */
typedef struct KeyValue
{
	char	   *key;
	json_object *value;
} KeyValue;

static int
KeyValueCmp(const void *a, const void *b)
{
	return strcmp(((const KeyValue *) a)->key, ((const KeyValue *) b)->key);
}

/*
 * Converts a jsonb container (object or array) into a json-c tree.  Object
 * keys come out in byte order, as the spec's examples mostly list them
 * (jsonb itself keeps them shortest-first).
 */
static json_object *
JsonbToJsonC(JsonbValue *container)
{
	JsonbIterator *it = JsonbIteratorInit(container->val.binary.data);
	JsonbValue	v;
	JsonbIteratorToken tok;
	json_object *result = NULL;
	KeyValue   *pairs = NULL;
	int			npairs = 0;

	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		switch (tok)
		{
			case WJB_BEGIN_OBJECT:
				result = json_object_new_object();
				pairs = palloc(sizeof(KeyValue) * Max(v.val.object.nPairs, 1));
				break;
			case WJB_BEGIN_ARRAY:
				/* a raw scalar is stored as a one-element pseudo array */
				result = v.val.array.rawScalar ? NULL : json_object_new_array();
				break;
			case WJB_KEY:
				pairs[npairs].key = pnstrdup(v.val.string.val, v.val.string.len);
				break;
			case WJB_VALUE:
				pairs[npairs++].value = ScalarToJsonC(&v);
				break;
			case WJB_ELEM:
				if (result == NULL)
					return ScalarToJsonC(&v);	/* raw scalar */
				json_object_array_add(result, ScalarToJsonC(&v));
				break;
			default:
				break;
		}
	}
	if (pairs)
	{
		qsort(pairs, npairs, sizeof(KeyValue), KeyValueCmp);
		for (int i = 0; i < npairs; i++)
			json_object_object_add(result, pairs[i].key, pairs[i].value);
		pfree(pairs);
	}
	return result;
}

/* The columns of an idm.events row, deformed once per call. */
typedef struct EventRow
{
	Datum		values[EV_NCOLUMNS];
	bool		nulls[EV_NCOLUMNS];
} EventRow;

/*
 * Deforms the row in one pass (GetAttributeByNum per column would look the
 * row type's descriptor up again for each of them).
 */
static void
DeformEvent(HeapTupleHeader th, EventRow *row)
{
	HeapTupleData tuple;
	TupleDesc	desc = IdmCompositeRow(th, &tuple);

	if (desc->natts != EV_NCOLUMNS)
		elog(ERROR, "pg_idm: an idm.events row has %d columns, expected %d",
			 desc->natts, EV_NCOLUMNS);
	heap_deform_tuple(&tuple, desc, row->values, row->nulls);
	ReleaseTupleDesc(desc);
}

static void
AddText(json_object *obj, const char *key, const EventRow *row, int colno)
{
	text	   *t;

	if (row->nulls[colno])
		return;
	t = (text *) PG_DETOAST_DATUM_PACKED(row->values[colno]);
	json_object_object_add(obj, key,
						   json_object_new_string_len(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)));
}

/* enum_out finds the label from the value's oid alone */
static void
AddEnum(json_object *obj, const char *key, const EventRow *row, int colno)
{
	if (row->nulls[colno])
		return;
	json_object_object_add(obj, key,
						   json_object_new_string(OidOutputFunctionCall(F_ENUM_OUT,
																		row->values[colno])));
}

static void
AddTime(json_object *obj, const char *key, const EventRow *row, int colno)
{
	char		buf[IDM_RFC3339_LEN];

	if (row->nulls[colno])
		return;
	IdmFormatRfc3339(DatumGetTimestampTz(row->values[colno]), buf);
	json_object_object_add(obj, key, json_object_new_string(buf));
}

static void
AddData(json_object *obj, const EventRow *row)
{
	Jsonb	   *jb;
	JsonbValue	v;

	if (row->nulls[EV_DATA])
		return;
	jb = DatumGetJsonbP(row->values[EV_DATA]);
	v.type = jbvBinary;
	v.val.binary.data = &jb->root;
	v.val.binary.len = VARSIZE(jb) - VARHDRSZ;
	json_object_object_add(obj, "data", JsonbToJsonC(&v));
}

/* Builds the envelope in the spec's key order. */
static json_object *
BuildEnvelope(HeapTupleHeader th)
{
	json_object *obj = json_object_new_object();
	EventRow	row;

	DeformEvent(th, &row);
	AddText(obj, "spec_version", &row, EV_SPEC_VERSION);
	AddText(obj, "id", &row, EV_ID);
	AddEnum(obj, "type", &row, EV_TYPE);
	AddEnum(obj, "object", &row, EV_OBJECT);
	AddTime(obj, "occurred_at", &row, EV_OCCURRED_AT);
	AddText(obj, "environment_id", &row, EV_ENVIRONMENT_ID);
	AddText(obj, "organization_id", &row, EV_ORGANIZATION_ID);
	AddData(obj, &row);
	AddText(obj, "display_name", &row, EV_DISPLAY_NAME);
	return obj;
}

/* idm.webhook_body(e idm.events) returns text */
Datum
webhook_body(PG_FUNCTION_ARGS)
{
	HeapTupleHeader row = PG_GETARG_HEAPTUPLEHEADER(0);
	json_object *volatile obj = NULL;
	text	   *result = NULL;

	PG_TRY();
	{
		const char *s;
		size_t		len;

		obj = BuildEnvelope(row);
		s = json_object_to_json_string_length(obj,
											  JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
											  &len);
		result = (text *) palloc(VARHDRSZ + len);
		SET_VARSIZE(result, VARHDRSZ + len);
		memcpy(VARDATA(result), s, len);
	}
	PG_FINALLY();
	{
		if (obj)
			json_object_put(obj);
	}
	PG_END_TRY();
	PG_RETURN_TEXT_P(result);
}
