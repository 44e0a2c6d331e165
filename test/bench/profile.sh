#!/usr/bin/env bash
# Where the time of the benchmark's statements goes, in instructions: runs
# each statement N times in a single-user backend under valgrind's callgrind
# (perf cannot count instructions on this virtual machine) and prints the
# instructions per statement and the heaviest pg_idm functions, inclusive.
# Instruction counts do not depend on what else the machine is doing, so
# they compare builds fairly on a busy machine.
#
# Usage: test/bench/profile.sh [workload...]     (default: all)
#   workloads: org_insert org_update membership_insert membership_update
#              (each with events on and off), has_permission pk_membership
#              route_email pk_domain
# Env: N (default 200) statements per workload, SCALE (default 0.01) of the
# data set (test/bench/dataset.sql), KEEP=1 keeps the callgrind files.
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
N=${N:-200}
SCALE=${SCALE:-0.01}
command -v valgrind >/dev/null || ensure_packages valgrind
workloads=("$@")
[ ${#workloads[@]} -gt 0 ] || workloads=(org_insert org_update membership_insert membership_update
    has_permission pk_membership route_email pk_domain)

build_and_stage
DIR=$(mktemp -d /tmp/pg_idm_profile.XXXXXX)
chmod 755 "$DIR"
trap 'stop_cluster "$DIR"; [ -n "${KEEP:-}" ] || rm -rf "$DIR"' EXIT
start_cluster "$DIR"
"$PGBIN/psql" -X -q -c "CREATE EXTENSION pg_idm" -v scale="$SCALE" -f "$ROOT/test/bench/dataset.sql"
"$PGBIN/psql" -X -q -f "$ROOT/test/bench/baselines.sql"
stop_cluster "$DIR"
pg_user=""
[ "$(id -u)" -eq 0 ] && pg_user=postgres
orgs=$(python3 -c "print(max(20, int(100000 * $SCALE)))")
users_per_env=$(python3 -c "print(max(200, int(1000000 * $SCALE)) // 10)")

# The statements of a workload, one per paragraph (single-user mode -j):
# a few to warm the caches (and PREPARE), then N to measure.  salt makes
# the writes of the events-on and events-off runs differ.
statements() {
    python3 - "$1" "$N" "$orgs" "$users_per_env" "$2" <<'PY'
import random, sys
w, n, norgs, users, salt = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
random.seed(7)
out = []
for k in range(n + 5):
    i, p, o = random.randrange(users), random.randrange(200), random.randrange(norgs // 10)
    u = 10 * i
    out.append({
        'org_insert': "INSERT INTO idm.organizations (environment_id, display_name, metadata) "
                      "VALUES ('env_b0', 'Bench org', '{\"plan\": \"pro\"}');",
        'org_update': f"UPDATE idm.organizations SET metadata = '{{\"plan\": \"p{salt}-{k}\"}}' "
                      f"WHERE environment_id = 'env_b0' AND id = 'org_b{10 * o}';",
        'membership_insert': f"INSERT INTO idm.memberships (environment_id, organization_id, user_id, "
                             f"provisioning_method) VALUES ('env_b0', 'org_bm{k % 100}', "
                             f"'usr_b{10 * ((salt * (n + 5) + k) % users)}', 'direct_provision') "
                             "ON CONFLICT DO NOTHING;",
        'membership_update': f"UPDATE idm.memberships SET metadata = '{{\"plan\": \"p{salt}-{k}\"}}' "
                             f"WHERE environment_id = 'env_b0' AND organization_id = 'org_b{u % norgs}' "
                             f"AND user_id = 'usr_b{u}';",
        'has_permission': f"EXECUTE q('usr_b{u}', 'org_b{u % norgs}', 'perm{p}:doc');",
        'pk_membership': f"EXECUTE q('usr_b{u}', 'org_b{u % norgs}', 'perm{p}:doc');",
        'route_email': f"EXECUTE q('someone@org{10 * o}.example');",
        'pk_domain': f"EXECUTE q('dom_b{20 * o}');",
    }[w])
prepare = {
    'has_permission': "PREPARE q(text, text, text) AS SELECT idm.has_permission($1, $2, $3, 'env_b0');",
    'pk_membership': "PREPARE q(text, text, text) AS SELECT membership_status FROM idm.memberships "
                     "WHERE environment_id = 'env_b0' AND organization_id = $2 AND user_id = $1;",
    'route_email': "PREPARE q(text) AS SELECT * FROM idm.route_email($1, 'env_b0');",
    'pk_domain': "PREPARE q(text) AS SELECT organization_id, domain, domain_type FROM idm.domains "
                 "WHERE environment_id = 'env_b0' AND id = $1;",
}.get(w)
print('\n\n'.join(([prepare] if prepare else []) + out) + '\n\n', end='')
PY
}

# profile NAME EVENTS WORKLOAD SALT: prints instructions per statement
# (the warm-up statements, under 3% of them, are counted too).
profile() {
    local name=$1 events=$2 workload=$3 out="$DIR/callgrind.$1"
    {
        echo "UPDATE idm.environments SET events_enabled = $events WHERE id = 'env_b0';"
        echo
    } >"$DIR/$name.switch.sql"
    statements "$workload" "$4" >"$DIR/$name.sql"
    as_pg "$pg_user" "$PGBIN/postgres" --single -j -D "$DIR/data" postgres <"$DIR/$name.switch.sql" >/dev/null 2>&1
    # collect only while statements run, not at start-up and shut-down
    as_pg "$pg_user" valgrind --tool=callgrind --callgrind-out-file="$out" \
        --toggle-collect=StartTransactionCommand --toggle-collect=pg_parse_query \
        --toggle-collect=pg_analyze_and_rewrite_fixedparams --toggle-collect=pg_plan_queries \
        --toggle-collect=PortalRun --toggle-collect=CommitTransactionCommand \
        "$PGBIN/postgres" --single -j -D "$DIR/data" postgres <"$DIR/$name.sql" >"$DIR/$name.log" 2>&1
    if grep -E 'ERROR|FATAL' "$DIR/$name.log" | head -3 | grep .; then
        echo "$name: the statements failed" >&2
        exit 1
    fi
    local statements total
    statements=$(grep -c . "$DIR/$name.sql")
    total=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
    echo $((total / statements))
}

# The heaviest functions of pg_idm in a profile, inclusive, per statement.
top() {
    callgrind_annotate --inclusive=yes "$DIR/callgrind.$1" 2>/dev/null |
        awk -v n="$N" '/%\)  .*pg_idm\.so\]$/ { count = $1; gsub(",", "", count);
            line = $0; sub(/ \[.*$/, "", line); f = line; sub(/^.* /, "", f); sub(/^.*:/, "", f);
            printf "      %8d  %s\n", count / (n + 5), f }' | head -12
}

for w in "${workloads[@]}"; do
    case $w in
        org_* | membership_*)
            on=$(profile "$w.on" true "$w" 0)
            off=$(profile "$w.off" false "$w" 1)
            echo "$w: $on instructions per statement with events on, $off off: $((on - off)) per event"
            top "$w.on"
            ;;
        *)
            n=$(profile "$w" true "$w" 0)
            echo "$w: $n instructions per statement"
            top "$w"
            ;;
    esac
done
