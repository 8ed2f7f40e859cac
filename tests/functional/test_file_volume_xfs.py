"""The file volume driver on a real XFS with reflink (loop device, root).

The whole filesystem-independent contract runs again here, now through the
reflink path; the tests below add what only a reflinking filesystem shows:
clones share extents and cost (almost) no space.
"""
import os
import subprocess

import pytest

from backupd import exception
from tests.contracts.file_volume_driver import FileDriverContract
from tests.contracts.file_volume_driver import MiB
from tests.contracts.file_volume_driver import make_driver
from tests.contracts.file_volume_driver import sha256


class TestFileDriverOnXFS(FileDriverContract):
    expect_reflink = True

    @pytest.fixture
    def volumes_dir(self, xfs_dir):
        return xfs_dir / 'volumes'


def _free_bytes(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def _extent_flags(path):
    """The flags column of each extent line of ``filefrag -v``."""
    out = subprocess.run(['filefrag', '-v', str(path)], check=True,
                         capture_output=True, text=True).stdout
    return [line.rsplit(None, 1)[-1] for line in out.splitlines()
            if line.strip()[:1].isdigit()]


@pytest.fixture
def driver_with_data(xfs_dir):
    """A set-up driver and a 1 GiB volume holding 256 MiB of data."""
    driver = make_driver(xfs_dir)
    driver.do_setup()
    driver.check_for_setup_error()
    driver.create_volume('vol1', 1)
    block = os.urandom(MiB)
    with open(driver.local_path('vol1'), 'r+b') as f:
        for _ in range(256):
            f.write(block)
        os.fsync(f.fileno())
    return driver


def test_clone_shares_extents_and_costs_no_space(driver_with_data, xfs_dir):
    driver = driver_with_data
    free = _free_bytes(xfs_dir)
    driver.create_cloned_volume('vol2', 1, 'vol1')
    driver.create_snapshot('snap1', 'vol1')
    clone = driver.local_path('vol2')
    assert free - _free_bytes(xfs_dir) < 8 * MiB   # two copies of 256 MiB
    assert sha256(clone) == sha256(driver.local_path('vol1'))
    for path in (clone, driver.snapshot_path('snap1', 'vol1')):
        flags = _extent_flags(path)
        assert flags and all('shared' in f for f in flags), flags


def test_reflink_always_accepted_on_xfs(xfs_dir):
    driver = make_driver(xfs_dir, file_volume_reflink='always')
    driver.check_for_setup_error()
    assert driver.supports_reflink is True


@pytest.fixture
def read_only_dir(xfs_dir):
    """xfs_dir bind-mounted read-only: unwritable even for root."""
    target = xfs_dir.parent / (xfs_dir.name + '-ro')
    target.mkdir()
    subprocess.run(['mount', '--bind', str(xfs_dir), str(target)], check=True)
    try:
        subprocess.run(['mount', '-o', 'remount,bind,ro', str(target)],
                       check=True)
        yield target
    finally:
        subprocess.run(['umount', str(target)], check=True)
        target.rmdir()


def test_setup_on_read_only_directory_fails_clearly(read_only_dir):
    driver = make_driver(read_only_dir)
    driver.do_setup()   # it exists: nothing to create
    with pytest.raises(exception.VolumeDriverError,
                       match='is not writable.*Read-only file system'):
        driver.check_for_setup_error()
