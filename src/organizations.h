/*
 * organizations.h - organization events, and the organization object that
 * other events nest
 */
#ifndef PG_IDM_ORGANIZATIONS_H
#define PG_IDM_ORGANIZATIONS_H

#include "postgres.h"

#include "access/htup.h"
#include "access/tupdesc.h"

#include "payload.h"

/* Writes a row of idm.organizations as the spec's organization object under key */
extern void IdmJsonOrganization(IdmJson *j, const char *key, TupleDesc desc,
								HeapTuple row);

#endif
