/*
 * authdetails.h - which authorization details each connector type requires
 *
 * A pure C core over JSON text (json-c only: no palloc, no ereport, no
 * PostgreSQL headers), so a libFuzzer harness can link authdetails.c on its
 * own, outside the server.  connector.c wraps it and raises.
 */
#ifndef PG_IDM_AUTHDETAILS_H
#define PG_IDM_AUTHDETAILS_H

#include <stddef.h>

/* Upper bounds, so a credential blob stays a small row */
#define IDM_AUTH_DETAILS_MAXLEN 65536	/* bytes of JSON text */
#define IDM_AUTH_VALUE_MAXLEN 16384 /* bytes of one token, key or password */
#define IDM_AUTH_MAX_SCOPES 1000

/* Room for any message IdmAuthDetailsCheck writes */
#define IDM_AUTH_MSG_LEN 256

/*
 * Checks JSON text of authorization details against a connector type label
 * ("OAUTH", "API_KEY", "BASIC_AUTH", "BEARER_TOKEN", "CUSTOM", "BASIC").
 * Returns 1 if valid.  Otherwise returns 0 and writes to msg a message that
 * names the missing or unexpected field (e.g.
 * "authorization_details.oauth_token.access_token is required for OAUTH");
 * the message never contains a value of the input, only field names.
 * json need not be NUL-terminated.
 */
extern int	IdmAuthDetailsCheck(const char *type, const char *json, size_t len,
								char *msg, size_t msglen);

/* One sentence describing what a type takes (for a hint); "" if unknown */
extern const char *IdmAuthDetailsShape(const char *type);

#endif
