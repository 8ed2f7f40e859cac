"""How a tracked incremental finds and reads the changed blocks of a volume:
the changed ranges from two extent maps (drivers/volume/fiemap.py), the
bytes read (engine.tracked.read_chunks) and the prefetch thread's life.
The digests and the manifest are compared with a full read in
tests/functional/test_change_tracking_xfs.py."""
import os
import random
import threading

import pytest

from backupd.drivers.backup.engine import manifest
from backupd.drivers.backup.engine import tracked
from backupd.drivers.backup.engine import volume
from backupd.drivers.volume import fiemap

BLOCK = 4096
CHUNK = 8 * BLOCK
CHUNKS = 12


def parent_of(size):
    chunks = [manifest.ChunkEntry(offset, min(CHUNK, size - offset),
                                  sha256='x')
              for offset in range(0, size, CHUNK)]
    return manifest.Manifest(
        backup_id='p', volume_id='v', volume_size=size, chunk_size=CHUNK,
        block_size=BLOCK, compression='none', parent=None, chunks=chunks,
        block_hashes=[])


class StalePool(volume.BufferPool):
    """Hands out buffers full of 0xff, as a reused buffer holds the last
    chunk's bytes: a block must be overwritten, holes included."""

    def get(self):
        return bytearray(b'\xff' * CHUNK)


@pytest.fixture
def sparse_volume(tmp_path):
    """A volume whose data blocks are every third block: the others are
    holes, which a changed block can be (punched, discarded)."""
    path = tmp_path / 'volume'
    size = CHUNKS * CHUNK
    rnd = random.Random(19)
    with open(path, 'wb') as f:
        f.truncate(size)
        for block in range(0, size // BLOCK, 3):
            f.seek(block * BLOCK)
            f.write(rnd.randbytes(BLOCK))
    return path, size


def prefetch_threads():
    return [t for t in threading.enumerate() if t.name == 'backup-prefetch']


@pytest.mark.parametrize('window', [tracked.PREFETCH_BYTES, 1])
def test_changed_blocks_are_read_holes_and_all(sparse_volume, monkeypatch,
                                               window):
    # window 1: the prefetch thread waits for the reader after each chunk.
    monkeypatch.setattr(tracked, 'PREFETCH_BYTES', window)
    path, size = sparse_volume
    content = path.read_bytes()
    rnd = random.Random(4)
    ranges = sorted((block * BLOCK + rnd.randrange(BLOCK), 1)
                    for block in rnd.sample(range(size // BLOCK), 20))
    runs = tracked.block_runs(ranges, CHUNK, BLOCK)
    fd = os.open(path, os.O_RDONLY)
    try:
        tasks = list(tracked.read_chunks(fd, size, CHUNK, runs,
                                         parent_of(size), StalePool(CHUNK),
                                         batch=4))
    finally:
        os.close(fd)
    assert not prefetch_threads()
    read = {}
    for task in tasks:
        if task.carried:
            assert task.index not in runs
            continue
        assert task.blocks == runs[task.index]
        for start, length in task.blocks:
            read[task.offset + start] = bytes(task.data[start:start + length])
    assert sorted(read) == sorted(task_index * CHUNK + start
                                  for task_index, blocks in runs.items()
                                  for start, _ in blocks)
    for offset, data in read.items():
        assert data == content[offset:offset + len(data)]
    # Some changed blocks were holes: read as zeros over the stale bytes.
    assert any(data == bytes(len(data)) for data in read.values())


def fds_on(path):
    """This process's fds open on ``path``."""
    target = os.path.realpath(path)
    found = []
    for fd in os.listdir('/proc/self/fd'):
        try:
            if os.readlink('/proc/self/fd/' + fd) == target:
                found.append(fd)
        except OSError:
            pass                # the listing's own fd, already closed
    return found


def test_prefetch_thread_ends_when_the_reader_stops_early(sparse_volume,
                                                         monkeypatch):
    # A one-byte window: the thread waits for the reader to pass chunk 0.
    monkeypatch.setattr(tracked, 'PREFETCH_BYTES', 1)
    path, size = sparse_volume
    runs = tracked.block_runs([(n * CHUNK, 1) for n in range(CHUNKS)],
                              CHUNK, BLOCK)
    assert not fds_on(path)
    fd = os.open(path, os.O_RDONLY)
    try:
        reader = tracked.read_chunks(fd, size, CHUNK, runs, parent_of(size),
                                     volume.BufferPool(CHUNK), batch=4)
        next(reader)
        assert prefetch_threads()
        reader.close()        # what the pipeline does when it stops
        assert not prefetch_threads()
    finally:
        os.close(fd)
    # Its duplicate of the descriptor is closed too. (Only fds on this
    # file count: other threads of an xdist worker open and close theirs.)
    assert not fds_on(path)


def test_no_prefetch_thread_when_nothing_changed(sparse_volume):
    path, size = sparse_volume
    fd = os.open(path, os.O_RDONLY)
    try:
        reader = tracked.read_chunks(fd, size, CHUNK, {}, parent_of(size),
                                     volume.BufferPool(CHUNK), batch=4)
        task = next(reader)
        assert task.carried and task.length == 4 * CHUNK
        assert not prefetch_threads()
        assert len(list(reader)) == 2
    finally:
        os.close(fd)


# --- what changed, from two extent maps (drivers/volume/fiemap.py) ---------

K = 4096


def _random_extents(rnd, size):
    found, position = [], 0
    while True:
        position += rnd.choice([0, 0, K, 3 * K])
        if position >= size:
            return found
        length = rnd.choice([K, 2 * K, 5 * K])
        physical = rnd.choice([position + 1000 * K, position + 2000 * K,
                               rnd.randrange(10 ** 6) * K])
        flags = rnd.choice([0, 0, 0, fiemap.FIEMAP_EXTENT_SHARED,
                            fiemap.FIEMAP_EXTENT_UNWRITTEN, 0x4])
        found.append((position, physical, length, flags))
        position += length


def _changed_units(base, base_size, snap, snap_size):
    """The brute-force answer, one 4 KiB unit at a time."""
    def at(extent_list, unit):
        for extent in extent_list:
            if extent[0] <= unit * K < extent[0] + extent[2]:
                return extent
        return None
    changed = set()
    for unit in range(snap_size // K):
        a, b = at(base, unit), at(snap, unit)
        if unit * K >= base_size or (a is None) != (b is None) or (
                a is not None and not fiemap._same_place(a, b)):
            changed.add(unit)
    return changed


def test_changed_ranges_match_a_unit_by_unit_comparison():
    rnd = random.Random(19)
    for _ in range(3000):
        base_size = rnd.choice([0, K, 20 * K, 64 * K])
        snap_size = rnd.choice([0, K, 20 * K, 64 * K, 80 * K])
        base = _random_extents(rnd, base_size + 8 * K)
        snap = _random_extents(rnd, snap_size + 8 * K)
        ranges = fiemap.changed_ranges(base, base_size, snap, snap_size)
        units = set()
        for offset, length in ranges:
            assert length > 0 and offset % K == 0 and length % K == 0
            units.update(range(offset // K, (offset + length) // K))
        assert units == _changed_units(base, base_size, snap, snap_size)
        # Maximal ranges: sorted, none touching the next.
        assert all(a[0] + a[1] < b[0] for a, b in zip(ranges, ranges[1:]))


def test_extents_out_of_order_are_refused(tmp_path, monkeypatch):
    # A filesystem reporting overlapping extents cannot be produced here;
    # the ioctl's answer is faked to inject it.
    def overlapping(fd, request, buffer, mutate):
        extent = fiemap._EXTENT
        fiemap._HEADER.pack_into(buffer, 0, 0, 0, 0, 2, 0, 0)
        extent.pack_into(buffer, fiemap._HEADER.size,
                         0, 100 * K, 8 * K, 0, 0, 0, 0, 0, 0)
        extent.pack_into(buffer, fiemap._HEADER.size + extent.size,
                         4 * K, 200 * K, 8 * K, 0, 0,
                         fiemap.FIEMAP_EXTENT_LAST, 0, 0, 0)
        return 0
    monkeypatch.setattr(fiemap.fcntl, 'ioctl', overlapping)
    path = tmp_path / 'f'
    path.write_bytes(b'x')
    fd = os.open(path, os.O_RDONLY)
    try:
        with pytest.raises(fiemap.Unsupported, match='before the end'):
            fiemap.extents(fd)
    finally:
        os.close(fd)
