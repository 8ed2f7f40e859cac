"""Real rows of each kind the API's write routes act on, made through the
API (the in-process one of tests/fixtures/api_inprocess.py, with
``finish_creates``), owned by the member ``demo``: for the tests that send
every routed POST/PUT or action a body of the wrong shape
(tests/api/test_action_bodies.py, tests/api/test_request_shapes.py)."""
import sys

from sqlalchemy import inspect

from tests.helpers import backup_support as bs


def actions_of(handler):
    """{action name: handler} a POST .../action route dispatches to: the
    table ``actions.route`` attached, or the handler module's ACTIONS."""
    return getattr(handler, 'actions', None) or getattr(
        sys.modules[handler.__module__], 'ACTIONS', {})


def ok(resp):
    assert resp.status_code < 300, resp.text
    return resp.json()


def make(dep):
    """{path parameter: id}: a volume, its snapshot and backup, a volume
    type, a group type, a group of both (available) and its group
    snapshot."""
    volume = bs.create_volume(dep)
    vtype = ok(dep.request('POST', '/types', admin=True, json={
        'volume_type': {'name': 'bodies-type'}}))['volume_type']['id']
    gtype = ok(dep.request(
        'POST', '/group_types', admin=True, microversion='3.11',
        json={'group_type': {'name': 'bodies-gtype'}}))['group_type']['id']
    group = ok(dep.request(
        'POST', '/groups', microversion='3.13', json={'group': {
            'group_type': gtype, 'volume_types': [vtype]}}))['group']['id']
    assert dep.request('POST', '/groups/%s/action' % group, admin=True,
                       microversion='3.20', json={'reset_status': {
                           'status': 'available'}}).status_code == 202
    group_snapshot = ok(dep.request(
        'POST', '/group_snapshots', microversion='3.14',
        json={'group_snapshot': {'group_id': group}}))['group_snapshot']['id']
    return {'volume_id': volume,
            'snapshot_id': bs.create_snapshot(dep, volume),
            'backup_id': bs.create_backup(dep, volume),
            'type_id': vtype, 'group_type_id': gtype, 'group_id': group,
            'group_snapshot_id': group_snapshot}


def stored(engine):
    """Every row of every table, as sorted tuples per table: what a
    refused request must leave exactly as it was. (Plain SELECTs: a
    MetaData.reflect per call cost more than the requests checked.)"""
    with engine.connect() as conn:
        return {name: sorted(map(repr, conn.exec_driver_sql(
                    'SELECT * FROM %s' % engine.dialect.identifier_preparer
                    .quote(name))))
                for name in inspect(engine).get_table_names()}
