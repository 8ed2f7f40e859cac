"""Authorization matrix over real HTTP against backupd-all (noauth, file
volumes, POSIX backups), for the cases whose success needs the backup
service to answer (authz_table.NEEDS_SERVICE; every other case runs on the
API in process, tests/api/test_authz_matrix.py): as an admin, as a member
of the owning project and as a member of another project, with the code
tests/helpers/authz_table.py expects; and a refused request changes
nothing: every database row (but the services' heartbeats) and every file
under state_path are the same before and after it.
"""
import os
import sqlite3
import time

import pytest

from tests.fixtures.services import Deployment
from tests.fixtures.services import wait_for
from tests.helpers import authz_table
from tests.helpers.authz_world import check_case
from tests.helpers.authz_world import NoauthClient
from tests.helpers.authz_world import World

TRANSIENT = ('creating', 'deleting', 'restoring', 'backing-up',
             'restoring-backup', 'extending')
# Rows that change by themselves: service heartbeats and capacity reports.
SELF_CHANGING_TABLES = ('services',)


# Every persona's successful create makes new resources: no quota gets in
# the way (quotas have cases of their own in the table).
QUOTAS_OFF = {'DEFAULT': {'quota_volumes': -1, 'quota_snapshots': -1,
                          'quota_backups': -1, 'quota_gigabytes': -1,
                          'quota_backup_gigabytes': -1}}


@pytest.fixture(scope='module')
def dep(tmp_path_factory):
    dep = Deployment(tmp_path_factory.mktemp('authz'), ['backupd-all'],
                     QUOTAS_OFF)
    dep.start()
    yield dep
    dep.close()


@pytest.fixture(scope='module')
def client(dep):
    return NoauthClient(dep.endpoint)


@pytest.fixture(scope='module')
def world(client):
    return World(client)


def _db(dep):
    path = os.path.join(dep.state_path, 'backupd.sqlite')
    return sqlite3.connect('file:%s?mode=ro' % path, uri=True, timeout=30)


def _tables(conn):
    return [name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")
        if name not in SELF_CHANGING_TABLES]


def settled(dep):
    """True when no volume, snapshot or backup is in a transient status or
    still leased by the operation that worked on it (earlier cases' work
    has finished, its bookkeeping included)."""
    with _db(dep) as conn:
        for table in ('volumes', 'snapshots', 'backups'):
            columns = [row[1] for row in conn.execute(
                'PRAGMA table_info(%s)' % table)]
            leased = ' OR lease_owner IS NOT NULL' if (
                'lease_owner' in columns) else ''
            marks = ','.join('?' * len(TRANSIENT))
            busy = conn.execute(
                'SELECT count(*) FROM %s WHERE (deleted = 0 AND status IN '
                '(%s))%s' % (table, marks, leased), TRANSIENT).fetchone()[0]
            if busy:
                return False
    return True


def state(dep):
    """Every row of every table but the services', and every file under
    state_path with its size (the database files aside)."""
    wait_for(lambda: settled(dep), 60, interval=0.05,
             what='earlier requests to finish')
    with _db(dep) as conn:
        found = {table: sorted(map(repr, conn.execute(
                     'SELECT * FROM "%s"' % table)))
                 for table in _tables(conn)}
    files = {}
    for root, _, names in os.walk(dep.state_path):
        for name in names:
            if name.startswith('backupd.sqlite'):
                continue
            path = os.path.join(root, name)
            try:
                files[path] = os.stat(path).st_size
            except FileNotFoundError:
                pass
    found['files'] = sorted(files.items())
    return found


@pytest.mark.parametrize('case', [authz_table.BY_NAME[name] for name in
                                  authz_table.NEEDS_SERVICE],
                         ids=lambda c: c.name)
def test_route_as_each_persona(dep, client, world, case):
    check_case(client, world, case, authz_table.PERSONAS,
               state=lambda: state(dep),
               # a wrongly accepted cast would act by now
               pause=lambda: time.sleep(0.1))
