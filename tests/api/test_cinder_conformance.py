"""What Tempest's volume API tests check of the API's own rules, on the API
in process (tests/fixtures/api_inprocess.py; issue 21, group 1): Cinder's
statuses and sort keys, the 404s Cinder answers, the service binaries,
the export record's backup_service names, volume type keys against
Tempest's schemas. Response keys of objects the services made, restores
and export records are checked against backupd-all in
tests/functional/test_api_tempest_conformance.py."""
import jsonschema
import pytest

from backupd.manager import states
from backupd import names
from tests.helpers import backup_support as bs
from tests.helpers import tempest_schemas
from tests.helpers.tempest_schemas import check as _check
from tests.helpers.volume_api import action
from tests.helpers.volume_api import create_snapshot
from tests.helpers.volume_api import create_volume
from tests.helpers.volume_api import error_of


@pytest.fixture(scope='module')
def dep(api_finishing):
    return api_finishing


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
