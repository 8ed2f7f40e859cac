"""Force-delete and crashes in the middle of a backup, on real processes.

Backups are made slow for real, not by mocks (backup_support.SLOW), so a
test can act while a backup is half-written.
"""
import os

import pytest

from tests.helpers import backup_support as bs

# These scenarios look at the per-backup files of the chained layout
# (manifests 1/2); the shared layout's crash safety (kill -9 at random
# points, collections) is tests/functional/test_shared_store_random.py.
SLOW = {'DEFAULT': dict(bs.SLOW['DEFAULT'], backup_data_layout='chained')}


@pytest.fixture(scope='module')
def deployments(tmp_path_factory):
    deployments = bs.OneRunning(tmp_path_factory)
    yield deployments
    deployments.close()


@pytest.fixture
def shared(deployments):
    """The module's backupd-all deployments, one per configuration: the
    tests of one configuration use the same (a test that kills it starts
    it again itself, as an operator would), each with volumes and backups
    of its own (bs.OneRunning), and none left running after it."""
    yield deployments
    deployments.settle()


def _slow_backup(dep, in_use=False):
    volume = bs.create_volume(dep)
    sha = bs.write_pattern(bs.volume_path(dep, volume), seed=5,
                           regions=bs.REGIONS)
    if in_use:
        bs.attach(dep, volume)
    backup = bs.create_backup(dep, volume, wait=None, force=in_use)
    bs.until(lambda: any(n.startswith('chunk_')
                         for n in bs.backup_files(dep, backup)),
             what='the first chunk of backup %s stored' % backup)
    return volume, backup, sha


def _no_leftovers(dep, backup, volume):
    assert bs.backup_files(dep, backup) == []
    assert bs.temp_resources(dep, [volume]) == ([], [])


# --- the seed scenario: data stored, process killed before "available" ----

def _kill_after_data_before_available(dep, *backups):
    bs.hold_row_until(dep, backups, lambda: all(
        'manifest' in bs.backup_files(dep, backup) for backup in backups))


@pytest.mark.parametrize('db', ['mariadb', 'postgresql'])
def test_reset_status_verifies_a_backup_killed_before_available(
        backupd_cluster_factory, db):
    dep = backupd_cluster_factory(db=db, conf=SLOW)
    # Two backups side by side, both killed by one kill of the backup
    # service (a restart less than one each): one stays whole, one loses a
    # stored object.
    volume, whole, sha = _slow_backup(dep)
    _, broken, _ = _slow_backup(dep)
    _kill_after_data_before_available(dep, whole, broken)
    victim = sorted(n for n in bs.backup_files(dep, broken)
                    if n.startswith('chunk_'))[1]
    os.unlink(os.path.join(dep.state_path, 'backup', 'backups',
                           'backup_%s' % broken, victim))
    bs.restart_backup_service(dep)
    bs.wait_for(dep, 'backups', whole, 'error')
    assert bs.volume_status(dep, volume) == 'available'
    resp = dep.request('POST', '/backups/%s/action' % whole, admin=True,
                       json={'os-reset_status': {'status': 'available'}})
    assert resp.status_code == 202, resp.text
    shown = bs.wait_for(dep, 'backups', whole, 'available')
    assert shown['fail_reason'] is None and shown['object_count'] > 0
    target = bs.restore(dep, whole)
    assert bs.sha256_of(bs.volume_path(dep, target)) == sha

    # the same with one stored object removed: 400 naming it, error
    bs.wait_for(dep, 'backups', broken, 'error')
    resp = dep.request('POST', '/backups/%s/action' % broken, admin=True,
                       json={'os-reset_status': {'status': 'available'}})
    assert resp.status_code == 400, resp.text
    assert victim in resp.json()['badRequest']['message']
    shown = bs.wait_for(dep, 'backups', broken, 'error')
    assert victim in shown['fail_reason']


def test_force_delete_mid_creation_stops_and_leaves_nothing(shared):
    dep = shared.get('slow-chained', SLOW)
    volume, backup, _ = _slow_backup(dep, in_use=True)
    assert bs.volume_status(dep, volume) == 'backing-up'
    resp = dep.request('POST', '/backups/%s/action' % backup, admin=True,
                       json={'os-force_delete': {}})
    assert resp.status_code == 202, resp.text
    bs.wait_for(dep, 'backups', backup, (), gone_ok=True, timeout=60)
    _no_leftovers(dep, backup, volume)
    assert bs.volume_status(dep, volume) == 'in-use'
    bs.logged(dep, 'was force-deleted during its create')


def test_kill_during_create_then_restart_cleans_up(shared):
    dep = shared.get('slow-chained', SLOW)
    volume, backup, _ = _slow_backup(dep, in_use=True)
    dep.kill()
    dep.start()
    shown = bs.wait_for(dep, 'backups', backup, 'error')
    # reset once the dead process's lease expired (doc/reliability.rst)
    assert shown['fail_reason'].startswith('incomplete backup reset')
    bs.until(lambda: bs.temp_resources(dep, [volume]) == ([], []),
             what='temp snapshot removed')
    assert bs.volume_status(dep, volume) == 'in-use'
    # the half-written data is not restorable: verification says so
    resp = dep.request('POST', '/backups/%s/action' % backup, admin=True,
                       json={'os-reset_status': {'status': 'available'}})
    assert resp.status_code == 400, resp.text
    assert 'manifest' in resp.text
    # and an ordinary delete removes what it stored
    assert dep.request('DELETE', '/backups/%s' % backup).status_code == 202
    bs.wait_for(dep, 'backups', backup, (), gone_ok=True)
    _no_leftovers(dep, backup, volume)


def _long_restore(dep, seed):
    """(volume, its backup, the restore's new volume, the data's sha256)
    once the restore runs: made long by pacing (a deployment with
    bs.SLOW), not by mocks, nor by size (384 MiB of random data, before:
    seconds of CPU to write, back up and restore)."""
    volume = bs.create_volume(dep)
    sha = bs.write_pattern(bs.volume_path(dep, volume), seed=seed,
                           regions=bs.REGIONS)
    backup = bs.create_backup(dep, volume, wait='available')
    target = bs.accepted(dep, '/backups/%s/restore' % backup, {
        'restore': {}}).json()['restore']['volume_id']
    bs.until(lambda: bs.volume_status(dep, target) == 'restoring-backup',
             what='restore of %s running' % backup)
    return volume, backup, target, sha


def test_kill_during_restore_then_restart_cleans_up(shared):
    dep = shared.get('slow', bs.SLOW)
    _, backup, target, sha = _long_restore(dep, seed=6)
    dep.kill()
    dep.start()
    shown = bs.wait_for(dep, 'backups', backup, 'available')
    assert shown['status'] == 'available'
    assert bs.volume_status(dep, target) == 'error_restoring'
    bs.logged(dep, 'was restoring; now available')
    # the backup is intact: a new restore is byte-exact
    again = bs.restore(dep, backup)
    assert bs.sha256_of(bs.volume_path(dep, again)) == sha


def test_force_delete_mid_restore(shared):
    dep = shared.get('slow', bs.SLOW)
    volume, backup, target, _ = _long_restore(dep, seed=7)
    resp = dep.request('POST', '/backups/%s/action' % backup, admin=True,
                       json={'os-force_delete': {}})
    assert resp.status_code == 202, resp.text
    bs.wait_for(dep, 'backups', backup, (), gone_ok=True)
    assert bs.volume_status(dep, target) == 'error_restoring'
    assert bs.volume_status(dep, volume) == 'available'
    assert bs.backup_files(dep, backup) == []


def _one_at_a_time(shared):
    """(deployment with backup_max_operations = 1, the slow backup it
    runs, a second volume, its backup asked for meanwhile)."""
    conf = {'DEFAULT': dict(SLOW['DEFAULT'], backup_max_operations=1)}
    dep = shared.get('one-at-a-time', conf)
    _, first, _ = _slow_backup(dep)
    second_volume = bs.create_volume(dep)
    return dep, first, second_volume, bs.create_backup(
        dep, second_volume, wait=None)


def test_max_operations_queues_and_progress_is_recorded(shared):
    dep, first, _, second = _one_at_a_time(shared)

    def progress(backup):
        return bs.sql(dep, 'SELECT progress FROM backups WHERE id = :id',
                      id=backup)[0][0]
    bs.until(lambda: 0 < progress(first) < 100, timeout=30,
             what='progress of %s recorded mid-way' % first)
    assert bs.backup_files(dep, second) == []
    bs.logged(dep, 'Backup %s waits for one of the running' % second)
    bs.wait_for(dep, 'backups', first, 'available')
    assert progress(first) == 100
    bs.wait_for(dep, 'backups', second, 'available')


def test_force_delete_of_a_backup_waiting_for_its_turn(shared):
    dep, first, waiting_volume, waiting = _one_at_a_time(shared)
    bs.until(lambda: 'Backup %s waits for one' % waiting in dep.log(),
             what='backup %s queued' % waiting)
    resp = dep.request('POST', '/backups/%s/action' % waiting, admin=True,
                       json={'os-force_delete': {}})
    assert resp.status_code == 202, resp.text
    bs.wait_for(dep, 'backups', waiting, (), gone_ok=True, timeout=30)
    assert bs.volume_status(dep, waiting_volume) == 'available'
    bs.wait_for(dep, 'backups', first, 'available')
    assert bs.backup_files(dep, waiting) == []
