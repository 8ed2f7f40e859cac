"""The snapshot API over real HTTP against backupd-all."""
import pytest

from tests.helpers.volume_api import action
from tests.helpers.volume_api import create_snapshot
from tests.helpers.volume_api import create_volume
from tests.helpers.volume_api import error_of
from tests.helpers.volume_api import SNAPSHOT_CREATE_KEYS
from tests.helpers.volume_api import SNAPSHOT_SHOW_KEYS
from tests.helpers.volume_api import stuck_then_forced
from tests.helpers.volume_api import wait_gone
from tests.helpers.volume_api import wait_status


@pytest.fixture(scope='module')
def dep(backupd_all):
    return backupd_all


def test_create_show_list_keys(dep):
    volume = create_volume(dep, size=2)
    resp = dep.request('POST', '/snapshots', json={'snapshot': {
        'volume_id': volume['id'], 'force': False, 'name': 's1',
        'description': None, 'metadata': {'k': 'v'}}})
    assert resp.status_code == 202, resp.text
    created = resp.json()['snapshot']
    assert set(created) == SNAPSHOT_CREATE_KEYS
    assert (created['size'], created['metadata']) == (2, {'k': 'v'})
    shown = wait_status(dep, 'snapshot', created['id'], 'available')
    assert set(shown) == SNAPSHOT_SHOW_KEYS
    assert shown['os-extended-snapshot-attributes:project_id'] == 'demo'
    assert shown['os-extended-snapshot-attributes:progress'] == '100%'
    listed = dep.request('GET', '/snapshots').json()
    assert set(listed) == {'snapshots'}
    assert created['id'] in [s['id'] for s in listed['snapshots']]
    assert all(set(s) == SNAPSHOT_CREATE_KEYS for s in listed['snapshots'])
    detail = dep.request('GET', '/snapshots/detail?name=s1').json()
    assert [s['id'] for s in detail['snapshots']] == [created['id']]
    by_volume = dep.request('GET', '/snapshots/detail?volume_id=%s'
                            % volume['id']).json()['snapshots']
    assert [s['id'] for s in by_volume] == [created['id']]


def test_in_use_volume_needs_force(dep):
    volume = create_volume(dep)
    action(dep, 'volume', volume['id'], {'os-attach': {'mountpoint': '/v'}})
    wait_status(dep, 'volume', volume['id'], 'in-use')
    refused = dep.request('POST', '/snapshots', json={'snapshot': {
        'volume_id': volume['id']}})
    assert 'force' in error_of(refused, 400)
    forced = create_snapshot(dep, volume['id'], force='True')
    assert forced['status'] == 'available'


def test_update_delete_and_isolation(dep):
    snap = create_snapshot(dep, create_volume(dep)['id'])
    sid = snap['id']
    error_of(dep.request('GET', '/snapshots/%s' % sid, project='other'), 404)
    other = dep.request('GET', '/snapshots/detail?all_tenants=1',
                        project='other').json()['snapshots']
    assert sid not in [s['id'] for s in other]
    resp = dep.request('PUT', '/snapshots/%s' % sid, json={
        'snapshot': {'name': 'new', 'description': 'desc'}})
    assert resp.status_code == 200, resp.text
    assert (resp.json()['snapshot']['name'],
            resp.json()['snapshot']['description']) == ('new', 'desc')
    resp = dep.request('DELETE', '/snapshots/%s' % sid)
    assert resp.status_code == 202 and resp.content == b''
    wait_gone(dep, 'snapshot', sid)


def test_admin_actions(dep):
    snap = create_snapshot(dep, create_volume(dep)['id'])
    sid = snap['id']
    error_of(action(dep, 'snapshot', sid,
                    {'os-reset_status': {'status': 'error'}}), 403)
    error_of(action(dep, 'snapshot', sid, {'os-force_delete': {}}), 403)
    missing = action(dep, 'snapshot', sid, {'os-reset_status': {}},
                     admin=True)
    assert 'status' in error_of(missing, 400)
    stuck_then_forced(dep, 'snapshot', sid, 'creating', "'creating'",
                      'os-force_delete')


def test_volume_from_deleted_snapshot_is_404(dep):
    snap = create_snapshot(dep, create_volume(dep)['id'])
    dep.request('DELETE', '/snapshots/%s' % snap['id'])
    wait_gone(dep, 'snapshot', snap['id'])
    resp = dep.request('POST', '/volumes', json={'volume': {
        'size': 1, 'snapshot_id': snap['id']}})
    assert snap['id'] in error_of(resp, 404)
