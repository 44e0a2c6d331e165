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
