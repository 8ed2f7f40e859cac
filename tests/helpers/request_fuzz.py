"""Hostile and valid requests for every route of the router, generated from
the API's own request schemas (backupd/api/schemas) and list parameters
(each collection handler's FILTERS and SORT_KEYS).

``RequestFuzzer(rng, ids, marker).request()`` returns one ``FuzzRequest``:
a route and method of ROUTES, a persona, a path with ids from a pool (the
personas' real ids, unknown ids, hostile strings, bytes that are not
UTF-8), a query string and, for POST/PUT, a body. Bodies start as a value
valid for one of the route's schemas and are then, more often than not,
mutated: one node replaced by a hostile value (wrong type, integer beyond
64 bits, deep nesting, NUL, lone surrogate, path-like container names...),
or the raw bytes broken (invalid JSON, duplicate keys, not UTF-8, wrong
Content-Type, oversized). Every hostile string carries ``marker`` so a file
a request managed to create anywhere can be found by name.
"""
import collections
import json
import random
import string
import urllib.parse
import uuid

from backupd.api import group_status
from backupd.api.handlers import backups as backup_handlers
from backupd.api.handlers import group_snapshots
from backupd.api.handlers import group_types
from backupd.api.handlers import groups
from backupd.api.handlers import qos_specs
from backupd.api.handlers import service_actions
from backupd.api.handlers import transfers
from backupd.api.handlers import volume_types as type_handlers
from backupd.api.handlers import snapshots as snapshot_handlers
from backupd.api.handlers import volumes as volume_handlers
from backupd.api import microversions
from backupd.api import router
from backupd.api.schemas import backups as backup_schemas
from backupd.api.schemas import quotas as quota_schemas
from backupd.api.schemas import snapshots as snapshot_schemas
from backupd.api.schemas import volume_types as type_schemas
from backupd.api.schemas import volumes as volume_schemas

_V = '/volumes/{volume_id}'
_S = '/snapshots/{snapshot_id}'
_B = '/backups/{backup_id}'



def _action(name, body):
    """The body of an action ``name`` of an action route."""
    return {'type': 'object', 'properties': {name: body},
            'required': [name], 'additionalProperties': False}


# The request schemas of every route that takes a body (POST and PUT); the
# handlers' own schemas where they keep them.
BODY_SCHEMAS = {
    ('/volumes', 'POST'): [volume_schemas.CREATE],
    (_V, 'PUT'): [volume_schemas.UPDATE],
    (_V + '/action', 'POST'): [
        volume_schemas.ATTACH, volume_schemas.DETACH, volume_schemas.EXTEND,
        volume_schemas.RESET_STATUS, volume_schemas.FORCE_DELETE],
    (_V + '/metadata', 'POST'): [volume_schemas.METADATA],
    (_V + '/metadata', 'PUT'): [volume_schemas.METADATA],
    (_V + '/metadata/{key}', 'PUT'): [volume_schemas.META],
    ('/snapshots', 'POST'): [snapshot_schemas.CREATE],
    (_S, 'PUT'): [snapshot_schemas.UPDATE],
    (_S + '/action', 'POST'): [snapshot_schemas.RESET_STATUS,
                               snapshot_schemas.FORCE_DELETE],
    ('/backups', 'POST'): [backup_schemas.CREATE_V351],
    (_B, 'PUT'): [backup_schemas.UPDATE_V343],
    (_B + '/restore', 'POST'): [backup_schemas.RESTORE],
    (_B + '/action', 'POST'): [backup_schemas.FORCE_DELETE,
                               backup_schemas.RESET_STATUS],
    ('/backups/import_record', 'POST'): [backup_schemas.IMPORT],
    ('/os-quota-sets/{project_id}', 'PUT'): [quota_schemas.QUOTA_SET],
    ('/os-quota-class-sets/{class_name}', 'PUT'): [
        quota_schemas.QUOTA_CLASS_SET],
    ('/types', 'POST'): [type_schemas.CREATE],
    ('/types/{type_id}', 'PUT'): [type_schemas.UPDATE],
    ('/types/{type_id}/extra_specs', 'POST'): [
        type_schemas.SET_EXTRA_SPECS],
    ('/types/{type_id}/extra_specs/{key}', 'PUT'): [
        type_schemas.UPDATE_EXTRA_SPEC],
    ('/types/{type_id}/action', 'POST'): [
        _action(name, type_handlers.ACCESS_BODY)
        for name in type_handlers.ACTIONS],
    ('/os-services/{action}', 'PUT'): [
        service_actions._HOST_BINARY, service_actions._HOST],
    (_S + '/metadata', 'POST'): [volume_schemas.METADATA],
    (_S + '/metadata', 'PUT'): [volume_schemas.METADATA],
    (_S + '/metadata/{key}', 'PUT'): [volume_schemas.META],
    ('/qos-specs', 'POST'): [qos_specs.CREATE],
    ('/qos-specs/{qos_id}', 'PUT'): [qos_specs.UPDATE],
    ('/qos-specs/{qos_id}/delete_keys', 'PUT'): [qos_specs.DELETE_KEYS],
    ('/group_types', 'POST'): [group_types.CREATE],
    ('/group_types/{group_type_id}', 'PUT'): [group_types.UPDATE],
    ('/group_types/{group_type_id}/group_specs', 'POST'): [
        group_types.SPECS],
    ('/group_types/{group_type_id}/group_specs/{key}', 'PUT'): [
        group_types._SPECS],
    ('/groups', 'POST'): [groups.CREATE],
    ('/groups/action', 'POST'): [groups.FROM_SOURCE],
    ('/groups/{group_id}', 'PUT'): [groups.UPDATE],
    ('/groups/{group_id}/action', 'POST'): [
        groups.DELETE, group_status.RESET_STATUS],
    ('/group_snapshots', 'POST'): [group_snapshots.CREATE],
    ('/group_snapshots/{group_snapshot_id}/action', 'POST'): [
        group_status.RESET_STATUS],
}
for _prefix in ('/os-volume-transfer', '/volume-transfers'):
    BODY_SCHEMAS[(_prefix, 'POST')] = [transfers.CREATE]
    BODY_SCHEMAS[(_prefix + '/{transfer_id}/accept', 'POST')] = [
        transfers.ACCEPT]

# Query parameters per collection, from the handlers' own tables.
_LIST = ('limit', 'offset', 'marker', 'sort', 'sort_key', 'sort_dir',
         'all_tenants', 'with_count', 'project_id')
QUERY_PARAMS = {
    'volumes': tuple(volume_handlers.FILTERS) + _LIST,
    'snapshots': tuple(snapshot_handlers.FILTERS) + _LIST,
    'backups': tuple(backup_handlers.FILTERS) + _LIST,
    'os-services': ('host', 'binary'),
    'scheduler-stats': ('detail', 'name', 'volume_type'),
}
SORT_KEYS = sorted(set(volume_handlers.SORT_KEYS)
                   | set(backup_handlers.SORT_KEYS))
DELETE_PARAMS = ('force', 'cascade')
FLAG_KEYS = ('force', 'incremental', 'multiattach', 'is_public',
             'os-volume-type-access:is_public', 'skip_validation')
# Resources a quota set names (besides per-type ones).
QUOTA_KEYS = ('volumes', 'snapshots', 'gigabytes', 'backups',
              'backup_gigabytes', 'per_volume_gigabytes', 'groups')
# Body fields that name things (containers become storage paths): valid
# bodies carry a hostile string there often, since schemas may accept it.
NAME_KEYS = ('container', 'name', 'description', 'display_name',
             'display_description', 'availability_zone', 'mountpoint',
             'host_name', 'backup_service', 'volume_type')

FuzzRequest = collections.namedtuple(
    'FuzzRequest', 'route method persona path body headers')

PERSONAS = ('admin', 'owner', 'other')
PATH_PARAMS = ('volume_id', 'snapshot_id', 'backup_id', 'key', 'project_id',
               'class_name', 'type_id')


def routes():
    """Every (path, method) of the router."""
    return [(path, method) for path, methods in router.ROUTES.items()
            for method in methods]


class RequestFuzzer:
    """``ids`` maps a path parameter (volume_id...) to real ids to use."""

    def __init__(self, rng, ids, marker):
        self.rng = rng
        self.ids = ids
        self.marker = marker
        self.routes = routes()
        m = marker
        self.hostile_strings = [
            '', ' ', '.', '..', '../..', '/', '//', 'a//x', 'x/..',
            '../' + m, '../../' + m, '../../../../../../tmp/' + m,
            '/tmp/' + m, '/etc/' + m, m + '/..', m + '/../../' + m,
            m + '\x00x', m + '\n' + m, m + '\r', '\x00', '\ud800' + m,
            m + '\u2028', '%2e%2e', '%ff' + m, m * 20, m + 'x' * 255,
            m + 'x' * 300, 'é' * 130 + m, '😀' * 70 + m, 'x' * 5000,
            'c/backup_' + str(uuid.uuid4()), '${HOME}', '$(id)', "'; --",
            '*', '?', '%s%n', '\\', 'C:\\' + m, 'null', 'true', '0',
            '-1', '1e999', '\u202e' + m, '\ufeff' + m]
        self.hostile_values = self.hostile_strings + [
            None, True, False, 0, -1, 1, 2 ** 31, 2 ** 63 - 1, 2 ** 63,
            2 ** 64, -2 ** 63 - 1, 10 ** 30, 1.5, -0.0, 1e308, [], {}, [m],
            {m: m}, {'': m}, _nested(40), _nested(33), _nested(31)]

    # --- one request ---------------------------------------------------------
    def request(self):
        rng = self.rng
        path_template, method = rng.choice(self.routes)
        persona = rng.choice(PERSONAS)
        path = self._path(path_template)
        query = self._query(path_template, method)
        headers = {'Content-Type': 'application/json'}
        if rng.random() < 0.6:
            headers['OpenStack-API-Version'] = self._microversion()
        body = None
        if method in ('POST', 'PUT'):
            body, content_type = self._body(path_template, method)
            if content_type is None:
                del headers['Content-Type']
            else:
                headers['Content-Type'] = content_type
        elif rng.random() < 0.05:   # a body where none is expected
            body = json.dumps({'x': self.marker}).encode()
        if rng.random() < 0.03:   # a method no route has
            method = rng.choice(['PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'FOO'])
        return FuzzRequest(path_template, method, persona,
                           path + ('?' + query if query else ''), body,
                           headers)

    def prefix(self, project):
        """The URL prefix: /v3/{project} mostly, also /v2/{project},
        /v3 without a project, and another project's."""
        return self.rng.choice(['/v3/%s' % project] * 14 + [
            '/v2/%s' % project, '/v3', '/v3/other-project', '/v4/%s' % project,
            '/v3/%s/%s' % (project, project)])

    # --- path ----------------------------------------------------------------
    def _path(self, template):
        path = template
        for name in PATH_PARAMS:
            placeholder = '{%s}' % name
            if placeholder in path:
                path = path.replace(placeholder, self._path_value(name))
        return path

    def _path_value(self, name):
        rng = self.rng
        roll = rng.random()
        if roll < 0.6 and self.ids.get(name):
            return urllib.parse.quote(rng.choice(self.ids[name]), safe='')
        if roll < 0.7:
            return str(uuid.uuid4())
        if roll < 0.8:   # raw bytes: not UTF-8, NUL, encoded slashes
            return rng.choice(['%ff', '%c3%28', '%00', '%2F..%2F',
                               '%ed%a0%80', '..', '.', '%2e%2e', '%0a'])
        return urllib.parse.quote(self._hostile_string(), safe='',
                                  errors='surrogatepass')

    # --- query ---------------------------------------------------------------
    def _query(self, template, method):
        rng = self.rng
        collection = template.strip('/').split('/')[0]
        if method == 'DELETE':
            names = DELETE_PARAMS
        elif method == 'GET':
            names = QUERY_PARAMS.get(collection, ())
        else:
            names = ()
        if not names or rng.random() < 0.3:
            return ''
        pairs = []
        for _ in range(rng.randint(1, 4)):
            name = rng.choice(names + ('junk',))
            pairs.append('%s=%s' % (urllib.parse.quote(name),
                                    self._query_value(name)))
        if rng.random() < 0.1:
            pairs.append(rng.choice(['%ff=1', 'a=%ff', 'a=%00', '=', '&&',
                                     'limit=%EF%BC%91', 'sort=%ff:asc']))
        return '&'.join(pairs)

    def _query_value(self, name):
        rng = self.rng
        if rng.random() < 0.4:
            value = self._hostile_string()
        elif name in ('limit', 'offset'):
            value = str(rng.choice([0, 1, 2, 5, 1000, 2 ** 63 - 1, 2 ** 63,
                                    10 ** 25, -1]))
        elif name == 'marker':
            value = rng.choice(sum(self.ids.values(), []) or ['x'])
        elif name in ('sort_key', 'sort'):
            value = ','.join(
                '%s:%s' % (rng.choice(SORT_KEYS + ['colour', '']),
                           rng.choice(['asc', 'desc', 'up', '']))
                for _ in range(rng.randint(1, 3)))
        elif name == 'sort_dir':
            value = rng.choice(['asc', 'desc', 'ASC', 'sideways', ''])
        elif name in ('all_tenants', 'with_count', 'detail', 'force',
                      'cascade'):
            value = rng.choice(['1', 'true', 'True', 'False', '0', 'maybe'])
        elif name == 'metadata':
            value = rng.choice(['{"k": "v"}', "{'k': 'v'}", '{', '[1]',
                                '{"k": {"n": [1, 2]}}', '[' * 50,
                                '(' * 50, '{"k": ' * 40, '9' * 5000])
        else:
            value = self._string()
        return urllib.parse.quote(value, safe='', errors='surrogatepass')

    # --- headers -------------------------------------------------------------
    def _microversion(self):
        rng = self.rng
        versions = [v for v, _ in microversions.VERSIONS]
        if rng.random() < 0.7:
            return 'volume %s' % rng.choice(versions + ['latest'])
        return rng.choice([
            'volume %s' % rng.choice(versions), 'volume latest',
            'volume 3.1000', 'volume 4.0', 'volume 3.', 'volume .',
            'volume 3.9' + '9' * 30, 'compute 2.1', 'volume', '',
            'volume 3.0, volume 3.64', 'volume 3.-1', 'volume ٣.٣',
            'volume 3.' + '9' * 5000])

    # --- bodies --------------------------------------------------------------
    def _body(self, template, method):
        """(raw body bytes, Content-Type or None)."""
        rng = self.rng
        schema = rng.choice(BODY_SCHEMAS[(template, method)])
        value = self.valid(schema)
        roll = rng.random()
        if roll < 0.45:
            value = self._mutate(value)
        raw = json.dumps(value, ensure_ascii=rng.random() < 0.5)
        content_type = 'application/json'
        if roll > 0.9:
            return self._broken_raw(raw)
        return raw.encode('utf-8', 'surrogatepass'), content_type

    def _broken_raw(self, raw):
        rng = self.rng
        choice = rng.randrange(9)
        if choice == 0:
            return raw[:-1].encode('utf-8', 'surrogatepass'), \
                'application/json'
        if choice == 1:   # duplicate key at the top
            return ('{"a": 1, "a": 2, ' + raw[1:]).encode(
                'utf-8', 'surrogatepass'), 'application/json'
        if choice == 2:
            return b'\xff\xfe' + raw.encode('utf-16-le', 'surrogatepass'), \
                'application/json'
        if choice == 3:
            return raw.encode('utf-8', 'surrogatepass'), rng.choice(
                ['text/plain', 'application/x-www-form-urlencoded',
                 'application/xml', 'multipart/form-data; boundary=x'])
        if choice == 4:
            return raw.encode('utf-8', 'surrogatepass'), None
        if choice == 5:
            return b'', 'application/json'
        if choice == 6:
            return rng.choice([b'null', b'[]', b'"x"', b'1', b'true',
                               b'NaN', b'{}']), 'application/json'
        if choice == 7:   # larger than max_request_body_size
            return (b'{"x": "' + b'y' * 120000 + b'"}'), 'application/json'
        return b'{"x": ' * 2000 + b'1' + b'}' * 2000, 'application/json'

    def valid(self, schema, key=None):
        """A value the schema accepts (most of the time: formats and
        patterns are approximated)."""
        rng = self.rng
        if 'enum' in schema:
            return rng.choice(schema['enum'])
        types = schema.get('type', 'object')
        kind = rng.choice(types) if isinstance(types, list) else types
        if kind == 'object':
            result = {}
            props = schema.get('properties', {})
            required = set(schema.get('required', ()))
            for name, sub in props.items():
                if name in required or rng.random() < 0.35:
                    result[name] = self.valid(sub, name)
            extra = schema.get('additionalProperties')
            if isinstance(extra, dict):   # quota limits, extra specs
                low = max(schema.get('minProperties', 0), 1)
                for _ in range(rng.randint(low, max(low, min(
                        schema.get('maxProperties', 3), 3)))):
                    result[rng.choice(QUOTA_KEYS + ('spec:%s' % self._string(
                        1, 8),))] = self.valid(extra)
            if 'patternProperties' in schema:
                (sub,) = schema['patternProperties'].values()
                low = schema.get('minProperties', 0)
                high = schema.get('maxProperties', 3)
                for _ in range(rng.randint(low, max(low, min(high, 3)))):
                    result[self._string(1, 20)] = self.valid(sub)
            return result
        if kind == 'string':
            if key in FLAG_KEYS:
                return rng.choice(['true', 'False', '1', 'no'])
            if key == 'availability_zone' and rng.random() < 0.8:
                return 'nova'
            if key in NAME_KEYS and rng.random() < 0.4:
                return self._hostile_string()
            if key and key.endswith('_id') or key == 'volume_id':
                pool = self.ids.get(key if key in self.ids else 'volume_id')
                if pool and rng.random() < 0.8:
                    return rng.choice(pool)
            if schema.get('pattern') in ('^[0-9]+$', '^-?[0-9]+$'):
                return str(rng.randint(-1, 30))
            return self._string(schema.get('minLength', 0),
                                min(schema.get('maxLength', 30), 30))
        if kind == 'integer':
            return rng.randint(max(schema.get('minimum', 0), 1), 30)
        if kind == 'number':
            return rng.random() * 10
        if kind == 'boolean':
            return rng.random() < 0.5
        if kind == 'null':
            return None
        if kind == 'array':
            return []
        return None

    def _mutate(self, value):
        """``value`` with one node (possibly the root) replaced."""
        rng = self.rng
        if not isinstance(value, dict) or not value or rng.random() < 0.1:
            return rng.choice(self.hostile_values)
        key = rng.choice(list(value))
        if rng.random() < 0.15:   # an extra key
            value[self._hostile_string()] = rng.choice(self.hostile_values)
            return value
        value[key] = self._mutate(value[key])
        return value

    # --- strings -------------------------------------------------------------
    def _string(self, low=0, high=30):
        rng = self.rng
        alphabet = string.ascii_letters + string.digits + '-_. é😀'
        return ''.join(rng.choice(alphabet)
                       for _ in range(rng.randint(low, max(low, high))))

    def _hostile_string(self):
        return self.rng.choice(self.hostile_strings)


def _nested(depth):
    value = 1
    for _ in range(depth):
        value = [value]
    return value


def new_rng(seed):
    return random.Random(seed)
