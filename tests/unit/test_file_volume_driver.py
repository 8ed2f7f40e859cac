"""The file volume driver on real files of the local filesystem (ext4 here).

``FileDriverContract`` holds the behaviour every filesystem must show; it
runs here on ext4 (no reflink: the sparse-copy path) and again on XFS with
reflink in tests/functional/test_file_volume_xfs.py.
"""
import errno
import hashlib
import os
import subprocess
import sys
import textwrap

import pytest
from oslo_config import cfg

from backupd import exception
from backupd.drivers.volume import base
from backupd.drivers.volume import file as file_driver
from backupd.drivers.volume import sparse

MiB = 1024 * 1024


# -- helpers shared with the XFS tests ---------------------------------------

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


class TestFileDriverOnLocalFs(FileDriverContract):
    expect_reflink = False   # ext4: no FICLONE, every copy is a sparse copy

    @pytest.fixture
    def volumes_dir(self, tmp_path):
        return tmp_path / 'volumes'


# -- setup, options and input checks -----------------------------------------

def test_do_setup_creates_nested_directory(tmp_path):
    driver = make_driver(tmp_path / 'a' / 'b')
    driver.do_setup()
    driver.check_for_setup_error()
    assert (tmp_path / 'a' / 'b').is_dir()
    assert os.listdir(tmp_path / 'a' / 'b') == []   # probe files removed


def test_setup_on_a_regular_file_fails_clearly(tmp_path):
    not_a_dir = tmp_path / 'volumes'
    not_a_dir.write_text('x')
    driver = make_driver(not_a_dir)
    with pytest.raises(exception.VolumeDriverError, match='volumes_dir'):
        driver.do_setup()
    with pytest.raises(exception.VolumeDriverError,
                       match='is not a directory'):
        driver.check_for_setup_error()


def test_reflink_always_refused_without_support(tmp_path):
    driver = make_driver(tmp_path, file_volume_reflink='always')
    with pytest.raises(exception.VolumeDriverError,
                       match='cannot reflink'):
        driver.check_for_setup_error()


@pytest.mark.parametrize('bad_id', ['../etc', 'a/b', '.hidden', '', None])
def test_ids_that_are_not_file_names_are_refused(tmp_path, bad_id):
    driver = make_driver(tmp_path)
    with pytest.raises(exception.VolumeDriverError, match='storage name'):
        driver.create_volume(bad_id, 1)


@pytest.mark.parametrize('bad_size', [0, -1, '1', 1.5, True])
def test_sizes_must_be_positive_whole_gib(tmp_path, bad_size):
    driver = make_driver(tmp_path)
    with pytest.raises(exception.VolumeDriverError, match='GiB'):
        driver.create_volume('vol1', bad_size)
    assert os.listdir(tmp_path) == []


def test_options_listed_with_help_and_registered_on_given_conf():
    groups = dict(file_driver.list_opts())
    assert list(groups) == [None]
    names = {opt.name for opt in groups[None]}
    assert names == {'volumes_dir', 'file_volume_reflink'}
    assert all('Related' in opt.help for opt in groups[None])
    conf = cfg.ConfigOpts()
    file_driver.FileVolumeDriver(conf)
    conf.register_opt(cfg.StrOpt('state_path', default='/srv/backupd'))
    assert conf.volumes_dir == '/srv/backupd/volumes'


def test_buffered_fallback_keeps_holes(tmp_path, monkeypatch):
    # Mock: copy_file_range refusing (EXDEV, old kernels, some FUSE
    # filesystems) cannot be produced on this one filesystem.
    def refuse(*args):
        raise OSError(errno.EXDEV, 'cross-device')
    monkeypatch.setattr(os, 'copy_file_range', refuse)
    src, dst = tmp_path / 'src', tmp_path / 'dst'
    src.touch()
    os.truncate(src, 64 * MiB)
    write_at(src, 5 * MiB, os.urandom(3 * MiB + 17))
    assert sparse.clone_file(str(src), str(dst), use_reflink=False) is False
    assert sha256(dst) == sha256(src)
    assert extents(dst) == extents(src)


@pytest.mark.parametrize('kernel_copy', [True, False])
def test_copy_of_large_file_keeps_memory_bounded(tmp_path, kernel_copy):
    """Copy 256 MiB of data in a fresh process; its peak RSS stays small."""
    src = tmp_path / 'src'
    block = os.urandom(MiB)
    with open(src, 'wb') as f:
        for _ in range(256):
            f.write(block)
    script = textwrap.dedent('''
        import errno, os, sys
        from backupd.drivers.volume import sparse
        if sys.argv[3] == 'False':
            def refuse(*args):
                raise OSError(errno.ENOSYS, 'no copy_file_range')
            os.copy_file_range = refuse
        sparse.clone_file(sys.argv[1], sys.argv[2], use_reflink=False)
        # VmHWM, not ru_maxrss: the latter can carry the forking parent's
        # (pytest's) peak across exec.
        for line in open('/proc/self/status'):
            if line.startswith('VmHWM:'):
                print(line.split()[1])
    ''')
    out = subprocess.run(
        [sys.executable, '-c', script, str(src), str(tmp_path / 'dst'),
         str(kernel_copy)], check=True, capture_output=True, text=True)
    peak_kib = int(out.stdout)
    assert peak_kib < 64 * 1024   # reading it whole would need > 256 MiB
    assert sha256(tmp_path / 'dst') == sha256(src)


def test_loaded_by_name_from_entry_point():
    """The volume manager loads drivers through stevedore by name."""
    from stevedore import driver as stevedore_driver
    manager = stevedore_driver.DriverManager(
        'backupd.volume_drivers', 'file', invoke_on_load=True,
        invoke_args=(cfg.ConfigOpts(),), invoke_kwds={'host': 'node1'})
    assert isinstance(manager.driver, file_driver.FileVolumeDriver)
    assert manager.driver.supports_snapshot_local_path is True
    assert manager.driver.host == 'node1'
