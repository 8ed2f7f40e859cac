"""Client of the backup manager's RPC API.

History:
  1.0 - initial version
"""
from backupd.manager import rpcapi


class BackupAPI(rpcapi.RPCClient):
    TOPIC_OPT = 'backup_topic'
    VERSION = '1.0'
