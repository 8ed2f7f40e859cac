"""What Tempest's volume API tests check, over HTTP against backupd-all
(issue 21, group 1): response keys per call and microversion against
Tempest's schemas (tests/helpers/tempest_schemas.py), a restore carrying
the volume's metadata, Cinder's statuses and sort keys, the 404s Cinder
answers, the service binaries and the export record's backup_service."""
import jsonschema
import pytest

from backupd.manager import states
from backupd import names
from tests.functional import backup_support as bs
from tests.helpers import tempest_schemas
from tests.volume_api_helpers import action
from tests.volume_api_helpers import create_snapshot
from tests.volume_api_helpers import create_volume
from tests.volume_api_helpers import error_of
from tests.volume_api_helpers import wait_status

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


def _check(schemas, call, resp, status):
    assert resp.status_code == status, resp.text
    try:
        jsonschema.validate(resp.json(), schemas[call])
    except jsonschema.ValidationError as e:
        raise AssertionError('%s: %s' % (call, e.message)) from None


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


@pytest.mark.parametrize('kind, status', [
    ('volume', s) for s in states.Volume.RESET_TARGETS] + [
    ('snapshot', s) for s in states.Snapshot.RESET_TARGETS])
def test_reset_status_takes_cinders_statuses(dep, kind, status):
    volume = _shared_volume(dep)
    object_id = (volume['id'] if kind == 'volume'
                 else _shared_snapshot(dep, volume['id'])['id'])
    resp = action(dep, kind, object_id,
                  {'os-reset_status': {'status': status}}, admin=True)
    assert resp.status_code == 202, resp.text
    shown = dep.request('GET', '/%ss/%s' % (kind, object_id),
                        admin=True).json()[kind]
    assert shown['status'] == status
    action(dep, kind, object_id,
           {'os-reset_status': {'status': 'available'}}, admin=True)


_SHARED = {}


def _shared_volume(dep):
    if 'volume' not in _SHARED:
        _SHARED['volume'] = create_volume(dep, name='reset-target')
    return _SHARED['volume']


def _shared_snapshot(dep, volume_id):
    if 'snapshot' not in _SHARED:
        _SHARED['snapshot'] = create_snapshot(dep, volume_id, name='reset')
    return _SHARED['snapshot']


def test_reset_status_names_cinders_statuses_when_refused(dep):
    volume = _shared_volume(dep)
    resp = action(dep, 'volume', volume['id'],
                  {'os-reset_status': {'status': 'sleeping'}}, admin=True)
    message = error_of(resp, 400)
    assert 'sleeping' in message and 'maintenance' in message


@pytest.mark.parametrize('collection', ['volumes', 'snapshots', 'backups'])
@pytest.mark.parametrize('key', ['display_name', 'name'])
def test_lists_sort_by_cinders_keys(dep, collection, key):
    volume = create_volume(dep, name='sort-b')
    other = create_volume(dep, name='sort-a')
    if collection == 'volumes':
        made = [volume, other]
    elif collection == 'snapshots':
        made = [create_snapshot(dep, volume['id'], name='sort-b'),
                create_snapshot(dep, other['id'], name='sort-a')]
    else:
        made = [{'id': bs.create_backup(dep, volume['id'], name='sort-b')},
                {'id': bs.create_backup(dep, other['id'], name='sort-a')}]
    ids = {m['id'] for m in made}
    for direction, expected in (('asc', ['sort-a', 'sort-b']),
                                ('desc', ['sort-b', 'sort-a'])):
        resp = dep.request('GET', '/%s/detail?sort_key=%s&sort_dir=%s'
                           % (collection, key, direction))
        assert resp.status_code == 200, resp.text
        names_in_order = [item['name'] for item in resp.json()[collection]
                          if item['id'] in ids]
        assert names_in_order == expected


def test_unknown_sort_key_is_a_400_naming_the_keys(dep):
    message = error_of(dep.request('GET', '/snapshots?sort_key=colour'), 400)
    assert 'colour' in message and 'display_name' in message


@pytest.mark.parametrize('method', ['GET', 'PUT', 'DELETE'])
@pytest.mark.parametrize('collection', ['volumes', 'snapshots', 'backups'])
def test_empty_id_is_a_404(dep, method, collection):
    body = {collection[:-1]: {'name': 'x'}} if method == 'PUT' else None
    resp = dep.request(method, '/%s/' % collection, json=body)
    assert resp.status_code == 404, resp.text
    assert 'empty id' in resp.json()['itemNotFound']['message']


def test_snapshot_of_null_volume_is_a_404(dep):
    resp = dep.request('POST', '/snapshots', json={'snapshot': {
        'volume_id': None, 'name': 'nothing'}})
    assert 'volume_id' in error_of(resp, 404)


def test_services_show_cinders_binaries(dep):
    shown = dep.request('GET', '/os-services', admin=True).json()['services']
    assert {s['binary'] for s in shown} == {'cinder-volume', 'cinder-backup'}
    for name in ('cinder-volume', 'backupd-volume'):
        only = dep.request('GET', '/os-services?binary=%s' % name,
                           admin=True).json()['services']
        assert [s['binary'] for s in only] == ['cinder-volume']
    at_349 = dep.request('GET', '/os-services', admin=True,
                         microversion='3.49').json()['services']
    assert [s['binary'] for s in at_349 if 'backend_state' in s] == [
        'cinder-volume']


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


@pytest.mark.parametrize('service, driver', [
    ('cinder.backup.drivers.backupd_posix', 'posix'),
    ('cinder.backup.drivers.backupd_swift', 'swift'),
    ('posix', 'posix'), ('swift', 'swift')])
def test_record_service_names(service, driver):
    assert names.record_driver(service) == driver
    jsonschema.validate(service, names.RECORD_SERVICE)


@pytest.mark.parametrize('service', [
    'cinder.backup.drivers.posix', 'cinder.backup.drivers.swift',
    'cinder.backup.drivers.swift.SwiftBackupDriver', '', 'Posix'])
def test_cinder_record_services_are_refused(service):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(service, names.RECORD_SERVICE)


def test_volume_of_unknown_type_is_a_404(dep):
    # done by the quotas and types work (issue 14); Tempest checks it too
    resp = dep.request('POST', '/volumes', json={'volume': {
        'size': 1, 'volume_type': 'no-such-type'}})
    assert 'no-such-type' in error_of(resp, 404)


def test_volume_type_keys_match_tempest(dep):
    """Create answers without qos_specs_id, update also without the access
    key; show and list carry both (Tempest's volume_types schemas)."""
    types = tempest_schemas.volume_types()
    resp = dep.request('POST', '/types', admin=True, json={'volume_type': {
        'name': 'tempest-keys', 'extra_specs': {'k': 'v'}}})
    _check(types, 'create', resp, 200)
    type_id = resp.json()['volume_type']['id']
    resp = dep.request('PUT', '/types/%s' % type_id, admin=True,
                       json={'volume_type': {'description': 'd'}})
    _check(types, 'update', resp, 200)
    assert resp.json()['volume_type']['description'] == 'd'
    _check(types, 'show',
           dep.request('GET', '/types/%s' % type_id, admin=True), 200)
    _check(types, 'list', dep.request('GET', '/types', admin=True), 200)
    assert dep.request('DELETE', '/types/%s' % type_id,
                       admin=True).status_code == 202
