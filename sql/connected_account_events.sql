-- connected_account.* events: data keys and JSON types of every type, when
-- updated / status_updated fire, and no secret in any event or error
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_idm;
RESET client_min_messages;
\set SHOW_CONTEXT never
-- err(sql): like the other tests' helper, and it keeps every message,
-- detail and hint it saw in pg_temp.errors
CREATE TEMP TABLE errors (msg text);
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
    detail text;
    hint text;
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
    INSERT INTO pg_temp.errors VALUES (SQLERRM || ' ' || detail || ' ' || hint);
    RETURN SQLSTATE || ': ' || SQLERRM || coalesce(' (' || nullif(detail, '') || ')', '');
END $f$;

SET idm.credential_keys = 'k1:arnx6499M4j0+dWG9m6Z/VQIDfLERvDlhmiwnAihbdA=';
INSERT INTO idm.environments (id, name) VALUES ('env_cae1', 'account events');
SET idm.environment_id = 'env_cae1';

-- a scenario that emits every connected_account.* type, with planted secrets
SELECT id AS ca FROM idm.create_connected_account('google_ads', 'Clark', 'conn_100', 'GOOGLE_ADS') \gset
SELECT status FROM idm.generate_magic_link(:'ca');
SELECT status FROM idm.oauth_tokens_fetched(:'ca', 'ya29.PLANTED_ACCESS_1', '1//PLANTED_REFRESH_1',
    ARRAY['ads'], '2030-01-01 10:00Z');
SELECT status FROM idm.oauth_succeeded(:'ca');
SELECT status FROM idm.token_refresh_failed(:'ca');
SELECT status FROM idm.token_refresh_succeeded(:'ca', 'ya29.PLANTED_ACCESS_2', '2030-01-01 11:00Z',
    '1//PLANTED_REFRESH_2');
SELECT identifier FROM idm.update_connected_account(:'ca', identifier => 'Clark Kent');
SELECT idm.delete_connected_account(:'ca');

-- one event per step, in order; no organization_id on the envelope
SELECT type, object, display_name, spec_version, organization_id IS NULL AS no_org,
       data->>'status' AS status, data->>'old_status' AS old_status
FROM idm.events WHERE environment_id = 'env_cae1' ORDER BY xid, id;

-- data keys and JSON types of each type, as in the spec's examples
-- (status_updated: the keys of updated plus old_status)
SELECT type, string_agg(k || ':' || jsonb_typeof(data->k), ' ' ORDER BY k) AS data_keys
FROM (SELECT DISTINCT ON (type) type, data FROM idm.events WHERE environment_id = 'env_cae1'
      ORDER BY type, id) e, jsonb_object_keys(e.data) k
GROUP BY type ORDER BY type;
SELECT DISTINCT data->>'id' = :'ca' AS id_ok, data->>'connection_id' AS connection_id,
       data->>'provider' AS provider, data->>'authorization_type' AS authorization_type
FROM idm.events WHERE environment_id = 'env_cae1';
SELECT type, data->>'token_expires_at' AS token_expires_at,
       data->>'last_used_at' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$' AS last_used_rfc3339
FROM idm.events WHERE environment_id = 'env_cae1' AND data ? 'token_expires_at' ORDER BY xid, id;

-- what emits what on a plain UPDATE
INSERT INTO idm.connected_accounts (environment_id, id, connector, provider, identifier, connection_id,
                                    authorization_type, status, authorization_details)
VALUES ('env_cae1', 'ca_u1', 'jira', 'JIRA', 'u1', 'conn_101', 'BASIC_AUTH', 'ACTIVE',
        '{"static_auth": {"details": {"username": "bot", "password": "PLANTED_PASSWORD_1"}}}');
CREATE TEMP TABLE seen AS SELECT max(id) AS last FROM idm.events WHERE environment_id = 'env_cae1';
CREATE FUNCTION pg_temp.emitted(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
    r text;
BEGIN
    EXECUTE q;
    SELECT coalesce(string_agg(type::text, ', ' ORDER BY id), 'nothing') INTO r
    FROM idm.events WHERE environment_id = 'env_cae1' AND id > (SELECT last FROM pg_temp.seen);
    UPDATE pg_temp.seen SET last = (SELECT max(id) FROM idm.events WHERE environment_id = 'env_cae1');
    RETURN r;
END $f$;
SELECT what, pg_temp.emitted(q) AS emits FROM (VALUES
    ('no-op update', $$UPDATE idm.connected_accounts SET identifier = identifier WHERE id = 'ca_u1'$$),
    ('last_used_at only', $$UPDATE idm.connected_accounts SET last_used_at = now() WHERE id = 'ca_u1'$$),
    ('token_expires_at only', $$UPDATE idm.connected_accounts SET token_expires_at = now() WHERE id = 'ca_u1'$$),
    ('identifier', $$UPDATE idm.connected_accounts SET identifier = 'u1-renamed' WHERE id = 'ca_u1'$$),
    ('api_config', $$UPDATE idm.connected_accounts SET api_config = '{"timeout": 5}' WHERE id = 'ca_u1'$$),
    ('new credentials', $$UPDATE idm.connected_accounts SET authorization_details = '{"static_auth": {"details": {"username": "bot", "password": "PLANTED_PASSWORD_2"}}}' WHERE id = 'ca_u1'$$),
    ('status only', $$UPDATE idm.connected_accounts SET status = 'EXPIRED' WHERE id = 'ca_u1'$$),
    ('status and identifier', $$UPDATE idm.connected_accounts SET status = 'PENDING_AUTH', identifier = 'u1' WHERE id = 'ca_u1'$$),
    ('disconnect', $$SELECT idm.disconnect_connected_account('ca_u1')$$),
    ('magic link', $$SELECT idm.generate_magic_link('ca_u1')$$),
    ('three rows', $$INSERT INTO idm.connected_accounts (environment_id, connector, provider, identifier, connection_id) SELECT 'env_cae1', 'c', 'p', 'n' || n, 'conn_1' FROM generate_series(1, 3) n$$),
    ('expire by time', $$UPDATE idm.connected_accounts SET authorization_details = '{"static_auth": {"details": {"username": "a", "password": "b"}}}', status = 'ACTIVE', token_expires_at = now() - interval '1 second' WHERE id = 'ca_u1'; SELECT idm.expire_connected_accounts()$$)
) v(what, q);
SELECT data->>'identifier' AS identifier FROM idm.events
WHERE environment_id = 'env_cae1' AND data->>'identifier' LIKE 'n_' ORDER BY id;

-- rolled back work, in a transaction or a savepoint, leaves no event
BEGIN;
SELECT (idm.create_connected_account('c', 'rolled back', 'conn_1', 'p')).status;
ROLLBACK;
BEGIN;
SAVEPOINT s;
SELECT (idm.create_connected_account('c', 'in savepoint', 'conn_1', 'p')).status;
ROLLBACK TO SAVEPOINT s;
COMMIT;
SELECT count(*) AS rolled_back_events FROM idm.events WHERE data->>'identifier' IN ('rolled back', 'in savepoint');

-- the rendered webhook: ConnectedAccount envelope without organization_id
SELECT (b::jsonb) ? 'organization_id' AS has_org_key, (b::jsonb)->>'object' AS object,
       (b::jsonb)->'data' ? 'old_status' AS has_old_status
FROM (SELECT idm.webhook_body(e) AS b FROM idm.events e
      WHERE environment_id = 'env_cae1' AND type = 'connected_account.status_updated'
      ORDER BY id LIMIT 1) s;

-- bad input that carries secrets: refused without echoing them (an unexpected
-- field is named, as PLANTED_KEY_7 is: it is a name, not a value)
SELECT pg_temp.err(q) FROM (VALUES
    ($$SELECT idm.oauth_tokens_fetched('ca_u1', 'ya29.PLANTED_ACCESS_3', scopes => ARRAY['PLANTED_SCOPE', ''])$$),
    ($$SELECT idm.update_connected_account('ca_u1', authorization_details => '{"oauth_token": {"access_token": "PLANTED_ACCESS_4"}}')$$),
    ($$SELECT idm.update_connected_account('ca_u1', authorization_details => '{"static_auth": {"details": {"username": "bot", "passwd": "PLANTED_PASSWORD_3"}}}')$$),
    ($$SELECT idm.update_connected_account('ca_u1', authorization_details => '{"static_auth": {"details": {"username": "bot", "password": ["PLANTED_PASSWORD_4"]}}}')$$),
    ($$SELECT idm.create_connected_account('c', 'x', 'conn_1', 'p', 'CUSTOM', '{"static_auth": {"details": {"key": {"PLANTED_NESTED": "x"}}}}')$$),
    ($$SELECT idm.create_connected_account('c', 'x', 'conn_1', 'p', 'BEARER_TOKEN', '{"static_auth": {"details": {"token": "PLANTED_TOKEN_5"}}, "note": "PLANTED_NOTE"}')$$),
    ($$UPDATE idm.connected_accounts SET status = 'DISCONNECTED', authorization_details = '{"static_auth": {"details": {"username": "a", "password": "PLANTED_PASSWORD_5"}}}' WHERE id = 'ca_u1'$$),
    ($$SELECT idm.check_authorization_details('API_KEY', '{"static_auth": {"details": {"api_key": "PLANTED_KEY_6", "PLANTED_KEY_7": ""}}}')$$)
) v(q);
SELECT count(*) AS errors_seen, count(*) FILTER (WHERE msg LIKE '%PLANTED%' AND msg NOT LIKE '%PLANTED_KEY_7%') AS errors_with_secrets
FROM pg_temp.errors;

-- no event anywhere carries a planted secret
SELECT count(*) AS events, count(*) FILTER (WHERE e::text LIKE '%PLANTED%') AS events_with_secrets
FROM idm.events e WHERE environment_id = 'env_cae1';
