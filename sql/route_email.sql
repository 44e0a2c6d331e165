-- idm.route_email: SSO enforcement by ORGANIZATION_DOMAIN, suggestions by ALLOWED_EMAIL_DOMAIN
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

INSERT INTO idm.environments (id, name) VALUES ('env_route1', 'routing test'), ('env_route2', 'other');
SET idm.environment_id = 'env_route1';
-- names instead of generated ids in the output
CREATE TABLE pg_temp.names AS SELECT ''::text AS id, ''::text AS name WHERE false;
CREATE FUNCTION pg_temp.named(ids text[]) RETURNS text[] LANGUAGE sql AS $f$
    SELECT array_agg(coalesce(n.name, i) ORDER BY n.name) FROM unnest(ids) i LEFT JOIN pg_temp.names n ON n.id = i
$f$;
CREATE FUNCTION pg_temp.route(email text, env text DEFAULT NULL) RETURNS TABLE (
    email_domain text, sso_enforced boolean, organization text, connection text, suggested text[])
LANGUAGE sql AS $f$
    SELECT r.email_domain, r.sso_enforced, (pg_temp.named(ARRAY[r.organization_id]))[1],
           (pg_temp.named(ARRAY[r.connection_id]))[1], coalesce(pg_temp.named(r.suggested_organization_ids), '{}')
    FROM idm.route_email(email, env) r
$f$;

INSERT INTO pg_temp.names
SELECT id, display_name FROM idm.organizations WHERE false
UNION ALL SELECT id, 'Acme' FROM idm.create_organization('Acme')
UNION ALL SELECT id, 'AcmeEU' FROM idm.create_organization('Acme Europe')
UNION ALL SELECT id, 'Partner' FROM idm.create_organization('Partner')
UNION ALL SELECT id, 'Contractor' FROM idm.create_organization('Contractor')
UNION ALL SELECT id, 'Other env' FROM idm.create_organization('Other', environment_id => 'env_route2');
SELECT id AS acme FROM pg_temp.names WHERE name = 'Acme' \gset
SELECT id AS acme_eu FROM pg_temp.names WHERE name = 'AcmeEU' \gset
SELECT id AS partner FROM pg_temp.names WHERE name = 'Partner' \gset
SELECT id AS contractor FROM pg_temp.names WHERE name = 'Contractor' \gset
SELECT id AS other_env FROM pg_temp.names WHERE name = 'Other env' \gset

SELECT count(*) AS domains FROM (
    SELECT idm.create_domain(:'acme', 'acme.com')
    UNION ALL SELECT idm.create_domain(:'acme_eu', 'eu.acme.com')
    UNION ALL SELECT idm.create_domain(:'partner', 'acme.com', 'ALLOWED_EMAIL_DOMAIN')
    UNION ALL SELECT idm.create_domain(:'contractor', 'acme.com', 'ALLOWED_EMAIL_DOMAIN')
    UNION ALL SELECT idm.create_domain(:'contractor', 'Bücher.example', 'ALLOWED_EMAIL_DOMAIN')
    UNION ALL SELECT idm.create_domain(:'other_env', 'acme.com', environment_id => 'env_route2')) d;
INSERT INTO pg_temp.names
SELECT id, 'acme-okta' FROM idm.create_connection(:'acme', 'SAML', 'OKTA', 'COMPLETED')
UNION ALL SELECT id, 'acme-old' FROM idm.create_connection(:'acme', 'OIDC', 'AUTH0', 'COMPLETED')
UNION ALL SELECT id, 'other-env-conn' FROM idm.create_connection(:'other_env', 'OIDC', 'OKTA', environment_id => 'env_route2');
SELECT id AS acme_okta FROM pg_temp.names WHERE name = 'acme-okta' \gset
SELECT id AS other_env_conn FROM pg_temp.names WHERE name = 'other-env-conn' \gset

-- the organization domain matches, but no connection is enabled: not enforced
SELECT * FROM pg_temp.route('john@acme.com');
-- enabled: enforced, routed to that connection
SELECT enabled FROM idm.enable_connection(:'acme_okta');
SELECT * FROM pg_temp.route('john@acme.com');
-- the address's case does not matter
SELECT * FROM pg_temp.route('John.Doe@ACME.Com');
-- a subdomain falls under its parent's ORGANIZATION_DOMAIN ...
SELECT * FROM pg_temp.route('jane@sales.acme.com');
SELECT * FROM pg_temp.route('jane@a.b.c.sales.acme.com');
-- ... unless an organization holds a more specific one
SELECT * FROM pg_temp.route('hans@eu.acme.com');
SELECT * FROM pg_temp.route('hans@berlin.eu.acme.com');
-- a parent does not fall under its subdomain, nor a look-alike under a domain
SELECT * FROM pg_temp.route('x@notacme.com');
SELECT * FROM pg_temp.route('x@acme.com.evil.example');
-- ALLOWED_EMAIL_DOMAIN matches exactly: no suggestions for subdomains
SELECT * FROM pg_temp.route('info@bücher.example');
SELECT * FROM pg_temp.route('info@shop.bücher.example');
-- several enabled connections: the oldest wins
SELECT (idm.enable_connection(id)).enabled FROM idm.connections
WHERE environment_id = 'env_route1' AND provider = 'AUTH0';
SELECT connection FROM pg_temp.route('john@acme.com');
SELECT enabled FROM idm.disable_connection(:'acme_okta');
SELECT connection FROM pg_temp.route('john@acme.com');
-- disabled everywhere: not enforced, the organization still known
UPDATE idm.connections SET enabled = false WHERE environment_id = 'env_route1';
SELECT * FROM pg_temp.route('john@acme.com');
-- each environment routes on its own domains
SELECT enabled FROM idm.enable_connection(:'other_env_conn', 'env_route2');
SELECT * FROM pg_temp.route('john@acme.com', 'env_route2');
SELECT * FROM pg_temp.route('john@acme.com');
-- unknown and public domains: nothing to enforce, nothing to suggest
SELECT * FROM pg_temp.route('someone@unknown.example');
SELECT * FROM pg_temp.route('someone@gmail.com');
-- a removed domain no longer routes
SELECT idm.delete_domain(id, environment_id) FROM idm.domains WHERE environment_id = 'env_route2';
SELECT * FROM pg_temp.route('john@acme.com', 'env_route2');
-- NULL in, NULL out
SELECT * FROM idm.route_email(NULL);

-- invalid input raises and changes nothing
SELECT (SELECT count(*) FROM idm.domains WHERE environment_id LIKE 'env_route%') AS domains_before,
       (SELECT count(*) FROM idm.events WHERE environment_id LIKE 'env_route%') AS events_before;
SELECT e, pg_temp.err(format('SELECT idm.route_email(%L)', e)) FROM unnest(ARRAY[
    '', 'acme.com', 'john@', '@acme.com', 'john@acme', 'john@acme..com', 'john@@acme.com',
    'john doe@acme.com', 'john@-acme.com', 'john@acme.123', 'john@💩.la']) e;
RESET idm.environment_id;
SELECT pg_temp.err($$SELECT idm.route_email('john@acme.com')$$) AS no_environment;
SELECT (SELECT count(*) FROM idm.domains WHERE environment_id LIKE 'env_route%') AS domains_after,
       (SELECT count(*) FROM idm.events WHERE environment_id LIKE 'env_route%') AS events_after;

-- leave no environments behind for tests that count them
DELETE FROM idm.organizations WHERE environment_id LIKE 'env_route_';
DELETE FROM idm.events WHERE environment_id LIKE 'env_route_';
DELETE FROM idm.environments WHERE id LIKE 'env_route_';
