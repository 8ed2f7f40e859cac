"""Create a backup: device, driver run, finish; every way out returns the
source volume or snapshot and removes temp resources (but the snapshot a
successful backup keeps as its changed-block tracking base, bases.py).

The API already moved the volume (or snapshot) to ``backing-up`` and
inserted the row ``creating``. This run *owns* the source once it has
claimed the row (a compare-and-swap that still finds ``creating``); a run
that finds the row gone or changed before its claim touches nothing.
"""
import functools

from oslo_log import log as logging

from backupd.db import api as db
from backupd.db import models
from backupd import exception
from backupd.manager.backup import bases
from backupd.manager.backup import common
from backupd.manager.backup import settle
from backupd.manager.backup import work
from backupd import messages

LOG = logging.getLogger(__name__)
B = common.B


def run(mgr, context, backup_id):
    job = mgr.runs.begin(backup_id, 'create', B.CREATING, 'created')
    if job is None:
        return
    with mgr.runs.registered(job):
        with mgr.runs.slot(job):
            if not _claim(mgr, context, job):
                return
            row = common.backup_row(context, backup_id)
            common.notify(context, row, 'create', 'start')
            result, error, changes = None, None, None
            try:
                result, changes = _back_up(mgr, context, job, row)
            except Exception as e:
                error = e
        work.settle(mgr, context, backup_id, _end, mgr, context, row, result,
                    error, changes)


def _claim(mgr, context, job):
    """Take the row's lease while it is still ``creating``."""
    job.claimed = mgr.owner.claim(context, models.Backup, job.backup_id,
                                  (B.CREATING,), {'progress': 0})
    if job.claimed:
        job.owner = mgr.owner.token
    else:
        LOG.info('Backup %s is no longer creating (deleted or reset before '
                 'its turn) or another live service owns it; nothing to do.',
                 job.backup_id)
    return job.claimed


def _back_up(mgr, context, job, row):
    mgr.require_ready()
    path = common.acquire_device(context, mgr.volume_rpc, row,
                                 track_changes=bases.wanted(mgr, row))
    if job.is_cancelled():
        raise exception.BackupCancelled(backup_id=row.id)
    changes = bases.changes_for(mgr, context, row)
    ref = common.ref_of(context, row, with_parent=True)
    # Written before the driver stores anything: a backup whose ``service``
    # is still empty never stored data, so it can be deleted without the
    # backup driver (issue 6: even while the driver is not initialized).
    db.update(context, models.Backup, row.id, {'service': mgr.driver_name()})
    backup = mgr.driver.backup
    if changes is not None:
        backup = functools.partial(backup, changes=changes)
    return work.execute(context, job, backup, ref, path), changes


def _end(mgr, context, row, result, error, changes=None):
    kept = error is None and bases.adopt(context, row, changes)
    common.release_device(context, mgr.volume_rpc, row.id)
    common.return_source(context, row)
    if error is None and _finish(mgr, context, row, result):
        if kept:     # a newer base exists: the older ones are useless
            bases.prune_volume(mgr, context, row.volume_id, keep=row.id)
        return
    if kept:         # an unfinished backup is nobody's parent
        bases.release_of(mgr, context, row.id)
    reason = _reason(row, error)
    if error is not None and not isinstance(error, exception.BackupCancelled):
        LOG.error('Backup %s failed: %s', row.id, reason)
        messages.record(context, row.project_id, 'VOLUME_BACKUP', row.id,
                        messages.CREATE_BACKUP_FAILED,
                        'Backup %s of volume %s failed: %s'
                        % (row.id, row.volume_id, reason))
    settle.after_run(mgr, context, row.id, B.FROM['fail_create'],
                     {'status': B.ERROR, 'fail_reason': reason[:1024]},
                     'create')


def _finish(mgr, context, row, result):
    done = db.conditional_update(context, models.Backup, row.id, {
        'status': B.AVAILABLE, 'fail_reason': None, 'progress': 100,
        'container': result.container,
        'service_metadata': result.service_metadata,
        'service': mgr.driver_name(),
        'object_count': result.object_count,
        'stored_bytes': result.stored_bytes,
        'depends_on_parent': result.depends_on_parent,
    }, {'status': B.FROM['finish_create']})
    if done:
        LOG.info('Backup %s of volume %s is available: %d objects, %d bytes '
                 'stored.', row.id, row.volume_id, result.object_count,
                 result.stored_bytes)
        common.notify(context, common.backup_row(context, row.id),
                      'create', 'end')
    return done


def _reason(row, error):
    if error is None:
        return 'backup %s was changed while it was being created' % row.id
    if isinstance(error, exception.BackupdException):
        return error.msg
    return '%s: %s' % (type(error).__name__, error)
