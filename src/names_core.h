/*
 * names_core.h - name grammars without PostgreSQL dependencies (fuzzable)
 *
 * Permission names, role names and external ids are checked here; the
 * callers (permission.c, roles.c, validate.c) raise with the reason.
 */
#ifndef PG_IDM_NAMES_CORE_H
#define PG_IDM_NAMES_CORE_H

#include <stddef.h>

#define IDM_PERMISSION_NAME_MAXLEN 100	/* bytes */
#define IDM_ROLE_NAME_MAXLEN 64
#define IDM_EXTERNAL_ID_MAXLEN 255	/* bytes */

/* Room for any reason IdmRoleNameProblem writes */
#define IDM_NAME_REASON_LEN 96

/*
 * NULL if s[0..len) is a permission name: 1-100 bytes, segments of a-z,
 * 0-9, "_" and "-" joined by ":", at least two, each starting with a
 * letter or digit.  Otherwise a sentence saying why not.
 */
extern const char *IdmPermissionNameProblem(const char *s, size_t len);

/*
 * NULL if s[0..len) is a role name: 1-64 ASCII letters, digits and
 * underscores.  Otherwise a sentence saying why not, written to buf when
 * it names the offending character.
 */
extern const char *IdmRoleNameProblem(const char *s, size_t len, char *buf, size_t buflen);

/*
 * NULL if s[0..len) is an external id: 1-255 bytes, no control character,
 * no white space first or last.  Otherwise a sentence saying why not.
 */
extern const char *IdmExternalIdProblem(const char *s, size_t len);

#endif
