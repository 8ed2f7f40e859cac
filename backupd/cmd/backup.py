"""backupd-backup: the backup manager as an RPC service."""
import backupd.cmd  # noqa: F401  (monkey-patches first)

from backupd import binaries
from backupd.cmd import rpc_server
from backupd.manager.backup import manager

build, main = rpc_server.console_script(binaries.BACKUP, 'backup_topic',
                                        manager.BackupManager)
