-- The grant set for an application role (run as a superuser after
-- CREATE EXTENSION pg_idm; the extension does not create roles).
-- psql -v app=myapp -v sender=webhook_sender -f docs/app_role.sql
--
-- The app role: no superuser, no BYPASSRLS, does not own the tables; it
-- works inside one environment per transaction:
--     BEGIN; SET LOCAL idm.environment_id = 'env_...'; ...; COMMIT;
-- (with a pooler in transaction mode, SET LOCAL is the safe form).

\if :{?app}
\else
\set app idm_app
\endif
\if :{?sender}
\else
\set sender idm_sender
\endif

SELECT format('CREATE ROLE %I NOLOGIN NOBYPASSRLS', :'app')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app') \gexec
SELECT format('CREATE ROLE %I NOLOGIN NOBYPASSRLS', :'sender')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'sender') \gexec

GRANT USAGE ON SCHEMA idm TO :"app", :"sender";

-- Data: read and write every resource table of its environment (RLS filters).
SELECT format('GRANT SELECT, INSERT, UPDATE, DELETE ON idm.%I TO %I', c.relname, :'app')
FROM pg_class c
WHERE c.relnamespace = 'idm'::regnamespace AND c.relkind IN ('r', 'p')
  AND c.relname NOT IN ('environments', 'events')
  AND c.relname NOT LIKE 'events\_%' \gexec

-- Environments: everything but the signing secret; no writes.
GRANT SELECT (id, name, create_time, update_time) ON idm.environments TO :"app";
-- Events: read only; only pg_idm writes them.
GRANT SELECT ON idm.events TO :"app", :"sender";

-- The sender signs webhooks: it may read the secret and sign.
GRANT SELECT ON idm.environments TO :"sender";
GRANT EXECUTE ON FUNCTION idm.webhook_request(idm.events, bigint) TO :"sender";
