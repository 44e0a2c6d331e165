-- Organizations (organizationsOrganization).

CREATE TABLE idm.organizations (
    environment_id text NOT NULL REFERENCES idm.environments (id),
    id             text NOT NULL DEFAULT idm.gen_id('org')
                   CHECK (idm.check_id(id, 'org', 'organization id')),
    display_name   text NOT NULL CHECK (idm.check_length(display_name, 'display_name', 1, 200)),
    external_id    text CHECK (idm.check_external_id(external_id)),
    region_code    idm.region_code,
    metadata       jsonb CHECK (idm.check_metadata(metadata)),
    settings       jsonb NOT NULL
                   DEFAULT '{"features": [{"name": "sso", "enabled": false}, {"name": "dir_sync", "enabled": false}]}'
                   CHECK (idm.check_org_settings(settings)),
    create_time    timestamptz NOT NULL DEFAULT now(),
    update_time    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (environment_id, id),
    CONSTRAINT organizations_external_id_key UNIQUE (environment_id, external_id)
);
COMMENT ON TABLE idm.organizations IS 'organizations (tenants of the app); changes emit organization.* events';

CREATE TRIGGER organizations_stamp_times BEFORE INSERT OR UPDATE ON idm.organizations
    FOR EACH ROW EXECUTE FUNCTION idm.stamp_times('create_time', 'update_time');

CREATE FUNCTION idm.organization_events() RETURNS trigger
    AS 'MODULE_PATHNAME', 'organization_events' LANGUAGE C;
COMMENT ON FUNCTION idm.organization_events() IS
    'AFTER ROW trigger: writes organization.created / updated / deleted events';
CREATE TRIGGER organizations_events AFTER INSERT OR UPDATE OR DELETE ON idm.organizations
    FOR EACH ROW EXECUTE FUNCTION idm.organization_events();

SELECT pg_catalog.pg_extension_config_dump('idm.organizations', '');

-- Convenience API; plain INSERT/UPDATE/DELETE work the same way.  A duplicate
-- external_id fails with 23505 on organizations_external_id_key, naming the key.

CREATE FUNCTION idm.create_organization(
    display_name text,
    external_id text DEFAULT NULL,
    region_code idm.region_code DEFAULT NULL,
    metadata jsonb DEFAULT NULL,
    environment_id text DEFAULT NULL)
RETURNS idm.organizations
LANGUAGE plpgsql AS $$
DECLARE
    org idm.organizations;
BEGIN
    INSERT INTO idm.organizations AS o (environment_id, display_name, external_id, region_code, metadata)
    VALUES (idm.current_environment(create_organization.environment_id),
            create_organization.display_name, create_organization.external_id,
            create_organization.region_code, create_organization.metadata)
    RETURNING o.* INTO org;
    RETURN org;
END $$;
COMMENT ON FUNCTION idm.create_organization(text, text, idm.region_code, jsonb, text) IS
    'inserts an organization in the given (or current) environment and returns it';

CREATE FUNCTION idm.update_organization(
    id text,
    display_name text DEFAULT NULL,
    external_id text DEFAULT NULL,
    region_code idm.region_code DEFAULT NULL,
    metadata jsonb DEFAULT NULL,
    settings jsonb DEFAULT NULL,
    environment_id text DEFAULT NULL)
RETURNS idm.organizations
LANGUAGE plpgsql AS $$
DECLARE
    org idm.organizations;
BEGIN
    UPDATE idm.organizations o SET
        display_name = coalesce(update_organization.display_name, o.display_name),
        external_id  = coalesce(update_organization.external_id, o.external_id),
        region_code  = coalesce(update_organization.region_code, o.region_code),
        metadata     = coalesce(update_organization.metadata, o.metadata),
        settings     = coalesce(update_organization.settings, o.settings)
    WHERE o.environment_id = idm.current_environment(update_organization.environment_id)
      AND o.id = update_organization.id
    RETURNING o.* INTO org;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'organization "%" does not exist', update_organization.id
            USING ERRCODE = 'P0002',
                  HINT = 'Check the id and the environment (idm.environment_id).';
    END IF;
    RETURN org;
END $$;
COMMENT ON FUNCTION idm.update_organization(text, text, text, idm.region_code, jsonb, jsonb, text) IS
    'updates the given fields (NULL keeps a field) of an existing organization; raises P0002 if missing';

CREATE FUNCTION idm.delete_organization(id text, environment_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM idm.organizations o
    WHERE o.environment_id = idm.current_environment(delete_organization.environment_id)
      AND o.id = delete_organization.id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'organization "%" does not exist', delete_organization.id
            USING ERRCODE = 'P0002',
                  HINT = 'Check the id and the environment (idm.environment_id).';
    END IF;
END $$;
COMMENT ON FUNCTION idm.delete_organization(text, text) IS
    'deletes an organization (emits organization.deleted); raises P0002 if missing';
