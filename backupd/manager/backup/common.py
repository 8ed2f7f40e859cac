"""What the backup operations share: rows to driver refs, the source volume
or snapshot and its backup device, notifications.
"""
import uuid

from oslo_log import log as logging

from backupd.db import api as db
from backupd.db import models
from backupd.drivers.backup import base as driver_base
from backupd.manager import states
from backupd import notifications

LOG = logging.getLogger(__name__)

B = states.Backup
V = states.Volume
S = states.Snapshot


def backup_row(context, backup_id, include_deleted=False):
    return db.get(context, models.Backup, backup_id,
                  include_deleted=include_deleted)


def ref_of(context, row, with_parent=False):
    """The :class:`BackupRef` a driver gets for backup ``row``."""
    parent = None
    if with_parent and row.parent_id:
        parent = ref_of(context, backup_row(context, row.parent_id))
    return driver_base.BackupRef(
        id=row.id, volume_id=row.volume_id, container=row.container or None,
        parent=parent, service_metadata=row.service_metadata,
        project_id=row.project_id)


def notify(context, row, action, phase, **extra):
    notifications.notify(context, 'backup', action, phase,
                         notifications.backup_payload(row, **extra))


# --- the source and its backup device --------------------------------------

def source_volume(context, row):
    return db.get(context, models.Volume, row.volume_id, include_deleted=True)


def acquire_device(context, volume_rpc, row, track_changes=False):
    """Path the driver reads ``row``'s data from.

    An in-use volume (or one whose driver can't hand out its path while a
    writer may touch it) is read through a temporary snapshot, or a
    temporary clone when the volume driver can't expose snapshot paths.
    With ``track_changes`` any volume whose driver can track changed blocks
    is read through a temporary snapshot (kept afterwards as the next
    incremental's base, see bases.py).
    The temp id is written on the backup row BEFORE the volume service
    creates it, so a crash in between still names it for cleanup.
    """
    volume = source_volume(context, row)
    host = volume.host
    if row.snapshot_id:
        return volume_rpc.get_backup_device(
            context, host, volume.id, snapshot_id=row.snapshot_id)['path']
    caps = {}
    if track_changes or volume.previous_status == V.IN_USE:
        caps = volume_rpc.capabilities(context, host)
    tracking = bool(track_changes and caps.get('change_tracking')
                    and caps.get('snapshot_local_path'))
    if volume.previous_status != V.IN_USE and not tracking:
        return volume_rpc.get_backup_device(context, host, volume.id)['path']
    temp_id = str(uuid.uuid4())
    field = ('temp_snapshot_id' if caps.get('snapshot_local_path')
             else 'temp_volume_id')
    db.update(context, models.Backup, row.id, {field: temp_id})
    LOG.info('Backup %s reads volume %s through %s %s.', row.id,
             volume.id, field[:-3].replace('_', ' '), temp_id)
    return volume_rpc.get_backup_device(context, host, volume.id,
                                        **{field: temp_id})['path']


def release_device(context, volume_rpc, backup_id):
    """Remove the temp snapshot/volume the backup row names; clear the ids.

    Idempotent: a resource already gone is fine. Returns False (ids kept
    for a later retry) when the volume service could not be reached.
    """
    row = db.get(context, models.Backup, backup_id, include_deleted=True)
    temps = {k: v for k, v in (('temp_snapshot_id', row.temp_snapshot_id),
                               ('temp_volume_id', row.temp_volume_id)) if v}
    if not temps:
        return True
    volume = source_volume(context, row)
    try:
        volume_rpc.remove_backup_device(context, volume.host,
                                        **temps)
    except Exception as e:
        LOG.warning('Could not remove %s of backup %s yet (%s); will retry.',
                    temps, backup_id, e)
        return False
    db.update(context, models.Backup, backup_id,
              {k: None for k in temps})
    LOG.info('Removed %s of backup %s.', temps, backup_id)
    return True


def return_source(context, row):
    """Put the snapshot or volume ``row`` was taken from back in its status."""
    if row.snapshot_id:
        return db.conditional_update(
            context, models.Snapshot, row.snapshot_id,
            {'status': S.AVAILABLE}, {'status': S.FROM['finish_backup']})
    volume = source_volume(context, row)
    return db.conditional_update(
        context, models.Volume, volume.id,
        {'status': volume.previous_status or V.AVAILABLE,
         'previous_status': None},
        {'status': V.FROM['finish_backup']})
