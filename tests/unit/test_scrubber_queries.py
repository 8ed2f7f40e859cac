"""The scrubber's work queue on SQLite, MariaDB and PostgreSQL: the time
filter and the dependents rule are in the query, pages follow ids, and the
scrub's compare-and-swap loses to a re-delete."""
import datetime

import pytest

from backupd import context as backupd_context
from backupd.db import api as db
from backupd.db import backups as backup_db
from backupd.db import models
from backupd.manager import states
from tests.helpers import db_support

B = states.Backup
NOW = datetime.datetime(2026, 1, 1, 12, 0, 0)


@pytest.fixture
def ctx(database_url):
    """enginefacade on a freshly migrated database (SQLite, MariaDB and
    PostgreSQL: the time filter must hold in each engine's SQL)."""
    with db_support.migrated(database_url):
        yield backupd_context.get_admin_context()


def _backup(ctx, id_, status, pending_hours=None, parent=None,
            dependents=0, needs_parent=False):
    pending_at = (NOW - datetime.timedelta(hours=pending_hours)
                  if pending_hours is not None else None)
    db.create(ctx, models.Backup, {
        'id': id_, 'volume_id': 'v', 'status': status, 'parent_id': parent,
        'num_dependent_backups': dependents, 'pending_delete_at': pending_at,
        'depends_on_parent': needs_parent})


def _due(ctx, after=None, limit=100):
    cutoff = NOW - datetime.timedelta(hours=1)
    return [r.id for r in backup_db.due_for_scrub(
        ctx, cutoff, (B.PENDING_DELETE, B.DELETING), after, limit)]


def test_only_backups_pending_longer_than_the_cutoff_are_due(ctx):
    _backup(ctx, 'a-old', B.PENDING_DELETE, pending_hours=2)
    _backup(ctx, 'b-new', B.PENDING_DELETE, pending_hours=0.5)
    _backup(ctx, 'c-killed', B.DELETING, pending_hours=3)
    _backup(ctx, 'd-plain-delete', B.DELETING)
    _backup(ctx, 'e-live', B.AVAILABLE)
    # a parent whose chained incremental needs its data waits for it; one
    # whose incremental shares data by reference does not (issue 18)
    _backup(ctx, 'f-parent', B.PENDING_DELETE, pending_hours=5, dependents=1)
    _backup(ctx, 'f-child', B.AVAILABLE, parent='f-parent',
            needs_parent=True)
    _backup(ctx, 'g-parent', B.PENDING_DELETE, pending_hours=5, dependents=1)
    _backup(ctx, 'g-child', B.AVAILABLE, parent='g-parent')
    assert _due(ctx) == ['a-old', 'c-killed', 'g-parent']


def test_pages_follow_ids(ctx):
    for n in range(5):
        _backup(ctx, 'b%d' % n, B.PENDING_DELETE, pending_hours=2)
    assert _due(ctx, limit=2) == ['b0', 'b1']
    assert _due(ctx, after='b1', limit=2) == ['b2', 'b3']
    assert _due(ctx, after='b3', limit=2) == ['b4']


def test_children_that_need_the_data_are_counted(ctx):
    _backup(ctx, 'p', B.AVAILABLE, dependents=3)
    _backup(ctx, 'c1', B.PENDING_DELETE, pending_hours=1, parent='p',
            needs_parent=True)
    _backup(ctx, 'c2', B.AVAILABLE, parent='p', needs_parent=True)
    _backup(ctx, 'c3', B.AVAILABLE, parent='p')          # shared layout
    assert backup_db.data_dependents(ctx, 'p', (B.PENDING_DELETE,)) == 1
    assert backup_db.data_dependents(ctx, 'p') == 2
    assert [r.id for r in backup_db.pending(ctx, B.PENDING_DELETE)] == ['c1']


def test_the_scrub_swap_needs_the_same_pending_time(ctx):
    _backup(ctx, 'x', B.PENDING_DELETE, pending_hours=2)
    seen = db.get(ctx, models.Backup, 'x')
    # re-deleted meanwhile (restored, then deleted again): a new time
    db.update(ctx, models.Backup, 'x', {'pending_delete_at': NOW})
    assert not db.conditional_update(
        ctx, models.Backup, 'x', {'status': B.DELETING},
        {'status': B.FROM['scrub'],
         'pending_delete_at': seen.pending_delete_at})
    assert db.get(ctx, models.Backup, 'x').status == B.PENDING_DELETE
