-- Bench data set, generated in SQL.  psql -v scale=1.0 (1.0 = the issue's
-- full size: 10 environments, 100k organizations, 1M users, 2M memberships).
-- Loaded with events switched off: the load measures tables and indexes.
\set ON_ERROR_STOP 1
SELECT greatest(1, (100000 * :scale)::int) AS n_orgs,
       greatest(10, (1000000 * :scale)::int) AS n_users \gset

INSERT INTO idm.environments (id, name, events_enabled)
SELECT 'env_b' || e, 'bench ' || e, false FROM generate_series(0, 9) e;

INSERT INTO idm.organizations (environment_id, id, display_name, external_id, region_code, metadata)
SELECT 'env_b' || (n % 10), 'org_b' || n, 'Org ' || n, 'ext-' || n,
       CASE WHEN n % 2 = 0 THEN 'US' ELSE 'EU' END::idm.region_code,
       jsonb_build_object('plan', CASE WHEN n % 3 = 0 THEN 'pro' ELSE 'free' END)
FROM generate_series(0, :n_orgs - 1) n;

INSERT INTO idm.users (environment_id, id, email, given_name, family_name, name, email_verified)
SELECT 'env_b' || (n % 10), 'usr_b' || n, 'user' || n || '@company' || (n % :n_orgs) || '.example',
       'Given' || n, 'Family' || n, 'Given' || n || ' Family' || n, true
FROM generate_series(0, :n_users - 1) n;

-- two memberships per user, both in the user's environment
INSERT INTO idm.memberships (environment_id, organization_id, user_id, provisioning_method, join_time)
SELECT 'env_b' || (n % 10), 'org_b' || ((n + 10 * k) % :n_orgs - ((n + 10 * k) % :n_orgs) % 10 + n % 10),
       'usr_b' || n, 'direct_provision', now()
FROM generate_series(0, :n_users - 1) n, generate_series(0, 1) k
WHERE ((n + 10 * k) % :n_orgs - ((n + 10 * k) % :n_orgs) % 10 + n % 10) < :n_orgs
ON CONFLICT DO NOTHING;

UPDATE idm.environments SET events_enabled = true WHERE id LIKE 'env_b%';
VACUUM ANALYZE;
