"""Export and import of backup records.

A record (``backup_url``) is base64 of JSON: the row's fields that describe
the stored data, plus the driver's own ``driver_info``. Importing it
recreates the backup's row (a deleted row with the same id comes back),
after the driver confirmed its storage holds that backup.
"""
import base64
import json

from oslo_log import log as logging
from oslo_utils import timeutils

from backupd.db import api as db
from backupd.db import metadata
from backupd.db import models
from backupd import exception
from backupd.manager.backup import common
from backupd.manager.backup import work

LOG = logging.getLogger(__name__)
B = common.B

#: Row fields a record carries.
FIELDS = ('id', 'volume_id', 'snapshot_id', 'display_name',
          'display_description', 'container', 'size', 'object_count',
          'stored_bytes', 'parent_id', 'availability_zone',
          'service_metadata', 'service', 'encryption_key_id')
DATE_FIELDS = ('data_timestamp', 'created_at')


def encode(record):
    return base64.b64encode(json.dumps(record).encode()).decode()


def decode(backup_url):
    """The record dict of a ``backup_url``; InvalidInput when it isn't one."""
    try:
        record = json.loads(base64.b64decode(backup_url.encode(),
                                             validate=True))
    except (ValueError, TypeError, AttributeError) as e:
        raise exception.InvalidInput(
            reason='backup_url is not a backup record exported by '
                   'backupd (base64 of JSON): %s' % e)
    if not isinstance(record, dict) or not record.get('id') or \
            not record.get('volume_id'):
        raise exception.InvalidInput(
            reason='backup_url lacks the backup\'s "id" and "volume_id"; '
                   'export the record again with backup-export')
    return record


def export(mgr, context, backup_id):
    row = common.backup_row(context, backup_id)
    mgr.require_ready()
    record = {name: getattr(row, name) for name in FIELDS}
    for name in DATE_FIELDS:
        value = getattr(row, name)
        record[name] = value.isoformat() if value else None
    record['metadata'] = metadata.of(context, models.Backup,
                                     [row.id])[row.id]
    record['driver_info'] = work.in_thread(mgr.driver.export_record,
                                           common.ref_of(context, row))
    return {'backup_service': mgr.driver_name(),
            'backup_url': encode(record)}


def row_values(record):
    """Backup row values for an imported ``record`` (API side)."""
    values = {name: record.get(name) for name in FIELDS}
    for name in DATE_FIELDS:
        if record.get(name):
            values[name] = timeutils.parse_isotime(
                record[name]).replace(tzinfo=None)
    return values


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
            'service': mgr.driver_name()},
            {'status': B.FROM['finish_create']}):
        LOG.info('Backup %s imported.', backup_id)
