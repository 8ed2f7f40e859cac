"""Backup lifecycle over HTTP against backupd-all (file volumes, POSIX
backups): round trips checked by sha256, incremental chains, in-use volumes
through a temporary snapshot, the delete rules and the admin actions. The
backup API's own rules (refused creates and restores, lists, microversion
fields) run in process: tests/api/test_backup_rules.py.
"""
import pytest

from tests.helpers import backup_support as bs

MiB = bs.MiB


@pytest.fixture(scope='module')
def dep(backupd_all):
    return backupd_all


_error = bs.error_message


def test_full_and_incremental_chain_restore_byte_exact(dep):
    volume = bs.create_volume(dep, name='chain')
    path = bs.volume_path(dep, volume)
    full_sha = bs.write_pattern(path, seed=1)
    full = bs.create_backup(dep, volume, name='full')
    second_sha = bs.write_pattern(path, seed=2,
                                  regions=((1 * MiB, 1 * MiB),
                                           (500 * MiB, 4 * MiB)))
    incr = bs.create_backup(dep, volume, name='incr', incremental=True)
    third_sha = bs.write_pattern(path, seed=3, regions=((0, 64 * 1024),))
    incr2 = bs.create_backup(dep, volume, incremental=True)
    assert bs.volume_status(dep, volume) == 'available'

    shown = dep.request('GET', '/backups/%s' % incr).json()['backup']
    assert shown['is_incremental'] is True
    assert shown['has_dependent_backups'] is True
    assert shown['size'] == 1 and shown['container'] == 'backups'
    parent = dep.request('GET', '/backups/%s' % full).json()['backup']
    assert parent['is_incremental'] is False
    assert parent['has_dependent_backups'] is True
    assert set(shown) == {
        'id', 'status', 'size', 'object_count', 'fail_reason', 'links',
        'created_at', 'updated_at', 'name', 'description', 'volume_id',
        'snapshot_id', 'container', 'availability_zone',
        'has_dependent_backups', 'is_incremental', 'data_timestamp'}

    # restore forms: new volume (default name), new volume with a name,
    # an existing available volume
    new = bs.restore(dep, full)
    assert bs.sha256_of(bs.volume_path(dep, new)) == full_sha
    named = bs.restore(dep, incr, name='from-incr')
    assert bs.sha256_of(bs.volume_path(dep, named)) == second_sha
    assert bs.sql(dep, 'SELECT display_name FROM volumes WHERE id = :id',
                  id=named)[0][0] == 'from-incr'
    assert bs.sql(dep, 'SELECT display_name FROM volumes WHERE id = :id',
                  id=new)[0][0] == 'restore_backup_%s' % full
    bs.restore(dep, incr2, volume_id=new)
    assert bs.sha256_of(bs.volume_path(dep, new)) == third_sha
    assert bs.volume_status(dep, new) == 'available'

    # any backup of the chain goes first (issue 18: data shared by
    # reference), the others still restore byte-exact
    for backup, survivors in ((full, ((incr, second_sha),
                                      (incr2, third_sha))),
                              (incr2, ((incr, second_sha),)),
                              (incr, ())):
        resp = dep.request('DELETE', '/backups/%s' % backup)
        assert resp.status_code == 202, resp.text
        bs.wait_for(dep, 'backups', backup, (), gone_ok=True)
        assert bs.backup_files(dep, backup) == []
        for survivor, sha in survivors:
            shown = dep.request('GET', '/backups/%s' % survivor).json()
            assert shown['backup']['is_incremental'] is True
            target = bs.restore(dep, survivor)
            assert bs.sha256_of(bs.volume_path(dep, target)) == sha


def test_in_use_volume_needs_force_and_reads_a_temp_snapshot(dep):
    volume = bs.create_volume(dep)
    sha = bs.write_pattern(bs.volume_path(dep, volume), seed=7)
    bs.attach(dep, volume)
    resp = dep.request('POST', '/backups',
                       json={'backup': {'volume_id': volume}})
    message = _error(resp, 400)
    assert volume in message and 'force' in message
    assert bs.volume_status(dep, volume) == 'in-use'

    backup = bs.create_backup(dep, volume, force=True)
    assert bs.volume_status(dep, volume) == 'in-use'
    assert bs.temp_resources(dep) == ([], [])
    row = bs.sql(dep, 'SELECT temp_snapshot_id, temp_volume_id FROM backups '
                 'WHERE id = :id', id=backup)[0]
    assert tuple(row) == (None, None)
    target = bs.restore(dep, backup)
    assert bs.sha256_of(bs.volume_path(dep, target)) == sha


def test_delete_and_admin_action_rules(dep):
    volume = bs.create_volume(dep)
    bs.write_pattern(bs.volume_path(dep, volume), seed=9,
                     regions=((0, MiB),))
    backup = bs.create_backup(dep, volume)
    unknown = '00000000-0000-0000-0000-000000000000'

    assert dep.request('GET', '/backups/%s' % unknown).status_code == 404
    assert dep.request('DELETE', '/backups/%s' % unknown).status_code == 404
    # another project cannot see it
    assert dep.request('GET', '/backups/%s' % backup,
                       project='other').status_code == 404
    # admin-only actions: 403 with a JSON body for a member
    for action in ({'os-force_delete': {}},
                   {'os-reset_status': {'status': 'error'}}):
        resp = dep.request('POST', '/backups/%s/action' % backup,
                           json=action)
        _error(resp, 403)
    assert _error(dep.request('POST', '/backups/%s/action' % unknown,
                              admin=True, json={'os-force_delete': None}),
                  404)
    assert 'status' in _error(dep.request(
        'POST', '/backups/%s/action' % backup, admin=True,
        json={'os-reset_status': {}}), 400)
    _error(dep.request('POST', '/backups/%s/action' % backup, admin=True,
                       json={'os-reset_status': {'status': 'creating'}}),
           400)
    # export/import are admin-only
    _error(dep.request('GET', '/backups/%s/export_record' % backup), 403)

    # reset to error, then to available goes through verification
    resp = dep.request('POST', '/backups/%s/action' % backup, admin=True,
                       json={'os-reset_status': {'status': 'error'}})
    assert resp.status_code == 202 and resp.content == b''
    assert bs.wait_for(dep, 'backups', backup, 'error')
    resp = dep.request('POST', '/backups/%s/action' % backup, admin=True,
                       json={'os-reset_status': {'status': 'available'}})
    assert resp.status_code == 202, resp.text
    bs.wait_for(dep, 'backups', backup, 'available')

    # a restoring backup cannot be deleted; the message says what to do
    # (status set with SQL: a restore is too quick to catch here)
    bs.sql(dep, "UPDATE backups SET status = 'restoring' WHERE id = :id",
           id=backup)
    message = _error(dep.request('DELETE', '/backups/%s' % backup), 400)
    assert "'restoring'" in message and 'os-force_delete' in message
    bs.sql(dep, "UPDATE backups SET status = 'available' WHERE id = :id",
           id=backup)

    # cinderclient's {"os-force_delete": null}
    resp = dep.request('POST', '/backups/%s/action' % backup, admin=True,
                       json={'os-force_delete': None})
    assert resp.status_code == 202, resp.text
    bs.wait_for(dep, 'backups', backup, (), gone_ok=True)
    assert bs.backup_files(dep, backup) == []


def test_export_import_round_trip_after_delete(dep):
    volume = bs.create_volume(dep)
    sha = bs.write_pattern(bs.volume_path(dep, volume), seed=11)
    backup = bs.create_backup(dep, volume, name='exported')
    resp = dep.request('GET', '/backups/%s/export_record' % backup,
                       admin=True)
    assert resp.status_code == 200, resp.text
    record = resp.json()['backup-record']
    assert set(record) == {'backup_service', 'backup_url'}

    # The row is lost while the data stays in storage (a database restored
    # from an old dump): injected with SQL, no API loses a row like that.
    bs.sql(dep, "UPDATE backups SET deleted = :yes, status = 'deleted' "
           'WHERE id = :id', id=backup, yes=True)
    assert dep.request('GET', '/backups/%s' % backup,
                       admin=True).status_code == 404
    resp = dep.request('POST', '/backups/import_record', admin=True,
                       json={'backup-record': record})
    assert resp.status_code == 201, resp.text
    assert resp.json()['backup']['id'] == backup
    shown = bs.wait_for(dep, 'backups', backup, 'available')
    assert shown['name'] == 'exported'
    # importing it again while it exists is refused
    message = _error(dep.request('POST', '/backups/import_record',
                                 admin=True,
                                 json={'backup-record': record}), 400)
    assert backup in message
    target = bs.restore(dep, backup, project='admin')
    assert bs.sha256_of(bs.volume_path(dep, target)) == sha
    bad = _error(dep.request('POST', '/backups/import_record', admin=True,
                             json={'backup-record': {
                                 'backup_service': 'posix',
                                 'backup_url': 'not-a-record'}}), 400)
    assert 'backup_url' in bad


def test_backup_from_a_snapshot_has_the_snapshot_bytes(dep):
    volume = bs.create_volume(dep)
    path = bs.volume_path(dep, volume)
    at_snapshot = bs.write_pattern(path, seed=13)
    snapshot = bs.create_snapshot(dep, volume)
    bs.write_pattern(path, seed=14, regions=((0, 2 * MiB),))
    backup = bs.create_backup(dep, volume, snapshot_id=snapshot)
    shown = dep.request('GET', '/backups/%s' % backup).json()['backup']
    assert shown['snapshot_id'] == snapshot
    snap = dep.request('GET', '/snapshots/%s' % snapshot).json()['snapshot']
    assert snap['status'] == 'available'
    assert bs.volume_status(dep, volume) == 'available'
    target = bs.restore(dep, backup)
    assert bs.sha256_of(bs.volume_path(dep, target)) == at_snapshot

    other = bs.create_volume(dep)
    message = _error(dep.request('POST', '/backups', json={'backup': {
        'volume_id': other, 'snapshot_id': snapshot}}), 400)
    assert snapshot in message and volume in message
