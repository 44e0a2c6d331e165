-- M2M clients: secrets returned once and stored only as hashes, verify,
-- rotate, revoke, expire, delete, bad input
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_idm;
RESET client_min_messages;
\set SHOW_CONTEXT never
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
    detail text;
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
    -- "Failing row contains (...)" shows generated ids and times: left out
    RETURN SQLSTATE || ': ' || SQLERRM ||
           coalesce(' (' || nullif(regexp_replace(detail, '^Failing row contains .*', ''), '') || ')', '');
END $f$;
CREATE FUNCTION pg_temp.counts() RETURNS text LANGUAGE sql AS $f$
    SELECT (SELECT count(*) FROM idm.clients WHERE environment_id LIKE 'env_cl%') || ' clients, ' ||
           (SELECT count(*) FROM idm.client_secrets WHERE environment_id LIKE 'env_cl%') || ' secrets'
$f$;
INSERT INTO idm.environments (id, name) VALUES ('env_cl1', 'clients'), ('env_cl2', 'other');
SET idm.environment_id = 'env_cl1';
INSERT INTO idm.organizations (environment_id, id, display_name) VALUES ('env_cl1', 'org_cl1', 'Acme');

SELECT (r.client).client_id AS cid, r.plain_secret AS s1
FROM idm.create_client('GitHub Actions Deployment Service', 'org_cl1',
    'Service account for automated deployment processes', '{deploy:resources,read:deployments}',
    '{https://api.example.com}', '[{"key": "environment", "value": "production"}]', 600) r \gset
SELECT client_id ~ '^skc_\d{23}$' AS id_ok, organization_id, name, description, scopes, audience,
       custom_claims, expiry, redirect_uris, is_dcr, is_cimd, create_time = update_time AS same_times
FROM idm.clients WHERE client_id = :'cid';
-- the plain secret: 256 random bits, shown once; stored only as SHA-256 and a suffix
SELECT :'s1' ~ '^skcs_[A-Za-z0-9_-]{43}$' AS secret_shape,
       (SELECT count(*) FROM idm.client_secrets WHERE environment_id = 'env_cl1') AS secrets,
       (SELECT secret_hash = sha256(convert_to(:'s1', 'UTF8')) FROM idm.client_secrets WHERE client_id = :'cid') AS hashed,
       (SELECT secret_suffix = right(:'s1', 4) FROM idm.client_secrets WHERE client_id = :'cid') AS suffix,
       (SELECT id ~ '^sec_\d{23}$' AND status = 'ACTIVE' FROM idm.client_secrets WHERE client_id = :'cid') AS row_ok;
SELECT count(*) AS rows_holding_plain_secret FROM idm.client_secrets s WHERE s::text LIKE '%' || :'s1' || '%'
    OR position(convert_to(:'s1', 'UTF8') IN s.secret_hash) > 0;
SELECT count(*) AS clients_holding_plain_secret FROM idm.clients c WHERE c::text LIKE '%' || :'s1' || '%';

-- verify: right secret, wrong secret, other client, other environment, NULLs
SELECT idm.verify_client_secret(:'cid', :'s1') AS right_secret,
       idm.verify_client_secret(:'cid', :'s1' || 'x') AS longer,
       idm.verify_client_secret(:'cid', left(:'s1', -1)) AS shorter,
       idm.verify_client_secret(:'cid', '') AS empty,
       idm.verify_client_secret('skc_404', :'s1') AS unknown_client,
       idm.verify_client_secret(:'cid', :'s1', 'env_cl2') AS other_environment,
       idm.verify_client_secret(NULL, :'s1') AS null_client,
       idm.verify_client_secret(:'cid', NULL) AS null_secret;
-- a successful verify records last_used_time
SELECT last_used_time IS NOT NULL AS used FROM idm.client_secrets WHERE client_id = :'cid';

-- a second secret; both verify
SELECT (r.secret).secret_suffix = right(r.plain_secret, 4) AS suffix_ok, (r.secret).created_by,
       (r.secret).expire_time, r.plain_secret AS s2
FROM idm.create_client_secret(:'cid', created_by => 'usr_admin') r \gset
SELECT idm.verify_client_secret(:'cid', :'s1') AS s1_ok, idm.verify_client_secret(:'cid', :'s2') AS s2_ok;

-- rotate with a grace period: the old ones keep working until it ends
SELECT r.plain_secret AS s3 FROM idm.rotate_client_secret(:'cid', interval '1 hour') r \gset
SELECT idm.verify_client_secret(:'cid', :'s1') AS s1_ok, idm.verify_client_secret(:'cid', :'s3') AS s3_ok;
SELECT status, count(*) FILTER (WHERE expire_time BETWEEN now() + interval '59 minutes' AND now() + interval '1 hour') AS expiring,
       count(*) AS n
FROM idm.client_secrets WHERE client_id = :'cid' GROUP BY 1;
-- an expired secret stops verifying
UPDATE idm.client_secrets SET expire_time = now() - interval '1 second'
WHERE client_id = :'cid' AND secret_hash = sha256(convert_to(:'s1', 'UTF8'));
SELECT idm.verify_client_secret(:'cid', :'s1') AS expired_s1;

-- rotate without grace: every other secret is INACTIVE at once
SELECT r.plain_secret AS s4, (r.secret).id AS sec4 FROM idm.rotate_client_secret(:'cid') r \gset
SELECT idm.verify_client_secret(:'cid', :'s2') AS s2, idm.verify_client_secret(:'cid', :'s3') AS s3,
       idm.verify_client_secret(:'cid', :'s4') AS s4;
SELECT status, count(*) FROM idm.client_secrets WHERE client_id = :'cid' GROUP BY 1 ORDER BY 1;

-- revoke
SELECT status FROM idm.revoke_client_secret(:'cid', :'sec4');
SELECT idm.verify_client_secret(:'cid', :'s4') AS revoked_s4;

-- every secret differs (no reuse across many draws)
SELECT count(DISTINCT idm.gen_client_secret()) AS distinct_of_200 FROM generate_series(1, 200);

-- deleting the organization deletes its clients and their secrets
SELECT (r.client).client_id AS cid2 FROM idm.create_client('second', 'org_cl1') r \gset
SELECT idm.delete_client(:'cid2');
SELECT count(*) AS secrets_of_deleted FROM idm.client_secrets WHERE client_id = :'cid2';
DELETE FROM idm.organizations WHERE id = 'org_cl1';
SELECT pg_temp.counts() AS after_org_delete;

-- an environment-level client (no organization)
SELECT (r.client).organization_id IS NULL AS env_level, (r.client).expiry
FROM idm.create_client('cron', scopes => '{jobs:run}') r;

-- bad input: each error names the field; nothing is written
SELECT pg_temp.counts() AS before;
SELECT pg_temp.err(q) FROM (VALUES
    ($$SELECT idm.create_client('')$$),
    ($$SELECT idm.create_client(repeat('n', 256))$$),
    ($$SELECT idm.create_client('x', 'org_missing')$$),
    ($$SELECT idm.create_client('x', description => repeat('d', 1025))$$),
    ($$SELECT idm.create_client('x', scopes => '{"read deployments"}')$$),
    ($$SELECT idm.create_client('x', scopes => ARRAY['a', NULL])$$),
    ($$SELECT idm.create_client('x', scopes => '{""}')$$),
    ($$SELECT idm.create_client('x', scopes => '{{a,b},{c,d}}')$$),
    ($$SELECT idm.create_client('x', scopes => (SELECT array_agg('s' || n) FROM generate_series(1, 101) n))$$),
    ($$SELECT idm.create_client('x', audience => ARRAY[E'https://a\n'])$$),
    ($$SELECT idm.create_client('x', redirect_uris => ARRAY[repeat('u', 2049)])$$),
    ($$SELECT idm.create_client('x', custom_claims => '{"key": "a", "value": "b"}')$$),
    ($$SELECT idm.create_client('x', custom_claims => '[{"key": "a"}]')$$),
    ($$SELECT idm.create_client('x', custom_claims => '[{"key": "a", "value": 1}]')$$),
    ($$SELECT idm.create_client('x', custom_claims => '[{"key": "", "value": "b"}]')$$),
    ($$SELECT idm.create_client('x', custom_claims => '[{"key": "a", "value": "b", "c": "d"}]')$$),
    ($$SELECT idm.create_client('x', custom_claims => '[{"key": "a", "value": "b"}, {"key": "a", "value": "c"}]')$$),
    ($$SELECT idm.create_client('x', custom_claims => '["a"]')$$),
    ($$SELECT idm.create_client('x', expiry => 0)$$),
    ($$SELECT idm.create_client('x', expiry => 31536001)$$),
    ($$SELECT idm.create_client('x', environment_id => 'env_missing')$$),
    ($$INSERT INTO idm.clients (environment_id, client_id, name) VALUES ('env_cl1', 'ca_1', 'x')$$),
    ($$INSERT INTO idm.client_secrets (environment_id, client_id, secret_hash, secret_suffix) VALUES ('env_cl1', 'skc_404', sha256('x'), 'abcd')$$),
    ($$INSERT INTO idm.client_secrets (environment_id, client_id, secret_hash, secret_suffix) SELECT 'env_cl1', client_id, '\x00', 'abcd' FROM idm.clients WHERE environment_id = 'env_cl1' LIMIT 1$$),
    ($$INSERT INTO idm.client_secrets (environment_id, id, client_id, secret_hash, secret_suffix) SELECT 'env_cl1', 'skc_1', client_id, sha256('x'), 'abcd' FROM idm.clients WHERE environment_id = 'env_cl1' LIMIT 1$$),
    ($$SELECT idm.create_client_secret('skc_404')$$),
    ($$SELECT idm.rotate_client_secret('skc_404')$$),
    ($$SELECT idm.revoke_client_secret('skc_404', 'sec_404')$$),
    ($$SELECT idm.delete_client('skc_404')$$),
    ($$UPDATE idm.client_secrets SET status = 'REVOKED' WHERE environment_id = 'env_cl1'$$)
) v(q);
SELECT pg_temp.counts() AS after;
