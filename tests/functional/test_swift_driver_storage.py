"""The Swift driver's storage primitives against a real single-node Swift.

Faults are real: servers stopped and started, genuinely expired tokens,
and traffic damaged on its way by a relay between the driver and the real
proxy (tests/helpers/http_relay.py). Keystone cannot run here: the Keystone
tests fake ONLY its token endpoint (tests/helpers/fake_keystone.py) and hand
out real tempauth tokens of the real Swift.
"""
import hashlib
import threading

import pytest

from backupd import exception
from tests.fixtures.swift import stops_swift
from tests.helpers import fake_keystone
from tests.helpers import http_relay
from tests.helpers.swift_faults import flip_first_byte_of
from tests.helpers.swift_faults import fresh_tokens
from tests.helpers.swift_faults import KEYSTONE_USER
from tests.helpers.swift_faults import keystone_driver
from tests.helpers.swift_faults import replace_etag_of


@pytest.fixture
def driver(make_swift_driver):
    return make_swift_driver()


def test_objects_round_trip_and_land_in_the_container(driver, swift,
                                                      swift_container):
    driver.put_container(swift_container)
    driver.put_container(swift_container)   # idempotent
    driver.put_object(swift_container, 'b1/00001', memoryview(b'chunk-one'))
    driver.put_object(swift_container, 'b1/00002', bytearray(b'\0' * 3))
    driver.put_object(swift_container, 'b2/00001', b'')

    assert swift.object_names(swift_container) == [
        'b1/00001', 'b1/00002', 'b2/00001']
    assert swift.read_object(swift_container, 'b1/00001') == b'chunk-one'
    assert driver.get_object(swift_container, 'b1/00002') == b'\0' * 3
    assert driver.head_object(swift_container, 'b1/00001') == 9
    assert driver.head_object(swift_container, 'b2/00001') == 0
    assert sorted(driver.list_objects(swift_container, 'b1/')) == [
        'b1/00001', 'b1/00002']


def test_missing_objects_and_containers(driver, swift_container):
    driver.put_container(swift_container)
    with pytest.raises(exception.BackupObjectNotFound) as err:
        driver.get_object(swift_container, 'gone')
    assert 'gone' in str(err.value) and swift_container in str(err.value)
    assert driver.head_object(swift_container, 'gone') is None
    driver.delete_object(swift_container, 'gone')            # idempotent
    driver.delete_object(swift_container + '-none', 'gone')  # no container
    assert driver.list_objects(swift_container + '-none', 'b') == []


def test_empty_prefix_is_refused(driver, swift_container):
    # An empty prefix would let a delete widen to every backup.
    for prefix in ('', None):
        with pytest.raises(ValueError):
            driver.list_objects(swift_container, prefix)


def test_listing_keeps_to_the_prefix(driver, swift_container):
    driver.put_container(swift_container)
    names = ['p/%03d' % i for i in range(12)]
    for name in names + ['p0', 'q/001']:
        driver.put_object(swift_container, name, b'x')
    assert sorted(driver.list_objects(swift_container, 'p/')) == names


def test_each_thread_has_its_own_connection(driver):
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(
        driver._connection())) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(c) for c in seen + [driver._connection()]}) == 4
    assert driver._connection() is driver._connection()


def test_new_threads_reuse_the_token(driver, swift_container):
    driver.check_backend()
    token = driver._connection().token
    seen = []
    thread = threading.Thread(target=lambda: seen.append(
        (driver._connection().token, driver.list_objects(swift_container,
                                                         'x'))))
    thread.start()
    thread.join()
    assert token and seen == [(token, [])]


def test_parallel_puts_from_native_threads(driver, swift, swift_container):
    driver.put_container(swift_container)
    errors = []

    def writer(n):
        try:
            for i in range(10):
                driver.put_object(swift_container, 'w/%d/%d' % (n, i),
                                  bytes([n]) * 1000)
        except Exception as exc:   # collected: a thread cannot fail a test
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(swift.object_names(swift_container, 'w/')) == 40


def test_expired_token_is_renewed(driver, swift, swift_container):
    # A real expired token (see SwiftServer.expired_token): Swift answers
    # 401, swiftclient authenticates again and repeats the request.
    driver.put_container(swift_container)
    conn = driver._connection()
    expired = conn.token = swift.expired_token()
    driver.put_object(swift_container, 'after-401', b'data')
    assert conn.token != expired
    assert driver.get_object(swift_container, 'after-401') == b'data'


def test_static_token_cannot_be_renewed(make_swift_driver, swift,
                                        swift_container):
    driver = make_swift_driver(backup_swift_auth_url=None,
                               backup_swift_url=swift.storage_url,
                               backup_swift_token=swift.expired_token())
    with pytest.raises(exception.BackupDriverError) as err:
        driver.check_backend()
    assert '401' in str(err.value)


def test_storage_url_and_token(make_swift_driver, swift, swift_container):
    token = swift.connection().get_auth()[1]
    driver = make_swift_driver(backup_swift_auth_url=None,
                               backup_swift_url=swift.storage_url,
                               backup_swift_token=token)
    driver.check_backend()
    assert swift.object_names(swift_container) == []   # container exists


@stops_swift
def test_5xx_answers_are_retried(make_swift_driver, swift, swift_container):
    # With the object server down the proxy answers 503; it comes back
    # during swiftclient's backoff and the PUT goes through.
    driver = make_swift_driver(backup_swift_retry_attempts=4,
                               backup_swift_retry_backoff=1)
    driver.put_container(swift_container)
    swift.stop('object')
    restart = threading.Timer(0.3, swift.start, args=('object',))
    restart.start()
    try:
        driver.put_object(swift_container, 'retried', b'r' * 100000)
    finally:
        restart.join()
    assert driver._connection().attempts >= 2
    assert swift.read_object(swift_container, 'retried') == b'r' * 100000


@stops_swift
def test_5xx_without_retries_fails_clearly(make_swift_driver, swift,
                                           swift_container):
    driver = make_swift_driver(backup_swift_retry_attempts=0)
    driver.put_container(swift_container)
    swift.stop('object')
    with pytest.raises(exception.BackupDriverError) as err:
        driver.put_object(swift_container, 'lost', b'x')
    message = str(err.value)
    assert '503' in message and swift_container + '/lost' in message


@stops_swift
def test_connection_errors_are_retried_with_the_body_rewound(
        make_swift_driver, swift, swift_container):
    driver = make_swift_driver(backup_swift_retry_attempts=4,
                               backup_swift_retry_backoff=1)
    driver.put_container(swift_container)
    body = bytes(range(256)) * 20000   # 5 MB: re-sent whole after a failure
    swift.stop()
    restart = threading.Timer(0.3, swift.start)
    restart.start()
    try:
        driver.put_object(swift_container, 'rewound', body)
    finally:
        restart.join()
    assert driver._connection().attempts >= 2
    assert swift.read_object(swift_container, 'rewound') == body


@stops_swift
def test_swift_gone_fails_clearly(driver, swift, swift_container):
    driver.put_container(swift_container)
    swift.stop()
    with pytest.raises(exception.BackupDriverError) as err:
        driver.get_object(swift_container, 'x')
    message = str(err.value)
    assert 'Connection refused' in message
    assert swift.auth_url in message and '4 attempt(s)' in message


def test_a_body_damaged_on_the_wire_is_refused_by_swift(
        make_swift_driver, swift, swift_container):
    # A relay flips one byte of the PUT body: Swift itself compares the body
    # with the ETag (MD5) we send and refuses it (422); nothing is stored.
    with http_relay.HttpRelay(swift.ports['proxy']) as relay:
        driver = make_swift_driver(
            backup_swift_url=relay.url_for(swift.storage_url))
        driver.put_container(swift_container)
        relay.alter_request = flip_first_byte_of('/damaged')
        with pytest.raises(exception.BackupDriverError) as err:
            driver.put_object(swift_container, 'damaged', b'payload' * 1000)
    message = str(err.value)
    assert '422' in message and swift_container + '/damaged' in message
    assert 'MD5' in message
    assert swift.object_names(swift_container) == []


def test_a_wrong_etag_in_the_answer_fails_the_put(make_swift_driver, swift,
                                                  swift_container):
    # A relay replaces the ETag of Swift's 201 answer: the driver compares
    # it with the MD5 of what it sent and fails the PUT.
    with http_relay.HttpRelay(swift.ports['proxy']) as relay:
        driver = make_swift_driver(
            backup_swift_url=relay.url_for(swift.storage_url))
        driver.put_container(swift_container)
        relay.alter_response = replace_etag_of('/bad-etag', '0' * 32)
        with pytest.raises(exception.BackupDriverError) as err:
            driver.put_object(swift_container, 'bad-etag', b'payload')
    message = str(err.value)
    assert 'bad-etag' in message and '0' * 32 in message
    assert hashlib.md5(b'payload').hexdigest() in message


def test_an_answer_cut_off_mid_body_is_fetched_again(
        make_swift_driver, swift, swift_container):
    # The server dies after the headers of a GET (real sockets: the relay
    # closes the connection 100 bytes into the body). swiftclient does not
    # retry that itself; the driver does, on a fresh connection.
    data = bytes(range(256)) * 512
    with http_relay.HttpRelay(swift.ports['proxy']) as relay:
        driver = make_swift_driver(
            backup_swift_url=relay.url_for(swift.storage_url),
            backup_swift_retry_backoff=0.01)
        driver.put_container(swift_container)
        driver.put_object(swift_container, 'cut', data)
        gets = []

        def cut_first_get(method, path):
            if method == 'GET' and path.endswith('/cut'):
                gets.append(path)
                return 100 if len(gets) == 1 else None
        relay.cut_body = cut_first_get
        assert driver.get_object(swift_container, 'cut') == data
        assert len(gets) == 2

        # Cut every time: a clear error naming the object, once retries
        # are spent.
        relay.cut_body = lambda method, path: 100 if method == 'GET' else None
        with pytest.raises(exception.BackupDriverError) as err:
            driver.get_object(swift_container, 'cut')
    message = str(err.value)
    assert swift_container + '/cut' in message
    assert 'broken off' in message and 'reachable and healthy' in message


def test_check_backend_creates_the_container(driver, swift, swift_container):
    assert swift.object_names(swift_container) == []
    driver.check_backend()
    swift.connection().head_container(swift_container)   # no 404


def test_check_backend_rejects_bad_credentials(make_swift_driver):
    driver = make_swift_driver(backup_swift_key='wrong')
    with pytest.raises(exception.BackupDriverError) as err:
        driver.check_backend()
    assert '401' in str(err.value) and 'credentials' in str(err.value)


def test_check_backend_without_any_swift_settings(make_swift_driver):
    driver = make_swift_driver(backup_swift_auth_url=None)
    with pytest.raises(exception.BackupDriverError) as err:
        driver.check_backend()
    assert 'backup_swift_auth_url' in str(err.value)


def test_fixture_deletes_a_container_with_its_objects(swift, swift_container):
    conn = swift.connection()
    conn.put_container(swift_container)
    for name in ('a', 'b/c', 'd e%'):
        conn.put_object(swift_container, name, b'x')
    swift.delete_container(swift_container)
    swift.delete_container(swift_container)    # already gone
    assert swift.object_names(swift_container) == []
    assert swift_container not in [
        c['name'] for c in conn.get_account(full_listing=True)[1]]


# --- Keystone v3 (FAKE token endpoint, real Swift: see
# tests/helpers/fake_keystone.py)

def test_keystone_v3_password_auth_reaches_the_catalog_swift(
        make_swift_driver, swift, swift_container):
    with fake_keystone.FakeKeystone(swift.storage_url, fresh_tokens(swift),
                                    **KEYSTONE_USER) as keystone:
        driver = keystone_driver(make_swift_driver, keystone)
        driver.check_for_setup_error()
        driver.put_object(swift_container, 'via-keystone', b'data')
    [request] = keystone.requests
    user = request['auth']['identity']['password']['user']
    assert (user['name'], user['password'], user['domain']['name']) == (
        'backup', 'backup-pw', 'users')
    assert request['auth']['scope']['project'] == {
        'name': 'service', 'domain': {'name': 'projects'}}
    assert swift.read_object(swift_container, 'via-keystone') == b'data'


def test_keystone_token_expiry_authenticates_again(make_swift_driver, swift,
                                                   swift_container):
    first = [swift.expired_token()]
    with fake_keystone.FakeKeystone(swift.storage_url,
                                    fresh_tokens(swift, first),
                                    **KEYSTONE_USER) as keystone:
        driver = keystone_driver(make_swift_driver, keystone)
        driver.put_container(swift_container)   # 401, new token, again
        driver.put_object(swift_container, 'renewed', b'data')
    assert len(keystone.issued) == 2 and keystone.issued[0] == first[0]
    assert driver._connection().token == keystone.issued[1]
    assert swift.read_object(swift_container, 'renewed') == b'data'


def test_keystone_refusing_the_password_fails_clearly(make_swift_driver,
                                                      swift):
    with fake_keystone.FakeKeystone(swift.storage_url, fresh_tokens(swift),
                                    **KEYSTONE_USER) as keystone:
        driver = keystone_driver(make_swift_driver, keystone,
                                 backup_swift_key='wrong')
        with pytest.raises(exception.BackupDriverError) as err:
            driver.check_for_setup_error()
    message = str(err.value)
    assert '401' in message and 'credentials' in message
    assert keystone.issued == []


def test_keystone_unreachable_fails_clearly(make_swift_driver, swift):
    with fake_keystone.FakeKeystone(swift.storage_url, fresh_tokens(swift),
                                    **KEYSTONE_USER) as keystone:
        url = keystone.url
    # The endpoint is gone: nothing listens on its port any more.
    driver = keystone_driver(make_swift_driver, keystone,
                             backup_swift_auth_url=url)
    with pytest.raises(exception.BackupDriverError) as err:
        driver.check_for_setup_error()
    assert url in str(err.value)
