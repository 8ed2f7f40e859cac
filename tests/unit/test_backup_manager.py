"""The backup manager's operations on a real SQLite database, the real
POSIX backup driver and the real volume manager (file driver) under
tmp_path. The volume manager is called in-process where a service would
call it over RPC; no behaviour is mocked.

The operations are called directly and return when done, so the tests
read top to bottom: rows in, operation, rows out.
"""
import datetime
import json
import time

import eventlet
from oslo_config import cfg
import pytest

from backupd import conf as backupd_conf
from backupd import context as backupd_context
from backupd.db import api as db
from backupd.db import models
from backupd.db import volumes as volume_db
from backupd.manager.backup import cleanup
from backupd.manager.backup import create
from backupd.manager.backup import manager as backup_manager
from backupd.manager.backup import restore
from backupd.manager import states
from backupd.manager.volume import manager as volume_manager
from tests.helpers import db_support

B = states.Backup
V = states.Volume
HOST = 'node1'
MiB = 1024 * 1024


class InProcessVolumeAPI:
    """The volume manager's RPC 1.2 methods, called directly."""

    def __init__(self, manager):
        self.manager = manager

    def capabilities(self, ctxt, host):
        return self.manager.capabilities(ctxt)

    def get_backup_device(self, ctxt, host, volume_id, **kw):
        return self.manager.get_backup_device(ctxt, volume_id, **kw)

    def remove_backup_device(self, ctxt, host, **kw):
        return self.manager.remove_backup_device(ctxt, **kw)

    def get_volume_path(self, ctxt, host, volume_id):
        return self.manager.get_volume_path(ctxt, volume_id)

    def create_volume_sync(self, ctxt, host, volume_id):
        return self.manager.create_volume_sync(ctxt, volume_id)


@pytest.fixture
def ctx(tmp_path):
    with db_support.migrated('sqlite:///%s' % (tmp_path / 'backupd.sqlite')):
        yield backupd_context.get_admin_context()


@pytest.fixture
def managers(ctx, tmp_path):
    conf = cfg.ConfigOpts()
    backupd_conf.register_all(conf)
    conf([], project='backupd-test')
    conf.set_override('state_path', str(tmp_path))
    volumes = volume_manager.VolumeManager(conf, HOST)
    assert volumes.init_driver(ctx), volumes.not_ready_reason
    backups = backup_manager.BackupManager(
        conf, HOST, volume_rpc=InProcessVolumeAPI(volumes))
    assert backups.init_driver(ctx), backups.not_ready_reason
    return volumes, backups


def _volume(ctx, volumes, status=V.AVAILABLE, data=b'hello' * 1000):
    row = volume_db.create(ctx, {'size': 1, 'status': V.CREATING,
                                 'host': HOST, 'project_id': 'p',
                                 'user_id': 'u', 'id': 'vol-%d' % len(
                                     db.get_all(ctx, models.Volume, {}))})
    volumes.create_volume_sync(ctx, row.id)
    with open(volumes.driver.local_path(row.id), 'r+b') as f:
        f.write(data)
    if status != V.AVAILABLE:
        db.conditional_update(ctx, models.Volume, row.id, {'status': status},
                              {'status': V.AVAILABLE})
    return row.id


def _backup_row(ctx, volume_id, **values):
    """What the API leaves: volume backing-up, backup creating."""
    volume = db.get(ctx, models.Volume, volume_id)
    assert db.conditional_update(
        ctx, models.Volume, volume_id,
        {'status': V.BACKING_UP, 'previous_status': volume.status},
        {'status': volume.status})
    return db.create(ctx, models.Backup, dict({
        'id': 'bk-%d' % len(db.get_all(ctx, models.Backup, {})),
        'volume_id': volume_id, 'host': HOST, 'status': B.CREATING,
        'size': 1, 'project_id': 'p', 'user_id': 'u'}, **values)).id


def _row(ctx, model, row_id):
    return db.get(ctx, model, row_id, include_deleted=True)


def _until(predicate, what, timeout=30):
    """Yield to the hub (green threads, tpool) until ``predicate()``."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, 'timed out waiting for ' + what
        eventlet.sleep(0.05)


def _temp_rows(ctx):
    return [r.id for m in (models.Snapshot, models.Volume)
            for r in db.get_all(ctx, m, {'is_temporary': True})]


def test_create_of_an_in_use_volume_reads_a_temp_snapshot(ctx, managers):
    volumes, backups = managers
    volume = _volume(ctx, volumes, status=V.IN_USE)
    backup = _backup_row(ctx, volume)
    create.run(backups, ctx, backup)
    row = _row(ctx, models.Backup, backup)
    assert (row.status, row.progress, row.fail_reason) == (B.AVAILABLE, 100,
                                                            None)
    assert row.service_metadata and row.object_count >= 1
    assert (row.temp_snapshot_id, row.temp_volume_id) == (None, None)
    assert _row(ctx, models.Volume, volume).status == V.IN_USE
    assert _temp_rows(ctx) == []


def test_restore_to_a_new_volume_and_a_failed_restore(ctx, managers,
                                                      tmp_path):
    volumes, backups = managers
    data = b'\x5a' * (3 * MiB)
    volume = _volume(ctx, volumes, data=data)
    backup = _backup_row(ctx, volume)
    create.run(backups, ctx, backup)

    target = volume_db.create(ctx, {'size': 1, 'status': V.CREATING,
                                    'host': HOST, 'project_id': 'p',
                                    'id': 'target'}).id
    db.conditional_update(ctx, models.Backup, backup,
                          {'status': B.RESTORING,
                           'restore_volume_id': target},
                          {'status': B.AVAILABLE})
    restore.run(backups, ctx, backup, target)
    assert _row(ctx, models.Volume, target).status == V.AVAILABLE
    assert _row(ctx, models.Backup, backup).status == B.AVAILABLE
    with open(volumes.driver.local_path(target), 'rb') as f:
        assert f.read(len(data)) == data

    # a stored chunk damaged: the restore fails, the volume says so, the
    # backup goes back to available
    container = tmp_path / 'backup' / 'backups'
    stored = json.loads((container / ('backup_%s' % backup) / 'manifest')
                        .read_bytes())
    chunk = container / stored['chunks'][0]['layers'][0][0]
    chunk.write_bytes(b'garbage' + chunk.read_bytes()[7:])
    other = _volume(ctx, volumes)
    db.conditional_update(ctx, models.Volume, other,
                          {'status': V.RESTORING_BACKUP},
                          {'status': V.AVAILABLE})
    db.conditional_update(ctx, models.Backup, backup,
                          {'status': B.RESTORING}, {'status': B.AVAILABLE})
    restore.run(backups, ctx, backup, other)
    assert _row(ctx, models.Volume, other).status == V.ERROR_RESTORING
    assert _row(ctx, models.Backup, backup).status == B.AVAILABLE


#: what a killed run leaves on its row: the lease of a dead process
DEAD = {'lease_owner': 'node/backupd-backup/1/dead',
        'lease_expires_at': datetime.datetime(2000, 1, 1)}


def test_cleanup_repairs_each_stuck_status_once(ctx, managers):
    volumes, backups = managers
    # creating, killed after recording a temp snapshot id it never made
    in_use = _volume(ctx, volumes, status=V.IN_USE)
    creating = _backup_row(ctx, in_use, temp_snapshot_id='never-made',
                           **DEAD)
    # creating, never claimed: its request may still be queued
    queued = _backup_row(ctx, _volume(ctx, volumes))
    # restoring, killed mid-way
    source = _volume(ctx, volumes)
    restored = _backup_row(ctx, source)
    create.run(backups, ctx, restored)
    target = _volume(ctx, volumes, status=V.RESTORING_BACKUP)
    db.conditional_update(ctx, models.Backup, restored,
                          dict(DEAD, status=B.RESTORING,
                               restore_volume_id=target),
                          {'status': B.AVAILABLE})
    # deleting, killed before the driver delete
    doomed = _backup_row(ctx, _volume(ctx, volumes))
    create.run(backups, ctx, doomed)
    db.conditional_update(ctx, models.Backup, doomed,
                          {'status': B.DELETING,
                           'previous_status': B.AVAILABLE},
                          {'status': B.AVAILABLE})

    for _ in range(2):                 # idempotent
        cleanup.run(backups, ctx)
        # the resumed delete runs in its own green thread (its storage
        # delete on a native one): wait for its end, not a fixed time
        _until(lambda: _row(ctx, models.Backup, doomed).deleted,
               'the resumed delete of %s' % doomed)
    row = _row(ctx, models.Backup, creating)
    assert (row.status, row.fail_reason) == (B.ERROR, cleanup.INCOMPLETE)
    assert row.temp_snapshot_id is None
    assert _row(ctx, models.Volume, in_use).status == V.IN_USE
    assert _row(ctx, models.Backup, restored).status == B.AVAILABLE
    assert _row(ctx, models.Volume, target).status == V.ERROR_RESTORING
    assert _row(ctx, models.Backup, doomed).deleted
    assert _row(ctx, models.Backup, queued).status == B.CREATING


def test_create_reads_a_temp_clone_when_snapshots_have_no_path(ctx,
                                                               managers):
    # The file driver exposes snapshot paths; told otherwise (a capability
    # flag, as a driver without them would declare), the backup reads a
    # temporary clone instead, and removes it.
    volumes, backups = managers
    volumes.driver.supports_snapshot_local_path = False
    data = b'\x17' * MiB
    volume = _volume(ctx, volumes, status=V.IN_USE, data=data)
    backup = _backup_row(ctx, volume)
    create.run(backups, ctx, backup)
    row = _row(ctx, models.Backup, backup)
    assert row.status == B.AVAILABLE
    assert (row.temp_snapshot_id, row.temp_volume_id) == (None, None)
    assert _temp_rows(ctx) == []
    assert _row(ctx, models.Volume, volume).status == V.IN_USE
    with db.reader.using(ctx):
        clones = ctx.session.query(models.Volume).filter_by(
            is_temporary=True).all()
    assert [c.deleted for c in clones] == [True]    # made, used, removed


def test_no_reset_to_available_while_a_delete_removes_the_data(ctx,
                                                               managers):
    """An admin may reset a deleting backup to error mid-delete, but not
    then to available while the delete still runs: its verification could
    pass before the run removes the rest. The delete run is registered
    exactly as delete.run registers it (pausing a real one mid-removal is
    not deterministic); the data is still whole, so only the rule refuses.
    """
    from backupd.manager.backup import work
    volumes, backups = managers
    backup = _backup_row(ctx, _volume(ctx, volumes))
    create.run(backups, ctx, backup)
    assert db.conditional_update(ctx, models.Backup, backup,
                                 {'status': B.DELETING},
                                 {'status': B.AVAILABLE})
    with backups.runs.registered(work.Run(backup, 'delete', B.DELETING)):
        assert backups.reset_status(ctx, backup, B.ERROR)['ok']
        refused = backups.reset_status(ctx, backup, B.AVAILABLE)
        assert (refused['ok'], refused['conflict']) == (False, True)
        assert 'still being deleted by backup service %s' % HOST in \
            refused['reason']
        assert _row(ctx, models.Backup, backup).status == B.ERROR
    # the run is over (here: it never removed anything): verified, available
    done = backups.reset_status(ctx, backup, B.AVAILABLE)
    assert done['ok'], done
    assert _row(ctx, models.Backup, backup).status == B.AVAILABLE


def test_a_row_the_cleanup_cannot_repair_does_not_stop_the_others(
        ctx, managers, monkeypatch):
    """Fault injection (the only way to make a repair raise for one row):
    the first stuck backup's repair raises; the pass still repairs the
    next, and the next pass the first."""
    volumes, backups = managers
    stuck = [_backup_row(ctx, _volume(ctx, volumes), **DEAD)
             for _ in range(2)]
    real, failed = cleanup._creating, []

    def first_one_fails(mgr, context, row, *args):
        if not failed:
            failed.append(row.id)
            raise RuntimeError('injected fault')
        return real(mgr, context, row, *args)
    monkeypatch.setattr(cleanup, '_creating', first_one_fails)
    cleanup.run(backups, ctx)
    other, = set(stuck) - set(failed)
    assert _row(ctx, models.Backup, failed[0]).status == B.CREATING
    assert _row(ctx, models.Backup, other).status == B.ERROR
    cleanup.run(backups, ctx)
    assert _row(ctx, models.Backup, failed[0]).status == B.ERROR
