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
