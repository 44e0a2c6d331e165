/*
 * email.h - email address syntax (the subset the identity model accepts)
 */
#ifndef PG_IDM_EMAIL_H
#define PG_IDM_EMAIL_H

#include "postgres.h"

/* Raises 22023 naming the field unless the address is valid */
extern void IdmCheckEmail(const char *email, int len, const char *field);

#endif
