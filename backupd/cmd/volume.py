"""backupd-volume: the volume manager as an RPC service."""
import backupd.cmd  # noqa: F401  (monkey-patches first)

from backupd import binaries
from backupd.cmd import common
from backupd.cmd import errors
from backupd.manager.volume import manager
from backupd import service


def build(conf):
    return service.Service(conf, binaries.VOLUME, conf.volume_topic,
                           manager.VolumeManager(conf, conf.host))


@errors.operator_errors(binaries.VOLUME)
def main():
    conf = common.prepare(binaries.VOLUME)
    common.require_database(conf)
    return common.launch([build(conf)])
