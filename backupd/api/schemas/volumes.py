"""Request bodies of the volume API, one schema per body and microversion."""
from backupd.api.schemas import parameter_types as types

_VOLUME_FIELDS = {
    # null (or absent) when copying a snapshot or volume: its size
    'size': dict(types.SIZE, type=['integer', 'string', 'null']),
    'name': types.NAME, 'description': types.DESCRIPTION,
    'display_name': types.NAME, 'display_description': types.DESCRIPTION,
    'snapshot_id': types.NULLABLE_UUID, 'source_volid': types.NULLABLE_UUID,
    'volume_type': types.NAME, 'availability_zone': types.NAME,
    'metadata': types.NULLABLE_METADATA, 'multiattach': types.BOOL,
    # Sent as null by clients; a value is refused by the handler with a
    # message (images, backups and groups are not volume sources here).
    'imageRef': types.NAME, 'image_id': types.NAME,
    'consistencygroup_id': types.NULLABLE_UUID,
    'source_replica': types.NULLABLE_UUID,
    # cinderclient sends both (as null) at every version, 3.0 included.
    'group_id': types.NULLABLE_UUID, 'backup_id': types.NULLABLE_UUID,
    'scheduler_hints': {'type': ['object', 'null']},
}

CREATE = types.wrapped('volume', _VOLUME_FIELDS)
CREATE['properties']['OS-SCH-HNT:scheduler_hints'] = {
    'type': ['object', 'null']}
UPDATE = types.wrapped('volume', {
    'name': types.NAME, 'description': types.DESCRIPTION,
    'display_name': types.NAME, 'display_description': types.DESCRIPTION,
    'metadata': types.METADATA,
})

ATTACH = types.action('os-attach', types.closed({
    'instance_uuid': types.NULLABLE_UUID,
    'mountpoint': dict(types.NAME, type='string', minLength=1),
    'host_name': types.NAME,
    'mode': {'type': 'string', 'enum': ['rw', 'ro']},
    'connector': {'type': ['object', 'null']},
}, required=['mountpoint']))
DETACH = types.action('os-detach', types.closed(
    {'attachment_id': types.NULLABLE_UUID}), nullable=True)
EXTEND = types.action('os-extend', types.closed(
    {'new_size': types.SIZE}, required=['new_size']))
RESET_STATUS = types.action('os-reset_status', types.closed({
    'status': {'type': 'string'},
    'attach_status': {'type': ['string', 'null'],
                      'enum': ['attached', 'detached', None]},
    'migration_status': {'type': ['string', 'null']},
}))
FORCE_DELETE = types.action('os-force_delete', {'type': 'object'},
                            nullable=True)

# /volumes/{id}/metadata (POST, PUT) and /volumes/{id}/metadata/{key} (PUT)
METADATA = types.closed({'metadata': types.METADATA}, required=['metadata'])
META = types.closed(
    {'meta': dict(types.METADATA, minProperties=1, maxProperties=1)},
    required=['meta'])
