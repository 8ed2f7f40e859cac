"""Volume manager: the RPC endpoint of backupd-volume.

Thin: each RPC method calls a named operation (volumes, snapshots,
backup_device, cleanup); see rpcapi.py for the version history.
"""
import oslo_messaging as messaging

from backupd import exception
from backupd.manager import base
from backupd.manager.volume import backup_device
from backupd.manager.volume import cleanup
from backupd.manager.volume import common
from backupd.manager.volume import snapshots
from backupd.manager.volume import volumes


class VolumeManager(base.Manager):
    RPC_API_VERSION = '1.2'
    target = messaging.Target(version=RPC_API_VERSION)
    service_name = 'backupd-volume'
    driver_namespace = 'backupd.volume_drivers'
    passes_host = True

    def driver_name(self):
        return self.conf.volume_driver

    def cleanup(self, context):
        cleanup.run(self, context)

    # --- 1.1: casts from the API ---------------------------------------------
    def create_volume(self, ctxt, volume_id):
        volumes.create(self, ctxt, volume_id)

    def delete_volume(self, ctxt, volume_id, cascade=False):
        volumes.delete(self, ctxt, volume_id, cascade=cascade)

    def create_snapshot(self, ctxt, snapshot_id):
        snapshots.create(self, ctxt, snapshot_id)

    def delete_snapshot(self, ctxt, snapshot_id):
        snapshots.delete(self, ctxt, snapshot_id)

    def extend_volume(self, ctxt, volume_id, new_size):
        volumes.extend(self, ctxt, volume_id, new_size)

    def attach_volume(self, ctxt, volume_id, attachment_id, connector):
        volumes.attach(self, ctxt, volume_id, attachment_id, connector)

    def detach_volume(self, ctxt, volume_id, attachment_id=None):
        volumes.detach(self, ctxt, volume_id, attachment_id)

    # --- 1.2: calls from the backup service ----------------------------------
    def capabilities(self, ctxt):
        return backup_device.capabilities(self)

    def get_backup_device(self, ctxt, volume_id, snapshot_id=None,
                          temp_snapshot_id=None, temp_volume_id=None):
        return backup_device.get(self, ctxt, volume_id, snapshot_id,
                                 temp_snapshot_id, temp_volume_id)

    def remove_backup_device(self, ctxt, temp_snapshot_id=None,
                             temp_volume_id=None):
        backup_device.remove(self, ctxt, temp_snapshot_id, temp_volume_id)

    def get_volume_path(self, ctxt, volume_id):
        return common.run_native(common.require_driver(self).local_path,
                                 volume_id)

    def create_volume_sync(self, ctxt, volume_id):
        failure = volumes.create(self, ctxt, volume_id)
        if failure:
            raise exception.VolumeDriverError(reason=failure)
