"""Delete a backup whose row the API (or a settling run) moved to ``deleting``.

Storage first, the row last: the row becomes ``deleted`` only when every
object is gone (the driver's delete is idempotent, so a resumed delete is
safe). A force-delete of a backup no run on this service owns also puts
back what its interrupted operation held: the source volume or snapshot of
a ``creating`` backup, the target volume of a ``restoring`` one.
"""
from oslo_log import log as logging

from backupd.db import api as db
from backupd.db import backups as backup_db
from backupd.db import models
from backupd.db import retry
from backupd.manager.backup import bases
from backupd.manager.backup import common
from backupd.manager.backup import work
from backupd.manager import states

LOG = logging.getLogger(__name__)
B = common.B
V = common.V


def run(mgr, context, backup_id, force=False, source_done=False):
    """Delete ``backup_id``; one delete per backup at a time on a service
    (a delete and a force-delete of one backup both reach it)."""
    live = mgr.runs.get(backup_id)
    if live is not None and live.kind == 'delete':
        LOG.info('Backup %s is already being deleted here.', backup_id)
        return
    if live is not None:
        # a create/restore run settling into delete, or one still waiting
        # for its slot (it will find the row deleting and touch nothing)
        live.deleting = True
        return _delete(mgr, context, backup_id, force, source_done)
    with mgr.runs.registered(work.Run(backup_id, 'delete', B.DELETING)):
        if not mgr.owner.claim(context, models.Backup, backup_id,
                               (B.DELETING,)):
            LOG.info('Backup %s is not deleting, or another live service '
                     'owns it; nothing to delete here.', backup_id)
            return
        try:
            # a database blip at its end: the driver delete is idempotent
            return retry.call(_delete, mgr, context, backup_id, force,
                              source_done, conf=mgr.conf)
        finally:
            mgr.owner.release(context, models.Backup, backup_id)


def _delete(mgr, context, backup_id, force, source_done):
    row = common.backup_row(context, backup_id, include_deleted=True)
    if row.deleted or row.status != B.DELETING:
        LOG.info('Backup %s is %s, not deleting; nothing to delete.',
                 backup_id, row.status)
        return
    common.notify(context, row, 'delete', 'start', force=force)
    try:
        mgr.require_ready()
        remove_stored_data(mgr.driver, context, row)
    except Exception as e:
        _failed(context, row, e, force)
        return
    common.release_device(context, mgr.volume_rpc, backup_id)
    bases.release_of(mgr, context, backup_id)
    if not source_done:
        _put_back_what_it_held(context, row)
    if mark_deleted(context, backup_id):
        LOG.info('Backup %s deleted (force=%s).', backup_id, force)
        common.notify(context, common.backup_row(
            context, backup_id, include_deleted=True), 'delete', 'end',
            force=force)


def remove_stored_data(driver, context, row):
    """Every object ``row`` stored, in a native thread. Idempotent: objects
    already gone are fine. Shared with the delayed-delete scrubber."""
    work.in_thread(driver.delete_backup, common.ref_of(context, row))


def mark_deleted(context, backup_id):
    """``deleting`` -> ``deleted`` (soft delete, parent released), once its
    data is gone; returns whether this call did it."""
    return backup_db.soft_delete(context, backup_id, B.FROM['finish_delete'],
                                 B.DELETED)


def _put_back_what_it_held(context, row):
    if row.previous_status == B.CREATING:
        common.return_source(context, row)
    elif row.previous_status == B.RESTORING and row.restore_volume_id:
        fail_restore_target(context, row.restore_volume_id)


def fail_restore_target(context, volume_id, new=False):
    """A restore target that will not get its data: restoring-backup ->
    error_restoring, or a new volume still creating -> error; ``new``: the
    restore created it, so even 'available' means empty -> error."""
    if not db.conditional_update(
            context, models.Volume, volume_id, {'status': V.ERROR_RESTORING},
            {'status': V.FROM['finish_restore']}):
        transition = 'fail_new_restore_target' if new else 'fail_create'
        db.conditional_update(context, models.Volume, volume_id,
                              {'status': V.ERROR},
                              {'status': V.FROM[transition]})


def _failed(context, row, error, force):
    reason = getattr(error, 'msg', None) or '%s: %s' % (
        type(error).__name__, error)
    LOG.error('Deleting backup %s failed: %s', row.id, reason)
    if db.conditional_update(
            context, models.Backup, row.id,
            # pending_delete_at cleared: a failed (scrub) delete is shown
            # to its project, which can retry it
            {'status': B.ERROR_DELETING, 'fail_reason': reason[:1024],
             'pending_delete_at': None},
            {'status': B.FROM['fail_delete']}):
        common.notify(context, common.backup_row(context, row.id),
                      'delete', 'error', force=force)
