-- connected accounts: API, authorization details per connector type,
-- status transitions (every pair), actions, bad input
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_idm;
RESET client_min_messages;
\set SHOW_CONTEXT never
-- err(sql): runs sql, returns "SQLSTATE: message (detail)" of its error
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
    detail text;
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
    RETURN SQLSTATE || ': ' || SQLERRM || coalesce(' (' || nullif(detail, '') || ')', '');
END $f$;
-- counts of the rows and events of this test's environments
CREATE FUNCTION pg_temp.counts() RETURNS text LANGUAGE sql AS $f$
    SELECT (SELECT count(*) FROM idm.connected_accounts WHERE environment_id LIKE 'env_ca%') || ' accounts, ' ||
           (SELECT count(*) FROM idm.events WHERE environment_id LIKE 'env_ca%') || ' events'
$f$;

SET idm.credential_keys = 'k1:arnx6499M4j0+dWG9m6Z/VQIDfLERvDlhmiwnAihbdA=';
INSERT INTO idm.environments (id, name) VALUES ('env_ca1', 'accounts'), ('env_ca2', 'other');
SET idm.environment_id = 'env_ca1';
INSERT INTO idm.organizations (environment_id, id, display_name) VALUES ('env_ca1', 'org_ca1', 'Acme');

-- an OAuth account starts PENDING_AUTH without credentials
SELECT id ~ '^ca_\d{23}$' AS id_ok, connector, provider, identifier, connection_id, authorization_type,
       status, credentials IS NULL AS no_credentials, authorization_details, api_config,
       created_at = updated_at AS same_times
FROM idm.create_connected_account('notion', 'bruce@acme.test', 'conn_1', 'NOTION',
                                  api_config => '{"base_url": "https://api.notion.test", "timeout": 30}',
                                  organization_id => 'org_ca1');

-- static credentials make an ACTIVE account; only ciphertext is stored
SELECT status, authorization_details IS NULL AS plaintext_not_stored,
       idm.credential_key_id(credentials) AS key_id, credentials_updated_at IS NOT NULL AS stamped
FROM idm.create_connected_account('stripe', 'acct_1', 'conn_2', 'STRIPE', 'API_KEY',
                                  '{"static_auth": {"details": {"api_key": "sk_live_a"}}}');

-- each connector type takes its own details
SELECT t AS authorization_type, pg_temp.err(format('SELECT idm.check_authorization_details(%L, %L)', t, d)) AS verdict
FROM (VALUES
    ('OAUTH', '{"oauth_token": {"access_token": "a"}}'),
    ('OAUTH', '{"oauth_token": {"access_token": "a", "refresh_token": "r", "scopes": ["email", "profile"], "domain": "acme.test"}}'),
    ('API_KEY', '{"static_auth": {"details": {"api_key": "k"}}}'),
    ('API_KEY', '{"static_auth": {"details": {"api_key": "k", "api_secret": "s", "domain": "acme.test"}}}'),
    ('BASIC_AUTH', '{"static_auth": {"details": {"username": "u", "password": "p"}}}'),
    ('BASIC', '{"static_auth": {"details": {"username": "u", "password": "p", "domain": "d"}}}'),
    ('BEARER_TOKEN', '{"static_auth": {"details": {"token": "t"}}}'),
    ('CUSTOM', '{"static_auth": {"details": {"client_key": "x", "tenant": "y"}}}')
) v(t, d);

-- and refuses what another type takes, naming the field
SELECT t AS authorization_type, pg_temp.err(format('SELECT idm.check_authorization_details(%L, %L)', t, d)) AS verdict
FROM (VALUES
    ('OAUTH', '{}'),
    ('OAUTH', '{"oauth_token": {}}'),
    ('OAUTH', '{"oauth_token": {"refresh_token": "r"}}'),
    ('OAUTH', '{"static_auth": {"details": {"api_key": "k"}}}'),
    ('OAUTH', '{"oauth_token": {"access_token": "a"}, "static_auth": {"details": {}}}'),
    ('OAUTH', '{"oauth_token": {"access_token": "a", "expires_in": "3600"}}'),
    ('OAUTH', '{"oauth_token": {"access_token": ""}}'),
    ('OAUTH', '{"oauth_token": {"access_token": 42}}'),
    ('OAUTH', '{"oauth_token": {"access_token": "a", "scopes": "email"}}'),
    ('OAUTH', '{"oauth_token": {"access_token": "a", "scopes": ["email", 7]}}'),
    ('OAUTH', '{"oauth_token": "a"}'),
    ('OAUTH', '["a"]'),
    ('OAUTH', '"a"'),
    ('OAUTH', '{"token": "a"}'),
    ('API_KEY', '{"oauth_token": {"access_token": "a"}}'),
    ('API_KEY', '{"static_auth": {}}'),
    ('API_KEY', '{"static_auth": {"details": {"api_secret": "s"}}}'),
    ('API_KEY', '{"static_auth": {"details": {"api_key": "k", "password": "p"}}}'),
    ('API_KEY', '{"static_auth": {"details": {"api_key": "k"}, "extra": 1}}'),
    ('API_KEY', '{"static_auth": {"details": ["k"]}}'),
    ('BASIC_AUTH', '{"static_auth": {"details": {"username": "u"}}}'),
    ('BASIC_AUTH', '{"static_auth": {"details": {"password": "p"}}}'),
    ('BASIC', '{"static_auth": {"details": {"username": "u", "password": null}}}'),
    ('BEARER_TOKEN', '{"static_auth": {"details": {"api_key": "k"}}}'),
    ('BEARER_TOKEN', '{"static_auth": {"details": {}}}'),
    ('CUSTOM', '{"static_auth": {"details": {}}}'),
    ('CUSTOM', '{"static_auth": {"details": {"pin": 1234}}}'),
    ('CUSTOM', '{"static_auth": {"details": {"": "x"}}}'),
    ('API_KEY', format('{"static_auth": {"details": {"api_key": "%s"}}}', repeat('k', 16385))),
    ('API_KEY', format('{"static_auth": {"details": {"api_key": "k", "%s": "v"}}}', repeat('x', 100)))
) v(t, d);

-- status transitions: every ordered pair of statuses, by a plain UPDATE
CREATE TEMP TABLE statuses AS
SELECT s, row_number() OVER () AS n FROM unnest(enum_range(NULL::idm.connector_status)) s;
INSERT INTO idm.connected_accounts (environment_id, id, connector, provider, identifier, connection_id,
                                    authorization_type, status, authorization_details)
SELECT 'env_ca1', 'ca_m' || f.n || 't' || t.n, 'github', 'GITHUB', 'm' || f.n || 't' || t.n, 'conn_m',
       'API_KEY', f.s,
       CASE WHEN f.s <> 'DISCONNECTED' THEN '{"static_auth": {"details": {"api_key": "k"}}}'::jsonb END
FROM statuses f, statuses t WHERE f.s <> t.s;
SELECT f.s AS from_status, t.s AS to_status,
       CASE WHEN r = 'no error' THEN 'legal' ELSE left(r, 5) END AS outcome,
       EXISTS (SELECT FROM idm.connector_transitions() x WHERE x.from_status = f.s AND x.to_status = t.s) AS in_table
FROM statuses f, statuses t,
     LATERAL pg_temp.err(format('UPDATE idm.connected_accounts SET status = %L WHERE id = %L',
                                t.s, 'ca_m' || f.n || 't' || t.n)) r
WHERE f.s <> t.s ORDER BY f.n, t.n;
-- an illegal one says where the account may go
SELECT pg_temp.err($$UPDATE idm.connected_accounts SET status = 'PENDING_AUTH' WHERE id = 'ca_m1t3'$$);
SELECT pg_temp.err($$UPDATE idm.connected_accounts SET status = 'ACTIVE' WHERE id = 'ca_m5t1'$$);
-- disconnecting erased the credentials and expiry
SELECT count(*) FILTER (WHERE credentials IS NOT NULL OR token_expires_at IS NOT NULL) AS disconnected_with_credentials,
       count(*) AS disconnected
FROM idm.connected_accounts WHERE environment_id = 'env_ca1' AND status = 'DISCONNECTED';
SELECT pg_temp.err($$UPDATE idm.connected_accounts SET authorization_details = '{"static_auth": {"details": {"api_key": "k"}}}' WHERE id = 'ca_m5t1'$$);

-- the OAuth flow through the action functions
SELECT id AS ca FROM idm.create_connected_account('google_ads', 'clark', 'conn_3', 'GOOGLE_ADS') \gset
SELECT status FROM idm.generate_magic_link(:'ca');
SELECT status, token_expires_at = '2030-01-01 10:00Z' AS expiry_set, credentials IS NOT NULL AS stored
FROM idm.oauth_tokens_fetched(:'ca', 'ya29.access-1', '1//refresh-1', ARRAY['ads.read'],
                              '2030-01-01 10:00Z', 'acme.test');
SELECT status, identifier FROM idm.oauth_succeeded(:'ca', 'clark@acme.test');
SELECT status FROM idm.token_refresh_failed(:'ca');
SELECT status, token_expires_at = '2030-01-01 11:00Z' AS expiry_moved, last_used_at IS NOT NULL AS used
FROM idm.token_refresh_succeeded(:'ca', 'ya29.access-2', '2030-01-01 11:00Z');
-- a NULL refresh_token and scopes kept the old ones
SELECT idm.connected_account_credentials(:'ca');
SELECT status FROM idm.token_refresh_succeeded(:'ca', 'ya29.access-3', '2030-01-01 12:00Z', '1//refresh-2', ARRAY['ads.write']);
SELECT idm.connected_account_credentials(:'ca') -> 'oauth_token' AS oauth_token;

-- each action from each status (OAUTH accounts holding tokens, except DISCONNECTED)
INSERT INTO idm.connected_accounts (environment_id, id, connector, provider, identifier, connection_id, status,
                                    authorization_details)
SELECT 'env_ca1', 'ca_a' || a.n || 's' || s.n, 'gmail', 'GOOGLE', 'a' || a.n || 's' || s.n, 'conn_a', s.s,
       CASE WHEN s.s <> 'DISCONNECTED' THEN '{"oauth_token": {"access_token": "a", "refresh_token": "r"}}'::jsonb END
FROM statuses s, (VALUES (1), (2), (3), (4), (5)) a(n);
CREATE TEMP TABLE actions (n int, action text, call text);
INSERT INTO actions VALUES
    (1, 'magic_link', 'SELECT idm.generate_magic_link(%L)'),
    (2, 'tokens_fetched', 'SELECT idm.oauth_tokens_fetched(%L, ''tok'')'),
    (3, 'oauth_succeeded', 'SELECT idm.oauth_succeeded(%L)'),
    (4, 'refresh_ok', 'SELECT idm.token_refresh_succeeded(%L, ''tok'', ''2030-01-01'')'),
    (5, 'refresh_failed', 'SELECT idm.token_refresh_failed(%L)');
CREATE TEMP TABLE action_results AS
SELECT s.n AS sn, a.n AS an, pg_temp.err(format(a.call, 'ca_a' || a.n || 's' || s.n)) AS r
FROM statuses s, actions a;
-- the status each action leaves, or the SQLSTATE it refuses with
SELECT s.s AS from_status, string_agg(a.action || ' ' || coalesce(substring(r.r FROM '^[0-9A-Z]{5}(?=: )'), c.status::text),
                                      ', ' ORDER BY a.n) AS outcomes
FROM statuses s JOIN action_results r ON r.sn = s.n JOIN actions a ON a.n = r.an
JOIN idm.connected_accounts c ON c.environment_id = 'env_ca1' AND c.id = 'ca_a' || a.n || 's' || s.n
GROUP BY s.n, s.s ORDER BY s.n;
SELECT pg_temp.err($$SELECT idm.token_refresh_failed('ca_a5s3')$$);
SELECT pg_temp.err($$SELECT idm.oauth_tokens_fetched('ca_a2s5', 'tok')$$);

-- expiry by time moves only ACTIVE accounts whose expiry passed
UPDATE idm.connected_accounts SET token_expires_at = now() - interval '1 minute' WHERE id IN ('ca_a1s1', 'ca_a1s2');
UPDATE idm.connected_accounts SET token_expires_at = now() + interval '1 hour' WHERE id = 'ca_a3s1';
SELECT idm.expire_connected_accounts() AS expired;
SELECT id, status FROM idm.connected_accounts WHERE id IN ('ca_a1s1', 'ca_a1s2', 'ca_a3s1') ORDER BY id;

-- touch sets last_used_at without moving updated_at
SELECT updated_at AS updated_before FROM idm.connected_accounts WHERE id = 'ca_a3s1' \gset
SELECT idm.touch_connected_account('ca_a3s1');
SELECT last_used_at > '2021-01-01' AS used, updated_at = :'updated_before' AS updated_at_kept
FROM idm.connected_accounts WHERE id = 'ca_a3s1';
-- updated_at cannot be set by hand either
UPDATE idm.connected_accounts SET updated_at = '2020-01-01' WHERE id = 'ca_a3s1';
SELECT updated_at = :'updated_before' AS updated_at_kept FROM idm.connected_accounts WHERE id = 'ca_a3s1';

-- update: identifier, credentials, api_config; created_at never changes
SELECT identifier, api_config, credentials_updated_at IS NOT NULL AS stamped
FROM idm.update_connected_account('ca_a3s1', identifier => 'renamed',
    authorization_details => '{"oauth_token": {"access_token": "new"}}', api_config => '{"rate_limit": 10}');
UPDATE idm.connected_accounts SET created_at = '2020-01-01' WHERE id = 'ca_a3s1';
SELECT created_at > '2021-01-01' AS created_at_kept FROM idm.connected_accounts WHERE id = 'ca_a3s1';
-- a changed authorization_type needs new details in the same statement
UPDATE idm.connected_accounts SET authorization_type = 'BEARER_TOKEN',
    authorization_details = '{"static_auth": {"details": {"token": "t"}}}' WHERE id = 'ca_a3s1';
SELECT authorization_type, idm.connected_account_credentials('ca_a3s1') FROM idm.connected_accounts WHERE id = 'ca_a3s1';

-- the organization's deletion cascades to its accounts
SELECT count(*) AS org_accounts FROM idm.connected_accounts WHERE organization_id = 'org_ca1';
DELETE FROM idm.organizations WHERE id = 'org_ca1';
SELECT count(*) AS org_accounts_after FROM idm.connected_accounts WHERE organization_id = 'org_ca1';
SELECT idm.delete_connected_account('ca_a3s1');

-- bad input: each error names the field; nothing is written
SELECT pg_temp.counts() AS before;
SELECT pg_temp.err(q) FROM (VALUES
    ($$SELECT idm.create_connected_account('', 'x', 'conn_1', 'P')$$),
    ($$SELECT idm.create_connected_account('c', '', 'conn_1', 'P')$$),
    ($$SELECT idm.create_connected_account('c', repeat('x', 256), 'conn_1', 'P')$$),
    ($$SELECT idm.create_connected_account('c', 'x', 'conn_1', '')$$),
    ($$SELECT idm.create_connected_account('c', 'x', 'org_1', 'P')$$),
    ($$SELECT idm.create_connected_account('c', 'x', 'conn 1', 'P')$$),
    ($$SELECT idm.create_connected_account('c', 'x', 'conn_1', 'P', 'OAUTH2')$$),
    ($$SELECT idm.create_connected_account('c', 'x', 'conn_1', 'P', api_config => '[1]')$$),
    ($$SELECT idm.create_connected_account('c', 'x', 'conn_1', 'P', api_config => '"x"')$$),
    ($$SELECT idm.create_connected_account('c', 'x', 'conn_1', 'P', organization_id => 'org_missing')$$),
    ($$SELECT idm.create_connected_account('c', 'x', 'conn_1', 'P', user_id => 'usr_missing')$$),
    ($$SELECT idm.create_connected_account('c', 'x', 'conn_1', 'P', environment_id => 'env_missing')$$),
    ($$SELECT idm.create_connected_account('stripe', 'acct_1', 'conn_2', 'STRIPE')$$),
    ($$SELECT idm.create_connected_account('c', 'x', 'conn_1', 'P', 'API_KEY', '{"oauth_token": {"access_token": "a"}}')$$),
    ($$SELECT idm.create_connected_account('c', 'x', 'conn_1', 'P', 'BASIC_AUTH', '{"static_auth": {"details": {"username": "u"}}}')$$),
    ($$INSERT INTO idm.connected_accounts (environment_id, id, connector, provider, identifier, connection_id) VALUES ('env_ca1', 'usr_1', 'c', 'p', 'i', 'conn_1')$$),
    ($$INSERT INTO idm.connected_accounts (environment_id, id, connector, provider, identifier, connection_id, status) VALUES ('env_ca1', 'ca_x', 'c', 'p', 'i', 'conn_1', 'ACTIVE')$$),
    ($$INSERT INTO idm.connected_accounts (environment_id, connector, provider, identifier, connection_id, status) VALUES ('env_ca1', 'c', 'p', 'i', 'conn_1', 'REVOKED')$$),
    ($$INSERT INTO idm.connected_accounts (environment_id, id, connector, provider, identifier, connection_id, credentials) VALUES ('env_ca1', 'ca_x', 'c', 'p', 'i', 'conn_1', '\x00')$$),
    ($$INSERT INTO idm.connected_accounts (environment_id, id, connector, provider, identifier, connection_id, credentials) VALUES ('env_ca1', 'ca_x', 'c', 'p', 'i', 'conn_1', '\x01026b31')$$),
    ($$UPDATE idm.connected_accounts SET id = 'ca_other' WHERE id = 'ca_m1t2'$$),
    ($$UPDATE idm.connected_accounts SET environment_id = 'env_ca2' WHERE id = 'ca_m1t2'$$),
    ($$UPDATE idm.connected_accounts SET authorization_type = 'OAUTH' WHERE id = 'ca_m1t2'$$),
    ($$UPDATE idm.connected_accounts SET authorization_details = '{"static_auth": {"details": {"token": "t"}}}' WHERE id = 'ca_m1t2'$$),
    ($$UPDATE idm.connected_accounts SET status = 'ACTIVE', credentials = NULL WHERE id = 'ca_m1t2'$$),
    ($$UPDATE idm.connected_accounts SET status = 'PENDING_AUTH' WHERE id = 'ca_m1t3'$$),
    ($$SELECT idm.update_connected_account('ca_404')$$),
    ($$SELECT idm.delete_connected_account('ca_404')$$),
    ($$SELECT idm.disconnect_connected_account('ca_404')$$),
    ($$SELECT idm.touch_connected_account('ca_404')$$),
    ($$SELECT idm.generate_magic_link('ca_404')$$),
    ($$SELECT idm.generate_magic_link(NULL)$$),
    ($$SELECT idm.oauth_tokens_fetched('ca_404', 'tok')$$),
    ($$SELECT idm.oauth_tokens_fetched('ca_m1t2', 'tok')$$),
    ($$SELECT idm.oauth_tokens_fetched('ca_a2s1', NULL)$$),
    ($$SELECT idm.oauth_tokens_fetched('ca_a2s1', '')$$),
    ($$SELECT idm.oauth_tokens_fetched('ca_a2s1', 'tok', scopes => ARRAY[''])$$),
    ($$SELECT idm.oauth_succeeded('ca_404')$$),
    ($$SELECT idm.oauth_succeeded('ca_a3s5')$$),
    ($$SELECT idm.token_refresh_succeeded('ca_m1t2', 'tok', now())$$),
    ($$SELECT idm.token_refresh_succeeded('ca_a4s3', 'tok', now())$$),
    ($$SELECT idm.token_refresh_failed('ca_404')$$),
    ($$SELECT idm.connected_account_credentials('ca_404')$$),
    ($$SELECT idm.connected_account_credentials('ca_m1t2', 'env_ca2')$$)
) v(q);
RESET idm.environment_id;
SELECT pg_temp.err($$SELECT idm.create_connected_account('c', 'x', 'conn_1', 'P')$$);
SELECT pg_temp.err($$SELECT idm.generate_magic_link('ca_m1t2')$$);
SET idm.environment_id = 'env_ca1';
SELECT pg_temp.counts() AS after;
