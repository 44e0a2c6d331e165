-- The usual approach pg_idm is compared with: a PL/pgSQL AFTER ROW trigger
-- that builds the same payload with jsonb_build_object and INSERTs it (as
-- supa_audit and most outbox tutorials do).  Installed only by scripts/bench.
-- shaped like a child of idm.events (its parent refuses rows of its own)
CREATE TABLE IF NOT EXISTS bench_events (LIKE idm.events_0 INCLUDING ALL);

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
            r.environment_id, r.id,
            jsonb_build_object(
                'create_time', to_char(r.create_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                'display_name', r.display_name,
                'external_id', r.external_id,
                'id', r.id,
                'metadata', r.metadata,
                'region_code', r.region_code,
                'update_time', to_char(r.update_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                'settings', r.settings),
            initcap(replace(t, '.', ' ')), '1', pg_current_xact_id());
    RETURN NULL;
END $$;
