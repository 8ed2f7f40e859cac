"""The file volume driver on real files of the local filesystem (ext4 here).

``FileDriverContract`` (tests/contracts/file_volume_driver.py) holds the
behaviour every filesystem must show; it runs here on ext4 (no reflink:
the sparse-copy path) and again on XFS with reflink in
tests/functional/test_file_volume_xfs.py.
"""
import errno
import os
import subprocess
import sys
import textwrap

import pytest
from oslo_config import cfg

from backupd import exception
from backupd.drivers.volume import file as file_driver
from backupd.drivers.volume import sparse
from tests.contracts.file_volume_driver import extents
from tests.contracts.file_volume_driver import FileDriverContract
from tests.contracts.file_volume_driver import make_driver
from tests.contracts.file_volume_driver import MiB
from tests.contracts.file_volume_driver import sha256
from tests.contracts.file_volume_driver import write_at

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
