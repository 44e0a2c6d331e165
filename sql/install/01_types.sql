-- Enum types. Labels are exactly the API's, case-sensitive, upper case where
-- the API sends upper case.

CREATE TYPE idm.domain_type AS ENUM ('ALLOWED_EMAIL_DOMAIN', 'ORGANIZATION_DOMAIN');
-- PENDING_VERIFICATION and DISCONNECTED were added to the API after the spec.
CREATE TYPE idm.connector_status AS ENUM
    ('ACTIVE', 'EXPIRED', 'PENDING_AUTH', 'PENDING_VERIFICATION', 'DISCONNECTED');
CREATE TYPE idm.connector_type AS ENUM
    ('OAUTH', 'API_KEY', 'BASIC_AUTH', 'BEARER_TOKEN', 'CUSTOM', 'BASIC');
CREATE TYPE idm.permission_type AS ENUM ('SCALEKIT', 'ENVIRONMENT');
CREATE TYPE idm.membership_status AS ENUM
    ('ACTIVE', 'INACTIVE', 'PENDING_INVITE', 'INVITE_EXPIRED');
CREATE TYPE idm.connection_type AS ENUM
    ('OIDC', 'SAML', 'PASSWORD', 'OAUTH', 'PASSWORDLESS', 'BASIC', 'BEARER',
     'API_KEY', 'WEBAUTHN');
CREATE TYPE idm.connection_provider AS ENUM
    ('OKTA', 'GOOGLE', 'MICROSOFT_AD', 'AUTH0', 'ONELOGIN', 'PING_IDENTITY',
     'JUMPCLOUD', 'CUSTOM', 'GITHUB', 'GITLAB', 'LINKEDIN', 'SALESFORCE',
     'MICROSOFT', 'IDP_SIMULATOR', 'SCALEKIT', 'ADFS');
CREATE TYPE idm.connection_status AS ENUM ('DRAFT', 'IN_PROGRESS', 'COMPLETED');
CREATE TYPE idm.directory_type AS ENUM ('SCIM', 'LDAP', 'POLL');
CREATE TYPE idm.directory_provider AS ENUM
    ('OKTA', 'GOOGLE', 'MICROSOFT_AD', 'AUTH0', 'ONELOGIN', 'JUMPCLOUD',
     'PING_IDENTITY');
CREATE TYPE idm.region_code AS ENUM ('US', 'EU');
CREATE TYPE idm.session_status AS ENUM ('ACTIVE', 'EXPIRED', 'REVOKED', 'LOGOUT');

-- The webhook catalogue (spec `webhooks`), plus connected_account.status_updated.
CREATE TYPE idm.event_type AS ENUM (
    'organization.created', 'organization.updated', 'organization.deleted',
    'user.signup', 'user.login', 'user.logout', 'user.organization_invitation',
    'user.organization_membership_created', 'user.organization_membership_deleted',
    'user.organization_membership_updated',
    'organization.directory_enabled', 'organization.directory_disabled',
    'organization.directory.user_created', 'organization.directory.user_updated',
    'organization.directory.user_deleted',
    'organization.directory.group_created', 'organization.directory.group_updated',
    'organization.directory.group_deleted',
    'organization.sso_created', 'organization.sso_enabled',
    'organization.sso_disabled', 'organization.sso_deleted',
    'role.created', 'role.updated', 'role.deleted',
    'permission.created', 'permission.updated', 'permission.deleted',
    'connected_account.created', 'connected_account.updated',
    'connected_account.deleted', 'connected_account.magic_link_generated',
    'connected_account.oauth_tokens_fetched',
    'connected_account.token_refresh_succeeded',
    'connected_account.token_refresh_failed', 'connected_account.oauth_succeeded',
    'connected_account.status_updated');
CREATE TYPE idm.event_object AS ENUM
    ('Organization', 'Connection', 'Role', 'Directory', 'DirectoryUser',
     'DirectoryGroup', 'Permission', 'OrgMembership', 'User', 'ConnectedAccount');
