-- memberships: API functions, invitations, the status rules, bad input
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
-- ids and times in messages vary from run to run; show them by name (and
-- leave out the failing row a CHECK violation shows)
CREATE FUNCTION pg_temp.named(t text) RETURNS text LANGUAGE sql AS $f$
    SELECT regexp_replace(regexp_replace(regexp_replace(regexp_replace(t,
        'usr_\d{5,}', '<user>', 'g'), 'org_\d{5,}', '<org>', 'g'),
        '\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z', '<time>', 'g'),
        ' \(Failing row contains .*\)$', '')
$f$;

INSERT INTO idm.environments (id, name) VALUES ('env_mem1', 'memberships test'), ('env_mem2', 'other');
SET idm.environment_id = 'env_mem1';
SELECT id AS org FROM idm.create_organization('Acme') \gset
SELECT id AS org2 FROM idm.create_organization('Globex', environment_id => 'env_mem2') \gset
SELECT id AS ann FROM idm.create_user('ann@acme.com') \gset
SELECT id AS ben FROM idm.create_user('ben@acme.com') \gset
SELECT id AS zed FROM idm.create_user('zed@globex.com', environment_id => 'env_mem2') \gset

-- a direct membership is ACTIVE, joined now
SELECT membership_status, provisioning_method, join_time = now() AS joined_now, accepted_at,
       expires_at, metadata, resent_count, created_at = updated_at AS same_times
FROM idm.create_membership(:'org', :'ann', metadata => '{"team": "core"}');
SELECT membership_status, join_time IS NOT NULL AS has_join_time, metadata
FROM idm.update_membership(:'org', :'ann', 'INACTIVE', '{"team": "ops"}');
SELECT membership_status FROM idm.update_membership(:'org', :'ann', 'ACTIVE');
SELECT updated_at AS updated FROM idm.memberships WHERE user_id = :'ann' \gset
SELECT updated_at = :'updated' AS noop_keeps_updated_at FROM idm.update_membership(:'org', :'ann', 'ACTIVE');

-- invitations: an unknown email gets a user; a known one (any case) is reused
SELECT membership_status, provisioning_method, inviter_email, expires_at = now() + interval '7 days' AS expires_in_7_days,
       join_time, accepted_at, resent_count
FROM idm.invite_user(:'org', 'Carl@Acme.com', 'ann@acme.com');
SELECT id AS carl FROM idm.users WHERE email = 'Carl@Acme.com' \gset
SELECT membership_status, expires_at = now() + interval '2 days' AS custom_expiry
FROM idm.invite_user(:'org', 'BEN@acme.com', expires_in => '2 days');
SELECT count(*) AS bens FROM idm.users WHERE lower(email) = 'ben@acme.com';

-- resend: counts, keeps a valid expiry
SELECT expires_at AS carl_expires FROM idm.memberships WHERE user_id = :'carl' \gset
SELECT membership_status, resent_count, resent_at = now() AS resent_now, expires_at = :'carl_expires' AS expiry_kept
FROM idm.resend_invitation(:'org', :'carl');
SELECT resent_count FROM idm.resend_invitation(:'org', :'carl');

-- accept: ACTIVE, accepted and joined now
SELECT membership_status, accepted_at = now() AS accepted_now, join_time = now() AS joined_now,
       provisioning_method, inviter_email
FROM idm.accept_invitation(:'org', :'carl');

-- expiry by time: only due invitations, only in the environment
SELECT idm.expire_invitations() AS expired_none_due;
UPDATE idm.memberships SET expires_at = now() - interval '1 second' WHERE user_id = :'ben';
-- due but not yet swept: cannot be accepted
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.accept_invitation(%L, %L)', :'org', :'ben')));
SELECT idm.expire_invitations('env_mem2') AS other_environment;
SELECT idm.expire_invitations() AS expired;
SELECT membership_status, accepted_at, join_time FROM idm.memberships WHERE user_id = :'ben';
-- resending an expired invitation renews it
SELECT membership_status, resent_count, expires_at = now() + interval '3 days' AS renewed
FROM idm.resend_invitation(:'org', :'ben', '3 days');

-- withdrawing an invitation and removing a member
SELECT idm.delete_membership(:'org', :'ben');
SELECT idm.delete_membership(:'org', :'carl');
SELECT u.email, m.membership_status FROM idm.memberships m JOIN idm.users u USING (environment_id)
WHERE u.id = m.user_id AND m.environment_id = 'env_mem1' ORDER BY 1;

-- every status change by plain UPDATE: the legal ones and why the others are not
CREATE TEMP TABLE transitions AS
SELECT f.s AS from_status, t.s AS to_status
FROM unnest(enum_range(NULL::idm.membership_status)) f(s), unnest(enum_range(NULL::idm.membership_status)) t(s)
WHERE f.s <> t.s;
CREATE FUNCTION pg_temp.try(from_status idm.membership_status, to_status idm.membership_status)
RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
    result text;
BEGIN
    -- build a row in from_status (as a user of the app would), then try the change
    INSERT INTO idm.memberships (environment_id, organization_id, user_id, membership_status, expires_at)
    SELECT 'env_mem1', o.id, u.id,
           CASE WHEN from_status = 'INVITE_EXPIRED' THEN 'PENDING_INVITE' ELSE from_status END,
           CASE WHEN from_status IN ('PENDING_INVITE', 'INVITE_EXPIRED') THEN now() + interval '1 day' END
    FROM idm.organizations o, idm.users u
    WHERE o.environment_id = 'env_mem1' AND o.display_name = 'Acme' AND u.environment_id = 'env_mem1' AND u.email = 'ben@acme.com';
    IF from_status = 'INVITE_EXPIRED' THEN
        UPDATE idm.memberships SET expires_at = now() - interval '1 second' WHERE user_id = (SELECT id FROM idm.users WHERE email = 'ben@acme.com');
        UPDATE idm.memberships SET membership_status = 'INVITE_EXPIRED' WHERE user_id = (SELECT id FROM idm.users WHERE email = 'ben@acme.com');
        UPDATE idm.memberships SET expires_at = now() + interval '1 day' WHERE user_id = (SELECT id FROM idm.users WHERE email = 'ben@acme.com');
    END IF;
    result := pg_temp.err(format($$UPDATE idm.memberships SET membership_status = %L WHERE user_id = (SELECT id FROM idm.users WHERE email = 'ben@acme.com')$$, to_status));
    DELETE FROM idm.memberships WHERE user_id = (SELECT id FROM idm.users WHERE email = 'ben@acme.com');
    RETURN pg_temp.named(result);
END $f$;
SELECT from_status, to_status, pg_temp.try(from_status, to_status) AS result
FROM transitions ORDER BY from_status, to_status;
-- the functions' own check also refuses keeping the status (accepting an ACTIVE membership)
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.check_membership_transition(m, %L) FROM idm.memberships m WHERE user_id = %L', 'ACTIVE', :'ann')));

-- bad input: each error names the field and value; nothing is written
SELECT (SELECT count(*) FROM idm.memberships WHERE environment_id LIKE 'env_mem%') AS memberships_before,
       (SELECT count(*) FROM idm.users WHERE environment_id LIKE 'env_mem%') AS users_before,
       (SELECT count(*) FROM idm.events WHERE environment_id LIKE 'env_mem%') AS events_before;
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.create_membership(%L, %L)', :'org', :'ann')));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.create_membership(%L, %L, provisioning_method => %L)', :'org', :'ben', 'sso')));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.create_membership(%L, %L, inviter_email => %L)', :'org', :'ben', 'ann@')));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.create_membership(%L, %L, metadata => %L)', :'org', :'ben', '{"n": 1}')));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.create_membership(%L, %L, %L)', :'org', :'ben', 'active')));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.create_membership(%L, %L, %L)', :'org', :'ben', 'INVITE_EXPIRED')));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.create_membership(%L, %L, %L)', :'org', :'ben', 'PENDING_INVITE')));
SELECT pg_temp.named(pg_temp.err(format($$INSERT INTO idm.memberships (environment_id, organization_id, user_id, membership_status, expires_at) VALUES ('env_mem1', %L, %L, 'PENDING_INVITE', now())$$, :'org', :'ben')));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.create_membership(%L, %L)', 'org_404', :'ben')));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.create_membership(%L, %L)', :'org', 'usr_404')));
-- cross-environment memberships are impossible by the foreign keys
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.create_membership(%L, %L)', :'org2', :'ben')));
SELECT pg_temp.named(pg_temp.err(format($$INSERT INTO idm.memberships (environment_id, organization_id, user_id) VALUES ('env_mem1', %L, %L)$$, :'org', :'zed')));
SELECT pg_temp.named(pg_temp.err(format($$INSERT INTO idm.memberships (environment_id, organization_id, user_id) VALUES ('env_mem2', %L, %L)$$, :'org', :'zed')));
SELECT pg_temp.named(pg_temp.err(format($$UPDATE idm.memberships SET user_id = %L WHERE user_id = %L$$, :'ben', :'ann')));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.update_membership(%L, %L, %L)', :'org', :'ben', 'ACTIVE')));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.update_membership(%L, %L, %L)', :'org', :'ann', 'PENDING_INVITE')));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.update_membership(%L, %L, environment_id => %L)', :'org', :'ann', 'env_mem2')));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.delete_membership(%L, %L)', :'org', :'ben')));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.invite_user(%L, %L)', :'org', 'ann@ACME.com')));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.invite_user(%L, %L)', :'org', 'not-an-email')));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.invite_user(%L, %L)', 'org_404', 'new@acme.com')));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.invite_user(%L, %L, %L)', :'org', 'new@acme.com', 'boss@')));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.invite_user(%L, %L, expires_in => %L)', :'org', 'new@acme.com', '-1 day')));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.resend_invitation(%L, %L)', :'org', :'ann')));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.resend_invitation(%L, %L)', :'org', :'ben')));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.accept_invitation(%L, %L)', :'org', :'ann')));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.accept_invitation(%L, %L)', :'org', 'usr_404')));
RESET idm.environment_id;
SELECT pg_temp.named(pg_temp.err('SELECT idm.expire_invitations()'));
SET idm.environment_id = 'env_mem1';
SELECT (SELECT count(*) FROM idm.memberships WHERE environment_id LIKE 'env_mem%') AS memberships_after,
       (SELECT count(*) FROM idm.users WHERE environment_id LIKE 'env_mem%') AS users_after,
       (SELECT count(*) FROM idm.events WHERE environment_id LIKE 'env_mem%') AS events_after;
