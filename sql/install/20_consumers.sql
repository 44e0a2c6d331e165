-- Consumers: named subscriptions that read committed events in batches,
-- PgQ style, and the retention of idm.events by table rotation.
--
-- A batch is defined by two snapshots (pg_current_snapshot()): the one its
-- subscription finished last and the one taken when the batch was opened.
-- Its events are those whose top-level xid is visible in the second and not
-- in the first.  Unlike a "seq > last_seen" cursor this never skips the
-- events of a transaction that took its numbers early and committed late,
-- and a long transaction holds back nobody: its events simply come in the
-- first batch opened after it commits.  Such xids are below the previous
-- snapshot's xmax, in its list of running xids, so a batch reads two index
-- ranges: [previous xmax, current xmax) and that list.

CREATE SEQUENCE idm.subscription_batch_id_seq;
COMMENT ON SEQUENCE idm.subscription_batch_id_seq IS 'batch ids handed out by idm.next_batch';

CREATE TABLE idm.subscriptions (
    environment_id  text NOT NULL REFERENCES idm.environments (id),
    name            text NOT NULL CHECK (idm.check_length(name, 'name', 1, 64)),
    event_types     idm.event_type[],       -- NULL: every type
    organization_id text CHECK (idm.check_id(organization_id, 'org', 'organization_id')),
    create_time     timestamptz NOT NULL DEFAULT now(),
    last_snapshot   pg_snapshot NOT NULL,   -- events visible in it are finished
    last_time       timestamptz NOT NULL,   -- when last_snapshot was taken
    batch_id        bigint,                 -- the open batch, NULL when none
    batch_snapshot  pg_snapshot,            -- the open batch ends here
    batch_time      timestamptz,
    PRIMARY KEY (environment_id, name),
    CHECK ((batch_id IS NULL) = (batch_snapshot IS NULL) AND (batch_id IS NULL) = (batch_time IS NULL))
);
COMMENT ON TABLE idm.subscriptions IS
    'event consumers: their filter and position (snapshots); use idm.create_subscription and idm.next_batch';
SELECT pg_catalog.pg_extension_config_dump('idm.subscriptions', '');
SELECT pg_catalog.pg_extension_config_dump('idm.subscription_batch_id_seq', '');

-- The setting idm.event_retention as an interval (default 7 days).
CREATE FUNCTION idm.event_retention() RETURNS interval
LANGUAGE plpgsql STABLE AS $$
DECLARE
    setting text := coalesce(nullif(current_setting('idm.event_retention', true), ''), '7 days');
    retention interval;
BEGIN
    BEGIN
        retention := setting::interval;
    EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow OR interval_field_overflow THEN
        retention := NULL;
    END;
    IF retention IS NULL OR retention < '0'::interval THEN
        RAISE EXCEPTION 'invalid value for idm.event_retention: "%"', setting
            USING ERRCODE = '22023',
                  HINT = 'Use a non-negative interval, e.g. SET idm.event_retention = ''7 days''.';
    END IF;
    RETURN retention;
END $$;
COMMENT ON FUNCTION idm.event_retention() IS
    'the setting idm.event_retention as an interval (default 7 days): how long events are kept at least';

-- The events of an environment whose transaction is visible in snapshot cur
-- and not in prev, matching a subscription's filter.  Kept a plain SQL
-- function (no SET clause, not STRICT) so the planner inlines it and an
-- EXISTS over it stops at the first row.
CREATE FUNCTION idm.events_between(prev pg_snapshot, cur pg_snapshot, environment_id text,
                                   event_types idm.event_type[] DEFAULT NULL,
                                   organization_id text DEFAULT NULL)
RETURNS SETOF idm.events
LANGUAGE sql STABLE AS $$
    SELECT e.*
    FROM idm.events e
    WHERE e.environment_id = events_between.environment_id
      AND (e.xid >= pg_snapshot_xmax(prev) AND e.xid < pg_snapshot_xmax(cur)
           OR e.xid = ANY (ARRAY(SELECT pg_snapshot_xip(prev))))
      AND pg_visible_in_snapshot(e.xid, cur)
      AND (events_between.event_types IS NULL OR e.type = ANY (events_between.event_types))
      AND (events_between.organization_id IS NULL OR e.organization_id = events_between.organization_id)
$$;
COMMENT ON FUNCTION idm.events_between(pg_snapshot, pg_snapshot, text, idm.event_type[], text) IS
    'events of an environment (optionally filtered) whose transaction is visible in cur and not in prev';

-- Checks a subscription name and the types filter; returns the filter.
CREATE FUNCTION idm.check_subscription_filter(name text, types text[]) RETURNS idm.event_type[]
LANGUAGE plpgsql STABLE AS $$
DECLARE
    bad text;
BEGIN
    IF name IS NULL OR name !~ '^[A-Za-z0-9_.:-]{1,64}$' THEN
        RAISE EXCEPTION 'invalid subscription name "%"', name
            USING ERRCODE = '22023',
                  DETAIL = 'A subscription name has 1 to 64 letters, digits, "_", "-", "." or ":".';
    END IF;
    IF types IS NULL THEN
        RETURN NULL;
    END IF;
    IF cardinality(types) = 0 THEN
        RAISE EXCEPTION 'types is empty'
            USING ERRCODE = '22023',
                  HINT = 'Pass NULL to receive every event type.';
    END IF;
    IF array_position(types, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'types contains NULL'
            USING ERRCODE = '22023',
                  HINT = 'List event types, e.g. ARRAY[''organization.created''], or pass NULL for every type.';
    END IF;
    SELECT t INTO bad FROM unnest(types) t
    WHERE NOT EXISTS (SELECT FROM unnest(enum_range(NULL::idm.event_type)) l WHERE l::text = t)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'unknown event type "%" in types', bad
            USING ERRCODE = '22023',
                  HINT = 'The event types are the labels of idm.event_type, e.g. organization.created.';
    END IF;
    RETURN ARRAY(SELECT DISTINCT t::idm.event_type FROM unnest(types) t ORDER BY 1);
END $$;
COMMENT ON FUNCTION idm.check_subscription_filter(text, text[]) IS
    'checks a subscription name and types filter (22023 naming the bad value); returns the sorted filter';

-- Holds idm.maintain_events off until the end of the transaction.
-- SECURITY DEFINER: a consumer role needs this lock but no right to write
-- the rotation bookkeeping (LOCK ... ROW EXCLUSIVE would demand one); it
-- can do nothing else.  Not for PUBLIC: granted with the consumer rights.
CREATE FUNCTION idm.hold_event_rotation() RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, idm, pg_temp AS $$
    LOCK TABLE idm.event_tables IN ROW EXCLUSIVE MODE
$$;
REVOKE ALL ON FUNCTION idm.hold_event_rotation() FROM PUBLIC;
COMMENT ON FUNCTION idm.hold_event_rotation() IS
    'locks idm.event_tables against idm.maintain_events until the transaction ends (create_subscription)';

CREATE FUNCTION idm.create_subscription(
    name text,
    types text[] DEFAULT NULL,
    organization_id text DEFAULT NULL,
    from_oldest boolean DEFAULT false,
    environment_id text DEFAULT NULL)
RETURNS idm.subscriptions
LANGUAGE plpgsql AS $$
DECLARE
    env text := idm.current_environment(create_subscription.environment_id);
    filter idm.event_type[] := idm.check_subscription_filter(name, types);
    start pg_snapshot;
    oldest xid8;
    sub idm.subscriptions;
BEGIN
    -- conflicts with idm.maintain_events only: a table it truncates is
    -- either seen as needed by this subscription or emptied before start
    PERFORM idm.hold_event_rotation();
    start := pg_current_snapshot();
    IF from_oldest THEN
        -- from every retained event, and every transaction still running
        SELECT min(e.xid) INTO oldest FROM idm.events e WHERE e.environment_id = env;
        oldest := least(oldest, pg_snapshot_xmin(start));
        start := format('%s:%s:', oldest, oldest)::pg_snapshot;
    END IF;
    INSERT INTO idm.subscriptions AS s (environment_id, name, event_types, organization_id,
                                        last_snapshot, last_time)
    VALUES (env, create_subscription.name, filter, create_subscription.organization_id,
            start, clock_timestamp())
    ON CONFLICT DO NOTHING
    RETURNING s.* INTO sub;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'subscription "%" already exists', name
            USING ERRCODE = '42710',
                  HINT = 'Pick another name, or drop it first with idm.drop_subscription().';
    END IF;
    RETURN sub;
END $$;
COMMENT ON FUNCTION idm.create_subscription(text, text[], text, boolean, text) IS
    'creates an event subscription (optional type and organization filters) starting now, or at the oldest retained event';

CREATE FUNCTION idm.drop_subscription(name text, environment_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    sub idm.subscriptions := idm.lock_subscription(name, environment_id);
BEGIN
    DELETE FROM idm.subscriptions s
    WHERE s.environment_id = sub.environment_id AND s.name = sub.name;
END $$;
COMMENT ON FUNCTION idm.drop_subscription(text, text) IS
    'drops a subscription, releasing the events it kept; raises P0002 if missing';

-- The subscription row, locked: next_batch, batch_events and finish_batch
-- of one subscription run one at a time.
CREATE FUNCTION idm.lock_subscription(name text, environment_id text DEFAULT NULL)
RETURNS idm.subscriptions
LANGUAGE plpgsql AS $$
DECLARE
    sub idm.subscriptions;
BEGIN
    SELECT * INTO sub FROM idm.subscriptions s
    WHERE s.environment_id = idm.current_environment(lock_subscription.environment_id)
      AND s.name = lock_subscription.name
    FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'subscription "%" does not exist', name
            USING ERRCODE = 'P0002',
                  HINT = 'Create it with idm.create_subscription(); check the environment (idm.environment_id).';
    END IF;
    RETURN sub;
END $$;
COMMENT ON FUNCTION idm.lock_subscription(text, text) IS
    'the subscription row, locked FOR UPDATE; raises P0002 if missing';

-- The open batch of a locked subscription; raises if there is none.
CREATE FUNCTION idm.open_batch(sub idm.subscriptions) RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
    IF sub.batch_id IS NULL THEN
        RAISE EXCEPTION 'subscription "%" has no open batch', sub.name
            USING ERRCODE = '55000',
                  HINT = 'Call idm.next_batch() first; a NULL from it means there is nothing to read.';
    END IF;
    RETURN sub.batch_id;
END $$;
COMMENT ON FUNCTION idm.open_batch(idm.subscriptions) IS
    'the id of the open batch of a subscription row; raises 55000 if none is open';

CREATE FUNCTION idm.next_batch(name text, environment_id text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    sub idm.subscriptions := idm.lock_subscription(name, environment_id);
    cur pg_snapshot;
    taken timestamptz;
    batch bigint;
BEGIN
    IF sub.batch_id IS NOT NULL THEN
        RETURN sub.batch_id;        -- not finished yet: the same batch again
    END IF;
    IF sub.last_time < clock_timestamp() - idm.event_retention() THEN
        RAISE WARNING 'subscription "%" is behind the event retention', name
            USING DETAIL = 'Its last finished batch is older than idm.event_retention; '
                           'the events it has not finished are kept for it.',
                  HINT = 'Drain it, or drop it with idm.drop_subscription() if nothing reads it.';
    END IF;
    -- taken after the row lock, so later than any batch finished before
    cur := pg_current_snapshot();
    taken := clock_timestamp();
    IF NOT EXISTS (SELECT FROM idm.events_between(sub.last_snapshot, cur, sub.environment_id,
                                                  sub.event_types, sub.organization_id)) THEN
        -- nothing for it: move on, so later batches scan less
        UPDATE idm.subscriptions s SET last_snapshot = cur, last_time = taken
        WHERE s.environment_id = sub.environment_id AND s.name = sub.name;
        RETURN NULL;
    END IF;
    UPDATE idm.subscriptions s
    SET batch_id = nextval('idm.subscription_batch_id_seq'), batch_snapshot = cur, batch_time = taken
    WHERE s.environment_id = sub.environment_id AND s.name = sub.name
    RETURNING s.batch_id INTO batch;
    RETURN batch;
END $$;
COMMENT ON FUNCTION idm.next_batch(text, text) IS
    'opens the next batch of a subscription and returns its id, NULL when there is nothing new; the open batch again until finish_batch';

CREATE FUNCTION idm.batch_events(name text, environment_id text DEFAULT NULL)
RETURNS SETOF idm.events
LANGUAGE plpgsql AS $$
DECLARE
    sub idm.subscriptions := idm.lock_subscription(name, environment_id);
BEGIN
    PERFORM idm.open_batch(sub);
    RETURN QUERY
        SELECT * FROM idm.events_between(sub.last_snapshot, sub.batch_snapshot, sub.environment_id,
                                         sub.event_types, sub.organization_id) e
        ORDER BY e.xid, e.id;
END $$;
COMMENT ON FUNCTION idm.batch_events(text, text) IS
    'the events of the open batch of a subscription, in commit-batch order (xid, id); the same on every call';

CREATE FUNCTION idm.finish_batch(name text, environment_id text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    sub idm.subscriptions := idm.lock_subscription(name, environment_id);
    batch bigint := idm.open_batch(sub);
BEGIN
    UPDATE idm.subscriptions s
    SET last_snapshot = s.batch_snapshot, last_time = s.batch_time,
        batch_id = NULL, batch_snapshot = NULL, batch_time = NULL
    WHERE s.environment_id = sub.environment_id AND s.name = sub.name;
    RETURN batch;
END $$;
COMMENT ON FUNCTION idm.finish_batch(text, text) IS
    'marks the open batch of a subscription done and returns its id; raises 55000 if none is open';

CREATE TYPE idm.subscription_status AS (
    environment_id   text,
    name             text,
    event_types      idm.event_type[],
    organization_id  text,
    batch_id         bigint,          -- the open batch, NULL when none
    last_finished_at timestamptz,     -- when the snapshot of its last finished batch was taken
    pending_events   bigint,          -- committed events it has not finished
    lag              interval,        -- age of the oldest of those, 0 when none
    behind_retention boolean          -- last_finished_at older than idm.event_retention
);
COMMENT ON TYPE idm.subscription_status IS 'a row of idm.list_subscriptions()';

CREATE FUNCTION idm.list_subscriptions(environment_id text DEFAULT NULL)
RETURNS SETOF idm.subscription_status
LANGUAGE sql STABLE AS $$
    SELECT s.environment_id, s.name, s.event_types, s.organization_id, s.batch_id, s.last_time,
           p.pending, coalesce(now() - p.oldest, '0'::interval),
           s.last_time < now() - idm.event_retention()
    FROM idm.subscriptions s,
         LATERAL (SELECT count(*) AS pending, min(e.occurred_at) AS oldest
                  FROM idm.events_between(s.last_snapshot, pg_current_snapshot(), s.environment_id,
                                          s.event_types, s.organization_id) e) p
    WHERE s.environment_id = coalesce(list_subscriptions.environment_id,
                                      nullif(current_setting('idm.environment_id', true), ''),
                                      s.environment_id)
    ORDER BY s.environment_id, s.name
$$;
COMMENT ON FUNCTION idm.list_subscriptions(text) IS
    'subscriptions of the given or current environment (all when neither) with their open batch, pending events, lag and retention status';

-- Why a retired event table cannot be truncated yet, or NULL when it can.
-- Called with the table locked, so no transaction reads or writes it.
CREATE FUNCTION idm.event_table_holder(t idm.event_tables) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    holder text;
BEGIN
    EXECUTE format($q$
        SELECT format('kept for subscription %%s/%%s', s.environment_id, s.name)
        FROM idm.subscriptions s
        WHERE EXISTS (SELECT FROM idm.%I e
                      WHERE e.environment_id = s.environment_id
                        AND e.xid >= pg_snapshot_xmin(s.last_snapshot)
                        AND NOT pg_visible_in_snapshot(e.xid, s.last_snapshot)
                        AND (s.event_types IS NULL OR e.type = ANY (s.event_types))
                        AND (s.organization_id IS NULL OR e.organization_id = s.organization_id))
        ORDER BY s.environment_id, s.name LIMIT 1 $q$, t.table_name) INTO holder;
    RETURN holder;
END $$;
COMMENT ON FUNCTION idm.event_table_holder(idm.event_tables) IS
    'the first subscription that has not finished the events of a retired event table, as a note; NULL if none';

-- Truncates a retired event table if nothing needs it; returns a note.
CREATE FUNCTION idm.truncate_event_table(t idm.event_tables, retention interval) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    holder text;
BEGIN
    IF t.retire_xmax IS NULL THEN
        RETURN 'kept until its switch has committed';
    ELSIF t.retired_at > now() - retention THEN
        RETURN 'kept for idm.event_retention';
    ELSIF pg_snapshot_xmin(pg_current_snapshot()) < t.retire_xmax THEN
        RETURN 'kept while transactions that may write it run';
    END IF;
    BEGIN
        EXECUTE format('LOCK TABLE idm.%I IN ACCESS EXCLUSIVE MODE NOWAIT', t.table_name);
    EXCEPTION WHEN lock_not_available THEN
        RETURN 'kept while in use';
    END;
    holder := idm.event_table_holder(t);
    IF holder IS NOT NULL THEN
        RETURN holder;
    END IF;
    EXECUTE format('TRUNCATE idm.%I', t.table_name);
    UPDATE idm.event_tables et
    SET state = 'free', started_at = NULL, retired_at = NULL, retired_by = NULL, retire_xmax = NULL
    WHERE et.slot = t.slot;
    RETURN 'truncated';
END $$;
COMMENT ON FUNCTION idm.truncate_event_table(idm.event_tables, interval) IS
    'truncates a retired event table older than the retention that no subscription and no running writer needs';

CREATE FUNCTION idm.maintain_events(force_rotation boolean DEFAULT false)
RETURNS TABLE (event_table text, state text, note text)
LANGUAGE plpgsql AS $$
DECLARE
    retention interval := idm.event_retention();
    notes text[] := '{}';
    t idm.event_tables;
    cur idm.event_tables;
    nxt idm.event_tables;
    nslots integer;
BEGIN
    -- one maintainer at a time; writers only read idm.event_tables
    LOCK TABLE idm.event_tables IN SHARE ROW EXCLUSIVE MODE;
    -- a switch that committed: its table's writers all have smaller xids
    -- than this snapshot's xmax (a switch of this transaction has not)
    UPDATE idm.event_tables et SET retire_xmax = pg_snapshot_xmax(pg_current_snapshot())
    WHERE et.state = 'retired' AND et.retire_xmax IS NULL
      AND et.retired_by IS DISTINCT FROM pg_current_xact_id_if_assigned();
    FOR t IN SELECT * FROM idm.event_tables et WHERE et.state = 'retired' ORDER BY et.retired_at LOOP
        notes[t.slot] := idm.truncate_event_table(t, retention);
    END LOOP;

    -- switch to the next table once the current one is half a retention
    -- old: with three tables, a retired one is then a full retention old
    -- when its turn comes again
    SELECT count(*) INTO nslots FROM idm.event_tables;
    SELECT * INTO cur FROM idm.event_tables et WHERE et.state = 'current';
    SELECT * INTO nxt FROM idm.event_tables et WHERE et.slot = (cur.slot + 1) % nslots;
    IF force_rotation OR cur.started_at <= now() - retention / (nslots - 1) THEN
        IF nxt.state = 'free' THEN
            UPDATE idm.event_tables et
            SET state = 'retired', retired_at = now(), retired_by = pg_current_xact_id()
            WHERE et.slot = cur.slot;
            UPDATE idm.event_tables et SET state = 'current', started_at = now()
            WHERE et.slot = nxt.slot;
            notes[cur.slot] := 'switched away from';
            notes[nxt.slot] := concat_ws(', then ', notes[nxt.slot], 'switched to');
        ELSE
            notes[cur.slot] := format('switch due, waiting for %s to be truncated', nxt.table_name);
        END IF;
    END IF;

    RETURN QUERY
        SELECT 'idm.' || et.table_name, et.state, notes[et.slot]
        FROM idm.event_tables et ORDER BY et.slot;
END $$;
COMMENT ON FUNCTION idm.maintain_events(boolean) IS
    'rotates the event tables: truncates retired ones past the retention that no subscription needs, switches the current one when due (or forced)';
