"""Backups: /backups, /backups/detail and /backups/{id}. Restore is in
backup_restore.py, the admin-only calls (force-delete, reset-status,
export, import) in backup_admin.py; what they share is in
backupd.api.lookups.

Checks come before the transaction (nothing half-changed when a request is
refused); status changes are compare-and-swap updates from the state table;
long work is cast to the backup service on the volume's host.
"""
import uuid

from oslo_config import cfg
from oslo_utils import timeutils

from backupd.api import common
from backupd.api import host_selection
from backupd.api import lookups
from backupd.api import rpc_clients
from backupd.api import sort_keys
from backupd.api.schemas import backups as schemas
from backupd.api.views import backup_progress
from backupd.api.views import backups as views
from backupd.api import wsgi
from backupd import binaries
from backupd.db import api as db
from backupd.db import backups as backup_db
from backupd.db import listing
from backupd.db import metadata
from backupd.db import models
from backupd.db import quotas as quotas_db
from backupd import exception
from backupd import notifications
from backupd.manager import states
from backupd import policies
from backupd.policies import backups as policy
from backupd import quota

B = states.Backup
V = states.Volume
S = states.Snapshot

FILTERS = {'name': 'display_name', 'status': 'status',
           'volume_id': 'volume_id'}
SORT_KEYS = sort_keys.BACKUPS

SERVICE = binaries.BACKUP


# --- reads -----------------------------------------------------------------

def index(req):
    return _list(req, detailed=False)


def detail(req):
    return _list(req, detailed=True)


def _list(req, detailed):
    return common.list_response(
        req, 'backups', detailed, policy.GET_ALL, FILTERS, SORT_KEYS,
        _listed, _list_items)


def _listed(ctx, project, params):
    """The page of backups a list shows, and their count when asked;
    delayed-deleted ones are hidden (lookups.listed_backup_statuses,
    lookups.backup_hidden)."""
    filters = dict(params.filters)
    if project is not None:
        filters['project_id'] = project
    filters['status'] = lookups.listed_backup_statuses(
        ctx, filters.get('status'))
    if not ctx.is_admin:
        filters['pending_delete_at'] = None     # see lookups.backup_hidden
    if params.marker is not None:
        lookups.backup(ctx, params.marker, read_only=True)
    rows = listing.page(ctx, models.Backup, filters, params.sort_keys,
                        params.sort_dirs, params.marker, params.limit,
                        params.offset,
                        columns=params.columns or views.DETAIL_COLUMNS)
    count = (db.count(ctx, models.Backup, filters)
             if params.with_count else None)
    return rows, count


def _list_items(req, ctx, rows, detailed):
    if detailed:
        return _details(req, ctx, rows)
    return [views.summary(req, row) for row in rows]


# What a show reads: the columns of the view, of the progress headers and
# of the visibility rules.
SHOW_COLUMNS = tuple(dict.fromkeys(views.DETAIL_COLUMNS +
                                   backup_progress.COLUMNS +
                                   lookups.BACKUP_COLUMNS))


def show(req, backup_id):
    ctx = wsgi.context_of(req)
    shown = lookups.backup_shown(ctx, backup_id, policy.GET, SHOW_COLUMNS)
    row = shown.row
    body = {'backup': views.detail(
        req, row, shown.metadata,
        common.allowed(ctx, policy.PROJECT_ATTRIBUTE),
        row.num_dependent_backups > shown.hidden_children)}
    return wsgi.json_response(body, headers=backup_progress.headers(row))


def _details(req, ctx, rows):
    show_owner = common.allowed(ctx, policy.PROJECT_ATTRIBUTE)
    metas = metadata.of(ctx, models.Backup, [r.id for r in rows])
    hidden = {} if ctx.is_admin else backup_db.delayed_deleted_children(
        ctx, [r.id for r in rows if r.num_dependent_backups])
    return [views.detail(req, row, metas[row.id], show_owner,
                         row.num_dependent_backups > hidden.get(row.id, 0))
            for row in rows]


# --- create ----------------------------------------------------------------

def create(req):
    ctx = wsgi.context_of(req)
    schema = (schemas.CREATE_V351 if wsgi.at_least(req, '3.51') else
              schemas.CREATE_V343 if wsgi.at_least(req, '3.43') else
              schemas.CREATE)
    body = wsgi.extract_json(req, schema)['backup']
    policies.authorize(ctx, policy.CREATE)
    volume = lookups.volume(ctx, body['volume_id'])
    snapshot = _snapshot_of(ctx, volume, body.get('snapshot_id'))
    force = common.flag(body, 'force', 'backup')
    if snapshot is None:
        _check_volume_can_be_backed_up(volume, force)
    parent = None
    if common.flag(body, 'incremental', 'backup'):
        parent = _parent_of(ctx, volume)
    service = host_selection.require_up(volume.host, SERVICE,
                                        'back up volume %s' % volume.id)
    zone = _backup_zone(volume, service, body.get('availability_zone'))
    values = {
        'id': str(uuid.uuid4()), 'volume_id': volume.id,
        'snapshot_id': snapshot.id if snapshot else None,
        'user_id': ctx.user_id, 'project_id': ctx.project_id,
        'host': volume.host, 'status': B.CREATING,
        'availability_zone': zone,
        'display_name': body.get('name'),
        'display_description': body.get('description'),
        'container': body.get('container'), 'size': volume.size,
        'parent_id': parent.id if parent else None,
        'data_timestamp': (snapshot.created_at if snapshot
                           else timeutils.utcnow()),
    }
    with quota.charged(ctx, ctx.project_id,
                       quotas_db.of_backup(volume.size)):
        _claim_source(ctx, volume, snapshot)
        if parent is not None and not backup_db.add_dependent(
                ctx, parent.id, (B.AVAILABLE,)):
            raise exception.Conflict(
                reason='Backup %s, the parent of this incremental backup, '
                       'changed status meanwhile; try again.' % parent.id)
        row = db.create(ctx, models.Backup, values)
        metadata.add(ctx, models.Backup, row.id, body.get('metadata'))
    common.cast(lambda: rpc_clients.backup().create_backup(
                    ctx, row.host, row.id), SERVICE,
                undo=lambda: _undo_create(ctx, row, volume, snapshot))
    return wsgi.json_response({'backup': views.summary(req, row)},
                              status=202)


def _backup_zone(volume, service, asked):
    """The availability zone of the backup: that of the backup service on
    the volume's host, which reads the volume locally and so is the only
    one that can make the backup; a different zone asked for (3.51) is a
    400 rather than a promise the backup would not keep."""
    zone = service.availability_zone or volume.availability_zone
    if asked and asked != zone:
        raise exception.InvalidInput(
            reason='Backups of volume %s are made by the backup service on '
                   'its host %s, in availability zone %s; give '
                   'availability_zone %s or leave it out.'
                   % (volume.id, volume.host, zone, zone))
    return zone


def _snapshot_of(ctx, volume, snapshot_id):
    if not snapshot_id:
        return None
    snapshot = lookups.snapshot(ctx, snapshot_id)
    if snapshot.volume_id != volume.id:
        raise exception.InvalidInput(
            reason='Snapshot %s is of volume %s, not of volume %s; pass the '
                   'snapshot\'s own volume_id.' % (
                       snapshot.id, snapshot.volume_id, volume.id))
    if snapshot.status not in S.FROM['backup']:
        raise exception.InvalidState(
            reason='Snapshot %s is \'%s\'; only an \'available\' snapshot '
                   'can be backed up.' % (snapshot.id, snapshot.status))
    return snapshot


def _check_volume_can_be_backed_up(volume, force):
    if volume.status not in V.FROM['backup_forced' if force else 'backup']:
        raise lookups.volume_refusal(
            volume, force,
            'Volume %s is \'in-use\'; backing up an attached volume must use '
            'the force flag (force=true, cinder backup-create --force).',
            'Volume %s is \'%s\'; only an \'available\' volume (or an '
            '\'in-use\' one with force=true) can be backed up.')


def _parent_of(ctx, volume):
    parent = backup_db.latest_available(ctx, volume.id, B.AVAILABLE,
                                        ctx.project_id)
    if parent is None:
        raise exception.InvalidInput(
            reason='Volume %s has no \'available\' backup to base an '
                   'incremental backup on; create a full backup first (omit '
                   'incremental).' % volume.id)
    return parent


def _claim_source(ctx, volume, snapshot):
    """Volume (or snapshot) -> backing-up; Conflict when it changed since
    the checks (rolls the transaction back)."""
    if snapshot is not None:
        if not db.conditional_update(ctx, models.Snapshot, snapshot.id,
                                     {'status': S.BACKING_UP},
                                     {'status': S.FROM['backup']}):
            raise exception.Conflict(
                reason='Snapshot %s changed status meanwhile; try again.'
                       % snapshot.id)
        return
    if not db.conditional_update(
            ctx, models.Volume, volume.id,
            {'status': V.BACKING_UP, 'previous_status': volume.status},
            {'status': volume.status}):
        raise exception.Conflict(
            reason='Volume %s changed status meanwhile (it was \'%s\'); try '
                   'again.' % (volume.id, volume.status))


def _undo_create(ctx, row, volume, snapshot):
    with db.writer.using(ctx):
        db.conditional_update(ctx, models.Backup, row.id,
                              {'status': B.ERROR, 'fail_reason':
                               'the backup service could not be reached'},
                              {'status': B.FROM['fail_create']})
        if snapshot is not None:
            db.conditional_update(ctx, models.Snapshot, snapshot.id,
                                  {'status': S.AVAILABLE},
                                  {'status': S.FROM['finish_backup']})
        else:
            db.conditional_update(ctx, models.Volume, volume.id,
                                  {'status': volume.status,
                                   'previous_status': None},
                                  {'status': V.FROM['finish_backup']})


# --- update ----------------------------------------------------------------

def update(req, backup_id):
    if not wsgi.at_least(req, '3.9'):
        raise exception.NotFound(
            message='Updating a backup needs microversion 3.9 or later.')
    ctx = wsgi.context_of(req)
    schema = (schemas.UPDATE_V343 if wsgi.at_least(req, '3.43')
              else schemas.UPDATE_V309)
    body = wsgi.extract_json(req, schema)['backup']
    row = lookups.backup(ctx, backup_id, policy.UPDATE)
    changes = common.display_fields(body)
    with db.writer.using(ctx):
        if changes:
            db.update(ctx, models.Backup, row.id, changes)
        if 'metadata' in body:
            metadata.replace(ctx, models.Backup, row.id, body['metadata'])
    return wsgi.json_response(
        {'backup': views.summary(req, lookups.backup(ctx, backup_id))})


# --- delete (force-delete and reset-status: backup_admin.py) --------------

def delete(req, backup_id):
    ctx = wsgi.context_of(req)
    row = lookups.backup(ctx, backup_id, policy.DELETE)
    if cfg.CONF.delayed_delete:
        return _delay_delete(ctx, row)
    lookups.check_backup_deletable(ctx, row, B.FROM['delete'], force=False)
    if _delete_never_stored(ctx, row):
        return wsgi.empty_response(202)
    host_selection.require_up(row.host, SERVICE, 'delete backup %s' % row.id)
    if not db.conditional_update(
            ctx, models.Backup, row.id,
            {'status': B.DELETING, 'previous_status': row.status},
            {'status': B.FROM['delete']}):
        lookups.check_backup_deletable(ctx, lookups.backup(ctx, backup_id),
                                       B.FROM['delete'], False)
        raise lookups.backup_changed(row)
    common.cast(lambda: rpc_clients.backup().delete_backup(
                    ctx, row.host, row.id), SERVICE,
                undo=lambda: db.conditional_update(
                    ctx, models.Backup, row.id, {'status': row.status},
                    {'status': B.FROM['finish_delete']}))
    return wsgi.empty_response(202)


def _delete_never_stored(ctx, row):
    """An ``error`` backup that failed before its driver stored anything
    (``service`` never set) has nothing in storage: delete its row here,
    so it goes even while the backup service or its driver is down."""
    if row.status != B.ERROR or row.service:
        return False
    notifications.notify(ctx, 'backup', 'delete', 'start',
                         notifications.backup_payload(row, force=False))
    # backup_db.soft_delete also releases the parent: else it stays pinned
    # by a child that is gone, and no call could ever delete it.
    if not backup_db.soft_delete(ctx, row.id, (B.ERROR,), B.DELETED,
                                 expected={'service': None,
                                           'num_dependent_backups': 0}):
        return False  # it changed meanwhile: take the normal path
    notifications.notify(ctx, 'backup', 'delete', 'end',
                         notifications.backup_payload(row, force=False))
    return True


# --- delayed delete (issue 7): pending_delete, hidden from its project -----

def _delay_delete(ctx, row):
    """available/error -> pending_delete with pending_delete_at, in one
    compare-and-swap; the data stays until backupd-scrubber removes it.

    Only incrementals that need its data (chained layout) block it, and
    not those already pending_delete (they are gone for the project); the
    scrubber removes such a parent only after them.
    """
    with db.writer.using(ctx):
        needed_by = lookups.data_dependents(ctx, row)
        pending = lookups.data_dependents(ctx, row, (B.PENDING_DELETE,))
        if needed_by > pending:
            raise exception.InvalidState(
                reason='Backup %s has %d dependent incremental backup(s) of '
                       'the chained layout, which restore from its data; '
                       'delete them first.' % (row.id, needed_by - pending))
        if row.status not in B.FROM['delayed_delete']:
            lookups.check_backup_deletable(ctx, row,
                                           B.FROM['delayed_delete'],
                                           force=False)
        if not db.conditional_update(
                ctx, models.Backup, row.id,
                {'status': B.PENDING_DELETE, 'previous_status': row.status,
                 'pending_delete_at': timeutils.utcnow()},
                {'status': B.FROM['delayed_delete']}):
            raise lookups.backup_changed(row)
    return wsgi.empty_response(202)
