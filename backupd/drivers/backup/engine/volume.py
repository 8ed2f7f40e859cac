"""Reading a volume in chunks (holes skipped) and writing at offsets."""
import dataclasses
import errno
import os
import typing

from backupd import exception
from backupd import utils
from backupd.drivers.backup.engine import checksums
from backupd.drivers.backup.engine import manifest


@dataclasses.dataclass
class ChunkTask:
    """A chunk on its way through a pipeline; fields fill in stage by stage."""

    index: int
    offset: int
    length: int
    data: typing.Any = None          # volume bytes (backup) / rebuilt bytes
    # A run of chunks with nothing to move, as ONE task: holes of the
    # volume (backup) or zero chunks (restore); ``length`` spans them all.
    hole: bool = False
    entry: typing.Optional[manifest.ChunkEntry] = None
    stored: typing.Any = None        # bytes to put / list of fetched layers
    digests: bytes = b''
    changed_bytes: int = 0
    buffer: typing.Optional[bytearray] = None   # from a BufferPool
    # Tracked incrementals (engine.tracked): a run of chunks unchanged since
    # the parent's base, as ONE task that takes the parent's entries
    # (``carried_entries``: [(entry, digests)] once hashed); or, for a
    # chunk read in part, the [start, length] runs of blocks that were.
    carried: bool = False
    carried_entries: typing.Optional[list] = None
    blocks: typing.Optional[list] = None
    # Shared layout: the new layer this task stores (a whole chunk under
    # its content name, or a delta to pack), None when nothing is stored;
    # bytes of the chunk the repository had already (stored by content).
    layer: typing.Any = None
    deduplicated: int = 0

    def io_bytes(self):
        """Bytes this task reads from (backup) or writes to (restore) the
        volume: none for holes and carried runs, the read blocks of a
        chunk read in part."""
        if self.hole or self.carried:
            return 0
        if self.blocks is not None:
            return sum(length for _, length in self.blocks)
        return self.length


def device_size(fd):
    return os.lseek(fd, 0, os.SEEK_END)


def next_data(fd, offset, end):
    """Where data starts at or after ``offset`` (``end`` when only a hole
    follows); ``offset`` itself when SEEK_DATA is unsupported."""
    try:
        return min(os.lseek(fd, offset, os.SEEK_DATA), end)
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # no data after offset
            return end
        return offset                # SEEK_DATA unsupported: assume data


def next_hole(fd, offset, end):
    """Where the data at ``offset`` ends (``end`` at the latest)."""
    try:
        return min(os.lseek(fd, offset, os.SEEK_HOLE), end)
    except OSError:
        return end


class DataRuns:
    """:func:`next_data` and :func:`next_hole` for a reader moving forward
    through a file, remembering the run of data found last.

    On XFS (and other filesystems whose lseek walks extents, iomap's)
    SEEK_HOLE from inside data visits every extent up to the next hole: on
    a dense volume, up to its end. Asked once per chunk that made a full
    read quadratic in the number of extents, and a volume whose snapshots
    are kept as bases for changed-block tracking (reflinks) gains extents
    with every write it takes. Only a run of *data* is remembered: were it
    stale, the reader would read bytes that may have become a hole (they
    read as zeros), never skip bytes that may have become data. Threads
    may share one: the run is a single tuple, replaced whole.
    """

    def __init__(self, fd):
        self._fd = fd
        self._run = (0, 0)           # [start, end) known to be data

    def next_data(self, offset, end):
        start, stop = self._run
        if start <= offset < stop:
            return min(offset, end)
        return next_data(self._fd, offset, end)

    def next_hole(self, offset, end):
        start, stop = self._run
        if not start <= offset < stop:
            try:
                stop = os.lseek(self._fd, offset, os.SEEK_HOLE)
            except OSError:
                return end
            self._run = (offset, stop)
        return min(stop, end)


def write_zeros(fd, offset, length):
    """Make [offset, offset+length) read as zeros, writing only where the
    file holds data: holes of a sparse target stay holes."""
    zeros = memoryview(checksums.zero_bytes(1024 * 1024))
    end = offset + length
    while offset < end:
        offset = next_data(fd, offset, end)
        data_end = next_hole(fd, offset, end)
        while offset < data_end:
            piece = min(len(zeros), data_end - offset)
            write_all(fd, zeros[:piece], offset)
            offset += piece


def region_has_data(fd, offset, length, runs=None):
    """False only when [offset, offset+length) is known to be a hole."""
    runs = runs or DataRuns(fd)
    return runs.next_data(offset, offset + length) < offset + length


class BufferPool:
    """Chunk buffers reused from chunk to chunk: reading into fresh 4 MiB
    allocations costs a page fault per 4 KiB and shows up as system CPU.
    It holds no more buffers than the pipeline lets chunks be in flight."""

    def __init__(self, size):
        self._size = size
        queue = utils.native_queue()
        self._free = queue.LifoQueue()
        self._empty = queue.Empty

    def get(self):
        try:
            return self._free.get_nowait()
        except self._empty:
            return bytearray(self._size)

    def put(self, buffer):
        self._free.put(buffer)


def read_chunks(fd, size, chunk_size, buffers):
    """ChunkTasks covering the volume, read into ``buffers``' bytearrays
    (``task.buffer``; return it when done).

    Holes are not read, and consecutive chunks that are wholly holes come
    as ONE task (``hole=True``, ``length`` spanning them all): a 10 GiB
    volume holding 100 MiB costs a few dozen pipeline trips, not 2560.
    """
    runs = DataRuns(fd)
    offset = 0
    while offset < size:
        index = offset // chunk_size
        length = min(chunk_size, size - offset)
        data_at = runs.next_data(offset, size)
        if data_at >= offset + length:
            hole_end = (size if data_at >= size
                        else data_at // chunk_size * chunk_size)
            yield ChunkTask(index, offset, hole_end - offset, hole=True)
            offset = hole_end
            continue
        yield read_one_chunk(fd, offset, length, size, chunk_size, buffers,
                             runs)
        offset += length


def read_one_chunk(fd, offset, length, size, chunk_size, buffers,
                   runs=None):
    """The ChunkTask of one chunk: a hole task when it holds no data, else
    its bytes read into a buffer of ``buffers``. ``runs``: the reader's
    :class:`DataRuns`."""
    index = offset // chunk_size
    runs = runs or DataRuns(fd)
    if not region_has_data(fd, offset, length, runs):
        return ChunkTask(index, offset, length, hole=True)
    buffer = buffers.get()
    view = memoryview(buffer)[:length]
    read_data_only(fd, view, offset, size, runs)
    # A whole bytearray compares with bytes at memcmp speed (a
    # memoryview does not); only a short last chunk needs the slice.
    data = buffer if length == len(buffer) else bytes(view)
    return ChunkTask(index, offset, length, data=data, buffer=buffer)


def read_data_only(fd, view, offset, size, runs=None):
    """Fill ``view`` with the volume's bytes at ``offset``, reading only
    its data extents: holes inside the chunk are zero-filled in memory,
    cheaper than having the kernel copy zeros out. ``runs``: the reader's
    :class:`DataRuns`."""
    runs = runs or DataRuns(fd)
    end = offset + len(view)
    zeros = memoryview(checksums.zero_bytes(len(view)))
    position = offset
    while position < end:
        data_at = runs.next_data(position, end)
        view[position - offset:data_at - offset] = zeros[:data_at - position]
        if data_at >= end:
            return
        data_end = runs.next_hole(data_at, end)
        pread_exact(fd, view[data_at - offset:data_end - offset], data_at,
                    size)
        position = data_end


def pread_exact(fd, view, offset, size):
    done = 0
    while done < len(view):          # short reads: only at a shrinking EOF
        got = os.preadv(fd, [view[done:]], offset + done)
        if not got:
            # Only a volume that shrank under the reader ends early
            # (a remembered DataRuns run or a tracked block reads on
            # without asking where data ends); BackupRun.run says the same
            # when it finds the size changed at the end.
            raise exception.BackupDriverError(
                reason='the volume changed size during the backup: it ended '
                       'at %d bytes while reading %d bytes at offset %d (it '
                       'had %d bytes); back up a snapshot or a volume '
                       'nothing writes to.'
                       % (offset + done, len(view), offset, size))
        done += got


def start_writeback(fd, offset, length):
    """Start writing [offset, offset+length) to disk now, without waiting.

    A restore ends with an fsync; left to the kernel's dirty-page timers
    the whole volume would be flushed only then, after all the decoding.
    Started chunk by chunk, the disk writes overlap the decoding and the
    final fsync has little left to do. It also keeps a restore from
    filling the page cache with a volume nobody reads back.
    """
    try:
        os.posix_fadvise(fd, offset, length, os.POSIX_FADV_DONTNEED)
    except OSError:
        pass     # advice only (e.g. a device that does not take it)


def write_all(fd, data, offset):
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view = view[written:]
        offset += written
