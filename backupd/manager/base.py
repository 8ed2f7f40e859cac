"""What every manager shares: identity, readiness, driver initialization.

A manager is a thin RPC endpoint: only its methods marked
``@oslo_messaging.expose``, exactly those its rpcapi client sends, are
reachable over the bus (rpc.get_server); the service hooks below are not.

It is *ready* once its driver passed ``do_setup()`` and
``check_for_setup_error()``; until then its service keeps heartbeating but
shows ``down`` and gets no work. A failed initialization is
retried by the periodic task when ``<kind>_periodic_initialization`` is on
(backupd.manager.driver_init).
"""
from oslo_log import log as logging
import oslo_messaging as messaging
import stevedore

from backupd import context as backupd_context
from backupd import exception
from backupd.manager import buscheck
from backupd.manager import driver_init
from backupd.manager import ownership

LOG = logging.getLogger(__name__)


class Manager:
    RPC_API_VERSION = '1.0'
    # Set by subclasses.
    service_name = None
    driver_namespace = None
    RPCAPI = None         # this service's own rpcapi client class

    def __init__(self, conf, host):
        self.conf = conf
        self.host = host
        self.driver = None
        self._initializer = None
        # owner of this process's operation leases (doc/reliability.rst)
        self.owner = ownership.Owner(conf, host, self.service_name)
        self.bus = buscheck.BusCheck(self)

    # --- driver ------------------------------------------------------------
    def driver_name(self):
        raise NotImplementedError

    def load_driver(self):
        """Instantiate the configured driver through stevedore."""
        name = self.driver_name()
        try:
            mgr = stevedore.driver.DriverManager(
                namespace=self.driver_namespace, name=name,
                invoke_on_load=True, invoke_args=(self.conf,),
                invoke_kwds={'host': self.host} if self.passes_host else {})
        except (stevedore.exception.NoMatches, RuntimeError, ImportError) as e:
            raise exception.DriverNotInitialized(
                driver=name, host=self.host,
                reason='cannot load driver %r from %s: %s'
                       % (name, self.driver_namespace, e))
        return mgr.driver

    passes_host = False

    @property
    def kind(self):
        """'backup' or 'volume': prefixes this manager's options and events."""
        return self.service_name.split('-', 1)[1]

    @property
    def initializer(self):
        if self._initializer is None:
            self._initializer = driver_init.DriverInitializer(
                self.kind, self.host, self.driver_name(), self.load_driver,
                getattr(self.conf, '%s_initialization_timeout' % self.kind),
                getattr(self.conf, '%s_periodic_initialization' % self.kind))
        return self._initializer

    @property
    def ready(self):
        return self.initializer.ready

    @property
    def not_ready_reason(self):
        return self.initializer.reason

    def init_driver(self, context):
        """One bounded initialization attempt; on success, repair leftovers."""
        if self.initializer.attempt(context):
            self.driver = self.initializer.driver
            self.cleanup(context)
            return True
        return False

    # --- service hooks -----------------------------------------------------
    def init_host(self):
        """Called once before the RPC server starts."""
        self.init_driver(backupd_context.get_admin_context())

    def cleanup(self, context):
        """Repair what a crash left behind (per manager); driver is ready."""

    def periodic_tasks(self, context):
        """Called every periodic_interval by the service."""
        if not self.ready and self.initializer.periodic:
            self.init_driver(context)

    def is_ready(self):
        """What the heartbeat reports: the driver initialized and the
        service reachable over the bus."""
        if not self.ready:
            return False, self.not_ready_reason
        problem = self.bus.poll()
        return problem is None, problem

    # --- RPC, every manager ---------------------------------------------
    @messaging.expose
    def ping(self, ctxt):
        """The bus check's round trip (backupd.manager.buscheck)."""
        return True
