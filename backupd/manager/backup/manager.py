"""Backup manager: the RPC endpoint of backupd-backup.

Thin: each RPC method calls a named operation; backup operations arrive with
the lifecycle issue.
"""
from backupd.manager import base


class BackupManager(base.Manager):
    RPC_API_VERSION = '1.0'
    service_name = 'backupd-backup'
    driver_namespace = 'backupd.backup_drivers'

    def driver_name(self):
        return self.conf.backup_driver
