"""Backup manager: the RPC endpoint of backupd-backup.

Thin: each RPC method hands its work to a named operation module. Long work
(create, restore, delete, import) arrives as casts and runs in its own green
thread; quick questions (reset-status verdict, export) are calls.
"""
from oslo_log import log as logging
import oslo_messaging as messaging

from backupd import binaries
from backupd import exception
from backupd.manager import base
from backupd.manager.backup import cleanup
from backupd.manager.backup import create
from backupd.manager.backup import delete
from backupd.manager.backup import reconcile
from backupd.manager.backup import records
from backupd.manager.backup import reset
from backupd.manager.backup import restore
from backupd.manager.backup import rpcapi
from backupd.manager.backup import verify
from backupd.manager.backup import work
from backupd.manager.volume import rpcapi as volume_rpcapi

LOG = logging.getLogger(__name__)


class BackupManager(base.Manager):
    RPC_API_VERSION = '1.0'
    service_name = binaries.BACKUP
    driver_namespace = 'backupd.backup_drivers'
    RPCAPI = rpcapi.BackupAPI

    def __init__(self, conf, host, volume_rpc=None):
        super().__init__(conf, host)
        self.runs = work.Runs(conf.backup_max_operations)
        self._volume_rpc = volume_rpc
        self.verify_schedule = verify.Schedule(conf.backup_verify_interval)

    def driver_name(self):
        return self.conf.backup_driver

    @property
    def volume_rpc(self):
        if self._volume_rpc is None:
            self._volume_rpc = volume_rpcapi.VolumeAPI(self.conf)
        return self._volume_rpc

    def require_ready(self):
        if not self.ready:
            raise exception.DriverNotInitialized(
                driver=self.driver_name(), host=self.host,
                reason=self.not_ready_reason)

    # --- service hooks -----------------------------------------------------
    def cleanup(self, context):
        cleanup.run(self, context)

    def periodic_tasks(self, context):
        super().periodic_tasks(context)
        if self.ready:
            if self.owner.reconcile_due():
                reconcile.run(self, context)
            if self.verify_schedule.start_if_due():
                work.spawn(verify.run_pass, self, context,
                           self.verify_schedule)
            # Collections a delete found busy (a backup was being written
            # in that repository): retried each interval, in a native thread.
            work.spawn(work.in_thread, self.driver.collect_deferred)

    # --- RPC API 1.0 -------------------------------------------------------
    @messaging.expose
    def create_backup(self, context, backup_id):
        work.spawn(create.run, self, context, backup_id)

    @messaging.expose
    def restore_backup(self, context, backup_id, volume_id):
        work.spawn(restore.run, self, context, backup_id, volume_id)

    @messaging.expose
    def delete_backup(self, context, backup_id, force=False):
        if force and self.runs.cancel(backup_id):
            return   # the run sees the cancel and completes the delete
        work.spawn(delete.run, self, context, backup_id, force)

    @messaging.expose
    def reset_status(self, context, backup_id, status):
        """-> {'ok': bool, 'reason': str or None, 'conflict': bool}."""
        if status == reset.B.ERROR:
            ok = reset.to_error(context, backup_id)
            return {'ok': ok, 'reason': None, 'conflict': not ok}
        ok, reason, conflict = reset.to_available(
            self, context, backup_id, live=self.runs.get(backup_id))
        return {'ok': ok, 'reason': reason, 'conflict': conflict}

    @messaging.expose
    def export_record(self, context, backup_id):
        return records.export(self, context, backup_id)

    @messaging.expose
    def import_record(self, context, backup_id, backup_service, record):
        work.spawn(records.import_, self, context, backup_id, backup_service,
               record)

