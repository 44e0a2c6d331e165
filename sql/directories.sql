-- directories, directory users and groups, memberships, group roles:
-- defaults, API functions, constraints and bad input
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_idm;
RESET client_min_messages;
\set SHOW_CONTEXT never
-- err(sql): runs sql, returns "SQLSTATE: message (detail)" of its error,
-- with generated ids shown as <prefix>_N and no "Failing row" detail
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
    detail text;
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
    IF detail LIKE 'Failing row contains%' THEN
        detail := NULL;
    END IF;
    RETURN regexp_replace(SQLSTATE || ': ' || SQLERRM || coalesce(' (' || nullif(detail, '') || ')', ''),
                          '\m(org|dir|diruser|dirgroup)_[0-9]{20,}', '\1_N', 'g');
END $f$;
-- rows of each directory table and events in this test's environments
CREATE FUNCTION pg_temp.counts() RETURNS text LANGUAGE sql AS $f$
    SELECT format('directories=%s users=%s groups=%s memberships=%s group_roles=%s events=%s',
        (SELECT count(*) FROM idm.directories WHERE environment_id LIKE 'env_dirs%'),
        (SELECT count(*) FROM idm.directory_users WHERE environment_id LIKE 'env_dirs%'),
        (SELECT count(*) FROM idm.directory_groups WHERE environment_id LIKE 'env_dirs%'),
        (SELECT count(*) FROM idm.directory_user_groups WHERE environment_id LIKE 'env_dirs%'),
        (SELECT count(*) FROM idm.directory_group_roles WHERE environment_id LIKE 'env_dirs%'),
        (SELECT count(*) FROM idm.events WHERE environment_id LIKE 'env_dirs%'))
$f$;

INSERT INTO idm.environments (id, name) VALUES ('env_dirs1', 'directories'), ('env_dirs2', 'other');
SET idm.environment_id = 'env_dirs1';
SELECT id AS org FROM idm.create_organization('Acme') \gset
SELECT id AS org_b FROM idm.create_organization('Beta') \gset
SELECT id AS org2 FROM idm.create_organization('Other env', environment_id => 'env_dirs2') \gset

-- create_directory: disabled, SCIM by default, IN_PROGRESS
SELECT id ~ '^dir_[0-9]+$' AS id_ok, organization_id = :'org' AS org_ok, name, directory_type,
       directory_provider, enabled, status, last_synced_at, created_at = updated_at AS same_times
FROM idm.create_directory(:'org', 'OKTA', name => 'Okta SCIM');
SELECT id AS dir FROM idm.directories WHERE organization_id = :'org' \gset
SELECT directory_type, directory_provider FROM idm.create_directory(:'org_b', 'MICROSOFT_AD', 'POLL');
SELECT id AS dir_b FROM idm.directories WHERE organization_id = :'org_b' \gset
SELECT id AS dir2 FROM idm.create_directory(:'org2', 'GOOGLE', environment_id => 'env_dirs2') \gset

-- find_directory / directory_for_sync
SELECT id = :'dir' AS found FROM idm.find_directory(:'dir');
SELECT pg_temp.err(format('SELECT idm.directory_for_sync(%L)', :'dir'));

-- enable / disable return the row; doing it twice is a no-op
SELECT enabled FROM idm.enable_directory(:'dir');
SELECT enabled, updated_at >= created_at AS stamped FROM idm.enable_directory(:'dir');
SELECT enabled FROM idm.disable_directory(:'dir_b');
SELECT enabled FROM idm.set_directory_enabled(:'dir_b', true);
SELECT id = :'dir' AS sync_target FROM idm.directory_for_sync(:'dir');

-- upsert_directory_user: insert with defaults, then replace, then a no-op
SELECT id ~ '^diruser_' AS id_ok, organization_id = :'org' AS org_ok, directory_id = :'dir' AS dir_ok,
       dp_id, email, active, given_name, family_name, title, locale, address, custom_attributes,
       raw_attributes, created_at = updated_at AS same_times
FROM idm.upsert_directory_user(:'dir', 'okta-1', 'Ada@Acme.com', given_name => 'Ada',
    family_name => 'Lovelace', title => 'CTO', address => '{"locality": "London"}',
    custom_attributes => '{"badge": 7, "tags": ["a"]}', raw_attributes => '{"userName": "ada"}');
SELECT id AS u1, updated_at AS u1_time FROM idm.directory_users WHERE dp_id = 'okta-1' \gset
SELECT id = :'u1' AS same_id, title, given_name, active, address
FROM idm.upsert_directory_user(:'dir', 'okta-1', 'Ada@Acme.com', given_name => 'Ada', title => 'CEO',
    active => false);
-- NULL attributes mean absent: '' and '{}'
SELECT given_name, title, active, address, custom_attributes
FROM idm.upsert_directory_user(:'dir', 'okta-1', 'Ada@Acme.com', given_name => NULL, title => NULL,
    active => NULL, address => NULL, custom_attributes => NULL);
SELECT updated_at AS u1_time FROM idm.directory_users WHERE id = :'u1' \gset
SELECT id = :'u1' AS same_id, updated_at = :'u1_time' AS unchanged
FROM idm.upsert_directory_user(:'dir', 'okta-1', 'Ada@Acme.com');
SELECT id AS u2 FROM idm.upsert_directory_user(:'dir', 'okta-2', 'bob@acme.com', name => 'Bob') \gset
SELECT id AS u3 FROM idm.upsert_directory_user(:'dir', 'okta-3', 'cy@acme.com') \gset
-- the same dp_id in another directory is another user
SELECT id <> :'u1' AS other_user FROM idm.upsert_directory_user(:'dir_b', 'okta-1', 'ada@beta.com');
SELECT id AS ub FROM idm.directory_users WHERE directory_id = :'dir_b' \gset

-- upsert_directory_group with members (user dp_ids); NULL members leaves them
SELECT id ~ '^dirgroup_' AS id_ok, dp_id, display_name, external_id, raw_attributes
FROM idm.upsert_directory_group(:'dir', 'grp-eng', 'Engineering', members => '{okta-1,okta-2}');
SELECT id AS g1 FROM idm.directory_groups WHERE dp_id = 'grp-eng' \gset
SELECT id AS g2 FROM idm.upsert_directory_group(:'dir', 'grp-ops', 'Ops', 'ext-ops') \gset
SELECT u.dp_id, g.display_name FROM idm.directory_user_groups m
JOIN idm.directory_users u ON u.environment_id = m.environment_id AND u.id = m.user_id
JOIN idm.directory_groups g ON g.environment_id = m.environment_id AND g.id = m.group_id
WHERE m.environment_id = 'env_dirs1' ORDER BY 1, 2;
SELECT display_name, external_id FROM idm.upsert_directory_group(:'dir', 'grp-eng', 'Eng', members => '{okta-2,okta-3}');
SELECT display_name FROM idm.upsert_directory_group(:'dir', 'grp-eng', 'Eng', members => NULL);
SELECT array_agg(u.dp_id ORDER BY u.dp_id) AS eng_members FROM idm.directory_user_groups m
JOIN idm.directory_users u ON u.environment_id = m.environment_id AND u.id = m.user_id
WHERE m.environment_id = 'env_dirs1' AND m.group_id = :'g1';
SELECT display_name FROM idm.upsert_directory_group(:'dir', 'grp-eng', 'Eng', members => '{}');
SELECT count(*) AS eng_members_after_empty FROM idm.directory_user_groups WHERE group_id = :'g1';

-- add / remove members: true when it changed something
SELECT idm.add_directory_group_member(:'g1', :'u1') AS added,
       idm.add_directory_group_member(:'g1', :'u1') AS added_again,
       idm.add_directory_group_member(:'g2', :'u1') AS added_ops,
       idm.add_directory_group_member(:'g1', :'u2') AS added_bob;
SELECT idm.remove_directory_group_member(:'g1', :'u2') AS removed,
       idm.remove_directory_group_member(:'g1', :'u2') AS removed_again;

-- group roles and the roles a user gets through groups (distinct, sorted)
SELECT idm.assign_directory_group_role(:'g1', 'engineer') AS assigned,
       idm.assign_directory_group_role(:'g1', 'engineer') AS assigned_again,
       idm.assign_directory_group_role(:'g1', 'viewer') AS viewer_eng,
       idm.assign_directory_group_role(:'g2', 'viewer') AS viewer_ops;
SELECT array_agg(r) AS ada_roles FROM idm.directory_user_roles(:'u1') r;
SELECT array_agg(r) AS bob_roles FROM idm.directory_user_roles(:'u2') r;
SELECT idm.unassign_directory_group_role(:'g1', 'viewer') AS unassigned,
       idm.unassign_directory_group_role(:'g1', 'viewer') AS unassigned_again;
SELECT array_agg(r) AS ada_roles FROM idm.directory_user_roles(:'u1') r;

-- stats are computed; mark_directory_synced records the last sync
SELECT total_users, total_groups, user_updated_at = (SELECT max(updated_at) FROM idm.directory_users WHERE directory_id = :'dir') AS user_time,
       group_updated_at = (SELECT max(updated_at) FROM idm.directory_groups WHERE directory_id = :'dir') AS group_time,
       last_synced_at
FROM idm.directory_stats(:'dir');
SELECT last_synced_at FROM idm.mark_directory_synced(:'dir', '2025-01-15 08:55:22+00');
SELECT total_users, total_groups, user_updated_at, last_synced_at FROM idm.directory_stats(:'dir2', 'env_dirs2');
SELECT last_synced_at = now() AS defaults_to_now FROM idm.mark_directory_synced(:'dir_b');

-- deletes by dp_id cascade to memberships and group roles
SELECT idm.delete_directory_user(:'dir', 'okta-3');
SELECT idm.delete_directory_group(:'dir', 'grp-ops');
SELECT pg_temp.counts();
SELECT count(*) AS ops_roles FROM idm.directory_group_roles WHERE group_id = :'g2';

-- check_attributes on its own
SELECT idm.check_attributes('{}', 'raw_attributes') AS empty_ok,
       idm.check_attributes('{"emails": [{"value": "a@b.co"}], "n": 1, "x": null}', 'raw_attributes') AS nested_ok;

-- bad input: each error names the field or constraint; nothing is written
SELECT enabled FROM idm.disable_directory(:'dir_b');
SELECT pg_temp.counts() AS before;
-- wrong enum labels and statuses
SELECT pg_temp.err(format($$SELECT idm.create_directory(%L, 'AZURE')$$, :'org'));
SELECT pg_temp.err(format($$SELECT idm.create_directory(%L, 'okta')$$, :'org'));
SELECT pg_temp.err(format($$SELECT idm.create_directory(%L, 'OKTA', 'SAML')$$, :'org'));
SELECT pg_temp.err(format($$INSERT INTO idm.directories (environment_id, organization_id, directory_provider, status) VALUES ('env_dirs1', %L, 'OKTA', 'DONE')$$, :'org'));
SELECT pg_temp.err(format($$SELECT idm.create_directory(%L, 'OKTA', name => '')$$, :'org'));
SELECT pg_temp.err($$INSERT INTO idm.directories (environment_id, id, organization_id, directory_provider) VALUES ('env_dirs1', 'conn_1', 'org_1', 'OKTA')$$);
-- unknown organization, directory, group, user: P0002
SELECT pg_temp.err($$SELECT idm.create_directory('org_404', 'OKTA')$$);
SELECT pg_temp.err($$SELECT idm.create_directory('org_404', 'OKTA', environment_id => 'env_dirs2')$$);
SELECT pg_temp.err($$SELECT idm.enable_directory('dir_404')$$);
SELECT pg_temp.err($$SELECT idm.disable_directory('dir_404')$$);
SELECT pg_temp.err($$SELECT idm.find_directory('dir_404')$$);
SELECT pg_temp.err($$SELECT idm.directory_stats('dir_404')$$);
SELECT pg_temp.err($$SELECT idm.mark_directory_synced('dir_404')$$);
SELECT pg_temp.err($$SELECT idm.delete_directory('dir_404')$$);
SELECT pg_temp.err($$SELECT idm.upsert_directory_user('dir_404', 'x', 'x@acme.com')$$);
SELECT pg_temp.err($$SELECT idm.upsert_directory_group('dir_404', 'x', 'X')$$);
SELECT pg_temp.err(format($$SELECT idm.delete_directory_user(%L, 'okta-404')$$, :'dir'));
SELECT pg_temp.err(format($$SELECT idm.delete_directory_group(%L, 'grp-404')$$, :'dir'));
SELECT pg_temp.err($$SELECT idm.add_directory_group_member('dirgroup_404', 'diruser_1')$$);
SELECT pg_temp.err(format($$SELECT idm.add_directory_group_member(%L, 'diruser_404')$$, :'g1'));
SELECT pg_temp.err($$SELECT idm.remove_directory_group_member('dirgroup_404', 'diruser_1')$$);
SELECT pg_temp.err($$SELECT idm.assign_directory_group_role('dirgroup_404', 'admin')$$);
SELECT pg_temp.err($$SELECT idm.unassign_directory_group_role('dirgroup_404', 'admin')$$);
SELECT pg_temp.err($$SELECT idm.directory_user_roles('diruser_404')$$);
-- a group upsert naming an unknown member writes nothing, not even the group
SELECT pg_temp.err(format($$SELECT idm.upsert_directory_group(%L, 'grp-new', 'New', members => '{okta-1,okta-404}')$$, :'dir'));
-- another environment's directory is not found
SELECT pg_temp.err(format($$SELECT idm.upsert_directory_user(%L, 'x', 'x@acme.com')$$, :'dir2'));
SELECT pg_temp.err(format($$SELECT idm.enable_directory(%L, 'env_dirs2')$$, :'dir'));
-- a disabled directory does not sync
SELECT pg_temp.err(format($$SELECT idm.upsert_directory_user(%L, 'okta-9', 'x@beta.com')$$, :'dir_b'));
SELECT pg_temp.err(format($$SELECT idm.delete_directory_user(%L, 'okta-1')$$, :'dir_b'));
-- bad emails, dp_ids, attributes and lengths
SELECT pg_temp.err(format($$SELECT idm.upsert_directory_user(%L, 'okta-9', 'not-an-email')$$, :'dir'));
SELECT pg_temp.err(format($$SELECT idm.upsert_directory_user(%L, 'okta-9', 'a@b')$$, :'dir'));
SELECT pg_temp.err(format($$SELECT idm.upsert_directory_user(%L, 'okta-9', 'a b@acme.com')$$, :'dir'));
SELECT pg_temp.err(format($$SELECT idm.upsert_directory_user(%L, 'okta-9', NULL)$$, :'dir'));
SELECT pg_temp.err(format($$SELECT idm.upsert_directory_user(%L, '', 'x@acme.com')$$, :'dir'));
SELECT pg_temp.err(format($$SELECT idm.upsert_directory_user(%L, ' okta-9', 'x@acme.com')$$, :'dir'));
SELECT pg_temp.err(format($$SELECT idm.upsert_directory_user(%L, 'okta-9', 'x@acme.com', raw_attributes => '[]')$$, :'dir'));
SELECT pg_temp.err(format($$SELECT idm.upsert_directory_user(%L, 'okta-9', 'x@acme.com', raw_attributes => '"text"')$$, :'dir'));
SELECT pg_temp.err(format($$SELECT idm.upsert_directory_user(%L, 'okta-9', 'x@acme.com', raw_attributes => '{"": 1}')$$, :'dir'));
SELECT pg_temp.err(format($$SELECT idm.upsert_directory_user(%L, 'okta-9', 'x@acme.com', raw_attributes => jsonb_build_object('blob', repeat('x', 300000)))$$, :'dir'));
SELECT pg_temp.err(format($$SELECT idm.upsert_directory_user(%L, 'okta-9', 'x@acme.com', custom_attributes => '[1]')$$, :'dir'));
SELECT pg_temp.err(format($$SELECT idm.upsert_directory_user(%L, 'okta-9', 'x@acme.com', address => '{"postal_code": 64112}')$$, :'dir'));
SELECT pg_temp.err(format($$SELECT idm.upsert_directory_user(%L, 'okta-9', 'x@acme.com', title => repeat('t', 256))$$, :'dir'));
SELECT pg_temp.err(format($$SELECT idm.upsert_directory_user(%L, 'okta-9', 'x@acme.com', phone_number => repeat('1', 33))$$, :'dir'));
SELECT pg_temp.err(format($$SELECT idm.upsert_directory_group(%L, 'grp-9', '')$$, :'dir'));
SELECT pg_temp.err(format($$SELECT idm.upsert_directory_group(%L, 'grp-9', 'G', external_id => ' x')$$, :'dir'));
SELECT pg_temp.err(format($$SELECT idm.upsert_directory_group(%L, 'grp-9', 'G', raw_attributes => '[{}]')$$, :'dir'));
SELECT pg_temp.err(format($$SELECT idm.assign_directory_group_role(%L, '')$$, :'g1'));
SELECT pg_temp.err(format($$SELECT idm.assign_directory_group_role(%L, repeat('r', 101))$$, :'g1'));
-- duplicate dp_id in a directory
SELECT pg_temp.err(format($$INSERT INTO idm.directory_users (environment_id, organization_id, directory_id, dp_id, email) VALUES ('env_dirs1', %L, %L, 'okta-1', 'dup@acme.com')$$, :'org', :'dir'));
SELECT pg_temp.err(format($$INSERT INTO idm.directory_groups (environment_id, organization_id, directory_id, dp_id, display_name) VALUES ('env_dirs1', %L, %L, 'grp-eng', 'Dup')$$, :'org', :'dir'));
SELECT pg_temp.err(format($$UPDATE idm.directory_users SET dp_id = 'okta-2' WHERE id = %L$$, :'u1'));
-- cross-directory, cross-organization and cross-environment references
SELECT pg_temp.err(format($$SELECT idm.add_directory_group_member(%L, %L)$$, :'g1', :'ub'));
SELECT pg_temp.err(format($$INSERT INTO idm.directory_user_groups (environment_id, organization_id, directory_id, user_id, group_id) VALUES ('env_dirs1', %L, %L, %L, %L)$$, :'org', :'dir', :'ub', :'g1'));
SELECT pg_temp.err(format($$INSERT INTO idm.directory_user_groups (environment_id, organization_id, directory_id, user_id, group_id) VALUES ('env_dirs1', %L, %L, %L, %L)$$, :'org_b', :'dir_b', :'ub', :'g1'));
SELECT pg_temp.err(format($$INSERT INTO idm.directory_users (environment_id, organization_id, directory_id, dp_id, email) VALUES ('env_dirs1', %L, %L, 'okta-9', 'x@acme.com')$$, :'org_b', :'dir'));
SELECT pg_temp.err(format($$INSERT INTO idm.directory_users (environment_id, organization_id, directory_id, dp_id, email) VALUES ('env_dirs2', %L, %L, 'okta-9', 'x@acme.com')$$, :'org', :'dir'));
SELECT pg_temp.err(format($$INSERT INTO idm.directories (environment_id, organization_id, directory_provider) VALUES ('env_dirs2', %L, 'OKTA')$$, :'org'));
SELECT pg_temp.err(format($$INSERT INTO idm.directory_group_roles (environment_id, organization_id, directory_id, group_id, role_name) VALUES ('env_dirs2', %L, %L, %L, 'admin')$$, :'org', :'dir', :'g1'));
SELECT pg_temp.err(format($$INSERT INTO idm.directory_group_roles (environment_id, organization_id, directory_id, group_id, role_name) VALUES ('env_dirs1', %L, %L, %L, 'admin')$$, :'org_b', :'dir_b', :'g1'));
SELECT pg_temp.err(format($$UPDATE idm.directories SET organization_id = %L WHERE id = %L$$, :'org_b', :'dir'));
-- no environment at all
RESET idm.environment_id;
SELECT pg_temp.err(format($$SELECT idm.upsert_directory_user(%L, 'okta-9', 'x@acme.com')$$, :'dir'));
SET idm.environment_id = 'env_dirs1';
SELECT pg_temp.counts() AS after;

-- deleting a directory takes its users, groups, memberships and roles along;
-- deleting an organization takes its directories
SELECT idm.delete_directory(:'dir');
SELECT pg_temp.counts();
SELECT idm.delete_organization(:'org_b');
SELECT pg_temp.counts();
