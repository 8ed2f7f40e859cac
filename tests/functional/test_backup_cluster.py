"""The backup lifecycle with api, volume and backup as separate processes on
RabbitMQ, with MariaDB and with PostgreSQL."""
import os
import signal

from tests.helpers import backup_races
from tests.helpers import backup_support as bs

MiB = bs.MiB


def test_in_use_full_incremental_restore_delete(backupd_cluster):
    dep = backupd_cluster
    volume = bs.create_volume(dep)
    path = bs.volume_path(dep, volume)
    full_sha = bs.write_pattern(path, seed=51)
    bs.attach(dep, volume)
    full = bs.create_backup(dep, volume, force=True)
    incr_sha = bs.write_pattern(path, seed=52, regions=((8 * MiB, MiB),))
    incr = bs.create_backup(dep, volume, force=True, incremental=True)
    assert bs.volume_status(dep, volume) == 'in-use'
    assert bs.temp_resources(dep) == ([], [])

    assert bs.sha256_of(bs.volume_path(dep, bs.restore(dep, full))) == \
        full_sha
    target = bs.create_volume(dep)
    bs.restore(dep, incr, volume_id=target)
    assert bs.sha256_of(bs.volume_path(dep, target)) == incr_sha

    listed = dep.request('GET', '/backups/detail?sort=created_at:asc'
                         ).json()['backups']
    # Ordered by created_at, then id, as Cinder: MariaDB keeps whole
    # seconds, so a full and its incremental may share a created_at, and
    # then the lower id comes first.
    mine = [(b['created_at'], b['id']) for b in listed
            if b['id'] in (full, incr)]
    assert {backup_id for _, backup_id in mine} == {full, incr}
    assert mine == sorted(mine)
    for backup in (incr, full):
        assert dep.request('DELETE', '/backups/%s' % backup
                           ).status_code == 202
        bs.wait_for(dep, 'backups', backup, (), gone_ok=True)
        assert bs.backup_files(dep, backup) == []


def test_backup_service_down_is_a_503_naming_the_host(backupd_cluster):
    dep = backupd_cluster
    volume = bs.create_volume(dep)
    dep.stop('backupd-backup')
    try:
        bs.until(lambda: 'backupd-backup' not in dep.up_services(),
                 what='backupd-backup down')
        resp = dep.request('POST', '/backups',
                           json={'backup': {'volume_id': volume}})
        assert resp.status_code == 503, resp.text
        message = resp.json()['serviceUnavailable']['message']
        assert dep.host in message and 'backupd-backup' in message
        # nothing half-changed
        assert bs.volume_status(dep, volume) == 'available'
        assert bs.sql(dep, 'SELECT count(*) FROM backups WHERE volume_id = '
                      ':id', id=volume)[0][0] == 0
    finally:
        dep.start('backupd-backup')


def test_race_on_a_real_database(backupd_cluster):
    for attempt in range(3):
        backup_races.check_race(backupd_cluster, attempt)


def test_backup_service_killed_with_a_delete_pending(backupd_cluster):
    """SIGSTOP freezes backupd-backup, the API accepts a delete (the cast
    waits in RabbitMQ), SIGKILL ends the frozen process: at restart the
    delete is resumed and nothing is left."""
    dep = backupd_cluster
    volume = bs.create_volume(dep)
    bs.write_pattern(bs.volume_path(dep, volume), seed=53)
    backup = bs.create_backup(dep, volume)
    os.kill(dep.procs['backupd-backup'].pid, signal.SIGSTOP)
    try:
        resp = dep.request('DELETE', '/backups/%s' % backup)
        assert resp.status_code == 202, resp.text
    finally:
        dep.kill('backupd-backup')
    bs.restart_backup_service(dep)
    bs.wait_for(dep, 'backups', backup, (), gone_ok=True)
    assert bs.backup_files(dep, backup) == []


def test_a_restore_starts_at_zero_percent(backupd_cluster):
    """A backup keeps the 100 % of its creation; its restore must not show
    it. SIGSTOP freezes backupd-backup (the cast waits in RabbitMQ), so
    what GET answers is what the API itself set: 0 %, restoring data
    (before the fix: 100 %, then 0 % once the service claimed the run)."""
    dep = backupd_cluster
    backup = bs.create_backup(dep, bs.create_volume(dep))
    pid = dep.procs['backupd-backup'].pid
    os.kill(pid, signal.SIGSTOP)
    try:
        resp = dep.request('POST', '/backups/%s/restore' % backup,
                           json={'restore': {}})
        assert resp.status_code == 202, resp.text
        shown = dep.request('GET', '/backups/%s' % backup)
        assert shown.json()['backup']['status'] == 'restoring'
        assert (shown.headers['X-Backupd-Progress'],
                shown.headers['X-Backupd-Phase']) == ('0', 'restoring data')
    finally:
        os.kill(pid, signal.SIGCONT)
    bs.wait_for(dep, 'backups', backup, 'available')
    bs.wait_for(dep, 'volumes', resp.json()['restore']['volume_id'],
                'available')
