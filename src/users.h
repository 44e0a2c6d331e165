/*
 * users.h - the user object that user.* and membership events nest
 */
#ifndef PG_IDM_USERS_H
#define PG_IDM_USERS_H

#include "postgres.h"

#include "payload.h"

/* Adds keys to an object being written (called just before it is closed) */
typedef void (*IdmJsonExtra) (IdmJson *j, void *arg);

/*
 * Writes user user_id of the environment under key, shaped like the spec's
 * usersUser: its columns, "user_profile" with "external_identities", then
 * whatever extra adds (may be NULL).  Raises P0002 if the user is missing.
 */
extern void IdmJsonUser(IdmJson *j, const char *key, const char *environment_id,
						const char *user_id, IdmJsonExtra extra, void *arg);

#endif
