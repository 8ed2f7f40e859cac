"""The data engine under every object-store backup driver (work in progress:
the contract below is fixed; the engine body lands next)."""
import abc

from backupd.drivers.backup import base


class ChunkedBackupDriver(base.BackupDriver, metaclass=abc.ABCMeta):
    """Storage backends subclass this and supply the primitives below.

    The engine calls them from several native threads at once: they must be
    thread-safe. Object names always start with a per-backup prefix
    (``backup_<id>/``) so a delete never widens to other backups.
    """

    supports_incremental = True
    supports_verify = True
    supports_sparse_restore = True

    #: container used when BackupRef.container is empty; a backend may
    #: override it (from its own option).
    default_container = 'backups'

    @abc.abstractmethod
    def put_container(self, container):
        """Create ``container`` if missing; idempotent."""

    @abc.abstractmethod
    def put_object(self, container, name, data):
        """Store bytes-like ``data``; atomic: visible whole or not at all."""

    @abc.abstractmethod
    def get_object(self, container, name):
        """Return the object's bytes; raise
        ``backupd.exception.BackupObjectNotFound(name=, container=)``."""

    @abc.abstractmethod
    def head_object(self, container, name):
        """Stored size in bytes, or None when the object is missing."""

    @abc.abstractmethod
    def delete_object(self, container, name):
        """Delete the object; a missing object is fine (idempotent)."""

    @abc.abstractmethod
    def list_objects(self, container, prefix):
        """Names starting with ``prefix``; raise ValueError on an empty
        prefix so a bug can never list (and delete) a whole container."""

    @abc.abstractmethod
    def check_backend(self):
        """Raise BackupDriverError when the storage is unusable."""
