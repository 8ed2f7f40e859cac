"""Queries of changed-block tracking's base snapshots (issue 19).

A backup that read a temporary snapshot may keep it as the base of the
next incremental: ``backups.base_snapshot_id`` names it and
``base_identity`` records the volume driver's identity of it. The swaps
below are compare-and-swaps, so a crash leaves the snapshot named either as
the backup's temporary snapshot or as its base, never neither.
"""
from backupd.db import api
from backupd.db import models

Backup = models.Backup


@api.writer
def adopt(context, backup_id, snapshot_id, identity, expected_status):
    """The backup's temporary snapshot becomes its base, while the row is
    still in ``expected_status``; returns whether it did."""
    return api.conditional_update(
        context, Backup, backup_id,
        {'base_snapshot_id': snapshot_id, 'base_identity': identity,
         'temp_snapshot_id': None},
        {'status': expected_status, 'temp_snapshot_id': snapshot_id})


@api.writer
def forget(context, backup_id, snapshot_id):
    """Clear the base the row names, once the snapshot is removed."""
    return api.conditional_update(
        context, Backup, backup_id,
        {'base_snapshot_id': None, 'base_identity': None},
        {'base_snapshot_id': snapshot_id})


@api.reader
def with_bases(context, host=None, volume_id=None):
    """Backups (deleted ones too) that name a base, of a host or volume."""
    query = context.session.query(Backup).filter(
        Backup.base_snapshot_id.isnot(None))
    if host is not None:
        query = query.filter(Backup.host == host)
    if volume_id is not None:
        query = query.filter(Backup.volume_id == volume_id)
    return query.all()


@api.reader
def newest(context, volume_id, statuses):
    """The newest non-deleted backup of the volume in ``statuses``: the
    one the next incremental takes as its parent (the API picks the newest
    available backup)."""
    return (context.session.query(Backup)
            .filter(Backup.volume_id == volume_id,
                    Backup.deleted.is_(False),
                    Backup.status.in_(list(statuses)))
            .order_by(Backup.data_timestamp.desc(), Backup.created_at.desc())
            .first())

