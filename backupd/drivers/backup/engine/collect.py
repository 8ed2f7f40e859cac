"""Collection of a repository: mark what manifests reference, sweep the
rest (doc/dedup-and-gc.rst, I4 to I8).

Memory stays flat whatever the store holds: the marks are in an on-disk
set (:class:`DiskSet`), manifests are read one at a time and listings are
streamed (``iter_objects``). :class:`Rounds` group-commits a process's
collections of one repository.
"""
import collections
import contextlib
import hashlib
import logging
import os
import shutil
import sqlite3
import tempfile

from backupd import exception
from backupd import utils
from backupd.drivers.backup.engine import manifest
from backupd.drivers.backup.engine import repository

LOG = logging.getLogger(__name__)


class DiskSet:
    """A set of strings in a temporary SQLite file (16-byte digests of
    them: a collision, at odds of 2**-64, only keeps an object or skips a
    second check of it). Usable as a context manager; thread-safe."""

    def __init__(self):
        self._dir = tempfile.mkdtemp(prefix='backupd-set-')
        self._db = sqlite3.connect(os.path.join(self._dir, 'set'),
                                   check_same_thread=False,
                                   isolation_level=None)
        for pragma in ('journal_mode=OFF', 'synchronous=OFF',
                       'cache_size=-8192', 'temp_store=FILE'):
            self._db.execute('PRAGMA ' + pragma)
        self._db.execute('CREATE TABLE s (k BLOB PRIMARY KEY) WITHOUT ROWID')
        self._lock = utils.native_threading().Lock()

    @staticmethod
    def _key(text):
        return hashlib.sha256(text.encode()).digest()[:16]

    def add(self, text):
        """Add ``text``; whether it was new."""
        with self._lock:
            cursor = self._db.execute('INSERT OR IGNORE INTO s VALUES (?)',
                                      (self._key(text),))
            return cursor.rowcount == 1

    def __contains__(self, text):
        with self._lock:
            return self._db.execute('SELECT 1 FROM s WHERE k = ?',
                                    (self._key(text),)).fetchone() \
                is not None

    def close(self):
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
                shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


class Collection:
    """One mark-and-sweep of one repository."""

    def __init__(self, repo, deleting=lambda backup_id: False):
        self.repo = repo
        self.driver = repo.driver
        # Backups this process is deleting right now (manifest gone, ref
        # not yet): their refs are neither writers nor roots.
        self.deleting = deleting
        self.report = {'repository': repo.name, 'busy': False,
                       'backups': 0, 'removed_refs': 0, 'live_objects': 0,
                       'deleted_objects': 0, 'referenced_bytes': 0}

    def run(self):
        if self.driver.head_object(self.repo.container,
                                   self.repo.prefix + 'key') is None:
            # No writer ever came here (the key is written before any data
            # and never removed): nothing to collect, nothing to lease.
            return self.report
        try:
            lease = self.repo.start_collection()
        except repository.Busy as exc:
            self.report.update(busy=True, reason=str(exc))
            return self.report
        try:
            with DiskSet() as marks:
                dead_refs = self._mark(lease, marks)
                if dead_refs is None:
                    return self.report       # a writer is in progress
                self._sweep(lease, marks)
                for name in dead_refs:
                    lease.check()
                    self.repo.delete(name)
                    self.report['removed_refs'] += 1
        finally:
            lease.release()
        LOG.info('Collection of repository %s in container %s: %s',
                 self.repo.name, self.repo.container, self.report)
        return self.report

    def _mark(self, lease, marks):
        """Mark every object a registered manifest names; the refs of
        writers that died (to remove), or None when a live writer holds
        the repository (nothing may be swept)."""
        repo = self.repo
        dead = []
        ranges = DiskSet()
        try:
            for ref in repo.names('ref_'):
                lease.renew_if_due()
                backup_id = ref[len(repo.prefix) + len('ref_'):]
                found = self._manifest_of(backup_id)
                if found is None and self.deleting(backup_id):
                    continue          # its delete drops the ref itself
                if found is None:
                    stamp = repo.lease_time(ref)
                    if stamp is None:
                        continue             # deleted meanwhile
                    if not repo.expired(stamp):
                        self.report.update(
                            busy=True, reason='backup %s is being written'
                            % backup_id)
                        return None
                    dead.append(ref)
                    continue
                if found.repository != repo.name:
                    continue     # registered here by mistake: marks nothing
                self.report['backups'] += 1
                for name, offset, size in found.data_objects():
                    if ranges.add('%s\0%s' % (name, offset)):
                        self.report['referenced_bytes'] += size
                    marks.add(name)
        finally:
            ranges.close()
        return dead

    def _manifest_of(self, backup_id):
        """The backup's manifest; None when it has none (yet or any more).
        One that cannot be read stops the collection (I7)."""
        name = manifest.ObjectNames(backup_id).manifest
        try:
            data = self.driver.get_object(self.repo.container, name)
        except exception.BackupObjectNotFound:
            return None
        try:
            return manifest.Manifest.from_bytes(data, self.repo.container,
                                                name)
        except exception.BackupChecksumMismatch as exc:
            raise exception.BackupDriverError(
                reason='Collection of repository %s stopped before deleting '
                       'anything: %s (its objects are unknown; delete or '
                       'repair that backup).' % (self.repo.name, exc.msg))

    def _sweep(self, lease, marks):
        for kind in repository.DATA_KINDS:
            for name in self.repo.names(kind):
                lease.renew_if_due()
                if name in marks:
                    self.report['live_objects'] += 1
                    continue
                lease.check()                # I5, before every delete
                self.repo.delete(name)
                self.report['deleted_objects'] += 1


class Rounds:
    """Group commit of collections within a process, per (container,
    repository) (doc/dedup-and-gc.rst, "Bulk deletes").

    :meth:`run` returns the report of a collection that *started* after
    the call: a caller that dropped a ref before calling knows its data
    was collected, as when it ran its own. A call while a collection of
    that repository runs here waits for the next one, which one of the
    waiting callers runs for all of them: n concurrent deletes cost at
    most two collections instead of n."""

    def __init__(self):
        self._cond = utils.native_threading().Condition()
        self._state = {}      # key -> _Round

    def run(self, key, collect):
        """``collect()``'s report, or its exception, from a run of it that
        started after this call."""
        with self._cond:
            state = self._state.setdefault(key, _Round())
            state.callers += 1
            need = state.started + 1
            try:
                while state.done < need:
                    if state.running:
                        self._cond.wait()
                    else:
                        self._run_one(state, collect)
                if state.error is not None:
                    raise state.error
                return state.report
            finally:
                state.callers -= 1
                if not state.callers:
                    del self._state[key]

    def _run_one(self, state, collect):
        """Run ``collect`` as collection number ``state.started + 1``,
        without the lock (held on entry and on return)."""
        state.started += 1
        state.running = True
        outcome = None
        self._cond.release()
        try:
            try:
                outcome = (collect(), None)
            except Exception as exc:
                outcome = (None, exc)
        finally:
            self._cond.acquire()
            state.running = False
            if outcome is None:      # interrupted: a waiter runs it again
                state.started -= 1
            else:
                state.done = state.started
                state.report, state.error = outcome
            self._cond.notify_all()


class Holders:
    """Keys some thread of this process holds (a multiset); thread-safe."""

    def __init__(self):
        self._lock = utils.native_threading().Lock()
        self._held = collections.Counter()

    @contextlib.contextmanager
    def hold(self, key):
        with self._lock:
            self._held[key] += 1
        try:
            yield
        finally:
            with self._lock:
                self._held[key] -= 1
                if not self._held[key]:
                    del self._held[key]

    def __contains__(self, key):
        with self._lock:
            return key in self._held


class _Round:
    """Collections of one repository in this process: how many started,
    how many ended, whether one runs, the last one's outcome."""

    def __init__(self):
        self.started = 0
        self.done = 0
        self.running = False
        self.report = None
        self.error = None
        self.callers = 0
