#!/usr/bin/env bash
# Secrets at rest.  Plants an OAuth access and refresh token, an API key and
# a client secret (from idm.create_client), reads the environment's webhook
# and support-hash secrets, provokes errors around all of them, then proves
# the plain values appear nowhere they should not:
#  - in no file of the database (every table, TOAST table and index, after
#    CHECKPOINT) but the environments table's own, for its two secrets;
#  - in no WAL segment (the credentials and the client secret);
#  - in no pg_dump (the credentials and the client secret: the environment
#    secrets are legitimately in idm.environments' rows);
#  - in no event row or webhook body (none of the six);
#  - in no server log line, although the errors above took them as input
#    (passed by reference, as bind parameters would be: PostgreSQL itself
#    logs a failing statement's text, which is the client's to keep clean).
# Each place is first shown to hold a value that legitimately is there, so
# the search itself is proven to work.  Also: reading a credential writes an
# audit line naming the account and the role, never the value, and a
# restored dump still decrypts (the ciphertext is bound to the row's ids).
set -euo pipefail
PSQL=("$PGBIN/psql" -X -v ON_ERROR_STOP=1 -qAt)
KEYS='k1:arnx6499M4j0+dWG9m6Z/VQIDfLERvDlhmiwnAihbdA='
tag=$(openssl rand -hex 8)
ACCESS="ya29.PLANTED_ACCESS_$tag"
REFRESH="1//PLANTED_REFRESH_$tag"
APIKEY="sk_live_PLANTED_APIKEY_$tag"

# Planting: successful statements are not logged (log_statement = none).
"${PSQL[@]}" -v keys="$KEYS" -v access="$ACCESS" -v refresh="$REFRESH" -v apikey="$APIKEY" <<'SQL' >/dev/null
CREATE EXTENSION pg_idm;
CREATE ROLE idm_audit_worker;
GRANT USAGE ON SCHEMA idm TO idm_audit_worker;
GRANT SELECT ON idm.connected_accounts TO idm_audit_worker;
GRANT EXECUTE ON FUNCTION idm.connected_account_credentials(text, text) TO idm_audit_worker;
INSERT INTO idm.environments (id, name) VALUES ('env_audit', 'audit test');
SET idm.environment_id = 'env_audit';
SET idm.credential_keys = :'keys';
SELECT idm.create_organization('Acme', 'acme-secrets');
SELECT idm.create_connected_account('gmail', 'audit@acme.test', 'conn_9', 'GOOGLE', 'OAUTH');
SELECT id AS oauth FROM idm.connected_accounts WHERE identifier = 'audit@acme.test' \gset
SELECT idm.generate_magic_link(:'oauth');
SELECT idm.oauth_tokens_fetched(:'oauth', :'access', :'refresh', '{mail.read}', now() + interval '1 hour');
SELECT idm.oauth_succeeded(:'oauth');
SELECT idm.create_connected_account('stripe', 'acct_secrets', 'conn_10', 'STRIPE', 'API_KEY',
    jsonb_build_object('static_auth', jsonb_build_object('details', jsonb_build_object('api_key', :'apikey'))));
SELECT (c.client).client_id, c.plain_secret FROM idm.create_client('CI', 
    (SELECT id FROM idm.organizations WHERE external_id = 'acme-secrets')) c;
SET ROLE idm_audit_worker;
SELECT idm.connected_account_credentials(:'oauth') ->> 'oauth_token' IS NOT NULL;
SQL
oauth=$("${PSQL[@]}" -c "SELECT id FROM idm.connected_accounts WHERE identifier = 'audit@acme.test'")
apikey_account=$("${PSQL[@]}" -c "SELECT id FROM idm.connected_accounts WHERE identifier = 'acct_secrets'")
client=$("${PSQL[@]}" -c "SELECT client_id FROM idm.clients WHERE name = 'CI'")
# a second secret of the client, whose plain value this test keeps
CLIENT_SECRET=$("${PSQL[@]}" -c "SET idm.environment_id = 'env_audit';
    SELECT plain_secret FROM idm.create_client_secret('$client')")
WEBHOOK_SECRET=$("${PSQL[@]}" -c "SELECT webhook_secret FROM idm.environments WHERE id = 'env_audit'")
SUPPORT_SECRET=$("${PSQL[@]}" -c "SELECT encode(support_hash_secret, 'hex') FROM idm.environments WHERE id = 'env_audit'")
[ -n "$CLIENT_SECRET" ] && [ -n "$WEBHOOK_SECRET" ] && [ ${#SUPPORT_SECRET} -ge 64 ] ||
    { echo "could not plant the secrets"; exit 1; }
ok=$("${PSQL[@]}" -c "SET idm.environment_id = 'env_audit'; SELECT idm.verify_client_secret('$client', '$CLIENT_SECRET')")
[ "$ok" = t ] || { echo "the planted client secret does not verify"; exit 1; }

# Errors around every secret.  The values reach the server through a
# temporary table (the statements name them only by reference).
"$PGBIN/psql" -X -qAt -v keys="$KEYS" -v access="$ACCESS" -v refresh="$REFRESH" -v apikey="$APIKEY" \
    -v client_secret="$CLIENT_SECRET" -v oauth="$oauth" -v apikey_account="$apikey_account" \
    -v client="$client" >"$WORK/secrets_errors.out" 2>&1 <<'SQL' || true
SET idm.environment_id = 'env_audit';
SET idm.credential_keys = :'keys';
CREATE TEMP TABLE s AS SELECT :'access'::text AS access, :'refresh'::text AS refresh,
    :'apikey'::text AS apikey, :'client_secret'::text AS client_secret;
-- tokens for an account that does not exist, or in the wrong state
SELECT idm.oauth_tokens_fetched('ca_404', (SELECT access FROM s), (SELECT refresh FROM s));
SELECT idm.token_refresh_succeeded(:'apikey_account', (SELECT access FROM s), now());
SELECT idm.oauth_tokens_fetched(:'oauth', (SELECT access FROM s) || repeat('x', 17000));
-- an API key in the wrong field, of the wrong type, too long
SELECT idm.create_connected_account('s2', 'x', 'conn_10', 'STRIPE', 'API_KEY',
    jsonb_build_object('static_auth', jsonb_build_object('details', jsonb_build_object('token', (SELECT apikey FROM s)))));
SELECT idm.update_connected_account(:'apikey_account', authorization_details =>
    jsonb_build_object('oauth_token', jsonb_build_object('access_token', (SELECT apikey FROM s))));
UPDATE idm.connected_accounts SET authorization_details = jsonb_build_object('static_auth',
    jsonb_build_object('details', jsonb_build_object('api_key', 7, 'note', (SELECT apikey FROM s))))
WHERE id = :'apikey_account';
-- a ciphertext that fails authentication, and a missing key
BEGIN;
UPDATE idm.connected_accounts SET credentials = overlay(credentials PLACING '\x00'::bytea FROM length(credentials) - 3)
WHERE id = :'oauth';
SELECT idm.connected_account_credentials(:'oauth');
ROLLBACK;
SET idm.credential_keys = 'k9:arnx6499M4j0+dWG9m6Z/VQIDfLERvDlhmiwnAihbdA=';
SELECT idm.connected_account_credentials(:'oauth');
-- a row error on an account holding credentials
UPDATE idm.connected_accounts SET connector = NULL WHERE id = :'oauth';
-- client secrets: wrong secret, wrong client, a secret where a hash belongs
SELECT idm.verify_client_secret(:'client', (SELECT client_secret FROM s) || 'x');
SELECT idm.verify_client_secret('skc_404', (SELECT client_secret FROM s));
UPDATE idm.client_secrets SET secret_hash = convert_to((SELECT client_secret FROM s), 'UTF8')
WHERE client_id = :'client';
-- environment secrets: malformed, truncated, a NULL beside them
UPDATE idm.environments SET webhook_secret = webhook_secret || '!' WHERE id = 'env_audit';
UPDATE idm.environments SET webhook_secret = substr(webhook_secret, 1, 20) WHERE id = 'env_audit';
UPDATE idm.environments SET support_hash_secret = substr(support_hash_secret, 1, 8) WHERE id = 'env_audit';
UPDATE idm.environments SET name = NULL WHERE id = 'env_audit';
UPDATE idm.environments SET events_enabled = NULL WHERE id = 'env_audit';
SELECT idm.webhook_signature(replace(webhook_secret, 'whsec_', 'whsec_%'), 'm', 1, 'b')
FROM idm.environments WHERE id = 'env_audit';
SQL
errors=$(grep -c '^ERROR:' "$WORK/secrets_errors.out" || true)
[ "$errors" -ge 16 ] || { echo "expected at least 16 provoked errors, got $errors:"; cat "$WORK/secrets_errors.out"; exit 1; }

fail=0
credentials=("$ACCESS" "$REFRESH" "$APIKEY" "$CLIENT_SECRET")
everything=("${credentials[@]}" "$WEBHOOK_SECRET")
# absent NAME FILE VALUE...: fails if FILE holds any VALUE (or the support secret's bytes)
absent() {
    local what=$1 file=$2
    shift 2
    for v in "$@"; do
        if grep -qF -- "$v" "$file"; then echo "FAIL $what holds a planted secret (${v:0:12}...)"; fail=1; fi
    done
}

# 1. client-visible error text and the server log
absent "psql's error output" "$WORK/secrets_errors.out" "${everything[@]}"
grep -q "failed authentication" "$SERVER_LOG" || { echo "FAIL no decrypt failure in the server log"; fail=1; }
grep -q 'null value in column "name" of relation "environments"' "$SERVER_LOG" ||
    { echo "FAIL the provoked errors are not in the server log"; fail=1; }
grep -q "credentials of connected account \"$oauth\" in environment \"env_audit\" read by role \"idm_audit_worker\"" "$SERVER_LOG" ||
    { echo "FAIL no audit line for $oauth in the server log"; fail=1; }
absent "the server log" "$SERVER_LOG" "${everything[@]}"
grep -qi -- "$SUPPORT_SECRET" "$SERVER_LOG" && { echo "FAIL the server log holds the support hash secret"; fail=1; }

# 2. events: none of the secrets, in data or in the webhook body
res=$("${PSQL[@]}" -v a="$ACCESS" -v r="$REFRESH" -v k="$APIKEY" -v c="$CLIENT_SECRET" \
    -v w="$WEBHOOK_SECRET" -v h="$SUPPORT_SECRET" <<'SQL'
SELECT count(*) || ' events, ' || count(*) FILTER (WHERE t LIKE ANY (ARRAY['%' || :'a' || '%',
    '%' || :'r' || '%', '%' || :'k' || '%', '%' || :'c' || '%', '%' || :'w' || '%', '%' || :'h' || '%']))
    || ' with a secret'
FROM (SELECT e.data::text || idm.webhook_body(e) AS t FROM idm.events e WHERE e.environment_id = 'env_audit') x;
SQL
)
case $res in *" events, 0 with a secret") echo "events: $res" ;; *) echo "FAIL events: $res"; fail=1 ;; esac

# 3. every file of the database, after a checkpoint
"${PSQL[@]}" -c "CHECKPOINT"
res=$("${PSQL[@]}" -v a="$ACCESS" -v r="$REFRESH" -v k="$APIKEY" -v c="$CLIENT_SECRET" \
    -v w="$WEBHOOK_SECRET" -v h="$SUPPORT_SECRET" <<'SQL'
WITH dir AS (SELECT 'base/' || oid AS d FROM pg_database WHERE datname = current_database()),
env AS (SELECT pg_relation_filepath('idm.environments') AS f),
files AS (SELECT d || '/' || name AS f FROM dir, pg_ls_dir((SELECT d FROM dir)) name
          WHERE name ~ '^[0-9]+(\.[0-9]+)?$'),
hits AS (
    SELECT f, x.what
    FROM files, LATERAL (SELECT pg_read_binary_file(f) AS b) r,
         LATERAL (VALUES ('access token', convert_to(:'a', 'UTF8')), ('refresh token', convert_to(:'r', 'UTF8')),
                         ('api key', convert_to(:'k', 'UTF8')), ('client secret', convert_to(:'c', 'UTF8')),
                         ('webhook secret', convert_to(:'w', 'UTF8')), ('support secret', decode(:'h', 'hex'))) x(what, v)
    WHERE position(x.v IN r.b) > 0)
SELECT (SELECT count(*) FROM files) || ' files; in idm.environments: ' ||
       coalesce((SELECT string_agg(what, ', ' ORDER BY what) FROM hits WHERE f = (SELECT f FROM env)), 'nothing') ||
       '; elsewhere: ' ||
       coalesce((SELECT string_agg(what || ' in ' || f, ', ') FROM hits WHERE f <> (SELECT f FROM env)), 'nothing');
SQL
)
echo "files: $res"
case $res in *"in idm.environments: support secret, webhook secret; elsewhere: nothing") ;;
    *) echo "FAIL table files: $res"; fail=1 ;; esac

# 4. the WAL: the credentials and the client secret never (the webhook
#    secret, written with its row, shows the search works)
res=$("${PSQL[@]}" -v a="$ACCESS" -v r="$REFRESH" -v k="$APIKEY" -v c="$CLIENT_SECRET" -v w="$WEBHOOK_SECRET" <<'SQL'
SELECT count(*) || ' segments; ' ||
       coalesce(string_agg(DISTINCT x.what, ', ' ORDER BY x.what) FILTER (WHERE position(x.v IN r.b) > 0), 'nothing')
FROM pg_ls_waldir() w, LATERAL (SELECT pg_read_binary_file('pg_wal/' || w.name) AS b) r,
     LATERAL (VALUES ('access token', convert_to(:'a', 'UTF8')), ('refresh token', convert_to(:'r', 'UTF8')),
                     ('api key', convert_to(:'k', 'UTF8')), ('client secret', convert_to(:'c', 'UTF8')),
                     ('webhook secret', convert_to(:'w', 'UTF8'))) x(what, v)
WHERE w.name ~ '^[0-9A-F]{24}$';
SQL
)
echo "wal: $res"
case $res in *" segments; webhook secret") ;; *) echo "FAIL WAL: $res"; fail=1 ;; esac

# 5. a plain-format dump: the environment's secrets yes, credentials and client secret no
"$PGBIN/pg_dump" -d "$PGDATABASE" -f "$WORK/secrets.dump"
grep -q "$oauth" "$WORK/secrets.dump" || { echo "FAIL the account is missing from the dump"; fail=1; }
grep -qF -- "$WEBHOOK_SECRET" "$WORK/secrets.dump" || { echo "FAIL the dump lacks the webhook secret"; fail=1; }
absent "the dump" "$WORK/secrets.dump" "${credentials[@]}"

# 6. a restored dump still decrypts
restored="${PGDATABASE}_restored"
"$PGBIN/createdb" "$restored"
"${PSQL[@]}" -d "$restored" -c "CREATE ROLE idm_audit_worker" 2>/dev/null || true
"${PSQL[@]}" -d "$restored" -f "$WORK/secrets.dump" >/dev/null
token=$("${PSQL[@]}" -d "$restored" -v keys="$KEYS" -v id="$oauth" <<'SQL'
SET idm.credential_keys = :'keys';
SELECT idm.connected_account_credentials(:'id', 'env_audit') -> 'oauth_token' ->> 'access_token';
SQL
)
[ "$token" = "$ACCESS" ] || { echo "FAIL the restored credentials do not decrypt"; fail=1; }

[ $fail -eq 0 ] && echo "no plain secret in table files, WAL, dump, events, errors or the server log; audit line written; restore decrypts"
exit $fail
