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


def test_swift_stopped_mid_backup_fails_clearly_and_can_be_cleaned(
        driver, swift, swift_container, tmp_path):
    volume = cases.write_volume(tmp_path / 'vol', 16 * MiB, layout='random')
    ref = base.BackupRef('interrupted', 'vol-1')

    def stop_swift_once_data_flows(done, total):
        if done and swift.running():
            swift.stop()

    with pytest.raises(exception.BackupDriverError) as err:
        driver.backup(ref, str(volume), progress=stop_swift_once_data_flows)
    message = str(err.value)
    assert 'Swift' in message and 'Connection refused' in message
    assert swift_container in message and swift.auth_url in message

    swift.start()
    # Nothing marked good: no manifest, so the backup cannot be restored
    # or pass verification.
    assert driver.head_object(swift_container, 'backup_interrupted/manifest') \
        is None
    assert not driver.verify(ref).ok
    # Whatever the failed backup left is removed by deleting it.
    driver.delete_backup(ref)
    assert swift.object_names(swift_container, 'backup_interrupted/') == []


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
