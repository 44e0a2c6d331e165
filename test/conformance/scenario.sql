-- The conformance scenario: the demo (scripts/demo.sql), then the changes
-- the demo does not make, so that every event type of the catalogue is
-- produced at least once.
\set ON_ERROR_STOP 1
\ir ../../scripts/demo.sql

SET idm.environment_id = 'env_demo';
SELECT id AS acme FROM idm.organizations WHERE environment_id = 'env_demo' AND external_id = 'acme-001' \gset
SELECT id AS dir FROM idm.directories WHERE environment_id = 'env_demo' AND organization_id = :'acme' \gset
SELECT id AS conn FROM idm.connections WHERE environment_id = 'env_demo' AND organization_id = :'acme' LIMIT 1 \gset
SELECT id AS ads FROM idm.connected_accounts WHERE environment_id = 'env_demo' AND connector = 'google_ads' \gset

-- directory sync: a group renamed and shrunk, a user and the group removed, then sync off
SELECT id FROM idm.upsert_directory_group(:'dir', '00g1okta', 'Administrators', members => '{00u2okta}');
SELECT idm.delete_directory_user(:'dir', '00u1okta');
SELECT idm.delete_directory_group(:'dir', '00g1okta');
SELECT enabled FROM idm.disable_directory(:'dir');

-- SSO turned off, then the connection removed
SELECT enabled FROM idm.disable_connection(:'conn');
SELECT idm.delete_connection(:'conn');

-- RBAC: a permission reworded, a temporary role and permission removed
SELECT name FROM idm.update_permission('manage:billing', description => 'Manage billing and invoices');
SELECT name FROM idm.create_permission('temp:access', 'Temporary access');
SELECT idm.delete_permission('temp:access');
SELECT name FROM idm.create_role('contractor', 'Contractor', 'Temporary staff', extends => 'viewer');
SELECT idm.delete_role('contractor');

-- a connected account renamed
SELECT identifier FROM idm.update_connected_account(:'ads', identifier => 'ads-team@acme.test');

-- a member leaves Initech
SELECT idm.delete_membership(m.organization_id, m.user_id)
FROM idm.memberships m JOIN idm.users u ON u.environment_id = m.environment_id AND u.id = m.user_id
WHERE m.environment_id = 'env_demo' AND lower(u.email) = 'samir@initech.example';
