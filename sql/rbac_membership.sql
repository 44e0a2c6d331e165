-- rbac_membership: roles of memberships, effective permissions, idm.has_permission
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
-- can(user, org): the permissions among a fixed list that has_permission grants
CREATE FUNCTION pg_temp.can(usr text, org text) RETURNS text LANGUAGE sql AS $f$
    SELECT coalesce(string_agg(p, ' ' ORDER BY p), '-') FROM unnest(ARRAY['read:docs', 'write:docs',
        'publish:docs', 'manage:billing', 'audit:logs', 'export:data']) p
    WHERE idm.has_permission(usr, org, p)
$f$;

INSERT INTO idm.environments (id, name) VALUES ('env_rbacm1', 'rbac membership test'), ('env_rbacm2', 'other');
SET idm.environment_id = 'env_rbacm1';
INSERT INTO idm.organizations (environment_id, id, display_name)
VALUES ('env_rbacm1', 'org_acme', 'Acme'), ('env_rbacm1', 'org_globex', 'Globex'),
       ('env_rbacm2', 'org_acme', 'Acme elsewhere');
INSERT INTO idm.users (environment_id, id, email) VALUES
    ('env_rbacm1', 'usr_ann', 'ann@acme.example'), ('env_rbacm1', 'usr_bob', 'bob@acme.example'),
    ('env_rbacm1', 'usr_cat', 'cat@acme.example'), ('env_rbacm2', 'usr_ann', 'ann@acme.example');
INSERT INTO idm.memberships (environment_id, organization_id, user_id, membership_status, expires_at) VALUES
    ('env_rbacm1', 'org_acme', 'usr_ann', 'ACTIVE', NULL), ('env_rbacm1', 'org_globex', 'usr_ann', 'ACTIVE', NULL),
    ('env_rbacm1', 'org_acme', 'usr_bob', 'ACTIVE', NULL),
    ('env_rbacm1', 'org_acme', 'usr_cat', 'PENDING_INVITE', now() + interval '7 days'),
    ('env_rbacm2', 'org_acme', 'usr_ann', 'ACTIVE', NULL);

SELECT count(*) FROM (SELECT idm.create_permission(p) FROM unnest(ARRAY['read:docs', 'write:docs',
    'publish:docs', 'manage:billing', 'audit:logs', 'export:data']) p) s;
SELECT idm.create_permission('read:docs', environment_id => 'env_rbacm2') IS NOT NULL AS other_env_perm;
-- three levels of environment roles, and an organization role on top
SELECT name FROM idm.create_role('reader', permissions => '{read:docs}');
SELECT name FROM idm.create_role('writer', extends => 'reader', permissions => '{write:docs}');
SELECT name FROM idm.create_role('publisher', extends => 'writer', permissions => '{publish:docs}');
SELECT name FROM idm.create_role('auditor', permissions => '{audit:logs}');
SELECT name FROM idm.create_role('acme_billing', extends => 'publisher', permissions => '{manage:billing}',
                                 organization_id => 'org_acme');
SELECT name FROM idm.create_role('globex_exporter', permissions => '{export:data}', organization_id => 'org_globex');
-- an environment role of the other environment, same name
SELECT name FROM idm.create_role('publisher', permissions => '{read:docs}', environment_id => 'env_rbacm2');

-- membership roles -------------------------------------------------------------
SELECT idm.add_membership_role('usr_ann', 'org_acme', 'acme_billing');
SELECT idm.add_membership_role('usr_ann', 'org_globex', 'reader');
SELECT idm.add_membership_role('usr_ann', 'org_globex', 'globex_exporter');
SELECT idm.set_membership_roles('usr_bob', 'org_acme', '{writer,auditor}');
SELECT idm.add_membership_role('usr_cat', 'org_acme', 'publisher');
SELECT idm.add_membership_role('usr_ann', 'org_acme', 'publisher', 'env_rbacm2');
-- adding a role twice is a no-op
SELECT idm.add_membership_role('usr_bob', 'org_acme', 'writer');
SELECT mr.organization_id, mr.user_id, string_agg(r.name, ' ' ORDER BY r.name) AS roles
FROM idm.membership_roles mr JOIN idm.roles r ON r.environment_id = mr.environment_id AND r.id = mr.role_id
WHERE mr.environment_id = 'env_rbacm1' GROUP BY 1, 2 ORDER BY 1, 2;
SELECT string_agg(name, ' ') AS bob_roles FROM idm.list_user_roles('usr_bob', 'org_acme');

-- has_permission ---------------------------------------------------------------
-- inherited through an organization role three levels down, direct, and per organization
SELECT pg_temp.can('usr_ann', 'org_acme') AS ann_acme, pg_temp.can('usr_ann', 'org_globex') AS ann_globex,
       pg_temp.can('usr_bob', 'org_acme') AS bob_acme;
-- a membership that is not ACTIVE grants nothing, whatever roles it holds
SELECT pg_temp.can('usr_cat', 'org_acme') AS cat_pending_invite;
-- not a member, unknown user, unknown organization, unknown permission
SELECT pg_temp.can('usr_bob', 'org_globex') AS bob_globex,
       idm.has_permission('usr_zed', 'org_acme', 'read:docs') AS unknown_user,
       idm.has_permission('usr_ann', 'org_nowhere', 'read:docs') AS unknown_org,
       idm.has_permission('usr_ann', 'org_acme', 'fly:planes') AS unknown_permission;
-- the environment: the setting, or the argument; the other environment has other rows
SELECT idm.has_permission('usr_ann', 'org_acme', 'read:docs', 'env_rbacm2') AS env2_read,
       idm.has_permission('usr_ann', 'org_acme', 'write:docs', 'env_rbacm2') AS env2_write,
       idm.has_permission('usr_bob', 'org_acme', 'read:docs', 'env_rbacm2') AS env2_bob,
       idm.has_permission('usr_ann', 'org_acme', 'write:docs', 'env_nowhere') AS unknown_env;
-- NULL arguments give false, never NULL
SELECT idm.has_permission(NULL, 'org_acme', 'read:docs') AS null_user,
       idm.has_permission('usr_ann', NULL, 'read:docs') AS null_org,
       idm.has_permission('usr_ann', 'org_acme', NULL) AS null_permission;
-- the hot path is STABLE and PARALLEL SAFE, and gives the same answers in a parallel worker
SELECT provolatile, proparallel, proisstrict FROM pg_proc
WHERE oid = 'idm.has_permission(text, text, text, text)'::regprocedure;
SET force_parallel_mode = on;
SELECT count(*) FILTER (WHERE idm.has_permission(user_id, organization_id, 'read:docs', environment_id)) AS granted_in_worker,
       count(*) AS memberships
FROM idm.memberships WHERE environment_id LIKE 'env_rbacm%';
RESET force_parallel_mode;

-- effective permissions of a user in an organization
SELECT string_agg(name, ' ') AS ann_acme FROM idm.list_user_permissions('usr_ann', 'org_acme');
SELECT string_agg(name, ' ') AS bob_acme FROM idm.list_user_permissions('usr_bob', 'org_acme');
SELECT count(*) AS cat_pending FROM idm.list_user_permissions('usr_cat', 'org_acme');

-- changes take effect at once ----------------------------------------------------
-- a grant to the base role reaches every member holding a dependent role
SELECT idm.add_role_permissions('reader', '{export:data}');
SELECT pg_temp.can('usr_ann', 'org_acme') AS ann_acme, pg_temp.can('usr_bob', 'org_acme') AS bob_acme;
SELECT idm.remove_role_permission('reader', 'export:data');
-- cutting the chain takes the inherited permissions away
SELECT name FROM idm.delete_role_base('writer');
SELECT pg_temp.can('usr_ann', 'org_acme') AS ann_acme, pg_temp.can('usr_bob', 'org_acme') AS bob_acme;
SELECT name FROM idm.update_role('writer', extends => 'reader');
-- status changes: INACTIVE grants nothing, ACTIVE again restores
UPDATE idm.memberships SET membership_status = 'INACTIVE' WHERE user_id = 'usr_bob' AND environment_id = 'env_rbacm1';
SELECT pg_temp.can('usr_bob', 'org_acme') AS bob_inactive;
UPDATE idm.memberships SET membership_status = 'ACTIVE' WHERE user_id = 'usr_bob' AND environment_id = 'env_rbacm1';
SELECT pg_temp.can('usr_bob', 'org_acme') AS bob_active;
-- removing and replacing roles
SELECT idm.remove_membership_role('usr_bob', 'org_acme', 'auditor');
SELECT idm.set_membership_roles('usr_ann', 'org_globex', '{globex_exporter}');
SELECT pg_temp.can('usr_bob', 'org_acme') AS bob, pg_temp.can('usr_ann', 'org_globex') AS ann_globex;
SELECT idm.set_membership_roles('usr_ann', 'org_globex', '{}');
SELECT pg_temp.can('usr_ann', 'org_globex') AS ann_globex_no_roles;

-- row-level security and privileges: has_permission then answers through SPI,
-- under the caller's policies (here: only the current environment's rows)
BEGIN;
CREATE ROLE regress_rbac_app;
GRANT USAGE ON SCHEMA idm TO regress_rbac_app;
GRANT SELECT ON idm.permissions, idm.memberships, idm.role_effective_permissions TO regress_rbac_app;
SET LOCAL ROLE regress_rbac_app;
SELECT pg_temp.err($$SELECT idm.has_permission('usr_ann', 'org_acme', 'read:docs')$$) AS no_select_privilege;
RESET ROLE;
GRANT SELECT ON idm.membership_roles TO regress_rbac_app;
ALTER TABLE idm.membership_roles ENABLE ROW LEVEL SECURITY;
CREATE POLICY env_only ON idm.membership_roles
    USING (environment_id = current_setting('idm.environment_id', true));
SET LOCAL ROLE regress_rbac_app;
SELECT pg_temp.can('usr_ann', 'org_acme') AS ann_acme_under_rls,
       idm.has_permission('usr_ann', 'org_acme', 'read:docs', 'env_rbacm2') AS env2_hidden_by_policy;
RESET ROLE;
SELECT idm.has_permission('usr_ann', 'org_acme', 'read:docs', 'env_rbacm2') AS env2_as_owner;
ROLLBACK;

-- roles and deletions --------------------------------------------------------------
-- a role held by members cannot be deleted, unless they are moved to another role
SELECT idm.add_membership_role('usr_bob', 'org_acme', 'auditor');
SELECT idm.add_membership_role('usr_ann', 'org_acme', 'auditor');
SELECT idm.add_membership_role('usr_ann', 'org_acme', 'reader');
SELECT pg_temp.err($$SELECT idm.delete_role('auditor')$$);
SELECT idm.delete_role('auditor', reassign_role_name => 'reader');
SELECT mr.organization_id, mr.user_id, string_agg(r.name, ' ' ORDER BY r.name) AS roles
FROM idm.membership_roles mr JOIN idm.roles r ON r.environment_id = mr.environment_id AND r.id = mr.role_id
WHERE mr.environment_id = 'env_rbacm1' GROUP BY 1, 2 ORDER BY 1, 2;
-- deleting a membership takes its roles with it
DELETE FROM idm.memberships WHERE environment_id = 'env_rbacm1' AND organization_id = 'org_acme' AND user_id = 'usr_cat';
SELECT count(*) AS cat_roles FROM idm.membership_roles WHERE environment_id = 'env_rbacm1' AND user_id = 'usr_cat';
-- deleting an organization takes its roles and its members' roles with it
SELECT idm.add_membership_role('usr_ann', 'org_globex', 'globex_exporter');
SELECT idm.delete_organization('org_globex');
SELECT count(*) AS globex_roles FROM idm.roles WHERE environment_id = 'env_rbacm1' AND organization_id = 'org_globex';

-- bad input: precise errors, nothing written --------------------------------------
INSERT INTO idm.organizations (environment_id, id, display_name) VALUES ('env_rbacm1', 'org_initech', 'Initech');
INSERT INTO idm.memberships (environment_id, organization_id, user_id) VALUES ('env_rbacm1', 'org_initech', 'usr_bob');
SELECT (idm.create_role('initech_only', organization_id => 'org_initech')).name;
SELECT (SELECT count(*) FROM idm.membership_roles WHERE environment_id LIKE 'env_rbacm%') AS assignments_before,
       (SELECT count(*) FROM idm.roles WHERE environment_id LIKE 'env_rbacm%') AS roles_before,
       (SELECT count(*) FROM idm.events WHERE environment_id LIKE 'env_rbacm%') AS events_before;
-- a role of another organization
SELECT pg_temp.err($$SELECT idm.add_membership_role('usr_bob', 'org_acme', 'initech_only')$$);
SELECT pg_temp.err($$INSERT INTO idm.membership_roles (environment_id, organization_id, user_id, role_id)
    SELECT 'env_rbacm1', 'org_acme', 'usr_bob', id FROM idm.roles WHERE name = 'initech_only'$$);
SELECT pg_temp.err($$UPDATE idm.membership_roles SET role_id = (SELECT id FROM idm.roles WHERE name = 'initech_only')
    WHERE environment_id = 'env_rbacm1' AND organization_id = 'org_acme' AND user_id = 'usr_bob'$$);
-- unknown role, unknown membership, a role of another environment
SELECT pg_temp.err($$SELECT idm.add_membership_role('usr_bob', 'org_acme', 'ghost')$$);
SELECT pg_temp.err($$SELECT idm.set_membership_roles('usr_bob', 'org_acme', '{writer,ghost}')$$);
SELECT pg_temp.err($$SELECT idm.add_membership_role('usr_zed', 'org_acme', 'writer')$$);
SELECT pg_temp.err($$INSERT INTO idm.membership_roles (environment_id, organization_id, user_id, role_id)
    SELECT 'env_rbacm1', 'org_acme', 'usr_bob', id FROM idm.roles WHERE environment_id = 'env_rbacm2' AND name = 'publisher'$$);
SELECT pg_temp.err($$INSERT INTO idm.membership_roles (environment_id, organization_id, user_id, role_id)
    VALUES ('env_rbacm1', 'org_acme', 'usr_bob', 'role_404')$$);
-- a duplicate by plain INSERT
SELECT pg_temp.err($$INSERT INTO idm.membership_roles (environment_id, organization_id, user_id, role_id)
    SELECT environment_id, organization_id, user_id, role_id FROM idm.membership_roles
    WHERE environment_id = 'env_rbacm1' AND user_id = 'usr_bob' LIMIT 1$$);
-- reassigning to itself, to a missing role
SELECT pg_temp.err($$SELECT idm.delete_role('writer', reassign_role_name => 'writer')$$);
SELECT pg_temp.err($$SELECT idm.delete_role('writer', reassign_role_name => 'ghost')$$);
-- has_permission: a malformed permission name is a caller's bug, and there must be an environment
SELECT pg_temp.err($$SELECT idm.has_permission('usr_ann', 'org_acme', 'Read Docs')$$);
RESET idm.environment_id;
SELECT pg_temp.err($$SELECT idm.has_permission('usr_ann', 'org_acme', 'read:docs')$$);
SET idm.environment_id = 'env_rbacm1';
SELECT (SELECT count(*) FROM idm.membership_roles WHERE environment_id LIKE 'env_rbacm%') AS assignments_after,
       (SELECT count(*) FROM idm.roles WHERE environment_id LIKE 'env_rbacm%') AS roles_after,
       (SELECT count(*) FROM idm.events WHERE environment_id LIKE 'env_rbacm%') AS events_after;

-- the membership triggers refuse to be called wrongly
SELECT idm.membership_role_before();
