"""A repository: one project's shared backup data in one container.

Objects under ``p_<token>/`` (doc/dedup-and-gc.rst): the repository key,
content-named chunks (``c_``) and block hash segments (``h_``), delta packs
(``k_``), the registration of each backup (``ref_<id>``) and collection
leases (``gc_<uuid>``). This module names them, frames stored payloads and
runs the lease protocol that keeps writers and collectors apart (I4, I5).
"""
import hashlib
import hmac
import json
import logging
import os
import re
import time
import uuid

from backupd import exception
from backupd import utils

LOG = logging.getLogger(__name__)

# Stored payloads of the shared layout carry their compression in a frame;
# a manifest then names it with this instead of an algorithm.
FRAMED = 'framed'
_CODES = ('none', 'zstd', 'zlib', 'bz2')
PAD_UNIT = 4

NAME = re.compile(r'p_[0-9a-f]{32}\Z')
DATA_OBJECT = re.compile(r'p_[0-9a-f]{32}/(?:c_[0-9a-f]{64}|h_[0-9a-f]{64}'
                         r'|k_[0-9a-f]{32})\Z')
DATA_KINDS = ('c_', 'h_', 'k_')


def name_for(project_id):
    """The repository of ``project_id`` (in any container)."""
    token = hashlib.sha256(b'backupd-repository\0'
                           + str(project_id or '').encode()).hexdigest()
    return 'p_' + token[:32]


def frame(stored, compression, pad_units=0):
    """The bytes to store for a payload compressed with ``compression``."""
    header = bytes((_CODES.index(compression), pad_units))
    return b''.join((header, bytes(pad_units * PAD_UNIT), stored))


def unframe(data):
    """(stored payload, compression) of framed bytes; ValueError when they
    are not framed as :func:`frame` does."""
    if len(data) < 2 or data[0] >= len(_CODES):
        raise ValueError('not a framed object')
    start = 2 + data[1] * PAD_UNIT
    if len(data) < start:
        raise ValueError('frame longer than the object')
    return memoryview(data)[start:], _CODES[data[0]]


class Busy(Exception):
    """A collection or a writer holds the repository; try later."""


class Lease:
    """A lease object (``ref_<id>`` or ``gc_<uuid>``) its holder refreshes;
    valid ``seconds`` after its last refresh for its holder, expired for
    others only after twice that (I5)."""

    def __init__(self, repo, name, seconds):
        self.repo = repo
        self.name = name
        self.seconds = seconds
        self._renewed = None
        self._longest_gap = 0.0

    def write(self):
        started = time.monotonic()
        self.repo.put(self.name, json.dumps({'time': time.time()}).encode())
        if self._renewed is not None:
            self._longest_gap = max(self._longest_gap,
                                    started - self._renewed)
        self._renewed = time.monotonic()

    def renew_if_due(self):
        if time.monotonic() - self._renewed >= self.seconds / 4:
            self.write()

    def check(self):
        """Raise unless the lease was surely ours all along: a holder must
        not commit on a lease others may have considered expired at some
        point (a gap between two renewals as long as the lease)."""
        gap = max(self._longest_gap, time.monotonic() - self._renewed)
        if gap >= self.seconds:
            raise exception.BackupDriverError(
                reason='Lease %s in container %s was not renewed for %d s '
                       '(backup_lease_seconds); stopping before a commit '
                       'that a collection may no longer expect.'
                       % (self.name, self.repo.container, self.seconds))

    def confirm(self):
        """:meth:`check`, and the lease object is still there (nobody
        deleted this writer's registration meanwhile)."""
        self.check()
        if self.repo.driver.head_object(self.repo.container,
                                        self.name) is None:
            raise exception.BackupDriverError(
                reason='Lease %s in container %s is gone (removed by a '
                       'delete or a collection); not committing.'
                       % (self.name, self.repo.container))

    def release(self):
        self.repo.delete(self.name)


class Repository:
    """Names, key and leases of one repository of one container."""

    def __init__(self, driver, container, name, lease_seconds=300,
                 settle=0.0):
        if not NAME.match(name or ''):
            raise exception.BackupDriverError(
                reason='%r is not a repository name (p_ and 32 hex digits).'
                       % (name,))
        self.driver = driver
        self.container = container
        self.name = name
        self.prefix = name + '/'
        self.lease_seconds = lease_seconds
        self.settle = settle
        self._key = None
        self._key_lock = utils.native_threading().Lock()
        self._sleeper = utils.native_threading().Event()

    # --- storage, through the driver's primitives ---

    def put(self, name, data):
        self.driver.put_object(self.container, name, data)

    def delete(self, name):
        self.driver.delete_object(self.container, name)

    def list(self, kind):
        return self.driver.list_objects(self.container, self.prefix + kind)

    def names(self, kind):
        """The names of one kind, streamed from the store (a collection
        over millions of objects holds one listing page at a time)."""
        return self.driver.iter_objects(self.container, self.prefix + kind)

    # --- names ---

    @property
    def key(self):
        """The repository's random key, made by the first writer. Two
        first writers racing may each use their own key once: that only
        costs dedup between those two backups (names are just names; every
        payload is checked against its checksum). Within a process it is
        read (or made) once: hashing threads name chunks concurrently."""
        with self._key_lock:
            if self._key is None:
                self._key = self._load_key()
            return self._key

    def _load_key(self):
        name = self.prefix + 'key'
        try:
            key = self.driver.get_object(self.container, name)
        except exception.BackupObjectNotFound:
            self.put(name, os.urandom(32))
            key = self.driver.get_object(self.container, name)
        if len(key) < 16:
            raise exception.BackupDriverError(
                reason='Repository key %s in container %s is damaged '
                       '(%d bytes).' % (name, self.container, len(key)))
        return bytes(key)

    def _mac(self, label, text):
        return hmac.new(self.key, label + text.encode(),
                        hashlib.sha256).hexdigest()

    def chunk_name(self, checksum):
        return self.prefix + 'c_' + self._mac(b'chunk\0', checksum)

    def hashes_name(self, checksum):
        return self.prefix + 'h_' + self._mac(b'hashes\0', checksum)

    def new_pack_name(self):
        return self.prefix + 'k_' + uuid.uuid4().hex

    def pad_units(self, name):
        """Padding of a content-named object: keyed, so equal data of two
        projects differs in size as well as in name."""
        return hmac.new(self.key, b'pad\0' + name.encode(),
                        hashlib.sha256).digest()[0]

    def ref_name(self, backup_id):
        return self.prefix + 'ref_' + backup_id

    def owns(self, name):
        return bool(DATA_OBJECT.match(name or '')) and \
            name.startswith(self.prefix)

    # --- leases (doc/dedup-and-gc.rst, I4 and I5) ---

    def lease_time(self, name):
        """Wall time written in a lease object, 0 when unreadable, None
        when it is gone."""
        try:
            body = json.loads(self.driver.get_object(self.container, name))
            return float(body['time'])
        except exception.BackupObjectNotFound:
            return None
        except (ValueError, KeyError, TypeError):
            return 0.0

    def expired(self, lease_time):
        return lease_time is not None and \
            time.time() - lease_time > 2 * self.lease_seconds

    def _wait(self, seconds):
        self._sleeper.wait(seconds)

    def open_writer(self, backup_id, is_cancelled=lambda: False):
        """Register ``backup_id`` here and wait until no collection runs;
        returns its lease (refresh it while writing, check it before the
        manifest)."""
        lease = Lease(self, self.ref_name(backup_id), self.lease_seconds)
        lease.write()
        try:
            self.key          # made before any data is named
            while True:
                running = self._live_collections()
                if not running:
                    return lease
                LOG.info('Backup %s waits for the collection of repository '
                         '%s in container %s (%s).', backup_id, self.name,
                         self.container, ', '.join(running))
                if is_cancelled():
                    raise exception.BackupCancelled(backup_id=backup_id)
                self._wait(min(1.0, self.lease_seconds / 10))
                lease.renew_if_due()
        except BaseException:
            lease.release()
            raise

    def _live_collections(self, own=None):
        live = []
        for name in self.list('gc_'):
            if name == own:
                continue
            stamp = self.lease_time(name)
            if stamp is None:
                continue
            if self.expired(stamp):
                LOG.warning('Removing the expired collection lease %s in '
                            'container %s (a killed collection).', name,
                            self.container)
                self.delete(name)
                continue
            live.append(name)
        return live

    def start_collection(self):
        """The collector's lease, or :class:`Busy` when another collection
        holds one."""
        lease = Lease(self, self.prefix + 'gc_' + uuid.uuid4().hex,
                      self.lease_seconds)
        lease.write()
        if self.settle:
            self._wait(self.settle)     # a listing may lag behind a PUT
        try:
            others = self._live_collections(own=lease.name)
            if others:
                raise Busy('collection %s runs' % others[0])
        except BaseException:
            lease.release()
            raise
        return lease
