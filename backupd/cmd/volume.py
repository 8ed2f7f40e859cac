"""backupd-volume: the volume manager as an RPC service."""
import backupd.cmd  # noqa: F401  (monkey-patches first)

from backupd.cmd import common
from backupd.cmd import errors
from backupd.manager.volume import manager
from backupd import service


def build(conf):
    return service.Service(conf, 'backupd-volume', conf.volume_topic,
                           manager.VolumeManager(conf, conf.host))


@errors.operator_errors('backupd-volume')
def main():
    conf = common.prepare('backupd-volume')
    common.require_database(conf)
    return common.launch([build(conf)])
