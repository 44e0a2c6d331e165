-- The demo's scenario: a B2B app onboarding a customer. Extend it as
-- resources land; every statement here should emit events a receiver sees.
CREATE EXTENSION pg_idm;

INSERT INTO idm.environments (id, name) VALUES ('env_demo', 'Demo (production)');
SET idm.environment_id = 'env_demo';

-- A customer signs up; its organization is created with an external id.
SELECT idm.create_organization('Acme Corp', 'acme-001', 'US', '{"plan": "trial"}');

-- They upgrade and enable SSO; a no-op update right after emits nothing.
UPDATE idm.organizations
SET metadata = '{"plan": "enterprise"}',
    settings = '{"features": [{"name": "sso", "enabled": true}, {"name": "dir_sync", "enabled": false}]}'
WHERE external_id = 'acme-001';
UPDATE idm.organizations SET display_name = display_name WHERE external_id = 'acme-001';

-- A second customer tries the product, then leaves.
SELECT idm.create_organization('Globex', 'globex-042', 'EU');
SELECT idm.delete_organization(id) FROM idm.organizations WHERE external_id = 'globex-042';

-- RBAC: permissions, roles that inherit through extends, and a member's role.
SELECT idm.create_permission('read:documents', 'Read documents');
SELECT idm.create_permission('write:documents', 'Create and edit documents');
SELECT idm.create_permission('manage:billing', 'Manage the subscription');
SELECT idm.create_role('viewer', 'Viewer', 'Read-only access', permissions => '{read:documents}');
SELECT idm.create_role('editor', 'Editor', 'Can edit documents', extends => 'viewer',
                       permissions => '{write:documents}');
SELECT idm.create_role('acme_admin', 'Acme Admin', 'Acme''s own administrators', extends => 'editor',
                       permissions => '{manage:billing}',
                       organization_id => (SELECT id FROM idm.organizations WHERE external_id = 'acme-001'));
INSERT INTO idm.users (environment_id, email, given_name, family_name)
VALUES ('env_demo', 'jane@acme.example', 'Jane', 'Doe');
INSERT INTO idm.memberships (environment_id, organization_id, user_id)
SELECT 'env_demo', o.id, u.id FROM idm.organizations o, idm.users u
WHERE o.external_id = 'acme-001' AND u.email = 'jane@acme.example';
SELECT idm.add_membership_role(u.id, o.id, 'acme_admin')
FROM idm.organizations o, idm.users u WHERE o.external_id = 'acme-001' AND u.email = 'jane@acme.example';
-- the check an app makes on every request: inherited from viewer, two levels up
SELECT idm.has_permission(u.id, o.id, 'read:documents')
FROM idm.organizations o, idm.users u WHERE o.external_id = 'acme-001' AND u.email = 'jane@acme.example';
UPDATE idm.roles SET description = 'Can create, edit and publish documents' WHERE name = 'editor';
