-- What pg_idm is compared with, installed only by scripts/bench.
--
-- Figure 1: the usual way to write an outbox or audit row (supa_audit and
-- most outbox tutorials): a PL/pgSQL AFTER ROW trigger that builds the same
-- payload as pg_idm with jsonb_build_object and INSERTs it.  The payloads
-- are the same jsonb (scripts/bench --smoke checks it), written into a table
-- shaped like a child of idm.events with the same indexes.
-- Figure 2's baseline, a recursive CTE over role inheritance, is in
-- cte_permission.pgb (a prepared statement, as has_permission is).
-- Figure 1's membership INSERT takes its (organization, user) pairs from
-- bench_membership_seq, so that no pair repeats.

-- shaped like a child of idm.events (its parent refuses rows of its own)
CREATE TABLE IF NOT EXISTS bench_events (LIKE idm.events_0 INCLUDING ALL);
CREATE SEQUENCE IF NOT EXISTS bench_membership_seq;

-- RFC 3339 in UTC with microseconds, as pg_idm writes times
CREATE OR REPLACE FUNCTION bench_time(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

CREATE OR REPLACE FUNCTION bench_org_json(r idm.organizations) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'create_time', bench_time(r.create_time),
        'display_name', r.display_name,
        'external_id', r.external_id,
        'id', r.id,
        'metadata', r.metadata,
        'region_code', r.region_code,
        'update_time', bench_time(r.update_time),
        'settings', r.settings)
$$;

CREATE OR REPLACE FUNCTION bench_plpgsql_org_events() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    r idm.organizations := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    t text := CASE TG_OP WHEN 'INSERT' THEN 'organization.created'
                         WHEN 'UPDATE' THEN 'organization.updated'
                         ELSE 'organization.deleted' END;
BEGIN
    IF TG_OP = 'UPDATE' AND OLD IS NOT DISTINCT FROM NEW THEN
        RETURN NULL;
    END IF;
    INSERT INTO bench_events (id, type, object, occurred_at, environment_id,
                              organization_id, data, display_name, spec_version, xid)
    VALUES (idm.gen_id('evt'), t::idm.event_type, 'Organization', clock_timestamp(),
            r.environment_id, r.id, bench_org_json(r),
            initcap(replace(t, '.', ' ')), '1', pg_current_xact_id());
    RETURN NULL;
END $$;

-- The membership payload: {"organization": {...}, "user": {... "user_profile":
-- {... "external_identities": [...]}, "memberships": [this membership]}}
CREATE OR REPLACE FUNCTION bench_plpgsql_membership_events() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    m idm.memberships := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    o idm.organizations;
    u idm.users;
    t text := CASE TG_OP WHEN 'INSERT' THEN 'user.organization_membership_created'
                         WHEN 'UPDATE' THEN 'user.organization_membership_updated'
                         ELSE 'user.organization_membership_deleted' END;
BEGIN
    IF TG_OP = 'UPDATE' AND OLD IS NOT DISTINCT FROM NEW THEN
        RETURN NULL;
    END IF;
    SELECT * INTO o FROM idm.organizations
    WHERE environment_id = m.environment_id AND id = m.organization_id;
    SELECT * INTO u FROM idm.users
    WHERE environment_id = m.environment_id AND id = m.user_id;
    INSERT INTO bench_events (id, type, object, occurred_at, environment_id,
                              organization_id, data, display_name, spec_version, xid)
    VALUES (idm.gen_id('evt'), t::idm.event_type, 'OrgMembership', clock_timestamp(),
            m.environment_id, m.organization_id,
            jsonb_build_object(
                'organization', bench_org_json(o),
                'user', jsonb_build_object(
                    'create_time', bench_time(u.create_time),
                    'email', u.email,
                    'external_id', coalesce(u.external_id, ''),
                    'id', u.id,
                    'last_login_time', bench_time(u.last_login_time),
                    'metadata', u.metadata,
                    'update_time', bench_time(u.update_time),
                    'user_profile', jsonb_build_object(
                        'custom_attributes', u.custom_attributes,
                        'email_verified', u.email_verified,
                        'family_name', u.family_name,
                        'gender', u.gender,
                        'given_name', u.given_name,
                        'groups', u.groups,
                        'id', u.user_profile_id,
                        'locale', u.locale,
                        'metadata', u.profile_metadata,
                        'name', u.name,
                        'phone_number', u.phone_number,
                        'phone_number_verified', u.phone_number_verified,
                        'picture', u.picture,
                        'preferred_username', u.preferred_username,
                        'external_identities', coalesce((
                            SELECT jsonb_agg(jsonb_build_object(
                                       'connection_id', i.connection_id,
                                       'connection_provider', i.connection_provider,
                                       'connection_type', i.connection_type,
                                       'connection_user_id', i.connection_user_id,
                                       'created_time', bench_time(i.created_time),
                                       'is_social', i.is_social,
                                       'last_login_time', bench_time(i.last_login_time),
                                       'last_synced_time', bench_time(i.last_synced_time),
                                       'updated_time', bench_time(i.updated_time),
                                       'raw_attributes', i.raw_attributes::text)
                                   ORDER BY i.connection_id, i.connection_user_id)
                            FROM idm.external_identities i
                            WHERE i.environment_id = u.environment_id AND i.user_id = u.id),
                            '[]')),
                    'memberships', jsonb_build_array(jsonb_build_object(
                        'accepted_at', bench_time(m.accepted_at),
                        'created_at', bench_time(m.created_at),
                        'expires_at', bench_time(m.expires_at),
                        'inviter_email', m.inviter_email,
                        'join_time', bench_time(m.join_time),
                        'membership_status', m.membership_status,
                        'metadata', m.metadata,
                        'organization_id', m.organization_id,
                        'provisioning_method', m.provisioning_method,
                        'display_name', o.display_name)))),
            initcap(replace(t, '.', ' ')), '1', pg_current_xact_id());
    RETURN NULL;
END $$;
