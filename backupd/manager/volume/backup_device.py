"""What a backup reads, and the temporary resources behind it.

The backup service records a temp id on its backup row BEFORE asking for
the device, so a crash between here and there is repaired by removing that
id; :func:`remove` therefore accepts ids whose rows were never created.
Temporary rows carry ``is_temporary`` and never show in the API.

Changed-block tracking (issue 19): a backup's temporary snapshot may be
kept as the *base* of the next incremental (the backup row then names it
in ``base_snapshot_id``); :func:`track_changes` asks the driver what changed
since such a base. Bases are temporary snapshots like the others: hidden,
removed with :func:`remove`.
"""
from oslo_log import log as logging

from backupd.db import api as db
from backupd.db import models
from backupd.db import snapshots as snapshot_db
from backupd.db import volumes as volume_db
from backupd.drivers.volume import base as volume_base
from backupd import exception
from backupd.manager.volume import common
from backupd.manager import states

LOG = logging.getLogger(__name__)


def capabilities(manager):
    """What the volume service answers over RPC: the driver's ``supports_*``
    flags without the prefix (``snapshot_local_path``, ``reflink``,
    ``change_tracking``), read by the backup service."""
    return common.require_driver(manager).capabilities()


def track_changes(manager, ctxt, volume_id, snapshot_id,
                  base_snapshot_id=None, base_identity=None):
    """``{'identity', 'ranges', 'reason'}`` for the backup reading temporary
    snapshot ``snapshot_id``: its identity (None when the driver cannot
    give one) and the ``[offset, length]`` ranges that changed since the
    base (None, with the reason, when there is no base or the driver
    cannot tell)."""
    driver = common.require_driver(manager)
    answer = {'identity': None, 'ranges': None, 'reason': None}
    if not driver.supports_change_tracking:
        answer['reason'] = ('volume driver %s cannot track changed blocks '
                            'here' % driver.driver_name)
        return answer
    try:
        snap = _existing(ctxt, models.Snapshot, snapshot_id)
    except exception.InvalidInput:
        snap = None
    if snap is None or snap.volume_id != volume_id:
        answer['reason'] = ('snapshot %s is not a temporary snapshot of '
                            'volume %s' % (snapshot_id, volume_id))
        return answer
    try:
        answer['identity'] = common.run_native(
            driver.snapshot_identity, snapshot_id, volume_id)
        if base_snapshot_id is None:
            answer['reason'] = 'no base snapshot to compare with'
            return answer
        try:
            base = _existing(ctxt, models.Snapshot, base_snapshot_id)
        except exception.InvalidInput:
            base = None
        if base is None or base.volume_id != volume_id or \
                base.status != states.Snapshot.AVAILABLE:
            answer['reason'] = ('base snapshot %s of volume %s is gone'
                                % (base_snapshot_id, volume_id))
            return answer
        answer['ranges'] = common.run_native(
            driver.changed_ranges, base_snapshot_id, base_identity,
            snapshot_id, volume_id)
    except volume_base.CannotTrackChanges as e:
        answer['reason'] = e.msg
    return answer


def get(manager, ctxt, volume_id, snapshot_id=None, temp_snapshot_id=None,
        temp_volume_id=None):
    """``{'path': ...}``: the snapshot, a new temporary snapshot, a new
    temporary clone, or the volume itself (in that order of precedence)."""
    driver = common.require_driver(manager)
    volume = db.get(ctxt, models.Volume, volume_id)
    if snapshot_id:
        snap = db.get(ctxt, models.Snapshot, snapshot_id)
        path = common.run_native(driver.snapshot_path, snap.id, volume.id)
    elif temp_snapshot_id:
        path = _temp_snapshot(ctxt, driver, volume, temp_snapshot_id)
    elif temp_volume_id:
        path = _temp_volume(manager, ctxt, driver, volume, temp_volume_id)
    else:
        path = common.run_native(driver.local_path, volume.id)
    return {'path': path}


def _temp_snapshot(ctxt, driver, volume, snapshot_id):
    with common.volume_lock(volume.id):
        snap = _existing(ctxt, models.Snapshot, snapshot_id)
        if snap is None:
            snap = db.create(ctxt, models.Snapshot, {
                'id': snapshot_id, 'volume_id': volume.id,
                'user_id': volume.user_id, 'project_id': volume.project_id,
                'status': states.Snapshot.CREATING, 'progress': '0%',
                'volume_size': volume.size, 'is_temporary': True,
                'display_name': 'backup-snapshot-%s' % volume.id})
        if snap.status != states.Snapshot.AVAILABLE:
            _build(ctxt, models.Snapshot, snapshot_id,
                   'temporary snapshot %s of volume %s' % (snapshot_id,
                                                           volume.id),
                   driver.create_snapshot, snapshot_id, volume.id)
        return common.run_native(driver.snapshot_path, snapshot_id, volume.id)


def _temp_volume(manager, ctxt, driver, volume, clone_id):
    with common.volume_lock(volume.id):
        clone = _existing(ctxt, models.Volume, clone_id)
        if clone is None:
            clone = volume_db.create(ctxt, {
                'id': clone_id, 'user_id': volume.user_id,
                'project_id': volume.project_id, 'host': manager.host,
                'size': volume.size,
                'availability_zone': volume.availability_zone,
                'status': states.Volume.CREATING, 'source_volid': volume.id,
                'is_temporary': True,
                'display_name': 'backup-clone-%s' % volume.id})
        if clone.status != states.Volume.AVAILABLE:
            _build(ctxt, models.Volume, clone_id,
                   'temporary clone %s of volume %s' % (clone_id, volume.id),
                   driver.create_cloned_volume, clone_id, volume.size,
                   volume.id)
        return common.run_native(driver.local_path, clone_id)


def _existing(ctxt, model, row_id):
    try:
        row = db.get(ctxt, model, row_id)
    except exception.NotFound:
        return None
    if not row.is_temporary:
        raise exception.InvalidInput(
            reason='%s %s exists and is not a backup\'s temporary resource; '
                   'use a new id.' % (model.__tablename__[:-1], row_id))
    return row


def _build(ctxt, model, row_id, what, method, *args):
    try:
        common.run_native(method, *args)
    except Exception as e:
        common.fail(ctxt, model, row_id, 'fail_create',
                    common.table_of(model).ERROR, e, 'Creating %s' % what)
        raise exception.VolumeDriverError(
            reason='Cannot create %s: %s' % (what, e))
    if not common.change(ctxt, model, row_id, 'finish_create',
                         common.table_of(model).AVAILABLE):
        raise exception.VolumeDriverError(
            reason='%s left "creating" while it was being made' % what)
    LOG.info('Created %s.', what)


def remove(manager, ctxt, temp_snapshot_id=None, temp_volume_id=None):
    """Delete a backup's temporary snapshot and/or clone; idempotent."""
    driver = common.require_driver(manager)
    if temp_snapshot_id:
        snap = _existing(ctxt, models.Snapshot, temp_snapshot_id)
        if snap is not None:
            with common.volume_lock(snap.volume_id):
                _remove(ctxt, models.Snapshot, snap.id, snapshot_db.destroy,
                        driver.delete_snapshot, snap.id, snap.volume_id)
    if temp_volume_id:
        clone = _existing(ctxt, models.Volume, temp_volume_id)
        if clone is not None:
            with common.volume_lock(clone.id):
                _remove(ctxt, models.Volume, clone.id, volume_db.destroy,
                        driver.delete_volume, clone.id)


def _remove(ctxt, model, row_id, destroy, method, *args):
    table = common.table_of(model)
    common.change(ctxt, model, row_id, 'remove_temporary', table.DELETING)
    try:
        common.run_native(method, *args)
    except Exception as e:
        common.fail(ctxt, model, row_id, 'fail_delete', table.ERROR_DELETING,
                    e, 'Removing temporary %s' % row_id)
        raise
    destroy(ctxt, row_id, (table.DELETING,))
    LOG.info('Removed temporary %s %s.', model.__tablename__[:-1], row_id)
