-- A change of a membership's roles emits user.organization_membership_updated:
-- one per membership per statement, none for an invitation, none extra when
-- the membership itself is deleted.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_idm;
RESET client_min_messages;
\set SHOW_CONTEXT never

INSERT INTO idm.environments (id, name) VALUES ('env_mre', 'membership role events');
SET idm.environment_id = 'env_mre';
INSERT INTO idm.organizations (environment_id, id, display_name) VALUES ('env_mre', 'org_mre', 'MRE');
INSERT INTO idm.users (environment_id, id, email) VALUES
    ('env_mre', 'usr_mre1', 'one@mre.example'), ('env_mre', 'usr_mre2', 'two@mre.example');
INSERT INTO idm.memberships (environment_id, organization_id, user_id) VALUES ('env_mre', 'org_mre', 'usr_mre1');
SELECT idm.invite_user('org_mre', 'two@mre.example', 'one@mre.example') IS NOT NULL AS invited;
SELECT idm.create_role(r) IS NOT NULL AS role FROM unnest(ARRAY['reader', 'writer', 'auditor']) r;

CREATE VIEW pg_temp.membership_events AS
SELECT type, data->'user'->>'id' AS user_id, organization_id
FROM idm.events WHERE environment_id = 'env_mre' AND object = 'OrgMembership';
SELECT count(*) AS before FROM pg_temp.membership_events WHERE type = 'user.organization_membership_updated';

-- one role given: one event, nesting organization and user
SELECT idm.add_membership_role('usr_mre1', 'org_mre', 'reader');
SELECT * FROM pg_temp.membership_events WHERE type = 'user.organization_membership_updated';
-- three roles set at once: still one event
SELECT idm.set_membership_roles('usr_mre1', 'org_mre', '{writer,auditor,reader}');
SELECT count(*) AS updated_events FROM pg_temp.membership_events WHERE type = 'user.organization_membership_updated';
-- a role on a pending invitation: no membership event (it is not a membership yet)
SELECT idm.add_membership_role('usr_mre2', 'org_mre', 'reader');
SELECT count(*) AS events_for_invitee FROM pg_temp.membership_events
WHERE user_id = 'usr_mre2' AND type = 'user.organization_membership_updated';
-- deleting the membership cascades to its roles: only the _deleted event
DELETE FROM idm.memberships WHERE user_id = 'usr_mre1';
SELECT type, count(*) FROM pg_temp.membership_events WHERE user_id = 'usr_mre1' GROUP BY type ORDER BY type;
-- switched off: no event
SELECT idm.disable_events('{user.organization_membership_updated}');
INSERT INTO idm.memberships (environment_id, organization_id, user_id) VALUES ('env_mre', 'org_mre', 'usr_mre1');
SELECT idm.add_membership_role('usr_mre1', 'org_mre', 'writer');
SELECT count(*) AS updated_events FROM pg_temp.membership_events WHERE type = 'user.organization_membership_updated';

-- default roles: a new ACTIVE membership gets the default member role, an
-- org creator the default creator role, an organization's own default wins;
-- the role comes with the "created" event, no extra "updated"
SELECT idm.enable_events();
SELECT name FROM idm.create_role('member_default');
SELECT name FROM idm.create_role('creator_default');
SELECT name FROM idm.create_role('mre_member', organization_id => 'org_mre');
SELECT idm.set_default_roles('creator_default', 'member_default');
INSERT INTO idm.users (environment_id, id, email) VALUES
    ('env_mre', 'usr_mre3', 'three@mre.example'), ('env_mre', 'usr_mre4', 'four@mre.example');
INSERT INTO idm.organizations (environment_id, id, display_name) VALUES ('env_mre', 'org_mre2', 'MRE 2');
INSERT INTO idm.memberships (environment_id, organization_id, user_id, provisioning_method)
VALUES ('env_mre', 'org_mre2', 'usr_mre3', 'direct_provision'), ('env_mre', 'org_mre2', 'usr_mre4', 'org_creator');
SELECT user_id, (SELECT string_agg(r.name, ',') FROM idm.list_user_roles(user_id, organization_id) r) AS roles
FROM idm.memberships WHERE organization_id = 'org_mre2' ORDER BY user_id;
SELECT type, count(*) FROM pg_temp.membership_events WHERE user_id IN ('usr_mre3', 'usr_mre4')
GROUP BY type ORDER BY type;
SELECT idm.set_default_roles(default_member_role => 'mre_member', organization_id => 'org_mre');
INSERT INTO idm.memberships (environment_id, organization_id, user_id) VALUES ('env_mre', 'org_mre', 'usr_mre3');
SELECT string_agg(name, ',') AS roles FROM idm.list_user_roles('usr_mre3', 'org_mre');
-- an accepted invitation becomes ACTIVE; it already holds a role, so no default
SELECT membership_status FROM idm.accept_invitation('org_mre', 'usr_mre2');
SELECT string_agg(name, ',') AS roles FROM idm.list_user_roles('usr_mre2', 'org_mre');
-- one without roles gets the organization's default on acceptance
INSERT INTO idm.users (environment_id, id, email) VALUES ('env_mre', 'usr_mre5', 'five@mre.example');
SELECT membership_status FROM idm.invite_user('org_mre', 'five@mre.example', 'one@mre.example');
SELECT membership_status FROM idm.accept_invitation('org_mre', 'usr_mre5');
SELECT string_agg(name, ',') AS roles FROM idm.list_user_roles('usr_mre5', 'org_mre');
