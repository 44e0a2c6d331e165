-- organization.directory_* events: shapes against the spec's examples,
-- no-ops, groups and roles in user events, cascades, rollbacks
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_idm;
RESET client_min_messages;
\set SHOW_CONTEXT never

-- The data of each example in the spec's webhooks section, as key -> JSON type.
CREATE TEMP TABLE example (type text PRIMARY KEY, shape jsonb NOT NULL);
INSERT INTO example VALUES
('organization.directory_enabled', '{"directory_type": "string", "enabled": "boolean", "id": "string",
  "organization_id": "string", "provider": "string", "updated_at": "string"}'),
('organization.directory_disabled', '{"directory_type": "string", "enabled": "boolean", "id": "string",
  "organization_id": "string", "provider": "string", "updated_at": "string"}'),
('organization.directory.user_created', '{"active": "boolean", "cost_center": "string",
  "custom_attributes": "object", "department": "string", "division": "string", "dp_id": "string",
  "email": "string", "employee_id": "string", "family_name": "string", "given_name": "string",
  "groups": "array", "id": "string", "language": "string", "locale": "string", "name": "string",
  "nickname": "string", "organization": "string", "organization_id": "string",
  "phone_number": "string", "preferred_username": "string", "profile": "string",
  "raw_attributes": "object", "title": "string", "user_type": "string", "zoneinfo": "string",
  "roles": "array"}'),
('organization.directory.user_updated', '{"id": "string", "organization_id": "string",
  "dp_id": "string", "preferred_username": "string", "email": "string", "active": "boolean",
  "name": "string", "roles": "array", "groups": "array", "given_name": "string",
  "family_name": "string", "nickname": "string", "picture": "string", "phone_number": "string",
  "address": "object", "custom_attributes": "object", "raw_attributes": "object"}'),
('organization.directory.user_deleted', '{"id": "string", "organization_id": "string",
  "dp_id": "string", "email": "string"}'),
('organization.directory.group_created', '{"directory_id": "string", "display_name": "string",
  "external_id": "null", "id": "string", "organization_id": "string", "raw_attributes": "object"}'),
('organization.directory.group_updated', '{"directory_id": "string", "display_name": "string",
  "external_id": "string", "id": "string", "organization_id": "string", "raw_attributes": "object"}'),
('organization.directory.group_deleted', '{"directory_id": "string", "display_name": "string",
  "dp_id": "string", "id": "string", "organization_id": "string", "raw_attributes": "object"}'),
-- elements of "groups" and "roles", and the "address" of user_updated
('groups[]', '{"id": "string", "name": "string"}'),
('roles[]', '{"role_name": "string"}'),
('address', '{"postal_code": "string", "state": "string", "formatted": "string"}');

-- problems of a JSON object against an example shape: missing keys and
-- other JSON types ('ok' when none); extra keys are listed apart
CREATE FUNCTION pg_temp.shape(data jsonb, example_type text) RETURNS text LANGUAGE sql AS $f$
    SELECT coalesce(string_agg(problem, '; ' ORDER BY problem), 'ok')
    FROM example x, jsonb_each_text(x.shape) e,
         LATERAL (SELECT CASE WHEN NOT data ? e.key THEN 'missing ' || e.key
                              WHEN jsonb_typeof(data->e.key) <> e.value
                              THEN e.key || ' is ' || jsonb_typeof(data->e.key) || ', not ' || e.value
                         END AS problem) p
    WHERE x.type = example_type AND p.problem IS NOT NULL
$f$;
CREATE FUNCTION pg_temp.extra_keys(data jsonb, example_type text) RETURNS text[] LANGUAGE sql AS $f$
    SELECT coalesce(array_agg(k ORDER BY k), '{}')
    FROM jsonb_object_keys(data) k, example x
    WHERE x.type = example_type AND NOT x.shape ? k
$f$;
-- the events of this test since a mark
CREATE FUNCTION pg_temp.since(mark text) RETURNS SETOF idm.events LANGUAGE sql AS $f$
    SELECT * FROM idm.events WHERE environment_id = 'env_direv1' AND id > mark ORDER BY xid, id
$f$;
CREATE FUNCTION pg_temp.mark() RETURNS text LANGUAGE sql AS $f$
    SELECT coalesce(max(id), 'evt_0') FROM idm.events WHERE environment_id = 'env_direv1'
$f$;

INSERT INTO idm.environments (id, name) VALUES ('env_direv1', 'directory events');
SET idm.environment_id = 'env_direv1';
SELECT id AS org FROM idm.create_organization('Acme') \gset

-- creating a directory emits nothing (no such webhook)
SELECT pg_temp.mark() AS m \gset
SELECT id AS dir FROM idm.create_directory(:'org', 'OKTA') \gset
SELECT count(*) AS events_for_create FROM pg_temp.since(:'m');

-- enable: directory_enabled with the example's keys; a second enable emits nothing
SELECT enabled FROM idm.enable_directory(:'dir');
SELECT enabled FROM idm.enable_directory(:'dir');
SELECT type, object, display_name, organization_id = :'org' AS org_on_envelope,
       pg_temp.shape(data, type::text), pg_temp.extra_keys(data, type::text),
       data->>'id' = :'dir' AS id, data->>'organization_id' = :'org' AS data_org,
       data->'enabled' AS enabled, data->>'provider' AS provider, data->>'directory_type' AS directory_type,
       data->>'updated_at' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$' AS rfc3339,
       (data->>'updated_at')::timestamptz = (SELECT updated_at FROM idm.directories WHERE id = :'dir') AS updated_at
FROM pg_temp.since(:'m');

-- other changes of a directory emit nothing
SELECT pg_temp.mark() AS m \gset
UPDATE idm.directories SET name = 'Okta', status = 'COMPLETED', last_synced_at = now() WHERE id = :'dir';
SELECT last_synced_at IS NOT NULL AS synced FROM idm.mark_directory_synced(:'dir');
SELECT count(*) AS events_for_other_changes FROM pg_temp.since(:'m');

-- disable: directory_disabled; twice is one event; plain UPDATE works too
SELECT enabled FROM idm.disable_directory(:'dir');
SELECT enabled FROM idm.disable_directory(:'dir');
UPDATE idm.directories SET enabled = true WHERE id = :'dir';
UPDATE idm.directories SET enabled = true WHERE id = :'dir';
SELECT type, display_name, pg_temp.shape(data, type::text), data->'enabled' AS enabled
FROM pg_temp.since(:'m');

-- user_created carries every key of the example, plus picture and address
SELECT pg_temp.mark() AS m \gset
SELECT id AS u1 FROM idm.upsert_directory_user(:'dir', 'okta-00u1', 'flavio@runolfsdottir.co.uk',
    active => true, cost_center => 'QAUZ', custom_attributes => '{"mobile_phone_number": "1-579-4072"}',
    department => 'HNXJ', division => 'MJFU', employee_id => 'AWNE', family_name => 'Jaquelin',
    given_name => 'Dayton', language => 'se', locale => 'sv-SE', name => 'Dayton Jaquelin',
    nickname => 'Day', organization => 'AUII', phone_number => '1-579-4072',
    preferred_username => 'kuntala1233a', profile => 'https://acme.example/p/1', title => 'FKQB',
    user_type => 'Employee', zoneinfo => 'America/Araguaina',
    raw_attributes => '{"userName": "kuntala1233a", "emails": [{"value": "flavio@runolfsdottir.co.uk"}]}') \gset
SELECT type, object, display_name, organization_id = :'org' AS org_on_envelope,
       pg_temp.shape(data, type::text), pg_temp.extra_keys(data, type::text),
       data->>'id' = :'u1' AS id, data->'groups' AS groups, data->'roles' AS roles,
       data->'custom_attributes' AS custom_attributes, data->'raw_attributes'->>'userName' AS raw_username,
       data->>'zoneinfo' AS zoneinfo, data->>'picture' AS picture, data->'address' AS address
FROM pg_temp.since(:'m');

-- an upsert that changes nothing emits nothing; a change emits one user_updated
SELECT pg_temp.mark() AS m \gset
SELECT id = :'u1' AS same FROM idm.upsert_directory_user(:'dir', 'okta-00u1', 'flavio@runolfsdottir.co.uk',
    active => true, cost_center => 'QAUZ', custom_attributes => '{"mobile_phone_number": "1-579-4072"}',
    department => 'HNXJ', division => 'MJFU', employee_id => 'AWNE', family_name => 'Jaquelin',
    given_name => 'Dayton', language => 'se', locale => 'sv-SE', name => 'Dayton Jaquelin',
    nickname => 'Day', organization => 'AUII', phone_number => '1-579-4072',
    preferred_username => 'kuntala1233a', profile => 'https://acme.example/p/1', title => 'FKQB',
    user_type => 'Employee', zoneinfo => 'America/Araguaina',
    raw_attributes => '{"emails": [{"value": "flavio@runolfsdottir.co.uk"}], "userName": "kuntala1233a"}');
UPDATE idm.directory_users SET title = title WHERE id = :'u1';
SELECT count(*) AS events_for_noop FROM pg_temp.since(:'m');
SELECT id AS u2 FROM idm.upsert_directory_user(:'dir', 'okta-00u2', 'john.doe@example.com',
    name => 'John Doe', given_name => 'John', family_name => 'Doe', nickname => 'Jhonny boy',
    picture => 'https://image.com/profile.jpg', phone_number => '1234567892',
    address => '{"postal_code": "64112", "state": "Missouri", "formatted": "123, Oxford Lane, Kansas City, Missouri, 64112"}',
    custom_attributes => '{"attribute1": "value1", "attribute2": "value2"}') \gset
SELECT pg_temp.mark() AS m \gset
SELECT title FROM idm.upsert_directory_user(:'dir', 'okta-00u2', 'john.doe@example.com',
    name => 'John Doe', given_name => 'John', family_name => 'Doe', nickname => 'Jhonny boy',
    picture => 'https://image.com/profile.jpg', phone_number => '1234567892', title => 'Engineer',
    address => '{"postal_code": "64112", "state": "Missouri", "formatted": "123, Oxford Lane, Kansas City, Missouri, 64112"}',
    custom_attributes => '{"attribute1": "value1", "attribute2": "value2"}');
SELECT type, display_name, pg_temp.shape(data, type::text), pg_temp.extra_keys(data, type::text),
       pg_temp.shape(data->'address', 'address') AS address_shape, data->>'title' AS title
FROM pg_temp.since(:'m');

-- groups: group_created as the example (external_id null); group_updated with one
SELECT pg_temp.mark() AS m \gset
SELECT id AS g1 FROM idm.upsert_directory_group(:'dir', 'okta-00g1', 'Avengers') \gset
SELECT id AS g1_again FROM idm.upsert_directory_group(:'dir', 'okta-00g1', 'Avengers') \gset
SELECT display_name FROM idm.upsert_directory_group(:'dir', 'okta-00g1', 'Avengers', 'ext-avengers');
SELECT type, object, display_name, organization_id = :'org' AS org_on_envelope,
       pg_temp.shape(data, type::text), pg_temp.extra_keys(data, type::text),
       data->>'id' = :'g1' AS id, data->>'directory_id' = :'dir' AS directory_id,
       data->'external_id' AS external_id, data->>'display_name' AS name
FROM pg_temp.since(:'m');

-- membership: user_updated with groups [{id, name}], in member order
SELECT pg_temp.mark() AS m \gset
SELECT display_name FROM idm.upsert_directory_group(:'dir', 'okta-00g1', 'Avengers', 'ext-avengers',
    members => '{okta-00u2,okta-00u1}');
SELECT display_name FROM idm.upsert_directory_group(:'dir', 'okta-00g1', 'Avengers', 'ext-avengers',
    members => '{okta-00u1,okta-00u2}');
SELECT type, data->>'id' = :'u1' AS is_u1, pg_temp.shape(data, type::text),
       pg_temp.shape(data->'groups'->0, 'groups[]') AS group_shape,
       data->'groups'->0->>'id' = :'g1' AS group_id, data->'groups'->0->>'name' AS group_name,
       data->'roles' AS roles
FROM pg_temp.since(:'m');

-- roles: assigning one emits user_updated with roles [{role_name}] per member
SELECT pg_temp.mark() AS m \gset
SELECT idm.assign_directory_group_role(:'g1', 'billing_admin');
SELECT idm.assign_directory_group_role(:'g1', 'billing_admin');
SELECT type, data->>'id' = :'u1' AS is_u1, pg_temp.shape(data->'roles'->0, 'roles[]') AS role_shape,
       data->'roles' AS roles
FROM pg_temp.since(:'m');

-- a member who holds a role through another group gains or loses nothing
SELECT id AS g2 FROM idm.upsert_directory_group(:'dir', 'okta-00g2', 'Billing', members => '{okta-00u1}') \gset
SELECT pg_temp.mark() AS m \gset
SELECT idm.assign_directory_group_role(:'g2', 'billing_admin');
SELECT idm.assign_directory_group_role(:'g2', 'viewer');
SELECT idm.unassign_directory_group_role(:'g1', 'billing_admin');
SELECT type, data->>'id' = :'u1' AS is_u1, data->'roles' AS roles,
       jsonb_array_length(data->'groups') AS groups
FROM pg_temp.since(:'m');

-- changing only the created_at of a membership or assignment is no change
SELECT pg_temp.mark() AS m \gset
UPDATE idm.directory_user_groups SET created_at = created_at - interval '1 day' WHERE group_id = :'g1';
UPDATE idm.directory_group_roles SET created_at = created_at - interval '1 day' WHERE group_id = :'g2';
SELECT count(*) AS events_for_timestamp_updates FROM pg_temp.since(:'m');
-- moving an assignment to another role is a removal and an addition
UPDATE idm.directory_group_roles SET role_name = 'auditor' WHERE group_id = :'g2' AND role_name = 'viewer';
SELECT type, data->>'id' = :'u1' AS is_u1, data->'roles' AS roles FROM pg_temp.since(:'m');

-- one statement over N rows: N events in row order
SELECT pg_temp.mark() AS m \gset
INSERT INTO idm.directory_users (environment_id, organization_id, directory_id, dp_id, email)
SELECT 'env_direv1', :'org', :'dir', 'bulk-' || n, 'bulk' || n || '@acme.com' FROM generate_series(1, 3) n;
SELECT type, data->>'dp_id' AS dp_id FROM pg_temp.since(:'m');

-- rolled back work, whole or in a savepoint, leaves no event
SELECT pg_temp.mark() AS m \gset
BEGIN;
SELECT title FROM idm.upsert_directory_user(:'dir', 'okta-00u1', 'flavio@runolfsdottir.co.uk', title => 'rolled back');
ROLLBACK;
BEGIN;
SAVEPOINT s1;
SELECT idm.add_directory_group_member(:'g2', :'u2');
SELECT idm.assign_directory_group_role(:'g2', 'in_savepoint');
ROLLBACK TO SAVEPOINT s1;
SELECT display_name FROM idm.upsert_directory_group(:'dir', 'okta-00g3', 'Released');
COMMIT;
SELECT type, data->>'display_name' AS name FROM pg_temp.since(:'m');

-- user_deleted: the example's four keys only; its memberships emit nothing more
SELECT pg_temp.mark() AS m \gset
SELECT idm.delete_directory_user(:'dir', 'okta-00u2');
SELECT type, object, display_name, organization_id = :'org' AS org_on_envelope,
       pg_temp.shape(data, type::text), pg_temp.extra_keys(data, type::text),
       data->>'id' = :'u2' AS id, data->>'dp_id' AS dp_id, data->>'email' AS email
FROM pg_temp.since(:'m');

-- group_deleted names dp_id; its members get one user_updated each, even
-- though the group also granted roles
SELECT pg_temp.mark() AS m \gset
SELECT idm.delete_directory_group(:'dir', 'okta-00g2');
SELECT type, pg_temp.shape(data, type::text), pg_temp.extra_keys(data, type::text),
       data->>'id' = :'g2' AS group_id, data->>'id' = :'u1' AS is_u1,
       data->>'dp_id' AS dp_id, data->'roles' AS roles, data->'groups'->0->>'name' AS first_group
FROM pg_temp.since(:'m');

-- deleting the directory: user_deleted and group_deleted for its contents, no directory event
SELECT pg_temp.mark() AS m \gset
SELECT idm.delete_directory(:'dir');
SELECT type, count(*) FROM pg_temp.since(:'m') GROUP BY type ORDER BY type;

-- every event of this test has the example's shape and the org on its envelope
SELECT type, object, count(*) AS n, bool_and(pg_temp.shape(data, type::text) = 'ok') AS shapes_ok,
       bool_and(organization_id = :'org' AND data->>'organization_id' = :'org') AS org_ok,
       string_agg(DISTINCT display_name, ', ') AS display_name
FROM idm.events WHERE environment_id = 'env_direv1' AND type::text LIKE 'organization.directory%'
GROUP BY type, object ORDER BY type;

-- the body a receiver gets
SELECT idm.webhook_body(e)::jsonb->'data' = e.data AS data_round_trip,
       idm.webhook_body(e) LIKE '{"spec_version":"1","id":"evt_%","type":"organization.directory.user_created","object":"DirectoryUser",%"display_name":"Directory User Created"}' AS envelope
FROM idm.events e WHERE environment_id = 'env_direv1' AND type = 'organization.directory.user_created'
ORDER BY id LIMIT 1;

-- the triggers refuse to be called wrongly
SELECT idm.directory_events();
SELECT idm.directory_user_events();
SELECT idm.directory_group_events();
SELECT idm.directory_user_group_events();
SELECT idm.directory_group_role_events();
