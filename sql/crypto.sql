-- credentials at rest: AES-256-GCM round trip, binding to the row, tampering,
-- key ids, missing keys, rotation, superuser-only settings, no plaintext on disk
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_idm;
RESET client_min_messages;
\set SHOW_CONTEXT never
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
CREATE FUNCTION pg_temp.counts() RETURNS text LANGUAGE sql AS $f$
    SELECT (SELECT count(*) FROM idm.connected_accounts WHERE environment_id LIKE 'env_cr%') || ' accounts, ' ||
           (SELECT count(*) FROM idm.events WHERE environment_id LIKE 'env_cr%') || ' events'
$f$;
INSERT INTO idm.environments (id, name) VALUES ('env_cr1', 'crypto'), ('env_cr2', 'other');
SET idm.environment_id = 'env_cr1';

-- no key configured: writing credentials fails, never falls back to plain text
SELECT pg_temp.counts() AS before;
SELECT pg_temp.err($$SELECT idm.create_connected_account('s', 'x', 'conn_1', 'S', 'API_KEY',
    '{"static_auth": {"details": {"api_key": "sk_nokey"}}}')$$);
-- without credentials an account needs no key
SELECT status FROM idm.create_connected_account('s', 'pending', 'conn_1', 'S');
SELECT pg_temp.counts() AS after;

-- bad key settings are refused without echoing the value
SELECT pg_temp.err($$SET idm.credential_keys = 'k1:c2hvcnQ='$$);
SELECT pg_temp.err($$SET idm.credential_keys = 'k1'$$);
SELECT pg_temp.err($$SET idm.credential_keys = 'bad id:arnx6499M4j0+dWG9m6Z/VQIDfLERvDlhmiwnAihbdA='$$);
SELECT pg_temp.err($$SET idm.credential_keys = 'k1:arnx6499M4j0+dWG9m6Z/VQIDfLERvDlhmiwnAihbdA=,'$$);
SELECT pg_temp.err($$SET idm.credential_keys = 'k1:arnx6499M4j0+dWG9m6Z/VQIDfLERvDlhmiwnAihbdA=,k1:AV9+a8Wur0g3JAieklLME7UJUaa2lBJSJ2XP9NeAMG4='$$);
SELECT pg_temp.err($$SET idm.credential_key_id = 'no spaces'$$);

-- one key: it is the current one even without idm.credential_key_id
SET idm.credential_keys = 'k1:arnx6499M4j0+dWG9m6Z/VQIDfLERvDlhmiwnAihbdA=';
INSERT INTO idm.connected_accounts (environment_id, id, connector, provider, identifier, connection_id,
                                    authorization_type, authorization_details)
VALUES ('env_cr1', 'ca_a', 'stripe', 'STRIPE', 'a', 'conn_1', 'API_KEY',
        '{"static_auth": {"details": {"api_key": "sk_live_PLANTED_A"}}}'),
       ('env_cr1', 'ca_b', 'stripe', 'STRIPE', 'b', 'conn_1', 'API_KEY',
        '{"static_auth": {"details": {"api_key": "sk_live_PLANTED_B"}}}'),
       ('env_cr2', 'ca_a', 'stripe', 'STRIPE', 'a', 'conn_1', 'API_KEY',
        '{"static_auth": {"details": {"api_key": "sk_live_PLANTED_C"}}}');

-- layout: version 1 | key id length | key id | 12-byte nonce | ciphertext | 16-byte tag
SELECT id, environment_id, get_byte(credentials, 0) AS version, get_byte(credentials, 1) AS kid_len,
       idm.credential_key_id(credentials) AS kid,
       length(credentials) - 2 - 2 - 12 - 16 = length('{"static_auth": {"details": {"api_key": "sk_live_PLANTED_A"}}}') AS ct_len_ok,
       authorization_details IS NULL AS plaintext_not_stored
FROM idm.connected_accounts WHERE environment_id LIKE 'env_cr%' AND credentials IS NOT NULL ORDER BY 2, 1;
-- the same plaintext encrypts differently each time (random nonce)
UPDATE idm.connected_accounts SET authorization_details = '{"static_auth": {"details": {"api_key": "sk_live_PLANTED_A"}}}'
WHERE environment_id = 'env_cr1' AND id = 'ca_b' RETURNING credentials <> (SELECT credentials FROM idm.connected_accounts
    WHERE environment_id = 'env_cr1' AND id = 'ca_a') AS differs;
UPDATE idm.connected_accounts SET authorization_details = '{"static_auth": {"details": {"api_key": "sk_live_PLANTED_B"}}}'
WHERE environment_id = 'env_cr1' AND id = 'ca_b';

-- round trip
SELECT environment_id, id, idm.connected_account_credentials(id, environment_id)
FROM idm.connected_accounts WHERE environment_id LIKE 'env_cr%' AND credentials IS NOT NULL ORDER BY 1, 2;

-- the ciphertext is bound to its row: swapped between rows, or copied to
-- the same id in another environment, it no longer decrypts
BEGIN;
UPDATE idm.connected_accounts SET credentials = (SELECT credentials FROM idm.connected_accounts
    WHERE environment_id = 'env_cr1' AND id = 'ca_b') WHERE environment_id = 'env_cr1' AND id = 'ca_a';
SELECT pg_temp.err($$SELECT idm.connected_account_credentials('ca_a')$$);
ROLLBACK;
BEGIN;
UPDATE idm.connected_accounts SET credentials = (SELECT credentials FROM idm.connected_accounts
    WHERE environment_id = 'env_cr1' AND id = 'ca_a') WHERE environment_id = 'env_cr2' AND id = 'ca_a';
SELECT pg_temp.err($$SELECT idm.connected_account_credentials('ca_a', 'env_cr2')$$);
ROLLBACK;

-- tampering: a flipped ciphertext byte, a flipped tag byte, a new version,
-- a truncated value, an edited key id
SELECT what, pg_temp.err(format($$
    UPDATE idm.connected_accounts SET credentials = %s WHERE environment_id = 'env_cr1' AND id = 'ca_a';
    SELECT idm.connected_account_credentials('ca_a')$$, expr)) AS outcome
FROM (VALUES
    ('ciphertext byte', 'set_byte(credentials, 20, get_byte(credentials, 20) # 1)'),
    ('tag byte', 'set_byte(credentials, length(credentials) - 1, get_byte(credentials, length(credentials) - 1) # 128)'),
    ('nonce byte', 'set_byte(credentials, 4, get_byte(credentials, 4) # 1)'),
    ('version', 'set_byte(credentials, 0, 2)'),
    ('truncated', 'substr(credentials, 1, 20)'),
    ('key id renamed', $$overlay(credentials placing 'k2'::bytea from 3 for 2)$$)
) v(what, expr);
SELECT idm.connected_account_credentials('ca_a') AS untouched_after_rollbacks;

-- a second key; the key id edited to name it still fails authentication
SET idm.credential_keys = 'k1:arnx6499M4j0+dWG9m6Z/VQIDfLERvDlhmiwnAihbdA=,k2:AV9+a8Wur0g3JAieklLME7UJUaa2lBJSJ2XP9NeAMG4=';
SELECT pg_temp.err($$
    UPDATE idm.connected_accounts SET credentials = overlay(credentials placing 'k2'::bytea from 3 for 2)
    WHERE environment_id = 'env_cr1' AND id = 'ca_a';
    SELECT idm.connected_account_credentials('ca_a')$$);
-- a key id nobody configured
SELECT pg_temp.err($$SET idm.credential_key_id = 'k9'; SELECT idm.update_connected_account('ca_a',
    authorization_details => '{"static_auth": {"details": {"api_key": "x"}}}')$$);
RESET idm.credential_key_id;
-- two keys and no current id: new credentials cannot be written
SELECT pg_temp.err($$SELECT idm.update_connected_account('ca_a',
    authorization_details => '{"static_auth": {"details": {"api_key": "x"}}}')$$);

-- rotation: k2 becomes current
SET idm.credential_key_id = 'k2';
-- lazily, on any write of the row (here last_used_at): no event, updated_at kept
SELECT count(*) AS events_before FROM idm.events WHERE environment_id = 'env_cr1' \gset
SELECT updated_at AS updated_before FROM idm.connected_accounts WHERE environment_id = 'env_cr1' AND id = 'ca_a' \gset
SELECT idm.touch_connected_account('ca_a');
SELECT idm.credential_key_id(credentials) AS kid, updated_at = :'updated_before' AS updated_at_kept,
       (SELECT count(*) FROM idm.events WHERE environment_id = 'env_cr1') - :events_before AS new_events
FROM idm.connected_accounts WHERE environment_id = 'env_cr1' AND id = 'ca_a';
-- new credentials use the current key
SELECT idm.credential_key_id(credentials) AS kid FROM idm.update_connected_account('ca_b',
    authorization_details => '{"static_auth": {"details": {"api_key": "sk_live_PLANTED_B"}}}');
-- rotate_credentials() needs every key still in use
SET idm.credential_keys = 'k2:AV9+a8Wur0g3JAieklLME7UJUaa2lBJSJ2XP9NeAMG4=';
SELECT pg_temp.err($$SELECT idm.connected_account_credentials('ca_a', 'env_cr2')$$);
SELECT pg_temp.err($$SELECT idm.rotate_credentials('env_cr2')$$);
SET idm.credential_keys = 'k1:arnx6499M4j0+dWG9m6Z/VQIDfLERvDlhmiwnAihbdA=,k2:AV9+a8Wur0g3JAieklLME7UJUaa2lBJSJ2XP9NeAMG4=';
SELECT idm.credential_key_id(credentials) AS kid, count(*) FROM idm.connected_accounts
WHERE environment_id LIKE 'env_cr%' AND credentials IS NOT NULL GROUP BY 1 ORDER BY 1;
SELECT count(*) AS events_before FROM idm.events WHERE environment_id LIKE 'env_cr%' \gset
SELECT idm.rotate_credentials('env_cr2') AS rotated, idm.rotate_credentials('env_cr2') AS again,
       idm.rotate_credentials('env_cr1') AS rotated_env_cr1;
SELECT idm.credential_key_id(credentials) AS kid, count(*) FROM idm.connected_accounts
WHERE environment_id LIKE 'env_cr%' AND credentials IS NOT NULL GROUP BY 1 ORDER BY 1;
SELECT (SELECT count(*) FROM idm.events WHERE environment_id LIKE 'env_cr%') - :events_before AS rotation_events;
-- the old key can go: everything decrypts with k2 alone
SET idm.credential_keys = 'k2:AV9+a8Wur0g3JAieklLME7UJUaa2lBJSJ2XP9NeAMG4=';
RESET idm.credential_key_id;
SELECT environment_id, id, idm.connected_account_credentials(id, environment_id)
FROM idm.connected_accounts WHERE environment_id LIKE 'env_cr%' AND credentials IS NOT NULL ORDER BY 1, 2;
SELECT pg_temp.err($$SET idm.credential_keys = ''; SELECT idm.rotate_credentials('env_cr1')$$);

-- the settings are superuser-only; the credential reader is not granted to PUBLIC
CREATE ROLE idm_crypto_app;
GRANT USAGE ON SCHEMA idm TO idm_crypto_app;
GRANT SELECT, UPDATE ON idm.connected_accounts TO idm_crypto_app;
SET ROLE idm_crypto_app;
SELECT pg_temp.err($$SHOW idm.credential_keys$$);
SELECT pg_temp.err($$SELECT current_setting('idm.credential_keys')$$);
SELECT count(*) AS visible_in_pg_settings FROM pg_settings WHERE name = 'idm.credential_keys';
SELECT pg_temp.err($$SET idm.credential_keys = 'k3:L1BSyf0VsZoYxYTQE2NWgZhhPww06EQJ73k4cJoVnsI='$$);
SELECT pg_temp.err($$SET idm.credential_key_id = 'k3'$$);
SELECT pg_temp.err($$SELECT idm.connected_account_credentials('ca_a')$$);
SELECT pg_temp.err($$SELECT idm.rotate_credentials('env_cr1')$$);
SHOW idm.credential_key_id;
-- the app role writes credentials (encryption needs no privilege beyond the table)
SELECT idm.credential_key_id(credentials) AS kid FROM idm.update_connected_account('ca_b',
    authorization_details => '{"static_auth": {"details": {"api_key": "sk_live_PLANTED_B"}}}');
RESET ROLE;
SELECT count(*) AS listed_by_show_all FROM pg_show_all_settings() WHERE name = 'idm.credential_keys';
REVOKE ALL ON idm.connected_accounts FROM idm_crypto_app;
REVOKE ALL ON SCHEMA idm FROM idm_crypto_app;
DROP ROLE idm_crypto_app;

-- the planted credentials are in no plain column, no event, and not in the
-- table's file or the WAL on disk
SELECT count(*) AS rows_with_plaintext FROM idm.connected_accounts c
WHERE c::text LIKE '%PLANTED%' OR position('PLANTED'::bytea IN coalesce(c.credentials, '')) > 0;
SELECT count(*) AS events_with_plaintext FROM idm.events e WHERE e::text LIKE '%PLANTED%';
CHECKPOINT;
SELECT position('sk_live_PLANTED'::bytea IN pg_read_binary_file(pg_relation_filepath('idm.connected_accounts'))) AS in_table_file;
SELECT count(*) AS wal_files_with_plaintext
FROM pg_ls_waldir() w
WHERE w.name ~ '^[0-9A-F]{24}$'
  AND position('sk_live_PLANTED'::bytea IN pg_read_binary_file('pg_wal/' || w.name)) > 0;
