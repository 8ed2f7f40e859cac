"""Volume queries: creation with metadata, guarded delete, attachments.

Status changes here are compare-and-swap updates through
``api.conditional_update``; callers pass the allowed source statuses from
``backupd.manager.states`` (the db layer imports nothing above it).
"""
from oslo_utils import timeutils

from backupd.db import api
from backupd.db import metadata
from backupd.db import models
from backupd.db import quotas
from backupd import exception

ATTACHED = 'attached'
# states.Snapshot.DELETING from states.Snapshot.FROM['cascade_delete'] (the
# db layer does not import the manager's; a unit test keeps them equal):
# how a deleted volume's hidden base snapshots go.
HIDDEN_SNAPSHOT_CHANGE = ('deleting', ('available', 'error'))
DETACHED = 'detached'


@api.writer
def create(context, values, volume_metadata=None):
    """Insert a volume row and its metadata in one transaction."""
    row = api.create(context, models.Volume, values)
    metadata.add(context, models.Volume, row.id, volume_metadata)
    return row


@api.reader
def snapshot_count(context, volume_id):
    """Snapshots of the volume, temporary ones included."""
    return api.count(context, models.Snapshot, {'volume_id': volume_id})


@api.writer
def begin_delete(context, volume_id, change, snapshot_change=None):
    """Volume status change ``change`` = (to, allowed from) when it has
    no snapshots.

    With ``snapshot_change`` (cascade) its snapshots change too, all or
    nothing. The status change comes first
    so a concurrent snapshot create (which guards on the volume's status)
    cannot slip in between the check and the change. Returns False when the
    volume is not in an allowed status; raises InvalidState (rolling everything
    back) when snapshots are in the way.
    """
    to, expected = change
    if not api.conditional_update(context, models.Volume, volume_id,
                                  {'status': to}, {'status': expected}):
        return False
    snapshots = context.session.query(models.Snapshot).filter(
        models.Snapshot.volume_id == volume_id,
        models.Snapshot.deleted.is_(False)).all()
    # Base snapshots kept for changed-block tracking are not the user's:
    # they never stand in the way and always go with the volume.
    kept = [s for s in snapshots if s.is_temporary]
    snapshots = [s for s in snapshots if not s.is_temporary]
    to, allowed = HIDDEN_SNAPSHOT_CHANGE
    for snap in kept:
        api.conditional_update(context, models.Snapshot, snap.id,
                               {'status': to}, {'status': allowed})
    if snapshots and snapshot_change is None:
        raise exception.InvalidState(
            reason='Volume %s has %d snapshot(s) (%s); delete them first or '
                   'delete the volume with cascade=True.'
                   % (volume_id, len(snapshots),
                      ', '.join(s.id for s in snapshots)))
    for snap in snapshots:
        snap_to, snap_expected = snapshot_change
        if not api.conditional_update(context, models.Snapshot, snap.id,
                                      {'status': snap_to},
                                      {'status': snap_expected}):
            raise exception.InvalidState(
                reason='Volume %s cannot be deleted with cascade: its '
                       'snapshot %s is %r; only snapshots in %s can be '
                       'deleted.' % (volume_id, snap.id, snap.status,
                                     ', '.join(snap_expected)))
    return True


def _change_attachment(context, volume_id, change, attach_status):
    to, expected = change
    return api.conditional_update(
        context, models.Volume, volume_id,
        {'status': to, 'attach_status': attach_status}, {'status': expected})


@api.writer
def attach(context, volume_id, change, attachment):
    """Status ``change`` (to in-use) plus an attachment row; None if the
    volume is not in an allowed status."""
    if not _change_attachment(context, volume_id, change, ATTACHED):
        return None
    values = dict(attachment, volume_id=volume_id, attach_status=ATTACHED,
                  attach_time=timeutils.utcnow())
    return api.create(context, models.VolumeAttachment, values)


@api.writer
def detach(context, volume_id, change, attachment_id=None):
    """Status ``change`` (to available), attachment(s) detached; False if
    the volume is not in an allowed status.

    Volumes are single-attach: detaching ends every attachment unless one
    is named.
    """
    if not _change_attachment(context, volume_id, change, DETACHED):
        return False
    end_attachments(context, volume_id, attachment_id)
    return True


@api.writer
def end_attachments(context, volume_id, attachment_id=None):
    """Mark the volume's attachments detached (and their rows deleted)."""
    now = timeutils.utcnow()
    query = context.session.query(models.VolumeAttachment).filter(
        models.VolumeAttachment.volume_id == volume_id,
        models.VolumeAttachment.deleted.is_(False))
    if attachment_id is not None:
        query = query.filter(models.VolumeAttachment.id == attachment_id)
    return query.update({'attach_status': DETACHED, 'detach_time': now,
                         'deleted': True, 'deleted_at': now},
                        synchronize_session=False)


@api.reader
def attachments_of(context, volume_ids):
    """{volume id: [attached VolumeAttachment rows]}."""
    result = {volume_id: [] for volume_id in volume_ids}
    if not volume_ids:
        return result
    rows = context.session.query(models.VolumeAttachment).filter(
        models.VolumeAttachment.volume_id.in_(list(volume_ids)),
        models.VolumeAttachment.deleted.is_(False),
        models.VolumeAttachment.attach_status == ATTACHED).all()
    for row in rows:
        result[row.volume_id].append(row)
    return result


@api.reader
def on_host(context, host, statuses):
    """Volumes of ``host`` in ``statuses`` (what cleanup repairs)."""
    return api.get_all(context, models.Volume,
                       {'host': host, 'status': statuses},
                       sort_keys=['created_at'], sort_dirs=['asc'])


@api.writer
def destroy(context, volume_id, expected):
    """Soft-delete the volume with its metadata once its data is gone."""
    now = timeutils.utcnow()
    row = api.get(context, models.Volume, volume_id, include_deleted=True)
    if not api.soft_delete(context, models.Volume, volume_id,
                           expected={'status': expected},
                           values={'terminated_at': now}):
        return False
    metadata.replace(context, models.Volume, volume_id, {})
    end_attachments(context, volume_id)
    if not row.is_temporary:
        quotas.release(context, row.project_id,
                       quotas.of_volume(row.size, row.volume_type))
    return True
