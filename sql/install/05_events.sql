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
    PRIMARY KEY (environment_id, id)
);
COMMENT ON TABLE idm.events IS 'webhook events (ScalekitEvent envelope); written only by pg_idm';
CREATE INDEX events_xid_idx ON idm.events (xid);

SELECT pg_catalog.pg_extension_config_dump('idm.events', '');

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
