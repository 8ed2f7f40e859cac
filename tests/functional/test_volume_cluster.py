"""Volumes and snapshots on the separate-process deployment: backupd-api,
backupd-volume and backupd-backup on RabbitMQ with MariaDB or PostgreSQL.

Also what happens when the volume service is down (503 naming the host and
the reason) and when it crashes with a create in flight (the create waits
in the durable queue and runs once the service is back: accepted work is
not lost, doc/reliability.rst).
"""
import time

from oslo_utils import timeutils
import pytest
import sqlalchemy as sa

from backupd.db import models
from tests.fixtures.services import wait_for
from tests.helpers import backup_support as bs
from tests.helpers.volume_api import action
from tests.helpers.volume_api import create_snapshot
from tests.helpers.volume_api import create_volume
from tests.helpers.volume_api import error_of
from tests.helpers.volume_api import VOLUME_OWNER_KEYS
from tests.helpers.volume_api import wait_gone
from tests.helpers.volume_api import wait_status


@pytest.fixture(scope='module')
def dep(backupd_cluster):
    return backupd_cluster


def test_volume_and_snapshot_flows(dep):
    volume = create_volume(dep, size=1, name='c1', metadata={'k': 'v'})
    assert set(volume) == VOLUME_OWNER_KEYS
    snap = create_snapshot(dep, volume['id'], name='cs1')
    from_snap = create_volume(dep, size=2, snapshot_id=snap['id'])
    clone = create_volume(dep, size=None, source_volid=volume['id'])
    assert (from_snap['size'], clone['size']) == (2, 1)

    resp = action(dep, 'volume', clone['id'], {'os-extend': {'new_size': 4}})
    assert resp.status_code == 202, resp.text
    assert wait_status(dep, 'volume', clone['id'], 'available')['size'] == 4

    action(dep, 'volume', volume['id'], {'os-attach': {'mountpoint': '/d'}})
    wait_status(dep, 'volume', volume['id'], 'in-use')
    action(dep, 'volume', volume['id'], {'os-detach': {}})
    wait_status(dep, 'volume', volume['id'], 'available')

    resp = dep.request('DELETE', '/volumes/%s?cascade=True' % volume['id'])
    assert resp.status_code == 202, resp.text
    for vid in (from_snap['id'], clone['id']):
        assert dep.request('DELETE', '/volumes/%s' % vid).status_code == 202
    for vid in (volume['id'], from_snap['id'], clone['id']):
        wait_gone(dep, 'volume', vid)
    wait_gone(dep, 'snapshot', snap['id'])


def _wait_volume_service(dep, state):
    wait_for(lambda: any(s['binary'] == 'backupd-volume' and
                         s['state'] == state for s in dep.services()),
             30, what='backupd-volume %s' % state)


def test_volume_service_down_is_a_clear_503(dep):
    volume = create_volume(dep)
    dep.kill('backupd-volume')
    try:
        _wait_volume_service(dep, 'down')
        message = error_of(dep.request('POST', '/volumes',
                                       json={'volume': {'size': 1}}), 503)
        assert 'backupd-volume' in message and dep.host in message
        message = error_of(dep.request('DELETE',
                                       '/volumes/%s' % volume['id']), 503)
        assert dep.host in message and 'heartbeat' in message
        # nothing changed
        assert wait_status(dep, 'volume', volume['id'], 'available')
    finally:
        dep.start('backupd-volume')
    _wait_volume_service(dep, 'up')
    create_volume(dep)


def _heartbeat_now(dep, binary):
    """The service's last heartbeat at this instant (it is killed)."""
    engine = sa.create_engine(bs.db_url(dep))
    try:
        with engine.begin() as conn:
            conn.execute(sa.update(models.Service).where(
                models.Service.host == dep.host,
                models.Service.binary == binary).values(
                    heartbeat_at=timeutils.utcnow()))
    finally:
        engine.dispose()


def test_crash_with_a_create_in_flight_runs_it_after_restart(dep):
    dep.kill('backupd-volume')
    try:
        # Still shown up for service_down_time: the API accepts the create
        # and its cast waits in RabbitMQ for a service that is gone. The
        # process died just after a heartbeat (set here: on a loaded
        # machine its last real one may be seconds old by now).
        _heartbeat_now(dep, 'backupd-volume')
        resp = dep.request('POST', '/volumes', json={'volume': {'size': 1}})
        if resp.status_code == 503:
            pytest.fail('the service looked down too early: %s' % resp.text)
        assert resp.status_code == 202, resp.text
        vid = resp.json()['volume']['id']
        time.sleep(0.5)
        assert dep.request('GET', '/volumes/%s' % vid).json()[
            'volume']['status'] == 'creating'
    finally:
        dep.start('backupd-volume')
    # cleanup at start leaves the unclaimed row alone; the queued cast
    # creates the volume (start() may return on the heartbeat set above,
    # before the new process runs: the wait covers its start-up)
    assert wait_status(dep, 'volume', vid, 'available',
                       timeout=60)['status'] == 'available'
    resp = dep.request('DELETE', '/volumes/%s' % vid)
    assert resp.status_code == 202, resp.text
    wait_gone(dep, 'volume', vid)
