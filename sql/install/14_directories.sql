-- SCIM directories (directoriesDirectory), their users and groups
-- (directoriesDirectoryUser / Group), group membership and group -> role
-- assignments.
--
-- Every key leads with environment_id, and every child carries the
-- organization_id and directory_id of its parent inside its foreign key, so
-- a user, group, membership or role assignment can only point at rows of
-- its own environment, organization and directory.
--
-- Events: enabling or disabling a directory emits
-- organization.directory_enabled / _disabled (creating or deleting one
-- emits nothing: the catalogue has no such webhook).  Directory users and
-- groups emit organization.directory.user_* / group_* from C row triggers;
-- a change to a user's groups, or to the roles those groups grant, emits
-- user_updated for that user, since its event carries "groups" and "roles".

CREATE FUNCTION idm.check_attributes(value jsonb, field text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'check_attributes' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION idm.check_attributes(jsonb, text) IS
    'true if value is a JSON object with non-empty keys, at most 256 kB; raises 22023 naming the field otherwise';

-- A directory's setup status, as the API reports it.
CREATE FUNCTION idm.check_directory_status(value text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
    IF value NOT IN ('DRAFT', 'IN_PROGRESS', 'COMPLETED') THEN
        RAISE EXCEPTION 'invalid directory status "%"', value
            USING ERRCODE = '22023',
                  HINT = 'A directory''s status is DRAFT, IN_PROGRESS or COMPLETED.';
    END IF;
    RETURN true;
END $$;
COMMENT ON FUNCTION idm.check_directory_status(text) IS
    'true if value is DRAFT, IN_PROGRESS or COMPLETED; raises 22023 naming it otherwise';

CREATE TABLE idm.directories (
    environment_id     text NOT NULL,
    id                 text NOT NULL DEFAULT idm.gen_id('dir')
                       CHECK (idm.check_id(id, 'dir', 'directory id')),
    organization_id    text NOT NULL,
    name               text CHECK (idm.check_length(name, 'name', 1, 255)),
    directory_type     idm.directory_type NOT NULL DEFAULT 'SCIM',
    directory_provider idm.directory_provider NOT NULL,
    enabled            boolean NOT NULL DEFAULT false,
    -- setup progress, as the API reports it ("IN_PROGRESS" in its example)
    status             text NOT NULL DEFAULT 'IN_PROGRESS'
                       CONSTRAINT directories_status_check
                       CHECK (idm.check_directory_status(status)),
    -- end of the last complete sync run, set by idm.mark_directory_synced
    last_synced_at     timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (environment_id, id),
    -- the target of the children's foreign keys, which carry organization_id
    CONSTRAINT directories_organization_id_id_key UNIQUE (environment_id, organization_id, id),
    FOREIGN KEY (environment_id, organization_id)
        REFERENCES idm.organizations (environment_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE idm.directories IS
    'directory sync connections of organizations; enabling/disabling emits organization.directory_enabled/_disabled';
CREATE INDEX directories_organization_idx ON idm.directories (environment_id, organization_id);

CREATE TRIGGER directories_stamp_times BEFORE INSERT OR UPDATE ON idm.directories
    FOR EACH ROW EXECUTE FUNCTION idm.stamp_times('created_at', 'updated_at');

CREATE FUNCTION idm.directory_events() RETURNS trigger
    AS 'MODULE_PATHNAME', 'directory_events' LANGUAGE C;
COMMENT ON FUNCTION idm.directory_events() IS
    'AFTER UPDATE trigger: writes organization.directory_enabled / _disabled when enabled flips';
CREATE TRIGGER directories_events AFTER UPDATE ON idm.directories
    FOR EACH ROW WHEN (OLD.enabled IS DISTINCT FROM NEW.enabled)
    EXECUTE FUNCTION idm.directory_events();

SELECT pg_catalog.pg_extension_config_dump('idm.directories', '');

-- Directory users.  The standard attributes are columns; strings default to
-- '' so events always carry strings, as the API's examples do.
CREATE TABLE idm.directory_users (
    environment_id     text NOT NULL,
    id                 text NOT NULL DEFAULT idm.gen_id('diruser')
                       CHECK (idm.check_id(id, 'diruser', 'directory user id')),
    organization_id    text NOT NULL,
    directory_id       text NOT NULL,
    -- the directory provider's id of the user
    dp_id              text NOT NULL CHECK (idm.check_external_id(dp_id, 'dp_id')),
    email              text NOT NULL CHECK (idm.check_email(email)),
    active             boolean NOT NULL DEFAULT true,
    preferred_username text NOT NULL DEFAULT '' CHECK (idm.check_length(preferred_username, 'preferred_username', 0, 255)),
    name               text NOT NULL DEFAULT '' CHECK (idm.check_length(name, 'name', 0, 255)),
    given_name         text NOT NULL DEFAULT '' CHECK (idm.check_length(given_name, 'given_name', 0, 255)),
    family_name        text NOT NULL DEFAULT '' CHECK (idm.check_length(family_name, 'family_name', 0, 255)),
    nickname           text NOT NULL DEFAULT '' CHECK (idm.check_length(nickname, 'nickname', 0, 255)),
    picture            text NOT NULL DEFAULT '' CHECK (idm.check_length(picture, 'picture', 0, 2048)),
    profile            text NOT NULL DEFAULT '' CHECK (idm.check_length(profile, 'profile', 0, 2048)),
    phone_number       text NOT NULL DEFAULT '' CHECK (idm.check_length(phone_number, 'phone_number', 0, 32)),
    locale             text NOT NULL DEFAULT '' CHECK (idm.check_length(locale, 'locale', 0, 35)),
    language           text NOT NULL DEFAULT '' CHECK (idm.check_length(language, 'language', 0, 35)),
    zoneinfo           text NOT NULL DEFAULT '' CHECK (idm.check_length(zoneinfo, 'zoneinfo', 0, 64)),
    title              text NOT NULL DEFAULT '' CHECK (idm.check_length(title, 'title', 0, 255)),
    department         text NOT NULL DEFAULT '' CHECK (idm.check_length(department, 'department', 0, 255)),
    division           text NOT NULL DEFAULT '' CHECK (idm.check_length(division, 'division', 0, 255)),
    cost_center        text NOT NULL DEFAULT '' CHECK (idm.check_length(cost_center, 'cost_center', 0, 255)),
    employee_id        text NOT NULL DEFAULT '' CHECK (idm.check_length(employee_id, 'employee_id', 0, 255)),
    organization       text NOT NULL DEFAULT '' CHECK (idm.check_length(organization, 'organization', 0, 255)),
    user_type          text NOT NULL DEFAULT '' CHECK (idm.check_length(user_type, 'user_type', 0, 255)),
    address            jsonb NOT NULL DEFAULT '{}' CHECK (idm.check_metadata(address, 'address')),
    custom_attributes  jsonb NOT NULL DEFAULT '{}' CHECK (idm.check_attributes(custom_attributes, 'custom_attributes')),
    -- the provider's payload as received
    raw_attributes     jsonb NOT NULL DEFAULT '{}' CHECK (idm.check_attributes(raw_attributes, 'raw_attributes')),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (environment_id, id),
    CONSTRAINT directory_users_dp_id_key UNIQUE (environment_id, directory_id, dp_id),
    CONSTRAINT directory_users_scope_key UNIQUE (environment_id, organization_id, directory_id, id),
    CONSTRAINT directory_users_directory_fkey FOREIGN KEY (environment_id, organization_id, directory_id)
        REFERENCES idm.directories (environment_id, organization_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE idm.directory_users IS
    'users synced from a directory provider; changes emit organization.directory.user_* events';
-- No index on (environment_id, directory_id, updated_at) for the stats: with
-- the same leading columns as directory_users_dp_id_key, a planner without
-- statistics (a first sync) could pick it for lookups by dp_id.
CREATE INDEX directory_users_email_idx ON idm.directory_users (environment_id, lower(email));

CREATE TRIGGER directory_users_stamp_times BEFORE INSERT OR UPDATE ON idm.directory_users
    FOR EACH ROW EXECUTE FUNCTION idm.stamp_times('created_at', 'updated_at');

CREATE FUNCTION idm.directory_user_events() RETURNS trigger
    AS 'MODULE_PATHNAME', 'directory_user_events' LANGUAGE C;
COMMENT ON FUNCTION idm.directory_user_events() IS
    'AFTER ROW trigger: writes organization.directory.user_created / updated / deleted events';
CREATE TRIGGER directory_users_events AFTER INSERT OR UPDATE OR DELETE ON idm.directory_users
    FOR EACH ROW EXECUTE FUNCTION idm.directory_user_events();

SELECT pg_catalog.pg_extension_config_dump('idm.directory_users', '');

CREATE TABLE idm.directory_groups (
    environment_id  text NOT NULL,
    id              text NOT NULL DEFAULT idm.gen_id('dirgroup')
                    CHECK (idm.check_id(id, 'dirgroup', 'directory group id')),
    organization_id text NOT NULL,
    directory_id    text NOT NULL,
    -- the directory provider's id of the group
    dp_id           text NOT NULL CHECK (idm.check_external_id(dp_id, 'dp_id')),
    display_name    text NOT NULL CHECK (idm.check_length(display_name, 'display_name', 1, 255)),
    -- the SCIM client's externalId, when it sends one
    external_id     text CHECK (idm.check_external_id(external_id)),
    raw_attributes  jsonb NOT NULL DEFAULT '{}' CHECK (idm.check_attributes(raw_attributes, 'raw_attributes')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (environment_id, id),
    CONSTRAINT directory_groups_dp_id_key UNIQUE (environment_id, directory_id, dp_id),
    CONSTRAINT directory_groups_scope_key UNIQUE (environment_id, organization_id, directory_id, id),
    CONSTRAINT directory_groups_directory_fkey FOREIGN KEY (environment_id, organization_id, directory_id)
        REFERENCES idm.directories (environment_id, organization_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE idm.directory_groups IS
    'groups synced from a directory provider; changes emit organization.directory.group_* events';

CREATE TRIGGER directory_groups_stamp_times BEFORE INSERT OR UPDATE ON idm.directory_groups
    FOR EACH ROW EXECUTE FUNCTION idm.stamp_times('created_at', 'updated_at');

CREATE FUNCTION idm.directory_group_events() RETURNS trigger
    AS 'MODULE_PATHNAME', 'directory_group_events' LANGUAGE C;
COMMENT ON FUNCTION idm.directory_group_events() IS
    'AFTER ROW trigger: writes organization.directory.group_created / updated / deleted events';
CREATE TRIGGER directory_groups_events AFTER INSERT OR UPDATE OR DELETE ON idm.directory_groups
    FOR EACH ROW EXECUTE FUNCTION idm.directory_group_events();

SELECT pg_catalog.pg_extension_config_dump('idm.directory_groups', '');

-- Group membership.  One directory_id column feeds both foreign keys, so a
-- user and a group of different directories cannot be linked.
CREATE TABLE idm.directory_user_groups (
    environment_id  text NOT NULL,
    organization_id text NOT NULL,
    directory_id    text NOT NULL,
    user_id         text NOT NULL,
    group_id        text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- user and group ids are unique per environment: the keys need no directory_id
    PRIMARY KEY (environment_id, user_id, group_id),
    CONSTRAINT directory_user_groups_user_fkey FOREIGN KEY (environment_id, organization_id, directory_id, user_id)
        REFERENCES idm.directory_users (environment_id, organization_id, directory_id, id) ON DELETE CASCADE,
    CONSTRAINT directory_user_groups_group_fkey FOREIGN KEY (environment_id, organization_id, directory_id, group_id)
        REFERENCES idm.directory_groups (environment_id, organization_id, directory_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE idm.directory_user_groups IS
    'which directory users are in which directory groups; changes emit user_updated for the user';
CREATE INDEX directory_user_groups_group_idx ON idm.directory_user_groups (environment_id, group_id, user_id);

CREATE FUNCTION idm.directory_user_group_events() RETURNS trigger
    AS 'MODULE_PATHNAME', 'directory_user_group_events' LANGUAGE C;
COMMENT ON FUNCTION idm.directory_user_group_events() IS
    'AFTER ROW trigger: writes organization.directory.user_updated for a user whose groups changed';
CREATE TRIGGER directory_user_groups_events AFTER INSERT OR UPDATE OR DELETE ON idm.directory_user_groups
    FOR EACH ROW EXECUTE FUNCTION idm.directory_user_group_events();

SELECT pg_catalog.pg_extension_config_dump('idm.directory_user_groups', '');

-- Group -> role assignments: members of the group get the role by NAME.
-- No foreign key to idm.roles yet (written in parallel): the name is only
-- checked for length until one is added on (environment_id, role_name).
CREATE TABLE idm.directory_group_roles (
    environment_id  text NOT NULL,
    organization_id text NOT NULL,
    directory_id    text NOT NULL,
    group_id        text NOT NULL,
    role_name       text NOT NULL CHECK (idm.check_length(role_name, 'role_name', 1, 100)),
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (environment_id, group_id, role_name),
    CONSTRAINT directory_group_roles_group_fkey FOREIGN KEY (environment_id, organization_id, directory_id, group_id)
        REFERENCES idm.directory_groups (environment_id, organization_id, directory_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE idm.directory_group_roles IS
    'roles granted to the members of a directory group; changes emit user_updated for members whose roles changed';

CREATE FUNCTION idm.directory_group_role_events() RETURNS trigger
    AS 'MODULE_PATHNAME', 'directory_group_role_events' LANGUAGE C;
COMMENT ON FUNCTION idm.directory_group_role_events() IS
    'AFTER ROW trigger: writes organization.directory.user_updated for each member whose set of roles changed';
CREATE TRIGGER directory_group_roles_events AFTER INSERT OR UPDATE OR DELETE ON idm.directory_group_roles
    FOR EACH ROW EXECUTE FUNCTION idm.directory_group_role_events();

SELECT pg_catalog.pg_extension_config_dump('idm.directory_group_roles', '');

-- Directory API.  Plain INSERT/UPDATE/DELETE on the tables work and emit the
-- same events; the sync functions below add lookups by the provider's id
-- (dp_id) and refuse to write into a disabled directory (55000).  Missing
-- rows raise P0002.

-- Raises P0002 for a missing row: '<what> "<key>" does not exist', and
-- ' in directory "<directory_id>"' when given.
CREATE FUNCTION idm.directory_not_found(what text, key text, directory_id text DEFAULT NULL,
                                        hint text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION '% "%" does not exist%', what, key,
          coalesce(' in directory "' || directory_id || '"', '')
        USING ERRCODE = 'P0002',
              HINT = coalesce(hint, 'Check the id and the environment (idm.environment_id).');
END $$;
COMMENT ON FUNCTION idm.directory_not_found(text, text, text, text) IS
    'raises P0002 naming a missing row of the directory API; used by its functions';

CREATE FUNCTION idm.create_directory(
    organization_id text,
    directory_provider idm.directory_provider,
    directory_type idm.directory_type DEFAULT 'SCIM',
    name text DEFAULT NULL,
    environment_id text DEFAULT NULL)
RETURNS idm.directories
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    env text := idm.current_environment(environment_id);
    d idm.directories;
BEGIN
    PERFORM FROM idm.organizations o WHERE o.environment_id = env AND o.id = organization_id;
    IF NOT FOUND THEN
        PERFORM idm.directory_not_found('organization', organization_id);
    END IF;
    INSERT INTO idm.directories AS t (environment_id, organization_id, directory_provider,
                                      directory_type, name)
    VALUES (env, organization_id, directory_provider, directory_type, name)
    RETURNING t.* INTO d;
    RETURN d;
END $$;
COMMENT ON FUNCTION idm.create_directory(text, idm.directory_provider, idm.directory_type, text, text) IS
    'creates a disabled directory for an organization (no event); raises P0002 if the organization is missing';

-- The directory row, else P0002.
CREATE FUNCTION idm.find_directory(id text, environment_id text DEFAULT NULL)
RETURNS idm.directories
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    d idm.directories;
BEGIN
    SELECT * INTO d FROM idm.directories t
    WHERE t.environment_id = idm.current_environment(environment_id) AND t.id = id;
    IF NOT FOUND THEN
        PERFORM idm.directory_not_found('directory', id);
    END IF;
    RETURN d;
END $$;
COMMENT ON FUNCTION idm.find_directory(text, text) IS
    'the directory with this id in the given (or current) environment; raises P0002 if missing';

-- The directory a sync function writes into: it must exist and be enabled.
CREATE FUNCTION idm.directory_for_sync(id text, environment_id text DEFAULT NULL)
RETURNS idm.directories
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    d idm.directories := idm.find_directory(id, environment_id);
BEGIN
    IF NOT d.enabled THEN
        RAISE EXCEPTION 'directory "%" is disabled', d.id
            USING ERRCODE = '55000',
                  DETAIL = 'A disabled directory does not sync users or groups.',
                  HINT = 'Enable it first with idm.enable_directory(id).';
    END IF;
    RETURN d;
END $$;
COMMENT ON FUNCTION idm.directory_for_sync(text, text) IS
    'the directory, checked to exist (P0002) and be enabled (55000); used by the sync functions';

CREATE FUNCTION idm.set_directory_enabled(id text, enabled boolean, environment_id text DEFAULT NULL)
RETURNS idm.directories
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    d idm.directories := idm.find_directory(id, environment_id);
    changed idm.directories;
BEGIN
    -- a no-op when already in that state: no new row version, no event
    UPDATE idm.directories t SET enabled = enabled
    WHERE t.environment_id = d.environment_id AND t.id = d.id AND t.enabled <> enabled
    RETURNING t.* INTO changed;
    IF FOUND THEN
        RETURN changed;
    END IF;
    -- already so, maybe by a concurrent call this one waited for: read it anew
    RETURN idm.find_directory(d.id, d.environment_id);
END $$;
COMMENT ON FUNCTION idm.set_directory_enabled(text, boolean, text) IS
    'enables or disables a directory, emitting organization.directory_enabled/_disabled if that changed it; P0002 if missing';

CREATE FUNCTION idm.enable_directory(id text, environment_id text DEFAULT NULL)
RETURNS idm.directories
LANGUAGE sql AS $$ SELECT idm.set_directory_enabled(id, true, environment_id) $$;
COMMENT ON FUNCTION idm.enable_directory(text, text) IS
    'enables a directory; emits organization.directory_enabled unless it already was; P0002 if missing';

CREATE FUNCTION idm.disable_directory(id text, environment_id text DEFAULT NULL)
RETURNS idm.directories
LANGUAGE sql AS $$ SELECT idm.set_directory_enabled(id, false, environment_id) $$;
COMMENT ON FUNCTION idm.disable_directory(text, text) IS
    'disables a directory; emits organization.directory_disabled unless it already was; P0002 if missing';

CREATE FUNCTION idm.mark_directory_synced(id text, synced_at timestamptz DEFAULT now(),
                                          environment_id text DEFAULT NULL)
RETURNS idm.directories
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    d idm.directories := idm.find_directory(id, environment_id);
BEGIN
    UPDATE idm.directories t SET last_synced_at = synced_at
    WHERE t.environment_id = d.environment_id AND t.id = d.id
    RETURNING t.* INTO d;
    RETURN d;
END $$;
COMMENT ON FUNCTION idm.mark_directory_synced(text, timestamptz, text) IS
    'records the end of a complete sync run in last_synced_at (no event); P0002 if missing';

-- Computed, not maintained: counters on the directory row would make every
-- concurrent sync request of a directory queue on that one row.  Each table
-- is read once over the directory's range of its dp_id key: a dashboard
-- call, O(users + groups), not a hot path.
CREATE FUNCTION idm.directory_stats(id text, environment_id text DEFAULT NULL,
    OUT total_users integer, OUT total_groups integer,
    OUT user_updated_at timestamptz, OUT group_updated_at timestamptz,
    OUT last_synced_at timestamptz)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    d idm.directories := idm.find_directory(id, environment_id);
BEGIN
    SELECT count(*), max(u.updated_at) INTO total_users, user_updated_at
    FROM idm.directory_users u WHERE u.environment_id = d.environment_id AND u.directory_id = d.id;
    SELECT count(*), max(g.updated_at) INTO total_groups, group_updated_at
    FROM idm.directory_groups g WHERE g.environment_id = d.environment_id AND g.directory_id = d.id;
    last_synced_at := d.last_synced_at;
END $$;
COMMENT ON FUNCTION idm.directory_stats(text, text) IS
    'directoriesStats of a directory: user and group counts, latest updates, last sync; P0002 if missing';

CREATE FUNCTION idm.delete_directory(id text, environment_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    d idm.directories := idm.find_directory(id, environment_id);
BEGIN
    DELETE FROM idm.directories t WHERE t.environment_id = d.environment_id AND t.id = d.id;
END $$;
COMMENT ON FUNCTION idm.delete_directory(text, text) IS
    'deletes a directory with its users and groups (which emit user_deleted / group_deleted); P0002 if missing';

-- Sync upserts.  The WHERE of DO UPDATE skips rows that would not change,
-- so a full re-sync of unchanged users writes and emits nothing.

CREATE FUNCTION idm.upsert_directory_user(
    directory_id text,
    dp_id text,
    email text,
    active boolean DEFAULT true,
    preferred_username text DEFAULT '',
    name text DEFAULT '',
    given_name text DEFAULT '',
    family_name text DEFAULT '',
    nickname text DEFAULT '',
    picture text DEFAULT '',
    profile text DEFAULT '',
    phone_number text DEFAULT '',
    locale text DEFAULT '',
    language text DEFAULT '',
    zoneinfo text DEFAULT '',
    title text DEFAULT '',
    department text DEFAULT '',
    division text DEFAULT '',
    cost_center text DEFAULT '',
    employee_id text DEFAULT '',
    organization text DEFAULT '',
    user_type text DEFAULT '',
    address jsonb DEFAULT '{}',
    custom_attributes jsonb DEFAULT '{}',
    raw_attributes jsonb DEFAULT '{}',
    environment_id text DEFAULT NULL)
RETURNS idm.directory_users
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    d idm.directories := idm.directory_for_sync(directory_id, environment_id);
    u idm.directory_users;
BEGIN
    INSERT INTO idm.directory_users AS t (
        environment_id, organization_id, directory_id, dp_id, email, active,
        preferred_username, name, given_name, family_name, nickname, picture, profile,
        phone_number, locale, language, zoneinfo, title, department, division,
        cost_center, employee_id, organization, user_type,
        address, custom_attributes, raw_attributes)
    VALUES (
        d.environment_id, d.organization_id, d.id, dp_id, email, coalesce(active, true),
        coalesce(preferred_username, ''), coalesce(name, ''), coalesce(given_name, ''),
        coalesce(family_name, ''), coalesce(nickname, ''), coalesce(picture, ''),
        coalesce(profile, ''), coalesce(phone_number, ''), coalesce(locale, ''),
        coalesce(language, ''), coalesce(zoneinfo, ''), coalesce(title, ''),
        coalesce(department, ''), coalesce(division, ''), coalesce(cost_center, ''),
        coalesce(employee_id, ''), coalesce(organization, ''), coalesce(user_type, ''),
        coalesce(address, '{}'), coalesce(custom_attributes, '{}'), coalesce(raw_attributes, '{}'))
    ON CONFLICT ON CONSTRAINT directory_users_dp_id_key DO UPDATE SET
        email = EXCLUDED.email, active = EXCLUDED.active,
        preferred_username = EXCLUDED.preferred_username, name = EXCLUDED.name,
        given_name = EXCLUDED.given_name, family_name = EXCLUDED.family_name,
        nickname = EXCLUDED.nickname, picture = EXCLUDED.picture, profile = EXCLUDED.profile,
        phone_number = EXCLUDED.phone_number, locale = EXCLUDED.locale,
        language = EXCLUDED.language, zoneinfo = EXCLUDED.zoneinfo, title = EXCLUDED.title,
        department = EXCLUDED.department, division = EXCLUDED.division,
        cost_center = EXCLUDED.cost_center, employee_id = EXCLUDED.employee_id,
        organization = EXCLUDED.organization, user_type = EXCLUDED.user_type,
        address = EXCLUDED.address, custom_attributes = EXCLUDED.custom_attributes,
        raw_attributes = EXCLUDED.raw_attributes
    WHERE to_jsonb(t) - '{id,created_at,updated_at}'::text[]
          IS DISTINCT FROM to_jsonb(EXCLUDED) - '{id,created_at,updated_at}'::text[]
    RETURNING t.* INTO u;
    IF NOT FOUND THEN           -- it exists and nothing changed
        SELECT * INTO u FROM idm.directory_users t
        WHERE t.environment_id = d.environment_id AND t.directory_id = d.id AND t.dp_id = dp_id;
    END IF;
    RETURN u;
END $$;
COMMENT ON FUNCTION idm.upsert_directory_user(text, text, text, boolean, text, text, text, text,
    text, text, text, text, text, text, text, text, text, text, text, text, text, text, jsonb,
    jsonb, jsonb, text) IS
    'inserts or replaces a directory user by (directory, dp_id); emits user_created / user_updated, nothing if unchanged';

CREATE FUNCTION idm.upsert_directory_group(
    directory_id text,
    dp_id text,
    display_name text,
    external_id text DEFAULT NULL,
    raw_attributes jsonb DEFAULT '{}',
    members text[] DEFAULT NULL,
    environment_id text DEFAULT NULL)
RETURNS idm.directory_groups
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    d idm.directories := idm.directory_for_sync(directory_id, environment_id);
    g idm.directory_groups;
    missing text;
BEGIN
    INSERT INTO idm.directory_groups AS t (environment_id, organization_id, directory_id, dp_id,
                                           display_name, external_id, raw_attributes)
    VALUES (d.environment_id, d.organization_id, d.id, dp_id, display_name, external_id,
            coalesce(raw_attributes, '{}'))
    ON CONFLICT ON CONSTRAINT directory_groups_dp_id_key DO UPDATE SET
        display_name = EXCLUDED.display_name, external_id = EXCLUDED.external_id,
        raw_attributes = EXCLUDED.raw_attributes
    WHERE to_jsonb(t) - '{id,created_at,updated_at}'::text[]
          IS DISTINCT FROM to_jsonb(EXCLUDED) - '{id,created_at,updated_at}'::text[]
    RETURNING t.* INTO g;
    IF NOT FOUND THEN
        SELECT * INTO g FROM idm.directory_groups t
        WHERE t.environment_id = d.environment_id AND t.directory_id = d.id AND t.dp_id = dp_id;
    END IF;
    IF members IS NULL THEN
        RETURN g;
    END IF;
    -- members: the dp_ids of the users the group holds now
    SELECT m INTO missing FROM unnest(members) m
    WHERE NOT EXISTS (SELECT FROM idm.directory_users u
                      WHERE u.environment_id = d.environment_id AND u.directory_id = d.id
                        AND u.dp_id = m)
    LIMIT 1;
    IF FOUND THEN
        PERFORM idm.directory_not_found('directory user with dp_id', missing, d.id,
                                        'Upsert the group''s users before the group''s members.');
    END IF;
    DELETE FROM idm.directory_user_groups x USING idm.directory_users u
    WHERE x.environment_id = d.environment_id AND x.group_id = g.id
      AND u.environment_id = x.environment_id AND u.id = x.user_id AND u.dp_id <> ALL (members);
    INSERT INTO idm.directory_user_groups (environment_id, organization_id, directory_id, user_id, group_id)
    SELECT d.environment_id, d.organization_id, d.id, u.id, g.id
    FROM idm.directory_users u
    WHERE u.environment_id = d.environment_id AND u.directory_id = d.id AND u.dp_id = ANY (members)
    ORDER BY u.id
    ON CONFLICT DO NOTHING;
    RETURN g;
END $$;
COMMENT ON FUNCTION idm.upsert_directory_group(text, text, text, text, jsonb, text[], text) IS
    'inserts or replaces a directory group by (directory, dp_id) and, given members (user dp_ids), sets its membership; emits only for what changed';

CREATE FUNCTION idm.delete_directory_user(directory_id text, dp_id text, environment_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    d idm.directories := idm.directory_for_sync(directory_id, environment_id);
BEGIN
    DELETE FROM idm.directory_users t
    WHERE t.environment_id = d.environment_id AND t.directory_id = d.id AND t.dp_id = dp_id;
    IF NOT FOUND THEN
        PERFORM idm.directory_not_found('directory user with dp_id', dp_id, d.id, 'Check the dp_id.');
    END IF;
END $$;
COMMENT ON FUNCTION idm.delete_directory_user(text, text, text) IS
    'deletes a directory user by (directory, dp_id); emits user_deleted; P0002 if missing';

CREATE FUNCTION idm.delete_directory_group(directory_id text, dp_id text, environment_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    d idm.directories := idm.directory_for_sync(directory_id, environment_id);
BEGIN
    DELETE FROM idm.directory_groups t
    WHERE t.environment_id = d.environment_id AND t.directory_id = d.id AND t.dp_id = dp_id;
    IF NOT FOUND THEN
        PERFORM idm.directory_not_found('directory group with dp_id', dp_id, d.id, 'Check the dp_id.');
    END IF;
END $$;
COMMENT ON FUNCTION idm.delete_directory_group(text, text, text) IS
    'deletes a directory group by (directory, dp_id); emits group_deleted and user_updated for its members; P0002 if missing';

-- The group row, else P0002.
CREATE FUNCTION idm.find_directory_group(id text, environment_id text DEFAULT NULL)
RETURNS idm.directory_groups
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    g idm.directory_groups;
BEGIN
    SELECT * INTO g FROM idm.directory_groups t
    WHERE t.environment_id = idm.current_environment(environment_id) AND t.id = id;
    IF NOT FOUND THEN
        PERFORM idm.directory_not_found('directory group', id);
    END IF;
    RETURN g;
END $$;
COMMENT ON FUNCTION idm.find_directory_group(text, text) IS
    'the directory group with this id in the given (or current) environment; raises P0002 if missing';

CREATE FUNCTION idm.add_directory_group_member(group_id text, user_id text, environment_id text DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    g idm.directory_groups := idm.find_directory_group(group_id, environment_id);
    d idm.directories := idm.directory_for_sync(g.directory_id, g.environment_id);
BEGIN
    PERFORM FROM idm.directory_users u
    WHERE u.environment_id = d.environment_id AND u.id = user_id AND u.directory_id = d.id;
    IF NOT FOUND THEN
        PERFORM idm.directory_not_found('directory user', user_id, d.id,
                                        'A group holds users of its own directory only.');
    END IF;
    INSERT INTO idm.directory_user_groups (environment_id, organization_id, directory_id, user_id, group_id)
    VALUES (d.environment_id, d.organization_id, d.id, user_id, g.id)
    ON CONFLICT DO NOTHING;
    RETURN FOUND;
END $$;
COMMENT ON FUNCTION idm.add_directory_group_member(text, text, text) IS
    'adds a directory user to a group of its directory (emits user_updated); false if already a member';

CREATE FUNCTION idm.remove_directory_group_member(group_id text, user_id text, environment_id text DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    g idm.directory_groups := idm.find_directory_group(group_id, environment_id);
    d idm.directories := idm.directory_for_sync(g.directory_id, g.environment_id);
BEGIN
    DELETE FROM idm.directory_user_groups x
    WHERE x.environment_id = d.environment_id AND x.user_id = user_id AND x.group_id = g.id;
    RETURN FOUND;
END $$;
COMMENT ON FUNCTION idm.remove_directory_group_member(text, text, text) IS
    'removes a directory user from a group (emits user_updated); false if it was not a member';

CREATE FUNCTION idm.assign_directory_group_role(group_id text, role_name text, environment_id text DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    g idm.directory_groups := idm.find_directory_group(group_id, environment_id);
BEGIN
    INSERT INTO idm.directory_group_roles (environment_id, organization_id, directory_id, group_id, role_name)
    VALUES (g.environment_id, g.organization_id, g.directory_id, g.id, role_name)
    ON CONFLICT DO NOTHING;
    RETURN FOUND;
END $$;
COMMENT ON FUNCTION idm.assign_directory_group_role(text, text, text) IS
    'grants a role (by name) to the members of a directory group; emits user_updated for members who gain it; false if already assigned';

CREATE FUNCTION idm.unassign_directory_group_role(group_id text, role_name text, environment_id text DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    g idm.directory_groups := idm.find_directory_group(group_id, environment_id);
BEGIN
    DELETE FROM idm.directory_group_roles r
    WHERE r.environment_id = g.environment_id AND r.group_id = g.id AND r.role_name = role_name;
    RETURN FOUND;
END $$;
COMMENT ON FUNCTION idm.unassign_directory_group_role(text, text, text) IS
    'withdraws a role from a directory group; emits user_updated for members who lose it; false if it was not assigned';

CREATE FUNCTION idm.directory_user_roles(user_id text, environment_id text DEFAULT NULL)
RETURNS SETOF text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    env text := idm.current_environment(environment_id);
BEGIN
    PERFORM FROM idm.directory_users u WHERE u.environment_id = env AND u.id = user_id;
    IF NOT FOUND THEN
        PERFORM idm.directory_not_found('directory user', user_id);
    END IF;
    RETURN QUERY
    SELECT DISTINCT r.role_name
    FROM idm.directory_users u
    JOIN idm.directory_user_groups m ON m.environment_id = u.environment_id AND m.user_id = u.id
    JOIN idm.directory_group_roles r ON r.environment_id = m.environment_id AND r.group_id = m.group_id
    WHERE u.environment_id = env AND u.id = user_id
    ORDER BY 1;
END $$;
COMMENT ON FUNCTION idm.directory_user_roles(text, text) IS
    'the role names a directory user gets through its groups, sorted; P0002 if the user is missing';
