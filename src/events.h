/*
 * events.h - the webhook event catalogue and writing event rows
 */
#ifndef PG_IDM_EVENTS_H
#define PG_IDM_EVENTS_H

#include "postgres.h"

#include "utils/jsonb.h"

typedef struct IdmEventType
{
	const char *type;			/* "organization.created" */
	const char *object;			/* "Organization" */
	bool		has_org;		/* envelope carries organization_id */
	const char *display_name;	/* the webhook's summary */
} IdmEventType;

/* NOTIFY channel woken at the commit of a transaction that wrote events */
#define IDM_EVENTS_CHANNEL "idm_events"

/* Column order of idm.events (0-based), checked when a row is written */
enum
{
	EV_ID = 0, EV_TYPE, EV_OBJECT, EV_OCCURRED_AT, EV_ENVIRONMENT_ID,
	EV_ORGANIZATION_ID, EV_DATA, EV_DISPLAY_NAME, EV_SPEC_VERSION, EV_XID,
	EV_NCOLUMNS
};

/* The catalogue entry of a type; raises for an unknown type */
extern const IdmEventType *IdmEventTypeLookup(const char *type);

/*
 * False when the environment has switched events off, or this type off
 * (idm.environments.events_enabled / disabled_event_types).
 */
extern bool IdmEventEnabled(const char *type, const char *environment_id);

/*
 * Writes one event row in the current transaction, unless the environment
 * switched it off.  organization_id may be NULL; it is kept on the envelope
 * only where the catalogue says so.
 */
extern void IdmEmitEvent(const char *type, const char *environment_id,
						 const char *organization_id, Jsonb *data);

#endif
