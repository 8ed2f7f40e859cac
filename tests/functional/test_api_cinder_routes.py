"""Cinder routes served since issue 21, over HTTP against backupd-all:
snapshot metadata, os-reserve/os-unreserve/os-set_bootable/
os-update_readonly_flag, os-update_snapshot_status, /volumes/summary,
os-services enable/disable/disable-log-reason/freeze/thaw, /os-hosts,
/capabilities, volume transfers (auth key hashed with salt), /messages,
/extensions. Response keys are checked against Tempest's schemas
(tests/helpers/tempest_schemas.py)."""
import hashlib

import jsonschema
import pytest
import sqlalchemy as sa

from tests.helpers import backup_support as bs

from backupd.db import models
from tests.helpers import tempest_schemas
from tests.helpers.volume_api import action
from tests.helpers.volume_api import create_snapshot
from tests.helpers.volume_api import create_volume
from tests.helpers.volume_api import error_of
from tests.helpers.volume_api import wait_status


@pytest.fixture(scope='module')
def dep(backupd_all):
    return backupd_all


def _check(schema, resp, status):
    assert resp.status_code == status, resp.text
    jsonschema.validate(resp.json(), schema)


def test_snapshot_metadata_crud(dep):
    vol = create_volume(dep)
    snap = create_snapshot(dep, vol['id'], metadata={'a': '1'})
    path = '/snapshots/%s/metadata' % snap['id']
    resp = dep.request('POST', path, json={'metadata': {'b': '2'}})
    assert resp.json() == {'metadata': {'a': '1', 'b': '2'}}, resp.text
    resp = dep.request('PUT', path, json={'metadata': {'c': '3'}})
    assert resp.json() == {'metadata': {'c': '3'}}
    resp = dep.request('PUT', path + '/c', json={'meta': {'c': '4'}})
    assert resp.json() == {'meta': {'c': '4'}}
    assert dep.request('GET', path + '/c').json() == {'meta': {'c': '4'}}
    assert dep.request('DELETE', path + '/c').status_code == 200
    assert 'no metadata key' in error_of(dep.request('GET', path + '/c'), 404)
    # another project's snapshot is not found
    error_of(dep.request('GET', path, project='other'), 404)
    # a reader may look, not write
    resp = dep.request('PUT', path, headers={'X-Roles': 'reader'},
                       json={'metadata': {}})
    error_of(resp, 403)


def test_reserve_unreserve_bootable_readonly(dep):
    vol = create_volume(dep)
    vid = vol['id']
    assert action(dep, 'volume', vid, {'os-reserve': {}}).status_code == 202
    assert dep.request('GET', '/volumes/%s' % vid).json()[
        'volume']['status'] == 'attaching'
    # reserved twice: refused, naming the status
    msg = error_of(action(dep, 'volume', vid, {'os-reserve': {}}), 400)
    assert "'attaching'" in msg
    assert action(dep, 'volume', vid, {'os-unreserve': {}}).status_code == 202
    assert dep.request('GET', '/volumes/%s' % vid).json()[
        'volume']['status'] == 'available'
    error_of(action(dep, 'volume', vid, {'os-unreserve': {}}), 400)

    resp = action(dep, 'volume', vid, {'os-set_bootable': {'bootable': True}})
    assert resp.status_code == 200, resp.text
    assert dep.request('GET', '/volumes/%s' % vid).json()[
        'volume']['bootable'] == 'true'
    error_of(action(dep, 'volume', vid,
                    {'os-set_bootable': {'bootable': 'maybe'}}), 400)
    for flag in (True, False):
        resp = action(dep, 'volume', vid,
                      {'os-update_readonly_flag': {'readonly': flag}})
        assert resp.status_code == 202, resp.text
        shown = dep.request('GET', '/volumes/%s' % vid).json()['volume']
        assert shown['metadata']['readonly'] == str(flag)
    # the volume's own metadata resource is unchanged by the flag
    assert 'readonly' not in dep.request(
        'GET', '/volumes/%s/metadata' % vid).json()['metadata']


def test_update_snapshot_status(dep):
    vol = create_volume(dep)
    snap = create_snapshot(dep, vol['id'])
    body = {'os-update_snapshot_status': {'status': 'error',
                                          'progress': '80%'}}
    # only creating or deleting snapshots take it
    assert 'os-update_snapshot_status' in error_of(
        action(dep, 'snapshot', snap['id'], body), 400)
    assert action(dep, 'snapshot', snap['id'], {'os-reset_status': {
        'status': 'creating'}}, admin=True).status_code == 202
    resp = action(dep, 'snapshot', snap['id'], {'os-update_snapshot_status': {
        'status': 'error_deleting'}})
    assert 'creating, available, error' in error_of(resp, 400)
    assert action(dep, 'snapshot', snap['id'], body).status_code == 202
    shown = dep.request('GET', '/snapshots/%s' % snap['id']).json()[
        'snapshot']
    assert shown['status'] == 'error'
    assert shown['os-extended-snapshot-attributes:progress'] == '80%'


def test_volume_summary(dep):
    project = 'summary-%s' % id(dep)
    for size, meta in ((1, {'k': 'a'}), (2, {'k': 'b'})):
        create_volume(dep, size=size, project=project, metadata=meta)
    resp = dep.request('GET', '/volumes/summary', project=project,
                       microversion='3.36')
    assert resp.json() == {'volume-summary': {
        'total_count': 2, 'total_size': 3, 'metadata': {'k': ['a', 'b']}}}
    resp = dep.request('GET', '/volumes/summary', project=project,
                       microversion='3.12')
    assert resp.json() == {'volume-summary': {'total_count': 2,
                                              'total_size': 3}}
    # before 3.12 "summary" is a volume id
    error_of(dep.request('GET', '/volumes/summary', project=project), 404)


def test_services_disable_enable_and_freeze(dep):
    volume_service = [s for s in dep.request(
        'GET', '/os-services', admin=True).json()['services']
        if s['binary'] == 'cinder-volume'][0]
    body = {'host': volume_service['host'], 'binary': 'cinder-volume'}
    resp = dep.request('PUT', '/os-services/disable-log-reason', admin=True,
                       json=dict(body, disabled_reason='maintenance'))
    assert resp.json() == dict(
        body, service='cinder-volume', disabled=True, status='disabled',
        disabled_reason='maintenance'), resp.text
    listed = [s for s in dep.request('GET', '/os-services', admin=True).json()[
        'services'] if s['binary'] == 'cinder-volume'][0]
    assert listed['status'] == 'disabled'
    # a disabled volume host is not placed on
    resp = dep.request('POST', '/volumes', json={'volume': {'size': 1}})
    assert resp.status_code in (400, 409, 503), resp.text
    resp = dep.request('PUT', '/os-services/enable', admin=True, json=body)
    assert resp.json()['status'] == 'enabled' and \
        resp.json()['disabled_reason'] is None
    create_volume(dep)
    resp = dep.request('PUT', '/os-services/disable', admin=True, json=body)
    assert set(resp.json()) == {'host', 'binary', 'service', 'disabled',
                                'status'}
    dep.request('PUT', '/os-services/enable', admin=True, json=body)
    # the negative cases Tempest checks, each for its real reason
    error_of(dep.request('PUT', '/os-services/disable-log-reason', admin=True,
                         json=dict(body, disabled_reason=None)), 400)
    error_of(dep.request('PUT', '/os-services/enable', admin=True,
                         json=dict(body, host='nohost')), 404)
    error_of(dep.request('PUT', '/os-services/enable', admin=True,
                         json=dict(body, binary='cinder-nothing')), 404)
    assert 'No volume service' in error_of(dep.request(
        'PUT', '/os-services/freeze', admin=True, json={'host': 'nohost'}),
        400)
    assert 'not replicated' in error_of(dep.request(
        'PUT', '/os-services/thaw', admin=True,
        json={'host': volume_service['host']}), 400)
    error_of(dep.request('PUT', '/os-services/failover_host', admin=True,
                         json={'host': volume_service['host']}), 404)
    error_of(dep.request('PUT', '/os-services/enable', json=body), 403)


def test_hosts_and_capabilities(dep):
    vol = create_volume(dep, size=2)
    create_snapshot(dep, vol['id'])
    hosts = dep.request('GET', '/os-hosts', admin=True).json()['hosts']
    volume_hosts = [h['host_name'] for h in hosts
                    if h['service'] == 'cinder-volume']
    assert volume_hosts and '@' in volume_hosts[0], hosts
    assert {h['service'] for h in hosts} >= {'cinder-volume', 'cinder-backup'}
    detail = dep.request('GET', '/os-hosts/%s' % volume_hosts[0],
                         admin=True).json()['host']
    total = detail[0]['resource']
    assert total['project'] == '(total)'
    demo = [d['resource'] for d in detail
            if d['resource']['project'] == 'demo'][0]
    assert int(demo['volume_count']) >= 1 and int(demo['snapshot_count']) >= 1
    assert int(total['total_volume_gb']) >= int(demo['total_volume_gb']) >= 2
    error_of(dep.request('GET', '/os-hosts/nohost', admin=True), 404)
    error_of(dep.request('GET', '/os-hosts'), 403)

    pool = dep.request('GET', '/scheduler-stats/get_pools?detail=true',
                       admin=True).json()['pools'][0]
    caps = dep.request('GET', '/capabilities/%s' % volume_hosts[0],
                       admin=True).json()
    for key in ('vendor_name', 'volume_backend_name', 'storage_protocol'):
        assert caps[key] == pool['capabilities'][key]
    assert caps['namespace'].startswith('OS::Storage::Capabilities::')
    error_of(dep.request('GET', '/capabilities/nohost@other', admin=True),
             404)


def test_transfer_create_accept_moves_volume_and_quota(dep):
    schemas = tempest_schemas.transfers((3, 57))
    vol = create_volume(dep, size=3)
    create_snapshot(dep, vol['id'])
    before = dep.request('GET', '/os-quota-sets/other?usage=true',
                         project='other', user='other').json()['quota_set']
    resp = dep.request('POST', '/os-volume-transfer', microversion='3.57',
                       json={'transfer': {'volume_id': vol['id'],
                                          'name': 'gift'}})
    _check(schemas['create'], resp, 202)
    transfer = resp.json()['transfer']
    assert wait_status(dep, 'volume', vol['id'],
                       'awaiting-transfer')['status'] == 'awaiting-transfer'
    _check(schemas['show'], dep.request(
        'GET', '/os-volume-transfer/%s' % transfer['id'],
        microversion='3.57'), 200)
    _check(schemas['list'], dep.request('GET', '/volume-transfers',
                                        microversion='3.57'), 200)
    _check(schemas['detail'], dep.request(
        'GET', '/volume-transfers/detail', microversion='3.57'), 200)
    # the other project sees no transfer and cannot delete it
    error_of(dep.request('GET', '/os-volume-transfer/%s' % transfer['id'],
                         project='other', user='other'), 404)
    error_of(dep.request('DELETE', '/os-volume-transfer/%s'
                         % transfer['id'], project='other', user='other'),
             404)
    assert 'Transfer %s could not be found' % ('0' * 32) in error_of(
        dep.request('GET', '/os-volume-transfer/%s' % ('0' * 32)), 404)
    # a wrong key is refused; the volume stays where it was
    resp = dep.request('POST', '/os-volume-transfer/%s/accept'
                       % transfer['id'], project='other', user='other',
                       json={'accept': {'auth_key': 'wrong'}})
    assert 'auth_key' in error_of(resp, 400)
    resp = dep.request('POST', '/os-volume-transfer/%s/accept'
                       % transfer['id'], project='other', user='other',
                       json={'accept': {'auth_key': transfer['auth_key']}})
    _check(schemas['accept'], resp, 202)
    moved = dep.request('GET', '/volumes/%s' % vol['id'], project='other',
                        user='other').json()['volume']
    assert moved['status'] == 'available' and moved['user_id'] == 'other'
    error_of(dep.request('GET', '/volumes/%s' % vol['id']), 404)
    after = dep.request('GET', '/os-quota-sets/other?usage=true',
                        project='other', user='other').json()['quota_set']
    assert after['volumes']['in_use'] == before['volumes']['in_use'] + 1
    assert after['gigabytes']['in_use'] == before['gigabytes']['in_use'] + 6
    assert after['snapshots']['in_use'] == before['snapshots']['in_use'] + 1
    # accepted: gone, a second accept is a 404
    error_of(dep.request('POST', '/os-volume-transfer/%s/accept'
                         % transfer['id'], project='other', user='other',
                         json={'accept': {'auth_key': transfer['auth_key']}}),
             404)


def test_transfer_delete_and_auth_key_stored_hashed(dep):
    vol = create_volume(dep)
    resp = dep.request('POST', '/os-volume-transfer',
                       json={'transfer': {'volume_id': vol['id']}})
    transfer = resp.json()['transfer']
    engine = _database(dep)
    with engine.connect() as conn:
        salt, crypt_hash = conn.execute(
            sa.select(models.Transfer.salt, models.Transfer.crypt_hash)
            .where(models.Transfer.id == transfer['id'])).one()
    engine.dispose()
    assert transfer['auth_key'] not in (salt, crypt_hash)
    assert crypt_hash == hashlib.sha256(
        (salt + transfer['auth_key']).encode()).hexdigest()
    # a transfer of a volume that is not available is refused
    resp = dep.request('POST', '/os-volume-transfer',
                       json={'transfer': {'volume_id': vol['id']}})
    assert "'awaiting-transfer'" in error_of(resp, 400)
    assert dep.request('DELETE', '/os-volume-transfer/%s'
                       % transfer['id']).status_code == 202
    assert dep.request('GET', '/volumes/%s' % vol['id']).json()[
        'volume']['status'] == 'available'


def _database(dep):
    return sa.create_engine('sqlite:///%s/backupd.sqlite' % dep.state_path)


def test_messages_and_extensions(dep):
    # a message as backupd.messages.record writes it, into the deployment's
    # database (no operation of this deployment fails on purpose)
    from backupd import context as backupd_context
    from backupd.db import api as db_api
    from backupd import messages
    from oslo_config import cfg
    conf = cfg.ConfigOpts()
    conf.register_opts([cfg.StrOpt('connection')], group='database')
    conf([], default_config_files=[])
    conf.set_override('connection', 'sqlite:///%s/backupd.sqlite'
                      % dep.state_path, group='database')
    db_api.configure(conf)
    try:
        messages.record(backupd_context.get_admin_context(), 'demo',
                        'VOLUME', '1' * 32, 'VOLUME_VOLUME_001_002',
                        'create volume failed: no valid host.')
    finally:
        db_api.dispose_engine()
    resp = dep.request('GET', '/messages', microversion='3.3')
    _check(tempest_schemas.MESSAGES_LIST, resp, 200)
    (message,) = [m for m in resp.json()['messages']
                  if m['resource_uuid'] == '1' * 32]
    _check(tempest_schemas.MESSAGE_SHOW, dep.request(
        'GET', '/messages/%s' % message['id'], microversion='3.3'), 200)
    error_of(dep.request('GET', '/messages/%s' % message['id'],
                         project='other', user='other', microversion='3.3'),
             404)
    error_of(dep.request('GET', '/messages'), 404)  # before 3.3
    assert dep.request('DELETE', '/messages/%s' % message['id'],
                       microversion='3.3').status_code == 204
    error_of(dep.request('GET', '/messages/%s' % message['id'],
                         microversion='3.3'), 404)
    resp = dep.request('GET', '/extensions')
    _check(tempest_schemas.EXTENSIONS_LIST, resp, 200)
    aliases = {e['alias'] for e in resp.json()['extensions']}
    assert {'os-volume-transfer', 'os-hosts', 'os-services'} <= aliases
    error_of(dep.request('GET', '/extensions/os-nothing'), 404)


def test_retype_without_migration_moves_typed_quota(dep):
    names = []
    for name, specs in (('retype-a', {}), ('retype-b', {}),
                        ('retype-elsewhere',
                         {'volume_backend_name': 'another-backend'})):
        resp = dep.request('POST', '/types', admin=True, json={
            'volume_type': {'name': name, 'extra_specs': specs}})
        assert resp.status_code == 200, resp.text
        names.append(name)
    project = 'retype-%s' % id(dep)
    vol = create_volume(dep, size=2, project=project, volume_type='retype-a')
    create_snapshot(dep, vol['id'], project=project)

    def usage():
        quota_set = dep.request('GET', '/os-quota-sets/%s?usage=true'
                                % project, project=project).json()[
            'quota_set']
        return {k: quota_set[k]['in_use'] for k in (
            'volumes_retype-a', 'gigabytes_retype-a', 'snapshots_retype-a',
            'volumes_retype-b', 'gigabytes_retype-b', 'snapshots_retype-b',
            'volumes', 'gigabytes') if k in quota_set}
    before = usage()
    resp = action(dep, 'volume', vol['id'], {'os-retype': {
        'new_type': 'retype-b', 'migration_policy': 'never'}},
        project=project)
    assert resp.status_code == 202, resp.text
    shown = dep.request('GET', '/volumes/%s' % vol['id'],
                        project=project).json()['volume']
    assert shown['volume_type'] == 'retype-b' and shown['status'] == 'available'
    after = usage()
    # the volume's 2 GiB and its snapshot's 2 GiB (snapshots count
    # gigabytes, as in Cinder)
    assert before['gigabytes_retype-a'] == 4
    assert after['volumes_retype-b'] == 1 and after['gigabytes_retype-b'] == 4
    assert after['snapshots_retype-b'] == 1
    assert after['volumes_retype-a'] == 0 and after['gigabytes_retype-a'] == 0
    assert (after['volumes'], after['gigabytes']) == (
        before['volumes'], before['gigabytes'])
    # the same type again, a type of another backend, an unknown type
    assert 'already of type' in error_of(action(
        dep, 'volume', vol['id'], {'os-retype': {'new_type': 'retype-b'}},
        project=project), 400)
    assert 'another-backend' in error_of(action(
        dep, 'volume', vol['id'], {'os-retype': {
            'new_type': 'retype-elsewhere', 'migration_policy': 'on-demand'}},
        project=project), 400)
    error_of(action(dep, 'volume', vol['id'], {'os-retype': {
        'new_type': 'no-such-type'}}, project=project), 404)


def test_qos_specs_keys_and_associations(dep):
    s = tempest_schemas
    resp = dep.request('POST', '/qos-specs', admin=True, json={'qos_specs': {
        'name': 'gold', 'consumer': 'front-end', 'read_iops_sec': 2000}})
    _check(s.QOS_SHOW, resp, 200)
    created = resp.json()['qos_specs']
    assert created['specs'] == {'read_iops_sec': '2000'}
    qos = '/qos-specs/%s' % created['id']
    listed = dep.request('GET', '/qos-specs', admin=True)
    _check(s.QOS_LIST, listed, 200)
    assert created in listed.json()['qos_specs']
    assert 'already exist' in error_of(dep.request(
        'POST', '/qos-specs', admin=True,
        json={'qos_specs': {'name': 'gold'}}), 409)
    error_of(dep.request('POST', '/qos-specs', admin=True, json={
        'qos_specs': {'name': 'x', 'consumer': 'sideways'}}), 400)
    resp = dep.request('PUT', qos, admin=True,
                       json={'qos_specs': {'iops_bytes': '500'}})
    _check(s.QOS_SET_KEYS, resp, 200)
    assert resp.json() == {'qos_specs': {'iops_bytes': '500'}}
    assert dep.request('PUT', qos + '/delete_keys', admin=True, json={
        'keys': ['iops_bytes']}).status_code == 202
    assert 'iops_bytes' not in dep.request(
        'GET', qos, admin=True).json()['qos_specs']['specs']
    error_of(dep.request('PUT', qos + '/delete_keys', admin=True,
                         json={'keys': ['iops_bytes']}), 404)

    type_id = dep.request('POST', '/types', admin=True, json={
        'volume_type': {'name': 'with-qos'}}).json()['volume_type']['id']
    assert dep.request('GET', qos + '/associate?vol_type_id=%s' % type_id,
                       admin=True).status_code == 202
    resp = dep.request('GET', qos + '/associations', admin=True)
    _check(s.QOS_ASSOCIATIONS, resp, 200)
    assert resp.json()['qos_associations'] == [{
        'association_type': 'volume_type', 'id': type_id,
        'name': 'with-qos'}]
    assert dep.request('GET', '/types/%s' % type_id, admin=True).json()[
        'volume_type']['qos_specs_id'] == created['id']
    # in use: delete needs force
    assert 'force' in error_of(dep.request('DELETE', qos, admin=True), 400)
    assert dep.request('GET', qos + '/disassociate?vol_type_id=%s' % type_id,
                       admin=True).status_code == 202
    assert dep.request('GET', qos + '/associations',
                       admin=True).json()['qos_associations'] == []
    dep.request('GET', qos + '/associate?vol_type_id=%s' % type_id,
                admin=True)
    assert dep.request('GET', qos + '/disassociate_all',
                       admin=True).status_code == 202
    assert dep.request('GET', '/types/%s' % type_id, admin=True).json()[
        'volume_type']['qos_specs_id'] is None
    error_of(dep.request('GET', qos + '/associate', admin=True), 400)
    error_of(dep.request('GET', '/qos-specs'), 403)
    assert dep.request('DELETE', qos, admin=True).status_code == 202
    error_of(dep.request('GET', qos, admin=True), 404)


def test_group_types_and_specs(dep):
    s = tempest_schemas
    mv = '3.11'

    def call(method, path, admin=True, **kw):
        return dep.request(method, path, admin=admin, microversion=mv, **kw)
    resp = call('POST', '/group_types', json={'group_type': {
        'name': 'gt-public', 'description': 'd',
        'group_specs': {'consistent_group_snapshot_enabled': '<is> False'}}})
    _check(s.GROUP_TYPE_SHOW, resp, 202)
    public = resp.json()['group_type']
    private = call('POST', '/group_types', json={'group_type': {
        'name': 'gt-private', 'is_public': False}}).json()['group_type']
    error_of(call('POST', '/group_types', json={'group_type': {
        'name': 'gt-public'}}), 409)
    names = lambda resp: [t['name'] for t in resp.json()['group_types']]
    resp = call('GET', '/group_types?sort=name:desc&is_public=None')
    _check(s.GROUP_TYPE_LIST, resp, 200)
    listed = names(resp)
    assert listed.index('gt-public') < listed.index('gt-private')
    assert 'gt-public' not in names(call('GET', '/group_types?is_public=false'))
    # members see public types only; a private one is not found
    assert 'gt-private' not in names(call('GET', '/group_types', admin=False))
    error_of(call('GET', '/group_types/%s' % private['id'], admin=False), 404)
    error_of(call('POST', '/group_types', admin=False,
                  json={'group_type': {'name': 'x'}}), 403)
    resp = call('PUT', '/group_types/%s' % public['id'], json={
        'group_type': {'name': 'gt-renamed', 'description': 'new'}})
    _check(s.GROUP_TYPE_SHOW, resp, 200)
    assert resp.json()['group_type']['name'] == 'gt-renamed'

    specs = '/group_types/%s/group_specs' % public['id']
    resp = call('POST', specs, json={'group_specs': {'k1': 'v1', 'k2': 'v2'}})
    _check(s.GROUP_SPECS, resp, 202)
    assert call('PUT', specs + '/k2', json={'k2': 'v2b'}).json() == {
        'k2': 'v2b'}
    assert call('GET', specs).json()['group_specs'] == {
        'consistent_group_snapshot_enabled': '<is> False', 'k1': 'v1',
        'k2': 'v2b'}
    assert call('DELETE', specs + '/k1').status_code == 202
    error_of(call('GET', specs + '/k1'), 404)
    error_of(call('GET', '/group_types/default'), 404)
    # before 3.11 there are no group types
    error_of(dep.request('GET', '/group_types', admin=True), 404)
    for type_id in (public['id'], private['id']):
        assert call('DELETE', '/group_types/%s' % type_id).status_code == 202
    error_of(call('GET', '/group_types/%s' % public['id']), 404)


def test_private_type_shared_with_a_project(dep):
    type_id = dep.request('POST', '/types', admin=True, json={'volume_type': {
        'name': 'private-shared', 'os-volume-type-access:is_public': False}}
    ).json()['volume_type']['id']
    action_path = '/types/%s/action' % type_id
    # not shared yet: the member neither sees nor uses it
    error_of(dep.request('GET', '/types/%s' % type_id), 404)
    error_of(dep.request('POST', '/volumes', json={'volume': {
        'size': 1, 'volume_type': type_id}}), 404)
    for project in ('demo', 'other'):
        resp = dep.request('POST', action_path, admin=True, json={
            'addProjectAccess': {'project': project}})
        assert resp.status_code == 202, resp.text
    error_of(dep.request('POST', action_path, admin=True, json={
        'addProjectAccess': {'project': 'demo'}}), 409)
    resp = dep.request('GET', '/types/%s/os-volume-type-access' % type_id,
                       admin=True)
    assert resp.json() == {'volume_type_access': [
        {'volume_type_id': type_id, 'project_id': 'demo'},
        {'volume_type_id': type_id, 'project_id': 'other'}]}
    assert type_id in [t['id'] for t in dep.request(
        'GET', '/types').json()['volume_types']]
    vol = create_volume(dep, volume_type=type_id)
    assert vol['volume_type'] == 'private-shared'
    # members may not change the list
    error_of(dep.request('POST', action_path, json={
        'removeProjectAccess': {'project': 'demo'}}), 403)
    assert dep.request('POST', action_path, admin=True, json={
        'removeProjectAccess': {'project': 'demo'}}).status_code == 202
    error_of(dep.request('POST', action_path, admin=True, json={
        'removeProjectAccess': {'project': 'demo'}}), 404)
    error_of(dep.request('GET', '/types/%s' % type_id), 404)
    assert type_id not in [t['id'] for t in dep.request(
        'GET', '/types').json()['volume_types']]
    # a public type has no access list
    public = dep.request('POST', '/types', admin=True, json={'volume_type': {
        'name': 'public-no-list'}}).json()['volume_type']['id']
    assert 'public' in error_of(dep.request(
        'POST', '/types/%s/action' % public, admin=True,
        json={'addProjectAccess': {'project': 'demo'}}), 400)


def test_a_failed_restore_writes_a_user_message(dep):
    """A restore that fails in the backup service (a stored data object
    damaged on purpose: a real failure, no mock) leaves a user message for
    the project that asked (GET /messages, 3.3)."""
    import os
    vol = create_volume(dep)
    with open(bs.volume_path(dep, vol['id']), 'r+b') as f:
        f.write(os.urandom(1 << 20))
    backup_id = bs.create_backup(dep, vol['id'])
    damaged = os.path.join(dep.state_path, 'backup', 'backups',
                           bs.first_data_object(dep, backup_id))
    with open(damaged, 'r+b') as f:
        f.write(b'garbage')
    resp = dep.request('POST', '/backups/%s/restore' % backup_id,
                       json={'restore': {'volume_id': None}})
    assert resp.status_code == 202, resp.text
    target = resp.json()['restore']['volume_id']
    bs.wait_for(dep, 'backups', backup_id, 'available', admin=False)
    assert dep.request('GET', '/volumes/%s' % target).json()[
        'volume']['status'] == 'error_restoring'
    listed = dep.request('GET', '/messages', microversion='3.3')
    _check(tempest_schemas.MESSAGES_LIST, listed, 200)
    (message,) = [m for m in listed.json()['messages']
                  if m['resource_uuid'] == backup_id]
    assert message['event_id'] == 'VOLUME_BACKUP_RESTORE_FAILED'
    assert message['resource_type'] == 'VOLUME_BACKUP'
    assert target in message['user_message']
    # not another project's
    assert backup_id not in [m['resource_uuid'] for m in dep.request(
        'GET', '/messages', project='other', user='other',
        microversion='3.3').json()['messages']]


def test_groups_and_group_snapshots_generic(dep):
    """Cinder's generic groups: volumes join at create and by update, a
    group snapshot is a snapshot of each volume, a group from it or from
    another group is a volume from each, deleting with delete-volumes
    deletes them; each status follows its members."""
    s = tempest_schemas
    mv = '3.64'
    project = 'groups-%s' % id(dep)

    def call(method, path, admin=False, **kw):
        if admin:
            return dep.request(method, path, admin=True, microversion=mv,
                               **kw)
        return dep.request(method, path, project=project, microversion=mv,
                           **kw)

    def until(path, key, status):
        return bs.until(lambda: call('GET', path).json()[key]['status'] ==
                        status, what='%s %s' % (path, status))
    vtype = call('POST', '/types', admin=True, json={'volume_type': {
        'name': 'grouped-%s' % project}}).json()['volume_type']
    gtype = call('POST', '/group_types', admin=True, json={'group_type': {
        'name': 'gt-%s' % project}}).json()['group_type']
    resp = call('POST', '/groups', json={'group': {
        'name': 'g1', 'group_type': gtype['id'],
        'volume_types': [vtype['id']]}})
    _check(s.GROUP_CREATE, resp, 202)
    group = resp.json()['group']['id']
    until('/groups/%s' % group, 'group', 'available')
    # a volume of another type does not join
    assert 'takes volumes of type' in error_of(call('POST', '/volumes', json={
        'volume': {'size': 1, 'group_id': group}}), 400)
    vols = [call('POST', '/volumes', json={'volume': {
        'size': 1, 'group_id': group, 'volume_type': vtype['id']}}).json()[
        'volume'] for _ in range(2)]
    for vol in vols:
        assert vol['group_id'] == group
        wait_status(dep, 'volume', vol['id'], 'available', project=project)
    shown = call('GET', '/groups/%s?list_volume=True' % group)
    _check(s.GROUP_SHOW, shown, 200)
    assert sorted(shown.json()['group']['volumes']) == sorted(
        v['id'] for v in vols)
    _check(s.GROUP_LIST, call('GET', '/groups'), 200)
    _check(s.GROUP_DETAIL, call('GET', '/groups/detail'), 200)
    # leave and join again
    assert call('PUT', '/groups/%s' % group, json={'group': {
        'remove_volumes': vols[1]['id'], 'name': 'g1b'}}).status_code == 202
    assert call('GET', '/volumes/%s' % vols[1]['id']).json()[
        'volume']['group_id'] is None
    assert call('PUT', '/groups/%s' % group, json={'group': {
        'add_volumes': vols[1]['id']}}).status_code == 202

    resp = call('POST', '/group_snapshots', json={'group_snapshot': {
        'group_id': group, 'name': 'gs1'}})
    _check(s.GROUP_SNAPSHOT_CREATE, resp, 202)
    gsnap = resp.json()['group_snapshot']['id']
    until('/group_snapshots/%s' % gsnap, 'group_snapshot', 'available')
    _check(s.GROUP_SNAPSHOT_SHOW, call('GET', '/group_snapshots/%s' % gsnap),
           200)
    _check(s.GROUP_SNAPSHOT_DETAIL, call('GET', '/group_snapshots/detail'),
           200)
    members = [sn for sn in call('GET', '/snapshots/detail').json()[
        'snapshots'] if sn['group_snapshot_id'] == gsnap]
    assert sorted(sn['volume_id'] for sn in members) == sorted(
        v['id'] for v in vols)

    groups_from = []
    for source in ({'group_snapshot_id': gsnap}, {'source_group_id': group}):
        resp = call('POST', '/groups/action', json={'create-from-src': dict(
            source, name='copy')})
        _check(s.GROUP_CREATE, resp, 202)
        groups_from.append(resp.json()['group']['id'])
    for copy in groups_from:
        until('/groups/%s' % copy, 'group', 'available')
        copied = [v for v in call('GET', '/volumes/detail').json()['volumes']
                  if v['group_id'] == copy]
        assert len(copied) == 2
    # a group with volumes is deleted only with its volumes
    assert 'delete-volumes' in error_of(call(
        'POST', '/groups/%s/action' % group, json={'delete': {}}), 400)
    # admins reset the status (3.20); a reset "creating" stays (it does not
    # follow the volumes as a new group's does)
    for status in ('creating', 'error'):
        assert call('POST', '/groups/%s/action' % group, admin=True, json={
            'reset_status': {'status': status}}).status_code == 202
        assert call('GET', '/groups/%s' % group).json()['group'][
            'status'] == status
    error_of(call('POST', '/groups/%s/action' % group, json={
        'reset_status': {'status': 'available'}}), 403)
    call('POST', '/groups/%s/action' % group, admin=True,
         json={'reset_status': {'status': 'available'}})

    assert call('DELETE', '/group_snapshots/%s' % gsnap).status_code == 202
    bs.until(lambda: call('GET', '/group_snapshots/%s' % gsnap
                          ).status_code == 404, what='group snapshot gone')
    for gid in [group] + groups_from:
        assert call('POST', '/groups/%s/action' % gid, json={
            'delete': {'delete-volumes': True}}).status_code == 202
    for gid in [group] + groups_from:
        bs.until(lambda: call('GET', '/groups/%s' % gid).status_code == 404,
                 what='group %s gone' % gid)
    assert [v for v in call('GET', '/volumes/detail').json()['volumes']
            if v['group_id'] in [group] + groups_from] == []
    # before 3.13 there are no groups
    error_of(dep.request('GET', '/groups', project=project), 404)


def test_groups_count_in_the_groups_quota(dep):
    project = 'groups-quota-%s' % id(dep)
    mv = '3.13'
    assert dep.request('PUT', '/os-quota-sets/%s' % project, admin=True,
                       json={'quota_set': {'groups': 1}}).status_code == 200
    vtype = dep.request('POST', '/types', admin=True, json={'volume_type': {
        'name': 'gq-%s' % project}}).json()['volume_type']['id']
    gtype = dep.request('POST', '/group_types', admin=True, microversion=mv,
                        json={'group_type': {'name': 'gq-%s' % project}}
                        ).json()['group_type']['id']
    body = {'group': {'group_type': gtype, 'volume_types': [vtype]}}
    first = dep.request('POST', '/groups', project=project, microversion=mv,
                        json=body)
    assert first.status_code == 202, first.text
    error_of(dep.request('POST', '/groups', project=project,
                         microversion=mv, json=body), 413)
    usage = dep.request('GET', '/os-quota-sets/%s?usage=true' % project,
                        project=project).json()['quota_set']['groups']
    assert usage['in_use'] == 1
    group = first.json()['group']['id']
    assert dep.request('POST', '/groups/%s/action' % group, project=project,
                       microversion=mv,
                       json={'delete': {}}).status_code == 202
    error_of(dep.request('GET', '/groups/%s' % group, project=project,
                         microversion=mv), 404)
    assert dep.request('POST', '/groups', project=project, microversion=mv,
                       json=body).status_code == 202
