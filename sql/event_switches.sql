-- events can be switched off per environment and per type
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_idm;
RESET client_min_messages;
\set SHOW_CONTEXT never

INSERT INTO idm.environments (id, name) VALUES ('env_sw1', 'switch A'), ('env_sw2', 'switch B');
SET idm.environment_id = 'env_sw1';

-- one type off: created is silent, updated still written; env B unaffected
SELECT idm.disable_events('{organization.created}');
SELECT disabled_event_types, events_enabled FROM idm.environments WHERE id = 'env_sw1';
INSERT INTO idm.organizations (environment_id, display_name, external_id)
VALUES ('env_sw1', 'Quiet', 'q1'), ('env_sw2', 'Loud', 'l1');
UPDATE idm.organizations SET display_name = display_name || '!' WHERE external_id IN ('q1', 'l1');
SELECT environment_id, type, count(*) FROM idm.events
WHERE environment_id IN ('env_sw1', 'env_sw2') GROUP BY 1, 2 ORDER BY 1, 2;

-- the switch applies from the next statement on, also within a transaction
BEGIN;
SELECT idm.disable_events();
UPDATE idm.organizations SET display_name = 'Silent' WHERE external_id = 'q1';
SELECT idm.enable_events('{organization.created}');
SELECT events_enabled, disabled_event_types FROM idm.environments WHERE id = 'env_sw1';
SELECT idm.enable_events();
UPDATE idm.organizations SET display_name = 'Heard' WHERE external_id = 'q1';
COMMIT;
SELECT data->>'display_name' AS name FROM idm.events
WHERE environment_id = 'env_sw1' AND type = 'organization.updated' ORDER BY id;

-- adding twice keeps one entry; enabling a type that is not off is harmless
SELECT idm.disable_events('{user.login,user.login,organization.deleted}');
SELECT idm.disable_events('{user.login}');
SELECT idm.enable_events('{role.created}');
SELECT disabled_event_types FROM idm.environments WHERE id = 'env_sw1';

-- bad input
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $f$;
SELECT pg_temp.err($$SELECT idm.disable_events('{user.teleport}')$$);
SELECT pg_temp.err($$SELECT idm.disable_events(NULL, 'env_nope')$$);
SELECT pg_temp.err($$SELECT idm.enable_events(NULL, 'env_nope')$$);
