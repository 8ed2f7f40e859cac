"""Snapshot operations of the volume manager: create and delete."""
from oslo_log import log as logging

from backupd.db import api as db
from backupd.db import models
from backupd.db import retry
from backupd.db import snapshots as snapshot_db
from backupd import exception
from backupd.manager.volume import claims
from backupd.manager.volume import common
from backupd.manager.volume import volumes
from backupd.manager import states

LOG = logging.getLogger(__name__)
S = states.Snapshot


def create(manager, ctxt, snapshot_id):
    """Take the point-in-time copy of a ``creating`` snapshot row; returns
    the error message on failure, None on success."""
    snap = db.get(ctxt, models.Snapshot, snapshot_id)
    with common.volume_lock(snap.volume_id), claims.owning(
            manager, ctxt, models.Snapshot, snapshot_id,
            (S.CREATING,)) as mine:
        what = 'Creating snapshot %s of volume %s' % (snapshot_id,
                                                       snap.volume_id)
        if not mine:
            return volumes.stale(what, snap.status)
        notice = common.notifier(ctxt, 'snapshot', 'create',
                                 common.snapshot_payload, snap)
        notice('start')
        failed = common.driver_step(
            ctxt, models.Snapshot, snapshot_id, what,
            ('fail_create', S.ERROR), notice,
            lambda: (common.require_driver(manager).create_snapshot,
                     (snapshot_id, snap.volume_id)))
        if failed:
            return failed
        if not retry.call(common.change, ctxt, models.Snapshot, snapshot_id,
                          'finish_create', S.AVAILABLE, progress='100%'):
            LOG.warning('%s: the snapshot left "creating" meanwhile '
                        '(deleted?); its pending delete removes the data.',
                        what)
            return None
        notice('end', status=S.AVAILABLE)
        return None


def delete(manager, ctxt, snapshot_id):
    """Remove a ``deleting`` snapshot's data, then its row."""
    try:
        snap = db.get(ctxt, models.Snapshot, snapshot_id)
    except exception.SnapshotNotFound:
        LOG.info('Snapshot %s is already deleted.', snapshot_id)
        return
    with common.volume_lock(snap.volume_id), claims.owning(
            manager, ctxt, models.Snapshot, snapshot_id,
            (S.DELETING,)) as mine:
        if not mine:
            return
        what = 'Deleting snapshot %s of volume %s' % (snapshot_id,
                                                       snap.volume_id)
        notice = common.notifier(ctxt, 'snapshot', 'delete',
                                 common.snapshot_payload, snap)
        notice('start')
        if common.driver_step(
                ctxt, models.Snapshot, snapshot_id, what,
                ('fail_delete', S.ERROR_DELETING), notice,
                lambda: (common.require_driver(manager).delete_snapshot,
                         (snapshot_id, snap.volume_id))):
            return
        if not retry.call(snapshot_db.destroy, ctxt, snapshot_id,
                          S.FROM['finish_delete']):
            LOG.warning('%s: the snapshot left "deleting" meanwhile; row '
                        'kept.', what)
            return
        notice('end', status='deleted')
