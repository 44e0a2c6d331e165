#!/usr/bin/env bash
# Privileges.  After CREATE EXTENSION (and the demo's rows):
#  - a role with no grants reaches nothing: every idm table, sequence and
#    function is refused for lack of USAGE on schema idm;
#  - a role with USAGE only still reads and writes nothing: every table is
#    refused, the internal functions (triggers, rotation, credential reads,
#    signing, support hash) are refused outright, and calling every other
#    function (NULL arguments, in environment env_demo) changes no row;
#  - the SECURITY DEFINER functions are exactly the justified few, each with
#    SET search_path = pg_catalog, idm, pg_temp.
set -euo pipefail
PSQL=("$PGBIN/psql" -X -v ON_ERROR_STOP=1 -qAt)
"${PSQL[@]}" -f "$ROOT/scripts/demo.sql" >/dev/null
"${PSQL[@]}" -c "CREATE ROLE priv_nobody LOGIN; CREATE ROLE priv_usage LOGIN;
                 GRANT USAGE ON SCHEMA idm TO priv_usage"
set +e
fail=0

# A call of every function with NULL arguments of its argument types (as
# subqueries, so the planner cannot fold a STRICT call away unexecuted).
"${PSQL[@]}" -c "CREATE TABLE public.priv_calls AS
    SELECT p.oid::regprocedure::text AS f, p.prorettype = 'trigger'::regtype AS is_trigger,
           format('SELECT %s(%s)', p.oid::regproc,
                  coalesce((SELECT string_agg('(SELECT NULL::' || format_type(t, NULL) || ')', ', ' ORDER BY n)
                            FROM unnest(p.proargtypes) WITH ORDINALITY a(t, n)), '')) AS sql
    FROM pg_proc p WHERE p.pronamespace = 'idm'::regnamespace ORDER BY 1;
    GRANT SELECT ON public.priv_calls TO PUBLIC"
fingerprint() {
    "${PSQL[@]}" -c "SELECT string_agg(c.relname || '=' || (xpath('/row/n/text()',
        query_to_xml(format('SELECT count(*) AS n FROM idm.%I', c.relname), false, true, '')))[1]::text, ' '
        ORDER BY c.relname)
        FROM pg_class c WHERE c.relnamespace = 'idm'::regnamespace AND c.relkind IN ('r', 'p')"
}
before=$(fingerprint)

# Runs every call as ROLE, each in its own subtransaction, in one session;
# prints "function<TAB>outcome" lines.
run_calls() {
    "$PGBIN/psql" -X -qAt -F $'\t' -v ON_ERROR_STOP=1 -U "$1" <<'SQL'
SET idm.environment_id = 'env_demo';
CREATE TEMP TABLE outcome (f text, is_trigger boolean, result text);
DO $$
DECLARE
    c record;
    msg text;
BEGIN
    FOR c IN SELECT * FROM public.priv_calls LOOP
        BEGIN
            EXECUTE c.sql;
            msg := 'ran';
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
        END;
        INSERT INTO outcome VALUES (c.f, c.is_trigger, msg);
    END LOOP;
END $$;
SELECT f, is_trigger, result FROM outcome ORDER BY f;
SQL
}

# 1. no grants at all
n=0
while IFS=$'\t' read -r f is_trigger res; do
    n=$((n + 1))
    case $res in *"permission denied for schema idm"*) ;;
        *) echo "FAIL no-grant role ran $f: $res"; fail=1 ;; esac
done < <(run_calls priv_nobody)
[ "$n" -gt 150 ] || { echo "FAIL only $n functions were called"; fail=1; }
for rel in $("${PSQL[@]}" -c "SELECT relname FROM pg_class WHERE relnamespace = 'idm'::regnamespace
                               AND relkind IN ('r', 'p', 'S', 'v') ORDER BY 1"); do
    res=$("$PGBIN/psql" -X -qAt -U priv_nobody -c "SELECT 1 FROM idm.$rel LIMIT 1" 2>&1)
    case $res in *"permission denied for schema idm"*) ;;
        *) echo "FAIL no-grant role read idm.$rel: $res"; fail=1 ;; esac
done
echo "no grants: $n functions and every relation refused"

# 2. USAGE only: tables refused; internal functions refused; the rest write nothing
for rel in $("${PSQL[@]}" -c "SELECT relname FROM pg_class WHERE relnamespace = 'idm'::regnamespace
                               AND relkind IN ('r', 'p', 'S') ORDER BY 1"); do
    res=$("$PGBIN/psql" -X -qAt -U priv_usage -c "SELECT 1 FROM idm.$rel LIMIT 1" 2>&1)
    case $res in *"permission denied for "*) ;;
        *) echo "FAIL usage-only role read idm.$rel: $res"; fail=1 ;; esac
done
internal=" idm.connected_account_credentials(text,text) idm.rotate_credentials(text)
 idm.emit_membership_event(idm.event_type,text,text,text) idm.webhook_request(idm.events,bigint)
 idm.support_hash(text,text) idm.hold_event_rotation() idm.maintain_events(boolean)
 idm.truncate_event_table(idm.event_tables,interval) idm.event_table_holder(idm.event_tables) "
refused=0
called=0
while IFS=$'\t' read -r f is_trigger res; do
    if [ "$is_trigger" = t ] || [[ $internal == *" $f "* ]]; then
        case $res in "permission denied for function"*) refused=$((refused + 1)) ;;
            *) echo "FAIL usage-only role ran internal $f: $res"; fail=1 ;; esac
    else
        called=$((called + 1))
    fi
done < <(run_calls priv_usage)
after=$(fingerprint)
[ "$before" = "$after" ] || { echo "FAIL usage-only calls changed rows:"; diff <(tr ' ' '\n' <<<"$before") <(tr ' ' '\n' <<<"$after"); fail=1; }
[ "$refused" -ge 30 ] || { echo "FAIL only $refused internal functions refused"; fail=1; }
echo "usage only: every table refused, $refused internal functions refused, $called others wrote nothing"

# no trigger function is executable by PUBLIC
res=$("${PSQL[@]}" -c "SELECT string_agg(p.oid::regprocedure::text, ', ') FROM pg_proc p
    WHERE p.pronamespace = 'idm'::regnamespace AND p.prorettype = 'trigger'::regtype
      AND has_function_privilege('priv_usage', p.oid, 'EXECUTE')")
[ -z "$res" ] || { echo "FAIL trigger functions executable by PUBLIC: $res"; fail=1; }

# 3. SECURITY DEFINER: the justified few, each pinned
res=$("${PSQL[@]}" -c "SELECT string_agg(p.oid::regprocedure::text || ' ' ||
        coalesce(array_to_string(p.proconfig, ';'), '(no SET)'), E'\n' ORDER BY p.oid::regprocedure::text)
    FROM pg_proc p WHERE p.pronamespace = 'idm'::regnamespace AND p.prosecdef")
expected="idm.hold_event_rotation() search_path=pg_catalog, idm, pg_temp
idm.role_closure() search_path=pg_catalog, idm, pg_temp
idm.role_closure_truncate() search_path=pg_catalog, idm, pg_temp
idm.role_permission_closure() search_path=pg_catalog, idm, pg_temp
idm.support_hash(text,text) search_path=pg_catalog, idm, pg_temp"
[ "$res" = "$expected" ] || { printf 'FAIL SECURITY DEFINER functions:\n%s\nexpected:\n%s\n' "$res" "$expected"; fail=1; }

# nothing in the schema is granted to PUBLIC but function EXECUTE
res=$("${PSQL[@]}" -c "SELECT string_agg(c.relname, ', ') FROM pg_class c
    WHERE c.relnamespace = 'idm'::regnamespace
      AND CASE WHEN c.relkind = 'S' THEN has_sequence_privilege('priv_usage', c.oid, 'USAGE, SELECT, UPDATE')
               ELSE has_table_privilege('priv_usage', c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE') END
      AND c.relkind IN ('r', 'p', 'S', 'v')")
[ -z "$res" ] || { echo "FAIL relations granted to PUBLIC: $res"; fail=1; }
res=$("${PSQL[@]}" -c "SELECT has_schema_privilege('priv_nobody', 'idm', 'USAGE')")
[ "$res" = f ] || { echo "FAIL PUBLIC has USAGE on schema idm"; fail=1; }

[ $fail -eq 0 ] && echo "privileges hold"
exit $fail
