"""Request bodies of the snapshot API, one schema per body and microversion."""
from backupd.api.schemas import parameter_types as types

# volume_id may be null: Cinder answers that with a 404 (no such volume),
# not a 400, and Tempest checks it.
CREATE = types.wrapped('snapshot', {
    'volume_id': types.NULLABLE_UUID, 'force': types.BOOL,
    'name': types.NAME, 'description': types.DESCRIPTION,
    'display_name': types.NAME, 'display_description': types.DESCRIPTION,
    'metadata': types.NULLABLE_METADATA,
}, required=['volume_id'])

UPDATE = types.wrapped('snapshot', {
    'name': types.NAME, 'description': types.DESCRIPTION,
    'display_name': types.NAME, 'display_description': types.DESCRIPTION,
})

RESET_STATUS = types.action('os-reset_status', types.closed(
    {'status': {'type': 'string'}}))
FORCE_DELETE = types.action('os-force_delete', {'type': 'object'},
                            nullable=True)
