"""Snapshots: /snapshots, /snapshots/detail, /snapshots/{id}, actions.

A snapshot lives on its volume's host; its work goes to the volume service
there. Temporary snapshots a backup takes never show here.
"""
from backupd.api import common
from backupd.api import lookups
from backupd.api import snapshot_ops
from backupd.api import sort_keys
from backupd.api.schemas import snapshots as schemas
from backupd.api.views import snapshots as views
from backupd.api import wsgi
from backupd.db import api as db
from backupd.db import metadata
from backupd.db import models
from backupd import exception
from backupd.manager import states
from backupd import policies
from backupd.policies import snapshots as policy

S = states.Snapshot

FILTERS = {'name': 'display_name', 'status': 'status',
           'volume_id': 'volume_id', 'metadata': 'metadata'}
SORT_KEYS = sort_keys.SNAPSHOTS


# --- reads -----------------------------------------------------------------

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


index, detail = common.list_routes(
    'snapshots', policy.GET_ALL, FILTERS, SORT_KEYS,
    common.visible_rows(models.Snapshot), _views,
    summary_columns=None)     # the summary shows most columns


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
    row = snapshot_ops.create(ctx, volume,
                              common.flag(body, 'force', 'snapshot'),
                              common.display_fields(body),
                              body.get('metadata'))
    return wsgi.json_response({'snapshot': views.created(
        req, row, body.get('metadata') or {})}, status=202)


# Cinder answers an update without the extension keys show adds.
update = common.update_route(
    'snapshot', models.Snapshot, schemas.UPDATE, lookups.snapshot,
    (policy.UPDATE, policy.GET),
    lambda req, ctx, row: _views(req, ctx, [row], False)[0])


# --- delete and actions ----------------------------------------------------

def delete(req, snapshot_id):
    ctx = wsgi.context_of(req)
    row = lookups.snapshot(ctx, snapshot_id, policy.DELETE)
    snapshot_ops.delete(ctx, row, 'delete')
    return wsgi.empty_response(202)


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
    snapshot_ops.delete(ctx, row, 'force_delete')


ACTIONS = {
    'os-reset_status': _reset_status,
    'os-force_delete': _force_delete,
}
