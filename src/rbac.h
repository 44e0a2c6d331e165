/*
 * rbac.h - what roles.c, role_closure.c and permission.c share
 *
 * Every write to idm.roles or idm.role_permissions runs under the RBAC lock
 * of its environment and reads the hierarchy through IdmRbacExec, with the
 * latest snapshot: once the lock is held, every earlier change of the
 * hierarchy is committed and visible, even in REPEATABLE READ, so two
 * transactions can neither build a cycle together nor leave a closure row
 * out (the way PostgreSQL's own RI triggers read with a fresh snapshot).
 */
#ifndef PG_IDM_RBAC_H
#define PG_IDM_RBAC_H

#include "postgres.h"

#include "commands/trigger.h"
#include "executor/spi.h"

/*
 * The RBAC lock: an advisory lock of pg_idm's own class (objsubid 468 = 0x1D4 in
 * pg_locks, apart from pg_advisory_lock's keys), exclusive, held until the
 * transaction ends.  Keyed by a hash of the environment id.
 */
#define IDM_RBAC_LOCK_CLASS 0x1D4
extern void IdmRbacLock(const char *environment_id);

/* A statement whose parameters are all text, planned once per backend */
typedef struct IdmRbacStmt
{
	const char *sql;
	int			nargs;
	SPIPlanPtr	plan;
} IdmRbacStmt;

/*
 * Runs a statement (inside SPI_connect) on the latest snapshot; args are C
 * strings, NULL for SQL NULL.  Returns SPI_processed.
 */
extern uint64 IdmRbacExec(IdmRbacStmt *stmt, const char *const *args);

/* The first column of the first row of the last IdmRbacExec, or NULL */
extern char *IdmRbacResult(void);

/* The row a row trigger works on: the new version for an UPDATE */
static inline HeapTuple
IdmRbacTriggerRow(TriggerData *td)
{
	return TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
}

/* Raises 22023 unless name is a valid role / permission name */
extern void IdmCheckRoleName(const char *name, const char *field);
extern void IdmCheckPermissionName(const char *name, int len, const char *field);

#endif
