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

SELECT pg_catalog.pg_extension_config_dump('idm.users', '');

CREATE TABLE idm.external_identities (
    environment_id      text NOT NULL,
    user_id             text NOT NULL,
    connection_id       text NOT NULL CHECK (idm.check_id(connection_id, 'conn', 'connection_id')),
    connection_provider idm.connection_provider NOT NULL,
    connection_type     idm.connection_type NOT NULL,
    connection_user_id  text NOT NULL CHECK (idm.check_length(connection_user_id, 'connection_user_id', 1, 255)),
    is_social           boolean NOT NULL DEFAULT false,
    created_time        timestamptz NOT NULL DEFAULT now(),
    last_login_time     timestamptz,
    last_synced_time    timestamptz,
    PRIMARY KEY (environment_id, connection_id, connection_user_id),
    FOREIGN KEY (environment_id, user_id) REFERENCES idm.users (environment_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE idm.external_identities IS 'a user''s identity at an SSO or social connection';
CREATE INDEX external_identities_user_idx ON idm.external_identities (environment_id, user_id);

SELECT pg_catalog.pg_extension_config_dump('idm.external_identities', '');
