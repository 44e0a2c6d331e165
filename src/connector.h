/*
 * connector.h - connected accounts: status transitions, credentials, events
 */
#ifndef PG_IDM_CONNECTOR_H
#define PG_IDM_CONNECTOR_H

#include "postgres.h"

#include "access/htup.h"
#include "access/tupdesc.h"
#include "utils/jsonb.h"

/* Extra keys an event's data carries beyond the six every example has */
#define CA_WITH_EXPIRY		0x01	/* token_expires_at */
#define CA_WITH_LAST_USED	0x02	/* last_used_at */

/* Data of a connected_account.* event, from a row of idm.connected_accounts */
extern Jsonb *IdmConnectedAccountPayload(TupleDesc desc, HeapTuple row, int extras,
										 const char *old_status);

/*
 * Nonzero while an action function (connector_actions.c) or a rotation
 * writes a row: its own event says what happened, so the row trigger does
 * not add connected_account.updated for the credentials it replaced.
 */
extern int	IdmConnectorActionDepth;

#endif
