"""Volumes: /volumes, /volumes/detail, /volumes/{id}, /volumes/{id}/action.

Every status change is a compare-and-swap from the states of
``states.Volume.FROM``; a refused change is a 400 naming the volume, its
status and what to do. Work goes to the volume service on the volume's host
by RPC cast, after checking that service is up (503 otherwise).
"""
import json
import uuid

from backupd.api import common
from backupd.api import host_selection
from backupd.api import lookups
from backupd.api import rpc_clients
from backupd.api import sort_keys
from backupd.api import volume_ops
from backupd.api.schemas import volumes as schemas
from backupd.api.views import volumes as views
from backupd.api import wsgi
from backupd import binaries
from backupd.db import api as db
from backupd.db import groups as groups_db
from backupd.db import metadata
from backupd.db import models
from backupd.db import quotas as quotas_db
from backupd.db import volumes as volume_db
from backupd import exception
from backupd.manager import states
from backupd import policies
from backupd.policies import volumes as policy
from backupd import quota

V = states.Volume
S = states.Snapshot
SERVICE = binaries.VOLUME

FILTERS = {'name': 'display_name', 'status': 'status',
           'metadata': 'metadata', 'availability_zone': 'availability_zone',
           'snapshot_id': 'snapshot_id', 'source_volid': 'source_volid'}
SORT_KEYS = sort_keys.VOLUMES

_UNSUPPORTED_SOURCES = {
    'imageRef': 'an image', 'image_id': 'an image', 'backup_id': 'a backup',
    'consistencygroup_id': 'a consistency group',
    'source_replica': 'a replica',
}


# --- reads -----------------------------------------------------------------

def _list_items(req, ctx, rows, detailed):
    if detailed:
        return _details(req, ctx, rows)
    return [views.summary(req, row) for row in rows]


index, detail = common.list_routes(
    'volumes', policy.GET_ALL, FILTERS, SORT_KEYS,
    common.visible_rows(models.Volume), _list_items)


def show(req, volume_id):
    ctx = wsgi.context_of(req)
    with db.reader.using(ctx):       # one transaction for the whole view
        row = lookups.volume(ctx, volume_id, policy.GET, read_only=True)
        body = {'volume': _details(req, ctx, [row])[0]}
    return wsgi.json_response(body)


def _details(req, ctx, rows):
    ids = [row.id for row in rows]
    metas = metadata.of(ctx, models.Volume, ids)
    attachments = volume_db.attachments_of(ctx, ids)
    return [views.detail(req, row, metas[row.id], attachments[row.id],
                         ctx.is_admin, _extensions(ctx, row))
            for row in rows]


def _extensions(ctx, row):
    target = {'project_id': row.project_id, 'user_id': row.user_id}
    names = {'tenant': policy.TENANT_ATTRIBUTE,
             'host': policy.HOST_ATTRIBUTE,
             'migration': policy.MIG_ATTRIBUTE}
    return {name for name, rule in names.items()
            if common.allowed(ctx, rule, target)}


# --- create ----------------------------------------------------------------

def create(req):
    ctx = wsgi.context_of(req)
    body = wsgi.extract_json(req, schemas.CREATE)['volume']
    policies.authorize(ctx, policy.CREATE)
    _refuse_unsupported_sources(body)
    row = volume_ops.create(ctx, body, group=_group_of(ctx, req, body))
    return wsgi.json_response(
        {'volume': views.created(req, row, body.get('metadata') or {}, [],
                                 ctx.is_admin)}, status=202)


def _group_of(ctx, req, body):
    """(group id, its volume type ids) of the group the new volume joins
    (3.13), checked; or None."""
    if not body.get('group_id'):
        return None
    if not wsgi.at_least(req, '3.13'):
        raise exception.InvalidInput(
            reason='volume/group_id needs microversion 3.13 or later.')
    group = lookups.group(ctx, body['group_id'])
    if group.status != 'available':
        raise exception.InvalidState(
            reason='Group %s is \'%s\'; volumes join only available groups.'
                   % (group.id, group.status))
    return group.id, groups_db.volume_types_of(ctx, [group.id])[group.id]


def _refuse_unsupported_sources(body):
    for key, what in _UNSUPPORTED_SOURCES.items():
        if body.get(key) is not None:
            raise exception.InvalidInput(
                reason='volume/%s: creating a volume from %s is not '
                       'supported by backupd; create an empty volume, or one '
                       'from a snapshot (snapshot_id) or a volume '
                       '(source_volid). To restore a backup use POST '
                       '/backups/{id}/restore.' % (key, what))


# --- update ----------------------------------------------------------------

def _updated(req, ctx, row):
    # Cinder answers an update with the create view: no os-vol-* keys.
    return views.created(
        req, row, metadata.of(ctx, models.Volume, [row.id])[row.id],
        volume_db.attachments_of(ctx, [row.id])[row.id], ctx.is_admin)


update = common.update_route('volume', models.Volume, schemas.UPDATE,
                             lookups.volume, (policy.UPDATE, policy.GET),
                             _updated)


# --- delete ----------------------------------------------------------------

def delete(req, volume_id):
    ctx = wsgi.context_of(req)
    force = wsgi.bool_param(req, 'force')
    cascade = wsgi.bool_param(req, 'cascade')
    row = lookups.volume(ctx, volume_id, policy.DELETE)
    if force:
        policies.authorize(ctx, policy.FORCE_DELETE)
    volume_ops.delete(ctx, row, 'force_delete' if force else 'delete',
                      cascade)
    return wsgi.empty_response(202)


# --- actions ---------------------------------------------------------------

def _attach(req, ctx, volume_id):
    body = wsgi.extract_json(req, schemas.ATTACH)['os-attach']
    row = lookups.volume(ctx, volume_id, policy.ATTACH)
    attachment = volume_db.attach(ctx, row.id, (V.IN_USE, V.FROM['attach']), {
        'id': str(uuid.uuid4()),
        'instance_uuid': body.get('instance_uuid'),
        'attached_host': body.get('host_name'),
        'mountpoint': body['mountpoint'],
        'attach_mode': body.get('mode', 'rw'),
        'connector': json.dumps(body.get('connector') or {}),
    })
    if attachment is None:
        raise volume_ops.refused(ctx, row.id, 'attached', 'attach')
    common.cast(lambda: rpc_clients.volume().attach_volume(
                    ctx, row.host, row.id, attachment.id,
                    body.get('connector') or {}),
                SERVICE, undo=lambda: volume_db.detach(
                    ctx, row.id, (V.AVAILABLE, V.FROM['detach'])))


def _detach(req, ctx, volume_id):
    body = wsgi.extract_json(req, schemas.DETACH)['os-detach'] or {}
    row = lookups.volume(ctx, volume_id, policy.DETACH)
    attachment_id = body.get('attachment_id')
    if attachment_id is not None and attachment_id not in [
            a.id for a in volume_db.attachments_of(ctx, [row.id])[row.id]]:
        raise exception.InvalidInput(
            reason='Volume %s has no attachment %s; see its "attachments" '
                   '(GET /volumes/%s).' % (row.id, attachment_id, row.id))
    if not volume_db.detach(ctx, row.id, (V.AVAILABLE, V.FROM['detach']),
                            attachment_id):
        raise volume_ops.refused(ctx, row.id, 'detached', 'detach')
    common.cast(lambda: rpc_clients.volume().detach_volume(
                    ctx, row.host, row.id, attachment_id), SERVICE)


def _extend(req, ctx, volume_id):
    body = wsgi.extract_json(req, schemas.EXTEND)['os-extend']
    row = lookups.volume(ctx, volume_id, policy.EXTEND)
    new_size = common.size_gb(
        body['new_size'], 'os-extend/new_size (volume %s is %d GiB)'
        % (row.id, row.size), minimum=row.size + 1)
    host_selection.require_up(row.host, SERVICE, 'extend volume %s' % row.id)
    quota.check_volume_size(ctx, row.project_id, new_size)
    grown = quotas_db.of_extend(row.size, new_size, row.volume_type)
    with quota.charged(ctx, row.project_id, grown):
        if not db.conditional_update(ctx, models.Volume, row.id,
                                     {'status': V.EXTENDING},
                                     {'status': V.FROM['extend'],
                                      'size': row.size}):
            raise volume_ops.refused(ctx, row.id, 'extended', 'extend')
    common.cast(lambda: rpc_clients.volume().extend_volume(
                    ctx, row.host, row.id, new_size),
                SERVICE, undo=lambda: _undo_extend(ctx, row, grown))


def _undo_extend(ctx, row, grown):
    with db.writer.using(ctx):
        if db.conditional_update(ctx, models.Volume, row.id,
                                 {'status': row.status},
                                 {'status': V.EXTENDING}):
            quotas_db.release(ctx, row.project_id, grown)


def _reset_status(req, ctx, volume_id):
    body = wsgi.extract_json(req, schemas.RESET_STATUS)['os-reset_status']
    row = lookups.volume(ctx, volume_id, policy.RESET_STATUS)
    if not body.get('status') and not body.get('attach_status'):
        raise exception.InvalidInput(
            reason='os-reset_status needs "status" (one of %s) and/or '
                   '"attach_status" (attached or detached).'
                   % ', '.join(V.RESET_TARGETS))
    values = {}
    if body.get('status'):
        if body['status'] not in V.RESET_TARGETS:
            raise exception.InvalidInput(
                reason='os-reset_status: %r is not a volume status; use one '
                       'of %s.' % (body['status'], ', '.join(V.RESET_TARGETS)))
        values['status'] = body['status']
    if body.get('attach_status'):
        values['attach_status'] = body['attach_status']
    with db.writer.using(ctx):
        if not db.conditional_update(ctx, models.Volume, row.id, values,
                                     {'status': V.FROM['reset_status']}):
            raise exception.Conflict(
                reason='Volume %s changed meanwhile; retry.' % row.id)
        if values.get('attach_status') == volume_db.DETACHED:
            volume_db.end_attachments(ctx, row.id)


def _force_delete(req, ctx, volume_id):
    wsgi.extract_json(req, schemas.FORCE_DELETE)
    row = lookups.volume(ctx, volume_id, policy.ADMIN_FORCE_DELETE)
    volume_ops.delete(ctx, row, 'force_delete', cascade=False)


ACTIONS = {
    'os-attach': _attach,
    'os-detach': _detach,
    'os-extend': _extend,
    'os-reset_status': _reset_status,
    'os-force_delete': _force_delete,
}
