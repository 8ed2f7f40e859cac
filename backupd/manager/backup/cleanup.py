"""Repair at start what a dead backup service left, one rule per stuck
status (../shared/docs/states.md). Idempotent: every change is a
compare-and-swap, so a second pass finds nothing to do. Runs only once the
driver is ready (resumed deletes need it).
"""
from oslo_log import log as logging

from backupd.db import api as db
from backupd.db import backups as backup_db
from backupd.db import models
from backupd.manager.backup import common
from backupd.manager.backup import delete
from backupd.manager.backup import work

LOG = logging.getLogger(__name__)
B = common.B

INCOMPLETE = 'incomplete backup reset on restart'


def run(mgr, context):
    for row in backup_db.on_host(context, mgr.host,
                                 (B.CREATING, B.RESTORING, B.DELETING)):
        if mgr.runs.get(row.id) is not None:
            continue     # live on this service (a periodic retry)
        {B.CREATING: _creating, B.RESTORING: _restoring,
         B.DELETING: _deleting}[row.status](mgr, context, row)
    retry_temp_resources(mgr, context)


def _creating(mgr, context, row):
    if db.conditional_update(context, models.Backup, row.id,
                             {'status': B.ERROR, 'fail_reason': INCOMPLETE},
                             {'status': B.FROM['fail_create']}):
        common.release_device(context, mgr.volume_rpc, row.id)
        common.return_source(context, row)
        LOG.warning('Cleanup: backup %s was creating; now error (%s), its '
                    'source %s %s returned, its stored data kept for '
                    'os-reset_status.', row.id, INCOMPLETE,
                    'snapshot' if row.snapshot_id else 'volume',
                    row.snapshot_id or row.volume_id)


def _restoring(mgr, context, row):
    if db.conditional_update(context, models.Backup, row.id,
                             {'status': B.AVAILABLE,
                              'restore_volume_id': None},
                             {'status': B.FROM['finish_restore']}):
        if row.restore_volume_id:
            delete.fail_restore_target(context, row.restore_volume_id)
        LOG.warning('Cleanup: backup %s was restoring; now available, '
                    'target volume %s error_restoring.', row.id,
                    row.restore_volume_id)


def _deleting(mgr, context, row):
    LOG.warning('Cleanup: resuming the delete of backup %s.', row.id)
    work.spawn(delete.run, mgr, context, row.id, True)


def retry_temp_resources(mgr, context):
    """Remove temp snapshots/volumes no live run uses (also periodically)."""
    for row in backup_db.with_temp_resources(context, mgr.host):
        if mgr.runs.get(row.id) is None:
            common.release_device(context, mgr.volume_rpc, row.id)
