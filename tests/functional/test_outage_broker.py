"""Broker outages on a private RabbitMQ node (issue 22, doc/reliability.rst).

backupd-api, -volume and -backup run as separate processes on MariaDB and a
RabbitMQ node of this module's own (tests/fixtures/private_rabbit.py), so
stopping the broker disturbs nobody else. After each outage: no row stays
transient, every available backup restores byte-exact, new work succeeds,
and no service was restarted by the test.
"""
import time

import pytest

from backupd import binaries
from tests.fixtures.private_rabbit import private_rabbit  # noqa: F401
from tests.fixtures import services
from tests.helpers import backup_support as bs
from tests.helpers import outage_support as outage

MiB = 1024 * 1024
BOUND = 3          # rpc_cast_timeout of this deployment
REGIONS = ((0, 2 * MiB), (600 * 1024, 300 * 1024))


@pytest.fixture(scope='module')
def dep(tmp_path_factory, private_rabbit):  # noqa: F811
    database = services.Database('mariadb')
    deployment = services.Deployment(
        tmp_path_factory.mktemp('outage-broker'), services.SEPARATE, {
            'DEFAULT': {'transport_url': private_rabbit.url,
                        'rpc_cast_timeout': BOUND,
                        # a stopped service stays "up" long enough for the
                        # API to cast to it (the bus check, not the
                        # heartbeat's age, shows the broker's loss)
                        'service_down_time': 30},
            'database': {'connection': database.url}})
    deployment.database = database
    services._db_sync(deployment)
    deployment.start()
    yield deployment
    deployment.close()
    database.drop()


def _volume_with_data(dep, seed):
    volume = bs.create_volume(dep)
    digest = bs.write_pattern(bs.volume_path(dep, volume), seed, REGIONS)
    return volume, digest


def test_post_while_broker_down_is_a_bounded_503_and_changes_nothing(
        dep, private_rabbit):  # noqa: F811
    volume, _ = _volume_with_data(dep, 1)
    before = bs.sql(dep, 'SELECT count(*) FROM backups')[0][0]
    private_rabbit.stop_app()
    try:
        started = time.monotonic()
        resp = dep.request('POST', '/backups',
                           json={'backup': {'volume_id': volume}})
        took = time.monotonic() - started
    finally:
        private_rabbit.start_app()
    assert resp.status_code == 503, resp.text
    assert 'message bus' in resp.text and 'broker' in resp.text
    assert took < BOUND + 2, took
    assert bs.volume_status(dep, volume) == 'available'
    rows = bs.sql(dep, 'SELECT status FROM backups ORDER BY created_at')
    assert len(rows) == before + 1 and rows[-1][0] == 'error'
    outage.all_up(dep)
    bs.create_backup(dep, volume)          # new work, no service restarted


def test_broker_restart_during_create_restore_delete(dep, private_rabbit):  # noqa: F811,E501
    volume, digest = _volume_with_data(dep, 2)
    flight = outage.InFlight(dep, volume)
    private_rabbit.stop_app()
    time.sleep(3)
    private_rabbit.start_app()
    flight.check_after(dep, volume, digest)


def test_cast_made_before_the_service_declares_its_queue_again(
        dep, private_rabbit):  # noqa: F811
    """The API reconnects first: its cast waits in the durable queue."""
    volume, digest = _volume_with_data(dep, 3)
    dep.stop('backupd-backup')
    private_rabbit.stop_app()
    private_rabbit.start_app()
    # the backup service is still "up" in the database for
    # service_down_time; the cast goes to its (durable, recovered) queue
    bs.until(lambda: dep.request('GET', '/os-services', admin=True
                                 ).status_code == 200, what='API answers')
    resp = dep.request('POST', '/backups', json={'backup': {
        'volume_id': volume}})
    # accepted: the service's durable queue came back with the broker
    # (without it: no queue, the mandatory cast fails, 503 and undo)
    assert resp.status_code == 202, resp.text
    backup = resp.json()['backup']['id']
    queue = 'backupd-backup.%s' % dep.host
    assert private_rabbit.queues().get(queue) == 1, private_rabbit.queues()
    dep.start('backupd-backup')
    outage.settled(dep)
    bs.wait_for(dep, 'backups', backup, 'available')
    outage.restores_exactly(dep, backup, digest)
    assert bs.volume_status(dep, volume) == 'available'


def test_cast_to_a_deleted_queue_is_retried_or_refused(dep, private_rabbit):  # noqa: F811,E501
    volume, digest = _volume_with_data(dep, 4)
    queue = 'backupd-backup.%s' % dep.host
    private_rabbit.ctl('delete_queue', queue)
    resp = dep.request('POST', '/backups', json={'backup': {
        'volume_id': volume}})
    assert resp.status_code in (202, 503), resp.text
    outage.settled(dep)
    if resp.status_code == 202:
        backup = resp.json()['backup']['id']
        bs.wait_for(dep, 'backups', backup, 'available')
        outage.restores_exactly(dep, backup, digest)
    assert bs.volume_status(dep, volume) == 'available'
    outage.all_up(dep)
    bs.create_backup(dep, volume)


def test_services_cut_from_the_broker_are_shown_down_with_the_reason(
        dep, private_rabbit):  # noqa: F811
    outage.all_up(dep)
    private_rabbit.stop_app()
    try:
        def down_for_the_bus():
            rows = [s for s in dep.services() if s['host'] == dep.host and
                    s['binary'] in ('backupd-volume', 'backupd-backup')]
            return len(rows) == 2 and all(
                s['state'] == 'down' and
                'message bus' in (s['disabled_reason'] or '') for s in rows)
        bs.until(down_for_the_bus, timeout=30,
                 what='both services down for the message bus')
        listed = services._run([services.BIN + '/backupd-manage',
                                '--config-file', dep.conf_path, 'service',
                                'list'], check=True).stdout
        lines = [line for line in listed.splitlines() if dep.host in line and
                 binaries.shown(binaries.BACKUP) in line]
        assert lines and 'down' in lines[0] and 'message bus' in lines[0], \
            listed
    finally:
        private_rabbit.start_app()
    outage.all_up(dep)
