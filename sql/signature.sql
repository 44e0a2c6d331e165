-- Standard Webhooks signatures
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

-- the published Standard Webhooks / Svix example vector
SELECT idm.webhook_signature('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}') AS sig;
-- the whsec_ prefix is optional, as verifiers accept
SELECT idm.webhook_signature('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}') AS sig;
-- any change of id, timestamp or body changes the signature
SELECT count(DISTINCT s) AS distinct_sigs FROM (VALUES
    (idm.webhook_signature('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_1', 1, 'x')),
    (idm.webhook_signature('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_2', 1, 'x')),
    (idm.webhook_signature('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_1', 2, 'x')),
    (idm.webhook_signature('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_1', 1, 'y'))) v(s);

-- bad secrets: the error never echoes the secret
SELECT pg_temp.err($$SELECT idm.webhook_signature('whsec_', 'm', 1, 'b')$$);
SELECT pg_temp.err($$SELECT idm.webhook_signature('whsec_c2hvcnQ=', 'm', 1, 'b')$$);
SELECT pg_temp.err($$SELECT idm.webhook_signature('whsec_not base64 at all!!', 'm', 1, 'b')$$);
