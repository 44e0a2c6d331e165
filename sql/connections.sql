-- SSO connections and their organization.sso_* events
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
-- events(): the connection events of env_conn1 since the last call, data with JSON types
CREATE TABLE pg_temp.seen (id text);
CREATE FUNCTION pg_temp.events() RETURNS TABLE (type idm.event_type, object idm.event_object,
    org_on_envelope boolean, display_name text, data_types text)
LANGUAGE sql AS $f$
    WITH new AS (
        INSERT INTO pg_temp.seen
        SELECT e.id FROM idm.events e
        WHERE e.environment_id = 'env_conn1' AND e.object = 'Connection'
          AND e.id NOT IN (SELECT id FROM pg_temp.seen)
        RETURNING id)
    SELECT e.type, e.object, e.organization_id = e.data->>'organization_id', e.display_name,
           (SELECT string_agg(k || ':' || jsonb_typeof(v), ' ' ORDER BY k) FROM jsonb_each(e.data) AS x(k, v))
    FROM idm.events e JOIN new USING (id) ORDER BY e.id
$f$;

INSERT INTO idm.environments (id, name) VALUES ('env_conn1', 'connections test'), ('env_conn2', 'other');
SET idm.environment_id = 'env_conn1';
SELECT id AS org FROM idm.create_organization('Acme') \gset
SELECT id AS other_env_org FROM idm.create_organization('Elsewhere', environment_id => 'env_conn2') \gset
SELECT * FROM pg_temp.events();

-- created disabled, in DRAFT; organization.sso_created with the spec's keys
SELECT id AS conn, id ~ '^conn_' AS id_ok, type, provider, status, enabled, provider_key,
       create_time = update_time AS same_times
FROM idm.create_connection(:'org', 'OIDC', 'OKTA', provider_key => 'okta') \gset
SELECT :'id_ok' AS id_ok, :'type' AS type, :'provider' AS provider, :'status' AS status,
       :'enabled' AS enabled, :'provider_key' AS provider_key, :'same_times' AS same_times;
SELECT * FROM pg_temp.events();
SELECT data->>'id' = :'conn' AS id, data->>'organization_id' = :'org' AS org,
       data->>'connection_type' AS connection_type, data->>'provider' AS provider
FROM idm.events WHERE environment_id = 'env_conn1' AND type = 'organization.sso_created';

-- enable: sso_enabled with enabled and status; again: a no-op, no event
UPDATE idm.connections SET status = 'COMPLETED' WHERE id = :'conn';
SELECT * FROM pg_temp.events();
SELECT enabled FROM idm.enable_connection(:'conn');
SELECT * FROM pg_temp.events();
SELECT data->'enabled' AS enabled, data->>'status' AS status FROM idm.events
WHERE environment_id = 'env_conn1' AND type = 'organization.sso_enabled';
SELECT enabled FROM idm.enable_connection(:'conn');
SELECT * FROM pg_temp.events();
-- other changes emit nothing (the spec has no sso_updated)
UPDATE idm.connections SET provider = 'MICROSOFT_AD', key_id = 'acme-sso' WHERE id = :'conn';
SELECT * FROM pg_temp.events();
-- disable, twice
SELECT enabled FROM idm.disable_connection(:'conn');
SELECT enabled FROM idm.disable_connection(:'conn');
SELECT * FROM pg_temp.events();
SELECT data->'enabled' AS enabled, data->>'status' AS status, data->>'provider' AS provider
FROM idm.events WHERE environment_id = 'env_conn1' AND type = 'organization.sso_disabled';
-- flipping and flipping back: one event per flip
UPDATE idm.connections SET enabled = NOT enabled WHERE id = :'conn';
UPDATE idm.connections SET enabled = NOT enabled WHERE id = :'conn';
SELECT * FROM pg_temp.events();

-- a row inserted enabled announces both, so a receiver knows its state
INSERT INTO idm.connections (environment_id, organization_id, type, provider, status, enabled)
VALUES ('env_conn1', :'org', 'SAML', 'GOOGLE', 'COMPLETED', true) RETURNING id AS conn2 \gset
SELECT * FROM pg_temp.events();

-- listing, as GET /api/v1/connections: active ones by default
SELECT id = :'conn2' AS conn2, organization_name, type, provider, status, enabled, domains
FROM idm.list_connections();
SELECT domain FROM idm.create_domain(:'org', 'acme.example');
SELECT id = :'conn' AS conn, organization_name, provider, provider_key, key_id, status, enabled, domains
FROM idm.list_connections(include_all => true);
SELECT count(*) AS by_domain FROM idm.list_connections(domain => 'ACME.example.', include_all => true);
SELECT count(*) AS by_other_domain FROM idm.list_connections(domain => 'other.example', include_all => true);
SELECT count(*) AS by_org FROM idm.list_connections(organization_id => :'org');

-- bad input: precise errors, nothing written
SELECT (SELECT count(*) FROM idm.connections WHERE environment_id LIKE 'env_conn%') AS connections_before,
       (SELECT count(*) FROM idm.events WHERE environment_id LIKE 'env_conn%') AS events_before;
SELECT pg_temp.err($$SELECT idm.create_connection('org_404', 'OIDC', 'OKTA')$$) AS unknown_org;
SELECT replace(pg_temp.err(format($$SELECT idm.create_connection(%L, 'OIDC', 'OKTA')$$, :'other_env_org')),
               :'other_env_org', '<org of env_conn2>') AS cross_environment;
SELECT pg_temp.err(format($$SELECT idm.create_connection(%L, 'LDAP', 'OKTA')$$, :'org')) AS wrong_type;
SELECT pg_temp.err(format($$SELECT idm.create_connection(%L, 'OIDC', 'okta')$$, :'org')) AS wrong_provider;
SELECT pg_temp.err(format($$SELECT idm.create_connection(%L, 'OIDC', 'OKTA', 'DONE')$$, :'org')) AS wrong_status;
SELECT pg_temp.err(format($$SELECT idm.create_connection(%L, 'OIDC', 'OKTA', provider_key => '')$$, :'org')) AS empty_provider_key;
SELECT pg_temp.err(format($$SELECT idm.create_connection(%L, 'OIDC', 'OKTA', key_id => 'acme-sso')$$, :'org')) AS duplicate_key_id;
SELECT pg_temp.err($$INSERT INTO idm.connections (environment_id, id, organization_id, type, provider) SELECT 'env_conn1', 'dom_1', id, 'OIDC', 'OKTA' FROM idm.organizations WHERE environment_id = 'env_conn1'$$) AS wrong_prefix;
SELECT pg_temp.err($$SELECT idm.enable_connection('conn_404')$$) AS enable_missing;
SELECT pg_temp.err($$SELECT idm.disable_connection('conn_404')$$) AS disable_missing;
SELECT pg_temp.err($$SELECT idm.delete_connection('conn_404')$$) AS delete_missing;
SELECT replace(pg_temp.err(format($$SELECT idm.enable_connection(%L, 'env_conn2')$$, :'conn')), :'conn', '<conn>') AS enable_in_other_environment;
RESET idm.environment_id;
SELECT pg_temp.err(format($$SELECT idm.create_connection(%L, 'OIDC', 'OKTA')$$, :'org')) AS no_environment;
SET idm.environment_id = 'env_conn1';
SELECT (SELECT count(*) FROM idm.connections WHERE environment_id LIKE 'env_conn%') AS connections_after,
       (SELECT count(*) FROM idm.events WHERE environment_id LIKE 'env_conn%') AS events_after;

-- rolled back work leaves no event
BEGIN;
SELECT enabled FROM idm.enable_connection(:'conn');
ROLLBACK;
SELECT * FROM pg_temp.events();

-- delete: organization.sso_deleted with the spec's keys; deleting the
-- organization deletes the rest, each with its event
SELECT idm.delete_connection(:'conn');
SELECT * FROM pg_temp.events();
SELECT idm.delete_organization(:'org');
SELECT * FROM pg_temp.events();
SELECT count(*) AS connections_left FROM idm.connections WHERE environment_id = 'env_conn1';

-- the trigger refuses to be called wrongly
SELECT idm.connection_events();

-- leave no environments behind for tests that count them
DELETE FROM idm.organizations WHERE environment_id LIKE 'env_conn_';
DELETE FROM idm.events WHERE environment_id LIKE 'env_conn_';
DELETE FROM idm.environments WHERE id LIKE 'env_conn_';
