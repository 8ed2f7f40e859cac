"""Snapshots: /snapshots, /snapshots/detail, /snapshots/{id}, actions.

A snapshot lives on its volume's host; its work goes to the volume service
there. Temporary snapshots a backup takes never show here.
"""
import uuid

from backupd.api import common
from backupd.api import host_selection
from backupd.api import lookups
from backupd.api import rpc_clients
from backupd.api import sort_keys
from backupd.api.schemas import snapshots as schemas
from backupd.api.views import snapshots as views
from backupd.api import wsgi
from backupd import binaries
from backupd.db import api as db
from backupd.db import metadata
from backupd.db import models
from backupd.db import quotas as quotas_db
from backupd.db import snapshots as snapshot_db
from backupd import exception
from backupd.manager import states
from backupd import policies
from backupd.policies import snapshots as policy
from backupd import quota

V = states.Volume
S = states.Snapshot
SERVICE = binaries.VOLUME

FILTERS = {'name': 'display_name', 'status': 'status',
           'volume_id': 'volume_id', 'metadata': 'metadata'}
SORT_KEYS = sort_keys.SNAPSHOTS


# --- reads -----------------------------------------------------------------

def index(req):
    return _list(req, detailed=False)


def detail(req):
    return _list(req, detailed=True)


def _list(req, detailed):
    return common.list_response(
        req, 'snapshots', detailed, policy.GET_ALL, FILTERS, SORT_KEYS,
        common.visible_rows(models.Snapshot), _views,
        summary_columns=None)     # the summary shows most columns


def show(req, snapshot_id):
    ctx = wsgi.context_of(req)
    with db.reader.using(ctx):       # one transaction for the whole view
        row = lookups.snapshot(ctx, snapshot_id, policy.GET, read_only=True)
        body = {'snapshot': _views(req, ctx, [row], True)[0]}
    return wsgi.json_response(body)


def _views(req, ctx, rows, detailed):
    metas = metadata.of(ctx, models.Snapshot, [row.id for row in rows])
    if not detailed:
        return [views.summary(row, metas[row.id])
                for row in rows]
    return [views.detail(req, row, metas[row.id], common.allowed(
                ctx, policy.EXTENDED_ATTRIBUTES,
                {'project_id': row.project_id, 'user_id': row.user_id}))
            for row in rows]


# --- create / update -------------------------------------------------------

def create(req):
    ctx = wsgi.context_of(req)
    body = wsgi.extract_json(req, schemas.CREATE)['snapshot']
    policies.authorize(ctx, policy.CREATE)
    if body['volume_id'] is None:
        raise exception.NotFound(
            message='snapshot/volume_id is null: no volume to snapshot; '
                    'give the id of one of your volumes.')
    volume = lookups.volume(ctx, body['volume_id'])
    force = common.flag(body, 'force', 'snapshot')
    allowed = V.FROM['snapshot_forced' if force else 'snapshot']
    if volume.status not in allowed:
        raise _volume_refused(volume, force)
    host_selection.require_up(volume.host, SERVICE,
                              'snapshot volume %s' % volume.id)
    with quota.charged(ctx, ctx.project_id, quotas_db.of_snapshot(
            volume.size, volume.volume_type)):
        row = snapshot_db.create(ctx, {
            'id': str(uuid.uuid4()), 'volume_id': volume.id,
            'user_id': ctx.user_id, 'project_id': ctx.project_id,
            'status': S.CREATING, 'progress': '0%',
            'volume_size': volume.size, **common.display_fields(body),
        }, allowed, body.get('metadata'))
        if row is None:
            raise _volume_refused(db.get(ctx, models.Volume, volume.id),
                                  force)
    common.cast(lambda: rpc_clients.volume().create_snapshot(
                    ctx, volume.host, row.id),
                SERVICE,
                undo=lambda: snapshot_db.destroy(ctx, row.id, (S.CREATING,)))
    return wsgi.json_response({'snapshot': views.created(
        req, row, body.get('metadata') or {})}, status=202)


def _volume_refused(volume, force):
    if volume.status == V.IN_USE and not force:
        return exception.InvalidState(
            reason='Volume %s is \'in-use\'; snapshotting an attached volume '
                   'needs force=True (its data may be changing).'
                   % volume.id)
    return exception.InvalidState(
        reason='Volume %s is \'%s\'; only \'available\' volumes (or '
               '\'in-use\' ones with force=True) can be snapshotted.'
               % (volume.id, volume.status))


def update(req, snapshot_id):
    ctx = wsgi.context_of(req)
    body = wsgi.extract_json(req, schemas.UPDATE)['snapshot']
    row = lookups.snapshot(ctx, snapshot_id, policy.UPDATE)
    values = common.display_fields(body)
    if values:
        db.update(ctx, models.Snapshot, row.id, values)
    # Cinder answers an update without the extension keys show adds.
    row = lookups.snapshot(ctx, snapshot_id, policy.GET)
    return wsgi.json_response({'snapshot': _views(req, ctx, [row], False)[0]})


# --- delete and actions ----------------------------------------------------

def delete(req, snapshot_id):
    ctx = wsgi.context_of(req)
    row = lookups.snapshot(ctx, snapshot_id, policy.DELETE)
    _delete(ctx, row, 'delete')
    return wsgi.empty_response(202)


def _delete(ctx, row, transition):
    host = db.get(ctx, models.Volume, row.volume_id).host
    host_selection.require_up(host, SERVICE, 'delete snapshot %s' % row.id)
    if not db.conditional_update(ctx, models.Snapshot, row.id,
                                 {'status': S.DELETING},
                                 {'status': S.FROM[transition]}):
        current = db.get(ctx, models.Snapshot, row.id).status
        raise exception.InvalidState(
            reason='Snapshot %s is \'%s\'; only snapshots that are %s can be '
                   'deleted%s.' % (
                       row.id, current, ', '.join(S.FROM[transition]),
                       '' if transition == 'force_delete' else
                       '; an admin can use os-force_delete'))
    common.cast(lambda: rpc_clients.volume().delete_snapshot(
                    ctx, host, row.id), SERVICE,
                undo=lambda: db.conditional_update(
                    ctx, models.Snapshot, row.id, {'status': row.status},
                    {'status': S.DELETING}))


def _reset_status(req, ctx, snapshot_id):
    body = wsgi.extract_json(req, schemas.RESET_STATUS)['os-reset_status']
    row = lookups.snapshot(ctx, snapshot_id, policy.RESET_STATUS)
    status = body.get('status')
    if status not in S.RESET_TARGETS:
        raise exception.InvalidInput(
            reason='os-reset_status needs "status", one of %s (got %r).'
                   % (', '.join(S.RESET_TARGETS), status))
    if not db.conditional_update(ctx, models.Snapshot, row.id,
                                 {'status': status},
                                 {'status': S.FROM['reset_status']}):
        raise exception.Conflict(
            reason='Snapshot %s changed meanwhile; retry.' % row.id)


def _force_delete(req, ctx, snapshot_id):
    wsgi.extract_json(req, schemas.FORCE_DELETE)
    row = lookups.snapshot(ctx, snapshot_id, policy.FORCE_DELETE)
    _delete(ctx, row, 'force_delete')


ACTIONS = {
    'os-reset_status': _reset_status,
    'os-force_delete': _force_delete,
}
