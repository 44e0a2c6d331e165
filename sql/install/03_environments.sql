-- Environments: the tenant key of every other table.

CREATE FUNCTION idm.gen_support_hash_secret() RETURNS bytea
    AS 'MODULE_PATHNAME', 'gen_support_hash_secret' LANGUAGE C VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION idm.gen_support_hash_secret() IS
    '32 random bytes; the default of idm.environments.support_hash_secret';

CREATE FUNCTION idm.check_support_hash_secret(secret bytea) RETURNS boolean
    AS 'MODULE_PATHNAME', 'check_support_hash_secret' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION idm.check_support_hash_secret(bytea) IS
    'true if secret has at least 32 bytes; raises 22023 without showing it otherwise';

CREATE TABLE idm.environments (
    id             text NOT NULL DEFAULT idm.gen_id('env')
                   CHECK (idm.check_id(id, 'env', 'environment id')),
    name           text NOT NULL CHECK (idm.check_length(name, 'name', 1, 255)),
    -- Standard Webhooks signing secret; never copied into events or errors
    webhook_secret text NOT NULL DEFAULT idm.gen_webhook_secret()
                   CHECK (idm.check_webhook_secret(webhook_secret)),
    -- switches: all events of the environment, or some types, can be off
    events_enabled boolean NOT NULL DEFAULT true,
    disabled_event_types idm.event_type[] NOT NULL DEFAULT '{}',
    -- key of idm.support_hash(); never copied into events or errors
    support_hash_secret bytea NOT NULL DEFAULT idm.gen_support_hash_secret()
                   CHECK (idm.check_support_hash_secret(support_hash_secret)),
    create_time    timestamptz NOT NULL DEFAULT now(),
    update_time    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id)
);
COMMENT ON TABLE idm.environments IS 'tenants (Scalekit environments) and their webhook signing secrets';

-- A NOT NULL violation reports the failing row, secrets included, to the
-- client and the server log; this BEFORE trigger (it fires before the
-- constraints are checked) refuses a NULL by column name instead.
CREATE FUNCTION idm.environment_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    col text;
BEGIN
    col := CASE WHEN NEW.id IS NULL THEN 'id'
                WHEN NEW.name IS NULL THEN 'name'
                WHEN NEW.webhook_secret IS NULL THEN 'webhook_secret'
                WHEN NEW.events_enabled IS NULL THEN 'events_enabled'
                WHEN NEW.disabled_event_types IS NULL THEN 'disabled_event_types'
                WHEN NEW.support_hash_secret IS NULL THEN 'support_hash_secret' END;
    IF col IS NOT NULL THEN
        RAISE EXCEPTION 'null value in column "%" of relation "environments" violates not-null constraint', col
            USING ERRCODE = '23502', COLUMN = col, TABLE = 'environments', SCHEMA = 'idm';
    END IF;
    RETURN NEW;
END $$;
COMMENT ON FUNCTION idm.environment_guard() IS
    'BEFORE trigger: refuses a NULL column of an environment by name, never showing the row (it holds secrets)';
CREATE TRIGGER environments_guard BEFORE INSERT OR UPDATE ON idm.environments
    FOR EACH ROW EXECUTE FUNCTION idm.environment_guard();

CREATE TRIGGER environments_stamp_times BEFORE INSERT OR UPDATE ON idm.environments
    FOR EACH ROW EXECUTE FUNCTION idm.stamp_times('create_time', 'update_time');

SELECT pg_catalog.pg_extension_config_dump('idm.environments', '');

-- Switching events off and on.  types NULL means the whole environment.
CREATE FUNCTION idm.disable_events(types idm.event_type[] DEFAULT NULL, environment_id text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE idm.environments e SET
        events_enabled = CASE WHEN types IS NULL THEN false ELSE e.events_enabled END,
        disabled_event_types = CASE WHEN types IS NULL THEN e.disabled_event_types
            ELSE ARRAY(SELECT DISTINCT t FROM unnest(e.disabled_event_types || types) t ORDER BY t) END
    WHERE e.id = idm.current_environment(disable_events.environment_id);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'environment "%" does not exist', idm.current_environment(disable_events.environment_id)
            USING ERRCODE = 'P0002';
    END IF;
END $$;
COMMENT ON FUNCTION idm.disable_events(idm.event_type[], text) IS
    'stops writing events of the given types (NULL: all events) for an environment';

CREATE FUNCTION idm.enable_events(types idm.event_type[] DEFAULT NULL, environment_id text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE idm.environments e SET
        events_enabled = CASE WHEN types IS NULL THEN true ELSE e.events_enabled END,
        disabled_event_types = CASE WHEN types IS NULL THEN '{}'
            ELSE ARRAY(SELECT t FROM unnest(e.disabled_event_types) t WHERE t <> ALL (types) ORDER BY t) END
    WHERE e.id = idm.current_environment(enable_events.environment_id);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'environment "%" does not exist', idm.current_environment(enable_events.environment_id)
            USING ERRCODE = 'P0002';
    END IF;
END $$;
COMMENT ON FUNCTION idm.enable_events(idm.event_type[], text) IS
    'writes events of the given types again (NULL: all events, clearing every switch)';
