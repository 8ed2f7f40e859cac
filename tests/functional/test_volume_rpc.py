"""The backup service's RPC calls to backupd-volume (rpcapi 1.2), made from
this process over the deployment's real RabbitMQ vhost: capabilities,
get_backup_device in its four forms, remove_backup_device (idempotent),
get_volume_path and create_volume_sync."""
import os
import uuid

import oslo_messaging as messaging
import pytest

from backupd import conf as backupd_conf
from backupd import context as backupd_context
from backupd.manager.volume import rpcapi
from backupd import rpc

from tests.helpers.volume_api import create_snapshot
from tests.helpers.volume_api import create_volume
from tests.helpers.volume_api import wait_status


@pytest.fixture(scope='module')
def dep(backupd_cluster):
    return backupd_cluster


@pytest.fixture
def volume_rpc(dep):
    # oslo.messaging registers some of its options on the global CONF only.
    # The services' exchange is "backupd" (cmd/common.py does the same).
    messaging.set_transport_defaults('backupd')
    conf = backupd_conf.CONF
    conf([], project='backupd', default_config_files=[])
    rpc.init(conf, 'test', url=dep.settings['DEFAULT']['transport_url'])
    yield rpcapi.VolumeAPI(conf)
    rpc.cleanup()


def ctxt():
    return backupd_context.get_admin_context()


def read(path, length=16):
    with open(path, 'rb') as f:
        return f.read(length)


def write(path, data):
    with open(path, 'r+b') as f:
        f.write(data)


def test_backup_devices(dep, volume_rpc):
    volume = create_volume(dep)
    host = dep.host
    assert volume_rpc.capabilities(ctxt(), host) == {
        'snapshot_local_path': True, 'reflink': False,
        'change_tracking': False}
    path = volume_rpc.get_volume_path(ctxt(), host, volume['id'])
    assert path == os.path.join(dep.state_path, 'volumes',
                                'volume-%s' % volume['id'])
    assert volume_rpc.get_backup_device(ctxt(), host, volume['id']) == {
        'path': path}
    write(path, b'original content')

    temp_snap, temp_vol = str(uuid.uuid4()), str(uuid.uuid4())
    snap_path = volume_rpc.get_backup_device(
        ctxt(), host, volume['id'], temp_snapshot_id=temp_snap)['path']
    clone_path = volume_rpc.get_backup_device(
        ctxt(), host, volume['id'], temp_volume_id=temp_vol)['path']
    write(path, b'CHANGED CONTENTS')
    assert read(snap_path) == read(clone_path) == b'original content'
    # hidden from the API
    assert dep.request('GET', '/snapshots/%s' % temp_snap,
                       admin=True).status_code == 404
    assert dep.request('GET', '/volumes/%s' % temp_vol,
                       admin=True).status_code == 404

    snap = create_snapshot(dep, volume['id'])
    from_snap = volume_rpc.get_backup_device(
        ctxt(), host, volume['id'], snapshot_id=snap['id'])['path']
    assert read(from_snap) == b'CHANGED CONTENTS'

    for _ in range(2):  # idempotent
        assert volume_rpc.remove_backup_device(
            ctxt(), host, temp_snapshot_id=temp_snap,
            temp_volume_id=temp_vol) is None
    assert not os.path.exists(snap_path)
    assert not os.path.exists(clone_path)
    volume_rpc.remove_backup_device(ctxt(), host,
                                    temp_snapshot_id=str(uuid.uuid4()))


def test_create_volume_sync(dep, volume_rpc):
    # A 'creating' row the way the restore flow makes one: the API's own
    # create, caught before its cast runs is racy, so make the row by an
    # admin reset of a fresh volume back to 'creating'.
    volume = create_volume(dep)
    resp = dep.request('POST', '/volumes/%s/action' % volume['id'],
                       admin=True,
                       json={'os-reset_status': {'status': 'creating'}})
    assert resp.status_code == 202
    os.unlink(os.path.join(dep.state_path, 'volumes',
                           'volume-%s' % volume['id']))
    assert volume_rpc.create_volume_sync(ctxt(), dep.host,
                                         volume['id']) is None
    assert wait_status(dep, 'volume', volume['id'], 'available')

    # a failure raises and leaves 'error': the file already exists now
    dep.request('POST', '/volumes/%s/action' % volume['id'], admin=True,
                json={'os-reset_status': {'status': 'creating'}})
    with pytest.raises(messaging.RemoteError) as failure:
        volume_rpc.create_volume_sync(ctxt(), dep.host, volume['id'])
    assert volume['id'] in str(failure.value)
    assert wait_status(dep, 'volume', volume['id'], 'error')
