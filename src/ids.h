/*
 * ids.h - prefixed, time-ordered text ids ("org_10034...")
 */
#ifndef PG_IDM_IDS_H
#define PG_IDM_IDS_H

#include "ids_core.h"		/* IDM_ID_MAXLEN */

/* Writes a new id for a known prefix into buf (IDM_ID_MAXLEN + 1 bytes) */
extern void IdmNewId(const char *prefix, char *buf);

/* Raises unless id is "<prefix>_" followed by 1+ ASCII letters/digits, <= 32 chars */
extern void IdmCheckId(const char *id, const char *prefix, const char *field);

#endif
