"""The shared name rules (backupd.names) as the API applies them: request
schemas refuse bad containers, names, descriptions and metadata with a 400
naming the field, and the decoded import record is checked field by field.
The drivers apply the same rules: tests/contracts/backup_driver_cases.py."""
import base64
import json

import pytest

from backupd.api.schemas import backups as schemas
from backupd.api.schemas import snapshots as snapshot_schemas
from backupd.api.schemas import volumes as volume_schemas
from backupd.api import wsgi
from backupd import exception
from backupd.manager.backup import rpcapi
from backupd import names
from tests.contracts import backup_driver_cases

VOLUME = '0c6b6b8e-9d7e-4b51-a7a4-9b3e1fdc2a10'
BACKUP = '5e1b0a3c-1f0e-4f57-9f52-2f8b9e6c1d33'


def refused(body, schema):
    with pytest.raises(exception.InvalidInput) as caught:
        wsgi.validate(body, schema)
    return caught.value.msg


@pytest.mark.parametrize('bad', [c for c in backup_driver_cases.BAD_CONTAINERS
                                 if c] + ['\u2028', 'del\x7f', '\U0001F600',
                                          7, ['a']])
def test_backup_create_refuses_bad_containers_naming_the_field(bad):
    message = refused({'backup': {'volume_id': VOLUME, 'container': bad}},
                      schemas.CREATE_V351)
    assert message.startswith('Invalid input received: backup/container: ')
    assert len(message) < 400          # never the whole value echoed back


@pytest.mark.parametrize('good', [None, 'backups', 'with space', 'a.b-c_d',
                                  '.hidden', '\u00e9' * 128, 'x' * 255,
                                  '\u5907\u4efd'])
def test_backup_create_accepts_valid_containers(good):
    wsgi.validate({'backup': {'volume_id': VOLUME, 'container': good}},
                  schemas.CREATE)
    if good is not None:
        assert names.check_container(good) == good


def test_container_rule_counts_bytes_and_characters():
    assert names.container_problem('\u00e9' * 128) is None       # 256 B
    assert 'bytes' in names.container_problem('\u00e9' * 129)   # 258 B
    assert 'characters' in names.container_problem('x' * 256)
    assert 'surrogate' in names.container_problem('\udc80')
    with pytest.raises(names.InvalidName, match='control character'):
        names.check_container('a\nb')
    # a driver error (the backup ends "error" naming it), never a 500
    assert issubclass(names.InvalidName, exception.BackupDriverError)


@pytest.mark.parametrize('schema,key', [
    (schemas.CREATE_V343, 'backup'), (schemas.UPDATE_V343, 'backup'),
    (volume_schemas.UPDATE, 'volume'), (snapshot_schemas.CREATE, 'snapshot'),
])
def test_names_descriptions_and_metadata_follow_cinder_limits(schema, key):
    base = {'volume_id': VOLUME} if 'volume_id' in \
        schema['properties'][key]['properties'] else {}
    fields = schema['properties'][key]['properties']

    def body(**values):
        return {key: dict(base, **values)}

    wsgi.validate(body(name='n' * 255, description='d' * 255), schema)
    assert '%s/name' % key in refused(body(name='n' * 256), schema)
    assert '%s/description' % key in refused(body(description='d' * 256),
                                             schema)
    # \U0001F600: 4 bytes of UTF-8, which MariaDB refuses on oslo.db's
    # default "utf8" connection (DataError 1366, a 500 before the rule)
    for text in ('line\nbreak', 'nul\x00', 'esc\x1b[2J', 'smile\U0001F600'):
        assert '%s/name' % key in refused(body(name=text), schema)
    if 'metadata' in fields:
        wsgi.validate(body(metadata={'k' * 255: 'v' * 255}), schema)
        for bad in ({'': 'v'}, {'k' * 256: 'v'}, {'k': 'v' * 256},
                    {'k\n': 'v'}, {'k': 'v\r\n'}, {'k': 1}):
            assert '%s/metadata' % key in refused(body(metadata=bad), schema)


def test_attach_mountpoint_is_a_name_too():
    body = {'os-attach': {'mountpoint': '/dev/vdb'}}
    wsgi.validate(body, volume_schemas.ATTACH)
    body['os-attach']['mountpoint'] = '/dev/vdb\n2026-12-04 INFO forged'
    assert 'os-attach/mountpoint' in refused(body, volume_schemas.ATTACH)


# --- the decoded import record ----------------------------------------------

def record(**changes):
    """A record as export_record writes it, with ``changes``."""
    value = {
        'id': BACKUP, 'volume_id': VOLUME, 'snapshot_id': None,
        'display_name': 'exported', 'display_description': None,
        'container': 'backups', 'size': 1, 'object_count': 3,
        'stored_bytes': 4096, 'parent_id': None, 'availability_zone': 'nova',
        'service_metadata': 'backup_%s/manifest' % BACKUP,
        'service': 'posix', 'encryption_key_id': None,
        'data_timestamp': '2026-12-04T19:09:13.123456',
        'created_at': '2026-12-04T19:09:13', 'metadata': {'k': 'v'},
        'driver_info': {'engine': 'backupd-chunked', 'version': 2,
                        'container': 'backups',
                        'service_metadata': 'backup_%s/manifest' % BACKUP},
    }
    value.update(changes)
    return value


def record_refused(rec):
    with pytest.raises(exception.InvalidInput) as caught:
        wsgi.validate(rec, schemas.RECORD,
                      within=('backup-record', 'backup_url'))
    return caught.value.msg


def test_an_exported_record_is_valid():
    wsgi.validate(record(), schemas.RECORD)
    values = rpcapi.record_row_values(record(data_timestamp='2026-12-04T20:'
                                             '09:13+01:00'))
    assert values['data_timestamp'].isoformat() == '2026-12-04T19:09:13'
    # the driver fills these once it found the backup's own manifest
    assert values['service_metadata'] is None and values['service'] is None


@pytest.mark.parametrize('field,value', [
    ('id', 'a/b'), ('id', 42), ('id', 'x' * 36), ('id', BACKUP.upper()),
    ('volume_id', {'a': 1}), ('volume_id', None), ('snapshot_id', '../x'),
    ('parent_id', 'not-a-uuid'), ('size', 'abc'), ('size', -1),
    ('size', None),
    ('size', 2 ** 31), ('size', 1.5), ('object_count', True),
    ('stored_bytes', 2 ** 63), ('display_name', 'n' * (1024 * 1024)),
    ('display_name', 'a\nb'), ('container', '..'), ('container', 'c/backup_'
                                                    'x'),
    ('data_timestamp', 'yesterday'), ('created_at', '0001-01-01T00:00:00'),
    ('created_at', 12), ('metadata', ['k']), ('metadata', {'k': {'x': 1}}),
    ('service_metadata', 7), ('availability_zone', 'z' * 256),
    ('driver_info', 'posix'), ('unknown_field', 1),
])
def test_a_crafted_record_is_a_400_naming_the_field(field, value):
    message = record_refused(record(**{field: value}))
    assert 'backup-record/backup_url' in message
    assert field in message, message


def test_driver_info_fields_are_checked_too():
    message = record_refused(record(driver_info={'container': 'a//x'}))
    assert 'backup_url/driver_info/container' in message
    message = record_refused(record(driver_info={'extra': 1}))
    assert 'driver_info' in message


def test_decode_record_refuses_what_is_not_a_record():
    deep = base64.b64encode(b'[' * 100000 + b']' * 100000).decode()
    for url in ('not-base64!', base64.b64encode(b'[1]').decode(), deep,
                base64.b64encode(json.dumps({'id': BACKUP}).encode())
                .decode()):
        with pytest.raises(exception.InvalidInput, match='backup_url'):
            rpcapi.decode_record(url)
