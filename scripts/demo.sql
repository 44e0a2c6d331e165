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

-- Their webhook dispatcher reads events through a subscription (README,
-- "Consumers"): one batch from the oldest event, finished once sent.
SELECT idm.create_subscription('dispatcher', from_oldest => true);
SELECT idm.next_batch('dispatcher') IS NOT NULL AS batch_opened;
SELECT count(*) AS events_to_send FROM idm.batch_events('dispatcher');
SELECT idm.finish_batch('dispatcher');
SELECT name, pending_events, lag, behind_retention FROM idm.list_subscriptions();
