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

-- Acme connects third-party accounts.  Their credentials are encrypted with
-- a key only a superuser sets, normally in postgresql.conf; the demo writes
-- a fresh random one with ALTER SYSTEM and reconnects to pick it up.
\set demo_keys demo1: `openssl rand -base64 32`
ALTER SYSTEM SET idm.credential_keys = :'demo_keys';
SELECT pg_reload_conf();
\c
SET idm.environment_id = 'env_demo';
SELECT id AS acme FROM idm.organizations WHERE external_id = 'acme-001' \gset

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
