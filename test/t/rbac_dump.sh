#!/usr/bin/env bash
# pg_dump / restore keeps roles, permissions and membership roles, and the
# restore rebuilds the closures (which are not dumped) exactly: base roles
# are dumped before the roles extending them, even when a base role's row
# was updated after its dependents (and so sits later in the heap).
set -euo pipefail
PSQL=("$PGBIN/psql" -X -v ON_ERROR_STOP=1 -qAt)
SRC=$PGDATABASE
DST=${PGDATABASE}_restored

"${PSQL[@]}" -o /dev/null <<'SQL'
CREATE EXTENSION pg_idm;
INSERT INTO idm.environments (id, name) VALUES ('env_dump', 'dump test');
SET idm.environment_id = 'env_dump';
INSERT INTO idm.organizations (environment_id, id, display_name) VALUES ('env_dump', 'org_acme', 'Acme');
INSERT INTO idm.users (environment_id, id, email) VALUES ('env_dump', 'usr_ann', 'ann@acme.example');
INSERT INTO idm.memberships (environment_id, organization_id, user_id) VALUES ('env_dump', 'org_acme', 'usr_ann');
SELECT idm.create_permission(p) FROM unnest(ARRAY['read:docs', 'write:docs', 'manage:users']) p;
SELECT idm.create_role('reader', permissions => '{read:docs}');
SELECT idm.create_role('writer', extends => 'reader', permissions => '{write:docs}');
SELECT idm.create_role('admin', extends => 'writer', permissions => '{manage:users}');
SELECT idm.create_role('acme_owner', extends => 'admin', organization_id => 'org_acme');
-- move the bases behind their dependents in the heap
UPDATE idm.roles SET display_name = 'Reader' WHERE name = 'reader';
UPDATE idm.roles SET description = 'Writes' WHERE name = 'writer';
SELECT idm.add_membership_role('usr_ann', 'org_acme', 'acme_owner');
SQL

# a canonical text of everything the restore must reproduce
snapshot() {
    "${PSQL[@]}" -d "$1" <<'SQL'
SELECT r.name, coalesce(r.extends, '-'), coalesce(r.organization_id, '-') FROM idm.roles r ORDER BY 1;
SELECT r.name, a.name, x.depth FROM idm.role_ancestors x
  JOIN idm.roles r ON r.id = x.role_id JOIN idm.roles a ON a.id = x.ancestor_id ORDER BY 1, 2;
SELECT r.name, p.name, s.name FROM idm.role_effective_permissions e
  JOIN idm.roles r ON r.id = e.role_id JOIN idm.permissions p ON p.id = e.permission_id
  JOIN idm.roles s ON s.id = e.source_role_id ORDER BY 1, 2, 3;
SELECT p, idm.has_permission('usr_ann', 'org_acme', p, 'env_dump')
  FROM unnest(ARRAY['read:docs', 'write:docs', 'manage:users', 'other:thing']) p ORDER BY 1;
SQL
}

"$PGBIN/pg_dump" -d "$SRC" -f "$WORK/rbac_dump.sql"
"$PGBIN/createdb" "$DST"
"${PSQL[@]}" -d "$DST" -o /dev/null -f "$WORK/rbac_dump.sql"

before=$(snapshot "$SRC")
after=$(snapshot "$DST")
if [ "$before" != "$after" ]; then
    echo "restored RBAC differs:"
    diff <(echo "$before") <(echo "$after") || true
    exit 1
fi
grep -q 'manage:users|t' <<<"$after" || { echo "has_permission lost an inherited permission"; exit 1; }
echo "restored $(grep -c . <<<"$after") lines of roles, closures and answers identically"
