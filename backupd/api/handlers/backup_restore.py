"""POST /backups/{id}/restore: a backup onto an existing volume of its
host, or onto a new volume created there.

The backup service on the backup's host writes the restore through the
volume's local path, so the target must live on that host (a new volume is
placed there, doc/volume-placement.rst). Checks come first; the backup and
volume status changes are compare-and-swaps in one transaction; the work
is cast to that backup service.
"""
import uuid

from backupd.api import common
from backupd.api import host_selection
from backupd.api import lookups
from backupd.api import rpc_clients
from backupd.api.schemas import backups as schemas
from backupd.api import volume_type_choice
from backupd.api.views import backups as views
from backupd.api import wsgi
from backupd import binaries
from backupd.db import api as db
from backupd.db import metadata
from backupd.db import models
from backupd.db import quotas as quotas_db
from backupd.db import volumes as volume_db
from backupd import exception
from backupd.manager import states
from backupd.policies import backups as policy
from backupd import quota

B = states.Backup
V = states.Volume
SERVICE = binaries.BACKUP


def restore(req, backup_id):
    ctx = wsgi.context_of(req)
    body = wsgi.extract_json(req, schemas.RESTORE)['restore']
    row = lookups.backup(ctx, backup_id, policy.RESTORE)
    if row.status != B.AVAILABLE:
        raise exception.InvalidState(
            reason='Backup %s is \'%s\'; only an \'available\' backup can be '
                   'restored.' % (row.id, row.status))
    target = None
    if body.get('volume_id'):
        target = lookups.volume(ctx, body['volume_id'])
        _check_restore_target(row, target)
    host_selection.require_up(row.host, SERVICE, 'restore backup %s' % row.id)
    if target is not None:
        host_selection.require_up(target.host, binaries.VOLUME,
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
            raise lookups.backup_changed(row)
        if target is not None and not db.conditional_update(
                ctx, models.Volume, target.id,
                {'status': V.RESTORING_BACKUP},
                {'status': V.FROM['restore_target']}):
            raise exception.Conflict(
                reason='Volume %s changed status meanwhile; try again.'
                       % target.id)
    common.cast(lambda: rpc_clients.backup().restore_backup(
                    ctx, row.host, row.id, volume.id), SERVICE,
                undo=lambda: _undo_restore(ctx, row, volume, target is None))
    return wsgi.json_response(views.restore(row, volume), status=202)


def _place_restored_volume(row):
    """409 unless a new volume of the backup's size fits on the backup's
    host: its backup service writes the restore through a local path, so
    the volume cannot go anywhere else (doc/volume-placement.rst)."""
    size = row.size or 1
    host_selection.place_volume(
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
