"""One scrub run: remove every backup pending longer than ``scrub_time``.

The database is the work queue: due rows are read a page at a time (the
time filter is in the query). Each one goes ``pending_delete -> deleting``
by compare-and-swap (so a concurrent ``--restore`` or a re-delete wins
cleanly), its objects are removed (idempotent: already gone is fine), and
only then is the row soft-deleted. A failed removal puts the row back to
``pending_delete`` for the next run. A row a killed scrubber left
``deleting`` (it still has ``pending_delete_at``) is simply finished.

A parent is due only once no backup whose data needs it is left (an
incremental of manifest version 1/2; shared-layout backups do not need
their parent, doc/dedup-and-gc.rst): such children are scrubbed first, and
the run makes another pass while a pass freed parents.

Each run first retries the collections that this process's earlier
deletes found busy (shared layout): the daemon retries them every
``wakeup_time``; a one-shot run retries its own once more as it ends.
"""
import dataclasses
import datetime
import typing

import eventlet
from oslo_log import log as logging
from oslo_utils import timeutils

from backupd.db import api as db
from backupd.db import backups as backup_db
from backupd.db import models
from backupd.manager.backup import common
from backupd.manager.backup import delete
from backupd.manager.backup import work

LOG = logging.getLogger(__name__)
B = common.B


@dataclasses.dataclass
class Report:
    scrubbed: typing.List[str] = dataclasses.field(default_factory=list)
    failed: typing.Dict[str, str] = dataclasses.field(default_factory=dict)

    def summary(self):
        text = 'scrubbed %d backup(s)' % len(self.scrubbed)
        if self.failed:
            text += '; %d failed and stay pending_delete: %s' % (
                len(self.failed), '; '.join(
                    '%s: %s' % item for item in sorted(self.failed.items())))
        return text


def run(conf, context, driver):
    cutoff = timeutils.utcnow() - datetime.timedelta(seconds=conf.scrub_time)
    report = Report()
    # What this process's earlier runs left: a daemon retries every pass.
    retry_busy_collections(driver)
    pool = eventlet.GreenPool(conf.scrub_pool_size)
    LOG.info('Scrub run: backups pending since %s or earlier.', cutoff)
    while True:
        done_before = len(report.scrubbed)
        _pass(conf, context, driver, cutoff, pool, report)
        if len(report.scrubbed) == done_before:
            break
    LOG.info('Scrub run done: %s.', report.summary())
    return report


def retry_busy_collections(driver):
    """Retry the collections this process's deletes found busy (a backup
    was being written in the repository: shared layout,
    doc/dedup-and-gc.rst), in a native thread; still busy ones are kept
    for the next call."""
    try:
        work.in_thread(driver.collect_deferred)
    except Exception:
        LOG.exception('Retrying busy collections failed; next run.')


def _pass(conf, context, driver, cutoff, pool, report):
    after = None
    while True:
        page = backup_db.due_for_scrub(
            context, cutoff, (B.PENDING_DELETE, B.DELETING), after,
            conf.scrub_page_size)
        if not page:
            return
        for row in page:
            if row.id not in report.failed:
                pool.spawn_n(_scrub_one, context, driver, row, report)
        pool.waitall()
        after = page[-1].id


def _scrub_one(context, driver, row, report):
    if row.status == B.PENDING_DELETE and not db.conditional_update(
            context, models.Backup, row.id, {'status': B.DELETING},
            {'status': B.FROM['scrub'],
             'pending_delete_at': row.pending_delete_at}):
        LOG.info('Backup %s changed meanwhile; not scrubbed.', row.id)
        return
    LOG.info('Scrubbing backup %s (pending since %s).', row.id,
             row.pending_delete_at)
    common.notify(context, row, 'scrub', 'start')
    try:
        delete.remove_stored_data(driver, context, row)
    except Exception as e:
        _failed(context, row, e, report)
        return
    if delete.mark_deleted(context, row.id):
        report.scrubbed.append(row.id)
        LOG.info('Backup %s scrubbed.', row.id)
        common.notify(context, common.backup_row(
            context, row.id, include_deleted=True), 'scrub', 'end')


def _failed(context, row, error, report):
    reason = getattr(error, 'msg', None) or '%s: %s' % (
        type(error).__name__, error)
    report.failed[row.id] = reason
    LOG.error('Scrubbing backup %s failed (%s); it stays pending_delete and '
              'the next run tries again.', row.id, reason)
    db.conditional_update(
        context, models.Backup, row.id,
        {'status': B.PENDING_DELETE,
         'fail_reason': ('scrub failed: %s' % reason)[:1024]},
        {'status': B.FROM['fail_scrub']})
    common.notify(context, common.backup_row(context, row.id), 'scrub',
                  'error', reason=reason)
