-- consumers: retention by rotation of the event tables, behind-retention reporting
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_idm;
RESET client_min_messages;
\set SHOW_CONTEXT never
-- maintain(force, retention): idm.maintain_events with that retention, into
-- the table maintained; retried (rolled back) while another session's
-- transaction, autovacuum's analyze say, holds back the xmin horizon
CREATE TEMP TABLE maintained (event_table text, state text, note text);
CREATE PROCEDURE pg_temp.maintain(force boolean, retention text) LANGUAGE plpgsql AS $f$
BEGIN
    FOR i IN 1..100 LOOP
        PERFORM set_config('idm.event_retention', retention, true);
        DELETE FROM maintained;
        INSERT INTO maintained SELECT * FROM idm.maintain_events(force);
        IF i = 100 OR NOT EXISTS (SELECT FROM maintained WHERE note LIKE 'kept while transactions%') THEN
            COMMIT;
            RETURN;
        END IF;
        ROLLBACK;
        PERFORM pg_sleep(0.05);
    END LOOP;
END $f$;
-- drain(sub): finishes every batch of a subscription, returns the events read
CREATE FUNCTION pg_temp.drain(sub text) RETURNS bigint LANGUAGE plpgsql AS $f$
DECLARE
    n bigint := 0;
BEGIN
    WHILE idm.next_batch(sub) IS NOT NULL LOOP
        n := n + (SELECT count(*) FROM idm.batch_events(sub));
        PERFORM idm.finish_batch(sub);
    END LOOP;
    RETURN n;
END $f$;
-- placement(env): the tables holding an environment's events
CREATE FUNCTION pg_temp.placement(env text) RETURNS TABLE (event_table regclass, events bigint)
LANGUAGE sql AS $f$
    SELECT tableoid::regclass, count(*) FROM idm.events WHERE environment_id = env GROUP BY 1 ORDER BY 1
$f$;

INSERT INTO idm.environments (id, name) VALUES ('env_ret1', 'retention'), ('env_ret2', 'idle');
SET idm.environment_id = 'env_ret1';
SELECT name FROM idm.create_subscription('slow');
SELECT name FROM idm.create_subscription('fast');
SELECT name FROM idm.create_subscription('deletes_only', ARRAY['organization.deleted'], environment_id => 'env_ret2');

-- the default retention is 7 days: nothing is due
SELECT current_setting('idm.event_retention', true) AS setting, idm.event_retention() = '7 days' AS seven_days;
CALL pg_temp.maintain(false, ''); TABLE maintained;
SELECT display_name FROM idm.create_organization('Old Co');
SELECT display_name FROM idm.create_organization('Idle Co', environment_id => 'env_ret2');
SELECT pg_temp.drain('fast') AS fast_read;

-- a forced switch: new events go to the next table, readers see both
CALL pg_temp.maintain(true, ''); TABLE maintained;
SELECT display_name FROM idm.create_organization('New Co');
SELECT * FROM pg_temp.placement('env_ret1');
SELECT count(*) AS readable FROM idm.events WHERE environment_id = 'env_ret1';

-- the retired table is kept for the retention ...
CALL pg_temp.maintain(false, '1 hour'); TABLE maintained;
-- ... and past it, for a subscription that has not finished its events
-- (with a zero retention every call switches tables, when the next is free)
CALL pg_temp.maintain(false, '0'); TABLE maintained;

-- which is reported, never skipped
SET idm.event_retention = '0';
SELECT name, pending_events, lag > '0' AS lagging, behind_retention FROM idm.list_subscriptions();
SELECT name, pending_events, behind_retention FROM idm.list_subscriptions('env_ret2');
SELECT idm.next_batch('slow') IS NOT NULL AS slow_opened;
RESET idm.event_retention;
SELECT name, behind_retention FROM idm.list_subscriptions();
SELECT data->>'display_name' AS slow_reads FROM idm.batch_events('slow');
-- an open batch holds its events too
CALL pg_temp.maintain(false, '0'); TABLE maintained;
SELECT idm.finish_batch('slow') IS NOT NULL AS slow_finished;
CALL pg_temp.maintain(false, '0'); TABLE maintained;
SELECT pg_temp.drain('fast') AS fast_read;

-- finished by every subscription whose filter matches: truncated; the idle
-- subscription of env_ret2 (deletes only) did not hold back Idle Co's table
CALL pg_temp.maintain(false, '0'); TABLE maintained;
SELECT * FROM pg_temp.placement('env_ret1');
SELECT * FROM pg_temp.placement('env_ret2');
SELECT idm.next_batch('slow') AS slow_nothing_new, idm.next_batch('fast') AS fast_nothing_new;

-- around the ring: each table comes back once truncated
SELECT display_name FROM idm.create_organization('Newer Co');
SELECT pg_temp.drain('slow') AS slow_read, pg_temp.drain('fast') AS fast_read;
CALL pg_temp.maintain(true, '0'); TABLE maintained;
CALL pg_temp.maintain(true, '0'); TABLE maintained;
SELECT display_name FROM idm.create_organization('Newest Co');
CALL pg_temp.maintain(true, '0'); TABLE maintained;
SELECT * FROM pg_temp.placement('env_ret1');
SELECT idm.next_batch('slow') IS NOT NULL AS slow_opened;
SELECT data->>'display_name' AS slow_reads FROM idm.batch_events('slow');
SELECT idm.finish_batch('slow') IS NOT NULL AS slow_finished;

-- a subscription from the oldest retained event starts at what is left
SELECT name FROM idm.create_subscription('replay', from_oldest => true);
SELECT pg_temp.drain('replay') AS replay_read,
       (SELECT count(*) FROM idm.events WHERE environment_id = 'env_ret1') AS retained;

-- dropping a subscription releases what it kept
CALL pg_temp.maintain(true, '0'); TABLE maintained;
SELECT idm.drop_subscription('fast');
CALL pg_temp.maintain(false, '0'); TABLE maintained;
SELECT count(idm.drop_subscription(name, environment_id)) AS dropped
FROM idm.subscriptions WHERE environment_id LIKE 'env_ret%';
DELETE FROM idm.organizations WHERE environment_id LIKE 'env_ret%';
DELETE FROM idm.environments WHERE id LIKE 'env_ret%';
