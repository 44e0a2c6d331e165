#!/usr/bin/env bash
# The signature of every webhook, as pg_idm computes it, matches two
# independent HMAC-SHA256 implementations: openssl's and Node's crypto.
set -euo pipefail
PSQL=("$PGBIN/psql" -X -v ON_ERROR_STOP=1 -qAt)

"${PSQL[@]}" <<'SQL'
CREATE EXTENSION pg_idm;
INSERT INTO idm.environments (id, name) VALUES ('env_sig', 'signature test');
SET idm.environment_id = 'env_sig';
SELECT idm.create_organization('Zürich AG ✓', 'ext/1', 'EU', '{"note": "quote \" slash / tab\t"}');
UPDATE idm.organizations SET display_name = 'Zürich AG' WHERE environment_id = 'env_sig';
DELETE FROM idm.organizations WHERE environment_id = 'env_sig';
SQL

secret=$("${PSQL[@]}" -c "SELECT webhook_secret FROM idm.environments WHERE id = 'env_sig'")
key_hex=$(printf '%s' "${secret#whsec_}" | base64 -d | od -An -tx1 | tr -d ' \n')
n=0
while IFS=$'\t' read -r id ts sig; do
    body=$("${PSQL[@]}" -c "SELECT (idm.webhook_request(e)).body FROM idm.events e WHERE id = '$id'")
    expected=$(printf '%s.%s.%s' "$id" "$ts" "$body" |
        openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key_hex" -binary | base64)
    if [ "v1,$expected" != "$sig" ]; then
        echo "openssl disagrees for $id: v1,$expected vs $sig"
        exit 1
    fi
    node -e '
        const c = require("crypto");
        const [secret, id, ts, sig] = process.argv.slice(1);
        const body = require("fs").readFileSync(0, "utf8");
        const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
        const mac = c.createHmac("sha256", key).update(`${id}.${ts}.${body}`).digest("base64");
        if ("v1," + mac !== sig) { console.error("node disagrees", id, mac, sig); process.exit(1); }
    ' "$secret" "$id" "$ts" "$sig" < <(printf '%s' "$body")
    n=$((n + 1))
done < <("${PSQL[@]}" -F $'\t' -c "SELECT (w).webhook_id, (w).webhook_timestamp, (w).webhook_signature
                                    FROM (SELECT idm.webhook_request(e) AS w FROM idm.events e
                                          WHERE environment_id = 'env_sig' ORDER BY id) s")
[ "$n" -eq 3 ] || { echo "expected 3 events, verified $n"; exit 1; }
echo "verified $n signatures with openssl and node"
