"""Repair at start what a crash of this host's volume service left behind.

``creating`` volumes and snapshots a dead operation claimed go to ``error``
(their data may be partial); ``extending`` volumes go to
``error_extending``; ``deleting`` ones are deleted again (driver deletes
are idempotent). Running it twice changes nothing more. The reconciler
(backupd.manager.volume.reconcile) applies the same rules while the
service runs.
"""
from oslo_log import log as logging

from backupd.db import snapshots as snapshot_db
from backupd.db import volumes as volume_db
from backupd.db import models
from backupd.manager.volume import common
from backupd.manager.volume import snapshots
from backupd.manager.volume import volumes
from backupd.manager import one_row
from backupd.manager import states

LOG = logging.getLogger(__name__)
V = states.Volume
S = states.Snapshot
INTERRUPTED = 'interrupted by a restart of the volume service'


def run(manager, ctxt):
    # Rows another live process holds a lease on are its own, and an
    # unclaimed create or extend may still have its request queued
    # (doc/reliability.rst): the reconciler repairs those if need be.
    def mine(rows):
        return [r for r in rows if not manager.owner.held_by_other(r)]

    def stopped(rows):
        return [r for r in mine(rows) if r.lease_owner is not None]
    for volume in stopped(volume_db.on_host(ctxt, manager.host,
                                            (V.CREATING, V.EXTENDING))):
        with one_row.at_a_time('Cleanup', 'volume', volume.id):
            reset(ctxt, models.Volume, volume, volume.status)
    for snap in stopped(snapshot_db.on_host(ctxt, manager.host,
                                            (S.CREATING,))):
        with one_row.at_a_time('Cleanup', 'snapshot', snap.id):
            reset(ctxt, models.Snapshot, snap, snap.status)
    for snap in mine(snapshot_db.on_host(ctxt, manager.host, (S.DELETING,))):
        LOG.info('Cleanup: resuming the delete of snapshot %s.', snap.id)
        with one_row.at_a_time('Cleanup', 'snapshot', snap.id):
            snapshots.delete(manager, ctxt, snap.id)
    for volume in mine(volume_db.on_host(ctxt, manager.host, (V.DELETING,))):
        LOG.info('Cleanup: resuming the delete of volume %s.', volume.id)
        with one_row.at_a_time('Cleanup', 'volume', volume.id):
            volumes.delete(manager, ctxt, volume.id, cascade=True)


# (model, stuck status) -> (transition, status it is reset to)
_RESETS = {
    (models.Volume, V.CREATING): ('fail_create', V.ERROR),
    (models.Volume, V.EXTENDING): ('fail_extend', V.ERROR_EXTENDING),
    (models.Snapshot, S.CREATING): ('fail_create', S.ERROR),
}


def reset(ctxt, model, row, status, reason=INTERRUPTED, who='Cleanup'):
    transition, to = _RESETS[model, status]
    what = '%s %s was %s' % (model.__tablename__[:-1], row.id, status)
    common.fail(ctxt, model, row.id, transition, to, reason, what)
    LOG.warning('%s: %s (%s); now %s.', who, what, reason, to)
