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
                   CHECK (webhook_secret ~ '^whsec_[A-Za-z0-9+/]{32,}={0,2}$'),
    -- key of idm.support_hash(); never copied into events or errors
    support_hash_secret bytea NOT NULL DEFAULT idm.gen_support_hash_secret()
                   CHECK (idm.check_support_hash_secret(support_hash_secret)),
    create_time    timestamptz NOT NULL DEFAULT now(),
    update_time    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id)
);
COMMENT ON TABLE idm.environments IS 'tenants (Scalekit environments) and their webhook signing secrets';

CREATE TRIGGER environments_stamp_times BEFORE INSERT OR UPDATE ON idm.environments
    FOR EACH ROW EXECUTE FUNCTION idm.stamp_times('create_time', 'update_time');

SELECT pg_catalog.pg_extension_config_dump('idm.environments', '');
