#!/usr/bin/env bash
# kill -9 of a backend in the middle of write transactions, then crash
# recovery: rows and their events agree (either both or neither), because
# events are written in the transaction of the change.
set -euo pipefail
PSQL=("$PGBIN/psql" -X -v ON_ERROR_STOP=1 -qAt)

"${PSQL[@]}" -c "CREATE EXTENSION pg_idm;
                 INSERT INTO idm.environments (id, name) VALUES ('env_crash', 'crash test');"

# a writer committing small transactions in a loop (some will be cut off)
writer() {
    for i in $(seq 1 400); do
        "${PSQL[@]}" -c "BEGIN;
            INSERT INTO idm.organizations (environment_id, display_name)
            SELECT 'env_crash', 'w$1-$i-' || n FROM generate_series(1, 5) n;
            UPDATE idm.organizations SET metadata = '{\"round\": \"$i\"}'
            WHERE environment_id = 'env_crash' AND display_name LIKE 'w$1-$i-%';
            COMMIT;" >/dev/null 2>&1 || true
    done
}
writer 1 & w1=$!
writer 2 & w2=$!

# a long transaction that is in the middle of writing when it is killed
"${PSQL[@]}" -c "BEGIN;
    INSERT INTO idm.organizations (environment_id, display_name)
    SELECT 'env_crash', 'victim-' || n FROM generate_series(1, 200) n;
    SELECT pg_sleep(60);
    COMMIT;" >/dev/null 2>&1 &
victim_client=$!

pid=""
for _ in $(seq 1 100); do
    pid=$("${PSQL[@]}" -c "SELECT pid FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()" 2>/dev/null || true)
    [ -n "$pid" ] && break
    sleep 0.1
done
[ -n "$pid" ] || { echo "victim backend not found"; exit 1; }
sleep 1                      # let the writers commit some rounds first
echo "kill -9 backend $pid"
kill -9 "$pid"
wait "$victim_client" || true
wait "$w1" "$w2" || true

for _ in $(seq 1 100); do
    "$PGBIN/pg_isready" -q && break
    sleep 0.2
done
"$PGBIN/pg_isready" -q || { echo "server did not come back"; exit 1; }
grep -q "terminated by signal 9" "$SERVER_LOG" || { echo "no crash seen in the server log"; exit 1; }

"${PSQL[@]}" <<'SQL'
DO $$
DECLARE
    orgs int; created int; orphans int; missing int; updated_wrong int; victims int;
BEGIN
    SELECT count(*) INTO orgs FROM idm.organizations WHERE environment_id = 'env_crash';
    SELECT count(*) INTO created FROM idm.events
    WHERE environment_id = 'env_crash' AND type = 'organization.created';
    SELECT count(*) INTO orphans FROM idm.events e
    WHERE e.environment_id = 'env_crash' AND NOT EXISTS (
        SELECT 1 FROM idm.organizations o WHERE o.environment_id = e.environment_id AND o.id = e.organization_id);
    SELECT count(*) INTO missing FROM idm.organizations o
    WHERE o.environment_id = 'env_crash' AND NOT EXISTS (
        SELECT 1 FROM idm.events e WHERE e.environment_id = o.environment_id
        AND e.organization_id = o.id AND e.type = 'organization.created');
    -- an organization whose metadata update committed has its updated event
    SELECT count(*) INTO updated_wrong FROM idm.organizations o
    WHERE o.environment_id = 'env_crash' AND o.metadata IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM idm.events e WHERE e.environment_id = o.environment_id
        AND e.organization_id = o.id AND e.type = 'organization.updated'
        AND e.data->'metadata' = o.metadata);
    SELECT count(*) INTO victims FROM idm.organizations WHERE display_name LIKE 'victim-%';
    RAISE NOTICE 'organizations %, created events %, orphan events %, rows without event %, updates without event %, victim rows %',
        orgs, created, orphans, missing, updated_wrong, victims;
    IF orgs = 0 OR orgs <> created OR orphans <> 0 OR missing <> 0 OR updated_wrong <> 0 OR victims <> 0 THEN
        RAISE EXCEPTION 'rows and events disagree after the crash';
    END IF;
END $$;
SQL
echo "rows and events agree after kill -9 and recovery"
