/*
 * ids.c - id generation and validation
 *
 * An id is "<prefix>_<23 decimal digits>".  The digits encode
 *   10^22 + (milliseconds since 2000-01-01 << 34 | pid << 12 | counter)
 * so every id of a prefix has the same length, and text order is time
 * order (k-sortable).  Two backends never share a pid at the same time and
 * one backend never repeats (millisecond, counter): the counter covers 4096
 * ids per millisecond and then borrows the next millisecond, and the
 * millisecond never goes backwards within a backend even if the clock does.
 * The leading 10^22 keeps the width fixed: 42 bits of milliseconds last
 * until 2139 and 10^22 + 2^76 < 10^23.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "ids.h"
#include "ids_core.h"

PG_FUNCTION_INFO_V1(gen_id);
PG_FUNCTION_INFO_V1(check_id);

/* The prefixes of DESIGN.md; an id of any other prefix is a caller's bug. */
static const char *const known_prefixes[] = {
	"env", "org", "usr", "usp", "dom", "role", "perm", "ses", "conn", "dir",
	"diruser", "dirgroup", "ca", "skc", "evt", NULL
};

static uint64 last_ms = 0;
static uint32 counter = 0;

static bool
KnownPrefix(const char *prefix)
{
	for (const char *const *p = known_prefixes; *p; p++)
		if (strcmp(*p, prefix) == 0)
			return true;
	return false;
}

/* Next (millisecond, counter) pair of this backend, strictly increasing. */
static unsigned __int128
NextIdValue(void)
{
	uint64		now_ms = (uint64) (GetCurrentTimestamp() / 1000);

	if (now_ms > last_ms)
	{
		last_ms = now_ms;
		counter = 0;
	}
	else if (++counter >= 4096)
	{
		last_ms++;				/* borrow the next millisecond */
		counter = 0;
	}
	return ((unsigned __int128) last_ms << 34) |
		((unsigned __int128) (MyProcPid & 0x3FFFFF) << 12) | counter;
}

void
IdmNewId(const char *prefix, char *buf)
{
	unsigned __int128 v;
	uint64		low;
	uint64		high;
	char		digits[24];
	int			i = 23;
	size_t		len;

	if (!KnownPrefix(prefix))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown id prefix \"%s\"", prefix),
				 errhint("Known prefixes: env, org, usr, usp, dom, role, perm, ses, conn, dir, diruser, dirgroup, ca, skc, evt.")));

	v = NextIdValue();
	/* add 10^22 as two 64-bit halves: 10^22 = 10^11 * 10^11 */
	v += (unsigned __int128) UINT64CONST(100000000000) * UINT64CONST(100000000000);
	/* one 128-bit division, then 64-bit ones (ids are made for every event) */
	low = (uint64) (v % UINT64CONST(10000000000000000000));
	high = (uint64) (v / UINT64CONST(10000000000000000000));
	digits[i] = '\0';
	while (i > 4)
	{
		digits[--i] = '0' + (int) (low % 10);
		low /= 10;
	}
	while (i > 0)
	{
		digits[--i] = '0' + (int) (high % 10);
		high /= 10;
	}
	len = strlen(prefix);
	if (len + 1 + 23 > IDM_ID_MAXLEN)
		elog(ERROR, "pg_idm: id prefix \"%s\" is too long", prefix);
	memcpy(buf, prefix, len);
	buf[len] = '_';
	memcpy(buf + len + 1, digits, 24);
}

void
IdmCheckId(const char *id, const char *prefix, const char *field)
{
	if (!IdmIdWellFormed(id, strlen(id), prefix))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid %s: \"%s\"", field, id),
				 errdetail("An id of this kind is \"%s_\" followed by letters or digits, at most %d characters in all.",
						   prefix, IDM_ID_MAXLEN)));
}

/* idm.gen_id(prefix text) returns text */
Datum
gen_id(PG_FUNCTION_ARGS)
{
	char	   *prefix = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char		buf[IDM_ID_MAXLEN + 1];

	IdmNewId(prefix, buf);
	PG_RETURN_TEXT_P(cstring_to_text(buf));
}

/* idm.check_id(id text, prefix text, field text default 'id') returns boolean; raises when invalid */
Datum
check_id(PG_FUNCTION_ARGS)
{
	char	   *id = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *prefix = text_to_cstring(PG_GETARG_TEXT_PP(1));
	char	   *field = PG_NARGS() > 2 ? text_to_cstring(PG_GETARG_TEXT_PP(2)) : "id";

	IdmCheckId(id, prefix, field);
	PG_RETURN_BOOL(true);
}
