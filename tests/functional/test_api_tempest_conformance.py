"""What Tempest's volume API tests check, over HTTP against backupd-all
(issue 21, group 1), where the services' work shows: response keys per
call and microversion against Tempest's schemas
(tests/helpers/tempest_schemas.py) of objects the services made, a restore
carrying the volume's metadata, the export record's backup_service. The
API's own rules (statuses, sort keys, 404s, binaries) are checked in
process: tests/api/test_cinder_conformance.py."""
import pytest

from tests.helpers import backup_support as bs
from tests.helpers import tempest_schemas
from tests.helpers.tempest_schemas import check as _check
from tests.helpers.volume_api import create_volume
from tests.helpers.volume_api import wait_status

VERSIONS = ['3.0', '3.64']
CALLERS = {'owner': False, 'admin': True}


@pytest.fixture(scope='module')
def dep(backupd_all):
    # many small objects: the default quotas (10 volumes) are not the point
    resp = backupd_all.request('PUT', '/os-quota-sets/demo', admin=True,
                               json={'quota_set': {
                                   'volumes': -1, 'snapshots': -1,
                                   'backups': -1, 'gigabytes': -1,
                                   'backup_gigabytes': -1}})
    assert resp.status_code == 200, resp.text
    return backupd_all


def _version(text):
    return tuple(int(part) for part in text.split('.'))


def _call(dep, mv, admin, method, path, **kw):
    return dep.request(method, path, admin=admin, microversion=mv, **kw)


@pytest.mark.parametrize('caller', sorted(CALLERS))
@pytest.mark.parametrize('mv', VERSIONS)
def test_volume_and_snapshot_keys_match_tempest(dep, mv, caller):
    admin = CALLERS[caller]
    vols = tempest_schemas.volumes(_version(mv))
    snaps = tempest_schemas.snapshots(_version(mv))
    resp = _call(dep, mv, admin, 'POST', '/volumes', json={'volume': {
        'size': 1, 'name': 'v-%s' % mv, 'metadata': {'k': 'v'}}})
    _check(vols, 'create', resp, 202)
    vid = resp.json()['volume']['id']
    wait_status(dep, 'volume', vid, 'available', admin=admin)
    _check(vols, 'show', _call(dep, mv, admin, 'GET', '/volumes/%s' % vid),
           200)
    _check(vols, 'list', _call(dep, mv, admin, 'GET', '/volumes'), 200)
    _check(vols, 'detail', _call(dep, mv, admin, 'GET', '/volumes/detail'),
           200)
    resp = _call(dep, mv, admin, 'PUT', '/volumes/%s' % vid,
                 json={'volume': {'name': 'renamed'}})
    _check(vols, 'update', resp, 200)
    assert resp.json()['volume']['name'] == 'renamed'

    resp = _call(dep, mv, admin, 'POST', '/snapshots', json={'snapshot': {
        'volume_id': vid, 'name': 's-%s' % mv, 'metadata': {'k': 'v'}}})
    _check(snaps, 'create', resp, 202)
    sid = resp.json()['snapshot']['id']
    wait_status(dep, 'snapshot', sid, 'available', admin=admin)
    _check(snaps, 'show',
           _call(dep, mv, admin, 'GET', '/snapshots/%s' % sid), 200)
    _check(snaps, 'list', _call(dep, mv, admin, 'GET', '/snapshots'), 200)
    _check(snaps, 'detail',
           _call(dep, mv, admin, 'GET', '/snapshots/detail'), 200)
    resp = _call(dep, mv, admin, 'PUT', '/snapshots/%s' % sid,
                 json={'snapshot': {'name': 'renamed'}})
    _check(snaps, 'update', resp, 200)
    assert resp.json()['snapshot']['name'] == 'renamed'


@pytest.mark.parametrize('mv', VERSIONS)
def test_backup_keys_match_tempest(dep, mv):
    schemas = tempest_schemas.backups(_version(mv))
    volume = create_volume(dep)
    resp = _call(dep, mv, False, 'POST', '/backups', json={'backup': {
        'volume_id': volume['id'], 'name': 'b-%s' % mv}})
    _check(schemas, 'create', resp, 202)
    bid = resp.json()['backup']['id']
    bs.wait_for(dep, 'backups', bid, 'available', admin=False)
    for admin in (False, True):
        _check(schemas, 'show',
               _call(dep, mv, admin, 'GET', '/backups/%s' % bid), 200)
        _check(schemas, 'list', _call(dep, mv, admin, 'GET', '/backups'),
               200)
        _check(schemas, 'detail',
               _call(dep, mv, admin, 'GET', '/backups/detail'), 200)
    if _version(mv) >= (3, 9):
        _check(schemas, 'update', _call(
            dep, mv, False, 'PUT', '/backups/%s' % bid,
            json={'backup': {'name': 'renamed'}}), 200)
    resp = _call(dep, mv, False, 'POST', '/backups/%s/restore' % bid,
                 json={'restore': {'name': 'r-%s' % mv}})
    _check(schemas, 'restore', resp, 202)
    bs.wait_for(dep, 'backups', bid, 'available', admin=False)
    resp = _call(dep, mv, True, 'GET', '/backups/%s/export_record' % bid)
    _check(schemas, 'export', resp, 200)
    record = resp.json()['backup-record']
    assert record['backup_service'].startswith('cinder.backup.drivers')
    _check(schemas, 'import', _import_again(dep, bid, record, mv), 201)
    bs.wait_for(dep, 'backups', bid, 'available')


def _import_again(dep, backup_id, record, mv=None):
    """Lose the backup's row (its data stays), import its record; the
    import response. The row is lost with SQL, as in test_backup_lifecycle:
    no API loses a row and keeps the data."""
    bs.sql(dep, "UPDATE backups SET deleted = :yes, status = 'deleted' "
           'WHERE id = :id', id=backup_id, yes=True)
    return dep.request('POST', '/backups/import_record', admin=True,
                       microversion=mv, json={'backup-record': record})


def test_restore_carries_the_volume_metadata(dep):
    meta = {'vol-meta1': 'value1', 'vol-meta2': 'value2'}
    volume = create_volume(dep, metadata=meta)
    digest = bs.write_pattern(bs.volume_path(dep, volume['id']), seed=21)
    backup_id = bs.create_backup(dep, volume['id'])
    restored = bs.restore(dep, backup_id)
    shown = wait_status(dep, 'volume', restored, 'available')
    assert shown['metadata'] == meta
    assert bs.sha256_of(bs.volume_path(dep, restored)) == digest
    listed = dep.request('GET', '/volumes/%s/metadata' % restored).json()
    assert listed == {'metadata': meta}


def test_export_record_names_a_service_cinder_refuses(dep):
    volume = create_volume(dep)
    digest = bs.write_pattern(bs.volume_path(dep, volume['id']), seed=7,
                              regions=((0, 1024 * 1024),))
    backup_id = bs.create_backup(dep, volume['id'])
    record = dep.request('GET', '/backups/%s/export_record' % backup_id,
                         admin=True).json()['backup-record']
    assert record['backup_service'] == 'cinder.backup.drivers.backupd_posix'
    resp = _import_again(dep, backup_id, record)
    assert resp.status_code == 201, resp.text
    # an import belongs to the importing admin's project
    bs.wait_for(dep, 'backups', backup_id, 'available')
    restored = bs.restore(dep, backup_id, project='admin')
    assert bs.sha256_of(bs.volume_path(dep, restored)) == digest
