"""What backupd-all refuses or hides at start (issue 13 item 5): noauth on
a non-loopback address unless noauth_allow_non_loopback says so, and no
password of a database URL in its log."""
import subprocess
import uuid

import pytest
import requests

from tests.fixtures.services import Database
from tests.fixtures.services import wait_for


@pytest.mark.parametrize('address', ['0.0.0.0', '::'])
def test_noauth_refuses_a_non_loopback_address(backupd_all_factory,
                                               address):
    dep = backupd_all_factory(
        conf={'DEFAULT': {'osapi_volume_listen': address}}, start=False)
    dep.start(wait=False)
    proc = dep.procs['backupd-all']
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        raise AssertionError('backupd-all served noauth on %s:\n%s'
                             % (address, dep.log()))
    assert proc.returncode != 0
    log = dep.log()
    assert 'Traceback' not in log, log
    (line,) = [l for l in log.splitlines() if 'noauth_allow_non_loopback' in l]
    assert line.startswith('backupd-all: auth_strategy = noauth would serve '
                           '%s, which is not a loopback address' % address)
    with pytest.raises(requests.ConnectionError):
        requests.get(dep.endpoint + '/', timeout=5)


def test_noauth_serves_a_non_loopback_address_when_allowed(
        backupd_all_factory):
    dep = backupd_all_factory(conf={'DEFAULT': {
        'osapi_volume_listen': '0.0.0.0',
        'noauth_allow_non_loopback': 'true'}})
    assert requests.get(dep.endpoint + '/', timeout=10).status_code == 300


def test_database_password_never_reaches_the_log(backupd_all_factory):
    """PostgreSQL here trusts local connections, so any password works:
    the URL carries one only to see where it ends up. debug = true makes
    oslo.service log every option value as well."""
    database = Database('postgresql')
    password = 'pw-%s' % uuid.uuid4().hex
    url = database.url.replace('postgres@', 'postgres:%s@' % password)
    try:
        dep = backupd_all_factory(conf={
            'DEFAULT': {'debug': 'true'}, 'database': {'connection': url}})
        wait_for(lambda: 'postgres:***@' in dep.log(), 30,
                 what='the masked database URL in the log')
        dep.stop()
        log = dep.log()
        assert password not in log
        assert 'backupd-all: state in' in log
    finally:
        database.drop()
