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

-- Users, memberships, sessions: a founder signs up, invites a colleague who
-- accepts, logs in from a laptop and later logs out.
SELECT organization_id AS initech, user_id AS founder
FROM idm.signup('peter@initech.example', 'Initech', 'Peter', 'Gibbons', 'Peter Gibbons',
                'initech-007', 'US') \gset
SELECT idm.add_external_identity(:'founder', 'conn_google', 'GOOGLE', 'OAUTH', '1050553795', true);
SELECT idm.invite_user(:'initech', 'Samir@Initech.example', 'peter@initech.example');
SELECT user_id AS samir FROM idm.memberships
WHERE organization_id = :'initech' AND membership_status = 'PENDING_INVITE' \gset
SELECT idm.accept_invitation(:'initech', :'samir');
SELECT id AS laptop FROM idm.login(:'samir', :'initech',
    '{"browser": "Firefox", "browser_version": "128.0", "device_type": "Desktop", "ip": "203.0.113.7",
      "os": "Linux", "user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
      "location": {"city": "Austin", "latitude": "30.2672", "longitude": "-97.7431", "region": "US",
                   "region_subdivision": "TX"}}') \gset
SELECT idm.touch_session(:'laptop');
SELECT idm.logout(:'laptop');
