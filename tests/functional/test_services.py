"""Services up and down, over HTTP, with real processes.

Separate backupd-api/-volume/-backup processes on the machine's RabbitMQ
(a fresh vhost) and MariaDB or PostgreSQL (a fresh database), and the
embedded backupd-all from an empty state directory.
"""
import contextlib
import os
import sqlite3
import time

from backupd.db import migration
from tests.fixtures.services import wait_for

SERVICE_KEYS = {'binary', 'host', 'zone', 'status', 'state', 'updated_at',
                'disabled_reason'}


def test_cluster_services_up_then_down_after_kill(backupd_cluster):
    dep = backupd_cluster
    services = dep.services()
    assert {s['binary'] for s in services} == {'backupd-volume',
                                               'backupd-backup'}
    for svc in services:
        assert set(svc) == SERVICE_KEYS
        assert (svc['state'], svc['status'], svc['host']) == (
            'up', 'enabled', dep.host)
        assert svc['updated_at']

    dep.kill('backupd-backup')
    killed_at = time.monotonic()
    # service_down_time + one report, and slack for a loaded machine (an
    # API request can take seconds there); a service never shown down, or
    # only after a minute, still fails
    down_within = 4 + 1 + 15
    wait_for(lambda: 'backupd-backup' not in dep.up_services(), 60,
             what='backupd-backup shown down')
    assert time.monotonic() - killed_at <= down_within
    assert 'backupd-volume' in dep.up_services()

    dep.start('backupd-backup')
    assert dep.up_services() == {'backupd-volume', 'backupd-backup'}


def test_api_runs_the_configured_worker_processes(backupd_cluster):
    import psutil
    api = psutil.Process(backupd_cluster.procs['backupd-api'].pid)
    workers = api.children()
    assert len(workers) == 2  # osapi_volume_workers = 2
    # Every request is answered whichever worker takes it.
    for _ in range(6):
        assert backupd_cluster.request('GET', '/os-services',
                                       admin=True).status_code == 200


def test_api_workers_share_new_connections(backupd_cluster):
    """Each worker listens on its own SO_REUSEPORT socket, so the kernel
    spreads connections over them (issue 15): 40 keep-alive connections
    opened at once all landing on one worker has odds of 2**-39. Each
    access log line names the process that answered."""
    import re
    import requests
    dep = backupd_cluster
    api = dep.procs['backupd-api'].pid
    sessions = [requests.Session() for _ in range(40)]
    marker = 'workers-%s' % time.monotonic_ns()
    try:
        for session in sessions:
            resp = session.get(dep.url('/backups?marker_of=%s' % marker),
                               headers={'X-Auth-Token': 'demo:demo'},
                               timeout=30)
            assert resp.status_code == 200, resp.text
    finally:
        for session in sessions:
            session.close()
    wait_for(lambda: dep.log('backupd-api').count(marker) >= 40, 30,
             what='the access log lines')
    pids = {int(m.group(1)) for m in re.finditer(
        r'^\S+ \S+ (\d+) INFO \S+ .*%s' % marker,
        dep.log('backupd-api'), re.M)}
    assert api not in pids and len(pids) == 2, pids


def test_cinder_cli_service_list_on_cluster(backupd_cluster):
    assert _cli_states(backupd_cluster.cinder('service-list').stdout) == {
        'cinder-volume': 'up', 'cinder-backup': 'up'}


def _cli_states(table):
    """{binary: State column} from ``cinder service-list`` output."""
    lines = [line for line in table.splitlines() if line.startswith('|')]
    header = [c.strip() for c in lines[0].strip('|').split('|')]
    rows = [[c.strip() for c in line.strip('|').split('|')]
            for line in lines[1:]]
    return {row[header.index('Binary')]: row[header.index('State')]
            for row in rows}


def test_backupd_all_from_empty_state(backupd_all_factory):
    dep = backupd_all_factory(start=False, empty_state=True)
    assert os.listdir(dep.state_path) == []
    dep.start()
    database = os.path.join(dep.state_path, 'backupd.sqlite')
    with contextlib.closing(sqlite3.connect(database)) as conn:
        assert conn.execute('SELECT version_num FROM alembic_version'
                            ).fetchall() == [(migration.head(),)]
    assert _cli_states(dep.cinder('service-list').stdout) == {
        'cinder-volume': 'up', 'cinder-backup': 'up'}
    # SIGTERM stops it cleanly.
    proc = dep.procs['backupd-all']
    dep.stop()
    assert proc.returncode == 0, dep.log()[-3000:]


def test_service_with_broken_driver_is_down_with_reason(backupd_all_factory,
                                                        tmp_path):
    # A backup path that is a regular file can never be a backup store.
    blocker = tmp_path / 'not-a-dir'
    blocker.write_text('x')
    dep = backupd_all_factory(
        conf={'DEFAULT': {'backup_posix_path': str(blocker)}}, start=False)
    dep.start(wait=False)
    wait_for(lambda: _state(dep, 'backupd-volume') == 'up', 60,
             what='volume service up')
    # the backup service starts next to the volume service: wait for its
    # row to report the failed attempt, not merely "not initialized yet"
    backup = wait_for(lambda: _failed_backup_service(dep), 60,
                      what='the failed initialization reported')
    assert backup['state'] == 'down'
    assert 'posix' in backup['disabled_reason']


def _failed_backup_service(dep):
    for svc in dep.services():
        if (svc['binary'] == 'backupd-backup' and
                'failed to initialize' in (svc['disabled_reason'] or '')):
            return svc
    return None


def _state(dep, binary):
    try:
        for svc in dep.services():
            if svc['binary'] == binary:
                return svc['state']
    except Exception:
        return None


def test_manage_db_version_and_service_list(backupd_cluster):
    from tests.fixtures.services import BIN, _run
    manage = [os.path.join(BIN, 'backupd-manage'), '--config-file',
              backupd_cluster.conf_path]
    assert _run(manage + ['db', 'version'], True).stdout.strip() != 'None'
    out = _run(manage + ['service', 'list'], True).stdout
    # Cinder's binary names, as os-services shows them
    assert 'cinder-backup' in out and 'cinder-volume' in out
