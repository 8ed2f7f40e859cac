"""Driver initialization: bounded, never concurrent, retried until it works.

One attempt = ``do_setup()`` then ``check_for_setup_error()`` on a native
thread (a driver may block on disk or on a hung Swift), bounded by
``<kind>_initialization_timeout``. A timed-out attempt is abandoned: the
service stays responsive and retries later, but a new attempt starts only
once the abandoned one has really ended, so two never run at once. After a
success nothing runs again; :meth:`DriverInitializer.wait_ready` lets a
companion (backupd-all's scrubber) start its work then. Each attempt is
logged and notified (``<kind>.init.success`` / ``<kind>.init.error``).
"""
import eventlet
from eventlet import event
from oslo_log import log as logging

from backupd import hub
from backupd import notifications
from backupd import utils

LOG = logging.getLogger(__name__)


class DriverInitializer:
    def __init__(self, kind, host, driver_name, load_driver, timeout,
                 periodic):
        self.kind = kind              # 'backup' or 'volume'
        self.host = host
        self.driver_name = driver_name
        self._load_driver = load_driver
        self.timeout = timeout
        self.periodic = periodic
        self.driver = None
        self.ready = False
        self.reason = 'driver %s not initialized yet' % driver_name
        self.attempts = 0
        self._ready_event = event.Event()
        # A native lock: the attempt's own thread releases it when it ends,
        # even after the green caller gave up waiting.
        self._running = utils.native_threading().Lock()

    def attempt(self, context):
        """Run one attempt unless initialized or one is still running."""
        if self.ready:
            return True
        if not self._running.acquire(blocking=False):
            LOG.warning('%s driver %s on %s: previous initialization attempt '
                        'is still running; not starting another',
                        self.kind, self.driver_name, self.host)
            return False
        self.attempts += 1
        attempt = self.attempts
        LOG.info('%s driver %s on %s: initialization attempt %d',
                 self.kind, self.driver_name, self.host, attempt)
        try:
            with eventlet.Timeout(self.timeout):
                hub.call(self._setup_then_release)
        except eventlet.Timeout:
            error = ('initialization attempt %d timed out after %ss'
                     % (attempt, self.timeout))
        except Exception as e:
            error = '%s: %s' % (type(e).__name__, e)
        else:
            error = None
        return self._record(context, attempt, error)

    def wait_ready(self):
        """Block this green thread until the driver is initialized."""
        self._ready_event.wait()

    def _setup_then_release(self):
        try:
            if self.driver is None:
                self.driver = self._load_driver()
            self.driver.do_setup()
            self.driver.check_for_setup_error()
        finally:
            self._running.release()

    def _record(self, context, attempt, error):
        payload = {'host': self.host, 'driver': self.driver_name,
                   'attempt': attempt, 'error': error}
        if error is None:
            self.ready, self.reason = True, None
            LOG.info('%s driver %s on %s initialized (attempt %d)',
                     self.kind, self.driver_name, self.host, attempt)
            notifications.notify(context, self.kind, 'init', 'success',
                                 payload)
            # Last, with no switch before the caller takes the driver.
            self._ready_event.send()
            return True
        self.ready = False
        retry = ('retrying every periodic_interval' if self.periodic else
                 '%s_periodic_initialization is off: fix it and restart the '
                 'service' % self.kind)
        self.reason = 'driver %s failed to initialize: %s (%s)' % (
            self.driver_name, error, retry)
        LOG.error('%s on %s: %s', self.kind, self.host, self.reason)
        notifications.notify(context, self.kind, 'init', 'error', payload,
                             priority='error')
        return False
