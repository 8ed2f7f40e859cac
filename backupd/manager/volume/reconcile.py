"""The volume service's reconciler: while the service runs, finish or
repair this host's volumes and snapshots that no live operation owns
(issue 22, doc/reliability.rst).

Abandoned rows (backupd.db.leases) only: unclaimed for a whole lease (the
request was lost: a delete or a snapshot create is resumed; a volume create
or an extend fails, see _repair) or claimed under a lease nobody renews
(the operation stopped: a create or extend fails, a delete resumes).
Left alone: a backup's temporary snapshot or clone (the backup service
removes those) and a new volume that a restore will create (the backup
service's restore owns it).
"""
import eventlet
from oslo_log import log as logging

from backupd.db import api as db
from backupd.db import models
from backupd.manager.volume import cleanup
from backupd.manager.volume import common
from backupd.manager.volume import snapshots
from backupd.manager.volume import volumes
from backupd.manager import one_row
from backupd.manager import states

LOG = logging.getLogger(__name__)
V = states.Volume
S = states.Snapshot
B = states.Backup

LOST = 'its request was lost (message bus outage)'
STOPPED = 'its operation stopped (service died or lost the database)'


def run(manager, ctxt):
    manager.owner.renew(ctxt, models.Volume, models.Snapshot)
    for vol in manager.owner.abandoned(
            ctxt, models.Volume, (V.CREATING, V.DELETING, V.EXTENDING),
            host=manager.host):
        if (vol.id in manager.live or vol.is_temporary or
                _restore_target(ctxt, vol)):
            continue
        with one_row.at_a_time('Reconciler', 'volume', vol.id):
            _repair(manager, ctxt, models.Volume, vol)
    for snap in manager.owner.abandoned(
            ctxt, models.Snapshot, (S.CREATING, S.DELETING),
            volume_host=manager.host):
        if snap.id in manager.live or snap.is_temporary:
            continue
        with one_row.at_a_time('Reconciler', 'snapshot', snap.id):
            _repair(manager, ctxt, models.Snapshot, snap)


def _restore_target(ctxt, vol):
    return vol.status == V.CREATING and bool(db.get_all(
        ctxt, models.Backup, {'restore_volume_id': vol.id,
                              'status': B.RESTORING}))


def _repair(manager, ctxt, model, row):
    kind = model.__tablename__[:-1]
    lost = row.lease_owner is None
    # A lost volume create fails rather than resumes: a new volume a
    # restore was to fill looks the same once the backup side gave up on
    # it, and an empty volume must never turn up 'available' in its place.
    if row.status == common.table_of(model).DELETING or (
            lost and model is models.Snapshot and row.status == S.CREATING):
        LOG.warning('Reconciler: %s %s is %s and %s; resuming it.', kind,
                    row.id, row.status, LOST if lost else STOPPED)
        _notify(ctxt, kind, row, 'resumed %s' % row.status,
                LOST if lost else STOPPED)
        operation = {
            (models.Volume, V.CREATING): volumes.create,
            (models.Volume, V.DELETING): lambda m, c, i: volumes.delete(
                m, c, i, cascade=True),
            (models.Snapshot, S.CREATING): snapshots.create,
            (models.Snapshot, S.DELETING): snapshots.delete,
        }[model, row.status]
        eventlet.spawn_n(_guarded, operation, manager, ctxt, row.id)
        return
    if not manager.owner.claim(ctxt, model, row.id, (row.status,)):
        return
    try:
        reason = LOST if lost else STOPPED
        cleanup.reset(ctxt, model, row, row.status, reason, 'Reconciler')
        _notify(ctxt, kind, row, 'failed %s' % row.status, reason)
    finally:
        manager.owner.release(ctxt, model, row.id)


def _guarded(operation, manager, ctxt, row_id):
    try:
        operation(manager, ctxt, row_id)
    except Exception:
        LOG.exception('Reconciler: resuming %s of %s failed', operation,
                      row_id)


def _notify(ctxt, kind, row, repair, reason):
    payload = (common.volume_payload if kind == 'volume'
               else common.snapshot_payload)(row, repair=repair,
                                             reason=reason)
    common.notify(ctxt, kind, 'repair', None, payload)
