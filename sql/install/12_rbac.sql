-- RBAC: permissions (rolesPermission), roles (v1rolesRole) with `extends`
-- inheritance, role_permissions, and two closure tables maintained by C
-- triggers so that idm.has_permission is a few index probes:
--   role_ancestors              role -> itself and every role it extends, directly or not
--   role_effective_permissions  role -> every permission it has, with the role granting it
-- Every write to roles or role_permissions takes the environment's RBAC lock
-- (an advisory lock of pg_idm's own class, see src/rbac.h) and maintains the
-- closures from the latest committed state, so concurrent changes of the
-- hierarchy can neither create a cycle nor leave a closure stale.

CREATE FUNCTION idm.check_role_name(value text, field text DEFAULT 'name') RETURNS boolean
    AS 'MODULE_PATHNAME', 'check_role_name' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION idm.check_role_name(text, text) IS
    'true if value is 1-64 ASCII letters, digits and underscores; raises 22023 saying why otherwise';

CREATE FUNCTION idm.check_permission_name(value text, field text DEFAULT 'name') RETURNS boolean
    AS 'MODULE_PATHNAME', 'check_permission_name' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION idm.check_permission_name(text, text) IS
    'true if value is action:resource (lower-case [a-z0-9_-] segments joined by single colons, <= 100 bytes); raises 22023 otherwise';

CREATE FUNCTION idm.permission_types(type text DEFAULT 'ALL') RETURNS idm.permission_type[]
    AS 'MODULE_PATHNAME', 'permission_types' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION idm.permission_types(text) IS
    'the permission types a listing filter means: ALL (both), SCALEKIT or ENVIRONMENT; raises 22023 for others';

-- Permissions -----------------------------------------------------------

CREATE TABLE idm.permissions (
    environment_id         text NOT NULL REFERENCES idm.environments (id),
    id                     text NOT NULL DEFAULT idm.gen_id('perm')
                           CHECK (idm.check_id(id, 'perm', 'permission id')),
    name                   text NOT NULL CHECK (idm.check_permission_name(name)),
    description            text NOT NULL DEFAULT ''
                           CHECK (idm.check_length(description, 'description', 0, 2000)),
    permission_type        idm.permission_type NOT NULL DEFAULT 'ENVIRONMENT',
    is_scalekit_permission boolean GENERATED ALWAYS AS (permission_type = 'SCALEKIT') STORED,
    create_time            timestamptz NOT NULL DEFAULT now(),
    update_time            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (environment_id, id),
    CONSTRAINT permissions_name_key UNIQUE (environment_id, name)
);
COMMENT ON TABLE idm.permissions IS
    'permissions (action:resource) of an environment; changes emit permission.* events';

CREATE TRIGGER permissions_stamp_times BEFORE INSERT OR UPDATE ON idm.permissions
    FOR EACH ROW EXECUTE FUNCTION idm.stamp_times('create_time', 'update_time');

CREATE FUNCTION idm.permission_before() RETURNS trigger
    AS 'MODULE_PATHNAME', 'permission_before' LANGUAGE C;
COMMENT ON FUNCTION idm.permission_before() IS
    'BEFORE UPDATE trigger: refuses changing a permission''s environment_id or id';
CREATE TRIGGER permissions_before BEFORE UPDATE ON idm.permissions
    FOR EACH ROW EXECUTE FUNCTION idm.permission_before();

CREATE FUNCTION idm.permission_events() RETURNS trigger
    AS 'MODULE_PATHNAME', 'permission_events' LANGUAGE C;
COMMENT ON FUNCTION idm.permission_events() IS
    'AFTER ROW trigger: writes permission.created / updated / deleted events';
CREATE TRIGGER permissions_events AFTER INSERT OR UPDATE OR DELETE ON idm.permissions
    FOR EACH ROW EXECUTE FUNCTION idm.permission_events();

SELECT pg_catalog.pg_extension_config_dump('idm.permissions', '');

-- Roles -----------------------------------------------------------------

CREATE TABLE idm.roles (
    environment_id  text NOT NULL REFERENCES idm.environments (id),
    id              text NOT NULL DEFAULT idm.gen_id('role')
                    CHECK (idm.check_id(id, 'role', 'role id')),
    -- NULL: an environment role; set: a role of that organization only
    organization_id text,
    name            text NOT NULL CHECK (idm.check_role_name(name)),
    display_name    text NOT NULL CHECK (idm.check_length(display_name, 'display_name', 1, 255)),
    description     text NOT NULL DEFAULT ''
                    CHECK (idm.check_length(description, 'description', 0, 2000)),
    -- the NAME of the base role, as the API has it; base_role_id is its id,
    -- resolved by the roles_before trigger (whatever a writer puts there)
    extends         text CHECK (idm.check_role_name(extends, 'extends')),
    base_role_id    text,
    default_creator boolean NOT NULL DEFAULT false,
    default_member  boolean NOT NULL DEFAULT false,
    is_org_role     boolean GENERATED ALWAYS AS (organization_id IS NOT NULL) STORED,
    create_time     timestamptz NOT NULL DEFAULT now(),
    update_time     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (environment_id, id),
    -- one name per scope: the environment's roles, or one organization's
    CONSTRAINT roles_name_key UNIQUE NULLS NOT DISTINCT (environment_id, name, organization_id),
    FOREIGN KEY (environment_id, organization_id)
        REFERENCES idm.organizations (environment_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE idm.roles IS
    'roles of an environment (organization_id NULL) or of one organization; changes emit role.* events';
COMMENT ON COLUMN idm.roles.base_role_id IS
    'id of the role named by extends; maintained by a trigger (no foreign key: the RBAC lock guards it)';
-- at most one default creator and one default member role per scope
CREATE UNIQUE INDEX roles_default_creator_key ON idm.roles (environment_id, organization_id)
    NULLS NOT DISTINCT WHERE default_creator;
CREATE UNIQUE INDEX roles_default_member_key ON idm.roles (environment_id, organization_id)
    NULLS NOT DISTINCT WHERE default_member;
CREATE INDEX roles_organization_idx ON idm.roles (environment_id, organization_id)
    WHERE organization_id IS NOT NULL;

CREATE TRIGGER roles_stamp_times BEFORE INSERT OR UPDATE ON idm.roles
    FOR EACH ROW EXECUTE FUNCTION idm.stamp_times('create_time', 'update_time');

CREATE FUNCTION idm.role_before() RETURNS trigger
    AS 'MODULE_PATHNAME', 'role_before' LANGUAGE C;
COMMENT ON FUNCTION idm.role_before() IS
    'BEFORE trigger: takes the RBAC lock, keeps keys and names immutable, refuses clashing names and self-extension, resolves extends';
CREATE TRIGGER roles_before BEFORE INSERT OR UPDATE OR DELETE ON idm.roles
    FOR EACH ROW EXECUTE FUNCTION idm.role_before();

CREATE FUNCTION idm.role_closure() RETURNS trigger
    AS 'MODULE_PATHNAME', 'role_closure' LANGUAGE C
    SECURITY DEFINER SET search_path = pg_catalog, idm, pg_temp;
COMMENT ON FUNCTION idm.role_closure() IS
    'AFTER ROW trigger: refuses cycles and deleting a role others extend; maintains role_ancestors and role_effective_permissions';
CREATE TRIGGER roles_closure AFTER INSERT OR UPDATE OR DELETE ON idm.roles
    FOR EACH ROW EXECUTE FUNCTION idm.role_closure();

CREATE FUNCTION idm.role_events() RETURNS trigger
    AS 'MODULE_PATHNAME', 'role_events' LANGUAGE C;
COMMENT ON FUNCTION idm.role_events() IS
    'AFTER ROW trigger: writes role.created / updated / deleted events';
CREATE TRIGGER roles_events AFTER INSERT OR UPDATE OR DELETE ON idm.roles
    FOR EACH ROW EXECUTE FUNCTION idm.role_events();

-- pg_dump writes the filter after "FROM idm.roles": dumping base roles before
-- the roles extending them lets a restore (whose COPY fires roles_before)
-- resolve every extends.  The closures are not dumped; the triggers rebuild them.
SELECT pg_catalog.pg_extension_config_dump('idm.roles',
    'ORDER BY (SELECT count(*) FROM idm.role_ancestors a
               WHERE a.environment_id = roles.environment_id AND a.role_id = roles.id), id');

CREATE TABLE idm.role_permissions (
    environment_id text NOT NULL,
    role_id        text NOT NULL,
    permission_id  text NOT NULL,
    create_time    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (environment_id, role_id, permission_id),
    FOREIGN KEY (environment_id, role_id)
        REFERENCES idm.roles (environment_id, id) ON DELETE CASCADE,
    FOREIGN KEY (environment_id, permission_id)
        REFERENCES idm.permissions (environment_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE idm.role_permissions IS 'the permissions a role grants directly';
CREATE INDEX role_permissions_permission_idx ON idm.role_permissions (environment_id, permission_id);

CREATE FUNCTION idm.role_permission_closure() RETURNS trigger
    AS 'MODULE_PATHNAME', 'role_permission_closure' LANGUAGE C
    SECURITY DEFINER SET search_path = pg_catalog, idm, pg_temp;
COMMENT ON FUNCTION idm.role_permission_closure() IS
    'AFTER ROW trigger: adds or removes a granted permission in role_effective_permissions of the role and its dependents';
CREATE TRIGGER role_permissions_closure AFTER INSERT OR UPDATE OR DELETE ON idm.role_permissions
    FOR EACH ROW EXECUTE FUNCTION idm.role_permission_closure();

SELECT pg_catalog.pg_extension_config_dump('idm.role_permissions', '');

-- Closures: derived data, written only by the triggers above, never dumped
-- (restoring roles and role_permissions rebuilds them).  The app may read
-- them but not write them: the closure triggers are SECURITY DEFINER (their
-- statements are keyed by the changed row's environment_id), so a role with
-- write access to roles and role_permissions keeps the closures exact
-- without any right to edit them directly.

CREATE TABLE idm.role_ancestors (
    environment_id text NOT NULL,
    role_id        text NOT NULL,
    ancestor_id    text NOT NULL,    -- role_id itself (depth 0) or a role it extends
    depth          integer NOT NULL, -- 1: the base role, 2: its base, ...
    PRIMARY KEY (environment_id, role_id, ancestor_id)
);
COMMENT ON TABLE idm.role_ancestors IS
    'closure of extends: each role with itself and every role it inherits from; maintained by triggers';
CREATE INDEX role_ancestors_ancestor_idx ON idm.role_ancestors (environment_id, ancestor_id);

CREATE TABLE idm.role_effective_permissions (
    environment_id text NOT NULL,
    role_id        text NOT NULL,
    permission_id  text NOT NULL,
    source_role_id text NOT NULL,    -- the role (role_id or an ancestor) granting it directly
    PRIMARY KEY (environment_id, role_id, permission_id, source_role_id)
);
COMMENT ON TABLE idm.role_effective_permissions IS
    'every permission of each role, direct or inherited, with the granting role; maintained by triggers';
CREATE INDEX role_effective_permissions_source_idx
    ON idm.role_effective_permissions (environment_id, source_role_id, permission_id);

CREATE FUNCTION idm.role_closure_truncate() RETURNS trigger
    AS 'MODULE_PATHNAME', 'role_closure_truncate' LANGUAGE C
    SECURITY DEFINER SET search_path = pg_catalog, idm, pg_temp;
COMMENT ON FUNCTION idm.role_closure_truncate() IS
    'AFTER TRUNCATE trigger: empties the closures that TRUNCATE of roles or role_permissions invalidates';
CREATE TRIGGER roles_closure_truncate AFTER TRUNCATE ON idm.roles
    FOR EACH STATEMENT EXECUTE FUNCTION idm.role_closure_truncate();
CREATE TRIGGER role_permissions_closure_truncate AFTER TRUNCATE ON idm.role_permissions
    FOR EACH STATEMENT EXECUTE FUNCTION idm.role_closure_truncate();

-- Permissions API ---------------------------------------------------------

CREATE FUNCTION idm.create_permission(
    name text,
    description text DEFAULT '',
    permission_type idm.permission_type DEFAULT 'ENVIRONMENT',
    environment_id text DEFAULT NULL)
RETURNS idm.permissions
LANGUAGE sql AS $$
    INSERT INTO idm.permissions AS p (environment_id, name, description, permission_type)
    VALUES (idm.current_environment(create_permission.environment_id), create_permission.name,
            coalesce(create_permission.description, ''), create_permission.permission_type)
    RETURNING p.*
$$;
COMMENT ON FUNCTION idm.create_permission(text, text, idm.permission_type, text) IS
    'inserts a permission (emits permission.created); a duplicate name raises 23505 on permissions_name_key';

-- The permission of that name, or P0002.
CREATE FUNCTION idm.find_permission(name text, environment_id text DEFAULT NULL)
RETURNS idm.permissions
LANGUAGE plpgsql STABLE AS $$
DECLARE
    perm idm.permissions;
BEGIN
    SELECT * INTO perm FROM idm.permissions p
    WHERE p.environment_id = idm.current_environment(find_permission.environment_id)
      AND p.name = find_permission.name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'permission "%" does not exist', find_permission.name
            USING ERRCODE = 'P0002',
                  HINT = 'Create it with idm.create_permission(), or check the environment (idm.environment_id).';
    END IF;
    RETURN perm;
END $$;
COMMENT ON FUNCTION idm.find_permission(text, text) IS
    'the permission of that name in the given (or current) environment; raises P0002 if missing';

CREATE FUNCTION idm.update_permission(
    name text,
    new_name text DEFAULT NULL,
    description text DEFAULT NULL,
    permission_type idm.permission_type DEFAULT NULL,
    environment_id text DEFAULT NULL)
RETURNS idm.permissions
LANGUAGE plpgsql AS $$
DECLARE
    perm idm.permissions := idm.find_permission(update_permission.name, update_permission.environment_id);
BEGIN
    UPDATE idm.permissions p SET
        name            = coalesce(update_permission.new_name, p.name),
        description     = coalesce(update_permission.description, p.description),
        permission_type = coalesce(update_permission.permission_type, p.permission_type)
    WHERE p.environment_id = perm.environment_id AND p.id = perm.id
    RETURNING p.* INTO perm;
    RETURN perm;
END $$;
COMMENT ON FUNCTION idm.update_permission(text, text, text, idm.permission_type, text) IS
    'renames or updates a permission (NULL keeps a field; emits permission.updated if something changed); P0002 if missing';

CREATE FUNCTION idm.delete_permission(name text, environment_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    perm idm.permissions := idm.find_permission(delete_permission.name, delete_permission.environment_id);
BEGIN
    DELETE FROM idm.permissions p WHERE p.environment_id = perm.environment_id AND p.id = perm.id;
END $$;
COMMENT ON FUNCTION idm.delete_permission(text, text) IS
    'deletes a permission and its grants to roles (emits permission.deleted); P0002 if missing';

CREATE FUNCTION idm.list_permissions(type text DEFAULT 'ALL', environment_id text DEFAULT NULL)
RETURNS SETOF idm.permissions
LANGUAGE sql STABLE AS $$
    SELECT p.* FROM idm.permissions p
    WHERE p.environment_id = idm.current_environment(list_permissions.environment_id)
      AND p.permission_type = ANY (idm.permission_types(coalesce(list_permissions.type, 'ALL')))
    ORDER BY p.name
$$;
COMMENT ON FUNCTION idm.list_permissions(text, text) IS
    'permissions of the environment by name; type ALL (default, both), SCALEKIT or ENVIRONMENT; raises 22023 for other types';

-- Roles API ---------------------------------------------------------------

-- The role `name` in a scope, or P0002.  organization_id NULL: an environment
-- role.  With an organization, visible => also the environment's roles
-- (those a member of the organization can be given); otherwise only the
-- organization's own.
CREATE FUNCTION idm.find_role(
    name text,
    organization_id text DEFAULT NULL,
    visible boolean DEFAULT false,
    environment_id text DEFAULT NULL)
RETURNS idm.roles
LANGUAGE plpgsql STABLE AS $$
DECLARE
    r idm.roles;
BEGIN
    SELECT * INTO r FROM idm.roles x
    WHERE x.environment_id = idm.current_environment(find_role.environment_id)
      AND x.name = find_role.name
      AND (x.organization_id IS NOT DISTINCT FROM find_role.organization_id
           OR (find_role.visible AND x.organization_id IS NULL));
    IF NOT FOUND THEN
        RAISE EXCEPTION 'role "%" does not exist%', find_role.name,
                        coalesce(' in organization ' || find_role.organization_id, ' in the environment')
            USING ERRCODE = 'P0002',
                  HINT = 'Environment roles have no organization_id; an organization''s roles are found with its id.';
    END IF;
    RETURN r;
END $$;
COMMENT ON FUNCTION idm.find_role(text, text, boolean, text) IS
    'the role of that name in the environment or organization (visible: also environment roles); raises P0002 if missing';

-- Makes a role grant exactly these permissions (by name); NULL keeps them.
CREATE FUNCTION idm.set_role_permissions(r idm.roles, permissions text[])
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    missing text;
BEGIN
    IF permissions IS NULL THEN
        RETURN;
    END IF;
    IF array_position(permissions, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'permissions of role "%" contain NULL', r.name
            USING ERRCODE = '22004',
                  HINT = 'List permission names, e.g. ARRAY[''read:documents''], or pass NULL to leave them unchanged.';
    END IF;
    SELECT n INTO missing FROM unnest(permissions) n
    WHERE NOT EXISTS (SELECT FROM idm.permissions p
                      WHERE p.environment_id = r.environment_id AND p.name = n)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'permission "%" does not exist', missing
            USING ERRCODE = 'P0002',
                  HINT = 'Create it with idm.create_permission(), or check the environment (idm.environment_id).';
    END IF;
    DELETE FROM idm.role_permissions rp
    WHERE rp.environment_id = r.environment_id AND rp.role_id = r.id
      AND rp.permission_id NOT IN (SELECT p.id FROM idm.permissions p
                                   WHERE p.environment_id = r.environment_id AND p.name = ANY (permissions));
    INSERT INTO idm.role_permissions (environment_id, role_id, permission_id)
    SELECT r.environment_id, r.id, p.id FROM idm.permissions p
    WHERE p.environment_id = r.environment_id AND p.name = ANY (permissions)
    ORDER BY p.name
    ON CONFLICT DO NOTHING;
END $$;
COMMENT ON FUNCTION idm.set_role_permissions(idm.roles, text[]) IS
    'makes a role grant exactly the named permissions (NULL: unchanged); P0002 naming an unknown permission';

CREATE FUNCTION idm.create_role(
    name text,
    display_name text DEFAULT NULL,
    description text DEFAULT '',
    extends text DEFAULT NULL,
    permissions text[] DEFAULT NULL,
    organization_id text DEFAULT NULL,
    environment_id text DEFAULT NULL)
RETURNS idm.roles
LANGUAGE plpgsql AS $$
DECLARE
    r idm.roles;
BEGIN
    PERFORM idm.check_role_name(create_role.name);  -- before display_name, which defaults to it
    INSERT INTO idm.roles AS x (environment_id, organization_id, name, display_name, description, extends)
    VALUES (idm.current_environment(create_role.environment_id), create_role.organization_id,
            create_role.name, coalesce(create_role.display_name, create_role.name),
            coalesce(create_role.description, ''), create_role.extends)
    RETURNING x.* INTO r;
    PERFORM idm.set_role_permissions(r, create_role.permissions);
    RETURN r;
END $$;
COMMENT ON FUNCTION idm.create_role(text, text, text, text, text[], text, text) IS
    'creates an environment role (or an organization role when organization_id is given) with its permissions; emits role.created';

CREATE FUNCTION idm.update_role(
    name text,
    display_name text DEFAULT NULL,
    description text DEFAULT NULL,
    extends text DEFAULT NULL,
    permissions text[] DEFAULT NULL,
    organization_id text DEFAULT NULL,
    environment_id text DEFAULT NULL)
RETURNS idm.roles
LANGUAGE plpgsql AS $$
DECLARE
    r idm.roles := idm.find_role(update_role.name, update_role.organization_id,
                                 environment_id => update_role.environment_id);
BEGIN
    UPDATE idm.roles x SET
        display_name = coalesce(update_role.display_name, x.display_name),
        description  = coalesce(update_role.description, x.description),
        extends      = coalesce(update_role.extends, x.extends)
    WHERE x.environment_id = r.environment_id AND x.id = r.id
    RETURNING x.* INTO r;
    PERFORM idm.set_role_permissions(r, update_role.permissions);
    RETURN r;
END $$;
COMMENT ON FUNCTION idm.update_role(text, text, text, text, text[], text, text) IS
    'updates a role (NULL keeps a field; permissions, when given, replace the direct ones); emits role.updated if the role changed';

CREATE FUNCTION idm.delete_role_base(name text, organization_id text DEFAULT NULL,
                                     environment_id text DEFAULT NULL)
RETURNS idm.roles
LANGUAGE plpgsql AS $$
DECLARE
    r idm.roles := idm.find_role(delete_role_base.name, delete_role_base.organization_id,
                                 environment_id => delete_role_base.environment_id);
BEGIN
    UPDATE idm.roles x SET extends = NULL
    WHERE x.environment_id = r.environment_id AND x.id = r.id
    RETURNING x.* INTO r;
    RETURN r;
END $$;
COMMENT ON FUNCTION idm.delete_role_base(text, text, text) IS
    'removes a role''s inheritance (extends becomes NULL); P0002 if the role is missing';

CREATE FUNCTION idm.delete_role(
    name text,
    reassign_role_name text DEFAULT NULL,
    organization_id text DEFAULT NULL,
    environment_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    r idm.roles := idm.find_role(delete_role.name, delete_role.organization_id,
                                 environment_id => delete_role.environment_id);
    target idm.roles;
BEGIN
    IF reassign_role_name IS NOT NULL THEN
        target := idm.find_role(reassign_role_name, r.organization_id, true, r.environment_id);
        IF target.id = r.id THEN
            RAISE EXCEPTION 'cannot reassign the members of role "%" to itself', r.name
                USING ERRCODE = '22023';
        END IF;
        -- members of an organization role stay in that organization; an
        -- environment role's members may be in any organization
        INSERT INTO idm.membership_roles (environment_id, organization_id, user_id, role_id)
        SELECT mr.environment_id, mr.organization_id, mr.user_id, target.id
        FROM idm.membership_roles mr
        WHERE mr.environment_id = r.environment_id AND mr.role_id = r.id
          AND (target.organization_id IS NULL OR mr.organization_id = target.organization_id)
        ON CONFLICT DO NOTHING;
        DELETE FROM idm.membership_roles mr
        WHERE mr.environment_id = r.environment_id AND mr.role_id = r.id;
    END IF;
    DELETE FROM idm.roles x WHERE x.environment_id = r.environment_id AND x.id = r.id;
END $$;
COMMENT ON FUNCTION idm.delete_role(text, text, text, text) IS
    'deletes a role (emits role.deleted), first moving its members to reassign_role_name if given; refused while members or dependent roles remain';

CREATE FUNCTION idm.set_default_roles(
    default_creator_role text DEFAULT NULL,
    default_member_role text DEFAULT NULL,
    organization_id text DEFAULT NULL,
    environment_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    env text := idm.current_environment(set_default_roles.environment_id);
    creator idm.roles;
    member idm.roles;
BEGIN
    -- clear the old default before setting the new one: the unique index
    -- allowing one default per scope is checked row by row
    IF default_creator_role IS NOT NULL THEN
        creator := idm.find_role(default_creator_role, set_default_roles.organization_id, environment_id => env);
        UPDATE idm.roles x SET default_creator = false
        WHERE x.environment_id = env AND x.default_creator AND x.id <> creator.id
          AND x.organization_id IS NOT DISTINCT FROM set_default_roles.organization_id;
        UPDATE idm.roles x SET default_creator = true
        WHERE x.environment_id = env AND x.id = creator.id AND NOT x.default_creator;
    END IF;
    IF default_member_role IS NOT NULL THEN
        member := idm.find_role(default_member_role, set_default_roles.organization_id, environment_id => env);
        UPDATE idm.roles x SET default_member = false
        WHERE x.environment_id = env AND x.default_member AND x.id <> member.id
          AND x.organization_id IS NOT DISTINCT FROM set_default_roles.organization_id;
        UPDATE idm.roles x SET default_member = true
        WHERE x.environment_id = env AND x.id = member.id AND NOT x.default_member;
    END IF;
END $$;
COMMENT ON FUNCTION idm.set_default_roles(text, text, text, text) IS
    'makes the named roles the default creator / member roles of the environment (or organization); NULL leaves one unchanged';

CREATE FUNCTION idm.add_role_permissions(role_name text, permissions text[],
                                         organization_id text DEFAULT NULL,
                                         environment_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    r idm.roles := idm.find_role(role_name, add_role_permissions.organization_id,
                                 environment_id => add_role_permissions.environment_id);
    current text[];
BEGIN
    SELECT array_agg(p.name) INTO current
    FROM idm.role_permissions rp
    JOIN idm.permissions p ON p.environment_id = rp.environment_id AND p.id = rp.permission_id
    WHERE rp.environment_id = r.environment_id AND rp.role_id = r.id;
    PERFORM idm.set_role_permissions(r, coalesce(current, '{}') || permissions);
END $$;
COMMENT ON FUNCTION idm.add_role_permissions(text, text[], text, text) IS
    'adds permissions (by name) to a role''s direct ones; P0002 naming an unknown role or permission';

CREATE FUNCTION idm.remove_role_permission(role_name text, permission_name text,
                                           organization_id text DEFAULT NULL,
                                           environment_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    r idm.roles := idm.find_role(role_name, remove_role_permission.organization_id,
                                 environment_id => remove_role_permission.environment_id);
    p idm.permissions := idm.find_permission(permission_name, r.environment_id);
BEGIN
    DELETE FROM idm.role_permissions rp
    WHERE rp.environment_id = r.environment_id AND rp.role_id = r.id AND rp.permission_id = p.id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'role "%" does not grant permission "%" directly', r.name, p.name
            USING ERRCODE = 'P0002',
                  HINT = 'See idm.list_effective_role_permissions() for the role that grants it.';
    END IF;
END $$;
COMMENT ON FUNCTION idm.remove_role_permission(text, text, text, text) IS
    'removes a permission a role grants directly; P0002 if the role, the permission or the grant is missing';

CREATE FUNCTION idm.list_roles(organization_id text DEFAULT NULL, environment_id text DEFAULT NULL)
RETURNS SETOF idm.roles
LANGUAGE sql STABLE AS $$
    SELECT r.* FROM idm.roles r
    WHERE r.environment_id = idm.current_environment(list_roles.environment_id)
      AND r.organization_id IS NOT DISTINCT FROM list_roles.organization_id
    ORDER BY r.name
$$;
COMMENT ON FUNCTION idm.list_roles(text, text) IS
    'the environment''s roles, or with organization_id that organization''s own roles, by name';

CREATE FUNCTION idm.list_role_permissions(role_name text, organization_id text DEFAULT NULL,
                                          environment_id text DEFAULT NULL)
RETURNS SETOF idm.permissions
LANGUAGE sql STABLE AS $$
    SELECT p.* FROM idm.find_role(role_name, list_role_permissions.organization_id,
                                  environment_id => list_role_permissions.environment_id) r
    JOIN idm.role_permissions rp ON rp.environment_id = r.environment_id AND rp.role_id = r.id
    JOIN idm.permissions p ON p.environment_id = rp.environment_id AND p.id = rp.permission_id
    ORDER BY p.name
$$;
COMMENT ON FUNCTION idm.list_role_permissions(text, text, text) IS
    'the permissions a role grants directly, by name; P0002 if the role is missing';

CREATE FUNCTION idm.list_effective_role_permissions(
    role_name text, organization_id text DEFAULT NULL, environment_id text DEFAULT NULL)
RETURNS TABLE (id text, name text, description text, create_time timestamptz,
               update_time timestamptz, role_name text)
LANGUAGE sql STABLE AS $$
    -- one row per permission, with the nearest role granting it (rolesRolePermission)
    SELECT DISTINCT ON (p.name) p.id, p.name, p.description, p.create_time, p.update_time, src.name
    FROM idm.find_role(list_effective_role_permissions.role_name,
                       list_effective_role_permissions.organization_id,
                       environment_id => list_effective_role_permissions.environment_id) r
    JOIN idm.role_effective_permissions e ON e.environment_id = r.environment_id AND e.role_id = r.id
    JOIN idm.role_ancestors a ON a.environment_id = e.environment_id AND a.role_id = e.role_id
                             AND a.ancestor_id = e.source_role_id
    JOIN idm.permissions p ON p.environment_id = e.environment_id AND p.id = e.permission_id
    JOIN idm.roles src ON src.environment_id = e.environment_id AND src.id = e.source_role_id
    ORDER BY p.name, a.depth
$$;
COMMENT ON FUNCTION idm.list_effective_role_permissions(text, text, text) IS
    'every permission of a role, direct or inherited through extends, with the nearest role granting it';

CREATE FUNCTION idm.list_dependent_roles(role_name text, organization_id text DEFAULT NULL,
                                         environment_id text DEFAULT NULL)
RETURNS SETOF idm.roles
LANGUAGE sql STABLE AS $$
    SELECT d.* FROM idm.find_role(role_name, list_dependent_roles.organization_id,
                                  environment_id => list_dependent_roles.environment_id) r
    JOIN idm.role_ancestors a ON a.environment_id = r.environment_id AND a.ancestor_id = r.id
                             AND a.depth > 0
    JOIN idm.roles d ON d.environment_id = a.environment_id AND d.id = a.role_id
    ORDER BY a.depth, d.name
$$;
COMMENT ON FUNCTION idm.list_dependent_roles(text, text, text) IS
    'the roles that extend a role directly or transitively, nearest first';

CREATE FUNCTION idm.dependent_roles_count(role idm.roles)
RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT count(*)::integer FROM idm.role_ancestors a
    WHERE a.environment_id = role.environment_id AND a.ancestor_id = role.id AND a.depth > 0
$$;
COMMENT ON FUNCTION idm.dependent_roles_count(idm.roles) IS
    'dependent_roles_count of the API: how many roles extend this one, directly or transitively';

-- The closures are derived data, not dumped: they are rebuilt by these
-- triggers as the roles and grants are restored.  They fire ALWAYS, so a
-- restore in session_replication_role = replica (the README's procedure,
-- which keeps event and timestamp triggers quiet) still rebuilds them.
ALTER TABLE idm.roles ENABLE ALWAYS TRIGGER roles_closure;
ALTER TABLE idm.roles ENABLE ALWAYS TRIGGER roles_closure_truncate;
ALTER TABLE idm.role_permissions ENABLE ALWAYS TRIGGER role_permissions_closure;
ALTER TABLE idm.role_permissions ENABLE ALWAYS TRIGGER role_permissions_closure_truncate;
