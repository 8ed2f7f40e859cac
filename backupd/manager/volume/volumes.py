"""Volume operations of the volume manager: create, delete, extend, attach.

Each reads top to bottom: load the row, do the driver work in a native
thread, then one compare-and-swap to the result status. A driver failure
leaves the error status of that operation with the reason in the log, never
``creating``/``deleting``/``extending``.
"""
from oslo_log import log as logging
from oslo_utils import timeutils

from backupd.db import api as db
from backupd.db import models
from backupd.db import retry
from backupd.db import quotas
from backupd.db import snapshots as snapshot_db
from backupd.db import volumes as volume_db
from backupd import exception
from backupd.manager.volume import claims
from backupd.manager.volume import common
from backupd.manager import states

LOG = logging.getLogger(__name__)
V = states.Volume


def create(manager, ctxt, volume_id):
    """Build the driver volume of a ``creating`` row; returns the error
    message on failure, None on success."""
    with common.volume_lock(volume_id), claims.owning(
            manager, ctxt, models.Volume, volume_id, (V.CREATING,)) as mine:
        volume = db.get(ctxt, models.Volume, volume_id)
        what = 'Creating volume %s' % volume_id
        if not mine:
            return stale(what, volume.status)
        notice = common.notifier(ctxt, 'volume', 'create',
                                 common.volume_payload, volume)
        notice('start')
        failed = common.driver_step(
            ctxt, models.Volume, volume_id, what, ('fail_create', V.ERROR),
            notice, lambda: _builder(ctxt, common.require_driver(manager),
                                     volume))
        if failed:
            return failed
        if not retry.call(common.change, ctxt, models.Volume, volume_id,
                          'finish_create', V.AVAILABLE,
                          launched_at=timeutils.utcnow()):
            LOG.warning('%s: the volume left "creating" meanwhile (deleted?); '
                        'its pending delete removes the data.', what)
            return None
        notice('end', status=V.AVAILABLE)
        LOG.info('Volume %s (%d GiB) created.', volume_id, volume.size)
        return None


def stale(what, current):
    """A request that arrives after its row moved on (e.g. a cast queued
    while this service was down, and cleanup set the row to error)."""
    message = '%s skipped: the row is \'%s\' now' % (what, current)
    LOG.warning('%s.', message)
    return message


def _builder(ctxt, driver, volume):
    """(driver method, args) that builds ``volume`` from its source."""
    if volume.snapshot_id:
        snap = db.get(ctxt, models.Snapshot, volume.snapshot_id)
        return driver.create_volume_from_snapshot, (
            volume.id, volume.size, snap.id, snap.volume_id)
    if volume.source_volid:
        return driver.create_cloned_volume, (volume.id, volume.size,
                                             volume.source_volid)
    return driver.create_volume, (volume.id, volume.size)


def delete(manager, ctxt, volume_id, cascade=False):
    """Remove a ``deleting`` volume's data (and, with cascade, its
    ``deleting`` snapshots), then its row."""
    with common.volume_lock(volume_id), claims.owning(
            manager, ctxt, models.Volume, volume_id, (V.DELETING,)) as mine:
        try:
            volume = db.get(ctxt, models.Volume, volume_id)
        except exception.VolumeNotFound:
            LOG.info('Volume %s is already deleted.', volume_id)
            return
        if not mine:
            return
        what = 'Deleting volume %s' % volume_id
        notice = common.notifier(ctxt, 'volume', 'delete',
                                 common.volume_payload, volume)
        notice('start')

        def step():
            driver = common.require_driver(manager)
            _delete_snapshots(ctxt, driver, volume_id, cascade)
            return driver.delete_volume, (volume_id,)
        if common.driver_step(ctxt, models.Volume, volume_id, what,
                              ('fail_delete', V.ERROR_DELETING), notice,
                              step):
            return
        if not retry.call(volume_db.destroy, ctxt, volume_id,
                          V.FROM['finish_delete']):
            LOG.warning('%s: the volume left "deleting" meanwhile; row kept.',
                        what)
            return
        notice('end', status='deleted')
        LOG.info('Volume %s deleted.', volume_id)


def _delete_snapshots(ctxt, driver, volume_id, cascade):
    """The volume's ``deleting`` snapshots: every one with cascade, else
    only the hidden ones (changed-block tracking's bases)."""
    wanted = {'volume_id': volume_id, 'status': states.Snapshot.DELETING}
    if not cascade:
        wanted['is_temporary'] = True
    doomed = db.get_all(ctxt, models.Snapshot, wanted)
    for snap in doomed:
        common.run_native(driver.delete_snapshot, snap.id, volume_id)
        snapshot_db.destroy(ctxt, snap.id,
                            states.Snapshot.FROM['finish_delete'])
        LOG.info('Snapshot %s deleted with volume %s.', snap.id, volume_id)


def extend(manager, ctxt, volume_id, new_size):
    """Grow an ``extending`` volume to ``new_size`` GiB."""
    with common.volume_lock(volume_id), claims.owning(
            manager, ctxt, models.Volume, volume_id, (V.EXTENDING,)) as mine:
        volume = db.get(ctxt, models.Volume, volume_id)
        what = 'Extending volume %s to %s GiB' % (volume_id, new_size)
        if not mine:
            return stale(what, volume.status)
        notice = common.notifier(ctxt, 'volume', 'resize',
                                 common.volume_payload, volume)
        notice('start', new_size=new_size)

        def release():   # the charged GiB go back
            quotas.release(ctxt, volume.project_id, quotas.of_extend(
                volume.size, new_size, volume.volume_type))
        if common.driver_step(
                ctxt, models.Volume, volume_id, what,
                ('fail_extend', V.ERROR_EXTENDING),
                notice,
                lambda: (common.require_driver(manager).extend_volume,
                         (volume_id, new_size)), on_failed=release):
            return
        if not retry.call(common.change, ctxt, models.Volume, volume_id,
                          'finish_extend', V.AVAILABLE, size=new_size):
            LOG.warning('%s: the volume left "extending" meanwhile.', what)
            return
        notice('end', size=new_size, status=V.AVAILABLE)


def attach(manager, ctxt, volume_id, attachment_id, connector):
    """Driver bookkeeping of an attachment the API recorded."""
    _bookkeeping(manager, ctxt, volume_id, 'attach', 'attach_volume',
                 attachment_id, connector)


def detach(manager, ctxt, volume_id, attachment_id):
    _bookkeeping(manager, ctxt, volume_id, 'detach', 'detach_volume',
                 attachment_id)


def _bookkeeping(manager, ctxt, volume_id, action, method, *args):
    try:
        volume = db.get(ctxt, models.Volume, volume_id)
        driver = common.require_driver(manager)
        common.run_native(getattr(driver, method), volume_id, *args)
    except Exception as e:
        LOG.error('Driver %s of volume %s failed: %s', action, volume_id, e)
        return
    common.notify(ctxt, 'volume', action, 'end',
                  common.volume_payload(volume))
