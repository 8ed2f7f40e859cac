"""The backup service's reconciler: while the service runs, finish or
repair this host's backups that no live operation owns (issue 22,
doc/reliability.rst).

Each pass: replay the ends parked during a database outage, renew this
process's leases, then take the abandoned rows (backupd.db.leases):

* unclaimed for a whole lease: the request never reached a run (a lost
  message). The row is the intent: the create, restore or delete is
  resumed, and the run claims it as a message would have;
* claimed under an expired lease, or under this process's own lease with
  no live run: the operation stopped half-way. The row is claimed (so two
  reconcilers never both act) and repaired by the cleanup rule of its
  status: a create fails with a fail_reason saying so, a restore gives the
  backup back and fails its target volume, a delete resumes.
"""
from oslo_log import log as logging

from backupd.db import api as db
from backupd.db import models
from backupd import exception
from backupd.manager.backup import cleanup
from backupd.manager.backup import common
from backupd.manager.backup import create
from backupd.manager.backup import delete
from backupd.manager.backup import restore
from backupd.manager.backup import work
from backupd.manager import one_row

LOG = logging.getLogger(__name__)
B = common.B
B_V = common.V

LOST_IMPORT = ('the import request was lost before the backup service got '
               'it (message bus outage); import the record again')


def run(mgr, context):
    work.replay_parked(mgr, context)
    mgr.owner.renew(context, models.Backup)
    for row in mgr.owner.abandoned(context, models.Backup, cleanup.TRANSIENT,
                                   host=mgr.host):
        if mgr.runs.live(row.id):
            continue
        with one_row.at_a_time('Reconciler', 'backup', row.id):
            _reconcile(mgr, context, row)
    cleanup.retry_temp_resources(mgr, context)


def _reconcile(mgr, context, row):
    if row.lease_owner is None:
        _resume(mgr, context, row)
    elif mgr.owner.claim(context, models.Backup, row.id, (row.status,)):
        LOG.warning('Reconciler: backup %s is %s under the lease of %s, '
                    'which no live operation renews; repairing it.',
                    row.id, row.status, row.lease_owner)
        cleanup.repair(mgr, context, row, cleanup.ABANDONED, 'Reconciler')
        if row.status != B.DELETING:   # the resumed delete releases it
            mgr.owner.release(context, models.Backup, row.id)


def _resume(mgr, context, row):
    """The request for ``row`` never reached a run: do it now."""
    if row.status == B.CREATING and not _source_held(context, row):
        # an import (no source volume held for it): nothing to resume from
        if mgr.owner.claim(context, models.Backup, row.id, (B.CREATING,)):
            cleanup.repair(mgr, context, row, LOST_IMPORT, 'Reconciler')
            mgr.owner.release(context, models.Backup, row.id)
        return
    if row.status == B.RESTORING and not row.restore_volume_id:
        return cleanup.repair(mgr, context, row, None, 'Reconciler')
    LOG.warning('Reconciler: backup %s has been %s since %s but no '
                'operation ever took it (its request was lost); resuming '
                'it.', row.id, row.status, row.updated_at)
    cleanup.notify_repair(context, row.id, 'resumed %s' % row.status, None)
    operation = {B.CREATING: (create.run, row.id),
                 B.RESTORING: (restore.run, row.id, row.restore_volume_id),
                 B.DELETING: (delete.run, row.id, True)}[row.status]
    work.spawn(operation[0], mgr, context, *operation[1:])


def _source_held(context, row):
    """A create holds its source (volume or snapshot) ``backing-up``; an
    import holds none."""
    try:
        if row.snapshot_id:
            return db.get(context, models.Snapshot,
                          row.snapshot_id).status == common.S.BACKING_UP
        return common.source_volume(context, row).status == B_V.BACKING_UP
    except exception.NotFound:
        return False
