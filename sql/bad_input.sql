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
SET idm.environment_id = 'env_bad1';

CREATE TABLE pg_temp.cases (n serial, area text, sql text, sqlstate text);

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
BEGIN
    FOR c IN SELECT * FROM pg_temp.cases ORDER BY cases.n LOOP
        before := pg_temp.fingerprint();
        state := 'no error';
        BEGIN
            EXECUTE c.sql;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
        END;
        IF state <> c.sqlstate THEN
            n := c.n; area := c.area; sql := c.sql; expected := c.sqlstate;
            got := state || coalesce(': ' || msg, '');
            RETURN NEXT;
        ELSIF pg_temp.fingerprint() <> before THEN
            n := c.n; area := c.area; sql := c.sql; expected := c.sqlstate;
            got := 'data changed';
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

-- Only the harness self-check may appear here: it succeeds and writes a row,
-- so it must be reported as 'data changed', proving the fingerprint works.
SELECT * FROM pg_temp.run_cases();
SELECT area, count(*) AS cases FROM pg_temp.cases GROUP BY area ORDER BY area;
SELECT count(*) AS total_cases FROM pg_temp.cases WHERE area <> 'harness self-check';
