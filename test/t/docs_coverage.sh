#!/usr/bin/env bash
# Every function and table of schema idm is named in the README (its SQL
# reference) and exercised somewhere in the tests.
set -euo pipefail
PSQL=("$PGBIN/psql" -X -v ON_ERROR_STOP=1 -qAt)
"${PSQL[@]}" -c "CREATE EXTENSION pg_idm"
objects=$("${PSQL[@]}" -c "
    SELECT DISTINCT proname FROM pg_proc WHERE pronamespace = 'idm'::regnamespace
    UNION
    SELECT relname FROM pg_class WHERE relnamespace = 'idm'::regnamespace AND relkind IN ('r', 'p', 'v')
    ORDER BY 1")
tests=$(cat "$ROOT"/sql/*.sql "$ROOT"/test/specs/*.spec "$ROOT"/test/t/*.sh \
    "$ROOT"/test/conformance/*.sql "$ROOT"/scripts/demo.sql "$ROOT"/docs/*.sql 2>/dev/null)
undocumented=()
untested=()
for o in $objects; do
    grep -q "idm\.$o\b\|\`$o\`\|\`idm\.$o\`" "$ROOT/README.md" || undocumented+=("$o")
    # a trigger function is exercised by its table's writes; a table by its name
    grep -q "\b$o\b" <<<"$tests" || untested+=("$o")
done
echo "$(wc -w <<<"$objects") functions and tables"
[ ${#undocumented[@]} -eq 0 ] || echo "not in README: ${undocumented[*]}"
[ ${#untested[@]} -eq 0 ] || echo "not named in any test: ${untested[*]}"
[ ${#undocumented[@]} -eq 0 ] && [ ${#untested[@]} -eq 0 ]
