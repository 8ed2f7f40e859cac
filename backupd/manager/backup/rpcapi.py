"""Client of the backup manager's RPC API.

History:
  1.0 - initial version: create_backup, restore_backup, delete_backup
        (casts), reset_status, export_record (calls), import_record (cast)
  ping (at the base version: a service to itself, doc/reliability.rst)
"""
import base64
import json

from backupd import exception
from backupd import names
from backupd.manager import rpcapi

#: Seconds a reset-status verification may take before the API gives up
#: waiting (verification re-reads every stored object).
VERIFY_TIMEOUT = 3600


# --- the record format of export/import (public: the API decodes it) ----

#: Row fields a record carries.
FIELDS = ('id', 'volume_id', 'snapshot_id', 'display_name',
          'display_description', 'container', 'size', 'object_count',
          'stored_bytes', 'parent_id', 'availability_zone',
          'service_metadata', 'service', 'encryption_key_id')
DATE_FIELDS = ('data_timestamp', 'created_at')


def encode_record(record):
    return base64.b64encode(json.dumps(record).encode()).decode()


def decode_record(backup_url):
    """The record dict of a ``backup_url``; InvalidInput when it isn't one."""
    try:
        record = json.loads(base64.b64decode(backup_url.encode(),
                                             validate=True))
    except (ValueError, TypeError, AttributeError, RecursionError) as e:
        raise exception.InvalidInput(
            reason='backup_url is not a backup record exported by '
                   'backupd (base64 of JSON): %s' % e)
    if not isinstance(record, dict) or not record.get('id') or \
            not record.get('volume_id'):
        raise exception.InvalidInput(
            reason='backup_url lacks the backup\'s "id" and "volume_id"; '
                   'export the record again with backup-export')
    return record


#: Fields only the driver's import fills in, once it found the backup's
#: own manifest: a record's word on them is never stored.
DRIVER_FILLED = ('service', 'service_metadata')


def record_row_values(record):
    """Backup row values for an imported ``record`` (validated by the API
    against backupd.api.schemas.backups.RECORD)."""
    values = {name: record.get(name) for name in FIELDS}
    values.update((name, None) for name in DRIVER_FILLED)
    for name in DATE_FIELDS:
        if record.get(name):
            values[name] = names.parse_timestamp(record[name])
    return values


class BackupAPI(rpcapi.Ping, rpcapi.RPCClient):
    TOPIC_OPT = 'backup_topic'
    VERSION = '1.0'

    def create_backup(self, ctxt, host, backup_id):
        self.cast(ctxt, host, 'create_backup', backup_id=backup_id)

    def restore_backup(self, ctxt, host, backup_id, volume_id):
        self.cast(ctxt, host, 'restore_backup', backup_id=backup_id,
                                volume_id=volume_id)

    def delete_backup(self, ctxt, host, backup_id, force=False):
        self.cast(ctxt, host, 'delete_backup', backup_id=backup_id,
                                force=force)

    def reset_status(self, ctxt, host, backup_id, status):
        return self.prepare(host, timeout=VERIFY_TIMEOUT).call(
            ctxt, 'reset_status', backup_id=backup_id, status=status)

    def export_record(self, ctxt, host, backup_id):
        return self.prepare(host).call(ctxt, 'export_record',
                                       backup_id=backup_id)

    def import_record(self, ctxt, host, backup_id, backup_service, record):
        self.cast(ctxt, host, 'import_record', backup_id=backup_id,
                                backup_service=backup_service, record=record)
