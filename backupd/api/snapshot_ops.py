"""What creating and deleting a snapshot does, whoever asks for it: the
snapshots handler (one snapshot) and group snapshots (one snapshot of
each volume of a group).

``create`` checks the volume's status (``in-use`` only with force), that
its volume service is up, charges the quota in the transaction that
inserts the row (only while the volume is still in an allowed status) and
casts the work; ``delete`` is the compare-and-swap to ``deleting`` and the
cast, undone when the bus fails.
"""
import uuid

from backupd.api import common
from backupd.api import host_selection
from backupd.api import lookups
from backupd.api import rpc_clients
from backupd import binaries
from backupd.db import api as db
from backupd.db import models
from backupd.db import quotas as quotas_db
from backupd.db import snapshots as snapshot_db
from backupd import exception
from backupd.manager import states
from backupd import quota

V = states.Volume
S = states.Snapshot
SERVICE = binaries.VOLUME


def create(ctx, volume, force, fields, metadata, group_snapshot_id=None):
    """A snapshot of ``volume`` (its row) with ``fields`` (display_name,
    display_description) and ``metadata``; returns its row (``creating``)
    once the volume service has the work."""
    allowed = V.FROM['snapshot_forced' if force else 'snapshot']
    if volume.status not in allowed:
        raise volume_refused(volume, force)
    host_selection.require_up(volume.host, SERVICE,
                              'snapshot volume %s' % volume.id)
    with quota.charged(ctx, ctx.project_id, quotas_db.of_snapshot(
            volume.size, volume.volume_type)):
        row = snapshot_db.create(ctx, {
            'id': str(uuid.uuid4()), 'volume_id': volume.id,
            'user_id': ctx.user_id, 'project_id': ctx.project_id,
            'status': S.CREATING, 'progress': '0%',
            'volume_size': volume.size,
            'group_snapshot_id': group_snapshot_id, **fields,
        }, allowed, metadata)
        if row is None:
            raise volume_refused(db.get(ctx, models.Volume, volume.id),
                                 force)
    common.cast(lambda: rpc_clients.volume().create_snapshot(
                    ctx, volume.host, row.id),
                SERVICE,
                undo=lambda: snapshot_db.destroy(ctx, row.id, (S.CREATING,)))
    return row


def volume_refused(volume, force):
    return lookups.volume_refusal(
        volume, force,
        'Volume %s is \'in-use\'; snapshotting an attached volume needs '
        'force=True (its data may be changing).',
        'Volume %s is \'%s\'; only \'available\' volumes (or \'in-use\' '
        'ones with force=True) can be snapshotted.')


def delete(ctx, row, transition):
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
