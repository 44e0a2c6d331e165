#!/usr/bin/env bash
# Row-level security matrix.  The demo scenario runs for two environments;
# then, for every table with RLS, a role made with docs/app_role.sql and
# working in environment A cannot read, insert, update or delete rows of
# environment B, sees its own rows, and sees nothing with the setting unset.
# Every RLS table must have sample rows in both environments, so a new
# table without a demo block fails here instead of going untested.
set -euo pipefail
PSQL=("$PGBIN/psql" -X -v ON_ERROR_STOP=1 -qAt)

"${PSQL[@]}" -f "$ROOT/scripts/demo.sql" >/dev/null
"${PSQL[@]}" -v app=rls_app -v sender=rls_sender -f "$ROOT/docs/app_role.sql" >/dev/null
"${PSQL[@]}" -c "CREATE ROLE rls_login LOGIN IN ROLE rls_app"
# The second environment is made by the app role itself: the whole demo
# scenario (every resource, action and the consumer loop) must run with the
# grants of docs/app_role.sql, as a role that RLS binds.
"${PSQL[@]}" -c "INSERT INTO idm.environments (id, name) VALUES ('env_other', 'other')"
grep -v 'CREATE EXTENSION\|INSERT INTO idm.environments' "$ROOT/scripts/demo.sql" |
    sed 's/env_demo/env_other/g' | "$PGBIN/psql" -X -v ON_ERROR_STOP=1 -q -U rls_login -f - >/dev/null ||
    { echo "FAIL the app role could not run scripts/demo.sql"; exit 1; }
set +e                          # from here on, every check reports and counts

tables=$("${PSQL[@]}" -c "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'idm'::regnamespace
                           AND c.relrowsecurity AND c.relforcerowsecurity ORDER BY 1")
[ -n "$tables" ] || { echo "no table has forced RLS"; exit 1; }
APP=("$PGBIN/psql" -X -qAt -U rls_login)
fail=0
for t in $tables; do
    key=environment_id
    [ "$t" = environments ] && key=id
    if [ "$("${PSQL[@]}" -c "SELECT has_any_column_privilege('rls_app', 'idm.$t', 'SELECT')")" = f ]; then
        # not granted to the app at all (e.g. the children of idm.events,
        # read through the parent, whose policy applies)
        res=$("${APP[@]}" -c "SET idm.environment_id = 'env_demo'; SELECT count(*) FROM idm.$t" 2>&1)
        case $res in *"permission denied"*) echo "ok $t (not granted)" ;;
            *) echo "FAIL $t: app without a grant read it: $res"; fail=1 ;; esac
        continue
    fi
    own=$("${PSQL[@]}" -c "SELECT count(*) FROM idm.$t WHERE $key = 'env_demo'")
    other=$("${PSQL[@]}" -c "SELECT count(*) FROM idm.$t WHERE $key = 'env_other'")
    if [ "$own" -eq 0 ] || [ "$other" -eq 0 ]; then
        echo "FAIL $t: no sample rows in both environments ($own / $other); add to scripts/demo.sql"
        fail=1; continue
    fi
    cols=$key
    [ "$t" = environments ] && cols="id, name"
    res=$(
        "${APP[@]}" -c "SET idm.environment_id = 'env_demo';
            SELECT count(*) FILTER (WHERE $key = 'env_demo') || ' ' || count(*) FILTER (WHERE $key <> 'env_demo')
            FROM (SELECT $cols FROM idm.$t) s" 2>&1)
    [ "$res" = "$own 0" ] || { echo "FAIL $t: env A sees '$res', expected '$own 0'"; fail=1; }
    res=$("${APP[@]}" -c "SELECT count(*) FROM (SELECT $cols FROM idm.$t) s" 2>&1)
    [ "$res" = 0 ] || { echo "FAIL $t: unset setting sees $res rows"; fail=1; }
    if [ "$("${PSQL[@]}" -c "SELECT has_table_privilege('rls_app', 'idm.$t', 'DELETE')")" = f ]; then
        # read-only for the app (environments, events, the role closures):
        # writes are refused by privileges
        res=$("${APP[@]}" -c "SET idm.environment_id = 'env_demo'; DELETE FROM idm.$t" 2>&1)
        case $res in *"permission denied"*) ;; *) echo "FAIL $t: app could delete: $res"; fail=1 ;; esac
        echo "ok $t ($own / $other rows, read-only)"
        continue
    fi
    res=$("${APP[@]}" -c "SET idm.environment_id = 'env_demo';
        WITH u AS (UPDATE idm.$t SET $key = $key WHERE $key = 'env_other' RETURNING 1) SELECT count(*) FROM u" 2>&1)
    [ "$res" = 0 ] || { echo "FAIL $t: update of env B touched '$res'"; fail=1; }
    res=$("${APP[@]}" -c "SET idm.environment_id = 'env_demo';
        WITH d AS (DELETE FROM idm.$t WHERE $key = 'env_other' RETURNING 1) SELECT count(*) FROM d" 2>&1)
    [ "$res" = 0 ] || { echo "FAIL $t: delete of env B removed '$res'"; fail=1; }
    row=$("${PSQL[@]}" -c "SELECT row_to_json(t) FROM idm.$t t WHERE $key = 'env_other' LIMIT 1")
    # every column but generated ones, which cannot be inserted
    insertable=$("${PSQL[@]}" -c "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum)
        FROM pg_attribute WHERE attrelid = 'idm.$t'::regclass AND attnum > 0
        AND NOT attisdropped AND attgenerated = ''")
    res=$(printf '%s\n' "SET idm.environment_id = 'env_demo';" \
        "INSERT INTO idm.$t ($insertable) SELECT $insertable FROM json_populate_record(NULL::idm.$t, :'row');" |
        "${APP[@]}" -v row="$row" 2>&1)
    # RLS refuses it; a BEFORE trigger that looks the row's references up
    # (and, under RLS, finds nothing in env B) may refuse it first, since
    # PostgreSQL runs BEFORE ROW triggers ahead of the policy check
    case $res in
        *"violates row-level security policy"*) ;;
        *"ERROR:"*) echo "  ($t: refused by a BEFORE trigger: $(head -n 1 <<<"${res#ERROR:  }"))" ;;
        *) echo "FAIL $t: insert of an env B row was not refused: $res"; fail=1 ;;
    esac
    after=$("${PSQL[@]}" -c "SELECT count(*) FROM idm.$t WHERE $key = 'env_other'")
    [ "$after" = "$other" ] || { echo "FAIL $t: env B rows changed $other -> $after"; fail=1; }
    echo "ok $t ($own / $other rows)"
done

# organization scoping: with idm.organization_id set, other organizations vanish
org=$("${PSQL[@]}" -c "SELECT id FROM idm.organizations WHERE environment_id = 'env_demo' LIMIT 1")
n=$("${APP[@]}" -c "SET idm.environment_id = 'env_demo'; SET idm.organization_id = '$org';
    SELECT count(*) FILTER (WHERE id = '$org') || ' ' || count(*) FILTER (WHERE id <> '$org') FROM idm.organizations" 2>&1)
[ "$n" = "1 0" ] || { echo "FAIL organization scoping: '$n', expected '1 0'"; fail=1; }
n=$("${APP[@]}" -c "SET idm.environment_id = 'env_demo'; SET idm.organization_id = 'org_other';
    SELECT count(*) FROM idm.memberships" 2>&1)
[ "$n" = 0 ] || { echo "FAIL organization scoping: memberships of other organizations visible: $n"; fail=1; }

# the app cannot read signing secrets; the sender can
res=$("${APP[@]}" -c "SET idm.environment_id = 'env_demo'; SELECT webhook_secret FROM idm.environments" 2>&1)
case $res in *"permission denied"*) ;; *) echo "FAIL app read a signing secret"; fail=1 ;; esac
res=$("${APP[@]}" -c "SET idm.environment_id = 'env_demo'; SELECT idm.webhook_request(e) FROM idm.events e LIMIT 1" 2>&1)
case $res in *"permission denied"*) ;; *) echo "FAIL app could sign: $res"; fail=1 ;; esac
"${PSQL[@]}" -c "CREATE ROLE rls_sender_login LOGIN IN ROLE rls_sender"
res=$("$PGBIN/psql" -X -qAt -U rls_sender_login -c "SET idm.environment_id = 'env_demo';
    SELECT count(*) FROM (SELECT idm.webhook_request(e) FROM idm.events e) s" 2>&1)
[ "$res" -gt 0 ] 2>/dev/null || { echo "FAIL sender could not sign: $res"; fail=1; }

# the sender runs the consumer loop as a non-superuser: subscribe, open a
# batch, read it, sign every event, finish it; then nothing is pending
res=$("$PGBIN/psql" -X -qAt -v ON_ERROR_STOP=1 -U rls_sender_login <<'SQL' 2>&1
SET idm.environment_id = 'env_demo';
SELECT name = 'rls_sender_loop' FROM idm.create_subscription('rls_sender_loop', from_oldest => true);
SELECT idm.next_batch('rls_sender_loop') IS NOT NULL;
SELECT count((w).webhook_signature) > 0
FROM (SELECT idm.webhook_request(e) AS w FROM idm.batch_events('rls_sender_loop') e) s;
SELECT idm.finish_batch('rls_sender_loop') IS NOT NULL;
SELECT idm.next_batch('rls_sender_loop') IS NULL;
SELECT pending_events FROM idm.list_subscriptions() WHERE name = 'rls_sender_loop';
SELECT idm.drop_subscription('rls_sender_loop');
SQL
)
[ "$(echo $res)" = "t t t t t 0" ] || { echo "FAIL sender consumer loop: $res"; fail=1; }
# ... and only in its own environment
res=$("$PGBIN/psql" -X -qAt -U rls_sender_login -c "SET idm.environment_id = 'env_demo';
    SELECT idm.next_batch('dispatcher', 'env_other')" 2>&1)
case $res in *"does not exist"*) ;; *) echo "FAIL sender reached env_other's subscription: $res"; fail=1 ;; esac
# the app reads no signing secret and writes no rotation bookkeeping
for sql in "SELECT support_hash_secret FROM idm.environments" "SELECT * FROM idm.event_tables" \
           "SELECT idm.maintain_events()" "SELECT idm.connected_account_credentials('ca_1')"; do
    res=$("${APP[@]}" -c "SET idm.environment_id = 'env_demo'; $sql" 2>&1)
    case $res in *"permission denied"*) ;; *) echo "FAIL app ran: $sql: $res"; fail=1 ;; esac
done
[ $fail -eq 0 ] && echo "RLS matrix holds for: $(echo $tables)"
exit $fail
