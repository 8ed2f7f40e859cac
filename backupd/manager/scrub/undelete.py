"""Bring a ``pending_delete`` backup back (``backupd-scrubber --restore``)
and list what can still be brought back (``--list-pending``).

Guarded at every layer: the command refuses ``--daemon`` and holds the
scrubber lock (no scrub runs meanwhile); the data is verified on the backend
before the row changes; the row changes by compare-and-swap from
``pending_delete`` only, with the same ``pending_delete_at`` that was
checked. Nothing else of the row (name, description, metadata, parent,
sizes, container) is touched, so it is exactly the backup it was.
"""
import dataclasses
import datetime

from oslo_log import log as logging

from backupd.db import api as db
from backupd.db import backups as backup_db
from backupd.db import models
from backupd.manager.backup import common
from backupd.manager.backup import work

LOG = logging.getLogger(__name__)
B = common.B


class Refused(Exception):
    """The backup cannot be restored; the message says why and what to do."""


def restore(context, driver, backup_id):
    """pending_delete -> the status it had before the delete; the row."""
    row = backup_db.get_any(context, backup_id)
    if row is None or row.deleted:
        raise Refused('Backup %s does not exist or was already scrubbed '
                      '(deleted); there is nothing to restore.' % backup_id)
    if row.status != B.PENDING_DELETE:
        raise Refused(
            'Backup %s is \'%s\'; only a \'pending_delete\' backup can be '
            'restored (backupd-scrubber --list-pending shows them).'
            % (row.id, row.status))
    _check_parent(context, row)
    target = (row.previous_status if row.previous_status in
              B.FROM['delayed_delete'] else B.AVAILABLE)
    values = {'status': target, 'previous_status': None,
              'pending_delete_at': None}
    if target == B.AVAILABLE:
        _verify(context, driver, row)
        values['fail_reason'] = None
    if not db.conditional_update(
            context, models.Backup, row.id, values,
            {'status': B.FROM['undelete'],
             'pending_delete_at': row.pending_delete_at}):
        now = backup_db.get_any(context, backup_id)
        raise Refused('Backup %s changed meanwhile (it is now \'%s\'); '
                      'nothing was restored.' % (backup_id, now.status))
    row = common.backup_row(context, backup_id)
    LOG.info('Backup %s restored from pending_delete to %s.', row.id,
             row.status)
    common.notify(context, row, 'pending_delete_restore', None)
    return row


def _check_parent(context, row):
    if not row.parent_id or not row.depends_on_parent:
        return      # shared data: it restores without its parent
    parent = backup_db.get_any(context, row.parent_id)
    if parent is not None and parent.status == B.PENDING_DELETE:
        raise Refused(
            'Backup %s is an incremental of backup %s, which is '
            '\'pending_delete\' too; restore the parent first: '
            'backupd-scrubber --restore %s' % (row.id, parent.id, parent.id))


def _verify(context, driver, row):
    report = work.in_thread(driver.verify, common.ref_of(context, row))
    if not report.ok:
        raise Refused(
            'Backup %s cannot be restored: its stored data is incomplete '
            '(%s). It stays \'pending_delete\' and a scrubber removes the '
            'rest.' % (row.id, report.summary()))


@dataclasses.dataclass(frozen=True)
class Pending:
    row: models.Backup
    #: when a scrubber may remove it; restorable until then (at least)
    scrub_after: datetime.datetime
    #: incremental backups that must be scrubbed before it
    waits_for_children: int


def list_pending(conf, context):
    delay = datetime.timedelta(seconds=conf.scrub_time)
    return [Pending(row, row.pending_delete_at + delay,
                    backup_db.data_dependents(context, row.id))
            for row in backup_db.pending(context, B.PENDING_DELETE)]
