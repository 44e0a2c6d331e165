#!/usr/bin/env bash
# A seconds-long run of scripts/bench on a tiny data set: the bench works end
# to end (its numbers mean nothing at this size and are not checked).
set -euo pipefail
out=$("$ROOT/scripts/bench" --smoke 2>&1)
echo "$out" | tail -n 20
echo "$out" | grep -q '^| organization INSERT: events on vs off' || { echo "no figure in the output"; exit 1; }
