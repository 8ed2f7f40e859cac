"""The data engine under every object-store backup driver.

A storage backend subclasses :class:`ChunkedBackupDriver` and supplies eight
object primitives (put/get/get a range of/head/delete/iterate objects,
put_container, check_backend); everything else lives here, once:

* The volume is cut into fixed-size chunks (``backup_chunk_size``) that flow
  through a bounded pipeline on native OS threads: a reader (``preadv``;
  holes found with SEEK_DATA are never read) -> hash+compress workers
  (hashlib and zstandard release the GIL, so ``backup_worker_threads``
  workers use that many cores) -> parallel writers calling ``put_object``.
  At most ``backup_max_chunks_in_flight`` chunks exist in memory at once,
  so memory stays flat whatever the volume size.
* All-zero chunks and holes are recorded in the manifest, never stored.
* Checksums are sha256 hash lists: the sha256 of the concatenated sha256
  digests of each ``backup_sha_block_size_bytes`` block (as strong as a
  plain sha256, and the block digests are needed for incrementals anyway,
  so the data is hashed once). Each chunk's checksum is in the manifest,
  and so is that of each stored object's payload; restore checks both
  before writing anything.
* Incrementals: a sha256 per ``backup_sha_block_size_bytes`` block of the
  volume is kept in "block hash" objects next to the manifest. Against its
  parent a chunk is unchanged (nothing stored), new (whole chunk stored) or
  a delta: only the runs of changed blocks are stored, and restore lays them
  over the parent's chunk.
* The manifest (versioned JSON, see :mod:`.engine.manifest`) describes the
  whole volume and names its parent's manifest; restore and verify follow
  that chain.

Callbacks (``progress``, ``is_cancelled``) run only on the calling thread,
at most every ``pipeline.CALLBACK_INTERVAL`` seconds. Engine code never
imports eventlet: threads and queues come from :mod:`backupd.utils`.

This module holds the options and the driver class; the parts live in
:mod:`backupd.drivers.backup.engine` (codec, checksums, manifest,
pipeline, volume, and backup_run / restore_run / verify_run).
"""
import abc
import dataclasses
import logging
import os
import re
import typing

from oslo_config import cfg

from backupd import exception
from backupd import names as name_rules
from backupd import utils
from backupd.drivers.backup import base
from backupd.drivers.backup.engine import backup_run
from backupd.drivers.backup.engine import codec
from backupd.drivers.backup.engine import collect
from backupd.drivers.backup.engine import manifest
from backupd.drivers.backup.engine import pipeline
from backupd.drivers.backup.engine import repository
from backupd.drivers.backup.engine import restore_run
from backupd.drivers.backup.engine import verify_run

LOG = logging.getLogger(__name__)

OPTS = [
    cfg.IntOpt('backup_chunk_size', default=4 * 1024 * 1024,
               min=64 * 1024, max=1024 * 1024 * 1024,
               help='Bytes of volume per chunk, the unit read, hashed, '
                    'compressed and stored as one object (Cinder calls it '
                    'backup_file_size / backup_swift_object_size). Must be a '
                    'multiple of backup_sha_block_size_bytes. Larger chunks '
                    'mean fewer objects but more memory: about 2 x chunk '
                    'size x backup_max_chunks_in_flight. An incremental '
                    'keeps its parent\'s chunk size.'),
    cfg.IntOpt('backup_sha_block_size_bytes', default=32 * 1024,
               min=4096,
               help='Granularity of change tracking for incremental '
                    'backups, in bytes (same name and default as Cinder). '
                    'A sha256 of every block is kept; an incremental stores '
                    'only the blocks whose hash changed. Smaller blocks '
                    'store less per change but keep more hashes (32 bytes '
                    'per block). Must divide backup_chunk_size.'),
    cfg.StrOpt('backup_compression_algorithm', default='zstd',
               choices=codec.COMPRESSIONS,
               help='Compression of stored chunks: "zstd" (fast, good '
                    'ratio), "zlib", "bz2" (slow, for compatibility) or '
                    '"none". A chunk that does not shrink is stored raw '
                    'whatever the choice. Related: '
                    'backup_compression_level.'),
    cfg.IntOpt('backup_compression_level', min=-5, max=22,
               help='Compression level of backup_compression_algorithm: '
                    'zstd -5 (fastest) to 22 (smallest), default 1 (on '
                    'mixed volume data as small as 3 for half the CPU); '
                    'zlib and bz2 1 to 9, defaults 6 and 9. Unset: the '
                    'default of the algorithm. Ignored for "none".'),
    cfg.IntOpt('backup_worker_threads', default=0, min=0,
               help='Native threads that hash and compress chunks; about one '
                    'per core is fastest. 0: the number of CPUs. Related: '
                    'backup_io_threads, backup_max_chunks_in_flight.'),
    cfg.IntOpt('backup_io_threads', default=4, min=1,
               help='Native threads that write (backup) or read (restore, '
                    'verify) objects in parallel; more helps storage with '
                    'high latency such as Swift. Related: '
                    'backup_worker_threads.'),
    cfg.IntOpt('backup_max_chunks_in_flight', default=0, min=0,
               help='Most chunks held in memory by one backup or restore at '
                    'once; bounds memory to about 2 x backup_chunk_size per '
                    'chunk. 0: backup_worker_threads + backup_io_threads '
                    '+ 2.'),
    cfg.IntOpt('backup_bandwidth_limit', default=0, min=0,
               help='Most bytes per second one backup reads from its volume, '
                    'and one restore writes to its volume, on average; 0: '
                    'no limit. Leaves disk bandwidth to the users of a '
                    'volume backed up while in use (and to other volumes '
                    'on the same storage); holes and unchanged ranges of a '
                    'tracked incremental are not read and do not count.'),
    cfg.StrOpt('backup_data_layout', default='shared',
               choices=[('shared', 'manifest version 3, data shared by '
                                   'reference (doc/dedup-and-gc.rst)'),
                        ('chained', 'manifest versions 1/2, each backup '
                                    'owns its objects')],
               help='How new backups store their data. "shared" (manifest '
                    'version 3): data is referenced by content in one '
                    'repository per project and container, identical data '
                    'of a project is stored once, and any backup can be '
                    'deleted in any order (a collection removes what no '
                    'backup references; doc/dedup-and-gc.rst). "chained" '
                    '(versions 1/2, the previous release\'s): each backup '
                    'owns its objects and an incremental needs its parent; '
                    'only for hosts of the previous release to read new '
                    'backups during an upgrade. Both are always read. '
                    'Related: backup_lease_seconds.'),
    cfg.IntOpt('backup_lease_seconds', default=300, min=1,
               help='Shared layout: how long a backup being written, or a '
                    'collection, holds its lease in the repository after '
                    'its last renewal (renewed every quarter of it). '
                    'Others treat a lease as expired after twice this: a '
                    'backup killed while writing blocks collection of its '
                    'repository that long, a killed collection blocks new '
                    'backups of it that long. Hosts sharing a store need '
                    'clocks closer than this. Related: '
                    'backup_collect_settle.'),
    cfg.FloatOpt('backup_collect_settle', default=0.0, min=0.0,
                 help='Shared layout: seconds a collection waits after '
                      'writing its lease before it lists the repository, '
                      'for a store whose listings lag behind writes (a '
                      'Swift cluster whose container updates are '
                      'asynchronous: set a few seconds). 0 for POSIX '
                      'stores. Related: backup_lease_seconds.'),
]


def list_opts():
    return [(None, OPTS)]


@dataclasses.dataclass(frozen=True)
class EngineSettings:
    """Options read once, so engine threads never touch ``conf``."""

    chunk_size: int
    block_size: int
    compression: str
    level: typing.Optional[int]
    worker_threads: int
    io_threads: int
    in_flight: int
    layout: str = 'shared'
    bandwidth_limit: int = 0
    lease_seconds: int = 300
    settle: float = 0.0

    @classmethod
    def from_conf(cls, conf):
        if conf.backup_chunk_size % conf.backup_sha_block_size_bytes:
            raise exception.BackupDriverError(
                reason='backup_chunk_size (%d) must be a multiple of '
                       'backup_sha_block_size_bytes (%d).'
                       % (conf.backup_chunk_size,
                          conf.backup_sha_block_size_bytes))
        level = conf.backup_compression_level
        if level is not None and \
                conf.backup_compression_algorithm in ('zlib', 'bz2') and \
                not 1 <= level <= 9:
            raise exception.BackupDriverError(
                reason='backup_compression_level %d is out of range for %s '
                       '(1 to 9).' % (level,
                                      conf.backup_compression_algorithm))
        workers = conf.backup_worker_threads or os.cpu_count() or 1
        io = conf.backup_io_threads
        return cls(chunk_size=conf.backup_chunk_size,
                   block_size=conf.backup_sha_block_size_bytes,
                   compression=conf.backup_compression_algorithm,
                   level=level,
                   worker_threads=workers, io_threads=io,
                   in_flight=conf.backup_max_chunks_in_flight
                   or workers + io + 2,
                   layout=conf.backup_data_layout,
                   bandwidth_limit=conf.backup_bandwidth_limit,
                   lease_seconds=conf.backup_lease_seconds,
                   settle=conf.backup_collect_settle)


class ChunkedBackupDriver(base.BackupDriver, metaclass=abc.ABCMeta):
    """Storage backends subclass this and supply the primitives below.

    The engine calls them from several native threads at once: they must be
    thread-safe. Object names always start with a per-backup prefix
    (``backup_<id>/``) so a delete never widens to other backups.
    """

    OPTS = OPTS
    supports_incremental = True
    supports_change_tracking = True
    supports_verify = True
    supports_sparse_restore = True

    #: container used when BackupRef.container is empty; a backend
    #: overrides it (a property reading its own option).
    default_container = 'backups'

    def __init__(self, conf):
        super().__init__(conf)
        threading = utils.native_threading()
        # (container, repository) whose collection found it busy.
        self._deferred = set()
        self._deferred_lock = threading.Lock()
        self._collecting = threading.Lock()
        # Group commit of this process's collections (collect.Rounds).
        self._rounds = collect.Rounds()
        # (container, backup id) this process writes, or deletes.
        self._writing = collect.Holders()
        self._deleting = collect.Holders()

    @property
    def settings(self):
        """The engine options, read afresh for each operation (so a changed
        option applies to the next one) and handed to its threads."""
        return EngineSettings.from_conf(self.conf)

    # --- primitives a storage backend supplies ---

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
    def get_object_range(self, container, name, offset, length):
        """Return ``length`` bytes of the object from ``offset`` (fewer
        only where the object ends); raise BackupObjectNotFound."""

    def get_stored(self, container, entry):
        """The stored bytes of a manifest chunk entry: a whole object, or
        its range of a pack."""
        if entry.object_offset is None:
            return self.get_object(container, entry.object)
        return self.get_object_range(container, entry.object,
                                     entry.object_offset, entry.stored_size)

    @abc.abstractmethod
    def head_object(self, container, name):
        """Stored size in bytes, or None when the object is missing."""

    @abc.abstractmethod
    def delete_object(self, container, name):
        """Delete the object; a missing object is fine (idempotent)."""

    @abc.abstractmethod
    def iter_objects(self, container, prefix):
        """An iterator over the names starting with ``prefix``, read from
        the store as it goes (a page of at most :attr:`listing_page` names
        at a time where the store pages), so memory does not grow with the
        number of names; in no particular order. Raise ValueError on an
        empty prefix, when called rather than when iterated, so a bug can
        never list (and delete) a whole container. The caller may delete
        names it was given while iterating: no other name is skipped or
        given twice for that (doc/dedup-and-gc.rst, "Streamed listings")."""

    #: Most names one listing request asks for, in stores that page
    #: (Swift's default container_listing_limit is 10,000).
    listing_page = 10000

    def list_objects(self, container, prefix):
        """The names starting with ``prefix``, sorted, as one list (for
        callers that need them all at once; the rest iterate
        :meth:`iter_objects`)."""
        return sorted(self.iter_objects(container, prefix))

    @abc.abstractmethod
    def check_backend(self):
        """Raise BackupDriverError when the storage is unusable."""

    # --- the contract, on top of them ---

    def check_for_setup_error(self):
        self.settings      # raises on inconsistent options
        self._check_default_container()
        self.check_backend()

    def _check_default_container(self):
        """The default container option follows the container rule too: a
        service with a bad one says so at start, not at every backup."""
        try:
            name_rules.check_container(self.default_container)
        except name_rules.InvalidName as exc:
            raise exception.BackupDriverError(
                reason='the default container option of the %s driver is '
                       'invalid: %s' % (type(self).__name__, exc.msg))

    def backup(self, backup, device_path, progress=base._no_progress,
               is_cancelled=base._never_cancelled, changes=None):
        container = self._container(backup)
        names = manifest.ObjectNames(backup.id)
        settings = self.settings
        if settings.layout != 'shared':
            return self._backup(backup, device_path, progress, is_cancelled,
                                changes, container, names)
        self.put_container(container)
        repo = self._repository(container,
                                repository.name_for(backup.project_id))
        # I4: registered (and no collection running) before the parent's
        # manifest is read or any object is looked up.
        with self._writing.hold((container, backup.id)):
            lease = repo.open_writer(backup.id, is_cancelled)
            return self._shared_backup(backup, device_path, progress,
                                       is_cancelled, changes, container,
                                       names, repo, lease)

    def _shared_backup(self, backup, device_path, progress, is_cancelled,
                       changes, container, names, repo, lease):
        try:
            return self._backup(backup, device_path, progress, is_cancelled,
                                changes, container, names, repo, lease)
        except BaseException:
            # What it stored is the collection's now. Storage may be what
            # failed: then the ref stays, and expires (I6).
            try:
                lease.release()
            except Exception:
                LOG.exception('Could not remove the lease of failed backup '
                              '%s; it expires after twice '
                              'backup_lease_seconds.', backup.id)
            raise

    def _backup(self, backup, device_path, progress, is_cancelled, changes,
                container, names, repo=None, lease=None):
        parent = self._parent_state(backup.parent, shared=repo is not None)
        self.put_container(container)
        run = backup_run.BackupRun(self, backup, container, parent, changes,
                                   repo, lease)
        ticker = pipeline.Ticker(backup.id, 0, progress, is_cancelled)
        try:
            return run.run(device_path, ticker)
        except BaseException:
            self._remove_failed_backup(backup, container, names.prefix,
                                       run.written_names())
            raise

    def _repository(self, container, name):
        settings = self.settings
        return repository.Repository(self, container, name,
                                     settings.lease_seconds, settings.settle)

    def restore(self, backup, target_path, progress=base._no_progress,
                is_cancelled=base._never_cancelled):
        chain = self._chain(backup)
        ticker = pipeline.Ticker(backup.id, 0, progress, is_cancelled)
        restore_run.RestoreRun(self, chain).run(target_path, ticker)

    def verify(self, backup, checked=None):
        report = base.VerifyReport(backup_id=backup.id)
        try:
            chain = self._chain(backup)
        except exception.BackupDriverError as exc:
            # The manifest that failed: this backup's or a parent's.
            owner, where, name = getattr(
                exc, 'manifest', (backup.id, backup.container,
                                  backup.service_metadata))
            report.problems.append(base.VerifyProblem(
                owner or backup.id, where, name, str(exc)))
            return report
        report.checked_objects += len(chain)      # the manifests themselves
        return verify_run.VerifyRun(self, chain, checked).run(report)

    def verify_pass(self):
        return collect.DiskSet()

    def collect_garbage(self, container, project_id):
        container = name_rules.check_container(
            container or self.default_container)
        return self.collect_repository(container,
                                       repository.name_for(project_id))

    def collect_repository(self, container, name):
        """Mark and sweep one repository (doc/dedup-and-gc.rst) in a
        collection that starts after this call (joining the next one when
        one of this repository runs in this process: collect.Rounds); a
        dict report, ``busy`` when a backup or another process's
        collection holds it."""
        repo = self._repository(container, name)
        return self._rounds.run((container, name), collect.Collection(
            repo, lambda backup_id: self._only_deleting(container,
                                                        backup_id)).run)

    def _only_deleting(self, container, backup_id):
        """This process is deleting the backup, and not writing it."""
        key = (container, backup_id)
        return key in self._deleting and key not in self._writing

    def delete_backup(self, backup):
        """Manifest first (a half-deleted backup never looks restorable),
        then everything else under the backup's own prefix: every object
        the manifest names, and every object listed there. An object store's
        listing may lag behind its writes (Swift updates it asynchronously),
        so the listing alone could leave objects behind; the listing still
        finds what a failed run wrote without recording it."""
        try:
            container = self._container(backup)
            names = manifest.ObjectNames(backup.id)
        except exception.BackupDriverError as exc:
            # Every write goes through the same checks: under a name they
            # refuse nothing was ever stored, so there is nothing to delete
            # (and the backup's row must still go).
            LOG.warning('Backup %s stored nothing (%s); nothing to delete.',
                        backup.id, exc)
            return
        # Only the backup's own manifest, whatever service_metadata says.
        name = names.manifest
        # Between its manifest and its ref, this process's collections do
        # not take the backup for one being written (Collection.deleting).
        with self._deleting.hold((container, backup.id)):
            try:
                recorded, repo_name = self._recorded_objects(
                    container, name, names.prefix)
                self.delete_object(container, name)
                self._delete_prefix(container, names.prefix, also=recorded)
            except name_rules.InvalidName as exc:
                # A backend's own name limits (checked before any I/O, for
                # writes as well) refused the container: nothing is stored.
                LOG.warning('Backup %s stored nothing (%s); nothing to '
                            'delete.', backup.id, exc)
                return
            if repo_name is None and backup.project_id is not None and \
                    self.settings.layout == 'shared':
                repo_name = repository.name_for(backup.project_id)
            if repo_name is None:
                return
            repo = self._repository(container, repo_name)
            repo.delete(repo.ref_name(backup.id))
        self._collect_after_delete(backup.id, container, repo_name)

    def _collect_after_delete(self, backup_id, container, repo_name):
        """Shared layout (I3): the manifest and the ref are gone; collect
        what nothing references any more, unless a backup or a collection
        holds the repository (a later collection will)."""
        try:
            report = self.collect_repository(container, repo_name)
        except Exception:
            LOG.exception('Collection of repository %s in container %s '
                          'after deleting backup %s failed; the next one '
                          'removes what it left.', repo_name, container,
                          backup_id)
            return
        LOG.info('Backup %s deleted; collection of repository %s: %s',
                 backup_id, repo_name, report)
        if report['busy']:
            with self._deferred_lock:
                self._deferred.add((container, repo_name))

    def collect_deferred(self):
        """Retry the collections a delete found busy; one retry pass at a
        time per driver."""
        if not self._collecting.acquire(blocking=False):
            return
        try:
            with self._deferred_lock:
                pending = sorted(self._deferred)
            for container, name in pending:
                try:
                    report = self.collect_repository(container, name)
                except Exception:
                    LOG.exception('Collection of repository %s in container '
                                  '%s failed; retried later.', name,
                                  container)
                    continue
                if not report['busy']:
                    with self._deferred_lock:
                        self._deferred.discard((container, name))
        finally:
            self._collecting.release()

    def abandon(self, backup):
        """A dead run's ref goes unless its manifest was written (then the
        backup is whole and os-reset_status can make it available)."""
        if backup.project_id is None:
            return
        container = self._container(backup)
        manifest_name = manifest.ObjectNames(backup.id).manifest
        if self.head_object(container, manifest_name) is not None:
            return
        repo = self._repository(container,
                                repository.name_for(backup.project_id))
        repo.delete(repo.ref_name(backup.id))

    def _recorded_objects(self, container, manifest_name, prefix):
        """Names of the objects the backup's manifest records under its own
        prefix (never another backup's); none when it is gone or
        corrupted. Any other failure to read it stops the delete before the
        manifest, the only full list of the objects, is deleted."""
        try:
            found = self._load_manifest(container, manifest_name)
        except (exception.BackupObjectNotFound,
                exception.BackupChecksumMismatch):
            return set(), None   # gone or corrupted: the listing decides
        if found.version == 3:
            ok = repository.NAME.match(found.repository or '')
            return set(), found.repository if ok else None
        recorded = {entry.object for entry in found.chunks
                    if entry.object and entry.source == 'self'}
        recorded.update(obj.name for obj in found.block_hashes)
        own = re.compile(re.escape(prefix)
                         + r'(chunk|pack|block_sha256)_[0-9]+\Z')
        return {name for name in recorded if own.match(name)}, None

    def export_record(self, backup):
        return {'engine': manifest.MANIFEST_FORMAT,
                'version': manifest.MANIFEST_VERSION,
                'container': self._container(backup),
                'service_metadata': self._own_manifest_name(backup)}

    def import_record(self, backup, driver_info):
        """The record's container must hold this backup's own manifest
        (``backup_<id>/manifest``, written for this id), or, for a record
        imported under a new id, a version 3 manifest of the backup the
        record names, which becomes this id's own (both then share the
        data; doc/dedup-and-gc.rst). The result's ``parent`` is the one the
        manifest names (the caller checks the record says the same)."""
        container = driver_info.get('container') or self._container(backup)
        ref = dataclasses.replace(backup, container=container,
                                  service_metadata=None)
        source = driver_info.get('service_metadata')
        if source and source != manifest.ObjectNames(backup.id).manifest:
            found = self._import_under_new_id(ref, source)
        else:
            found = self._load_owned(backup.id, self._container(ref))
        parent = None
        if found.parent:
            parent = base.BackupRef(
                id=found.parent.get('id'), volume_id=found.volume_id,
                container=found.parent.get('container'),
                service_metadata=found.parent.get('manifest'))
        return dataclasses.replace(
            ref, container=self._container(ref), parent=parent,
            service_metadata=manifest.ObjectNames(found.backup_id).manifest,
            depends_on_parent=parent is not None and found.version < 3)

    def _import_under_new_id(self, ref, source):
        """Register ``ref`` in the repository of the backup whose manifest
        is ``source`` and write that manifest as ``ref``'s own."""
        match = re.fullmatch(r'backup_([A-Za-z0-9][A-Za-z0-9_.-]*)/manifest',
                             source)
        if not match:
            raise name_rules.InvalidName(
                reason='Record of backup %s names manifest %r, which is no '
                       'backup\'s manifest.' % (ref.id, source))
        container = self._container(ref)
        source_id = match.group(1)
        found = self._load_owned(source_id, container)
        if found.version != 3:
            raise exception.BackupDriverError(
                reason='Backup %s was stored with manifest version %d, whose '
                       'objects are its own; import it under its own id '
                       '(%s), or back the volume up again to share its data.'
                       % (source_id, found.version, source_id))
        repo = self._repository(container, found.repository)
        with self._writing.hold((container, ref.id)):
            lease = repo.open_writer(ref.id)
            try:
                # Read again once registered (I4): its objects are ours to
                # keep from here on, whatever happens to the source backup.
                found = self._load_owned(source_id, container)
                own = dataclasses.replace(found, backup_id=ref.id)
                lease.confirm()
                self.put_object(container,
                                manifest.ObjectNames(ref.id).manifest,
                                own.to_bytes())
            except BaseException:
                lease.release()
                raise
        return own

    # --- helpers ---

    def _container(self, backup):
        """The backup's container, checked at every use (backupd.names)."""
        return name_rules.check_container(
            backup.container or self.default_container)

    def _own_manifest_name(self, backup):
        """``backup_<id>/manifest``: a backup's manifest name follows from
        its id alone. A row or record naming another (``service_metadata``)
        is refused rather than followed to another backup's data."""
        own = manifest.ObjectNames(backup.id).manifest
        if backup.service_metadata and backup.service_metadata != own:
            raise name_rules.InvalidName(
                reason='Backup %s records manifest %r, not its own %s; a '
                       'backup only ever reads its own objects.'
                       % (backup.id, backup.service_metadata, own))
        return own

    def _load_manifest(self, container, name):
        return manifest.Manifest.from_bytes(
            self.get_object(container, name), container, name)

    def _load_owned(self, backup_id, container):
        """The manifest of backup ``backup_id``, refused unless it was
        written for that id and reads only that backup's own objects."""
        name = manifest.ObjectNames(backup_id).manifest
        found = self._load_manifest(container, name)
        if found.backup_id != backup_id:
            raise exception.BackupDriverError(
                reason='Manifest %s in container %s belongs to backup %s, '
                       'not %s; import it under its own id.'
                       % (name, container, found.backup_id, backup_id))
        foreign = found.foreign_objects()
        if foreign:
            raise exception.BackupDriverError(
                reason='Manifest %s in container %s names objects outside '
                       'backup %s\'s own (%s); it is not a manifest this '
                       'engine wrote.' % (name, container, backup_id,
                                          ', '.join(foreign[:3])))
        return found

    def _chain(self, backup):
        """[(container, Manifest)] from ``backup`` down to its full base;
        every level is the own manifest of the backup its pointer names."""
        chain = []
        seen = set()
        pointer = {'id': backup.id, 'container': backup.container,
                   'manifest': backup.service_metadata}
        while pointer:
            where = (pointer.get('container') or self.default_container,
                     pointer.get('manifest')
                     or 'backup_%s/manifest' % pointer.get('id'))
            try:
                ref = base.BackupRef(
                    id=pointer.get('id'), volume_id=None,
                    container=pointer.get('container'),
                    service_metadata=pointer.get('manifest'))
                container = self._container(ref)
                self._own_manifest_name(ref)
                if ref.id in seen:
                    raise exception.BackupDriverError(
                        reason='Backup %s is its own ancestor.' % ref.id)
                seen.add(ref.id)
                found = self._load_owned(ref.id, container)
            except exception.BackupDriverError as exc:
                # Which level broke, for verify()'s report: (backup id,
                # container, manifest name).
                exc.manifest = (pointer.get('id'),) + where
                raise
            chain.append((container, found))
            # A version 3 manifest needs no parent (its layers say it all).
            pointer = found.parent if found.version < 3 else None
        return chain

    def _parent_state(self, parent, shared=False):
        if parent is None:
            return None
        container = self._container(parent)
        name = self._own_manifest_name(parent)
        try:
            found = self._load_owned(parent.id, container)
        except exception.BackupObjectNotFound:
            if not shared:
                raise
            # Deleted meanwhile: with shared data that is allowed; this
            # backup then stores what its repository lacks, as a full.
            LOG.info('Parent %s of backup is gone; backing up in full.',
                     parent.id)
            return None
        hashes = backup_run.BlockHashReader(
            self, container, found, codec.ThreadCodecs('none', None))
        return backup_run.ParentState(container, name, found, hashes)

    def _remove_failed_backup(self, backup, container, prefix, written):
        """Remove what a failed or cancelled backup wrote: the objects it
        tried to PUT (``written``) and whatever the listing shows. When
        storage is the thing that failed this may fail too: log it and let
        the original error through (delete_backup removes the rest later; no
        manifest was written, so nothing looks like a good backup)."""
        LOG.warning('Backup %s failed or was cancelled; removing the objects '
                    'it wrote under %s in container %s.',
                    backup.id, prefix, container)
        try:
            self._delete_prefix(container, prefix,
                                also={n for n in written
                                      if n.startswith(prefix)})
        except Exception:
            LOG.exception('Could not remove the objects of failed backup %s '
                          'under %s in container %s; delete the backup to '
                          'retry.', backup.id, prefix, container)

    def _delete_prefix(self, container, prefix, also=()):
        """Delete what is listed under ``prefix`` and the names in ``also``
        (all under ``prefix``)."""
        if not prefix or not prefix.endswith('/'):
            raise ValueError('refusing to delete under prefix %r' % prefix)
        also = sorted(set(also))
        listed = self.iter_objects(container, prefix)

        def names():
            # ``also`` (the manifest's objects) is in memory anyway; the
            # listing is streamed, deleted as it goes (iter_objects allows
            # that), so memory does not grow with a backup's object count.
            yield from also
            known = set(also)
            yield from (name for name in listed if name not in known)

        settings = self.settings
        stages = [(self._delete_one(container), settings.io_threads)]
        with pipeline.Pipeline(names(), stages, settings.in_flight) as pipe:
            for _ in pipe.results(idle=lambda: None):
                pass

    def _delete_one(self, container):
        def delete(name):
            self.delete_object(container, name)
            return name
        return delete
