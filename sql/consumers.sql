-- consumers: subscriptions, batches, filters, lag, bad input
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_idm;
RESET client_min_messages;
\set SHOW_CONTEXT never
-- err(sql): runs sql, returns "SQLSTATE: message (detail)" of its error
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
    detail text;
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
    RETURN SQLSTATE || ': ' || SQLERRM || coalesce(' (' || nullif(detail, '') || ')', '');
END $f$;
-- batch(sub): the display names and types of the next batch, finished
CREATE FUNCTION pg_temp.batch(sub text, env text DEFAULT NULL)
RETURNS TABLE (type idm.event_type, name text) LANGUAGE plpgsql AS $f$
BEGIN
    IF idm.next_batch(sub, env) IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY SELECT e.type, e.data->>'display_name' FROM idm.batch_events(sub, env) e;
    PERFORM idm.finish_batch(sub, env);
END $f$;

INSERT INTO idm.environments (id, name) VALUES ('env_cons1', 'consumers'), ('env_cons2', 'other');
SET idm.environment_id = 'env_cons1';

-- events from before a subscription was created are not in it
SELECT id AS acme_id FROM idm.create_organization('Acme', 'acme') \gset
SELECT name, event_types, organization_id, batch_id FROM idm.create_subscription('hooks');
SELECT idm.next_batch('hooks') AS nothing_new;

-- a batch: the events committed since, in (xid, id) order
SELECT display_name FROM idm.create_organization('Globex');
UPDATE idm.organizations SET metadata = '{"tier": "gold"}' WHERE environment_id = 'env_cons1';
SELECT idm.next_batch('hooks') AS batch \gset
SELECT type, data->>'display_name' AS name FROM idm.batch_events('hooks');
SELECT array_agg(id) AS first_read FROM idm.batch_events('hooks') \gset
-- the same batch and the same events until it is finished
SELECT idm.next_batch('hooks') = :batch AS same_batch,
       (SELECT array_agg(id) FROM idm.batch_events('hooks')) = :'first_read' AS same_events;
SELECT idm.finish_batch('hooks') = :batch AS finished;
SELECT idm.next_batch('hooks') AS nothing_new;
SELECT count(*) AS after_finish FROM pg_temp.batch('hooks');

-- one batch holds every transaction committed since the last one
SELECT display_name FROM idm.create_organization('Initech');
SELECT display_name FROM idm.create_organization('Umbrella');
SELECT * FROM pg_temp.batch('hooks');

-- released savepoints belong to the transaction, rolled-back ones vanish
BEGIN;
SAVEPOINT a;
SELECT display_name FROM idm.create_organization('rolled back');
ROLLBACK TO a;
SAVEPOINT b;
SELECT display_name FROM idm.create_organization('released');
RELEASE b;
SELECT display_name FROM idm.create_organization('top level');
COMMIT;
SELECT * FROM pg_temp.batch('hooks');

-- filters: event types, organization, environment
SELECT name, event_types FROM idm.create_subscription('created',
    ARRAY['organization.deleted', 'organization.created', 'organization.created']);
SELECT name, organization_id = :'acme_id' AS acme FROM idm.create_subscription('acme', organization_id => :'acme_id');
SELECT name FROM idm.create_subscription('elsewhere', environment_id => 'env_cons2');
SELECT display_name FROM idm.update_organization(:'acme_id', display_name => 'Acme Inc');
SELECT display_name FROM idm.create_organization('Hooli');
SELECT idm.delete_organization(id) FROM idm.organizations WHERE display_name = 'Globex';
SELECT * FROM pg_temp.batch('created');
SELECT * FROM pg_temp.batch('acme');
SELECT count(*) AS other_environment FROM pg_temp.batch('elsewhere', 'env_cons2');
SELECT display_name FROM idm.create_organization('Elsewhere Ltd', environment_id => 'env_cons2');
SELECT * FROM pg_temp.batch('elsewhere', 'env_cons2');
-- a filter with nothing to read moves on without a batch
SELECT idm.next_batch('acme') AS nothing_for_acme;

-- from the oldest retained event: everything of the environment
SELECT name FROM idm.create_subscription('replay', from_oldest => true);
SELECT idm.next_batch('replay') IS NOT NULL AS opened;
SELECT (SELECT count(*) FROM idm.batch_events('replay')) =
       (SELECT count(*) FROM idm.events WHERE environment_id = 'env_cons1') AS every_event;

-- list: open batch, pending events and their age
SELECT display_name FROM idm.create_organization('Pending Co');
SELECT name, event_types, batch_id IS NOT NULL AS open_batch, pending_events,
       lag > '0' AS lagging, last_finished_at <= now() AS finished_at_ok, behind_retention
FROM idm.list_subscriptions();
SELECT environment_id, name FROM idm.list_subscriptions('env_cons2');
RESET idm.environment_id;
SELECT environment_id, name FROM idm.list_subscriptions() WHERE environment_id LIKE 'env_cons%';
SET idm.environment_id = 'env_cons1';

-- drop
SELECT idm.drop_subscription('replay');
SELECT count(*) AS replay_left FROM idm.subscriptions WHERE name = 'replay';

-- bad input: precise errors, nothing changes
CREATE TEMP TABLE before AS SELECT * FROM idm.subscriptions;
SELECT count(*) AS subscriptions_before FROM idm.subscriptions;
SELECT pg_temp.err($$SELECT idm.next_batch('nope')$$);
SELECT pg_temp.err($$SELECT * FROM idm.batch_events('nope')$$);
SELECT pg_temp.err($$SELECT idm.finish_batch('nope')$$);
SELECT pg_temp.err($$SELECT idm.drop_subscription('nope')$$);
SELECT pg_temp.err($$SELECT idm.next_batch('hooks', 'env_cons2')$$);
SELECT pg_temp.err($$SELECT idm.create_subscription('hooks')$$);
SELECT pg_temp.err($$SELECT idm.create_subscription('typo', ARRAY['organization.created', 'organization.exploded'])$$);
SELECT pg_temp.err($$SELECT idm.create_subscription('typo', ARRAY['organization.created', NULL])$$);
SELECT pg_temp.err($$SELECT idm.create_subscription('typo', '{}')$$);
SELECT pg_temp.err($$SELECT idm.create_subscription('two words')$$);
SELECT pg_temp.err($$SELECT idm.create_subscription('')$$);
SELECT pg_temp.err($$SELECT idm.create_subscription(repeat('x', 65))$$);
SELECT pg_temp.err($$SELECT idm.create_subscription(NULL)$$);
SELECT pg_temp.err($$SELECT idm.create_subscription('typo', organization_id => 'usr_1')$$);
SELECT pg_temp.err($$SELECT idm.create_subscription('typo', environment_id => 'env_missing')$$);
SELECT pg_temp.err($$SELECT idm.finish_batch('hooks')$$);
SELECT pg_temp.err($$SELECT * FROM idm.batch_events('hooks')$$);
SELECT pg_temp.err($$INSERT INTO idm.events VALUES ('evt_1', 'role.created', 'Role', '2024-01-01', 'env_cons1', NULL, '{}', 'Role Created', '1', '1')$$);
SET idm.event_retention = 'soon';
SELECT pg_temp.err($$SELECT idm.next_batch('hooks')$$);
SET idm.event_retention = '-1 day';
SELECT pg_temp.err($$SELECT * FROM idm.maintain_events()$$);
RESET idm.event_retention;
RESET idm.environment_id;
SELECT pg_temp.err($$SELECT idm.next_batch('hooks')$$);
SET idm.environment_id = 'env_cons1';
SELECT count(*) AS subscriptions_after,
       count(*) FILTER (WHERE (s.*)::text = (b.*)::text) AS unchanged
FROM idm.subscriptions s JOIN before b USING (environment_id, name);
SELECT count(*) AS typo_created FROM idm.subscriptions WHERE name = 'typo';
-- the failures changed nothing: hooks still gets its pending events
SELECT * FROM pg_temp.batch('hooks');

-- leave no subscription behind to hold events of other tests
SELECT count(idm.drop_subscription(name, environment_id)) AS dropped
FROM idm.subscriptions WHERE environment_id LIKE 'env_cons%';
DELETE FROM idm.organizations WHERE environment_id LIKE 'env_cons%';
DELETE FROM idm.environments WHERE id LIKE 'env_cons%';
