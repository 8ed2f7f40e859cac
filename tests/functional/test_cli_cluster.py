"""The backupd CLI against separate api/volume/backup processes on
RabbitMQ and PostgreSQL: a backup round trip followed with --wait."""
from tests.helpers import backup_support as bs
from tests.helpers.cli import as_json
from tests.helpers.cli import backupd


def test_backup_round_trip_on_separate_processes(backupd_cluster_factory):
    dep = backupd_cluster_factory(db='postgresql')
    services = as_json(backupd(dep, 'service-list', '-f', 'json'))
    assert {(s['binary'], s['state']) for s in services} == {
        ('cinder-volume', 'up'), ('cinder-backup', 'up')}

    volume = as_json(backupd(dep, 'create', '--wait', '--name', 'c-src',
                             '-f', 'json', '1'))
    sha = bs.write_pattern(bs.volume_path(dep, volume['id']), seed=51)
    backup = as_json(backupd(dep, 'backup-create', '--wait', '--name',
                             'c-full', '-f', 'json', 'c-src'))
    assert backup['status'] == 'available'
    restored = as_json(backupd(dep, 'backup-restore', '--wait', '-f', 'json',
                               'c-full'))
    assert bs.sha256_of(bs.volume_path(dep, restored['volume_id'])) == sha
    assert bs.volume_status(dep, restored['volume_id']) == 'available'

    backupd(dep, 'backup-delete', '--wait', 'c-full')
    assert dep.request('GET', '/backups/%s' % backup['id'],
                       admin=True).status_code == 404
    backupd(dep, 'delete', '--wait', 'c-src', restored['volume_id'])
    assert bs.volume_status(dep, volume['id']) is None or dep.request(
        'GET', '/volumes/%s' % volume['id'], admin=True).status_code == 404
