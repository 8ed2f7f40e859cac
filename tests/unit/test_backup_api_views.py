"""Backup response bodies: exactly Cinder's keys per call and microversion
(the advertised maximum is still 3.0, so later versions are checked here)."""
import datetime
import types

import pytest
import webob

from backupd.api import microversions
from backupd.api.schemas import backups as schemas
from backupd.api import urls
from backupd.api.views import backups as views
from backupd.api import wsgi
from backupd import exception

BASE = {'id', 'status', 'size', 'object_count', 'fail_reason', 'links',
        'created_at', 'updated_at', 'name', 'description', 'volume_id',
        'snapshot_id', 'container', 'availability_zone',
        'has_dependent_backups', 'is_incremental', 'data_timestamp'}
NOW = datetime.datetime(2026, 1, 2, 3, 4, 5)


def _req(version):
    req = webob.Request.blank('/v3/p/backups')
    req.environ[wsgi.VERSION_KEY] = microversions.APIVersion(version)
    req.environ[urls.URL_PREFIX_KEY] = 'http://h/v3/p'
    return req


def _row(**kw):
    values = dict(id='b1', status='available', size=1, object_count=None,
                  fail_reason=None, created_at=NOW, updated_at=None,
                  display_name='n', display_description=None,
                  volume_id='v1', snapshot_id=None, container='backups',
                  availability_zone='nova', num_dependent_backups=0,
                  parent_id=None, data_timestamp=NOW, project_id='p',
                  user_id='u', encryption_key_id=None)
    values.update(kw)
    return types.SimpleNamespace(**values)


@pytest.mark.parametrize('version, owner, extra', [
    ('3.0', True, set()),
    ('3.18', False, set()),
    ('3.18', True, {'os-backup-project-attr:project_id'}),
    ('3.43', False, {'metadata'}),
    ('3.56', True, {'os-backup-project-attr:project_id', 'metadata',
                    'user_id'}),
    ('3.64', False, {'metadata'}),
])
def test_detail_keys_per_microversion(version, owner, extra):
    body = views.detail(_req(version), _row(), {'k': 'v'}, show_owner=owner)
    assert set(body) == BASE | extra


def test_encryption_key_id_only_when_the_backup_has_one():
    """As Cinder from 3.64: the key of an encrypted backup, else no key."""
    row = _row(encryption_key_id='k1')
    assert views.detail(_req('3.64'), row)['encryption_key_id'] == 'k1'
    assert 'encryption_key_id' not in views.detail(_req('3.63'), row)
    assert 'encryption_key_id' not in views.detail(_req('3.64'), _row())


def test_detail_values():
    body = views.detail(_req('3.43'), _row(parent_id='b0',
                                           num_dependent_backups=2),
                        {'k': 'v'})
    assert body['is_incremental'] is True
    assert body['has_dependent_backups'] is True
    assert body['object_count'] == 0 and body['size'] == 1
    assert body['metadata'] == {'k': 'v'}
    assert body['links'][0] == {'rel': 'self',
                                'href': 'http://h/v3/p/backups/b1'}


def test_summary_and_restore_keys():
    assert set(views.summary(_req('3.0'), _row())) == {'id', 'name', 'links'}
    volume = types.SimpleNamespace(id='v2', display_name=None)
    assert views.restore(_row(), volume) == {'restore': {
        'backup_id': 'b1', 'volume_id': 'v2', 'volume_name': ''}}


@pytest.mark.parametrize('schema, body', [
    (schemas.CREATE, {'backup': {'volume_id': 'v', 'container': None,
                                 'name': None, 'description': None,
                                 'incremental': False, 'force': True,
                                 'snapshot_id': None}}),
    (schemas.CREATE_V343, {'backup': {'volume_id': 'v',
                                      'metadata': {'a': 'b'}}}),
    (schemas.CREATE_V351, {'backup': {'volume_id': 'v',
                                      'availability_zone': None}}),
    (schemas.RESTORE, {'restore': {'volume_id': None, 'name': None}}),
    (schemas.RESTORE, {'restore': {}}),
    (schemas.FORCE_DELETE, {'os-force_delete': None}),
    (schemas.FORCE_DELETE, {'os-force_delete': {}}),
    (schemas.RESET_STATUS, {'os-reset_status': {'status': 'error'}}),
    (schemas.IMPORT, {'backup-record': {'backup_service': 'posix',
                                        'backup_url': 'eyJ9'}}),
])
def test_bodies_clients_send_are_valid(schema, body):
    wsgi.validate(body, schema)


@pytest.mark.parametrize('schema, body, words', [
    (schemas.CREATE, {'backup': {}}, 'volume_id'),
    (schemas.CREATE, {'backup': {'volume_id': 'v', 'metadata': {}}},
     'metadata'),
    (schemas.CREATE_V343, {'backup': {'volume_id': 'v',
                                      'availability_zone': 'x'}},
     'availability_zone'),
    (schemas.RESET_STATUS, {'os-reset_status': {'status': 'creating'}},
     'creating'),
    (schemas.IMPORT, {'backup-record': {'backup_service': 'posix'}},
     'backup_url'),
])
def test_bad_bodies_are_400_naming_the_field(schema, body, words):
    with pytest.raises(exception.InvalidInput) as caught:
        wsgi.validate(body, schema)
    assert words in str(caught.value)


def test_bookmark_link_has_no_api_version():
    """Cinder's bookmark: the self link without /v3 (remove_version_from_href)."""
    links = views.summary(_req('3.0'), _row())['links']
    assert links == [{'rel': 'self', 'href': 'http://h/v3/p/backups/b1'},
                     {'rel': 'bookmark', 'href': 'http://h/p/backups/b1'}]


def test_timestamps_as_cinder_prints_them():
    """Six fractional digits also when they are zero (MariaDB keeps no
    fraction: every timestamp there), UTC without an offset."""
    import json
    whole = datetime.datetime(2025, 1, 1, 1, 0, 0)
    aware = datetime.datetime(2025, 1, 1, 3, 0, 0, 5,
                              tzinfo=datetime.timezone(
                                  datetime.timedelta(hours=2)))
    body = views.detail(_req('3.0'), _row(created_at=whole,
                                          updated_at=aware))
    shown = json.loads(wsgi.json_response({'backup': body}).body)['backup']
    assert shown['created_at'] == '2025-01-01T01:00:00.000000'
    assert shown['updated_at'] == '2025-01-01T01:00:00.000005'
