"""The Swift driver without a Swift: how its options become a swiftclient
Connection, its rewindable request bodies, its entry point.

No Swift or Keystone is contacted: these only check what the driver hands
to swiftclient (tests/functional/test_swift_driver*.py use a real Swift,
and a fake Keystone token endpoint for v3: no Keystone runs here).
"""
from oslo_config import cfg
import pytest

from backupd.drivers.backup import swift


def make_driver(**overrides):
    conf = cfg.ConfigOpts()
    driver = swift.SwiftBackupDriver(conf)
    conf([], project='backupd-test', default_config_files=[],
         default_config_dirs=[])
    for name, value in overrides.items():
        conf.set_override(name, value)
    return driver


def test_options_are_listed_with_help():
    [(group, opts)] = swift.list_opts()
    assert group is None and opts is swift.OPTS
    for opt in opts:
        assert opt.name.startswith('backup_swift_') and len(opt.help) > 30


def test_driver_registers_its_options_on_the_conf_it_is_given():
    driver = make_driver()
    assert driver.conf.backup_swift_container == 'volumebackups'
    assert driver.default_container == 'volumebackups'
    assert 'backup_swift_container' not in cfg.CONF


def test_tempauth_connection():
    conn = make_driver(backup_swift_auth_url='http://swift/auth/v1.0',
                       backup_swift_user='acct:user',
                       backup_swift_key='secret',
                       backup_swift_retry_attempts=7,
                       backup_swift_retry_backoff=3,
                       backup_swift_timeout=9)._connection()
    assert (conn.authurl, conn.user, conn.key, conn.auth_version) == (
        'http://swift/auth/v1.0', 'acct:user', 'secret', '1')
    assert (conn.retries, conn.starting_backoff, conn.timeout) == (7, 3, 9)
    assert conn.url is None and conn.session is None


def test_storage_url_overrides_the_auth_answer():
    conn = make_driver(backup_swift_auth_url='http://swift/auth/v1.0',
                       backup_swift_url='http://other/v1/AUTH_x',
                       backup_swift_user='a:u', backup_swift_key='k',
                       )._connection()
    assert conn.url == 'http://other/v1/AUTH_x'
    assert conn.os_options['object_storage_url'] == 'http://other/v1/AUTH_x'


def test_static_token_connection():
    conn = make_driver(backup_swift_url='http://swift/v1/AUTH_x',
                       backup_swift_token='tok')._connection()
    assert (conn.url, conn.token, conn.authurl) == (
        'http://swift/v1/AUTH_x', 'tok', None)


def test_keystone_v3_connection_uses_a_keystoneauth_session():
    conn = make_driver(backup_swift_auth_url='https://keystone:5000/v3',
                       backup_swift_auth_version='3',
                       backup_swift_user='backup',
                       backup_swift_key='pw',
                       backup_swift_user_domain='users',
                       backup_swift_project='service',
                       backup_swift_project_domain='projects',
                       backup_swift_ca_cert_file='/etc/ca.pem',
                       backup_swift_retry_attempts=5,
                       )._connection()
    session = conn.session.keystone
    auth = session.auth
    assert auth.auth_url == 'https://keystone:5000/v3'
    [method] = auth.auth_methods
    assert (method.username, method.password, method.user_domain_name) == (
        'backup', 'pw', 'users')
    assert (auth.project_name, auth.project_domain_name) == (
        'service', 'projects')
    assert session.verify == '/etc/ca.pem'
    assert session._connect_retries == 5     # Keystone unreachable: retried


def test_keystone_session_is_shared_by_threads():
    import threading
    driver = make_driver(backup_swift_auth_url='https://keystone:5000/v3',
                         backup_swift_auth_version='3')
    sessions = [driver._connection().session.keystone]
    thread = threading.Thread(
        target=lambda: sessions.append(driver._connection().session.keystone))
    thread.start()
    thread.join()
    assert sessions[0] is sessions[1]


def test_insecure_wins_over_a_ca_file():
    driver = make_driver(backup_swift_auth_url='https://keystone:5000/v3',
                         backup_swift_auth_version='3',
                         backup_swift_ca_cert_file='/etc/ca.pem',
                         backup_swift_auth_insecure=True)
    assert driver._connection().session.keystone.verify is False
    v1 = make_driver(backup_swift_auth_url='https://swift/auth/v1.0',
                     backup_swift_auth_insecure=True)._connection()
    assert v1.insecure is True


def test_unknown_auth_version_is_refused():
    with pytest.raises(ValueError):
        make_driver(backup_swift_auth_version='2')


def test_payload_reads_in_pieces_and_rewinds():
    data = bytearray(b'0123456789')
    payload = swift._Payload(memoryview(data)[2:])
    assert len(payload) == 8
    assert bytes(payload.read(3)) == b'234'
    assert payload.tell() == 3
    assert bytes(payload.read()) == b'56789'
    assert bytes(payload.read(4)) == b''
    assert payload.seek(0) == 0
    assert bytes(payload.read(-1)) == b'23456789'
    assert payload.seek(-2, 2) == 6 and bytes(payload.read()) == b'89'
    data[9] = ord('X')                 # a view, not a copy
    payload.seek(7)
    assert bytes(payload.read()) == b'X'
