"""The volume API's own rules on the API in process (tests/fixtures/
api_inprocess.py; a create made available as the volume service would):
Cinder's response keys, v2 and project-less URLs, lists (filters, sort,
pages), project isolation, refused creates, sources, updates, metadata,
a volume a backup reads. What needs the volume service (attach and detach,
deletes, extend, notifications) is in tests/functional/test_volume_api.py.
"""
import urllib.parse

import pytest

from tests.helpers.volume_api import action
from tests.helpers.volume_api import create_snapshot
from tests.helpers.volume_api import create_volume
from tests.helpers.volume_api import error_of
from tests.helpers.volume_api import VOLUME_ADMIN_KEYS
from tests.helpers.volume_api import VOLUME_CREATE_KEYS
from tests.helpers.volume_api import VOLUME_OWNER_KEYS
from tests.helpers.volume_api import wait_status


@pytest.fixture(scope='module')
def dep(api_finishing):
    return api_finishing


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


def test_caller_without_a_project_acts_in_the_url_project(dep):
    # openstacksdk's "none" auth sends only "X-Auth-Token: notused": the
    # project comes from the URL after the auth filter has decided whether
    # the caller is an admin. Policy must judge the filled-in project (a
    # decision cached with no project refused every project-scoped call).
    hdrs = {'X-Auth-Token': 'notused'}
    made = dep.send('POST', '/v3/osc-project/volumes', headers=hdrs,
                    json={'volume': {'size': 1, 'name': 'osc'}})
    assert made.status_code == 202, made.text
    volume = made.json()['volume']
    shown = dep.send('GET', '/v3/osc-project/volumes/%s' % volume['id'],
                     headers=hdrs)
    assert shown.status_code == 200, shown.text
    listed = dep.send('GET', '/v3/osc-project/volumes/detail?name=osc',
                      headers=hdrs)
    assert listed.status_code == 200, listed.text
    assert [v['id'] for v in listed.json()['volumes']] == [volume['id']]
    other = dep.send('GET', '/v3/another/volumes/%s' % volume['id'],
                     headers=hdrs)
    assert other.status_code == 404, other.text
