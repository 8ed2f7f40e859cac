"""The backup driver contract: what the backup manager may call on a driver.

A driver gets plain values and returns plain values (HACKING.rst): the
manager turns a database row into a :class:`BackupRef`, calls the driver
from a native thread (``backupd.hub.call``: never on the eventlet hub), and
stores what comes back (:class:`BackupResult`) in the backup row, in
particular ``service_metadata``, which the driver needs again to restore,
verify or delete the backup.

Callbacks: ``progress(done_bytes, total_bytes)`` and ``is_cancelled()`` are
called only from the thread that called the driver, between chunks, at most
a few times a second; they must be cheap and must not block on the eventlet
hub (no DB call inside them that waits on a green thread; read a flag that
another thread sets).
"""
import abc
import contextlib
import dataclasses
import typing

from backupd.drivers import base as driver_base


@dataclasses.dataclass(frozen=True)
class BackupRef:
    """A backup as a driver sees it.

    ``container``: where the backup's objects live; None or "" lets the
    driver choose its default (the result says which one it used, store it).
    ``parent``: the backup an incremental is taken against (None for a full
    backup); only ``backup()`` reads it, restore/verify/delete find the
    parents through the stored manifest.
    ``service_metadata``: what ``backup()`` returned in
    :attr:`BackupResult.service_metadata` (the manifest's object name); None
    for a backup that is being created.
    ``project_id``: the owner; a driver that shares data keeps one
    repository per project (doc/dedup-and-gc.rst).
    ``depends_on_parent``: set by ``import_record``: the stored data needs
    the parent's (an incremental of a chained layout).
    """

    id: str
    volume_id: str
    container: typing.Optional[str] = None
    parent: typing.Optional['BackupRef'] = None
    service_metadata: typing.Optional[str] = None
    project_id: typing.Optional[str] = None
    depends_on_parent: bool = False


@dataclasses.dataclass(frozen=True)
class BackupResult:
    """What ``backup()`` made; the manager stores it in the backup row.

    ``stored_bytes`` counts bytes written to storage by THIS backup (after
    compression, manifest included); ``changed_bytes`` the volume bytes this
    backup had to store (all non-zero data for a full backup, the changed
    blocks for an incremental).
    """

    container: str
    service_metadata: str
    object_count: int
    stored_bytes: int
    volume_size: int
    changed_bytes: int
    is_incremental: bool
    #: restoring needs the parent's stored data (it cannot be deleted
    #: first); False for data shared by reference.
    depends_on_parent: bool = False


@dataclasses.dataclass(frozen=True)
class VerifyProblem:
    """One thing wrong with one stored object."""

    backup_id: str
    container: str
    object_name: str
    reason: str

    def __str__(self):
        return ('backup %s: object %s in container %s: %s'
                % (self.backup_id, self.object_name, self.container,
                   self.reason))


@dataclasses.dataclass
class VerifyReport:
    """Outcome of ``verify()``: ``ok`` only when every object checked out."""

    backup_id: str
    checked_objects: int = 0
    checked_bytes: int = 0
    problems: typing.List[VerifyProblem] = dataclasses.field(
        default_factory=list)

    @property
    def ok(self):
        return not self.problems

    def summary(self):
        if self.ok:
            return ('backup %s verified: %d objects, %d bytes, no problem'
                    % (self.backup_id, self.checked_objects,
                       self.checked_bytes))
        return ('backup %s has %d problem(s): %s'
                % (self.backup_id, len(self.problems),
                   '; '.join(str(p) for p in self.problems)))


ProgressCallback = typing.Callable[[int, int], None]
CancelCheck = typing.Callable[[], bool]


def _no_progress(done_bytes, total_bytes):
    pass


def _never_cancelled():
    return False


class BackupDriver(driver_base.Driver):
    """Base class of every backup driver (an ABC).

    Options and capability flags follow ``backupd.drivers.base``: a driver
    declares ``OPTS`` and this base registers them; the ``supports_*`` flags
    are class attributes the manager reads without instantiating a driver.
    """

    #: ``backup()`` honours ``BackupRef.parent`` and stores only changes.
    supports_incremental = False
    #: ``backup()`` takes ``changes`` (``engine.tracked.Changes``): an
    #: incremental then reads only the ranges the volume driver reported.
    supports_change_tracking = False
    #: ``verify()`` re-reads the stored data (else it only checks presence).
    supports_verify = False
    #: restore leaves holes on a sparse target for all-zero regions.
    supports_sparse_restore = False

    @abc.abstractmethod
    def backup(self, backup, device_path, progress=_no_progress,
               is_cancelled=_never_cancelled, changes=None):
        """Back up the volume readable at ``device_path`` (a file or block
        device) as ``backup`` (a :class:`BackupRef`); return a
        :class:`BackupResult`. ``changes``: what changed since the parent's
        base snapshot, for drivers with ``supports_change_tracking`` (the
        others ignore it and read everything). On failure or cancel
        (:class:`backupd.exception.BackupCancelled`) nothing of this backup
        is left in storage."""

    @abc.abstractmethod
    def restore(self, backup, target_path, progress=_no_progress,
                is_cancelled=_never_cancelled):
        """Write the backed-up bytes to ``target_path`` (file or device).

        Every chunk is checked against its checksum before it is written;
        a mismatch raises :class:`backupd.exception.BackupChecksumMismatch`
        naming the object. After a failure or a cancel the target holds
        partial data: the caller marks it unusable (error_restoring)."""

    @abc.abstractmethod
    def delete_backup(self, backup):
        """Remove every object of ``backup`` and only those; idempotent."""

    def verify(self, backup, checked=None):
        """Re-read what ``backup`` (and the backups it depends on) stored;
        return a :class:`VerifyReport`. ``checked``: from
        :meth:`verify_pass`, shared by the calls of one pass so that an
        object several backups share is read once per pass."""
        raise NotImplementedError(
            '%s cannot verify backups' % type(self).__name__)

    def verify_pass(self):
        """A context manager giving the ``checked`` argument of
        :meth:`verify` for one pass over several backups."""
        return contextlib.nullcontext(None)

    def collect_garbage(self, container, project_id):
        """Remove stored data no backup references any more (drivers that
        share data); returns a dict describing what was done."""
        return {}

    def collect_deferred(self):
        """Retry the collections that found their data busy (called
        periodically by the backup service)."""

    def abandon(self, backup):
        """``backup``'s create run died (found at the service's start): let
        go of what it held in storage. Its row stays; idempotent."""

    def export_record(self, backup):
        """Driver-specific data (a JSON-serializable dict) needed to import
        the backup elsewhere; the manager adds its own row data."""
        return {}

    def import_record(self, backup, driver_info):
        """Check that ``driver_info`` (from ``export_record``) describes a
        backup present in this driver's storage; raise
        :class:`backupd.exception.BackupDriverError` otherwise. Returns the
        :class:`BackupRef` to store (container and service_metadata set,
        ``parent`` the backup the stored data depends on, or None)."""
        raise NotImplementedError(
            '%s cannot import backup records' % type(self).__name__)
