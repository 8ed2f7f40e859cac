"""Fuzz every route and method of the router against a real backupd-all
(file volumes, POSIX backups), as an admin, as the owner of the resources
and as a member of another project: at least FUZZ_REQUESTS requests, no 5xx,
no dropped connection, the service still answering and working afterwards,
and nothing written outside state_path (which holds the volumes and the
POSIX backup root).

Why requests come from the request schemas (tests/helpers/request_fuzz.py)
and not from an OpenAPI document or Hypothesis:

- The jsonschema constants in backupd/api/schemas are what the server
  enforces, per route and microversion; an OpenAPI document would be a
  second copy that drifts. Query parameters come from the handlers' own
  FILTERS and SORT_KEYS tables, routes from router.ROUTES, so a new route,
  schema or filter is fuzzed without touching this test (and a POST/PUT
  route without a schema mapping fails test_every_route_is_fuzzed).
- The server keeps state across requests, so examples are not independent
  and Hypothesis' shrinking cannot replay a failure in isolation; its
  per-example overhead and health checks would also eat the time budget of
  a 5,000-request multi-threaded run. A seeded generator gives the same
  request sequence per thread for a seed (BACKUPD_FUZZ_SEED, printed on
  failure), and every failing request is reported with its seed.
"""
import http.client
import os
import random
import threading
import time
import uuid

import pytest

from tests.fixtures.services import Deployment
from tests.helpers import request_fuzz
from tests.helpers.authz_world import NOAUTH_IDENTITIES
from tests.helpers.authz_world import NoauthClient
from tests.helpers.authz_world import World

FUZZ_REQUESTS = int(os.environ.get('BACKUPD_FUZZ_REQUESTS', '5000'))
THREADS = 4
# Parent directories of state_path that belong to this test: a request that
# escapes state_path by '..' lands in one of them.
SANDBOX_LEVELS = ('sandbox', 'a', 'b')


@pytest.fixture(scope='module')
def fuzz_dep(tmp_path_factory):
    workdir = tmp_path_factory.mktemp('fuzz')
    state_path = workdir.joinpath(*SANDBOX_LEVELS, 'state')
    state_path.mkdir(parents=True)
    dep = Deployment(workdir, ['backupd-all'], {'DEFAULT': {
        'state_path': str(state_path),
        # Thousands of requests on two cores must not make the services
        # look down: a 503 for that would hide the 5xx this test looks for.
        'service_down_time': '120'}})
    dep.fuzz_state_path = str(state_path)
    dep.start()
    yield dep
    dep.close()


def test_every_route_is_fuzzed():
    for path, method in request_fuzz.routes():
        if method in ('POST', 'PUT'):
            assert (path, method) in request_fuzz.BODY_SCHEMAS, (path, method)


def _seed_ids(dep):
    """Real ids of each persona: the owner's through the World, a volume of
    the other project and of the admin."""
    client = NoauthClient(dep.endpoint)
    world = World(client)
    ids = {'volume_id': [], 'snapshot_id': [], 'backup_id': [],
           'key': ['k', 'missing']}
    # Several owner volumes, so valid creates often find one not busy.
    for setup in ('snapshot', 'backup', 'attached_volume') + ('volume',) * 5:
        made = world.ids(setup, fresh=True)
        for name in ('volume_id', 'snapshot_id', 'backup_id'):
            if name in made:
                ids[name].append(made[name])
    for persona in ('other', 'admin'):
        resp = client.request(persona, 'POST', '/volumes',
                              json={'volume': {'size': 1}})
        assert resp.status_code == 202, resp.text
        ids['volume_id'].append(resp.json()['volume']['id'])
    ids['project_id'] = [client.project_of(p) for p in ('owner', 'other')]
    ids['class_name'] = ['default']
    resp = client.request('admin', 'GET', '/types')
    assert resp.status_code == 200, resp.text
    ids['type_id'] = [t['id'] for t in resp.json()['volume_types']]
    return ids


class Runner:
    def __init__(self, dep, ids, marker, seed):
        self.dep = dep
        self.ids = ids
        self.marker = marker
        self.seed = seed
        self.lock = threading.Lock()
        self.sent = 0
        self.codes = {}
        self.failures = []

    def run(self, total, threads):
        workers = [threading.Thread(target=self._work,
                                    args=(index, total // threads + 1))
                   for index in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

    def _work(self, index, count):
        try:
            self._send(index, count)
        except Exception as e:   # a generator bug must fail the test
            with self.lock:
                self.failures.append('thread %d died: %r' % (index, e))
            raise

    def _send(self, index, count):
        fuzzer = request_fuzz.RequestFuzzer(
            random.Random('%s-%d' % (self.seed, index)), self.ids,
            self.marker)
        conn = http.client.HTTPConnection('127.0.0.1', self.dep.port,
                                          timeout=60)
        for number in range(count):
            req = fuzzer.request()
            user, project, roles = NOAUTH_IDENTITIES[req.persona]
            headers = dict(req.headers, **{
                'X-Auth-Token': '%s:%s' % (user, project), 'X-Roles': roles})
            # Header values as UTF-8 bytes: non-ASCII headers are fuzzed too.
            headers = {k: v.encode('utf-8') for k, v in headers.items()}
            try:
                conn.request(req.method, fuzzer.prefix(project) + req.path,
                             body=req.body, headers=headers)
                resp = conn.getresponse()
                text = resp.read()
                status = resp.status
                if resp.getheader('Connection', '').lower() == 'close':
                    conn.close()
            except (OSError, http.client.HTTPException) as e:
                conn.close()
                status, text = 'no answer: %r' % e, b''
            with self.lock:
                self.sent += 1
                self.codes[status] = self.codes.get(status, 0) + 1
                if not isinstance(status, int) or status >= 500:
                    self.failures.append(
                        'seed %s thread %d request %d: %s %s as %s -> %s %s'
                        % (self.seed, index, number, req.method,
                           req.path[:300], req.persona, status,
                           text[:300]))


def _marked_entries(roots, marker, skip):
    """Paths under ``roots`` whose name holds ``marker`` (``skip``: a
    directory not searched)."""
    found = []
    for root in roots:
        for top, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs
                       if os.path.join(top, d) != skip
                       and not os.path.islink(os.path.join(top, d))]
            found += [os.path.join(top, n) for n in dirs + names
                      if marker in n]
    return found


def _shallow_marked(directories, marker):
    found = []
    for directory in directories:
        try:
            found += [os.path.join(directory, n) for n in os.listdir(directory)
                      if marker in n]
        except OSError:
            pass
    return found


QUOTA_RESOURCES = ('volumes', 'gigabytes', 'snapshots', 'backups',
                   'backup_gigabytes', 'per_volume_gigabytes')


def _unlimit_quotas(client):
    """Undo what the fuzz set: no project quota, no default class limit
    (this deployment runs without quotas)."""
    unlimited = {name: -1 for name in QUOTA_RESOURCES}
    resp = client.request('admin', 'PUT', '/os-quota-class-sets/default',
                          json={'quota_class_set': unlimited})
    assert resp.status_code == 200, resp.text
    for persona in ('admin', 'owner', 'other'):
        resp = client.request('admin', 'DELETE', '/os-quota-sets/%s'
                              % client.project_of(persona))
        assert resp.status_code in (200, 202), resp.text


def test_fuzz_every_route_as_every_persona(fuzz_dep):
    dep = fuzz_dep
    seed = os.environ.get('BACKUPD_FUZZ_SEED') or uuid.uuid4().hex[:8]
    marker = 'fz%s' % uuid.uuid4().hex[:8]
    ids = _seed_ids(dep)
    runner = Runner(dep, ids, marker, seed)
    started = time.monotonic()
    runner.run(FUZZ_REQUESTS, THREADS)
    elapsed = time.monotonic() - started
    print('fuzz: %d requests in %.1f s (%.0f/s), seed %s, codes %s' % (
        runner.sent, elapsed, runner.sent / elapsed, seed,
        dict(sorted(runner.codes.items(), key=str))))
    assert not runner.failures, '%d failures (seed %s):\n%s' % (
        len(runner.failures), seed, '\n'.join(runner.failures[:25]))
    assert runner.sent >= FUZZ_REQUESTS

    # Still answering, and still working: a new volume becomes available.
    # The fuzz's admin requests may have lowered any project's quotas and
    # the default quota class, so put them back through the API first.
    client = NoauthClient(dep.endpoint)
    assert client.request('owner', 'GET', '/volumes').status_code == 200
    _unlimit_quotas(client)
    World(client, owner='admin').ids('volume', fresh=True)
    assert dep.returncode('backupd-all') is None

    # Nothing written outside state_path: no entry named with the marker
    # anywhere else we can look, and nothing new beside state_path in the
    # sandbox directories above it.
    workdir = dep.workdir
    escaped = _marked_entries([workdir], marker, skip=dep.fuzz_state_path)
    escaped += _shallow_marked(
        ['/', '/tmp', '/var/tmp', '/etc', os.path.expanduser('~'),
         os.getcwd(), os.path.dirname(workdir)], marker)
    level = workdir
    for name in SANDBOX_LEVELS:
        level = os.path.join(level, name)
        expected = {SANDBOX_LEVELS[SANDBOX_LEVELS.index(name) + 1]
                    if name != SANDBOX_LEVELS[-1] else 'state'}
        escaped += [os.path.join(level, n) for n in
                    set(os.listdir(level)) - expected]
    assert not escaped, 'written outside state_path: %s' % escaped
