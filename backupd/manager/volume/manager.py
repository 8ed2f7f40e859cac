"""Volume manager: the RPC endpoint of backupd-volume.

Thin: each RPC method calls a named operation (volumes, snapshots,
backup_device, cleanup); see rpcapi.py for the version history.
"""
import oslo_messaging as messaging

from backupd import binaries
from backupd import exception
from backupd.manager import base
from backupd.manager.volume import backup_device
from backupd.manager.volume import capacity
from backupd.manager.volume import cleanup
from backupd.manager.volume import common
from backupd.manager.volume import reconcile
from backupd.manager.volume import rpcapi
from backupd.manager.volume import snapshots
from backupd.manager.volume import volumes


class VolumeManager(base.Manager):
    RPC_API_VERSION = '1.3'
    target = messaging.Target(version=RPC_API_VERSION)
    service_name = binaries.VOLUME
    driver_namespace = 'backupd.volume_drivers'
    RPCAPI = rpcapi.VolumeAPI
    passes_host = True

    def __init__(self, conf, host):
        super().__init__(conf, host)
        # ids of the volumes/snapshots an operation of this process owns
        self.live = set()

    def driver_name(self):
        return self.conf.volume_driver

    def cleanup(self, context):
        cleanup.run(self, context)

    # --- service hooks (never exposed over RPC) -------------------------------
    def init_driver(self, context):
        ready = super().init_driver(context)
        if ready:
            capacity.report(self, context)
        return ready

    def periodic_tasks(self, context):
        was_ready = self.ready
        super().periodic_tasks(context)
        if was_ready:  # a driver that just became ready has reported
            capacity.report(self, context)
        if self.ready and self.owner.reconcile_due():
            reconcile.run(self, context)

    # --- 1.1: casts from the API ---------------------------------------------
    @messaging.expose
    def create_volume(self, ctxt, volume_id):
        volumes.create(self, ctxt, volume_id)

    @messaging.expose
    def delete_volume(self, ctxt, volume_id, cascade=False):
        volumes.delete(self, ctxt, volume_id, cascade=cascade)

    @messaging.expose
    def create_snapshot(self, ctxt, snapshot_id):
        snapshots.create(self, ctxt, snapshot_id)

    @messaging.expose
    def delete_snapshot(self, ctxt, snapshot_id):
        snapshots.delete(self, ctxt, snapshot_id)

    @messaging.expose
    def extend_volume(self, ctxt, volume_id, new_size):
        volumes.extend(self, ctxt, volume_id, new_size)

    @messaging.expose
    def attach_volume(self, ctxt, volume_id, attachment_id, connector):
        volumes.attach(self, ctxt, volume_id, attachment_id, connector)

    @messaging.expose
    def detach_volume(self, ctxt, volume_id, attachment_id=None):
        volumes.detach(self, ctxt, volume_id, attachment_id)

    # --- 1.2: calls from the backup service ----------------------------------
    @messaging.expose
    def capabilities(self, ctxt):
        return backup_device.capabilities(self)

    @messaging.expose
    def get_backup_device(self, ctxt, volume_id, snapshot_id=None,
                          temp_snapshot_id=None, temp_volume_id=None):
        return backup_device.get(self, ctxt, volume_id, snapshot_id,
                                 temp_snapshot_id, temp_volume_id)

    @messaging.expose
    def remove_backup_device(self, ctxt, temp_snapshot_id=None,
                             temp_volume_id=None):
        backup_device.remove(self, ctxt, temp_snapshot_id, temp_volume_id)

    # --- 1.3: changed-block tracking ------------------------------------------
    @messaging.expose
    def track_changes(self, ctxt, volume_id, snapshot_id,
                      base_snapshot_id=None, base_identity=None):
        return backup_device.track_changes(self, ctxt, volume_id,
                                           snapshot_id, base_snapshot_id,
                                           base_identity)

    @messaging.expose
    def get_volume_path(self, ctxt, volume_id):
        return common.run_native(common.require_driver(self).local_path,
                                 volume_id)

    @messaging.expose
    def create_volume_sync(self, ctxt, volume_id):
        failure = volumes.create(self, ctxt, volume_id)
        if failure:
            raise exception.VolumeDriverError(reason=failure)
