-- Domains (domainsDomain): an organization's ORGANIZATION_DOMAIN (SSO
-- discovery and enforcement, one organization per domain and environment)
-- and ALLOWED_EMAIL_DOMAIN (suggests the organization; several may share
-- one).  Stored in normal form; public and disposable mail domains are
-- refused.  No events: the spec has no domain webhook.

CREATE FUNCTION idm.normalize_domain(domain text) RETURNS text
    AS 'MODULE_PATHNAME', 'normalize_domain' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION idm.normalize_domain(text) IS
    'normal form of a domain: NFC, lower case, no trailing dot, IDNA A-labels, RFC 1035 rules; raises 22023 saying why';

CREATE FUNCTION idm.email_domain(email text) RETURNS text
    AS 'MODULE_PATHNAME', 'email_domain' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION idm.email_domain(text) IS
    'normal form of an email address''s domain; raises 22023 if the address is invalid';

CREATE FUNCTION idm.domain_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'domain_guard' LANGUAGE C;
COMMENT ON FUNCTION idm.domain_guard() IS
    'BEFORE trigger: normalises the column "domain" and refuses public mail domains (unless given ''allow_public'')';

-- Public and disposable mail domains, refused as domains of organizations
-- (and so are their subdomains).  Add your own rows; rows you add survive
-- pg_dump, the built-in ones come with the extension.
CREATE TABLE idm.public_email_domains (
    domain  text NOT NULL PRIMARY KEY
            CONSTRAINT public_email_domains_domain_normalized
            CHECK (domain = idm.normalize_domain(domain)),
    builtin boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE idm.public_email_domains IS
    'public and disposable mail domains that cannot be an organization''s domain; extend freely';

CREATE TRIGGER public_email_domains_guard BEFORE INSERT OR UPDATE OF domain
    ON idm.public_email_domains
    FOR EACH ROW EXECUTE FUNCTION idm.domain_guard('allow_public');

INSERT INTO idm.public_email_domains (domain, builtin)
SELECT d, true FROM unnest(ARRAY[
    -- webmail
    'gmail.com', 'googlemail.com', 'yahoo.com', 'yahoo.co.uk', 'yahoo.co.in',
    'ymail.com', 'rocketmail.com', 'outlook.com', 'hotmail.com', 'hotmail.co.uk',
    'live.com', 'msn.com', 'icloud.com', 'me.com', 'mac.com', 'aol.com', 'aim.com',
    'proton.me', 'protonmail.com', 'protonmail.ch', 'pm.me', 'gmx.com', 'gmx.de',
    'gmx.net', 'web.de', 'mail.com', 'email.com', 'yandex.com', 'yandex.ru',
    'mail.ru', 'zoho.com', 'zohomail.com', 'tutanota.com', 'tuta.io',
    'fastmail.com', 'hey.com', 'qq.com', '163.com', '126.com', 'naver.com',
    'rediffmail.com', 'comcast.net', 'verizon.net', 'att.net', 'libero.it',
    'orange.fr', 't-online.de', 'laposte.net', 'seznam.cz',
    -- disposable
    'mailinator.com', 'guerrillamail.com', 'sharklasers.com', '10minutemail.com',
    'tempmail.com', 'temp-mail.org', 'throwawaymail.com', 'yopmail.com',
    'trashmail.com', 'getnada.com', 'maildrop.cc', 'dispostable.com',
    'fakeinbox.com', 'mailnesia.com', 'emailondeck.com', 'burnermail.io']) d;

SELECT pg_catalog.pg_extension_config_dump('idm.public_email_domains', 'WHERE NOT builtin');

CREATE FUNCTION idm.is_public_email_domain(domain text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'is_public_email_domain' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION idm.is_public_email_domain(text) IS
    'true if the domain, or a parent of it, is in idm.public_email_domains';

CREATE TABLE idm.domains (
    environment_id  text NOT NULL,
    id              text NOT NULL DEFAULT idm.gen_id('dom')
                    CHECK (idm.check_id(id, 'dom', 'domain id')),
    organization_id text NOT NULL,
    -- normalised by domains_guard; the check keeps it so even without triggers
    domain          text NOT NULL
                    CONSTRAINT domains_domain_normalized CHECK (domain = idm.normalize_domain(domain)),
    domain_type     idm.domain_type NOT NULL,
    create_time     timestamptz NOT NULL DEFAULT now(),
    update_time     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (environment_id, id),
    -- an organization holds a domain once, whatever its type
    CONSTRAINT domains_per_organization_key UNIQUE (environment_id, organization_id, domain),
    CONSTRAINT domains_organization_fkey FOREIGN KEY (environment_id, organization_id)
        REFERENCES idm.organizations (environment_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE idm.domains IS
    'domains of organizations: ORGANIZATION_DOMAIN (SSO discovery) and ALLOWED_EMAIL_DOMAIN (suggestions)';
-- One organization per ORGANIZATION_DOMAIN and environment; a unique index
-- is race-free (a concurrent second insert waits, then fails).  Also
-- route_email's probe for the email's domain and its parents.
CREATE UNIQUE INDEX domains_organization_domain_key ON idm.domains (environment_id, domain)
    INCLUDE (organization_id) WHERE domain_type = 'ORGANIZATION_DOMAIN';
-- route_email's probe for the organizations an ALLOWED_EMAIL_DOMAIN suggests
CREATE INDEX domains_allowed_email_domain_idx ON idm.domains (environment_id, domain, organization_id)
    WHERE domain_type = 'ALLOWED_EMAIL_DOMAIN';

CREATE TRIGGER domains_guard BEFORE INSERT OR UPDATE OF domain ON idm.domains
    FOR EACH ROW EXECUTE FUNCTION idm.domain_guard();
CREATE TRIGGER domains_stamp_times BEFORE INSERT OR UPDATE ON idm.domains
    FOR EACH ROW EXECUTE FUNCTION idm.stamp_times('create_time', 'update_time');

SELECT pg_catalog.pg_extension_config_dump('idm.domains', '');

CREATE FUNCTION idm.create_domain(
    organization_id text,
    domain text,
    domain_type idm.domain_type DEFAULT 'ORGANIZATION_DOMAIN',
    environment_id text DEFAULT NULL)
RETURNS idm.domains
LANGUAGE plpgsql AS $$
DECLARE
    dom idm.domains;
BEGIN
    INSERT INTO idm.domains AS d (environment_id, organization_id, domain, domain_type)
    VALUES (idm.current_environment(create_domain.environment_id),
            create_domain.organization_id, create_domain.domain, create_domain.domain_type)
    RETURNING d.* INTO dom;
    RETURN dom;
END $$;
COMMENT ON FUNCTION idm.create_domain(text, text, idm.domain_type, text) IS
    'adds a domain (normalised) to an organization; 22023 if invalid or public, 23505 if taken';

CREATE FUNCTION idm.delete_domain(id text, environment_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM idm.domains d
    WHERE d.environment_id = idm.current_environment(delete_domain.environment_id)
      AND d.id = delete_domain.id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'domain "%" does not exist', delete_domain.id
            USING ERRCODE = 'P0002',
                  HINT = 'Check the id and the environment (idm.environment_id).';
    END IF;
END $$;
COMMENT ON FUNCTION idm.delete_domain(text, text) IS
    'removes a domain from its organization; raises P0002 if missing';

CREATE FUNCTION idm.route_email(
    email text,
    environment_id text DEFAULT NULL,
    OUT email_domain text,
    OUT sso_enforced boolean,
    OUT organization_id text,
    OUT connection_id text,
    OUT suggested_organization_ids text[])
    AS 'MODULE_PATHNAME', 'route_email' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION idm.route_email(text, text) IS
    'where an email signs in: the organization of its ORGANIZATION_DOMAIN (exact or parent), whether an enabled connection enforces SSO, and the organizations its ALLOWED_EMAIL_DOMAIN suggests';

-- connectionsListConnection rows, as GET /api/v1/connections lists them:
-- by default only active (enabled and COMPLETED) connections, filtered by
-- organization and by an ORGANIZATION_DOMAIN of the organization.
CREATE FUNCTION idm.list_connections(
    organization_id text DEFAULT NULL,
    domain text DEFAULT NULL,
    include_all boolean DEFAULT false,
    environment_id text DEFAULT NULL)
RETURNS TABLE (id text, organization_id text, organization_name text,
               type idm.connection_type, provider idm.connection_provider,
               provider_key text, key_id text, status idm.connection_status,
               enabled boolean, domains text[])
LANGUAGE sql STABLE AS $$
    SELECT c.id, c.organization_id, o.display_name, c.type, c.provider,
           c.provider_key, c.key_id, c.status, c.enabled,
           ARRAY(SELECT d.domain FROM idm.domains d
                 WHERE d.environment_id = c.environment_id
                   AND d.organization_id = c.organization_id
                   AND d.domain_type = 'ORGANIZATION_DOMAIN'
                 ORDER BY d.domain)
    FROM idm.connections c
    JOIN idm.organizations o ON o.environment_id = c.environment_id AND o.id = c.organization_id
    WHERE c.environment_id = idm.current_environment($4)
      AND ($1 IS NULL OR c.organization_id = $1)
      AND ($2 IS NULL OR EXISTS (
              SELECT FROM idm.domains d
              WHERE d.environment_id = c.environment_id
                AND d.organization_id = c.organization_id
                AND d.domain = idm.normalize_domain($2)
                AND d.domain_type = 'ORGANIZATION_DOMAIN'))
      AND ($3 OR (c.enabled AND c.status = 'COMPLETED'))
    ORDER BY c.id
$$;
COMMENT ON FUNCTION idm.list_connections(text, text, boolean, text) IS
    'connections with their organization''s name and ORGANIZATION_DOMAIN domains; active ones unless include_all';
