-- domains: normal form, public mail domains, one organization per ORGANIZATION_DOMAIN
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

-- normal form: lower case, no trailing dot, IDNA A-labels
SELECT d AS given, idm.normalize_domain(d) AS stored FROM unnest(ARRAY[
    'example.com', 'Example.COM', 'acme.com.', 'Sales.Acme.Co.UK.',
    'Bücher.example', 'BÜCHER.example', 'bu' || U&'\0308' || 'cher.example',
    '例え.テスト', '例え' || U&'\3002' || 'テスト', 'münchen.de', 'ПРИМЕР.рф',
    'straße.de', 'xn--bcher-kva.example', 'XN--BCHER-KVA.Example',
    'a-b.c-d.io', '1.2.3.example', 'x' || repeat('a', 62) || '.com']) d;
-- the longest name: 253 bytes
SELECT length(idm.normalize_domain(repeat('abcdefghi.', 24) || 'abcdefghijklm')) AS longest;

-- every refusal names the field and says why
SELECT left(d, 40) AS given, pg_temp.err(format('SELECT idm.normalize_domain(%L)', d)) FROM unnest(ARRAY[
    '', '.', 'com', 'com.', 'a..com', 'acme.com..', '.acme.com',
    repeat('a', 64) || '.com', repeat('abcdefghi.', 25) || 'abcd',
    'ac_me.com', 'acme .com', 'acme.com/x', 'user@acme.com', 'acme.c*m',
    '-acme.com', 'acme-.com', 'acme.-com', 'ab--cd.com',
    'acme.123', '10.0.0.1', '[10.0.0.1]',
    'xn--.com', 'xn--abc.com', 'xn--acme-.com', 'xn--ls8h.la',
    'bü--cher.com', '💩.la', 'ａｃｍｅ.com', 'ac' || U&'\200D' || 'me.com',
    repeat('ü', 60) || '.com']) d;

-- the domain of an email address, normalised
SELECT e, idm.email_domain(e) FROM unnest(ARRAY[
    'John@Acme.COM', 'j@sales.acme.com', 'info@Bücher.example', 'x@例え.テスト']) e;
SELECT e, pg_temp.err(format('SELECT idm.email_domain(%L)', e)) FROM unnest(ARRAY[
    'plain', 'a@acme.com.', 'a@acme..com', 'a@ab--cd.com', 'jürgen@acme.com', 'a@💩.la']) e;
-- check_email now accepts internationalised domains too
SELECT idm.check_email('info@bücher.example') AS idn_email_ok;

-- public and disposable mail domains (and their subdomains)
SELECT count(*) >= 50 AS seeded, bool_and(builtin) AS all_builtin FROM idm.public_email_domains;
SELECT d, idm.is_public_email_domain(d) FROM unnest(ARRAY[
    'gmail.com', 'GMail.com.', 'mail.gmail.com', 'mailinator.com', 'yahoo.co.uk',
    'acme.com', 'notgmail.com', 'gmail.co']) d;

INSERT INTO idm.environments (id, name) VALUES ('env_dom1', 'domains test'), ('env_dom2', 'other');
SET idm.environment_id = 'env_dom1';
SELECT id AS acme FROM idm.create_organization('Acme') \gset
SELECT id AS beta FROM idm.create_organization('Beta') \gset
SELECT id AS other_env_org FROM idm.create_organization('Elsewhere', environment_id => 'env_dom2') \gset

-- stored normalised, whatever the input; ids and times set
SELECT id ~ '^dom_' AS id_ok, organization_id = :'acme' AS org_ok, domain, domain_type,
       create_time = update_time AS same_times
FROM idm.create_domain(:'acme', 'ACME.com.');
INSERT INTO idm.domains (environment_id, organization_id, domain, domain_type)
VALUES ('env_dom1', :'acme', 'Bücher.example', 'ALLOWED_EMAIL_DOMAIN');
-- ALLOWED_EMAIL_DOMAIN: several organizations may hold one
SELECT domain, domain_type FROM idm.create_domain(:'beta', 'bücher.example', 'ALLOWED_EMAIL_DOMAIN');
-- a subdomain is a domain of its own: another organization may hold it
SELECT domain FROM idm.create_domain(:'beta', 'eu.acme.com');
-- the same name in another environment is another domain
SELECT domain FROM idm.create_domain(:'other_env_org', 'acme.com', environment_id => 'env_dom2');
-- an UPDATE of the domain is normalised and checked too
UPDATE idm.domains SET domain = 'EU.Acme.COM.' WHERE domain = 'eu.acme.com' RETURNING domain;
SELECT organization_id = :'acme' AS acme, domain, domain_type FROM idm.domains
WHERE environment_id = 'env_dom1' ORDER BY 1 DESC, domain;

-- bad input: precise errors, nothing written
SELECT (SELECT count(*) FROM idm.domains WHERE environment_id LIKE 'env_dom%') AS domains_before,
       (SELECT count(*) FROM idm.events WHERE environment_id LIKE 'env_dom%') AS events_before;
SELECT pg_temp.err(format('SELECT idm.create_domain(%L, %L)', :'acme', d)) FROM unnest(ARRAY[
    '', 'localhost', repeat('a', 64) || '.com', 'ac_me.com', '-acme.com', 'acme.123',
    'gmail.com', 'Mail.Google.GMAIL.com', 'proton.me', '10minutemail.com']) d;
SELECT pg_temp.err(format($$SELECT idm.create_domain(%L, 'gmail.com', 'ALLOWED_EMAIL_DOMAIN')$$, :'beta')) AS public_allowed_domain;
-- ORGANIZATION_DOMAIN: one organization per domain and environment
SELECT pg_temp.err(format($$SELECT idm.create_domain(%L, 'Acme.com')$$, :'beta')) AS taken;
SELECT pg_temp.err($$UPDATE idm.domains SET domain = 'ACME.com' WHERE domain = 'eu.acme.com' AND environment_id = 'env_dom1'$$) AS taken_by_update;
SELECT pg_temp.err(format($$UPDATE idm.domains SET domain_type = 'ORGANIZATION_DOMAIN' WHERE domain = 'xn--bcher-kva.example' AND environment_id = 'env_dom1'$$)) AS taken_by_type_change;
-- an organization holds a domain once
SELECT replace(pg_temp.err(format($$SELECT idm.create_domain(%L, 'acme.com', 'ALLOWED_EMAIL_DOMAIN')$$, :'acme')), :'acme', '<acme>') AS twice;
SELECT pg_temp.err(format($$SELECT idm.create_domain(%L, 'acme.com', 'PRIMARY_DOMAIN')$$, :'beta')) AS wrong_type;
SELECT pg_temp.err($$SELECT idm.create_domain('org_404', 'unknown-org.com')$$) AS unknown_org;
SELECT replace(pg_temp.err(format($$SELECT idm.create_domain(%L, 'cross-env.com')$$, :'other_env_org')), :'other_env_org', '<org of env_dom2>') AS cross_environment;
SELECT pg_temp.err($$INSERT INTO idm.domains (environment_id, id, organization_id, domain, domain_type) VALUES ('env_dom1', 'org_1', 'org_1', 'x.com', 'ORGANIZATION_DOMAIN')$$) AS wrong_prefix;
-- (the detail, which shows the generated id and times, is cut off)
SELECT split_part(pg_temp.err($$INSERT INTO idm.domains (environment_id, organization_id, domain_type) SELECT 'env_dom1', id, 'ORGANIZATION_DOMAIN' FROM idm.organizations WHERE display_name = 'Beta'$$), ' (', 1) AS no_domain;
SELECT pg_temp.err($$UPDATE idm.domains SET domain = 'hotmail.com' WHERE domain = 'acme.com'$$) AS public_by_update;
SELECT pg_temp.err($$SELECT idm.delete_domain('dom_404')$$) AS delete_missing;
-- even with triggers off (as logical replication applies rows), the stored form holds
SET session_replication_role = replica;
SELECT split_part(pg_temp.err(format($$INSERT INTO idm.domains (environment_id, organization_id, domain, domain_type) VALUES ('env_dom1', %L, 'Replica.com', 'ORGANIZATION_DOMAIN')$$, :'beta')), ' (', 1) AS not_normalised;
RESET session_replication_role;
RESET idm.environment_id;
SELECT pg_temp.err(format($$SELECT idm.create_domain(%L, 'no-env.com')$$, :'acme')) AS no_environment;
SELECT (SELECT count(*) FROM idm.domains WHERE environment_id LIKE 'env_dom%') AS domains_after,
       (SELECT count(*) FROM idm.events WHERE environment_id LIKE 'env_dom%') AS events_after;
SET idm.environment_id = 'env_dom1';

-- the list is the app's to extend; a listed domain is refused from then on
INSERT INTO idm.public_email_domains (domain) VALUES ('Mail.Example.NET.') RETURNING domain, builtin;
SELECT pg_temp.err(format($$SELECT idm.create_domain(%L, 'eu.mail.example.net')$$, :'acme')) AS user_listed;
SELECT pg_temp.err($$INSERT INTO idm.public_email_domains (domain) VALUES ('gmail.com')$$) AS listed_twice;
SELECT pg_temp.err($$INSERT INTO idm.public_email_domains (domain) VALUES ('not a domain')$$) AS listed_invalid;
-- pg_dump keeps the rows users add, not the built-in ones (those come with the extension)
SELECT c.relname, x.cond FROM pg_extension e,
    unnest(e.extconfig, e.extcondition) AS x(oid, cond) JOIN pg_class c ON c.oid = x.oid
WHERE e.extname = 'pg_idm' AND c.relname IN ('domains', 'public_email_domains') ORDER BY 1;

-- no events for domains (the spec has no domain webhook)
SELECT idm.delete_domain(id) FROM idm.domains WHERE domain = 'eu.acme.com' AND environment_id = 'env_dom1';
SELECT type, count(*) FROM idm.events WHERE environment_id = 'env_dom1' GROUP BY 1 ORDER BY 1;
-- deleting an organization deletes its domains
SELECT idm.delete_organization(:'acme');
SELECT count(*) AS acme_domains_left FROM idm.domains WHERE environment_id = 'env_dom1' AND organization_id = :'acme';

-- leave the shared list as it was for other tests
DELETE FROM idm.public_email_domains WHERE NOT builtin;

-- leave no environments behind for tests that count them
DELETE FROM idm.organizations WHERE environment_id LIKE 'env_dom_';
DELETE FROM idm.events WHERE environment_id LIKE 'env_dom_';
DELETE FROM idm.environments WHERE id LIKE 'env_dom_';
