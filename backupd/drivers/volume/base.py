"""The volume driver contract: what the volume manager calls on local storage.

A volume driver keeps volumes and snapshots on one host's storage (files,
LVM logical volumes). It takes plain values (ids as strings, sizes as whole
GiB, the attach ``connector`` dict) and returns plain values; it never
imports ``backupd.api``, ``backupd.manager`` or ``backupd.db``. Every method
is plain blocking code: the manager runs it in a native thread.

Options, capability flags and the lifecycle follow the convention of both
driver kinds (``backupd.drivers.base``)::

    driver = SomeDriver(conf, host)  # the base registers the driver's OPTS
    driver.do_setup()                # create what the driver needs (dirs)
    driver.check_for_setup_error()   # raise if unusable; detect capabilities

:class:`VolumeDriver` is an abstract base class: the operations without a
default below are abstract methods.

Operations; each raises ``backupd.exception.VolumeDriverError`` on failure
with a reason naming the volume or snapshot and what went wrong:

``create_volume(volume_id, size_gb)``
    An empty (zero-reading) volume of ``size_gb`` GiB.
``delete_volume(volume_id)``, ``delete_snapshot(snapshot_id, volume_id)``
    Remove it; one already gone counts as deleted.
``create_snapshot(snapshot_id, volume_id)``
    A point-in-time copy of the volume.
``create_volume_from_snapshot(volume_id, size_gb, snapshot_id,
src_volume_id)``, ``create_cloned_volume(volume_id, size_gb, src_volume_id)``
    A new volume holding the source's data; ``size_gb`` at least the
    source's size, the rest reads as zeros.
``extend_volume(volume_id, new_size_gb)``
    Grow, keeping the data; never shrinks.
``local_path(volume_id) -> str``
    The file or block device holding the volume on this host.
``snapshot_path(snapshot_id, volume_id) -> str``
    The same for a snapshot; only when ``supports_snapshot_local_path``.
``attach_volume(volume_id, attachment_id, connector)``,
``detach_volume(volume_id, attachment_id)``
    Bookkeeping; local drivers have nothing to export (no-ops here).
``get_stats() -> dict``
    See below.

Capability flags are attributes a caller reads without a call
(``capabilities()`` reports them without the ``supports_`` prefix, which is
what the volume service answers over RPC and puts in ``get_stats()``):

``supports_snapshot_local_path``
    True when ``snapshot_path()`` gives a path the backup service can read
    directly (file, LVM); otherwise the manager backs up from a temporary
    cloned volume.
``supports_reflink``
    True when snapshots and clones share blocks with their source (set per
    instance by ``check_for_setup_error()`` when detected).
``supports_change_tracking``
    True when the driver can tell which ranges of a snapshot changed since
    an older snapshot of the same volume (a *base*), without reading them:
    ``file`` on a reflink filesystem (FIEMAP), ``lvm`` thin (``thin_delta``).

Changed-block tracking (only when ``supports_change_tracking``):

``snapshot_identity(snapshot_id, volume_id) -> str``
    A digest identifying the snapshot's contents as they are now (its
    metadata, not its data); recorded with a backup that keeps the
    snapshot as its base.
``changed_ranges(base_snapshot_id, base_identity, snapshot_id, volume_id)
-> [(offset, length)]``
    The byte ranges of the snapshot that may differ from the base; every
    other byte is the same in both. Raises :class:`CannotTrackChanges`
    (with the reason) when it cannot tell: the base is gone, its identity
    is no longer ``base_identity`` (it was modified), or the storage does
    not say. The caller then reads everything.

``get_stats()`` returns ``volume_backend_name``, ``driver_name``,
``total_capacity_gb`` and ``free_capacity_gb`` (floats, GiB) and the
capability flags; a driver may add keys. A driver supplies the capacity by
implementing ``get_capacity_gb()``.

Names on storage are ``volume-<id>`` and ``snapshot-<id>`` (see
:func:`volume_name`, :func:`snapshot_name`), as in Cinder, so an operator
finds a volume's data from its id.
"""
import abc
import re

from oslo_config import cfg

from backupd.drivers import base as driver_base
from backupd import exception

GiB = 1024 ** 3


# Ids become file and LV names: no path separators, no leading dot or dash.
_SAFE_ID = re.compile(r'[A-Za-z0-9][A-Za-z0-9_.-]*\Z')


def _checked_id(kind, object_id):
    if not isinstance(object_id, str) or not _SAFE_ID.match(object_id):
        raise exception.VolumeDriverError(
            reason='%s id %r is not usable as a storage name; ids are '
                   'letters, digits, "-", "_" and "." (a UUID).'
                   % (kind, object_id))
    return object_id


class CannotTrackChanges(exception.VolumeDriverError):
    """The driver cannot say what changed since a base; read everything."""


def volume_name(volume_id):
    """Storage name of a volume (file name, LV name)."""
    return 'volume-%s' % _checked_id('Volume', volume_id)


def snapshot_name(snapshot_id):
    """Storage name of a snapshot (file name, LV name)."""
    return 'snapshot-%s' % _checked_id('Snapshot', snapshot_id)


def size_bytes(size_gb):
    """Bytes of a size in whole GiB; refuses what no volume can have."""
    whole = isinstance(size_gb, int) and not isinstance(size_gb, bool)
    if not whole or size_gb < 1:
        raise exception.VolumeDriverError(
            reason='Volume size must be a positive whole number of GiB, '
                   'got %r.' % (size_gb,))
    return size_gb * GiB


class VolumeDriver(driver_base.Driver):
    """Base class of volume drivers; see the module docstring."""

    #: Entry point name in ``backupd.volume_drivers`` (set by subclasses).
    driver_name = None

    supports_snapshot_local_path = False
    supports_reflink = False
    supports_change_tracking = False

    def __init__(self, conf, host=None):
        super().__init__(conf)
        self.host = host

    # -- volumes and snapshots ---------------------------------------------

    @abc.abstractmethod
    def create_volume(self, volume_id, size_gb):
        """An empty volume of ``size_gb`` GiB that reads as zeros."""

    @abc.abstractmethod
    def delete_volume(self, volume_id):
        """Remove the volume; one already gone counts as deleted."""

    @abc.abstractmethod
    def create_snapshot(self, snapshot_id, volume_id):
        """A point-in-time copy of the volume."""

    @abc.abstractmethod
    def delete_snapshot(self, snapshot_id, volume_id):
        """Remove the snapshot; one already gone counts as deleted."""

    @abc.abstractmethod
    def create_volume_from_snapshot(self, volume_id, size_gb, snapshot_id,
                                    src_volume_id):
        """A new volume holding the snapshot's data."""

    @abc.abstractmethod
    def create_cloned_volume(self, volume_id, size_gb, src_volume_id):
        """A new volume holding the source volume's data."""

    @abc.abstractmethod
    def extend_volume(self, volume_id, new_size_gb):
        """Grow the volume, keeping its data."""

    @abc.abstractmethod
    def local_path(self, volume_id):
        """The file or block device holding the volume on this host."""

    def snapshot_path(self, snapshot_id, volume_id):
        raise exception.VolumeDriverError(
            reason='Driver %s cannot expose snapshot %s of volume %s as a '
                   'local path; back up from a cloned volume instead.'
                   % (self.driver_name, snapshot_id, volume_id))

    # -- changed-block tracking (drivers with supports_change_tracking) -------

    def snapshot_identity(self, snapshot_id, volume_id):
        raise CannotTrackChanges(
            reason='Driver %s cannot track changed blocks.' % self.driver_name)

    def changed_ranges(self, base_snapshot_id, base_identity, snapshot_id,
                       volume_id):
        raise CannotTrackChanges(
            reason='Driver %s cannot track changed blocks.' % self.driver_name)

    # -- attachments: bookkeeping only for local drivers -------------------

    def attach_volume(self, volume_id, attachment_id, connector):
        """Record an attachment; local drivers have nothing to export."""

    def detach_volume(self, volume_id, attachment_id):
        """Forget an attachment; detaching twice is fine."""

    # -- stats --------------------------------------------------------------

    @abc.abstractmethod
    def get_capacity_gb(self):
        """(total, free) capacity of the backend in GiB, as floats."""

    def get_stats(self):
        total, free = self.get_capacity_gb()
        return {
            'volume_backend_name': self._backend_name(),
            'driver_name': self.driver_name,
            'total_capacity_gb': total,
            'free_capacity_gb': free,
            **self.capabilities(),
        }

    def _backend_name(self):
        # volume_backend_name is a core option; a driver built on a bare
        # ConfigOpts (tests, tools) falls back to its own name.
        try:
            return self.conf.volume_backend_name or self.driver_name
        except cfg.NoSuchOptError:
            return self.driver_name
