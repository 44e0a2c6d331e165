-- Sessions (sessionsSessionDetails).  A session is born ACTIVE and ends once:
--   ACTIVE -> LOGOUT   the user logged out (logout_at)       emits user.logout
--   ACTIVE -> REVOKED  the app ended it (expired_at = now)    emits nothing
--   ACTIVE -> EXPIRED  its time was up (expired_at = when)    emits nothing
-- Inserting a session is a login: it sets users.last_login_time and emits
-- user.login.  Touching (moving last_active_at) slides idle_expires_at, which
-- is always least(last_active_at + idle_timeout, absolute_expires_at).
-- The rules are checked in C (sessions_guard), for plain SQL too.

CREATE FUNCTION idm.check_session_device(value jsonb) RETURNS boolean
    AS 'MODULE_PATHNAME', 'check_session_device' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION idm.check_session_device(jsonb) IS
    'true if value is a sessionsDeviceDetails object (known keys, string values, valid ip and coordinates); raises 22023 otherwise';

CREATE FUNCTION idm.check_authenticated_clients(value jsonb) RETURNS boolean
    AS 'MODULE_PATHNAME', 'check_authenticated_clients' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION idm.check_authenticated_clients(jsonb) IS
    'true if value is an array of {"client_id": "skc_...", "organization_id": "org_..." or null}; raises otherwise';

CREATE FUNCTION idm.check_session_organizations(ids text[]) RETURNS boolean
    AS 'MODULE_PATHNAME', 'check_session_organizations' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION idm.check_session_organizations(text[]) IS
    'true if ids are organization ids without NULLs or repeats; raises otherwise';

CREATE TABLE idm.sessions (
    environment_id      text NOT NULL,
    id                  text NOT NULL DEFAULT idm.gen_id('ses')
                        CHECK (idm.check_id(id, 'ses', 'session id')),
    user_id             text NOT NULL,
    -- the most recently active organization of the session
    organization_id     text,
    status              idm.session_status NOT NULL DEFAULT 'ACTIVE',
    authenticated_organizations text[] NOT NULL DEFAULT '{}'
                        CHECK (idm.check_session_organizations(authenticated_organizations)),
    authenticated_clients jsonb NOT NULL DEFAULT '[]'
                        CHECK (idm.check_authenticated_clients(authenticated_clients)),
    idle_timeout        interval NOT NULL DEFAULT '7 days'
                        CONSTRAINT sessions_idle_timeout_positive CHECK (idle_timeout > '0'),
    absolute_expires_at timestamptz NOT NULL DEFAULT now() + interval '30 days',
    idle_expires_at     timestamptz NOT NULL,   -- set by sessions_guard
    last_active_at      timestamptz NOT NULL,   -- set by sessions_guard
    expired_at          timestamptz,
    logout_at           timestamptz,
    -- device (sessionsDeviceDetails) and its location (v1sessionsLocation)
    browser             text NOT NULL DEFAULT '' CHECK (idm.check_length(browser, 'browser', 0, 255)),
    browser_version     text NOT NULL DEFAULT '' CHECK (idm.check_length(browser_version, 'browser_version', 0, 64)),
    device_type         text NOT NULL DEFAULT '' CHECK (idm.check_length(device_type, 'device_type', 0, 64)),
    ip                  inet,
    os                  text NOT NULL DEFAULT '' CHECK (idm.check_length(os, 'os', 0, 255)),
    os_version          text NOT NULL DEFAULT '' CHECK (idm.check_length(os_version, 'os_version', 0, 64)),
    user_agent          text NOT NULL DEFAULT '' CHECK (idm.check_length(user_agent, 'user_agent', 0, 2048)),
    city                text NOT NULL DEFAULT '' CHECK (idm.check_length(city, 'city', 0, 255)),
    region              text NOT NULL DEFAULT '' CHECK (idm.check_length(region, 'region', 0, 255)),
    region_subdivision  text NOT NULL DEFAULT '' CHECK (idm.check_length(region_subdivision, 'region_subdivision', 0, 255)),
    latitude            numeric CONSTRAINT sessions_latitude_range CHECK (latitude BETWEEN -90 AND 90),
    longitude           numeric CONSTRAINT sessions_longitude_range CHECK (longitude BETWEEN -180 AND 180),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (environment_id, id),
    FOREIGN KEY (environment_id, user_id)
        REFERENCES idm.users (environment_id, id) ON DELETE CASCADE,
    FOREIGN KEY (environment_id, organization_id)
        REFERENCES idm.organizations (environment_id, id) ON DELETE SET NULL (organization_id),
    CONSTRAINT sessions_absolute_after_creation CHECK (absolute_expires_at > created_at),
    CONSTRAINT sessions_expiry_order CHECK (idle_expires_at <= absolute_expires_at),
    CONSTRAINT sessions_logout_at CHECK ((status = 'LOGOUT') = (logout_at IS NOT NULL)),
    CONSTRAINT sessions_expired_at CHECK ((status IN ('EXPIRED', 'REVOKED')) = (expired_at IS NOT NULL))
);
COMMENT ON TABLE idm.sessions IS
    'user sessions; inserting one is a login (user.login), ending one by LOGOUT emits user.logout';
CREATE INDEX sessions_user_idx ON idm.sessions (environment_id, user_id);
CREATE INDEX sessions_organization_idx ON idm.sessions (environment_id, organization_id);
-- idm.expire_sessions() finds the due sessions here
CREATE INDEX sessions_active_expiry_idx ON idm.sessions (environment_id, idle_expires_at)
    WHERE status = 'ACTIVE';

CREATE TRIGGER sessions_stamp_times BEFORE INSERT OR UPDATE ON idm.sessions
    FOR EACH ROW EXECUTE FUNCTION idm.stamp_times('created_at', 'updated_at');

CREATE FUNCTION idm.session_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'session_guard' LANGUAGE C;
COMMENT ON FUNCTION idm.session_guard() IS
    'BEFORE ROW trigger: the session lifecycle rules; fills last_active_at, idle_expires_at, logout_at and expired_at';
CREATE TRIGGER sessions_guard BEFORE INSERT OR UPDATE ON idm.sessions
    FOR EACH ROW EXECUTE FUNCTION idm.session_guard();

CREATE FUNCTION idm.session_events() RETURNS trigger
    AS 'MODULE_PATHNAME', 'session_events' LANGUAGE C;
COMMENT ON FUNCTION idm.session_events() IS
    'AFTER ROW trigger: a new session sets users.last_login_time and emits user.login; LOGOUT emits user.logout';
CREATE TRIGGER sessions_events AFTER INSERT OR UPDATE ON idm.sessions
    FOR EACH ROW EXECUTE FUNCTION idm.session_events();

SELECT pg_catalog.pg_extension_config_dump('idm.sessions', '');

CREATE FUNCTION idm.check_session_transition(s idm.sessions, to_status idm.session_status)
RETURNS void
    AS 'MODULE_PATHNAME', 'check_session_transition' LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION idm.check_session_transition(idm.sessions, idm.session_status) IS
    'raises 55000 unless session s may take to_status now (ACTIVE: a touch, refused once expired)';

CREATE FUNCTION idm.login(
    user_id text,
    organization_id text DEFAULT NULL,
    device jsonb DEFAULT NULL,
    idle_timeout interval DEFAULT '7 days',
    absolute_timeout interval DEFAULT '30 days',
    authenticated_clients jsonb DEFAULT NULL,
    environment_id text DEFAULT NULL)
RETURNS idm.sessions
LANGUAGE plpgsql AS $$
DECLARE
    env text := idm.current_environment(login.environment_id);
    d jsonb := coalesce(login.device, '{}');
    member_status idm.membership_status;
    s idm.sessions;
BEGIN
    PERFORM idm.require_user(login.user_id, env);
    IF NOT login.idle_timeout > '0' OR NOT login.absolute_timeout > '0' THEN
        RAISE EXCEPTION 'invalid % "%"',
                CASE WHEN login.idle_timeout > '0' THEN 'absolute_timeout' ELSE 'idle_timeout' END,
                CASE WHEN login.idle_timeout > '0' THEN login.absolute_timeout ELSE login.idle_timeout END
            USING ERRCODE = '22023',
                  DETAIL = 'Session timeouts are positive intervals.',
                  HINT = 'For example idle_timeout => ''7 days'', absolute_timeout => ''30 days''.';
    END IF;
    IF login.organization_id IS NOT NULL THEN
        SELECT m.membership_status INTO member_status FROM idm.memberships m
        WHERE m.environment_id = env AND m.organization_id = login.organization_id
          AND m.user_id = login.user_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'user "%" is not a member of organization "%"',
                    login.user_id, login.organization_id
                USING ERRCODE = 'P0002',
                      HINT = 'Log in without an organization, or add the membership first.';
        ELSIF member_status <> 'ACTIVE' THEN
            RAISE EXCEPTION 'user "%" cannot log in to organization "%": membership is %',
                    login.user_id, login.organization_id, member_status
                USING ERRCODE = '55000',
                      HINT = 'Only an ACTIVE membership can log in; accept the invitation or reactivate the membership first.';
        END IF;
    END IF;
    PERFORM idm.check_session_device(d);
    INSERT INTO idm.sessions AS t (environment_id, user_id, organization_id,
        authenticated_organizations, authenticated_clients, idle_timeout, absolute_expires_at,
        browser, browser_version, device_type, ip, os, os_version, user_agent,
        city, region, region_subdivision, latitude, longitude)
    VALUES (env, login.user_id, login.organization_id,
        CASE WHEN login.organization_id IS NULL THEN '{}' ELSE ARRAY[login.organization_id] END,
        coalesce(login.authenticated_clients, '[]'), login.idle_timeout, now() + login.absolute_timeout,
        coalesce(d->>'browser', ''), coalesce(d->>'browser_version', ''),
        coalesce(d->>'device_type', ''), (d->>'ip')::inet, coalesce(d->>'os', ''),
        coalesce(d->>'os_version', ''), coalesce(d->>'user_agent', ''),
        coalesce(d#>>'{location,city}', ''), coalesce(d#>>'{location,region}', ''),
        coalesce(d#>>'{location,region_subdivision}', ''),
        (d#>>'{location,latitude}')::numeric, (d#>>'{location,longitude}')::numeric)
    RETURNING t.* INTO s;
    RETURN s;
END $$;
COMMENT ON FUNCTION idm.login(text, text, jsonb, interval, interval, jsonb, text) IS
    'creates an ACTIVE session (device in the API''s shape) expiring after idle_timeout of inactivity or absolute_timeout; sets last_login_time; emits user.login';

-- Locks a session, checks the change (C) and makes it; ACTIVE means a touch.
-- Shared by touch_session, logout and revoke_session.
CREATE FUNCTION idm.change_session(session_id text, to_status idm.session_status,
    environment_id text DEFAULT NULL)
RETURNS idm.sessions
LANGUAGE plpgsql AS $$
DECLARE
    s idm.sessions;
BEGIN
    SELECT * INTO s FROM idm.sessions t
    WHERE t.environment_id = idm.current_environment(change_session.environment_id)
      AND t.id = change_session.session_id
    FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'session "%" does not exist', change_session.session_id
            USING ERRCODE = 'P0002',
                  HINT = 'Check the id and the environment (idm.environment_id).';
    END IF;
    -- also refuses repeating an ending, which the UPDATE alone would not show
    PERFORM idm.check_session_transition(s, change_session.to_status);
    UPDATE idm.sessions t SET
        status = change_session.to_status,
        last_active_at = CASE WHEN change_session.to_status = 'ACTIVE' THEN now() ELSE t.last_active_at END
    WHERE t.environment_id = s.environment_id AND t.id = s.id
    RETURNING t.* INTO s;
    RETURN s;
END $$;
COMMENT ON FUNCTION idm.change_session(text, idm.session_status, text) IS
    'locks a session and takes it to to_status (ACTIVE: a touch) if legal; 55000 if not, P0002 if missing';

CREATE FUNCTION idm.touch_session(session_id text, environment_id text DEFAULT NULL)
RETURNS idm.sessions
LANGUAGE sql AS $$ SELECT * FROM idm.change_session($1, 'ACTIVE', $2) $$;
COMMENT ON FUNCTION idm.touch_session(text, text) IS
    'records activity: last_active_at = now(), idle expiry slides; 55000 if the session ended or expired, P0002 if missing';

CREATE FUNCTION idm.logout(session_id text, environment_id text DEFAULT NULL)
RETURNS idm.sessions
LANGUAGE sql AS $$ SELECT * FROM idm.change_session($1, 'LOGOUT', $2) $$;
COMMENT ON FUNCTION idm.logout(text, text) IS
    'ends an ACTIVE session by logout (logout_at); emits user.logout; 55000 if it ended already, P0002 if missing';

CREATE FUNCTION idm.revoke_session(session_id text, environment_id text DEFAULT NULL)
RETURNS idm.sessions
LANGUAGE sql AS $$ SELECT * FROM idm.change_session($1, 'REVOKED', $2) $$;
COMMENT ON FUNCTION idm.revoke_session(text, text) IS
    'ends an ACTIVE session now (REVOKED, expired_at); 55000 if it ended already, P0002 if missing';

CREATE FUNCTION idm.revoke_user_sessions(user_id text, environment_id text DEFAULT NULL)
RETURNS SETOF idm.sessions
LANGUAGE plpgsql AS $$
DECLARE
    env text := idm.current_environment(revoke_user_sessions.environment_id);
BEGIN
    PERFORM idm.require_user(revoke_user_sessions.user_id, env);
    RETURN QUERY
        UPDATE idm.sessions t SET status = 'REVOKED'
        WHERE t.environment_id = env AND t.user_id = revoke_user_sessions.user_id
          AND t.status = 'ACTIVE'
        RETURNING t.*;
END $$;
COMMENT ON FUNCTION idm.revoke_user_sessions(text, text) IS
    'revokes every ACTIVE session of a user and returns them (ended ones stay as they are); P0002 if the user is missing';

CREATE FUNCTION idm.expire_sessions(environment_id text DEFAULT NULL)
RETURNS integer
LANGUAGE sql AS $$
    WITH expired AS (
        UPDATE idm.sessions t SET status = 'EXPIRED'
        WHERE t.environment_id = idm.current_environment(expire_sessions.environment_id)
          AND t.status = 'ACTIVE'
          AND t.idle_expires_at <= now()
        RETURNING 1)
    SELECT count(*)::integer FROM expired
$$;
COMMENT ON FUNCTION idm.expire_sessions(text) IS
    'marks EXPIRED every ACTIVE session of the environment whose idle or absolute expiry has passed; returns how many';
