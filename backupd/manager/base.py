"""What every manager shares: identity, readiness, driver initialization.

A manager is a thin RPC endpoint. It is *ready* once its driver passed
``do_setup()`` and ``check_for_setup_error()``; until then its service keeps
heartbeating but shows ``down`` and gets no work. A failed initialization is
retried by the periodic task when the manager's ``periodic_init_opt`` allows.
"""
from oslo_log import log as logging
import stevedore

from backupd import context as backupd_context
from backupd import exception

LOG = logging.getLogger(__name__)


class Manager:
    RPC_API_VERSION = '1.0'
    # Set by subclasses.
    service_name = None
    driver_namespace = None

    def __init__(self, conf, host):
        self.conf = conf
        self.host = host
        self.driver = None
        self.ready = False
        self.not_ready_reason = 'driver not initialized yet'

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

    def init_driver(self):
        """Load (once) and set up the driver; mark ready or say why not."""
        name = self.driver_name()
        try:
            if self.driver is None:
                self.driver = self.load_driver()
            self.driver.do_setup()
            self.driver.check_for_setup_error()
        except Exception as e:
            self.ready = False
            self.not_ready_reason = 'driver %s failed to initialize: %s' % (
                name, e)
            LOG.error('%s on %s: %s', self.service_name, self.host,
                      self.not_ready_reason)
            return False
        self.ready = True
        self.not_ready_reason = None
        LOG.info('%s on %s: driver %s initialized', self.service_name,
                 self.host, name)
        return True

    # --- service hooks -----------------------------------------------------
    def init_host(self):
        """Called once before the RPC server starts."""
        self.init_driver()
        if self.ready:
            self.cleanup(backupd_context.get_admin_context())

    def cleanup(self, context):
        """Repair what a crash left behind (per manager)."""

    def periodic_tasks(self, context):
        """Called every periodic_interval by the service."""
        if not self.ready:
            if self.init_driver():
                self.cleanup(context)

    def is_ready(self):
        return self.ready, self.not_ready_reason
