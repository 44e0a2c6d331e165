/*
 * util.c - small helpers shared by the pg_idm C files
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "util.h"

/* Formats a timestamptz as RFC 3339 in UTC with microseconds. */
void
IdmFormatRfc3339(TimestampTz ts, char *buf)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (TIMESTAMP_NOT_FINITE(ts) || timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range for an RFC 3339 event time")));
	if (tm.tm_year < 1 || tm.tm_year > 9999)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp year %d is outside RFC 3339's range", tm.tm_year)));
	snprintf(buf, IDM_RFC3339_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
			 tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (int) fsec);
}

/*
 * Looks up a type of schema idm.  Not cached across transactions on purpose:
 * DROP/CREATE EXTENSION changes the oids, and the syscache makes this cheap.
 */
Oid
IdmTypeOid(const char *typname)
{
	Oid			nsp = get_namespace_oid("idm", false);
	Oid			typid;

	typid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
							CStringGetDatum(typname), ObjectIdGetDatum(nsp));
	if (!OidIsValid(typid))
		elog(ERROR, "type idm.%s does not exist", typname);
	return typid;
}

/* Column number by name, 1-based. */
int
IdmColumn(TupleDesc desc, const char *name)
{
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return i + 1;
	}
	elog(ERROR, "pg_idm: column \"%s\" not found", name);
	return 0;					/* keep compiler quiet */
}

/* Text output of a named column, NULL when the value is NULL. */
char *
IdmColumnText(TupleDesc desc, HeapTuple tuple, const char *name)
{
	int			attno = IdmColumn(desc, name);
	bool		isnull;
	Datum		value = heap_getattr(tuple, attno, desc, &isnull);
	Oid			typoutput;
	bool		varlena;

	if (isnull)
		return NULL;
	getTypeOutputInfo(TupleDescAttr(desc, attno - 1)->atttypid, &typoutput, &varlena);
	return OidOutputFunctionCall(typoutput, value);
}

static bool
NameIn(const char *name, const char *const *list)
{
	for (; list && *list; list++)
		if (strcmp(name, *list) == 0)
			return true;
	return false;
}

/* True when some column not in skip[] has a different value (NULL-aware, binary). */
bool
IdmTupleChanged(TupleDesc desc, HeapTuple oldtup, HeapTuple newtup,
				const char *const *skip)
{
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		bool		oldnull,
					newnull;
		Datum		oldval,
					newval;

		if (att->attisdropped || NameIn(NameStr(att->attname), skip))
			continue;
		oldval = heap_getattr(oldtup, i + 1, desc, &oldnull);
		newval = heap_getattr(newtup, i + 1, desc, &newnull);
		if (oldnull != newnull)
			return true;
		if (!oldnull && !datumIsEqual(oldval, newval, att->attbyval, att->attlen))
			return true;
	}
	return false;
}

/* Validates the trigger calling context and returns its TriggerData. */
TriggerData *
IdmTriggerData(FunctionCallInfo fcinfo, const char *funcname, bool after)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s: not called by trigger manager", funcname)));
	if (!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		(after ? !TRIGGER_FIRED_AFTER(trigdata->tg_event)
		 : !TRIGGER_FIRED_BEFORE(trigdata->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s must be fired %s each row", funcname,
						after ? "AFTER" : "BEFORE")));
	return trigdata;
}

char *
IdmNumericText(Datum numeric)
{
	return DatumGetCString(DirectFunctionCall1(numeric_out, numeric));
}
