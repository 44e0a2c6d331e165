-- users: API functions, profile defaults, external identities, support hash, bad input
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
-- generated ids in messages vary from run to run; show them by name
CREATE FUNCTION pg_temp.named(t text) RETURNS text LANGUAGE sql AS $f$
    SELECT regexp_replace(t, 'usr_\d{5,}', '<user>', 'g')
$f$;

INSERT INTO idm.environments (id, name) VALUES ('env_users1', 'users test'), ('env_users2', 'other');
SET idm.environment_id = 'env_users1';

-- defaults: empty strings and {} where the API sends them, NULL where it sends null
SELECT id ~ '^usr_' AS id_ok, user_profile_id ~ '^usp_' AS profile_id_ok, email, external_id,
       metadata, given_name, family_name, name, preferred_username, gender, locale,
       phone_number, picture, email_verified, phone_number_verified, custom_attributes,
       profile_metadata, groups, last_login_time, create_time = update_time AS same_times
FROM idm.create_user('Ada@Example.com');

SELECT email, external_id, metadata, given_name, family_name, name, locale, phone_number,
       groups, custom_attributes, profile_metadata, email_verified
FROM idm.create_user('grace@example.com', 'ext-grace', '{"team": "navy"}',
    given_name => 'Grace', family_name => 'Hopper', name => 'Grace Hopper', locale => 'en-US',
    phone_number => '+14155552671', groups => ARRAY['admin', 'developer'],
    custom_attributes => '{"dept": "eng"}', profile_metadata => '{"idp": "okta"}',
    email_verified => true);
SELECT id AS grace FROM idm.users WHERE environment_id = 'env_users1' AND email = 'grace@example.com' \gset

-- the same email, any case, is another user in another environment
SELECT email FROM idm.create_user('GRACE@example.com', environment_id => 'env_users2');

-- update: only the given fields; update_time moves only when something changed
SELECT create_time AS created, update_time AS updated FROM idm.users WHERE id = :'grace' \gset
SELECT update_time = :'updated' AS noop_keeps_update_time, given_name
FROM idm.update_user(:'grace', given_name => 'Grace');
SELECT update_time > :'updated' AS update_time_moved, create_time = :'created' AS create_time_kept,
       given_name, family_name, metadata, groups
FROM idm.update_user(:'grace', given_name => 'Amazing Grace', metadata => '{"team": "harvard"}');

-- last_login_time alone does not count as a change of the account
SELECT update_time AS updated FROM idm.users WHERE id = :'grace' \gset
UPDATE idm.users SET last_login_time = now() WHERE id = :'grace';
SELECT update_time = :'updated' AS login_keeps_update_time, last_login_time IS NOT NULL AS login_time_set
FROM idm.users WHERE id = :'grace';
UPDATE idm.users SET last_login_time = now() - interval '1 hour', locale = 'en-GB' WHERE id = :'grace';
SELECT update_time > :'updated' AS other_change_moves_update_time FROM idm.users WHERE id = :'grace';

-- external identities: listed per user, created/updated times stamped
SELECT connection_id, connection_provider, connection_type, connection_user_id, is_social,
       raw_attributes, created_time = updated_time AS same_times, last_login_time, last_synced_time
FROM idm.add_external_identity(:'grace', 'conn_google1', 'GOOGLE', 'OAUTH', '105055379523565727691',
    true, '{"hd": "example.com"}');
SELECT connection_id, is_social FROM idm.add_external_identity(:'grace', 'conn_okta1', 'OKTA', 'SAML', 'grace.hopper');
SELECT connection_id, last_login_time = now() AS login_recorded, last_synced_time IS NULL AS not_synced,
       raw_attributes
FROM idm.update_external_identity('conn_okta1', 'grace.hopper', last_login_time => now(),
    raw_attributes => '{"department": "navy"}');
SELECT idm.delete_external_identity('conn_okta1', 'grace.hopper');
SELECT connection_id FROM idm.external_identities WHERE user_id = :'grace' ORDER BY 1;

-- users emit no events of their own
SELECT count(*) AS user_events FROM idm.events WHERE environment_id LIKE 'env_users%';

-- support hash: hex HMAC-SHA256 of the lower-cased email, keyed per environment
SELECT min(length(support_hash_secret)) AS secret_bytes,
       count(DISTINCT support_hash_secret) = count(*) AS secrets_differ
FROM idm.environments WHERE id LIKE 'env_users%';
UPDATE idm.environments SET support_hash_secret = decode('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex')
WHERE id = 'env_users1';
SELECT id AS ada FROM idm.users WHERE environment_id = 'env_users1' AND email = 'Ada@Example.com' \gset
-- the expected value is Python's hmac.new(bytes(range(32)), b'ada@example.com', 'sha256').hexdigest()
SELECT idm.support_hash(:'ada') = '5c820b4a5aac8f31eb6741825bfecb8e97f00488d5edaed1ae2908c29d0b7e38' AS matches_reference,
       idm.support_hash(:'ada') = idm.support_hash_of(decode('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex'), 'ADA@EXAMPLE.COM') AS case_insensitive;
SELECT idm.support_hash_of(decode(repeat('aa', 32), 'hex'), 'ada@example.com') = 'c57cc5352c5b257777ce4a2ae78111caaaa9a8e76dd864dc0ca69f272080e544' AS other_key_reference;
SELECT idm.support_hash(id, 'env_users2') <> idm.support_hash(:'grace') AS per_environment
FROM idm.users WHERE environment_id = 'env_users2';

-- bad input: each error names the field; nothing is written
SELECT (SELECT count(*) FROM idm.users WHERE environment_id LIKE 'env_users%') AS users_before,
       (SELECT count(*) FROM idm.external_identities WHERE environment_id LIKE 'env_users%') AS identities_before,
       (SELECT count(*) FROM idm.events WHERE environment_id LIKE 'env_users%') AS events_before;
SELECT pg_temp.err($$SELECT idm.create_user('plain')$$);
SELECT pg_temp.err($$SELECT idm.create_user('a@@example.com')$$);
SELECT pg_temp.err($$SELECT idm.create_user('a b@example.com')$$);
SELECT pg_temp.err($$SELECT idm.create_user('a@example')$$);
SELECT left(pg_temp.err($$SELECT idm.create_user(NULL)$$), 90) AS err;
SELECT pg_temp.err($$SELECT idm.create_user('ada@EXAMPLE.com')$$);
SELECT pg_temp.err($$SELECT idm.create_user('new@example.com', 'ext-grace')$$);
SELECT pg_temp.err($$SELECT idm.create_user('new@example.com', ' ext')$$);
SELECT pg_temp.err($$SELECT idm.create_user('new@example.com', metadata => '{"n": 1}')$$);
SELECT pg_temp.err($$SELECT idm.create_user('new@example.com', custom_attributes => '["x"]')$$);
SELECT pg_temp.err($$SELECT idm.create_user('new@example.com', profile_metadata => '{"a": {"b": "c"}}')$$);
SELECT pg_temp.err($$SELECT idm.create_user('new@example.com', given_name => repeat('x', 256))$$);
SELECT pg_temp.err($$SELECT idm.create_user('new@example.com', locale => repeat('x', 36))$$);
SELECT pg_temp.err($$SELECT idm.create_user('new@example.com', environment_id => 'env_missing')$$);
SELECT pg_temp.err($$INSERT INTO idm.users (environment_id, id, email) VALUES ('env_users1', 'org_1', 'new@example.com')$$);
SELECT pg_temp.err($$INSERT INTO idm.users (environment_id, email, user_profile_id) VALUES ('env_users1', 'new@example.com', 'usr_1')$$);
SELECT pg_temp.err(format($$SELECT idm.update_user(%L, email => 'grace@example')$$, :'grace'));
SELECT pg_temp.err(format($$SELECT idm.update_user(%L, email => 'ADA@example.com')$$, :'grace'));
SELECT pg_temp.err($$SELECT idm.update_user('usr_404', given_name => 'x')$$);
SELECT pg_temp.named(pg_temp.err(format($$SELECT idm.update_user(%L, given_name => 'x', environment_id => 'env_users2')$$, :'grace')));
SELECT pg_temp.err($$SELECT idm.delete_user('usr_404')$$);
SELECT pg_temp.err($$SELECT idm.add_external_identity('usr_404', 'conn_1', 'GOOGLE', 'OAUTH', 'x')$$);
SELECT pg_temp.err(format($$SELECT idm.add_external_identity(%L, 'conn_google1', 'GOOGLE', 'OAUTH', '105055379523565727691')$$, :'grace'));
SELECT pg_temp.err(format($$SELECT idm.add_external_identity(%L, 'conn_1', 'GOOGLEX', 'OAUTH', 'x')$$, :'grace'));
SELECT pg_temp.err(format($$SELECT idm.add_external_identity(%L, 'conn_1', 'GOOGLE', 'oauth', 'x')$$, :'grace'));
SELECT pg_temp.err(format($$SELECT idm.add_external_identity(%L, 'org_1', 'GOOGLE', 'OAUTH', 'x')$$, :'grace'));
SELECT pg_temp.err(format($$SELECT idm.add_external_identity(%L, 'conn_1', 'GOOGLE', 'OAUTH', '')$$, :'grace'));
SELECT pg_temp.err(format($$SELECT idm.add_external_identity(%L, 'conn_1', 'GOOGLE', 'OAUTH', 'x', raw_attributes => '[1]')$$, :'grace'));
SELECT pg_temp.named(pg_temp.err(format($$SELECT idm.add_external_identity(%L, 'conn_1', 'GOOGLE', 'OAUTH', 'x', environment_id => 'env_users2')$$, :'grace')));
SELECT pg_temp.named(pg_temp.err($$INSERT INTO idm.external_identities (environment_id, user_id, connection_id, connection_provider, connection_type, connection_user_id)
                     SELECT 'env_users2', id, 'conn_1', 'GOOGLE', 'OAUTH', 'x' FROM idm.users WHERE environment_id = 'env_users1' LIMIT 1$$));
SELECT pg_temp.err($$SELECT idm.update_external_identity('conn_google1', 'nobody', last_login_time => now())$$);
SELECT pg_temp.err($$SELECT idm.delete_external_identity('conn_google1', 'nobody')$$);
SELECT pg_temp.err($$SELECT idm.support_hash('usr_404')$$);
SELECT pg_temp.named(pg_temp.err(format($$SELECT idm.support_hash(%L, 'env_users2')$$, :'grace')));
SELECT pg_temp.err($$SELECT idm.support_hash_of('\x0102', 'a@example.com')$$);
SELECT pg_temp.err($$SELECT idm.support_hash_of(decode(repeat('ab', 31), 'hex'), 'a@example.com')$$);
SELECT pg_temp.err($$UPDATE idm.environments SET support_hash_secret = '\x01' WHERE id = 'env_users1'$$);
RESET idm.environment_id;
SELECT pg_temp.err($$SELECT idm.create_user('new@example.com')$$);
SET idm.environment_id = 'env_users1';
SELECT (SELECT count(*) FROM idm.users WHERE environment_id LIKE 'env_users%') AS users_after,
       (SELECT count(*) FROM idm.external_identities WHERE environment_id LIKE 'env_users%') AS identities_after,
       (SELECT count(*) FROM idm.events WHERE environment_id LIKE 'env_users%') AS events_after;

-- delete takes the identities along
SELECT idm.delete_user(:'grace');
SELECT count(*) AS identities_left FROM idm.external_identities WHERE user_id = :'grace';
