/*
 * payload.h - building an event's "data" as jsonb, straight from C values
 *
 * A thin builder over pushJsonbValue: no text is parsed, and nested jsonb
 * columns (metadata, settings) are copied in binary form.
 */
#ifndef PG_IDM_PAYLOAD_H
#define PG_IDM_PAYLOAD_H

#include "postgres.h"

#include "access/htup.h"
#include "access/tupdesc.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

typedef struct IdmJson
{
	JsonbParseState *state;
	JsonbValue *result;
	bool		key_pushed;		/* a key is pushed; the next value is its value */
} IdmJson;

extern void IdmJsonBegin(IdmJson *j);
extern Jsonb *IdmJsonFinish(IdmJson *j);

/* key: value pairs inside the current object; a NULL key means "array element" */
extern void IdmJsonString(IdmJson *j, const char *key, const char *value);
extern void IdmJsonStringLen(IdmJson *j, const char *key, const char *value, int len);
extern void IdmJsonBool(IdmJson *j, const char *key, bool value);
extern void IdmJsonNull(IdmJson *j, const char *key);
extern void IdmJsonTime(IdmJson *j, const char *key, TimestampTz value);
extern void IdmJsonJsonb(IdmJson *j, const char *key, Jsonb *value);
extern void IdmJsonBeginObject(IdmJson *j, const char *key);
extern void IdmJsonEndObject(IdmJson *j);
extern void IdmJsonBeginArray(IdmJson *j, const char *key);
extern void IdmJsonEndArray(IdmJson *j);

/* A column's value as JSON, by its SQL type (timestamps in RFC 3339) */
extern void IdmJsonDatum(IdmJson *j, const char *key, Datum value, bool isnull,
						 Oid typid);

/*
 * Adds columns of a row: each entry of map is "key" (column of the same
 * name) or "key=column".  The list ends with NULL.
 */
extern void IdmJsonColumns(IdmJson *j, TupleDesc desc, HeapTuple tuple,
						   const char *const *map);

#endif
