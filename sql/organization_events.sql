-- organization.created / updated / deleted events, written in the same transaction
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_idm;
RESET client_min_messages;
\set SHOW_CONTEXT never

INSERT INTO idm.environments (id, name) VALUES ('env_ev1', 'events test');
SET idm.environment_id = 'env_ev1';

SELECT id AS org_id FROM idm.create_organization('AcmeCorp', 'org_external_123', 'US') \gset

SELECT type, object, organization_id = :'org_id' AS org_on_envelope, display_name, spec_version,
       (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(data) k) AS data_keys
FROM idm.events WHERE environment_id = 'env_ev1' ORDER BY id;

SELECT data->>'id' = :'org_id' AS id, data->>'display_name' AS display_name,
       data->'metadata' AS metadata, data->>'region_code' AS region,
       data->'settings' AS settings,
       data->>'create_time' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$' AS rfc3339
FROM idm.events WHERE environment_id = 'env_ev1' AND type = 'organization.created';

-- a no-op UPDATE emits nothing; a real one emits organization.updated
UPDATE idm.organizations SET display_name = display_name WHERE id = :'org_id';
SELECT count(*) AS events_after_noop FROM idm.events WHERE environment_id = 'env_ev1';
UPDATE idm.organizations SET metadata = '{"tier": "gold"}' WHERE id = :'org_id';
SELECT type, data->'metadata' AS metadata FROM idm.events
WHERE environment_id = 'env_ev1' ORDER BY id DESC LIMIT 1;

-- one statement over N rows: N events in row order
INSERT INTO idm.organizations (environment_id, display_name)
SELECT 'env_ev1', 'bulk ' || n FROM generate_series(1, 3) n;
SELECT data->>'display_name' AS name FROM idm.events
WHERE environment_id = 'env_ev1' AND type = 'organization.created' ORDER BY id;

-- rolled back work (whole transaction or savepoint) leaves no event
BEGIN;
INSERT INTO idm.organizations (environment_id, display_name) VALUES ('env_ev1', 'rolled back');
ROLLBACK;
BEGIN;
SAVEPOINT s1;
INSERT INTO idm.organizations (environment_id, display_name) VALUES ('env_ev1', 'in savepoint');
ROLLBACK TO SAVEPOINT s1;
SAVEPOINT s2;
INSERT INTO idm.organizations (environment_id, display_name) VALUES ('env_ev1', 'released');
RELEASE SAVEPOINT s2;
-- the event of a released savepoint carries the top-level xid
SELECT xid = pg_current_xact_id() AS top_level_xid FROM idm.events
WHERE data->>'display_name' = 'released';
COMMIT;
SELECT data->>'display_name' AS name, count(*) FROM idm.events
WHERE data->>'display_name' IN ('rolled back', 'in savepoint', 'released')
GROUP BY 1 ORDER BY 1;

-- delete carries deleted_at
SELECT idm.delete_organization(:'org_id');
SELECT type, data->>'id' = :'org_id' AS id, data ? 'deleted_at' AS has_deleted_at,
       data->>'deleted_at' >= data->>'update_time' AS deleted_after_update
FROM idm.events WHERE environment_id = 'env_ev1' AND type = 'organization.deleted';

-- the rendered body: spec envelope key order, no \/ escapes, valid JSON
UPDATE idm.organizations SET metadata = '{"url": "https://acme.example/a/b"}'
WHERE display_name = 'bulk 1';
SELECT idm.webhook_body(e) AS body FROM idm.events e
WHERE environment_id = 'env_ev1' AND type = 'organization.updated' ORDER BY id DESC LIMIT 1 \gset
SELECT :'body' LIKE '{"spec_version":"1","id":"evt_%","type":"organization.updated","object":"Organization","occurred_at":"%Z","environment_id":"env_ev1","organization_id":"org_%","data":{%},"display_name":"Organization Updated"}' AS envelope_order,
       position('\/' IN :'body') = 0 AS no_escaped_slash,
       (:'body'::jsonb)->'data'->'metadata'->>'url' AS url,
       (:'body'::jsonb) - 'occurred_at' = (SELECT to_jsonb(e) - 'xid' - 'occurred_at' FROM idm.events e WHERE e.id = (:'body'::jsonb)->>'id') AS body_matches_row;
-- deterministic for a row
SELECT count(DISTINCT idm.webhook_body(e)) AS renderings FROM idm.events e, generate_series(1, 3)
WHERE e.id = (:'body'::jsonb)->>'id';
-- role events carry no organization_id; the body leaves the key out entirely
SELECT position('organization_id' IN idm.webhook_body(ROW('evt_1', 'role.created', 'Role', now(), 'env_ev1', NULL, '{"n": 1.50}', 'Role Created', '1', '1')::idm.events)) = 0 AS no_org_key,
       idm.webhook_body(ROW('evt_1', 'role.created', 'Role', now(), 'env_ev1', NULL, '{"n": 1.50, "a": [1, "x", null, true]}', 'Role Created', '1', '1')::idm.events)::jsonb->'data' AS data_round_trip;

-- the trigger refuses to be called wrongly
SELECT idm.organization_events();
