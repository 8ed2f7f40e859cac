"""The Swift backup driver end to end on a real single-node Swift.

The driver-agnostic cases (round trips, sparse volumes, compressions,
corruption, cancel, delete) come from tests/contracts/backup_driver_cases.py;
the tests below are what only Swift has: objects visible to other Swift
clients, Swift going away in the middle of a backup, tokens expiring,
Keystone v3, data damaged on the wire. All faults here are real (the proxy
process is stopped, a genuinely expired token is used, a relay damages
real traffic); nothing is mocked. Keystone cannot run here: its tests fake
ONLY the token endpoint (tests/helpers/fake_keystone.py), Swift stays real.
"""
import json
import time

import pytest

from backupd import exception
from backupd.drivers.backup import base
from tests.contracts import backup_driver_cases as cases
from tests.contracts.backup_driver_cases import MiB
from tests.contracts import shared_store_cases as shared_cases
from tests.fixtures.swift import stops_swift
from tests.helpers import fake_keystone
from tests.helpers import http_relay
from tests.helpers import swift_faults


class TestSwiftBackup(cases.BackupDriverCases):

    @pytest.fixture
    def driver_factory(self, make_swift_driver):
        def make(**overrides):
            driver = make_swift_driver(**{**cases.CHAINED, **overrides})
            driver.do_setup()
            driver.check_for_setup_error()
            return driver
        return make


class TestSwiftSharedStore(shared_cases.SharedStoreCases):

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
    return make_swift_driver(**cases.SMALL, **cases.CHAINED)


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


@stops_swift
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


@stops_swift
def test_swift_stopped_mid_backup_reports_the_failed_write(
        driver, swift, tmp_path):
    # The engine's clean-up fails too (Swift is still down); the error
    # raised must still be the write that failed, not the clean-up's.
    volume = cases.write_volume(tmp_path / 'vol', 4 * MiB, layout='random')
    _, error = interrupted_backup(driver, swift, volume, 'which-error')
    assert 'PUT' in str(error) and '/chunk_' in str(error)


@stops_swift
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


def test_token_expiring_mid_backup_is_renewed(driver, swift,
                                              swift_container, tmp_path):
    # Every thread the engine starts picks up the shared token; make it a
    # genuine one that expires a few seconds later and, once data flows,
    # wait until Swift refuses it: the writer threads then meet a 401 and
    # must authenticate again (tempauth v1) without failing the backup.
    volume = cases.write_volume(tmp_path / 'vol', 8 * MiB, seed=3,
                                layout='random')
    driver.check_backend()
    expiring = swift.token_expiring_in(3)
    driver._shared_auth = (swift.storage_url, expiring)
    driver._connection().token = expiring
    waited = []

    def progress(done, total):
        if done and not waited:
            waited.append(wait_until_refused(swift, expiring))

    result = driver.backup(base.BackupRef('reauth', 'vol-1'), str(volume),
                           progress=progress)
    assert waited and driver._shared_auth[1] != expiring

    ref = cases.stored_ref(base.BackupRef('reauth', 'vol-1'), result)
    driver.restore(ref, str(tmp_path / 'out'))
    assert cases.sha256_of(tmp_path / 'out') == cases.sha256_of(volume)


def test_keystone_token_expiring_mid_backup_is_renewed_by_every_thread(
        make_swift_driver, swift, swift_container, tmp_path):
    # FAKE: only Keystone's token endpoint (tests/helpers/fake_keystone.py);
    # Swift is real. The first token it hands out is a genuine one that expires
    # a few seconds later; once data flows the backup waits until Swift
    # refuses that token, so the engine's writer threads all meet a 401 at
    # once and must share one renewal without failing the backup.
    volume = cases.write_volume(tmp_path / 'vol', 8 * MiB, seed=31,
                                layout='random')
    first = [swift.token_expiring_in(3)]
    waited = []

    def progress(done, total):
        if done and not waited:
            waited.append(wait_until_refused(swift, first[0]))

    with fake_keystone.FakeKeystone(
            swift.storage_url, swift_faults.fresh_tokens(swift, first),
            **swift_faults.KEYSTONE_USER) as keystone:
        driver = swift_faults.keystone_driver(make_swift_driver, keystone,
                                              **cases.SMALL)
        ref = base.BackupRef('keystone', 'vol-1')
        ref = cases.stored_ref(ref, driver.backup(ref, str(volume),
                                                  progress=progress))
        driver.restore(ref, str(tmp_path / 'out'))
        assert driver.verify(ref).ok
    assert cases.sha256_of(tmp_path / 'out') == cases.sha256_of(volume)
    # One renewal, shared: the first token, then exactly one new one.
    assert keystone.issued[0] == first[0] and len(keystone.issued) == 2


def wait_until_refused(swift, token, deadline=60):
    """Return once Swift answers 401 to ``token`` (it has expired)."""
    from swiftclient import client as swift_client
    from swiftclient import exceptions as swift_exceptions
    conn = swift_client.Connection(preauthurl=swift.storage_url,
                                   preauthtoken=token, retries=0)
    until = time.monotonic() + deadline
    while time.monotonic() < until:
        try:
            conn.head_account()
        except swift_exceptions.ClientException as exc:
            if exc.http_status == 401:
                return True
            raise
        time.sleep(0.2)
    raise AssertionError('token still accepted after %d s' % deadline)


def test_a_chunk_damaged_on_the_wire_fails_the_backup_and_leaves_nothing(
        make_swift_driver, swift, swift_container, tmp_path):
    # A relay between the driver and the real proxy flips a byte of one
    # chunk's PUT body; Swift refuses it (ETag), the backup fails naming
    # the chunk and removes what it had stored.
    volume = cases.write_volume(tmp_path / 'vol', 4 * MiB, seed=32,
                                layout='random')
    with http_relay.HttpRelay(swift.ports['proxy']) as relay:
        driver = make_swift_driver(
            backup_swift_url=relay.url_for(swift.storage_url), **cases.SMALL,
            **cases.CHAINED)
        relay.alter_request = swift_faults.flip_first_byte_of(
            '/backup_damaged/chunk_00000009')
        with pytest.raises(exception.BackupDriverError) as err:
            driver.backup(base.BackupRef('damaged', 'vol-1'), str(volume))
    assert 'chunk_00000009' in str(err.value) and '422' in str(err.value)
    assert swift.object_names(swift_container, 'backup_damaged/') == []
