#!/usr/bin/env bash
# Every webhook type, produced by a scenario, validated against the spec's
# facts with ajv and verified with the standardwebhooks package.
exec "$ROOT/test/conformance/run.sh"
