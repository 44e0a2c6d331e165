/*
 * oids.h - oids of pg_idm's own tables, types and enum labels, cached per backend
 */
#ifndef PG_IDM_OIDS_H
#define PG_IDM_OIDS_H

#include "postgres.h"

/* Oid of relation idm.<relname> (table or index); raises if it is missing */
extern Oid	IdmRelid(const char *relname);

/* Oid of type idm.<typname>; raises if it is missing */
extern Oid	IdmTypeOid(const char *typname);

/* Oid of label of enum type idm.<typname>; raises as enum_in does if unknown */
extern Oid	IdmEnumOid(const char *typname, const char *label);

/*
 * Changes whenever a cached type or enum oid may have become stale, so
 * callers keeping oids of their own (arrays indexed by something else) can
 * tell when to look them up again.
 */
extern uint64 IdmTypesGeneration(void);

#endif
