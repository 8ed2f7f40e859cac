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
from tests.helpers import api_rows

NEWEST = microversions.MAX_VERSION
# What a client may send in place of an action's object or null.
WRONG = ['text', ['a', 'list'], 7, True]


@pytest.fixture(scope='module')
def dep(api_finishing):
    return api_finishing


@pytest.fixture(scope='module')
def rows(dep):
    return api_rows.make(dep)


def _action_routes():
    """(path template, action name) of every routed action."""
    found = []
    for path, methods in router.ROUTES.items():
        handler = methods.get('POST')
        if not path.endswith('/action') or handler is None:
            continue
        found += [(path, name)
                  for name in sorted(api_rows.actions_of(handler))]
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
