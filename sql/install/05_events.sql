-- Webhook events: one row per webhook, written by C triggers and action
-- functions in the same transaction as the change.

CREATE TABLE idm.events (
    id              text NOT NULL,
    type            idm.event_type NOT NULL,
    object          idm.event_object NOT NULL,
    occurred_at     timestamptz NOT NULL,
    environment_id  text NOT NULL,
    organization_id text,
    data            jsonb NOT NULL,
    display_name    text NOT NULL,
    spec_version    text NOT NULL DEFAULT '1',
    -- top-level transaction id of the writer; consumers batch by snapshot on it
    xid             xid8 NOT NULL,
    PRIMARY KEY (environment_id, id),
    -- rows live in the child tables below; the parent stays empty
    CONSTRAINT events_written_by_pg_idm CHECK (false) NO INHERIT
);
COMMENT ON TABLE idm.events IS 'webhook events (ScalekitEvent envelope); written only by pg_idm';

SELECT pg_catalog.pg_extension_config_dump('idm.events', '');

-- Storage rotates through three child tables, as PgQ's event tables do:
-- writers insert into the current one only, and idm.maintain_events()
-- (20_consumers.sql) switches to the next and TRUNCATEs a retired one once
-- it is older than the retention and no subscription needs it.  Rows are
-- thus never removed by DELETE, and writers are never blocked.  Reading
-- idm.events reads all three.
CREATE TABLE idm.events_0 (PRIMARY KEY (environment_id, id)) INHERITS (idm.events);
CREATE TABLE idm.events_1 (PRIMARY KEY (environment_id, id)) INHERITS (idm.events);
CREATE TABLE idm.events_2 (PRIMARY KEY (environment_id, id)) INHERITS (idm.events);
-- consumers find a batch's events by an index range on xid (and an xid list)
CREATE INDEX events_0_xid_idx ON idm.events_0 (environment_id, xid);
CREATE INDEX events_1_xid_idx ON idm.events_1 (environment_id, xid);
CREATE INDEX events_2_xid_idx ON idm.events_2 (environment_id, xid);
COMMENT ON TABLE idm.events_0 IS 'storage of idm.events (rotated by idm.maintain_events); read idm.events instead';
COMMENT ON TABLE idm.events_1 IS 'storage of idm.events (rotated by idm.maintain_events); read idm.events instead';
COMMENT ON TABLE idm.events_2 IS 'storage of idm.events (rotated by idm.maintain_events); read idm.events instead';
SELECT pg_catalog.pg_extension_config_dump('idm.events_0', '');
SELECT pg_catalog.pg_extension_config_dump('idm.events_1', '');
SELECT pg_catalog.pg_extension_config_dump('idm.events_2', '');

-- Which child is current.  The C writer reads it once per transaction,
-- after its xid is assigned and with a fresh snapshot, so every writer of a
-- retired child has an xid below retire_xmax: the xmax of a snapshot taken
-- after the switch committed.  Not dumped: CREATE EXTENSION recreates its
-- rows, and a restored child marked free is only reused, never emptied.
CREATE TABLE idm.event_tables (
    slot        integer NOT NULL CHECK (slot BETWEEN 0 AND 2),
    table_name  name NOT NULL UNIQUE,
    state       text NOT NULL CHECK (state IN ('current', 'retired', 'free')),
    started_at  timestamptz,        -- when it last became current
    retired_at  timestamptz,        -- when it stopped being current
    retired_by  xid8,               -- the transaction that switched away from it
    retire_xmax xid8,               -- every event in it has a smaller xid
    PRIMARY KEY (slot),
    CHECK ((state = 'current') = (started_at IS NOT NULL AND retired_at IS NULL)),
    CHECK ((state = 'retired') = (retired_at IS NOT NULL))
);
COMMENT ON TABLE idm.event_tables IS
    'the child tables of idm.events and which one receives new events; changed only by idm.maintain_events';
CREATE UNIQUE INDEX event_tables_one_current ON idm.event_tables ((true)) WHERE state = 'current';
INSERT INTO idm.event_tables (slot, table_name, state, started_at)
VALUES (0, 'events_0', 'current', now()), (1, 'events_1', 'free', NULL), (2, 'events_2', 'free', NULL);

CREATE FUNCTION idm.webhook_body(e idm.events) RETURNS text
    AS 'MODULE_PATHNAME', 'webhook_body' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION idm.webhook_body(idm.events) IS
    'the exact JSON body to POST for an event: spec key order, no \/ escapes';

-- The three Standard Webhooks headers and the body of an event, signed with
-- its environment's secret.  ts defaults to the event's time.
CREATE FUNCTION idm.webhook_request(e idm.events, ts bigint DEFAULT NULL,
    OUT webhook_id text, OUT webhook_timestamp bigint,
    OUT webhook_signature text, OUT body text)
LANGUAGE sql STABLE AS $$
    SELECT e.id,
           t.ts,
           idm.webhook_signature(env.webhook_secret, e.id, t.ts, b.body),
           b.body
    FROM idm.environments env,
         LATERAL (SELECT coalesce(webhook_request.ts,
                                  floor(extract(epoch FROM e.occurred_at))::bigint) AS ts) t,
         LATERAL (SELECT idm.webhook_body(e) AS body) b
    WHERE env.id = e.environment_id
$$;
COMMENT ON FUNCTION idm.webhook_request(idm.events, bigint) IS
    'webhook-id, webhook-timestamp, webhook-signature and body of an event, ready to POST';
