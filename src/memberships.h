/*
 * memberships.h - membership events, for callers in other C files
 */
#ifndef PG_IDM_MEMBERSHIPS_H
#define PG_IDM_MEMBERSHIPS_H

#include "postgres.h"

/*
 * Emits an event of object OrgMembership (user.organization_membership_*,
 * user.organization_invitation, user.signup) for an existing membership:
 * data is {"organization": {...}, "user": {..., "memberships": [...]}}.
 * For example the role assignments emit user.organization_membership_updated
 * through it.  Raises P0002 if the membership does not exist and 22023 for a
 * type of another object.
 */
extern void IdmEmitMembershipEvent(const char *type, const char *environment_id,
								   const char *organization_id, const char *user_id);

/*
 * A membership's roles changed: emits user.organization_membership_updated,
 * unless the membership is being deleted or is still an invitation.
 */
extern void IdmMembershipRolesChanged(const char *environment_id,
									  const char *organization_id,
									  const char *user_id);

#endif
