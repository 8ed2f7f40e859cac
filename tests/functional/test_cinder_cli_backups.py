"""The real cinder and openstack CLIs driving backups on backupd-all."""
import json

import pytest

from tests.helpers import backup_support as bs
from tests.helpers.cli import table


@pytest.fixture(scope='module')
def dep(backupd_all):
    return backupd_all


def _wait(dep, backup_id, status='available'):
    return bs.wait_for(dep, 'backups', backup_id, status)


def test_cinder_backup_commands(dep):
    volume = bs.create_volume(dep, project='admin')
    sha = bs.write_pattern(bs.volume_path(dep, volume), seed=21)
    bs.attach(dep, volume, project='admin')

    refused = dep.cinder('backup-create', volume, check=False)
    assert refused.returncode != 0 and 'force' in refused.stderr
    full = table(dep.cinder('backup-create', '--force', '--name', 'cli-full',
                            volume))['id']
    _wait(dep, full)
    incr = table(dep.cinder('backup-create', '--force', '--incremental',
                             '--name', 'cli-incr', volume))['id']
    _wait(dep, incr)
    assert bs.volume_status(dep, volume) == 'in-use'

    listed = dep.cinder('backup-list').stdout
    assert full in listed and incr in listed
    shown = table(dep.cinder('backup-show', 'cli-full'))
    assert shown['id'] == full and shown['has_dependent_backups'] == 'True'
    assert table(dep.cinder('backup-show', incr))['is_incremental'] == 'True'

    # restore: to a new volume, to a new named volume, onto a volume
    restored = table(dep.cinder('backup-restore', full))
    assert restored['volume_name'] == 'restore_backup_%s' % full
    _wait(dep, full)
    assert bs.sha256_of(bs.volume_path(dep, restored['volume_id'])) == sha
    named = table(dep.cinder('backup-restore', '--name', 'cli-named', incr))
    assert named['volume_name'] == 'cli-named'
    _wait(dep, incr)
    target = bs.create_volume(dep, project='admin')
    onto = table(dep.cinder('backup-restore', '--volume', target, incr))
    assert onto['volume_id'] == target
    _wait(dep, incr)
    assert bs.sha256_of(bs.volume_path(dep, target)) == sha

    record = table(dep.cinder('backup-export', incr))
    assert set(record) == {'backup_service', 'backup_url'}

    # the parent of an incremental can be deleted first (shared layout,
    # doc/dedup-and-gc.rst; Cinder refuses this), and the incremental
    # still restores byte-exact
    dep.cinder('backup-delete', 'cli-full')
    bs.wait_for(dep, 'backups', full, (), gone_ok=True)
    again = table(dep.cinder('backup-restore', incr))
    _wait(dep, incr)
    bs.wait_for(dep, 'volumes', again['volume_id'], ('available',))
    assert bs.sha256_of(bs.volume_path(dep, again['volume_id'])) == sha

    # reset-state and delete --force
    dep.cinder('backup-reset-state', '--state', 'error', incr)
    _wait(dep, incr, 'error')
    dep.cinder('backup-delete', '--force', incr)
    bs.wait_for(dep, 'backups', incr, (), gone_ok=True)
    assert bs.backup_files(dep, incr) == []


def test_cinder_export_import_and_all_tenants(dep):
    volume = bs.create_volume(dep, project='demo')
    sha = bs.write_pattern(bs.volume_path(dep, volume), seed=22)
    mine = table(dep.cinder('backup-create', '--name', 'demo-b', volume,
                            project='demo', user='demo'))['id']
    _wait(dep, mine)
    assert mine not in dep.cinder('backup-list').stdout
    assert mine in dep.cinder('backup-list', '--all-tenants').stdout

    record = table(dep.cinder('backup-export', mine))
    # The row is lost while the data stays (a database restored from an old
    # dump): injected with SQL, no API loses a row like that.
    bs.sql(dep, "UPDATE backups SET deleted = :yes, status = 'deleted' "
           'WHERE id = :id', id=mine, yes=True)
    imported = table(dep.cinder('backup-import', record['backup_service'],
                                record['backup_url']))
    assert imported['id'] == mine
    _wait(dep, mine)
    restored = table(dep.cinder('backup-restore', mine))
    _wait(dep, mine)
    assert bs.sha256_of(bs.volume_path(dep, restored['volume_id'])) == sha


def _osc_json(dep, *args):
    return json.loads(dep.openstack(*args, '-f', 'json').stdout)


def test_openstack_volume_backup_commands(dep):
    volume = bs.create_volume(dep, project='admin')
    sha = bs.write_pattern(bs.volume_path(dep, volume), seed=23)
    made = _osc_json(dep, 'volume', 'backup', 'create', '--name', 'osc-b',
                     volume)
    _wait(dep, made['id'])
    assert made['id'] in {b['ID'] for b in _osc_json(
        dep, 'volume', 'backup', 'list')}
    shown = _osc_json(dep, 'volume', 'backup', 'show', 'osc-b')
    assert shown['status'] == 'available' and shown['id'] == made['id']
    target = bs.create_volume(dep, project='admin')
    dep.openstack('volume', 'backup', 'restore', '--force', made['id'],
                  target)
    _wait(dep, made['id'])
    assert bs.sha256_of(bs.volume_path(dep, target)) == sha
    dep.openstack('volume', 'backup', 'delete', made['id'])
    bs.wait_for(dep, 'backups', made['id'], (), gone_ok=True)


def test_openstack_volume_backup_set_state(backupd_all_factory):
    # openstacksdk's "none" auth sends only "X-Auth-Token: notused"; this
    # deployment counts that user as an admin so the admin action can run.
    dep = backupd_all_factory(
        conf={'DEFAULT': {'noauth_admin_users': 'admin,notused'}})
    volume = bs.create_volume(dep, project='admin')
    made = _osc_json(dep, 'volume', 'backup', 'create', volume)
    _wait(dep, made['id'])
    dep.openstack('volume', 'backup', 'set', '--state', 'error', made['id'])
    _wait(dep, made['id'], 'error')


def test_cinder_backup_of_a_snapshot(dep):
    volume = bs.create_volume(dep, project='admin')
    sha = bs.write_pattern(bs.volume_path(dep, volume), seed=24)
    snapshot = table(dep.cinder('snapshot-create', volume))['id']
    bs.wait_for(dep, 'snapshots', snapshot, 'available')
    bs.write_pattern(bs.volume_path(dep, volume), seed=25,
                     regions=((0, bs.MiB),))
    backup = table(dep.cinder('backup-create', '--snapshot-id', snapshot,
                              volume))['id']
    shown = _wait(dep, backup)
    assert shown['snapshot_id'] == snapshot
    restored = table(dep.cinder('backup-restore', backup))
    _wait(dep, backup)
    assert bs.sha256_of(bs.volume_path(dep, restored['volume_id'])) == sha
