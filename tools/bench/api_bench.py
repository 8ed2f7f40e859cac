#!/usr/bin/env python3
"""API benchmark (issue 15): backupd-api against a real cinder-api, one run.

Seeds one SQLite database per server with the same backups (same ids,
names and timestamps), through backupd's own database layer for backupd
(``backupd.db.api.create_many`` after its migrations) and with
``cinder-manage db sync`` plus an INSERT for Cinder. Three projects hold
``--sizes`` backups each (default 1,000, 10,000 and 100,000); the
comparison runs against the 10,000 one.

Each server runs with one API worker, SQLite and fake:// messaging, its
stdout/stderr in the work directory. backupd uses ``auth_strategy =
noauth``; cinder-api uses its own keystonecontext filter without authtoken
(Cinder's noauth makes every caller an admin, so it cannot measure a
member): identity comes from X-User-Id/X-Project-Id/X-Roles on both.

Calls (microversion ``--version``): show of a backup (cycling over 1,000
ids), the summary list and the detail list with limit=100, as admin and as
member, at each ``--concurrency``, alternating backupd and cinder per cell.
Per cell: req/s, p50/p99 latency and the server's CPU per request (its
processes' user+system time from /proc over the run, divided by the
requests). Then: page cost against project size (backupd, first page and
a page from the middle; the sizes in turns, the cheapest of
``--flat-rounds`` rounds), one worker against ``--workers`` workers (the
client there is wrk where installed, ``--scaling-client``), and the list
bound (a list without limit returns at most osapi_max_limit and
links to the rest).

Example (the cinder virtualenv: python3 -m venv .venv-cinder &&
.venv-cinder/bin/pip install cinder==29.0.0)::

    nice .venv/bin/python tools/bench/api_bench.py --seconds 4

Only show and detail, at concurrency 10, without the other sections::

    nice .venv/bin/python tools/bench/api_bench.py --seconds 4 \
        --calls show,detail --concurrency 10 --sizes 10000 \
        --skip views,flat,scaling,bound
"""
import argparse
import datetime
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, REPO)
sys.path.insert(0, HERE)

import http_load  # noqa: E402

CLOCK_TICKS = os.sysconf('SC_CLK_TCK')
PAGE = 100
IDENTITIES = {
    'admin': ('admin', 'admin,member,reader'),
    'member': ('member', 'member,reader'),
}


def project_of(size):
    """A project id Cinder's routes accept (hex and dashes only)."""
    return 'cafe%028x' % size


# --- data ------------------------------------------------------------------

def seed_rows(size, rnd):
    """``size`` available backups of project_of(size), one second apart
    (some with zero microseconds, as MySQL stores every timestamp)."""
    base = datetime.datetime(2025, 1, 1)
    project = project_of(size)
    for i in range(size):
        created = base + datetime.timedelta(
            seconds=i, microseconds=rnd.choice((0, rnd.randrange(10 ** 6))))
        yield {
            'id': str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
            'volume_id': str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
            'project_id': project, 'user_id': 'member', 'host': 'benchhost',
            'availability_zone': 'nova', 'display_name': 'backup-%06d' % i,
            'display_description': 'bench', 'container': 'backups',
            'status': 'available', 'size': 1 + i % 10,
            'object_count': 4 + i % 7, 'num_dependent_backups': 0,
            'data_timestamp': created, 'created_at': created,
            'updated_at': created,
        }


def seed_backupd(url, rows):
    import sqlalchemy as sa
    from oslo_db.sqlalchemy import enginefacade
    from backupd import context
    from backupd.db import api as db
    from backupd.db import migration
    from backupd.db import models
    engine = sa.create_engine(url)
    migration.upgrade(engine)
    engine.dispose()
    private = enginefacade.transaction_context()
    private.configure(connection=url)
    restore = db.main_context_manager.patch_factory(private)
    try:
        ctx = context.get_admin_context()
        for start in range(0, len(rows), 5000):
            db.create_many(ctx, models.Backup, rows[start:start + 5000])
    finally:
        private.writer.get_engine().dispose()
        restore()


def seed_cinder(path, rows):
    columns = sorted(rows[0]) + ['deleted']
    sql = 'INSERT INTO backups (%s) VALUES (%s)' % (
        ', '.join(columns), ', '.join('?' * len(columns)))
    with sqlite3.connect(path) as conn:
        conn.executemany(sql, ([_sqlite_time(r[c]) if isinstance(
            r.get(c), datetime.datetime) else r.get(c, 0) for c in columns]
            for r in rows))


def _sqlite_time(value):
    """As SQLAlchemy stores a DateTime in SQLite: always six fractional
    digits (its comparisons with a marker's value are on the text)."""
    return value.isoformat(' ', timespec='microseconds')


# --- servers ---------------------------------------------------------------

def free_port():
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def write_conf(path, sections):
    with open(path, 'w') as f:
        for name, values in sections.items():
            f.write('[%s]\n' % name)
            for key, value in values.items():
                f.write('%s = %s\n' % (key, value))


class Server:
    def __init__(self, name, argv, port, workdir, workers=1):
        self.name, self.port, self.workers = name, port, workers
        self.log = open(os.path.join(workdir, '%s.log' % name), 'w')
        self.proc = subprocess.Popen(argv, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                self.log.close()
                with open(self.log.name) as f:
                    tail = f.read()[-3000:]
                raise RuntimeError('%s exited:\n%s' % (name, tail))
            if self._answers() and len(self.pids()) >= min(workers, 2):
                time.sleep(1 if workers > 1 else 0)
                return
            time.sleep(0.3)
        raise RuntimeError('%s did not start; see %s' % (name, self.log.name))

    def _answers(self):
        try:
            urllib.request.urlopen('http://127.0.0.1:%d/' % self.port,
                                   timeout=2).close()
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False
        return True

    def pids(self):
        """The server and its worker processes."""
        found = [self.proc.pid]
        for entry in os.listdir('/proc'):
            if entry.isdigit():
                try:
                    with open('/proc/%s/stat' % entry) as f:
                        fields = f.read().rsplit(')', 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == self.proc.pid:
                    found.append(int(entry))
        return found

    def cpu_by_pid(self):
        """{pid: user+system seconds} of the server's processes."""
        found = {}
        for pid in self.pids():
            try:
                with open('/proc/%d/stat' % pid) as f:
                    fields = f.read().rsplit(')', 1)[1].split()
            except OSError:
                continue
            found[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        return found

    def cpu_seconds(self):
        return sum(self.cpu_by_pid().values())

    def get(self, path, role, version):
        req = urllib.request.Request('http://127.0.0.1:%d%s'
                                     % (self.port, path),
                                     headers=headers(role, path, version))
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read())

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def start_backupd(workdir, db_url, workers):
    port = free_port()
    conf = os.path.join(workdir, 'backupd-%d.conf' % workers)
    write_conf(conf, {
        'DEFAULT': {'auth_strategy': 'noauth', 'transport_url': 'fake://',
                    'osapi_volume_listen': '127.0.0.1',
                    'osapi_volume_listen_port': port,
                    'osapi_volume_workers': workers,
                    'state_path': os.path.join(workdir, 'state')},
        'database': {'connection': db_url},
        'oslo_concurrency': {'lock_path': os.path.join(workdir, 'lock')}})
    binary = os.path.join(os.path.dirname(sys.executable), 'backupd-api')
    return Server('backupd-%dw' % workers, [binary, '--config-file', conf],
                  port, workdir, workers)


def prepare_cinder(venv, workdir):
    """cinder.conf, a paste file whose keystone pipeline has no authtoken,
    and the migrated database; returns (conf path, db path)."""
    paste_in = os.path.join(venv, 'etc', 'cinder', 'api-paste.ini')
    paste = os.path.join(workdir, 'cinder-paste.ini')
    with open(paste_in) as f, open(paste, 'w') as out:
        for line in f:
            if line.startswith('keystone ='):
                line = line.replace(' authtoken', '')
            out.write(line)
    db_path = os.path.join(workdir, 'cinder.sqlite')
    conf = os.path.join(workdir, 'cinder.conf')
    write_conf(conf, {
        'DEFAULT': {'auth_strategy': 'keystone', 'transport_url': 'fake://',
                    'osapi_volume_listen': '127.0.0.1',
                    'osapi_volume_listen_port': free_port(),
                    'osapi_volume_workers': 1, 'api_paste_config': paste,
                    'state_path': os.path.join(workdir, 'cinder-state')},
        'database': {'connection': 'sqlite:///%s' % db_path},
        'oslo_concurrency': {'lock_path': os.path.join(workdir, 'lock')}})
    subprocess.run([os.path.join(venv, 'bin', 'cinder-manage'),
                    '--config-file', conf, 'db', 'sync'], check=True,
                   capture_output=True)
    return conf, db_path


def start_cinder(venv, workdir, conf):
    import configparser
    parser = configparser.ConfigParser()
    parser.read(conf)
    port = int(parser['DEFAULT']['osapi_volume_listen_port'])
    return Server('cinder-api', [os.path.join(venv, 'bin', 'cinder-api'),
                                 '--config-file', conf], port, workdir)


# --- measuring -------------------------------------------------------------

def headers(role, path, version):
    user, roles = IDENTITIES[role]
    project = path.split('/')[2]
    return {'X-Auth-Token': '%s:%s' % (user, project), 'X-User-Id': user,
            'X-Project-Id': project, 'X-Roles': roles,
            'OpenStack-API-Version': 'volume %s' % version,
            'Accept': 'application/json'}


def calls(project, ids):
    base = '/v3/%s/backups' % project
    return {
        'show': ['%s/%s' % (base, i) for i in ids],
        'summary': ['%s?limit=%d' % (base, PAGE)],
        'detail': ['%s/detail?limit=%d' % (base, PAGE)],
    }


def measure(server, paths, role, concurrency, args):
    requests = [http_load.request_bytes(p, headers(role, p, args.version))
                for p in paths]
    http_load.run(server.port, requests, concurrency, args.warmup)
    cpu = server.cpu_seconds()
    result = http_load.run(server.port, requests, concurrency, args.seconds)
    cpu = server.cpu_seconds() - cpu
    lat = sorted(result['latencies'])
    count = max(result['count'], 1)
    return {'rps': result['count'] / result['seconds'],
            'p50_ms': 1000 * lat[len(lat) // 2],
            'p99_ms': 1000 * lat[min(len(lat) - 1, int(len(lat) * 0.99))],
            'cpu_ms': 1000 * cpu / count, 'errors': result['errors'],
            'count': result['count']}


WRK_SCRIPT = """
paths = {%s}
n = 0
request = function()
  n = n %% #paths + 1
  return wrk.format("GET", paths[n])
end
"""
WRK_LATENCY = re.compile(r'^\s*(50|99)%\s+([\d.]+)(us|ms|s)\s*$', re.M)
WRK_UNITS = {'us': 1e-3, 'ms': 1.0, 's': 1e3}


def measure_wrk(server, paths, role, concurrency, args):
    """``measure`` with wrk (one thread) as the client: a C client leaves
    the servers the CPU that the Python client takes, which on a machine
    of two cores is what two workers need (the scaling section)."""
    script = os.path.join(args.scratch, 'paths.lua')
    with open(script, 'w') as f:
        f.write(WRK_SCRIPT % ', '.join(json.dumps(p) for p in paths))
    command = ['wrk', '-t1', '-c%d' % concurrency, '--latency', '-s', script]
    for name, value in headers(role, paths[0], args.version).items():
        if name not in ('X-Auth-Token', 'X-Project-Id'):   # same for all
            command += ['-H', '%s: %s' % (name, value)]
    project = paths[0].split('/')[2]
    command += ['-H', 'X-Auth-Token: %s:%s' % (IDENTITIES[role][0], project),
                '-H', 'X-Project-Id: %s' % project]
    url = 'http://127.0.0.1:%d' % server.port
    subprocess.run(command + ['-d%ds' % max(1, round(args.warmup)), url],
                   check=True, capture_output=True)
    cpu = server.cpu_seconds()
    done = subprocess.run(command + ['-d%ds' % round(args.seconds), url],
                          check=True, capture_output=True, text=True).stdout
    cpu = server.cpu_seconds() - cpu
    count = int(re.search(r'(\d+) requests in', done).group(1))
    errors = re.search(r'Non-2xx or 3xx responses: (\d+)', done)
    latency = {q: float(v) * WRK_UNITS[u]
               for q, v, u in WRK_LATENCY.findall(done)}
    return {'rps': float(re.search(r'Requests/sec:\s+([\d.]+)',
                                   done).group(1)),
            'p50_ms': latency['50'], 'p99_ms': latency['99'],
            'cpu_ms': 1000 * cpu / max(count, 1),
            'errors': int(errors.group(1)) if errors else 0, 'count': count}


def line(label, m):
    return ('%-44s %8.1f req/s  p50 %7.2f ms  p99 %7.2f ms  cpu %6.2f '
            'ms/req%s' % (label, m['rps'], m['p50_ms'], m['p99_ms'],
                          m['cpu_ms'], '  ERRORS %d' % m['errors']
                          if m['errors'] else ''))


def compare(backupd, cinder, project, ids, args, out):
    print('\n== backupd-api vs cinder-api 29, one worker each, %s (%d '
          'backups), microversion %s' % (project, args.compare_size,
                                         args.version))
    for call, paths in calls(project, ids).items():
        if call not in args.calls:
            continue
        for role in IDENTITIES:
            for conc in args.concurrency:
                cell = {}
                for server in (backupd, cinder):
                    if server is None:
                        continue
                    m = measure(server, paths, role, conc, args)
                    cell[server.name.split('-')[0]] = m
                    print(line('%s %s %s c=%d' % (server.name, call, role,
                                                  conc), m))
                if 'cinder' in cell:
                    rps = cell['backupd']['rps'] / cell['cinder']['rps']
                    cpu = cell['cinder']['cpu_ms'] / cell['backupd']['cpu_ms']
                    cell['ratio_rps'], cell['ratio_cpu'] = rps, cpu
                    print('%-44s %8.2fx req/s       %.2fx less CPU per '
                          'request' % ('  ratio backupd/cinder', rps, cpu))
                out['compare']['%s/%s/c%d' % (call, role, conc)] = cell


def flatness(backupd, middle, args, out):
    """CPU per page of the three projects: the first page, and the page
    after the middle row (a followed next link).

    The sizes are measured in turns: ``--flat-rounds`` rounds of
    ``--seconds`` / rounds each, every round in another order, and a
    size's cost is that of its cheapest round. On a shared machine other
    load only ever adds to the CPU a request takes (cache misses, preempted
    work); measured one after the other, a burst of it landed on one size
    only, and the 100,000 backups' page, always last, cost 1.22x the
    1,000's in one run and 0.92x in the next (issue 15).
    """
    rounds = max(1, args.flat_rounds)
    per_round = argparse.Namespace(**dict(vars(args),
                                          seconds=args.seconds / rounds))
    print('\n== backupd page cost against project size (c=%d, cheapest of '
          '%d rounds)' % (args.flat_concurrency, rounds))
    sizes = sorted(middle)
    for call in ('summary', 'detail'):
        for where in ('first', 'middle'):
            paths = {}
            for size in sizes:
                paths[size] = calls(project_of(size), ())[call][0]
                if where == 'middle':
                    paths[size] += '&marker=%s' % middle[size]
            runs = {size: [] for size in sizes}
            for turn in range(rounds):
                for size in sizes[turn % len(sizes):] + sizes[
                        :turn % len(sizes)]:
                    runs[size].append(measure(
                        backupd, [paths[size]], 'member',
                        args.flat_concurrency, per_round))
            costs = {size: min(runs[size], key=lambda m: m['cpu_ms'])
                     for size in sizes}
            for size in sizes:
                print('%s  rounds %s' % (
                    line('%s %s page, %d backups' % (call, where, size),
                         costs[size]),
                    ' '.join('%.2f' % m['cpu_ms'] for m in runs[size])))
            spread = costs[sizes[-1]]['cpu_ms'] / costs[sizes[0]]['cpu_ms']
            print('%-44s %8.2fx (flat: within 0.80-1.20)'
                  % ('  cpu %d / %d backups' % (sizes[-1], sizes[0]), spread))
            out['flatness']['%s/%s' % (call, where)] = {
                'cpu_ms': {s: costs[s]['cpu_ms'] for s in sizes},
                'rounds_cpu_ms': {s: [m['cpu_ms'] for m in runs[s]]
                                  for s in sizes},
                'ratio': spread}


def scaling(one, many, project, ids, args, out):
    client = measure_wrk if args.scaling_client == 'wrk' else measure
    print('\n== backupd one worker vs %d workers (client: %s)'
          % (args.workers, args.scaling_client))
    for call in ('show', 'detail'):
        for conc in (10, 50):
            paths = calls(project, ids)[call]
            a = client(one, paths, 'admin', conc, args)
            before = many.cpu_by_pid()
            b = client(many, paths, 'admin', conc, args)
            after = many.cpu_by_pid()
            used = {pid: after[pid] - before.get(pid, 0) for pid in after
                    if pid != many.proc.pid}
            shares = ' / '.join('%.0f%%' % (100 * v / max(sum(
                used.values()), 1e-9)) for v in sorted(used.values()))
            print(line('backupd 1 worker %s c=%d' % (call, conc), a))
            print(line('backupd %d workers %s c=%d' % (args.workers, call,
                                                       conc), b))
            print('%-44s %8.2fx req/s   workers\' CPU shares %s'
                  % ('  ratio', b['rps'] / a['rps'], shares))
            out['scaling']['%s/c%d' % (call, conc)] = {
                'ratio': b['rps'] / a['rps'], 'worker_cpu_shares': shares}


TIMESTAMP = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$')


def _shape(body):
    """What must be equal between the two servers: keys at every level,
    scalar values, links as paths (the hosts differ) and whether each
    timestamp is in Cinder's format."""
    if isinstance(body, dict):
        return {k: (_link_path(v) if k == 'href' else _shape(v))
                for k, v in body.items()}
    if isinstance(body, list):
        return [_shape(v) for v in body]
    if isinstance(body, str) and body[:2] == '20' and 'T' in body:
        return ('timestamp', body, bool(TIMESTAMP.match(body)))
    return body


def _link_path(href):
    path = urllib.parse.urlsplit(href)
    return (path.path, sorted(urllib.parse.parse_qsl(path.query)))


def _differences(ours, theirs, where=''):
    if isinstance(ours, dict) and isinstance(theirs, dict):
        found = ['%s: only backupd has %s' % (where or '/', sorted(
            set(ours) - set(theirs)))] if set(ours) - set(theirs) else []
        if set(theirs) - set(ours):
            found.append('%s: only cinder has %s' % (
                where or '/', sorted(set(theirs) - set(ours))))
        for key in set(ours) & set(theirs):
            found += _differences(ours[key], theirs[key],
                                  '%s/%s' % (where, key))
        return found
    if isinstance(ours, list) and isinstance(theirs, list):
        if len(ours) != len(theirs):
            return ['%s: %d items against %d' % (where, len(ours),
                                                  len(theirs))]
        return [d for i, (a, b) in enumerate(zip(ours, theirs))
                for d in _differences(a, b, '%s[%d]' % (where, i))]
    return [] if ours == theirs else ['%s: %r against %r' % (where, ours,
                                                             theirs)]


def _answer(server, path, role, version):
    try:
        return server.get(path, role, version)
    except urllib.error.HTTPError as e:
        return {'HTTP %d' % e.code: e.read().decode()[:300]}


def views(backupd, cinder, project, ids, out):
    """The same calls on both servers, at 3.0 and 3.64, as admin and as
    member: every difference in keys, values, links and timestamps."""
    print('\n== backupd views against cinder-api\'s (same backups)')
    base = '/v3/%s/backups' % project
    paths = {'show': '%s/%s' % (base, ids[0]),
             'summary': '%s?limit=3' % base,
             'detail': '%s/detail?limit=3&sort=display_name:asc' % base}
    for version in ('3.0', '3.64'):
        for role in IDENTITIES:
            for call, path in paths.items():
                ours = _shape(_answer(backupd, path, role, version))
                theirs = _shape(_answer(cinder, path, role, version))
                # Cinder's ids in links: the project segment is the same.
                found = _differences(ours, theirs)
                out['views']['%s/%s/%s' % (call, role, version)] = found
                print('%-28s %s' % ('%s %s %s' % (call, role, version),
                                    '; '.join(found) or 'identical'))


def bounded(server, project, args):
    """Items of a list without limit, and whether its next link leads on."""
    path = '/v3/%s/backups/detail' % project
    first = server.get(path, 'admin', args.version)
    links = first.get('backups_links') or []
    result = {'items': len(first['backups']), 'next_link': bool(links)}
    if links:
        href = links[0]['href']
        href = href[href.index('/v3/'):]
        try:
            second = server.get(href, 'admin', args.version)
        except urllib.error.HTTPError as e:
            result['next_link_error'] = 'HTTP %d at %s' % (e.code, href)
            return result
        seen = {b['id'] for b in first['backups']}
        result['next_page_items'] = len(second['backups'])
        result['next_page_overlaps'] = bool(
            seen & {b['id'] for b in second['backups']})
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sizes', default='1000,10000,100000')
    parser.add_argument('--compare-size', type=int, default=10000)
    parser.add_argument('--concurrency', default='1,10,50')
    parser.add_argument('--calls', default='show,summary,detail',
                        help='comma list of the compared calls: show, '
                             'summary, detail')
    parser.add_argument('--flat-concurrency', type=int, default=10)
    parser.add_argument('--flat-rounds', type=int, default=5,
                        help='rounds of the page-cost section, each size '
                             'measured once per round for --seconds / '
                             'rounds; the cheapest round counts')
    parser.add_argument('--seconds', type=float, default=4)
    parser.add_argument('--warmup', type=float, default=0.5)
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--scaling-client', choices=('wrk', 'python'),
                        default='wrk' if shutil.which('wrk') else 'python',
                        help='load client of the scaling section: wrk '
                             '(Debian package wrk; the default where it is '
                             'installed) or the Python client of the rest')
    parser.add_argument('--version', default='3.64')
    parser.add_argument('--cinder-venv', default=os.path.join(
        REPO, '.venv-cinder'))
    parser.add_argument('--skip', default='',
                        help='comma list of views,compare,flat,scaling,'
                             'bound')
    parser.add_argument('--json', help='also write the figures here')
    parser.add_argument('--workdir')
    args = parser.parse_args()
    args.concurrency = [int(c) for c in args.concurrency.split(',')]
    args.calls = set(args.calls.split(','))
    sizes = sorted(int(s) for s in args.sizes.split(','))
    skip = set(args.skip.split(','))
    workdir = tempfile.mkdtemp(prefix='api-bench-', dir=args.workdir)
    args.scratch = workdir
    rnd = random.Random(15)
    servers = []
    out = {'compare': {}, 'flatness': {}, 'scaling': {}, 'bounded': {},
           'views': {}, 'load': os.getloadavg()}
    try:
        rows, show_ids, middle = [], {}, {}
        for size in sizes:
            project_rows = list(seed_rows(size, rnd))
            rows += project_rows
            newest_first = [r['id'] for r in reversed(project_rows)]
            show_ids[size] = newest_first[:1000]
            middle[size] = newest_first[len(newest_first) // 2]
        started = time.time()
        db_url = 'sqlite:///%s' % os.path.join(workdir, 'backupd.sqlite')
        seed_backupd(db_url, rows)
        print('seeded %d backups into backupd in %.1f s'
              % (len(rows), time.time() - started))
        cinder = None
        if os.path.exists(os.path.join(args.cinder_venv, 'bin',
                                       'cinder-api')):
            conf, cinder_db = prepare_cinder(args.cinder_venv, workdir)
            seed_cinder(cinder_db, rows)
            cinder = start_cinder(args.cinder_venv, workdir, conf)
            servers.append(cinder)
        else:
            print('no %s: cinder-api not measured' % args.cinder_venv)
        backupd = start_backupd(workdir, db_url, 1)
        servers.append(backupd)
        project = project_of(args.compare_size)
        ids = show_ids[args.compare_size]
        if 'views' not in skip and cinder is not None:
            views(backupd, cinder, project, ids, out)
        if 'compare' not in skip:
            compare(backupd, cinder, project, ids, args, out)
        if 'flat' not in skip:
            flatness(backupd, middle, args, out)
        if 'scaling' not in skip and args.workers > 1:
            many = start_backupd(workdir, db_url, args.workers)
            servers.append(many)
            scaling(backupd, many, project, ids, args, out)
        if 'bound' not in skip:
            print('\n== a list without limit (%s, %d backups)'
                  % (project, args.compare_size))
            for server in filter(None, (backupd, cinder)):
                out['bounded'][server.name] = bounded(server, project, args)
                print('%-16s %s' % (server.name,
                                    json.dumps(out['bounded'][server.name])))
        out['load_after'] = os.getloadavg()
        print('\nload average before %s, after %s (2 cores)'
              % (' '.join('%.1f' % x for x in out['load']),
                 ' '.join('%.1f' % x for x in out['load_after'])))
        if args.json:
            with open(args.json, 'w') as f:
                json.dump(out, f, indent=1, default=str)
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    main()
