-- rbac: permissions, roles, extends inheritance and its closures, bad input
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_idm;
RESET client_min_messages;
\set SHOW_CONTEXT never
-- err(sql): runs sql, returns "SQLSTATE: message (detail)" of its error
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
    detail text;
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
    -- generated ids differ per run
    RETURN regexp_replace(SQLSTATE || ': ' || SQLERRM || coalesce(' (' || nullif(detail, '') || ')', ''),
                          '(role|perm|org|usr)_[0-9]{20,}', '\1_<id>', 'g');
END $f$;
-- closure_ok(env): do both closures equal what a recursive walk of extends finds?
CREATE FUNCTION pg_temp.closure_ok(env text) RETURNS boolean LANGUAGE sql AS $f$
    WITH RECURSIVE walk AS (
        SELECT id AS role_id, id AS ancestor_id, base_role_id AS next, 0 AS depth
        FROM idm.roles WHERE environment_id = env
        UNION ALL
        SELECT w.role_id, r.id, r.base_role_id, w.depth + 1
        FROM walk w JOIN idm.roles r ON r.environment_id = env AND r.id = w.next
    ), perms AS (
        SELECT DISTINCT w.role_id, rp.permission_id, rp.role_id AS source_role_id FROM walk w
        JOIN idm.role_permissions rp ON rp.environment_id = env AND rp.role_id = w.ancestor_id
    )
    SELECT NOT EXISTS ((SELECT role_id, ancestor_id, depth FROM walk
                        EXCEPT SELECT role_id, ancestor_id, depth FROM idm.role_ancestors WHERE environment_id = env)
                       UNION ALL
                       (SELECT role_id, ancestor_id, depth FROM idm.role_ancestors WHERE environment_id = env
                        EXCEPT SELECT role_id, ancestor_id, depth FROM walk))
       AND NOT EXISTS ((SELECT * FROM perms
                        EXCEPT SELECT role_id, permission_id, source_role_id FROM idm.role_effective_permissions WHERE environment_id = env)
                       UNION ALL
                       (SELECT role_id, permission_id, source_role_id FROM idm.role_effective_permissions WHERE environment_id = env
                        EXCEPT SELECT * FROM perms))
$f$;
-- eff(role, org): a role's effective permissions as "name<-granting role" text
CREATE FUNCTION pg_temp.eff(role text, org text DEFAULT NULL) RETURNS text LANGUAGE sql AS $f$
    SELECT string_agg(name || '<-' || role_name, ' ' ORDER BY name)
    FROM idm.list_effective_role_permissions(role, org)
$f$;

INSERT INTO idm.environments (id, name) VALUES ('env_rbac1', 'rbac test'), ('env_rbac2', 'other');
SET idm.environment_id = 'env_rbac1';
INSERT INTO idm.organizations (environment_id, id, display_name)
VALUES ('env_rbac1', 'org_acme', 'Acme'), ('env_rbac1', 'org_globex', 'Globex');
\set org org_acme
\set org2 org_globex

-- permissions ---------------------------------------------------------------
SELECT id ~ '^perm_' AS id_ok, name, description, permission_type, is_scalekit_permission,
       create_time = update_time AS same_times
FROM idm.create_permission('read:documents', 'Read documents');
SELECT name, permission_type, is_scalekit_permission
FROM idm.create_permission('sk:organizations:manage', permission_type => 'SCALEKIT');
SELECT count(*) FROM (
    SELECT idm.create_permission(n) FROM unnest(ARRAY['write:documents', 'delete:documents',
        'publish:documents', 'manage:users', 'view:billing-reports', 'data:export_2']) n) s;
-- the same name in another environment is another permission
SELECT name FROM idm.create_permission('read:documents', environment_id => 'env_rbac2');

-- listing by type: ALL is the default and means both
SELECT string_agg(name, ' ' ORDER BY name) AS all_default FROM idm.list_permissions();
SELECT string_agg(name, ' ' ORDER BY name) AS all_explicit FROM idm.list_permissions('ALL');
SELECT string_agg(name, ' ' ORDER BY name) AS scalekit FROM idm.list_permissions('SCALEKIT');
SELECT count(*) AS environment FROM idm.list_permissions('ENVIRONMENT');
SELECT count(*) AS null_means_all FROM idm.list_permissions(NULL);
SELECT count(*) AS other_env FROM idm.list_permissions(environment_id => 'env_rbac2');
SELECT idm.permission_types(), idm.permission_types('SCALEKIT');

-- rename and re-describe; a no-op update keeps update_time
SELECT name, description FROM idm.update_permission('data:export_2', new_name => 'data:export', description => 'Export data');
UPDATE idm.permissions SET description = description WHERE name = 'data:export';
SELECT update_time = create_time AS unchanged_time FROM idm.permissions WHERE name = 'read:documents' AND environment_id = 'env_rbac1';

-- roles: a 4-level chain viewer <- editor <- publisher <- admin ----------------
SELECT id ~ '^role_' AS id_ok, name, display_name, description, extends, base_role_id,
       is_org_role, default_creator, default_member
FROM idm.create_role('viewer', 'Viewer', 'Read-only access', permissions => '{read:documents}');
SELECT name, display_name, extends FROM idm.create_role('editor', 'Editor', extends => 'viewer',
    permissions => '{write:documents,read:documents}');
SELECT name, extends FROM idm.create_role('publisher', extends => 'editor', permissions => '{publish:documents}');
SELECT name, extends FROM idm.create_role('admin', 'Administrator', extends => 'publisher',
    permissions => '{delete:documents,manage:users}');
SELECT name, display_name FROM idm.create_role('auditor', permissions => '{view:billing-reports}');
SELECT r.name, b.name AS base_by_id FROM idm.roles r JOIN idm.roles b ON b.environment_id = r.environment_id AND b.id = r.base_role_id
WHERE r.environment_id = 'env_rbac1' ORDER BY r.name;

-- the closures: ancestors with depth, permissions with the nearest granting role
SELECT r.name, string_agg(a.name || ':' || x.depth, ' ' ORDER BY x.depth) AS ancestors
FROM idm.role_ancestors x
JOIN idm.roles r ON r.environment_id = x.environment_id AND r.id = x.role_id
JOIN idm.roles a ON a.environment_id = x.environment_id AND a.id = x.ancestor_id
WHERE x.environment_id = 'env_rbac1' GROUP BY r.name ORDER BY r.name;
SELECT pg_temp.eff('admin') AS admin, pg_temp.eff('editor') AS editor;
SELECT name FROM idm.list_role_permissions('admin');
SELECT pg_temp.closure_ok('env_rbac1') AS closure_ok;

-- dependent roles (transitive) and their count
SELECT name, idm.dependent_roles_count(r) AS dependents FROM idm.roles r
WHERE environment_id = 'env_rbac1' ORDER BY name;
SELECT string_agg(name, ' ' ORDER BY name) AS viewer_dependents FROM idm.list_dependent_roles('viewer');

-- granting to a base reaches every dependent; revoking takes it away again
SELECT idm.add_role_permissions('viewer', '{data:export}');
SELECT pg_temp.eff('admin') AS admin_after_grant;
SELECT idm.remove_role_permission('viewer', 'data:export');
SELECT pg_temp.eff('admin') AS admin_after_revoke;
-- a permission granted at two levels survives losing one of them
SELECT idm.remove_role_permission('editor', 'read:documents');
SELECT pg_temp.eff('admin') AS admin_read_still_from_viewer;

-- re-parenting moves a whole subtree: publisher now extends auditor
SELECT name, extends FROM idm.update_role('publisher', extends => 'auditor');
SELECT pg_temp.eff('admin') AS admin_under_auditor, idm.dependent_roles_count(r) AS viewer_dependents
FROM idm.roles r WHERE name = 'viewer' AND environment_id = 'env_rbac1';
SELECT pg_temp.closure_ok('env_rbac1') AS closure_ok;
SELECT name, extends FROM idm.update_role('publisher', extends => 'editor');
SELECT name, extends FROM idm.delete_role_base('auditor');
SELECT pg_temp.eff('admin') AS admin_back, pg_temp.closure_ok('env_rbac1') AS closure_ok;
-- replacing the direct permissions of a role
SELECT name FROM idm.update_role('editor', permissions => '{write:documents,data:export}');
SELECT pg_temp.eff('publisher') AS publisher, pg_temp.closure_ok('env_rbac1') AS closure_ok;

-- cycles are refused, however long, and in one multi-row statement too
SELECT pg_temp.err($$SELECT idm.update_role('viewer', extends => 'editor')$$);
SELECT pg_temp.err($$SELECT idm.update_role('viewer', extends => 'admin')$$);
SELECT pg_temp.err($$SELECT idm.update_role('viewer', extends => 'viewer')$$);
SELECT pg_temp.err($$SELECT idm.create_role('narcissus', extends => 'narcissus')$$);
SELECT pg_temp.err($$UPDATE idm.roles SET extends = CASE name WHEN 'viewer' THEN 'auditor' ELSE 'admin' END
                     WHERE environment_id = 'env_rbac1' AND name IN ('viewer', 'auditor')$$);
SELECT pg_temp.closure_ok('env_rbac1') AS closure_ok_after_refusals;

-- organization roles: may extend environment roles and their own organization's
SELECT name, extends, is_org_role, organization_id = :'org' AS in_org
FROM idm.create_role('org_owner', 'Owner', extends => 'admin', organization_id => :'org');
SELECT name, extends FROM idm.create_role('org_helper', extends => 'org_owner', organization_id => :'org');
SELECT pg_temp.eff('org_helper', :'org') = pg_temp.eff('admin') AS helper_inherits_admin;
SELECT string_agg(name, ' ' ORDER BY name) AS org_roles FROM idm.list_roles(:'org');
SELECT string_agg(name, ' ' ORDER BY name) AS env_roles FROM idm.list_roles();
-- the same organization-role name in another organization is fine
SELECT name FROM idm.create_role('org_helper', organization_id => :'org2');
SELECT idm.dependent_roles_count(r) AS admin_dependents FROM idm.roles r
WHERE environment_id = 'env_rbac1' AND name = 'admin';

-- default creator / member: at most one each per environment and per organization
SELECT idm.set_default_roles('admin', 'viewer');
SELECT idm.set_default_roles(default_member_role => 'editor');
SELECT idm.set_default_roles(default_member_role => 'viewer');
SELECT idm.set_default_roles('org_owner', 'org_helper', :'org');
SELECT name, organization_id IS NOT NULL AS org_role, default_creator, default_member FROM idm.roles
WHERE environment_id = 'env_rbac1' AND (default_creator OR default_member) ORDER BY name;

-- bad input: precise errors, nothing written --------------------------------
SELECT (SELECT count(*) FROM idm.roles WHERE environment_id LIKE 'env_rbac%') AS roles_before,
       (SELECT count(*) FROM idm.permissions WHERE environment_id LIKE 'env_rbac%') AS perms_before,
       (SELECT count(*) FROM idm.role_permissions WHERE environment_id LIKE 'env_rbac%') AS grants_before,
       (SELECT count(*) FROM idm.role_ancestors WHERE environment_id LIKE 'env_rbac%') AS ancestors_before,
       (SELECT count(*) FROM idm.role_effective_permissions WHERE environment_id LIKE 'env_rbac%') AS closure_before,
       (SELECT count(*) FROM idm.events WHERE environment_id LIKE 'env_rbac%') AS events_before;
-- permission names
SELECT pg_temp.err($$SELECT idm.create_permission('Read:Documents')$$);
SELECT pg_temp.err($$SELECT idm.create_permission('read')$$);
SELECT pg_temp.err($$SELECT idm.create_permission('read::documents')$$);
SELECT pg_temp.err($$SELECT idm.create_permission(':documents')$$);
SELECT pg_temp.err($$SELECT idm.create_permission('read:documents:')$$);
SELECT pg_temp.err($$SELECT idm.create_permission('read:*')$$);
SELECT pg_temp.err($$SELECT idm.create_permission('read:_private')$$);
SELECT pg_temp.err($$SELECT idm.create_permission('read:docs and more')$$);
SELECT pg_temp.err($$SELECT idm.create_permission('')$$);
SELECT pg_temp.err($$SELECT idm.create_permission('read:' || repeat('x', 100))$$);
SELECT pg_temp.err($$SELECT idm.create_permission('read:documents')$$);
SELECT pg_temp.err($$SELECT idm.create_permission('a:b', repeat('x', 2001))$$);
SELECT pg_temp.err($$SELECT idm.create_permission('a:b', permission_type => 'CUSTOM')$$);
SELECT pg_temp.err($$SELECT idm.create_permission('a:b', environment_id => 'env_missing')$$);
SELECT pg_temp.err($$SELECT idm.update_permission('read:documents', new_name => 'manage:users')$$);
SELECT pg_temp.err($$SELECT idm.update_permission('no:such')$$);
SELECT pg_temp.err($$SELECT idm.delete_permission('no:such')$$);
SELECT pg_temp.err($$UPDATE idm.permissions SET id = 'perm_1' WHERE name = 'read:documents' AND environment_id = 'env_rbac1'$$);
-- listing types
SELECT pg_temp.err($$SELECT * FROM idm.list_permissions('all')$$);
SELECT pg_temp.err($$SELECT * FROM idm.list_permissions('CUSTOM')$$);
-- role names and fields
SELECT pg_temp.err($$SELECT idm.create_role('content editor')$$);
SELECT pg_temp.err($$SELECT idm.create_role('content-editor')$$);
SELECT pg_temp.err($$SELECT idm.create_role('')$$);
SELECT pg_temp.err($$SELECT idm.create_role(repeat('r', 65))$$);
SELECT pg_temp.err($$SELECT idm.create_role('r1', '')$$);
SELECT pg_temp.err($$SELECT idm.create_role('r1', description => repeat('d', 2001))$$);
SELECT pg_temp.err($$SELECT idm.create_role('r1', extends => 'no such')$$);
-- duplicates and name clashes between scopes
SELECT pg_temp.err($$SELECT idm.create_role('viewer')$$);
SELECT pg_temp.err(format($$SELECT idm.create_role('org_owner', organization_id => %L)$$, :'org'));
SELECT pg_temp.err(format($$SELECT idm.create_role('viewer', organization_id => %L)$$, :'org'));
SELECT pg_temp.err($$SELECT idm.create_role('org_helper')$$);
-- unknown roles and permissions
SELECT pg_temp.err($$SELECT idm.create_role('r1', extends => 'ghost')$$);
SELECT pg_temp.err($$SELECT idm.create_role('r1', permissions => '{read:documents,no:such}')$$);
SELECT pg_temp.err($$SELECT idm.update_role('ghost', display_name => 'x')$$);
SELECT pg_temp.err($$SELECT idm.update_role('viewer', extends => 'ghost')$$);
SELECT pg_temp.err($$SELECT idm.add_role_permissions('viewer', '{no:such}')$$);
SELECT pg_temp.err($$SELECT idm.remove_role_permission('viewer', 'manage:users')$$);
SELECT pg_temp.err($$SELECT idm.remove_role_permission('viewer', 'no:such')$$);
SELECT pg_temp.err($$SELECT idm.delete_role('ghost')$$);
SELECT pg_temp.err($$SELECT idm.set_default_roles('ghost')$$);
-- scopes: an environment role cannot extend an organization role, nor one of another organization
SELECT pg_temp.err($$SELECT idm.create_role('r1', extends => 'org_owner')$$);
SELECT pg_temp.err(format($$SELECT idm.create_role('r1', extends => 'org_owner', organization_id => %L)$$, :'org2'));
SELECT pg_temp.err(format($$SELECT idm.create_role('r1', organization_id => %L)$$, 'org_404'));
SELECT pg_temp.err($$SELECT idm.create_role('r1', environment_id => 'env_rbac2', extends => 'viewer')$$);
SELECT pg_temp.err($$INSERT INTO idm.role_permissions (environment_id, role_id, permission_id)
    SELECT 'env_rbac2', r.id, p.id FROM idm.roles r, idm.permissions p
    WHERE r.environment_id = 'env_rbac1' AND r.name = 'viewer' AND p.environment_id = 'env_rbac2'$$);
-- identity never changes
SELECT pg_temp.err($$UPDATE idm.roles SET name = 'watcher' WHERE name = 'viewer' AND environment_id = 'env_rbac1'$$);
SELECT pg_temp.err(format($$UPDATE idm.roles SET organization_id = %L WHERE name = 'auditor'$$, :'org'));
SELECT pg_temp.err($$UPDATE idm.roles SET id = 'role_1' WHERE name = 'auditor'$$);
-- defaults: a second default in the same scope
SELECT pg_temp.err($$UPDATE idm.roles SET default_creator = true WHERE name = 'viewer' AND environment_id = 'env_rbac1'$$);
-- deleting a role others extend
SELECT pg_temp.err($$SELECT idm.delete_role('viewer')$$);
SELECT pg_temp.err($$DELETE FROM idm.roles WHERE name = 'publisher'$$);
SELECT pg_temp.err($$INSERT INTO idm.roles (environment_id, id, name, display_name) VALUES ('env_rbac1', 'perm_1', 'x', 'x')$$);
RESET idm.environment_id;
SELECT pg_temp.err($$SELECT idm.create_role('no_env')$$);
SELECT pg_temp.err($$SELECT * FROM idm.list_permissions()$$);
SET idm.environment_id = 'env_rbac1';
SELECT (SELECT count(*) FROM idm.roles WHERE environment_id LIKE 'env_rbac%') AS roles_after,
       (SELECT count(*) FROM idm.permissions WHERE environment_id LIKE 'env_rbac%') AS perms_after,
       (SELECT count(*) FROM idm.role_permissions WHERE environment_id LIKE 'env_rbac%') AS grants_after,
       (SELECT count(*) FROM idm.role_ancestors WHERE environment_id LIKE 'env_rbac%') AS ancestors_after,
       (SELECT count(*) FROM idm.role_effective_permissions WHERE environment_id LIKE 'env_rbac%') AS closure_after,
       (SELECT count(*) FROM idm.events WHERE environment_id LIKE 'env_rbac%') AS events_after;
SELECT pg_temp.closure_ok('env_rbac1') AS closure_ok;

-- deletions keep the closures exact -------------------------------------------
-- a deleted permission leaves every role
SELECT idm.delete_permission('write:documents');
SELECT pg_temp.eff('admin') AS admin_without_write, pg_temp.closure_ok('env_rbac1') AS closure_ok;
-- deleting a leaf role, then a chain bottom-up
SELECT idm.delete_role('org_helper', organization_id => :'org');
SELECT idm.delete_role('org_owner', organization_id => :'org');
SELECT idm.delete_role('admin');
SELECT count(*) AS admin_closure_rows FROM idm.role_ancestors a
WHERE environment_id = 'env_rbac1' AND NOT EXISTS (SELECT FROM idm.roles r WHERE r.environment_id = a.environment_id AND r.id IN (a.role_id, a.ancestor_id));
-- deleting an organization deletes its roles, chains included, in one statement
SELECT name FROM idm.create_role('org2_base', organization_id => :'org2', extends => 'viewer', permissions => '{manage:users}');
SELECT name FROM idm.create_role('org2_top', organization_id => :'org2', extends => 'org2_base');
SELECT idm.delete_organization(:'org2');
SELECT count(*) AS org2_roles FROM idm.roles WHERE organization_id = :'org2';
SELECT pg_temp.closure_ok('env_rbac1') AS closure_ok;
-- a role's whole family at once, base first in the statement
DELETE FROM idm.roles WHERE environment_id = 'env_rbac1' AND name IN ('viewer', 'editor', 'publisher');
SELECT string_agg(name, ' ') AS roles_left FROM idm.roles WHERE environment_id = 'env_rbac1';
SELECT pg_temp.closure_ok('env_rbac1') AS closure_ok,
       (SELECT count(*) FROM idm.role_effective_permissions WHERE environment_id = 'env_rbac1') AS closure_rows;

-- TRUNCATE fires no row trigger: the closures are emptied with it
SELECT name FROM idm.create_role('auditor_plus', extends => 'auditor', permissions => '{manage:users}');
BEGIN;
TRUNCATE idm.role_permissions;
SELECT (SELECT count(*) FROM idm.role_ancestors) > 0 AS ancestors_kept,
       (SELECT count(*) FROM idm.role_effective_permissions) AS effective_permissions;
TRUNCATE idm.roles CASCADE;
SELECT (SELECT count(*) FROM idm.role_ancestors) AS ancestors,
       (SELECT count(*) FROM idm.membership_roles) AS membership_roles;
ROLLBACK;
SELECT pg_temp.closure_ok('env_rbac1') AS closure_ok;

-- the triggers refuse to be called wrongly
SELECT idm.role_closure();
SELECT idm.role_before();
