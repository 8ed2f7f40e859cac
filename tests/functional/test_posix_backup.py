"""The POSIX backup driver on real files: the shared driver cases plus what
only a directory tree has (atomic files, setup checks)."""
import os

from oslo_config import cfg
import pytest

from backupd import exception
from backupd.drivers.backup import posix
from tests.contracts import backup_driver_cases as cases
from tests.contracts import shared_store_cases as shared_cases
from tests.helpers.posix_driver import make_posix_driver


class TestPosixBackup(cases.BackupDriverCases):

    @pytest.fixture
    def driver_factory(self, tmp_path):
        return lambda **overrides: make_posix_driver(tmp_path / 'store',
                                                     **overrides)


def test_a_backup_is_one_directory_with_no_temporary_file(tmp_path):
    driver = make_posix_driver(tmp_path / 'store', **cases.SMALL)
    volume = cases.write_volume(tmp_path / 'vol', 2 * cases.MiB, seed=1)
    driver.backup(cases.base.BackupRef('dir', 'vol-1'), str(volume))
    container = tmp_path / 'store' / 'backups'
    assert os.listdir(container) == ['backup_dir']
    files = os.listdir(container / 'backup_dir')
    assert 'manifest' in files
    assert not [f for f in files if f.startswith(posix.TEMP_PREFIX)]


def test_delete_removes_the_directory_and_crash_leftovers(tmp_path):
    driver = make_posix_driver(tmp_path / 'store', **cases.SMALL)
    volume = cases.write_volume(tmp_path / 'vol', 1 * cases.MiB, seed=2)
    ref = cases.base.BackupRef('crashed', 'vol-1')
    driver.backup(ref, str(volume))
    backup_dir = tmp_path / 'store' / 'backups' / 'backup_crashed'
    # What a crash between write and rename leaves behind.
    (backup_dir / (posix.TEMP_PREFIX + 'half')).write_bytes(b'half')
    assert driver.list_objects('backups', 'backup_crashed/') == sorted(
        'backup_crashed/' + f for f in os.listdir(backup_dir)
        if not f.startswith(posix.TEMP_PREFIX))
    driver.delete_backup(ref)
    assert not backup_dir.exists()


def test_object_names_cannot_leave_the_root(tmp_path):
    driver = make_posix_driver(tmp_path / 'store')
    for container, name in (('..', 'x'), ('backups', '../x'),
                            ('backups', '/etc/passwd'), ('', 'x'),
                            ('backups', posix.TEMP_PREFIX + 'x')):
        with pytest.raises(exception.BackupDriverError):
            driver.put_object(container, name, b'data')


def test_setup_creates_the_directory(tmp_path):
    root = tmp_path / 'a' / 'b'
    make_posix_driver(root).check_for_setup_error()
    assert root.is_dir()


def test_setup_fails_when_the_path_is_a_file(tmp_path):
    (tmp_path / 'file').write_bytes(b'')
    driver = make_posix_driver(tmp_path / 'file')
    with pytest.raises(exception.BackupDriverError, match='not a directory'):
        driver.check_for_setup_error()


def test_setup_fails_when_the_path_cannot_be_created(tmp_path):
    (tmp_path / 'file').write_bytes(b'')
    driver = make_posix_driver(tmp_path / 'file' / 'sub')
    with pytest.raises(exception.BackupDriverError, match='cannot be created'):
        driver.check_for_setup_error()


def test_setup_fails_without_enough_free_space(tmp_path):
    driver = make_posix_driver(tmp_path / 'store',
                               backup_posix_min_free_space=2 ** 40)
    with pytest.raises(exception.BackupDriverError, match='MiB free'):
        driver.check_for_setup_error()


def test_setup_fails_on_a_read_only_directory(tmp_path):
    if os.geteuid() == 0:
        # root writes through mode bits; a read-only mount needs privileges
        # we do not assume, so use /proc, which nobody can write files in.
        root = '/proc/self'
    else:
        root = tmp_path / 'ro'
        root.mkdir()
        root.chmod(0o500)
    driver = make_posix_driver(root)
    with pytest.raises(exception.BackupDriverError, match='not writable'):
        driver.check_for_setup_error()


class StorageGoneAway(posix.PosixBackupDriver):
    """Fault injection (a storage outage mid-backup cannot be produced for
    real on a local directory; Swift's tests stop a real proxy): the third
    put fails, and so does every later call, cleanup included."""

    puts = 0

    def put_object(self, container, name, data):
        type(self).puts += 1
        if type(self).puts >= 3:
            raise exception.BackupDriverError(reason='storage went away')
        super().put_object(container, name, data)

    def iter_objects(self, container, prefix):
        raise exception.BackupDriverError(reason='storage still away')


def test_a_failed_cleanup_does_not_hide_the_original_error(tmp_path):
    conf = cfg.ConfigOpts()
    conf([])
    driver = StorageGoneAway(conf)
    conf.set_override('backup_posix_path', str(tmp_path / 'store'))
    for name, value in {**cases.SMALL, **cases.CHAINED}.items():
        conf.set_override(name, value)
    volume = cases.write_volume(tmp_path / 'vol', 4 * cases.MiB, seed=3,
                                layout='random')
    with pytest.raises(exception.BackupDriverError, match='went away'):
        driver.backup(cases.base.BackupRef('outage', 'vol-1'), str(volume))
    backup_dir = tmp_path / 'store' / 'backups' / 'backup_outage'
    assert 'manifest' not in os.listdir(backup_dir)


# --- one level per container, own prefix only (issue 13) ---

def test_listing_and_delete_never_reach_into_nested_directories(tmp_path):
    # What a container "c/backup_<other id>" made before containers were
    # one level: another backup's files nested inside backup "outer"'s
    # directory. Deleting "outer" must leave them alone.
    driver = make_posix_driver(tmp_path / 'store', **cases.SMALL)
    volume = cases.write_volume(tmp_path / 'vol', 1 * cases.MiB, seed=5)
    outer = cases.base.BackupRef('outer', 'vol-1', container='c')
    driver.backup(outer, str(volume))
    nested = tmp_path / 'store' / 'c' / 'backup_outer' / 'backup_inner'
    nested.mkdir()
    (nested / 'manifest').write_bytes(b'another project\'s data')
    listed = driver.list_objects('c', 'backup_outer/')
    assert listed and all(name.count('/') == 1 for name in listed)
    driver.delete_backup(outer)
    assert (nested / 'manifest').read_bytes() == b'another project\'s data'
    assert driver.list_objects('c', 'backup_outer/') == []


def test_a_symlink_cannot_lead_outside_the_root(tmp_path):
    driver = make_posix_driver(tmp_path / 'store')
    outside = tmp_path / 'outside'
    outside.mkdir()
    (tmp_path / 'store').mkdir(exist_ok=True)
    (tmp_path / 'store' / 'linked').symlink_to(outside)
    (tmp_path / 'store' / 'backups' / 'backup_b').mkdir(parents=True)
    (tmp_path / 'store' / 'backups' / 'backup_l').symlink_to(outside)
    for container, name in (('linked', 'backup_b/x'),
                            ('backups', 'backup_l/x')):
        with pytest.raises(exception.BackupDriverError, match='resolves'):
            driver.put_object(container, name, b'data')
        with pytest.raises(exception.BackupDriverError, match='resolves'):
            driver.get_object(container, name)
    assert os.listdir(outside) == []


def test_listing_needs_one_backup_directory(tmp_path):
    driver = make_posix_driver(tmp_path / 'store')
    for prefix in ('', 'backup_', '/', '../', 'backup_a/../'):
        with pytest.raises((ValueError, exception.BackupDriverError)):
            driver.list_objects('backups', prefix)


def test_setup_fails_on_an_invalid_default_container(tmp_path):
    for bad in ('a/b', '..', 'new\nline'):
        driver = make_posix_driver(tmp_path / 'store', backup_container=bad)
        with pytest.raises(exception.BackupDriverError,
                           match='default container option'):
            driver.check_for_setup_error()


class TestPosixSharedStore(shared_cases.SharedStoreCases):

    @pytest.fixture
    def driver_factory(self, tmp_path):
        return lambda **overrides: make_posix_driver(tmp_path / 'store',
                                                     **overrides)


def test_deleting_while_scanning_a_directory_larger_than_a_read(tmp_path):
    # readdir fills a buffer of about 32 KiB (some 700 names of this
    # length) per getdents call: with 5,000 files every name deleted while
    # iterating falls between two calls many times over. Each file is
    # still given exactly once and none is left (what the sweep needs).
    driver = make_posix_driver(tmp_path / 'store')
    directory = tmp_path / 'store' / 'backups' / 'p_big'
    directory.mkdir(parents=True)
    names = ['c_%060d' % n for n in range(5000)]
    for name in names:
        (directory / name).write_bytes(b'x')
    (directory / 'key').write_bytes(b'k' * 32)
    seen = []
    for name in driver.iter_objects('backups', 'p_big/c_'):
        seen.append(name)
        driver.delete_object('backups', name)
    assert sorted(seen) == ['p_big/' + n for n in names]
    assert os.listdir(directory) == ['key']
