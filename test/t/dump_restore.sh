#!/usr/bin/env bash
# pg_dump / pg_restore of a database using pg_idm keeps every row of every
# idm table (pg_extension_config_dump), and the restored database keeps
# working: triggers fire and events are emitted.  The restore runs with
# session_replication_role = replica, as the README says, so pg_idm's
# triggers neither re-stamp times nor emit events for restored rows.
set -euo pipefail
PSQL=("$PGBIN/psql" -X -v ON_ERROR_STOP=1 -qAt)

"${PSQL[@]}" -f "$ROOT/scripts/demo.sql" >/dev/null

# a digest of every idm table's rows, in a stable order
digest() {
    "${PSQL[@]}" -d "$1" <<'SQL'
SELECT string_agg(format('%s %s %s', c.relname, n,
                         md5(coalesce(d, ''))), E'\n' ORDER BY c.relname)
FROM pg_class c
CROSS JOIN LATERAL (
    SELECT (xpath('/row/n/text()', query_to_xml(format(
                'SELECT count(*) AS n FROM ONLY idm.%I', c.relname), false, true, '')))[1]::text AS n,
           (xpath('/row/d/text()', query_to_xml(format(
                'SELECT string_agg(t::text, '','' ORDER BY t::text) AS d FROM ONLY idm.%I t', c.relname),
                false, true, '')))[1]::text AS d) x
WHERE c.relnamespace = 'idm'::regnamespace AND c.relkind IN ('r', 'p')
  -- cluster-local state, deliberately not dumped: which event child is current
  AND c.relname <> 'event_tables';
SQL
}

before=$(digest "$PGDATABASE")
rows=$("${PSQL[@]}" -c "SELECT count(*) FROM idm.events")
[ "$rows" -gt 0 ] || { echo "the scenario wrote no events"; exit 1; }

dump=$WORK/dump_restore.dump
"$PGBIN/pg_dump" -Fc -f "$dump" "$PGDATABASE"
"$PGBIN/createdb" "${PGDATABASE}_restored"
PGOPTIONS='-c session_replication_role=replica' \
    "$PGBIN/pg_restore" --exit-on-error -d "${PGDATABASE}_restored" "$dump"
after=$(digest "${PGDATABASE}_restored")

if [ "$before" != "$after" ]; then
    echo "restored data differs:"
    diff <(echo "$before") <(echo "$after") || true
    exit 1
fi
echo "$before" | sed 's/^/  /'

# the restored database still works: a change emits its event
"${PSQL[@]}" -d "${PGDATABASE}_restored" -c "
    SET idm.environment_id = 'env_demo';
    SELECT idm.create_organization('After restore', 'after-restore-1');" >/dev/null
n=$("${PSQL[@]}" -d "${PGDATABASE}_restored" -c "
    SELECT count(*) FROM idm.events WHERE type = 'organization.created'
    AND data->>'external_id' = 'after-restore-1'")
[ "$n" = 1 ] || { echo "no event after restore"; exit 1; }
"$PGBIN/dropdb" "${PGDATABASE}_restored"
echo "dump/restore kept every row of $(echo "$before" | wc -l) tables"
