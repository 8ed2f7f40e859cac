"""The data engine under every object-store backup driver.

A storage backend subclasses :class:`ChunkedBackupDriver` and supplies seven
object primitives (put/get/head/delete/list objects, put_container,
check_backend); everything else lives here, once:

* The volume is cut into fixed-size chunks (``backup_chunk_size``) that flow
  through a bounded pipeline on native OS threads: a reader (``os.pread``;
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
* The manifest (versioned JSON, see :class:`Manifest`) describes the whole
  volume and names its parent's manifest; restore and verify follow that
  chain.

Callbacks (``progress``, ``is_cancelled``) run only on the calling thread,
at most every ``CALLBACK_INTERVAL`` seconds. Engine code never imports
eventlet: threads and queues come from :mod:`backupd.utils`.
"""
import abc
import bz2
import dataclasses
import functools
import hashlib
import json
import logging
import os
import re
import time
import typing
import zlib

from oslo_config import cfg
import zstandard

from backupd import exception
from backupd import utils
from backupd.drivers.backup import base

LOG = logging.getLogger(__name__)

COMPRESSIONS = ('zstd', 'zlib', 'bz2', 'none')
DEFAULT_LEVELS = {'zstd': 3, 'zlib': 6, 'bz2': 9}

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
               choices=COMPRESSIONS,
               help='Compression of stored chunks: "zstd" (fast, good '
                    'ratio), "zlib", "bz2" (slow, for compatibility) or '
                    '"none". A chunk that does not shrink is stored raw '
                    'whatever the choice. Related: '
                    'backup_compression_level.'),
    cfg.IntOpt('backup_compression_level', min=-5, max=22,
               help='Compression level of backup_compression_algorithm: '
                    'zstd 1 (fast) to 22 (small), default 3; zlib and bz2 '
                    '1 to 9, defaults 6 and 9. Unset: the default of the '
                    'algorithm. Ignored for "none".'),
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
]

CALLBACK_INTERVAL = 0.25     # seconds between progress/cancel callbacks
CHUNKS_PER_HASH_SEGMENT = 256  # chunks whose block hashes share one object
DIGEST_SIZE = hashlib.sha256().digest_size


def list_opts():
    return [(None, OPTS)]


# --- settings and object names ----------------------------------------------

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

    @classmethod
    def from_conf(cls, conf):
        if conf.backup_chunk_size % conf.backup_sha_block_size_bytes:
            raise exception.BackupDriverError(
                reason='backup_chunk_size (%d) must be a multiple of '
                       'backup_sha_block_size_bytes (%d).'
                       % (conf.backup_chunk_size,
                          conf.backup_sha_block_size_bytes))
        workers = conf.backup_worker_threads or os.cpu_count() or 1
        io = conf.backup_io_threads
        return cls(chunk_size=conf.backup_chunk_size,
                   block_size=conf.backup_sha_block_size_bytes,
                   compression=conf.backup_compression_algorithm,
                   level=conf.backup_compression_level,
                   worker_threads=workers, io_threads=io,
                   in_flight=conf.backup_max_chunks_in_flight
                   or workers + io + 2)


_SAFE_ID = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]*$')


class ObjectNames:
    """Names of one backup's objects, all under ``backup_<id>/``.

    The prefix can never be empty or shared with another backup: the id
    must be non-empty and free of "/", and the prefix ends with "/" so that
    backup "1" never matches backup "10".
    """

    def __init__(self, backup_id):
        if not backup_id or not _SAFE_ID.match(str(backup_id)):
            raise exception.BackupDriverError(
                reason='backup id %r cannot name storage objects; it must be '
                       'non-empty letters, digits, "_", "." or "-".'
                       % (backup_id,))
        self.prefix = 'backup_%s/' % backup_id

    @property
    def manifest(self):
        return self.prefix + 'manifest'

    def chunk(self, index):
        return '%schunk_%08d' % (self.prefix, index)

    def block_hashes(self, segment):
        return '%sblock_sha256_%05d' % (self.prefix, segment)


# --- compression --------------------------------------------------------------

class Codec:
    """Compression of one algorithm, one instance per thread (zstd contexts
    are not thread-safe; creating them per chunk would be slow)."""

    def __init__(self, algorithm, level):
        self.algorithm = algorithm
        self.level = DEFAULT_LEVELS.get(algorithm) if level is None else level
        if algorithm == 'zstd':
            self._zstd = zstandard.ZstdCompressor(
                level=self.level, write_content_size=True)
            self._unzstd = zstandard.ZstdDecompressor()

    def compress(self, payload):
        """(stored bytes, algorithm); raw when compression does not shrink."""
        if self.algorithm == 'none':
            return payload, 'none'
        if self.algorithm == 'zstd':
            packed = self._zstd.compress(payload)
        elif self.algorithm == 'zlib':
            packed = zlib.compress(payload, self.level)
        else:
            packed = bz2.compress(payload, self.level)
        if len(packed) >= len(payload):
            return payload, 'none'
        return packed, self.algorithm

    def decompress(self, stored, algorithm, payload_size):
        if algorithm == 'none':
            return stored
        if algorithm == 'zstd':
            unzstd = getattr(self, '_unzstd', None)
            if unzstd is None:
                unzstd = self._unzstd = zstandard.ZstdDecompressor()
            return unzstd.decompress(stored, max_output_size=payload_size)
        if algorithm == 'zlib':
            return zlib.decompress(stored)
        if algorithm == 'bz2':
            return bz2.decompress(stored)
        raise ValueError('unknown compression %r' % algorithm)


class ThreadCodecs:
    """A :class:`Codec` per native thread."""

    def __init__(self, algorithm, level):
        self._local = utils.native_threading().local()
        self._args = (algorithm, level)

    def get(self):
        codec = getattr(self._local, 'codec', None)
        if codec is None:
            codec = self._local.codec = Codec(*self._args)
        return codec


@functools.lru_cache(maxsize=8)
def zero_bytes(length):
    return bytes(length)


@functools.lru_cache(maxsize=8)
def zero_block_digests(length, block_size):
    return b''.join(hashlib.sha256(zero_bytes(min(block_size, length - off)))
                    .digest() for off in range(0, length, block_size))


def block_digests(data, block_size):
    """Concatenated sha256 digests of each ``block_size`` block of data."""
    view = memoryview(data)
    return b''.join(hashlib.sha256(view[off:off + block_size]).digest()
                    for off in range(0, len(view), block_size))


def list_checksum(digests):
    """The checksum of data whose block digests are ``digests``."""
    return hashlib.sha256(digests).hexdigest()


def checksum(data, block_size):
    """CHECKSUM_ALGORITHM of ``data``: sha256 of its block sha256 list."""
    return list_checksum(block_digests(data, block_size))


# --- manifest -----------------------------------------------------------------

MANIFEST_FORMAT = 'backupd-chunked'
MANIFEST_VERSION = 1
CHECKSUM_ALGORITHM = 'sha256-of-block-sha256'


@dataclasses.dataclass
class ChunkEntry:
    """One chunk of the volume as one backup sees it.

    ``source``: "self" (data in this backup's ``object``, or zero) or
    "parent" (unchanged: the parent's chunk at the same offset).
    ``runs``: None when ``object`` holds the whole chunk; else the
    ``[start, length]`` ranges (relative to ``offset``) that ``object``
    holds, laid over the parent's chunk. ``sha256``: checksum (see
    CHECKSUM_ALGORITHM) of the chunk's bytes as restored (None for zero
    chunks); ``object_sha256``: checksum of the object's uncompressed
    payload.
    """

    offset: int
    length: int
    zero: bool = False
    hole: bool = False
    sha256: typing.Optional[str] = None
    source: str = 'self'
    object: typing.Optional[str] = None
    stored_size: int = 0
    compression: str = 'none'
    object_sha256: typing.Optional[str] = None
    runs: typing.Optional[list] = None

    @property
    def payload_size(self):
        if self.runs is None:
            return self.length
        return sum(length for _, length in self.runs)


@dataclasses.dataclass
class StoredObject:
    """An object that is not a chunk (block hash segments)."""

    name: str
    stored_size: int
    compression: str
    payload_size: int
    sha256: str


@dataclasses.dataclass
class Manifest:
    """The versioned description of one backup, stored as JSON."""

    backup_id: str
    volume_id: str
    volume_size: int
    chunk_size: int
    block_size: int
    compression: str
    parent: typing.Optional[dict]   # {"id", "container", "manifest"}
    chunks: typing.List[ChunkEntry]
    block_hashes: typing.List[StoredObject]
    created_at: float = 0.0

    def to_bytes(self):
        body = {
            'format': MANIFEST_FORMAT, 'version': MANIFEST_VERSION,
            'backup_id': self.backup_id, 'volume_id': self.volume_id,
            'created_at': self.created_at, 'volume_size': self.volume_size,
            'chunk_size': self.chunk_size, 'block_size': self.block_size,
            'checksum_algorithm': CHECKSUM_ALGORITHM,
            'compression': self.compression, 'parent': self.parent,
            'chunks_per_hash_segment': CHUNKS_PER_HASH_SEGMENT,
            'block_hashes': [dataclasses.asdict(o) for o in self.block_hashes],
            'chunks': [dataclasses.asdict(c) for c in self.chunks],
        }
        body['checksum'] = _body_checksum(body)
        return json.dumps(body, separators=(',', ':')).encode()

    @classmethod
    def from_bytes(cls, data, container, name):
        def bad(reason):
            return exception.BackupChecksumMismatch(
                reason='Manifest %s in container %s is unusable: %s'
                       % (name, container, reason))
        try:
            body = json.loads(data)
        except ValueError as exc:
            raise bad('not JSON (%s)' % exc)
        if body.get('format') != MANIFEST_FORMAT:
            raise bad('format is %r, expected %r'
                      % (body.get('format'), MANIFEST_FORMAT))
        if body.get('version') != MANIFEST_VERSION:
            raise bad('version %r is not supported (this engine reads %d)'
                      % (body.get('version'), MANIFEST_VERSION))
        if body.get('checksum_algorithm') != CHECKSUM_ALGORITHM:
            raise bad('checksum algorithm %r is not supported'
                      % body.get('checksum_algorithm'))
        if body.pop('checksum', None) != _body_checksum(body):
            raise bad('checksum mismatch (corrupted)')
        return cls(
            backup_id=body['backup_id'], volume_id=body['volume_id'],
            volume_size=body['volume_size'], chunk_size=body['chunk_size'],
            block_size=body['block_size'], compression=body['compression'],
            parent=body['parent'], created_at=body['created_at'],
            chunks=[ChunkEntry(**c) for c in body['chunks']],
            block_hashes=[StoredObject(**o) for o in body['block_hashes']])

    def chunk_at(self, index):
        return self.chunks[index] if index < len(self.chunks) else None


def _body_checksum(body):
    canonical = json.dumps(body, sort_keys=True, separators=(',', ':'))
    return hashlib.sha256(canonical.encode()).hexdigest()


def changed_runs(digests, parent_digests, block_size, length):
    """``[start, length]`` runs of blocks whose digest differs."""
    runs = []
    for block, off in enumerate(range(0, length, block_size)):
        at = block * DIGEST_SIZE
        if digests[at:at + DIGEST_SIZE] == parent_digests[at:at + DIGEST_SIZE]:
            continue
        size = min(block_size, length - off)
        if runs and runs[-1][0] + runs[-1][1] == off:
            runs[-1][1] += size
        else:
            runs.append([off, size])
    return runs


# --- the pipeline ---------------------------------------------------------------

_END = object()


class Pipeline:
    """Items from ``source`` through stages of native threads, bounded.

    ``source`` is iterated in its own thread; each item goes through every
    ``(function, threads)`` stage in turn (a function returns the item for
    the next stage) and comes out of :meth:`results` on the calling thread.
    At most ``in_flight`` items exist between the source and the caller, so
    memory is bounded whatever the number of items. The first exception in
    any thread stops everything and is raised from :meth:`results`.
    """

    def __init__(self, source, stages, in_flight):
        threading = utils.native_threading()
        queue = utils.native_queue()
        self._source = source
        self._stages = stages
        self._slots = threading.Semaphore(in_flight)
        self._stopping = threading.Event()
        self._queues = [queue.Queue() for _ in stages]
        self._results = queue.Queue()
        self._empty = queue.Empty
        self._threads = [threading.Thread(target=self._feed, daemon=True,
                                          name='backup-source')]
        for n, (function, count) in enumerate(stages):
            self._threads += [
                threading.Thread(target=self._work, args=(n, function),
                                 daemon=True,
                                 name='backup-%s-%d' % (function.__name__, i))
                for i in range(count)]

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stopping.set()
        for n, (_, count) in enumerate(self._stages):
            for _ in range(count):
                self._queues[n].put(None)
        for thread in self._threads:
            thread.join()

    def _feed(self):
        count = 0
        items = iter(self._source)
        try:
            while True:
                # A slot first, then the item: the source (the volume
                # reader) never holds a chunk that has no slot.
                while not self._slots.acquire(timeout=0.1):
                    if self._stopping.is_set():
                        return
                if self._stopping.is_set():
                    return
                item = next(items, _END)
                if item is _END:
                    break
                self._queues[0].put(item)
                count += 1
        except BaseException as exc:    # noqa: B902 - handed to the caller
            self._results.put(('error', exc))
            return
        self._results.put(('end', count))

    def _work(self, n, function):
        while True:
            item = self._queues[n].get()
            if item is None:
                return
            if self._stopping.is_set():
                continue
            try:
                item = function(item)
            except BaseException as exc:    # noqa: B902 - handed to caller
                self._stopping.set()
                self._results.put(('error', exc))
                continue
            if n + 1 < len(self._queues):
                self._queues[n + 1].put(item)
            else:
                self._results.put(('item', item))

    def results(self, idle):
        """Yield finished items; call ``idle()`` when none came for a while
        (so the caller can check for cancellation while storage is slow)."""
        total = None
        seen = 0
        while total is None or seen < total:
            try:
                kind, value = self._results.get(timeout=CALLBACK_INTERVAL)
            except self._empty:
                idle()
                continue
            if kind == 'error':
                raise value
            if kind == 'end':
                total = value
                continue
            seen += 1
            self._slots.release()
            yield value


class Ticker:
    """Calls ``progress`` and ``is_cancelled`` at most every
    CALLBACK_INTERVAL seconds (and at the first chunk), on the caller's
    thread; raises BackupCancelled when asked to stop."""

    def __init__(self, backup_id, total, progress, is_cancelled):
        self.backup_id = backup_id
        self.total = total
        self.done = 0
        self._progress = progress
        self._is_cancelled = is_cancelled
        self._last = None

    def add(self, nbytes):
        self.done += nbytes
        self.tick()

    def tick(self, force=False):
        now = time.monotonic()
        if not force and self._last is not None and \
                now - self._last < CALLBACK_INTERVAL:
            return
        self._last = now
        self._progress(self.done, self.total)
        if self._is_cancelled():
            raise exception.BackupCancelled(backup_id=self.backup_id)


# --- reading a volume -----------------------------------------------------------

@dataclasses.dataclass
class ChunkTask:
    """A chunk on its way through a pipeline; fields fill in stage by stage."""

    index: int
    offset: int
    length: int
    data: typing.Any = None          # volume bytes (backup) / rebuilt bytes
    hole: bool = False
    entry: typing.Optional[ChunkEntry] = None
    stored: typing.Any = None        # bytes to put / list of fetched layers
    digests: bytes = b''
    changed_bytes: int = 0
    buffer: typing.Optional[bytearray] = None   # from a BufferPool


def device_size(fd):
    return os.lseek(fd, 0, os.SEEK_END)


def region_has_data(fd, offset, length):
    """False only when [offset, offset+length) is known to be a hole."""
    try:
        data_at = os.lseek(fd, offset, os.SEEK_DATA)
    except OSError as exc:
        if exc.errno == 6:           # ENXIO: no data after offset
            return False
        return True                  # SEEK_DATA unsupported: assume data
    return data_at < offset + length


class BufferPool:
    """Chunk buffers reused from chunk to chunk: reading into fresh 4 MiB
    allocations costs a page fault per 4 KiB and shows up as system CPU.
    The pipeline's in-flight bound keeps ``get`` from ever waiting long."""

    def __init__(self, size):
        self._size = size
        self._free = utils.native_queue().LifoQueue()

    def get(self):
        try:
            return self._free.get_nowait()
        except Exception:           # queue.Empty of whichever queue module
            return bytearray(self._size)

    def put(self, buffer):
        self._free.put(buffer)


def read_chunks(fd, size, chunk_size, buffers):
    """ChunkTasks covering the volume, read into ``buffers``' bytearrays
    (``task.buffer``; return it when done); holes are not read."""
    for index, offset in enumerate(range(0, size, chunk_size)):
        length = min(chunk_size, size - offset)
        if not region_has_data(fd, offset, length):
            yield ChunkTask(index, offset, length, hole=True)
            continue
        buffer = buffers.get()
        view = memoryview(buffer)[:length]
        done = 0
        while done < length:         # short reads: only at a shrinking EOF
            got = os.preadv(fd, [view[done:]], offset + done)
            if not got:
                raise exception.BackupDriverError(
                    reason='volume ended at %d bytes while reading the chunk '
                           'at offset %d (expected %d bytes)'
                           % (offset + done, offset, size))
            done += got
        # A whole bytearray compares with bytes at memcmp speed (a
        # memoryview does not); only a short last chunk needs the slice.
        data = buffer if length == len(buffer) else bytes(view)
        yield ChunkTask(index, offset, length, data=data, buffer=buffer)


def write_all(fd, data, offset):
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view = view[written:]
        offset += written


class BlockHashReader:
    """Block digests of a stored backup, loaded one segment at a time.

    Worker threads ask for chunks in roughly increasing order, so only the
    last two segments are kept: memory does not grow with the volume.
    """

    def __init__(self, driver, container, manifest, codecs):
        self._driver = driver
        self._container = container
        self._manifest = manifest
        self._codecs = codecs
        self._lock = utils.native_threading().Lock()
        self._segments = {}
        self._blocks_per_chunk = manifest.chunk_size // manifest.block_size

    def for_chunk(self, index):
        segment, position = divmod(index, CHUNKS_PER_HASH_SEGMENT)
        data = self._segment(segment)
        start = position * self._blocks_per_chunk * DIGEST_SIZE
        entry = self._manifest.chunks[index]
        blocks = -(-entry.length // self._manifest.block_size)
        return data[start:start + blocks * DIGEST_SIZE]

    def _segment(self, segment):
        with self._lock:
            if segment not in self._segments:
                obj = self._manifest.block_hashes[segment]
                stored = self._driver.get_object(self._container, obj.name)
                payload = checked_payload(
                    self._codecs.get(), stored, obj.compression,
                    obj.payload_size, obj.sha256, self._manifest.block_size,
                    self._container, obj.name)
                if len(self._segments) >= 2:
                    del self._segments[min(self._segments)]
                self._segments[segment] = payload
            return self._segments[segment]


def checked_payload(codec, stored, compression, payload_size, expected,
                    block_size, container, name):
    """Uncompressed payload of an object, or BackupChecksumMismatch naming
    the object when it does not decompress to the recorded checksum."""
    try:
        payload = codec.decompress(stored, compression, payload_size)
    except Exception as exc:        # any codec error means corrupted data
        raise exception.BackupChecksumMismatch(
            reason='Object %s in container %s is corrupted: it does not '
                   'decompress (%s: %s).' % (name, container, compression,
                                              exc))
    actual = checksum(payload, block_size)
    if len(payload) != payload_size or actual != expected:
        raise exception.BackupChecksumMismatch(
            reason='Object %s in container %s is corrupted: checksum %s (%d '
                   'bytes), the manifest says %s (%d bytes).'
                   % (name, container, actual, len(payload), expected,
                      payload_size))
    return payload


# --- backup -----------------------------------------------------------------------

@dataclasses.dataclass
class ParentState:
    container: str
    manifest_name: str
    manifest: Manifest
    hashes: BlockHashReader

    def as_pointer(self):
        return {'id': self.manifest.backup_id, 'container': self.container,
                'manifest': self.manifest_name}


class BackupRun:
    """One backup: the pipeline's stage functions and the bookkeeping the
    calling thread does as chunks come out."""

    def __init__(self, driver, backup, container, parent):
        self.driver = driver
        self.backup = backup
        self.container = container
        self.parent = parent
        self.names = ObjectNames(backup.id)
        settings = driver.settings
        self.settings = settings
        geometry = parent.manifest if parent else settings
        self.chunk_size = geometry.chunk_size
        self.block_size = geometry.block_size
        self.codecs = ThreadCodecs(settings.compression, settings.level)
        self.object_count = 0
        self.stored_bytes = 0
        self.changed_bytes = 0
        self._pending_hashes = {}
        self._hash_objects = {}

    def run(self, device_path, ticker):
        fd = os.open(device_path, os.O_RDONLY)
        try:
            size = device_size(fd)
            ticker.total = size
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)
            except OSError:
                pass    # advice only
            chunk_count = -(-size // self.chunk_size)
            entries = [None] * chunk_count
            stages = [(self.hash_and_compress, self.settings.worker_threads),
                      (self.write, self.settings.io_threads)]
            buffers = BufferPool(self.chunk_size)
            source = read_chunks(fd, size, self.chunk_size, buffers)
            with Pipeline(source, stages, self.settings.in_flight) as pipe:
                for task in pipe.results(idle=ticker.tick):
                    entries[task.index] = task.entry
                    if task.buffer is not None:
                        buffers.put(task.buffer)
                    self._collect_hashes(task, chunk_count)
                    ticker.add(task.length)
        finally:
            os.close(fd)
        ticker.tick(force=True)
        manifest = Manifest(
            backup_id=self.backup.id, volume_id=self.backup.volume_id,
            volume_size=size, chunk_size=self.chunk_size,
            block_size=self.block_size,
            compression=self.settings.compression,
            parent=self.parent.as_pointer() if self.parent else None,
            chunks=entries, created_at=time.time(),
            block_hashes=[self._hash_objects[k]
                          for k in sorted(self._hash_objects)])
        self._put(self.names.manifest, manifest.to_bytes())
        return base.BackupResult(
            container=self.container, service_metadata=self.names.manifest,
            object_count=self.object_count, stored_bytes=self.stored_bytes,
            volume_size=size, changed_bytes=self.changed_bytes,
            is_incremental=self.parent is not None)

    # Stage 1 (worker threads): hash, compare with the parent, compress.
    def hash_and_compress(self, task):
        data, length = task.data, task.length
        task.data = None
        if task.hole or data == zero_bytes(length):
            task.entry = ChunkEntry(task.offset, length, zero=True,
                                    hole=task.hole)
            task.digests = zero_block_digests(length, self.block_size)
            return task
        task.digests = block_digests(data, self.block_size)
        sha256 = list_checksum(task.digests)
        task.entry = ChunkEntry(task.offset, length, sha256=sha256)
        runs = self._changed_runs(task, sha256)
        if runs == []:
            task.entry.source = 'parent'
            return task
        payload = data
        if runs is not None:
            view = memoryview(data)
            payload = b''.join(view[start:start + size]
                               for start, size in runs)
            task.entry.runs = runs
        stored, compression = self.codecs.get().compress(payload)
        task.entry.object = self.names.chunk(task.index)
        task.entry.stored_size = len(stored)
        task.entry.compression = compression
        task.entry.object_sha256 = (sha256 if runs is None else
                                    checksum(payload, self.block_size))
        task.changed_bytes = len(payload)
        task.stored = stored
        return task

    def _changed_runs(self, task, sha256):
        """[] when unchanged since the parent, the changed runs when a
        delta is worth it, None to store the whole chunk."""
        if self.parent is None:
            return None
        before = self.parent.manifest.chunk_at(task.index)
        if before is None or before.length != task.length:
            return None
        if before.zero:
            base_digests = zero_block_digests(task.length, self.block_size)
        elif before.sha256 == sha256:
            return []
        else:
            base_digests = self.parent.hashes.for_chunk(task.index)
        runs = changed_runs(task.digests, base_digests, self.block_size,
                            task.length)
        changed = sum(size for _, size in runs)
        # Past half the chunk, a delta saves little and makes restore read
        # the parent too; an empty run list here means the hashes disagree
        # with the chunk sha256, so store the chunk whole to be safe.
        if not runs or changed * 2 >= task.length:
            return None
        return runs

    # Stage 2 (io threads): store the object.
    def write(self, task):
        if task.stored is not None:
            self.driver.put_object(self.container, task.entry.object,
                                   task.stored)
            task.stored = None
        return task

    # On the calling thread, as chunks come out.
    def _collect_hashes(self, task, chunk_count):
        if task.entry.object:
            self.object_count += 1
            self.stored_bytes += task.entry.stored_size
            self.changed_bytes += task.changed_bytes
        segment = task.index // CHUNKS_PER_HASH_SEGMENT
        pending = self._pending_hashes.setdefault(segment, {})
        pending[task.index] = task.digests
        first = segment * CHUNKS_PER_HASH_SEGMENT
        if len(pending) == min(CHUNKS_PER_HASH_SEGMENT, chunk_count - first):
            del self._pending_hashes[segment]
            payload = b''.join(pending[i] for i in sorted(pending))
            self._hash_objects[segment] = self._put_payload(
                self.names.block_hashes(segment), payload)

    def _put_payload(self, name, payload):
        stored, compression = self.codecs.get().compress(payload)
        self._put(name, stored)
        return StoredObject(name=name, stored_size=len(stored),
                            compression=compression,
                            payload_size=len(payload),
                            sha256=checksum(payload, self.block_size))

    def _put(self, name, data):
        self.driver.put_object(self.container, name, data)
        self.object_count += 1
        self.stored_bytes += len(data)


# --- restore --------------------------------------------------------------------

@dataclasses.dataclass
class Layer:
    """A stored object that contributes to one chunk being restored."""

    container: str
    entry: ChunkEntry
    stored: typing.Any


class RestoreRun:
    """One restore: fetch the objects a chunk needs along the incremental
    chain, rebuild and check the chunk, then write it."""

    def __init__(self, driver, chain):
        self.driver = driver
        self.chain = chain                 # [(container, Manifest)] newest first
        self.top = chain[0][1]
        self.codecs = ThreadCodecs('none', None)
        self.fd = None

    def run(self, target_path, ticker):
        settings = self.driver.settings
        ticker.total = self.top.volume_size
        self.fd = os.open(target_path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            if os.path.isfile(target_path) and \
                    device_size(self.fd) < self.top.volume_size:
                os.ftruncate(self.fd, self.top.volume_size)
            stages = [(self.fetch, settings.io_threads),
                      (self.rebuild, settings.worker_threads),
                      (self.write, settings.io_threads)]
            source = (ChunkTask(i, c.offset, c.length)
                      for i, c in enumerate(self.top.chunks))
            with Pipeline(source, stages, settings.in_flight) as pipe:
                for task in pipe.results(idle=ticker.tick):
                    ticker.add(task.length)
            os.fsync(self.fd)
        finally:
            os.close(self.fd)
        ticker.tick(force=True)

    # Stage 1 (io threads): get every object the chunk is built from.
    def fetch(self, task):
        layers = []
        for container, manifest in self.chain:
            entry = manifest.chunk_at(task.index)
            if entry is None or entry.zero or entry.length != task.length:
                break                    # what lies below is zeros
            if entry.source == 'parent':
                continue
            layers.append(Layer(container, entry, self.driver.get_object(
                container, entry.object)))
            if entry.runs is None:
                break                    # a whole chunk: nothing below counts
        task.stored = layers
        return task

    # Stage 2 (worker threads): decompress, check, lay deltas over the base.
    def rebuild(self, task):
        wanted = self.top.chunks[task.index]
        layers, task.stored = task.stored, None
        if wanted.zero:
            return task
        codec = self.codecs.get()
        data = None
        for layer in reversed(layers):  # oldest first
            entry = layer.entry
            payload = checked_payload(
                codec, layer.stored, entry.compression, entry.payload_size,
                entry.object_sha256, self.top.block_size, layer.container,
                entry.object)
            if entry.runs is None:
                data = payload
                continue
            data = bytearray(data if data is not None else task.length)
            view = memoryview(payload)
            for start, size in entry.runs:
                data[start:start + size] = view[:size]
                view = view[size:]
        if self._is_checked_whole(layers, wanted):
            task.data = data
            return task
        actual = checksum(data or b'', self.top.block_size)
        if actual != wanted.sha256:
            raise exception.BackupChecksumMismatch(
                reason='Chunk at offset %d of backup %s rebuilt from %s has '
                       'checksum %s, the manifest says %s; nothing written '
                       'for it.' % (task.offset, self.top.backup_id,
                                ', '.join(l.entry.object for l in layers)
                                or 'no object', actual, wanted.sha256))
        task.data = data
        return task

    @staticmethod
    def _is_checked_whole(layers, wanted):
        """The chunk is one whole object whose checksum, already checked,
        is the chunk's: checking it again would only burn CPU."""
        return (len(layers) == 1 and layers[0].entry.runs is None
                and layers[0].entry.object_sha256 == wanted.sha256)

    # Stage 3 (io threads): write; a zero chunk stays a hole where it is one.
    def write(self, task):
        if task.data is not None:
            write_all(self.fd, task.data, task.offset)
        elif region_has_data(self.fd, task.offset, task.length):
            zeros = zero_bytes(min(task.length, 1024 * 1024))
            for offset in range(task.offset, task.offset + task.length,
                                len(zeros)):
                end = min(offset + len(zeros), task.offset + task.length)
                write_all(self.fd, memoryview(zeros)[:end - offset], offset)
        task.data = None
        return task


# --- verify ---------------------------------------------------------------------

@dataclasses.dataclass
class VerifyItem:
    backup_id: str
    container: str
    name: str
    stored_size: int
    compression: str
    payload_size: int
    sha256: str
    block_size: int
    stored: typing.Any = None
    problem: typing.Optional[str] = None


class VerifyRun:
    """Re-read every object of a backup chain and check size and sha256."""

    def __init__(self, driver, chain):
        self.driver = driver
        self.chain = chain
        self.codecs = ThreadCodecs('none', None)

    def items(self):
        for container, manifest in self.chain:
            for obj in manifest.block_hashes:
                yield VerifyItem(manifest.backup_id, container, obj.name,
                                 obj.stored_size, obj.compression,
                                 obj.payload_size, obj.sha256,
                                 manifest.block_size)
            for entry in manifest.chunks:
                if entry.object and entry.source == 'self':
                    yield VerifyItem(manifest.backup_id, container,
                                     entry.object, entry.stored_size,
                                     entry.compression, entry.payload_size,
                                     entry.object_sha256, manifest.block_size)

    def run(self, report):
        settings = self.driver.settings
        stages = [(self.fetch, settings.io_threads),
                  (self.check, settings.worker_threads)]
        with Pipeline(self.items(), stages, settings.in_flight) as pipe:
            for item in pipe.results(idle=lambda: None):
                report.checked_objects += 1
                if item.problem:
                    report.problems.append(base.VerifyProblem(
                        item.backup_id, item.container, item.name,
                        item.problem))
                else:
                    report.checked_bytes += item.stored_size
        return report

    def fetch(self, item):
        size = self.driver.head_object(item.container, item.name)
        if size is None:
            item.problem = 'missing'
        elif size != item.stored_size:
            item.problem = ('stored size %d, the manifest says %d'
                            % (size, item.stored_size))
        else:
            try:
                item.stored = self.driver.get_object(item.container,
                                                     item.name)
            except exception.BackupObjectNotFound:
                item.problem = 'missing'
        return item

    def check(self, item):
        stored, item.stored = item.stored, None
        if item.problem is None:
            try:
                checked_payload(self.codecs.get(), stored, item.compression,
                                item.payload_size, item.sha256,
                                item.block_size, item.container, item.name)
            except exception.BackupChecksumMismatch as exc:
                item.problem = str(exc)
        return item


# --- the driver -------------------------------------------------------------------

class ChunkedBackupDriver(base.BackupDriver, metaclass=abc.ABCMeta):
    """Storage backends subclass this and supply the primitives below.

    The engine calls them from several native threads at once: they must be
    thread-safe. Object names always start with a per-backup prefix
    (``backup_<id>/``) so a delete never widens to other backups.
    """

    supports_incremental = True
    supports_verify = True
    supports_sparse_restore = True

    #: container used when BackupRef.container is empty; a backend
    #: overrides it (a property reading its own option).
    default_container = 'backups'

    def __init__(self, conf):
        super().__init__(conf)
        conf.register_opts(OPTS)

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

    # --- the contract, on top of them ---

    def check_for_setup_error(self):
        self.settings      # raises on inconsistent options
        self.check_backend()

    def backup(self, backup, device_path, progress=base._no_progress,
               is_cancelled=base._never_cancelled):
        container = self._container(backup)
        names = ObjectNames(backup.id)
        parent = self._parent_state(backup.parent)
        self.put_container(container)
        run = BackupRun(self, backup, container, parent)
        ticker = Ticker(backup.id, 0, progress, is_cancelled)
        try:
            return run.run(device_path, ticker)
        except BaseException:
            LOG.warning('Backup %s failed or was cancelled; removing the '
                        'objects it wrote under %s in container %s.',
                        backup.id, names.prefix, container)
            self._delete_prefix(container, names.prefix)
            raise

    def restore(self, backup, target_path, progress=base._no_progress,
                is_cancelled=base._never_cancelled):
        chain = self._chain(self._container(backup),
                            self._manifest_name(backup))
        RestoreRun(self, chain).run(
            target_path, Ticker(backup.id, 0, progress, is_cancelled))

    def verify(self, backup):
        report = base.VerifyReport(backup_id=backup.id)
        container = self._container(backup)
        try:
            chain = self._chain(container, self._manifest_name(backup))
        except exception.BackupDriverError as exc:
            report.problems.append(base.VerifyProblem(
                backup.id, container, self._manifest_name(backup), str(exc)))
            return report
        report.checked_objects += len(chain)      # the manifests themselves
        return VerifyRun(self, chain).run(report)

    def delete_backup(self, backup):
        """Manifest first (a half-deleted backup never looks restorable),
        then everything else under the backup's own prefix."""
        container = self._container(backup)
        names = ObjectNames(backup.id)
        self.delete_object(container, names.manifest)
        self._delete_prefix(container, names.prefix)

    def export_record(self, backup):
        return {'engine': MANIFEST_FORMAT, 'version': MANIFEST_VERSION,
                'container': self._container(backup),
                'service_metadata': self._manifest_name(backup)}

    def import_record(self, backup, driver_info):
        container = driver_info.get('container') or self._container(backup)
        name = driver_info.get('service_metadata') or \
            ObjectNames(backup.id).manifest
        manifest = self._load_manifest(container, name)
        if manifest.backup_id != backup.id:
            raise exception.BackupDriverError(
                reason='Manifest %s in container %s belongs to backup %s, '
                       'not %s; import it under its own id.'
                       % (name, container, manifest.backup_id, backup.id))
        return dataclasses.replace(backup, container=container,
                                   service_metadata=name)

    # --- helpers ---

    def _container(self, backup):
        return backup.container or self.default_container

    def _manifest_name(self, backup):
        return backup.service_metadata or ObjectNames(backup.id).manifest

    def _load_manifest(self, container, name):
        return Manifest.from_bytes(self.get_object(container, name),
                                   container, name)

    def _chain(self, container, manifest_name):
        """[(container, Manifest)] from the backup down to its full base."""
        chain = []
        seen = set()
        pointer = {'container': container, 'manifest': manifest_name}
        while pointer:
            key = (pointer['container'], pointer['manifest'])
            if key in seen:
                raise exception.BackupDriverError(
                    reason='Manifest %s in container %s is its own ancestor.'
                           % (key[1], key[0]))
            seen.add(key)
            manifest = self._load_manifest(*key)
            chain.append((key[0], manifest))
            pointer = manifest.parent
        return chain

    def _parent_state(self, parent):
        if parent is None:
            return None
        container = self._container(parent)
        name = self._manifest_name(parent)
        manifest = self._load_manifest(container, name)
        return ParentState(container, name, manifest, BlockHashReader(
            self, container, manifest, ThreadCodecs('none', None)))

    def _delete_prefix(self, container, prefix):
        if not prefix or not prefix.endswith('/'):
            raise ValueError('refusing to delete under prefix %r' % prefix)
        names = self.list_objects(container, prefix)
        settings = self.settings
        stages = [(self._delete_one(container), settings.io_threads)]
        with Pipeline(names, stages, settings.in_flight) as pipe:
            for _ in pipe.results(idle=lambda: None):
                pass

    def _delete_one(self, container):
        def delete(name):
            self.delete_object(container, name)
            return name
        return delete
