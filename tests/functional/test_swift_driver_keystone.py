"""The Swift backup driver's Keystone v3 authentication against the real
Keystone: a second proxy of the test Swift (same rings and storage
servers) validates tokens with keystonemiddleware's auth_token and
authorizes them with Swift's keystoneauth; its endpoint is the catalog's
``object-store``. The driver logs in with a password, finds Swift in the
catalog and stores into the project's account. (test_swift_driver.py's
Keystone tests fake the token endpoint to reach expiry and renewal; here
nothing is fake.)
"""
import os
import subprocess
import time

import pytest
import requests

from backupd.drivers.backup import base
from tests.contracts import backup_driver_cases as cases
from tests.contracts.backup_driver_cases import MiB
from tests.fixtures.keystone_server import PASSWORD
from tests.fixtures.keystone_server import PERSONAS
from tests.fixtures.ports import reserve_port
from tests.fixtures import swift_server as swift_process
from tests.helpers import servers

pytestmark = pytest.mark.xdist_group('keystone')  # one Keystone per worker

_PROXY_CONF = """\
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = {port}
workers = 0
user = {user}
swift_dir = {swift_dir}
log_level = INFO

[pipeline:main]
pipeline = catch_errors authtoken keystoneauth proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:keystoneauth]
use = egg:swift#keystoneauth
operator_roles = admin, member

[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
delay_auth_decision = true
{authtoken}
"""


@pytest.fixture(scope='module')
def keystone_swift(swift_server, keystone, tmp_path_factory):
    """The Keystone-authenticated Swift proxy's URL, in the catalog."""
    workdir = tmp_path_factory.mktemp('swift-keystone')
    reservation = reserve_port()
    port = reservation.getsockname()[1]
    conf = os.path.join(workdir, 'proxy-server.conf')
    with open(conf, 'w') as f:
        f.write(_PROXY_CONF.format(
            port=port, user=swift_process._current_user(),
            swift_dir=swift_server.etc, authtoken='\n'.join(
                '%s = %s' % kv for kv in keystone.authtoken_conf().items())))
    log = open(os.path.join(workdir, 'proxy.log'), 'ab')
    proc = subprocess.Popen([swift_process._bin('swift-proxy-server'), conf,
                             '-v'], stdin=subprocess.DEVNULL, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True,
                            preexec_fn=servers.die_with_parent)
    log.close()
    url = 'http://127.0.0.1:%d' % port
    service_ids = keystone.register_service(
        'object-store', 'swift', url + '/v1/AUTH_%(project_id)s')
    try:
        _wait_answering(proc, url, workdir)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
        keystone.unregister(service_ids)
        reservation.close()


def _wait_answering(proc, url, workdir, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        try:   # no token: keystoneauth refuses, so the pipeline is up
            if requests.get(url + '/v1/AUTH_x', timeout=2).status_code == 401:
                return
        except requests.RequestException:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            with open(os.path.join(workdir, 'proxy.log')) as f:
                raise AssertionError('keystone proxy did not start:\n%s'
                                     % f.read()[-3000:])
        time.sleep(0.1)


def test_swift_driver_backs_up_and_restores_with_keystone_v3(
        keystone_swift, keystone, make_swift_driver, tmp_path):
    user, project, _ = PERSONAS['owner']
    driver = make_swift_driver(
        backup_swift_auth_version='3', backup_swift_auth_url=keystone.url,
        backup_swift_user=user, backup_swift_key=PASSWORD,
        backup_swift_project=project, **cases.SMALL)
    driver.do_setup()
    driver.check_for_setup_error()
    volume = cases.write_volume(tmp_path / 'vol', 1 * MiB, layout='random')
    ref = base.BackupRef('ks-v3', 'vol-1')
    result = driver.backup(ref, str(volume))

    # stored in the owner project's account, through the Keystone proxy
    account = '%s/v1/AUTH_%s' % (keystone_swift,
                                 keystone.project_ids[project])
    listing = requests.get('%s/%s' % (account, result.container), headers={
        'X-Auth-Token': keystone.token('owner')})
    assert listing.status_code == 200, listing.text
    assert result.service_metadata in listing.text.split()
    # another project's member may not read it
    assert requests.get('%s/%s' % (account, result.container), headers={
        'X-Auth-Token': keystone.token('other')}).status_code == 403

    target = tmp_path / 'restored'
    driver.restore(cases.stored_ref(ref, result), str(target))
    assert cases.sha256_of(target) == cases.sha256_of(volume)
