#!/usr/bin/env bash
# Consumer drain rate: events/s read through idm.next_batch / batch_events /
# finish_batch by a client that takes, for every event, what it would POST:
# webhook-id, webhook-timestamp, webhook-signature and the body
# (idm.webhook_body + idm.webhook_signature with the environment's secret).
#
# Usage: test/bench/consumer_drain.sh            (builds, starts its own cluster)
#        PGHOST=... PGPORT=... PGDATABASE=... PGBIN=... test/bench/consumer_drain.sh
#            (uses that database; it must be empty of pg_idm or have it installed)
# Env: EVENTS (default 200000) events to write and drain, CHUNK (default
# 1000) events per writing transaction, RUNS (default 3) drains, each of
# EVENTS fresh events; prints every run and the median.
set -euo pipefail
EVENTS=${EVENTS:-200000}
CHUNK=${CHUNK:-1000}
RUNS=${RUNS:-3}

if [ -z "${PGHOST:-}" ] || [ -z "${PGBIN:-}" ]; then
    . "$(dirname "$0")/../../scripts/lib.sh"
    build_and_stage
    BENCH_DIR=$(mktemp -d /tmp/pg_idm_bench.XXXXXX)
    chmod 755 "$BENCH_DIR"
    trap 'stop_cluster "$BENCH_DIR"; rm -rf "$BENCH_DIR"' EXIT
    start_cluster "$BENCH_DIR"
    export PGBIN
fi
PSQL=("$PGBIN/psql" -X -v ON_ERROR_STOP=1 -qAt)

{ "${PSQL[@]}" <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_idm;
INSERT INTO idm.environments (id, name) VALUES ('env_drain', 'drain bench') ON CONFLICT DO NOTHING;
SELECT idm.drop_subscription(name, environment_id) FROM idm.subscriptions WHERE name = 'drain';
SELECT FROM idm.create_subscription('drain', environment_id => 'env_drain');
SQL
} >/dev/null

# Writes EVENTS organization.created events in transactions of CHUNK.
fill() {
    "${PSQL[@]}" -c "
        DO \$\$ BEGIN
            FOR i IN 1..ceil($EVENTS::numeric / $CHUNK) LOOP
                INSERT INTO idm.organizations (environment_id, display_name, metadata)
                SELECT 'env_drain', 'Drain ' || i || '-' || g, '{\"plan\": \"bench\", \"source\": \"https://example.com/a/b\"}'
                FROM generate_series(1, least($CHUNK, $EVENTS - (i - 1) * $CHUNK)) g;
                COMMIT;
            END LOOP;
        END \$\$"
}

# Drains the subscription the way a dispatcher would; prints the events read.
drain() {
    local total=0 batch n
    while :; do
        batch=$("${PSQL[@]}" -c "SELECT idm.next_batch('drain', 'env_drain')")
        [ -z "$batch" ] && break
        n=$("${PSQL[@]}" <<SQL
            \\o /dev/null
            SELECT e.id AS webhook_id, t.ts AS webhook_timestamp,
                   idm.webhook_signature(env.webhook_secret, e.id, t.ts, b.body) AS webhook_signature,
                   b.body
            FROM idm.batch_events('drain', 'env_drain') e
            JOIN idm.environments env ON env.id = e.environment_id,
                 LATERAL (SELECT floor(extract(epoch FROM e.occurred_at))::bigint AS ts) t,
                 LATERAL (SELECT idm.webhook_body(e) AS body) b;
            \\o
            \\echo :ROW_COUNT
SQL
)
        "${PSQL[@]}" -c "SELECT idm.finish_batch('drain', 'env_drain')" >/dev/null
        total=$((total + n))
    done
    echo "$total"
}

rates=()
for run in $(seq "$RUNS"); do
    fill
    start=$(date +%s.%N)
    n=$(drain)
    end=$(date +%s.%N)
    rate=$(python3 -c "print(int($n / ($end - $start)))")
    echo "run $run: $n events drained in $(python3 -c "print(round($end - $start, 3))") s: $rate events/s"
    [ "$n" -eq "$EVENTS" ] || { echo "expected $EVENTS events, drained $n"; exit 1; }
    rates+=("$rate")
    "${PSQL[@]}" -c "SET idm.event_retention = '0'; SELECT FROM idm.maintain_events(true); SELECT FROM idm.maintain_events(true)" >/dev/null
done
median=$(printf '%s\n' "${rates[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}')
echo "consumer drain: median $median events/s over $RUNS runs of $EVENTS events (webhook body and signature included)"
