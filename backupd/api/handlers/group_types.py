"""Group types (3.11): /group_types, /group_types/{id},
/group_types/{id}/group_specs[/{key}], as Cinder's. Admins create, update
and delete them and their group specs; everybody lists and shows the public
ones (a private one is 404 for non-admins); groups name one
(doc/rest_api_version_history.rst, "Groups and QoS specs").
"""
from backupd.api import common
from backupd.api import lookups
from backupd.api.schemas import parameter_types as types
from backupd.api import sort_keys
from backupd.api import wsgi
from backupd.db import group_types as types_db
from backupd.db import models
from backupd import exception
from backupd import names
from backupd import policies
from backupd.policies import group_types as policy

_SPECS = {'type': 'object', 'propertyNames': names.METADATA_KEY,
          'additionalProperties': {'type': 'string',
                                   'maxLength': names.MAX_CHARS,
                                   'format': names.TEXT_FORMAT}}
_FIELDS = {'name': dict(names.DISPLAY_NAME, type='string', minLength=1),
           'description': names.DESCRIPTION,
           'is_public': {'type': ['boolean', 'string']}}
CREATE = types.wrapped('group_type', dict(_FIELDS, group_specs=_SPECS),
                       required=['name'])
UPDATE = {'type': 'object', 'properties': {'group_type': {
    'type': 'object', 'properties': _FIELDS, 'minProperties': 1,
    'additionalProperties': False}},
    'required': ['group_type'], 'additionalProperties': False}
SPECS = {'type': 'object', 'properties': {'group_specs': _SPECS},
         'required': ['group_specs'], 'additionalProperties': False}


def _ctx(req, rule):
    if not wsgi.at_least(req, '3.11'):
        raise exception.NotFound(
            message='Group types need microversion 3.11 or later.')
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, rule, {})
    return ctx


def _views(ctx, rows):
    specs = types_db.specs_of(ctx, [row.id for row in rows])
    return [{'id': row.id, 'name': row.name, 'description': row.description,
             'is_public': row.is_public, 'group_specs': specs[row.id]}
            for row in rows]


def _get(ctx, type_id):
    if type_id == 'default':
        raise exception.NotFound(
            message='There is no default group type: name the group type '
                    'of a group (GET /group_types lists them).')
    return lookups.group_type(ctx, type_id)


def _items(req, ctx, rows, detailed):
    return _views(ctx, rows)      # the one list shows every field


def index(req):
    """Public types for members; an admin's ``is_public`` (true, false or
    none: every type, the default) picks. Sorted by name unless asked."""
    ctx = _ctx(req, policy.SHOW)
    is_public = True
    if ctx.is_admin:
        wanted = req.GET.get('is_public')
        is_public = (None if wanted is None or wanted.lower() == 'none'
                     else wsgi.bool_param(req, 'is_public'))
    filters = {} if is_public is None else {'is_public': is_public}
    return common.list_response(
        req, 'group_types', False, policy.SHOW, {}, sort_keys.GROUP_TYPES,
        common.table_rows(models.GroupType, filters, project_column=None),
        _items, summary_columns=None, default_sort=('name', 'asc'))


def show(req, group_type_id):
    ctx = _ctx(req, policy.SHOW)
    return wsgi.json_response(
        {'group_type': _views(ctx, [_get(ctx, group_type_id)])[0]})


def create(req):
    ctx = _ctx(req, policy.MANAGE)
    body = wsgi.extract_json(req, CREATE)['group_type']
    row = types_db.create(
        ctx, body['name'].strip(), body.get('description'),
        common.flag(body, 'is_public', 'group_type')
        if body.get('is_public') is not None else True,
        body.get('group_specs') or {})
    return wsgi.json_response({'group_type': _views(ctx, [row])[0]},
                              status=202)


def update(req, group_type_id):
    ctx = _ctx(req, policy.MANAGE)
    body = wsgi.extract_json(req, UPDATE)['group_type']
    values = {}
    if body.get('name') is not None:
        values['name'] = body['name'].strip()
    if 'description' in body:
        values['description'] = body['description']
    if body.get('is_public') is not None:
        values['is_public'] = common.flag(body, 'is_public', 'group_type')
    row = types_db.update(ctx, _get(ctx, group_type_id).id, values)
    return wsgi.json_response({'group_type': _views(ctx, [row])[0]})


def delete(req, group_type_id):
    ctx = _ctx(req, policy.MANAGE)
    types_db.destroy(ctx, _get(ctx, group_type_id).id)
    return wsgi.empty_response(202)


# --- group specs -----------------------------------------------------------

def _specs(ctx, type_id):
    return types_db.specs_of(ctx, [type_id])[type_id]


def specs_index(req, group_type_id):
    ctx = _ctx(req, policy.SPECS)
    row = _get(ctx, group_type_id)
    return wsgi.json_response({'group_specs': _specs(ctx, row.id)})


def specs_create(req, group_type_id):
    ctx = _ctx(req, policy.SPECS)
    specs = wsgi.extract_json(req, SPECS)['group_specs']
    types_db.set_specs(ctx, _get(ctx, group_type_id).id, specs)
    return wsgi.json_response({'group_specs': specs}, status=202)


def specs_show(req, group_type_id, key):
    ctx = _ctx(req, policy.SPECS)
    specs = _specs(ctx, _get(ctx, group_type_id).id)
    if key not in specs:
        raise exception.NotFound(
            message='Group type %s has no group spec %r.'
                    % (group_type_id, key))
    return wsgi.json_response({key: specs[key]})


def specs_update(req, group_type_id, key):
    ctx = _ctx(req, policy.SPECS)
    body = wsgi.extract_json(req, dict(_SPECS, minProperties=1,
                                       maxProperties=1))
    if list(body) != [key]:
        raise exception.InvalidInput(
            reason='the body must set exactly the key of the URL (%s), '
                   'e.g. {"%s": "value"}' % (key, key))
    types_db.set_specs(ctx, _get(ctx, group_type_id).id, body)
    return wsgi.json_response(body)


def specs_delete(req, group_type_id, key):
    ctx = _ctx(req, policy.SPECS)
    types_db.delete_spec(ctx, _get(ctx, group_type_id).id, key)
    return wsgi.empty_response(202)
