"""One backup: hash and compare with the parent, compress, store."""
import dataclasses
import logging
import os
import time

from backupd import exception
from backupd import utils
from backupd.drivers.backup import base
from backupd.drivers.backup.engine import checksums
from backupd.drivers.backup.engine import codec
from backupd.drivers.backup.engine import manifest
from backupd.drivers.backup.engine import pipeline
from backupd.drivers.backup.engine import repository
from backupd.drivers.backup.engine import tracked
from backupd.drivers.backup.engine import volume

LOG = logging.getLogger(__name__)


class BlockHashReader:
    """Block digests of a stored backup, loaded one segment at a time.

    Worker threads ask for chunks in roughly increasing order, so only the
    last two segments are kept: memory does not grow with the volume.
    """

    def __init__(self, driver, container, parent_manifest, codecs):
        self._driver = driver
        self._container = container
        self._manifest = parent_manifest
        self._codecs = codecs
        self._lock = utils.native_threading().Lock()
        self._segments = {}
        self._blocks_per_chunk = (parent_manifest.chunk_size
                                  // parent_manifest.block_size)

    def for_chunk(self, index):
        segment, position = divmod(index,
                                   manifest.CHUNKS_PER_HASH_SEGMENT)
        data = self._segment(segment)
        start = position * self._blocks_per_chunk * checksums.DIGEST_SIZE
        entry = self._manifest.chunks[index]
        blocks = -(-entry.length // self._manifest.block_size)
        return data[start:start + blocks * checksums.DIGEST_SIZE]

    def _segment(self, segment):
        with self._lock:
            if segment not in self._segments:
                obj = self._manifest.block_hashes[segment]
                stored = self._driver.get_object(self._container, obj.name)
                payload = checksums.checked_payload(
                    self._codecs.get(), stored, obj.compression,
                    obj.payload_size, obj.sha256, self._manifest.block_size,
                    self._container, obj.name)
                if len(self._segments) >= 2:
                    del self._segments[min(self._segments)]
                self._segments[segment] = payload
            return self._segments[segment]


class DeltaPacker:
    """Gathers the small delta objects of an incremental into pack objects
    of about ``limit`` bytes.

    A 1 % change scattered over a large volume makes thousands of deltas of
    a few blocks each; as objects of their own they cost a PUT (Swift) or a
    write + fsync + rename (posix) apiece, and as many deletes later. I/O
    threads add deltas concurrently; the one whose delta fills the pack gets
    it back to store. One pack is being filled and at most one per I/O
    thread is being stored, each of about ``limit`` plus one delta.
    """

    def __init__(self, new_name, limit):
        self._new_name = new_name      # () -> the name of the next pack
        self._limit = limit
        self._lock = utils.native_threading().Lock()
        self._buffer = bytearray()
        self._name = None
        self.count = 0               # packs named so far

    def add(self, entry, stored):
        """Place ``stored`` in the open pack (recorded in ``entry``, a chunk
        entry or a layer: ``object`` and ``object_offset``); returns (name,
        bytes) of a pack now full, to store, else None."""
        with self._lock:
            if self._name is None:
                self._name = self._new_name(self.count)
                self.count += 1
            entry.object = self._name
            entry.object_offset = len(self._buffer)
            self._buffer += stored
            if len(self._buffer) < self._limit:
                return None
            return self._seal()

    def flush(self):
        """(name, bytes) of the last, partly filled pack, or None."""
        with self._lock:
            return self._seal() if self._name is not None else None

    def _seal(self):
        full = (self._name, self._buffer)      # handed over, not copied
        self._buffer, self._name = bytearray(), None
        return full


# Packs are sealed at a chunk's size, at most this: the packs being
# uploaded (one per I/O thread at most) stay small whatever the chunk size.
MAX_PACK_BYTES = 32 * 1024 * 1024

# Shared layout: a chunk is stored whole again (re-based) rather than get
# one more delta layer past 32 + index % 32 layers; the cap varies with the
# chunk so that re-bases spread over many backups (doc/dedup-and-gc.rst).
# A lower cap re-bases more often: with 16 + index % 16, a 30-backup chain
# at 1 % rewritten per backup had incrementals storing up to 5.6 %.
LAYER_CAP = 32


def layer_cap(index):
    return LAYER_CAP + index % LAYER_CAP


@dataclasses.dataclass
class ParentState:
    """The backup an incremental is taken against."""

    container: str
    manifest_name: str
    manifest: manifest.Manifest
    hashes: BlockHashReader

    def as_pointer(self):
        return {'id': self.manifest.backup_id, 'container': self.container,
                'manifest': self.manifest_name}

    def shares_with(self, container, repo):
        """Whether an incremental in ``repo`` of ``container`` can take this
        parent's layers (same repository; a v1/v2 parent's objects are its
        own)."""
        return (repo is not None and self.manifest.version == 3
                and self.container == container
                and self.manifest.repository == repo.name)


class BackupRun:
    """One backup: the pipeline's stage functions and the bookkeeping the
    calling thread does as chunks come out."""

    def __init__(self, driver, backup, container, parent, changes=None,
                 repo=None, lease=None):
        self.driver = driver
        self._fd = None
        self.backup = backup
        self.container = container
        # Shared layout: the repository written to and this run's lease in
        # it (None: the chained layout of manifests 1/2).
        self.repo = repo
        self.lease = lease
        if repo is not None and parent is not None and \
                not parent.shares_with(container, repo):
            LOG.info('Backup %s is made as a full backup of repository %s: '
                     'its parent %s is not in it (manifest version %d).',
                     backup.id, repo.name, parent.manifest.backup_id,
                     parent.manifest.version)
            parent, changes = None, None
        self.parent = parent
        self.changes = changes
        self.names = manifest.ObjectNames(backup.id)
        settings = driver.settings
        self.settings = settings
        geometry = parent.manifest if parent else settings
        self.chunk_size = geometry.chunk_size
        self.block_size = geometry.block_size
        self.codecs = codec.ThreadCodecs(settings.compression,
                                         settings.level)
        self.object_count = 0
        self.stored_bytes = 0
        self.changed_bytes = 0
        self._pending_hashes = {}
        self._hash_objects = {}
        new_pack = (self.names.pack if repo is None
                    else lambda number: repo.new_pack_name())
        self.packer = DeltaPacker(new_pack,
                                  min(self.chunk_size, MAX_PACK_BYTES))
        self.deduplicated_bytes = 0
        # Every name a PUT was tried for: a failed run removes these even
        # where a listing lags behind the writes (Swift).
        self._written = set()
        self._written_lock = utils.native_threading().Lock()

    def run(self, device_path, ticker):
        fd = self._fd = os.open(device_path, os.O_RDONLY)
        self._data_runs = volume.DataRuns(fd)
        try:
            size = volume.device_size(fd)
            ticker.total = size
            chunk_count = -(-size // self.chunk_size)
            entries = [None] * chunk_count
            stages = [(self.hash_and_compress, self.settings.worker_threads),
                      (self.write, self.settings.io_threads)]
            buffers = volume.BufferPool(self.chunk_size)
            source, read = self._source(fd, size, buffers)
            with pipeline.Pipeline(
                    source, stages, self.settings.in_flight,
                    pipeline.Pace.of(self.settings.bandwidth_limit)) as pipe:
                for task in pipe.results(idle=self._idle(ticker)):
                    if task.buffer is not None:
                        buffers.put(task.buffer)
                    self._count_stored(task)
                    for entry, digests in self._chunks_of(task):
                        index = entry.offset // self.chunk_size
                        entries[index] = entry
                        self._collect_hashes(index, digests, chunk_count)
                    ticker.add(task.length)
                    if self.lease is not None:
                        self.lease.renew_if_due()
            last_pack = self.packer.flush()
            if last_pack is not None:
                self._store(*last_pack)
            self.object_count += self.packer.count
            # A volume that shrank under the reader would read as holes
            # past its new end: refuse rather than store zeros.
            now = volume.device_size(fd)
            if now != size:
                raise exception.BackupDriverError(
                    reason='Volume %s changed size from %d to %d bytes '
                           'during backup %s; back up a snapshot or a volume '
                           'nothing writes to.' % (self.backup.volume_id,
                                                   size, now, self.backup.id))
        finally:
            os.close(fd)
        ticker.tick(force=True)
        record = manifest.Manifest(
            backup_id=self.backup.id, volume_id=self.backup.volume_id,
            volume_size=size, chunk_size=self.chunk_size,
            block_size=self.block_size,
            compression=self.settings.compression,
            parent=self.parent.as_pointer() if self.parent else None,
            chunks=entries, created_at=time.time(),
            block_hashes=[self._hash_objects[k]
                          for k in sorted(self._hash_objects)],
            base=self.changes.snapshot if self.changes else None, read=read,
            repository=self.repo.name if self.repo else None)
        if self.lease is not None:
            self.lease.confirm()         # I5: commit only on a valid lease
        self._put(self.names.manifest, record.to_bytes())
        if self.repo is not None:
            LOG.info('Backup %s stored %d bytes in repository %s of '
                     'container %s; %d bytes of its chunks were stored '
                     'there already.', self.backup.id, self.stored_bytes,
                     self.repo.name, self.container,
                     self.deduplicated_bytes)
        return base.BackupResult(
            container=self.container, service_metadata=self.names.manifest,
            object_count=self.object_count, stored_bytes=self.stored_bytes,
            volume_size=size, changed_bytes=self.changed_bytes,
            is_incremental=self.parent is not None,
            depends_on_parent=self.parent is not None and self.repo is None)

    def _idle(self, ticker):
        """What the calling thread does between chunks: progress and
        cancel, and renewing the lease of a shared-layout run."""
        if self.lease is None:
            return ticker.tick

        def idle():
            ticker.tick()
            self.lease.renew_if_due()
        return idle

    def _source(self, fd, size, buffers):
        """The chunks to hash, and the manifest's record of how the volume
        is read: only the changed ranges when they can be trusted
        (:mod:`.tracked`), else all of it."""
        ranges, reason = tracked.decide(self.parent, self.changes, size)
        if ranges is None:
            LOG.info('Backup %s reads all of volume %s: %s.', self.backup.id,
                     self.backup.volume_id, reason)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)
            except OSError:
                pass    # advice only
            return (volume.read_chunks(fd, size, self.chunk_size, buffers),
                    {'mode': tracked.FULL, 'reason': reason})
        changed = sum(length for _, length in ranges)
        LOG.info('Backup %s reads only what changed in volume %s: %d bytes '
                 'in %d ranges (%s).', self.backup.id, self.backup.volume_id,
                 changed, len(ranges), reason)
        runs = tracked.block_runs(ranges, self.chunk_size, self.block_size)
        source = tracked.read_chunks(fd, size, self.chunk_size, runs,
                                     self.parent.manifest, buffers,
                                     manifest.CHUNKS_PER_HASH_SEGMENT)
        return source, {'mode': tracked.TRACKED, 'reason': reason,
                        'changed_bytes': changed, 'ranges': len(ranges)}

    # Stage 1 (worker threads): hash, compare with the parent, compress.
    def hash_and_compress(self, task):
        data, length = task.data, task.length
        task.data = None
        if task.hole:
            return task                  # see _chunks_of
        if task.carried:
            task.carried_entries = list(self._carried_entries(task))
            return task
        if task.blocks is not None:
            task.digests = self._partial_digests(task, data)
            if task.digests is None:     # needs the whole chunk after all
                task.blocks = None
                return self._read_whole(task)
        elif data == checksums.zero_bytes(length):
            task.digests = None
        else:
            task.digests = checksums.block_digests(data, self.block_size)
        if task.digests is None or task.digests == \
                checksums.zero_block_digests(length, self.block_size):
            task.entry = manifest.ChunkEntry(task.offset, length, zero=True)
            task.digests = checksums.zero_block_digests(length,
                                                        self.block_size)
            return task
        sha256 = checksums.list_checksum(task.digests)
        task.entry = manifest.ChunkEntry(task.offset, length,
                                         sha256=sha256)
        if self.repo is not None:
            return self._shared_chunk(task, data, sha256)
        runs = self._changed_runs(task, sha256)
        if runs == []:
            task.entry.source = 'parent'
            return task
        if runs is None and task.blocks is not None:
            task.blocks = None           # the whole chunk is to be stored
            return self._read_whole(task)
        payload = data
        if runs is not None:
            view = memoryview(data)
            payload = b''.join(view[start:start + size]
                               for start, size in runs)
            task.entry.runs = runs
        stored, compression = self.codecs.get().compress(payload)
        if runs is None:     # a delta is named when it is packed
            task.entry.object = self.names.chunk(task.index)
        task.entry.stored_size = len(stored)
        task.entry.compression = compression
        task.entry.object_sha256 = (
            sha256 if runs is None
            else checksums.checksum(payload, self.block_size))
        task.changed_bytes = len(payload)
        task.stored = stored
        return task

    def _shared_chunk(self, task, data, sha256):
        """The layers of a chunk of the shared layout: the parent's when
        unchanged, the parent's plus a delta, or the whole chunk under its
        content name (stored unless the repository has it already)."""
        length = task.length
        runs = self._changed_runs(task, sha256)
        before = self.parent.manifest.chunks[task.index] if runs else None
        if runs == []:
            task.entry.layers = list(
                self.parent.manifest.chunks[task.index].layers)
            return task
        if runs is not None and before.layers and \
                len(before.layers) >= layer_cap(task.index):
            runs = None
        if runs is not None:
            delta = sum(size for _, size in runs) + sum(
                layer.payload_size(length) for layer in before.layers or ()
                if layer.runs is not None)
            if delta * 2 >= length:
                runs = None
        if runs is None and task.blocks is not None:
            task.blocks = None           # the whole chunk is to be stored
            return self._read_whole(task)
        if runs is None:
            name = self.repo.chunk_name(sha256)
            size = self.driver.head_object(self.container, name)
            if size is not None:         # stored already: reference it
                task.entry.layers = [manifest.Layer(name, None, size,
                                                    sha256)]
                task.deduplicated = length
                return task
            stored, compression = self.codecs.get().compress(data)
            stored = repository.frame(stored, compression,
                                      self.repo.pad_units(name))
            task.layer = manifest.Layer(name, None, len(stored), sha256)
            task.entry.layers = [task.layer]
            task.changed_bytes = length
            task.stored = stored
            return task
        view = memoryview(data)
        payload = b''.join(view[start:start + size] for start, size in runs)
        stored, compression = self.codecs.get().compress(payload)
        stored = repository.frame(stored, compression)
        task.layer = manifest.Layer(None, None, len(stored),
                                    checksums.checksum(payload,
                                                       self.block_size),
                                    runs)
        task.entry.layers = list(before.layers or ()) + [task.layer]
        task.changed_bytes = len(payload)
        task.stored = stored
        return task

    def _carried_entries(self, task):
        """(entry, digests) of each chunk of a carried task: the parent's,
        unchanged since its base."""
        end = task.offset + task.length
        for offset in range(task.offset, end, self.chunk_size):
            index = offset // self.chunk_size
            before = self.parent.manifest.chunks[index]
            if before.zero:
                yield (manifest.ChunkEntry(offset, before.length, zero=True,
                                           hole=before.hole),
                       checksums.zero_block_digests(before.length,
                                                    self.block_size))
            else:
                entry = manifest.ChunkEntry(offset, before.length,
                                            sha256=before.sha256,
                                            source='parent')
                if before.layers is not None:
                    entry.source, entry.layers = 'self', list(before.layers)
                yield entry, self.parent.hashes.for_chunk(index)

    def _partial_digests(self, task, data):
        """The chunk's block digests: the parent's, with those of the
        blocks that were read recomputed; None when the parent's do not
        match its chunk checksum (then the chunk is read whole)."""
        before = self.parent.manifest.chunks[task.index]
        if before.zero:
            digests = checksums.zero_block_digests(task.length,
                                                   self.block_size)
        else:
            digests = self.parent.hashes.for_chunk(task.index)
            if checksums.list_checksum(digests) != before.sha256:
                return None
        digests = bytearray(digests)
        size = checksums.DIGEST_SIZE
        for start, length in task.blocks:
            at = start // self.block_size * size
            fresh = checksums.block_digests(data[start:start + length],
                                            self.block_size)
            digests[at:at + len(fresh)] = fresh
        return bytes(digests)

    def _read_whole(self, task):
        """Read the whole chunk into its buffer and hash it as a full
        read would."""
        buffer = task.buffer
        view = memoryview(buffer)[:task.length]
        volume.read_data_only(self._fd, view, task.offset,
                              task.offset + task.length, self._data_runs)
        task.data = buffer if task.length == len(buffer) else bytes(view)
        task.entry = None
        return self.hash_and_compress(task)

    def _changed_runs(self, task, sha256):
        """[] when unchanged since the parent, the changed runs when a
        delta is worth it, None to store the whole chunk."""
        if self.parent is None:
            return None
        before = self.parent.manifest.chunk_at(task.index)
        if before is None or before.length != task.length:
            return None
        if before.zero:
            base_digests = checksums.zero_block_digests(task.length,
                                                        self.block_size)
        elif before.sha256 == sha256:
            return []
        else:
            base_digests = self.parent.hashes.for_chunk(task.index)
        # A chunk read in part took its other digests from the parent's.
        runs = checksums.changed_runs(task.digests, base_digests,
                                      self.block_size, task.length,
                                      task.blocks)
        changed = sum(size for _, size in runs)
        # Past half the chunk, a delta saves little and makes restore read
        # the parent too; an empty run list here means the hashes disagree
        # with the chunk sha256, so store the chunk whole to be safe.
        if not runs or changed * 2 >= task.length:
            return None
        return runs

    # Stage 2 (io threads): store the object, or pack a delta.
    def write(self, task):
        stored, task.stored = task.stored, None
        if stored is None:
            return task
        # The shared layout stores a layer, the chained one an entry.
        piece = task.layer if task.layer is not None else task.entry
        if piece.runs is None:
            self._store(piece.object, stored)
            return task
        full = self.packer.add(piece, stored)
        if full is not None:
            self._store(*full)
        return task

    # On the calling thread, as chunks come out.
    def _chunks_of(self, task):
        """(entry, block digests) of each chunk a finished task covers."""
        if task.carried:
            yield from task.carried_entries
            return
        if not task.hole:
            yield task.entry, task.digests
            return
        end = task.offset + task.length
        for offset in range(task.offset, end, self.chunk_size):
            length = min(self.chunk_size, end - offset)
            yield (manifest.ChunkEntry(offset, length, zero=True, hole=True),
                   checksums.zero_block_digests(length, self.block_size))

    def _count_stored(self, task):
        self.deduplicated_bytes += task.deduplicated
        if task.layer is not None:
            if task.layer.runs is None:
                self.object_count += 1
            self.stored_bytes += task.layer.stored_size
            self.changed_bytes += task.changed_bytes
            return
        if task.entry is not None and task.entry.object:
            if task.entry.object_offset is None:
                self.object_count += 1   # packs: counted once, in run()
            self.stored_bytes += task.entry.stored_size
            self.changed_bytes += task.changed_bytes

    def _collect_hashes(self, index, digests, chunk_count):
        segment = index // manifest.CHUNKS_PER_HASH_SEGMENT
        pending = self._pending_hashes.setdefault(segment, {})
        pending[index] = digests
        first = segment * manifest.CHUNKS_PER_HASH_SEGMENT
        if len(pending) == min(manifest.CHUNKS_PER_HASH_SEGMENT,
                               chunk_count - first):
            del self._pending_hashes[segment]
            payload = b''.join(pending[i] for i in sorted(pending))
            self._hash_objects[segment] = self._put_payload(
                self.names.block_hashes(segment), payload)

    def _store(self, name, data):
        with self._written_lock:
            self._written.add(name)      # before: a failed PUT may have landed
        self.driver.put_object(self.container, name, data)

    def written_names(self):
        with self._written_lock:
            return set(self._written)

    def _put_payload(self, name, payload):
        if self.repo is not None:
            return self._put_shared_payload(payload)
        stored, compression = self.codecs.get().compress(payload)
        self._put(name, stored)
        return manifest.StoredObject(
            name=name, stored_size=len(stored), compression=compression,
            payload_size=len(payload),
            sha256=checksums.checksum(payload, self.block_size))

    def _put_shared_payload(self, payload):
        """A block hash segment of the shared layout, named by content."""
        sha256 = checksums.checksum(payload, self.block_size)
        name = self.repo.hashes_name(sha256)
        size = self.driver.head_object(self.container, name)
        if size is None:
            stored, compression = self.codecs.get().compress(payload)
            stored = repository.frame(stored, compression)
            self._put(name, stored)
            size = len(stored)
        return manifest.StoredObject(
            name=name, stored_size=size, compression=repository.FRAMED,
            payload_size=len(payload), sha256=sha256)

    def _put(self, name, data):
        self._store(name, data)
        self.object_count += 1
        self.stored_bytes += len(data)
