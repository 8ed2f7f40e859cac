"""Group snapshots (3.14; reset_status 3.19), Cinder's generic
implementation: a snapshot of each volume of the group
(backupd.api.snapshot_ops), the group snapshot ``available`` once they all
are; deleting it deletes them, and it is gone when they are
(backupd.api.group_status).
"""
import uuid

from backupd.api import common
from backupd.api import group_status
from backupd.api import lookups
from backupd.api.schemas import parameter_types as types
from backupd.api import snapshot_ops
from backupd.api import sort_keys
from backupd.api import wsgi
from backupd.db import api as db
from backupd.db import models
from backupd import exception
from backupd.manager import states
from backupd import names
from backupd import policies
from backupd.policies import groups as policy

S = states.Snapshot
GS = group_status
CREATE = types.wrapped('group_snapshot', {
    'group_id': types.UUID, 'name': names.DISPLAY_NAME,
    'description': names.DESCRIPTION,
}, required=['group_id'])


def _require(req, version='3.14'):
    if not wsgi.at_least(req, version):
        raise exception.NotFound(
            message='This group snapshot call needs microversion %s or '
                    'later.' % version)


def _ctx(req, rule, version='3.14'):
    _require(req, version)
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, rule)
    return ctx


def _not_found(snapshot_id):
    return exception.NotFound(
        message='Group snapshot %s could not be found.' % snapshot_id)


def _get(ctx, snapshot_id, follow=True):
    try:
        row = db.get(ctx, models.GroupSnapshot, snapshot_id,
                     project_id=lookups.owner_filter(ctx))
    except exception.NotFound:
        raise _not_found(snapshot_id)
    if follow:
        row = GS.follow(ctx, models.GroupSnapshot, row)
        if row is None:
            raise _not_found(snapshot_id)
    return row


def _view(req, ctx, row):
    view = {'id': row.id, 'group_id': row.group_id,
            'name': row.display_name,
            'description': row.display_description, 'status': row.status,
            'created_at': row.created_at,
            'group_type_id': row.group_type_id}
    if wsgi.at_least(req, '3.58') and ctx.is_admin:
        view['project_id'] = row.project_id
    return view


def _items(req, ctx, rows, detailed):
    return [_view(req, ctx, r) if detailed else
            {'id': r.id, 'name': r.display_name} for r in rows]


index, detail = GS.list_routes(
    'group_snapshots', models.GroupSnapshot, policy.SNAPSHOT_GET_ALL,
    sort_keys.GROUP_SNAPSHOTS, _items, _require)


def show(req, group_snapshot_id):
    ctx = _ctx(req, policy.SNAPSHOT_GET)
    return wsgi.json_response(
        {'group_snapshot': _view(req, ctx, _get(ctx, group_snapshot_id))})


def create(req):
    ctx = _ctx(req, policy.SNAPSHOT_CREATE)
    body = wsgi.extract_json(req, CREATE)['group_snapshot']
    try:
        group = db.get(ctx, models.Group, body['group_id'],
                       project_id=lookups.owner_filter(ctx))
    except exception.NotFound:
        raise exception.NotFound(
            message='Group %s could not be found.' % body['group_id'])
    if group.status != GS.AVAILABLE:
        raise exception.InvalidState(
            reason='Group %s is \'%s\'; only available groups can be '
                   'snapshotted.' % (group.id, group.status))
    volumes = GS.members(ctx, models.Group, group.id)
    GS.check_members(models.Group, group.id, volumes,
                     states.Volume.FROM['snapshot_forced'], 'snapshotted')
    fields = common.display_fields(body)
    row = db.create(ctx, models.GroupSnapshot, {
        'id': str(uuid.uuid4()), 'group_id': group.id,
        'user_id': ctx.user_id, 'project_id': ctx.project_id,
        'status': GS.CREATING, 'group_type_id': group.group_type_id,
        **fields})
    for volume in volumes:
        # a group snapshot is taken whatever the volumes' attachment, as
        # Cinder's generic implementation does
        snapshot_ops.create(ctx, volume, True, fields, None,
                            group_snapshot_id=row.id)
    return wsgi.json_response({'group_snapshot': {
        'id': row.id, 'name': row.display_name,
        'group_type_id': row.group_type_id}}, status=202)


def delete(req, group_snapshot_id):
    ctx = _ctx(req, policy.SNAPSHOT_DELETE)
    row = _get(ctx, group_snapshot_id)
    GS.delete(ctx, models.GroupSnapshot, row,
              GS.members(ctx, models.GroupSnapshot, row.id),
              S.FROM['delete'],
              lambda snap: snapshot_ops.delete(ctx, snap, 'delete'))
    return wsgi.empty_response(202)


ACTIONS = {'reset_status': GS.reset_status_action(
    models.GroupSnapshot, 'a group snapshot', '3.19',
    policy.SNAPSHOT_RESET_STATUS, _get)}
