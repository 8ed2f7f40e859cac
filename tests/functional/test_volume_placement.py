"""Capacity-aware placement of new volumes on a cluster of two volume hosts.

backupd-api, backupd-volume and backupd-backup on host A plus a second
backupd-volume on host B, on RabbitMQ and MariaDB or PostgreSQL. Each host
keeps its file volumes on its own real XFS filesystem, loop-mounted from a
sparse image: A's holds about 3.9 GiB, B's about 1.9 GiB, so the real
filesystems' figures decide where a volume goes. Both hosts report their
capacity once when their driver is ready and then only every hour
(periodic_interval), so the volumes created during a test are ones their
reports cannot have seen. A and the disks serve all the tests of one
database, each test deleting what it created; B is started again only
for a test that needs it otherwise (``Hosts``). Needs root and xfsprogs
(skipped otherwise; CI turns the skip into a failure).
"""
import os
import shutil
import subprocess
import urllib.parse

import pytest
import sqlalchemy as sa

from backupd.db import models
from tests.fixtures import services
from tests.fixtures.services import wait_for
from tests.fixtures.xfs import _detach_loops
from tests.fixtures.xfs import _run
from tests.helpers import backup_support as bs
from tests.helpers.volume_api import action
from tests.helpers.volume_api import create_volume
from tests.helpers.volume_api import error_of
from tests.helpers.volume_api import wait_gone

DISKS = {'a': '4G', 'b': '2G'}


@pytest.fixture(scope='module')
def disks(tmp_path_factory):
    """{name: mountpoint} of fresh XFS filesystems of DISKS' sizes, for the
    whole module: each test deletes what it created (``cluster``)."""
    if os.geteuid() != 0:
        pytest.skip('loop-mounting XFS needs root')
    if shutil.which('mkfs.xfs') is None:
        pytest.skip('needs xfsprogs (apt-get install -y xfsprogs)')
    base = tmp_path_factory.mktemp('placement-disks')
    mounts = {}
    try:
        for name, size in DISKS.items():
            image, mountpoint = base / ('%s.img' % name), base / name
            mountpoint.mkdir()
            _run('truncate', '-s', size, str(image))
            _run('mkfs.xfs', '-q', '-m', 'reflink=1', str(image))
            _run('mount', '-o', 'loop', str(image), str(mountpoint))
            mounts[name] = mountpoint
        yield mounts
    finally:
        for name in DISKS:
            subprocess.run(['umount', str(base / name)], capture_output=True)
            _detach_loops(base / ('%s.img' % name))


def free_gb(path):
    """What the file driver reports as free (rounded as it rounds)."""
    st = os.statvfs(path)
    return round(st.f_bavail * st.f_frsize / 1024 ** 3, 2)


def gb_text(value):
    """GiB as error messages write them (3.88, 0.9, 2)."""
    return ('%.2f' % value).rstrip('0').rstrip('.')


class Hosts:
    """A, the full deployment on disk a, for all the module's tests of one
    database; B, a second backupd-volume on disk b, started again (as a
    new host) only when a test needs another one: in another zone, or
    after a test stopped it or cleared its capacity report. A reported
    once, at the start: a test's volumes, deleted after it (``clean``),
    no longer count for placement, so each test sees A as its report
    shows it, whatever the tests before it did. The tests that leave B
    unusable to the next (one stops it, one needs zone-b and clears its
    report) come last in the file: B starts twice per database."""

    def __init__(self, a, disks, tmp_path_factory):
        self.a, self.disks, self.b, self.zone_b = a, disks, None, None
        self._tmp = tmp_path_factory

    def start(self, zone_b='nova'):
        """(A, B) with B in ``zone_b``, both up and reported."""
        a = self.a
        if not self._b_serves(zone_b):
            self.stop_b()
            self.b = services.Deployment(
                self._tmp.mktemp('placement-b'), ['backupd-volume'], {
                    'DEFAULT': {
                        'transport_url':
                            a.settings['DEFAULT']['transport_url'],
                        'volumes_dir': str(self.disks['b']),
                        'periodic_interval': '3600',
                        'storage_availability_zone': zone_b,
                        'report_interval': '1', 'service_down_time': '4'},
                    'database': {'connection': a.database.url}})
            self.zone_b = zone_b
            self.b.start()
        b = self.b
        # a B replaced above is up for service_down_time after its stop
        wait_for(lambda: set(pools(a)) == reported(a) == {a.host, b.host},
                 60, what='both volume hosts up and reporting capacity')
        return a, b

    def _b_serves(self, zone_b):
        """B runs, in ``zone_b``, and its capacity report stands."""
        proc = self.b and self.b.procs.get('backupd-volume')
        return (proc is not None and proc.poll() is None and
                self.zone_b == zone_b and self.b.host in reported(self.a))

    def stop_b(self):
        if self.b is not None:
            self.b.stop()

    def clean(self):
        """Force-delete every backup, then every volume, and wait until
        gone: os-force_delete, not DELETE, so that what a failed test left
        creating, in error or in use goes too and cannot count against
        placement in the tests after it."""
        a = self.a
        for kind, path in (('backup', '/backups/detail'),
                           ('volume', '/volumes')):
            listed = a.request('GET', path + '?all_tenants=1', admin=True)
            assert listed.status_code == 200, listed.text
            ids = [row['id'] for row in listed.json()[kind + 's']]
            for object_id in ids:
                resp = action(a, kind, object_id, {'os-force_delete': {}},
                              admin=True)
                assert resp.status_code == 202, resp.text
            for object_id in ids:
                wait_gone(a, kind, object_id, admin=True)


@pytest.fixture(scope='module', params=['mariadb', 'postgresql'])
def hosts(request, disks, tmp_path_factory, rabbit_vhost):
    # openstacksdk's "none" auth sends the user "notused": an admin here
    a = services.cluster(
        tmp_path_factory.mktemp('placement-a'), rabbit_vhost, request.param,
        {'DEFAULT': {'volumes_dir': str(disks['a']),
                     'periodic_interval': '3600',
                     'noauth_admin_users': 'admin,notused'}})
    hosts = Hosts(a, disks, tmp_path_factory)
    try:
        a.start()
        yield hosts
    finally:
        hosts.stop_b()
        services.close_cluster(a)


@pytest.fixture
def cluster(hosts):
    """``start(zone_b='nova')`` -> (A, B): A the full deployment on disk a,
    B a second backupd-volume on disk b, both reported; what the test
    created is deleted after it."""
    yield hosts.start
    hosts.clean()


def service_rows(dep):
    """Rows of ``backupd-manage service list`` as dicts."""
    out = services._run([os.path.join(services.BIN, 'backupd-manage'),
                         '--config-file', dep.conf_path, 'service', 'list'],
                        True).stdout
    lines = [line for line in out.splitlines() if line.startswith('|')]
    header = [c.strip() for c in lines[0].strip('|').split('|')]
    return [dict(zip(header, (c.strip() for c in line.strip('|').split('|'))))
            for line in lines[1:]]


def reported(dep):
    """Hosts whose backupd-volume is up and has reported its capacity: the
    pools placement sees (a down host is none), without an 'unknown'
    capacity. Polled through the API, not ``backupd-manage service list``
    (a process start, a CPU-second, per poll); that command's view of the
    same rows is checked once, in test_new_volumes_go_where_there_is_room."""
    return {host for host, caps in pools(dep).items()
            if caps['total_capacity_gb'] != 'unknown'}


def host_of(dep, volume):
    shown = dep.request('GET', '/volumes/%s' % volume['id'], admin=True)
    assert shown.status_code == 200, shown.text
    return shown.json()['volume']['os-vol-host-attr:host'].split('@')[0]


def volume_count(dep):
    resp = dep.request('GET', '/volumes?all_tenants=1', admin=True)
    assert resp.status_code == 200, resp.text
    return len(resp.json()['volumes'])


def refused(dep, size, **fields):
    before = volume_count(dep)
    message = error_of(dep.request('POST', '/volumes', json={
        'volume': dict({'size': size}, **fields)}), 409)
    assert volume_count(dep) == before, 'a refused create left a volume'
    return message


def test_new_volumes_go_where_there_is_room(cluster, disks):
    a, b = cluster()
    free_a, free_b = free_gb(disks['a']), free_gb(disks['b'])
    assert free_a > 3 > 2 > free_b > 1, (free_a, free_b)
    rows = {r['Host']: r for r in service_rows(a)
            if r['Binary'] == 'cinder-volume'}
    assert {host for host, row in rows.items() if row['State'] == 'up'
            and row['Capacity At']} == {a.host, b.host}, rows
    assert float(rows[a.host]['Free GiB']) == free_a
    assert float(rows[b.host]['Total GiB']) == pytest.approx(1.94, abs=0.01)

    # Too large for any host: a 409 naming the size, the best host, its
    # free space and the fixes; nothing created.
    message = refused(a, 5)
    assert message == (
        'Cannot create a volume of 5 GiB: no volume host in availability '
        'zone nova has room for it. The host with the most free space, %s, '
        'has %s GiB free. To create it, ask for a smaller volume, free space '
        'on a volume host (delete volumes or snapshots no longer needed) or '
        'add a volume host in availability zone nova.'
        % (a.host, gb_text(free_a)))

    # GET scheduler-stats/get_pools shows what placement sees.
    before = pools(a)
    assert set(before) == {a.host, b.host}
    assert before[a.host]['free_capacity_gb'] == free_a
    assert before[b.host]['total_capacity_gb'] == pytest.approx(1.94,
                                                                abs=0.01)
    assert before[a.host]['allocated_capacity_gb'] == 0
    assert before[a.host]['thin_provisioning_support'] is True
    assert before[a.host]['backend_state'] == 'up'

    # The host with the most free space gets it; 2 GiB fits only on A.
    assert host_of(a, create_volume(a, size=1)) == a.host
    assert host_of(a, create_volume(a, size=2)) == a.host
    after = pools(a)[a.host]
    assert after['allocated_capacity_gb'] == 3
    assert after['free_capacity_gb'] == pytest.approx(free_a - 3, abs=0.01)
    assert after['updated'] == before[a.host]['updated']   # no new report
    # A's report predates those 3 GiB (its next one is an hour away): they
    # count as used, so A has ~0.88 GiB left and B (~1.89) gets the next.
    assert host_of(a, create_volume(a, size=1)) == b.host
    message = refused(a, 1)
    assert ('The host with the most free space, %s, has' % b.host in message
            and 'counting 1 GiB of volumes created since its last capacity '
                'report' in message), message


def test_restore_to_a_new_volume_needs_room_on_the_backups_host(cluster):
    a, b = cluster()
    source = create_volume(a, size=1)
    backup = bs.create_backup(a, source['id'])
    filler = create_volume(a, size=2)
    assert {host_of(a, source), host_of(a, filler)} == {a.host}
    # A has ~0.88 GiB left (3 GiB created since its report); B has room but
    # the restore is written by A's backup service, so it cannot go there.
    before = volume_count(a)
    message = error_of(a.request('POST', '/backups/%s/restore' % backup,
                                 json={'restore': {'volume_id': None}}), 409)
    assert message.startswith(
        'Cannot restore backup %s to a new volume of 1 GiB: the new volume '
        'must be on %s, the backup\'s host' % (backup, a.host)), message
    assert 'restore onto an existing volume of at least 1 GiB' in message
    assert volume_count(a) == before
    shown = a.request('GET', '/backups/%s' % backup).json()['backup']
    assert shown['status'] == 'available'

    # Nor onto an existing volume of B: A's backup service could not write
    # it. A 400 naming both hosts and the ways out; nothing changes.
    on_b = create_volume(a, size=1)
    assert host_of(a, on_b) == b.host
    message = error_of(a.request('POST', '/backups/%s/restore' % backup,
                                 json={'restore': {'volume_id': on_b['id']}}),
                       400)
    assert message == (
        'Invalid input received: '
        'Volume %s is on host %s, but backup %s is restored by the backup '
        'service on host %s, which can only write to volumes of its own '
        'host. Restore onto a volume on %s, or omit volume_id to restore to '
        'a new volume (created on %s).' % (on_b['id'], b.host, backup,
                                           a.host, a.host, a.host))
    assert bs.volume_status(a, on_b['id']) == 'available'
    shown = a.request('GET', '/backups/%s' % backup).json()['backup']
    assert shown['status'] == 'available'

    assert a.request('DELETE', '/volumes/%s' % filler['id']
                     ).status_code == 202
    wait_gone(a, 'volume', filler['id'])
    restored = bs.restore(a, backup)
    assert host_of(a, {'id': restored}) == a.host
    assert bs.volume_status(a, restored) == 'available'


def get_pools(query=None):
    return '/scheduler-stats/get_pools' + (
        '?' + urllib.parse.urlencode(query) if query else '')


def pools(dep, **query):
    """{host: capabilities} of GET scheduler-stats/get_pools?detail=true."""
    resp = dep.request('GET', get_pools(dict(query, detail='true')),
                       admin=True)
    assert resp.status_code == 200, resp.text
    found = {}
    for pool in resp.json()['pools']:
        host, backend = pool['name'].split('#')[0].split('@')
        assert pool['capabilities']['pool_name'] == backend
        found[host] = pool['capabilities']
    return found


def test_get_pools_names_filters_and_clients(cluster, disks):
    a, b = cluster()
    names = sorted(p['name'] for p in a.request(
        'GET', get_pools(), admin=True).json()['pools'])
    assert [n.split('@')[0] for n in names] == sorted([a.host, b.host])
    # admins only
    denied = a.request('GET', get_pools())
    assert denied.status_code == 403, denied.text
    # 3.28 filters by name; other filters are refused, before 3.28 ignored
    one = a.request('GET', get_pools({'name': names[0]}), admin=True,
                    microversion='3.28')
    assert [p['name'] for p in one.json()['pools']] == [names[0]]
    bad = a.request('GET', get_pools({'volume_type': 'x'}), admin=True,
                    microversion='3.28')
    assert 'cannot filter on volume_type; filter on name' in \
        error_of(bad, 400), bad.text
    old = a.request('GET', get_pools({'volume_type': 'x'}), admin=True)
    assert sorted(p['name'] for p in old.json()['pools']) == names
    # the real clients
    listed = a.cinder('get-pools').stdout
    assert all(n in listed for n in names), listed
    detail = a.cinder('get-pools', '--detail').stdout
    assert 'free_capacity_gb' in detail and str(free_gb(disks['b'])) \
        in detail, detail
    long = a.openstack('volume', 'backend', 'pool', 'list', '--long').stdout
    assert all(n in long for n in names), long
    # a stopped host is no pool (placement would not use it)
    b.stop()
    wait_for(lambda: set(pools(a)) == {a.host}, 30,
             what='%s gone from the pools once down' % b.host)


def test_availability_zone_and_a_host_that_never_reported(cluster, disks):
    a, b = cluster(zone_b='zone-b')
    free_b = free_gb(disks['b'])
    # In zone-b only B counts, although A has more room.
    volume = create_volume(a, size=1, availability_zone='zone-b')
    assert host_of(a, volume) == b.host
    assert volume['availability_zone'] == 'zone-b'
    message = refused(a, 2, availability_zone='zone-b')
    assert 'no volume host in availability zone zone-b has room' in message
    assert '%s has %s GiB free' % (b.host, gb_text(free_b - 1)) in message, \
        message
    # Without a zone: the API's default zone (nova), where A is.
    assert host_of(a, create_volume(a, size=1)) == a.host

    # A backupd-volume that never reported capacity (an older release in a
    # rolling upgrade; we cannot run one, so its row's capacity is cleared:
    # the only state injected in this module) is still used, as the last
    # resort: the 2 GiB refused above now goes to B and is created.
    engine = sa.create_engine(a.database.url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.update(models.Service.__table__).where(
                models.Service.host == b.host,
                models.Service.binary == 'backupd-volume').values(
                    total_capacity_gb=None, free_capacity_gb=None,
                    capacity_reported_at=None))
    finally:
        engine.dispose()
    assert b.host not in reported(a)
    assert pools(a)[b.host]['total_capacity_gb'] == 'unknown'
    volume = create_volume(a, size=2, availability_zone='zone-b')
    assert host_of(a, volume) == b.host
