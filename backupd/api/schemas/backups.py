"""Request bodies of the backup API: one schema per body and microversion,
each derived from the one before it. Fields clients send as null are
accepted as null (doc/contributor/api-compat.rst)."""
from backupd.api.schemas import parameter_types as types
from backupd import names

CREATE = types.wrapped('backup', {
    'volume_id': types.UUID, 'container': types.CONTAINER, 'name': types.NAME,
    'description': types.DESCRIPTION, 'incremental': types.BOOL,
    'force': types.BOOL, 'snapshot_id': types.NULLABLE_UUID,
}, required=['volume_id'])
CREATE_V343 = types.derived(CREATE, 'backup', metadata=types.METADATA)
CREATE_V351 = types.derived(CREATE_V343, 'backup',
                            availability_zone=types.NAME)

UPDATE_V309 = types.wrapped('backup', {'name': types.NAME,
                                       'description': types.DESCRIPTION})
UPDATE_V343 = types.derived(UPDATE_V309, 'backup', metadata=types.METADATA)

RESTORE = types.wrapped('restore', {'volume_id': types.NULLABLE_UUID,
                                    'name': types.NAME})

IMPORT = types.wrapped('backup-record', {
    'backup_service': names.RECORD_SERVICE,
    'backup_url': {'type': 'string', 'minLength': 1,
                   'maxLength': 1024 * 1024},
}, required=['backup_service', 'backup_url'])

# The decoded backup_url of import_record: what export_record writes
# (backupd.manager.backup.records), every field typed and bounded, so a
# crafted record is a 400 naming the field, never a 500 or a row no call can
# reach or remove. Sizes fit their columns (Integer, BigInteger).
_INT32 = {'type': 'integer', 'minimum': 0, 'maximum': 2 ** 31 - 1}
_NULLABLE_INT32 = dict(_INT32, type=['integer', 'null'])
_SHORT = {'type': ['string', 'null'], 'maxLength': 255,
          'format': names.TEXT_FORMAT}
RECORD = {
    'type': 'object',
    'properties': {
        'id': names.UUID, 'volume_id': names.UUID,
        'snapshot_id': names.NULLABLE_UUID, 'parent_id': names.NULLABLE_UUID,
        'encryption_key_id': names.NULLABLE_UUID,
        'display_name': names.DISPLAY_NAME,
        'display_description': names.DESCRIPTION,
        'container': names.CONTAINER,
        'availability_zone': _SHORT, 'service': _SHORT,
        # The manifest's name: informative only, a backup only ever reads
        # its own (backup_<id>/manifest); the driver refuses another.
        'service_metadata': {'type': ['string', 'null'],
                             'maxLength': names.OBJECT_MAX_BYTES,
                             'format': names.TEXT_FORMAT},
        'size': _INT32, 'object_count': _NULLABLE_INT32,
        'stored_bytes': {'type': ['integer', 'null'], 'minimum': 0,
                         'maximum': 2 ** 63 - 1},
        'data_timestamp': names.TIMESTAMP, 'created_at': names.TIMESTAMP,
        'metadata': dict(names.METADATA, type=['object', 'null']),
        'driver_info': {
            'type': ['object', 'null'],
            'properties': {
                'engine': _SHORT,
                'version': _NULLABLE_INT32,
                'container': names.CONTAINER,
                'service_metadata': {'type': ['string', 'null'],
                                     'maxLength': names.OBJECT_MAX_BYTES,
                                     'format': names.TEXT_FORMAT},
            },
            'additionalProperties': False,
        },
    },
    # size: shown as an integer in every backup body, and what a restore
    # to a new volume is sized by
    'required': ['id', 'volume_id', 'size'],
    'additionalProperties': False,
}

FORCE_DELETE = types.action('os-force_delete', {'type': 'object'},
                            nullable=True)
RESET_STATUS = types.action('os-reset_status', types.closed(
    {'status': {'type': 'string', 'enum': ['available', 'error']}},
    required=['status']))
