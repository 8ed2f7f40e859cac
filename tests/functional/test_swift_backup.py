"""The Swift backup driver end to end on a real single-node Swift.

The driver-agnostic cases (round trips, sparse volumes, compressions,
corruption, cancel, delete) come from tests/backup_driver_cases.py; the
tests below are what only Swift has: objects visible to other Swift
clients, Swift going away in the middle of a backup, tokens expiring.
All faults here are real (the proxy process is stopped, a genuinely
expired token is used); nothing is mocked.
"""
import json

import pytest

from backupd import exception
from backupd.drivers.backup import base
from tests import backup_driver_cases as cases
from tests.backup_driver_cases import MiB


class TestSwiftBackup(cases.BackupDriverCases):

    @pytest.fixture
    def driver_factory(self, make_swift_driver):
        def make(**overrides):
            driver = make_swift_driver(**overrides)
            driver.do_setup()
            driver.check_for_setup_error()
            return driver
        return make


@pytest.fixture
def driver(make_swift_driver):
    return make_swift_driver(**cases.SMALL)


def test_objects_land_in_the_container(driver, swift, swift_container,
                                       tmp_path):
    volume = cases.write_volume(tmp_path / 'vol', 1 * MiB, layout='random')
    result = driver.backup(base.BackupRef('seen', 'vol-1'), str(volume))

    names = swift.object_names(swift_container)
    assert result.container == swift_container
    assert result.service_metadata in names
    assert len([n for n in names if '/chunk_' in n]) == 4   # 1 MiB / 256 KiB
    assert all(n.startswith('backup_seen/') for n in names)
    assert len(names) == result.object_count
    manifest = json.loads(swift.read_object(swift_container,
                                            result.service_metadata))
    assert manifest['volume_size'] == 1 * MiB


def stop_swift_once_data_flows(swift):
    """A progress callback that stops the Swift proxy at the first chunk."""
    def progress(done, total):
        if done and swift.running():
            swift.stop()
    return progress


def interrupted_backup(driver, swift, volume, backup_id):
    """Back up ``volume`` while Swift goes away; the error it raised."""
    ref = base.BackupRef(backup_id, 'vol-1')
    with pytest.raises(exception.BackupDriverError) as err:
        driver.backup(ref, str(volume),
                      progress=stop_swift_once_data_flows(swift))
    swift.start()
    return ref, err.value


def test_swift_stopped_mid_backup_fails_clearly_and_can_be_cleaned(
        driver, swift, swift_container, tmp_path):
    volume = cases.write_volume(tmp_path / 'vol', 4 * MiB, layout='random')
    ref, error = interrupted_backup(driver, swift, volume, 'interrupted')
    message = str(error)
    assert 'Swift' in message and 'Connection refused' in message
    assert swift_container in message and swift.auth_url in message

    # Nothing marked good: no manifest, so the backup cannot be restored
    # or pass verification.
    assert driver.head_object(swift_container, 'backup_interrupted/manifest') \
        is None
    assert not driver.verify(ref).ok
    # Whatever the failed backup left is removed by deleting it.
    driver.delete_backup(ref)
    assert swift.object_names(swift_container, 'backup_interrupted/') == []


def test_swift_stopped_mid_backup_reports_the_failed_write(
        driver, swift, tmp_path):
    # The engine's clean-up fails too (Swift is still down); the error
    # raised must still be the write that failed, not the clean-up's.
    volume = cases.write_volume(tmp_path / 'vol', 4 * MiB, layout='random')
    _, error = interrupted_backup(driver, swift, volume, 'which-error')
    assert 'PUT' in str(error) and '/chunk_' in str(error)


def test_swift_stopped_mid_restore_fails_clearly(driver, swift, tmp_path):
    volume = cases.write_volume(tmp_path / 'vol', 4 * MiB, layout='random')
    ref = cases.stored_ref(
        base.BackupRef('restored', 'vol-1'),
        driver.backup(base.BackupRef('restored', 'vol-1'), str(volume)))
    with pytest.raises(exception.BackupDriverError,
                       match='Connection refused'):
        driver.restore(ref, str(tmp_path / 'out'),
                       progress=stop_swift_once_data_flows(swift))
    swift.start()
    driver.restore(ref, str(tmp_path / 'out'))
    assert cases.sha256_of(tmp_path / 'out') == cases.sha256_of(volume)


def test_expired_token_during_backup_is_renewed(driver, swift,
                                                swift_container, tmp_path):
    # Every thread the engine starts picks up the shared token; make it a
    # genuinely expired one so each of them meets a 401 on its first
    # request and must authenticate again.
    volume = cases.write_volume(tmp_path / 'vol', 4 * MiB, seed=3)
    driver.check_backend()
    expired = swift.expired_token()
    driver._shared_auth = (swift.storage_url, expired)
    driver._connection().token = expired

    result = driver.backup(base.BackupRef('reauth', 'vol-1'), str(volume))
    assert driver._connection().token != expired

    ref = cases.stored_ref(base.BackupRef('reauth', 'vol-1'), result)
    driver.restore(ref, str(tmp_path / 'out'))
    assert cases.sha256_of(tmp_path / 'out') == cases.sha256_of(volume)
