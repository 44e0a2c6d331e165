-- Row-level security and privileges.  This file runs last, so it covers
-- every table the install script created.
--
-- Every table with an environment_id column (and idm.environments itself)
-- gets RLS, FORCEd, with one permissive policy keyed by the setting
-- idm.environment_id, read with current_setting(name, true): unset means no
-- rows.  Tables with an organization_id column also get a RESTRICTIVE
-- policy for the optional setting idm.organization_id: when it is set, rows
-- of other organizations disappear (rows without an organization, such as
-- environment-level roles, stay).  No subqueries (Citus rejects them), and
-- the policy column leads every key, so the filter is an index prefix.
-- Superusers and BYPASSRLS roles are not filtered: the app's role must be
-- neither, and must not own the tables.

DO $$
DECLARE
    t record;
    key text;
    org text;
BEGIN
    FOR t IN
        SELECT c.oid::regclass AS rel, c.relname,
               EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                       AND a.attname = 'organization_id' AND NOT a.attisdropped) AS has_org
        FROM pg_class c
        WHERE c.relnamespace = 'idm'::regnamespace AND c.relkind IN ('r', 'p')
          AND (c.relname = 'environments' OR EXISTS (
                SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                AND a.attname = 'environment_id' AND NOT a.attisdropped))
    LOOP
        key := CASE WHEN t.relname = 'environments' THEN 'id' ELSE 'environment_id' END;
        EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t.rel);
        EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', t.rel);
        EXECUTE format($p$CREATE POLICY idm_environment ON %s
                USING (%I = current_setting('idm.environment_id', true))
                WITH CHECK (%I = current_setting('idm.environment_id', true))$p$,
            t.rel, key, key);
        -- an organization's own row is keyed by id
        org := CASE WHEN t.relname = 'organizations' THEN 'id'
                    WHEN t.has_org THEN 'organization_id' END;
        IF org IS NOT NULL THEN
            EXECUTE format($p$CREATE POLICY idm_organization ON %s AS RESTRICTIVE
                USING (%I IS NULL
                       OR coalesce(current_setting('idm.organization_id', true), '') = ''
                       OR %I = current_setting('idm.organization_id', true))
                WITH CHECK (%I IS NULL
                       OR coalesce(current_setting('idm.organization_id', true), '') = ''
                       OR %I = current_setting('idm.organization_id', true))$p$,
                t.rel, org, org, org, org);
        END IF;
    END LOOP;
END $$;

-- Signing is for the role that sends webhooks, not for the app: only roles
-- granted SELECT on environments.webhook_secret (or EXECUTE here) sign.
REVOKE EXECUTE ON FUNCTION idm.webhook_request(idm.events, bigint) FROM PUBLIC;

-- Privileges.  Schema idm grants nothing to PUBLIC (no USAGE): a role
-- reaches no table and no function here until granted USAGE, as
-- docs/app_role.sql does for the app and the webhook sender.  Functions
-- keep PostgreSQL's default EXECUTE for PUBLIC where calling them can do
-- no more than the caller's own table privileges and row-level security
-- allow (plpgsql and SQL functions run as the caller; C functions write
-- through SPI as the caller) and where CHECK constraints and defaults need
-- them (validators, id generators).  Taken from PUBLIC:
--   - trigger functions (they fire whatever EXECUTE says; called directly
--     they only fail);
--   - event-table rotation, for the operator's job: maintain_events,
--     truncate_event_table, event_table_holder;
--   - functions that reach past the caller's privileges, each granted on
--     its own in docs/app_role.sql: connected_account_credentials,
--     rotate_credentials, emit_membership_event, webhook_request,
--     support_hash, hold_event_rotation (revoked where they are defined).
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure FROM pg_proc p
        WHERE p.pronamespace = 'idm'::regnamespace
          AND (p.prorettype = 'trigger'::regtype
               OR p.proname IN ('maintain_events', 'truncate_event_table', 'event_table_holder'))
    LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END $$;

-- Every SECURITY DEFINER function pins its search_path (pg_temp last, so a
-- caller's temporary table cannot stand in for one of ours).  Enforced here,
-- so a new one without it fails the install.
DO $$
DECLARE
    bad text;
BEGIN
    SELECT string_agg(p.oid::regprocedure::text, ', ') INTO bad
    FROM pg_proc p
    WHERE p.pronamespace = 'idm'::regnamespace AND p.prosecdef
      AND NOT coalesce('search_path=pg_catalog, idm, pg_temp' = ANY (p.proconfig), false);
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'SECURITY DEFINER functions without SET search_path = pg_catalog, idm, pg_temp: %', bad;
    END IF;
END $$;
