"""Quota usage stays equal to the rows it counts across a kill -9 of
backupd-all in the middle of a backup create and of a restore; and 50
concurrent volume creates through the API (two API worker processes) on
MariaDB and PostgreSQL against a quota of 10 accept exactly 10."""
import concurrent.futures
import os
import uuid

from tests.fixtures import services
from tests.helpers import backup_support as bs

CREATES, QUOTA = 50, 10


def _used(dep, project):
    absolute = dep.request('GET', '/limits', project=project).json()[
        'limits']['absolute']
    return {k: v for k, v in absolute.items() if k.startswith('total')}


def _check_clean(dep):
    check = services.run_script(
        [os.path.join(services.BIN, 'backupd-manage'), '--config-file',
         dep.conf_path, 'quota', 'check'])
    assert check.returncode == 0, check.stdout + check.stderr


def _usage_then_delete(dep, project, used, collection, object_id):
    """The project's usage is ``used`` and agrees with its rows; then
    ``object_id`` of ``collection`` is deleted (and gone)."""
    assert _used(dep, project) == used
    _check_clean(dep)
    assert dep.request('DELETE', '/%s/%s' % (collection, object_id),
                       project=project).status_code == 202
    bs.wait_for(dep, collection, object_id, (), gone_ok=True)


def _set(dep, project, **limits):
    resp = dep.request('PUT', '/os-quota-sets/%s' % project, admin=True,
                       json={'quota_set': limits})
    assert resp.status_code == 200, resp.text


def test_usage_right_after_kill_during_backup_create_and_restore(
        backupd_all_factory):
    dep = backupd_all_factory(conf=bs.SLOW)
    project = 'k%s' % uuid.uuid4().hex[:8]
    volume = bs.create_volume(dep, project=project, size=1)
    bs.write_pattern(bs.volume_path(dep, volume), seed=14,
                     regions=bs.REGIONS)
    backup = bs.create_backup(dep, volume, project=project, wait=None)
    bs.until(lambda: bs.data_written(dep, backup),
             what='the first chunk of backup %s stored' % backup)
    dep.kill()
    dep.start()
    bs.wait_for(dep, 'backups', backup, 'error')
    _usage_then_delete(dep, project, {
        'totalVolumesUsed': 1, 'totalGigabytesUsed': 1,
        'totalSnapshotsUsed': 0, 'totalBackupsUsed': 1,
        'totalBackupGigabytesUsed': 1}, 'backups', backup)
    assert _used(dep, project)['totalBackupsUsed'] == 0

    # a restore to a new volume, killed as soon as it was accepted (of an
    # empty volume's backup: quick to make)
    small = bs.create_volume(dep, project=project, size=1)
    whole = bs.create_backup(dep, small, project=project)
    resp = dep.request('POST', '/backups/%s/restore' % whole,
                       project=project, json={'restore': {}})
    assert resp.status_code == 202, resp.text
    dep.kill()
    restored = resp.json()['restore']['volume_id']
    dep.start()
    bs.wait_for(dep, 'backups', whole, 'available')
    # done, cut short while written, or never started (still creating)
    bs.until(lambda: bs.volume_status(dep, restored) in (
        'available', 'error_restoring', 'error'),
        what='restored volume settled')
    _usage_then_delete(dep, project, {
        'totalVolumesUsed': 3, 'totalGigabytesUsed': 3,
        'totalSnapshotsUsed': 0, 'totalBackupsUsed': 1,
        'totalBackupGigabytesUsed': 1}, 'volumes', restored)
    assert _used(dep, project)['totalVolumesUsed'] == 2
    _check_clean(dep)


def test_fifty_parallel_creates_through_the_api(backupd_cluster):
    dep = backupd_cluster
    project = 'r%s' % uuid.uuid4().hex[:8]
    _set(dep, project, volumes=QUOTA)

    def create(_):
        return dep.request('POST', '/volumes', project=project,
                           json={'volume': {'size': 1}}).status_code

    with concurrent.futures.ThreadPoolExecutor(CREATES) as pool:
        codes = list(pool.map(create, range(CREATES)))
    assert sorted(codes) == [202] * QUOTA + [413] * (CREATES - QUOTA), codes
    rows = bs.sql(dep, 'SELECT count(*) FROM volumes WHERE project_id = :p',
                  p=project)[0][0]
    assert rows == QUOTA
    assert _used(dep, project)['totalVolumesUsed'] == QUOTA
    _check_clean(dep)
