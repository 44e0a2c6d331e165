-- Memberships (commonsOrganizationMembership): organization x user.  Both
-- foreign keys lead with environment_id, so a membership joining an
-- organization and a user of different environments cannot exist.

CREATE TABLE idm.memberships (
    environment_id      text NOT NULL,
    organization_id     text NOT NULL,
    user_id             text NOT NULL,
    membership_status   idm.membership_status NOT NULL DEFAULT 'ACTIVE',
    provisioning_method text CHECK (provisioning_method IN
                        ('jit_using_sso', 'allowed_email_domain', 'org_creator',
                         'direct_provision', 'invitation')),
    inviter_email       text CHECK (idm.check_email(inviter_email, 'inviter_email')),
    join_time           timestamptz,
    accepted_at         timestamptz,
    expires_at          timestamptz,
    metadata            jsonb NOT NULL DEFAULT '{}' CHECK (idm.check_metadata(metadata)),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (environment_id, organization_id, user_id),
    FOREIGN KEY (environment_id, organization_id)
        REFERENCES idm.organizations (environment_id, id) ON DELETE CASCADE,
    FOREIGN KEY (environment_id, user_id)
        REFERENCES idm.users (environment_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE idm.memberships IS 'a user''s membership of an organization';
CREATE INDEX memberships_user_idx ON idm.memberships (environment_id, user_id);

CREATE TRIGGER memberships_stamp_times BEFORE INSERT OR UPDATE ON idm.memberships
    FOR EACH ROW EXECUTE FUNCTION idm.stamp_times('created_at', 'updated_at');

SELECT pg_catalog.pg_extension_config_dump('idm.memberships', '');
