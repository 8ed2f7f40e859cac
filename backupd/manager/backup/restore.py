"""Restore a backup onto a volume.

The API moved the backup to ``restoring`` and either the target volume to
``restoring-backup`` or inserted a new volume row ``creating``; a new
volume is created here (the API never waits for it), then claimed for the
restore. Whatever happens, the backup goes back to ``available`` and the
volume to ``available`` (data restored) or ``error_restoring``.
"""
from oslo_log import log as logging

from backupd.db import api as db
from backupd.db import models
from backupd.db import retry
from backupd import exception
from backupd.manager.backup import common
from backupd.manager.backup import delete
from backupd.manager.backup import settle
from backupd.manager.backup import work
from backupd import messages

LOG = logging.getLogger(__name__)
B = common.B
V = common.V


def run(mgr, context, backup_id, volume_id):
    job = mgr.runs.begin(backup_id, 'restore', B.RESTORING, 'restored')
    if job is None:
        return
    with mgr.runs.registered(job):
        with mgr.runs.slot(job):
            if not mgr.owner.claim(context, models.Backup, backup_id,
                                   (B.RESTORING,), {'progress': 0}):
                LOG.info('Backup %s is no longer restoring (or another live '
                         'service owns it); restore to volume %s not '
                         'started.', backup_id, volume_id)
                return
            job.claimed, job.owner = True, mgr.owner.token
            row = common.backup_row(context, backup_id)
            common.notify(context, row, 'restore', 'start',
                          volume_id=volume_id)
            error = None
            try:
                _restore(mgr, context, job, row, volume_id)
            except Exception as e:
                error = e
        work.settle(mgr, context, backup_id, _end, mgr, context, row,
                    volume_id, error, getattr(job, 'new_target', False))


def _restore(mgr, context, job, row, volume_id):
    mgr.require_ready()
    volume = db.get(context, models.Volume, volume_id)
    host = volume.host
    if volume.status == V.CREATING:
        job.new_target = True
        mgr.volume_rpc.create_volume_sync(context, host, volume_id)
        # blip-proof: until this lands, the new, empty volume is available
        if not retry.call(
                db.conditional_update, context, models.Volume, volume_id,
                {'status': V.RESTORING_BACKUP},
                {'status': V.FROM['restore_target']}, conf=mgr.conf):
            raise exception.InvalidState(
                reason='new volume %s was changed before the restore of '
                       'backup %s could start' % (volume_id, row.id))
    path = mgr.volume_rpc.get_volume_path(context, host, volume_id)
    work.execute(context, job, mgr.driver.restore,
                 common.ref_of(context, row), path)


def _end(mgr, context, row, volume_id, error, new_target=False):
    if error is None:
        db.conditional_update(context, models.Volume, volume_id,
                              {'status': V.AVAILABLE},
                              {'status': V.FROM['finish_restore']})
    else:
        delete.fail_restore_target(context, volume_id, new_target)
        reason = getattr(error, 'msg', None) or '%s: %s' % (
            type(error).__name__, error)
        if not isinstance(error, exception.BackupCancelled):
            LOG.error('Restore of backup %s to volume %s failed: %s',
                      row.id, volume_id, reason)
            messages.record(
                context, context.project_id or row.project_id,
                'VOLUME_BACKUP', row.id, messages.RESTORE_FAILED,
                'Restore of backup %s to volume %s failed: %s'
                % (row.id, volume_id, reason))
    back = {'status': B.AVAILABLE, 'restore_volume_id': None}
    if error is None and db.conditional_update(
            context, models.Backup, row.id, back,
            {'status': B.FROM['finish_restore']}):
        LOG.info('Backup %s restored to volume %s.', row.id, volume_id)
        common.notify(context, common.backup_row(context, row.id),
                      'restore', 'end', volume_id=volume_id)
        return
    settle.after_run(mgr, context, row.id, B.FROM['finish_restore'], back,
                     'restore')
