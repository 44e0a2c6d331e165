#!/usr/bin/env bash
# Smoke run of the consumer drain benchmark (test/bench/consumer_drain.sh):
# a few thousand events, to keep the bench working; the number is not asserted.
set -euo pipefail
EVENTS=3000 CHUNK=500 RUNS=1 bash "$ROOT/test/bench/consumer_drain.sh"
