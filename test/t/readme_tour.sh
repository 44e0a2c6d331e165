#!/usr/bin/env bash
# The README's SQL tour runs as written, and says what it claims.
set -euo pipefail
tour=$(awk '/^## A short SQL tour/{on=1} on && /^```sql/{grab=1; next} grab && /^```/{exit} grab' "$ROOT/README.md")
[ -n "$tour" ] || { echo "no SQL block under '## A short SQL tour'"; exit 1; }
out=$("$PGBIN/psql" -X -v ON_ERROR_STOP=1 -At <<<"$tour")
echo "$out"
grep -qx 't|t' <<<"$out" || { echo "route_email did not enforce SSO for acme.com"; exit 1; }
grep -qx 't' <<<"$out" || { echo "has_permission was not true"; exit 1; }
grep -qx 'user.organization_membership_updated' <<<"$out" || { echo "missing the role-change event"; exit 1; }
