"""Every action of every resource answers a body of the wrong JSON shape
with a 4xx naming the problem, never a 500, and changes nothing: the
fuzz (tests/functional/test_api_fuzz.py) found
``POST /group_snapshots/{id}/action {"reset_status": "<text>"}`` answering
500. The actions are read from the route table, so a new one is covered
as soon as it is routed. On the API in process, as admin at the newest
microversion, on real rows of each kind."""
import pytest

from backupd.api import microversions
from backupd.api import router
from tests.fixtures import api_inprocess
from tests.helpers import backup_support as bs

NEWEST = microversions.MAX_VERSION
# What a client may send in place of an action's object or null.
WRONG = ['text', ['a', 'list'], 7, True]


@pytest.fixture(scope='module')
def dep(tmp_path_factory):
    with api_inprocess.running(tmp_path_factory,
                               finish_creates=True) as api:
        yield api


def _ok(resp):
    assert resp.status_code < 300, resp.text
    return resp.json()


@pytest.fixture(scope='module')
def rows(dep):
    """{path parameter: id} of one row of each kind with actions."""
    volume = bs.create_volume(dep)
    vtype = _ok(dep.request('POST', '/types', admin=True, json={
        'volume_type': {'name': 'bodies-type'}}))['volume_type']['id']
    gtype = _ok(dep.request(
        'POST', '/group_types', admin=True, microversion='3.11',
        json={'group_type': {'name': 'bodies-gtype'}}))['group_type']['id']
    group = _ok(dep.request(
        'POST', '/groups', microversion='3.13', json={'group': {
            'group_type': gtype, 'volume_types': [vtype]}}))['group']['id']
    assert dep.request('POST', '/groups/%s/action' % group, admin=True,
                       microversion='3.20', json={'reset_status': {
                           'status': 'available'}}).status_code == 202
    group_snapshot = _ok(dep.request(
        'POST', '/group_snapshots', microversion='3.14',
        json={'group_snapshot': {'group_id': group}}))['group_snapshot']['id']
    return {'volume_id': volume,
            'snapshot_id': bs.create_snapshot(dep, volume),
            'backup_id': bs.create_backup(dep, volume),
            'type_id': vtype, 'group_id': group,
            'group_snapshot_id': group_snapshot}


def _action_routes():
    """(path template, action name) of every routed action."""
    found = []
    for path, methods in router.ROUTES.items():
        handler = methods.get('POST')
        if not path.endswith('/action') or handler is None:
            continue
        table = getattr(handler, 'actions', None) or getattr(
            __import__(handler.__module__, fromlist=['ACTIONS']),
            'ACTIONS', {})
        found += [(path, name) for name in sorted(table)]
    return found


ACTION_ROUTES = _action_routes()


def test_the_route_table_has_the_actions_of_each_kind():
    paths = {path for path, _ in ACTION_ROUTES}
    assert {'/volumes/{volume_id}/action', '/snapshots/{snapshot_id}/action',
            '/backups/{backup_id}/action', '/groups/{group_id}/action',
            '/group_snapshots/{group_snapshot_id}/action',
            '/types/{type_id}/action'} <= paths
    assert ('/group_snapshots/{group_snapshot_id}/action',
            'reset_status') in ACTION_ROUTES


def _state(dep, rows):
    return {key: dep.request('GET', path % rows[key], admin=True,
                             microversion=NEWEST).text
            for key, path in (('volume_id', '/volumes/%s'),
                              ('snapshot_id', '/snapshots/%s'),
                              ('backup_id', '/backups/%s'),
                              ('group_id', '/groups/%s'),
                              ('group_snapshot_id', '/group_snapshots/%s'))}


@pytest.mark.parametrize('path, name', ACTION_ROUTES,
                         ids=['%s:%s' % pn for pn in ACTION_ROUTES])
def test_an_action_body_of_the_wrong_shape_is_a_4xx(dep, rows, path, name):
    url = path.format(**rows)
    before = _state(dep, rows)
    for value in WRONG:
        resp = dep.request('POST', url, admin=True, microversion=NEWEST,
                           json={name: value})
        assert 400 <= resp.status_code < 500, (name, value, resp.text)
        message = next(iter(resp.json().values()))['message']
        assert message, resp.text
    assert _state(dep, rows) == before
