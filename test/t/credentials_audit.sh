#!/usr/bin/env bash
# Reading a connected account's credentials writes an audit line to the
# server log, naming the account and the role, never the value; the planted
# credentials appear neither in the server log nor in a pg_dump, and a
# restored dump still decrypts them (the ciphertext is bound to the row's
# ids, not to its physical place).
set -euo pipefail
PSQL=("$PGBIN/psql" -X -v ON_ERROR_STOP=1 -qAt)
KEYS='k1:arnx6499M4j0+dWG9m6Z/VQIDfLERvDlhmiwnAihbdA='
PLANTED='ya29.PLANTED_AUDIT_TOKEN'

"${PSQL[@]}" -v keys="$KEYS" -v token="$PLANTED" <<'SQL'
CREATE EXTENSION pg_idm;
CREATE ROLE idm_audit_worker;
GRANT USAGE ON SCHEMA idm TO idm_audit_worker;
GRANT SELECT ON idm.connected_accounts TO idm_audit_worker;
GRANT EXECUTE ON FUNCTION idm.connected_account_credentials(text, text) TO idm_audit_worker;
INSERT INTO idm.environments (id, name) VALUES ('env_audit', 'audit test');
SET idm.environment_id = 'env_audit';
SET idm.credential_keys = :'keys';
SELECT idm.create_connected_account('gmail', 'audit@acme.test', 'conn_9', 'GOOGLE', 'OAUTH',
    jsonb_build_object('oauth_token', jsonb_build_object('access_token', :'token')));
SELECT id FROM idm.connected_accounts WHERE identifier = 'audit@acme.test' \gset
SET ROLE idm_audit_worker;
SELECT idm.connected_account_credentials(:'id') ->> 'oauth_token' IS NOT NULL;
SQL

id=$("${PSQL[@]}" -c "SELECT id FROM idm.connected_accounts WHERE identifier = 'audit@acme.test'")
grep -q "credentials of connected account \"$id\" in environment \"env_audit\" read by role \"idm_audit_worker\"" "$SERVER_LOG" ||
    { echo "no audit line for $id in the server log"; exit 1; }
if grep -q PLANTED_AUDIT "$SERVER_LOG"; then
    echo "the planted token is in the server log"
    exit 1
fi

"$PGBIN/pg_dump" -d "$PGDATABASE" -f "$WORK/audit.dump"
grep -q "$id" "$WORK/audit.dump" || { echo "the account is missing from the dump"; exit 1; }
if grep -q PLANTED_AUDIT "$WORK/audit.dump"; then
    echo "the planted token is in the dump"
    exit 1
fi

restored="${PGDATABASE}_restored"
"$PGBIN/createdb" "$restored"
"${PSQL[@]}" -d "$restored" -c "CREATE ROLE idm_audit_worker" 2>/dev/null || true
"${PSQL[@]}" -d "$restored" -f "$WORK/audit.dump" >/dev/null
token=$("${PSQL[@]}" -d "$restored" -v keys="$KEYS" -v id="$id" <<'SQL'
SET idm.credential_keys = :'keys';
SELECT idm.connected_account_credentials(:'id', 'env_audit') -> 'oauth_token' ->> 'access_token';
SQL
)
[ "$token" = "$PLANTED" ] || { echo "the restored credentials do not decrypt: '$token'"; exit 1; }
echo "audit line written without the value; dump holds only ciphertext; restore decrypts"
