"""Can this service still be reached over the message bus?

A service whose broker connection is gone (or whose queue was deleted)
still heartbeats to the database, so it would look up while no request can
reach it. Each heartbeat (``Manager.is_ready``) starts, in its own green
thread, a ``ping`` RPC call from the service to itself through the broker
(publish, consume, reply); while the last one failed, the service reports
itself not ready, so ``os-services`` and ``backupd-manage service list``
show it down with the reason and the API sends it no work
(doc/reliability.rst).

Until the first ping succeeded the check says nothing: at start the
service's queue may not be consumed yet.
"""
import eventlet
from oslo_log import log as logging

from backupd import context as backupd_context
from backupd import rpc

LOG = logging.getLogger(__name__)


class BusCheck:
    def __init__(self, manager):
        self.manager = manager
        self._client = None
        self._running = False
        self._seen_ok = False
        self.problem = None

    def poll(self):
        """The last verdict (None: fine or not known yet); starts the next
        ping unless one is still out."""
        if not rpc.initialized():
            return None
        if not self._running:
            self._running = True
            eventlet.spawn_n(self._ping)
        return self.problem if self._seen_ok else None

    def _ping(self):
        manager = self.manager
        try:
            if self._client is None:
                self._client = manager.RPCAPI(manager.conf)
            self._client.ping(backupd_context.get_admin_context(),
                              manager.host, manager.conf.rpc_cast_timeout)
        except Exception as e:
            problem = ('message bus: %s cannot reach itself through the '
                       'broker (%s: %s)' % (manager.service_name,
                                             type(e).__name__, e))
            if self._seen_ok and self.problem is None:
                LOG.error('%s; reporting not ready until it can.', problem)
            self.problem = problem[:1000]
        else:
            if self.problem is not None:
                LOG.warning('%s reaches itself through the broker again.',
                            manager.service_name)
            self._seen_ok, self.problem = True, None
        finally:
            self._running = False
