"""Running driver work: native threads, progress, cancel, the concurrency cap.

A :class:`Run` is what a driver sees of the manager while it works: its
``progress``/``is_cancelled`` callbacks touch plain attributes only (they
are called from the driver's native thread). A green thread next to it
persists the percentage to the backup row with a compare-and-swap on the
operation's status and emits ``backup.<op>progress``; when that CAS finds
another status (os-force_delete or os-reset_status changed the row), it
cancels the run, and the driver stops at its next chunk.
"""
import contextlib

import eventlet
from eventlet import semaphore
from oslo_log import log as logging

from backupd.db import api as db
from backupd.db import models
from backupd.db import retry
from backupd import hub
from backupd import notifications

LOG = logging.getLogger(__name__)

#: Seconds between two progress writes of one run.
PROGRESS_INTERVAL = 1.0


class Run:
    """One backup or restore in progress on this service."""

    def __init__(self, backup_id, kind, status):
        self.backup_id = backup_id
        self.kind = kind            # 'create' or 'restore'
        self.status = status        # the row's status while it runs
        self.done_bytes = 0
        self.total_bytes = 0
        self.cancelled = False
        # Set once the run owns the backup (its claim CAS succeeded); a
        # run still waiting for a slot owns nothing yet.
        self.claimed = False
        # The lease token it claimed the row under (ownership.Owner).
        self.owner = None
        self.reported = None        # last percentage notified
        # Set while the run removes the backup's data (a delete, or a
        # create/restore settling into one): no reset may mark it available.
        self.deleting = kind == 'delete'

    # Called from the driver's native thread: plain attribute access only.
    def progress(self, done_bytes, total_bytes):
        self.done_bytes, self.total_bytes = done_bytes, total_bytes

    def is_cancelled(self):
        return self.cancelled

    def cancel(self):
        self.cancelled = True

    @property
    def percent(self):
        if not self.total_bytes:
            return 0
        return min(100, int(100 * self.done_bytes / self.total_bytes))


class Runs:
    """The runs of this service by backup id, and the concurrency cap."""

    def __init__(self, max_operations):
        self._runs = {}
        # backup id -> the end of a run whose final status write failed
        # after every database retry; the reconciler replays it.
        self.parked = {}
        self._slots = (semaphore.Semaphore(max_operations)
                       if max_operations else None)

    def get(self, backup_id):
        return self._runs.get(backup_id)

    def live(self, backup_id):
        """Some operation of this process still owns ``backup_id``."""
        return backup_id in self._runs or backup_id in self.parked

    def begin(self, backup_id, kind, status, doing):
        """A new Run of ``kind`` for ``backup_id``; None (logged) when
        this process runs one already (a repeated request): ``doing`` says
        what in the log ("created")."""
        if self.live(backup_id):
            LOG.info('Backup %s is already being %s here (a repeated '
                     'request); nothing more to do.', backup_id, doing)
            return None
        return Run(backup_id, kind, status)

    def cancel(self, backup_id):
        """Cancel the run of ``backup_id``; False when none owns it (no run,
        or one still waiting for its slot: the caller deletes then)."""
        run = self._runs.get(backup_id)
        if run is None or not (run.claimed or run.kind == 'delete'):
            return False
        LOG.info('Cancelling the %s of backup %s at its next chunk.',
                 run.kind, backup_id)
        run.cancel()
        return True

    @contextlib.contextmanager
    def registered(self, run):
        self._runs[run.backup_id] = run
        try:
            yield run
        finally:
            self._runs.pop(run.backup_id, None)

    @contextlib.contextmanager
    def slot(self, run):
        """Wait for a free slot of backup_max_operations."""
        if self._slots is None:
            yield
            return
        if not self._slots.acquire(blocking=False):
            LOG.info('Backup %s waits for one of the running backup/restore '
                     'operations to end (backup_max_operations).',
                     run.backup_id)
            self._slots.acquire()
        try:
            yield
        finally:
            self._slots.release()

    def __len__(self):
        return len(self._runs)


def execute(context, run, function, *args):
    """``function(*args, progress=, is_cancelled=)`` in a native thread,
    while a green thread persists the run's progress."""
    watcher = eventlet.spawn(_watch, context, run)
    try:
        result = hub.call(function, *args, progress=run.progress,
                          is_cancelled=run.is_cancelled)
    finally:
        watcher.kill()
    retry.call(_persist, context, run, final=True)
    return result


def in_thread(function, *args, **kwargs):
    """A blocking driver call (verify, delete, import) in a native thread."""
    return hub.call(function, *args, **kwargs)


def _watch(context, run):
    while True:
        eventlet.sleep(PROGRESS_INTERVAL)
        try:
            _persist(context, run)
        except Exception:   # a DB blip must not end the watcher
            LOG.exception('Could not record progress of backup %s',
                          run.backup_id)


def _persist(context, run, final=False):
    percent = 100 if final else run.percent
    expected = {'status': run.status}
    if run.owner:   # a lease another process took over stops this run
        expected['lease_owner'] = run.owner
    still_ours = db.conditional_update(
        context, models.Backup, run.backup_id, {'progress': percent},
        expected)
    if not still_ours:
        if not run.cancelled:
            LOG.info('Backup %s left status %s while its %s ran; stopping '
                     'it.', run.backup_id, run.status, run.kind)
        run.cancel()
        return
    if percent == run.reported:
        return
    run.reported = percent
    notifications.notify(context, 'backup', run.kind + 'progress', None, {
        'backup_id': run.backup_id, 'progress': percent,
        'done_bytes': run.done_bytes, 'total_bytes': run.total_bytes})


def spawn(operation, *args):
    """Run ``operation`` in its own green thread; an unexpected error is
    logged with the operation's name (the restart cleanup repairs what it
    left)."""
    def guarded():
        try:
            operation(*args)
        except Exception:
            LOG.exception('%s.%s failed unexpectedly', operation.__module__,
                          operation.__name__)
    eventlet.spawn_n(guarded)


def settle(mgr, context, backup_id, end, *args):
    """Run ``end(*args)``, the status writes that end an operation, retried
    while the database is unreachable ([database] db_max_retries); when it
    still fails, park it for the reconciler, which replays it once the
    database is back. Returns whether it ran (the lease is then released)."""
    try:
        retry.call(end, *args, conf=mgr.conf)
    except retry.BLIPS as e:
        LOG.error('The end of the operation on backup %s could not be '
                  'written (%s); the reconciler finishes it once the '
                  'database is back.', backup_id, e)
        mgr.runs.parked[backup_id] = lambda: end(*args)
        return False
    mgr.owner.release(context, models.Backup, backup_id)
    return True


def replay_parked(mgr, context):
    """Finish the operations whose end ``settle`` parked."""
    for backup_id, end in list(mgr.runs.parked.items()):
        try:
            end()
        except retry.BLIPS as e:
            LOG.warning('Backup %s: database still unavailable (%s); its '
                        'end stays parked.', backup_id, e)
            continue
        mgr.runs.parked.pop(backup_id, None)
        mgr.owner.release(context, models.Backup, backup_id)
        LOG.warning('Reconciler: finished the parked end of the operation '
                    'on backup %s now that the database is back.', backup_id)
        notifications.notify(context, 'backup', 'repair', None, {
            'backup_id': backup_id, 'repair': 'finished parked end'})
