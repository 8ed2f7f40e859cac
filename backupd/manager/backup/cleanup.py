"""Repair what a stopped backup operation left, one rule per stuck status
(doc/contributor/states.rst), at start and from the reconciler
(backupd.manager.backup.reconcile). Idempotent: every change is a
compare-and-swap, so a second pass finds nothing to do. Runs only once the
driver is ready (resumed deletes need it).

Ownership (doc/reliability.rst): a row another process holds a running
lease on is never touched, and neither is one a live run of this process
owns.
"""
from oslo_log import log as logging

from backupd.db import backups as backup_db
from backupd.db import api as db
from backupd.db import models
from backupd.manager.backup import bases
from backupd.manager.backup import common
from backupd.manager.backup import delete
from backupd.manager.backup import work
from backupd.manager import one_row
from backupd import notifications

LOG = logging.getLogger(__name__)
B = common.B

INCOMPLETE = 'incomplete backup reset on restart'
#: fail_reason of a backup whose creating operation stopped while its
#: service kept running (lost lease: process gone or database outage).
ABANDONED = ('incomplete backup reset by the reconciler: the operation '
             'creating it stopped (its service died or lost the database '
             'or message bus); delete it and back up again')
TRANSIENT = (B.CREATING, B.RESTORING, B.DELETING)


def run(mgr, context):
    """At start: repair this host's transient rows that a dead operation
    left (its lease expired). A row another live process holds is left
    alone, and so is an unclaimed create or restore: its request may still
    wait in the (durable) queue, and if it never comes the reconciler
    resumes it after operation_lease_time. An unclaimed delete resumes
    (a delete is idempotent and claims the row)."""
    for row in backup_db.on_host(context, mgr.host, TRANSIENT):
        if mgr.runs.live(row.id) or mgr.owner.held_by_other(row):
            continue
        if row.lease_owner is None and row.status != B.DELETING:
            continue
        with one_row.at_a_time('Cleanup', 'backup', row.id):
            repair(mgr, context, row, INCOMPLETE, 'Cleanup')
    retry_temp_resources(mgr, context)


def repair(mgr, context, row, reason, who):
    """Apply the rule of ``row``'s status; ``reason`` is a failed create's
    fail_reason."""
    {B.CREATING: _creating, B.RESTORING: _restoring,
     B.DELETING: _deleting}[row.status](mgr, context, row, reason, who)


def _creating(mgr, context, row, reason, who):
    # What the create held goes back first: whoever sees the backup
    # ``error`` finds its source usable again (both steps are idempotent
    # compare-and-swaps, so a crash in between is repaired next time).
    common.release_device(context, mgr.volume_rpc, row.id)
    common.return_source(context, row)
    if db.conditional_update(context, models.Backup, row.id,
                             {'status': B.ERROR, 'fail_reason': reason},
                             {'status': B.FROM['fail_create']}):
        LOG.warning('%s: backup %s was creating; now error (%s), its '
                    'source %s %s returned, its stored data kept for '
                    'os-reset_status.', who, row.id, reason,
                    'snapshot' if row.snapshot_id else 'volume',
                    row.snapshot_id or row.volume_id)
        notify_repair(context, row.id, 'failed', reason)
        if mgr.ready:
            _abandon(mgr, context, row)


def _abandon(mgr, context, row):
    """Its run is dead: a driver that shares data lets a collection have
    what it wrote now rather than once its lease expired."""
    try:
        work.in_thread(mgr.driver.abandon, common.ref_of(context, row))
    except Exception:
        LOG.exception('Could not release the stored lease of interrupted '
                      'backup %s; it expires by itself.', row.id)


def _restoring(mgr, context, row, reason, who):
    if db.conditional_update(context, models.Backup, row.id,
                             {'status': B.AVAILABLE,
                              'restore_volume_id': None},
                             {'status': B.FROM['finish_restore']}):
        if row.restore_volume_id:
            delete.fail_restore_target(context, row.restore_volume_id)
        LOG.warning('%s: backup %s was restoring; now available, '
                    'target volume %s error_restoring.', who, row.id,
                    row.restore_volume_id)
        notify_repair(context, row.id, 'restore stopped',
                'target volume %s error_restoring' % row.restore_volume_id)


def _deleting(mgr, context, row, reason, who):
    LOG.warning('%s: resuming the delete of backup %s.', who, row.id)
    notify_repair(context, row.id, 'delete resumed', None)
    work.spawn(delete.run, mgr, context, row.id, True)


def notify_repair(context, backup_id, repair, reason):
    """``backup.repair``: what a cleanup or reconciler pass did."""
    try:
        row = common.backup_row(context, backup_id, include_deleted=True)
        common.notify(context, row, 'repair', None, repair=repair,
                      reason=reason)
    except Exception:  # a notification never breaks a repair
        LOG.exception('Could not send backup.repair for %s', backup_id)


def retry_temp_resources(mgr, context):
    """Remove temp snapshots/volumes no live run uses (also periodically)."""
    for row in backup_db.with_temp_resources(context, mgr.host):
        if not (mgr.runs.live(row.id) or mgr.owner.held_by_other(row)):
            common.release_device(context, mgr.volume_rpc, row.id)
    bases.prune_host(mgr, context)     # and changed-block tracking's bases
