"""Long-running services: an RPC manager service and the WSGI API service.

A manager service registers its row, heartbeats every ``report_interval``
(with the manager's readiness), serves RPC on (topic, host) and runs the
manager's periodic tasks every ``periodic_interval``. It also heartbeats
the moment its manager becomes ready (at start, or when a periodic retry
initialized the driver), so it shows ``up`` then, not a report_interval
later. Launchers from
oslo.service handle signals and worker processes.
"""
import gc
import os
import socket

import eventlet
import eventlet.green.socket
import eventlet.semaphore
import eventlet.wsgi
import oslo_messaging as messaging
from oslo_log import log as logging
from oslo_service import service as os_service

from backupd import context as backupd_context
from backupd import rpc
from backupd.db import api as db

LOG = logging.getLogger(__name__)


class Service(os_service.Service):
    def __init__(self, conf, binary, topic, manager):
        super().__init__()
        self.conf = conf
        self.binary = binary
        self.topic = topic
        self.manager = manager
        self.service_id = None
        self.rpc_server = None
        # Heartbeats are written one at a time, each with the readiness
        # read under the lock: a slow "not ready" write can never land
        # after the "ready" one that followed it.
        self._report_lock = eventlet.semaphore.Semaphore()

    def start(self):
        super().start()
        ctx = backupd_context.get_admin_context()
        self.service_id = db.service_register(
            ctx, self.manager.host, self.binary, self.topic,
            self.conf.storage_availability_zone, self.manager.RPC_API_VERSION)
        # Heartbeat first: a slow driver initialization must not make the
        # service look dead, only not ready.
        self.tg.add_timer(self.conf.report_interval, self.report_state,
                          initial_delay=0)
        self.manager.init_host()
        target = messaging.Target(topic=self.topic, server=self.manager.host,
                                  version=self.manager.RPC_API_VERSION)
        self.rpc_server = rpc.get_server(target, [self.manager])
        self.rpc_server.start()
        self.tg.add_timer(self.conf.periodic_interval, self.periodic_tasks,
                          initial_delay=self.conf.periodic_interval)
        if self.manager.is_ready()[0]:
            self.report_state()     # up now that it serves RPC
        LOG.info('%s started on host %s (topic %s)', self.binary,
                 self.manager.host, self.topic)

    def report_state(self):
        with self._report_lock:
            ready, reason = self.manager.is_ready()
            try:
                db.service_heartbeat(backupd_context.get_admin_context(),
                                     self.service_id, ready, reason)
            except Exception:
                # A database blip must not kill the heartbeat loop.
                LOG.exception('%s: heartbeat failed', self.binary)

    def periodic_tasks(self):
        was_ready = self.manager.is_ready()[0]
        try:
            self.manager.periodic_tasks(backupd_context.get_admin_context())
        except Exception:
            LOG.exception('%s: periodic tasks failed', self.binary)
        if not was_ready and self.manager.is_ready()[0]:
            self.report_state()

    def stop(self, graceful=False):
        if self.rpc_server is not None:
            try:
                self.rpc_server.stop()
                self.rpc_server.wait()
            except Exception:
                LOG.exception('%s: stopping the RPC server failed', self.binary)
        super().stop(graceful)


class WSGIService(os_service.ServiceBase):
    """Serves a WSGI app with eventlet's server.

    The address is bound up front (a busy port fails at once, port 0 is
    resolved) but listened on only in ``start``: each serving process,
    this one or each worker ProcessLauncher forks, listens on its own
    SO_REUSEPORT socket there, and the kernel spreads new connections
    evenly over the workers. (On one shared socket, whichever worker wakes
    first accepts: one could take most keep-alive connections, issue 15.)
    """

    def __init__(self, conf, app_loader, host, port):
        self.conf = conf
        self.app_loader = app_loader
        self._bound = _socket(host, port)
        self.host, self.port = self._bound.getsockname()[:2]
        self.socket = None
        self._server = None
        self._pool = eventlet.GreenPool(1000)

    def start(self):
        app = self.app_loader()
        # The application's modules and objects live as long as the
        # process: out of the collector's way, a full collection walks only
        # what requests allocate (and forked workers keep sharing pages).
        gc.freeze()
        self.socket = _socket(self.host, self.port)
        self.socket.listen(128)
        self._server = eventlet.spawn(
            eventlet.wsgi.server, self.socket, app, custom_pool=self._pool,
            log=_WsgiLog(), log_output=True, debug=False,
            socket_timeout=900)
        LOG.info('API listening on %s:%s (pid %s)', self.host, self.port,
                 os.getpid())

    def stop(self):
        if self._server is not None:
            self._server.kill()
            self._server = None
        if self.socket is not None:
            self.socket.close()
            self.socket = None

    def wait(self):
        if self._server is not None:
            try:
                self._server.wait()
            except eventlet.greenlet.GreenletExit:
                pass

    def reset(self):
        pass


def _socket(host, port):
    """A green TCP socket bound to (host, port) with SO_REUSEPORT (so that
    the reservation and every worker's listener share the port) and
    TCP_NODELAY: eventlet.wsgi may write a response's headers and body
    separately, and with Nagle's algorithm the body would then wait for the
    client's delayed ACK (~40 ms on loopback). Accepted sockets inherit it.
    """
    sock = eventlet.green.socket.socket(_family(host), socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    return sock


def _family(host):
    try:
        socket.inet_pton(socket.AF_INET6, host)
        return socket.AF_INET6
    except OSError:
        return socket.AF_INET


class _WsgiLog:
    """eventlet.wsgi access log lines into oslo.log."""
    _log = logging.getLogger('backupd.api.access')

    def write(self, line):
        self._log.info(line.rstrip())
