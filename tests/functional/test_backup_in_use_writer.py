"""A backup of an in-use volume that a writer keeps changing restores to
the volume's bytes at one instant: the temporary snapshot's.

The volumes live on a real XFS (reflink snapshots, point-in-time with
respect to concurrent writes). The writer rewrites a region block by block,
generation after generation; the state at any instant is therefore "blocks
before k at generation g, the rest at g - 1", every block whole. A restore
that shows any other shape read a moving volume.
"""
import os
import struct
import threading

from tests.helpers import backup_support as bs

BLOCK = 64 * 1024
BLOCKS = 256                       # a 16 MiB region
REGION = 64 * bs.MiB


def _block(generation, index):
    return struct.pack('<QQ', generation, index) * (BLOCK // 16)


class Writer(threading.Thread):
    def __init__(self, path):
        super().__init__(daemon=True)
        self.path, self.generation = path, 0
        self.stop = threading.Event()

    def run(self):
        fd = os.open(self.path, os.O_WRONLY)
        try:
            while not self.stop.is_set():
                self.generation += 1
                for index in range(BLOCKS):
                    os.pwrite(fd, _block(self.generation, index),
                              REGION + index * BLOCK)
        finally:
            os.close(fd)


def _generations(path):
    found = []
    with open(path, 'rb') as f:
        f.seek(REGION)
        for index in range(BLOCKS):
            data = f.read(BLOCK)
            generation, got_index = struct.unpack('<QQ', data[:16])
            assert data == _block(generation, index), 'torn block %d' % index
            assert got_index == index
            found.append(generation)
    return found


def test_in_use_backup_under_writes_is_point_in_time(backupd_all_factory,
                                                     xfs_dir):
    dep = backupd_all_factory(conf={'DEFAULT': {'volumes_dir':
                                                str(xfs_dir)}})
    volume = bs.create_volume(dep)
    path = bs.volume_path(dep, volume)
    rest_sha_regions = ((0, 8 * bs.MiB),)
    bs.write_pattern(path, seed=61, regions=rest_sha_regions)
    bs.attach(dep, volume)
    writer = Writer(path)
    writer.start()
    try:
        bs.until(lambda: writer.generation > 3, what='writer running')
        before = writer.generation
        backup = bs.create_backup(dep, volume, force=True)
        assert writer.generation > before + 1, 'the writer did not run'
    finally:
        writer.stop.set()
        writer.join(30)
    target = bs.restore(dep, backup)
    restored = bs.volume_path(dep, target)
    generations = _generations(restored)
    top = generations[0]
    boundary = generations.index(top - 1) if top - 1 in generations \
        else BLOCKS
    assert generations == [top] * boundary + [top - 1] * (BLOCKS - boundary)
    # the untouched data came through too
    with open(path, 'rb') as a, open(restored, 'rb') as b:
        assert a.read(8 * bs.MiB) == b.read(8 * bs.MiB)
