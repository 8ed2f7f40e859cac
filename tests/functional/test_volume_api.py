"""The volume API over real HTTP against backupd-all (real WSGI server, file
driver, in-process bus): responses, lists, isolation, actions, errors."""
import urllib.parse

import pytest

from tests.fixtures.services import wait_for
from tests.helpers.volume_api import action
from tests.helpers.volume_api import create_snapshot
from tests.helpers.volume_api import create_volume
from tests.helpers.volume_api import error_of
from tests.helpers.volume_api import VOLUME_ADMIN_KEYS
from tests.helpers.volume_api import VOLUME_CREATE_KEYS
from tests.helpers.volume_api import VOLUME_OWNER_KEYS
from tests.helpers.volume_api import wait_gone
from tests.helpers.volume_api import wait_status


@pytest.fixture(scope='module')
def dep(backupd_all):
    return backupd_all


def test_create_response_has_exactly_cinder_keys(dep):
    resp = dep.request('POST', '/volumes', json={'volume': {
        'size': 1, 'name': 'keys', 'description': None, 'snapshot_id': None,
        'source_volid': None, 'imageRef': None, 'volume_type': None,
        'availability_zone': None, 'consistencygroup_id': None,
        'backup_id': None, 'metadata': {'a': 'b'}}})
    assert resp.status_code == 202, resp.text
    created = resp.json()['volume']
    assert set(created) == VOLUME_CREATE_KEYS
    assert created['status'] == 'creating'
    assert created['metadata'] == {'a': 'b'}
    assert created['bootable'] == 'false'
    shown = wait_status(dep, 'volume', created['id'], 'available')
    assert set(shown) == VOLUME_OWNER_KEYS
    assert shown['os-vol-tenant-attr:tenant_id'] == 'demo'
    as_admin = dep.request('GET', '/volumes/%s' % created['id'],
                           admin=True).json()['volume']
    assert set(as_admin) == VOLUME_ADMIN_KEYS
    assert as_admin['os-vol-host-attr:host'] == '%s@file#file' % dep.host
    assert shown['links'][0]['href'].endswith(
        '/v3/demo/volumes/%s' % created['id'])


def test_v2_and_project_less_v3_urls(dep):
    volume = create_volume(dep, name='v2-visible')
    v2 = dep.request('GET', '/volumes/%s' % volume['id'], version='v2')
    assert v2.status_code == 200
    assert 'OpenStack-API-Version' not in v2.headers
    plain = dep.request('GET', '/volumes/%s' % volume['id'], project=None,
                        headers={'X-Project-Id': 'demo'})
    assert plain.json()['volume']['id'] == volume['id']


def test_list_filters_sort_and_summary(dep):
    project = 'lists'
    ids = [create_volume(dep, size=n, project=project, name='l%d' % n,
                         metadata={'parity': 'odd' if n % 2 else 'even'})['id']
           for n in (1, 2, 3)]
    summary = dep.request('GET', '/volumes', project=project).json()
    assert set(summary) == {'volumes'}
    assert [set(v) for v in summary['volumes']] == [
        {'id', 'name', 'links'}] * 3
    assert [v['id'] for v in summary['volumes']] == ids[::-1]  # newest first

    def names(query):
        resp = dep.request('GET', '/volumes/detail?' + query, project=project)
        assert resp.status_code == 200, resp.text
        return [v['name'] for v in resp.json()['volumes']]
    assert names('name=l2') == ['l2']
    assert names('sort=size:asc') == ['l1', 'l2', 'l3']
    assert names('sort_key=name&sort_dir=desc') == ['l3', 'l2', 'l1']
    assert names('status=available&sort=name:asc') == ['l1', 'l2', 'l3']
    assert names('metadata=' + urllib.parse.quote("{'parity': 'odd'}")
                 + '&sort=name') == ['l3', 'l1']
    assert names('status=error') == []
    bad = dep.request('GET', '/volumes?sort=colour:asc', project=project)
    assert 'colour' in error_of(bad, 400)
    bad = dep.request('GET', '/volumes?limit=-1', project=project)
    assert 'limit' in error_of(bad, 400)


def test_marker_limit_pages_with_next_links(dep):
    project = 'paging'
    ids = {create_volume(dep, project=project, wait=False)['id']
           for _ in range(5)}
    seen, url, pages = [], '/volumes?limit=2', 0
    while url:
        resp = dep.request('GET', url, project=project)
        body = resp.json()
        seen += [v['id'] for v in body['volumes']]
        pages += 1
        links = body.get('volumes_links')
        if links:
            assert links[0]['rel'] == 'next'
            parsed = urllib.parse.urlparse(links[0]['href'])
            assert parsed.path.endswith('/v3/%s/volumes' % project)
            url = '/volumes?' + parsed.query
        else:
            url = None
    assert sorted(seen) == sorted(ids) and len(seen) == 5
    assert pages == 3
    unknown = dep.request('GET', '/volumes?marker=nope', project=project)
    error_of(unknown, 404)


def test_project_isolation_and_all_tenants(dep):
    mine = create_volume(dep, project='alice', name='secret')
    for path in ('/volumes', '/volumes/detail', '/volumes?all_tenants=1',
                 '/volumes/detail?all_tenants=True&name=secret'):
        listed = dep.request('GET', path, project='bob').json()['volumes']
        assert mine['id'] not in [v['id'] for v in listed], path
    for method in ('GET', 'DELETE', 'PUT'):
        resp = dep.request(method, '/volumes/%s' % mine['id'], project='bob',
                           json={'volume': {'name': 'x'}})
        assert mine['id'] in error_of(resp, 404)
    resp = action(dep, 'volume', mine['id'], {'os-extend': {'new_size': 2}},
                  project='bob')
    error_of(resp, 404)
    resp = dep.request('POST', '/snapshots', project='bob',
                       json={'snapshot': {'volume_id': mine['id']}})
    error_of(resp, 404)
    admin_all = dep.request('GET', '/volumes?all_tenants=1', admin=True)
    assert mine['id'] in [v['id'] for v in admin_all.json()['volumes']]
    admin_own = dep.request('GET', '/volumes', admin=True)
    assert mine['id'] not in [v['id'] for v in admin_own.json()['volumes']]
    narrowed = dep.request('GET', '/volumes?all_tenants=1&project_id=alice',
                           admin=True).json()['volumes']
    assert {v['id'] for v in narrowed} == {mine['id']}


@pytest.mark.parametrize('body, words', [
    ({'size': 0}, ['size']),
    ({'size': 'big'}, ['size']),
    ({'size': 100000}, ['max_volume_size']),
    ({}, ['size', 'required']),
    ({'size': 1, 'colour': 'red'}, ['colour']),
    ({'size': 1, 'imageRef': 'abc'}, ['image', 'not supported']),
    ({'size': 1, 'snapshot_id': 'nope'}, ['nope']),
    ({'size': 1, 'availability_zone': 'mars'}, ['mars', 'nova']),
])
def test_create_refusals_name_the_problem(dep, body, words):
    resp = dep.request('POST', '/volumes', json={'volume': body})
    message = error_of(resp, 404 if body.get('snapshot_id') else 400)
    for word in words:
        assert word in message


def test_from_snapshot_and_from_volume(dep):
    source = create_volume(dep, size=1)
    snap = create_snapshot(dep, source['id'], name='src')
    from_snap = create_volume(dep, size=None, snapshot_id=snap['id'])
    assert (from_snap['size'], from_snap['snapshot_id']) == (1, snap['id'])
    clone = create_volume(dep, size=2, source_volid=source['id'])
    assert (clone['size'], clone['source_volid']) == (2, source['id'])
    too_small = dep.request('POST', '/volumes', json={'volume': {
        'size': 1, 'source_volid': clone['id']}})
    assert '2 GiB' in error_of(too_small, 400)


def test_update_name_description_metadata(dep):
    volume = create_volume(dep, metadata={'old': '1'})
    resp = dep.request('PUT', '/volumes/%s' % volume['id'], json={
        'volume': {'name': 'renamed', 'description': 'd',
                   'metadata': {'new': '2'}}})
    assert resp.status_code == 200, resp.text
    updated = resp.json()['volume']
    assert (updated['name'], updated['description'], updated['metadata']) == (
        'renamed', 'd', {'new': '2'})


def test_attach_detach_and_delete_rules(dep):
    volume = create_volume(dep)
    vid = volume['id']
    resp = action(dep, 'volume', vid, {'os-attach': {
        'instance_uuid': 'c0ffee00-0000-4000-8000-000000000001',
        'mountpoint': '/dev/vdb', 'mode': 'rw'}})
    assert resp.status_code == 202 and resp.content == b'', resp.text
    shown = wait_status(dep, 'volume', vid, 'in-use')
    (attachment,) = shown['attachments']
    assert attachment['server_id'] == 'c0ffee00-0000-4000-8000-000000000001'
    assert attachment['device'] == '/dev/vdb'
    again = action(dep, 'volume', vid, {'os-attach': {'mountpoint': '/x'}})
    assert "'in-use'" in error_of(again, 400)
    refused = dep.request('DELETE', '/volumes/%s' % vid)
    assert 'detach' in error_of(refused, 400)
    wrong = action(dep, 'volume', vid, {'os-detach': {
        'attachment_id': 'not-an-attachment'}})
    assert 'no attachment' in error_of(wrong, 400)
    resp = action(dep, 'volume', vid, {'os-detach': {
        'attachment_id': attachment['attachment_id']}})
    assert resp.status_code == 202
    assert wait_status(dep, 'volume', vid, 'available')['attachments'] == []

    snap = create_snapshot(dep, vid)
    refused = dep.request('DELETE', '/volumes/%s' % vid)
    message = error_of(refused, 400)
    assert snap['id'] in message and 'cascade' in message
    resp = dep.request('DELETE', '/volumes/%s?cascade=True&force=False' % vid)
    assert resp.status_code == 202, resp.text
    wait_gone(dep, 'volume', vid)
    error_of(dep.request('GET', '/snapshots/%s' % snap['id']), 404)


def test_extend(dep):
    volume = create_volume(dep)
    resp = action(dep, 'volume', volume['id'], {'os-extend': {'new_size': 3}})
    assert resp.status_code == 202, resp.text
    assert wait_status(dep, 'volume', volume['id'], 'available')['size'] == 3
    shrink = action(dep, 'volume', volume['id'],
                    {'os-extend': {'new_size': 2}})
    assert 'at least 4' in error_of(shrink, 400)


def test_admin_actions(dep):
    volume = create_volume(dep)
    vid = volume['id']
    forbidden = action(dep, 'volume', vid,
                       {'os-reset_status': {'status': 'error'}})
    error_of(forbidden, 403)
    error_of(action(dep, 'volume', vid, {'os-force_delete': {}}), 403)
    error_of(dep.request('DELETE', '/volumes/%s?force=True' % vid), 403)
    no_status = action(dep, 'volume', vid, {'os-reset_status': {}},
                       admin=True)
    assert 'status' in error_of(no_status, 400)
    bad = action(dep, 'volume', vid, {'os-reset_status': {'status': 'happy'}},
                 admin=True)
    assert 'happy' in error_of(bad, 400)
    resp = action(dep, 'volume', vid,
                  {'os-reset_status': {'status': 'deleting'}}, admin=True)
    assert resp.status_code == 202
    refused = dep.request('DELETE', '/volumes/%s' % vid)
    assert "'deleting'" in error_of(refused, 400)
    resp = action(dep, 'volume', vid, {'os-force_delete': None}, admin=True)
    assert resp.status_code == 202, resp.text
    wait_gone(dep, 'volume', vid)
    unknown = action(dep, 'volume', 'no-such-id', {'os-force_delete': {}},
                     admin=True)
    error_of(unknown, 404)
    odd = action(dep, 'volume', create_volume(dep)['id'],
                 {'os-migrate_volume': {}})
    assert 'os-extend' in error_of(odd, 400)


def test_notifications_on_the_bus(backupd_all_factory):
    """volume.create/delete and snapshot.create/delete start/end, seen
    through oslo.messaging's log notification driver."""
    dep = backupd_all_factory(
        conf={'oslo_messaging_notifications': {'driver': 'log'}})
    volume = create_volume(dep)
    snap = create_snapshot(dep, volume['id'])
    dep.request('DELETE', '/snapshots/%s' % snap['id'])
    wait_gone(dep, 'snapshot', snap['id'])
    dep.request('DELETE', '/volumes/%s' % volume['id'])
    wait_gone(dep, 'volume', volume['id'])
    # volume.delete.end is sent after the row is gone: wait for it.
    for event in ('volume.create.start', 'volume.create.end',
                  'snapshot.create.start', 'snapshot.create.end',
                  'snapshot.delete.start', 'snapshot.delete.end',
                  'volume.delete.start', 'volume.delete.end'):
        wait_for(lambda: '"event_type": "%s"' % event in dep.log(), 30,
                 what='%s in the log' % event)


def test_metadata_resource(dep):
    vid = create_volume(dep, metadata={'a': '1'})['id']
    path = '/volumes/%s/metadata' % vid
    assert dep.request('GET', path).json() == {'metadata': {'a': '1'}}
    merged = dep.request('POST', path, json={'metadata': {'b': '2'}})
    assert merged.json() == {'metadata': {'a': '1', 'b': '2'}}
    one = dep.request('PUT', path + '/b', json={'meta': {'b': '3'}})
    assert one.json() == {'meta': {'b': '3'}}
    assert dep.request('GET', path + '/b').json() == {'meta': {'b': '3'}}
    wrong = dep.request('PUT', path + '/b', json={'meta': {'c': '3'}})
    assert 'exactly the key' in error_of(wrong, 400)
    gone = dep.request('DELETE', path + '/a')
    assert gone.status_code == 200 and gone.content == b''
    assert "'a'" in error_of(dep.request('DELETE', path + '/a'), 404)
    replaced = dep.request('PUT', path, json={'metadata': {'z': '9'}})
    assert replaced.json() == {'metadata': {'z': '9'}}
    error_of(dep.request('GET', path, project='other'), 404)


def test_volume_owned_by_a_backup_cannot_be_deleted(dep):
    vid = create_volume(dep)['id']
    resp = action(dep, 'volume', vid,
                  {'os-reset_status': {'status': 'backing-up'}}, admin=True)
    assert resp.status_code == 202
    refused = dep.request('DELETE', '/volumes/%s' % vid)
    assert 'a backup is reading it' in error_of(refused, 400)
    forced = action(dep, 'volume', vid, {'os-force_delete': {}}, admin=True)
    assert "'backing-up'" in error_of(forced, 400)
    snap = dep.request('POST', '/snapshots', json={'snapshot': {
        'volume_id': vid, 'force': True}})
    assert "'backing-up'" in error_of(snap, 400)
    extend = action(dep, 'volume', vid, {'os-extend': {'new_size': 2}})
    assert "'backing-up'" in error_of(extend, 400)
