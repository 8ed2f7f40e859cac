"""Reading a volume in chunks (holes skipped) and writing at offsets."""
import dataclasses
import errno
import os
import typing

from backupd import exception
from backupd import utils
from backupd.drivers.backup.engine import manifest


@dataclasses.dataclass
class ChunkTask:
    """A chunk on its way through a pipeline; fields fill in stage by stage."""

    index: int
    offset: int
    length: int
    data: typing.Any = None          # volume bytes (backup) / rebuilt bytes
    hole: bool = False
    entry: typing.Optional[manifest.ChunkEntry] = None
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
        if exc.errno == errno.ENXIO:  # no data after offset
            return False
        return True                  # SEEK_DATA unsupported: assume data
    return data_at < offset + length


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
