-- idm.check_email: the address syntax users, inviters and domains rely on
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

SELECT e, idm.check_email(e) FROM unnest(ARRAY[
    'john.doe@acmecorp.com', 'J.O''Brien+tag@Sub.Example.CO.uk', 'x@a-b.io',
    'a@' || repeat('a', 63) || '.com']) e;

SELECT left(e, 40) AS e, pg_temp.err(format('SELECT idm.check_email(%L)', e)) FROM unnest(ARRAY[
    '', 'plain', 'a@b', 'a@@b.com', 'a@b@c.com', '@x.com', 'a@', '.a@x.com', 'a.@x.com',
    'a..b@x.com', 'a b@x.com', '"quoted"@x.com', 'a@-x.com', 'a@x-.com', 'a@x..com',
    'a@x.123', 'a@x_y.com', 'a@[127.0.0.1]', repeat('a', 65) || '@x.com',
    'a@' || repeat('a', 64) || '.com', 'a@' || repeat('abcdefghi.', 26) || 'com']) e;
SELECT pg_temp.err($$SELECT idm.check_email('bad', 'inviter_email')$$);

-- unique per environment regardless of case
INSERT INTO idm.environments (id, name) VALUES ('env_email', 'email test');
INSERT INTO idm.users (environment_id, email) VALUES ('env_email', 'John.Doe@Acme.com');
SELECT pg_temp.err($$INSERT INTO idm.users (environment_id, email) VALUES ('env_email', 'john.doe@ACME.com')$$);
SELECT count(*) FROM idm.users WHERE environment_id = 'env_email';
