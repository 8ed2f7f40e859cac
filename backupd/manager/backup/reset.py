"""os-reset_status on the backup service: to ``available`` only through
verification of what the backend holds.

A backup that was ``creating`` or ``restoring`` when its service died may be
whole or not; the admin's word is checked against storage: every manifest
and object present with the right size and checksum (the driver's
``verify``). Success makes it ``available`` (filling in what the dead run
never recorded); failure makes it ``error`` with the problems as
``fail_reason``, and the API answers 400 with them.
"""
from oslo_log import log as logging

from backupd.db import api as db
from backupd.db import models
from backupd import exception
from backupd.manager.backup import common
from backupd.manager.backup import delete
from backupd.manager.backup import work

LOG = logging.getLogger(__name__)
B = common.B


def to_error(context, backup_id):
    """Any status -> error; returns whether it changed. A backup reset out
    of delayed delete is no longer pending: its project sees it again."""
    return db.conditional_update(context, models.Backup, backup_id,
                                 {'status': B.ERROR,
                                  'pending_delete_at': None},
                                 {'status': B.FROM['reset_to_error']})


def to_available(mgr, context, backup_id, live=None):
    """Verify, then available; returns (ok, reason, conflict): conflict
    when another request changed or deleted the backup meanwhile.

    A restore that no run on this service is doing any more (its service
    died) leaves its target volume ``error_restoring``; a live run puts its
    target volume right itself when it sees the new status.
    """
    try:
        row = common.backup_row(context, backup_id)
    except exception.BackupNotFound:
        return False, 'backup %s was deleted meanwhile' % backup_id, True
    if row.status == B.AVAILABLE:
        return True, None, False
    if live is not None and live.deleting:
        # Reset to error is allowed mid-delete (a stuck delete must be
        # repairable), but the run keeps removing objects: verifying now
        # could pass and leave an 'available' backup with its data gone.
        return False, ('its data is still being deleted by backup service '
                       '%s; wait until the delete ends, then reset it '
                       'again or delete it' % mgr.host), True
    mgr.require_ready()
    ref = common.ref_of(context, row)
    report = work.in_thread(mgr.driver.verify, ref)
    if not report.ok:
        reason = 'verification failed: %s' % report.summary()
        LOG.warning('Reset of backup %s to available refused: %s',
                    backup_id, reason)
        marked = db.conditional_update(
            context, models.Backup, backup_id,
            {'status': B.ERROR, 'fail_reason': reason[:1024]},
            {'status': B.FROM['reset_to_error']})
        return False, reason, not marked
    values = {'status': B.AVAILABLE, 'fail_reason': None,
              'restore_volume_id': None, 'pending_delete_at': None,
              'service': row.service or mgr.driver_name()}
    record = work.in_thread(mgr.driver.export_record, ref)
    values['container'] = row.container or record.get('container')
    values['service_metadata'] = (row.service_metadata or
                                  record.get('service_metadata'))
    if row.object_count is None:
        values['object_count'] = report.checked_objects
    if not db.conditional_update(context, models.Backup, backup_id, values,
                                 {'status': B.FROM['reset_to_available']}):
        now = common.backup_row(context, backup_id, include_deleted=True)
        return False, ('backup %s became %s during verification; try '
                       'again' % (backup_id, now.status)), True
    if row.status == B.RESTORING and row.restore_volume_id and live is None:
        delete.fail_restore_target(context, row.restore_volume_id)
    LOG.info('Backup %s reset to available after verification: %s',
             backup_id, report.summary())
    return True, None, False
