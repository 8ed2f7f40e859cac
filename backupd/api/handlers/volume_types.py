"""/types, /types/{id} and /types/{id}/extra_specs[/{key}], as Cinder's.

A type's view: ``id``, ``name``, ``description``, ``is_public``,
``os-volume-type-access:is_public``, ``qos_specs_id`` (its QoS specs)
and ``extra_specs`` (all of them for admins, the user-visible ones for
others); as in Cinder, a create answers without ``qos_specs_id`` and an
update without it and ``os-volume-type-access:is_public`` (VIEW_KEYS). ``/types/default`` is the default type. Non-admins see public
types and the private ones shared with their project (type access:
``/types/{id}/action`` addProjectAccess/removeProjectAccess,
``/types/{id}/os-volume-type-access``); any other private one is 404 for
them, as in Cinder.
"""
from backupd.api import common
from backupd.api.schemas import volume_types as schemas
from backupd.api import volume_type_choice
from backupd.api import wsgi
from backupd.db import type_access
from backupd.db import volume_types as types_db
from backupd import exception
from backupd import policies
from backupd.policies import volume_types as policy

# Extra specs every user may see (Cinder's user-visible ones).
USER_VISIBLE_SPECS = ('RESKEY:availability_zones', 'multiattach',
                      'replication_enabled')


def index(req):
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.GET_ALL)
    is_public = None
    if ctx.is_admin and 'is_public' in req.GET and \
            req.GET['is_public'].lower() != 'none':
        is_public = wsgi.bool_param(req, 'is_public')
    rows = types_db.get_all(
        ctx, public_only=not ctx.is_admin, is_public=is_public,
        shared_ids=() if ctx.is_admin else type_access.shared_with(
            ctx, ctx.project_id))
    return wsgi.json_response({'volume_types': _views(ctx, rows)})


def show(req, type_id):
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.GET)
    return wsgi.json_response({'volume_type': _views(ctx, [_get(ctx, type_id)])[0]})


def create(req):
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.CREATE)
    body = wsgi.extract_json(req, schemas.CREATE)['volume_type']
    is_public = body.get('os-volume-type-access:is_public',
                         body.get('is_public'))
    row = types_db.create(
        ctx, body['name'].strip(), body.get('description'),
        True if is_public is None else common.flag(
            {'is_public': is_public}, 'is_public', 'volume_type'),
        _strings(body.get('extra_specs') or {}))
    return wsgi.json_response(
        {'volume_type': _views(ctx, [row], 'create')[0]})


def update(req, type_id):
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.UPDATE)
    body = wsgi.extract_json(req, schemas.UPDATE)['volume_type']
    row = _get(ctx, type_id)
    values = {}
    if body.get('name') is not None:
        if row.name == volume_type_choice.default(ctx).name and \
                body['name'] != row.name:
            raise exception.InvalidInput(
                reason='Volume type %s is the default type '
                       '(default_volume_type); it cannot be renamed.'
                       % row.name)
        values['name'] = body['name'].strip()
    if 'description' in body:
        values['description'] = body['description']
    if body.get('is_public') is not None:
        values['is_public'] = common.flag(body, 'is_public', 'volume_type')
    if not values:
        raise exception.InvalidInput(
            reason='volume_type: give at least one of name, description, '
                   'is_public')
    row = types_db.update(ctx, row.id, values)
    return wsgi.json_response(
        {'volume_type': _views(ctx, [row], 'update')[0]})


def delete(req, type_id):
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.DELETE)
    row = _get(ctx, type_id)
    if row.id == volume_type_choice.default(ctx).id:
        raise exception.InvalidInput(
            reason='Volume type %s (%s) is the default type '
                   '(default_volume_type); it cannot be deleted.'
                   % (row.name, row.id))
    types_db.destroy(ctx, row.id)
    return wsgi.empty_response(202)


# --- extra specs -----------------------------------------------------------

def specs_index(req, type_id):
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.SPECS_INDEX)
    row = _get(ctx, type_id)
    return wsgi.json_response({'extra_specs': _visible_specs(
        ctx, types_db.specs_of(ctx, [row.id])[row.id])})


def specs_create(req, type_id):
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.SPECS_CREATE)
    specs = _strings(wsgi.extract_json(req, schemas.SET_EXTRA_SPECS)
                     ['extra_specs'])
    row = _get(ctx, type_id)
    types_db.set_specs(ctx, row.id, specs)
    return wsgi.json_response({'extra_specs': specs})


def specs_show(req, type_id, key):
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.SPECS_SHOW)
    row = _get(ctx, type_id)
    specs = _visible_specs(ctx, types_db.specs_of(ctx, [row.id])[row.id])
    if key not in specs:
        raise exception.VolumeTypeExtraSpecNotFound(volume_type_id=row.id,
                                                    key=key)
    return wsgi.json_response({key: specs[key]})


def specs_update(req, type_id, key):
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.SPECS_UPDATE)
    body = _strings(wsgi.extract_json(req, schemas.UPDATE_EXTRA_SPEC))
    if key not in body:
        raise exception.InvalidInput(
            reason='the body\'s key (%s) must be the one in the URL (%s)'
                   % (', '.join(body), key))
    row = _get(ctx, type_id)
    types_db.set_specs(ctx, row.id, body)
    return wsgi.json_response(body)


def specs_delete(req, type_id, key):
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.SPECS_DELETE)
    types_db.delete_spec(ctx, _get(ctx, type_id).id, key)
    return wsgi.empty_response(202)


# --- helpers ---------------------------------------------------------------

def _get(ctx, type_id):
    """The type by id (or 'default'); private ones are 404 for non-admins."""
    row = (volume_type_choice.default(ctx) if type_id == 'default'
           else types_db.get(ctx, type_id))
    if not type_access.may_use(ctx, row):
        raise exception.VolumeTypeNotFound(volume_type_id=type_id)
    return row


def _strings(specs):
    """Extra spec values as the strings Cinder stores ("True", "10")."""
    return {k: v if isinstance(v, str) else str(v) for k, v in specs.items()}


def _visible_specs(ctx, specs):
    if common.allowed(ctx, policy.ACCESS_EXTRA_SPECS, {}):
        return specs
    return {k: v for k, v in specs.items() if k in USER_VISIBLE_SPECS}


# The keys of each call's answer (Tempest's volume_types schemas forbid
# any other; tests/helpers/tempest_schemas.py).
_SHOW_KEYS = ('id', 'name', 'description', 'is_public',
              'os-volume-type-access:is_public', 'qos_specs_id',
              'extra_specs')
VIEW_KEYS = {
    'show': _SHOW_KEYS,
    'create': tuple(k for k in _SHOW_KEYS if k != 'qos_specs_id'),
    'update': tuple(k for k in _SHOW_KEYS if k not in (
        'qos_specs_id', 'os-volume-type-access:is_public')),
}


def _views(ctx, rows, call='show'):
    specs = types_db.specs_of(ctx, [row.id for row in rows])
    keys = VIEW_KEYS[call]
    views = []
    for row in rows:
        view = {'id': row.id, 'name': row.name,
                'description': row.description,
                'is_public': row.is_public,
                'os-volume-type-access:is_public': row.is_public,
                'qos_specs_id': row.qos_specs_id,
                'extra_specs': _visible_specs(ctx, specs[row.id])}
        views.append({k: view[k] for k in keys})
    return views


# --- access lists of private types ----------------------------------------

ACCESS_BODY = {'type': 'object', 'properties': {'project': {
    'type': 'string', 'minLength': 1, 'maxLength': 255}},
    'required': ['project'], 'additionalProperties': False}


def access_index(req, type_id):
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.ACCESS_LIST)
    row = _get(ctx, type_id)
    if row.is_public:
        raise exception.InvalidInput(
            reason='Volume type %s is public: every project has access; '
                   'access lists are for private types.' % row.id)
    return wsgi.json_response({'volume_type_access': [
        {'volume_type_id': row.id, 'project_id': project}
        for project in type_access.projects_of(ctx, row.id)]})


def _private(ctx, type_id, action):
    row = _get(ctx, type_id)
    if row.is_public:
        raise exception.InvalidInput(
            reason='Volume type %s is public; %s applies to private types '
                   'only.' % (row.id, action))
    return row


def _access_action(name, rule, change):
    """The handler of action ``name`` ({name: {"project": ...}}): policy
    ``rule``, then ``change(ctx, type_id, project)`` of a private type."""
    def act(req, ctx, type_id):
        policies.authorize(ctx, rule)
        project = wsgi.extract_json(req, {
            'type': 'object', 'properties': {name: ACCESS_BODY},
            'required': [name], 'additionalProperties': False}
        )[name]['project']
        change(ctx, _private(ctx, type_id, name).id, project)
    return act


ACTIONS = {
    'addProjectAccess': _access_action(
        'addProjectAccess', policy.ADD_ACCESS, type_access.add),
    'removeProjectAccess': _access_action(
        'removeProjectAccess', policy.REMOVE_ACCESS, type_access.remove),
}
