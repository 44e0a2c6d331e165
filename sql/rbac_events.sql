-- rbac_events: role.* and permission.* webhook events
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_idm;
RESET client_min_messages;
\set SHOW_CONTEXT never
-- shape(data): "key:jsontype" of every key, to compare with the spec's examples
CREATE FUNCTION pg_temp.shape(data jsonb) RETURNS text LANGUAGE sql AS $f$
    SELECT string_agg(key || ':' || jsonb_typeof(value), ' ' ORDER BY key) FROM jsonb_each(data)
$f$;

INSERT INTO idm.environments (id, name) VALUES ('env_rbacev1', 'rbac events test');
SET idm.environment_id = 'env_rbacev1';
INSERT INTO idm.organizations (environment_id, id, display_name) VALUES ('env_rbacev1', 'org_acme', 'Acme');
DELETE FROM idm.events WHERE environment_id = 'env_rbacev1';

SELECT (idm.create_permission('data:manage', 'Permission to manage data')).name;
SELECT (idm.create_role('member', 'Member', permissions => '{data:manage}')).name;
SELECT (idm.create_role('viewer', 'Viewer', 'Viewer role with read-only access', extends => 'member')).name;
SELECT (idm.create_role('org_viewer', 'Org Viewer', extends => 'viewer', organization_id => 'org_acme')).name;

-- the spec's examples: role data is description, display_name, extends, id,
-- name (all strings); permission data is description, id, name (strings).
-- Neither carries organization_id on the envelope, not even for an organization role.
SELECT type, object, display_name, organization_id, spec_version, pg_temp.shape(data) AS data_shape
FROM idm.events WHERE environment_id = 'env_rbacev1' ORDER BY xid, id;
SELECT data->>'name' AS name, data->>'display_name' AS display_name, data->>'description' AS description,
       data->>'extends' AS extends, data->>'id' = r.id AS id_matches
FROM idm.events e JOIN idm.roles r ON r.environment_id = e.environment_id AND r.name = e.data->>'name'
WHERE e.environment_id = 'env_rbacev1' AND e.type = 'role.created' ORDER BY e.id;
SELECT data - 'id' AS data, data->>'id' = p.id AS id_matches
FROM idm.events e JOIN idm.permissions p ON p.environment_id = e.environment_id AND p.name = e.data->>'name'
WHERE e.environment_id = 'env_rbacev1' AND e.type = 'permission.created';

-- the rendered body leaves organization_id out entirely
SELECT idm.webhook_body(e) LIKE '{"spec_version":"1","id":"evt_%","type":"role.created","object":"Role","occurred_at":"%","environment_id":"env_rbacev1","data":{"description":"","display_name":"Org Viewer","extends":"viewer","id":"role_%","name":"org_viewer"},"display_name":"Role Created"}' AS body_ok
FROM idm.events e WHERE environment_id = 'env_rbacev1' AND data->>'name' = 'org_viewer';

-- updates: a no-op emits nothing; a change of description or base emits role.updated
DELETE FROM idm.events WHERE environment_id = 'env_rbacev1';
UPDATE idm.roles SET description = description WHERE environment_id = 'env_rbacev1';
UPDATE idm.permissions SET description = description WHERE environment_id = 'env_rbacev1';
SELECT count(*) AS events_after_noop FROM idm.events WHERE environment_id = 'env_rbacev1';
SELECT (idm.update_role('viewer', description => 'Updated viewer role with limited permissions')).name;
SELECT (idm.delete_role_base('viewer')).name;
SELECT (idm.update_permission('data:manage', description => 'Updated permission to manage all data')).name;
SELECT (idm.update_permission('data:manage', new_name => 'data:administer')).name;
SELECT type, data->>'name' AS name, data->>'extends' AS extends, data->>'description' AS description,
       pg_temp.shape(data) AS data_shape
FROM idm.events WHERE environment_id = 'env_rbacev1' ORDER BY xid, id;

-- changing a role's permissions or its members changes no role row: no role event
DELETE FROM idm.events WHERE environment_id = 'env_rbacev1';
SELECT idm.add_role_permissions('viewer', '{data:administer}');
SELECT idm.remove_role_permission('viewer', 'data:administer');
SELECT count(*) AS events_for_grants FROM idm.events WHERE environment_id = 'env_rbacev1';
-- switching the default member role updates the two roles involved
SELECT idm.set_default_roles(default_member_role => 'member');
SELECT idm.set_default_roles(default_member_role => 'viewer');
SELECT type, data->>'name' AS name FROM idm.events WHERE environment_id = 'env_rbacev1' ORDER BY xid, id;

-- a refused change (a cycle) and a rolled-back savepoint leave no event and no closure row
DELETE FROM idm.events WHERE environment_id = 'env_rbacev1';
SELECT (idm.update_role('viewer', extends => 'member')).extends AS relinked;
SELECT idm.update_role('member', extends => 'viewer');
SELECT idm.update_role('member', extends => 'org_viewer');
BEGIN;
SAVEPOINT s1;
SELECT (idm.create_role('temp_role', extends => 'viewer')).name;
ROLLBACK TO SAVEPOINT s1;
COMMIT;
SELECT type, data->>'name' AS name, data->>'extends' AS extends FROM idm.events
WHERE environment_id = 'env_rbacev1' ORDER BY xid, id;
SELECT count(*) AS closure_rows_of_temp FROM idm.role_ancestors a
WHERE environment_id = 'env_rbacev1' AND NOT EXISTS (SELECT FROM idm.roles r WHERE r.environment_id = a.environment_id AND r.id = a.role_id);

-- deletes carry the deleted row's data
DELETE FROM idm.events WHERE environment_id = 'env_rbacev1';
SELECT idm.delete_role('org_viewer', organization_id => 'org_acme');
SELECT idm.delete_permission('data:administer');
SELECT type, object, display_name, organization_id, data->>'name' AS name, data->>'extends' AS extends,
       pg_temp.shape(data) AS data_shape
FROM idm.events WHERE environment_id = 'env_rbacev1' ORDER BY xid, id;

-- one statement, N rows: N events in row order
DELETE FROM idm.events WHERE environment_id = 'env_rbacev1';
INSERT INTO idm.permissions (environment_id, name) SELECT 'env_rbacev1', 'bulk:p' || n FROM generate_series(1, 3) n;
SELECT string_agg(data->>'name', ' ' ORDER BY id) AS created FROM idm.events WHERE environment_id = 'env_rbacev1';

-- the event triggers refuse to be called wrongly
SELECT idm.role_events();
SELECT idm.permission_events();
