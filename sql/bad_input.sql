-- The bad-input catalogue: every case must fail with its SQLSTATE and leave
-- every idm table exactly as it was.  Add a line for every bad input you
-- can think of; the output lists only the cases that misbehave.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_idm;
RESET client_min_messages;
\set SHOW_CONTEXT never

-- fixtures the cases refer to
INSERT INTO idm.environments (id, name) VALUES ('env_bad1', 'bad input A'), ('env_bad2', 'bad input B');
INSERT INTO idm.organizations (environment_id, id, display_name, external_id)
VALUES ('env_bad1', 'org_bad1', 'Bad Org', 'bad-ext-1'), ('env_bad2', 'org_bad2', 'Bad Org B', 'bad-ext-2');
INSERT INTO idm.users (environment_id, id, email) VALUES
    ('env_bad1', 'usr_bad1', 'bad1@bad-input.example'), ('env_bad2', 'usr_bad2', 'bad2@bad-input.example');
INSERT INTO idm.memberships (environment_id, organization_id, user_id) VALUES ('env_bad1', 'org_bad1', 'usr_bad1');
-- one of every other resource, with known ids where the table takes them
INSERT INTO idm.users (environment_id, id, email) VALUES ('env_bad1', 'usr_bad3', 'bad3@bad-input.example');
INSERT INTO idm.connections (environment_id, id, organization_id, type, provider, key_id)
VALUES ('env_bad1', 'conn_bad1', 'org_bad1', 'SAML', 'OKTA', 'bad-key-1');
INSERT INTO idm.domains (environment_id, id, organization_id, domain, domain_type)
VALUES ('env_bad1', 'dom_bad1', 'org_bad1', 'bad-input.example', 'ORGANIZATION_DOMAIN');
INSERT INTO idm.permissions (environment_id, id, name) VALUES ('env_bad1', 'perm_bad1', 'read:docs');
INSERT INTO idm.roles (environment_id, id, name, display_name) VALUES ('env_bad1', 'role_bad1', 'viewer', 'Viewer');
INSERT INTO idm.role_permissions (environment_id, role_id, permission_id) VALUES ('env_bad1', 'role_bad1', 'perm_bad1');
INSERT INTO idm.membership_roles (environment_id, organization_id, user_id, role_id)
VALUES ('env_bad1', 'org_bad1', 'usr_bad1', 'role_bad1');
INSERT INTO idm.directories (environment_id, id, organization_id, directory_provider, enabled)
VALUES ('env_bad1', 'dir_bad1', 'org_bad1', 'OKTA', true), ('env_bad1', 'dir_bad2', 'org_bad1', 'OKTA', false);
INSERT INTO idm.directory_users (environment_id, id, organization_id, directory_id, dp_id, email)
VALUES ('env_bad1', 'diruser_bad1', 'org_bad1', 'dir_bad1', 'u1', 'u1@bad-input.example');
INSERT INTO idm.directory_groups (environment_id, id, organization_id, directory_id, dp_id, display_name)
VALUES ('env_bad1', 'dirgroup_bad1', 'org_bad1', 'dir_bad1', 'g1', 'Group one');
INSERT INTO idm.sessions (environment_id, id, user_id, organization_id)
VALUES ('env_bad1', 'ses_bad1', 'usr_bad1', 'org_bad1'), ('env_bad1', 'ses_bad2', 'usr_bad1', 'org_bad1');
SELECT count(*) FROM idm.logout('ses_bad2', 'env_bad1');
SELECT count(*) FROM idm.invite_user('org_bad1', 'invitee@bad-input.example', environment_id => 'env_bad1');
SET idm.credential_keys = 'k1:arnx6499M4j0+dWG9m6Z/VQIDfLERvDlhmiwnAihbdA=';
INSERT INTO idm.connected_accounts (environment_id, id, connector, provider, identifier, connection_id)
VALUES ('env_bad1', 'ca_bad1', 'gmail', 'GOOGLE', 'mail@bad-input.example', 'conn_bad1');
INSERT INTO idm.connected_accounts (environment_id, id, connector, provider, identifier, connection_id,
                                    authorization_type, authorization_details)
VALUES ('env_bad1', 'ca_bad2', 'stripe', 'STRIPE', 'acct_bad', 'conn_bad1', 'API_KEY',
        '{"static_auth": {"details": {"api_key": "sk_test_bad_input"}}}');
SELECT (c.client).client_id AS bad_client FROM idm.create_client('Bad CI', 'org_bad1', environment_id => 'env_bad1') c \gset
SELECT count(*) FROM idm.create_subscription('bad_sub', environment_id => 'env_bad1');
SET idm.environment_id = 'env_bad1';

-- mentions: when set, a word the error's message or detail must contain
-- (the field or value at fault), so an imprecise message fails the case
CREATE TABLE pg_temp.cases (n serial, area text, sql text, sqlstate text, mentions text);

-- a fingerprint of every idm table: its name, row count and content hash
CREATE FUNCTION pg_temp.fingerprint() RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
    t record;
    h text;
    result text := '';
BEGIN
    FOR t IN SELECT c.relname FROM pg_class c
             WHERE c.relnamespace = 'idm'::regnamespace AND c.relkind IN ('r', 'p')
             ORDER BY 1
    LOOP
        EXECUTE format('SELECT count(*) || '':'' || coalesce(md5(string_agg(x::text, '','' ORDER BY x::text)), '''') FROM ONLY idm.%I x', t.relname)
            INTO h;
        result := result || t.relname || '=' || h || ';';
    END LOOP;
    RETURN result;
END $f$;

-- runs every case; returns those that did not fail as expected or changed data
CREATE FUNCTION pg_temp.run_cases() RETURNS TABLE (n int, area text, sql text, expected text, got text)
LANGUAGE plpgsql AS $f$
DECLARE
    c record;
    before text;
    state text;
    msg text;
    detail text;
BEGIN
    FOR c IN SELECT * FROM pg_temp.cases ORDER BY cases.n LOOP
        before := pg_temp.fingerprint();
        state := 'no error';
        msg := NULL;
        detail := NULL;
        BEGIN
            EXECUTE c.sql;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                                    detail = PG_EXCEPTION_DETAIL;
        END;
        IF state <> c.sqlstate THEN
            n := c.n; area := c.area; sql := c.sql; expected := c.sqlstate;
            got := state || coalesce(': ' || msg, '');
            RETURN NEXT;
        ELSIF pg_temp.fingerprint() <> before THEN
            n := c.n; area := c.area; sql := c.sql; expected := c.sqlstate;
            got := 'data changed';
            RETURN NEXT;
        ELSIF c.mentions IS NOT NULL
              AND strpos(coalesce(msg, '') || ' ' || coalesce(detail, ''), c.mentions) = 0 THEN
            n := c.n; area := c.area; sql := c.sql; expected := c.sqlstate || ' naming ' || c.mentions;
            got := state || ': ' || coalesce(msg, '') || coalesce(' / ' || detail, '');
            RETURN NEXT;
        END IF;
    END LOOP;
END $f$;

INSERT INTO pg_temp.cases (area, sql, sqlstate) VALUES
-- ids
('ids', $$SELECT idm.gen_id('xyz')$$, '22023'),
('ids', $$SELECT idm.gen_id('')$$, '22023'),
('ids', $$SELECT idm.gen_id('Org')$$, '22023'),
('ids', $$SELECT idm.gen_id('org_')$$, '22023'),
('ids', $$SELECT idm.check_id('org_', 'org')$$, '22P02'),
('ids', $$SELECT idm.check_id('org', 'org')$$, '22P02'),
('ids', $$SELECT idm.check_id('org_1 2', 'org')$$, '22P02'),
('ids', $$SELECT idm.check_id('org_ü', 'org')$$, '22P02'),
('ids', $$SELECT idm.check_id('org-1', 'org')$$, '22P02'),
('ids', $$SELECT idm.check_id('org_' || repeat('9', 29), 'org')$$, '22P02'),
('ids', $$SELECT idm.check_id('usr_1', 'org')$$, '22P02'),
-- environments
('environments', $$INSERT INTO idm.environments (id, name) VALUES ('org_1', 'x')$$, '22P02'),
('environments', $$INSERT INTO idm.environments (id, name) VALUES ('env_bad1', 'dup')$$, '23505'),
('environments', $$INSERT INTO idm.environments (name) VALUES ('')$$, '22026'),
('environments', $$INSERT INTO idm.environments (name) VALUES (NULL)$$, '23502'),
('environments', $$INSERT INTO idm.environments (name, webhook_secret) VALUES ('x', 'plain')$$, '22023'),
('environments', $$INSERT INTO idm.environments (name, webhook_secret) VALUES ('x', 'whsec_short')$$, '22023'),
('environments', $$INSERT INTO idm.environments (name, webhook_secret) VALUES ('x', 'whsec_c2hvcnQgYnV0IHZhbGlk')$$, '22023'),
('environments', $$UPDATE idm.environments SET webhook_secret = 'whsec_' WHERE id = 'env_bad1'$$, '22023'),
('environments', $$DELETE FROM idm.environments WHERE id = 'env_bad1'$$, '23503'),
-- organizations
('organizations', $$SELECT idm.create_organization('')$$, '22026'),
('organizations', $$SELECT idm.create_organization(repeat('x', 201))$$, '22026'),
('organizations', $$SELECT idm.create_organization(NULL)$$, '23502'),
('organizations', $$SELECT idm.create_organization('Dup', 'bad-ext-1')$$, '23505'),
('organizations', $$SELECT idm.create_organization('X', ' lead')$$, '22023'),
('organizations', $$SELECT idm.create_organization('X', 'trail ')$$, '22023'),
('organizations', $$SELECT idm.create_organization('X', '')$$, '22023'),
('organizations', $$SELECT idm.create_organization('X', E'nl\nx')$$, '22023'),
('organizations', $$SELECT idm.create_organization('X', E'del\x7f')$$, '22023'),
('organizations', $$SELECT idm.create_organization('X', repeat('e', 256))$$, '22023'),
('organizations', $$SELECT idm.create_organization('X', region_code => 'us')$$, '22P02'),
('organizations', $$SELECT idm.create_organization('X', region_code => 'APAC')$$, '22P02'),
('organizations', $$SELECT idm.create_organization('X', metadata => '1')$$, '22023'),
('organizations', $$SELECT idm.create_organization('X', metadata => '"s"')$$, '22023'),
('organizations', $$SELECT idm.create_organization('X', metadata => '[]')$$, '22023'),
('organizations', $$SELECT idm.create_organization('X', metadata => 'null')$$, '22023'),
('organizations', $$SELECT idm.create_organization('X', metadata => '{"a": 1}')$$, '22023'),
('organizations', $$SELECT idm.create_organization('X', metadata => '{"a": true}')$$, '22023'),
('organizations', $$SELECT idm.create_organization('X', metadata => '{"a": null}')$$, '22023'),
('organizations', $$SELECT idm.create_organization('X', metadata => '{"a": {"b": "c"}}')$$, '22023'),
('organizations', $$SELECT idm.create_organization('X', metadata => '{"": "c"}')$$, '22023'),
('organizations', $$SELECT idm.create_organization('X', metadata => '{bad json')$$, '22P02'),
('organizations', $$SELECT idm.create_organization('X', environment_id => 'env_nope')$$, '23503'),
('organizations', $$SELECT idm.create_organization('X', environment_id => 'nope')$$, '23503'),
('organizations', $$SELECT idm.update_organization('org_404')$$, 'P0002'),
('organizations', $$SELECT idm.update_organization('org_bad2')$$, 'P0002'),
('organizations', $$SELECT idm.update_organization('org_bad1', external_id => 'bad-ext-1 ')$$, '22023'),
('organizations', $$SELECT idm.update_organization('org_bad1', settings => '{}')$$, '22023'),
('organizations', $$SELECT idm.update_organization('org_bad1', settings => '[]')$$, '22023'),
('organizations', $$SELECT idm.update_organization('org_bad1', settings => '{"features": {}}')$$, '22023'),
('organizations', $$SELECT idm.update_organization('org_bad1', settings => '{"features": [1]}')$$, '22023'),
('organizations', $$SELECT idm.update_organization('org_bad1', settings => '{"features": [{"name": "sso"}]}')$$, '22023'),
('organizations', $$SELECT idm.update_organization('org_bad1', settings => '{"features": [{"name": "sso", "enabled": 1}]}')$$, '22023'),
('organizations', $$SELECT idm.update_organization('org_bad1', settings => '{"features": [{"name": "SSO", "enabled": true}]}')$$, '22023'),
('organizations', $$SELECT idm.update_organization('org_bad1', settings => '{"features": [{"name": "sso", "enabled": true, "x": 1}]}')$$, '22023'),
('organizations', $$SELECT idm.update_organization('org_bad1', settings => '{"features": [], "other": 1}')$$, '22023'),
('organizations', $$SELECT idm.update_organization('org_bad1', settings => '{"features": [{"name": "dir_sync", "enabled": true}, {"name": "dir_sync", "enabled": true}]}')$$, '22023'),
('organizations', $$SELECT idm.delete_organization('org_404')$$, 'P0002'),
('organizations', $$SELECT idm.delete_organization('org_bad2')$$, 'P0002'),
('organizations', $$INSERT INTO idm.organizations (environment_id, id, display_name) VALUES ('env_bad1', 'org_bad1', 'dup id')$$, '23505'),
('organizations', $$INSERT INTO idm.organizations (environment_id, id, display_name) VALUES ('env_bad1', 'usr_1', 'x')$$, '22P02'),
('organizations', $$INSERT INTO idm.organizations (environment_id, display_name, settings) VALUES ('env_bad1', 'x', NULL)$$, '23502'),
('organizations', $$UPDATE idm.organizations SET id = 'org_' WHERE id = 'org_bad1'$$, '22P02'),
('organizations', $$UPDATE idm.organizations SET environment_id = 'env_nope' WHERE id = 'org_bad1'$$, '23503'),
-- emails and users
('users', $$INSERT INTO idm.users (environment_id, email) VALUES ('env_bad1', 'plain')$$, '22023'),
('users', $$INSERT INTO idm.users (environment_id, email) VALUES ('env_bad1', 'a@b')$$, '22023'),
('users', $$INSERT INTO idm.users (environment_id, email) VALUES ('env_bad1', 'a@@b.com')$$, '22023'),
('users', $$INSERT INTO idm.users (environment_id, email) VALUES ('env_bad1', 'a b@c.com')$$, '22023'),
('users', $$INSERT INTO idm.users (environment_id, email) VALUES ('env_bad1', '.a@c.com')$$, '22023'),
('users', $$INSERT INTO idm.users (environment_id, email) VALUES ('env_bad1', 'a..b@c.com')$$, '22023'),
('users', $$INSERT INTO idm.users (environment_id, email) VALUES ('env_bad1', 'a@c..com')$$, '22023'),
('users', $$INSERT INTO idm.users (environment_id, email) VALUES ('env_bad1', 'a@-c.com')$$, '22023'),
('users', $$INSERT INTO idm.users (environment_id, email) VALUES ('env_bad1', 'a@c.123')$$, '22023'),
('users', $$INSERT INTO idm.users (environment_id, email) VALUES ('env_bad1', 'a@[1.2.3.4]')$$, '22023'),
('users', $$INSERT INTO idm.users (environment_id, email) VALUES ('env_bad1', '"q"@c.com')$$, '22023'),
('users', $$INSERT INTO idm.users (environment_id, email) VALUES ('env_bad1', repeat('a', 65) || '@c.com')$$, '22023'),
('users', $$INSERT INTO idm.users (environment_id, email) VALUES ('env_bad1', 'a@' || repeat('b', 64) || '.com')$$, '22023'),
('users', $$INSERT INTO idm.users (environment_id, email) VALUES ('env_bad1', E'a\n@c.com')$$, '22023'),
('users', $$INSERT INTO idm.users (environment_id, email) VALUES ('env_bad1', 'BAD1@Bad-Input.example')$$, '23505'),
('users', $$INSERT INTO idm.users (environment_id, email) VALUES ('env_bad1', NULL)$$, '23502'),
('users', $$INSERT INTO idm.users (environment_id, email) VALUES ('env_nope', 'x@bad-input.example')$$, '23503'),
('users', $$INSERT INTO idm.users (environment_id, id, email) VALUES ('env_bad1', 'org_1', 'x@bad-input.example')$$, '22P02'),
('users', $$INSERT INTO idm.users (environment_id, email, metadata) VALUES ('env_bad1', 'x@bad-input.example', '{"n": 1}')$$, '22023'),
('users', $$INSERT INTO idm.users (environment_id, email, custom_attributes) VALUES ('env_bad1', 'x@bad-input.example', '[1]')$$, '22023'),
('users', $$INSERT INTO idm.users (environment_id, email, given_name) VALUES ('env_bad1', 'x@bad-input.example', repeat('g', 256))$$, '22026'),
('users', $$INSERT INTO idm.users (environment_id, email, locale) VALUES ('env_bad1', 'x@bad-input.example', repeat('l', 36))$$, '22026'),
('users', $$INSERT INTO idm.users (environment_id, email, user_profile_id) VALUES ('env_bad1', 'x@bad-input.example', 'usr_1')$$, '22P02'),
-- memberships: cross-environment references are impossible by constraint
('memberships', $$INSERT INTO idm.memberships (environment_id, organization_id, user_id) VALUES ('env_bad1', 'org_bad1', 'usr_bad2')$$, '23503'),
('memberships', $$INSERT INTO idm.memberships (environment_id, organization_id, user_id) VALUES ('env_bad2', 'org_bad1', 'usr_bad2')$$, '23503'),
('memberships', $$INSERT INTO idm.memberships (environment_id, organization_id, user_id) VALUES ('env_bad1', 'org_bad1', 'usr_bad1')$$, '23505'),
('memberships', $$INSERT INTO idm.memberships (environment_id, organization_id, user_id, membership_status) VALUES ('env_bad1', 'org_bad1', 'usr_nope', 'active')$$, '22P02'),
('memberships', $$UPDATE idm.memberships SET provisioning_method = 'magic' WHERE user_id = 'usr_bad1'$$, '22023'),
('memberships', $$UPDATE idm.memberships SET inviter_email = 'nobody' WHERE user_id = 'usr_bad1'$$, '22023'),
('memberships', $$UPDATE idm.memberships SET metadata = '{"k": []}' WHERE user_id = 'usr_bad1'$$, '22023'),
('memberships', $$UPDATE idm.memberships SET user_id = 'usr_bad2' WHERE user_id = 'usr_bad1'$$, '0A000'),
-- signatures and webhooks
('webhooks', $$SELECT idm.webhook_signature('whsec_', 'm', 1, 'b')$$, '22023'),
('webhooks', $$SELECT idm.webhook_signature('', 'm', 1, 'b')$$, '22023'),
('webhooks', $$SELECT idm.webhook_signature('whsec_YWJj', 'm', 1, 'b')$$, '22023'),
('webhooks', $$SELECT idm.webhook_signature('whsec_%%%%', 'm', 1, 'b')$$, '22023'),
('webhooks', $$SELECT idm.webhook_body(ROW('evt_1', 'org.made', 'Organization', now(), 'env_bad1', NULL, '{}', 'x', '1', '1')::idm.events)$$, '22P02'),
('webhooks', $$SELECT idm.webhook_body(ROW('evt_1', 'role.created', 'Thing', now(), 'env_bad1', NULL, '{}', 'x', '1', '1')::idm.events)$$, '22P02'),
('webhooks', $$SELECT idm.webhook_body(ROW('evt_1', 'role.created', 'Role', 'infinity', 'env_bad1', NULL, '{}', 'x', '1', '1')::idm.events)$$, '22008'),
('harness self-check', $$INSERT INTO idm.environments (id, name) VALUES ('env_selfcheck', 'x')$$, 'no error'),
('events', $$INSERT INTO idm.events VALUES ('evt_1', 'role.created', 'Role', now(), 'env_bad1', NULL, '{}', 'x', '1', '1')$$, '23514'),
-- the environment setting
('settings', $$SELECT idm.current_environment(NULL::text) FROM (SELECT set_config('idm.environment_id', '', true)) s$$, '22023'),
('triggers', $$SELECT idm.organization_events()$$, '39P01'),
('triggers', $$SELECT idm.stamp_times()$$, '39P01');

-- Every other resource.  The fourth column names what the message must mention.
INSERT INTO pg_temp.cases (area, sql, sqlstate, mentions) VALUES
-- domains, the normaliser and routing
('domains', $$SELECT idm.normalize_domain('')$$, '22023', NULL),
('domains', $$SELECT idm.normalize_domain('localhost')$$, '22023', 'localhost'),
('domains', $$SELECT idm.normalize_domain('a..b.com')$$, '22023', 'a..b.com'),
('domains', $$SELECT idm.normalize_domain('-a.com')$$, '22023', '-a.com'),
('domains', $$SELECT idm.normalize_domain('a_b.com')$$, '22023', 'a_b.com'),
('domains', $$SELECT idm.normalize_domain(repeat('a', 64) || '.com')$$, '22023', NULL),
('domains', $$SELECT idm.normalize_domain(repeat('abcdefghi.', 26) || 'com')$$, '22023', NULL),
('domains', $$SELECT idm.normalize_domain('xn--a.com')$$, '22023', 'xn--a.com'),
('domains', $$SELECT idm.normalize_domain('ex ample.com')$$, '22023', NULL),
('domains', $$SELECT idm.normalize_domain('😀.com')$$, '22023', NULL),
('domains', $$SELECT idm.normalize_domain('example.123')$$, '22023', 'example.123'),
('domains', $$SELECT idm.email_domain('no-at-sign')$$, '22023', 'no-at-sign'),
('domains', $$SELECT idm.create_domain('org_bad1', 'gmail.com')$$, '22023', 'gmail.com'),
('domains', $$SELECT idm.create_domain('org_bad1', 'mail.gmail.com', 'ALLOWED_EMAIL_DOMAIN')$$, '22023', 'gmail.com'),
('domains', $$SELECT idm.create_domain('org_bad1', 'Bad-Input.example.')$$, '23505', 'bad-input.example'),
('domains', $$SELECT idm.create_domain('org_404', 'fresh.example')$$, '23503', 'org_404'),
('domains', $$SELECT idm.create_domain('org_bad2', 'fresh.example')$$, '23503', 'org_bad2'),
('domains', $$SELECT idm.create_domain('org_bad1', 'fresh.example', 'OTHER_DOMAIN')$$, '22P02', 'OTHER_DOMAIN'),
('domains', $$SELECT idm.create_domain('org_bad1', NULL)$$, '23502', 'domain'),
('domains', $$SELECT idm.delete_domain('dom_404')$$, 'P0002', 'dom_404'),
('domains', $$UPDATE idm.domains SET domain = 'gmail.com' WHERE id = 'dom_bad1'$$, '22023', 'gmail.com'),
('domains', $$INSERT INTO idm.public_email_domains (domain) VALUES ('not a domain')$$, '22023', NULL),
('domains', $$SELECT idm.route_email('nobody')$$, '22023', 'nobody'),
('domains', $$SELECT idm.route_email('a@b@c.example')$$, '22023', NULL),
-- SSO connections
('connections', $$SELECT idm.create_connection('org_bad1', 'LDAP', 'OKTA')$$, '22P02', 'LDAP'),
('connections', $$SELECT idm.create_connection('org_bad1', 'SAML', 'NOBODY')$$, '22P02', 'NOBODY'),
('connections', $$SELECT idm.create_connection('org_bad1', 'SAML', 'OKTA', key_id => 'bad-key-1')$$, '23505', 'bad-key-1'),
('connections', $$SELECT idm.create_connection('org_404', 'SAML', 'OKTA')$$, '23503', 'org_404'),
('connections', $$SELECT idm.create_connection(NULL, 'SAML', 'OKTA')$$, '23502', 'organization_id'),
('connections', $$SELECT idm.enable_connection('conn_404')$$, 'P0002', 'conn_404'),
('connections', $$SELECT idm.set_connection_enabled('conn_bad1', NULL)$$, '23502', 'enabled'),
('connections', $$SELECT idm.delete_connection('conn_404')$$, 'P0002', 'conn_404'),
('connections', $$INSERT INTO idm.connections (environment_id, id, organization_id, type, provider) VALUES ('env_bad1', 'dom_1', 'org_bad1', 'SAML', 'OKTA')$$, '22P02', 'dom_1'),
('connections', $$SELECT * FROM idm.list_connections(domain => 'not a domain')$$, '22023', NULL),
-- RBAC: permissions, roles, inheritance, membership roles
('rbac', $$SELECT idm.create_permission('read')$$, '22023', 'read'),
('rbac', $$SELECT idm.create_permission('Read:docs')$$, '22023', 'Read:docs'),
('rbac', $$SELECT idm.create_permission('read::docs')$$, '22023', 'read::docs'),
('rbac', $$SELECT idm.create_permission(':docs')$$, '22023', ':docs'),
('rbac', $$SELECT idm.create_permission('read:docs:')$$, '22023', 'read:docs:'),
('rbac', $$SELECT idm.create_permission('read:do cs')$$, '22023', 'read:do cs'),
('rbac', $$SELECT idm.create_permission('read:' || repeat('x', 100))$$, '22023', 'permission'),
('rbac', $$SELECT idm.create_permission('read:docs')$$, '23505', 'read:docs'),
('rbac', $$SELECT idm.create_permission('write:docs', permission_type => 'ALL')$$, '22P02', 'ALL'),
('rbac', $$SELECT idm.update_permission('read:nothing', 'read:other')$$, 'P0002', 'read:nothing'),
('rbac', $$SELECT idm.update_permission('read:docs', 'READ:docs')$$, '22023', 'READ:docs'),
('rbac', $$SELECT idm.delete_permission('read:nothing')$$, 'P0002', 'read:nothing'),
('rbac', $$SELECT * FROM idm.list_permissions('SOME')$$, '22023', 'SOME'),
('rbac', $$SELECT idm.create_role('')$$, '22023', 'role'),
('rbac', $$SELECT idm.create_role('bad-name')$$, '22023', 'bad-name'),
('rbac', $$SELECT idm.create_role(repeat('r', 65))$$, '22023', 'role'),
('rbac', $$SELECT idm.create_role('viewer')$$, '23505', 'viewer'),
('rbac', $$SELECT idm.create_role('editor', extends => 'nobody')$$, '23503', 'nobody'),
('rbac', $$SELECT idm.create_role('editor', permissions => '{write:nothing}')$$, 'P0002', 'write:nothing'),
('rbac', $$SELECT idm.create_role('editor', permissions => '{NULL}')$$, '22004', 'permissions'),
('rbac', $$SELECT idm.create_role('editor', organization_id => 'org_404')$$, '23503', 'org_404'),
('rbac', $$SELECT idm.update_role('viewer', extends => 'viewer')$$, '22023', 'viewer'),
('rbac', $$SELECT idm.update_role('nobody', description => 'x')$$, 'P0002', 'nobody'),
('rbac', $$SELECT idm.delete_role('nobody')$$, 'P0002', 'nobody'),
('rbac', $$SELECT idm.delete_role('viewer', 'nobody')$$, 'P0002', 'nobody'),
('rbac', $$SELECT idm.add_role_permissions('viewer', '{read:nothing}')$$, 'P0002', 'read:nothing'),
('rbac', $$SELECT idm.remove_role_permission('viewer', 'read:nothing')$$, 'P0002', 'read:nothing'),
('rbac', $$SELECT idm.set_default_roles('nobody')$$, 'P0002', 'nobody'),
('rbac', $$SELECT idm.add_membership_role('usr_bad1', 'org_bad1', 'nobody')$$, 'P0002', 'nobody'),
('rbac', $$SELECT idm.add_membership_role('usr_bad3', 'org_bad1', 'viewer')$$, '23503', 'usr_bad3'),
('rbac', $$SELECT idm.remove_membership_role('usr_bad1', 'org_bad1', 'nobody')$$, 'P0002', 'nobody'),
('rbac', $$SELECT idm.set_membership_roles('usr_bad1', 'org_bad1', '{viewer,nobody}')$$, 'P0002', 'nobody'),
('rbac', $$SELECT idm.has_permission('usr_bad1', 'org_bad1', 'not a permission')$$, '22023', 'not a permission'),
('rbac', $$INSERT INTO idm.role_permissions (environment_id, role_id, permission_id) VALUES ('env_bad1', 'role_bad1', 'perm_404')$$, '23503', 'perm_404'),
('rbac', $$INSERT INTO idm.role_ancestors VALUES ('env_bad1', 'role_bad1', 'role_bad1', 0)$$, '23505', NULL),
-- directories and their sync
('directories', $$SELECT idm.create_directory('org_bad1', 'NOBODY')$$, '22P02', 'NOBODY'),
('directories', $$SELECT idm.create_directory('org_404', 'OKTA')$$, 'P0002', 'org_404'),
('directories', $$SELECT idm.create_directory('org_bad1', 'OKTA', name => '')$$, '22026', 'name'),
('directories', $$SELECT idm.enable_directory('dir_404')$$, 'P0002', 'dir_404'),
('directories', $$SELECT idm.upsert_directory_user('dir_bad2', 'u9', 'u9@bad-input.example')$$, '55000', 'dir_bad2'),
('directories', $$SELECT idm.upsert_directory_user('dir_404', 'u9', 'u9@bad-input.example')$$, 'P0002', 'dir_404'),
('directories', $$SELECT idm.upsert_directory_user('dir_bad1', 'u9', 'not-an-email')$$, '22023', 'not-an-email'),
('directories', $$SELECT idm.upsert_directory_user('dir_bad1', '', 'u9@bad-input.example')$$, '22023', 'dp_id'),
('directories', $$SELECT idm.upsert_directory_user('dir_bad1', NULL, 'u9@bad-input.example')$$, '23502', 'dp_id'),
('directories', $$SELECT idm.upsert_directory_user('dir_bad1', 'u9', 'u9@bad-input.example', raw_attributes => '[1]')$$, '22023', 'raw_attributes'),
('directories', $$SELECT idm.upsert_directory_user('dir_bad1', 'u9', 'u9@bad-input.example', address => '{"street": 1}')$$, '22023', 'address'),
('directories', $$SELECT idm.upsert_directory_user('dir_bad1', 'u9', 'u9@bad-input.example', custom_attributes => '{"": "x"}')$$, '22023', 'custom_attributes'),
('directories', $$SELECT idm.upsert_directory_group('dir_bad1', 'g9', 'G', members => '{u404}')$$, 'P0002', 'u404'),
('directories', $$SELECT idm.upsert_directory_group('dir_bad1', 'g9', '')$$, '22026', 'display_name'),
('directories', $$SELECT idm.delete_directory_user('dir_bad1', 'u404')$$, 'P0002', 'u404'),
('directories', $$SELECT idm.delete_directory_group('dir_bad1', 'g404')$$, 'P0002', 'g404'),
('directories', $$SELECT idm.add_directory_group_member('dirgroup_bad1', 'diruser_404')$$, 'P0002', 'diruser_404'),
('directories', $$SELECT idm.assign_directory_group_role('dirgroup_bad1', repeat('r', 101))$$, '22026', 'role_name'),
('directories', $$SELECT idm.assign_directory_group_role('dirgroup_404', 'admin')$$, 'P0002', 'dirgroup_404'),
('directories', $$SELECT idm.mark_directory_synced('dir_404')$$, 'P0002', 'dir_404'),
('directories', $$UPDATE idm.directories SET status = 'DONE' WHERE id = 'dir_bad1'$$, '22023', 'DONE'),
-- sessions
('sessions', $$SELECT idm.login('usr_404')$$, 'P0002', 'usr_404'),
('sessions', $$SELECT idm.login('usr_bad1', 'org_bad2')$$, 'P0002', 'org_bad2'),
('sessions', $$SELECT idm.login('usr_bad3', 'org_bad1')$$, 'P0002', 'usr_bad3'),
('sessions', $$SELECT idm.login('usr_bad1', device => '[]')$$, '22023', 'device'),
('sessions', $$SELECT idm.login('usr_bad1', device => '{"browser": 1}')$$, '22023', 'browser'),
('sessions', $$SELECT idm.login('usr_bad1', device => '{"ip": "not-an-ip"}')$$, '22023', 'ip'),
('sessions', $$SELECT idm.login('usr_bad1', device => '{"location": {"latitude": "91"}}')$$, '22023', 'latitude'),
('sessions', $$SELECT idm.login('usr_bad1', idle_timeout => '-1 hour')$$, '22023', 'idle_timeout'),
('sessions', $$SELECT idm.login('usr_bad1', absolute_timeout => '0')$$, '22023', 'absolute_timeout'),
('sessions', $$SELECT idm.login('usr_bad1', authenticated_clients => '{"a": 1}')$$, '22023', 'authenticated_clients'),
('sessions', $$SELECT idm.touch_session('ses_404')$$, 'P0002', 'ses_404'),
('sessions', $$SELECT idm.touch_session('ses_bad2')$$, '55000', 'ses_bad2'),
('sessions', $$SELECT idm.logout('ses_bad2')$$, '55000', 'ses_bad2'),
('sessions', $$SELECT idm.revoke_session('ses_404')$$, 'P0002', 'ses_404'),
('sessions', $$SELECT idm.change_session('ses_bad2', 'REVOKED')$$, '55000', 'ses_bad2'),
('sessions', $$SELECT idm.revoke_user_sessions('usr_404')$$, 'P0002', 'usr_404'),
('sessions', $$UPDATE idm.sessions SET status = 'ACTIVE', logout_at = NULL WHERE id = 'ses_bad2'$$, '55000', 'ses_bad2'),
('sessions', $$UPDATE idm.sessions SET authenticated_organizations = '{org_bad1,org_bad1}' WHERE id = 'ses_bad1'$$, '22023', 'authenticated_organizations'),
-- invitations and signup
('invitations', $$SELECT idm.invite_user('org_bad1', 'invitee@bad-input.example')$$, '23505', 'invitee@bad-input.example'),
('invitations', $$SELECT idm.invite_user('org_bad1', 'bad1@bad-input.example')$$, '23505', 'bad1@bad-input.example'),
('invitations', $$SELECT idm.invite_user('org_bad1', 'not-an-email')$$, '22023', 'not-an-email'),
('invitations', $$SELECT idm.invite_user('org_404', 'new@bad-input.example')$$, '23503', 'org_404'),
('invitations', $$SELECT idm.resend_invitation('org_bad1', 'usr_bad1', expires_in => '0')$$, '22023', 'expires_in'),
('invitations', $$SELECT idm.invite_user('org_bad1', 'new@bad-input.example', expires_in => '-1 day')$$, '22023', 'expires_in'),
('invitations', $$SELECT idm.invite_user('org_bad1', 'new@bad-input.example', inviter_email => 'nobody')$$, '22023', 'nobody'),
('invitations', $$SELECT idm.accept_invitation('org_bad1', 'usr_bad1')$$, '55000', 'usr_bad1'),
('invitations', $$SELECT idm.accept_invitation('org_bad1', 'usr_404')$$, 'P0002', 'usr_404'),
('invitations', $$SELECT idm.resend_invitation('org_bad1', 'usr_bad1')$$, '55000', 'usr_bad1'),
('invitations', $$SELECT idm.signup('not-an-email', 'Org')$$, '22023', 'not-an-email'),
('invitations', $$SELECT idm.signup('bad1@bad-input.example', 'Org')$$, '23505', 'bad1@bad-input.example'),
('invitations', $$SELECT idm.signup('new@bad-input.example', '')$$, '22026', 'display_name'),
('invitations', $$SELECT idm.signup('new@bad-input.example', 'Org', organization_external_id => 'bad-ext-1')$$, '23505', 'bad-ext-1'),
('invitations', $$SELECT idm.signup(NULL, 'Org')$$, '23502', 'email'),
-- connected accounts: creation, authorization details, actions, transitions
('connected accounts', $$SELECT idm.create_connected_account('', 'x', 'conn_bad1', 'GOOGLE')$$, '22026', 'connector'),
('connected accounts', $$SELECT idm.create_connected_account('gmail', 'x', 'bad', 'GOOGLE')$$, '22P02', 'connection_id'),
('connected accounts', $$SELECT idm.create_connected_account('gmail', 'mail@bad-input.example', 'conn_bad1', 'GOOGLE')$$, '23505', 'mail@bad-input.example'),
('connected accounts', $$SELECT idm.create_connected_account('gmail', 'x', 'conn_bad1', 'GOOGLE', 'SOMETHING')$$, '22P02', 'SOMETHING'),
('connected accounts', $$SELECT idm.create_connected_account('gmail', 'x', 'conn_bad1', 'GOOGLE', 'OAUTH', '{"oauth_token": {}}')$$, '22023', 'access_token'),
('connected accounts', $$SELECT idm.create_connected_account('gmail', 'x', 'conn_bad1', 'GOOGLE', 'OAUTH', '{"static_auth": {"details": {"api_key": "k"}}}')$$, '22023', 'static_auth'),
('connected accounts', $$SELECT idm.create_connected_account('gmail', 'x', 'conn_bad1', 'GOOGLE', 'OAUTH', '{"oauth_token": {"access_token": "t", "scopes": "all"}}')$$, '22023', 'scopes'),
('connected accounts', $$SELECT idm.create_connected_account('gmail', 'x', 'conn_bad1', 'GOOGLE', 'OAUTH', '{"oauth_token": {"access_token": ""}}')$$, '22023', 'access_token'),
('connected accounts', $$SELECT idm.create_connected_account('s', 'x', 'conn_bad1', 'STRIPE', 'API_KEY', '{"static_auth": {"details": {"token": "sk_SECRET_VALUE"}}}')$$, '22023', 'details.token'),
('connected accounts', $$SELECT idm.create_connected_account('s', 'x', 'conn_bad1', 'STRIPE', 'BASIC_AUTH', '{"static_auth": {"details": {"username": "u"}}}')$$, '22023', 'password'),
('connected accounts', $$SELECT idm.create_connected_account('s', 'x', 'conn_bad1', 'STRIPE', 'CUSTOM', '{"static_auth": {"details": {}}}')$$, '22023', 'details'),
('connected accounts', $$SELECT idm.create_connected_account('s', 'x', 'conn_bad1', 'STRIPE', 'API_KEY', '[]')$$, '22023', 'authorization_details'),
('connected accounts', $$SELECT idm.create_connected_account('gmail', 'x', 'conn_bad1', 'GOOGLE', api_config => '[1]')$$, '22023', 'api_config'),
('connected accounts', $$SELECT idm.create_connected_account('gmail', 'x', 'conn_bad1', 'GOOGLE', organization_id => 'org_404')$$, '23503', 'org_404'),
('connected accounts', $$SELECT idm.update_connected_account('ca_404', identifier => 'y')$$, 'P0002', 'ca_404'),
('connected accounts', $$SELECT idm.update_connected_account('ca_bad2', authorization_details => '{"static_auth": {"details": {"api_key": ""}}}')$$, '22023', 'api_key'),
('connected accounts', $$SELECT idm.oauth_tokens_fetched('ca_404', 'tok')$$, 'P0002', 'ca_404'),
('connected accounts', $$SELECT idm.oauth_tokens_fetched('ca_bad2', 'tok')$$, '55000', 'ca_bad2'),
('connected accounts', $$SELECT idm.oauth_tokens_fetched('ca_bad1', '')$$, '22023', 'access_token'),
('connected accounts', $$SELECT idm.oauth_tokens_fetched('ca_bad1', NULL)$$, '22023', 'access_token'),
('connected accounts', $$SELECT idm.oauth_tokens_fetched(NULL, 'tok')$$, '22004', 'id'),
('connected accounts', $$SELECT idm.oauth_tokens_fetched('ca_bad1', 'tok', scopes => '{""}')$$, '22023', 'scopes'),
('connected accounts', $$SELECT idm.oauth_succeeded('ca_bad1')$$, '55000', 'ca_bad1'),
('connected accounts', $$SELECT idm.token_refresh_succeeded('ca_bad1', 'tok', now() + interval '1 hour')$$, '55000', 'ca_bad1'),
('connected accounts', $$SELECT idm.token_refresh_failed('ca_bad1')$$, '55000', 'ca_bad1'),
('connected accounts', $$SELECT idm.generate_magic_link('ca_404')$$, 'P0002', 'ca_404'),
('connected accounts', $$SELECT idm.disconnect_connected_account('ca_404')$$, 'P0002', 'ca_404'),
('connected accounts', $$UPDATE idm.connected_accounts SET status = 'ACTIVE' WHERE id = 'ca_bad1'$$, '55000', 'ca_bad1'),
('connected accounts', $$UPDATE idm.connected_accounts SET credentials = '\x00' WHERE id = 'ca_bad2'$$, '22023', 'credentials'),
('connected accounts', $$SELECT idm.credential_key_id('\x0102')$$, '22023', 'credentials'),
('connected accounts', $$SELECT idm.connected_account_credentials('ca_404')$$, 'P0002', 'ca_404'),
-- M2M clients and their secrets
('clients', $$SELECT idm.create_client('')$$, '22026', 'name'),
('clients', $$SELECT idm.create_client('x', 'org_404')$$, '23503', 'org_404'),
('clients', $$SELECT idm.create_client('x', scopes => '{""}')$$, '22023', 'scopes'),
('clients', $$SELECT idm.create_client('x', scopes => '{NULL}')$$, '22004', 'scopes'),
('clients', $$SELECT idm.create_client('x', redirect_uris => '{"https://a.example/ cb"}')$$, '22023', 'redirect_uris'),
('clients', $$SELECT idm.create_client('x', custom_claims => '{}')$$, '22023', 'custom_claims'),
('clients', $$SELECT idm.create_client('x', custom_claims => '[{"key": 1}]')$$, '22023', 'custom_claims'),
('clients', $$SELECT idm.create_client('x', expiry => 0)$$, '22023', 'expiry'),
('clients', $$SELECT idm.create_client('x', expiry => -5)$$, '22023', 'expiry'),
('clients', $$SELECT idm.create_client_secret('skc_404')$$, 'P0002', 'skc_404'),
('clients', $$SELECT idm.create_client_secret((SELECT client_id FROM idm.clients WHERE name = 'Bad CI'), expire_time => now() - interval '1 day')$$, '22023', 'expire_time'),
('clients', $$SELECT idm.rotate_client_secret('skc_404')$$, 'P0002', 'skc_404'),
('clients', $$SELECT idm.revoke_client_secret((SELECT client_id FROM idm.clients WHERE name = 'Bad CI'), 'sks_404')$$, 'P0002', 'sks_404'),
('clients', $$SELECT idm.delete_client('skc_404')$$, 'P0002', 'skc_404'),
('clients', $$UPDATE idm.client_secrets SET secret_hash = 'plain' WHERE true$$, '22023', 'secret_hash'),
-- consumers and subscriptions
('consumers', $$SELECT idm.create_subscription('bad_sub')$$, '42710', 'bad_sub'),
('consumers', $$SELECT idm.create_subscription('bad name')$$, '22023', 'bad name'),
('consumers', $$SELECT idm.create_subscription('')$$, '22023', 'subscription name'),
('consumers', $$SELECT idm.create_subscription('s2', '{}')$$, '22023', 'types'),
('consumers', $$SELECT idm.create_subscription('s2', '{organization.made}')$$, '22023', 'organization.made'),
('consumers', $$SELECT idm.create_subscription('s2', '{NULL}')$$, '22023', 'types'),
('consumers', $$SELECT idm.create_subscription('s2', organization_id => 'usr_1')$$, '22P02', 'organization_id'),
('consumers', $$SELECT idm.next_batch('sub_404')$$, 'P0002', 'sub_404'),
('consumers', $$SELECT * FROM idm.batch_events('bad_sub')$$, '55000', 'bad_sub'),
('consumers', $$SELECT idm.finish_batch('bad_sub')$$, '55000', 'bad_sub'),
('consumers', $$SELECT idm.drop_subscription('sub_404')$$, 'P0002', 'sub_404'),
('consumers', $$SELECT idm.next_batch('bad_sub') FROM (SELECT set_config('idm.event_retention', 'soon', true)) s$$, '22023', 'soon'),
-- event switches
('event switches', $$SELECT idm.disable_events('{organization.made}')$$, '22P02', 'organization.made'),
('event switches', $$SELECT idm.disable_events(environment_id => 'env_404')$$, 'P0002', 'env_404'),
('event switches', $$SELECT idm.enable_events(environment_id => 'env_404')$$, 'P0002', 'env_404'),
('event switches', $$UPDATE idm.environments SET disabled_event_types = NULL WHERE id = 'env_bad1'$$, '23502', 'disabled_event_types'),
('event switches', $$UPDATE idm.environments SET events_enabled = NULL WHERE id = 'env_bad1'$$, '23502', 'events_enabled'),
-- secrets of environments: errors never show them
('environments', $$UPDATE idm.environments SET support_hash_secret = '\x00' WHERE id = 'env_bad1'$$, '22023', 'support_hash_secret'),
('environments', $$UPDATE idm.environments SET support_hash_secret = NULL WHERE id = 'env_bad1'$$, '23502', 'support_hash_secret'),
('environments', $$UPDATE idm.environments SET webhook_secret = NULL WHERE id = 'env_bad1'$$, '23502', 'webhook_secret'),
('environments', $$UPDATE idm.environments SET name = NULL WHERE id = 'env_bad1'$$, '23502', 'name'),
('environments', $$SELECT idm.support_hash('usr_404')$$, 'P0002', 'usr_404'),
('users', $$SELECT idm.update_user('usr_404', given_name => 'x')$$, 'P0002', 'usr_404'),
('users', $$SELECT idm.delete_user('usr_404')$$, 'P0002', 'usr_404'),
('users', $$SELECT idm.add_external_identity('usr_bad1', 'bad', 'GOOGLE', 'OAUTH', 'x')$$, '22P02', 'connection_id'),
('users', $$SELECT idm.update_membership('org_bad1', 'usr_404')$$, 'P0002', 'usr_404'),
('users', $$SELECT idm.update_membership('org_bad1', 'usr_bad1', 'PENDING_INVITE')$$, '55000', 'PENDING_INVITE');

-- Only the harness self-check may appear here: it succeeds and writes a row,
-- so it must be reported as 'data changed', proving the fingerprint works.
SELECT * FROM pg_temp.run_cases();
SELECT area, count(*) AS cases FROM pg_temp.cases GROUP BY area ORDER BY area;
SELECT count(*) AS total_cases FROM pg_temp.cases WHERE area <> 'harness self-check';
-- the fixtures other tests could see: subscriptions are counted across environments there
SELECT idm.drop_subscription('bad_sub', 'env_bad1');
