"""The volume manager's operations on a real SQLite database and the real
file driver (sparse files under tmp_path; the ``ctx`` and ``manager``
fixtures of tests/fixtures/volume_manager.py); no RPC, no mocks.

Driver failures are real: a snapshot file removed behind the manager's back
makes a create-from-snapshot fail exactly as a lost file would.
"""
import datetime
import os

import pytest

from backupd.db import api as db
from backupd.db import models
from backupd.db import snapshots as snapshot_db
from backupd.db import volumes as volume_db
from backupd import exception
from backupd.manager import states
from backupd.manager.volume import cleanup as volume_cleanup
from backupd.manager.volume import manager as volume_manager
from backupd.manager.volume import reconcile as volume_reconcile
from tests.helpers.files import read_at
from tests.helpers.files import write_at
from tests.helpers.volume_manager import HOST
from tests.helpers.volume_manager import manager_conf
from tests.helpers.volume_manager import new_snapshot
from tests.helpers.volume_manager import new_volume

GiB = 1024 ** 3
V = states.Volume
S = states.Snapshot


def status(ctx, model, row_id):
    return db.get(ctx, model, row_id).status


def path_of(manager, volume_id):
    return manager.driver.local_path(volume_id)


def test_create_empty_volume(manager, ctx):
    vid = new_volume(ctx, size=2)
    manager.create_volume(ctx, vid)
    assert status(ctx, models.Volume, vid) == V.AVAILABLE
    assert os.stat(path_of(manager, vid)).st_size == 2 * GiB
    assert db.get(ctx, models.Volume, vid).launched_at is not None


def test_snapshot_then_volume_from_it_and_clone(manager, ctx):
    vid = new_volume(ctx)
    manager.create_volume(ctx, vid)
    write_at(path_of(manager, vid), 4096, b'before')
    sid = new_snapshot(ctx, vid)
    manager.create_snapshot(ctx, sid)
    assert status(ctx, models.Snapshot, sid) == S.AVAILABLE
    write_at(path_of(manager, vid), 4096, b'after!')

    from_snap = new_volume(ctx, size=2, snapshot_id=sid)
    manager.create_volume(ctx, from_snap)
    assert read_at(path_of(manager, from_snap), 4096, 6) == b'before'
    assert os.stat(path_of(manager, from_snap)).st_size == 2 * GiB

    clone = new_volume(ctx, source_volid=vid)
    manager.create_volume(ctx, clone)
    assert read_at(path_of(manager, clone), 4096, 6) == b'after!'


def test_driver_failure_leaves_error_not_creating(manager, ctx):
    vid = new_volume(ctx)
    manager.create_volume(ctx, vid)
    sid = new_snapshot(ctx, vid)
    manager.create_snapshot(ctx, sid)
    os.unlink(manager.driver.snapshot_path(sid, vid))  # the data is lost
    broken = new_volume(ctx, snapshot_id=sid)
    manager.create_volume(ctx, broken)
    assert status(ctx, models.Volume, broken) == V.ERROR
    with pytest.raises(exception.VolumeDriverError):
        manager.create_volume_sync(ctx, new_volume(ctx, snapshot_id=sid))


def test_delete_with_cascade_removes_snapshots_and_data(manager, ctx):
    vid = new_volume(ctx)
    manager.create_volume(ctx, vid)
    sid = new_snapshot(ctx, vid)
    manager.create_snapshot(ctx, sid)
    assert volume_db.begin_delete(ctx, vid, (V.DELETING, V.FROM['delete']),
                                  (S.DELETING, S.FROM['cascade_delete']))
    manager.delete_volume(ctx, vid, cascade=True)
    with pytest.raises(exception.VolumeNotFound):
        db.get(ctx, models.Volume, vid)
    with pytest.raises(exception.SnapshotNotFound):
        db.get(ctx, models.Snapshot, sid)
    assert not os.listdir(manager.conf.volumes_dir)
    manager.delete_volume(ctx, vid)  # again: already gone is fine


def test_delete_refused_while_snapshots_exist(manager, ctx):
    vid = new_volume(ctx, status=V.AVAILABLE)
    new_snapshot(ctx, vid, status=S.AVAILABLE)
    with pytest.raises(exception.InvalidState, match='snapshot'):
        volume_db.begin_delete(ctx, vid, (V.DELETING, V.FROM['delete']))
    assert status(ctx, models.Volume, vid) == V.AVAILABLE  # rolled back


def test_snapshot_create_refused_once_volume_is_deleting(ctx):
    vid = new_volume(ctx, status=V.DELETING)
    assert snapshot_db.create(ctx, {'id': 's', 'volume_id': vid,
                                    'status': S.CREATING},
                              V.FROM['snapshot']) is None


def test_extend_and_failed_extend(manager, ctx):
    vid = new_volume(ctx)
    manager.create_volume(ctx, vid)
    db.conditional_update(ctx, models.Volume, vid, {'status': V.EXTENDING},
                          {'status': V.FROM['extend']})
    manager.extend_volume(ctx, vid, 3)
    row = db.get(ctx, models.Volume, vid)
    assert (row.status, row.size) == (V.AVAILABLE, 3)
    assert os.stat(path_of(manager, vid)).st_size == 3 * GiB
    db.conditional_update(ctx, models.Volume, vid, {'status': V.EXTENDING},
                          {'status': V.FROM['extend']})
    manager.extend_volume(ctx, vid, 2)  # the driver refuses to shrink
    row = db.get(ctx, models.Volume, vid)
    assert (row.status, row.size) == (V.ERROR_EXTENDING, 3)


def test_backup_device_forms(manager, ctx):
    assert manager.capabilities(ctx) == {'snapshot_local_path': True,
                                         'reflink': False,
                                         'change_tracking': False}
    vid = new_volume(ctx)
    manager.create_volume(ctx, vid)
    write_at(path_of(manager, vid), 0, b'data at snapshot time')
    plain = manager.get_backup_device(ctx, vid)
    assert plain == {'path': path_of(manager, vid)}
    assert manager.get_volume_path(ctx, vid) == plain['path']

    temp = manager.get_backup_device(ctx, vid, temp_snapshot_id='tmp-snap')
    snap = db.get(ctx, models.Snapshot, 'tmp-snap')
    assert snap.is_temporary and snap.status == S.AVAILABLE
    write_at(path_of(manager, vid), 0, b'DATA AFTER SNAPSHOT!!')
    assert read_at(temp['path'], 0, 21) == b'data at snapshot time'
    # asking again (a retry) returns the same snapshot
    assert manager.get_backup_device(
        ctx, vid, temp_snapshot_id='tmp-snap') == temp

    clone = manager.get_backup_device(ctx, vid, temp_volume_id='tmp-vol')
    row = db.get(ctx, models.Volume, 'tmp-vol')
    assert row.is_temporary and row.status == V.AVAILABLE
    assert read_at(clone['path'], 0, 21) == b'DATA AFTER SNAPSHOT!!'

    from_snap = manager.get_backup_device(ctx, vid, snapshot_id='tmp-snap')
    assert from_snap == temp

    manager.remove_backup_device(ctx, temp_snapshot_id='tmp-snap',
                                 temp_volume_id='tmp-vol')
    assert not os.path.exists(temp['path'])
    assert not os.path.exists(clone['path'])
    # idempotent, and ids whose rows were never created are fine
    manager.remove_backup_device(ctx, temp_snapshot_id='tmp-snap',
                                 temp_volume_id='never-created')


def test_remove_backup_device_refuses_real_resources(manager, ctx):
    vid = new_volume(ctx)
    manager.create_volume(ctx, vid)
    with pytest.raises(exception.InvalidInput, match='not a backup'):
        manager.remove_backup_device(ctx, temp_volume_id=vid)
    assert status(ctx, models.Volume, vid) == V.AVAILABLE


#: what a killed operation leaves on its row: the lease of a dead process
DEAD = {'lease_owner': 'node/backupd-volume/1/dead',
        'lease_expires_at': datetime.datetime(2000, 1, 1)}


def test_cleanup_repairs_what_a_crash_left(manager, ctx):
    creating = new_volume(ctx, **DEAD)
    extending = new_volume(ctx, status=V.EXTENDING, **DEAD)
    # never claimed: its request may still wait in the queue
    queued = new_volume(ctx)
    doomed = new_volume(ctx)
    manager.create_volume(ctx, doomed)
    db.conditional_update(ctx, models.Volume, doomed, {'status': V.DELETING},
                          {'status': V.FROM['delete']})
    elsewhere = new_volume(ctx, host='other-node')
    base_volume = new_volume(ctx)
    manager.create_volume(ctx, base_volume)
    stuck_snapshot = new_snapshot(ctx, base_volume)
    db.update(ctx, models.Snapshot, stuck_snapshot, DEAD)
    manager.cleanup(ctx)
    manager.cleanup(ctx)  # idempotent
    assert status(ctx, models.Volume, creating) == V.ERROR
    assert status(ctx, models.Volume, extending) == V.ERROR_EXTENDING
    with pytest.raises(exception.VolumeNotFound):
        db.get(ctx, models.Volume, doomed)
    assert not os.path.exists(path_of(manager, doomed))
    assert status(ctx, models.Volume, elsewhere) == V.CREATING
    assert status(ctx, models.Snapshot, stuck_snapshot) == S.ERROR
    assert status(ctx, models.Volume, queued) == V.CREATING


@pytest.mark.parametrize('repair_pass', ['cleanup', 'reconciler'])
def test_a_row_a_pass_cannot_repair_does_not_stop_the_others(
        manager, ctx, monkeypatch, repair_pass):
    """Fault injection (the only way to make a repair raise for one row):
    the first stuck volume's reset raises; the pass still repairs the
    next one, and the next pass the first."""
    # stopped long ago: what the reconciler calls abandoned
    stuck = [new_volume(ctx, created_at=DEAD['lease_expires_at'],
                        updated_at=DEAD['lease_expires_at'], **DEAD)
             for _ in range(2)]
    real, failed = volume_cleanup.reset, []

    def first_one_fails(ctxt, model, row, *args, **kwargs):
        if not failed:
            failed.append(row.id)
            raise RuntimeError('injected fault')
        return real(ctxt, model, row, *args, **kwargs)
    monkeypatch.setattr(volume_cleanup, 'reset', first_one_fails)
    run = {'cleanup': manager.cleanup,
           'reconciler': lambda c: volume_reconcile.run(manager, c)
           }[repair_pass]
    run(ctx)
    other, = set(stuck) - set(failed)
    assert status(ctx, models.Volume, failed[0]) == V.CREATING
    assert status(ctx, models.Volume, other) == V.ERROR
    # the reconciler took the row's lease before the fault and gave it
    # back: the row counts as abandoned again a lease later
    db.update(ctx, models.Volume, failed[0],
              {'updated_at': DEAD['lease_expires_at']})
    run(ctx)
    assert status(ctx, models.Volume, failed[0]) == V.ERROR


def test_operations_without_a_ready_driver_fail_cleanly(ctx, tmp_path):
    manager = volume_manager.VolumeManager(manager_conf(tmp_path), HOST)
    vid = new_volume(ctx)
    manager.create_volume(ctx, vid)
    assert status(ctx, models.Volume, vid) == V.ERROR
    with pytest.raises(exception.DriverNotInitialized):
        manager.capabilities(ctx)


def test_temporary_resources_are_invisible_to_the_api_queries(manager, ctx):
    from backupd.db import resources
    vid = new_volume(ctx)
    manager.create_volume(ctx, vid)
    manager.get_backup_device(ctx, vid, temp_snapshot_id='t-snap')
    manager.get_backup_device(ctx, vid, temp_volume_id='t-vol')
    with pytest.raises(exception.SnapshotNotFound):
        resources.get(ctx, models.Snapshot, 't-snap')
    with pytest.raises(exception.VolumeNotFound):
        resources.get(ctx, models.Volume, 't-vol')
    assert [v.id for v in resources.get_all(ctx, models.Volume, None)] == [
        vid]
    assert resources.get_all(ctx, models.Snapshot, None) == []
    assert resources.count(ctx, models.Volume, 'p') == 1
