#!/usr/bin/env bash
# pg_dump keeps what users add to idm.public_email_domains (not the
# built-in rows, which CREATE EXTENSION brings back), and the domains of
# organizations; a restore into a fresh database has both, once.
set -euo pipefail
PSQL=("$PGBIN/psql" -X -v ON_ERROR_STOP=1 -qAt)
restored="${PGDATABASE}_restored"

"${PSQL[@]}" <<'SQL'
CREATE EXTENSION pg_idm;
INSERT INTO idm.public_email_domains (domain) VALUES ('mail.example.net');
INSERT INTO idm.environments (id, name) VALUES ('env_dump', 'dump test');
SET idm.environment_id = 'env_dump';
SELECT idm.create_domain(id, 'Acme.example') FROM idm.create_organization('Acme');
SQL

summary() {
    "${PSQL[@]}" -d "$1" -c "
        SELECT (SELECT count(*) FROM idm.public_email_domains WHERE builtin) || ' builtin, '
            || (SELECT string_agg(domain, ',') FROM idm.public_email_domains WHERE NOT builtin) || ' added, '
            || (SELECT string_agg(domain || ':' || domain_type, ',') FROM idm.domains)"
}
before=$(summary "$PGDATABASE")
"$PGBIN/pg_dump" -Fc -f "$WORK/public_domains.dump" "$PGDATABASE"
"$PGBIN/createdb" "$restored"
"$PGBIN/pg_restore" --exit-on-error -d "$restored" "$WORK/public_domains.dump"
after=$(summary "$restored")
"$PGBIN/dropdb" "$restored"
echo "before: $before"
echo "after:  $after"
case $before in *" builtin, mail.example.net added, acme.example:ORGANIZATION_DOMAIN") ;;
    *) echo "unexpected state before the dump"; exit 1 ;; esac
[ "$before" = "$after" ] || { echo "the restore differs"; exit 1; }
