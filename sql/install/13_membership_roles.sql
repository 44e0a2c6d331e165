-- Roles of a membership, effective permissions of a user in an organization,
-- and idm.has_permission, the check every request of an app makes.

CREATE TABLE idm.membership_roles (
    environment_id  text NOT NULL,
    organization_id text NOT NULL,
    user_id         text NOT NULL,
    role_id         text NOT NULL,
    create_time     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (environment_id, organization_id, user_id, role_id),
    FOREIGN KEY (environment_id, organization_id, user_id)
        REFERENCES idm.memberships (environment_id, organization_id, user_id) ON DELETE CASCADE,
    -- deleting a role still held by a member is refused (idm.delete_role can reassign)
    FOREIGN KEY (environment_id, role_id) REFERENCES idm.roles (environment_id, id)
);
COMMENT ON TABLE idm.membership_roles IS
    'roles of a membership: an environment role, or a role of the membership''s own organization';
CREATE INDEX membership_roles_role_idx ON idm.membership_roles (environment_id, role_id);

CREATE FUNCTION idm.membership_role_before() RETURNS trigger
    AS 'MODULE_PATHNAME', 'membership_role_before' LANGUAGE C;
COMMENT ON FUNCTION idm.membership_role_before() IS
    'BEFORE trigger: refuses giving a membership a role of another organization';
CREATE TRIGGER membership_roles_before BEFORE INSERT OR UPDATE ON idm.membership_roles
    FOR EACH ROW EXECUTE FUNCTION idm.membership_role_before();

CREATE FUNCTION idm.membership_role_events() RETURNS trigger
    AS 'MODULE_PATHNAME', 'membership_role_events' LANGUAGE C;
COMMENT ON FUNCTION idm.membership_role_events() IS
    'AFTER ROW trigger: the place where a change of a membership''s roles emits user.organization_membership_updated';
CREATE TRIGGER membership_roles_events AFTER INSERT OR UPDATE OR DELETE ON idm.membership_roles
    FOR EACH ROW EXECUTE FUNCTION idm.membership_role_events();

SELECT pg_catalog.pg_extension_config_dump('idm.membership_roles', '');

-- Membership roles API ----------------------------------------------------

CREATE FUNCTION idm.add_membership_role(user_id text, organization_id text, role_name text,
                                        environment_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    r idm.roles := idm.find_role(role_name, add_membership_role.organization_id, true,
                                 add_membership_role.environment_id);
BEGIN
    INSERT INTO idm.membership_roles (environment_id, organization_id, user_id, role_id)
    VALUES (r.environment_id, add_membership_role.organization_id, add_membership_role.user_id, r.id)
    ON CONFLICT DO NOTHING;
END $$;
COMMENT ON FUNCTION idm.add_membership_role(text, text, text, text) IS
    'gives a membership a role (an environment role or one of its organization), if it lacks it; P0002 for an unknown role';

CREATE FUNCTION idm.remove_membership_role(user_id text, organization_id text, role_name text,
                                           environment_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    r idm.roles := idm.find_role(role_name, remove_membership_role.organization_id, true,
                                 remove_membership_role.environment_id);
BEGIN
    DELETE FROM idm.membership_roles mr
    WHERE mr.environment_id = r.environment_id
      AND mr.organization_id = remove_membership_role.organization_id
      AND mr.user_id = remove_membership_role.user_id AND mr.role_id = r.id;
END $$;
COMMENT ON FUNCTION idm.remove_membership_role(text, text, text, text) IS
    'takes a role from a membership (nothing if it lacks it); P0002 for an unknown role';

CREATE FUNCTION idm.set_membership_roles(user_id text, organization_id text, roles text[],
                                         environment_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    env text := idm.current_environment(set_membership_roles.environment_id);
    ids text[];
BEGIN
    SELECT array_agg((idm.find_role(n, set_membership_roles.organization_id, true, env)).id)
    INTO ids FROM unnest(roles) n;
    DELETE FROM idm.membership_roles mr
    WHERE mr.environment_id = env AND mr.organization_id = set_membership_roles.organization_id
      AND mr.user_id = set_membership_roles.user_id AND mr.role_id <> ALL (coalesce(ids, '{}'));
    INSERT INTO idm.membership_roles (environment_id, organization_id, user_id, role_id)
    SELECT env, set_membership_roles.organization_id, set_membership_roles.user_id, id
    FROM unnest(ids) id
    ON CONFLICT DO NOTHING;
END $$;
COMMENT ON FUNCTION idm.set_membership_roles(text, text, text[], text) IS
    'makes a membership hold exactly the named roles; P0002 for an unknown role';

CREATE FUNCTION idm.list_user_roles(user_id text, organization_id text, environment_id text DEFAULT NULL)
RETURNS SETOF idm.roles
LANGUAGE sql STABLE AS $$
    SELECT r.* FROM idm.membership_roles mr
    JOIN idm.roles r ON r.environment_id = mr.environment_id AND r.id = mr.role_id
    WHERE mr.environment_id = idm.current_environment(list_user_roles.environment_id)
      AND mr.organization_id = list_user_roles.organization_id
      AND mr.user_id = list_user_roles.user_id
    ORDER BY r.name
$$;
COMMENT ON FUNCTION idm.list_user_roles(text, text, text) IS
    'the roles a user holds in an organization (whatever the membership''s status), by name';

CREATE FUNCTION idm.list_user_permissions(user_id text, organization_id text, environment_id text DEFAULT NULL)
RETURNS SETOF idm.permissions
LANGUAGE sql STABLE AS $$
    SELECT p.* FROM idm.permissions p
    WHERE p.environment_id = idm.current_environment(list_user_permissions.environment_id)
      AND EXISTS (
        SELECT FROM idm.memberships m
        JOIN idm.membership_roles mr ON mr.environment_id = m.environment_id
             AND mr.organization_id = m.organization_id AND mr.user_id = m.user_id
        JOIN idm.role_effective_permissions e ON e.environment_id = mr.environment_id
             AND e.role_id = mr.role_id
        WHERE m.environment_id = p.environment_id
          AND m.organization_id = list_user_permissions.organization_id
          AND m.user_id = list_user_permissions.user_id
          AND m.membership_status = 'ACTIVE'
          AND e.permission_id = p.id)
    ORDER BY p.name
$$;
COMMENT ON FUNCTION idm.list_user_permissions(text, text, text) IS
    'effective permissions of a user in an organization: of every role held, direct or inherited; none unless the membership is ACTIVE';

CREATE FUNCTION idm.has_permission(user_id text, organization_id text, permission text,
                                   environment_id text DEFAULT NULL)
RETURNS boolean
    AS 'MODULE_PATHNAME', 'has_permission' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION idm.has_permission(text, text, text, text) IS
    'true if the user''s ACTIVE membership of the organization holds a role granting the permission (directly or through extends); false otherwise, never NULL';

-- Default roles: a membership that becomes ACTIVE without roles gets the
-- default creator role (provisioning_method org_creator) or the default
-- member role; an organization's own default wins over the environment's.
-- Named to fire after memberships_events, so "created" comes first; the
-- role it gives adds no "updated" event in the same statement.
CREATE FUNCTION idm.assign_default_role() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, idm AS $$
DECLARE
    role text;
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.membership_status = 'ACTIVE' THEN
        RETURN NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM idm.membership_roles mr
               WHERE mr.environment_id = NEW.environment_id
                 AND mr.organization_id = NEW.organization_id AND mr.user_id = NEW.user_id) THEN
        RETURN NULL;
    END IF;
    SELECT r.id INTO role FROM idm.roles r
    WHERE r.environment_id = NEW.environment_id
      AND (r.organization_id = NEW.organization_id OR r.organization_id IS NULL)
      AND CASE WHEN NEW.provisioning_method = 'org_creator' THEN r.default_creator
               ELSE r.default_member END
    ORDER BY r.organization_id NULLS LAST
    LIMIT 1;
    IF role IS NOT NULL THEN
        INSERT INTO idm.membership_roles (environment_id, organization_id, user_id, role_id)
        VALUES (NEW.environment_id, NEW.organization_id, NEW.user_id, role);
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION idm.assign_default_role() IS
    'AFTER trigger: gives a membership that becomes ACTIVE without roles its default role';
CREATE TRIGGER memberships_events_default_role
    AFTER INSERT OR UPDATE OF membership_status ON idm.memberships
    FOR EACH ROW WHEN (NEW.membership_status = 'ACTIVE')
    EXECUTE FUNCTION idm.assign_default_role();
