#!/usr/bin/env bash
# Conformance test: runs test/conformance/scenario.sql (which must produce
# every event type of the catalogue), renders every event with
# idm.webhook_request, and validates them with validate.mjs (ajv and the
# standardwebhooks package).  Needs PGBIN and libpq variables for a
# database where pg_idm can be created; run by test/t/conformance.sh.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${WORK:-/tmp}/conformance_events.jsonl

if [ ! -d "$HERE/node_modules/standardwebhooks" ]; then
    (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
fi
"$PGBIN/psql" -X -v ON_ERROR_STOP=1 -q -f "$HERE/scenario.sql" >/dev/null
# webhook-timestamp: now, so that standardwebhooks' tolerance window accepts it
"$PGBIN/psql" -X -v ON_ERROR_STOP=1 -qAt -c "
    SELECT json_build_object('id', (w).webhook_id, 'ts', (w).webhook_timestamp,
                             'sig', (w).webhook_signature, 'secret', env.webhook_secret,
                             'body', (w).body)
    FROM idm.events e
    JOIN idm.environments env ON env.id = e.environment_id,
    LATERAL (SELECT idm.webhook_request(e, extract(epoch FROM now())::bigint) AS w) r
    ORDER BY e.xid, e.id" >"$OUT"
node "$HERE/validate.mjs" "$OUT"
