"""Changed-block tracking through the services (issue 19): backupd-all with
the file volume driver on a real XFS with reflink, over HTTP.

Base snapshots: kept by each backup, hidden from the API, counted in the
volume host's provisioned capacity, replaced by a newer one, removed with
their backup or volume, at start when useless (crash leftovers), and all
of them when ``backup_change_tracking`` is off.
"""
import json
import os

import pytest

from tests.fixtures import services
from tests.helpers import backup_support as bs

MiB = bs.MiB


@pytest.fixture(scope='module')
def deployment(tmp_path_factory, xfs_mount):
    volumes = xfs_mount / ('volumes-%s' % os.urandom(4).hex())
    yield from services.serving(services.Deployment(
        tmp_path_factory.mktemp('backupd-cbt'), ['backupd-all'],
        {'DEFAULT': {'volumes_dir': str(volumes), 'periodic_interval': 1}}))


@pytest.fixture
def dep(deployment):
    """The module's deployment, running: a test that turns the option off
    puts the config back and leaves the start to the next test (none,
    when it is the last: a start saved)."""
    return deployment.start()


def manifest(dep, backup_id):
    path = os.path.join(dep.state_path, 'backup', 'backups',
                        'backup_%s' % backup_id, 'manifest')
    with open(path) as f:
        return json.load(f)


def base_of(dep, backup_id):
    return bs.sql(dep, 'SELECT base_snapshot_id FROM backups WHERE id = :id',
                  id=backup_id)[0][0]


def backed_up(dep, seed):
    """(volume, its full backup, the base snapshot the backup kept) of a
    new volume written with pattern ``seed``."""
    volume = bs.create_volume(dep)
    bs.write_pattern(bs.volume_path(dep, volume), seed=seed)
    backup = bs.create_backup(dep, volume)
    return volume, backup, base_of(dep, backup)


def live_snapshot_rows(dep):
    return {r[0] for r in bs.sql(dep, 'SELECT id FROM snapshots WHERE NOT '
                                      'deleted AND is_temporary')}


def snapshot_file(dep, snapshot_id):
    return os.path.join(bs.volumes_dir(dep), 'snapshot-%s' % snapshot_id)


def rewrite(path, offsets, seed):
    import random
    rnd = random.Random(seed)
    with open(path, 'r+b') as f:
        for offset in offsets:
            f.seek(offset)
            f.write(rnd.randbytes(64 * 1024))
        os.fsync(f.fileno())


def test_incrementals_read_what_changed_and_keep_one_base(dep):
    volume = bs.create_volume(dep)
    path = bs.volume_path(dep, volume)
    bs.write_pattern(path, seed=19)
    full = bs.create_backup(dep, volume)
    first_base = base_of(dep, full)
    assert first_base and os.path.exists(snapshot_file(dep, first_base))
    assert manifest(dep, full)['read']['mode'] == 'full'
    assert manifest(dep, full)['base']['snapshot_id'] == first_base
    # Never shown as a user snapshot.
    listed = dep.request('GET', '/snapshots/detail', project='demo').json()
    assert first_base not in [s['id'] for s in listed['snapshots']]
    assert dep.request('GET', '/snapshots/%s' % first_base,
                       project='demo').status_code == 404
    # Counted in the host's provisioned capacity: volume + base, 1 GiB each.
    bs.until(lambda: bs.sql(dep, 'SELECT provisioned_capacity_gb FROM '
                                 'services WHERE "binary" = '
                                 "'backupd-volume'")[0][0] >= 2,
             what='the base counted in provisioned capacity')

    rewrite(path, (MiB, 41 * MiB + 4096, 500 * MiB), seed=1)
    expected = bs.sha256_of(path)
    incremental = bs.create_backup(dep, volume, incremental=True)

    read = manifest(dep, incremental)['read']
    assert read['mode'] == 'tracked', read
    assert read['changed_bytes'] <= 4 * 64 * 1024
    bs.logged(dep, 'Backup %s reads only what changed' % incremental)
    second_base = base_of(dep, incremental)
    assert second_base not in (None, first_base)
    # The older base is useless now: gone (just after the backup became
    # available), file and row.
    bs.until(lambda: base_of(dep, full) is None, what='the older base gone')
    assert not os.path.exists(snapshot_file(dep, first_base))
    assert live_snapshot_rows(dep) == {second_base}
    target = bs.restore(dep, incremental)
    assert bs.sha256_of(bs.volume_path(dep, target)) == expected

    # Deleting the backup removes its base; the next incremental, whose
    # parent kept none, reads everything and says why.
    assert dep.request('DELETE', '/backups/%s' % incremental,
                       project='demo').status_code == 202
    bs.wait_for(dep, 'backups', incremental, (), gone_ok=True)
    assert not os.path.exists(snapshot_file(dep, second_base))
    assert second_base not in live_snapshot_rows(dep)
    again = bs.create_backup(dep, volume, incremental=True)
    read = manifest(dep, again)['read']
    assert read['mode'] == 'full'
    assert 'parent backup %s kept no base snapshot' % full in read['reason']
    bs.logged(dep, 'Backup %s reads all of volume' % again)


def test_a_volume_with_a_base_can_be_deleted(dep):
    volume, backup, base = backed_up(dep, seed=20)
    assert base
    assert dep.request('DELETE', '/volumes/%s' % volume,
                       project='demo').status_code == 202
    bs.wait_for(dep, 'volumes', volume, (), gone_ok=True)
    assert not os.path.exists(snapshot_file(dep, base))
    assert base not in live_snapshot_rows(dep)


def test_useless_bases_are_removed_at_start(dep):
    volume, backup, base = backed_up(dep, seed=21)
    # What a crash can leave: a failed backup that still names its base.
    bs.sql(dep, "UPDATE backups SET status = 'error' WHERE id = :id",
           id=backup)
    dep.kill('backupd-all')
    dep.start('backupd-all')
    bs.until(lambda: base_of(dep, backup) is None,
             what='the base of the failed backup removed at start')
    assert not os.path.exists(snapshot_file(dep, base))
    assert base not in live_snapshot_rows(dep)


def _stopped_with(dep, **options):
    """backupd-all killed, its config given ``options`` for its next
    start."""
    import configparser
    parser = configparser.ConfigParser()
    parser.read(dep.conf_path)
    for name, value in options.items():
        parser['DEFAULT'][name] = value
    with open(dep.conf_path, 'w') as f:
        parser.write(f)
    dep.kill('backupd-all')


def test_turned_off_keeps_no_base_and_removes_the_kept_ones(dep):
    volume, backup, base = backed_up(dep, seed=22)
    assert base
    _stopped_with(dep, backup_change_tracking='false')
    dep.start('backupd-all')
    try:
        bs.until(lambda: base_of(dep, backup) is None,
                 what='the base removed at start with the option off')
        assert not os.path.exists(snapshot_file(dep, base))
        later = bs.create_backup(dep, volume, incremental=True)
        assert base_of(dep, later) is None
        assert manifest(dep, later)['read']['mode'] == 'full'
        assert 'base' not in manifest(dep, later)
        assert live_snapshot_rows(dep) == set()
    finally:
        # the next test's ``dep`` starts it
        _stopped_with(dep, backup_change_tracking='true')
