"""Client of the backup manager's RPC API.

History:
  1.0 - initial version: create_backup, restore_backup, delete_backup
        (casts), reset_status, export_record (calls), import_record (cast)
"""
from backupd.manager import rpcapi

#: Seconds a reset-status verification may take before the API gives up
#: waiting (verification re-reads every stored object).
VERIFY_TIMEOUT = 3600


class BackupAPI(rpcapi.RPCClient):
    TOPIC_OPT = 'backup_topic'
    VERSION = '1.0'

    def create_backup(self, ctxt, host, backup_id):
        self.prepare(host).cast(ctxt, 'create_backup', backup_id=backup_id)

    def restore_backup(self, ctxt, host, backup_id, volume_id):
        self.prepare(host).cast(ctxt, 'restore_backup', backup_id=backup_id,
                                volume_id=volume_id)

    def delete_backup(self, ctxt, host, backup_id, force=False):
        self.prepare(host).cast(ctxt, 'delete_backup', backup_id=backup_id,
                                force=force)

    def reset_status(self, ctxt, host, backup_id, status):
        return self.prepare(host, timeout=VERIFY_TIMEOUT).call(
            ctxt, 'reset_status', backup_id=backup_id, status=status)

    def export_record(self, ctxt, host, backup_id):
        return self.prepare(host).call(ctxt, 'export_record',
                                       backup_id=backup_id)

    def import_record(self, ctxt, host, backup_id, backup_service, record):
        self.prepare(host).cast(ctxt, 'import_record', backup_id=backup_id,
                                backup_service=backup_service, record=record)
