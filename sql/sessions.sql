-- sessions: login, touch, logout, revocation, expiry, their events, bad input
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
-- ids and times in messages vary from run to run; show them by name (and
-- leave out the failing row a CHECK violation shows)
CREATE FUNCTION pg_temp.named(t text) RETURNS text LANGUAGE sql AS $f$
    SELECT regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(t,
        'ses_\d{5,}', '<session>', 'g'), 'usr_\d{5,}', '<user>', 'g'), 'org_\d{5,}', '<org>', 'g'),
        '\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z', '<time>', 'g'),
        ' \(Failing row contains .*\)$', '')
$f$;

INSERT INTO idm.environments (id, name) VALUES ('env_ses1', 'sessions test'), ('env_ses2', 'other');
SET idm.environment_id = 'env_ses1';
SELECT organization_id AS org, user_id AS ann FROM idm.signup('ann@acme.com', 'Acme') \gset
SELECT id AS bob FROM idm.create_user('bob@acme.com') \gset
SELECT id AS zed FROM idm.create_user('zed@globex.com', environment_id => 'env_ses2') \gset
SELECT count(*) AS bob_invited FROM idm.invite_user(:'org', 'bob@acme.com');

-- login: an ACTIVE session, 7 days idle and 30 days absolute by default
SELECT id ~ '^ses_' AS id_ok, status, organization_id = :'org' AS org, authenticated_organizations = ARRAY[:'org'] AS authenticated,
       authenticated_clients, idle_timeout, created_at = now() AS created_now, last_active_at = now() AS active_now,
       idle_expires_at - now() AS idle_left, absolute_expires_at - now() AS absolute_left, expired_at, logout_at,
       browser, ip, city, latitude, longitude
FROM idm.login(:'ann', :'org', '{"browser": "Chrome", "ip": "2001:db8::1", "location": {"city": "Patna", "latitude": "25.594095", "longitude": "-85.5"}}',
               authenticated_clients => '[{"client_id": "skc_1", "organization_id": "org_1"}, {"client_id": "skc_2"}]');
SELECT last_login_time = (SELECT created_at FROM idm.sessions WHERE user_id = :'ann') AS last_login_is_session_start,
       update_time < last_login_time AS account_not_updated
FROM idm.users WHERE id = :'ann';
SELECT type, object, organization_id = :'org' AS org_on_envelope, display_name,
       data->'user_session'->'authenticated_clients' AS clients
FROM idm.events WHERE environment_id = 'env_ses1' AND type = 'user.login';
-- without an organization; idle expiry never passes absolute expiry
SELECT organization_id, authenticated_organizations, device_type, ip,
       idle_expires_at = absolute_expires_at AS idle_capped, absolute_expires_at - now() AS absolute_left
FROM idm.login(:'ann', idle_timeout => '40 days', absolute_timeout => '2 days');
SELECT organization_id IS NULL AS no_org_on_envelope FROM idm.events
WHERE environment_id = 'env_ses1' AND type = 'user.login' ORDER BY id DESC LIMIT 1;

SELECT id AS s1 FROM idm.sessions WHERE environment_id = 'env_ses1' AND organization_id IS NOT NULL \gset
SELECT id AS s2 FROM idm.sessions WHERE environment_id = 'env_ses1' AND organization_id IS NULL \gset

-- touch: activity moves last_active_at and slides the idle expiry; no event
UPDATE idm.sessions SET idle_expires_at = now() + interval '1 hour' WHERE id = :'s1';
SELECT updated_at AS updated, (SELECT count(*) FROM idm.events WHERE environment_id = 'env_ses1') AS events
FROM idm.sessions WHERE id = :'s1' \gset
SELECT last_active_at = now() AS active_now, idle_expires_at - now() AS idle_left, updated_at > :'updated' AS updated
FROM idm.touch_session(:'s1');
SELECT count(*) - :events AS events_from_touch FROM idm.events WHERE environment_id = 'env_ses1';

-- logout: LOGOUT with logout_at, and user.logout
SELECT status, logout_at = now() AS logout_now, expired_at FROM idm.logout(:'s1');
SELECT type, organization_id = :'org' AS org_on_envelope, data->'user_session'->>'status' AS status,
       data->'user_session'->>'logout_at' ~ 'Z$' AS logout_at_set
FROM idm.events WHERE environment_id = 'env_ses1' AND type = 'user.logout';

-- revoke: REVOKED with expired_at = now, no event
SELECT status, expired_at = now() AS expired_now, logout_at FROM idm.revoke_session(:'s2');

-- revoke all of a user's: only ACTIVE ones change, others stay as they are
SELECT id AS s3 FROM idm.login(:'ann') \gset
SELECT id AS s4 FROM idm.login(:'ann', :'org') \gset
SELECT count(*) AS revoked, bool_and(status = 'REVOKED') AS all_revoked FROM idm.revoke_user_sessions(:'ann');
SELECT count(*) AS revoked_again FROM idm.revoke_user_sessions(:'ann');
SELECT status, count(*) FROM idm.sessions WHERE environment_id = 'env_ses1' GROUP BY 1 ORDER BY 1;

-- expiry by time: idle or absolute; expired_at says when the time was up
SELECT id AS idle FROM idm.login(:'ann', idle_timeout => '1 hour') \gset
SELECT id AS fresh FROM idm.login(:'ann') \gset
SELECT idm.expire_sessions() AS none_due;
UPDATE idm.sessions SET idle_expires_at = now() - interval '5 minutes' WHERE id = :'idle'
RETURNING idle_expires_at AS due \gset
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.touch_session(%L)', :'idle')));
SELECT idm.expire_sessions('env_ses2') AS other_environment;
SELECT idm.expire_sessions() AS expired;
SELECT id = :'idle' AS the_idle_one, status, expired_at = :'due' AS expired_when_due
FROM idm.sessions WHERE environment_id = 'env_ses1' AND status = 'EXPIRED';
SELECT count(*) AS events_from_revoke_or_expiry FROM idm.events WHERE environment_id = 'env_ses1' AND type = 'user.logout';

-- plain SQL obeys the same rules; other columns of an ended session may change
SELECT pg_temp.named(pg_temp.err(format($$UPDATE idm.sessions SET status = 'ACTIVE' WHERE id = %L$$, :'s1')));
SELECT pg_temp.named(pg_temp.err(format($$UPDATE idm.sessions SET last_active_at = now() WHERE id = %L$$, :'s1')));
SELECT pg_temp.named(pg_temp.err(format($$UPDATE idm.sessions SET status = 'EXPIRED' WHERE id = %L$$, :'fresh')));
SELECT pg_temp.named(pg_temp.err(format($$UPDATE idm.sessions SET browser = 'Firefox' WHERE id = %L$$, :'s1')));
SELECT pg_temp.named(pg_temp.err(format($$UPDATE idm.sessions SET status = 'LOGOUT' WHERE id = %L$$, :'fresh')));
SELECT status, logout_at IS NOT NULL AS logout_at_filled, expired_at FROM idm.sessions WHERE id = :'fresh';
-- deleting the organization keeps the sessions, without it
SELECT idm.delete_organization(:'org');
SELECT count(*) AS sessions, count(organization_id) AS with_org FROM idm.sessions WHERE environment_id = 'env_ses1';

-- bad input: precise errors; nothing written
SELECT organization_id AS org FROM idm.signup('cy@acme.com', 'Acme Two') \gset
SELECT count(*) AS bob_invited FROM idm.invite_user(:'org', 'bob@acme.com');
SELECT id AS live FROM idm.login(:'ann') \gset
SELECT (SELECT count(*) FROM idm.sessions WHERE environment_id LIKE 'env_ses%') AS sessions_before,
       (SELECT count(*) FROM idm.events WHERE environment_id LIKE 'env_ses%') AS events_before,
       (SELECT max(last_login_time) FROM idm.users WHERE environment_id LIKE 'env_ses%') AS last_login \gset
SELECT :sessions_before AS sessions_before, :events_before AS events_before;
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.login(%L, device => %L)', :'ann', d))) AS device_errors
FROM unnest(ARRAY[
    '"Chrome"', '{"browser": 1}', '{"Browser": "x"}', '{"ip": "300.1.1.1"}', '{"ip": "152.59.144.211/24"}',
    '{"location": "Patna"}', '{"location": {"city": 7}}', '{"location": {"ip": "1.2.3.4"}}', '{"city": "Patna"}',
    '{"location": {"latitude": "91"}}', '{"location": {"longitude": "-180.5"}}', '{"location": {"latitude": "north"}}',
    '{"location": {"latitude": "1e2"}}', '{"location": {"latitude": "NaN"}}']) d;
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.login(%L, authenticated_clients => %L)', :'ann', c))) AS client_errors
FROM unnest(ARRAY[
    '{}', '[1]', '[{}]', '[{"client_id": 1}]', '[{"client_id": "org_1"}]', '[{"client_id": "skc_1", "organization_id": "usr_1"}]',
    '[{"client_id": "skc_1", "organization_id": 5}]', '[{"client_id": "skc_1", "scope": "x"}]']) c;
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.login(%L, device => %L)', :'ann', '{"browser": "' || repeat('x', 256) || '"}')));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.login(%L, idle_timeout => %L)', :'ann', '0')));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.login(%L, absolute_timeout => %L)', :'ann', '-1 hour')));
SELECT pg_temp.named(pg_temp.err('SELECT idm.login(''usr_404'')'));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.login(%L)', :'zed')));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.login(%L, %L)', :'ann', 'org_404')));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.login(%L, %L)', :'bob', :'org')));
SELECT pg_temp.named(pg_temp.err(format($$INSERT INTO idm.sessions (environment_id, user_id, status) VALUES ('env_ses1', %L, 'REVOKED')$$, :'ann')));
SELECT pg_temp.named(pg_temp.err(format($$INSERT INTO idm.sessions (environment_id, user_id, status) VALUES ('env_ses1', %L, 'active')$$, :'ann')));
SELECT pg_temp.named(pg_temp.err(format($$INSERT INTO idm.sessions (environment_id, user_id) VALUES ('env_ses1', %L)$$, :'zed')));
SELECT pg_temp.named(pg_temp.err(format($$INSERT INTO idm.sessions (environment_id, id, user_id) VALUES ('env_ses1', 'usr_1', %L)$$, :'ann')));
SELECT pg_temp.named(pg_temp.err(format($$INSERT INTO idm.sessions (environment_id, user_id, authenticated_organizations) VALUES ('env_ses1', %L, '{org_1,org_1}')$$, :'ann')));
SELECT pg_temp.named(pg_temp.err(format($$INSERT INTO idm.sessions (environment_id, user_id, authenticated_organizations) VALUES ('env_ses1', %L, '{usr_1}')$$, :'ann')));
SELECT pg_temp.named(pg_temp.err(format($$INSERT INTO idm.sessions (environment_id, user_id, authenticated_organizations) VALUES ('env_ses1', %L, '{NULL}')$$, :'ann')));
SELECT pg_temp.named(pg_temp.err(format($$INSERT INTO idm.sessions (environment_id, user_id, organization_id) VALUES ('env_ses1', %L, 'org_404')$$, :'ann')));
SELECT pg_temp.named(pg_temp.err(format($$INSERT INTO idm.sessions (environment_id, user_id, latitude) VALUES ('env_ses1', %L, 95)$$, :'ann')));
SELECT pg_temp.named(pg_temp.err(format($$UPDATE idm.sessions SET user_id = %L WHERE id = %L$$, :'bob', :'live')));
SELECT pg_temp.named(pg_temp.err(format($$UPDATE idm.sessions SET idle_expires_at = absolute_expires_at + interval '1 day' WHERE id = %L$$, :'live')));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.touch_session(%L)', :'s1')));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.logout(%L)', :'s1')));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.revoke_session(%L)', :'s2')));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.logout(%L)', :'idle')));
SELECT pg_temp.named(pg_temp.err('SELECT idm.touch_session(''ses_404'')'));
SELECT pg_temp.named(pg_temp.err('SELECT idm.logout(''ses_404'')'));
SELECT pg_temp.named(pg_temp.err('SELECT idm.revoke_session(''ses_404'')'));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.revoke_session(%L, %L)', :'live', 'env_ses2')));
SELECT pg_temp.named(pg_temp.err('SELECT idm.revoke_user_sessions(''usr_404'')'));
SELECT pg_temp.named(pg_temp.err(format('SELECT idm.check_session_transition(s, %L) FROM idm.sessions s WHERE id = %L', 'EXPIRED', :'live')));
RESET idm.environment_id;
SELECT pg_temp.named(pg_temp.err('SELECT idm.expire_sessions()'));
SET idm.environment_id = 'env_ses1';
SELECT (SELECT count(*) FROM idm.sessions WHERE environment_id LIKE 'env_ses%') = :sessions_before AS sessions_unchanged,
       (SELECT count(*) FROM idm.events WHERE environment_id LIKE 'env_ses%') = :events_before AS events_unchanged,
       (SELECT max(last_login_time) FROM idm.users WHERE environment_id LIKE 'env_ses%') = :'last_login' AS last_login_unchanged,
       (SELECT status FROM idm.sessions WHERE id = :'live') AS live_status;

-- the triggers refuse to be called wrongly
SELECT idm.session_events();
