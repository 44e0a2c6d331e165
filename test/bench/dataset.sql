-- Bench data set, generated in SQL.  psql -v scale=1.0 (1.0 = the issue's
-- full size): 10 environments, 100k organizations, 1M users, 2M
-- memberships each with one role, 200k domains (an ORGANIZATION_DOMAIN and
-- an ALLOWED_EMAIL_DOMAIN per organization), an SSO connection for every
-- fourth organization, and per environment 200 permissions and a chain of
-- 5 roles (level5 extends level4 ... extends level1), 40 permissions each.
--
-- Everything is loaded through the ordinary tables, triggers, checks and
-- foreign keys, with events switched off (idm.environments.events_enabled),
-- as an app importing its users would; events go on at the end.
--
-- Naming, which the pgbench scripts rely on (e = 0..9 the environment):
--   organization n: env_b(n % 10), id org_b<n>, domains dom_b<2n> = org<n>.example
--     (ORGANIZATION_DOMAIN) and dom_b<2n+1> = mail<n>.example (ALLOWED);
--   user n: env_b(n % 10), id usr_b<n>, email user<n>@mail<o>.example;
--   user n's memberships: organizations (n + 10k) % n_orgs rounded down to
--     environment n % 10, k = 0, 1; so user 10i of env_b0 is a member of
--     org_b<10i % n_orgs>; user n holds role level<(n / 10) % 5 + 1> in both;
--   permission p (0..199): perm<p>:doc, granted by role level<p / 40 + 1>;
--   env_b0 also has organizations org_bm0..org_bm99 without members, for
--     the membership INSERT bench.
\set ON_ERROR_STOP 1
SELECT greatest(20, (100000 * :scale)::int) AS n_orgs,
       greatest(200, (1000000 * :scale)::int) AS n_users \gset

INSERT INTO idm.environments (id, name, events_enabled)
SELECT 'env_b' || e, 'bench ' || e, false FROM generate_series(0, 9) e;

INSERT INTO idm.organizations (environment_id, id, display_name, external_id, region_code, metadata)
SELECT 'env_b' || (n % 10), 'org_b' || n, 'Org ' || n, 'ext-' || n,
       CASE WHEN n % 2 = 0 THEN 'US' ELSE 'EU' END::idm.region_code,
       jsonb_build_object('plan', CASE WHEN n % 3 = 0 THEN 'pro' ELSE 'free' END)
FROM generate_series(0, :n_orgs - 1) n;

INSERT INTO idm.organizations (environment_id, id, display_name)
SELECT 'env_b0', 'org_bm' || n, 'Membership target ' || n FROM generate_series(0, 99) n;

INSERT INTO idm.domains (environment_id, id, organization_id, domain, domain_type)
SELECT 'env_b' || (n % 10), 'dom_b' || (2 * n + k), 'org_b' || n,
       CASE k WHEN 0 THEN 'org' ELSE 'mail' END || n || '.example',
       CASE k WHEN 0 THEN 'ORGANIZATION_DOMAIN' ELSE 'ALLOWED_EMAIL_DOMAIN' END::idm.domain_type
FROM generate_series(0, :n_orgs - 1) n, generate_series(0, 1) k;

INSERT INTO idm.connections (environment_id, id, organization_id, type, provider, status, enabled)
SELECT 'env_b' || (n % 10), 'conn_b' || n, 'org_b' || n, 'OIDC', 'OKTA', 'COMPLETED', true
FROM generate_series(0, :n_orgs - 1, 4) n;

INSERT INTO idm.users (environment_id, id, email, given_name, family_name, name, email_verified)
SELECT 'env_b' || (n % 10), 'usr_b' || n, 'user' || n || '@mail' || (n % :n_orgs) || '.example',
       'Given' || n, 'Family' || n, 'Given' || n || ' Family' || n, true
FROM generate_series(0, :n_users - 1) n;

-- two memberships per user, both in the user's environment
INSERT INTO idm.memberships (environment_id, organization_id, user_id, provisioning_method, join_time)
SELECT 'env_b' || (n % 10), 'org_b' || ((n + 10 * k) % :n_orgs - ((n + 10 * k) % :n_orgs) % 10 + n % 10),
       'usr_b' || n, 'direct_provision', now()
FROM generate_series(0, :n_users - 1) n, generate_series(0, 1) k
WHERE ((n + 10 * k) % :n_orgs - ((n + 10 * k) % :n_orgs) % 10 + n % 10) < :n_orgs
ON CONFLICT DO NOTHING;

-- RBAC: 200 permissions and a 5-level chain of roles per environment
INSERT INTO idm.permissions (environment_id, id, name, description)
SELECT 'env_b' || e, 'perm_b' || e || 'x' || p, 'perm' || p || ':doc', 'bench permission ' || p
FROM generate_series(0, 9) e, generate_series(0, 199) p;

DO $$
BEGIN
    FOR level IN 1..5 LOOP      -- base roles first: extends names an existing role
        INSERT INTO idm.roles (environment_id, id, name, display_name, extends)
        SELECT 'env_b' || e, 'role_b' || e || 'x' || level, 'level' || level, 'Level ' || level,
               CASE WHEN level > 1 THEN 'level' || (level - 1) END
        FROM generate_series(0, 9) e;
    END LOOP;
END $$;

INSERT INTO idm.role_permissions (environment_id, role_id, permission_id)
SELECT 'env_b' || e, 'role_b' || e || 'x' || (p / 40 + 1), 'perm_b' || e || 'x' || p
FROM generate_series(0, 9) e, generate_series(0, 199) p;

INSERT INTO idm.membership_roles (environment_id, organization_id, user_id, role_id)
SELECT m.environment_id, m.organization_id, m.user_id,
       'role_b' || substr(m.environment_id, 6) || 'x' || (substr(m.user_id, 6)::bigint / 10 % 5 + 1)
FROM idm.memberships m
WHERE m.environment_id LIKE 'env_b%' AND m.organization_id NOT LIKE 'org_bm%';

UPDATE idm.environments SET events_enabled = true WHERE id LIKE 'env_b%';
VACUUM ANALYZE;
