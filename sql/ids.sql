-- idm.gen_id and idm.check_id
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

-- shape: prefix, underscore, 23 digits (fixed width); at most 32 characters for every prefix
SELECT p, idm.gen_id(p) ~ ('^' || p || '_[1-9][0-9]{22}$') AS shape,
       length(idm.gen_id(p)) <= 32 AS fits
FROM unnest(ARRAY['env','org','usr','usp','dom','role','perm','ses','conn','dir',
                  'diruser','dirgroup','ca','skc','evt']) p;

-- unique and strictly increasing (text order is time order) over many calls
WITH ids AS (SELECT n, idm.gen_id('org') AS id FROM generate_series(1, 20000) n)
SELECT count(DISTINCT id) = 20000 AS all_unique,
       bool_and(id > prev OR prev IS NULL) AS increasing
FROM (SELECT id, lag(id) OVER (ORDER BY n) AS prev FROM ids) s;

-- ids of later calls sort after earlier ones even across statements
SELECT idm.gen_id('usr') AS a \gset
SELECT pg_sleep(0.002);
SELECT idm.gen_id('usr') > :'a' AS later_is_greater;

-- externally supplied ids are accepted when they match the prefix
SELECT idm.check_id('org_102690563312124938', 'org');
SELECT idm.check_id('evt_1234567890abcdef', 'evt');

-- bad input
SELECT pg_temp.err($$SELECT idm.gen_id('xyz')$$);
SELECT pg_temp.err($$SELECT idm.gen_id('')$$);
SELECT pg_temp.err($$SELECT idm.gen_id('ORG')$$);
SELECT pg_temp.err($$SELECT idm.check_id('org_', 'org')$$);
SELECT pg_temp.err($$SELECT idm.check_id('usr_123', 'org', 'organization id')$$);
SELECT pg_temp.err($$SELECT idm.check_id('org_12-3', 'org')$$);
SELECT pg_temp.err($$SELECT idm.check_id('org_' || repeat('1', 29), 'org')$$);
SELECT pg_temp.err($$SELECT idm.check_id('dirgroup_1', 'dir')$$);
