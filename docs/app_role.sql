-- The grant set for an application role (run as a superuser after
-- CREATE EXTENSION pg_idm; the extension does not create roles).
-- psql -v app=myapp -v sender=webhook_sender -f docs/app_role.sql
--
-- The app role: no superuser, no BYPASSRLS, does not own the tables; it
-- works inside one environment per transaction:
--     BEGIN; SET LOCAL idm.environment_id = 'env_...'; ...; COMMIT;
-- (with a pooler in transaction mode, SET LOCAL is the safe form).
-- The sender role reads events through a subscription and signs them; it is
-- the only one of the two that reads signing secrets.
-- Running this again is harmless (it only grants).

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

-- App data: read and write every resource table of its environment (RLS
-- filters).  Not here: environments, events and their rotating children
-- (read-only, below), the role closures (derived; the triggers write them),
-- subscriptions (consumer rights, below) and the tables without RLS.
SELECT format('GRANT SELECT, INSERT, UPDATE, DELETE ON idm.%I TO %I', c.relname, :'app')
FROM pg_class c
WHERE c.relnamespace = 'idm'::regnamespace AND c.relkind IN ('r', 'p') AND c.relrowsecurity
  AND c.relname NOT IN ('environments', 'events', 'role_ancestors', 'role_effective_permissions',
                        'subscriptions')
  AND c.relname NOT LIKE 'events\_%' \gexec
GRANT SELECT ON idm.role_ancestors, idm.role_effective_permissions TO :"app";
-- The public mail domain list is global configuration: the app reads it
-- (domain checks), an administrator maintains it.
GRANT SELECT ON idm.public_email_domains TO :"app";

-- Environments: everything but the two secrets; the app may switch its
-- events (idm.disable_events / idm.enable_events), nothing else.
GRANT SELECT (id, name, events_enabled, disabled_event_types, create_time, update_time)
    ON idm.environments TO :"app";
GRANT UPDATE (events_enabled, disabled_event_types) ON idm.environments TO :"app";
-- The support hash is computed for the app (SECURITY DEFINER) without
-- showing it support_hash_secret.
GRANT EXECUTE ON FUNCTION idm.support_hash(text, text) TO :"app";

-- Events: read only; only pg_idm writes them.
GRANT SELECT ON idm.events TO :"app", :"sender";

-- Consumers (idm.create_subscription, next_batch, batch_events,
-- finish_batch, drop_subscription, list_subscriptions) run with the
-- caller's rights: the subscription rows of its environment (RLS), the
-- batch id sequence, and the lock that holds event-table rotation off while
-- a subscription is created.  idm.maintain_events is the operator's job.
GRANT SELECT, INSERT, UPDATE, DELETE ON idm.subscriptions TO :"app", :"sender";
GRANT USAGE ON SEQUENCE idm.subscription_batch_id_seq TO :"app", :"sender";
GRANT EXECUTE ON FUNCTION idm.hold_event_rotation() TO :"app", :"sender";

-- The sender signs webhooks: it may read the secrets of its environment and sign.
GRANT SELECT ON idm.environments TO :"sender";
GRANT EXECUTE ON FUNCTION idm.webhook_request(idm.events, bigint) TO :"sender";

-- Reading a connected account's decrypted credentials is granted to no one
-- here.  Grant it to the role that calls the third-party APIs, if any:
--   GRANT EXECUTE ON FUNCTION idm.connected_account_credentials(text, text) TO some_role;
-- (each call is logged without the value; see README, Security).
