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

/* Writes value as n decimal digits, zero-padded, at buf. */
static char *
Digits(char *buf, int value, int n)
{
	for (int i = n - 1; i >= 0; i--)
	{
		buf[i] = '0' + value % 10;
		value /= 10;
	}
	return buf + n;
}

/*
 * Formats a timestamptz as RFC 3339 in UTC with microseconds.  Written out
 * by hand rather than with snprintf: every event payload has several.
 */
void
IdmFormatRfc3339(TimestampTz ts, char *buf)
{
	struct pg_tm tm;
	fsec_t		fsec;
	char	   *p = buf;

	if (TIMESTAMP_NOT_FINITE(ts) || timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range for an RFC 3339 event time")));
	if (tm.tm_year < 1 || tm.tm_year > 9999)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp year %d is outside RFC 3339's range", tm.tm_year)));
	p = Digits(p, tm.tm_year, 4);
	*p++ = '-';
	p = Digits(p, tm.tm_mon, 2);
	*p++ = '-';
	p = Digits(p, tm.tm_mday, 2);
	*p++ = 'T';
	p = Digits(p, tm.tm_hour, 2);
	*p++ = ':';
	p = Digits(p, tm.tm_min, 2);
	*p++ = ':';
	p = Digits(p, tm.tm_sec, 2);
	*p++ = '.';
	p = Digits(p, (int) fsec, 6);
	*p++ = 'Z';
	*p = '\0';
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
	if (TupleDescAttr(desc, attno - 1)->atttypid == TEXTOID)
		return TextDatumGetCString(value);	/* the common case, without fmgr */
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
