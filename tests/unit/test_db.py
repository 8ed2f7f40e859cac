"""Migrations and models agree, on SQLite, MariaDB and PostgreSQL; and the
conditional update is a real compare-and-swap on each engine."""
import threading

from alembic import autogenerate
from alembic import migration as alembic_migration
import pytest
import sqlalchemy as sa

from backupd import context as backupd_context
from backupd.db import api as db
from backupd.db import migration
from backupd.db import models
from backupd import exception


def test_migrations_match_models(database_url):
    engine = sa.create_engine(database_url)
    try:
        migration.upgrade(engine)
        assert migration.version(engine) is not None
        with engine.connect() as conn:
            diff = autogenerate.compare_metadata(
                alembic_migration.MigrationContext.configure(conn),
                models.Base.metadata)
        assert diff == [], 'models and migrations differ: %s' % diff
        # Upgrading again is a no-op.
        migration.upgrade(engine)
    finally:
        engine.dispose()


def _volume(ctx, status='available'):
    return db.create(ctx, models.Volume, {
        'id': 'v-%s' % status, 'size': 1, 'status': status,
        'project_id': 'p', 'user_id': 'u'}).id


def test_conditional_update_only_from_allowed_states(engine_db):
    ctx = backupd_context.get_admin_context()
    vid = _volume(ctx)
    assert db.conditional_update(ctx, models.Volume, vid,
                                 {'status': 'backing-up',
                                  'previous_status': 'available'},
                                 {'status': ('available', 'in-use')})
    # Second attempt from the same source state loses.
    assert not db.conditional_update(ctx, models.Volume, vid,
                                     {'status': 'backing-up'},
                                     {'status': ('available', 'in-use')})
    row = db.get(ctx, models.Volume, vid)
    assert (row.status, row.previous_status) == ('backing-up', 'available')


def test_conditional_update_race_has_one_winner(engine_db, database_url):
    ctx = backupd_context.get_admin_context()
    vid = _volume(ctx)
    results = []
    barrier = threading.Barrier(8)

    def contender(i):
        barrier.wait()
        results.append(db.conditional_update(
            backupd_context.get_admin_context(), models.Volume, vid,
            {'status': 'deleting', 'display_name': 'winner-%d' % i},
            {'status': 'available'}))

    threads = [threading.Thread(target=contender, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 1 and results.count(False) == 7
    assert db.get(ctx, models.Volume, vid).status == 'deleting'


def test_get_respects_project_and_soft_delete(engine_db):
    ctx = backupd_context.get_admin_context()
    vid = _volume(ctx)
    with pytest.raises(exception.VolumeNotFound):
        db.get(ctx, models.Volume, vid, project_id='other')
    assert db.soft_delete(ctx, models.Volume, vid, {'status': 'available'})
    with pytest.raises(exception.VolumeNotFound):
        db.get(ctx, models.Volume, vid)
    assert db.get(ctx, models.Volume, vid, include_deleted=True).deleted


def test_paging_and_bad_marker(engine_db):
    ctx = backupd_context.get_admin_context()
    for i in range(5):
        db.create(ctx, models.Volume, {'id': 'v%d' % i, 'size': 1,
                                       'status': 'available'})
    first = db.get_all(ctx, models.Volume, sort_keys=['id'],
                       sort_dirs=['asc'], limit=2)
    assert [v.id for v in first] == ['v0', 'v1']
    rest = db.get_all(ctx, models.Volume, sort_keys=['id'], sort_dirs=['asc'],
                      marker='v1')
    assert [v.id for v in rest] == ['v2', 'v3', 'v4']
    with pytest.raises(exception.InvalidInput):
        db.get_all(ctx, models.Volume, marker='nope')
    with pytest.raises(exception.InvalidInput):
        db.get_all(ctx, models.Volume, sort_keys=['no_such_column'])


def test_service_heartbeat(engine_db):
    ctx = backupd_context.get_admin_context()
    sid = db.service_register(ctx, 'h', 'backupd-backup', 't', 'nova', '1.0')
    assert db.service_register(ctx, 'h', 'backupd-backup', 't', 'nova',
                               '1.0') == sid
    assert db.service_heartbeat(ctx, sid, False, 'driver not ready')
    svc = db.service_get_all(ctx, {'host': 'h'})[0]
    assert (svc.ready, svc.not_ready_reason, svc.report_count) == (
        False, 'driver not ready', 1)
    assert svc.heartbeat_at is not None
