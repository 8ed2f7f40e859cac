"""QoS specs (admin): /qos-specs and /qos-specs/{id}[/delete_keys,
/associations, /associate, /disassociate, /disassociate_all], as Cinder's
generic implementation: named keys with a consumer (``back-end``,
``front-end`` or ``both``), associated with volume types (a type's
``qos_specs_id``). backupd stores and shows them; nothing in backupd
applies them (its volumes are local; a front-end consumer is the
hypervisor's).
"""
from backupd.api import common
from backupd.api import sort_keys
from backupd.api import urls
from backupd.api import wsgi
from backupd.db import models
from backupd.db import qos_specs as qos_db
from backupd import exception
from backupd import names
from backupd import policies
from backupd.policies import qos_specs as policy

CONSUMERS = ('back-end', 'front-end', 'both')
_VALUE = {'type': ['string', 'integer', 'number', 'boolean'],
          'maxLength': names.MAX_CHARS}
_KEYS = {'type': 'object', 'propertyNames': names.METADATA_KEY,
         'additionalProperties': _VALUE}
CREATE = {'type': 'object', 'properties': {'qos_specs': dict(
    _KEYS, properties={'name': dict(names.DISPLAY_NAME, type='string',
                                    minLength=1),
                       'consumer': {'type': 'string', 'enum': list(CONSUMERS)}},
    required=['name'])}, 'required': ['qos_specs'],
    'additionalProperties': False}
UPDATE = {'type': 'object', 'properties': {'qos_specs': dict(
    _KEYS, properties={'consumer': {'type': 'string',
                                    'enum': list(CONSUMERS)}},
    minProperties=1)}, 'required': ['qos_specs'],
    'additionalProperties': False}
DELETE_KEYS = {'type': 'object', 'properties': {'keys': {
    'type': 'array', 'minItems': 1, 'items': names.METADATA_KEY}},
    'required': ['keys'], 'additionalProperties': False}


def _strings(values):
    return {k: v if isinstance(v, str) else str(v)
            for k, v in values.items()}


def _view(row, keys):
    return {'id': row.id, 'name': row.name, 'consumer': row.consumer,
            'specs': keys}


def _one(req, ctx, row):
    return wsgi.json_response({
        'qos_specs': _view(row, qos_db.keys_of(ctx, [row.id])[row.id]),
        'links': urls.links(req, 'qos-specs', row.id)})


def _authorized(req, rule):
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, rule, {})
    return ctx


def _items(req, ctx, rows, detailed):
    keys = qos_db.keys_of(ctx, [row.id for row in rows])
    return [_view(row, keys[row.id]) for row in rows]


# QoS specs belong to no project; a list shows every field
index = common.list_routes(
    'qos_specs', policy.GET_ALL, {}, sort_keys.QOS_SPECS,
    common.table_rows(models.QosSpecs, project_column=None), _items,
    summary_columns=None, default_sort=('name', 'asc'), path='qos-specs')[0]


def show(req, qos_id):
    ctx = _authorized(req, policy.GET)
    return _one(req, ctx, qos_db.get(ctx, qos_id))


def create(req):
    ctx = _authorized(req, policy.CREATE)
    body = dict(wsgi.extract_json(req, CREATE)['qos_specs'])
    name = body.pop('name').strip()
    consumer = body.pop('consumer', 'back-end')
    row = qos_db.create(ctx, name, consumer, _strings(body))
    return _one(req, ctx, row)


def update(req, qos_id):
    ctx = _authorized(req, policy.UPDATE)
    body = dict(wsgi.extract_json(req, UPDATE)['qos_specs'])
    row = qos_db.get(ctx, qos_id)
    consumer = body.pop('consumer', None)
    keys = _strings(body)
    qos_db.update(ctx, row.id, consumer, keys)
    shown = dict(keys)
    if consumer is not None:
        shown['consumer'] = consumer
    return wsgi.json_response({'qos_specs': shown})


def delete(req, qos_id):
    ctx = _authorized(req, policy.DELETE)
    qos_db.destroy(ctx, qos_id, force=wsgi.bool_param(req, 'force'))
    return wsgi.empty_response(202)


def delete_keys(req, qos_id):
    ctx = _authorized(req, policy.UPDATE)
    keys = wsgi.extract_json(req, DELETE_KEYS)['keys']
    qos_db.delete_keys(ctx, qos_db.get(ctx, qos_id).id, keys)
    return wsgi.empty_response(202)


def associations(req, qos_id):
    ctx = _authorized(req, policy.GET)
    return wsgi.json_response({'qos_associations': [
        {'association_type': 'volume_type', 'id': t.id, 'name': t.name}
        for t in qos_db.associated_types(ctx, qos_db.get(ctx, qos_id).id)]})


def _type_id(req, action):
    type_id = req.GET.get('vol_type_id')
    if not type_id:
        raise exception.InvalidInput(
            reason='%s needs ?vol_type_id=<volume type id>.' % action)
    return type_id


def associate(req, qos_id):
    ctx = _authorized(req, policy.UPDATE)
    qos_db.associate(ctx, qos_id, _type_id(req, 'associate'))
    return wsgi.empty_response(202)


def disassociate(req, qos_id):
    ctx = _authorized(req, policy.UPDATE)
    qos_db.disassociate(ctx, qos_id, _type_id(req, 'disassociate'))
    return wsgi.empty_response(202)


def disassociate_all(req, qos_id):
    ctx = _authorized(req, policy.UPDATE)
    qos_db.disassociate(ctx, qos_id)
    return wsgi.empty_response(202)
