-- Users (usersUser) with their profile (commonsUserProfile) in the same row,
-- and external identities (commonsExternalIdentity) per connection.

CREATE TABLE idm.users (
    environment_id        text NOT NULL REFERENCES idm.environments (id),
    id                    text NOT NULL DEFAULT idm.gen_id('usr')
                          CHECK (idm.check_id(id, 'usr', 'user id')),
    email                 text NOT NULL CHECK (idm.check_email(email)),
    external_id           text CHECK (idm.check_external_id(external_id)),
    metadata              jsonb NOT NULL DEFAULT '{}' CHECK (idm.check_metadata(metadata)),
    last_login_time       timestamptz,
    create_time           timestamptz NOT NULL DEFAULT now(),
    update_time           timestamptz NOT NULL DEFAULT now(),
    -- user_profile
    user_profile_id       text NOT NULL DEFAULT idm.gen_id('usp')
                          CHECK (idm.check_id(user_profile_id, 'usp', 'user profile id')),
    given_name            text NOT NULL DEFAULT '' CHECK (idm.check_length(given_name, 'given_name', 0, 255)),
    family_name           text NOT NULL DEFAULT '' CHECK (idm.check_length(family_name, 'family_name', 0, 255)),
    name                  text NOT NULL DEFAULT '' CHECK (idm.check_length(name, 'name', 0, 255)),
    preferred_username    text NOT NULL DEFAULT '' CHECK (idm.check_length(preferred_username, 'preferred_username', 0, 255)),
    gender                text NOT NULL DEFAULT '' CHECK (idm.check_length(gender, 'gender', 0, 64)),
    locale                text NOT NULL DEFAULT '' CHECK (idm.check_length(locale, 'locale', 0, 35)),
    phone_number          text NOT NULL DEFAULT '' CHECK (idm.check_length(phone_number, 'phone_number', 0, 32)),
    phone_number_verified boolean NOT NULL DEFAULT false,
    picture               text NOT NULL DEFAULT '' CHECK (idm.check_length(picture, 'picture', 0, 2048)),
    email_verified        boolean NOT NULL DEFAULT false,
    custom_attributes     jsonb CHECK (idm.check_metadata(custom_attributes, 'custom_attributes')),
    profile_metadata      jsonb NOT NULL DEFAULT '{}' CHECK (idm.check_metadata(profile_metadata, 'profile_metadata')),
    groups                text[],
    PRIMARY KEY (environment_id, id),
    CONSTRAINT users_external_id_key UNIQUE (environment_id, external_id),
    CONSTRAINT users_user_profile_id_key UNIQUE (environment_id, user_profile_id)
);
COMMENT ON TABLE idm.users IS 'users of an environment with their profile (user_profile.* columns)';
-- email is unique per environment regardless of case
CREATE UNIQUE INDEX users_email_key ON idm.users (environment_id, lower(email));

CREATE TRIGGER users_stamp_times BEFORE INSERT OR UPDATE ON idm.users
    FOR EACH ROW EXECUTE FUNCTION idm.stamp_times('create_time', 'update_time');

CREATE FUNCTION idm.keep_update_time() RETURNS trigger
    AS 'MODULE_PATHNAME', 'keep_update_time' LANGUAGE C;
COMMENT ON FUNCTION idm.keep_update_time() IS
    'BEFORE UPDATE trigger after stamp_times: keeps the update column (1st argument) when only the other named columns changed';
-- A login sets last_login_time without counting as a change of the account
-- (the API's examples show update_time older than last_login_time).  Fires
-- after users_stamp_times: triggers fire in name order.
CREATE TRIGGER users_stamp_times_keep_on_login BEFORE UPDATE ON idm.users
    FOR EACH ROW EXECUTE FUNCTION idm.keep_update_time('update_time', 'last_login_time');

SELECT pg_catalog.pg_extension_config_dump('idm.users', '');

CREATE FUNCTION idm.check_raw_attributes(value jsonb) RETURNS boolean
    AS 'MODULE_PATHNAME', 'check_raw_attributes' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION idm.check_raw_attributes(jsonb) IS
    'true if value is a JSON object (of any values); raises 22023 otherwise';

CREATE TABLE idm.external_identities (
    environment_id      text NOT NULL,
    user_id             text NOT NULL,
    connection_id       text NOT NULL CHECK (idm.check_id(connection_id, 'conn', 'connection_id')),
    connection_provider idm.connection_provider NOT NULL,
    connection_type     idm.connection_type NOT NULL,
    connection_user_id  text NOT NULL CHECK (idm.check_length(connection_user_id, 'connection_user_id', 1, 255)),
    is_social           boolean NOT NULL DEFAULT false,
    -- the attributes the identity provider sent, as it sent them
    raw_attributes      jsonb NOT NULL DEFAULT '{}' CHECK (idm.check_raw_attributes(raw_attributes)),
    created_time        timestamptz NOT NULL DEFAULT now(),
    updated_time        timestamptz NOT NULL DEFAULT now(),
    last_login_time     timestamptz,
    last_synced_time    timestamptz,
    PRIMARY KEY (environment_id, connection_id, connection_user_id),
    FOREIGN KEY (environment_id, user_id) REFERENCES idm.users (environment_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE idm.external_identities IS 'a user''s identity at an SSO or social connection';
-- events list a user's identities in this index's order
CREATE INDEX external_identities_user_idx
    ON idm.external_identities (environment_id, user_id, connection_id, connection_user_id);

CREATE TRIGGER external_identities_stamp_times BEFORE INSERT OR UPDATE ON idm.external_identities
    FOR EACH ROW EXECUTE FUNCTION idm.stamp_times('created_time', 'updated_time');

SELECT pg_catalog.pg_extension_config_dump('idm.external_identities', '');

-- Users API.  Users have no events of their own (the catalogue has none); they
-- appear nested in membership, invitation, signup, login and logout events.
-- NULL arguments keep a field (update) or take its default (create).

CREATE FUNCTION idm.create_user(
    email text,
    external_id text DEFAULT NULL,
    metadata jsonb DEFAULT NULL,
    given_name text DEFAULT NULL,
    family_name text DEFAULT NULL,
    name text DEFAULT NULL,
    preferred_username text DEFAULT NULL,
    gender text DEFAULT NULL,
    locale text DEFAULT NULL,
    phone_number text DEFAULT NULL,
    picture text DEFAULT NULL,
    custom_attributes jsonb DEFAULT NULL,
    profile_metadata jsonb DEFAULT NULL,
    groups text[] DEFAULT NULL,
    email_verified boolean DEFAULT NULL,
    phone_number_verified boolean DEFAULT NULL,
    environment_id text DEFAULT NULL)
RETURNS idm.users
LANGUAGE plpgsql AS $$
DECLARE
    u idm.users;
BEGIN
    INSERT INTO idm.users AS t (environment_id, email, external_id, metadata, given_name,
        family_name, name, preferred_username, gender, locale, phone_number, picture,
        custom_attributes, profile_metadata, groups, email_verified, phone_number_verified)
    VALUES (idm.current_environment(create_user.environment_id), create_user.email,
        create_user.external_id, coalesce(create_user.metadata, '{}'),
        coalesce(create_user.given_name, ''), coalesce(create_user.family_name, ''),
        coalesce(create_user.name, ''), coalesce(create_user.preferred_username, ''),
        coalesce(create_user.gender, ''), coalesce(create_user.locale, ''),
        coalesce(create_user.phone_number, ''), coalesce(create_user.picture, ''),
        create_user.custom_attributes, coalesce(create_user.profile_metadata, '{}'),
        create_user.groups, coalesce(create_user.email_verified, false),
        coalesce(create_user.phone_number_verified, false))
    RETURNING t.* INTO u;
    RETURN u;
END $$;
COMMENT ON FUNCTION idm.create_user(text, text, jsonb, text, text, text, text, text, text, text, text, jsonb, jsonb, text[], boolean, boolean, text) IS
    'inserts a user with its profile in the given (or current) environment and returns it; a duplicate email (any case) raises 23505 on users_email_key';

CREATE FUNCTION idm.update_user(
    id text,
    email text DEFAULT NULL,
    external_id text DEFAULT NULL,
    metadata jsonb DEFAULT NULL,
    given_name text DEFAULT NULL,
    family_name text DEFAULT NULL,
    name text DEFAULT NULL,
    preferred_username text DEFAULT NULL,
    gender text DEFAULT NULL,
    locale text DEFAULT NULL,
    phone_number text DEFAULT NULL,
    picture text DEFAULT NULL,
    custom_attributes jsonb DEFAULT NULL,
    profile_metadata jsonb DEFAULT NULL,
    groups text[] DEFAULT NULL,
    email_verified boolean DEFAULT NULL,
    phone_number_verified boolean DEFAULT NULL,
    environment_id text DEFAULT NULL)
RETURNS idm.users
LANGUAGE plpgsql AS $$
DECLARE
    u idm.users;
BEGIN
    UPDATE idm.users t SET
        email                 = coalesce(update_user.email, t.email),
        external_id           = coalesce(update_user.external_id, t.external_id),
        metadata              = coalesce(update_user.metadata, t.metadata),
        given_name            = coalesce(update_user.given_name, t.given_name),
        family_name           = coalesce(update_user.family_name, t.family_name),
        name                  = coalesce(update_user.name, t.name),
        preferred_username    = coalesce(update_user.preferred_username, t.preferred_username),
        gender                = coalesce(update_user.gender, t.gender),
        locale                = coalesce(update_user.locale, t.locale),
        phone_number          = coalesce(update_user.phone_number, t.phone_number),
        picture               = coalesce(update_user.picture, t.picture),
        custom_attributes     = coalesce(update_user.custom_attributes, t.custom_attributes),
        profile_metadata      = coalesce(update_user.profile_metadata, t.profile_metadata),
        groups                = coalesce(update_user.groups, t.groups),
        email_verified        = coalesce(update_user.email_verified, t.email_verified),
        phone_number_verified = coalesce(update_user.phone_number_verified, t.phone_number_verified)
    WHERE t.environment_id = idm.current_environment(update_user.environment_id)
      AND t.id = update_user.id
    RETURNING t.* INTO u;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user "%" does not exist', update_user.id
            USING ERRCODE = 'P0002',
                  HINT = 'Check the id and the environment (idm.environment_id).';
    END IF;
    RETURN u;
END $$;
COMMENT ON FUNCTION idm.update_user(text, text, text, jsonb, text, text, text, text, text, text, text, text, jsonb, jsonb, text[], boolean, boolean, text) IS
    'updates the given (non-NULL) fields of a user and its profile; raises P0002 if missing';

CREATE FUNCTION idm.delete_user(id text, environment_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM idm.users t
    WHERE t.environment_id = idm.current_environment(delete_user.environment_id)
      AND t.id = delete_user.id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user "%" does not exist', delete_user.id
            USING ERRCODE = 'P0002',
                  HINT = 'Check the id and the environment (idm.environment_id).';
    END IF;
END $$;
COMMENT ON FUNCTION idm.delete_user(text, text) IS
    'deletes a user with its identities, sessions and memberships (each ACTIVE or INACTIVE one emits user.organization_membership_deleted); raises P0002 if missing';

-- Raises P0002 unless the user exists; shared by the functions below.
CREATE FUNCTION idm.require_user(user_id text, environment_id text)
RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    PERFORM FROM idm.users u
    WHERE u.environment_id = require_user.environment_id AND u.id = require_user.user_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user "%" does not exist', require_user.user_id
            USING ERRCODE = 'P0002',
                  HINT = 'Check the id and the environment (idm.environment_id).';
    END IF;
END $$;
COMMENT ON FUNCTION idm.require_user(text, text) IS
    'raises P0002 unless the user exists in the environment';

CREATE FUNCTION idm.add_external_identity(
    user_id text,
    connection_id text,
    connection_provider idm.connection_provider,
    connection_type idm.connection_type,
    connection_user_id text,
    is_social boolean DEFAULT false,
    raw_attributes jsonb DEFAULT NULL,
    environment_id text DEFAULT NULL)
RETURNS idm.external_identities
LANGUAGE plpgsql AS $$
DECLARE
    env text := idm.current_environment(add_external_identity.environment_id);
    x idm.external_identities;
BEGIN
    PERFORM idm.require_user(add_external_identity.user_id, env);
    INSERT INTO idm.external_identities AS t (environment_id, user_id, connection_id,
        connection_provider, connection_type, connection_user_id, is_social, raw_attributes)
    VALUES (env, add_external_identity.user_id, add_external_identity.connection_id,
        add_external_identity.connection_provider, add_external_identity.connection_type,
        add_external_identity.connection_user_id, add_external_identity.is_social,
        coalesce(add_external_identity.raw_attributes, '{}'))
    RETURNING t.* INTO x;
    RETURN x;
END $$;
COMMENT ON FUNCTION idm.add_external_identity(text, text, idm.connection_provider, idm.connection_type, text, boolean, jsonb, text) IS
    'links a user to its identity at a connection; raises P0002 if the user is missing, 23505 if the identity is linked already';

CREATE FUNCTION idm.update_external_identity(
    connection_id text,
    connection_user_id text,
    last_login_time timestamptz DEFAULT NULL,
    last_synced_time timestamptz DEFAULT NULL,
    raw_attributes jsonb DEFAULT NULL,
    is_social boolean DEFAULT NULL,
    environment_id text DEFAULT NULL)
RETURNS idm.external_identities
LANGUAGE plpgsql AS $$
DECLARE
    x idm.external_identities;
BEGIN
    UPDATE idm.external_identities t SET
        last_login_time  = coalesce(update_external_identity.last_login_time, t.last_login_time),
        last_synced_time = coalesce(update_external_identity.last_synced_time, t.last_synced_time),
        raw_attributes   = coalesce(update_external_identity.raw_attributes, t.raw_attributes),
        is_social        = coalesce(update_external_identity.is_social, t.is_social)
    WHERE t.environment_id = idm.current_environment(update_external_identity.environment_id)
      AND t.connection_id = update_external_identity.connection_id
      AND t.connection_user_id = update_external_identity.connection_user_id
    RETURNING t.* INTO x;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'external identity "%" of connection "%" does not exist',
                update_external_identity.connection_user_id, update_external_identity.connection_id
            USING ERRCODE = 'P0002',
                  HINT = 'Link it first with idm.add_external_identity().';
    END IF;
    RETURN x;
END $$;
COMMENT ON FUNCTION idm.update_external_identity(text, text, timestamptz, timestamptz, jsonb, boolean, text) IS
    'records a login or sync through an external identity (non-NULL fields); raises P0002 if missing';

CREATE FUNCTION idm.delete_external_identity(connection_id text, connection_user_id text,
    environment_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM idm.external_identities t
    WHERE t.environment_id = idm.current_environment(delete_external_identity.environment_id)
      AND t.connection_id = delete_external_identity.connection_id
      AND t.connection_user_id = delete_external_identity.connection_user_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'external identity "%" of connection "%" does not exist',
                delete_external_identity.connection_user_id, delete_external_identity.connection_id
            USING ERRCODE = 'P0002',
                  HINT = 'Check the ids and the environment (idm.environment_id).';
    END IF;
END $$;
COMMENT ON FUNCTION idm.delete_external_identity(text, text, text) IS
    'unlinks an external identity; raises P0002 if missing';

-- Support hash: lower-case hex HMAC-SHA256 of the user's email, lower-cased,
-- keyed with the environment's support_hash_secret.  A support widget given
-- the email and this hash can trust that the app vouched for the email.
CREATE FUNCTION idm.support_hash_of(secret bytea, email text) RETURNS text
    AS 'MODULE_PATHNAME', 'support_hash_of' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION idm.support_hash_of(bytea, text) IS
    'hex HMAC-SHA256 of lower(email) keyed with secret (at least 32 bytes)';

-- SECURITY DEFINER: the app computes support hashes but must not read the
-- secret (only privileged roles read idm.environments.support_hash_secret);
-- idm.definer_environment keeps it to the session's environment.
CREATE FUNCTION idm.support_hash(user_id text, environment_id text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, idm, pg_temp AS $$
DECLARE
    hash text;
BEGIN
    SELECT idm.support_hash_of(e.support_hash_secret, u.email) INTO hash
    FROM idm.users u JOIN idm.environments e ON e.id = u.environment_id
    WHERE u.environment_id = idm.definer_environment(support_hash.environment_id)
      AND u.id = support_hash.user_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user "%" does not exist', support_hash.user_id
            USING ERRCODE = 'P0002',
                  HINT = 'Check the id and the environment (idm.environment_id).';
    END IF;
    RETURN hash;
END $$;
REVOKE ALL ON FUNCTION idm.support_hash(text, text) FROM PUBLIC;
COMMENT ON FUNCTION idm.support_hash(text, text) IS
    'the support hash of a user: hex HMAC-SHA256 of its lower-cased email with the environment''s support_hash_secret';
