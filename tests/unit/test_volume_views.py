"""Volume and snapshot views per microversion, and the shared list
parameters, on requests carrying a chosen microversion (the advertised
maximum is still 3.0, so HTTP tests cannot ask for these versions yet)."""
import datetime

import pytest
import webob

from backupd.api import common
from backupd.api import microversions
from backupd.api import urls
from backupd.api.views import snapshots as snapshot_views
from backupd.api.views import volumes as volume_views
from backupd.api import wsgi
from backupd.conf import CONF
from backupd.db import models
from backupd import exception

from tests.helpers.volume_api import SNAPSHOT_CREATE_KEYS
from tests.helpers.volume_api import SNAPSHOT_SHOW_KEYS
from tests.helpers.volume_api import VOLUME_ADMIN_KEYS
from tests.helpers.volume_api import VOLUME_CREATE_KEYS

NOW = datetime.datetime(2026, 11, 21, 12, 0, 0)


@pytest.fixture(scope='module', autouse=True)
def conf():
    CONF([], project='backupd', default_config_files=[])


def request(version='3.0', query=''):
    req = webob.Request.blank('/v3/demo/volumes' + query)
    req.environ[wsgi.VERSION_KEY] = microversions.APIVersion(version)
    req.environ[urls.URL_PREFIX_KEY] = 'http://api/v3/demo'
    return req


def volume(**values):
    return models.Volume(**dict({
        'id': 'v1', 'user_id': 'u', 'project_id': 'p', 'host': 'node1',
        'size': 1, 'availability_zone': 'nova', 'status': 'available',
        'display_name': 'n', 'created_at': NOW, 'bootable': False,
        'multiattach': False}, **values))


def snapshot():
    return models.Snapshot(id='s1', volume_id='v1', user_id='u',
                           project_id='p', status='available',
                           progress='100%', volume_size=1, created_at=NOW)


ALL_EXTENSIONS = {'host', 'tenant', 'migration'}


@pytest.mark.parametrize('version, admin, added', [
    ('3.0', False, set()),
    ('3.12', True, set()),
    ('3.13', False, {'group_id'}),
    ('3.21', False, {'group_id'}),
    ('3.21', True, {'group_id', 'provider_id'}),
    ('3.48', False, {'group_id', 'shared_targets', 'service_uuid'}),
    ('3.61', True, {'group_id', 'provider_id', 'shared_targets',
                    'service_uuid', 'cluster_name'}),
    ('3.63', False, {'group_id', 'shared_targets', 'service_uuid',
                     'volume_type_id'}),
    # 3.64's encryption_key_id only for an encrypted volume, as Cinder:
    # backupd's never are
    ('3.64', True, {'group_id', 'provider_id', 'shared_targets',
                    'service_uuid', 'cluster_name', 'volume_type_id'}),
])
def test_volume_keys_per_microversion(version, admin, added):
    req = request(version)
    created = volume_views.created(req, volume(), {}, [], admin)
    base = VOLUME_CREATE_KEYS | ({'migration_status'} if admin else set())
    assert set(created) == base | added
    shown = volume_views.detail(req, volume(), {}, [], admin,
                                ALL_EXTENSIONS if admin else {'tenant'})
    extensions = (VOLUME_ADMIN_KEYS - VOLUME_CREATE_KEYS if admin
                  else {'os-vol-tenant-attr:tenant_id'})
    assert set(shown) == base | added | extensions


def test_volume_values():
    req = request('3.48')
    shown = volume_views.detail(req, volume(bootable=True), {'a': 'b'}, [],
                                True, ALL_EXTENSIONS)
    assert shown['bootable'] == 'true'
    assert shown['os-vol-host-attr:host'] == 'node1@file#file'
    assert shown['shared_targets'] is False
    assert shown['service_uuid'] == volume_views.service_uuid('node1')
    assert shown['links'][0] == {'rel': 'self',
                                 'href': 'http://api/v3/demo/volumes/v1'}


@pytest.mark.parametrize('version, added', [
    ('3.0', set()), ('3.14', {'group_snapshot_id'}),
    ('3.41', {'group_snapshot_id', 'user_id'}),
])
def test_snapshot_keys_per_microversion(version, added):
    req = request(version)
    assert set(snapshot_views.created(req, snapshot(), {})) == (
        SNAPSHOT_CREATE_KEYS | added)
    # A list item is Cinder's summary: no microversion keys.
    assert set(snapshot_views.summary(snapshot(), {})) == SNAPSHOT_CREATE_KEYS
    assert set(snapshot_views.detail(req, snapshot(), {}, True)) == (
        SNAPSHOT_SHOW_KEYS | added)
    assert set(snapshot_views.detail(req, snapshot(), {}, False)) == (
        SNAPSHOT_CREATE_KEYS | added)


FILTERS = {'name': 'display_name', 'metadata': 'metadata'}
SORTS = {'name': 'display_name', 'size': 'size', 'created_at': 'created_at'}


def test_list_params_parse_cinder_syntax():
    params = common.list_params(request(
        query='?name=x&metadata=%7B%27k%27%3A+%27v%27%7D&sort=size:asc,name'
              '&limit=5&marker=m&unknown=1'), FILTERS, SORTS)
    assert params.filters == {'display_name': 'x', 'metadata': {'k': 'v'}}
    assert (params.sort_keys, params.sort_dirs) == (
        ['size', 'display_name'], ['asc', 'desc'])
    assert (params.limit, params.marker, params.with_count) == (5, 'm', False)
    legacy = common.list_params(request(query='?sort_key=name&sort_dir=asc'),
                                FILTERS, SORTS)
    assert (legacy.sort_keys, legacy.sort_dirs) == (['display_name'],
                                                    ['asc'])


@pytest.mark.parametrize('query, word', [
    ('?sort=size:up', 'up'), ('?sort=colour', 'colour'),
    ('?sort=size&sort_key=name', 'either'), ('?limit=x', 'limit'),
    ('?offset=-2', 'offset'), ('?metadata=notadict', 'metadata'),
])
def test_list_params_refusals(query, word):
    with pytest.raises(exception.InvalidInput, match=word):
        common.list_params(request(query=query), FILTERS, SORTS)


def test_with_count_needs_3_45_and_limit_is_capped():
    assert not common.list_params(request('3.44', '?with_count=true'),
                                  FILTERS, SORTS).with_count
    params = common.list_params(request('3.45', '?with_count=true'
                                        '&limit=999999'), FILTERS, SORTS)
    assert params.with_count and params.limit == CONF.osapi_max_limit
    rows = [volume(id='a'), volume(id='b')]
    body = common.collection_body(request('3.45', '?with_count=1&limit=2'),
                                  'volumes', ('volumes',), ['x', 'y'], rows,
                                  common.list_params(request(
                                      '3.45', '?with_count=1&limit=2'),
                                      FILTERS, SORTS), count=7)
    assert body['count'] == 7
    (link,) = body['volumes_links']
    assert link['rel'] == 'next' and 'marker=b' in link['href']
    assert 'with_count=1' in link['href']


def test_project_filter_all_tenants_only_for_admins():
    class Ctx:
        project_id = 'mine'
        is_admin = False
    req = request(query='?all_tenants=1&project_id=other')
    assert common.project_filter(Ctx, req) == 'mine'
    Ctx.is_admin = True
    assert common.project_filter(Ctx, req) == 'other'
    assert common.project_filter(Ctx, request(query='?all_tenants=1')) is None
    assert common.project_filter(Ctx, request()) == 'mine'


@pytest.mark.parametrize('version, binary, added', [
    ('3.0', 'backupd-volume', set()),
    ('3.7', 'backupd-backup', {'cluster'}),
    ('3.49', 'backupd-backup', {'cluster'}),
    ('3.49', 'backupd-volume', {'cluster', 'backend_state'}),
])
def test_service_keys_per_microversion(version, binary, added):
    from backupd.api.handlers import services
    row = models.Service(host='node1', binary=binary, topic=binary,
                         availability_zone='nova', heartbeat_at=NOW,
                         created_at=NOW, ready=False, disabled=False)
    body = services._view(request(version), row)
    assert set(body) == {'binary', 'host', 'zone', 'status', 'state',
                         'updated_at', 'disabled_reason'} | added
    if 'backend_state' in added:
        assert body['backend_state'] == 'down'  # driver not ready
