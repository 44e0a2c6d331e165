/*
 * payload.c - building jsonb event payloads from C values and table rows
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

#include "payload.h"
#include "util.h"

void
IdmJsonBegin(IdmJson *j)
{
	j->state = NULL;
	j->result = pushJsonbValue(&j->state, WJB_BEGIN_OBJECT, NULL);
}

Jsonb *
IdmJsonFinish(IdmJson *j)
{
	j->result = pushJsonbValue(&j->state, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(j->result);
}

/* Pushes a key (inside an object) or nothing (inside an array). */
static JsonbIteratorToken
Key(IdmJson *j, const char *key)
{
	JsonbValue	k;

	if (key == NULL)
		return WJB_ELEM;
	/* pushJsonbValue keeps pointers: copy, the caller's buffer may be reused */
	k.type = jbvString;
	k.val.string.val = pstrdup(key);
	k.val.string.len = strlen(key);
	pushJsonbValue(&j->state, WJB_KEY, &k);
	return WJB_VALUE;
}

static void
Scalar(IdmJson *j, const char *key, JsonbValue *v)
{
	JsonbIteratorToken tok = Key(j, key);

	pushJsonbValue(&j->state, tok, v);
}

void
IdmJsonStringLen(IdmJson *j, const char *key, const char *value, int len)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = pnstrdup(value, len);
	v.val.string.len = len;
	Scalar(j, key, &v);
}

void
IdmJsonString(IdmJson *j, const char *key, const char *value)
{
	if (value == NULL)
		IdmJsonNull(j, key);
	else
		IdmJsonStringLen(j, key, value, strlen(value));
}

void
IdmJsonBool(IdmJson *j, const char *key, bool value)
{
	JsonbValue	v;

	v.type = jbvBool;
	v.val.boolean = value;
	Scalar(j, key, &v);
}

void
IdmJsonNull(IdmJson *j, const char *key)
{
	JsonbValue	v;

	v.type = jbvNull;
	Scalar(j, key, &v);
}

void
IdmJsonTime(IdmJson *j, const char *key, TimestampTz value)
{
	char		buf[IDM_RFC3339_LEN];

	IdmFormatRfc3339(value, buf);
	IdmJsonString(j, key, buf);
}

void
IdmJsonJsonb(IdmJson *j, const char *key, Jsonb *value)
{
	JsonbValue	v;

	if (value == NULL)
	{
		IdmJsonNull(j, key);
		return;
	}
	/* pushJsonbValue unpacks a binary container given as a value */
	v.type = jbvBinary;
	v.val.binary.data = &value->root;
	v.val.binary.len = VARSIZE(value) - VARHDRSZ;
	Scalar(j, key, &v);
}

void
IdmJsonBeginObject(IdmJson *j, const char *key)
{
	if (key)
		Key(j, key);
	pushJsonbValue(&j->state, WJB_BEGIN_OBJECT, NULL);
}

void
IdmJsonEndObject(IdmJson *j)
{
	pushJsonbValue(&j->state, WJB_END_OBJECT, NULL);
}

void
IdmJsonBeginArray(IdmJson *j, const char *key)
{
	if (key)
		Key(j, key);
	pushJsonbValue(&j->state, WJB_BEGIN_ARRAY, NULL);
}

void
IdmJsonEndArray(IdmJson *j)
{
	pushJsonbValue(&j->state, WJB_END_ARRAY, NULL);
}

static void
Number(IdmJson *j, const char *key, Numeric n)
{
	JsonbValue	v;

	v.type = jbvNumeric;
	v.val.numeric = n;
	Scalar(j, key, &v);
}

/* An array column becomes a JSON array of its elements. */
static void
ArrayValue(IdmJson *j, const char *key, Datum value)
{
	ArrayType  *arr = DatumGetArrayTypeP(value);
	Oid			elemtype = ARR_ELEMTYPE(arr);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, elemtype, typlen, typbyval, typalign, &elems, &nulls, &n);
	IdmJsonBeginArray(j, key);
	for (int i = 0; i < n; i++)
		IdmJsonDatum(j, NULL, elems[i], nulls[i], elemtype);
	IdmJsonEndArray(j);
}

void
IdmJsonDatum(IdmJson *j, const char *key, Datum value, bool isnull, Oid typid)
{
	Oid			typoutput;
	bool		varlena;

	if (isnull)
	{
		IdmJsonNull(j, key);
		return;
	}
	switch (typid)
	{
		case TEXTOID:
		case VARCHAROID:
			{
				text	   *t = DatumGetTextPP(value);

				IdmJsonStringLen(j, key, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
				return;
			}
		case BOOLOID:
			IdmJsonBool(j, key, DatumGetBool(value));
			return;
		case TIMESTAMPTZOID:
			IdmJsonTime(j, key, DatumGetTimestampTz(value));
			return;
		case JSONBOID:
			IdmJsonJsonb(j, key, DatumGetJsonbP(value));
			return;
		case INT2OID:
			Number(j, key, int64_to_numeric(DatumGetInt16(value)));
			return;
		case INT4OID:
			Number(j, key, int64_to_numeric(DatumGetInt32(value)));
			return;
		case INT8OID:
			Number(j, key, int64_to_numeric(DatumGetInt64(value)));
			return;
		case NUMERICOID:
			Number(j, key, DatumGetNumeric(value));
			return;
		default:
			break;
	}
	if (type_is_array(typid))
	{
		ArrayValue(j, key, value);
		return;
	}
	/* enums and anything else: their text form */
	getTypeOutputInfo(typid, &typoutput, &varlena);
	IdmJsonString(j, key, OidOutputFunctionCall(typoutput, value));
}

void
IdmJsonColumns(IdmJson *j, TupleDesc desc, HeapTuple tuple,
			   const char *const *map)
{
	for (; *map; map++)
	{
		const char *eq = strchr(*map, '=');
		char		key[NAMEDATALEN];
		const char *column = eq ? eq + 1 : *map;
		int			attno;
		bool		isnull;
		Datum		value;

		strlcpy(key, *map, eq ? Min(eq - *map + 1, NAMEDATALEN) : NAMEDATALEN);
		attno = IdmColumn(desc, column);
		value = heap_getattr(tuple, attno, desc, &isnull);
		IdmJsonDatum(j, key, value, isnull, TupleDescAttr(desc, attno - 1)->atttypid);
	}
}
