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

from tests.fixtures.private_db import private_db  # noqa: F401
from tests.fixtures import services
from tests.helpers import backup_support as bs
from tests.helpers import outage_support as outage

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
            # Paced backups and restores (2 s for the 4 MiB volume): the
            # backup in flight is still reading when the test locks its
            # volume's row, so its end writes do meet the outage. Unpaced
            # it could end first (seen: all three operations done in
            # 0.6 s, before the lock), and the outage met nothing.
            'DEFAULT': {'transport_url': rabbit_vhost.url,
                        'backup_bandwidth_limit': str(2 * MiB)},
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
    flight = outage.InFlight(dep, volume)
    with _volume_row_locked(dep, volume):
        # the backup stored its data and now waits to give its volume back:
        # the outage hits the writes that end it
        bs.until(lambda: 'manifest' in bs.backup_files(dep, flight.created),
                 timeout=60, what='data of backup %s stored' % flight.created)
        private_db.stop()
    started = time.monotonic()
    # the API answers a clear 503 while the database is away, never a 500:
    # a show (its one-statement read) and a list (the ORM)
    for path in ('/backups/%s' % flight.created, '/backups/detail'):
        resp = dep.request('GET', path)
        assert resp.status_code == 503, (path, resp.status_code, resp.text)
        fault = resp.json()['serviceUnavailable']
        assert fault['code'] == 503
        assert fault['message'].startswith('The database did not answer')
        assert 'Retry the request' in fault['message']
    time.sleep(max(0, OUTAGE - (time.monotonic() - started)))
    private_db.start()
    flight.check_after(dep, volume, digest)
    # the outage was met mid-operation and retried, not merely waited out
    assert 'Database unavailable' in dep.log('backupd-backup')
