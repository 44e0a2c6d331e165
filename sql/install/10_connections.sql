-- SSO connections (connectionsListConnection): an organization's identity
-- provider.  Row events: organization.sso_created, sso_enabled,
-- sso_disabled, sso_deleted; other changes emit nothing (the spec has no
-- sso_updated).  status records configuration progress; routing
-- (idm.route_email) looks at enabled only.

CREATE TABLE idm.connections (
    environment_id  text NOT NULL,
    id              text NOT NULL DEFAULT idm.gen_id('conn')
                    CHECK (idm.check_id(id, 'conn', 'connection id')),
    organization_id text NOT NULL,
    type            idm.connection_type NOT NULL,
    provider        idm.connection_provider NOT NULL,
    status          idm.connection_status NOT NULL DEFAULT 'DRAFT',
    enabled         boolean NOT NULL DEFAULT false,
    -- key of the provider's service, e.g. 'okta' (free-form, informational)
    provider_key    text CHECK (idm.check_length(provider_key, 'provider_key', 1, 64)),
    -- alternative identifier for front ends and URLs
    key_id          text CHECK (idm.check_length(key_id, 'key_id', 1, 255)),
    create_time     timestamptz NOT NULL DEFAULT now(),
    update_time     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (environment_id, id),
    CONSTRAINT connections_key_id_key UNIQUE (environment_id, key_id),
    CONSTRAINT connections_organization_fkey FOREIGN KEY (environment_id, organization_id)
        REFERENCES idm.organizations (environment_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE idm.connections IS
    'SSO connections of organizations; changes emit organization.sso_* events';
-- serves the foreign key and route_email's probe for an organization's
-- oldest enabled connection
CREATE INDEX connections_organization_idx
    ON idm.connections (environment_id, organization_id, enabled, id);

CREATE TRIGGER connections_stamp_times BEFORE INSERT OR UPDATE ON idm.connections
    FOR EACH ROW EXECUTE FUNCTION idm.stamp_times('create_time', 'update_time');

CREATE FUNCTION idm.connection_events() RETURNS trigger
    AS 'MODULE_PATHNAME', 'connection_events' LANGUAGE C;
COMMENT ON FUNCTION idm.connection_events() IS
    'AFTER ROW trigger: writes organization.sso_created / sso_enabled / sso_disabled / sso_deleted';
CREATE TRIGGER connections_events AFTER INSERT OR UPDATE OR DELETE ON idm.connections
    FOR EACH ROW EXECUTE FUNCTION idm.connection_events();

SELECT pg_catalog.pg_extension_config_dump('idm.connections', '');

-- Convenience API; plain INSERT/UPDATE/DELETE work the same way.  An unknown
-- organization (or one of another environment) fails with 23503 on
-- connections_organization_fkey.

CREATE FUNCTION idm.create_connection(
    organization_id text,
    type idm.connection_type,
    provider idm.connection_provider,
    status idm.connection_status DEFAULT 'DRAFT',
    provider_key text DEFAULT NULL,
    key_id text DEFAULT NULL,
    environment_id text DEFAULT NULL)
RETURNS idm.connections
LANGUAGE plpgsql AS $$
DECLARE
    conn idm.connections;
BEGIN
    INSERT INTO idm.connections AS c
        (environment_id, organization_id, type, provider, status, provider_key, key_id)
    VALUES (idm.current_environment(create_connection.environment_id),
            create_connection.organization_id, create_connection.type,
            create_connection.provider, create_connection.status,
            create_connection.provider_key, create_connection.key_id)
    RETURNING c.* INTO conn;
    RETURN conn;
END $$;
COMMENT ON FUNCTION idm.create_connection(text, idm.connection_type, idm.connection_provider,
    idm.connection_status, text, text, text) IS
    'inserts a disabled connection for an organization and returns it (emits organization.sso_created)';

CREATE FUNCTION idm.set_connection_enabled(id text, enabled boolean, environment_id text DEFAULT NULL)
RETURNS idm.connections
LANGUAGE plpgsql AS $$
DECLARE
    conn idm.connections;
BEGIN
    UPDATE idm.connections c SET enabled = set_connection_enabled.enabled
    WHERE c.environment_id = idm.current_environment(set_connection_enabled.environment_id)
      AND c.id = set_connection_enabled.id
    RETURNING c.* INTO conn;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'connection "%" does not exist', set_connection_enabled.id
            USING ERRCODE = 'P0002',
                  HINT = 'Check the id and the environment (idm.environment_id).';
    END IF;
    RETURN conn;
END $$;
COMMENT ON FUNCTION idm.set_connection_enabled(text, boolean, text) IS
    'enables or disables a connection (emits sso_enabled / sso_disabled if it changed); P0002 if missing';

CREATE FUNCTION idm.enable_connection(id text, environment_id text DEFAULT NULL)
RETURNS idm.connections
LANGUAGE sql AS $$ SELECT idm.set_connection_enabled(id, true, environment_id) $$;
COMMENT ON FUNCTION idm.enable_connection(text, text) IS
    'enables a connection (emits organization.sso_enabled unless already enabled); P0002 if missing';

CREATE FUNCTION idm.disable_connection(id text, environment_id text DEFAULT NULL)
RETURNS idm.connections
LANGUAGE sql AS $$ SELECT idm.set_connection_enabled(id, false, environment_id) $$;
COMMENT ON FUNCTION idm.disable_connection(text, text) IS
    'disables a connection (emits organization.sso_disabled unless already disabled); P0002 if missing';

CREATE FUNCTION idm.delete_connection(id text, environment_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM idm.connections c
    WHERE c.environment_id = idm.current_environment(delete_connection.environment_id)
      AND c.id = delete_connection.id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'connection "%" does not exist', delete_connection.id
            USING ERRCODE = 'P0002',
                  HINT = 'Check the id and the environment (idm.environment_id).';
    END IF;
END $$;
COMMENT ON FUNCTION idm.delete_connection(text, text) IS
    'deletes a connection (emits organization.sso_deleted); P0002 if missing';
