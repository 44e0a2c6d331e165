#!/usr/bin/env python3
"""pg_idm benchmark driver (run by scripts/bench; needs a running cluster
and PGBIN, PGHOST, PGPORT in the environment).

Each figure is a pgbench run measured against its baseline in the same run,
on the same cluster, repeated RUNS times; the table reports medians and the
ratio against the goal.  Writes build/bench/results.md and, unless
--no-readme, the README section between the bench markers.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, 'test', 'bench')
PGBIN = os.environ['PGBIN']


def psql(sql, db='postgres', env_id=None, quiet=True):
    env = dict(os.environ)
    if env_id:
        env['PGOPTIONS'] = f'-c idm.environment_id={env_id}'
    out = subprocess.run([f'{PGBIN}/psql', '-X', '-qAt', '-v', 'ON_ERROR_STOP=1', '-d', db, '-c', sql],
                         env=env, check=True, capture_output=True, text=True)
    return out.stdout.strip()


def pgbench(script, seconds, clients=1, env_id='env_b0', db='postgres', extra=()):
    """Runs one pgbench script; returns transactions per second."""
    env = dict(os.environ)
    env['PGOPTIONS'] = f'-c idm.environment_id={env_id}'
    cmd = [f'{PGBIN}/pgbench', '-n', '-M', 'prepared', '-c', str(clients), '-j', str(clients),
           '-T', str(seconds), '-f', os.path.join(BENCH, script), *extra, db]
    run = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f'pgbench failed for {script}:\n{run.stdout}\n{run.stderr}')
    out = run.stdout
    m = re.search(r'tps = ([0-9.]+) \(without initial connection time\)', out)
    if not m:
        sys.exit(f'pgbench output not understood:\n{out}')
    return float(m.group(1))


def median_tps(script, args, **kw):
    extra = ('-D', f'orgs={args.orgs_per_env}', '-D', f'users={args.users_per_env}')
    return statistics.median(pgbench(script, args.seconds, extra=extra, **kw) for _ in range(args.runs))


class Table:
    def __init__(self):
        self.rows = []

    def add(self, figure, measured, baseline, ratio, goal, ok):
        self.rows.append((figure, measured, baseline, ratio, goal, 'met' if ok else '**missed**'))

    def markdown(self):
        lines = ['| figure | pg_idm | baseline | ratio | goal | |', '|---|---|---|---|---|---|']
        lines += ['| ' + ' | '.join(r) + ' |' for r in self.rows]
        return '\n'.join(lines)


def set_mode(mode):
    """events on / off / plpgsql baseline for env_b0's organizations."""
    on = 'true' if mode == 'on' else 'false'
    psql(f"UPDATE idm.environments SET events_enabled = {on} WHERE id = 'env_b0'")
    if mode == 'plpgsql':
        psql("CREATE TRIGGER bench_plpgsql AFTER INSERT OR UPDATE OR DELETE ON idm.organizations "
             "FOR EACH ROW EXECUTE FUNCTION bench_plpgsql_org_events()")
    else:
        psql("DROP TRIGGER IF EXISTS bench_plpgsql ON idm.organizations")


def figure_emission(args, table):
    """Figure 1: event emission overhead on organization writes."""
    psql(open(os.path.join(BENCH, 'plpgsql_baseline.sql')).read())
    for op, script in (('INSERT', 'org_insert.pgb'), ('UPDATE', 'org_update.pgb')):
        tps = {}
        for mode in ('off', 'on', 'plpgsql'):
            set_mode(mode)
            tps[mode] = median_tps(script, args)
        set_mode('on')
        us = {m: 1e6 / t for m, t in tps.items()}
        ratio = us['on'] / us['off']
        table.add(f'organization {op}: events on vs off (µs/stmt)', f"{us['on']:.1f}",
                  f"{us['off']:.1f}", f'{ratio:.2f}×', '≤ 1.15×', ratio <= 1.15)
        per_idm = us['on'] - us['off']
        per_plpgsql = us['plpgsql'] - us['off']
        speedup = per_plpgsql / per_idm if per_idm > 0 else float('inf')
        table.add(f'organization {op}: cost per event, pg_idm vs PL/pgSQL jsonb_build_object (µs)',
                  f'{per_idm:.1f}', f'{per_plpgsql:.1f}', f'{speedup:.1f}× faster', '≥ 2× faster',
                  speedup >= 2)


def load_dataset(args, table):
    t0 = time.time()
    subprocess.run([f'{PGBIN}/psql', '-X', '-q', '-v', f'scale={args.scale}', '-f',
                    os.path.join(BENCH, 'dataset.sql')], check=True)
    secs = time.time() - t0
    users = int(psql('SELECT count(*) FROM idm.users'))
    args.orgs_per_env = int(psql("SELECT count(*) FROM idm.organizations WHERE environment_id = 'env_b0'"))
    args.users_per_env = int(psql("SELECT count(*) FROM idm.users WHERE environment_id = 'env_b0'"))
    size = int(psql("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                    "WHERE c.relnamespace = 'idm'::regnamespace AND c.relkind = 'r' "
                    "AND c.relname IN ('users', 'memberships')"))
    per_m = 1e6 / users
    table.add(f'bulk load ({users} users, {users * 2} memberships): s per 1M users',
              f'{secs * per_m:.0f} s', '—', '—', 'report', True)
    table.add('on-disk size of users + memberships per 1M users', f'{size * per_m / 2**20:.0f} MiB',
              '—', '—', 'report', True)


FIGURES = [figure_emission]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--scale', type=float, default=1.0)
    ap.add_argument('--runs', type=int, default=5)
    ap.add_argument('--seconds', type=int, default=10)
    ap.add_argument('--no-readme', action='store_true')
    args = ap.parse_args()

    table = Table()
    load_dataset(args, table)
    for fig in FIGURES:
        fig(args, table)
    settings = psql("SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name) "
                    "FROM pg_settings WHERE name IN ('shared_buffers', 'synchronous_commit', 'fsync', "
                    "'max_wal_size', 'wal_level')")
    version = psql('SHOW server_version')
    md = (f'Measured by `scripts/bench` ({time.strftime("%Y-%m-%d")}, scale {args.scale}, '
          f'{args.runs} runs × {args.seconds} s each, medians; PostgreSQL {version}; '
          f'{os.cpu_count()} cores; {settings}).\n\n' + table.markdown() + '\n')
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
