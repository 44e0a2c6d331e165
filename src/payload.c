/*
 * payload.c - building jsonb event payloads from C values and table rows
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "payload.h"
#include "util.h"

void
IdmJsonBegin(IdmJson *j)
{
	j->state = NULL;
	j->key_pushed = false;
	j->result = pushJsonbValue(&j->state, WJB_BEGIN_OBJECT, NULL);
}

Jsonb *
IdmJsonFinish(IdmJson *j)
{
	j->result = pushJsonbValue(&j->state, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(j->result);
}

/* Pushes a key that outlives the payload (it is not copied). */
static void
StaticKey(IdmJson *j, const char *key, int len)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = unconstify(char *, key);
	k.val.string.len = len;
	pushJsonbValue(&j->state, WJB_KEY, &k);
	j->key_pushed = true;
}

/* Pushes a key (inside an object) or nothing (inside an array). */
static JsonbIteratorToken
Key(IdmJson *j, const char *key)
{
	if (j->key_pushed)
	{
		j->key_pushed = false;	/* IdmJsonColumns pushed it */
		return WJB_VALUE;
	}
	if (key == NULL)
		return WJB_ELEM;
	/* pushJsonbValue keeps pointers: copy, the caller's buffer may be reused */
	StaticKey(j, pstrdup(key), strlen(key));
	j->key_pushed = false;
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
	j->key_pushed = false;
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
	j->key_pushed = false;
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

/*
 * A column map of IdmJsonColumns, parsed once per backend: its keys, and
 * the column number each column had the last time, checked by name before
 * use (so a table altered since is simply looked up again).
 */
typedef struct ColumnMap
{
	const char *const *map;		/* the caller's static map: the identity */
	int			n;
	char	  **keys;
	int		   *keylens;
	const char **columns;
	int		   *attnos;			/* 0: not known yet */
} ColumnMap;

#define MAX_COLUMN_MAPS 32
static ColumnMap column_maps[MAX_COLUMN_MAPS];
static int	n_column_maps = 0;

/*
 * Orders entries as jsonb orders an object's keys (shorter first, then
 * bytewise): pushJsonbValue sorts the keys of every object it closes, and
 * its sort returns at once on keys that come in order.
 */
static int
JsonbKeyOrder(const void *a, const void *b)
{
	const char *ka = *(const char *const *) a;
	const char *kb = *(const char *const *) b;
	int			la = strcspn(ka, "=");
	int			lb = strcspn(kb, "=");

	if (la != lb)
		return la - lb;
	return memcmp(ka, kb, la);
}

/* The parsed form of map, or NULL when too many maps are in use. */
static ColumnMap *
ParsedMap(const char *const *map)
{
	ColumnMap  *m;
	MemoryContext old;
	const char **sorted;

	for (int i = 0; i < n_column_maps; i++)
		if (column_maps[i].map == map)
			return &column_maps[i];
	if (n_column_maps == MAX_COLUMN_MAPS)
		return NULL;
	m = &column_maps[n_column_maps];
	for (m->n = 0; map[m->n]; m->n++)
		;
	old = MemoryContextSwitchTo(TopMemoryContext);
	sorted = palloc(sizeof(char *) * m->n);
	memcpy(sorted, map, sizeof(char *) * m->n);
	qsort(sorted, m->n, sizeof(char *), JsonbKeyOrder);
	m->keys = palloc(sizeof(char *) * m->n);
	m->keylens = palloc(sizeof(int) * m->n);
	m->columns = palloc(sizeof(char *) * m->n);
	m->attnos = palloc0(sizeof(int) * m->n);
	for (int i = 0; i < m->n; i++)
	{
		const char *eq = strchr(sorted[i], '=');

		m->keys[i] = eq ? pnstrdup(sorted[i], eq - sorted[i]) : pstrdup(sorted[i]);
		m->keylens[i] = strlen(m->keys[i]);
		m->columns[i] = eq ? eq + 1 : sorted[i];
	}
	MemoryContextSwitchTo(old);
	m->map = map;
	n_column_maps++;
	return m;
}

/* Column number of entry i of m in desc, from the last time if it still fits. */
static int
MapColumn(ColumnMap *m, int i, TupleDesc desc)
{
	int			attno = m->attnos[i];

	if (attno < 1 || attno > desc->natts ||
		TupleDescAttr(desc, attno - 1)->attisdropped ||
		strcmp(NameStr(TupleDescAttr(desc, attno - 1)->attname), m->columns[i]) != 0)
		m->attnos[i] = attno = IdmColumn(desc, m->columns[i]);
	return attno;
}

void
IdmJsonColumns(IdmJson *j, TupleDesc desc, HeapTuple tuple,
			   const char *const *map)
{
	ColumnMap  *m = ParsedMap(map);
	Datum	   *values;
	bool	   *nulls;

	if (m == NULL)
	{
		for (; *map; map++)
		{
			const char *eq = strchr(*map, '=');
			char		key[NAMEDATALEN];
			int			attno = IdmColumn(desc, eq ? eq + 1 : *map);
			bool		isnull;
			Datum		value = heap_getattr(tuple, attno, desc, &isnull);

			strlcpy(key, *map, eq ? Min(eq - *map + 1, NAMEDATALEN) : NAMEDATALEN);
			IdmJsonDatum(j, key, value, isnull, TupleDescAttr(desc, attno - 1)->atttypid);
		}
		return;
	}
	/* one pass over the row: heap_getattr per column restarts at the first null */
	values = palloc(sizeof(Datum) * desc->natts);
	nulls = palloc(sizeof(bool) * desc->natts);
	heap_deform_tuple(tuple, desc, values, nulls);
	for (int i = 0; i < m->n; i++)
	{
		int			attno = MapColumn(m, i, desc);

		StaticKey(j, m->keys[i], m->keylens[i]);
		/* the key is pushed: IdmJsonDatum adds the value only */
		IdmJsonDatum(j, NULL, values[attno - 1], nulls[attno - 1],
					 TupleDescAttr(desc, attno - 1)->atttypid);
	}
	pfree(values);
	pfree(nulls);
}
