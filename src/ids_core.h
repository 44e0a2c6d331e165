/*
 * ids_core.h - id syntax without PostgreSQL dependencies (fuzzable)
 */
#ifndef PG_IDM_IDS_CORE_H
#define PG_IDM_IDS_CORE_H

#include <stdbool.h>
#include <stddef.h>

/* The API's limit on an id's length */
#define IDM_ID_MAXLEN 32

/* True if id[0..len) is "<prefix>_" then 1+ ASCII letters/digits, <= 32 in all */
extern bool IdmIdWellFormed(const char *id, size_t len, const char *prefix);

#endif
