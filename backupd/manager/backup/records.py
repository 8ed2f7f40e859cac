"""Export and import of backup records.

A record (``backup_url``) is base64 of JSON: the row's fields that describe
the stored data, plus the driver's own ``driver_info``. Importing it
recreates the backup's row (a deleted row with the same id comes back),
after the driver confirmed its storage holds that backup.
"""
from oslo_log import log as logging

from backupd.db import api as db
from backupd.db import metadata
from backupd.db import models
from backupd import exception
from backupd.manager.backup import common
from backupd.manager.backup import rpcapi
from backupd.manager.backup import work

LOG = logging.getLogger(__name__)
B = common.B

def export(mgr, context, backup_id):
    row = common.backup_row(context, backup_id)
    mgr.require_ready()
    record = {name: getattr(row, name) for name in rpcapi.FIELDS}
    for name in rpcapi.DATE_FIELDS:
        value = getattr(row, name)
        record[name] = value.isoformat() if value else None
    record['metadata'] = metadata.of(context, models.Backup,
                                     [row.id])[row.id]
    record['driver_info'] = work.in_thread(mgr.driver.export_record,
                                           common.ref_of(context, row))
    return {'backup_service': mgr.driver_name(),
            'backup_url': rpcapi.encode_record(record)}


def _check_parent(row, ref):
    """The record's parent_id must be the parent the stored data depends
    on: another would pin an unrelated backup (maybe another project's) as
    undeletable, and leave the real parent deletable under its child."""
    stored = ref.parent.id if ref.parent is not None else None
    if (row.parent_id or None) != stored:
        raise exception.BackupDriverError(
            reason='the record gives parent_id %s but the stored backup '
                   'depends on %s; export the record again'
                   % (row.parent_id, stored))


def import_(mgr, context, backup_id, backup_service, record):
    row = common.backup_row(context, backup_id)
    try:
        mgr.require_ready()
        if backup_service != mgr.driver_name():
            raise exception.BackupDriverError(
                reason='the record was exported from a %r backup service; '
                       'this one (%s) runs %r' % (
                           backup_service, mgr.host, mgr.driver_name()))
        ref = work.in_thread(mgr.driver.import_record,
                             common.ref_of(context, row),
                             record.get('driver_info') or {})
        _check_parent(row, ref)
    except Exception as e:
        reason = getattr(e, 'msg', None) or '%s: %s' % (type(e).__name__, e)
        LOG.error('Import of backup %s failed: %s', backup_id, reason)
        db.conditional_update(context, models.Backup, backup_id,
                              {'status': B.ERROR,
                               'fail_reason': reason[:1024]},
                              {'status': B.FROM['fail_create']})
        return
    if db.conditional_update(context, models.Backup, backup_id, {
            'status': B.AVAILABLE, 'fail_reason': None,
            'container': ref.container,
            'service_metadata': ref.service_metadata,
            'depends_on_parent': ref.depends_on_parent,
            'service': mgr.driver_name()},
            {'status': B.FROM['finish_create']}):
        LOG.info('Backup %s imported.', backup_id)
