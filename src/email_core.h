/*
 * email_core.h - email address syntax without PostgreSQL dependencies
 */
#ifndef PG_IDM_EMAIL_CORE_H
#define PG_IDM_EMAIL_CORE_H

#include <stdbool.h>

/*
 * Checks an address "local@domain": local part a dot-atom of RFC 5322
 * (<= 64 bytes), domain by the rules of domain_core.h (RFC 1035 labels of
 * letters, digits, hyphens, <= 63 bytes each, <= 253 in all, at least two
 * labels, alphabetic TLD; internationalised labels in their A-label form).
 * The caller applies NFC first (the core has no Unicode tables).
 * Returns NULL if valid, else a sentence saying why; *at receives the
 * offset of the '@'.
 */
extern const char *IdmEmailProblem(const char *email, int len, int *at);

#endif
