"""What creating and deleting a volume does, whoever asks for it: the
volumes handler (one volume), groups (every volume of a group, a group
from a group snapshot or another group).

``create`` checks the source, the size and the type, places the volume (or
keeps it on its source's host), charges the quota in the transaction that
inserts the row, and casts the work to the volume service; ``delete`` is
the compare-and-swap to ``deleting`` and the cast, undone when the bus
fails. A refused status change is a 400 naming the volume, its status and
what to do (``refused``).
"""
import collections
import uuid

from oslo_config import cfg

from backupd.api import common
from backupd.api import host_selection
from backupd.api import lookups
from backupd.api import rpc_clients
from backupd.api import volume_type_choice
from backupd import binaries
from backupd.db import api as db
from backupd.db import models
from backupd.db import quotas as quotas_db
from backupd.db import volumes as volume_db
from backupd import exception
from backupd.manager import states
from backupd import quota

V = states.Volume
S = states.Snapshot
SERVICE = binaries.VOLUME

# What a user can do about a volume whose status refuses a request.
HINTS = {
    V.IN_USE: 'detach it first (os-detach)',
    V.BACKING_UP: 'a backup is reading it; wait for the backup to finish '
                  'or force-delete the backup',
    V.RESTORING_BACKUP: 'a restore is writing it; wait for the restore to '
                        'finish',
}

# What a new volume copies: a snapshot or a volume, where it lives.
Source = collections.namedtuple('Source', 'kind id host zone size type_id')


# --- create ----------------------------------------------------------------

def create(ctx, body, group=None):
    """A new volume as ``body`` (the API's volume fields: size, name,
    description, metadata, volume_type, availability_zone, snapshot_id,
    source_volid, multiattach) asks, in ``group`` ((group id, the volume
    type ids it takes)) if given; returns its row (``creating``) once the
    volume service has the work."""
    source = source_of(ctx, body)
    size = create_size(body, source)
    vtype = volume_type_choice.choose(ctx, body.get('volume_type'),
                                      source.type_id if source else None)
    if group is not None and vtype.id not in group[1]:
        raise exception.InvalidInput(
            reason='Group %s takes volumes of type %s, not %s; give one of '
                   'those as volume_type.' % (group[0], ', '.join(group[1]),
                                              vtype.name))
    quota.check_volume_size(ctx, ctx.project_id, size)
    if source is not None:
        host, zone = source.host, source.zone
        what = 'create a volume from %s %s' % (source.kind, source.id)
        volume_type_choice.require_backend(
            vtype, host_selection.require_up(host, SERVICE, what), what)
    else:
        zone = (body.get('availability_zone')
                or cfg.CONF.storage_availability_zone)
        host = host_selection.place_volume(size, 'create a volume', zone,
                                           backend=vtype.backend)
    with quota.charged(ctx, ctx.project_id,
                       quotas_db.of_volume(size, vtype.name)):
        row = volume_db.create(ctx, {
            'id': str(uuid.uuid4()), 'user_id': ctx.user_id,
            'project_id': ctx.project_id, 'host': host, 'size': size,
            'availability_zone': zone, 'status': V.CREATING,
            'attach_status': volume_db.DETACHED,
            'snapshot_id': body.get('snapshot_id'),
            'source_volid': body.get('source_volid'),
            'volume_type': vtype.name, 'volume_type_id': vtype.id,
            'multiattach': common.flag(body, 'multiattach', 'volume'),
            'group_id': group[0] if group else None,
            **common.display_fields(body),
        }, body.get('metadata'))
    common.cast(lambda: rpc_clients.volume().create_volume(
                    ctx, host, row.id), SERVICE,
                undo=lambda: volume_db.destroy(ctx, row.id, (V.CREATING,)))
    return row


def source_of(ctx, body):
    """The snapshot or volume the new volume copies, checked; or None."""
    if body.get('snapshot_id') and body.get('source_volid'):
        raise exception.InvalidInput(
            reason='give either volume/snapshot_id or volume/source_volid, '
                   'not both')
    if body.get('snapshot_id'):
        snap = lookups.snapshot(ctx, body['snapshot_id'])
        if snap.status != S.AVAILABLE:
            raise exception.InvalidState(
                reason='Snapshot %s is \'%s\'; a volume can be created only '
                       'from an \'available\' snapshot.' % (snap.id,
                                                            snap.status))
        volume = db.get(ctx, models.Volume, snap.volume_id)
        return Source('snapshot', snap.id, volume.host,
                      volume.availability_zone, snap.volume_size,
                      volume.volume_type_id)
    if body.get('source_volid'):
        volume = lookups.volume(ctx, body['source_volid'])
        if volume.status not in (V.AVAILABLE, V.IN_USE):
            raise exception.InvalidState(
                reason='Volume %s is \'%s\'; a volume can be cloned only '
                       'when it is \'available\' or \'in-use\'.'
                       % (volume.id, volume.status))
        return Source('volume', volume.id, volume.host,
                      volume.availability_zone, volume.size,
                      volume.volume_type_id)
    return None


def create_size(body, source):
    if body.get('size') is None:
        if source is None:
            raise exception.InvalidInput(
                reason='volume/size is required (in GiB) unless the volume '
                       'is created from a snapshot or a volume')
        return source.size
    minimum = source.size if source is not None else 1
    where = 'volume/size'
    if source is not None:
        where += ' (the %s %s is %d GiB)' % (source.kind, source.id,
                                             source.size)
    return common.size_gb(body['size'], where, minimum)


# --- delete ----------------------------------------------------------------

def delete(ctx, row, transition, cascade):
    host_selection.require_up(row.host, SERVICE, 'delete volume %s' % row.id)
    snapshot_change = ((S.DELETING, S.FROM['cascade_delete'])
                       if cascade else None)
    if not volume_db.begin_delete(ctx, row.id,
                                  (V.DELETING, V.FROM[transition]),
                                  snapshot_change):
        raise refused(ctx, row.id, 'deleted', transition)
    common.cast(lambda: rpc_clients.volume().delete_volume(
                    ctx, row.host, row.id, cascade=cascade),
                SERVICE, undo=lambda: undo_delete(ctx, row, cascade))


def undo_delete(ctx, row, cascade):
    db.conditional_update(ctx, models.Volume, row.id,
                          {'status': row.status}, {'status': V.DELETING})
    # Cascaded snapshots were in 'available' or 'error'; they were
    # usable, so 'available' is the truthful undo only for those; admins
    # can reset the others.
    if cascade:
        for snap in db.get_all(ctx, models.Snapshot,
                               {'volume_id': row.id, 'status': S.DELETING}):
            db.conditional_update(ctx, models.Snapshot, snap.id,
                                  {'status': S.AVAILABLE},
                                  {'status': S.DELETING})


def refused(ctx, volume_id, verb, transition):
    """The 400 of a refused status change: names the current status and
    what to do."""
    current = db.get(ctx, models.Volume, volume_id).status
    allowed = V.FROM[transition]
    hint = HINTS.get(current, 'wait until it is in one of those, or ask an '
                               'admin to fix its status (os-reset_status)')
    return exception.InvalidState(
        reason='Volume %s is \'%s\'; only volumes that are %s can be %s; %s.'
               % (volume_id, current, ', '.join(allowed), verb, hint))
