"""Quota usage in the database layer, on SQLite, MariaDB and PostgreSQL:
50 concurrent creates (threads, each with its own connection) against a
quota of 10 commit exactly 10 rows, the counter matches the rows, deletes
release it, and check/sync find and repair drift."""
import threading
import uuid

import pytest

from backupd import conf  # noqa: F401  (registers the quota options)
from backupd import context as backupd_context
from backupd.db import api as db
from backupd.db import backups as backup_db
from backupd.db import models
from backupd.db import quotas as quotas_db
from backupd.db import snapshots as snapshot_db
from backupd.db import volume_types as types_db
from backupd.db import volumes as volume_db
from backupd import exception
from backupd.manager import states
from backupd import quota

from tests.helpers import db_support

V, S, B = states.Volume, states.Snapshot, states.Backup
TYPE = '__DEFAULT__'
CREATES = 50
QUOTA = 10


@pytest.fixture(scope='module')
def engine_db(module_database_url):
    """One migrated database per engine for the module (tests use projects
    and type names of their own)."""
    with db_support.migrated(module_database_url) as engine:
        yield engine


@pytest.fixture
def p():
    return 'p-%s' % uuid.uuid4().hex[:8]


def _ctx():
    return backupd_context.get_admin_context()


def _create_volume(project, size=1, type_name=TYPE):
    ctx = _ctx()
    with quota.charged(ctx, project, quotas_db.of_volume(size, type_name)):
        return volume_db.create(ctx, {
            'id': str(uuid.uuid4()), 'project_id': project, 'size': size,
            'status': V.AVAILABLE, 'volume_type': type_name})


def _create_backup(project, size=1):
    ctx = _ctx()
    with quota.charged(ctx, project, quotas_db.of_backup(size)):
        return db.create(ctx, models.Backup, {
            'id': str(uuid.uuid4()), 'project_id': project,
            'volume_id': str(uuid.uuid4()), 'size': size,
            'status': B.AVAILABLE})


def _race(create, project):
    """Run ``create(project)`` CREATES times at once; (accepted, refused)."""
    barrier = threading.Barrier(CREATES)
    outcome = {'ok': 0, 'over': 0, 'other': []}
    lock = threading.Lock()

    def one():
        barrier.wait()
        try:
            create(project)
            key = 'ok'
        except exception.OverQuota:
            key = 'over'
        except Exception as e:   # reported, so the test says what broke
            with lock:
                outcome['other'].append(repr(e))
            return
        with lock:
            outcome[key] += 1

    threads = [threading.Thread(target=one) for _ in range(CREATES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcome["other"] == [], outcome["other"][:3]
    return outcome['ok'], outcome['over']


@pytest.mark.parametrize('resource,create,model', [
    ('volumes', _create_volume, models.Volume),
    ('backups', _create_backup, models.Backup)])
def test_concurrent_creates_never_pass_the_quota(engine_db, resource,  
                                                 create, model):
    ctx = _ctx()
    project = 'race-%s' % uuid.uuid4().hex[:6]
    quotas_db.set_project_limits(ctx, project, {resource: QUOTA})
    accepted, refused = _race(create, project)
    assert (accepted, refused) == (QUOTA, CREATES - QUOTA)
    assert db.count(ctx, model, {'project_id': project}) == QUOTA
    assert quotas_db.usages(ctx, project)[resource] == QUOTA
    assert quotas_db.drift(ctx, project) == []


def test_over_quota_names_resource_limit_and_usage(engine_db, p):  
    ctx = _ctx()
    quotas_db.set_project_limits(ctx, p, {'gigabytes': 5})
    _create_volume(p, size=3)
    with pytest.raises(exception.OverQuota) as e:
        _create_volume(p, size=3)
    assert e.value.code == 413
    assert ('Quota exceeded for gigabytes of project %s: the quota is 5 GiB, '
            '3 GiB are in use and this request needs 3 GiB more' % p) \
        in e.value.msg
    # the refused create left nothing behind
    assert db.count(ctx, models.Volume, {'project_id': p}) == 1
    assert quotas_db.usages(ctx, p)['gigabytes'] == 3


def test_delete_releases_and_temporary_rows_count_nothing(engine_db, p):  
    ctx = _ctx()
    vol = _create_volume(p, size=2)
    ctx2 = _ctx()
    with quota.charged(ctx2, p, quotas_db.of_snapshot(2, TYPE)):
        snap = snapshot_db.create(ctx2, {
            'id': str(uuid.uuid4()), 'volume_id': vol.id,
            'project_id': p, 'status': S.AVAILABLE, 'volume_size': 2},
            (V.AVAILABLE,))
    temp = volume_db.create(ctx, {'id': str(uuid.uuid4()), 'project_id': p,
                                  'size': 2, 'status': V.AVAILABLE,
                                  'is_temporary': True})
    backup = _create_backup(p, size=2)
    used = quotas_db.usages(ctx, p)
    assert {k: used[k] for k in ('volumes', 'gigabytes', 'snapshots',
                                 'backups', 'backup_gigabytes',
                                 'volumes___DEFAULT__',
                                 'gigabytes___DEFAULT__')} == {
        'volumes': 1, 'gigabytes': 4, 'snapshots': 1, 'backups': 1,
        'backup_gigabytes': 2, 'volumes___DEFAULT__': 1,
        'gigabytes___DEFAULT__': 4}
    assert quotas_db.drift(ctx, p) == []
    assert volume_db.destroy(ctx, temp.id, (V.AVAILABLE,))
    assert snapshot_db.destroy(ctx, snap.id, (S.AVAILABLE,))
    assert volume_db.destroy(ctx, vol.id, (V.AVAILABLE,))
    assert backup_db.soft_delete(ctx, backup.id, (B.AVAILABLE,), B.DELETED)
    assert not volume_db.destroy(ctx, vol.id, (V.AVAILABLE,))  # once only
    assert set(quotas_db.usages(ctx, p).values()) == {0}
    assert quotas_db.drift(ctx, p) == []


def test_check_and_sync_repair_drift(engine_db, p):  
    ctx = _ctx()
    q = p + '-q'
    _create_volume(p, size=3)
    _create_volume(q, size=1)
    # drift as a crash of an older version or a manual edit leaves it
    with db.writer.using(ctx):
        ctx.session.query(models.QuotaUsage).filter_by(
            project_id=p, resource='gigabytes').update({'in_use': 9})
        ctx.session.query(models.QuotaUsage).filter_by(
            project_id=q, resource='volumes').update({'in_use': 0})
    found = quotas_db.drift(ctx)
    assert found == [(p, 'gigabytes', 9, 3), (q, 'volumes', 0, 1)]
    assert quotas_db.sync(ctx) == found
    assert quotas_db.drift(ctx, p) == []
    assert quotas_db.usages(ctx, p)['gigabytes'] == 3


def test_first_counter_counts_rows_made_before_quotas(engine_db, p):  
    ctx = _ctx()
    for _ in range(3):   # rows without counters, as before the upgrade
        volume_db.create(ctx, {'id': str(uuid.uuid4()), 'project_id': p,
                               'size': 1, 'status': V.AVAILABLE,
                               'volume_type': TYPE})
    quotas_db.set_project_limits(ctx, p, {'volumes': 4})
    _create_volume(p)
    with pytest.raises(exception.OverQuota):
        _create_volume(p)
    assert quotas_db.usages(ctx, p)['volumes'] == 4


def test_limits_project_over_class_over_options(engine_db, p):  
    ctx = _ctx()
    assert quota.limits(ctx, p)['volumes'] == 10         # quota_volumes
    quotas_db.set_class_limits(ctx, quota.DEFAULT_CLASS, {'volumes': 7})
    try:
        assert quota.limits(ctx, p)['volumes'] == 7
        quotas_db.set_project_limits(ctx, p, {'volumes': 3})
        assert quota.limits(ctx, p)['volumes'] == 3
        assert quota.limits(ctx, p + '-other')['volumes'] == 7
        quotas_db.delete_project_limits(ctx, p)
        assert quota.limits(ctx, p)['volumes'] == 7
        assert quota.limits(ctx, p)['volumes___DEFAULT__'] == -1
    finally:   # the class is shared by the module's other tests
        quotas_db.set_class_limits(ctx, quota.DEFAULT_CLASS,
                                   {'volumes': 10})


def test_type_rename_carries_volumes_and_per_type_quotas(engine_db, p):  
    ctx = _ctx()
    name = 'gold%s' % p[-8:]
    gold = types_db.create(ctx, name, extra_specs={'k': 'v'})
    quotas_db.set_project_limits(ctx, p, {'volumes_' + name: 1})
    _create_volume(p, type_name=name)
    with db.writer.using(ctx):
        ctx.session.query(models.Volume).filter_by(project_id=p).update(
            {'volume_type_id': gold.id})
    types_db.update(ctx, gold.id, {'name': 'pt' + name})
    assert quota.limits(ctx, p)['volumes_pt' + name] == 1
    assert quotas_db.usages(ctx, p)['volumes_pt' + name] == 1
    with pytest.raises(exception.OverQuota):
        _create_volume(p, type_name='pt' + name)
    assert quotas_db.drift(ctx, p) == []
    with pytest.raises(exception.InvalidState):
        types_db.destroy(ctx, gold.id)     # a volume still uses it
