"""backupd-volume: the volume manager as an RPC service."""
import backupd.cmd  # noqa: F401  (monkey-patches first)

from backupd import binaries
from backupd.cmd import rpc_server
from backupd.manager.volume import manager

build, main = rpc_server.console_script(binaries.VOLUME, 'volume_topic',
                                        manager.VolumeManager)
