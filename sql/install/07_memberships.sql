-- Memberships (commonsOrganizationMembership): organization x user.  Both
-- foreign keys lead with environment_id, so a membership joining an
-- organization and a user of different environments cannot exist.
--
-- A row is an invitation while PENDING_INVITE or INVITE_EXPIRED and a
-- membership once ACTIVE or INACTIVE.  Legal status changes (checked in C by
-- memberships_guard):
--   ACTIVE <-> INACTIVE
--   PENDING_INVITE -> ACTIVE          accepted, before expires_at
--   PENDING_INVITE -> INVITE_EXPIRED  once expires_at has passed
--   INVITE_EXPIRED -> PENDING_INVITE  resent (renewed)
-- Events (memberships_events, in C):
--   becomes ACTIVE/INACTIVE (insert or acceptance)  user.organization_membership_created
--   ACTIVE/INACTIVE row changes                     user.organization_membership_updated
--   ACTIVE/INACTIVE row deleted                     user.organization_membership_deleted
--   PENDING_INVITE inserted, resent or renewed      user.organization_invitation
--   invitation expires or is deleted                nothing

CREATE FUNCTION idm.check_provisioning_method(value text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'check_provisioning_method' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION idm.check_provisioning_method(text) IS
    'true if value is jit_using_sso, allowed_email_domain, org_creator, direct_provision or invitation; raises 22023 otherwise';

CREATE TABLE idm.memberships (
    environment_id      text NOT NULL,
    organization_id     text NOT NULL,
    user_id             text NOT NULL,
    membership_status   idm.membership_status NOT NULL DEFAULT 'ACTIVE',
    provisioning_method text CHECK (idm.check_provisioning_method(provisioning_method)),
    inviter_email       text CHECK (idm.check_email(inviter_email, 'inviter_email')),
    join_time           timestamptz,
    accepted_at         timestamptz,
    expires_at          timestamptz,
    -- invitations: how often and when last resent (usersInvite)
    resent_count        integer NOT NULL DEFAULT 0 CHECK (resent_count >= 0),
    resent_at           timestamptz,
    metadata            jsonb NOT NULL DEFAULT '{}' CHECK (idm.check_metadata(metadata)),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (environment_id, organization_id, user_id),
    FOREIGN KEY (environment_id, organization_id)
        REFERENCES idm.organizations (environment_id, id) ON DELETE CASCADE,
    FOREIGN KEY (environment_id, user_id)
        REFERENCES idm.users (environment_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE idm.memberships IS
    'a user''s membership of an organization, or an invitation to one; changes emit user.organization_* events';
CREATE INDEX memberships_user_idx ON idm.memberships (environment_id, user_id);
-- idm.expire_invitations() finds the due invitations here
CREATE INDEX memberships_pending_expiry_idx ON idm.memberships (environment_id, expires_at)
    WHERE membership_status = 'PENDING_INVITE';

CREATE TRIGGER memberships_stamp_times BEFORE INSERT OR UPDATE ON idm.memberships
    FOR EACH ROW EXECUTE FUNCTION idm.stamp_times('created_at', 'updated_at');

CREATE FUNCTION idm.membership_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'membership_guard' LANGUAGE C;
COMMENT ON FUNCTION idm.membership_guard() IS
    'BEFORE ROW trigger: refuses illegal membership_status changes; fills join_time and accepted_at';
CREATE TRIGGER memberships_guard BEFORE INSERT OR UPDATE ON idm.memberships
    FOR EACH ROW EXECUTE FUNCTION idm.membership_guard();

CREATE FUNCTION idm.membership_events() RETURNS trigger
    AS 'MODULE_PATHNAME', 'membership_events' LANGUAGE C;
COMMENT ON FUNCTION idm.membership_events() IS
    'AFTER ROW trigger: writes user.organization_membership_* and user.organization_invitation events';
CREATE TRIGGER memberships_events AFTER INSERT OR UPDATE OR DELETE ON idm.memberships
    FOR EACH ROW EXECUTE FUNCTION idm.membership_events();

-- Deleting a user or an organization deletes its memberships first, while
-- both still exist, so that the deleted events can nest them.
CREATE FUNCTION idm.memberships_delete_first() RETURNS trigger
    AS 'MODULE_PATHNAME', 'memberships_delete_first' LANGUAGE C;
COMMENT ON FUNCTION idm.memberships_delete_first() IS
    'BEFORE DELETE trigger on users/organizations: deletes their memberships (argument: the referring column) first';
CREATE TRIGGER users_memberships_delete_first BEFORE DELETE ON idm.users
    FOR EACH ROW EXECUTE FUNCTION idm.memberships_delete_first('user_id');
CREATE TRIGGER organizations_memberships_delete_first BEFORE DELETE ON idm.organizations
    FOR EACH ROW EXECUTE FUNCTION idm.memberships_delete_first('organization_id');

SELECT pg_catalog.pg_extension_config_dump('idm.memberships', '');

CREATE FUNCTION idm.check_membership_transition(m idm.memberships, to_status idm.membership_status)
RETURNS void
    AS 'MODULE_PATHNAME', 'check_membership_transition' LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION idm.check_membership_transition(idm.memberships, idm.membership_status) IS
    'raises 55000 unless membership m may take to_status now (keeping the status counts as illegal, except a resend)';

-- Internal: for C and SQL code that changes what a membership event shows
-- without changing its row (role assignments).
CREATE FUNCTION idm.emit_membership_event(type idm.event_type, environment_id text,
    organization_id text, user_id text)
RETURNS void
    AS 'MODULE_PATHNAME', 'emit_membership_event' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION idm.emit_membership_event(idm.event_type, text, text, text) IS
    'internal: writes a membership event (OrgMembership types only) for an existing membership; P0002 if missing';
REVOKE EXECUTE ON FUNCTION idm.emit_membership_event(idm.event_type, text, text, text) FROM PUBLIC;

-- Membership API.  Plain INSERT/UPDATE/DELETE obey the same rules and emit
-- the same events.

-- The membership row, locked; P0002 if missing.  Shared by the functions below.
CREATE FUNCTION idm.lock_membership(organization_id text, user_id text, environment_id text)
RETURNS idm.memberships
LANGUAGE plpgsql AS $$
DECLARE
    m idm.memberships;
BEGIN
    SELECT * INTO m FROM idm.memberships t
    WHERE t.environment_id = lock_membership.environment_id
      AND t.organization_id = lock_membership.organization_id
      AND t.user_id = lock_membership.user_id
    FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user "%" has no membership of organization "%"',
                lock_membership.user_id, lock_membership.organization_id
            USING ERRCODE = 'P0002',
                  HINT = 'Check the ids and the environment (idm.environment_id).';
    END IF;
    RETURN m;
END $$;
COMMENT ON FUNCTION idm.lock_membership(text, text, text) IS
    'the membership row, locked FOR UPDATE; raises P0002 if missing';

CREATE FUNCTION idm.create_membership(
    organization_id text,
    user_id text,
    membership_status idm.membership_status DEFAULT 'ACTIVE',
    provisioning_method text DEFAULT 'direct_provision',
    metadata jsonb DEFAULT NULL,
    inviter_email text DEFAULT NULL,
    environment_id text DEFAULT NULL)
RETURNS idm.memberships
LANGUAGE plpgsql AS $$
DECLARE
    m idm.memberships;
BEGIN
    INSERT INTO idm.memberships AS t (environment_id, organization_id, user_id,
        membership_status, provisioning_method, metadata, inviter_email)
    VALUES (idm.current_environment(create_membership.environment_id),
        create_membership.organization_id, create_membership.user_id,
        create_membership.membership_status, create_membership.provisioning_method,
        coalesce(create_membership.metadata, '{}'), create_membership.inviter_email)
    RETURNING t.* INTO m;
    RETURN m;
END $$;
COMMENT ON FUNCTION idm.create_membership(text, text, idm.membership_status, text, jsonb, text, text) IS
    'adds a user to an organization (emits user.organization_membership_created); 23505 if already there, 23503 if either is missing';

CREATE FUNCTION idm.update_membership(
    organization_id text,
    user_id text,
    membership_status idm.membership_status DEFAULT NULL,
    metadata jsonb DEFAULT NULL,
    environment_id text DEFAULT NULL)
RETURNS idm.memberships
LANGUAGE plpgsql AS $$
DECLARE
    env text := idm.current_environment(update_membership.environment_id);
    m idm.memberships;
BEGIN
    PERFORM idm.lock_membership(update_membership.organization_id, update_membership.user_id, env);
    UPDATE idm.memberships t SET
        membership_status = coalesce(update_membership.membership_status, t.membership_status),
        metadata          = coalesce(update_membership.metadata, t.metadata)
    WHERE t.environment_id = env
      AND t.organization_id = update_membership.organization_id
      AND t.user_id = update_membership.user_id
    RETURNING t.* INTO m;
    RETURN m;
END $$;
COMMENT ON FUNCTION idm.update_membership(text, text, idm.membership_status, jsonb, text) IS
    'changes status (legal changes only) or metadata of a membership; emits ..._updated unless nothing changed; P0002 if missing';

CREATE FUNCTION idm.delete_membership(organization_id text, user_id text,
    environment_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM idm.memberships t
    WHERE t.environment_id = idm.current_environment(delete_membership.environment_id)
      AND t.organization_id = delete_membership.organization_id
      AND t.user_id = delete_membership.user_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user "%" has no membership of organization "%"',
                delete_membership.user_id, delete_membership.organization_id
            USING ERRCODE = 'P0002',
                  HINT = 'Check the ids and the environment (idm.environment_id).';
    END IF;
END $$;
COMMENT ON FUNCTION idm.delete_membership(text, text, text) IS
    'removes a membership (emits ..._deleted) or withdraws an invitation (emits nothing); P0002 if missing';

-- Invitations

-- The lifetime of an invitation: positive, else 22023 naming it.
CREATE FUNCTION idm.check_expires_in(expires_in interval) RETURNS interval
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF expires_in IS NULL OR expires_in <= '0'::interval THEN
        RAISE EXCEPTION 'expires_in must be a positive interval, not %', coalesce(expires_in::text, 'NULL')
            USING ERRCODE = '22023',
                  HINT = 'An invitation lasts for expires_in from now, e.g. ''7 days''.';
    END IF;
    RETURN expires_in;
END $$;
COMMENT ON FUNCTION idm.check_expires_in(interval) IS
    'expires_in if it is a positive interval; raises 22023 otherwise';

CREATE FUNCTION idm.invite_user(
    organization_id text,
    email text,
    inviter_email text DEFAULT NULL,
    expires_in interval DEFAULT '7 days',
    metadata jsonb DEFAULT NULL,
    environment_id text DEFAULT NULL)
RETURNS idm.memberships
LANGUAGE plpgsql AS $$
DECLARE
    env text := idm.current_environment(invite_user.environment_id);
    lifetime interval := idm.check_expires_in(invite_user.expires_in);
    uid text;
    m idm.memberships;
BEGIN
    -- the invitee may not have an account yet; a concurrent invitation of the
    -- same email waits here for the other's user, then reuses it
    INSERT INTO idm.users (environment_id, email) VALUES (env, invite_user.email)
    ON CONFLICT DO NOTHING;
    SELECT u.id INTO STRICT uid FROM idm.users u
    WHERE u.environment_id = env AND lower(u.email) = lower(invite_user.email);
    SELECT * INTO m FROM idm.memberships t
    WHERE t.environment_id = env AND t.organization_id = invite_user.organization_id
      AND t.user_id = uid;
    IF FOUND THEN
        RAISE EXCEPTION '% already has a membership of organization "%" (%)',
                invite_user.email, invite_user.organization_id, m.membership_status
            USING ERRCODE = '23505',
                  HINT = CASE WHEN m.membership_status IN ('PENDING_INVITE', 'INVITE_EXPIRED')
                              THEN 'Send it again with idm.resend_invitation().'
                              ELSE 'The user is a member already.' END;
    END IF;
    INSERT INTO idm.memberships AS t (environment_id, organization_id, user_id,
        membership_status, provisioning_method, inviter_email, expires_at, metadata)
    VALUES (env, invite_user.organization_id, uid, 'PENDING_INVITE', 'invitation',
        invite_user.inviter_email, now() + lifetime,
        coalesce(invite_user.metadata, '{}'))
    RETURNING t.* INTO m;
    RETURN m;
END $$;
COMMENT ON FUNCTION idm.invite_user(text, text, text, interval, jsonb, text) IS
    'invites an email (creating its user if new) to an organization: a PENDING_INVITE membership expiring after expires_in; emits user.organization_invitation';

CREATE FUNCTION idm.resend_invitation(
    organization_id text,
    user_id text,
    expires_in interval DEFAULT '7 days',
    environment_id text DEFAULT NULL)
RETURNS idm.memberships
LANGUAGE plpgsql AS $$
DECLARE
    env text := idm.current_environment(resend_invitation.environment_id);
    lifetime interval := idm.check_expires_in(resend_invitation.expires_in);
    m idm.memberships;
BEGIN
    m := idm.lock_membership(resend_invitation.organization_id, resend_invitation.user_id, env);
    PERFORM idm.check_membership_transition(m, 'PENDING_INVITE');
    -- a valid invitation is reminded; an expired (or due) one is renewed
    UPDATE idm.memberships t SET
        membership_status = 'PENDING_INVITE',
        resent_count = t.resent_count + 1,
        resent_at = now(),
        expires_at = CASE WHEN t.expires_at > now() AND t.membership_status = 'PENDING_INVITE'
                          THEN t.expires_at ELSE now() + lifetime END
    WHERE t.environment_id = env
      AND t.organization_id = resend_invitation.organization_id
      AND t.user_id = resend_invitation.user_id
    RETURNING t.* INTO m;
    RETURN m;
END $$;
COMMENT ON FUNCTION idm.resend_invitation(text, text, interval, text) IS
    'sends a pending invitation again (resent_count + 1, resent_at), renewing it for expires_in if it expired; emits user.organization_invitation';

CREATE FUNCTION idm.accept_invitation(organization_id text, user_id text,
    environment_id text DEFAULT NULL)
RETURNS idm.memberships
LANGUAGE plpgsql AS $$
DECLARE
    env text := idm.current_environment(accept_invitation.environment_id);
    m idm.memberships;
BEGIN
    m := idm.lock_membership(accept_invitation.organization_id, accept_invitation.user_id, env);
    PERFORM idm.check_membership_transition(m, 'ACTIVE');
    UPDATE idm.memberships t SET membership_status = 'ACTIVE'
    WHERE t.environment_id = env
      AND t.organization_id = accept_invitation.organization_id
      AND t.user_id = accept_invitation.user_id
    RETURNING t.* INTO m;
    RETURN m;
END $$;
COMMENT ON FUNCTION idm.accept_invitation(text, text, text) IS
    'accepts a pending, unexpired invitation: ACTIVE with accepted_at and join_time; emits user.organization_membership_created';

CREATE FUNCTION idm.expire_invitations(environment_id text DEFAULT NULL)
RETURNS integer
LANGUAGE sql AS $$
    WITH expired AS (
        UPDATE idm.memberships t SET membership_status = 'INVITE_EXPIRED'
        WHERE t.environment_id = idm.current_environment(expire_invitations.environment_id)
          AND t.membership_status = 'PENDING_INVITE'
          AND t.expires_at <= now()
        RETURNING 1)
    SELECT count(*)::integer FROM expired
$$;
COMMENT ON FUNCTION idm.expire_invitations(text) IS
    'marks INVITE_EXPIRED every pending invitation of the environment whose expires_at has passed; returns how many';

-- Signup: a new user creates a new organization.  Emits, in this order,
-- organization.created, user.organization_membership_created (both from the
-- rows) and user.signup.
CREATE FUNCTION idm.signup(
    email text,
    organization_display_name text,
    given_name text DEFAULT NULL,
    family_name text DEFAULT NULL,
    name text DEFAULT NULL,
    organization_external_id text DEFAULT NULL,
    region_code idm.region_code DEFAULT NULL,
    user_external_id text DEFAULT NULL,
    environment_id text DEFAULT NULL)
RETURNS idm.memberships
    AS 'MODULE_PATHNAME', 'signup' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION idm.signup(text, text, text, text, text, text, idm.region_code, text, text) IS
    'creates a user, an organization and their ACTIVE org_creator membership; emits organization.created, user.organization_membership_created and user.signup';
