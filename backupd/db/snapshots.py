"""Snapshot queries: creation guarded by the volume's status, host lookups."""
from backupd.db import api
from backupd.db import metadata
from backupd.db import models
from backupd.db import quotas


@api.writer
def create(context, values, volume_expected, snapshot_metadata=None):
    """Insert a snapshot (and its metadata) while its volume is in
    ``volume_expected``; None when it is not.

    The volume row is touched with a compare-and-swap in the same
    transaction, so a concurrent volume delete (which changes the volume's
    status first, then checks for snapshots) and this insert serialize.
    """
    if not api.conditional_update(context, models.Volume, values['volume_id'],
                                  {}, {'status': volume_expected}):
        return None
    row = api.create(context, models.Snapshot, values)
    metadata.add(context, models.Snapshot, row.id, snapshot_metadata)
    return row


@api.reader
def on_host(context, host, statuses):
    """Snapshots in ``statuses`` whose volume lives on ``host``."""
    return context.session.query(models.Snapshot).join(
        models.Volume, models.Volume.id == models.Snapshot.volume_id).filter(
        models.Volume.host == host,
        models.Snapshot.status.in_(list(statuses)),
        models.Snapshot.deleted.is_(False)).order_by(
        models.Snapshot.created_at).all()


@api.writer
def destroy(context, snapshot_id, expected):
    """Soft-delete the snapshot with its metadata once its data is gone."""
    row = api.get(context, models.Snapshot, snapshot_id,
                  include_deleted=True)
    if not api.soft_delete(context, models.Snapshot, snapshot_id,
                           expected={'status': expected}):
        return False
    metadata.replace(context, models.Snapshot, snapshot_id, {})
    if not row.is_temporary:
        volume = api.get(context, models.Volume, row.volume_id,
                         include_deleted=True)
        quotas.release(context, row.project_id, quotas.of_snapshot(
            row.volume_size or 0, volume.volume_type))
    return True
