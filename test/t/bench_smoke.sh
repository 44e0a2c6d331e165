#!/usr/bin/env bash
# A seconds-long run of scripts/bench on a tiny data set: the bench works end
# to end, every figure has a row, and the PL/pgSQL baselines write the very
# payloads pg_idm writes (--check).  Its numbers mean nothing at this size
# and are not checked.
set -euo pipefail
out=$("$ROOT/scripts/bench" --smoke 2>&1) || { echo "$out" | tail -n 30; exit 1; }
echo "$out" | tail -n 30
for figure in '1. organization INSERT: events on vs off' '1. membership UPDATE: µs per event' \
    '1. user INSERT: events on vs off' '2. idm.has_permission vs recursive CTE' \
    '3. idm.route_email vs primary-key' '4. consumer drain' '4. webhook_body' \
    '5. idm.has_permission: ' '5. bulk load' '5. on-disk size'; do
    echo "$out" | grep -qF "| $figure" || { echo "no row \"$figure\" in the output"; exit 1; }
done
