"""Changed-block tracking's base snapshots, seen from the backup service
(issue 19).

With ``backup_change_tracking`` a backup whose volume driver can compare
snapshots reads its volume through a temporary snapshot (also when the
volume is not in use) and, once it is available, keeps that snapshot as
its *base* (``backups.base_snapshot_id`` + ``base_identity``). The next
incremental asks the volume service what changed between the parent's base
and its own snapshot, and the engine reads only that.

A base is useful only to the newest available backup of its volume (the
one the API takes as the next parent). Every other base is removed: when a
newer backup keeps one, when its backup is deleted or fails, at start
after a crash and periodically (:func:`prune_host`), and all of them when
the option is off.
"""
from oslo_log import log as logging

from backupd.db import base_snapshots as base_db
from backupd.drivers.backup.engine import tracked
from backupd.manager.backup import common

LOG = logging.getLogger(__name__)
B = common.B

#: Statuses in which a backup may still be an incremental's parent.
USABLE = (B.AVAILABLE, B.RESTORING)


def wanted(mgr, row):
    """Whether backup ``row`` should read through a snapshot it can keep:
    the option is on, the backup driver can use changed ranges, and the
    backup is not of a user's snapshot (which is not ours to keep)."""
    return bool(mgr.conf.backup_change_tracking and not row.snapshot_id
                and getattr(mgr.driver, 'supports_change_tracking', False))


def changes_for(mgr, context, row):
    """The :class:`tracked.Changes` of a backup about to read its temporary
    snapshot, or None when it reads something else. Failures to ask are
    logged and become a reason: the engine then reads everything."""
    row = common.backup_row(context, row.id)
    if not (row.temp_snapshot_id and mgr.conf.backup_change_tracking):
        return None
    base = None
    if row.parent_id:
        parent = common.backup_row(context, row.parent_id)
        if parent.base_snapshot_id:
            base = {'snapshot_id': parent.base_snapshot_id,
                    'identity': parent.base_identity}
    volume = common.source_volume(context, row)
    try:
        answer = mgr.volume_rpc.track_changes(
            context, volume.host, volume.id, row.temp_snapshot_id,
            base_snapshot_id=base and base['snapshot_id'],
            base_identity=base and base['identity'])
    except Exception as e:
        LOG.warning('Backup %s: the volume service could not say what '
                    'changed in volume %s (%s); reading all of it.', row.id,
                    volume.id, e)
        return tracked.Changes(base=base, reason='the volume service could '
                               'not compare snapshots: %s' % e)
    snapshot = None
    if answer.get('identity'):
        snapshot = {'snapshot_id': row.temp_snapshot_id,
                    'identity': answer['identity']}
    reason = answer.get('reason')
    if base is None and row.parent_id:
        reason = 'parent backup %s kept no base snapshot' % row.parent_id
    return tracked.Changes(base=base, ranges=answer.get('ranges'),
                           reason=reason or '', snapshot=snapshot)


def adopt(context, row, changes):
    """Keep the snapshot the backup read as its base (before the temporary
    resources are released); True when it did."""
    if changes is None or changes.snapshot is None:
        return False
    snap = changes.snapshot
    done = base_db.adopt(context, row.id, snap['snapshot_id'],
                         snap['identity'], B.CREATING)
    if done:
        LOG.info('Backup %s keeps snapshot %s of volume %s as the base of '
                 'the next incremental.', row.id, snap['snapshot_id'],
                 row.volume_id)
    return done


def release(mgr, context, row):
    """Remove the base backup ``row`` names; idempotent. False when the
    volume service could not be reached (kept for a later retry)."""
    snapshot_id = row.base_snapshot_id
    if not snapshot_id:
        return True
    volume = common.source_volume(context, row)
    try:
        mgr.volume_rpc.remove_backup_device(context, volume.host,
                                            temp_snapshot_id=snapshot_id)
    except Exception as e:
        LOG.warning('Could not remove base snapshot %s of backup %s yet '
                    '(%s); will retry.', snapshot_id, row.id, e)
        return False
    base_db.forget(context, row.id, snapshot_id)
    LOG.info('Removed base snapshot %s of backup %s.', snapshot_id, row.id)
    return True


def release_of(mgr, context, backup_id):
    release(mgr, context, common.backup_row(context, backup_id,
                                            include_deleted=True))


def prune_volume(mgr, context, volume_id, keep=None):
    """Remove the bases of ``volume_id``'s backups other than ``keep``'s
    (a newer base exists)."""
    for row in base_db.with_bases(context, volume_id=volume_id):
        if row.id != keep and not _busy(mgr, row):
            release(mgr, context, row)


def prune_host(mgr, context):
    """Remove every base of this host's backups that no incremental can
    use: its backup is deleted, failed or not the newest usable backup of
    its volume, or the option is off. Runs at start (after a crash) and
    periodically; skips backups a live run owns."""
    newest = {}
    for row in base_db.with_bases(context, host=mgr.host):
        if _busy(mgr, row):
            continue
        if row.volume_id not in newest:
            found = base_db.newest(context, row.volume_id, USABLE)
            newest[row.volume_id] = found.id if found else None
        useful = (mgr.conf.backup_change_tracking and not row.deleted
                  and row.status in USABLE
                  and newest[row.volume_id] == row.id)
        if not useful:
            release(mgr, context, row)



def _busy(mgr, row):
    """A live run here, or another service's lease, owns the row."""
    return bool(mgr.runs.live(row.id) or mgr.owner.held_by_other(row))
