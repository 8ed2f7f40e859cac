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
    """Serves a WSGI app with eventlet's server on a socket bound up front,
    so worker processes forked by ProcessLauncher share it."""

    def __init__(self, conf, app_loader, host, port):
        self.conf = conf
        self.app_loader = app_loader
        self.socket = eventlet.listen((host, port), family=_family(host),
                                      backlog=128)
        # eventlet.wsgi sends a response's headers and body in separate
        # writes: with Nagle's algorithm the body then waits for the
        # client's delayed ACK of the headers (~40 ms on loopback, issue
        # 15). Accepted sockets inherit the option from the listener.
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.host, self.port = self.socket.getsockname()[:2]
        self._server = None
        self._pool = eventlet.GreenPool(1000)

    def start(self):
        app = self.app_loader()
        # The application's modules and objects live as long as the
        # process: out of the collector's way, a full collection walks only
        # what requests allocate (and forked workers keep sharing pages).
        gc.freeze()
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

    def wait(self):
        if self._server is not None:
            try:
                self._server.wait()
            except eventlet.greenlet.GreenletExit:
                pass

    def reset(self):
        pass


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
