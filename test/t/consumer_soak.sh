#!/usr/bin/env bash
# Consumer soak: concurrent writers (pgbench, random sleeps inside their
# transactions, some rolled back, some with a rolled-back savepoint, a few
# long ones) for DURATION seconds while a consumer drains two subscriptions
# batch by batch, "crashes" before finish_batch now and then, and rotates
# the event tables with a zero retention all along.  At the end every committed event was
# consumed exactly once by each subscription, and nothing else was.
# Env: PGBIN, PGHOST, PGPORT, PGDATABASE (from scripts/test); DURATION
# (seconds, default 15), CLIENTS (default 4).
set -euo pipefail
DURATION=${DURATION:-15}
CLIENTS=${CLIENTS:-4}
PSQL=("$PGBIN/psql" -X -v ON_ERROR_STOP=1 -qAt)
TMP=$(mktemp -d)
pids=()
trap 'if [ ${#pids[@]} -gt 0 ]; then kill "${pids[@]}" 2>/dev/null || true; fi; rm -rf "$TMP"' EXIT

"${PSQL[@]}" <<'SQL'
CREATE EXTENSION pg_idm;
INSERT INTO idm.environments (id, name) VALUES ('env_soak', 'soak');
SELECT FROM idm.create_subscription('all', environment_id => 'env_soak');
SELECT FROM idm.create_subscription('created', ARRAY['organization.created'], environment_id => 'env_soak');
CREATE TABLE consumed (sub text, batch bigint, event_id text, type idm.event_type, org_id text);
CREATE TABLE maintenance (at timestamptz DEFAULT clock_timestamp(), event_table text, state text, note text);

-- The consumer: one batch per transaction, its events stored and the batch
-- finished together; one time in ten it "crashes" (rolls back) instead,
-- and the next round must read the same batch again.
CREATE PROCEDURE consume(sub text, deadline timestamptz) LANGUAGE plpgsql AS $$
DECLARE
    b bigint;
    rounds integer := 0;
BEGIN
    WHILE clock_timestamp() < deadline LOOP
        rounds := rounds + 1;
        b := idm.next_batch(sub, 'env_soak');
        IF b IS NULL THEN
            COMMIT;
            PERFORM pg_sleep(0.005);
        ELSE
            INSERT INTO consumed SELECT sub, b, e.id, e.type, e.data->>'id'
            FROM idm.batch_events(sub, 'env_soak') e;
            IF random() < 0.1 THEN
                ROLLBACK;
            ELSE
                PERFORM idm.finish_batch(sub, 'env_soak');
                COMMIT;
            END IF;
        END IF;
        IF rounds % 20 = 0 THEN
            -- a zero retention: switch and truncate as often as possible
            PERFORM set_config('idm.event_retention', '0', true);
            INSERT INTO maintenance (event_table, state, note) SELECT * FROM idm.maintain_events();
            COMMIT;
        END IF;
    END LOOP;
END $$;
SQL

cat >"$TMP/writer.sql" <<'SQL'
\set n random(1, 3)
\set ms random(0, 15)
\set fate random(1, 10)
\set tag random(1, 1000000000)
BEGIN;
INSERT INTO idm.organizations (environment_id, display_name)
SELECT 'env_soak', 'c' || :client_id || '-' || :tag || '-' || g FROM generate_series(1, :n) g;
\sleep :ms ms
SAVEPOINT s;
INSERT INTO idm.organizations (environment_id, display_name) VALUES ('env_soak', 'sp-' || :tag);
\if :fate = 1
ROLLBACK TO SAVEPOINT s;
\endif
UPDATE idm.organizations SET metadata = jsonb_build_object('tag', :tag::text)
WHERE environment_id = 'env_soak' AND display_name = 'c' || :client_id || '-' || :tag || '-1';
\sleep :ms ms
\if :fate = 2
ROLLBACK;
\else
COMMIT;
\endif
SQL
# a long transaction now and then: its events come after many batches
cat >"$TMP/long.sql" <<'SQL'
\set ms random(200, 1500)
BEGIN;
INSERT INTO idm.organizations (environment_id, display_name) VALUES ('env_soak', 'long-' || :client_id);
\sleep :ms ms
INSERT INTO idm.organizations (environment_id, display_name) VALUES ('env_soak', 'long-' || :client_id);
COMMIT;
SQL

deadline="now() + interval '$((DURATION + 2)) seconds'"
"${PSQL[@]}" -c "CALL consume('all', $deadline)" &
pids+=($!)
"${PSQL[@]}" -c "CALL consume('created', $deadline)" &
pids+=($!)
"$PGBIN/pgbench" -n -c "$CLIENTS" -T "$DURATION" -f "$TMP/writer.sql@9" -f "$TMP/long.sql@1" >"$TMP/pgbench.log" 2>&1 ||
    { cat "$TMP/pgbench.log"; exit 1; }
grep -E "transactions actually processed|failed" "$TMP/pgbench.log" || true
wait "${pids[@]}"
pids=()

# Drain what is left (every writer has finished), then compare.
"${PSQL[@]}" -c "CALL consume('all', now() + interval '1 second')" \
             -c "CALL consume('created', now() + interval '1 second')"
"${PSQL[@]}" -F ': ' <<'SQL'
CREATE TABLE checks (what text, n bigint, ok boolean);
WITH committed AS (SELECT id FROM idm.organizations WHERE environment_id = 'env_soak'),
     updated AS (SELECT id FROM idm.organizations WHERE environment_id = 'env_soak' AND metadata IS NOT NULL),
     mine AS (SELECT * FROM consumed WHERE sub = 'all'),
     counts (what, n) AS (
    SELECT 'orgs committed', (SELECT count(*) FROM committed)
    UNION ALL SELECT 'events consumed by all', (SELECT count(*) FROM mine)
    UNION ALL SELECT 'batches finished by all', (SELECT count(DISTINCT batch) FROM mine)
    UNION ALL SELECT 'duplicate events', (SELECT count(*) - count(DISTINCT (sub, event_id)) FROM consumed)
    UNION ALL SELECT 'orgs committed, creation not consumed',
        (SELECT count(*) FROM (SELECT id FROM committed EXCEPT SELECT org_id FROM mine WHERE type = 'organization.created') x)
    UNION ALL SELECT 'creations consumed, org never committed',
        (SELECT count(*) FROM (SELECT org_id FROM mine WHERE type = 'organization.created' EXCEPT SELECT id FROM committed) x)
    UNION ALL SELECT 'updates committed and consumed differ',
        (SELECT count(*) FROM ((SELECT id FROM updated EXCEPT SELECT org_id FROM mine WHERE type = 'organization.updated')
                               UNION ALL (SELECT org_id FROM mine WHERE type = 'organization.updated' EXCEPT SELECT id FROM updated)) x)
    UNION ALL SELECT 'orgs updated more than once',
        (SELECT count(*) FROM (SELECT org_id FROM mine WHERE type = 'organization.updated' GROUP BY 1 HAVING count(*) > 1) x)
    UNION ALL SELECT 'other event types', (SELECT count(*) FROM mine WHERE type NOT IN ('organization.created', 'organization.updated'))
    UNION ALL SELECT 'filtered subscription differs',
        (SELECT count(*) FROM ((SELECT event_id FROM consumed WHERE sub = 'created' EXCEPT SELECT event_id FROM mine WHERE type = 'organization.created')
                               UNION ALL (SELECT event_id FROM mine WHERE type = 'organization.created' EXCEPT SELECT event_id FROM consumed WHERE sub = 'created')) x)
    UNION ALL SELECT 'event tables truncated', (SELECT count(*) FROM maintenance WHERE note LIKE 'truncated%')
    UNION ALL SELECT 'event table switches', (SELECT count(*) FROM maintenance WHERE note LIKE '%switched to'))
INSERT INTO checks
SELECT what, n, CASE WHEN what IN ('orgs committed', 'event tables truncated', 'event table switches') THEN n > 0
                     WHEN what = 'batches finished by all' THEN n > 1
                     WHEN what = 'events consumed by all' THEN n >= (SELECT count(*) FROM committed)
                     ELSE n = 0 END
FROM counts;
SELECT what, n, CASE WHEN ok THEN 'ok' ELSE 'FAILED' END FROM checks;
DO $$ BEGIN
    IF EXISTS (SELECT FROM checks WHERE NOT ok) THEN
        RAISE EXCEPTION 'consumer soak failed';
    END IF;
END $$;
SQL
echo "every committed event consumed exactly once ($DURATION s, $CLIENTS writers)"
