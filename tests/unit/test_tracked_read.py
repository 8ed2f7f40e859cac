"""How a tracked incremental reads the changed blocks of a volume
(engine.tracked.read_chunks): the bytes, and the prefetch thread's life.
The digests and the manifest are compared with a full read in
tests/functional/test_change_tracking_xfs.py."""
import os
import random
import threading

import pytest

from backupd.drivers.backup.engine import manifest
from backupd.drivers.backup.engine import tracked
from backupd.drivers.backup.engine import volume

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


def test_prefetch_thread_ends_when_the_reader_stops_early(sparse_volume,
                                                         monkeypatch):
    # A one-byte window: the thread waits for the reader to pass chunk 0.
    monkeypatch.setattr(tracked, 'PREFETCH_BYTES', 1)
    path, size = sparse_volume
    runs = tracked.block_runs([(n * CHUNK, 1) for n in range(CHUNKS)],
                              CHUNK, BLOCK)
    fds_before = len(os.listdir('/proc/self/fd'))
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
    # Its duplicate of the descriptor is closed too.
    assert len(os.listdir('/proc/self/fd')) == fds_before


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
