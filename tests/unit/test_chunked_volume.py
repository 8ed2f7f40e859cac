"""Reading volumes in chunks (holes) and writing zeros, on real files."""
import os

from backupd.drivers.backup.engine import volume

KiB = 1024
CHUNK = 64 * KiB


def sparse_file(path, size, data_at):
    """A file of ``size`` bytes with 4 KiB of 0xAB at each offset."""
    with open(path, 'wb') as f:
        f.truncate(size)
        for offset in data_at:
            os.pwrite(f.fileno(), b'\xab' * 4096, offset)
    return path


def chunks_of(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        size = volume.device_size(fd)
        return [(t.offset, t.length, t.hole, None if t.hole else bytes(
            t.data)) for t in volume.read_chunks(fd, size, CHUNK,
                                                 volume.BufferPool(CHUNK))]
    finally:
        os.close(fd)


def test_consecutive_hole_chunks_are_one_task(tmp_path):
    size = 20 * CHUNK + 8192                  # a short last chunk
    path = sparse_file(tmp_path / 'vol', size,
                       [2 * CHUNK + 8192, 20 * CHUNK + 100])
    tasks = chunks_of(path)
    assert [(o, n, h) for o, n, h, _ in tasks] == [
        (0, 2 * CHUNK, True),
        (2 * CHUNK, CHUNK, False),
        (3 * CHUNK, 17 * CHUNK, True),
        (20 * CHUNK, 8192, False),
    ]
    with open(path, 'rb') as f:
        for offset, length, hole, data in tasks:
            if not hole:
                f.seek(offset)
                assert data == f.read(length)


def test_a_reused_buffer_never_leaks_old_bytes_into_a_hole(tmp_path):
    path = sparse_file(tmp_path / 'vol', 2 * CHUNK, [0, CHUNK + 4096])
    fd = os.open(path, os.O_RDONLY)
    pool = volume.BufferPool(CHUNK)
    try:
        first, second = None, None
        for task in volume.read_chunks(fd, 2 * CHUNK, CHUNK, pool):
            if first is None:
                first = bytes(task.data)
                pool.put(task.buffer)     # the next chunk reuses it
            else:
                second = bytes(task.data)
    finally:
        os.close(fd)
    assert first[:4096] == b'\xab' * 4096
    assert second[:4096] == bytes(4096)
    assert second[4096:8192] == b'\xab' * 4096


def test_a_remembered_data_run_never_hides_what_changed_since(tmp_path):
    # DataRuns remembers where data runs (SEEK_HOLE is costly on XFS); a
    # file that changes under the reader must still read as it is now.
    path = sparse_file(tmp_path / 'vol', 4 * CHUNK,
                       range(0, 3 * CHUNK, 4096))    # data, then a hole
    fd = os.open(path, os.O_RDWR)
    try:
        runs = volume.DataRuns(fd)
        assert runs.next_hole(0, 4 * CHUNK) == 3 * CHUNK
        # Data written into the hole after the run was found: found.
        os.pwrite(fd, b'\xcd' * 4096, 3 * CHUNK + 8192)
        assert runs.next_data(3 * CHUNK, 4 * CHUNK) == 3 * CHUNK + 8192
        view = memoryview(bytearray(b'\xff' * CHUNK))
        volume.read_data_only(fd, view, 3 * CHUNK, 4 * CHUNK, runs)
        assert bytes(view) == (bytes(8192) + b'\xcd' * 4096
                               + bytes(CHUNK - 8192 - 4096))
        # Data inside the remembered run cut away (a hole now): zeros.
        assert runs.next_hole(0, 4 * CHUNK) == 3 * CHUNK
        os.ftruncate(fd, CHUNK)
        os.ftruncate(fd, 4 * CHUNK)
        view = memoryview(bytearray(b'\xff' * 2 * CHUNK))
        volume.read_data_only(fd, view, 0, 4 * CHUNK, runs)
        assert bytes(view) == b'\xab' * CHUNK + bytes(CHUNK)
    finally:
        os.close(fd)


def test_write_zeros_keeps_holes_and_clears_data(tmp_path):
    path = sparse_file(tmp_path / 'target', 1024 * KiB, [512 * KiB])
    fd = os.open(path, os.O_RDWR)
    try:
        volume.write_zeros(fd, 0, 1024 * KiB)
    finally:
        os.close(fd)
    assert path.read_bytes() == bytes(1024 * KiB)
    assert os.stat(path).st_blocks * 512 <= 64 * KiB
