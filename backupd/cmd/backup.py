"""backupd-backup: the backup manager as an RPC service."""
import backupd.cmd  # noqa: F401  (monkey-patches first)

from backupd import binaries
from backupd.cmd import common
from backupd.cmd import errors
from backupd.manager.backup import manager
from backupd import service


def build(conf):
    return service.Service(conf, binaries.BACKUP, conf.backup_topic,
                           manager.BackupManager(conf, conf.host))


@errors.operator_errors(binaries.BACKUP)
def main():
    conf = common.prepare(binaries.BACKUP)
    common.require_database(conf)
    return common.launch([build(conf)])
