"""Request bodies of the backup API: one schema per body and microversion,
each derived from the one before it. Fields clients send as null are
accepted as null (../shared/docs/api-compat.md)."""
import copy

_NAME = {'type': ['string', 'null'], 'maxLength': 255}
_UUID = {'type': 'string', 'minLength': 1, 'maxLength': 36}
_NULLABLE_UUID = {'type': ['string', 'null'], 'maxLength': 36}
_BOOL = {'type': ['boolean', 'string', 'null']}
_METADATA = {'type': 'object',
             'patternProperties': {'^.{1,255}$': {'type': ['string', 'null'],
                                                  'maxLength': 255}},
             'additionalProperties': False}


def _wrapped(key, properties, required=()):
    return {
        'type': 'object',
        'properties': {key: {'type': 'object', 'properties': properties,
                             'required': list(required),
                             'additionalProperties': False}},
        'required': [key],
        'additionalProperties': False,
    }


def _with(schema, key, **properties):
    derived = copy.deepcopy(schema)
    derived['properties'][key]['properties'].update(properties)
    return derived


CREATE = _wrapped('backup', {
    'volume_id': _UUID, 'container': _NAME, 'name': _NAME,
    'description': _NAME, 'incremental': _BOOL, 'force': _BOOL,
    'snapshot_id': _NULLABLE_UUID,
}, required=['volume_id'])
CREATE_V343 = _with(CREATE, 'backup', metadata=_METADATA)
CREATE_V351 = _with(CREATE_V343, 'backup', availability_zone=_NAME)

UPDATE_V309 = _wrapped('backup', {'name': _NAME, 'description': _NAME})
UPDATE_V343 = _with(UPDATE_V309, 'backup', metadata=_METADATA)

RESTORE = _wrapped('restore', {'volume_id': _NULLABLE_UUID, 'name': _NAME})

IMPORT = _wrapped('backup-record', {
    'backup_service': {'type': 'string', 'minLength': 1, 'maxLength': 255},
    'backup_url': {'type': 'string', 'minLength': 1},
}, required=['backup_service', 'backup_url'])

FORCE_DELETE = {
    'type': 'object',
    'properties': {'os-force_delete': {'type': ['object', 'null']}},
    'required': ['os-force_delete'],
    'additionalProperties': False,
}
RESET_STATUS = {
    'type': 'object',
    'properties': {'os-reset_status': {
        'type': 'object',
        'properties': {'status': {'type': 'string',
                                  'enum': ['available', 'error']}},
        'required': ['status'],
        'additionalProperties': False}},
    'required': ['os-reset_status'],
    'additionalProperties': False,
}
