"""Backups: /backups, /backups/detail, /backups/{id} and restore; the
admin-only calls (force-delete, reset-status, export, import) are in
backup_admin.py and share the helpers at the end of this module.

Checks come before the transaction (nothing half-changed when a request is
refused); status changes are compare-and-swap updates from the state table;
long work is cast to the backup service on the volume's host.
"""
import uuid

from oslo_config import cfg
import oslo_messaging as messaging
from oslo_utils import timeutils

from backupd.api import common
from backupd.api import hosts
from backupd.api import sort_keys
from backupd.api import volume_type_choice
from backupd.api.schemas import backups as schemas
from backupd.api.views import backup_progress
from backupd.api.views import backups as views
from backupd.api import wsgi
from backupd import binaries
from backupd.db import api as db
from backupd.db import backups as backup_db
from backupd.db import metadata
from backupd.db import models
from backupd.db import quotas as quotas_db
from backupd.db import resources
from backupd.db import volumes as volume_db
from backupd import exception
from backupd.manager.backup import rpcapi as backup_rpcapi
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
_RPC = None


def rpc():
    global _RPC
    if _RPC is None:
        _RPC = backup_rpcapi.BackupAPI(cfg.CONF)
    return _RPC


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
    delayed-deleted ones are hidden (_listed_statuses, _hidden)."""
    filters = dict(params.filters)
    if project is not None:
        filters['project_id'] = project
    filters['status'] = _listed_statuses(ctx, filters.get('status'))
    if not ctx.is_admin:
        filters['pending_delete_at'] = None     # see _hidden
    if params.marker is not None:
        get_row(ctx, params.marker)
    rows = db.get_all(ctx, models.Backup, filters, params.sort_keys,
                      params.sort_dirs, params.marker, params.limit,
                      params.offset)
    count = (db.count(ctx, models.Backup, filters)
             if params.with_count else None)
    return rows, count


def _list_items(req, ctx, rows, detailed):
    if detailed:
        return _details(req, ctx, rows)
    return [views.summary(req, row) for row in rows]


def show(req, backup_id):
    ctx = wsgi.context_of(req)
    row = get_row(ctx, backup_id)
    _authorize(ctx, policy.GET, row)
    return wsgi.json_response({'backup': _details(req, ctx, [row])[0]},
                              headers=backup_progress.headers(row))


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
    volume = resources.get(ctx, models.Volume, body['volume_id'],
                           project_id=common.owner_filter(ctx))
    snapshot = _snapshot_of(ctx, volume, body.get('snapshot_id'))
    force = common.flag(body, 'force', 'backup')
    if snapshot is None:
        _check_volume_can_be_backed_up(volume, force)
    parent = None
    if common.flag(body, 'incremental', 'backup'):
        parent = _parent_of(ctx, volume)
    service = hosts.require_up(volume.host, SERVICE,
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
    common.cast(lambda: rpc().create_backup(ctx, row.host, row.id), SERVICE,
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
    snapshot = resources.get(ctx, models.Snapshot, snapshot_id,
                             project_id=common.owner_filter(ctx))
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
    if volume.status == V.IN_USE and not force:
        raise exception.InvalidState(
            reason='Volume %s is \'in-use\'; backing up an attached volume '
                   'must use the force flag (force=true, cinder '
                   'backup-create --force).' % volume.id)
    allowed = V.FROM['backup_forced'] if force else V.FROM['backup']
    if volume.status not in allowed:
        raise exception.InvalidState(
            reason='Volume %s is \'%s\'; only an \'available\' volume (or an '
                   '\'in-use\' one with force=true) can be backed up.'
                   % (volume.id, volume.status))


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
    row = get_row(ctx, backup_id)
    _authorize(ctx, policy.UPDATE, row)
    changes = common.display_fields(body)
    with db.writer.using(ctx):
        if changes:
            db.update(ctx, models.Backup, row.id, changes)
        if 'metadata' in body:
            metadata.replace(ctx, models.Backup, row.id, body['metadata'])
    return wsgi.json_response(
        {'backup': views.summary(req, get_row(ctx, backup_id))})


# --- delete (force-delete and reset-status: backup_admin.py) --------------

def delete(req, backup_id):
    ctx = wsgi.context_of(req)
    row = get_row(ctx, backup_id)
    _authorize(ctx, policy.DELETE, row)
    if cfg.CONF.delayed_delete:
        return _delay_delete(ctx, row)
    check_deletable(row, B.FROM['delete'], force=False)
    if _delete_never_stored(ctx, row):
        return wsgi.empty_response(202)
    hosts.require_up(row.host, SERVICE, 'delete backup %s' % row.id)
    if not db.conditional_update(
            ctx, models.Backup, row.id,
            {'status': B.DELETING, 'previous_status': row.status},
            {'status': B.FROM['delete'], 'num_dependent_backups': 0}):
        check_deletable(get_row(ctx, backup_id), B.FROM['delete'], False)
        raise changed(row)
    common.cast(lambda: rpc().delete_backup(ctx, row.host, row.id), SERVICE,
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


def check_deletable(row, allowed, force):
    if row.num_dependent_backups:
        raise exception.InvalidState(
            reason='Backup %s has %d dependent incremental backup(s); delete '
                   'them first.' % (row.id, row.num_dependent_backups))
    if row.status not in allowed:
        hint = ('' if force else ' Use os-force_delete as an admin '
                '(cinder backup-delete --force).')
        raise exception.InvalidState(
            reason='Backup %s is \'%s\'; only %s backups can be deleted.%s'
                   % (row.id, row.status,
                      ' or '.join("'%s'" % s for s in allowed), hint))


# --- delayed delete (issue 7): pending_delete, hidden from its project -----

def _delay_delete(ctx, row):
    """available/error -> pending_delete with pending_delete_at, in one
    compare-and-swap; the data stays until backupd-scrubber removes it.

    Dependents already pending_delete do not block it (they are gone for
    the project); the scrubber removes a parent only after its children.
    """
    with db.writer.using(ctx):
        pending = backup_db.count_children(ctx, row.id, (B.PENDING_DELETE,))
        if row.num_dependent_backups > pending:
            raise exception.InvalidState(
                reason='Backup %s has %d dependent incremental backup(s); '
                       'delete them first.' % (
                           row.id, row.num_dependent_backups - pending))
        if row.status not in B.FROM['delayed_delete']:
            check_deletable(row, B.FROM['delayed_delete'], force=False)
        if not db.conditional_update(
                ctx, models.Backup, row.id,
                {'status': B.PENDING_DELETE, 'previous_status': row.status,
                 'pending_delete_at': timeutils.utcnow()},
                {'status': B.FROM['delayed_delete'],
                 'num_dependent_backups': pending}):
            raise changed(row)
    return wsgi.empty_response(202)


def _hidden(ctx, row):
    """A backup deleted with delayed_delete is gone for everybody but
    admins: while pending_delete, and while the scrubber removes it
    (``deleting`` with ``pending_delete_at`` still set), so it does not
    reappear for its project during the scrub."""
    return not ctx.is_admin and (
        row.status == B.PENDING_DELETE
        or (row.status == B.DELETING and row.pending_delete_at is not None))


def _listed_statuses(ctx, asked):
    """The status filter of a list: pending_delete rows only for an admin
    who asks for them (status=pending_delete), never for anybody else."""
    if asked is None:
        return B.LISTED
    if asked == B.PENDING_DELETE and not ctx.is_admin:
        return ()
    return asked


# --- restore ---------------------------------------------------------------

def restore(req, backup_id):
    ctx = wsgi.context_of(req)
    body = wsgi.extract_json(req, schemas.RESTORE)['restore']
    row = get_row(ctx, backup_id)
    _authorize(ctx, policy.RESTORE, row)
    if row.status != B.AVAILABLE:
        raise exception.InvalidState(
            reason='Backup %s is \'%s\'; only an \'available\' backup can be '
                   'restored.' % (row.id, row.status))
    target = None
    if body.get('volume_id'):
        target = resources.get(ctx, models.Volume, body['volume_id'],
                               project_id=common.owner_filter(ctx))
        _check_restore_target(row, target)
    hosts.require_up(row.host, SERVICE, 'restore backup %s' % row.id)
    if target is not None:
        hosts.require_up(target.host, hosts.VOLUME_BINARY,
                         'write the restore of backup %s' % row.id)
    else:
        _place_restored_volume(row)
    vtype = volume_type_choice.choose(ctx) if target is None else None
    with quota.charged(ctx, ctx.project_id, quotas_db.of_volume(
            row.size or 1, vtype.name) if vtype else {}):
        volume = target or _new_volume(ctx, row, body.get('name'), vtype)
        if not db.conditional_update(
                ctx, models.Backup, row.id,
                # progress 0: the previous run left its 100 on the row
                {'status': B.RESTORING, 'restore_volume_id': volume.id,
                 'progress': 0},
                {'status': B.FROM['restore']}):
            raise changed(row)
        if target is not None and not db.conditional_update(
                ctx, models.Volume, target.id,
                {'status': V.RESTORING_BACKUP},
                {'status': V.FROM['restore_target']}):
            raise exception.Conflict(
                reason='Volume %s changed status meanwhile; try again.'
                       % target.id)
    common.cast(lambda: rpc().restore_backup(ctx, row.host, row.id,
                                             volume.id), SERVICE,
                undo=lambda: _undo_restore(ctx, row, volume, target is None))
    return wsgi.json_response(views.restore(row, volume), status=202)


def _place_restored_volume(row):
    """409 unless a new volume of the backup's size fits on the backup's
    host: its backup service writes the restore through a local path, so
    the volume cannot go anywhere else (doc/volume-placement.rst)."""
    size = row.size or 1
    hosts.place_volume(
        size, 'restore backup %s to a new volume' % row.id, host=row.host,
        scope='the new volume must be on %s, the backup\'s host (its backup '
              'service writes the restore), and that host has no room for '
              'it' % row.host,
        fixes=['free space on %s (delete volumes or snapshots no longer '
               'needed)' % row.host,
               'restore onto an existing volume of at least %d GiB there '
               '(restore/volume_id)' % size])


def _undo_restore(ctx, row, volume, new):
    with db.writer.using(ctx):
        db.conditional_update(ctx, models.Backup, row.id,
                              {'status': B.AVAILABLE,
                               'restore_volume_id': None},
                              {'status': B.FROM['finish_restore']})
        db.conditional_update(
            ctx, models.Volume, volume.id,
            {'status': V.ERROR if new else V.AVAILABLE},
            {'status': (V.CREATING,) if new else V.FROM['finish_restore']})


def _check_restore_target(row, volume):
    if volume.status not in V.FROM['restore_target']:
        raise exception.InvalidState(
            reason='Volume %s is \'%s\'; a backup can only be restored to an '
                   '\'available\' volume.' % (volume.id, volume.status))
    if volume.size < (row.size or 0):
        raise exception.InvalidInput(
            reason='Volume %s (%d GiB) is smaller than backup %s (%d GiB); '
                   'restore to a volume of at least %d GiB or omit volume_id '
                   'to create one.' % (volume.id, volume.size, row.id,
                                       row.size, row.size))
    if volume.host != row.host:
        # The backup service writes a restore through the volume's local
        # path, so it can only restore to volumes of its own host.
        raise exception.InvalidInput(
            reason='Volume %s is on host %s, but backup %s is restored by '
                   'the backup service on host %s, which can only write to '
                   'volumes of its own host. Restore onto a volume on %s, or '
                   'omit volume_id to restore to a new volume (created on '
                   '%s).' % (volume.id, volume.host, row.id, row.host,
                             row.host, row.host))


def _new_volume(ctx, row, name, vtype):
    return volume_db.create(ctx, {
        'id': str(uuid.uuid4()), 'user_id': ctx.user_id,
        'project_id': ctx.project_id, 'host': row.host,
        'size': row.size, 'availability_zone': row.availability_zone,
        'volume_type': vtype.name, 'volume_type_id': vtype.id,
        'status': V.CREATING, 'attach_status': volume_db.DETACHED,
        'display_name': name or 'restore_backup_%s' % row.id,
    }, _source_metadata(ctx, row))


def _source_metadata(ctx, row):
    """The metadata a restore gives its new volume: the backed-up
    volume's, as Cinder restores it. Read at restore time (backupd keeps no
    copy taken at backup time, doc/rest_api_version_history.rst), and only
    from a volume of the backup's own project: an imported record may name
    another project's volume."""
    try:
        source = db.get(ctx, models.Volume, row.volume_id,
                        project_id=row.project_id, include_deleted=True)
    except exception.NotFound:
        return {}
    return metadata.of(ctx, models.Volume, [source.id])[source.id]


# --- helpers ---------------------------------------------------------------

def get_row(ctx, backup_id):
    row = db.get(ctx, models.Backup, backup_id,
                 project_id=common.owner_filter(ctx))
    if _hidden(ctx, row):
        raise exception.BackupNotFound(backup_id=backup_id)
    return row


def _authorize(ctx, action, row):
    policies.authorize(ctx, action, {'project_id': row.project_id,
                                     'user_id': row.user_id})


def changed(row):
    return exception.Conflict(
        reason='Backup %s changed status meanwhile (it was \'%s\'); look at '
               'it again and retry.' % (row.id, row.status))


def call_service(send):
    try:
        return send()
    except messaging.MessagingTimeout:
        raise exception.ServiceUnavailable(
            reason='The backup service did not answer in time; look at '
                   'GET /os-services and try again.')
    except messaging.MessagingException as e:
        raise exception.ServiceUnavailable(
            reason='The backup service could not be reached over the message '
                   'bus: %s' % e)
