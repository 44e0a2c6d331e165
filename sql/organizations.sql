-- organizations: defaults, validation, API functions
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

INSERT INTO idm.environments (id, name) VALUES ('env_orgs1', 'orgs test'), ('env_orgs2', 'other');
SET idm.environment_id = 'env_orgs1';

-- an environment gets a signing secret of 32 random bytes
SELECT webhook_secret ~ '^whsec_[A-Za-z0-9+/]{43}=$' AS secret_shape,
       length(decode(substr(webhook_secret, 7), 'base64')) AS key_bytes
FROM idm.environments WHERE id = 'env_orgs1';
SELECT count(DISTINCT webhook_secret) = count(*) AS distinct_secrets FROM idm.environments;

SELECT id ~ '^org_' AS id_ok, display_name, external_id, region_code, metadata, settings,
       create_time = update_time AS same_times
FROM idm.create_organization('Acme', 'acme-1', 'US', '{"plan": "pro"}');

-- external_id is unique per environment, not globally
SELECT display_name FROM idm.create_organization('Acme Two', 'acme-1', environment_id => 'env_orgs2');

-- update_time moves only when something changed
UPDATE idm.organizations SET create_time = '2020-01-01', update_time = '2020-01-01'
WHERE external_id = 'acme-1' AND environment_id = 'env_orgs1';
SELECT create_time > '2020-01-02' AS create_time_kept_immutable FROM idm.organizations
WHERE external_id = 'acme-1' AND environment_id = 'env_orgs1';

SELECT id AS org_id FROM idm.organizations WHERE environment_id = 'env_orgs1' \gset
SELECT display_name, settings FROM idm.update_organization(:'org_id', display_name => 'Acme Inc',
    settings => '{"features": [{"name": "sso", "enabled": true}, {"name": "dir_sync", "enabled": false}]}');

-- bad input: each error names the field; nothing is written
SELECT (SELECT count(*) FROM idm.organizations WHERE environment_id LIKE 'env_orgs%') AS orgs_before, (SELECT count(*) FROM idm.events WHERE environment_id LIKE 'env_orgs%') AS events_before;
SELECT pg_temp.err($$SELECT idm.create_organization('Dup', 'acme-1')$$);
SELECT pg_temp.err($$SELECT idm.create_organization('Bad ext', ' padded')$$);
SELECT pg_temp.err($$SELECT idm.create_organization('Bad ext', '')$$);
SELECT pg_temp.err($$SELECT idm.create_organization('Bad ext', E'tab\there')$$);
SELECT pg_temp.err($$SELECT idm.create_organization('Bad ext', repeat('x', 256))$$);
SELECT pg_temp.err($$SELECT idm.create_organization('Bad meta', metadata => '{"n": 1}')$$);
SELECT pg_temp.err($$SELECT idm.create_organization('Bad meta', metadata => '{"tags": ["a"]}')$$);
SELECT pg_temp.err($$SELECT idm.create_organization('Bad meta', metadata => '["a"]')$$);
SELECT pg_temp.err($$SELECT idm.create_organization('Bad meta', metadata => '{"": "x"}')$$);
SELECT pg_temp.err($$SELECT idm.create_organization('')$$);
SELECT pg_temp.err($$SELECT idm.create_organization('No env', environment_id => 'env_missing')$$);
SELECT pg_temp.err($$SELECT idm.update_organization('org_404')$$);
SELECT pg_temp.err(format($$SELECT idm.update_organization(%L, settings => '{"features": [{"name": "mfa", "enabled": true}]}')$$, :'org_id'));
SELECT pg_temp.err(format($$SELECT idm.update_organization(%L, settings => '{"features": [{"name": "sso", "enabled": "yes"}]}')$$, :'org_id'));
SELECT pg_temp.err(format($$SELECT idm.update_organization(%L, settings => '{"features": [{"name": "sso", "enabled": true}, {"name": "sso", "enabled": false}]}')$$, :'org_id'));
SELECT pg_temp.err(format($$SELECT idm.update_organization(%L, settings => '{"feature": []}')$$, :'org_id'));
SELECT pg_temp.err($$SELECT idm.delete_organization('org_404')$$);
SELECT pg_temp.err($$INSERT INTO idm.organizations (environment_id, id, display_name) VALUES ('env_orgs1', 'usr_1', 'wrong prefix')$$);
SELECT pg_temp.err($$INSERT INTO idm.organizations (environment_id, display_name, region_code) VALUES ('env_orgs1', 'x', 'APAC')$$);
RESET idm.environment_id;
SELECT pg_temp.err($$SELECT idm.create_organization('No env set')$$);
SELECT (SELECT count(*) FROM idm.organizations WHERE environment_id LIKE 'env_orgs%') AS orgs_after, (SELECT count(*) FROM idm.events WHERE environment_id LIKE 'env_orgs%') AS events_after;
SELECT count(*) AS events_for_failures FROM idm.events WHERE data->>'display_name' IN ('Dup', 'Bad ext', 'Bad meta', 'No env', 'No env set');
