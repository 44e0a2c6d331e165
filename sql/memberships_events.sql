-- membership events: which change emits what, signup, deletes, emit_membership_event
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
    RETURN SQLSTATE || ': ' || SQLERRM || coalesce(' (' || nullif(detail, '') || ')', '');
END $f$;
-- the events written since the last call, one line each
CREATE TEMP TABLE seen (id text);
CREATE FUNCTION pg_temp.new_events() RETURNS TABLE (type idm.event_type, email text, status text)
LANGUAGE sql AS $f$
    WITH n AS (
        INSERT INTO seen SELECT e.id FROM idm.events e
        WHERE e.environment_id = 'env_mev1' AND e.id NOT IN (SELECT id FROM seen)
        RETURNING id)
    SELECT e.type, e.data->'user'->>'email', e.data->'user'->'memberships'->0->>'membership_status'
    FROM idm.events e JOIN n USING (id) ORDER BY e.id
$f$;

INSERT INTO idm.environments (id, name) VALUES ('env_mev1', 'membership events test');
SET idm.environment_id = 'env_mev1';
SELECT id AS org FROM idm.create_organization('Acme Corp', 'org_external_123', 'US') \gset
SELECT id AS ann FROM idm.create_user('ann@acme.com', given_name => 'Ann') \gset
SELECT * FROM pg_temp.new_events();

-- a membership: created, updated, no-op, deleted
SELECT count(*) AS created FROM idm.create_membership(:'org', :'ann');
SELECT * FROM pg_temp.new_events();
SELECT count(*) AS updated FROM idm.update_membership(:'org', :'ann', metadata => '{"team": "core"}');
SELECT count(*) AS deactivated FROM idm.update_membership(:'org', :'ann', 'INACTIVE');
SELECT * FROM pg_temp.new_events();
UPDATE idm.memberships SET metadata = metadata, membership_status = membership_status WHERE user_id = :'ann';
SELECT count(*) AS same_status FROM idm.update_membership(:'org', :'ann', 'INACTIVE');
SELECT count(*) AS events_after_noops FROM pg_temp.new_events();

-- the envelope of a membership event
SELECT type, object, organization_id = :'org' AS org_on_envelope, display_name, spec_version,
       data->'organization'->>'id' = :'org' AS org_nested, data->'user'->>'id' = :'ann' AS user_nested,
       data->'user'->'memberships'->0->>'organization_id' = :'org' AS membership_nested,
       data->'user'->'memberships'->0->>'display_name' AS membership_org_name,
       data->'user'->'memberships'->0->'metadata' AS membership_metadata
FROM idm.events WHERE environment_id = 'env_mev1' AND type = 'user.organization_membership_updated'
ORDER BY id LIMIT 1;

-- an invitation: invited, resent, edited (nothing), accepted (created), expired (nothing), renewed
SELECT count(*) AS invited FROM idm.invite_user(:'org', 'bob@acme.com', 'ann@acme.com');
SELECT id AS bob FROM idm.users WHERE email = 'bob@acme.com' \gset
SELECT count(*) AS resent FROM idm.resend_invitation(:'org', :'bob');
SELECT count(*) AS edited FROM idm.update_membership(:'org', :'bob', metadata => '{"note": "cto"}');
SELECT * FROM pg_temp.new_events();
SELECT data->'user'->'memberships'->0->>'inviter_email' AS inviter,
       data->'user'->'memberships'->0->>'provisioning_method' AS method,
       data->'user'->'memberships'->0->>'expires_at' ~ 'Z$' AS has_expiry
FROM idm.events WHERE environment_id = 'env_mev1' AND type = 'user.organization_invitation'
ORDER BY id LIMIT 1;
SELECT count(*) AS accepted FROM idm.accept_invitation(:'org', :'bob');
SELECT * FROM pg_temp.new_events();
SELECT data->'user'->'memberships'->0->>'accepted_at' = data->'user'->'memberships'->0->>'join_time' AS accepted_is_join
FROM idm.events WHERE environment_id = 'env_mev1' AND type = 'user.organization_membership_created'
ORDER BY id DESC LIMIT 1;
SELECT count(*) AS invited FROM idm.invite_user(:'org', 'cy@acme.com');
UPDATE idm.memberships SET expires_at = now() - interval '1 second'
WHERE user_id = (SELECT id FROM idm.users WHERE email = 'cy@acme.com');
SELECT idm.expire_invitations() AS expired;
SELECT count(*) AS renewed FROM idm.resend_invitation(:'org', (SELECT id FROM idm.users WHERE email = 'cy@acme.com'));
SELECT * FROM pg_temp.new_events();
-- withdrawing an invitation emits nothing; removing a member emits deleted
SELECT idm.delete_membership(:'org', (SELECT id FROM idm.users WHERE email = 'cy@acme.com'));
SELECT idm.delete_membership(:'org', :'bob');
SELECT * FROM pg_temp.new_events();

-- one statement over N rows: N events in row order
INSERT INTO idm.users (environment_id, email) SELECT 'env_mev1', 'bulk' || n || '@acme.com' FROM generate_series(1, 3) n;
INSERT INTO idm.memberships (environment_id, organization_id, user_id)
SELECT 'env_mev1', :'org', id FROM idm.users WHERE email LIKE 'bulk%' ORDER BY email;
SELECT * FROM pg_temp.new_events();

-- rolled back work (whole transaction or savepoint) leaves no event
BEGIN;
SELECT count(*) AS invited FROM idm.invite_user(:'org', 'gone@acme.com');
ROLLBACK;
BEGIN;
SAVEPOINT s1;
SELECT idm.delete_membership(:'org', :'ann');
ROLLBACK TO SAVEPOINT s1;
COMMIT;
SELECT count(*) AS events_after_rollbacks FROM pg_temp.new_events();

-- deleting a user or an organization: the memberships' deleted events come
-- first and still nest both; invitations go silently
SELECT count(*) AS invited FROM idm.invite_user(:'org', 'dee@acme.com');
SELECT count(*) FROM pg_temp.new_events();
SELECT idm.delete_user(id) FROM idm.users WHERE email = 'bulk1@acme.com';
SELECT * FROM pg_temp.new_events();
SELECT idm.delete_organization(:'org');
SELECT * FROM pg_temp.new_events();
SELECT count(*) FILTER (WHERE data->'organization'->>'display_name' = 'Acme Corp') AS deleted_with_org,
       count(*) FILTER (WHERE data->'user'->>'email' IS NOT NULL) AS deleted_with_user
FROM idm.events WHERE environment_id = 'env_mev1' AND type = 'user.organization_membership_deleted';
SELECT count(*) AS memberships_left FROM idm.memberships WHERE environment_id = 'env_mev1';

-- signup: user, organization and membership in one go; the row events, then user.signup
SELECT membership_status, provisioning_method, join_time = now() AS joined_now
FROM idm.signup('Eve@Initech.com', 'Initech', 'Eve', 'Smith', 'Eve Smith', 'initech-1', 'EU');
SELECT * FROM pg_temp.new_events();
SELECT e.type, e.xid = first_value(e.xid) OVER (ORDER BY e.id) AS same_transaction
FROM idm.events e JOIN idm.organizations o ON o.environment_id = e.environment_id AND o.id = e.organization_id
WHERE e.environment_id = 'env_mev1' AND o.display_name = 'Initech' ORDER BY e.id;
SELECT data->'organization'->>'display_name' AS org, data->'organization'->>'region_code' AS region,
       data->'organization'->>'external_id' AS org_external_id,
       data->'user'->'user_profile'->>'name' AS name, data->'user'->>'external_id' AS user_external_id,
       data->'user'->'memberships'->0->>'provisioning_method' AS method
FROM idm.events WHERE environment_id = 'env_mev1' AND type = 'user.signup';
-- a failed signup writes nothing, not even the organization
SELECT (SELECT count(*) FROM idm.organizations WHERE environment_id = 'env_mev1') AS orgs_before,
       (SELECT count(*) FROM idm.users WHERE environment_id = 'env_mev1') AS users_before,
       (SELECT count(*) FROM idm.events WHERE environment_id = 'env_mev1') AS events_before;
SELECT pg_temp.err($$SELECT idm.signup('eve@INITECH.com', 'Initech Two')$$);
SELECT pg_temp.err($$SELECT idm.signup('eve2@initech.com', 'Initech Two', organization_external_id => 'initech-1')$$);
SELECT pg_temp.err($$SELECT idm.signup('not-an-email', 'Initech Two')$$);
SELECT pg_temp.err($$SELECT idm.signup('eve2@initech.com', '')$$);
SELECT pg_temp.err($$SELECT idm.signup('eve2@initech.com', 'Initech Two', region_code => 'APAC')$$);
SELECT pg_temp.err($$SELECT idm.signup('eve2@initech.com', 'Initech Two', environment_id => 'env_missing')$$);
SELECT left(pg_temp.err($$SELECT idm.signup(NULL, 'Initech Two')$$), 85) AS err;
RESET idm.environment_id;
SELECT pg_temp.err($$SELECT idm.signup('eve2@initech.com', 'Initech Two')$$);
SET idm.environment_id = 'env_mev1';
SELECT (SELECT count(*) FROM idm.organizations WHERE environment_id = 'env_mev1') AS orgs_after,
       (SELECT count(*) FROM idm.users WHERE environment_id = 'env_mev1') AS users_after,
       (SELECT count(*) FROM idm.events WHERE environment_id = 'env_mev1') AS events_after;

-- emit_membership_event: for changes a row does not show (role assignments); internal
SELECT organization_id AS org, user_id AS eve FROM idm.memberships WHERE environment_id = 'env_mev1' \gset
SELECT idm.emit_membership_event('user.organization_membership_updated', 'env_mev1', :'org', :'eve');
SELECT * FROM pg_temp.new_events();
SELECT pg_temp.err(format($$SELECT idm.emit_membership_event('role.updated', 'env_mev1', %L, %L)$$, :'org', :'eve'));
SELECT regexp_replace(pg_temp.err(format($$SELECT idm.emit_membership_event('user.organization_membership_updated', 'env_mev1', %L, 'usr_404')$$, :'org')), 'org_\d+', '<org>') AS err;
SELECT pg_temp.err($$SELECT idm.emit_membership_event('user.login_x', 'env_mev1', 'org_1', 'usr_1')$$);
SELECT has_function_privilege('public', 'idm.emit_membership_event(idm.event_type, text, text, text)', 'EXECUTE') AS public_may_emit;

-- the triggers refuse to be called wrongly
SELECT idm.membership_events();
