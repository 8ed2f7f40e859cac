"""The API's RPC clients, one per service, and its synchronous calls.

A client is built once per transport (``backupd.rpc.init`` makes a new one
when a process, or a test, sets up the bus again) and shared by every
handler. Casts go through ``backupd.api.common.cast`` (undo and 503 when
the bus refuses); a quick question to a service through ``call``.
"""
from oslo_config import cfg
import oslo_messaging as messaging

from backupd import exception
from backupd.manager.backup import rpcapi as backup_rpcapi
from backupd.manager.volume import rpcapi as volume_rpcapi
from backupd import rpc

_CLIENTS = {}


def _client(cls):
    transport = rpc.current_transport()
    cached = _CLIENTS.get(cls)
    if cached is None or cached[0] is not transport:
        cached = _CLIENTS[cls] = (transport, cls(cfg.CONF))
    return cached[1]


def backup():
    """The client of the backup service (backupd.manager.backup.rpcapi)."""
    return _client(backup_rpcapi.BackupAPI)


def volume():
    """The client of the volume service (backupd.manager.volume.rpcapi)."""
    return _client(volume_rpcapi.VolumeAPI)


def call(send, service):
    """The answer of ``send()``, an RPC call; 503 naming ``service`` when
    it does not answer in time or the bus fails."""
    try:
        return send()
    except messaging.MessagingTimeout:
        raise exception.ServiceUnavailable(
            reason='The %s service did not answer in time; look at '
                   'GET /os-services and try again.' % service)
    except messaging.MessagingException as e:
        raise exception.ServiceUnavailable(
            reason='The %s service could not be reached over the message '
                   'bus: %s' % (service, e))
