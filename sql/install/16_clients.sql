-- M2M clients (clientsM2MClient) and their secrets (clientsClientSecret).
-- A secret is stored only as its SHA-256 (see src/clients.c for why a fast
-- hash suffices for 256-bit random secrets); the plain secret is returned
-- once, by the function that creates it.

CREATE FUNCTION idm.check_client_strings(value text[], field text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'check_client_strings' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION idm.check_client_strings(text[], text) IS
    'true if at most 100 entries of 1-2048 bytes without white space; raises naming the field and index';

CREATE FUNCTION idm.check_custom_claims(value jsonb) RETURNS boolean
    AS 'MODULE_PATHNAME', 'check_custom_claims' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION idm.check_custom_claims(jsonb) IS
    'true if value is [{"key": text, "value": text}, ...] with unique keys; raises naming the entry';

CREATE FUNCTION idm.check_client_expiry(value bigint) RETURNS boolean
    AS 'MODULE_PATHNAME', 'check_client_expiry' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION idm.check_client_expiry(bigint) IS
    'true if value is 1 to 31536000 seconds (a year); raises 22023 otherwise';

CREATE FUNCTION idm.gen_client_secret() RETURNS text
    AS 'MODULE_PATHNAME', 'gen_client_secret' LANGUAGE C VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION idm.gen_client_secret() IS
    'new client secret "skcs_" + base64url of 32 random bytes';

CREATE TABLE idm.clients (
    environment_id  text NOT NULL REFERENCES idm.environments (id),
    client_id       text NOT NULL DEFAULT idm.gen_id('skc')
                    CHECK (idm.check_id(client_id, 'skc', 'client_id')),
    organization_id text,
    name            text NOT NULL CHECK (idm.check_length(name, 'name', 1, 255)),
    description     text NOT NULL DEFAULT '' CHECK (idm.check_length(description, 'description', 0, 1024)),
    scopes          text[] NOT NULL DEFAULT '{}' CHECK (idm.check_client_strings(scopes, 'scopes')),
    audience        text[] NOT NULL DEFAULT '{}' CHECK (idm.check_client_strings(audience, 'audience')),
    redirect_uris   text[] NOT NULL DEFAULT '{}' CHECK (idm.check_client_strings(redirect_uris, 'redirect_uris')),
    custom_claims   jsonb NOT NULL DEFAULT '[]' CHECK (idm.check_custom_claims(custom_claims)),
    -- lifetime in seconds of the access tokens issued to the client
    expiry          bigint NOT NULL DEFAULT 3600 CHECK (idm.check_client_expiry(expiry)),
    resource_id     text CHECK (idm.check_length(resource_id, 'resource_id', 1, 255)),
    metadata_uri    text CHECK (idm.check_length(metadata_uri, 'metadata_uri', 1, 2048)),
    is_dcr          boolean NOT NULL DEFAULT false,
    is_cimd         boolean NOT NULL DEFAULT false,
    create_time     timestamptz NOT NULL DEFAULT now(),
    update_time     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (environment_id, client_id),
    FOREIGN KEY (environment_id, organization_id)
        REFERENCES idm.organizations (environment_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE idm.clients IS 'machine-to-machine API clients; their secrets live hashed in idm.client_secrets';
CREATE INDEX clients_organization_idx ON idm.clients (environment_id, organization_id);

CREATE TRIGGER clients_stamp_times BEFORE INSERT OR UPDATE ON idm.clients
    FOR EACH ROW EXECUTE FUNCTION idm.stamp_times('create_time', 'update_time');

SELECT pg_catalog.pg_extension_config_dump('idm.clients', '');

-- The stored form of a client secret: its SHA-256 digest.
CREATE FUNCTION idm.check_secret_hash(value bytea) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
    IF length(value) <> 32 THEN
        RAISE EXCEPTION 'secret_hash must be a SHA-256 digest of 32 bytes, not % bytes', length(value)
            USING ERRCODE = '22023',
                  HINT = 'Secrets are stored hashed; add one with idm.create_client_secret().';
    END IF;
    RETURN true;
END $$;
COMMENT ON FUNCTION idm.check_secret_hash(bytea) IS
    'true if value is 32 bytes (a SHA-256 digest); raises 22023 otherwise, without showing it';

CREATE TABLE idm.client_secrets (
    environment_id  text NOT NULL,
    -- "sec_" + the digits of a fresh time-ordered id, as the API's sec_... ids
    id              text NOT NULL DEFAULT 'sec_' || substr(idm.gen_id('skc'), 5)
                    CHECK (idm.check_id(id, 'sec', 'secret id')),
    client_id       text NOT NULL,
    -- SHA-256 of the plain secret; the plain secret is never stored
    secret_hash     bytea NOT NULL CONSTRAINT client_secrets_hash_length CHECK (idm.check_secret_hash(secret_hash)),
    secret_suffix   text NOT NULL CHECK (idm.check_length(secret_suffix, 'secret_suffix', 4, 4)),
    -- clientsClientSecretStatus (ACTIVE or INACTIVE); text, not an enum type,
    -- since the API's own enum is incomplete (it lists INACTIVE only)
    status          text NOT NULL DEFAULT 'ACTIVE'
                    CONSTRAINT client_secrets_status_check CHECK (status IN ('ACTIVE', 'INACTIVE')),
    created_by      text CHECK (idm.check_length(created_by, 'created_by', 1, 255)),
    expire_time     timestamptz,
    last_used_time  timestamptz,
    create_time     timestamptz NOT NULL DEFAULT now(),
    update_time     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (environment_id, id),
    FOREIGN KEY (environment_id, client_id)
        REFERENCES idm.clients (environment_id, client_id) ON DELETE CASCADE
);
COMMENT ON TABLE idm.client_secrets IS 'secrets of M2M clients, as SHA-256 hashes with a 4-character suffix for display';
CREATE INDEX client_secrets_client_idx ON idm.client_secrets (environment_id, client_id);

CREATE TRIGGER client_secrets_stamp_times BEFORE INSERT OR UPDATE ON idm.client_secrets
    FOR EACH ROW EXECUTE FUNCTION idm.stamp_times('create_time', 'update_time');

SELECT pg_catalog.pg_extension_config_dump('idm.client_secrets', '');

-- Adds a secret to a client and returns it with its plain value (only here).
CREATE FUNCTION idm.create_client_secret(
    client_id text,
    expire_time timestamptz DEFAULT NULL,
    created_by text DEFAULT NULL,
    environment_id text DEFAULT NULL,
    OUT secret idm.client_secrets,
    OUT plain_secret text)
LANGUAGE plpgsql AS $$
DECLARE
    env text := idm.current_environment(create_client_secret.environment_id);
BEGIN
    PERFORM FROM idm.clients c
    WHERE c.environment_id = env AND c.client_id = create_client_secret.client_id
    FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'client "%" does not exist', create_client_secret.client_id
            USING ERRCODE = 'P0002',
                  HINT = 'Check the client_id and the environment (idm.environment_id).';
    END IF;
    IF create_client_secret.expire_time <= now() THEN
        RAISE EXCEPTION 'expire_time of a new secret must be in the future, not %', create_client_secret.expire_time
            USING ERRCODE = '22023',
                  HINT = 'Pass NULL for a secret that does not expire.';
    END IF;
    plain_secret := idm.gen_client_secret();
    INSERT INTO idm.client_secrets AS s
        (environment_id, client_id, secret_hash, secret_suffix, expire_time, created_by)
    VALUES (env, create_client_secret.client_id, sha256(plain_secret::bytea), right(plain_secret, 4),
            create_client_secret.expire_time, create_client_secret.created_by)
    RETURNING s.* INTO secret;
END $$;
COMMENT ON FUNCTION idm.create_client_secret(text, timestamptz, text, text) IS
    'adds a secret to a client; returns its row and the plain secret, which is not stored and never shown again';

CREATE FUNCTION idm.create_client(
    name text,
    organization_id text DEFAULT NULL,
    description text DEFAULT '',
    scopes text[] DEFAULT '{}',
    audience text[] DEFAULT '{}',
    custom_claims jsonb DEFAULT '[]',
    expiry bigint DEFAULT 3600,
    redirect_uris text[] DEFAULT '{}',
    environment_id text DEFAULT NULL,
    OUT client idm.clients,
    OUT plain_secret text)
LANGUAGE plpgsql AS $$
DECLARE
    env text := idm.current_environment(create_client.environment_id);
BEGIN
    INSERT INTO idm.clients AS c
        (environment_id, organization_id, name, description, scopes, audience, custom_claims,
         expiry, redirect_uris)
    VALUES (env, create_client.organization_id, create_client.name, create_client.description,
            create_client.scopes, create_client.audience, create_client.custom_claims,
            create_client.expiry, create_client.redirect_uris)
    RETURNING c.* INTO client;
    SELECT r.plain_secret INTO plain_secret
    FROM idm.create_client_secret((client).client_id, environment_id => env) r;
END $$;
COMMENT ON FUNCTION idm.create_client(text, text, text, text[], text[], jsonb, bigint, text[], text) IS
    'creates an M2M client with one secret; returns the client and the plain secret (shown only this once)';

CREATE FUNCTION idm.rotate_client_secret(
    client_id text,
    grace interval DEFAULT NULL,
    created_by text DEFAULT NULL,
    environment_id text DEFAULT NULL,
    OUT secret idm.client_secrets,
    OUT plain_secret text)
LANGUAGE plpgsql AS $$
DECLARE
    env text := idm.current_environment(rotate_client_secret.environment_id);
    fresh record;
BEGIN
    SELECT r.* INTO fresh
    FROM idm.create_client_secret(rotate_client_secret.client_id, NULL,
                                  rotate_client_secret.created_by, env) r;
    secret := fresh.secret;
    plain_secret := fresh.plain_secret;
    -- the old secrets stop working now, or after the grace period
    UPDATE idm.client_secrets s SET
        status      = CASE WHEN grace IS NULL THEN 'INACTIVE' ELSE s.status END,
        expire_time = CASE WHEN grace IS NULL THEN s.expire_time
                           ELSE least(s.expire_time, now() + grace) END
    WHERE s.environment_id = env AND s.client_id = rotate_client_secret.client_id
      AND s.id <> (secret).id AND s.status = 'ACTIVE';
END $$;
COMMENT ON FUNCTION idm.rotate_client_secret(text, interval, text, text) IS
    'adds a new secret and retires the others now (or after grace); returns the new secret and its plain value';

CREATE FUNCTION idm.revoke_client_secret(client_id text, secret_id text, environment_id text DEFAULT NULL)
RETURNS idm.client_secrets
LANGUAGE plpgsql AS $$
DECLARE
    s idm.client_secrets;
BEGIN
    UPDATE idm.client_secrets cs SET status = 'INACTIVE'
    WHERE cs.environment_id = idm.current_environment(revoke_client_secret.environment_id)
      AND cs.client_id = revoke_client_secret.client_id AND cs.id = revoke_client_secret.secret_id
    RETURNING cs.* INTO s;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'secret "%" of client "%" does not exist', revoke_client_secret.secret_id,
                        revoke_client_secret.client_id
            USING ERRCODE = 'P0002',
                  HINT = 'Check the ids and the environment (idm.environment_id).';
    END IF;
    RETURN s;
END $$;
COMMENT ON FUNCTION idm.revoke_client_secret(text, text, text) IS
    'makes a secret INACTIVE (it no longer verifies); raises P0002 if missing';

CREATE FUNCTION idm.delete_client(client_id text, environment_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM idm.clients c
    WHERE c.environment_id = idm.current_environment(delete_client.environment_id)
      AND c.client_id = delete_client.client_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'client "%" does not exist', delete_client.client_id
            USING ERRCODE = 'P0002',
                  HINT = 'Check the client_id and the environment (idm.environment_id).';
    END IF;
END $$;
COMMENT ON FUNCTION idm.delete_client(text, text) IS
    'deletes a client and its secrets; raises P0002 if missing';

CREATE FUNCTION idm.verify_client_secret(client_id text, secret text, environment_id text DEFAULT NULL)
RETURNS boolean
    AS 'MODULE_PATHNAME', 'verify_client_secret' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION idm.verify_client_secret(text, text, text) IS
    'true if secret is an ACTIVE, unexpired secret of the client (constant-time comparison of SHA-256 hashes)';
