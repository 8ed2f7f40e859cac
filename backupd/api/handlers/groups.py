"""Groups (3.13; from a source 3.14; reset_status 3.20), Cinder's generic
implementation: bookkeeping over per-volume operations.

A group has a group type and the volume types its volumes may have. It is
``available`` once created; volumes join at create (``group_id``) or by
update (``add_volumes``/``remove_volumes``). Deleting a group with
``delete-volumes`` deletes each volume; its status then follows them
(backupd.api.group_status). A group from a group snapshot or another group
is a volume from each snapshot or volume (backupd.api.volume_ops), and
``available`` once they all are.
"""
import uuid

from oslo_config import cfg

from backupd.api import common
from backupd.api import group_status
from backupd.api import lookups
from backupd.api.schemas import parameter_types as types
from backupd.api import sort_keys
from backupd.api import volume_ops
from backupd.api import wsgi
from backupd.db import api as db
from backupd.db import groups as groups_db
from backupd.db import models
from backupd.db import quotas as quotas_db
from backupd import exception
from backupd.manager import states
from backupd import names
from backupd import policies
from backupd.policies import groups as policy
from backupd import quota

V = states.Volume
GS = group_status
_ID_LIST = {'type': ['string', 'null'], 'maxLength': 65535}
CREATE = types.wrapped('group', {
    'name': names.DISPLAY_NAME, 'description': names.DESCRIPTION,
    'group_type': {'type': 'string', 'minLength': 1, 'maxLength': 255},
    'volume_types': {'type': 'array', 'minItems': 1,
                     'items': {'type': 'string', 'maxLength': 255}},
    'availability_zone': {'type': ['string', 'null'], 'maxLength': 255},
}, required=['group_type', 'volume_types'])
UPDATE = types.wrapped('group', {
    'name': names.DISPLAY_NAME, 'description': names.DESCRIPTION,
    'add_volumes': _ID_LIST, 'remove_volumes': _ID_LIST,
})
# {"delete": null} and {"delete": {}} keep the group's volumes
DELETE = types.action('delete', types.closed({'delete-volumes': types.BOOL}),
                      nullable=True)
FROM_SOURCE = types.wrapped('create-from-src', {
    'name': names.DISPLAY_NAME, 'description': names.DESCRIPTION,
    'group_snapshot_id': types.NULLABLE_UUID,
    'source_group_id': types.NULLABLE_UUID,
})


def _require(req, version='3.13'):
    if not wsgi.at_least(req, version):
        raise exception.NotFound(
            message='This group call needs microversion %s or later.'
                    % version)


def _ctx(req, rule, version='3.13'):
    _require(req, version)
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, rule)
    return ctx


def get(ctx, group_id, follow=True):
    return lookups.group(ctx, group_id, follow)


def _volume_types_of(ctx, group_ids):
    return groups_db.volume_types_of(ctx, group_ids)


def _view(req, ctx, row, types, volumes=None):
    view = {'id': row.id, 'name': row.display_name,
            'description': row.display_description, 'status': row.status,
            'availability_zone': row.availability_zone,
            'created_at': row.created_at, 'group_type': row.group_type_id,
            'volume_types': types}
    if wsgi.at_least(req, '3.14'):
        view.update(group_snapshot_id=row.group_snapshot_id,
                    source_group_id=row.source_group_id)
    if volumes is not None:
        view['volumes'] = volumes
    if wsgi.at_least(req, '3.38'):
        view['replication_status'] = 'disabled'
    if wsgi.at_least(req, '3.58') and ctx.is_admin:
        view['project_id'] = row.project_id
    return view


# --- reads -----------------------------------------------------------------

def _items(req, ctx, rows, detailed):
    if not detailed:
        return [{'id': r.id, 'name': r.display_name} for r in rows]
    types = _volume_types_of(ctx, [r.id for r in rows])
    return [_view(req, ctx, r, types[r.id]) for r in rows]


index, detail = GS.list_routes('groups', models.Group, policy.GET_ALL,
                               sort_keys.GROUPS, _items, _require)


def show(req, group_id):
    ctx = _ctx(req, policy.GET)
    row = get(ctx, group_id)
    volumes = None
    if wsgi.at_least(req, '3.25') and wsgi.bool_param(req, 'list_volume'):
        volumes = [v.id for v in GS.members(ctx, models.Group, row.id)]
    return wsgi.json_response({'group': _view(
        req, ctx, row, _volume_types_of(ctx, [row.id])[row.id], volumes)})


# --- create ----------------------------------------------------------------

def _insert(ctx, body, group_type_id, type_ids, status, **sources):
    """The group row and its volume types, counted in the ``groups``
    quota in the same transaction (413 over it)."""
    with quota.charged(ctx, ctx.project_id, quotas_db.of_group()):
        row = db.create(ctx, models.Group, {
            'id': str(uuid.uuid4()), 'user_id': ctx.user_id,
            'project_id': ctx.project_id, 'status': status,
            'availability_zone': (body.get('availability_zone') or
                                  cfg.CONF.storage_availability_zone),
            'group_type_id': group_type_id, **sources,
            **common.display_fields(body)})
        for type_id in type_ids:
            db.create(ctx, models.GroupVolumeType,
                      {'group_id': row.id, 'volume_type_id': type_id})
    return row


def _created(req, row):
    return wsgi.json_response(
        {'group': {'id': row.id, 'name': row.display_name}}, status=202)


def create(req):
    ctx = _ctx(req, policy.CREATE)
    body = wsgi.extract_json(req, CREATE)['group']
    group_type = lookups.group_type(ctx, body['group_type'])
    type_ids = []
    for wanted in body['volume_types']:
        vtype = lookups.volume_type(ctx, wanted)
        if vtype.id not in type_ids:
            type_ids.append(vtype.id)
    return _created(req, _insert(ctx, body, group_type.id, type_ids,
                                 GS.AVAILABLE))


def create_from_src(req, ctx):
    body = wsgi.extract_json(req, FROM_SOURCE)['create-from-src']
    snapshot_id, group_id = (body.get('group_snapshot_id'),
                             body.get('source_group_id'))
    if bool(snapshot_id) == bool(group_id):
        raise exception.InvalidInput(
            reason='create-from-src needs exactly one of group_snapshot_id '
                   'and source_group_id.')
    if snapshot_id:
        source = db.get(ctx, models.GroupSnapshot, snapshot_id,
                        project_id=lookups.owner_filter(ctx))
        source_group = get(ctx, source.group_id, follow=False)
        parts = [{'snapshot_id': s.id, 'name': s.display_name}
                 for s in GS.members(ctx, models.GroupSnapshot, source.id)]
    else:
        source_group = get(ctx, group_id)
        parts = [{'source_volid': v.id, 'name': v.display_name}
                 for v in GS.members(ctx, models.Group, source_group.id)]
    row = _insert(ctx, body, source_group.group_type_id,
                  _volume_types_of(ctx, [source_group.id])[source_group.id],
                  GS.CREATING, group_snapshot_id=snapshot_id,
                  source_group_id=group_id)
    type_ids = _volume_types_of(ctx, [row.id])[row.id]
    for part in parts:
        volume_ops.create(ctx, part, group=(row.id, type_ids))
    return _created(req, row)


# --- update ----------------------------------------------------------------

def _ids(value):
    return [v.strip() for v in (value or '').split(',') if v.strip()]


def update(req, group_id):
    ctx = _ctx(req, policy.UPDATE)
    body = wsgi.extract_json(req, UPDATE)['group']
    row = get(ctx, group_id)
    if row.status != GS.AVAILABLE:
        raise exception.InvalidState(
            reason='Group %s is \'%s\'; only available groups can be '
                   'updated.' % (row.id, row.status))
    type_ids = _volume_types_of(ctx, [row.id])[row.id]
    joining = [lookups.volume(ctx, v) for v in _ids(body.get('add_volumes'))]
    leaving = [lookups.volume(ctx, v)
               for v in _ids(body.get('remove_volumes'))]
    for volume in joining:
        if volume.group_id not in (None, row.id):
            raise exception.InvalidInput(
                reason='Volume %s is in group %s; remove it from there '
                       'first.' % (volume.id, volume.group_id))
        if volume.volume_type_id not in type_ids:
            raise exception.InvalidInput(
                reason='Volume %s is of type %s, which group %s does not '
                       'take (it takes %s).' % (volume.id, volume.volume_type,
                                                row.id, ', '.join(type_ids)))
        if volume.status not in (V.AVAILABLE, V.IN_USE):
            raise exception.InvalidState(
                reason='Volume %s is \'%s\'; only available or in-use '
                       'volumes join a group.' % (volume.id, volume.status))
    for volume in leaving:
        if volume.group_id != row.id:
            raise exception.InvalidInput(
                reason='Volume %s is not in group %s.' % (volume.id, row.id))
    with db.writer.using(ctx):
        values = common.display_fields(body)
        if values:
            db.update(ctx, models.Group, row.id, values)
        for volume in joining:
            db.update(ctx, models.Volume, volume.id, {'group_id': row.id})
        for volume in leaving:
            db.update(ctx, models.Volume, volume.id, {'group_id': None})
    return wsgi.empty_response(202)


# --- actions ---------------------------------------------------------------

def _delete(req, ctx, group_id):
    body = wsgi.extract_json(req, DELETE)['delete'] or {}
    row = get(ctx, group_id)
    policies.authorize(ctx, policy.DELETE, {'project_id': row.project_id,
                                            'user_id': row.user_id})
    volumes = GS.members(ctx, models.Group, row.id)
    if volumes and not common.flag(body, 'delete-volumes', 'delete'):
        raise exception.InvalidInput(
            reason='Group %s has %d volume(s); delete with '
                   '"delete-volumes": true, or remove them first.'
                   % (row.id, len(volumes)))
    GS.delete(ctx, models.Group, row, volumes, V.FROM['delete'],
              lambda volume: volume_ops.delete(ctx, volume, 'delete',
                                               cascade=False))


ACTIONS = {'delete': _delete,
           'reset_status': GS.reset_status_action(
               models.Group, 'a group', '3.20', policy.RESET_STATUS, get)}


def collection_action(req):
    """POST /groups/action: create-from-src (3.14)."""
    ctx = _ctx(req, policy.CREATE, '3.14')
    name, handler = common.action_of(req, COLLECTION_ACTIONS)
    return handler(req, ctx)


COLLECTION_ACTIONS = {'create-from-src': create_from_src}
collection_action.actions = COLLECTION_ACTIONS
