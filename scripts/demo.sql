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
WHERE environment_id = 'env_demo' AND external_id = 'acme-001';
UPDATE idm.organizations SET display_name = display_name WHERE environment_id = 'env_demo' AND external_id = 'acme-001';

-- Its first employee, who signed in with Google.
INSERT INTO idm.users (environment_id, email, given_name, family_name, name, email_verified)
VALUES ('env_demo', 'john.doe@acmecorp.com', 'John', 'Doe', 'John Doe', true);
INSERT INTO idm.external_identities (environment_id, user_id, connection_id, connection_provider,
                                     connection_type, connection_user_id, is_social)
SELECT 'env_demo', id, 'conn_97896332307464201', 'GOOGLE', 'OAUTH', '105055379523565727691', true
FROM idm.users WHERE environment_id = 'env_demo' AND email = 'john.doe@acmecorp.com';
INSERT INTO idm.memberships (environment_id, organization_id, user_id, provisioning_method, join_time)
SELECT 'env_demo', o.id, u.id, 'org_creator', now()
FROM idm.organizations o, idm.users u
WHERE o.environment_id = 'env_demo' AND u.environment_id = 'env_demo'
  AND o.external_id = 'acme-001' AND u.email = 'john.doe@acmecorp.com';

-- A second customer tries the product, then leaves.
SELECT idm.create_organization('Globex', 'globex-042', 'EU');
SELECT idm.delete_organization(id) FROM idm.organizations WHERE environment_id = 'env_demo' AND external_id = 'globex-042';

-- Acme proves acme.com, sets up Okta SSO and turns it on; its partner's
-- staff may join too.  Signing in as jane@sales.acme.com is now SSO-only.
SELECT idm.create_domain(id, 'Acme.com') FROM idm.organizations WHERE environment_id = 'env_demo' AND external_id = 'acme-001';
SELECT idm.create_domain(id, 'acme-partners.com', 'ALLOWED_EMAIL_DOMAIN')
FROM idm.organizations WHERE environment_id = 'env_demo' AND external_id = 'acme-001';
SELECT id AS acme_sso FROM idm.create_connection(
    (SELECT id FROM idm.organizations WHERE environment_id = 'env_demo' AND external_id = 'acme-001'),
    'SAML', 'OKTA', 'COMPLETED', provider_key => 'okta') \gset
SELECT idm.enable_connection(:'acme_sso');
SELECT sso_enforced, connection_id = :'acme_sso' AS via_okta FROM idm.route_email('jane@sales.acme.com');

-- Acme connects Okta through SCIM: the directory starts disabled (no event),
-- enabling it emits organization.directory_enabled.
SELECT id AS acme_dir FROM idm.create_directory(
    (SELECT id FROM idm.organizations WHERE environment_id = 'env_demo' AND external_id = 'acme-001'), 'OKTA', name => 'Acme Okta') \gset
SELECT enabled FROM idm.enable_directory(:'acme_dir');
-- Okta pushes two users and an Admins group holding both; the group grants a role.
SELECT dp_id FROM idm.upsert_directory_user(:'acme_dir', '00u1okta', 'ada@acme.example',
    given_name => 'Ada', family_name => 'Lovelace', title => 'CTO', department => 'Engineering');
SELECT dp_id FROM idm.upsert_directory_user(:'acme_dir', '00u2okta', 'grace@acme.example',
    given_name => 'Grace', family_name => 'Hopper', title => 'Engineer');
SELECT id AS admins FROM idm.upsert_directory_group(:'acme_dir', '00g1okta', 'Admins',
    members => '{00u1okta,00u2okta}') \gset
SELECT idm.assign_directory_group_role(:'admins', 'admin');
-- A second full sync with nothing new emits nothing.
SELECT dp_id FROM idm.upsert_directory_user(:'acme_dir', '00u2okta', 'grace@acme.example',
    given_name => 'Grace', family_name => 'Hopper', title => 'Engineer');
SELECT last_synced_at IS NOT NULL AS synced FROM idm.mark_directory_synced(:'acme_dir');

-- RBAC: permissions, roles that inherit through extends, and a member's role.
SELECT idm.create_permission('read:documents', 'Read documents');
SELECT idm.create_permission('write:documents', 'Create and edit documents');
SELECT idm.create_permission('manage:billing', 'Manage the subscription');
SELECT idm.create_role('viewer', 'Viewer', 'Read-only access', permissions => '{read:documents}');
SELECT idm.create_role('editor', 'Editor', 'Can edit documents', extends => 'viewer',
                       permissions => '{write:documents}');
SELECT idm.create_role('acme_admin', 'Acme Admin', 'Acme''s own administrators', extends => 'editor',
                       permissions => '{manage:billing}',
                       organization_id => (SELECT id FROM idm.organizations WHERE environment_id = 'env_demo' AND external_id = 'acme-001'));
INSERT INTO idm.users (environment_id, email, given_name, family_name)
VALUES ('env_demo', 'jane@acme.example', 'Jane', 'Doe');
INSERT INTO idm.memberships (environment_id, organization_id, user_id)
SELECT 'env_demo', o.id, u.id FROM idm.organizations o, idm.users u
WHERE o.environment_id = 'env_demo' AND u.environment_id = 'env_demo'
  AND o.external_id = 'acme-001' AND u.email = 'jane@acme.example';
SELECT idm.add_membership_role(u.id, o.id, 'acme_admin')
FROM idm.organizations o, idm.users u WHERE o.environment_id = 'env_demo' AND u.environment_id = 'env_demo'
  AND o.external_id = 'acme-001' AND u.email = 'jane@acme.example';
-- the check an app makes on every request: inherited from viewer, two levels up
SELECT idm.has_permission(u.id, o.id, 'read:documents')
FROM idm.organizations o, idm.users u WHERE o.environment_id = 'env_demo' AND u.environment_id = 'env_demo'
  AND o.external_id = 'acme-001' AND u.email = 'jane@acme.example';
UPDATE idm.roles SET description = 'Can create, edit and publish documents' WHERE environment_id = 'env_demo' AND name = 'editor';

-- Acme connects third-party accounts.  Their credentials are encrypted with
-- a key only a superuser sets in postgresql.conf (idm.credential_keys; the
-- throwaway cluster of scripts/lib.sh gets a random one).
SELECT id AS acme FROM idm.organizations WHERE environment_id = 'env_demo' AND external_id = 'acme-001' \gset

-- Google Ads through OAuth: link sent, tokens fetched, done; a refresh fails, the next works.
SELECT id AS ads FROM idm.create_connected_account('google_ads', 'marketing@acme.test', 'conn_2001', 'GOOGLE_ADS',
                                                   organization_id => :'acme') \gset
SELECT idm.generate_magic_link(:'ads');
SELECT idm.oauth_tokens_fetched(:'ads', 'ya29.demo-access-token', '1//demo-refresh-token',
                                ARRAY['https://www.googleapis.com/auth/adwords'], now() + interval '1 hour');
SELECT idm.oauth_succeeded(:'ads');
SELECT idm.token_refresh_failed(:'ads');
SELECT idm.token_refresh_succeeded(:'ads', 'ya29.demo-access-token-2', now() + interval '1 hour');

-- A Stripe API key, connected and later removed.
SELECT id AS stripe FROM idm.create_connected_account('stripe', 'acct_demo', 'conn_2002', 'STRIPE', 'API_KEY',
    '{"static_auth": {"details": {"api_key": "sk_test_demo"}}}', organization_id => :'acme') \gset
SELECT idm.delete_connected_account(:'stripe');

-- An M2M client for Acme's CI: its secret is returned once, stored only hashed (no webhook).
SELECT (c.client).client_id AS ci, c.plain_secret AS ci_secret
FROM idm.create_client('Acme CI', :'acme', scopes => '{deploy:resources}') c \gset
SELECT idm.verify_client_secret(:'ci', :'ci_secret');

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
SELECT idm.add_external_identity(:'samir', 'conn_google', 'GOOGLE', 'OAUTH', '2233445566', true);
SELECT id AS laptop FROM idm.login(:'samir', :'initech',
    '{"browser": "Firefox", "browser_version": "128.0", "device_type": "Desktop", "ip": "203.0.113.7",
      "os": "Linux", "user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
      "location": {"city": "Austin", "latitude": "30.2672", "longitude": "-97.7431", "region": "US",
                   "region_subdivision": "TX"}}') \gset
SELECT idm.touch_session(:'laptop');
SELECT idm.logout(:'laptop');

-- Their webhook dispatcher reads events through a subscription (README,
-- "Consumers"): one batch from the oldest event, finished once sent.
SELECT idm.create_subscription('dispatcher', from_oldest => true);
SELECT idm.next_batch('dispatcher') IS NOT NULL AS batch_opened;
SELECT count(*) AS events_to_send FROM idm.batch_events('dispatcher');
SELECT idm.finish_batch('dispatcher');
SELECT name, pending_events, lag, behind_retention FROM idm.list_subscriptions();
