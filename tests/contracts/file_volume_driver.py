"""The file volume driver's contract: what every filesystem must show
(``FileDriverContract``, run on ext4 by tests/unit/test_file_volume_driver.py
and on XFS with reflink by tests/functional/test_file_volume_xfs.py), and
the helpers both use.
"""
import errno
import hashlib
import os

import pytest
from oslo_config import cfg

from backupd import exception
from backupd.drivers.volume import base
from backupd.drivers.volume import file as file_driver

MiB = 1024 * 1024


def make_driver(volumes_dir, **overrides):
    conf = cfg.ConfigOpts()
    driver = file_driver.FileVolumeDriver(conf, host='node1')
    conf.set_override('volumes_dir', str(volumes_dir))
    for name, value in overrides.items():
        conf.set_override(name, value)
    return driver


def write_at(path, offset, data):
    with open(path, 'r+b') as f:
        f.seek(offset)
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def extents(path):
    """Data regions (offset, length) as the kernel's SEEK_DATA/SEEK_HOLE see
    them; walked here, independently of the driver's own walker."""
    regions = []
    with open(path, 'rb') as f:
        fd, size, offset = f.fileno(), os.fstat(f.fileno()).st_size, 0
        while offset < size:
            try:
                start = os.lseek(fd, offset, os.SEEK_DATA)
            except OSError as e:
                if e.errno == errno.ENXIO:
                    break
                raise
            offset = os.lseek(fd, start, os.SEEK_HOLE)
            regions.append((start, offset - start))
    return regions


def sha256(path):
    """Digest of a file's bytes, reading only its data regions.

    Holes read as zeros, so two files with the same size, data regions and
    data bytes have the same bytes; a copy that filled holes with zeros
    would differ here too, which the hole tests want anyway. Reading the
    zeros of 1 GiB volumes instead would make each test seconds slower.
    """
    digest = hashlib.sha256(b'%d' % os.stat(path).st_size)
    with open(path, 'rb') as f:
        for offset, length in extents(path):
            f.seek(offset)
            digest.update(b'@%d:' % offset)
            while length > 0:
                block = f.read(min(length, 4 * MiB))
                digest.update(block)
                length -= len(block)
    return digest.hexdigest()


def allocated(path):
    return os.stat(path).st_blocks * 512


# Two small data regions far apart in a 1 GiB volume; the rest is holes.
PATTERN = [(0, os.urandom(64 * 1024)), (600 * MiB, os.urandom(128 * 1024))]


def fill(path):
    for offset, data in PATTERN:
        write_at(path, offset, data)


class FileDriverContract:
    """Runs against a ``volumes_dir`` fixture; ``expect_reflink`` per fs."""

    expect_reflink = None

    @pytest.fixture
    def driver(self, volumes_dir):
        driver = make_driver(volumes_dir)
        driver.do_setup()
        driver.check_for_setup_error()
        return driver

    @pytest.fixture
    def volume(self, driver):
        """A 1 GiB volume holding PATTERN; its path."""
        driver.create_volume('vol1', 1)
        path = driver.local_path('vol1')
        fill(path)
        return path

    def test_reflink_detected_and_reported(self, driver):
        assert driver.supports_reflink is self.expect_reflink
        stats = driver.get_stats()
        assert stats['reflink'] is self.expect_reflink
        assert stats['snapshot_local_path'] is True
        assert stats['driver_name'] == stats['volume_backend_name'] == 'file'
        assert 0 < stats['free_capacity_gb'] <= stats['total_capacity_gb']

    def test_new_volume_is_sparse_file_named_by_id(self, driver, volumes_dir):
        driver.create_volume('3f2a', 2)
        path = driver.local_path('3f2a')
        assert path == os.path.join(str(volumes_dir), 'volume-3f2a')
        st = os.stat(path)
        assert st.st_size == 2 * base.GiB
        assert st.st_blocks == 0
        assert st.st_mode & 0o777 == 0o600

    def test_create_never_overwrites_a_volume(self, driver, volume):
        before = sha256(volume)
        with pytest.raises(exception.VolumeDriverError, match='vol1'):
            driver.create_volume('vol1', 1)
        assert sha256(volume) == before

    def test_snapshot_is_point_in_time(self, driver, volume):
        before = sha256(volume)
        driver.create_snapshot('snap1', 'vol1')
        write_at(volume, 0, b'after the snapshot' * 1000)
        write_at(volume, 900 * MiB, b'new region')
        snap = driver.snapshot_path('snap1', 'vol1')
        assert os.path.basename(snap) == 'snapshot-snap1'
        assert sha256(snap) == before != sha256(volume)

    def test_holes_survive_snapshot_and_clone(self, driver, volume):
        driver.create_snapshot('snap1', 'vol1')
        driver.create_cloned_volume('vol2', 1, 'vol1')
        for copy in (driver.snapshot_path('snap1', 'vol1'),
                     driver.local_path('vol2')):
            assert extents(copy) == extents(volume)
            assert allocated(copy) == allocated(volume) < 1 * MiB

    def test_clone_bytes_equal_source(self, driver, volume):
        driver.create_cloned_volume('vol2', 1, 'vol1')
        assert sha256(driver.local_path('vol2')) == sha256(volume)

    def test_clone_to_larger_size_extends_sparsely(self, driver, volume):
        driver.create_cloned_volume('vol2', 3, 'vol1')
        clone = driver.local_path('vol2')
        assert os.stat(clone).st_size == 3 * base.GiB
        assert extents(clone) == extents(volume)
        assert allocated(clone) == allocated(volume)

    def test_volume_from_snapshot(self, driver, volume):
        driver.create_snapshot('snap1', 'vol1')
        snapshot_sha = sha256(driver.snapshot_path('snap1', 'vol1'))
        write_at(volume, 0, b'later')
        driver.create_volume_from_snapshot('vol2', 2, 'snap1', 'vol1')
        new = driver.local_path('vol2')
        assert os.stat(new).st_size == 2 * base.GiB
        driver.extend_volume('vol2', 2)   # same size: nothing to do
        os.truncate(new, 1 * base.GiB)    # compare the snapshot's part
        assert sha256(new) == snapshot_sha

    def test_copy_smaller_than_source_is_refused(self, driver, volume):
        driver.create_snapshot('snap1', 'vol1')
        driver.extend_volume('vol1', 2)
        with pytest.raises(exception.VolumeDriverError,
                           match='smaller than its source'):
            driver.create_cloned_volume('vol2', 1, 'vol1')
        assert not os.path.exists(driver.local_path('vol2'))

    def test_extend_keeps_data_and_adds_holes(self, driver, volume):
        before, data = sha256(volume), extents(volume)
        driver.extend_volume('vol1', 4)
        assert os.stat(volume).st_size == 4 * base.GiB
        assert extents(volume) == data
        os.truncate(volume, 1 * base.GiB)
        assert sha256(volume) == before

    def test_extend_never_shrinks(self, driver, volume):
        driver.extend_volume('vol1', 2)
        with pytest.raises(exception.VolumeDriverError, match='shrink'):
            driver.extend_volume('vol1', 1)
        assert os.stat(volume).st_size == 2 * base.GiB

    def test_delete_is_idempotent_and_copies_independent(self, driver,
                                                         volume):
        driver.create_snapshot('snap1', 'vol1')
        snap = driver.snapshot_path('snap1', 'vol1')
        snapshot_sha = sha256(snap)
        driver.delete_volume('vol1')
        driver.delete_volume('vol1')
        assert not os.path.exists(volume)
        assert sha256(snap) == snapshot_sha
        driver.delete_snapshot('snap1', 'vol1')
        driver.delete_snapshot('snap1', 'vol1')
        assert not os.path.exists(snap)

    def test_snapshot_of_missing_volume_fails_clearly(self, driver):
        with pytest.raises(exception.VolumeDriverError,
                           match='snapshot snap1 of volume nope') as err:
            driver.create_snapshot('snap1', 'nope')
        assert 'volume-nope' in str(err.value)
        assert not os.path.exists(driver.snapshot_path('snap1', 'nope'))

    def test_attach_and_detach_are_bookkeeping_only(self, driver, volume):
        assert driver.attach_volume('vol1', 'att1', {'host': 'h'}) is None
        assert driver.detach_volume('vol1', 'att1') is None
