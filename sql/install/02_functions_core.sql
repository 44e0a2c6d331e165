-- Core C functions: ids, validators, signatures, row timestamps.

CREATE FUNCTION idm.gen_id(prefix text) RETURNS text
    AS 'MODULE_PATHNAME', 'gen_id' LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION idm.gen_id(text) IS
    'new unique, time-ordered id "<prefix>_<23 digits>" for a known prefix';

CREATE FUNCTION idm.check_id(id text, prefix text, field text DEFAULT 'id') RETURNS boolean
    AS 'MODULE_PATHNAME', 'check_id' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION idm.check_id(text, text, text) IS
    'true if id is "<prefix>_" plus letters/digits, at most 32 characters; raises otherwise';

CREATE FUNCTION idm.check_metadata(value jsonb, field text DEFAULT 'metadata') RETURNS boolean
    AS 'MODULE_PATHNAME', 'check_metadata' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION idm.check_metadata(jsonb, text) IS
    'true if value is a JSON object of string values; raises naming the key otherwise';

CREATE FUNCTION idm.check_external_id(value text, field text DEFAULT 'external_id') RETURNS boolean
    AS 'MODULE_PATHNAME', 'check_external_id' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION idm.check_external_id(text, text) IS
    'true if value is 1-255 bytes without control characters or surrounding space';

CREATE FUNCTION idm.check_org_settings(value jsonb) RETURNS boolean
    AS 'MODULE_PATHNAME', 'check_org_settings' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION idm.check_org_settings(jsonb) IS
    'true if value is {"features": [{"name": "sso"|"dir_sync", "enabled": bool}, ...]}';

CREATE FUNCTION idm.check_length(value text, field text, min integer, max integer) RETURNS boolean
    AS 'MODULE_PATHNAME', 'check_length' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION idm.check_length(text, text, integer, integer) IS
    'true if value has min to max characters; raises 22026 naming the field otherwise';

CREATE FUNCTION idm.webhook_signature(secret text, msg_id text, ts bigint, body text) RETURNS text
    AS 'MODULE_PATHNAME', 'webhook_signature' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION idm.webhook_signature(text, text, bigint, text) IS
    'Standard Webhooks signature "v1,<base64 HMAC-SHA256 of msg_id.ts.body>" for a whsec_ secret';

CREATE FUNCTION idm.check_webhook_secret(secret text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'check_webhook_secret' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION idm.check_webhook_secret(text) IS
    'true if secret is "whsec_" + base64 of >= 24 bytes; raises 22023 without showing it';

CREATE FUNCTION idm.gen_webhook_secret() RETURNS text
    AS 'MODULE_PATHNAME', 'gen_webhook_secret' LANGUAGE C VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION idm.gen_webhook_secret() IS
    'new signing secret "whsec_<base64 of 32 random bytes>"';

CREATE FUNCTION idm.stamp_times() RETURNS trigger
    AS 'MODULE_PATHNAME', 'stamp_times' LANGUAGE C;
COMMENT ON FUNCTION idm.stamp_times() IS
    'BEFORE trigger: sets create/update time columns (named by its two arguments)';

-- The environment a call works in: the explicit argument, else the setting.
CREATE FUNCTION idm.current_environment(explicit text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    env text := coalesce(explicit, nullif(current_setting('idm.environment_id', true), ''));
BEGIN
    IF env IS NULL THEN
        RAISE EXCEPTION 'no environment given'
            USING ERRCODE = '22023',
                  HINT = 'Pass environment_id, or SET idm.environment_id = ''env_...''.';
    END IF;
    RETURN env;
END $$;
COMMENT ON FUNCTION idm.current_environment(text) IS
    'the given environment id, else the setting idm.environment_id; raises if neither';

-- The environment a SECURITY DEFINER function may act in.  Such a function
-- runs as the extension's owner, whom row-level security does not bind, so
-- it binds itself: an environment passed explicitly must be the one the
-- setting idm.environment_id names, unless the session's user could see
-- every environment anyway (a superuser or a BYPASSRLS role).
CREATE FUNCTION idm.definer_environment(explicit text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    env text := idm.current_environment(explicit);
    setting text := nullif(current_setting('idm.environment_id', true), '');
BEGIN
    IF env IS DISTINCT FROM setting AND NOT EXISTS (
            SELECT FROM pg_catalog.pg_roles r
            WHERE r.rolname = session_user AND (r.rolsuper OR r.rolbypassrls)) THEN
        RAISE EXCEPTION 'environment "%" is not the environment of this session', env
            USING ERRCODE = '42501',
                  DETAIL = format('The setting idm.environment_id is %s.', coalesce('"' || setting || '"', 'unset')),
                  HINT = 'SET LOCAL idm.environment_id to the environment first.';
    END IF;
    RETURN env;
END $$;
COMMENT ON FUNCTION idm.definer_environment(text) IS
    'for SECURITY DEFINER functions: idm.current_environment(explicit), refusing (42501) one other than the setting unless the session user bypasses row-level security';

CREATE FUNCTION idm.check_email(value text, field text DEFAULT 'email') RETURNS boolean
    AS 'MODULE_PATHNAME', 'check_email' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION idm.check_email(text, text) IS
    'true if value is a plain address local@domain (dot-atom, RFC 1035 labels); raises 22023 saying why';
