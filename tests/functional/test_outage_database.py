"""Database outages on private MariaDB and PostgreSQL servers (issue 22,
doc/reliability.rst).

backupd-api, -volume and -backup run as separate processes on RabbitMQ and
a database server of this module's own (tests/fixtures/private_db.py), so
stopping it disturbs nobody else. The database is down for 15 s while a
backup, a restore and a delete run; afterwards no row stays transient,
every available backup restores byte-exact and new work succeeds, with no
service restarted.
"""
import contextlib
import time

import pytest
import sqlalchemy as sa

from tests.fixtures import services
from tests.fixtures.private_db import private_db  # noqa: F401
from tests.functional import backup_support as bs
from tests.functional.test_outage_broker import TRANSIENT_SQL

OUTAGE = 15
MiB = 1024 * 1024
REGIONS = ((0, 4 * MiB),)


@contextlib.contextmanager
def _volume_row_locked(dep, volume_id):
    """Hold the volume's row lock (the end of a backup of it waits); the
    connection dies with the server, so errors on the way out are fine."""
    engine = sa.create_engine(bs.db_url(dep))
    conn = engine.connect()
    try:
        conn.begin()
        conn.execute(sa.text('SELECT id FROM volumes WHERE id = :id FOR '
                             'UPDATE'), {'id': volume_id})
        yield
    finally:
        try:
            conn.close()
        except sa.exc.SQLAlchemyError:
            pass
        engine.dispose()


@pytest.fixture(scope='module')
def dep(tmp_path_factory, private_db, rabbit_vhost):  # noqa: F811
    url = private_db.create_database(services.unique('backupd'))
    deployment = services.Deployment(
        tmp_path_factory.mktemp('outage-db'), services.SEPARATE, {
            'DEFAULT': {'transport_url': rabbit_vhost.url},
            # retry every second at most: the end writes land soon after
            # the database is back
            'database': {'connection': url, 'db_max_retry_interval': 2}})
    services._db_sync(deployment)
    deployment.start()
    yield deployment
    deployment.close()


def test_database_down_during_backup_restore_delete(dep, private_db):  # noqa: F811,E501
    volume = bs.create_volume(dep)
    digest = bs.write_pattern(bs.volume_path(dep, volume), 5, REGIONS)
    kept = bs.create_backup(dep, volume)
    doomed = bs.create_backup(dep, volume)
    resp = dep.request('POST', '/backups', json={'backup': {
        'volume_id': volume}})
    assert resp.status_code == 202, resp.text
    created = resp.json()['backup']['id']
    resp = dep.request('POST', '/backups/%s/restore' % kept,
                       json={'restore': {}})
    assert resp.status_code == 202, resp.text
    target = resp.json()['restore']['volume_id']
    assert dep.request('DELETE', '/backups/%s' % doomed).status_code == 202
    with _volume_row_locked(dep, volume):
        # the backup stored its data and now waits to give its volume back:
        # the outage hits the writes that end it
        bs.until(lambda: 'manifest' in bs.backup_files(dep, created),
                 timeout=60, what='data of backup %s stored' % created)
        private_db.stop()
    time.sleep(OUTAGE)
    private_db.start()

    # the reconciler interval (2 s) and lease (6 s) of test deployments,
    # plus the retries' backoff and the operations' own time
    bs.until(lambda: not bs.sql(dep, TRANSIENT_SQL), timeout=60,
             what='no transient rows')
    assert bs.volume_status(dep, volume) == 'available'
    bs.wait_for(dep, 'backups', doomed, (), gone_ok=True)
    shown = bs.wait_for(dep, 'backups', created, ('available', 'error'))
    assert shown['status'] == 'available' or shown['fail_reason'], shown
    assert bs.volume_status(dep, target) in ('available', 'error_restoring',
                                             'error')
    if bs.volume_status(dep, target) == 'available':
        assert bs.sha256_of(bs.volume_path(dep, target)) == digest
    bs.until(lambda: {'backupd-volume', 'backupd-backup'} <=
             dep.up_services(), timeout=60, what='services up again')
    for backup in (kept, created):
        if bs.wait_for(dep, 'backups', backup, ('available', 'error')
                       )['status'] == 'available':
            again = bs.restore(dep, backup)
            bs.until(lambda: bs.volume_status(dep, again) == 'available',
                     what='restored volume available')
            assert bs.sha256_of(bs.volume_path(dep, again)) == digest
    bs.create_backup(dep, volume)          # new work, no service restarted
    # the outage was met mid-operation and retried, not merely waited out
    assert 'Database unavailable' in dep.log('backupd-backup')
