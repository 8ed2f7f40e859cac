"""Backup lifecycle over HTTP against backupd-all (file volumes, POSIX
backups): round trips checked by sha256, incremental chains, in-use volumes
through a temporary snapshot, the delete rules and the admin actions.
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


def test_incremental_without_a_full_backup_is_refused(dep):
    volume = bs.create_volume(dep)
    message = _error(dep.request('POST', '/backups', json={'backup': {
        'volume_id': volume, 'incremental': True}}), 400)
    assert volume in message and 'full backup' in message
    assert bs.volume_status(dep, volume) == 'available'


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


def test_list_filters_sort_paging_and_all_tenants(dep):
    volume = bs.create_volume(dep, project='lister')
    made = [bs.create_backup(dep, volume, project='lister', name='l%d' % i)
            for i in range(3)]

    def listed(query, admin=False, path='/backups/detail'):
        resp = dep.request('GET', path + query, project='lister',
                           admin=admin)
        assert resp.status_code == 200, resp.text
        return resp.json()

    body = listed('?sort_key=created_at&sort_dir=asc')
    assert [b['id'] for b in body['backups']] == made
    assert set(body) == {'backups'}
    assert [b['id'] for b in listed('?name=l1')['backups']] == [made[1]]
    assert len(listed('?status=available&volume_id=%s' % volume)[
        'backups']) == 3
    assert listed('?status=error')['backups'] == []
    page = listed('?sort=created_at:asc&limit=2')
    assert [b['id'] for b in page['backups']] == made[:2]
    assert page['backups_links'][0]['rel'] == 'next'
    rest = listed('?sort=created_at:asc&limit=2&marker=%s' % made[1])
    assert [b['id'] for b in rest['backups']] == [made[2]]
    summary = listed('', path='/backups')['backups'][0]
    assert set(summary) == {'id', 'name', 'links'}
    v2 = dep.request('GET', '/backups/detail', project='lister',
                     version='v2').json()['backups']
    assert {b['id'] for b in v2} == set(made)
    bad = dep.request('GET', '/backups?sort_key=bogus', project='lister')
    assert bad.status_code == 400 and 'bogus' in bad.text

    # all_tenants: ignored for members, every project for admins
    others = dep.request('GET', '/backups?all_tenants=1').json()['backups']
    assert not {b['id'] for b in others} & set(made)
    everyone = dep.request('GET', '/backups?all_tenants=True',
                           admin=True).json()['backups']
    assert set(made) <= {b['id'] for b in everyone}


def test_restore_onto_a_smaller_or_busy_volume_is_refused(dep):
    big = bs.create_volume(dep, size=2)
    backup = bs.create_backup(dep, big)
    small = bs.create_volume(dep, size=1)
    message = _error(dep.request('POST', '/backups/%s/restore' % backup,
                                 json={'restore': {'volume_id': small}}),
                     400)
    assert small in message and backup in message and '2 GiB' in message
    bs.attach(dep, small)
    message = _error(dep.request('POST', '/backups/%s/restore' % backup,
                                 json={'restore': {'volume_id': small}}),
                     400)
    assert "'in-use'" in message
    shown = dep.request('GET', '/backups/%s' % backup).json()['backup']
    assert shown['status'] == 'available'
    assert bs.volume_status(dep, small) == 'in-use'


def test_microversion_dependent_fields(dep):
    volume = bs.create_volume(dep, project='mv')
    resp = dep.request('POST', '/backups', project='mv', microversion='3.51',
                       json={'backup': {'volume_id': volume, 'name': 'mv',
                                        'metadata': {'k': 'v'},
                                        'availability_zone': 'nova'}})
    assert resp.status_code == 202, resp.text
    assert set(resp.json()['backup']) == {'id', 'name', 'links'}
    backup = resp.json()['backup']['id']
    bs.wait_for(dep, 'backups', backup, 'available', admin=False,
                project='mv')
    # the backup service of the volume's host makes it: another zone is
    # refused, not recorded as if honoured
    before = len(dep.request('GET', '/backups', project='mv'
                             ).json()['backups'])
    message = _error(dep.request(
        'POST', '/backups', project='mv', microversion='3.51',
        json={'backup': {'volume_id': volume,
                         'availability_zone': 'elsewhere'}}), 400)
    assert message == (
        'Invalid input received: Backups of volume %s are made by the '
        'backup service on its host %s, in availability zone nova; give '
        'availability_zone nova or leave it out.'
        % (volume, dep.host)), message
    assert len(dep.request('GET', '/backups', project='mv'
                           ).json()['backups']) == before
    assert bs.volume_status(dep, volume) == 'available'
    # metadata needs 3.43 on create
    refused = dep.request('POST', '/backups', project='mv',
                          microversion='3.42', json={'backup': {
                              'volume_id': volume, 'metadata': {}}})
    assert refused.status_code == 400 and 'metadata' in refused.text

    def shown(version, admin=False):
        resp = dep.request('GET', '/backups/%s' % backup, project='mv',
                           microversion=version, admin=admin)
        assert resp.status_code == 200, resp.text
        return resp.json()['backup']
    base = set(shown('3.0'))
    assert set(shown('3.43')) == base | {'metadata'}
    assert shown('3.43')['metadata'] == {'k': 'v'}
    # encryption_key_id (3.64) only for an encrypted backup, as Cinder
    assert set(shown('3.64')) == base | {'metadata'}
    admin_view = shown('3.64', admin=True)
    assert set(admin_view) == base | {
        'metadata', 'user_id', 'os-backup-project-attr:project_id'}
    assert admin_view['os-backup-project-attr:project_id'] == 'mv'
    assert set(shown('3.18', admin=True)) == base | {
        'os-backup-project-attr:project_id'}

    # update: 3.9 name/description, 3.43 metadata
    assert dep.request('PUT', '/backups/%s' % backup, project='mv',
                       json={'backup': {'name': 'x'}}).status_code == 404
    resp = dep.request('PUT', '/backups/%s' % backup, project='mv',
                       microversion='3.43',
                       json={'backup': {'name': 'renamed',
                                        'metadata': {'a': 'b'}}})
    assert resp.status_code == 200, resp.text
    assert set(resp.json()['backup']) == {'id', 'name', 'links'}
    after = shown('3.43')
    assert (after['name'], after['metadata']) == ('renamed', {'a': 'b'})

    # with_count at 3.45
    counted = dep.request('GET', '/backups?with_count=true', project='mv',
                          microversion='3.45').json()
    assert counted['count'] == 1
    plain = dep.request('GET', '/backups?with_count=true', project='mv',
                        microversion='3.44').json()
    assert 'count' not in plain
