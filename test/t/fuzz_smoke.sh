#!/usr/bin/env bash
# A short libFuzzer run (ASan + UBSan) of every parser core; see test/fuzz/run.sh.
set -euo pipefail
"$ROOT/test/fuzz/run.sh" "${FUZZ_SECONDS:-2}"
