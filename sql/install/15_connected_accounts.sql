-- Connected accounts (connected_accountsConnectedAccount): a user's or an
-- organization's account at a third-party app, with its credentials stored
-- only encrypted (AES-256-GCM, src/crypto.c) and its status moved only
-- through the legal transitions (src/connector.c).

CREATE FUNCTION idm.check_authorization_details(authorization_type idm.connector_type, details jsonb)
RETURNS boolean
    AS 'MODULE_PATHNAME', 'check_authorization_details' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION idm.check_authorization_details(idm.connector_type, jsonb) IS
    'true if details fit the connector type (oauth_token or static_auth.details fields); raises 22023 naming the field, never a value';

CREATE FUNCTION idm.check_api_config(value jsonb) RETURNS boolean
    AS 'MODULE_PATHNAME', 'check_api_config' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION idm.check_api_config(jsonb) IS
    'true if value is a JSON object of at most 64 kB; raises otherwise';

CREATE FUNCTION idm.credential_key_id(credentials bytea) RETURNS text
    AS 'MODULE_PATHNAME', 'credential_key_id' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION idm.credential_key_id(bytea) IS
    'the id of the key a credentials ciphertext was encrypted with (to watch a rotation)';

CREATE FUNCTION idm.connector_transitions(
    OUT from_status idm.connector_status, OUT to_status idm.connector_status, OUT meaning text)
RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'connector_transitions' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION idm.connector_transitions() IS
    'every legal connector_status transition and what it means; any other is refused';

CREATE TABLE idm.connected_accounts (
    environment_id         text NOT NULL REFERENCES idm.environments (id),
    id                     text NOT NULL DEFAULT idm.gen_id('ca')
                           CHECK (idm.check_id(id, 'ca', 'connected account id')),
    connector              text NOT NULL CHECK (idm.check_length(connector, 'connector', 1, 100)),
    provider               text NOT NULL CHECK (idm.check_length(provider, 'provider', 1, 100)),
    identifier             text NOT NULL CHECK (idm.check_length(identifier, 'identifier', 1, 255)),
    connection_id          text NOT NULL CHECK (idm.check_id(connection_id, 'conn', 'connection_id')),
    authorization_type     idm.connector_type NOT NULL DEFAULT 'OAUTH',
    status                 idm.connector_status NOT NULL DEFAULT 'PENDING_AUTH',
    token_expires_at       timestamptz,
    last_used_at           timestamptz,
    api_config             jsonb CHECK (idm.check_api_config(api_config)),
    organization_id        text,
    user_id                text,
    -- write-only: the BEFORE trigger validates it, encrypts it into
    -- credentials and stores NULL; it never holds a value on disk
    authorization_details  jsonb CONSTRAINT connected_accounts_plaintext_never_stored
                           CHECK (authorization_details IS NULL),
    -- version | key id | nonce | AES-256-GCM ciphertext | tag, bound to (environment_id, id)
    credentials            bytea CONSTRAINT connected_accounts_credentials_format
                           CHECK (credentials IS NULL OR idm.credential_key_id(credentials) IS NOT NULL),
    credentials_updated_at timestamptz,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (environment_id, id),
    CONSTRAINT connected_accounts_identifier_key
        UNIQUE NULLS NOT DISTINCT (environment_id, connection_id, identifier, organization_id, user_id),
    FOREIGN KEY (environment_id, organization_id)
        REFERENCES idm.organizations (environment_id, id) ON DELETE CASCADE,
    FOREIGN KEY (environment_id, user_id)
        REFERENCES idm.users (environment_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE idm.connected_accounts IS
    'accounts at third-party apps; credentials encrypted at rest; changes emit connected_account.* events';
COMMENT ON COLUMN idm.connected_accounts.authorization_details IS
    'write-only: set it to store credentials (validated, then encrypted into credentials); always reads NULL';
CREATE INDEX connected_accounts_organization_idx ON idm.connected_accounts (environment_id, organization_id);
CREATE INDEX connected_accounts_user_idx ON idm.connected_accounts (environment_id, user_id);
-- idm.expire_connected_accounts() scans only ACTIVE accounts with an expiry
CREATE INDEX connected_accounts_expiry_idx ON idm.connected_accounts (environment_id, token_expires_at)
    WHERE status = 'ACTIVE' AND token_expires_at IS NOT NULL;

CREATE FUNCTION idm.connected_account_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'connected_account_guard' LANGUAGE C;
COMMENT ON FUNCTION idm.connected_account_guard() IS
    'BEFORE ROW trigger: encrypts authorization_details, enforces status transitions, keeps the times';
CREATE TRIGGER connected_accounts_guard BEFORE INSERT OR UPDATE ON idm.connected_accounts
    FOR EACH ROW EXECUTE FUNCTION idm.connected_account_guard();

CREATE FUNCTION idm.connected_account_events() RETURNS trigger
    AS 'MODULE_PATHNAME', 'connected_account_events' LANGUAGE C;
COMMENT ON FUNCTION idm.connected_account_events() IS
    'AFTER ROW trigger: writes connected_account.created / updated / deleted / status_updated events';
CREATE TRIGGER connected_accounts_events AFTER INSERT OR UPDATE OR DELETE ON idm.connected_accounts
    FOR EACH ROW EXECUTE FUNCTION idm.connected_account_events();

SELECT pg_catalog.pg_extension_config_dump('idm.connected_accounts', '');

-- Convenience API; plain INSERT/UPDATE/DELETE obey the same rules.

CREATE FUNCTION idm.create_connected_account(
    connector text,
    identifier text,
    connection_id text,
    provider text,
    authorization_type idm.connector_type DEFAULT 'OAUTH',
    authorization_details jsonb DEFAULT NULL,
    api_config jsonb DEFAULT NULL,
    organization_id text DEFAULT NULL,
    user_id text DEFAULT NULL,
    environment_id text DEFAULT NULL)
RETURNS idm.connected_accounts
LANGUAGE plpgsql AS $$
DECLARE
    ca idm.connected_accounts;
BEGIN
    INSERT INTO idm.connected_accounts AS c
        (environment_id, connector, identifier, connection_id, provider, authorization_type,
         authorization_details, api_config, organization_id, user_id, status)
    VALUES (idm.current_environment(create_connected_account.environment_id),
            create_connected_account.connector, create_connected_account.identifier,
            create_connected_account.connection_id, create_connected_account.provider,
            create_connected_account.authorization_type,
            create_connected_account.authorization_details, create_connected_account.api_config,
            create_connected_account.organization_id, create_connected_account.user_id,
            CASE WHEN create_connected_account.authorization_details IS NULL
                 THEN 'PENDING_AUTH' ELSE 'ACTIVE' END::idm.connector_status)
    RETURNING c.* INTO ca;
    RETURN ca;
END $$;
COMMENT ON FUNCTION idm.create_connected_account(text, text, text, text, idm.connector_type, jsonb, jsonb, text, text, text) IS
    'inserts a connected account (ACTIVE with authorization_details, else PENDING_AUTH) and returns it';

CREATE FUNCTION idm.update_connected_account(
    id text,
    identifier text DEFAULT NULL,
    authorization_details jsonb DEFAULT NULL,
    api_config jsonb DEFAULT NULL,
    environment_id text DEFAULT NULL)
RETURNS idm.connected_accounts
LANGUAGE plpgsql AS $$
DECLARE
    ca idm.connected_accounts;
BEGIN
    UPDATE idm.connected_accounts c SET
        identifier            = coalesce(update_connected_account.identifier, c.identifier),
        authorization_details = update_connected_account.authorization_details,
        api_config            = coalesce(update_connected_account.api_config, c.api_config)
    WHERE c.environment_id = idm.current_environment(update_connected_account.environment_id)
      AND c.id = update_connected_account.id
    RETURNING c.* INTO ca;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'connected account "%" does not exist', update_connected_account.id
            USING ERRCODE = 'P0002',
                  HINT = 'Check the id and the environment (idm.environment_id).';
    END IF;
    RETURN ca;
END $$;
COMMENT ON FUNCTION idm.update_connected_account(text, text, jsonb, jsonb, text) IS
    'updates identifier, credentials (authorization_details) or api_config (NULL keeps a field); raises P0002 if missing';

CREATE FUNCTION idm.delete_connected_account(id text, environment_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM idm.connected_accounts c
    WHERE c.environment_id = idm.current_environment(delete_connected_account.environment_id)
      AND c.id = delete_connected_account.id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'connected account "%" does not exist', delete_connected_account.id
            USING ERRCODE = 'P0002',
                  HINT = 'Check the id and the environment (idm.environment_id).';
    END IF;
END $$;
COMMENT ON FUNCTION idm.delete_connected_account(text, text) IS
    'deletes a connected account (emits connected_account.deleted); raises P0002 if missing';

CREATE FUNCTION idm.disconnect_connected_account(id text, environment_id text DEFAULT NULL)
RETURNS idm.connected_accounts
LANGUAGE plpgsql AS $$
DECLARE
    ca idm.connected_accounts;
BEGIN
    UPDATE idm.connected_accounts c SET status = 'DISCONNECTED'
    WHERE c.environment_id = idm.current_environment(disconnect_connected_account.environment_id)
      AND c.id = disconnect_connected_account.id
    RETURNING c.* INTO ca;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'connected account "%" does not exist', disconnect_connected_account.id
            USING ERRCODE = 'P0002',
                  HINT = 'Check the id and the environment (idm.environment_id).';
    END IF;
    RETURN ca;
END $$;
COMMENT ON FUNCTION idm.disconnect_connected_account(text, text) IS
    'moves an account to DISCONNECTED, erasing its stored credentials (emits connected_account.status_updated)';

CREATE FUNCTION idm.touch_connected_account(id text, environment_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE idm.connected_accounts c SET last_used_at = now()
    WHERE c.environment_id = idm.current_environment(touch_connected_account.environment_id)
      AND c.id = touch_connected_account.id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'connected account "%" does not exist', touch_connected_account.id
            USING ERRCODE = 'P0002',
                  HINT = 'Check the id and the environment (idm.environment_id).';
    END IF;
END $$;
COMMENT ON FUNCTION idm.touch_connected_account(text, text) IS
    'sets last_used_at to now (no event: it is not a change of the account)';

CREATE FUNCTION idm.expire_connected_accounts(environment_id text DEFAULT NULL)
RETURNS bigint
LANGUAGE sql AS $$
    WITH expired AS (
        UPDATE idm.connected_accounts c SET status = 'EXPIRED'
        WHERE c.environment_id = idm.current_environment(expire_connected_accounts.environment_id)
          AND c.status = 'ACTIVE' AND c.token_expires_at <= now()
        RETURNING 1)
    SELECT count(*) FROM expired
$$;
COMMENT ON FUNCTION idm.expire_connected_accounts(text) IS
    'moves ACTIVE accounts whose token_expires_at has passed to EXPIRED (each emits status_updated); returns how many';

-- Actions: each changes the row and writes its own event (src/connector_actions.c).

CREATE FUNCTION idm.generate_magic_link(id text, environment_id text DEFAULT NULL)
RETURNS idm.connected_accounts
    AS 'MODULE_PATHNAME', 'generate_magic_link' LANGUAGE C;
COMMENT ON FUNCTION idm.generate_magic_link(text, text) IS
    'records that an authorization link was sent: EXPIRED, PENDING_VERIFICATION, DISCONNECTED go to PENDING_AUTH; emits connected_account.magic_link_generated';

CREATE FUNCTION idm.oauth_tokens_fetched(
    id text,
    access_token text,
    refresh_token text DEFAULT NULL,
    scopes text[] DEFAULT NULL,
    token_expires_at timestamptz DEFAULT NULL,
    domain text DEFAULT NULL,
    environment_id text DEFAULT NULL)
RETURNS idm.connected_accounts
    AS 'MODULE_PATHNAME', 'oauth_tokens_fetched' LANGUAGE C;
COMMENT ON FUNCTION idm.oauth_tokens_fetched(text, text, text, text[], timestamptz, text, text) IS
    'stores OAuth tokens (encrypted); PENDING_AUTH/EXPIRED go to PENDING_VERIFICATION, ACTIVE stays; emits connected_account.oauth_tokens_fetched';

CREATE FUNCTION idm.oauth_succeeded(id text, identifier text DEFAULT NULL, environment_id text DEFAULT NULL)
RETURNS idm.connected_accounts
    AS 'MODULE_PATHNAME', 'oauth_succeeded' LANGUAGE C;
COMMENT ON FUNCTION idm.oauth_succeeded(text, text, text) IS
    'completes OAuth (optionally setting identifier): the account becomes ACTIVE; emits connected_account.oauth_succeeded';

CREATE FUNCTION idm.token_refresh_succeeded(
    id text,
    access_token text,
    token_expires_at timestamptz,
    refresh_token text DEFAULT NULL,
    scopes text[] DEFAULT NULL,
    environment_id text DEFAULT NULL)
RETURNS idm.connected_accounts
    AS 'MODULE_PATHNAME', 'token_refresh_succeeded' LANGUAGE C;
COMMENT ON FUNCTION idm.token_refresh_succeeded(text, text, timestamptz, text, text[], text) IS
    'replaces the access token (NULL refresh_token/scopes keep the old); EXPIRED goes to ACTIVE; emits connected_account.token_refresh_succeeded';

CREATE FUNCTION idm.token_refresh_failed(id text, environment_id text DEFAULT NULL)
RETURNS idm.connected_accounts
    AS 'MODULE_PATHNAME', 'token_refresh_failed' LANGUAGE C;
COMMENT ON FUNCTION idm.token_refresh_failed(text, text) IS
    'records a failed refresh: ACTIVE goes to EXPIRED; emits connected_account.token_refresh_failed';

-- Privileged: the plain credentials, and re-encryption under a new key.
CREATE FUNCTION idm.connected_account_credentials(id text, environment_id text DEFAULT NULL)
RETURNS jsonb
    AS 'MODULE_PATHNAME', 'connected_account_credentials' LANGUAGE C;
COMMENT ON FUNCTION idm.connected_account_credentials(text, text) IS
    'the decrypted authorization_details of an account (NULL if none); not granted to PUBLIC; each call is logged without the value';
REVOKE ALL ON FUNCTION idm.connected_account_credentials(text, text) FROM PUBLIC;

CREATE FUNCTION idm.rotate_credentials(environment_id text DEFAULT NULL) RETURNS bigint
    AS 'MODULE_PATHNAME', 'rotate_credentials' LANGUAGE C;
COMMENT ON FUNCTION idm.rotate_credentials(text) IS
    're-encrypts stored credentials (of one environment, or all when NULL) under idm.credential_key_id; returns how many rows it rewrote';
REVOKE ALL ON FUNCTION idm.rotate_credentials(text) FROM PUBLIC;
