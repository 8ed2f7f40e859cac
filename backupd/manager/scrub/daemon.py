"""The scrubber as a service: a scrub run every ``wakeup_time`` seconds.

``backupd-scrubber --daemon`` runs it alone; backupd-all runs it next to
its other services when ``delayed_delete`` is on, with the backup
service's driver, and starts its schedule once that driver is ready. It holds the scrubber lock for its whole life (not only
during runs), so ``--restore`` is refused while it is up. If another
scrubber holds the lock, this one stays idle and tries again at every
wakeup.
"""
from oslo_log import log as logging
from oslo_service import service as os_service

from backupd import context as backupd_context
from backupd.manager.scrub import driver as scrub_driver
from backupd.manager.scrub import lock
from backupd.manager.scrub import scrub

LOG = logging.getLogger(__name__)


class ScrubberService(os_service.Service):
    """``driver_source``: returns the backup driver, or None while it is not
    ready (backupd-all passes its backup manager's); by default the
    scrubber loads its own. ``wait_ready``: blocks until that driver is
    ready; the first run starts then rather than a wakeup_time later."""

    def __init__(self, conf, held_lock=None, driver_source=None,
                 wait_ready=None):
        super().__init__()
        self.conf = conf
        self._lock = held_lock
        self._driver_source = driver_source or self._own_driver
        self._wait_ready = wait_ready
        self._driver = None

    def start(self):
        super().start()
        self.tg.add_thread(self._schedule)

    def _schedule(self):
        if self._wait_ready is not None:
            self._wait_ready()
        self.tg.add_timer(self.conf.wakeup_time, self.run_once,
                          initial_delay=0)
        LOG.info('Scrubber started: a run every %ss, backups pending '
                 'longer than %ss are removed.', self.conf.wakeup_time,
                 self.conf.scrub_time)

    def run_once(self):
        if not self._hold_lock():
            return None
        context = backupd_context.get_admin_context()
        try:
            driver = self._driver_source(context)
            if driver is None:
                LOG.info('Scrubber: the backup driver is not ready yet; '
                         'next try in %ss.', self.conf.wakeup_time)
                return None
            return scrub.run(self.conf, context, driver)
        except Exception:
            # The next wakeup tries again; a daemon must not die of a blip.
            LOG.exception('Scrub run failed')
            return None

    def _hold_lock(self):
        if self._lock is not None:
            return True
        try:
            self._lock = lock.acquire(self.conf)
        except lock.ScrubberRunning as e:
            LOG.warning('Scrubber idle: %s', e)
            return False
        return True

    def _own_driver(self, context):
        if self._driver is None:
            self._driver = scrub_driver.load(self.conf, context)
        return self._driver

    def stop(self, graceful=False):
        super().stop(graceful)
        lock.release(self._lock)
        self._lock = None
