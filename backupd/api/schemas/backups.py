"""Request bodies of the backup API: one schema per body and microversion,
each derived from the one before it. Fields clients send as null are
accepted as null (../shared/docs/api-compat.md)."""
from backupd.api.schemas import parameter_types as types

CREATE = types.wrapped('backup', {
    'volume_id': types.UUID, 'container': types.NAME, 'name': types.NAME,
    'description': types.NAME, 'incremental': types.BOOL, 'force': types.BOOL,
    'snapshot_id': types.NULLABLE_UUID,
}, required=['volume_id'])
CREATE_V343 = types.derived(CREATE, 'backup', metadata=types.METADATA)
CREATE_V351 = types.derived(CREATE_V343, 'backup',
                            availability_zone=types.NAME)

UPDATE_V309 = types.wrapped('backup', {'name': types.NAME,
                                       'description': types.NAME})
UPDATE_V343 = types.derived(UPDATE_V309, 'backup', metadata=types.METADATA)

RESTORE = types.wrapped('restore', {'volume_id': types.NULLABLE_UUID,
                                    'name': types.NAME})

IMPORT = types.wrapped('backup-record', {
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
