"""Every POST and PUT of the route table answers a body of the wrong JSON
shape with a 4xx whose message names the member (never a 500), and
changes nothing stored: the probe a hostile client would run after the
fuzz (tests/functional/test_api_fuzz.py) found a group snapshot action
answering 500 to ``{"reset_status": "text"}``.

For each route, _bodies gives a body Cinder accepts; each of its members
(and the body itself, and the members of the export record inside
import_record's ``backup_url``) is replaced in turn by a value of every
JSON kind the member does not take: a string, a list, an integer, a
float, a boolean, null, an object, a deeply nested list and object. A
member takes its template value's kind, and the others ``Also`` names
(what Cinder takes there: null names, "true" booleans, "10" sizes...).
Each body is sent as an admin and as the member owning the rows, at the
newest microversion and at 3.0, on real rows. The admin at the newest
microversion passes every policy and version check, so there the answer
must be the body's 400; elsewhere a 403 or 404 first is as good. The
templates are bodies of the newest microversion, so at 3.0 a 400 may name
a member that version does not take instead.
"""
import base64
import json
import uuid

import pytest

from backupd.api.handlers import service_actions
from backupd.api import microversions
from backupd.api import router
from tests.helpers import api_rows
from tests.helpers import backup_support as bs

NEWEST = microversions.MAX_VERSION
CALLERS = [(admin, version) for admin in (True, False)
           for version in (NEWEST, '3.0')]
KEY = 'shape-key'       # the {key} of metadata, extra and group spec URLs


class Also:
    """A template value whose member also takes the JSON ``kinds``."""

    def __init__(self, value, *kinds):
        self.value = value
        self.kinds = kinds


class Record:
    """import_record's backup_url: base64 of the JSON export record
    ``fields``, whose members are probed as the body's are."""

    def __init__(self, fields):
        self.fields = fields


def _nested(depth, leaf, wrap):
    for _ in range(depth):
        leaf = wrap(leaf)
    return leaf


# One value of each JSON kind; the nesting stays under request_body's
# MAX_DEPTH, so it reaches the handler's schema.
WRONG = ['text', ['a', 'list'], 7, 1.5, True, None, {'an': 'object'},
         _nested(20, 7, lambda v: [v]), _nested(20, 7, lambda v: {'n': v})]


def _kind(value):
    for kind, types in (('boolean', bool), ('integer', int),
                        ('number', float), ('string', str),
                        ('array', list), ('object', dict)):
        if isinstance(value, types):
            return kind
    return 'null'


def _accepted(template):
    """The JSON kinds the member of ``template`` takes."""
    if isinstance(template, Record):      # sent as its base64 text
        return {'string'}
    if isinstance(template, Also):
        kinds = {_kind(template.value), *template.kinds}
    else:
        kinds = {_kind(template)}
    if 'number' in kinds:
        kinds.add('integer')
    return kinds


def _render(template):
    """The JSON value of a template."""
    if isinstance(template, Also):
        return _render(template.value)
    if isinstance(template, Record):
        return base64.b64encode(json.dumps(
            _render(template.fields)).encode()).decode()
    if isinstance(template, dict):
        return {k: _render(v) for k, v in template.items()}
    if isinstance(template, list):
        return [_render(v) for v in template]
    return template


def _replaced(template, path, value):
    """The template with the member at ``path`` replaced by ``value``."""
    if not path:
        return value
    inner = template.value if isinstance(template, Also) else template
    if isinstance(inner, Record):
        return Record(_replaced(inner.fields, path, value))
    copy = type(inner)(inner)
    copy[path[0]] = _replaced(inner[path[0]], path[1:], value)
    return copy


def _members(template, path=()):
    """(path, template) of the value and each member inside it."""
    yield path, template
    inner = template.value if isinstance(template, Also) else template
    if isinstance(inner, Record):
        inner = inner.fields
    items = inner.items() if isinstance(inner, dict) else (
        enumerate(inner) if isinstance(inner, list) else ())
    for key, value in items:
        yield from _members(value, path + (key,))


def wrong_bodies(template):
    """(member path, body) of every wrong-kind replacement."""
    for path, member in _members(template):
        accepted = _accepted(member)
        for value in WRONG:
            if _kind(value) not in accepted:
                yield path, _render(_replaced(template, path, value))


# --- the bodies Cinder accepts, per route ------------------------------------

def nullable(value):
    """A name, description, ...: also null."""
    return Also(value, 'null')


def id_or_null(value):
    """An id, type or spec sent as null (or as a string)."""
    return Also(value, 'string', 'null')


def flag(value):
    """A boolean: also "true", "0"... and null (common.flag)."""
    return Also(value, 'string', 'null')


def spec_value(value):
    """An extra spec or QoS value: a string, number or boolean."""
    return Also(value, 'integer', 'number', 'boolean')


METADATA = {'meta-key': nullable('meta-value')}


def _bodies(r):
    """{(method, path, label): body template} on the rows ``r``."""
    volume = {'name': nullable('n'), 'description': nullable('d'),
              'display_name': nullable('n'),
              'display_description': nullable('d'),
              'metadata': dict(METADATA)}
    record = Record({
        'id': str(uuid.uuid4()), 'volume_id': r['volume_id'],
        'snapshot_id': id_or_null(None), 'parent_id': id_or_null(None),
        'encryption_key_id': id_or_null(None),
        'display_name': nullable('n'), 'display_description': nullable('d'),
        'container': nullable('c'), 'availability_zone': nullable('nova'),
        'service': id_or_null(None), 'service_metadata': id_or_null(None),
        'size': 1, 'object_count': nullable(1), 'stored_bytes': nullable(1),
        'data_timestamp': nullable('2025-01-01T00:00:00.000000'),
        'created_at': nullable('2025-01-01T00:00:00.000000'),
        'metadata': nullable(dict(METADATA)),
        'driver_info': nullable({
            'engine': nullable('posix'), 'version': nullable(1),
            'container': nullable('c'),
            'service_metadata': id_or_null(None)})})
    bodies = {
        ('POST', '/volumes', ''): {'volume': dict(
            volume, size=Also(1, 'string', 'null'),
            snapshot_id=id_or_null(None), source_volid=id_or_null(None),
            volume_type=id_or_null(None), availability_zone=nullable('nova'),
            metadata=nullable(dict(METADATA)), multiattach=flag(False),
            imageRef=id_or_null(None), image_id=id_or_null(None),
            consistencygroup_id=id_or_null(None),
            source_replica=id_or_null(None), group_id=id_or_null(None),
            backup_id=id_or_null(None), scheduler_hints=nullable({})),
            'OS-SCH-HNT:scheduler_hints': Also(None, 'object')},
        ('PUT', '/volumes/{volume_id}', ''): {'volume': volume},
        ('POST', '/snapshots', ''): {'snapshot': dict(
            volume, metadata=nullable(dict(METADATA)),
            volume_id=nullable(r['volume_id']), force=flag(True))},
        ('PUT', '/snapshots/{snapshot_id}', ''): {'snapshot': {
            k: v for k, v in volume.items() if k != 'metadata'}},
        ('POST', '/backups', ''): {'backup': {
            'volume_id': r['volume_id'], 'container': nullable('c'),
            'name': nullable('n'), 'description': nullable('d'),
            'incremental': flag(False), 'force': flag(True),
            'snapshot_id': id_or_null(None), 'metadata': dict(METADATA),
            'availability_zone': nullable('nova')}},
        ('PUT', '/backups/{backup_id}', ''): {'backup': {
            'name': nullable('n'), 'description': nullable('d'),
            'metadata': dict(METADATA)}},
        ('POST', '/backups/{backup_id}/restore', ''): {'restore': {
            'volume_id': id_or_null(None), 'name': nullable('n')}},
        ('POST', '/backups/import_record', ''): {'backup-record': {
            'backup_service': 'cinder.backup.drivers.backupd_posix',
            'backup_url': record}},
        ('PUT', '/os-quota-sets/{project_id}', ''): {'quota_set': {
            'volumes': Also(10, 'string'), 'skip_validation': Also(
                True, 'string'), 'id': 'demo', 'tenant_id': 'demo'}},
        ('PUT', '/os-quota-class-sets/{class_name}', ''): {
            'quota_class_set': {'volumes': Also(10, 'string'),
                                'id': 'default', 'class_name': 'default'}},
        ('POST', '/types', ''): {'volume_type': {
            'name': 'shapes-type', 'description': nullable('d'),
            'os-volume-type-access:is_public': flag(True),
            'is_public': flag(True),
            'extra_specs': {'spec': spec_value('v')}}},
        ('PUT', '/types/{type_id}', ''): {'volume_type': {
            'name': 'bodies-type', 'description': nullable('d'),
            'is_public': flag(True)}},
        ('POST', '/types/{type_id}/extra_specs', ''): {
            'extra_specs': {'spec': spec_value('v')}},
        ('PUT', '/types/{type_id}/extra_specs/{key}', ''): {
            KEY: spec_value('v')},
        ('POST', '/qos-specs', ''): {'qos_specs': {
            'name': 'shapes-qos', 'consumer': 'back-end',
            'spec': spec_value('v')}},
        ('PUT', '/qos-specs/{qos_id}', ''): {'qos_specs': {
            'consumer': 'both', 'spec': spec_value('v')}},
        ('PUT', '/qos-specs/{qos_id}/delete_keys', ''): {'keys': ['spec']},
        ('POST', '/group_types', ''): {'group_type': {
            'name': 'shapes-gtype', 'description': nullable('d'),
            'is_public': Also(True, 'string'), 'group_specs': {'spec': 'v'}}},
        ('PUT', '/group_types/{group_type_id}', ''): {'group_type': {
            'name': 'bodies-gtype', 'description': nullable('d'),
            'is_public': Also(True, 'string')}},
        ('POST', '/group_types/{group_type_id}/group_specs', ''): {
            'group_specs': {'spec': 'v'}},
        ('PUT', '/group_types/{group_type_id}/group_specs/{key}', ''): {
            KEY: 'v'},
        ('POST', '/groups', ''): {'group': {
            'name': nullable('n'), 'description': nullable('d'),
            'group_type': r['group_type_id'],
            'volume_types': [r['type_id']],
            'availability_zone': nullable('nova')}},
        ('PUT', '/groups/{group_id}', ''): {'group': {
            'name': nullable('n'), 'description': nullable('d'),
            'add_volumes': nullable(''), 'remove_volumes': nullable('')}},
        ('POST', '/group_snapshots', ''): {'group_snapshot': {
            'group_id': r['group_id'], 'name': nullable('n'),
            'description': nullable('d')}},
        # actions: {name: body}
        ('POST', '/groups/action', 'create-from-src'): {'create-from-src': {
            'name': nullable('n'), 'description': nullable('d'),
            'group_snapshot_id': nullable(r['group_snapshot_id']),
            'source_group_id': id_or_null(None)}},
        ('POST', '/groups/{group_id}/action', 'delete'): {
            'delete': nullable({'delete-volumes': flag(False)})},
        ('POST', '/groups/{group_id}/action', 'reset_status'): {
            'reset_status': nullable({'status': 'available'})},
        ('POST', '/group_snapshots/{group_snapshot_id}/action',
         'reset_status'): {'reset_status': nullable({'status': 'available'})},
        ('POST', '/backups/{backup_id}/action', 'os-force_delete'): {
            'os-force_delete': nullable({})},
        ('POST', '/backups/{backup_id}/action', 'os-reset_status'): {
            'os-reset_status': {'status': 'error'}},
        ('POST', '/volumes/{volume_id}/action', 'os-attach'): {'os-attach': {
            'instance_uuid': id_or_null(str(uuid.uuid4())),
            'mountpoint': '/dev/vdb', 'host_name': nullable('h'), 'mode': 'rw',
            'connector': nullable({})}},
        ('POST', '/volumes/{volume_id}/action', 'os-detach'): {
            'os-detach': nullable({'attachment_id': id_or_null(None)})},
        ('POST', '/volumes/{volume_id}/action', 'os-extend'): {
            'os-extend': {'new_size': Also(2, 'string')}},
        ('POST', '/volumes/{volume_id}/action', 'os-force_delete'): {
            'os-force_delete': nullable({})},
        ('POST', '/volumes/{volume_id}/action', 'os-reserve'): {
            'os-reserve': nullable({})},
        ('POST', '/volumes/{volume_id}/action', 'os-unreserve'): {
            'os-unreserve': nullable({})},
        ('POST', '/volumes/{volume_id}/action', 'os-reset_status'): {
            'os-reset_status': {'status': 'error',
                                'attach_status': nullable('detached'),
                                'migration_status': nullable('none')}},
        ('POST', '/volumes/{volume_id}/action', 'os-retype'): {'os-retype': {
            'new_type': 'bodies-type',
            'migration_policy': nullable('never')}},
        ('POST', '/volumes/{volume_id}/action', 'os-set_bootable'): {
            'os-set_bootable': {'bootable': flag(True)}},
        ('POST', '/volumes/{volume_id}/action', 'os-update_readonly_flag'): {
            'os-update_readonly_flag': {'readonly': flag(True)}},
        ('POST', '/snapshots/{snapshot_id}/action', 'os-force_delete'): {
            'os-force_delete': nullable({})},
        ('POST', '/snapshots/{snapshot_id}/action', 'os-reset_status'): {
            'os-reset_status': {'status': 'error'}},
        ('POST', '/snapshots/{snapshot_id}/action',
         'os-update_snapshot_status'): {'os-update_snapshot_status': {
             'status': 'error', 'progress': nullable('50%')}},
        ('POST', '/types/{type_id}/action', 'addProjectAccess'): {
            'addProjectAccess': {'project': 'other'}},
        ('POST', '/types/{type_id}/action', 'removeProjectAccess'): {
            'removeProjectAccess': {'project': 'other'}},
        ('POST', '/volumes/{volume_id}/metadata', ''): {
            'metadata': dict(METADATA)},
        ('PUT', '/volumes/{volume_id}/metadata', ''): {
            'metadata': dict(METADATA)},
        ('PUT', '/volumes/{volume_id}/metadata/{key}', ''): {
            'meta': {KEY: nullable('v')}},
    }
    for path in ('/volumes/{volume_id}/metadata',
                 '/volumes/{volume_id}/metadata/{key}'):
        for method in ('POST', 'PUT'):
            if (method, path, '') in bodies:
                bodies[(method, path.replace('volume', 'snapshot'), '')] = \
                    bodies[(method, path, '')]
    for prefix in ('/os-volume-transfer', '/volume-transfers'):
        bodies[('POST', prefix, '')] = {'transfer': {
            'volume_id': r['volume_id'], 'name': nullable('t'),
            'no_snapshots': flag(False)}}
        bodies[('POST', prefix + '/{transfer_id}/accept', '')] = {
            'accept': {'auth_key': r['auth_key']}}
    for action in service_actions.ACTIONS:
        bodies[('PUT', '/os-services/{action}', action)] = dict(
            {'host': r['host']}, **({} if action in ('freeze', 'thaw') else {
                'binary': 'cinder-volume',
                'disabled_reason': nullable('shapes')}))
    return bodies


def _routes():
    """(method, path, label) of every POST and PUT of the route table; an
    action route once per action, os-services once per {action}."""
    found = []
    for path, methods in router.ROUTES.items():
        for method in ('POST', 'PUT'):
            handler = methods.get(method)
            if handler is None:
                continue
            if path.endswith('/action'):
                labels = api_rows.actions_of(handler)
            elif path == '/os-services/{action}':
                labels = service_actions.ACTIONS
            else:
                labels = ['']
            found += [(method, path, label) for label in sorted(labels)]
    return found


ROUTES = _routes()


def test_every_post_and_put_has_a_body():
    rows = dict.fromkeys(('volume_id', 'snapshot_id', 'group_id',
                          'group_type_id', 'type_id', 'group_snapshot_id',
                          'auth_key', 'host'), 'x')
    assert set(ROUTES) == set(_bodies(rows))
    assert ('PUT', '/os-services/{action}', 'disable-log-reason') in ROUTES
    assert ('POST', '/groups/{group_id}/action', 'reset_status') in ROUTES


def test_the_bodies_cover_every_member():
    """The probe sends each member's wrong kinds and nothing else."""
    template = {'a': Also('x', 'null'), 'b': [{'c': 1.5}],
                'r': Record({'d': True})}
    sent = list(wrong_bodies(template))
    by_path = {}
    for path, body in sent:
        by_path.setdefault(path, []).append(body)
    assert set(by_path) == {(), ('a',), ('b',), ('b', 0), ('b', 0, 'c'),
                            ('r',), ('r', 'd')}
    assert len(by_path[()]) == len(WRONG) - 2       # two objects
    assert {json.dumps(b['a']) for b in by_path[('a',)]} == {
        json.dumps(v) for v in WRONG if v is not None and
        not isinstance(v, str)}
    assert {type(b['b'][0]['c']) for b in by_path[('b', 0, 'c')]} == {
        str, list, bool, type(None), dict}
    decoded = [json.loads(base64.b64decode(b['r']))
               for b in by_path[('r', 'd')]]
    assert [d['d'] for d in decoded] == [v for v in WRONG
                                         if not isinstance(v, bool)]


@pytest.fixture(scope='module')
def dep(api_finishing):
    return api_finishing


@pytest.fixture(scope='module')
def rows(dep):
    """The shared rows, a QoS spec, a transfer of a second volume (and its
    auth key), the API's host."""
    found = api_rows.make(dep)
    found['qos_id'] = api_rows.ok(dep.request(
        'POST', '/qos-specs', admin=True,
        json={'qos_specs': {'name': 'bodies-qos'}}))['qos_specs']['id']
    transfer = api_rows.ok(dep.request(
        'POST', '/os-volume-transfer', json={'transfer': {
            'volume_id': bs.create_volume(dep)}}))['transfer']
    found.update(transfer_id=transfer['id'], auth_key=transfer['auth_key'],
                 host=dep.host, project_id='demo', class_name='default',
                 key=KEY)
    dep.casts()
    return found


def _message(resp):
    body = resp.json()
    assert len(body) == 1, resp.text
    (error,) = body.values()
    assert error['code'] == resp.status_code, resp.text
    return error['message']


@pytest.mark.parametrize('method, path, label', ROUTES,
                         ids=['%s %s %s' % r for r in ROUTES])
def test_a_body_of_the_wrong_shape_is_a_4xx_naming_the_member(
        dep, rows, method, path, label):
    template = _bodies(rows)[(method, path, label)]
    url = path.format(action=label, **rows)
    before = api_rows.stored(dep.engine)
    failures = []
    for member, body in wrong_bodies(template):
        # the member a message names: its key, or the body's for a list
        # item; the whole body is "body"
        named = next((str(p) for p in reversed(member)
                      if isinstance(p, str)), 'body')
        for admin, version in CALLERS:
            resp = dep.request(method, url, admin=admin, json=body,
                               microversion=version)
            problem = None
            if not 400 <= resp.status_code < 500:
                problem = 'answered %d' % resp.status_code
            elif 'Traceback' in resp.text:
                problem = 'the answer shows a traceback'
            elif admin and version == NEWEST and resp.status_code != 400:
                problem = 'answered %d, not the body\'s 400' % (
                    resp.status_code)
            elif (version == NEWEST and resp.status_code == 400 and
                  named not in _message(resp)):
                problem = 'the message does not name %r' % named
            else:
                assert _message(resp), resp.text
            if problem:
                failures.append('%s as %s at %s: %s: %s' % (
                    json.dumps(body)[:300], 'admin' if admin else 'member',
                    version, problem, resp.text[:300]))
    assert not failures, '\n'.join(failures)
    assert dep.casts() == []
    assert api_rows.stored(dep.engine) == before
