-- the data of every event that nests a user, against the spec's examples:
-- every key of the example is there, with the example's JSON type (a null in
-- the example allows any type), down through arrays' first elements
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_idm;
RESET client_min_messages;
\set SHOW_CONTEXT never

-- data of webhooks.<type> examples of the Scalekit API description
-- (scalekit-inc/developer-docs public/api/scalekit.scalar.json, Apache-2.0)
CREATE TEMP TABLE examples (type idm.event_type PRIMARY KEY, data jsonb NOT NULL);
INSERT INTO examples VALUES
('user.signup', $x${"organization": {"id": "org_102690563312124938", "create_time": "2025-12-09T10:19:05.48Z", "display_name": "", "external_id": null, "metadata": null, "region_code": "US", "update_time": "2025-12-09T12:04:41.386974738Z", "settings": {"features": [{"enabled": true, "name": "sso"}, {"enabled": true, "name": "dir_sync"}]}}, "user": {"create_time": "2025-12-09T12:04:41.39Z", "email": "amit.ash1996@gmail.com", "external_id": "", "id": "usr_102701193205121289", "metadata": {}, "update_time": "2025-12-09T12:04:41.391988278Z", "user_profile": {"custom_attributes": null, "email_verified": true, "external_identities": null, "family_name": "doe", "gender": "", "given_name": "John", "groups": null, "id": "usp_102701193205186825", "locale": "", "metadata": {}, "name": "John Doe", "phone_number": "", "phone_number_verified": false, "picture": "https://lh3.googleusercontent.com/a/abcdef", "preferred_username": ""}}}$x$),
('user.organization_invitation', $x${"organization": {"id": "org_102690563312124938", "create_time": "2025-12-09T10:19:05.48Z", "display_name": "Acme Corp", "external_id": "org_external_123", "metadata": null, "region_code": "US", "update_time": "2025-12-09T12:04:41.386974738Z", "settings": {"features": [{"enabled": true, "name": "sso"}, {"enabled": true, "name": "dir_sync"}]}}, "user": {"create_time": "2025-12-09T12:04:41.39Z", "email": "john.doe@acmecorp.com", "external_id": "ext_123456789", "id": "usr_123456789", "metadata": {}, "update_time": "2025-12-09T12:04:41.391988Z", "user_profile": {"custom_attributes": null, "email_verified": true, "external_identities": [{"connection_id": "conn_97896332307464201", "connection_provider": "GOOGLE", "connection_type": "OAUTH", "connection_user_id": "105055379523565727691", "created_time": "2025-12-09T12:04:41.47Z", "is_social": true, "last_login_time": "2025-12-09T12:04:41.469311Z", "last_synced_time": "2025-12-09T12:04:41.469311Z"}], "family_name": "Doe", "gender": "", "given_name": "John", "groups": null, "id": "usp_102701193205186825", "locale": "", "metadata": {}, "name": "John Doe", "phone_number": "", "phone_number_verified": false, "picture": "https://lh3.googleusercontent.com/a/abcdef", "preferred_username": ""}}}$x$),
('user.organization_membership_created', $x${"organization": {"id": "org_102690563312124938", "create_time": "2025-12-09T10:19:05.48Z", "display_name": "Acme Corp", "external_id": "org_external_123", "metadata": null, "region_code": "US", "update_time": "2025-12-09T12:04:41.386974738Z", "settings": {"features": [{"enabled": true, "name": "sso"}, {"enabled": true, "name": "dir_sync"}]}}, "user": {"create_time": "2025-12-09T12:04:41.39Z", "email": "john.doe@acmecorp.com", "external_id": "ext_123456789", "id": "usr_123456789", "metadata": {}, "update_time": "2025-12-09T12:04:41.391988Z", "user_profile": {"custom_attributes": null, "email_verified": true, "external_identities": [{"connection_id": "conn_97896332307464201", "connection_provider": "GOOGLE", "connection_type": "OAUTH", "connection_user_id": "105055379523565727691", "created_time": "2025-12-09T12:04:41.47Z", "is_social": true, "last_login_time": "2025-12-09T12:04:41.469311Z", "last_synced_time": "2025-12-09T12:04:41.469311Z"}], "family_name": "Doe", "gender": "", "given_name": "John", "groups": null, "id": "usp_102701193205186825", "locale": "", "metadata": {}, "name": "John Doe", "phone_number": "", "phone_number_verified": false, "picture": "https://lh3.googleusercontent.com/a/abcdef", "preferred_username": ""}}}$x$),
('user.organization_membership_updated', $x${"organization": {"id": "org_102690563312124938", "create_time": "2025-12-09T10:19:05.48Z", "display_name": "Acme Corp", "external_id": "org_external_123", "metadata": null, "region_code": "US", "update_time": "2025-12-09T12:04:41.386974738Z", "settings": {"features": [{"enabled": true, "name": "sso"}, {"enabled": true, "name": "dir_sync"}]}}, "user": {"create_time": "2025-12-09T12:04:41.39Z", "email": "john.doe@acmecorp.com", "external_id": "ext_123456789", "id": "usr_123456789", "metadata": {}, "update_time": "2025-12-09T12:04:41.391988Z", "user_profile": {"custom_attributes": null, "email_verified": true, "external_identities": [{"connection_id": "conn_97896332307464201", "connection_provider": "GOOGLE", "connection_type": "OAUTH", "connection_user_id": "105055379523565727691", "created_time": "2025-12-09T12:04:41.47Z", "is_social": true, "last_login_time": "2025-12-09T12:04:41.469311Z", "last_synced_time": "2025-12-09T12:04:41.469311Z", "raw_attributes": "{}", "updated_time": "2025-12-09T12:04:41.473087Z"}], "family_name": "Doe", "gender": "", "given_name": "John", "locale": "", "metadata": {}, "name": "John Doe", "phone_number": "", "phone_number_verified": false, "picture": "https://lh3.googleusercontent.com/a/abcdef", "preferred_username": ""}}}$x$),
('user.organization_membership_deleted', $x${"organization": {"id": "org_102690563312124938", "create_time": "2025-12-09T10:19:05.48Z", "display_name": "Acme Corp", "external_id": "org_external_123", "metadata": null, "region_code": "US", "update_time": "2025-12-09T12:04:41.386974738Z", "settings": {"features": [{"enabled": true, "name": "sso"}, {"enabled": true, "name": "dir_sync"}]}}, "user": {"create_time": "2025-12-09T12:04:41.39Z", "email": "john.doe@acmecorp.com", "external_id": "ext_123456789", "id": "usr_123456789", "metadata": {}, "update_time": "2025-12-09T12:04:41.391988Z", "user_profile": {"custom_attributes": null, "email_verified": true, "external_identities": [{"connection_id": "conn_97896332307464201", "connection_provider": "GOOGLE", "connection_type": "OAUTH", "connection_user_id": "105055379523565727691", "created_time": "2025-12-09T12:04:41.47Z", "is_social": true, "last_login_time": "2025-12-09T12:04:41.469311Z", "last_synced_time": "2025-12-09T12:04:41.469311Z", "raw_attributes": "{}", "updated_time": "2025-12-09T12:04:41.473087Z"}], "family_name": "Doe", "gender": "", "given_name": "John", "locale": "", "metadata": {}, "name": "John Doe", "phone_number": "", "phone_number_verified": false, "picture": "https://lh3.googleusercontent.com/a/abcdef", "preferred_username": ""}}}$x$),
('user.login', $x${"user": {"create_time": "2025-12-09T12:04:41.39Z", "email": "john.doe@acmecorp.com", "external_id": "ext_123456789", "id": "usr_123456789", "last_login_time": "2025-12-09T12:04:41.48Z", "metadata": {}, "update_time": "2025-12-09T12:04:41.391988Z", "user_profile": {"custom_attributes": null, "email_verified": true, "external_identities": [{"connection_id": "conn_97896332307464201", "connection_provider": "GOOGLE", "connection_type": "OAUTH", "connection_user_id": "105055379523565727691", "created_time": "2025-12-09T12:04:41.47Z", "is_social": true, "last_login_time": "2025-12-09T12:04:41.469311Z", "last_synced_time": "2025-12-09T12:04:41.469311Z"}], "family_name": "Doe", "gender": "", "given_name": "John", "groups": null, "id": "usp_102701193205186825", "locale": "", "metadata": {}, "name": "John Doe", "phone_number": "", "phone_number_verified": false, "picture": "https://lh3.googleusercontent.com/a/abcdef", "preferred_username": ""}}, "user_session": {"absolute_expires_at": "2026-01-08T12:04:41.737394Z", "authenticated_organizations": ["org_102701193188409609"], "created_at": "2025-12-09T12:04:41.48Z", "expired_at": null, "idle_expires_at": "2025-12-16T12:04:41.737395Z", "last_active_at": "2025-12-09T12:04:41.747206Z", "logout_at": null, "organization_id": "org_102701193188409609", "session_id": "ses_102701193356116233", "status": "ACTIVE", "updated_at": "2025-12-09T12:04:41.748512Z", "user_id": "usr_102701193205121289", "device": {"browser": "Chrome", "browser_version": "142.0.0.0", "device_type": "Desktop", "ip": "152.59.144.211", "location": {"city": "Patna", "latitude": "25.594095", "longitude": "85.137564", "region": "IN", "region_subdivision": "INBR"}, "os": "macOS", "os_version": "10.15.7", "user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"}}}$x$),
('user.logout', $x${"user": {"create_time": "2025-12-09T12:04:41.39Z", "email": "john.doe@acmecorp.com", "external_id": "ext_123456789", "id": "usr_123456789", "last_login_time": "2025-12-09T12:04:41.48Z", "metadata": {}, "update_time": "2025-12-09T12:04:41.391988Z", "user_profile": {"custom_attributes": null, "email_verified": true, "external_identities": [{"connection_id": "conn_97896332307464201", "connection_provider": "GOOGLE", "connection_type": "OAUTH", "connection_user_id": "105055379523565727691", "created_time": "2025-12-09T12:04:41.47Z", "is_social": true, "last_login_time": "2025-12-09T12:04:41.469311Z", "last_synced_time": "2025-12-09T12:04:41.469311Z"}], "family_name": "Doe", "gender": "", "given_name": "John", "groups": null, "id": "usp_102701193205186825", "locale": "", "metadata": {}, "name": "John Doe", "phone_number": "", "phone_number_verified": false, "picture": "https://lh3.googleusercontent.com/a/abcdef", "preferred_username": ""}}, "user_session": {"absolute_expires_at": "2026-01-08T12:04:41.737394Z", "authenticated_organizations": ["org_102701193188409609"], "created_at": "2025-12-09T12:04:41.48Z", "expired_at": null, "idle_expires_at": "2025-12-16T12:04:41.737395Z", "last_active_at": "2025-12-09T12:04:41.747206Z", "logout_at": null, "organization_id": "org_102701193188409609", "session_id": "ses_102701193356116233", "status": "ACTIVE", "updated_at": "2025-12-09T12:04:41.748512Z", "user_id": "usr_102701193205121289", "device": {"browser": "Chrome", "browser_version": "142.0.0.0", "device_type": "Desktop", "ip": "152.59.144.211", "location": {"city": "Patna", "latitude": "25.594095", "longitude": "85.137564", "region": "IN", "region_subdivision": "INBR"}, "os": "macOS", "os_version": "10.15.7", "user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"}}}$x$);

-- the paths where actual departs from example: missing keys, other JSON types
CREATE FUNCTION pg_temp.shape_diff(example jsonb, actual jsonb, path text DEFAULT 'data')
RETURNS SETOF text LANGUAGE plpgsql AS $f$
DECLARE
    k text;
BEGIN
    IF jsonb_typeof(example) = 'null' THEN
        RETURN;
    ELSIF actual IS NULL THEN
        RETURN NEXT path || ': missing';
    ELSIF jsonb_typeof(example) <> jsonb_typeof(actual) THEN
        RETURN NEXT path || ': ' || jsonb_typeof(actual) || ', not ' || jsonb_typeof(example);
    ELSIF jsonb_typeof(example) = 'object' THEN
        FOR k IN SELECT jsonb_object_keys(example) LOOP
            RETURN QUERY SELECT pg_temp.shape_diff(example->k, actual->k, path || '.' || k);
        END LOOP;
    ELSIF jsonb_typeof(example) = 'array' AND jsonb_array_length(example) > 0 THEN
        IF jsonb_array_length(actual) = 0 THEN
            RETURN NEXT path || ': empty array, elements not compared';
        ELSE
            RETURN QUERY SELECT pg_temp.shape_diff(example->0, actual->0, path || '[0]');
        END IF;
    END IF;
END $f$;
-- a JSON value with every scalar replaced by its JSON type
CREATE FUNCTION pg_temp.shape(v jsonb) RETURNS jsonb LANGUAGE sql AS $f$
    SELECT CASE jsonb_typeof(v)
        WHEN 'object' THEN (SELECT coalesce(jsonb_object_agg(key, pg_temp.shape(value)), '{}') FROM jsonb_each(v))
        WHEN 'array' THEN (SELECT coalesce(jsonb_agg(pg_temp.shape(value)), '[]') FROM jsonb_array_elements(v))
        ELSE to_jsonb(jsonb_typeof(v)) END
$f$;
-- the checker itself catches a missing key and a wrong type
SELECT pg_temp.shape_diff('{"a": {"b": [{"c": "x"}]}, "d": 1, "e": null}', '{"a": {"b": [{"c": 1}]}}');

INSERT INTO idm.environments (id, name) VALUES ('env_uev1', 'user events test');
SET idm.environment_id = 'env_uev1';

-- a scenario as complete as the examples: an external identity that has
-- logged in and synced, a session with a device and location
SELECT organization_id AS org, user_id AS usr
FROM idm.signup('john.doe@acmecorp.com', 'Acme Corp', 'John', 'Doe', 'John Doe', 'org_external_123', 'US', 'ext_123456789') \gset
SELECT count(*) AS linked FROM idm.add_external_identity(:'usr', 'conn_97896332307464201', 'GOOGLE', 'OAUTH', '105055379523565727691', true);
SELECT count(*) AS synced FROM idm.update_external_identity('conn_97896332307464201', '105055379523565727691',
    last_login_time => now(), last_synced_time => now());
SELECT count(*) AS updated FROM idm.update_user(:'usr', picture => 'https://lh3.googleusercontent.com/a/abcdef', email_verified => true);
SELECT count(*) AS membership_updated FROM idm.update_membership(:'org', :'usr', metadata => '{"team": "core"}');
SELECT id AS jane FROM idm.create_user('jane@acmecorp.com', given_name => 'Jane') \gset
SELECT count(*) AS linked FROM idm.add_external_identity(:'jane', 'conn_97896332307464201', 'GOOGLE', 'OAUTH', '2001', true);
SELECT count(*) AS synced FROM idm.update_external_identity('conn_97896332307464201', '2001', last_login_time => now(),
    last_synced_time => now());
SELECT count(*) AS invited FROM idm.invite_user(:'org', 'jane@acmecorp.com', 'john.doe@acmecorp.com');
SELECT id AS ses FROM idm.login(:'usr', :'org', '{"browser": "Chrome", "browser_version": "142.0.0.0",
    "device_type": "Desktop", "ip": "152.59.144.211", "os": "macOS", "os_version": "10.15.7",
    "user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)",
    "location": {"city": "Patna", "latitude": "25.594095", "longitude": "85.137564",
                 "region": "IN", "region_subdivision": "INBR"}}') \gset
SELECT count(*) AS logged_out FROM idm.logout(:'ses');
SELECT idm.delete_membership(:'org', :'usr');
-- jane accepts: a membership created for a user with an external identity
SELECT count(*) AS accepted FROM idm.accept_invitation(:'org', :'jane');

-- every type is there, and its latest event departs from the example nowhere
SELECT x.type, (SELECT count(*) FROM idm.events e WHERE e.type = x.type AND e.environment_id = 'env_uev1') AS events,
       coalesce(array_agg(d.diff) FILTER (WHERE d.diff IS NOT NULL), '{}') AS differences
FROM examples x
LEFT JOIN LATERAL (SELECT e.data FROM idm.events e WHERE e.type = x.type AND e.environment_id = 'env_uev1'
                   ORDER BY e.id DESC LIMIT 1) e ON true
LEFT JOIN LATERAL pg_temp.shape_diff(x.data, e.data) d(diff) ON true
GROUP BY x.type ORDER BY x.type;

-- the full shapes, for the record: a membership event and a login
SELECT jsonb_pretty(pg_temp.shape(data)) AS membership_created FROM idm.events
WHERE environment_id = 'env_uev1' AND type = 'user.organization_membership_created' ORDER BY id DESC LIMIT 1;
SELECT jsonb_pretty(pg_temp.shape(data)) AS login FROM idm.events
WHERE environment_id = 'env_uev1' AND type = 'user.login';

-- values that must match, not just types
SELECT data->'user'->>'email' AS email, data->'user'->>'external_id' AS external_id,
       data->'user'->>'last_login_time' = data->'user_session'->>'created_at' AS login_time_is_session_start,
       data->'user'->>'update_time' < data->'user'->>'last_login_time' AS login_not_an_update,
       data->'user'->'user_profile'->'external_identities'->0->>'raw_attributes' AS raw_attributes,
       data->'user_session'->>'session_id' = :'ses' AS session_id,
       data->'user_session'->'authenticated_organizations' = jsonb_build_array(:'org') AS authenticated_orgs,
       data->'user_session'->'device'->'location' AS location
FROM idm.events WHERE environment_id = 'env_uev1' AND type = 'user.login';
SELECT data->'user_session'->>'status' AS status, data->'user_session'->>'logout_at' ~ 'Z$' AS has_logout_at,
       data->'user_session'->'expired_at' AS expired_at
FROM idm.events WHERE environment_id = 'env_uev1' AND type = 'user.logout';
-- a user without external id: "" as the API sends it; groups and custom_attributes null
SELECT data->'user'->'external_id' AS external_id, data->'user'->'user_profile'->'groups' AS groups,
       data->'user'->'user_profile'->'custom_attributes' AS custom_attributes
FROM idm.events WHERE environment_id = 'env_uev1' AND type = 'user.organization_invitation';
-- timestamps are RFC 3339 UTC with microseconds everywhere
SELECT count(*) AS times, count(*) FILTER (WHERE v !~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$') AS malformed
FROM idm.events e, jsonb_path_query(e.data, 'strict $.**') p,
     LATERAL (SELECT p #>> '{}' AS v) s
WHERE e.environment_id = 'env_uev1' AND jsonb_typeof(p) = 'string' AND v ~ '^\d{4}-\d\d-\d\dT';
