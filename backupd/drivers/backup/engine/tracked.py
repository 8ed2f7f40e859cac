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
import typing

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
    offset = 0
    carried_from, carried = None, 0
    prefetch = _Prefetch(fd, runs, chunk_size)
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
                volume.read_data_only(fd, view[start:start + run],
                                      offset + start, size)
            yield volume.ChunkTask(index, offset, length, data=buffer,
                                   buffer=buffer, blocks=blocks)
        else:
            yield volume.read_one_chunk(fd, offset, length, size, chunk_size,
                                        buffers)
        offset += length
    if carried_from is not None:
        yield _carried(carried_from, offset, chunk_size)


class _Prefetch:
    """Asks the kernel to read the changed blocks ahead of the reader."""

    def __init__(self, fd, runs, chunk_size):
        self._fd = fd
        self._chunk_size = chunk_size
        self._todo = iter(sorted(runs.items()))
        self._ahead = collections.deque()      # (index, bytes) advised
        self._bytes = 0

    def past(self, index):
        """The reader is at chunk ``index``: forget what it passed, advise
        more up to PREFETCH_BYTES."""
        while self._ahead and self._ahead[0][0] < index:
            self._bytes -= self._ahead.popleft()[1]
        while self._bytes < PREFETCH_BYTES:
            item = next(self._todo, None)
            if item is None:
                return
            chunk, blocks = item
            if chunk < index:
                continue
            base = chunk * self._chunk_size
            for start, length in blocks:
                try:
                    os.posix_fadvise(self._fd, base + start, length,
                                     os.POSIX_FADV_WILLNEED)
                except OSError:
                    return            # advice only
            advised = sum(length for _, length in blocks)
            self._ahead.append((chunk, advised))
            self._bytes += advised


def _carried(start, end, chunk_size):
    return volume.ChunkTask(start // chunk_size, start, end - start,
                            carried=True)
