/*
 * domain.h - domain names in the server: normal form, email domains,
 * public mail domains, routing an email to its organization
 */
#ifndef PG_IDM_DOMAIN_H
#define PG_IDM_DOMAIN_H

#include "postgres.h"

#include "domain_core.h"

/*
 * Normalises a domain given in the server encoding (NFC first, then
 * IdmDomainNormalize) into out (IDM_DOMAIN_BUFSIZE bytes).  Raises nothing.
 */
extern IdmDomainStatus IdmNormalizeDomain(const char *s, int len, int flags,
										  char *out);

/* Same, but raises 22023 naming the field when the domain is invalid */
extern void IdmCheckDomain(const char *s, int len, const char *field, char *out);

#endif
