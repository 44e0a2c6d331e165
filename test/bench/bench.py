#!/usr/bin/env python3
"""pg_idm benchmark driver (run by scripts/bench; needs a running cluster
and PGBIN, PGHOST, PGPORT in the environment).

Every figure is measured against its baseline in the same run, on the same
cluster: pgbench runs of the figure and of its baseline take turns (ABAB...)
RUNS times, so that drift on the machine hits both alike, and the table
reports the medians and their ratio against the goal.  Writes
build/bench/results.md and, unless --no-readme, the README section between
the bench markers.
"""
import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, 'test', 'bench')
PGBIN = os.environ['PGBIN']
SMALL_DB = 'bench_small'        # figure 5's 10k-user data set


def log(msg):
    print(f'==> {msg}', file=sys.stderr, flush=True)


def psql(sql, db='postgres'):
    out = subprocess.run([f'{PGBIN}/psql', '-X', '-qAt', '-v', 'ON_ERROR_STOP=1', '-d', db, '-c', sql],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def psql_file(path, db='postgres', variables=()):
    cmd = [f'{PGBIN}/psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', db, '-f', path]
    for name, value in variables:
        cmd[1:1] = ['-v', f'{name}={value}']
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


class Dataset:
    """Sizes of a loaded data set, passed to the pgbench scripts."""

    def __init__(self, db):
        self.db = db
        self.users = int(psql('SELECT count(*) FROM idm.users', db))
        self.norgs = int(psql("SELECT count(*) FROM idm.organizations WHERE id NOT LIKE 'org_bm%'", db))
        self.orgs_per_env = int(psql("SELECT count(*) FROM idm.organizations "
                                     "WHERE environment_id = 'env_b0' AND id NOT LIKE 'org_bm%'", db))
        self.users_per_env = int(psql("SELECT count(*) FROM idm.users WHERE environment_id = 'env_b0' "
                                      "AND id LIKE 'usr_b%'", db))

    def defines(self):
        return ('-D', f'orgs={self.orgs_per_env}', '-D', f'users={self.users_per_env}',
                '-D', f'norgs={self.norgs}')


def pgbench(script, args, data, clients=1):
    """Runs one pgbench script; returns its mean latency in microseconds."""
    length = ('-t', str(args.transactions)) if args.transactions else ('-T', str(args.seconds))
    cmd = [f'{PGBIN}/pgbench', '-n', '-M', 'prepared', '-c', str(clients), '-j', str(clients),
           *length, '-f', os.path.join(BENCH, script), *data.defines(), data.db]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f'pgbench failed for {script}:\n{run.stdout}\n{run.stderr}')
    m = re.search(r'tps = ([0-9.]+) \(without initial connection time\)', run.stdout)
    if not m:
        sys.exit(f'pgbench output not understood:\n{run.stdout}')
    # with c clients in parallel, each transaction takes c / tps
    return clients * 1e6 / float(m.group(1))


def interleaved(configs, args, clients=1):
    """configs: {name: (setup function or None, script, data set)}.  Runs
    them in turn, args.runs rounds; returns {name: median latency in µs}."""
    samples = {name: [] for name in configs}
    for _ in range(args.runs):
        for name, (setup, script, data) in configs.items():
            if setup:
                setup()
            samples[name].append(pgbench(script, args, data, clients))
    return {name: statistics.median(v) for name, v in samples.items()}


class Table:
    def __init__(self):
        self.rows = []

    def add(self, figure, measured, baseline, ratio, goal, ok, note=''):
        verdict = '—' if ok is None else ('met' if ok else '**missed**')
        self.rows.append((figure, measured, baseline, ratio, goal, verdict + (f' ({note})' if note else '')))

    def markdown(self):
        lines = ['| figure | pg_idm | baseline | ratio | goal | |', '|---|---|---|---|---|---|']
        lines += ['| ' + ' | '.join(r) + ' |' for r in self.rows]
        return '\n'.join(lines)


# Figure 1 -----------------------------------------------------------------

TRIGGERS = {
    'organizations': 'bench_plpgsql_org_events',
    'memberships': 'bench_plpgsql_membership_events',
}


def set_mode(table, mode):
    """Events of env_b0 on or off; the PL/pgSQL trigger on table or not."""
    on = 'true' if mode == 'on' else 'false'
    sql = [f"UPDATE idm.environments SET events_enabled = {on} WHERE id = 'env_b0'",
           f'DROP TRIGGER IF EXISTS bench_plpgsql ON idm.{table}']
    if mode == 'plpgsql':
        sql.append(f'CREATE TRIGGER bench_plpgsql AFTER INSERT OR UPDATE OR DELETE ON idm.{table} '
                   f'FOR EACH ROW EXECUTE FUNCTION {TRIGGERS[table]}()')
    psql('; '.join(sql))


def check_same_payload(table, script, data):
    """One statement with both writers on: the PL/pgSQL trigger's data must
    be the jsonb pg_idm wrote, or the comparison would be unfair."""
    set_mode(table, 'plpgsql')
    psql("UPDATE idm.environments SET events_enabled = true WHERE id = 'env_b0'")
    psql('TRUNCATE bench_events')
    before = psql("SELECT coalesce(max(id), '') FROM idm.events WHERE environment_id = 'env_b0'")
    subprocess.run([f'{PGBIN}/pgbench', '-n', '-t', '1', '-f', os.path.join(BENCH, script),
                    *data.defines(), data.db], check=True, capture_output=True)
    diff = psql("SELECT count(*) FROM (SELECT data FROM idm.events WHERE environment_id = 'env_b0' "
                f"AND id > '{before}' EXCEPT SELECT data FROM bench_events) d")
    written = psql(f"SELECT count(*) FROM idm.events WHERE environment_id = 'env_b0' AND id > '{before}'")
    if diff != '0' or written != '1':
        sys.exit(f'{script}: the PL/pgSQL baseline does not write the payload pg_idm writes '
                 f'({written} events, {diff} differ)')
    set_mode(table, 'off')


def figure_emission(args, table):
    """Figure 1: event emission overhead on organization, user and membership writes."""
    data = args.big
    psql_file(os.path.join(BENCH, 'baselines.sql'))
    cases = [('organization', 'organizations', 'org'), ('membership', 'memberships', 'membership'),
             ('user', 'users', 'user')]
    for label, tbl, prefix in cases:
        for op in ('INSERT', 'UPDATE'):
            script = f'{prefix}_{op.lower()}.pgb'
            modes = ('off', 'on', 'plpgsql') if tbl in TRIGGERS else ('off', 'on')
            if tbl in TRIGGERS and args.check:
                check_same_payload(tbl, script, data)
            log(f'figure 1: {label} {op}, events {" / ".join(modes)}')
            us = interleaved({m: ((lambda m=m: set_mode(tbl, m)), script, data) for m in modes}, args)
            set_mode(tbl, 'on')
            ratio = us['on'] / us['off']
            note = '' if tbl in TRIGGERS else 'users have no event of their own'
            table.add(f'1. {label} {op}: events on vs off (µs per statement)', f"{us['on']:.1f}",
                      f"{us['off']:.1f}", f'{ratio:.2f}×', '≤ 1.15×', ratio <= 1.15, note)
            if tbl in TRIGGERS:
                per_idm = us['on'] - us['off']
                per_plpgsql = us['plpgsql'] - us['off']
                label_1 = f'1. {label} {op}: µs per event, pg_idm vs PL/pgSQL jsonb_build_object trigger'
                if per_idm <= 0:      # lost in the noise of this run
                    table.add(label_1, f'{per_idm:.1f}', f'{per_plpgsql:.1f}', '—', '≥ 2× faster', True,
                              'pg_idm cost below noise')
                else:
                    speedup = per_plpgsql / per_idm
                    table.add(label_1, f'{per_idm:.1f}', f'{per_plpgsql:.1f}', f'{speedup:.1f}× faster',
                              '≥ 2× faster', speedup >= 2)


# Figures 2, 3, 5 -------------------------------------------------------------

def figure_reads(args, table):
    """Figures 2 and 3, and 5: the same reads on the small data set, all
    taking turns in one series, -c 2."""
    configs = {name: (None, f'{name}.pgb', args.big) for name in
               ('has_permission', 'pk_membership', 'cte_permission', 'route_email', 'pk_domain')}
    if args.small:
        configs.update({f'small {name}': (None, f'{name}.pgb', args.small)
                        for name in ('has_permission', 'route_email')})
    log(f'figures 2, 3{", 5" if args.small else ""}: reads')
    us = interleaved(configs, args, clients=2)
    ratio = us['has_permission'] / us['pk_membership']
    table.add('2. idm.has_permission vs primary-key lookup of the membership (µs, prepared, -c 2)',
              f"{us['has_permission']:.1f}", f"{us['pk_membership']:.1f}", f'{ratio:.2f}×', '≤ 1.5×',
              ratio <= 1.5)
    speedup = us['cte_permission'] / us['has_permission']
    table.add('2. idm.has_permission vs recursive CTE over role inheritance (µs)',
              f"{us['has_permission']:.1f}", f"{us['cte_permission']:.1f}", f'{speedup:.1f}× faster',
              '≥ 5× faster', speedup >= 5)
    ratio = us['route_email'] / us['pk_domain']
    table.add('3. idm.route_email vs primary-key lookup of a domain (µs, prepared, -c 2)',
              f"{us['route_email']:.1f}", f"{us['pk_domain']:.1f}", f'{ratio:.2f}×', '≤ 1.5×', ratio <= 1.5)
    if args.small:
        for name, label in (('has_permission', 'idm.has_permission'), ('route_email', 'idm.route_email')):
            ratio = us[name] / us[f'small {name}']
            table.add(f'5. {label}: {args.big.users:,} vs {args.small.users:,} users (µs)',
                      f'{us[name]:.1f}', f"{us[f'small {name}']:.1f}", f'{ratio:.2f}×', '≤ 1.3×',
                      ratio <= 1.3)


# Figure 4 --------------------------------------------------------------------

def figure_drain(args, table):
    """Figure 4: events/s through next_batch / batch_events / finish_batch,
    with each event's webhook body and signature computed; and body plus
    signature alone."""
    n = args.drain_events
    psql("INSERT INTO idm.environments (id, name) VALUES ('env_drain', 'drain bench') ON CONFLICT DO NOTHING; "
         "SELECT FROM idm.create_subscription('drain', environment_id => 'env_drain') "
         "WHERE NOT EXISTS (SELECT FROM idm.subscriptions WHERE name = 'drain')")
    chunk = 1000
    fill = ("DO $$ BEGIN FOR i IN 1..ceil({n}::numeric / {c}) LOOP "
            "INSERT INTO idm.organizations (environment_id, display_name, metadata) "
            "SELECT 'env_drain', 'Drain ' || i || '-' || g, "
            "'{{\"plan\": \"bench\", \"source\": \"https://example.com/a/b\"}}' "
            "FROM generate_series(1, least({c}, {n} - (i - 1) * {c})) g; COMMIT; END LOOP; END $$").format(n=n, c=chunk)
    signed = ("SELECT e.id, t.ts, idm.webhook_signature(env.webhook_secret, e.id, t.ts, b.body), b.body "
              "FROM {src} e JOIN idm.environments env ON env.id = e.environment_id, "
              "LATERAL (SELECT floor(extract(epoch FROM e.occurred_at))::bigint AS ts) t, "
              "LATERAL (SELECT idm.webhook_body(e) AS body) b")
    drained, alone = [], []
    for run in range(args.drain_runs):
        log(f'figure 4: run {run + 1}: writing {n} events')
        psql(fill)
        # body and signature alone, over the same events, without the batch functions
        t0 = time.time()
        rows = psql("SELECT count(*), sum(octet_length(s.sig) + octet_length(s.body)) FROM "
                    f"({signed.format(src='idm.events')} WHERE e.environment_id = 'env_drain') "
                    "s (id, ts, sig, body)").split('|')[0]
        alone.append(int(rows) / (time.time() - t0))
        # a dispatcher's loop: open a batch, read it with body and signature, finish it
        got = 0
        t0 = time.time()
        while True:
            batch = psql("SELECT idm.next_batch('drain', 'env_drain')")
            if not batch:
                break
            out = subprocess.run([f'{PGBIN}/psql', '-X', '-qAt', '-v', 'ON_ERROR_STOP=1', '-c',
                                  signed.format(src="idm.batch_events('drain', 'env_drain')")],
                                 check=True, capture_output=True, text=True).stdout
            got += out.count('\n')
            psql("SELECT idm.finish_batch('drain', 'env_drain')")
        drained.append(got / (time.time() - t0))
        if got != n:
            sys.exit(f'figure 4: drained {got} events, expected {n}')
        psql("SET idm.event_retention = '0'; SELECT FROM idm.maintain_events(true); "
             "SELECT FROM idm.maintain_events(true)")
    rate = statistics.median(drained)
    table.add('4. consumer drain: events/s through next_batch / batch_events / finish_batch, signed',
              f'{rate:,.0f}/s', '—', '—', '≥ 50,000/s', rate >= 50000)
    table.add('4. webhook_body + webhook_signature alone, events/s', f'{statistics.median(alone):,.0f}/s',
              '—', '—', 'report', None)


# Load -----------------------------------------------------------------------

def load(args, table, db, scale, report):
    if db != 'postgres':
        psql(f'CREATE DATABASE {db}')
    psql('CREATE EXTENSION pg_idm', db)
    log(f'loading the data set at scale {scale} into {db}')
    t0 = time.time()
    psql_file(os.path.join(BENCH, 'dataset.sql'), db, [('scale', scale)])
    secs = time.time() - t0
    data = Dataset(db)
    if report:
        size = int(psql("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                        "WHERE c.relnamespace = 'idm'::regnamespace AND c.relkind = 'r' "
                        "AND c.relname IN ('users', 'memberships', 'membership_roles')", db))
        members = int(psql('SELECT count(*) FROM idm.memberships', db))
        per_m = 1e6 / data.users
        table.add(f'5. bulk load of the data set ({data.users:,} users, {members:,} memberships, '
                  'events off): s per 1M users', f'{secs * per_m:.0f} s', '—', '—', 'report', None)
        table.add('5. on-disk size of users + memberships + their roles, with indexes, per 1M users',
                  f'{size * per_m / 2**20:,.0f} MiB', '—', '—', 'report', None)
    return data


def settings():
    names = ('shared_buffers', 'synchronous_commit', 'fsync', 'wal_level', 'max_wal_size',
             'checkpoint_timeout', 'lc_collate')
    return psql("SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name) "
                f"FROM pg_settings WHERE name IN ({', '.join(repr(n) for n in names)})")


def machine():
    model = ''
    try:
        with open('/proc/cpuinfo') as f:
            model = next((line.split(':', 1)[1].strip() for line in f if line.startswith('model name')), '')
    except OSError:
        pass
    return f'{os.cpu_count()} × {model or platform.processor()}'


FIGURES = {'1': figure_emission, '2': figure_reads, '4': figure_drain}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--scale', type=float, default=1.0, help='1.0: 1M users')
    ap.add_argument('--small-scale', type=float, default=0.01, help="figure 5's small data set")
    ap.add_argument('--runs', type=int, default=5, help='pgbench runs per configuration')
    ap.add_argument('--seconds', type=int, default=4, help='of each pgbench run')
    ap.add_argument('--transactions', type=int, help='per pgbench run, instead of --seconds')
    ap.add_argument('--drain-events', type=int, default=200000)
    ap.add_argument('--drain-runs', type=int, default=3)
    ap.add_argument('--figures', default='12345', help='which figures (2, 3 and 5 run together)')
    ap.add_argument('--check', action='store_true', help='check the baselines write pg_idm payloads')
    ap.add_argument('--no-readme', action='store_true')
    args = ap.parse_args()

    started = time.time()
    table = Table()
    args.big = load(args, table, 'postgres', args.scale, True)
    args.small = None
    if '5' in args.figures:      # with figures 2 and 3
        args.small = load(args, table, SMALL_DB, args.small_scale, False)
    for key in sorted(set(args.figures.replace('3', '2').replace('5', '2'))):
        FIGURES[key](args, table)
    version = psql('SHOW server_version')
    length = f'{args.transactions} transactions' if args.transactions else f'{args.seconds} s'
    md = (f'`{" ".join(["scripts/bench"] + sys.argv[1:])}` on {time.strftime("%Y-%m-%d")}: '
          f'scale {args.scale}, {args.runs} runs × {length} per configuration (medians), '
          f'{time.time() - started:.0f} s in all. '
          f'PostgreSQL {version}; {machine()}; {settings()}.\n\n' + table.markdown() + '\n')
    os.makedirs(os.path.join(ROOT, 'build', 'bench'), exist_ok=True)
    with open(os.path.join(ROOT, 'build', 'bench', 'results.md'), 'w') as f:
        f.write(md)
    print(md)
    if not args.no_readme:
        readme = os.path.join(ROOT, 'README.md')
        text = open(readme).read()
        new = re.sub(r'(<!-- bench:start -->\n).*?(<!-- bench:end -->)',
                     lambda m: m.group(1) + md + m.group(2), text, flags=re.S)
        open(readme, 'w').write(new)


if __name__ == '__main__':
    main()
