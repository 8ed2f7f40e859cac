"""Incrementals that read only what changed (changed-block tracking).

The volume driver compares the snapshot being backed up with the *base*,
the snapshot the parent backup read and kept, and reports the byte ranges
that may differ (:class:`Changes`). The engine then reads and hashes only
the 32 KiB blocks those ranges touch; every other block's digest comes
from the parent's block hash objects, so the manifest, the block hashes
and the stored deltas are the same as a full read would have made.

Nothing here is trusted blindly: :func:`decide` falls back to the full
read when the parent recorded no base, when the base the ranges are
relative to is not the one the parent's manifest recorded (identity and
all), or when the ranges do not describe this volume. A chunk the parent
does not have at the same length (the volume grew) is read whole, and a
delta that would need blocks that were not read makes its chunk be read
whole too.
"""
import collections
import dataclasses
import os
import sys
import typing

from backupd import utils
from backupd.drivers.backup.engine import volume

FULL, TRACKED = 'full', 'tracked'

# Changed blocks are scattered: read one after the other, each waits for
# the disk (a 1 % change of 10 GiB is ~3,300 reads). The kernel is asked
# for those ahead of the reader (POSIX_FADV_WILLNEED starts the reads and
# returns), so many are in flight at once; at most this many bytes of them
# sit in the page cache ahead of the reader.
PREFETCH_BYTES = 64 * 1024 * 1024


@dataclasses.dataclass(frozen=True)
class Changes:
    """What the volume driver says about the snapshot being backed up.

    ``base``: identity (``{"snapshot_id", "identity"}``) of the base the
    ``ranges`` are relative to, or None. ``ranges``: ``[(offset, length)]``
    that may have changed since the base, or None when unknown
    (``reason`` says why). ``snapshot``: identity of the snapshot being
    read, recorded in the manifest when the snapshot is kept as the next
    incremental's base (None when it is not kept).
    """

    base: typing.Optional[dict] = None
    ranges: typing.Optional[list] = None
    reason: str = ''
    snapshot: typing.Optional[dict] = None


def decide(parent, changes, size):
    """(ranges or None, reason): the changed ranges to trust, or None to
    read the whole volume, and why."""
    if parent is None:
        return None, 'a full backup reads the whole volume'
    if changes is None:
        return None, 'no changed-block information was given'
    if changes.ranges is None:
        return None, changes.reason or 'the volume driver cannot tell'
    recorded = parent.manifest.base
    if not recorded:
        return None, ('parent backup %s kept no base snapshot'
                      % parent.manifest.backup_id)
    if recorded != changes.base:
        return None, ('the changes are relative to %s, but parent backup %s '
                      'recorded base %s' % (changes.base,
                                            parent.manifest.backup_id,
                                            recorded))
    if parent.manifest.volume_size > size:
        return None, ('the volume is smaller than parent backup %s'
                      % parent.manifest.backup_id)
    problem = _invalid(changes.ranges, size)
    if problem:
        return None, 'the changed ranges are unusable: %s' % problem
    return changes.ranges, ('changed ranges since base snapshot %s'
                            % recorded.get('snapshot_id'))


def _invalid(ranges, size):
    end = 0
    for item in ranges:
        try:
            offset, length = item
        except (TypeError, ValueError):
            return 'not (offset, length) pairs'
        if not (isinstance(offset, int) and isinstance(length, int)):
            return 'not whole numbers'
        if offset < end or length <= 0 or offset + length > size:
            return ('range (%d, %d) is out of order or outside the %d-byte '
                    'volume' % (offset, length, size))
        end = offset + length
    return None


def block_runs(ranges, chunk_size, block_size):
    """{chunk index: [[start, length], ...]}: the blocks ``ranges`` touch,
    widened to whole blocks, relative to their chunk."""
    runs = {}
    for offset, length in ranges:
        start = offset // block_size * block_size
        end = -(-(offset + length) // block_size) * block_size
        while start < end:
            index, rel = divmod(start, chunk_size)
            piece = min(end, (index + 1) * chunk_size) - start
            chunk = runs.setdefault(index, [])
            if chunk and chunk[-1][0] + chunk[-1][1] >= rel:
                chunk[-1][1] = max(chunk[-1][1], rel + piece - chunk[-1][0])
            else:
                chunk.append([rel, piece])
            start += piece
    return runs


def read_chunks(fd, size, chunk_size, runs, parent_manifest, buffers,
                batch):
    """ChunkTasks for a tracked incremental (see :func:`volume.read_chunks`
    for the plain one).

    * no changed block in a chunk the parent has at the same length:
      nothing read; consecutive ones come as ONE task (``carried``, at
      most ``batch`` chunks) that takes the parent's entries;
    * fewer than half its blocks changed: only those blocks are read into
      the buffer (``blocks`` lists them; the rest of the buffer is stale);
    * otherwise, or when the parent has no such chunk: read whole.
    """
    prefetch = _Prefetch(fd, runs, chunk_size)
    try:
        yield from _tasks(fd, size, chunk_size, runs, parent_manifest,
                          buffers, batch, prefetch)
    finally:
        prefetch.close()


def _tasks(fd, size, chunk_size, runs, parent_manifest, buffers, batch,
           prefetch):
    data_runs = volume.DataRuns(fd)
    offset = 0
    carried_from, carried = None, 0
    while offset < size:
        index = offset // chunk_size
        length = min(chunk_size, size - offset)
        prefetch.past(index)
        before = parent_manifest.chunk_at(index)
        blocks = [[start, min(run, length - start)]
                  for start, run in runs.get(index, ())
                  if start < length]
        same_shape = before is not None and before.length == length
        if same_shape and not blocks:
            if carried_from is None:
                carried_from = offset
            carried += 1
            offset += length
            if carried == batch:
                yield _carried(carried_from, offset, chunk_size)
                carried_from, carried = None, 0
            continue
        if carried_from is not None:
            yield _carried(carried_from, offset, chunk_size)
            carried_from, carried = None, 0
        if same_shape and sum(n for _, n in blocks) * 2 < length:
            buffer = buffers.get()
            view = memoryview(buffer)
            for start, run in blocks:
                # No SEEK_DATA/SEEK_HOLE here: a block in a hole reads as
                # zeros anyway, and on XFS a SEEK_HOLE from inside data
                # walks every extent up to the next hole, the end of a
                # dense volume: per block, that cost more than the reads.
                volume.pread_exact(fd, view[start:start + run],
                                   offset + start, size)
            yield volume.ChunkTask(index, offset, length, data=buffer,
                                   buffer=buffer, blocks=blocks)
        else:
            yield volume.read_one_chunk(fd, offset, length, size, chunk_size,
                                        buffers, data_runs)
        offset += length
    if carried_from is not None:
        yield _carried(carried_from, offset, chunk_size)


class _Prefetch:
    """Asks the kernel to read the changed blocks ahead of the reader.

    From a native thread of its own: ``POSIX_FADV_WILLNEED`` returns only
    once its reads are queued, and with the device's queue full that is
    once most of the earlier ones are done. Called by the reader, the first
    advice of PREFETCH_BYTES held back every chunk (and so the hashing and
    storing) until most of them were read; from here the reader takes each
    chunk as soon as its blocks are in. The thread advises on a duplicate
    of the reader's descriptor, so it never touches another file whatever
    the reader does with its own, and stays at most PREFETCH_BYTES ahead
    of the chunk :meth:`past` names. Once that far ahead it sleeps until
    the reader has taken half of it: woken per chunk, the two threads
    would trade the GIL thousands of times. :meth:`close` stops it.
    """

    # Sleeping, it still looks every so often: a lost wake-up could only
    # cost advice, never a read.
    WAIT = 0.5

    def __init__(self, fd, runs, chunk_size):
        threading = utils.native_threading()
        self._chunk_size = chunk_size
        self._window = PREFETCH_BYTES
        self._todo = sorted(runs.items())
        self._cond = threading.Condition()
        self._reader_at = 0
        # The reader wakes the thread only once past this chunk.
        self._wake_after = sys.maxsize
        self._stopping = False
        self._ahead = collections.deque()      # (index, bytes) advised
        self._bytes = 0
        self._fd = None
        self._thread = None
        if self._todo:
            self._fd = os.dup(fd)
            self._thread = threading.Thread(target=self._run, daemon=True,
                                            name='backup-prefetch')
            self._thread.start()

    def past(self, index):
        """The reader is at chunk ``index``."""
        # Set, then look (the thread sets _wake_after, then looks at
        # _reader_at): one of the two sees the other's write.
        self._reader_at = index
        if index > self._wake_after:
            with self._cond:
                self._cond.notify()

    def close(self):
        if self._thread is None:
            return
        with self._cond:
            self._stopping = True
            self._cond.notify()
        self._thread.join()
        self._thread = None
        os.close(self._fd)

    def _run(self):
        for chunk, blocks in self._todo:
            if not self._room_for(chunk):
                if self._stopping:
                    return
                continue              # the reader is past it already
            advised = sum(length for _, length in blocks)
            base = chunk * self._chunk_size
            for start, length in blocks:
                try:
                    os.posix_fadvise(self._fd, base + start, length,
                                     os.POSIX_FADV_WILLNEED)
                except OSError:
                    return            # advice only
            with self._cond:
                self._ahead.append((chunk, advised))
                self._bytes += advised

    def _room_for(self, chunk):
        """Wait until advising ``chunk`` keeps within the window; False
        when the reader is past it already or when stopping."""
        with self._cond:
            while not self._stopping:
                while self._ahead and self._ahead[0][0] < self._reader_at:
                    self._bytes -= self._ahead.popleft()[1]
                if chunk < self._reader_at:
                    return False
                if self._bytes < self._window:
                    return True
                left = self._bytes
                for index, advised in self._ahead:
                    left -= advised
                    if left <= self._window // 2:
                        self._wake_after = index
                        break
                if self._reader_at <= self._wake_after:
                    self._cond.wait(self.WAIT)
                self._wake_after = sys.maxsize
            return False


def _carried(start, end, chunk_size):
    return volume.ChunkTask(start // chunk_size, start, end - start,
                            carried=True)
