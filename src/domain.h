/*
 * domain.h - domain names in the server: normal form, email domains,
 * public mail domains, routing an email to its organization
 */
#ifndef PG_IDM_DOMAIN_H
#define PG_IDM_DOMAIN_H

#include "postgres.h"

#include "domain_core.h"

/* NFC of UTF-8 text, palloc'd (*outlen bytes), or NULL if it is not valid UTF-8 */
extern char *IdmNfcUtf8(const char *s, int len, int *outlen);

/*
 * Normalises a domain given in the server encoding (NFC first, then
 * IdmDomainNormalize) into out (IDM_DOMAIN_BUFSIZE bytes).  Raises nothing.
 */
extern IdmDomainStatus IdmNormalizeDomain(const char *s, int len, int flags,
										  char *out);

/* Same, but raises 22023 naming the field when the domain is invalid */
extern void IdmCheckDomain(const char *s, int len, const char *field, char *out);

#endif
