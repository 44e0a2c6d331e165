/*
 * email.h - email address syntax (the subset the identity model accepts)
 */
#ifndef PG_IDM_EMAIL_H
#define PG_IDM_EMAIL_H

#include "postgres.h"

/*
 * Checks an address "local@domain": local part a dot-atom of RFC 5322
 * (<= 64 bytes), domain by the rules of domain_core.h (RFC 1035 labels of
 * letters, digits, hyphens, <= 63 bytes each, <= 253 in all, at least two
 * labels, alphabetic TLD; internationalised labels in their A-label form).
 * Returns NULL if valid, else a sentence saying why; *at receives the
 * offset of the '@'.
 */
extern const char *IdmEmailProblem(const char *email, int len, int *at);

/* Raises 22023 naming the field unless the address is valid */
extern void IdmCheckEmail(const char *email, int len, const char *field);

#endif
