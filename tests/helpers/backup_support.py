"""What the backup tests share: volumes with known bytes, waiting for
statuses, sha256 of what a volume holds, stored objects of a backup.

Volumes and snapshots are made through the API (POST /volumes, os-attach,
POST /snapshots); the bytes are written straight into the file driver's
volume file, as a VM would.
"""
import hashlib
import json
import os
import random

import sqlalchemy as sa

from tests.fixtures import services

MiB = 1024 * 1024
# A backup (and a restore) slow for real, not by mocks, so a test can act
# while one is half-done: backup_bandwidth_limit paces the reads (and
# writes) of the volume, burning no CPU (zstd at level 19, before, burnt
# ~8 CPU-s a backup).
SLOW = {'DEFAULT': {'backup_bandwidth_limit': 3 * MiB}}
# Six 4 MiB chunks of random data: ~7 s of backup at SLOW settings.
REGIONS = ((0, 24 * MiB),)


def volumes_dir(dep):
    return dep.settings['DEFAULT'].get(
        'volumes_dir', os.path.join(dep.state_path, 'volumes'))


def volume_path(dep, volume_id):
    return os.path.join(volumes_dir(dep), 'volume-%s' % volume_id)


_BLOCK = MiB
_ZEROS = bytes(_BLOCK)


def sha256_of(path):
    """A SHA-256 digest of what ``path`` holds: two files have the same one
    exactly when they hold the same bytes. It hashes the length and every
    1 MiB-aligned block that is not all zeros, with its offset, and reads
    only the file's data regions (SEEK_DATA/SEEK_HOLE): a hole and a block
    of written zeros are the same bytes, so a restore may lay out holes as
    it likes. A 1 GiB volume holding a few MiB costs milliseconds instead
    of the 0.7 s of CPU that hashing all its bytes took, once per pattern
    written and per restore checked (issue 17)."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        fd = f.fileno()
        size = os.fstat(fd).st_size
        digest.update(b'%d\n' % size)
        done = 0        # blocks below this offset are hashed already
        while done < size:
            try:
                data = os.lseek(fd, done, os.SEEK_DATA)
                hole = os.lseek(fd, data, os.SEEK_HOLE)
            except OSError:     # ENXIO: no data after ``done``
                break
            end = min(size, -(-hole // _BLOCK) * _BLOCK)
            f.seek(max(done, data - data % _BLOCK))
            while f.tell() < end:
                offset = f.tell()
                block = f.read(min(_BLOCK, end - offset))
                if block != _ZEROS[:len(block)]:
                    digest.update(b'%d:%d\n' % (offset, len(block)))
                    digest.update(block)
            done = end
    return digest.hexdigest()


def write_pattern(path, seed, regions=((0, 3 * MiB), (40 * MiB, 1 * MiB),
                                        (300 * MiB, 2 * MiB))):
    """Random bytes (from ``seed``) at ``regions`` (offset, length); the
    rest stays a hole. Returns the volume's sha256 afterwards."""
    rng = random.Random(seed)
    with open(path, 'r+b') as f:
        for offset, length in regions:
            f.seek(offset)
            for piece in range(0, length, 16 * MiB):
                f.write(rng.randbytes(min(16 * MiB, length - piece)))
        f.flush()
        os.fsync(f.fileno())
    return sha256_of(path)


def wait_for(dep, kind, object_id, statuses, timeout=120, admin=True,
             project='demo', gone_ok=False):
    """The object's body once its status is in ``statuses``."""
    statuses = (statuses,) if isinstance(statuses, str) else tuple(statuses)
    last = {}

    def reached():
        resp = dep.request('GET', '/%s/%s' % (kind, object_id), admin=admin,
                           project=project,
                           headers={} if not admin else {})
        if resp.status_code == 404 and gone_ok:
            last['body'] = None
            return True
        resp.raise_for_status()
        body = resp.json()[kind[:-1]]
        last['body'] = body
        return body['status'] in statuses
    try:
        services.wait_for(reached, timeout, interval=0.2,
                          what='%s %s in %s' % (kind[:-1], object_id,
                                                statuses))
    except AssertionError:
        raise AssertionError('%s %s is %s, not in %s; log tail:\n%s' % (
            kind[:-1], object_id, last.get('body'), statuses,
            dep.log()[-4000:]))
    return last['body']


def accepted(dep, path, body, project='demo'):
    """The answer of a POST of ``body`` to ``path``, checked to be 202."""
    resp = dep.request('POST', path, project=project, json=body)
    assert resp.status_code == 202, resp.text
    return resp


def create_volume(dep, size=1, project='demo', name=None):
    volume_id = accepted(dep, '/volumes', {'volume': {
        'size': size, 'name': name}}, project).json()['volume']['id']
    until(lambda: volume_status(dep, volume_id) == 'available',
          what='volume %s available' % volume_id)
    return volume_id


def attach(dep, volume_id, project='demo'):
    accepted(dep, '/volumes/%s/action' % volume_id, {'os-attach': {
        'instance_uuid': '11111111-2222-3333-4444-555555555555',
        'mountpoint': '/dev/vdb'}}, project)
    until(lambda: volume_status(dep, volume_id) == 'in-use',
          what='volume %s in-use' % volume_id)


def create_snapshot(dep, volume_id, project='demo', force=False):
    snapshot_id = accepted(dep, '/snapshots', {'snapshot': {
        'volume_id': volume_id, 'force': force}},
        project).json()['snapshot']['id']
    wait_for(dep, 'snapshots', snapshot_id, 'available', admin=False,
             project=project)
    return snapshot_id


def create_backup(dep, volume_id, project='demo', wait='available', **kw):
    body = {'volume_id': volume_id}
    body.update(kw)
    answer = accepted(dep, '/backups', {'backup': body},
                      project).json()['backup']
    assert set(answer) == {'id', 'name', 'links'}
    backup_id = answer['id']
    if wait:
        wait_for(dep, 'backups', backup_id, wait, admin=False,
                 project=project)
    return backup_id


def restore(dep, backup_id, volume_id=None, name=None, project='demo'):
    target = accepted(dep, '/backups/%s/restore' % backup_id, {'restore': {
        'volume_id': volume_id, 'name': name}}, project).json()['restore'][
        'volume_id']
    wait_for(dep, 'backups', backup_id, 'available', admin=False,
             project=project)
    return target


def error_message(resp, code):
    """The message of an error answer, checked to be ``code`` in the
    status line and in Cinder's error body."""
    assert resp.status_code == code, resp.text
    (body,) = resp.json().values()
    assert body['code'] == code
    return body['message']


def volume_status(dep, volume_id):
    rows = sql(dep, 'SELECT status FROM volumes WHERE id = :id', id=volume_id)
    return rows[0][0] if rows else None


def backup_files(dep, backup_id, container='backups'):
    """Object files of the backup in the POSIX store (hidden temps too)."""
    root = os.path.join(dep.state_path, 'backup', container,
                        'backup_%s' % backup_id)
    if not os.path.isdir(root):
        return []
    return sorted(os.listdir(root))


def data_written(dep, backup_id, container='backups'):
    """Whether the backup stored some data yet: a chunk under its own
    directory (chained layout), or, in the shared layout
    (doc/dedup-and-gc.rst), a chunk or pack in a repository where the
    backup is registered (a fresh deployment's only writer)."""
    if any(n.startswith('chunk_') for n in backup_files(dep, backup_id,
                                                         container)):
        return True
    root = os.path.join(dep.state_path, 'backup', container)
    for repo in os.listdir(root) if os.path.isdir(root) else ():
        names = os.listdir(os.path.join(root, repo)) \
            if repo.startswith('p_') else ()
        if 'ref_%s' % backup_id in names and any(
                n.startswith(('c_', 'k_')) for n in names):
            return True
    return False


def first_data_object(dep, backup_id, container='backups'):
    """Name (in the container) of an object holding the backup's first
    data chunk, whichever the layout."""
    root = os.path.join(dep.state_path, 'backup', container)
    with open(os.path.join(root, 'backup_%s' % backup_id, 'manifest')) as f:
        found = json.load(f)
    chunk = next(c for c in found['chunks'] if not c['zero'])
    if found['version'] >= 3:
        return chunk['layers'][0][0]
    return chunk['object']


def temp_resources(dep, volumes=None):
    """Temporary snapshot/volume rows still alive and their files; only
    those of ``volumes`` (ids) if given, so that a test sharing a
    deployment checks its own and not what a failed test before it left."""
    engine = db_engine(dep)
    of_snap = of_clone = ''
    params = {}
    if volumes is not None:
        of_snap, of_clone = (' AND volume_id IN :vols',
                             ' AND source_volid IN :vols')
        params['vols'] = list(volumes)
    try:
        with engine.connect() as conn:
            def ids(statement):
                query = sa.text(statement)
                if params:
                    query = query.bindparams(
                        sa.bindparam('vols', expanding=True))
                return [r[0] for r in conn.execute(query, params)]
            rows = ids('SELECT id FROM snapshots WHERE is_temporary AND NOT '
                       'deleted%s UNION ALL SELECT id FROM volumes WHERE '
                       'is_temporary AND NOT deleted%s' % (of_snap, of_clone))
            # their files, by the snapshot rows, deleted ones included
            ours = None if volumes is None else {
                'snapshot-%s' % i for i in ids(
                    'SELECT id FROM snapshots WHERE is_temporary%s' % of_snap)}
    finally:
        engine.dispose()
    files = [n for n in os.listdir(volumes_dir(dep))
             if n.startswith('snapshot-') and (ours is None or n in ours)]
    return rows, files


def db_url(dep):
    connection = dep.settings.get('database', {}).get('connection')
    return connection or 'sqlite:///%s' % os.path.join(dep.state_path,
                                                       'backupd.sqlite')


def db_engine(dep):
    """An engine on the deployment's database, for a helper's statement.
    PyMySQL gives every new connection a TLS context unless told not to
    (25 ms of CPU loading the CA store; the test server has TLS off), and
    the helpers poll with a connection each: theirs go without."""
    url = db_url(dep)
    return sa.create_engine(url, connect_args={'ssl_disabled': True} if (
        url.startswith('mysql')) else {})


def sql(dep, statement, **params):
    engine = db_engine(dep)
    try:
        with engine.begin() as conn:
            result = conn.execute(sa.text(statement), params)
            return result.fetchall() if result.returns_rows else None
    finally:
        engine.dispose()


def until(predicate, timeout=60, what='condition'):
    return services.wait_for(predicate, timeout, interval=0.1, what=what)


def backup_notifications(dep, backup_id):
    """(event_type, payload) of the backup.* notifications of
    ``backup_id``, from a deployment using the log notification driver (one
    JSON message per line)."""
    found = []
    # complete lines only: the service may be writing the last one
    for line in dep.log().splitlines(keepends=True):
        if not line.endswith('\n'):
            continue
        if 'oslo.messaging.notification.backup.' not in line:
            continue
        message = json.loads(line[line.index('{'):])
        if message['payload'].get('backup_id') == backup_id:
            found.append((message['event_type'], message['payload']))
    return found


def logged(dep, text, timeout=30):
    """Wait for a line of the deployment's log: services log after the
    row change a test waits for, so a plain read would race them."""
    until(lambda: text in dep.log(), timeout=timeout,
          what='%r in the log' % text)




def restart_backup_service(dep):
    until(lambda: 'backupd-backup' not in dep.up_services(),
          what='the killed backupd-backup seen down')
    dep.start('backupd-backup')
    until(lambda: 'backupd-backup' in dep.up_services(),
          what='backupd-backup up again')


def hold_row_until(dep, backup, data_stored):
    """Hold the backup's row lock (so the service can't record the end)
    until ``data_stored()``, SIGKILL the backup service, let go.
    ``backup``: an id, or a list of ids to hold at once (one kill for
    several backups)."""
    backups = [backup] if isinstance(backup, str) else list(backup)
    engine = db_engine(dep)
    conn = engine.connect()
    try:
        tx = conn.begin()
        for one in backups:
            conn.execute(sa.text('SELECT id FROM backups WHERE id = :id FOR '
                                 'UPDATE'), {'id': one})
        until(data_stored, timeout=120,
              what='all data of %s stored' % ', '.join(backups))
        dep.kill('backupd-backup')
        tx.rollback()
    finally:
        conn.close()
        engine.dispose()
    for one in backups:
        status = sql(dep, 'SELECT status FROM backups WHERE id = :id',
                     id=one)[0][0]
        assert status == 'creating', (one, status)


class OneRunning:
    """backupd-all deployments a module's tests share, one per
    configuration, of which one runs at a time: ``get`` starts the one
    asked for (again, if a test stopped or killed it) and stops the others,
    as an idle backupd-all burns CPU on its periodic tasks (about 0.025
    CPU-s a second; a start about 2). A module keeps the tests of one
    configuration together; ``close`` at the module's end."""

    def __init__(self, tmp_path_factory):
        self._tmp = tmp_path_factory
        self._deployments = {}

    def get(self, name, conf=None):
        for other, dep in self._deployments.items():
            if other != name:
                dep.stop()
        if name not in self._deployments:
            self._deployments[name] = services.Deployment(
                self._tmp.mktemp(name), ['backupd-all'], conf)
        return self._deployments[name].start()

    def settle(self):
        """After each test: force-delete the backups a (failed) test left
        creating or restoring and wait until they are gone, so that none
        runs on into the next test (with backup_max_operations = 1, one
        would hold up the next test's backups)."""
        for dep in self._deployments.values():
            proc = dep.procs.get('backupd-all')
            if proc is None or proc.poll() is not None:
                continue    # stopped or killed: nothing runs on
            listed = dep.request('GET', '/backups/detail?all_tenants=1',
                                 admin=True)
            assert listed.status_code == 200, listed.text
            busy = [b['id'] for b in listed.json()['backups']
                    if b['status'] in ('creating', 'restoring')]
            for backup in busy:
                resp = dep.request('POST', '/backups/%s/action' % backup,
                                   admin=True, json={'os-force_delete': {}})
                assert resp.status_code == 202, resp.text
            for backup in busy:
                wait_for(dep, 'backups', backup, (), gone_ok=True,
                         timeout=60)

    def close(self):
        for dep in self._deployments.values():
            dep.close()
