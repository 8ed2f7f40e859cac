"""Automatic verification of stored backups (``backup_verify_interval``).

Bit rot or a lost object in the backup store is otherwise found only when
someone restores. A pass re-reads and checks every available backup of this
host, one at a time on a native thread (the driver's ``verify``), oldest
first. It changes no status: a damaged backup is reported (log error and a
``backup.verify.error`` notification naming each object); a sound one gets
``backup.verify.end``. A backup deleted or changed while it was being
checked is not reported: what was found says nothing about it any more.
"""
import time

from oslo_log import log as logging

from backupd.db import backups as backup_db
from backupd.drivers.backup import base as backup_base
from backupd import exception
from backupd.manager.backup import common
from backupd.manager.backup import work
from backupd import notifications

LOG = logging.getLogger(__name__)
B = common.B


class Schedule:
    """When the next pass is due; never two passes at once."""

    def __init__(self, interval):
        self.interval = interval
        self.last_start = time.monotonic()   # the first pass one interval in
        self.running = False

    def start_if_due(self):
        if (not self.interval or self.running
                or time.monotonic() - self.last_start < self.interval):
            return False
        self.running, self.last_start = True, time.monotonic()
        return True


def run_pass(mgr, context, schedule):
    try:
        rows = backup_db.on_host(context, mgr.host, (B.AVAILABLE,))
        LOG.info('Verifying the %d available backup(s) of host %s.',
                 len(rows), mgr.host)
        # One set of checked objects for the pass: an object backups share
        # is read once (doc/dedup-and-gc.rst, Verify).
        with mgr.driver.verify_pass() as checked:
            damaged = sum(_verify_one(mgr, context, row, checked) is False
                          for row in rows)
        LOG.info('Verification pass of host %s done: %d backup(s), %d '
                 'damaged.', mgr.host, len(rows), damaged)
    finally:
        schedule.running = False


def _verify_one(mgr, context, row, checked=None):
    """True sound, False damaged, None not judged (busy, gone, changed)."""
    if mgr.runs.get(row.id) is not None or not mgr.ready:
        return None
    try:
        report = work.in_thread(mgr.driver.verify,
                                common.ref_of(context, row), checked)
    except Exception as exc:
        # e.g. an unreadable manifest, the store unreachable: this backup
        # could not be verified; the pass goes on with the next one (as
        # ``backupd-manage backup verify`` does).
        report = backup_base.VerifyReport(row.id, problems=[
            'could not be verified: %s' % (exc,)])
    try:
        now = common.backup_row(context, row.id)
    except exception.BackupNotFound:
        return None
    if now.status != B.AVAILABLE or now.updated_at != row.updated_at:
        return None
    payload = notifications.backup_payload(
        now, checked_objects=report.checked_objects,
        checked_bytes=report.checked_bytes,
        problems=[str(p) for p in report.problems])
    if report.ok:
        LOG.info('Verified: %s', report.summary())
        notifications.notify(context, 'backup', 'verify', 'end', payload)
        return True
    LOG.error('Backup %s is damaged in its store: %s', row.id,
              report.summary())
    notifications.notify(context, 'backup', 'verify', 'error', payload,
                         priority='error')
    return False
