"""Volume manager: the RPC endpoint of backupd-volume.

Thin: each RPC method calls a named operation; volume operations arrive with
the volumes issue.
"""
from backupd.manager import base


class VolumeManager(base.Manager):
    RPC_API_VERSION = '1.0'
    service_name = 'backupd-volume'
    driver_namespace = 'backupd.volume_drivers'
    passes_host = True

    def driver_name(self):
        return self.conf.volume_driver
