/*
 * oids.c - oids of pg_idm's own tables, types and enum labels, cached per backend
 *
 * Event triggers look up schema idm, its tables, types and enum labels for
 * every row they write.  Each lookup through the syscache costs a few
 * hundred instructions; on the event path they added up to a tenth of the
 * cost of an event.  The answers are kept here, in a backend-local hash,
 * and forgotten on every invalidation that could change them: a relcache
 * invalidation of the relation (DROP, RENAME, ALTER ... SET SCHEMA, and
 * the rollback of a CREATE all send one), and any change of pg_namespace,
 * pg_type or pg_enum (DROP / CREATE EXTENSION in a session).  Oids differ
 * per database; a backend stays in one.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "oids.h"

#define KEY_LEN (NAMEDATALEN * 2 + 4)	/* kind, two ":", two names, NUL */

typedef struct OidEntry
{
	char		key[KEY_LEN];	/* "r:events_0", "t:event_type", "e:event_type:organization.created" */
	Oid			oid;
} OidEntry;

static HTAB *oid_cache = NULL;
static uint64 types_generation = 1;

/* Forgets every entry whose key starts with one of kinds ("rte": all). */
static void
Forget(const char *kinds, Oid relid)
{
	HASH_SEQ_STATUS status;
	OidEntry   *e;

	if (oid_cache == NULL)
		return;
	hash_seq_init(&status, oid_cache);
	while ((e = hash_seq_search(&status)) != NULL)
		if (strchr(kinds, e->key[0]) != NULL &&
			(!OidIsValid(relid) || e->oid == relid))
			hash_search(oid_cache, e->key, HASH_REMOVE, NULL);
}

/* Relcache callback: a relation changed (or all did, for InvalidOid). */
static void
RelationChanged(Datum arg, Oid relid)
{
	Forget("r", relid);
}

/* Syscache callback of pg_namespace, pg_type and pg_enum. */
static void
TypesChanged(Datum arg, int cacheid, uint32 hashvalue)
{
	types_generation++;
	Forget(cacheid == NAMESPACEOID ? "rte" : "te", InvalidOid);
}

/* The hash, created and hooked to the invalidations on first use. */
static HTAB *
Cache(void)
{
	HASHCTL		ctl;

	if (oid_cache != NULL)
		return oid_cache;
	ctl.keysize = KEY_LEN;
	ctl.entrysize = sizeof(OidEntry);
	ctl.hcxt = CacheMemoryContext;
	oid_cache = hash_create("pg_idm oids", 64, &ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	CacheRegisterRelcacheCallback(RelationChanged, (Datum) 0);
	CacheRegisterSyscacheCallback(NAMESPACEOID, TypesChanged, (Datum) 0);
	CacheRegisterSyscacheCallback(TYPEOID, TypesChanged, (Datum) 0);
	CacheRegisterSyscacheCallback(ENUMOID, TypesChanged, (Datum) 0);
	return oid_cache;
}

/* Appends ":" and s (at most NAMEDATALEN bytes) to key at *len. */
static void
KeyPart(char *key, int *len, const char *s)
{
	int			n = strnlen(s, NAMEDATALEN);

	key[(*len)++] = ':';
	memcpy(key + *len, s, n);
	*len += n;
}

/* The cached oid of kind:a[:b], or InvalidOid; key gets the hash key. */
static Oid
Cached(char kind, const char *a, const char *b, char *key)
{
	OidEntry   *e;
	int			len = 1;

	key[0] = kind;
	KeyPart(key, &len, a);
	if (b)
		KeyPart(key, &len, b);
	key[len] = '\0';
	e = hash_search(Cache(), key, HASH_FIND, NULL);
	return e ? e->oid : InvalidOid;
}

static void
Remember(const char *key, Oid oid)
{
	OidEntry   *e = hash_search(Cache(), key, HASH_ENTER, NULL);

	e->oid = oid;
}

static Oid
IdmNamespace(void)
{
	return get_namespace_oid("idm", false);
}

typedef Oid (*OidLookup) (const char *a, const char *b);

/* The oid of kind:a[:b], from the cache or else from lookup (then cached). */
static Oid
CachedOid(char kind, const char *a, const char *b, OidLookup lookup)
{
	char		key[KEY_LEN];
	Oid			oid = Cached(kind, a, b, key);

	if (OidIsValid(oid))
		return oid;
	oid = lookup(a, b);
	Remember(key, oid);
	return oid;
}

static Oid
LookupRelid(const char *relname, const char *unused)
{
	Oid			relid = get_relname_relid(relname, IdmNamespace());

	if (!OidIsValid(relid))
		elog(ERROR, "pg_idm: relation idm.%s does not exist", relname);
	return relid;
}

static Oid
LookupType(const char *typname, const char *unused)
{
	Oid			typid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum(typname),
										ObjectIdGetDatum(IdmNamespace()));

	if (!OidIsValid(typid))
		elog(ERROR, "type idm.%s does not exist", typname);
	return typid;
}

/* enum_in raises the usual error for a label the type lacks */
static Oid
LookupEnum(const char *typname, const char *label)
{
	return DatumGetObjectId(DirectFunctionCall2(enum_in, CStringGetDatum(label),
												ObjectIdGetDatum(IdmTypeOid(typname))));
}

Oid
IdmRelid(const char *relname)
{
	return CachedOid('r', relname, NULL, LookupRelid);
}

Oid
IdmTypeOid(const char *typname)
{
	return CachedOid('t', typname, NULL, LookupType);
}

Oid
IdmEnumOid(const char *typname, const char *label)
{
	return CachedOid('e', typname, label, LookupEnum);
}

uint64
IdmTypesGeneration(void)
{
	(void) Cache();				/* callbacks registered before anyone caches */
	return types_generation;
}
