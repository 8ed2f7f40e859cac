"""Client of the volume manager's RPC API.

History:
  1.0 - initial version
"""
from backupd.manager import rpcapi


class VolumeAPI(rpcapi.RPCClient):
    TOPIC_OPT = 'volume_topic'
    VERSION = '1.0'
